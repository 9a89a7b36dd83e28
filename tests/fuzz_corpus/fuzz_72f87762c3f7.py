"""Fuzz regression (error).

When saved: value_and_grad(mode='forward') raised IndexError (raised at forward.py:95): list index out of range
"""
import math
import numpy as np

def f(x0, x1, x2, A):
    for i in range(1):
        x0 = np.sum(np.sin(A))
    return x0


ARGS = (1.856463227592652, -0.5592999385451889, -0.14389628531198495, np.array([-1.7506694399816114, 0.5123107418569441, 0.6148086026082433]).reshape((3,)))
FLOAT32 = True
SEED = 85812
