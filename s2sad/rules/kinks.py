"""The published behaviour of the rules at non-differentiable points (docs/rules.md).

Values are chosen by these rules, in order:

1. differentiable there: the derivative;
2. convex nearby: the minimum-norm subgradient (concave: supergradient);
3. defined there: the limit of the derivative, which may be infinite;
4. undefined there (a 0/0 limit, NaN input): NaN, no error.

Each entry is checked against the rules themselves by tests/test_rule_table.py:
the reverse contribution for `param` with output cotangent `g` (ones by default) and
the forward tangent in each coordinate direction equal `expected`.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import NamedTuple

import numpy as np

INF, NAN = math.inf, math.nan


class Kink(NamedTuple):
    key: object           # registry key of the function
    call: str             # the point, as it is written in the table
    args: tuple
    param: str            # the parameter differentiated
    expected: object      # d output / d param (a number or a list per element)
    why: str              # which of the ordered rules gives the value
    g: object = None      # output cotangent (None: ones)
    kwargs: dict = {}


SUB = "min-norm subgradient"
LIMIT = "limit"
UNDEF = "undefined"
DIFF = "derivative"
PIECE = "piecewise (documented choice)"

KINKS = [
    Kink(builtins.abs, "abs(0.0)", (0.0,), "x", 0.0, SUB),
    Kink(operator.abs, "operator.abs(0.0)", (0.0,), "x", 0.0, SUB),
    Kink(np.abs, "np.abs(0.0)", (0.0,), "x", 0.0, SUB),
    Kink(np.fabs, "np.fabs(0.0)", (0.0,), "x", 0.0, SUB),
    Kink(math.fabs, "math.fabs(0.0)", (0.0,), "x", 0.0, SUB),
    Kink(np.maximum, "np.maximum(1.0, 1.0)", (1.0, 1.0), "x", 0.5, SUB),
    Kink(np.maximum, "np.maximum(0.0, 0.0) (relu at 0)", (0.0, 0.0), "x", 0.5, SUB),
    Kink(np.minimum, "np.minimum(1.0, 1.0)", (1.0, 1.0), "y", 0.5, SUB),
    Kink(np.fmax, "np.fmax(1.0, 1.0)", (1.0, 1.0), "x", 0.5, SUB),
    Kink(np.fmin, "np.fmin(1.0, 1.0)", (1.0, 1.0), "x", 0.5, SUB),
    Kink(np.fmax, "np.fmax(2.0, nan)", (2.0, NAN), "x", 1.0, DIFF),
    Kink(builtins.max, "max(1.0, 1.0)", (1.0, 1.0), "args", [0.5, 0.5], SUB),
    Kink(builtins.min, "min(2.0, 2.0, 2.0)", (2.0, 2.0, 2.0), "args", [1 / 3] * 3, SUB),
    Kink(np.max, "np.max([1, 3, 3])", (np.array([1.0, 3.0, 3.0]),), "a", [0.0, 0.5, 0.5],
         SUB),
    Kink(np.min, "np.min([2, 2, 2, 5])", (np.array([2.0, 2.0, 2.0, 5.0]),), "a",
         [1 / 3, 1 / 3, 1 / 3, 0.0], SUB),
    Kink(np.ptp, "np.ptp([1, 3, 3])", (np.array([1.0, 3.0, 3.0]),), "a", [-1.0, 0.5, 0.5],
         PIECE),
    Kink(np.clip, "np.clip(0.0, 0.0, 1.0), d/da", (0.0, 0.0, 1.0), "a", 1.0, PIECE),
    Kink(np.clip, "np.clip(0.0, 0.0, 1.0), d/da_min", (0.0, 0.0, 1.0), "a_min", 0.0, PIECE),
    Kink(np.clip, "np.clip(1.0, 0.0, 1.0), d/da", (1.0, 0.0, 1.0), "a", 1.0, PIECE),
    Kink(np.clip, "np.clip(1.0, 0.0, 1.0), d/da_max", (1.0, 0.0, 1.0), "a_max", 0.0, PIECE),
    Kink(np.sqrt, "np.sqrt(0.0)", (0.0,), "x", INF, LIMIT),
    Kink(math.sqrt, "math.sqrt(0.0)", (0.0,), "x", INF, LIMIT),
    Kink(np.cbrt, "np.cbrt(0.0)", (0.0,), "x", INF, LIMIT),
    Kink(math.cbrt, "math.cbrt(0.0)", (0.0,), "x", INF, LIMIT),
    Kink(np.power, "np.power(0.0, 0.5), d/dx", (0.0, 0.5), "x", INF, LIMIT),
    Kink(np.power, "np.power(0.0, 2.0), d/dx", (0.0, 2.0), "x", 0.0, DIFF),
    Kink(np.power, "np.power(0.0, 1.0), d/dx", (0.0, 1.0), "x", 1.0, DIFF),
    Kink(np.power, "np.power(0.0, 0.0), d/dx", (0.0, 0.0), "x", 0.0, DIFF),
    Kink(np.power, "np.power(0.0, 2.0), d/dy", (0.0, 2.0), "y", 0.0, LIMIT),
    Kink(operator.pow, "0.0 ** 0.5, d/dx", (0.0, 0.5), "x", INF, LIMIT),
    Kink(operator.pow, "0.0 ** 3.0, d/dy", (0.0, 3.0), "y", 0.0, LIMIT),
    Kink(operator.pow, "(-2.0) ** 3.0, d/dx", (-2.0, 3.0), "x", 12.0, DIFF),
    Kink(operator.pow, "(-2.0) ** 3.0, d/dy", (-2.0, 3.0), "y", NAN, UNDEF),
    Kink(np.power, "np.power(-2.0, 2.0), d/dx", (-2.0, 2.0), "x", -4.0, DIFF),
    Kink(np.power, "np.power(-2.0, 2.0), d/dy", (-2.0, 2.0), "y", NAN, UNDEF),
    Kink(math.pow, "math.pow(-2.0, 3.0), d/dy", (-2.0, 3.0), "y", NAN, UNDEF),
    Kink(np.arcsin, "np.arcsin(1.0)", (1.0,), "x", INF, LIMIT),
    Kink(math.acos, "math.acos(1.0)", (1.0,), "x", -INF, LIMIT),
    Kink(np.arccosh, "np.arccosh(1.0)", (1.0,), "x", INF, LIMIT),
    Kink(np.hypot, "np.hypot(0.0, 0.0)", (0.0, 0.0), "x", 0.0, SUB),
    Kink(math.hypot, "math.hypot(0.0, 0.0)", (0.0, 0.0), "coordinates", [0.0, 0.0], SUB),
    Kink(np.linalg.norm, "np.linalg.norm([0, 0])", (np.zeros(2),), "x", [0.0, 0.0], SUB),
    Kink(np.linalg.norm, "np.linalg.norm([0, 3], ord=1)", (np.array([0.0, 3.0]),), "x",
         [0.0, 1.0], SUB, kwargs={"ord": 1}),
    Kink(np.linalg.norm, "np.linalg.norm([-2, 2], ord=inf)", (np.array([-2.0, 2.0]),), "x",
         [-0.5, 0.5], SUB, kwargs={"ord": INF}),
    Kink(np.linalg.norm, "np.linalg.norm(zeros((2, 2)), 'nuc')", (np.zeros((2, 2)),), "x",
         [[0.0, 0.0], [0.0, 0.0]], SUB, kwargs={"ord": "nuc"}),
    Kink(np.linalg.norm, "np.linalg.norm(zeros((2, 2)), 2)", (np.zeros((2, 2)),), "x",
         [[0.0, 0.0], [0.0, 0.0]], SUB, kwargs={"ord": 2}),
    Kink(np.std, "np.std([2, 2, 2])", (np.array([2.0, 2.0, 2.0]),), "a", [0.0, 0.0, 0.0],
         SUB),
    Kink(np.sort, "np.sort([1, 1])[0]", (np.array([1.0, 1.0]),), "a", [1.0, 0.0], PIECE,
         g=np.array([1.0, 0.0])),
    Kink(np.median, "np.median([1, 1, 1])", (np.array([1.0, 1.0, 1.0]),), "a",
         [0.0, 1.0, 0.0], PIECE),
    Kink(np.remainder, "np.remainder(2.0, 1.0), d/dy", (2.0, 1.0), "y", -2.0, PIECE),
    Kink(np.remainder, "np.remainder(2.0, 1.0), d/dx", (2.0, 1.0), "x", 1.0, PIECE),
    Kink(np.copysign, "np.copysign(0.0, -1.0)", (0.0, -1.0), "x", 0.0, SUB),
    Kink(np.sinc, "np.sinc(0.0)", (0.0,), "x", 0.0, DIFF),
    Kink(np.arctan2, "np.arctan2(0.0, 0.0)", (0.0, 0.0), "y", NAN, UNDEF),
    Kink(np.nan_to_num, "np.nan_to_num(nan)", (NAN,), "x", 0.0, PIECE),
    Kink(np.where, "np.where(True, x, y), d/dy", (True, 1.0, 2.0), "y", 0.0, DIFF),
    Kink(np.prod, "np.prod([0, 2, 3])", (np.array([0.0, 2.0, 3.0]),), "a", [6.0, 0.0, 0.0],
         DIFF),
    Kink(np.linalg.det, "np.linalg.det([[1, 2], [2, 4]])", (np.array([[1.0, 2.0],
                                                                      [2.0, 4.0]]),),
         "a", [[4.0, -2.0], [-2.0, 1.0]], DIFF),
]

NOTES = [
    "Non-differentiable functions (floor, ceil, round, sign, comparisons, argmax, ...) "
    "have derivative 0 everywhere, including at their jumps.",
    "`np.where(c, x, y)` sends the cotangent to the selected branch only; a NaN or inf "
    "derivative inside the unselected branch (e.g. `log` at 0) still turns into NaN "
    "after multiplication by 0.  Use a Python `if`, which differentiates the branch "
    "taken, or make the unselected input safe.",
    "`np.sort` and `np.median` route derivatives through a stable argsort: among equal "
    "elements, the first in the input goes to the first place of the output.",
    "`np.linalg.cholesky` and `np.linalg.eigh` read one triangle of their input (the "
    "lower one by default), and their derivatives are those of what NumPy computes: "
    "cotangents land on that triangle.  `eigh` with repeated eigenvalues is undefined "
    "(inf/NaN); `pinv` is differentiated where its rank is constant.",
    "Pathwise (reparameterised) derivatives of random draws: `normal(loc, scale)` is "
    "`loc + scale * z`, with `z` recovered from the draw.",
    "`x ** y` (also `np.power`, `math.pow`, `pow`) with x < 0 is real for integer-valued y "
    "only: d/dx = y x**(y-1) is exact there, d/dy is undefined (NaN).  A zero tangent or "
    "cotangent of y contributes 0, not NaN (`rt.strong_mul`), so an exponent held constant "
    "(an argument not differentiated, a Hessian with respect to x) never turns forward-mode "
    "derivatives or second derivatives into NaN.",
    "Second derivatives exist for every rule (each helper a rule calls has rules of its own); "
    "third derivatives of the matrix norms computed from singular values "
    "(`np.linalg.norm` with ord 2, -2, 'nuc') are not implemented and raise.",
    "Complex inputs are not supported by these rules.",
]
