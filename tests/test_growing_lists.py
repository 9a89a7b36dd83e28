"""Lists grown by append in a loop, item by item: derivatives of every kind of item
(Python floats, arrays, NumPy scalars mixed with floats, float32), read back at
several positions, summed, stacked, appended in branches or started empty; checked
by finite differences, forward against reverse, and at second order.  Also the
runtime's shortcuts for lists of numbers agree with its general path, and the
cotangent of `np.array(path)` is made in one conversion, not one helper call per item.
"""
import numpy as np
import pytest

import s2sad
from s2sad.runtime import common, constructors, core
from s2sad.testing import check_grads
from tests.test_list_tape import step, summed


def last_two(y0, h, n):
    path = [y0, step(y0, h)]
    for i in range(n):
        path.append(path[-1] + h * np.cos(path[-2]))
    return np.sum(np.array(path) ** 2)


def by_position(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(step(path[i], h) * path[0])
    return np.sum(path[-1] * path[1])


def stacked(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(np.cos(path[-1]) * h + path[-1])
    return np.sum(np.stack(path) ** 2)


def in_branches(y0, h, n):
    path = [y0]
    for i in range(n):
        if i % 2 == 0:
            path.append(step(path[-1], h))
        else:
            path.append(path[-1] * h + path[-1])
    return np.sum(np.array(path) ** 2)


def started_empty(y0, h, n):
    path = []
    y = y0
    for i in range(n):
        y = step(y, h)
        path.append(y)
    return np.sum(np.array(path + [y0]) ** 3)


PROGRAMS = [last_two, by_position, stacked, summed, in_branches, started_empty]
ARGS = {"float": (0.7, 0.05), "vector": (np.array([0.7, -0.4, 1.1]), 0.05),
        "mixed": (0.7, np.array(0.05)), "float32": (np.float32(0.7), np.float32(0.05)),
        "float32 vector": (np.array([0.7, -0.4], np.float32), np.float32(0.05))}


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("state", ARGS)
def test_first_order(f, state):
    """Finite differences in both modes and the forward/reverse dot-product test."""
    check_grads(lambda y0, h: f(y0, h, 5), ARGS[state])


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("state", ["float32", "float32 vector"])
def test_float32_cotangents_keep_their_dtype(f, state):
    y0, h = ARGS[state]
    by0, bh = s2sad.grad(f, wrt=(0, 1))(y0, h, 5)
    assert np.result_type(by0) == np.float32 and np.shape(by0) == np.shape(y0)
    assert np.result_type(bh) == np.float32


def _flat(blocks):
    return np.concatenate([np.ravel(b) for b in blocks])


@pytest.mark.parametrize("f", PROGRAMS)
@pytest.mark.parametrize("state", ["float", "vector", "mixed"])
def test_hessian_matches_differences_of_the_gradient(f, state):
    y0, h = ARGS[state]
    grad = s2sad.grad(f, wrt=(0, 1))
    sizes = [np.size(y0), 1]
    hess = s2sad.hessian(f, wrt=(0, 1))(y0, h, 4)
    rows = [np.concatenate([np.reshape(hess[i][j], (sizes[i], sizes[j]))
                            for j in range(2)], axis=1) for i in range(2)]
    analytic = np.concatenate(rows, axis=0)
    numeric = np.zeros_like(analytic)
    eps = 1e-6
    for k in range(sum(sizes)):
        def shifted(sign):
            x = _flat([y0, h]) + sign * eps * np.eye(sum(sizes))[k]
            a = x[0] if np.ndim(y0) == 0 else x[:sizes[0]]
            b = x[-1] if np.ndim(h) == 0 and not isinstance(h, np.ndarray) else np.array(x[-1])
            return _flat(grad(a, b, 4))
        numeric[k] = (shifted(1) - shifted(-1)) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("f", [last_two, stacked, in_branches])
def test_reverse_over_reverse(f):
    y0, h = ARGS["float"]
    second = s2sad.grad(s2sad.grad(f, wrt=0), wrt=0)(y0, h, 4)
    expected = s2sad.hessian(f, wrt=0)(y0, h, 4)
    np.testing.assert_allclose(second, expected, rtol=1e-10)


def test_no_steps():
    y0, h = 0.7, 0.05
    assert s2sad.grad(stacked, wrt=(0, 1))(y0, h, 0) == (2 * y0, 0.0)
    assert s2sad.grad(started_empty, wrt=(0, 1))(y0, h, 0) == (3 * y0 ** 2, 0.0)


# ---- the runtime's shortcuts for lists of numbers ---------------------------------

def _general_like(g, items):
    return tuple(common.like(g[i], item) for i, item in enumerate(items))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_array_cotangent_of_a_list_of_numbers(dtype):
    """Each item gets its own type back (a float a float, a NumPy scalar its dtype)
    with the value the per-item path gives, float32 rounding included."""
    items = [0.5, np.float64(1.5), np.float32(2.5), 3.5]
    g = np.array([0.1, 1 / 3, 2 / 3, 1e-9], dtype)
    got, expected = constructors.array_vjp(g, items), _general_like(g, items)
    assert [type(v) for v in got] == [float, np.float64, np.float32, float]
    assert [type(v) for v in got] == [type(v) for v in expected]
    assert list(got) == list(expected)
    assert constructors.array_vjp(np.zeros(0), []) == ()


def test_array_cotangent_of_other_lists_takes_the_general_path():
    items = [1, np.array(2.0), True]
    got = constructors.array_vjp(np.array([0.5, 1.5, 2.5]), items)
    assert type(got[0]) is float and got[0] == 0.5
    assert isinstance(got[1], np.ndarray) and got[1].shape == () and got[1] == 1.5
    assert got[2] == 2.5


def test_add_at_and_cast_like_on_numbers():
    acc = [1.0, np.float32(2.0), 3.0]
    assert core.add_at_inplace(acc, 1, np.float32(0.5)) is acc
    assert type(acc[1]) is np.float32 and acc[1] == 2.5
    assert core.add_at_inplace(acc, -1, 0.25)[-1] == 3.25
    nested = [[1.0, 2.0], 3.0]
    assert core.add_at_inplace(nested, 0, (0.5, 0.5))[0] == (1.5, 2.5)
    for g in (np.float32(1.25), np.float64(1.25), 1.25):
        assert core.cast_like(g, type(g)(3.0)) is g
    assert type(core.cast_like(np.float64(1.25), 3.0)) is float
    assert type(core.cast_like(1.25, np.float32(3.0))) is np.float32


@pytest.mark.parametrize("state", ["float", "mixed", "float32"])
def test_array_cotangent_is_one_conversion(monkeypatch, state):
    """Reverse mode of np.array(path) over n steps calls the per-item helper a fixed
    number of times, not once per item."""
    y0, h = ARGS[state]
    grad = s2sad.grad(last_two, wrt=(0, 1))
    grad(y0, h, 3)
    calls = [0]
    original = common.like

    def counting(*args):
        calls[0] += 1
        return original(*args)
    monkeypatch.setattr(common, "like", counting)
    monkeypatch.setattr(constructors, "like", counting)
    grad(y0, h, 300)
    assert 1 <= calls[0] <= 2, calls[0]
