"""Canonical functions whose printed IR and generated code are kept as golden files
(tests/golden/), so that changes to the readability of the output are reviewed."""
import math

import numpy as np


def saxpy(a: float, x: float, y: float) -> float:
    z = a * x + y
    return z * z


def pendulum_energy(theta: float, omega: float, g: float) -> float:
    kinetic = 0.5 * omega * omega
    potential = g * (1.0 - math.cos(theta))
    return kinetic + potential


def logsumexp(x: np.ndarray) -> float:
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def broadcast_affine(w: np.ndarray, x: np.ndarray, b: float) -> float:
    y = np.tanh(x * w + b)
    return np.mean(y ** 2)


def tuple_swap(x: float, y: float) -> float:
    a, b = x * y, x + y
    b, a = a, b
    return a / b


def branch(x: float, w: float) -> float:
    if x > 0.0:
        y = x * w
    else:
        y = -x
    return y * y


def range_loop(x: float, n: int) -> float:
    y = x
    for i in range(n):
        y = math.sin(y) * x
    return y


def while_loop(x: float) -> float:
    y = x
    steps = 0
    while y < 10.0:
        y = y * 1.5 + x
        steps += 1
    return y * steps


def loop_with_break(x: float) -> float:
    s = 1.0
    for i in range(10):
        s = s * x + 1.0
        if s > 5.0:
            break
    return s


STRAIGHT_LINE = [saxpy, pendulum_energy, logsumexp, broadcast_affine, tuple_swap]
CONTROL_FLOW = [branch, range_loop, while_loop, loop_with_break]
EXAMPLE_ARGS = {
    logsumexp: (np.array([0.5, 1.0, -0.3]),),
    broadcast_affine: (np.array([0.5, 1.0, -0.3]), np.ones((2, 3)), 0.1),
}


GRAVITY = 9.81


def reads_a_global_constant(h: float, m: float) -> float:
    return m * GRAVITY * h * h
