"""Tiny functions the stage tests lower and differentiate, and the arguments at which
their derivatives are checked: straight-line code, an if, a range loop, a while loop,
a break, a return from inside a loop, a continue, and NumPy arrays."""
import math

import numpy as np
import pytest

from s2sad.kinds import FLOAT, INT, array


def product_plus_sine(x, y):
    return x * y + math.sin(x)  # <-


def branches(x):
    if x > 0.0:
        y = x * x
    else:
        y = -x
    return y


def loops(x, n):
    y = x
    for i in range(n):
        y = math.sin(y) * x
    return y


def halves(x, y):
    while x > 1.0:
        x = x * 0.5 + y * 0.1
    return x * y


def breaks(x):
    s = 0.0
    for i in range(10):
        if s > 3.0:
            break
        s = s + x * x
    return s


def returns_early(x):
    for i in range(3):
        if x > 1.0:
            return x * x
        x = x * 2.0
    return x


def continues(x):
    s = 0.0
    for i in range(4):
        if i == 2:
            continue
        s = s + math.sin(x)
    return s


def on_arrays(x, y):
    return np.sum(np.sin(x) * y)


VECTOR = array(1, "float64")

# (function, argument kinds, arguments, wrt): every branch, loop exit and jump taken
CASES = [
    pytest.param(product_plus_sine, (FLOAT, FLOAT), (0.7, -1.3), (0, 1), id="straight_line"),
    pytest.param(branches, (FLOAT,), (0.6,), (0,), id="if_then"),
    pytest.param(branches, (FLOAT,), (-0.6,), (0,), id="if_else"),
    pytest.param(loops, (FLOAT, INT), (0.9, 4), (0,), id="for_range"),
    pytest.param(halves, (FLOAT, FLOAT), (7.0, 0.3), (0, 1), id="while"),
    pytest.param(breaks, (FLOAT,), (0.8,), (0,), id="break"),
    pytest.param(returns_early, (FLOAT,), (0.3,), (0,), id="return_in_loop"),
    pytest.param(returns_early, (FLOAT,), (0.1,), (0,), id="return_after_loop"),
    pytest.param(continues, (FLOAT,), (0.4,), (0,), id="continue"),
    pytest.param(on_arrays, (VECTOR, VECTOR),
                 (np.array([0.1, 0.5, 2.0]), np.array([1.5, -0.5, 0.25])), (0, 1), id="arrays"),
]
