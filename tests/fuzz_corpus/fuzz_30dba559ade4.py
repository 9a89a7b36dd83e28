"""Fuzz regression (dtype).

When saved: reverse-mode gradient 0: got array shape (1,) dtype float64, input is float shape () dtype float64
"""
import math
import numpy as np

def h0(p, q):
    t2 = np.sin(p)
    return t2

def f(x0):
    t0 = x0
    t3 = h0(t0, t0)
    return t3


ARGS = (0.5478467492858172,)
FLOAT32 = False
SEED = 0
