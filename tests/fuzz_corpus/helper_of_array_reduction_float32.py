"""Fuzz regression (error): a helper applied to a value computed from an array; the
reverse sweep raised TypeError: bad operand type for unary -: 'tuple'.
"""
import math

import numpy as np


def h0(p, q):
    return q


def f(x0, A):
    t0 = np.sum(A)
    t0 = h0(x0, x0 - t0)
    return t0


ARGS = (-0.7498468347787295, np.array([-1.5136380732037868, 1.995254649095569]).reshape((2, 1)))
FLOAT32 = True
SEED = 0
