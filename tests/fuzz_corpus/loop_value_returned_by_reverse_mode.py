"""Fuzz regression (primal): a loop-carried value that the reverse sweep pops from
the tape: the pop reused the name of the final value, so value_and_grad (reverse)
returned the value after the first iteration, 0.5, where f(2.0, 1.0) = 0.125 (the
gradient, and forward mode, were right).
"""
import math

import numpy as np


def f(x, y):
    t = y
    for i in range(3):
        t = t / x
    return t


ARGS = (2.0, 1.0)
FLOAT32 = False
SEED = 0
