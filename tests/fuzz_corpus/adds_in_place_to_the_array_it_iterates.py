"""Fuzz regression (primal): `a += e` inside `for e in a`: NumPy's iterator reads the
array as it is updated, s2sad's functional update does not; value_and_grad returned
2.25 (gradient 1.5) where f(1.5) = 14.85 (gradient 9.9), in both modes.
"""
import math

import numpy as np


def f(x0):
    a0 = np.zeros(4)
    for i in range(1):
        a0[i] += 0.3
    for i, e1 in enumerate(a0):
        a0 += e1
    return np.sum(a0) * x0


ARGS = (1.5,)
FLOAT32 = False
SEED = 0
