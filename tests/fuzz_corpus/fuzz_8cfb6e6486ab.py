"""Fuzz regression (error).

When saved: value_and_grad(mode='reverse') raised IndentationError (raised at loader.py:21): unexpected indent (<s2sad reverse of f at fuzz_96a7f85eddc6.py:15>, line 26)
"""
import math
import numpy as np

def h0(p, q):
    a0 = np.zeros(1)
    for i in range(1):
        a0[i] = p
        u1 = p
    a2 = np.array(a0)
    for i in range(1):
        a2[i] = p
    p += p
    return p

def f(x0):
    t0 = x0
    t3 = h0(t0, t0)
    return t3


ARGS = (0.5478467492858172,)
FLOAT32 = False
SEED = 0
