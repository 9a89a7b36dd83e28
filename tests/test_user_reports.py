"""Fixes of user-facing reports: named tuple fields, `source` of a function with a rule,
the user's `_` loop name, scalar Jacobian blocks of the leaf's type, and draws of
NumPy generator objects with differentiated parameters."""
from __future__ import annotations

from collections import namedtuple
from typing import NamedTuple

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads


class Params(NamedTuple):
    a: float
    w: np.ndarray


Shift = namedtuple("Shift", "scale offset")


def _inner(p, x):
    return np.sum(np.tanh(p.w * x) * p.a)


def model(p, q, x):
    return _inner(p, x) * q.scale + q.offset * x * p.a


P0, Q0 = Params(1.5, np.array([0.3, -0.2])), Shift(2.0, 0.5)


def _fd(f, args, i, direction, h=1e-6):
    """Central difference of f along `direction` (a pytree like args[i])."""
    def moved(sign):
        arg = args[i]
        if isinstance(arg, tuple):
            arg = type(arg)(*[a + sign * h * d for a, d in zip(arg, direction)])
        else:
            arg = arg + sign * h * direction
        return f(*args[:i], arg, *args[i + 1:])
    return (moved(1) - moved(-1)) / (2 * h)


# ---- (a) attribute access on named tuples ----------------------------------------------

@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_named_tuple_fields_gradient_keeps_the_structure(mode):
    gp, gq, gx = s2sad.grad(model, wrt=(0, 1, 2), mode=mode)(P0, Q0, 0.7)
    assert type(gp) is Params and type(gq) is Shift and isinstance(gx, float)
    rng = np.random.default_rng(0)
    for i, grad in ((0, gp), (1, gq)):
        direction = tuple(rng.normal(size=np.shape(v)) if np.ndim(v) else rng.normal()
                          for v in (P0, Q0)[i])
        slope = sum(np.sum(g * d) for g, d in zip(grad, direction))
        assert np.isclose(slope, _fd(model, (P0, Q0, 0.7), i, direction), rtol=1e-6)
    assert np.isclose(gx, _fd(model, (P0, Q0, 0.7), 2, 1.0), rtol=1e-6)


def test_named_tuple_fields_checked_in_both_modes():
    check_grads(model, (P0, Q0, 0.7))


def test_named_tuple_fields_second_order():
    d2 = s2sad.grad(s2sad.grad(model, wrt=2), wrt=2)(P0, Q0, 0.7)
    first = s2sad.grad(model, wrt=2)
    h = 1e-5
    assert np.isclose(d2, (first(P0, Q0, 0.7 + h) - first(P0, Q0, 0.7 - h)) / (2 * h),
                      rtol=1e-6)
    hp = s2sad.hessian(model, wrt=0)(P0, Q0, 0.7)
    assert type(hp) is Params and type(hp.w) is Params      # blocks of the same structure
    grad_p = s2sad.grad(model)
    moved = lambda s: grad_p(Params(P0.a, P0.w + s * np.array([h, 0.0])), Q0, 0.7)  # noqa: E731
    column = [(u - v) / (2 * h) for u, v in zip(moved(1), moved(-1))]
    assert np.isclose(hp.a.w[0], column[0]) and np.allclose(hp.w.w[:, 0], column[1])


def test_named_tuple_tangent_in_jvp():
    tangent = Params(1.0, np.array([0.5, -1.0]))
    _, dout = s2sad.jvp(model, (P0, Q0, 0.7), (tangent, Shift(0.0, 0.0), 0.0))
    assert np.isclose(dout, _fd(model, (P0, Q0, 0.7), 0, tangent), rtol=1e-6)


def test_named_tuple_gradient_through_vjp():
    _, pullback = s2sad.vjp(model, P0, Q0, 0.7)
    gp, gq, _ = pullback(1.0)
    expected = s2sad.grad(model, wrt=(0, 1))(P0, Q0, 0.7)
    assert type(gp) is Params and type(gq) is Shift
    assert np.allclose(gp.w, expected[0].w) and np.isclose(gq.offset, expected[1].offset)


def test_named_tuple_field_in_generated_code():
    text = s2sad.source(model, example_args=(P0, Q0, 0.7))
    assert "scale = q.scale" in text and "w = p.w" in text


# ---- (b) source of a function with a rule ----------------------------------------------

def test_source_of_an_elementwise_rule_is_shown_for_floats():
    text = s2sad.source(np.tanh)
    assert text == s2sad.source(np.tanh, example_args=(1.0,))
    namespace = {"np": np, "rt": s2sad.runtime}
    exec(text, namespace)       # the shown code runs: value and slope of tanh at 0.3
    value, slope = namespace["tanh_called_vjp"](0.3, 1.0)
    assert np.isclose(value, np.tanh(0.3)) and np.isclose(slope, 1 - np.tanh(0.3) ** 2)
    forward = s2sad.source(np.arctan2, mode="forward", wrt=1)
    assert "def arctan2_called_jvp(a0, a1, da1):" in forward


