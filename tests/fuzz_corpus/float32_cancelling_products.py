"""Fuzz regression (oracle tolerance): in float32 the gradient of
sum((A - A.T) * c) is zero up to roundoff of products near 9, so the two modes
differ by about 1e-6; the float32 modes check now allows the same roundoff floor
(1e-5 of the largest recorded value) as the float32-vs-float64 check.
"""
import math

import numpy as np


def f(x0, A):
    a0 = np.zeros(2)
    for i in range(1):
        a0[i] += np.sum((A - A.T) * np.dot(A, np.sum(A, axis=0)))
    u4 = math.exp(x0 - x0)
    lst6 = [a0]
    a7 = lst6
    return np.sum(a7)


ARGS = (1.920754614279799, np.array([-1.0782139738451693, 1.3450347978661448, -0.8562951349038683]).reshape((1, 3)))
FLOAT32 = True
SEED = 2034011050
