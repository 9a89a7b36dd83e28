"""Fuzz regression (order 2: error): `jvp(grad(f, wrt=x1), (x0, x1, A), (0, 1, 0))`
raised AxisError: axis 1 is out of bounds for array of dimension 0.

In the forward-over-forward code of grad(f) (f_jvp_jvp) the tangent of
`match_shape = rt.match_shape(dx, diff)` (zero: dx is the constant seed 1.0 of the
first level) is written as the scalar `0.0`, and `np.mean(0.0, axis=1,
keepdims=True)` fails.  The same scalar zero breaks `.T` ('float' object has no
attribute 'T') and `np.expand_dims(..., 1)` (AxisError) at the same place.
grad(grad(f)), hvp, hessian and jacobian(grad(f)) are right (d2f/dx1^2 = 0); only
the forward mode over grad(f) with the array argument also active breaks.
"""
import math
import numpy as np

def f(x0, x1, A):
    a0 = np.mean(x1 - A, axis=1, keepdims=True)
    return np.sum(a0)


ARGS = (0.4058906431830196, 0.6223837663698748, np.array([-0.9353470604725671, 1.4971139818215766, -1.6077299399487193, -0.6391730525970405, 0.9436736484503228, -0.5624322967642756]).reshape((2, 3)))
FLOAT32 = False
SEED = 4001012036
ORDER = 2
