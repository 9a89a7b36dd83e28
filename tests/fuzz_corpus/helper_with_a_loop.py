"""Fuzz regression (error): a call to a helper whose body has a for loop carrying
a value; the reverse-mode derivative raised NameError: name 'tape_1' is not defined
(forward mode was right).  f(1.5) = 2.25, df/dx = 3.0.
"""
import math

import numpy as np


def h0(p):
    t = p
    for i in range(1):
        t = t * p
    return t


def f(x):
    return h0(x)


ARGS = (1.5,)
FLOAT32 = False
SEED = 0
