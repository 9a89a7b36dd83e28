"""Fuzz regression (primal): a `return` inside a loop inside an `if` that is not
taken, followed by another loop: value_and_grad returned the value None and a zero
gradient in both modes (f(1.0, 1.0) = 0.25, df/dx = 0.25).
"""
import math

import numpy as np


def f(x, c):
    if c < 0.0:
        for i in range(2):
            return x
    for i in range(2):
        x = x * 0.5
    return x


ARGS = (1.0, 1.0)
FLOAT32 = False
SEED = 0
