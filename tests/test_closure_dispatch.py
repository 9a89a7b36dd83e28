"""A closure made again, differentiated by `grad`/`value_and_grad` (dispatch.FastPath).

Its first call finds the derivative another closure of the same code was called with,
bound to its own cells, without binding arguments or asking the compiler
(`_bound_call` is not reached).  Each test checks that this holds only where it
applies: other cell values and kinds are read when the derivative runs, another
function or module in a cell, another rule, other globals or other argument kinds
take the general path.  Every derivative is checked against central differences.
"""
from __future__ import annotations

import importlib.util
import math
import pathlib
import sys

import numpy as np
import pytest

import s2sad
from s2sad import api
from s2sad.errors import NonDifferentiableError

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "benchmarks"))
from overhead import scalar as untyped  # noqa: E402  (the benchmark's untyped function)

RNG = np.random.default_rng(21)


def directional(f, x, d, h=1e-6):
    """Central difference of f at x along d."""
    return (f(x + h * d) - f(x - h * d)) / (2 * h)


def assert_gradient(f, g, x, rtol=1e-6, atol=1e-9):
    """g (the gradient of f at x) against central differences in random directions."""
    for _ in range(3):
        d = RNG.normal(size=np.shape(x)) if np.ndim(x) else float(RNG.normal())
        np.testing.assert_allclose(np.sum(g * d), directional(f, x, d), rtol=rtol, atol=atol)


@pytest.fixture
def general_calls(monkeypatch):
    """How many calls took the general path (bound their arguments) during the test."""
    calls = []
    bound_call = api._bound_call
    monkeypatch.setattr(api, "_bound_call", lambda *a: calls.append(a) or bound_call(*a))
    s2sad.clear_caches()
    return calls


def regression(w, inputs, target):
    residual = np.tanh(inputs @ w) - target
    return np.sum(residual * residual)


def objective(inputs, target, scale):
    return lambda w: scale * regression(w, inputs, target)


def test_closures_made_again_share_the_call_path_and_read_their_own_cells(general_calls):
    w = RNG.normal(size=3)
    made = [objective(RNG.normal(size=(4, 3)), RNG.normal(size=4), 0.5 + k) for k in range(5)]
    for f in made:
        assert_gradient(f, s2sad.grad(f)(w), w)
        value, g = s2sad.value_and_grad(f)(w)
        assert value == f(w)
        assert_gradient(f, g, w)
    # the first closure's first grad and first value_and_grad call only (grad's code
    # leaves out the value, so the two share nothing)
    assert len(general_calls) == 2


def test_other_argument_kinds_and_wrt_take_the_general_path(general_calls):
    batch, target = RNG.normal(size=(4, 3)), RNG.normal(size=4)
    w = RNG.normal(size=3)
    s2sad.grad(objective(batch, target, 1.0))(w)
    w32 = w.astype(np.float32)
    f = objective(batch.astype(np.float32), target.astype(np.float32), np.float32(2.0))
    g32 = s2sad.grad(f)(w32)
    assert g32.dtype == np.float32
    f64 = objective(batch.astype(np.float32).astype(float), target.astype(np.float32)
                    .astype(float), 2.0)                  # the same function in float64
    assert_gradient(f64, g32.astype(float), w32.astype(float), rtol=1e-4, atol=1e-4)
    f2 = objective(batch, target, 3.0)
    g_tuple = s2sad.grad(lambda w, s: s * f2(w), wrt=(0, 1))(w, 2.0)
    assert isinstance(g_tuple, tuple) and g_tuple[1] == pytest.approx(f2(w))
    assert len(general_calls) == 3


def scaled(c):
    return lambda x: np.sum(c * x ** 2)


def test_a_cell_that_held_a_float_may_hold_an_array():
    x = RNG.normal(size=3)
    for c in (2.0, RNG.normal(size=3), np.float32(0.5), 1.5, RNG.normal(size=(2, 3))):
        f = scaled(c)
        g = s2sad.grad(f)(x)
        assert g.shape == x.shape and g.dtype == x.dtype
        assert_gradient(f, g, x)


def float_closure(c):
    return lambda x, y: c * x * y + x ** 2


def test_float_arguments_with_a_cell_of_another_kind():
    f = float_closure(1.5)
    assert_gradient(lambda x: f(x, 0.7), s2sad.grad(f)(0.3, 0.7), 0.3)
    f = float_closure(-2.0)
    g = s2sad.grad(f)(0.3, 0.7)
    assert type(g) is float
    assert_gradient(lambda x: f(x, 0.7), g, 0.3)
    with pytest.raises(NonDifferentiableError, match="scalar output"):
        s2sad.grad(float_closure(np.ones(2)))(0.3, 0.7)     # the output is an array
    f = float_closure(2.5)
    assert_gradient(lambda x: f(x, 0.7), s2sad.grad(f)(0.3, 0.7), 0.3)


def with_activation(act, w):
    return lambda x: np.sum(act(w * x))


def cube(z):
    return z ** 3


def test_another_function_in_a_cell_is_another_derivative(general_calls):
    w, x = RNG.normal(size=3), RNG.normal(size=3)
    for act in (np.tanh, np.sin, cube, np.tanh, cube):
        f = with_activation(act, w)
        assert_gradient(f, s2sad.grad(f)(x), x)
    assert len(general_calls) == 3        # the second tanh and cube share the first ones


