"""Fuzz regression (oracle tolerance): x1*x1*x1 - x1*x1*x1 is exactly 0, so finite
differences give 0 while the gradient, 3 x1^2 computed along two paths, is 4e-16;
the finite-difference check now has the same round-off floor as the modes check.
"""
import math

import numpy as np


def f(x0, x1, x2, x3):
    t0 = x1 * x1 * x1 - x1 * x1 * x1
    return t0


ARGS = (-0.27379163177124166, 1.2098871484288178, 1.4964976812502861, -0.8201184394039092)
FLOAT32 = False
SEED = 2043015469
