"""Fuzz regression (refused by mistake): `t0 *= 0.9` on a number that was appended to a
list was refused as an in-place update of an object the list holds; a number is
rebound, not changed.
"""
import math

import numpy as np


def h1(p, q):
    t0 = q
    t1 = math.sqrt(1.0 + q * q)
    for i in range(4):
        pass
    return t0


def f(x0, x1, A):
    t0 = (x0 * x0 * x0) * np.mean(A)
    for i in range(4):
        k1 = 0
        while k1 < 3 and x1 > 0.0:
            k1 += 1
            t0 = h1(0.3 * i, 2.0 * t0)
            t0 = 2.0 * i
    lst3 = []
    for i in range(2):
        lst3.append(t0)
        t0 *= 0.9
    t4 = np.sum(np.stack(lst3))
    return t0 + t4


ARGS = (-1.7269457907491366, -0.5069370380048315, np.array([-0.2206811540602014, 1.1358605449303991, -0.2824396065795307]).reshape((1, 3)))
FLOAT32 = True
SEED = 2027008234
