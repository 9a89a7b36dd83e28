"""NumPy's elementwise functions (ufuncs and friends), as partial derivatives.

Partials are written so that they keep the input's floating dtype: constants are
Python floats (`math.log(2.0)`, never NumPy float64 scalars) and masks are built by
`rt` helpers in the operands' dtype.  Divisions whose operands may all be Python
numbers use `rt.fdiv`, which gives inf/nan like the primal instead of raising
ZeroDivisionError (and keeps Python floats weakly typed).  Kinks follow the table in docs/rules.md.

A partial that is inf or nan where it is undefined (d x**y / dy = x**y log(x) for
x < 0, where x**y is defined for integer-valued y only) is declared with
`defpartials_strong`: its terms multiply by `rt.strong_mul`, so a zero tangent or
cotangent contributes zero, never 0 * nan.
"""
import dataclasses

import numpy as np

from . import core
from .core import defpartials, method

_P = defpartials


def defpartials_strong(fn, signature: str, strong: tuple, helper="rt.strong_mul",
                       **partials):
    """`defpartials`, with the forward and reverse terms of the parameters in `strong`
    built with `rt.strong_mul` (a zero factor wins over inf and nan), or `helper`: a
    constant operand (zero tangent) never turns a tangent or a second derivative into
    NaN."""
    rule = defpartials(fn, signature, **partials)
    jvp = dict(rule.jvp, **{p: f"{helper}(d{p}, {partials[p]})" for p in strong})
    vjp = dict(rule.vjp, **{p: f"{helper}(g, {partials[p]})" for p in strong})
    return core._register(dataclasses.replace(rule, jvp=jvp, vjp=vjp), override=True)


# x ** y: d/dy is nan for x < 0 (undefined), and must not reach a zero tangent of y.
POW = {"x": "rt.pow_dx(x, y)", "y": "rt.pow_dy(x, ans)"}

# Arithmetic.
_P(np.add, "x, y", x="1", y="1")
_P(np.subtract, "x, y", x="1", y="-1")
_P(np.multiply, "x, y", x="y", y="x")
_P(np.divide, "x, y", x="rt.fdiv(1.0, y)", y="-ans / y")
_P(np.negative, "x", x="-1")
_P(np.positive, "x", x="1")
_P(np.reciprocal, "x", x="-ans * ans")
_P(np.square, "x", x="2.0 * x")
defpartials_strong(np.power, "x, y", ("y",), **POW)
defpartials_strong(np.float_power, "x, y", ("y",), **POW)
_P(np.remainder, "x, y", x="1", y="-np.floor_divide(x, y)")
_P(np.fmod, "x, y", x="1", y="-((x - ans) / y)")
_P(np.fabs, "x", x="np.sign(x)")
_P(np.copysign, "x, y", x="rt.copysign_dx(x, y)")
_P(np.ldexp, "x, i", x="np.ldexp(np.ones_like(x), i)")

# Exponentials and logarithms.
_P(np.exp, "x", x="ans")
_P(np.exp2, "x", x="ans * math.log(2.0)")
_P(np.expm1, "x", x="ans + 1.0")
_P(np.log, "x", x="rt.fdiv(1.0, x)")
_P(np.log2, "x", x="rt.fdiv(1.0, x * math.log(2.0))")
_P(np.log10, "x", x="rt.fdiv(1.0, x * math.log(10.0))")
_P(np.log1p, "x", x="rt.fdiv(1.0, 1.0 + x)")
_P(np.logaddexp, "x, y", x="np.exp(x - ans)", y="np.exp(y - ans)")
_P(np.logaddexp2, "x, y", x="np.exp2(x - ans)", y="np.exp2(y - ans)")
_P(np.sqrt, "x", x="0.5 / ans")
_P(np.cbrt, "x", x="1.0 / (3.0 * ans * ans)")

# Trigonometric and hyperbolic functions and their inverses.
_P(np.sin, "x", x="np.cos(x)")
_P(np.cos, "x", x="-np.sin(x)")
_P(np.tan, "x", x="1.0 + ans * ans")
_P(np.arcsin, "x", x="1.0 / np.sqrt(1.0 - x * x)")
_P(np.arccos, "x", x="-1.0 / np.sqrt(1.0 - x * x)")
_P(np.arctan, "x", x="1.0 / (1.0 + x * x)")
_P(np.arctan2, "y, x", y="rt.fdiv(x, x * x + y * y)",
   x="rt.fdiv(-y, x * x + y * y)")
_P(np.hypot, "x, y", x="rt.safe_ratio(x, ans)", y="rt.safe_ratio(y, ans)")
_P(np.sinh, "x", x="np.cosh(x)")
_P(np.cosh, "x", x="np.sinh(x)")
_P(np.tanh, "x", x="1.0 - ans * ans")
_P(np.arcsinh, "x", x="1.0 / np.sqrt(x * x + 1.0)")
_P(np.arccosh, "x", x="1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))")
_P(np.arctanh, "x", x="rt.fdiv(1.0, 1.0 - x * x)")
_P(np.sinc, "x", x="rt.sinc_dx(x)")
_P(np.deg2rad, "x", x="math.pi / 180.0")
_P(np.radians, "x", x="math.pi / 180.0")
_P(np.rad2deg, "x", x="180.0 / math.pi")
_P(np.degrees, "x", x="180.0 / math.pi")

# Selection: ties split evenly; clip includes its bounds; where picks a branch.
_P(np.maximum, "x, y", x="rt.max_weight(x, y)", y="rt.max_weight(y, x)")
_P(np.minimum, "x, y", x="rt.max_weight(y, x)", y="rt.max_weight(x, y)")
_P(np.fmax, "x, y", x="rt.fmax_weight(x, y)", y="rt.fmax_weight(y, x)")
_P(np.fmin, "x, y", x="rt.fmax_weight(-x, -y)", y="rt.fmax_weight(-y, -x)")
_P(np.clip, "a, a_min=None, a_max=None", a="rt.clip_da(a, a_min, a_max)",
   a_min="rt.clip_dlo(a, a_min, a_max)", a_max="rt.clip_dhi(a, a_min, a_max)")
_P(method("clip"), "a, min=None, max=None", a="rt.clip_da(a, min, max)",
   min="rt.clip_dlo(a, min, max)", max="rt.clip_dhi(a, min, max)")
_P(np.where, "condition, x, y", x="rt.where_mask(condition, x, y)",
   y="rt.where_mask(np.logical_not(condition), x, y)")
_P(np.nan_to_num, "x, copy=True, nan=0.0, posinf=None, neginf=None",
   x="rt.finite_mask(x)")
