"""Derivatives of loops whose bodies hold loop-invariant values (moved out of the loop by
transforms/hoist.py, then neither recomputed nor taped): gradients against central
differences in both modes (with the forward-vs-reverse dot-product test), and Hessians
(forward over reverse, and reverse over reverse) against differences of the gradient."""
import math

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads

RNG = np.random.default_rng(7)


def rk4(p, dt):
    """A damped pendulum, RK4 steps: -a, dt / 6 and dt / 2 are loop-invariant."""
    theta, omega = p[2], 0.0
    for i in range(12):
        a, c = p[0], p[1]
        k1t, k1w = omega, -a * math.sin(theta) - c * omega
        k2t = omega + dt / 2.0 * k1w
        k2w = -a * math.sin(theta + dt / 2.0 * k1t) - c * k2t
        k3t = omega + dt / 2.0 * k2w
        k3w = -a * math.sin(theta + dt / 2.0 * k2t) - c * k3t
        k4t = omega + dt * k3w
        k4w = -a * math.sin(theta + dt * k3t) - c * k4t
        theta = theta + dt / 6.0 * (k1t + 2.0 * k2t + 2.0 * k3t + k4t)
        omega = omega + dt / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w)
    return theta * theta + 0.5 * omega * omega


def rk4_array(theta0, a, c):
    """Array state, scalar parameters: the carried arrays keep theta0's shape."""
    theta, omega = theta0, np.zeros_like(theta0)
    for i in range(8):
        k1w = -a * np.sin(theta) - c * omega
        k2t = omega + 0.05 * k1w
        k2w = -a * np.sin(theta + 0.05 * omega) - c * k2t
        theta = theta + 0.05 * (omega + k2t)
        omega = omega + 0.05 * (k1w + k2w)
    return np.sum(theta * theta) + np.sum(omega * omega)


def rnn(W, U, b, xs):
    """An array loop: W.T, 0.5 * b and U @ xs[0] are loop-invariant."""
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W.T @ h + U @ xs[t] + 0.5 * b + U @ xs[0])
    return np.sum(h ** 2)


def whiles(x, a):
    """A while loop: a * a + 1 and a / 3 are loop-invariant."""
    s = x
    while s < 10.0:
        s = s * (a * a + 1.0) + a / 3.0
    return s * x


def nested(x, n):
    """Nested loops: -x[0] moves out of both, x[1] * 0.5 out of the inner one."""
    y = x[2]
    for i in range(n):
        z = y
        for j in range(3):
            z = z * 0.9 + math.sin(-x[0]) * y
        y = z + x[1] * 0.5
    return y * y


def branches(x, n):
    """A branch in the loop: a * 0.3 moves out; -c inside the branch stays."""
    a, c = x[0], x[1]
    y = x[2]
    for i in range(n):
        if y > 0.0:
            y = y * math.cos(a * 0.3) - c * 0.1
        else:
            y = y + -c
    return y * a


def decay(k, x, n):
    """math.sqrt(k) and math.exp(-k) move out under `if 0 < n:` (k < 0 is fine for n = 0)."""
    for i in range(n):
        x = x * math.exp(-k) + math.sqrt(k) - 0.1 * x * x
    return x


def empty(a, b, x, n):
    """a / b stays in the loop (n may be 0, b may be 0)."""
    y = x
    for i in range(n):
        y = y * (a / b)
    return y * x


P = np.array([1.7, 0.3, 0.8])
RNN_ARGS = (RNG.normal(size=(4, 4)) * 0.4, RNG.normal(size=(4, 3)) * 0.4, RNG.normal(size=4),
            RNG.normal(size=(5, 3)))


@pytest.mark.parametrize("f, args", [
    (rk4, (P, 0.1)),
    (rnn, RNN_ARGS),
    (rk4_array, (np.array([0.3, -0.8, 1.1]), 1.7, 0.3)),
    (whiles, (1.3, 0.4)),
    (nested, (np.array([0.4, 0.3, 0.9]), 3)),
    (branches, (np.array([0.5, 0.2, 0.7]), 6)),
    (branches, (np.array([0.5, 3.0, 0.7]), 6)),
    (empty, (0.5, 2.0, 1.1, 3)),
    (decay, (0.3, 0.8, 5)),
])
def test_gradients_of_loops_with_invariants(f, args):
    check_grads(f, args)


def test_a_loop_that_does_not_run_does_not_divide_by_zero():
    assert s2sad.grad(empty, wrt=(0, 2))(0.5, 0.0, 1.1, 0) == (0.0, pytest.approx(2.2))
    assert s2sad.grad(empty, wrt=(0, 2), mode="forward")(0.5, 0.0, 1.1, 0) == \
        (0.0, pytest.approx(2.2))
    for mode in ("reverse", "forward"):
        assert s2sad.grad(decay, wrt=(0, 1), mode=mode)(-0.3, 0.8, 0) == (0.0, 1.0)
        with pytest.raises(ValueError):
            s2sad.grad(decay, wrt=(0, 1), mode=mode)(-0.3, 0.8, 1)


def gradient_differences(f, x, rest, eps=1e-5):
    grad = s2sad.grad(f)
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        columns.append((grad(x + e, *rest) - grad(x - e, *rest)) / (2 * eps))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("f, x, rest", [
    (rk4, P, (0.1,)),
    (nested, np.array([0.4, 0.3, 0.9]), (3,)),
    (lambda kx, n: decay(kx[0], kx[1], n), np.array([0.3, 0.8]), (5,)),
    (rk4_array, np.array([0.3, -0.8, 1.1]), (1.7, 0.3)),
    (branches, np.array([0.5, 0.2, 0.7]), (6,)),
    (lambda b, W, U, xs: rnn(W, U, b, xs), RNN_ARGS[2], (RNN_ARGS[0], RNN_ARGS[1], RNN_ARGS[3])),
])
def test_hessians_of_loops_with_invariants(f, x, rest):
    want = gradient_differences(f, x, rest)
    scale = np.max(np.abs(want))
    np.testing.assert_allclose(s2sad.hessian(f)(x, *rest), want, rtol=1e-6, atol=1e-7 * scale)
    reverse_over_reverse = s2sad.jacobian(s2sad.grad(f), mode="reverse")(x, *rest)
    np.testing.assert_allclose(reverse_over_reverse, want, rtol=1e-6, atol=1e-7 * scale)
