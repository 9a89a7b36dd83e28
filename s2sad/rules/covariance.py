"""np.cov and np.corrcoef (helpers in s2sad/runtime/covariance.py).

np.cov(m) = cross_cov(m, m) is quadratic in m: its tangent and cotangent are the sums
of the bilinear form's two halves.  np.corrcoef(x) = C / sqrt(d d^T) with C =
np.cov(x) and d = diag(C) (two or more variables).  y=, fweights= and aweights= are
not differentiable (a differentiable one is refused; weights raise in the helpers).
"""
import numpy as np

from ..runtime import covariance as rcov
from .core import defrule

_ARGS = "rowvar, bias, ddof"
_HALVES = "rt.cross_cov({0}, m, {1}) + rt.cross_cov(m, {0}, {1})"
_BACK = "rt.cov_vjp({0}, m, m, {1}, False) + rt.cov_vjp({0}, m, m, {1}, True)"
defrule(np.cov, "m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None",
        jvp={"m": "rt.cov_weights_refused(fweights, aweights, "
                  + _HALVES.format("dm", _ARGS) + ")"},
        vjp={"m": "rt.cov_weights_refused(fweights, aweights, "
                  + _BACK.format("g", _ARGS) + ")"})

# corrcoef: with D = diag(C), S = sqrt(D D^T), R = ans: dR = dC / S - R (dD_i/D_i + dD_j/D_j)/2,
# and the cotangent of C is G / S - diag((sum_i G R + sum_j G R) / (2 D))
_C = "np.cov(x, rowvar=rowvar)"
_D = f"np.diagonal({_C})"
_DC = "(rt.cross_cov(dx, x, rowvar) + rt.cross_cov(x, dx, rowvar))"
_REL = f"np.diagonal({_DC}) / {_D}"
_GC = (f"(g / np.sqrt(np.outer({_D}, {_D})) - np.diag((np.sum(g * ans, axis=0) + "
       f"np.sum(g * ans, axis=1)) / (2.0 * {_D})))")
defrule(np.corrcoef, "x, y=None, rowvar=True",
        jvp={"x": f"{_DC} / np.sqrt(np.outer({_D}, {_D})) - ans * (np.expand_dims({_REL}, 1) "
                  f"+ np.expand_dims({_REL}, 0)) / 2.0"},
        vjp={"x": f"rt.cov_vjp({_GC}, x, x, rowvar, False, None, False) + "
                  f"rt.cov_vjp({_GC}, x, x, rowvar, False, None, True)"})

defrule(rcov.cross_cov, "a, b, rowvar=True, bias=False, ddof=None, swap=False",
        jvp={"a": "rt.cross_cov(da, b, rowvar, bias, ddof, swap)",
             "b": "rt.cross_cov(a, db, rowvar, bias, ddof, swap)"},
        vjp={"a": "rt.cov_vjp(g, a, b, rowvar, bias, ddof, swap)",
             "b": "rt.cov_vjp(g, b, a, rowvar, bias, ddof, not swap)"})
defrule(rcov.cov_vjp, "t, a, b, rowvar=True, bias=False, ddof=None, swap=False",
        jvp={"t": "rt.cov_vjp(dt, a, b, rowvar, bias, ddof, swap)", "a": "rt.zeros_like(ans)",
             "b": "rt.cov_vjp(t, a, db, rowvar, bias, ddof, swap)"},
        vjp={"t": "rt.cast_like(rt.cross_cov(g, b, rowvar, bias, ddof, swap), t)",
             "a": "rt.zeros_like(a)",
             "b": "rt.cov_vjp(t, b, g, rowvar, bias, ddof, not swap)"})
defrule(rcov.cov_weights_refused, "fweights, aweights, value",
        jvp={"value": "rt.cov_weights_refused(fweights, aweights, dvalue)"},
        vjp={"value": "rt.cov_weights_refused(fweights, aweights, g)"})