def with_module(m):
    return lambda x: m.sin(x) * 2.0


def summed_with_module(m):
    return lambda x: np.sum(m.sin(x) * 2.0)


MODULE = '''
def sin(x):
    return x ** 3
'''


def test_another_module_in_a_cell_is_another_derivative(tmp_path):
    path = tmp_path / "closure_dispatch_mod.py"
    path.write_text(MODULE)
    spec = importlib.util.spec_from_file_location("closure_dispatch_mod", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for m, expected in ((np, 2 * math.cos(0.3)), (module, 6 * 0.09), (math, 2 * math.cos(0.3)),
                        (module, 6 * 0.09)):
        assert s2sad.grad(with_module(m))(0.3) == pytest.approx(expected, rel=1e-12)
    x = RNG.normal(size=3)
    for m in (np, module, np):
        f = summed_with_module(m)
        assert_gradient(f, s2sad.grad(f)(x), x)


def test_a_rule_of_a_closure_made_again_is_used():
    w = RNG.normal(size=3)
    h = scaled(3.0)
    s2sad.defvjp(h, "x", x="g * 7.0 * x")
    np.testing.assert_allclose(s2sad.grad(scaled(2.0))(w), 4.0 * w, rtol=1e-12)
    np.testing.assert_allclose(s2sad.grad(h)(w), 7.0 * w, rtol=1e-12)
    np.testing.assert_allclose(s2sad.grad(scaled(5.0))(w), 10.0 * w, rtol=1e-12)


X0 = 1.5


def keyword_default(x, *, k=X0):
    return x * x * x * k


def test_a_keyword_default_that_is_the_argument_is_not_a_leading_argument():
    g = s2sad.grad(keyword_default)
    assert g(X0) == pytest.approx(3 * X0 ** 3, rel=1e-12)
    assert g(2.0) == pytest.approx(3 * 4.0 * X0, rel=1e-12)


def test_second_order_of_closures_made_again():
    x = RNG.normal(size=3)
    for c in (2.0, RNG.normal(size=3), -0.5):
        f = with_activation(np.tanh, c)
        h = s2sad.hessian(f)(x)
        grad_f = s2sad.grad(f)
        for _ in range(2):
            d = RNG.normal(size=3)
            np.testing.assert_allclose(h @ d, directional(grad_f, x, d), rtol=1e-5, atol=1e-8)
        _, hd = s2sad.jvp(grad_f, (x,), (d,))
        np.testing.assert_allclose(hd, h @ d, rtol=1e-10, atol=1e-12)
    for c in (1.5, -2.0):
        f = float_closure(c)
        gg = s2sad.grad(s2sad.grad(f))
        assert gg(0.3, 0.7) == pytest.approx(2.0, rel=1e-12)
        mixed = s2sad.grad(s2sad.grad(f), wrt=1)
        assert mixed(0.3, 0.7) == pytest.approx(c, rel=1e-12)


POINTS = [(1.0, 2.0, 3.0), (-1.0, 2.0, 0.5), (0.3, 0.2, -0.4), (2.0, -3.0, 1.5), (0.9, 0.1, 0.2)]


def test_the_untyped_scalar_gradient_on_every_branch():
    g = s2sad.grad(untyped, wrt=(0, 1, 2))
    for point in POINTS * 2:                  # the second round runs the kept derivatives
        grads = g(*point)
        assert all(type(d) is float for d in grads)
        for i in range(3):
            def along(t, i=i):
                moved = list(point)
                moved[i] = t
                return untyped(*moved)
            assert grads[i] == pytest.approx(directional(along, point[i], 1.0), rel=1e-6, abs=1e-8)
        assert grads == pytest.approx(s2sad.grad(untyped, wrt=(0, 1, 2), mode="forward")(*point),
                                      rel=1e-12)
    second = s2sad.grad(s2sad.grad(untyped))
    for point in POINTS:
        first = s2sad.grad(untyped)
        assert second(*point) == pytest.approx(
            directional(lambda t: first(t, *point[1:]), point[0], 1.0), rel=1e-5, abs=1e-7)


def logged(x):
    return math.log(x) * 2.0


def test_an_error_on_the_kept_path_names_the_user_line():
    g = s2sad.grad(logged)
    assert g(2.0) == pytest.approx(1.0)
    with pytest.raises(ValueError) as info:
        g(-1.0)
    assert any("test_closure_dispatch.py" in note and "math.log(x)" in note
               for note in getattr(info.value, "__notes__", ()))


def rebindable(c):
    def f(x):
        return np.sum(c * x ** 2)

    def rebind(value):
        nonlocal c
        c = value
    return f, rebind


def test_a_cell_rebound_to_another_kind_after_the_kept_path_is_read_when_called():
    f, rebind = rebindable(2.0)
    g = s2sad.grad(f)
    x = RNG.normal(size=3)
    for c in (2.0, RNG.normal(size=(2, 3)), 0.5, RNG.normal(size=3)):
        rebind(c)
        got = g(x)
        assert got.shape == x.shape
        assert_gradient(f, got, x)
