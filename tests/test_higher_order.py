"""Derivatives of derivatives: every function s2sad returns can be differentiated
again, to any depth, in any mix of modes, and called inside a differentiated
function.  Checked against analytic derivatives and against central differences of
the derivative one order lower."""
from __future__ import annotations

import math

import numpy as np
import pytest

import s2sad
from s2sad import loader
from s2sad.compiler import DEFAULT
from s2sad.parsing import parse_function


def quartic(x):
    return x ** 4 - 3.0 * x ** 2 + x


def quartic_derivatives(x):
    return [quartic(x), 4 * x ** 3 - 6 * x + 1, 12 * x ** 2 - 6, 24 * x, 24.0]


def damped(x):
    return math.sin(x) * math.exp(-0.3 * x)


def looped(x):
    """A data-dependent while, a break and an early return."""
    y, k = x, 0
    while y < 3.0:
        y = y * 1.5 + 0.1 * math.sin(y)
        k += 1
        if k > 20:
            break
    if y > 100.0:
        return y
    for _ in range(3):
        y = y * x - 0.5 * math.cos(y)
    return y


def _central(g, x, h=1e-5):
    return (g(x + h) - g(x - h)) / (2 * h)


def _nested(levels, fn):
    """Apply the derivative operators in `levels` (innermost first) to fn."""
    for op in levels:
        fn = op(fn)
    return fn


def _tangent_of(f):
    def tangent(x):
        return s2sad.jvp(f, (x,), (1.0,))[1]
    return tangent


def _forward_grad(f):
    return s2sad.grad(f, mode="forward")


def _forward_jacobian(f):
    return s2sad.jacobian(f, mode="forward")


SCALAR_OPS = {"grad": s2sad.grad, "grad_forward": _forward_grad, "jacobian": s2sad.jacobian,
              "jacobian_forward": _forward_jacobian, "jvp": _tangent_of}


@pytest.mark.parametrize("inner", sorted(SCALAR_OPS))
@pytest.mark.parametrize("outer", sorted(SCALAR_OPS))
def test_second_derivative_in_every_mix_of_modes(inner, outer):
    d2 = _nested([SCALAR_OPS[inner], SCALAR_OPS[outer]], quartic)
    for x in (-1.3, 0.4, 2.0):
        assert float(d2(x)) == pytest.approx(quartic_derivatives(x)[2], rel=1e-12)


@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_grad_of_grad_at_depth(depth, mode):
    fn = quartic
    for _ in range(depth):
        fn = s2sad.grad(fn, mode=mode)
    for x in (-0.7, 1.1):
        assert fn(x) == pytest.approx(quartic_derivatives(x)[depth], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("f", [damped, looped])
def test_higher_orders_match_differences_of_the_order_below(f):
    lower = f
    for _ in range(3):
        higher = s2sad.grad(lower)
        for x in (0.35, 0.8):
            assert higher(x) == pytest.approx(_central(lower, x), rel=1e-5, abs=1e-6)
        lower = higher


def test_hessian_of_hessian_and_mixed_nesting():
    assert s2sad.grad(s2sad.hessian(quartic))(0.9) == pytest.approx(24 * 0.9)
    assert s2sad.hessian(s2sad.grad(quartic))(0.9) == pytest.approx(24 * 0.9)
    assert s2sad.jvp(s2sad.grad(quartic), (0.9,), (2.0,))[1] == \
        pytest.approx(2.0 * quartic_derivatives(0.9)[2])


def field(x):
    return np.sum(np.sin(x) * x[0] ** 2) + x[1] * x[2]


def test_jacobian_of_grad_is_the_hessian_and_is_symmetric():
    x = np.array([0.3, -1.2, 0.8])
    hessian = s2sad.hessian(field)(x)
    assert hessian.shape == (3, 3)
    np.testing.assert_allclose(s2sad.jacobian(s2sad.grad(field))(x), hessian, rtol=1e-12)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-12, atol=1e-14)
    gradient = s2sad.grad(field)
    numeric = np.stack([(gradient(x + 1e-6 * e) - gradient(x - 1e-6 * e)) / 2e-6
                        for e in np.eye(3)], axis=-1)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-6, atol=1e-8)


def vector_valued(x):
    return np.sin(x) * x[0]


