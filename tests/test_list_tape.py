"""Lists that grow in a loop: derivatives right in both modes, and linear work.

A list appended to in a loop (the ODE pattern `path.append(step(path[-1], h))`) must
not be copied, nor taped whole, nor given a dense cotangent once per iteration.  The
work tests count the list items the runtime's copying helpers touch (a test hook
wrapping them), at two loop lengths: linear work grows 4x from n to 4n, quadratic 16x.
"""
import numpy as np
import pytest

import s2sad
import s2sad.runtime as rt
from s2sad.runtime import core, shape
from s2sad.testing import check_grads


def step(y, h):
    return y + h * np.sin(y)


def stacked(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(step(path[-1], h))
    return np.sum(np.array(path) ** 2)


def last(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(step(path[-1], h))
    return np.sum(path[-1] ** 3)


def summed(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(step(path[-1], h))
    return np.sum(sum(path) * h)


def by_index(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(path[i] + h * np.cos(path[i]) * path[0])
    return np.sum(np.array(path) ** 2)


def two_lists(y0, h, n):
    path, times = [y0], [0.0]
    for i in range(n):
        path.append(path[-1] + h * np.sin(path[-1] * times[-1]))
        times.append(times[-1] + h)
    return np.sum(np.array(path)) + times[-1] ** 2


def carried_state(y0, h, n):
    y, s = y0, np.sum(y0 ** 2)
    for i in range(n):
        y = step(y, h)
        s = s + np.sum(y ** 2)
    return s


PROGRAMS = [stacked, last, summed, by_index, two_lists]
# a float, an array, and items of mixed kinds (a float y0 with a 0-d array h: the
# list's items have no one kind)
ARGS = [(0.7, 0.05), (np.array([0.7, -0.4, 1.1]), 0.05), (0.7, np.array(0.05))]


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("y0, h", ARGS)
def test_gradients_of_growing_lists(f, y0, h):
    check_grads(lambda y0, h: f(y0, h, 6), (y0, h))


def test_list_and_carried_state_agree():
    y0, h = np.array([0.7, -0.4]), 0.2
    expected = s2sad.grad(carried_state, wrt=(0, 1))(y0, h, 25)
    got = s2sad.grad(stacked, wrt=(0, 1))(y0, h, 25)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)


# ---- the work hook ---------------------------------------------------------------

_COPYING = {core: ("appended", "without_last", "accumulate", "add_at", "copy_of", "setitem",
                   "concat_items"),
            shape: ("getitem_vjp",)}


def _items_touched(monkeypatch, call) -> int:
    """The list and tuple items passed to the runtime's copying helpers during `call()`."""
    touched = [0]
    for module, names in _COPYING.items():
        for name in names:
            original = getattr(module, name)

            def counting(*args, _original=original):
                touched[0] += sum(len(a) for a in args if isinstance(a, (list, tuple)))
                return _original(*args)
            for owner in (module, rt):
                if getattr(owner, name, None) is original:
                    monkeypatch.setattr(owner, name, counting)
    try:
        call()
    finally:
        monkeypatch.undo()
    return touched[0]


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("y0, h", ARGS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_work_is_linear_in_the_number_of_appends(monkeypatch, f, y0, h, mode):
    if mode == "reverse":
        derivative = s2sad.grad(f, wrt=(0, 1))
        run = lambda n: derivative(y0, h, n)                        # noqa: E731
    else:
        run = lambda n: s2sad.jvp(f, (y0, h, n), (y0, h, 0))       # noqa: E731
    run(3)                                   # generated and loaded before counting
    small = _items_touched(monkeypatch, lambda: run(100))
    large = _items_touched(monkeypatch, lambda: run(400))
    assert large <= 6 * max(small, 1), (small, large)
    assert large <= 20 * 400, (small, large)
