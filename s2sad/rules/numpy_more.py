"""More NumPy rules: np.diagflat, np.ediff1d, np.vander, the polynomial functions, np.geomspace,
np.logspace, np.angle, and the numpy.linalg array-API aliases (matmul, outer, tensordot,
trace, matrix_norm, vector_norm), whose rules are their originals' terms with
the names changed (`alias`), svdvals and vecdot.

np.angle of a real array is piecewise constant (0 or pi): its derivative is zero (a
complex argument is refused by the complex-values check, rules/complex_safe.py).
The polynomial rules are for coefficient arrays (np.poly1d objects have no rule).
"""
import re

import numpy as np

from .. import runtime
from .core import RULES, defrule, nondiff
from .runtime_rules import ZERO, linear


def alias(fn, original, signature: str, **names) -> None:
    """Register `fn` with the terms of `original`'s rule, each parameter name of the
    original replaced by the text `names` gives (a renamed parameter's tangent `d<p>` too)."""
    rule = RULES[original]
    table = dict(names)
    for old, new in names.items():
        if new.isidentifier():
            table["d" + old] = "d" + new
    # names, not attributes (np.x) nor keywords (f(axis=...))
    pattern = re.compile(r"(?<![.\w])(" + "|".join(map(re.escape, table)) + r")\b(?!\s*=[^=])")

    def rename(text: str) -> str:
        return pattern.sub(lambda m: table[m.group(1)], text)

    defrule(fn, signature, jvp={names.get(p, p): rename(t) for p, t in rule.jvp.items()},
            vjp={names.get(p, p): rename(t) for p, t in rule.vjp.items()})


_L = np.linalg
alias(_L.matmul, np.matmul, "x1, x2", a="x1", b="x2")
alias(_L.outer, np.outer, "x1, x2", a="x1", b="x2")
alias(_L.tensordot, np.tensordot, "x1, x2, *, axes=2", a="x1", b="x2")
alias(_L.trace, np.trace, "x, *, offset=0, dtype=None", a="x", axis1="-2", axis2="-1")
# svdvals: d s = diag(U^T dx V), its cotangent U diag(g) V^T (the reduced SVD)
_U, _VH = (f"rt.svd_reduced(x, False, False, False)[{i}]" for i in (0, 2))
defrule(_L.svdvals, "x",
        jvp={"x": f"np.sum({_U} * np.matmul(dx, np.swapaxes({_VH}, -1, -2)), axis=-2)"},
        vjp={"x": f"rt.reduce_to(np.matmul({_U} * np.expand_dims(g, -2), {_VH}), x)"})
alias(_L.matrix_norm, np.linalg.norm, "x, *, keepdims=False, ord='fro'", axis="(-2, -1)")
alias(_L.vector_norm, np.linalg.norm, "x, *, axis=None, keepdims=False, ord=2",
      ord="rt.vector_norm_ord(x, ord, axis)")
nondiff(runtime.vector_norm_ord)
for _fn in (np.vecdot, _L.vecdot):     # real arrays: sum(x1 * x2, axis)
    defrule(_fn, "x1, x2, *, axis=-1",
            jvp={"x1": "np.sum(dx1 * x2, axis=axis)", "x2": "np.sum(x1 * dx2, axis=axis)"},
            vjp={"x1": "rt.reduce_to(np.expand_dims(g, axis) * x2, x1)",
                 "x2": "rt.reduce_to(x1 * np.expand_dims(g, axis), x2)"})

defrule(np.diagflat, "v, k=0", jvp={"v": "np.diagflat(dv, k)"},
        vjp={"v": "rt.cast_like(np.reshape(np.diagonal(g, k), np.shape(v)), v)"})
defrule(np.angle, "z, deg=False", jvp={"z": ZERO}, vjp={"z": "rt.zeros_like(z)"})
defrule(np.ediff1d, "ary, to_end=None, to_begin=None",
        jvp={"ary": "rt.ediff1d_jvp(dary, to_end, to_begin)"},
        vjp={"ary": "rt.ediff1d_vjp(g, ary, to_end, to_begin)"})