def test_jacobian_of_jacobian_is_a_third_order_tensor():
    x = np.array([0.3, 1.2])
    tensor = s2sad.jacobian(s2sad.jacobian(vector_valued))(x)
    assert tensor.shape == (2, 2, 2)
    jac = s2sad.jacobian(vector_valued)
    numeric = np.stack([(jac(x + 1e-6 * e) - jac(x - 1e-6 * e)) / 2e-6 for e in np.eye(2)],
                       axis=-1)
    np.testing.assert_allclose(tensor, numeric, rtol=1e-6, atol=1e-8)


def two_args(x, y):
    return np.sum(x ** 2 * y) + np.sin(y[0]) * x[1]


def test_hessian_with_respect_to_two_arguments_gives_nested_blocks():
    x, y = np.array([0.3, 1.2]), np.array([0.5, 0.7])
    blocks = s2sad.hessian(two_args, wrt=(0, 1))(x, y)
    assert len(blocks) == 2 and all(len(row) == 2 for row in blocks)
    np.testing.assert_allclose(blocks[0][0], np.diag(2 * y))
    np.testing.assert_allclose(blocks[0][1], [[2 * x[0], 0], [np.cos(y[0]), 2 * x[1]]])
    np.testing.assert_allclose(blocks[1][0], np.asarray(blocks[0][1]).T)
    np.testing.assert_allclose(blocks[1][1], [[-np.sin(y[0]) * x[1], 0], [0, 0]])


def list_argument(p):
    return np.sum(p[0] ** 2) * p[1] + p[1] ** 3


def test_hessian_of_a_pytree_argument_nests_its_structure():
    p = [np.array([1.0, 2.0]), 3.0]
    h = s2sad.hessian(list_argument)(p)
    assert isinstance(h, list) and isinstance(h[0], list) and len(h) == 2
    np.testing.assert_allclose(h[0][0], 2 * p[1] * np.eye(2))
    np.testing.assert_allclose(h[0][1], 2 * p[0])
    np.testing.assert_allclose(h[1][0], 2 * p[0])
    assert h[1][1] == pytest.approx(6 * p[1])


def test_jacobian_of_a_dict_argument_keeps_its_keys():
    def model(params):
        return np.tanh(params["w"] * params["b"])
    params = {"w": np.array([0.5, -0.2]), "b": 0.7}
    for mode in ("reverse", "forward"):
        jac = s2sad.jacobian(model, mode=mode)(params)
        assert set(jac) == {"w", "b"}
        d = 1 - np.tanh(params["w"] * params["b"]) ** 2
        np.testing.assert_allclose(jac["w"], np.diag(d * params["b"]))
        np.testing.assert_allclose(jac["b"], d * params["w"])


def test_hvp_argument_checks_are_clear_errors():
    x, y = np.array([0.3, 1.2]), np.array([0.5, 0.7])
    with pytest.raises(s2sad.NonDifferentiableError, match="one tangent per primal"):
        s2sad.hvp(two_args, (x, y), (x,))
    with pytest.raises(s2sad.NonDifferentiableError, match="do not match its parameters"):
        s2sad.hvp(two_args, (x,), (x,))
    with pytest.raises(s2sad.NonDifferentiableError, match="shapes"):
        s2sad.hvp(two_args, (x, y), (x, np.ones(3)))


# ---- s2sad called inside a differentiated function ---------------------------------------

DERIVATIVE = s2sad.grad(quartic)


def uses_grad_inline(x):
    return s2sad.grad(quartic)(x) * x


def uses_grad_global(x):
    return DERIVATIVE(x) * x + s2sad.value_and_grad(quartic)(x)[1]


def uses_jvp(x):
    out, tangent = s2sad.jvp(quartic, (x,), (1.0,))
    return tangent * out


def uses_hvp(x):
    return s2sad.hvp(quartic, (x,), (2.0,))[0]


def uses_hessian(x):
    return s2sad.hessian(field)(x)[0, 0]


def uses_vjp(x):
    out, pullback = s2sad.vjp(quartic, x)
    return pullback(1.0)[0]


@pytest.mark.parametrize("fn, expected", [
    (uses_grad_inline, lambda x: quartic_derivatives(x)[2] * x + quartic_derivatives(x)[1]),
    (uses_grad_global, lambda x: quartic_derivatives(x)[2] * (x + 1) + quartic_derivatives(x)[1]),
    (uses_jvp, lambda x: quartic_derivatives(x)[2] * quartic_derivatives(x)[0]
     + quartic_derivatives(x)[1] ** 2),
    (uses_hvp, lambda x: 2 * quartic_derivatives(x)[3]),
])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_s2sad_called_inside_a_differentiated_function(fn, expected, mode):
    for x in (0.6, -1.4):
        assert s2sad.grad(fn, mode=mode)(x) == pytest.approx(expected(x), rel=1e-10)


