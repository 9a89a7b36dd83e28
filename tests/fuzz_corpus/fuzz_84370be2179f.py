"""Fuzz regression (error).

When saved: value_and_grad(mode='reverse') raised IndentationError (raised at loader.py:21): expected an indented block after 'for' statement on line 5 (<s2sad reverse of f at fuzz_b61e458307cd.py:4>, line 6)
"""
import math
import numpy as np

def f(x0):
    t0 = x0
    for i in range(1):
        pass
    return t0


ARGS = (0.5478467492858172,)
FLOAT32 = False
SEED = 0
