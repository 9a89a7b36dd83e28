"""Fuzz regression (error, float32 variant): `e += x` on the elements of a float32
1-D array was refused ("writes into an array that may belong to the caller"); the
elements are scalars, so `+=` rebinds, and the float64 version is accepted.
"""
import math

import numpy as np


def f(x0, A):
    t = 0.0
    for e1 in A:
        e1 += x0
        t = t + e1 * e1
    return t


ARGS = (1.2845935553880605, np.array([0.32870796031414073, -0.31161646471698257, 0.31447095571462613]))
FLOAT32 = True
SEED = 0
