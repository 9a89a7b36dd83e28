"""Second derivatives: s2sad.hvp and s2sad.hessian (reverse mode over forward-mode code).

Checked against central differences of s2sad.grad (itself checked against finite
differences of the function elsewhere), and for symmetry.
"""
import math

import numpy as np
import pytest

import s2sad

STEP = 1e-6


def branchy_loop(a, b):
    s = 0.0
    for i in range(5):
        if s > 0.5:
            s = s + math.sin(a * s + b) * a
        else:
            s = s + math.exp(-a * b) * (i + 1)
    return s * b


def squash(u, w):
    return math.tanh(u * w) * u


def calls_a_helper(a, b):
    return squash(a, b) * squash(b, a)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def fills_an_array(x):
    y = np.zeros(3)
    for i in range(3):
        y[i] = x[i] * x[(i + 1) % 3]
    return np.sum(y ** 2)


def builds_a_list(x):
    out = []
    for i in range(3):
        out.append(np.sin(x[i]) * x[i])
    return np.sum(np.stack(out) ** 2)


def determinant(x):
    return np.linalg.det(x.reshape(2, 2))


def fd_hessian(f, args, i):
    """Central differences of the (exact) gradient w.r.t. argument i, row by row."""
    grad = s2sad.grad(f, wrt=i)
    x = np.asarray(args[i], dtype=float)
    rows = []
    for index in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[index] = STEP
        plus = list(args)
        minus = list(args)
        plus[i], minus[i] = (x + e, x - e) if x.ndim else (float(x + e), float(x - e))
        rows.append((np.asarray(grad(*plus)) - np.asarray(grad(*minus))) / (2 * STEP))
    return np.stack(rows).reshape(x.shape + x.shape) if x.ndim else rows[0]


X3 = np.array([0.5, 1.2, -0.3])


@pytest.mark.parametrize("f, args", [(branchy_loop, (0.3, 0.7)), (calls_a_helper, (0.3, 0.8)),
                                     (rosenbrock, (X3,)), (fills_an_array, (X3,)),
                                     (builds_a_list, (X3,))])
def test_hessian_matches_differences_of_the_gradient_and_is_symmetric(f, args):
    for i, x in enumerate(args):
        h = s2sad.hessian(f, wrt=i)(*args)
        np.testing.assert_allclose(h, fd_hessian(f, args, i), rtol=1e-5, atol=1e-6)
        if np.ndim(x):
            np.testing.assert_allclose(h, np.transpose(h), rtol=1e-12, atol=1e-12)
        else:
            assert isinstance(h, float)


def test_hvp_is_the_hessian_times_a_direction_for_every_argument():
    rng = np.random.default_rng(3)
    args = (0.3, 0.7)
    v = tuple(rng.normal(size=2))
    hv = s2sad.hvp(branchy_loop, args, v)
    full = np.array([[s2sad.hessian(branchy_loop, wrt=i)(*args) if i == j else 0.0
                      for j in range(2)] for i in range(2)])
    cross = (np.asarray(s2sad.grad(branchy_loop, wrt=1)(args[0] + STEP, args[1])) -
             np.asarray(s2sad.grad(branchy_loop, wrt=1)(args[0] - STEP, args[1]))) / (2 * STEP)
    full[0, 1] = full[1, 0] = cross
    np.testing.assert_allclose(hv, full @ np.array(v), rtol=1e-5, atol=1e-6)


def test_hvp_leaves_integer_arguments_out():
    def power_sum(x, n):
        s = 0.0
        for k in range(n):
            s = s + x ** (k + 1)
        return s

    hv, none = s2sad.hvp(power_sum, (0.5, 4), (1.0, None))
    assert none is None
    assert hv == pytest.approx(2 + 6 * 0.5 + 12 * 0.5 ** 2, rel=1e-12)


def bessel_sum(x):
    return np.sum(np.cosh(x))


# a user rule whose forward term calls np.i0, which has no rule of its own
s2sad.defjvp(bessel_sum, "x", x="np.sum(dx * np.i0(x))")
s2sad.defvjp(bessel_sum, "x", x="g * np.i0(x)")


def doubled_bessel_sum(x):
    return bessel_sum(2.0 * x)


def test_a_step_without_a_second_order_rule_is_named():
    with pytest.raises(s2sad.MissingRuleError) as info:
        s2sad.hessian(doubled_bessel_sum)(np.array([0.5, 1.2, -0.3]))
    message = str(info.value)
    assert "i0" in message and "forward-mode derivative code" in message
    assert "finite differences of s2sad.grad" in message
    assert "test_hessian.py" in message


def test_the_determinant_has_a_hessian():
    x = np.array([0.5, 1.2, -0.3, 0.9])
    hessian = s2sad.hessian(determinant)(x)
    gradient = s2sad.grad(determinant)
    numeric = np.stack([(gradient(x + 1e-6 * e) - gradient(x - 1e-6 * e)) / 2e-6
                        for e in np.eye(4)], axis=-1)
    np.testing.assert_allclose(hessian, numeric, rtol=1e-6, atol=1e-8)
