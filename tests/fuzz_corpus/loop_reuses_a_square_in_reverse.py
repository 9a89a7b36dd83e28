"""Fuzz regression (error): a loop body that reuses a product (`x * x * x - x * x`);
the reverse sweep read `prod_2`, which it never defined (NameError).  Forward mode
was right: f(1.5) = 1.125, df/dx = 3 x^2 - 2 x = 3.75.
"""
import math

import numpy as np


def f(x):
    t = 0.0
    for i in range(1):
        t = x * x * x - x * x
    return t


ARGS = (1.5,)
FLOAT32 = False
SEED = 0