def test_source_of_other_rules_asks_for_examples():
    with pytest.raises(s2sad.SourceUnavailableError, match="needs example_args"):
        s2sad.source(np.linalg.inv)
    with pytest.raises(s2sad.NonDifferentiableError, match="non-differentiable"):
        s2sad.source(np.floor)
    assert "inv" in s2sad.source(np.linalg.inv, example_args=(np.eye(2),))


# ---- (c) the user's `_` loop variable --------------------------------------------------

def repeat_double(x, n):
    for _ in range(n):
        for _ in range(2):
            x = x * 2.0
    return x * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_unused_loop_variable_keeps_its_name(mode):
    text = s2sad.source(repeat_double, mode=mode, example_args=(1.0, 3))
    assert "for _ in range(n):" in text and "for _1 in" in text and "for t in" not in text
    assert np.isclose(s2sad.grad(repeat_double, mode=mode)(1.5, 3), 2 * 1.5 * 4.0 ** 6)


# ---- (d) scalar Jacobian blocks have the leaf's type -----------------------------------

def record(x, y):
    return {"a": x * y, "b": np.sin(x), "c": np.array([x, 2.0 * y])}


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_scalar_blocks_have_the_leaf_type(mode):
    j = s2sad.jacobian(record, wrt=(0, 1), mode=mode)(0.4, 1.5)   # output structure outside
    assert all(type(v) is float for v in j["a"] + j["b"])
    assert np.allclose(j["a"], (1.5, 0.4)) and np.allclose(j["b"], (np.cos(0.4), 0.0))
    assert np.allclose(j["c"][1], [0.0, 2.0]) and j["c"][1].shape == (2,)
    j32 = s2sad.jacobian(lambda_free_square, mode=mode)(np.float32(3.0))
    assert type(j32) is np.float32 and np.isclose(j32, 6.0)
    j0d = s2sad.jacobian(lambda_free_square, mode=mode)(np.array(3.0))
    assert isinstance(j0d, np.ndarray) and j0d.shape == () and np.isclose(j0d, 6.0)


def lambda_free_square(x):
    return x * x


# ---- (e) draws of generator objects ----------------------------------------------------

def local_draw(m, s):
    rs = np.random.RandomState(0)
    return np.sum(rs.normal(m, s, size=3) ** 2)


def passed_draw(low, width, gen):
    return np.sum(gen.uniform(low, low + width, size=(2, 2)) ** 2)


def fresh_generator_draw(m, s):
    gen = np.random.default_rng(5)
    return np.sum(np.exp(gen.lognormal(m, s, size=4) * 0.1))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_generator_draw_derivative_is_the_path_of_the_same_draw(mode):
    gm, gs = s2sad.grad(local_draw, wrt=(0, 1), mode=mode)(0.5, 2.0)
    z = np.random.RandomState(0).normal(0.5, 2.0, size=3)      # the draw f makes
    noise = (z - 0.5) / 2.0
    assert np.isclose(gm, np.sum(2 * z)) and np.isclose(gs, np.sum(2 * z * noise))
    check_grads(local_draw, (0.5, 2.0))
    check_grads(fresh_generator_draw, (0.2, 0.7))


def test_generator_passed_as_an_argument():
    gen = np.random.default_rng(1)
    state = gen.bit_generator.state
    grads = s2sad.grad(passed_draw, wrt=(0, 1))(0.5, 2.0, gen)
    gen.bit_generator.state = state
    u = gen.uniform(0.5, 2.5, size=(2, 2))         # the same draw again
    assert np.isclose(grads[0], np.sum(2 * u))
    assert np.isclose(grads[1], np.sum(2 * u * (u - 0.5) / 2.0))


def test_generator_draw_second_order():
    """A location-scale draw is linear in its parameters: its Hessian is that of the
    square, through the same draw."""
    h = s2sad.hessian(local_draw, wrt=(0, 1))(0.5, 2.0)
    noise = (np.random.RandomState(0).normal(0.5, 2.0, size=3) - 0.5) / 2.0
    expected = 2 * np.array([[3.0, np.sum(noise)], [np.sum(noise), np.sum(noise ** 2)]])
    assert np.allclose(np.array(h, dtype=float), expected)


def unsupported_draw(k, theta):
    rs = np.random.RandomState(0)
    return rs.gamma(k, theta)


def test_unsupported_generator_draw_names_the_reparameterisation():
    with pytest.raises(s2sad.MissingRuleError) as info:
        s2sad.grad(unsupported_draw)(2.0, 1.0)
    message = str(info.value)
    assert "rs.gamma(...)" in message and "normal" in message and "test_user_reports.py" in message
    assert "standard_normal" in message and "class of 'rs' is not known" not in message


def reparameterised(m, s):
    rs = np.random.RandomState(0)
    return np.sum((m + s * rs.standard_normal(3)) ** 2)


def test_the_suggested_reparameterisation_works():
    check_grads(reparameterised, (0.5, 2.0))
    assert np.allclose(s2sad.grad(reparameterised, wrt=(0, 1))(0.5, 2.0),
                       s2sad.grad(local_draw, wrt=(0, 1))(0.5, 2.0))
