"""Fuzz regression (error): a helper that fills a local array by item assignment
in a loop and returns it; the reverse-mode derivative raised TypeError: can't
multiply sequence by non-int of type 'numpy.float64' (forward mode was right).
f(1.5) = 4.5, df/dx = 6.0.
"""
import math

import numpy as np


def h0(p):
    a = np.zeros(2)
    for i in range(2):
        a[i] = p * p
    return a


def f(x):
    return np.sum(h0(x))


ARGS = (1.5,)
FLOAT32 = False
SEED = 0