def test_hessian_called_inside_a_differentiated_function():
    x = np.array([0.3, -1.2, 0.8])
    g = s2sad.grad(uses_hessian)(x)
    numeric = np.array([(uses_hessian(x + 1e-6 * e) - uses_hessian(x - 1e-6 * e)) / 2e-6
                        for e in np.eye(3)])
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_vjp_inside_a_differentiated_function_is_refused_at_its_line():
    with pytest.raises(s2sad.S2SADError) as info:
        s2sad.grad(uses_vjp)(0.5)
    line = uses_vjp.__code__.co_firstlineno + 1
    assert f"test_higher_order.py:{line}" in str(info.value)
    assert "s2sad.grad(f)(x)" in str(info.value)


def test_a_pullback_can_be_differentiated():
    _, pullback = s2sad.vjp(quartic, 1.5)
    assert s2sad.grad(lambda c: pullback(c)[0])(3.0) == pytest.approx(quartic_derivatives(1.5)[1])


# ---- what the user sees --------------------------------------------------------------------

def test_derived_functions_keep_the_name_but_do_not_pretend_to_be_it():
    d = s2sad.grad(quartic)
    assert d.__name__ == "quartic" and not hasattr(d, "__wrapped__")
    assert s2sad.grad(d)(1.0) == pytest.approx(quartic_derivatives(1.0)[2])


def test_second_order_source_is_shown():
    text = s2sad.source(s2sad.grad(quartic), example_args=(1.0,))
    assert "def grad_of_quartic_vjp(" in text
    assert "quartic_jvp" in text
    compile(text, "<second order>", "exec")


def test_generated_lines_map_back_to_the_users_line():
    forward = DEFAULT.compiled(quartic, "forward", (0,), (s2sad.kinds.FLOAT,))
    parsed = parse_function(forward)
    body = parsed.node.body
    loc = parsed.loc(body[-1])
    assert loc.filename == __file__
    assert quartic.__code__.co_firstlineno < loc.line <= quartic.__code__.co_firstlineno + 1
    assert loader.origin("<not generated>", 3) is None


def pair_output(x, y):
    return x * y, {"s": np.sin(x) * y}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_jacobian_of_a_tuple_output_nests_like_jax(mode):
    x, y = np.array([0.3, 1.2]), 2.0
    first, second = s2sad.jacobian(pair_output, wrt=(0, 1), mode=mode)(x, y)
    np.testing.assert_allclose(first[0], np.diag([y, y]))
    np.testing.assert_allclose(first[1], x)
    np.testing.assert_allclose(second["s"][0], np.diag(np.cos(x) * y))
    np.testing.assert_allclose(second["s"][1], np.sin(x))
    only_x = s2sad.jacobian(pair_output, mode=mode)(x, y)
    np.testing.assert_allclose(only_x[0], np.diag([y, y]))


def test_jacobian_of_a_gradient_with_respect_to_two_arguments():
    def g(x, y):
        return x ** 2 * y + y ** 3
    blocks = s2sad.jacobian(s2sad.grad(g, wrt=(0, 1)), wrt=(0, 1))(3.0, 0.5)
    assert np.allclose(blocks, ((2 * 0.5, 2 * 3.0), (2 * 3.0, 6 * 0.5)))


MIX = np.array([[1.0, 2.0], [0.5, -1.0], [0.3, 0.2]])


def bias_broadcast(p):
    """A scalar (an item of the parameters) broadcast against a vector: the sum of the
    two tangents must be summed back to the scalar in the reverse-over-forward code."""
    return np.sum((MIX @ p[0:2] + p[2]) ** 2)


def test_hessian_through_a_broadcast_tangent_sum():
    p, v = np.array([0.3, -0.2, 0.5]), np.array([1.0, 0.5, -0.3])
    gradient = s2sad.grad(bias_broadcast)
    numeric = np.stack([(gradient(p + 1e-6 * e) - gradient(p - 1e-6 * e)) / 2e-6
                        for e in np.eye(3)], axis=-1)
    np.testing.assert_allclose(s2sad.hessian(bias_broadcast)(p), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(s2sad.hvp(bias_broadcast, (p,), (v,))[0], numeric @ v, rtol=1e-6)
