"""The `math` module, as partial derivatives over Python numbers.

Partials that may divide by zero where the primal is defined (sqrt and cbrt at 0,
asin/acos at +-1, acosh at 1, atan2 at the origin) use `rt.fdiv`, which follows
IEEE arithmetic (x / 0 = +-inf, 0 / 0 = nan) instead of raising ZeroDivisionError.
"""
import math

from .core import defpartials, defrule, nondiff
from .elementwise import POW, defpartials_strong

_P = defpartials
_P(math.sin, "x", x="math.cos(x)")
_P(math.cos, "x", x="-math.sin(x)")
_P(math.tan, "x", x="1.0 + ans * ans")
_P(math.asin, "x", x="rt.fdiv(1.0, math.sqrt(1.0 - x * x))")
_P(math.acos, "x", x="rt.fdiv(-1.0, math.sqrt(1.0 - x * x))")
_P(math.atan, "x", x="1.0 / (1.0 + x * x)")
_P(math.atan2, "y, x", y="rt.fdiv(x, x * x + y * y)", x="rt.fdiv(-y, x * x + y * y)")
_P(math.sinh, "x", x="math.cosh(x)")
_P(math.cosh, "x", x="math.sinh(x)")
_P(math.tanh, "x", x="1.0 - ans * ans")
_P(math.asinh, "x", x="1.0 / math.sqrt(x * x + 1.0)")
_P(math.acosh, "x", x="rt.fdiv(1.0, math.sqrt(x - 1.0) * math.sqrt(x + 1.0))")
_P(math.atanh, "x", x="1.0 / (1.0 - x * x)")
_P(math.exp, "x", x="ans")
_P(math.expm1, "x", x="ans + 1.0")
_P(math.exp2, "x", x="ans * math.log(2.0)")
_P(math.log, "x, base=None", x="rt.log_dx(x, base)", base="rt.log_dbase(ans, base)")
_P(math.log2, "x", x="1.0 / (x * math.log(2.0))")
_P(math.log10, "x", x="1.0 / (x * math.log(10.0))")
_P(math.log1p, "x", x="1.0 / (1.0 + x)")
_P(math.sqrt, "x", x="rt.fdiv(0.5, ans)")
_P(math.cbrt, "x", x="rt.fdiv(1.0, 3.0 * ans * ans)")
defpartials_strong(math.pow, "x, y", ("y",), **POW)
_P(math.fabs, "x", x="rt.sign(x)")
_P(math.erf, "x", x="1.1283791670955126 * math.exp(-x * x)")
_P(math.erfc, "x", x="-1.1283791670955126 * math.exp(-x * x)")
_P(math.degrees, "x", x="180.0 / math.pi")
_P(math.radians, "x", x="math.pi / 180.0")
_P(math.copysign, "x, y", x="rt.copysign_dx(x, y)")
_P(math.fmod, "x, y", x="1", y="-((x - ans) / y)")
_P(math.remainder, "x, y", x="1", y="-((x - ans) / y)")
_P(math.ldexp, "x, i", x="math.ldexp(1.0, i)")

# Functions of several numbers at once.
defrule(math.hypot, "*coordinates",
        jvp={"coordinates": "rt.hypot_jvp(dcoordinates, coordinates, ans)"},
        vjp={"coordinates": "rt.hypot_vjp(g, coordinates, ans)"})
# dist(p, q) is the hypot of the differences p[i] - q[i]
_DIFFS = "rt.diff_items(p, q)"
defrule(math.dist, "p, q",
        jvp={"p": f"rt.hypot_jvp(rt.diff_items(dp, rt.zeros_like(q)), {_DIFFS}, ans)",
             "q": f"rt.hypot_jvp(rt.diff_items(rt.zeros_like(p), dq), {_DIFFS}, ans)"},
        vjp={"p": f"rt.cast_like(rt.hypot_vjp(g, {_DIFFS}, ans), p)",
             "q": f"rt.cast_like(rt.diff_items(rt.zeros_like(q), rt.hypot_vjp(g, {_DIFFS}, ans)), q)"})
defrule(math.fsum, "seq",
        jvp={"seq": "rt.iter_sum_jvp(dseq)"},
        vjp={"seq": "rt.iter_sum_vjp(g, seq)"})
defrule(math.prod, "iterable",     # the items stacked: a product along axis 0
        jvp={"iterable": "rt.cast_like(rt.prod_jvp(diterable, iterable, 0, False), ans)"},
        vjp={"iterable": "rt.prod_vjp(g, iterable, 0, False)"})

nondiff(math.floor, math.ceil, math.trunc, math.isfinite, math.isinf, math.isnan,
        math.isclose, math.factorial, math.comb, math.perm, math.gcd, math.lcm, math.isqrt,
        math.ulp)
