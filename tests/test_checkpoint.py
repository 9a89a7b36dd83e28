"""Checkpointed reverse mode (`checkpoint=`): the same derivatives, a bounded tape.

Gradients are checked against the unchecked gradient and central differences; the
memory bound is measured with tracemalloc at two trip counts (a tape grows with n,
the snapshots and one segment's tape with about sqrt(n), the binomial schedule's c
snapshots not at all).  The binomial (revolve) schedule: test_checkpoint_revolve.py.
"""
import math
import tracemalloc

import numpy as np
import pytest

import s2sad
import s2sad.runtime as rt
from s2sad.errors import NonDifferentiableError, UnsupportedSyntaxError


def scalar_loop(x, a, n):
    s = 0.0
    for i in range(n):
        x = x + 0.01 * math.sin(a * x)
        s = s + x * x
    return s + x


def array_state(y, w, n):
    for i in range(2, n + 2, 1):
        y = np.tanh(w * y + 0.1 * i)
    return np.sum(y ** 2)


def branches_and_inner_loop(x, a, n):
    total = 0.0
    for i in range(n):
        if x > 0.5:
            x = x * 0.9 + a * 0.01
        else:
            x = x + math.sin(a * x) * 0.1
        k = 0
        while k < 2:
            total = total + x * a
            k += 1
    return total + x


def two_loops_and_a_list(x, a, n):
    items = [x]
    for i in range(n):
        items.append(items[-1] * 0.95 + a * math.cos(items[-1]))
    s = 0.0
    for i in range(n - 1, -1, -2):
        s = s + items[i] * items[i + 1]
    return s


PROGRAMS = [(scalar_loop, (0.3, 1.5)), (array_state, (np.array([0.2, -0.5, 0.9]), 0.8)),
            (branches_and_inner_loop, (0.3, 1.2)), (two_loops_and_a_list, (0.4, 0.7))]


@pytest.mark.parametrize("f, args", PROGRAMS)
@pytest.mark.parametrize("checkpoint", [True, 1, 3, 50, ("revolve", 1), ("revolve", 3)])
@pytest.mark.parametrize("n", [0, 1, 7, 20])
def test_checkpointed_gradient_equals_the_taped_one(f, args, checkpoint, n):
    wrt = (0, 1)
    expected = s2sad.grad(f, wrt=wrt)(*args, n)
    got = s2sad.grad(f, wrt=wrt, checkpoint=checkpoint)(*args, n)
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("f, args", PROGRAMS)
def test_checkpointed_gradient_against_differences(f, args):
    vg = s2sad.value_and_grad(f, wrt=(0, 1), checkpoint=2)
    value, grads = vg(*args, 9)
    assert value == f(*args, 9)
    rng = np.random.default_rng(0)
    for _ in range(2):
        dirs = [rng.standard_normal(np.shape(a)) for a in args]
        eps = 1e-6
        plus = f(*[a + eps * d for a, d in zip(args, dirs)], 9)
        minus = f(*[a - eps * d for a, d in zip(args, dirs)], 9)
        directional = sum(np.sum(g * d) for g, d in zip(grads, dirs))
        assert abs(directional - (plus - minus) / (2 * eps)) <= 1e-6 * (1 + abs(directional))


def test_vjp_with_checkpoint_matches_and_passes_the_dot_product_test():
    y, w = np.array([0.2, -0.5, 0.9]), 0.8
    out, pullback = s2sad.vjp(array_state, y, w, 30, checkpoint=4)
    out0, pullback0 = s2sad.vjp(array_state, y, w, 30)
    assert out == out0
    by, bw, bn = pullback(1.5)
    by0, bw0, _ = pullback0(1.5)
    assert bn is None
    np.testing.assert_allclose(by, by0, rtol=1e-13)
    assert bw == pytest.approx(bw0, rel=1e-13)
    dy, dw = np.array([0.3, 0.1, -0.7]), -0.4
    _, dout = s2sad.jvp(array_state, (y, w, 30), (dy, dw, 0))
    assert np.sum(by * dy) + bw * dw == pytest.approx(1.5 * dout, rel=1e-12)


def _peak(fn, *args) -> int:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_like_the_square_root_of_the_trip_count():
    taped = s2sad.grad(scalar_loop, wrt=(0, 1))
    checked = s2sad.grad(scalar_loop, wrt=(0, 1), checkpoint=True)
    taped(0.3, 1.5, 5), checked(0.3, 1.5, 5)            # generated before measuring
    small, large = 10_000, 40_000
    taped_small, taped_large = _peak(taped, 0.3, 1.5, small), _peak(taped, 0.3, 1.5, large)
    checked_small, checked_large = (_peak(checked, 0.3, 1.5, small),
                                    _peak(checked, 0.3, 1.5, large))
    assert taped_large > 3 * taped_small                # the tape: linear in n
    assert checked_large < 2.6 * checked_small          # sqrt(4) = 2, with slack
    assert checked_large * 20 < taped_large


