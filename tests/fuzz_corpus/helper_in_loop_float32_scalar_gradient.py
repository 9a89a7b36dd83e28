"""Fuzz regression (dtype, float32 variant): a helper called in a loop that adds into
a float32 copy of A: the reverse-mode gradient of the Python float x was a
np.float32 (it must have the input's dtype, float64); the other modes were right.
"""
import math

import numpy as np


def h0(p):
    return p


def f(x, A):
    a2 = np.array(A)
    for i in range(1):
        a2[i] += h0(x)
    return np.sum(a2)


ARGS = (0.5, np.array([1.0, 2.0, 3.0]))
FLOAT32 = True
SEED = 0
