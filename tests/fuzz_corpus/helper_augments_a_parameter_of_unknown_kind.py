"""Fuzz regression (refused by mistake): a helper doing `p += ...` on a parameter whose
kind is unknown (a Python float or a float32 NumPy scalar, depending on the branch
taken) was refused as a write into the caller's array; it is now checked at call time.
"""
import math

import numpy as np


def h0(p, q):
    return p


def h1(p, q):
    p += h0(p, p) / (1.5 + math.sin(q))
    return q + p


def f(x0, A):
    for k in range(2):
        x0 -= (h1(x0, 0.3) if x0 < 0.25 else np.sum(A))
    return x0


ARGS = (-1.8948988863823026, np.array([0.5455911839750476, 1.3608270507595908, -0.9944878307813885]))
FLOAT32 = True
SEED = 0