def test_revolve_memory_does_not_grow_with_the_trip_count():
    taped = s2sad.grad(scalar_loop, wrt=(0, 1))
    binomial = s2sad.grad(scalar_loop, wrt=(0, 1), checkpoint=("revolve", 10))
    taped(0.3, 1.5, 5), binomial(0.3, 1.5, 5)           # generated before measuring
    small, large = 3_000, 12_000
    taped_small, taped_large = _peak(taped, 0.3, 1.5, small), _peak(taped, 0.3, 1.5, large)
    binomial_small = _peak(binomial, 0.3, 1.5, small)
    binomial_large = _peak(binomial, 0.3, 1.5, large)
    assert taped_large > 3 * taped_small                # the tape: linear in n
    assert binomial_large < 1.3 * binomial_small + 2_000  # c snapshots: not growing
    assert binomial_large * 20 < taped_large


def calls_scalar_loop(x, a, n):
    return scalar_loop(x, a, n) * x


def test_the_loop_of_a_called_function_keeps_a_bounded_tape():
    taped = s2sad.grad(calls_scalar_loop, wrt=(0, 1))
    binomial = s2sad.grad(calls_scalar_loop, wrt=(0, 1), checkpoint=("revolve", 10, 4))
    taped(0.3, 1.5, 5), binomial(0.3, 1.5, 5)
    assert binomial(0.3, 1.5, 300) == pytest.approx(taped(0.3, 1.5, 300), rel=1e-13)
    small, large = 3_000, 12_000
    binomial_small = _peak(binomial, 0.3, 1.5, small)
    binomial_large = _peak(binomial, 0.3, 1.5, large)
    assert binomial_large < 1.3 * binomial_small + 2_000
    assert binomial_large * 20 < _peak(taped, 0.3, 1.5, large)


def test_loops_that_are_not_eligible_are_taped_as_usual():
    def mixed(x, n):
        k = 0
        while k < n:                       # not checkpointed: taped
            x = x * 1.1
            k += 1
        for i in range(n):                 # checkpointed
            x = math.sin(x) + x
        return x
    expected = s2sad.grad(mixed)(0.4, 6)
    assert s2sad.grad(mixed, checkpoint=2)(0.4, 6) == pytest.approx(expected, rel=1e-13)
    source = s2sad.source(mixed, checkpoint=2, example_args=(0.4, 6))
    assert source.count("rt.checkpoint_store(") == 1


def while_only(x, n):
    k = 0
    while k < n:
        x = x * 1.1
        k += 1
    return x


def with_break(x, n):
    for i in range(n):
        x = x * 1.1
        if x > 2.0:
            break
    return x


@pytest.mark.parametrize("f", [while_only, with_break])
def test_a_function_without_an_eligible_loop_is_refused(f):
    with pytest.raises(NonDifferentiableError, match="no loop it applies to") as info:
        s2sad.grad(f, checkpoint=True)(0.5, 4)
    assert "test_checkpoint.py" in str(info.value)


def draws(x, n):
    for i in range(n):
        x = x + 0.1 * np.random.standard_normal()
    return x * x


def test_a_loop_computing_other_values_when_run_again_is_refused():
    with pytest.raises(NonDifferentiableError, match="computed other values"):
        s2sad.grad(draws, checkpoint=2)(0.5, 6)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "yes", ("revolve", 0), ("revolve", 2.5),
                                 ("revolve", True), ("revolve",), ("binomial", 3),
                                 ["revolve", 3], ("revolve", 2, 0), ("revolve", 2, 1.5),
                                 ("revolve", 2, 3, 4)])
def test_bad_checkpoint_values(bad):
    with pytest.raises(ValueError, match="checkpoint must be"):
        s2sad.grad(scalar_loop, checkpoint=bad)


def test_checkpoint_needs_reverse_mode_and_the_python_backend():
    with pytest.raises(ValueError, match="reverse mode"):
        s2sad.grad(scalar_loop, mode="forward", checkpoint=True)
    with pytest.raises(ValueError, match="Python backend"):
        s2sad.grad(scalar_loop, backend="numba", checkpoint=True)


def differentiates_checkpoint_bookkeeping(x):
    store = rt.checkpoint_store(0, 3, 1, 2, "here")
    rt.checkpoint_save(store, x)
    return rt.checkpoint_restore(store, 0)[0] * x


def test_checkpointed_derivative_code_is_not_differentiated_again():
    with pytest.raises(UnsupportedSyntaxError, match="checkpoint_save"):
        s2sad.grad(differentiates_checkpoint_bookkeeping)(0.5)
