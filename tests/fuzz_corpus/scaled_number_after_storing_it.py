"""Fuzz regression (refused by mistake): `x0 *= 0.3` on a number stored into an array
with `a1[i] = x0` was refused as an update of an object the array holds; an array
stores a copy of the value, and a number is rebound, not changed.
"""
import math

import numpy as np


def f(x0, x1, x2, x3):
    if x0 * x0 * x0 < 2.0:
        return math.exp(math.tanh(x0))
    t0 = math.cos(1.5 * x2)
    x0 = 1.0 / (1.0 + x0 * x0)
    a1 = np.zeros(3)
    for i in range(3):
        a1[i] = x0
        x0 *= 0.3
        t0 = (0.25 * x3) + (t0 - x1)
    a3 = np.cumsum(x2 * a1)
    t4 = np.mean(np.sin(a3))
    x0 *= 1.1
    return t4 + np.sum(a3) + t0


ARGS = (-0.7395227962050304, 0.7258139963799164, 1.6058768933996497, -0.3170976077698393)
FLOAT32 = False
SEED = 2027008840