linear(runtime.ediff1d_jvp, "t, to_end=None, to_begin=None",
       "rt.ediff1d_vjp(g, t, to_end, to_begin)", zero=("to_end", "to_begin"))
linear(runtime.ediff1d_vjp, "t, ary, to_end=None, to_begin=None",
       "rt.cast_like(rt.ediff1d_jvp(g, to_end, to_begin), t)",
       zero=("ary", "to_end", "to_begin"))

# vander: column x**p; vander_deriv(x, N, increasing, k) is its k-th derivative in x
_VD = "rt.vander_deriv(x, N, increasing, {})"
for _fn, _k in ((np.vander, "1"), (runtime.vander_deriv, "k + 1")):
    defrule(_fn, "x, N=None, increasing=False" + (", k=0" if _fn is runtime.vander_deriv else ""),
            jvp={"x": f"np.expand_dims(dx, -1) * {_VD.format(_k)}"},
            vjp={"x": f"rt.cast_like(np.sum(g * {_VD.format(_k)}, axis=-1), x)"})

# polynomials (coefficient arrays, highest power first)
defrule(np.polyadd, "a1, a2",
        jvp={"a1": "np.polyadd(da1, rt.zeros_like(a2))",
             "a2": "np.polyadd(rt.zeros_like(a1), da2)"},
        vjp={"a1": "rt.poly_tail(g, a1)", "a2": "rt.poly_tail(g, a2)"})
defrule(np.polysub, "a1, a2",
        jvp={"a1": "np.polyadd(da1, rt.zeros_like(a2))",
             "a2": "np.polysub(rt.zeros_like(a1), da2)"},
        vjp={"a1": "rt.poly_tail(g, a1)", "a2": "-rt.poly_tail(g, a2)"})
defrule(np.polymul, "a1, a2",
        jvp={"a1": "np.convolve(da1, a2)", "a2": "np.convolve(a1, da2)"},   # polymul trims zeros
        vjp={"a1": "rt.cast_like(np.correlate(g, a2, 'valid'), a1)",
             "a2": "rt.cast_like(np.correlate(g, a1, 'valid'), a2)"})
defrule(np.polyder, "p, m=1", jvp={"p": "np.polyder(dp, m)"},
        vjp={"p": "rt.polyder_vjp(g, p, m)"})
defrule(np.polyint, "p, m=1, k=None", jvp={"p": "np.polyint(dp, m)"},
        vjp={"p": "rt.polyint_vjp(g, p, m)"})
linear(runtime.poly_tail, "t, a", "np.polyadd(g, rt.zeros_like(t))", zero=("a",))
linear(runtime.polyder_vjp, "t, p, m=1", "rt.cast_like(np.polyder(g, m), t)", zero=("p",))
linear(runtime.polyint_vjp, "t, p, m=1", "rt.cast_like(np.polyint(g, m), t)", zero=("p",))

# geomspace = start (stop / start)**w, logspace = base**linspace: the linspace weights w
# (rt.linspace_jvp / linspace_vjp) times ans over start or stop, or times log(base)
_LIN = "num, endpoint, False, axis, '{}'"
_GEO = {w: (f"ans * rt.linspace_jvp(d{w} / {w}, ans, {_LIN.format(w)})",
            f"rt.linspace_vjp(g * ans, {w}, ans, {_LIN.format(w)}) / {w}")
        for w in ("start", "stop")}
defrule(np.geomspace, "start, stop, num=50, endpoint=True, dtype=None, axis=0",
        jvp={w: t[0] for w, t in _GEO.items()}, vjp={w: t[1] for w, t in _GEO.items()})
_LOG = "math.log(base)"
defrule(np.logspace, "start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0",
        jvp={w: f"ans * {_LOG} * rt.linspace_jvp(d{w}, ans, {_LIN.format(w)})"
             for w in ("start", "stop")},
        vjp={w: f"rt.linspace_vjp(g * ans * {_LOG}, {w}, ans, {_LIN.format(w)})"
             for w in ("start", "stop")})
