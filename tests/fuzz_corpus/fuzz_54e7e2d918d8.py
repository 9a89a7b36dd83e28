"""Fuzz regression (error).

When saved: value_and_grad(mode='reverse') raised NameError (raised at <s2sad reverse of f at fuzz_a463fa8677f7.py:14>:38): name 'tape_1' is not defined
"""
import math
import numpy as np

def h0(p, q):
    a0 = np.zeros(1)
    for i in range(1):
        a0[i] = p + (p + p)
    for i in range(4):
        p = np.sin(p) if p > 0.5 else p + p
    if np.sum(a0) > 0.5:
        return 0.5 * (p + p)
    return p + np.sum(a0)

def f(x0, x1, x2, x3, A):
    for i, e0 in enumerate(A):
        x2 = h0(e0, x0)
    return x2


ARGS = (-0.17659244145334485, 1.5020958168596756, -1.2893769195227112, 1.359806826985245, np.array([-1.6284711452000575, 0.1252712845230417, 0.5532567802476716]).reshape((3,)))
FLOAT32 = False
SEED = 626
