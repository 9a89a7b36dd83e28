"""Fuzz regression (error): a helper called in a loop that fills a local array, after
an append loop; the reverse sweep raised TypeError in runtime.py (float + tuple).
"""
import math

import numpy as np


def h1(p, q):
    return q


def f(x0, x1):
    lst1 = []
    for i in range(1):
        lst1.append(x1)
    t2 = np.sum(lst1)
    a4 = np.zeros(1)
    for i in range(1):
        a4[i] = h1(x0, t2)
    return np.sum(a4)


ARGS = (1.952276523445565, -0.6929901156689509)
FLOAT32 = False
SEED = 0
