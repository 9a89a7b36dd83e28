"""Fuzz regression (order 3: error): grad(grad(grad(f, wrt=x2), wrt=x2), wrt=x2)
raised ValueError: cannot reshape array of size 1 into shape (4,).

f is linear in x2.  In the forward-over-forward code of f (f_jvp_jvp in
s2sad.source(grad(grad(f, wrt=2), wrt=2), wrt=2)), the tangent of
`match_shape = rt.match_shape(dx2, sum_1)` (zero: dx2 is not differentiated) is
written as the scalar `0.0`, so `dot_1 = np.dot(0.0, a3)` is an array of shape (4,)
where the tangent of the scalar `np.dot(sum_1, a3)` should be; reverse mode over that
code (the third derivative) then fails to reshape its cotangent.  grad(grad(f)),
hvp and jvp(grad(f)) are right (0).
"""
import math
import numpy as np

def f(x0, x1, x2):
    a3 = np.zeros(4)
    a4 = a3
    t0 = np.dot(x2 + a4, a3)
    return t0


ARGS = (-0.42521810676818994, -1.2696827049785102, 0.7796952319886397)
FLOAT32 = False
SEED = 4002012738
ORDER = 3
