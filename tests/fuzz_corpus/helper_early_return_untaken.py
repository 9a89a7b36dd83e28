"""Fuzz regression (fd): an early return in a helper, not taken at this point; the
reverse-mode gradient flowed to the early-returned argument (df/dx = 1; right: 0).
"""
import math

import numpy as np


def h0(p, q):
    if q > 1.0:
        return p
    return q


def f(x0):
    t0 = 0.25
    t1 = h0(x0, t0)
    return t1


ARGS = (1.4989462695082327,)
FLOAT32 = False
SEED = 0
