"""Fuzz regression (refused by mistake): a helper doing `p *= p` on the mean of a list
built by `append` in a loop was refused as a write into the caller's array, because the
list's kind was unknown after the loop (lists of different lengths did not join).
"""
import math

import numpy as np


def h0(p):
    p *= p
    return p


def f(x0, A):
    lst = []
    for i in range(3):
        lst.append(A * x0)
    return h0(np.mean(lst))


ARGS = (0.8, np.array([1.0, 2.0]))
FLOAT32 = True
SEED = 0
