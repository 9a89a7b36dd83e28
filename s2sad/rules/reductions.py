"""Reductions and cumulative operations of NumPy (functions and ndarray methods).

The tangent of a reduction reduces the tangent; the cotangent broadcasts `g` back
over the reduced axes (helpers in s2sad/runtime/reductions.py).  max/min ties split evenly.
"""
import numpy as np

from .core import defrule, method

_SUM = "a, axis=None, dtype=None, out=None, keepdims=False"
_MAX = "a, axis=None, out=None, keepdims=False"
_VAR = "a, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
_CUM = "a, axis=None, dtype=None, out=None"


def _reduction(keys, signature, jvp, vjp):
    for key in keys:
        defrule(key, signature, jvp={"a": jvp}, vjp={"a": vjp})


_reduction((np.sum, method("sum")), _SUM,
           "np.sum(da, axis=axis, dtype=dtype, keepdims=keepdims)",
           "rt.sum_vjp(g, a, axis, keepdims)")
_reduction((np.mean, method("mean")), _SUM,
           "np.mean(da, axis=axis, dtype=dtype, keepdims=keepdims)",
           "rt.mean_vjp(g, a, axis, keepdims)")
_reduction((np.prod, method("prod")), _SUM,
           "rt.prod_jvp(da, a, axis, keepdims)",
           "rt.prod_vjp(g, a, axis, keepdims)")
_reduction((np.max, np.amax, np.min, np.amin, np.nanmax, np.nanmin, method("max"),
            method("min")), _MAX,
           "rt.extremum_jvp(da, a, ans, axis, keepdims)",
           "rt.extremum_vjp(g, a, ans, axis, keepdims)")
_reduction((np.ptp,), _MAX,
           "rt.ptp_jvp(da, a, axis, keepdims)",
           "rt.ptp_vjp(g, a, axis, keepdims)")
_reduction((np.var, method("var")), _VAR,
           "rt.var_jvp(da, a, axis, ddof, keepdims)",
           "rt.var_vjp(g, a, axis, ddof, keepdims)")
# std = sqrt(var): the derivative of var over 2 std, 0 where std is 0 (min-norm)
_reduction((np.std, method("std")), _VAR,
           "rt.safe_ratio(rt.var_jvp(da, a, axis, ddof, keepdims), 2.0 * ans)",
           "rt.var_vjp(rt.safe_ratio(g, 2.0 * ans), a, axis, ddof, keepdims)")
_reduction((np.nansum,), _SUM,
           "rt.nansum_jvp(da, a, axis, keepdims)",
           "rt.nansum_vjp(g, a, axis, keepdims)")
_reduction((np.nanmean,), _SUM,
           "rt.nanmean_jvp(da, a, axis, keepdims)",
           "rt.nanmean_vjp(g, a, axis, keepdims)")
_reduction((np.median,), "a, axis=None, out=None, overwrite_input=False, keepdims=False",
           "rt.median_jvp(da, a, axis, keepdims)",
           "rt.median_vjp(g, a, axis, keepdims)")
_reduction((np.cumsum, method("cumsum")), _CUM,
           "np.cumsum(da, axis=axis, dtype=dtype)",
           "rt.cumsum_vjp(g, a, axis)")
_reduction((np.cumprod, method("cumprod")), _CUM,
           "rt.cumprod_jvp(da, a, ans, axis)",
           "rt.cumprod_vjp(g, a, ans, axis)")
_reduction((np.trace, method("trace")), "a, offset=0, axis1=0, axis2=1, dtype=None, out=None",
           "np.trace(da, offset=offset, axis1=axis1, axis2=axis2, dtype=dtype)",
           "rt.trace_vjp(g, a, offset, axis1, axis2)")

# average = sum(a * w) / sum(w), with w = rt.average_weights(...) (the weights broadcast
# to a's shape, ones for None); d average / d w = (a - average) / sum(w).
_W = "rt.average_weights(a, axis, weights, returned)"
_TOTAL = f"np.sum({_W}, axis=axis, keepdims=keepdims)"
_SPREAD = f"rt.sum_vjp(g / {_TOTAL}, a, axis, keepdims)"
_CENTRED = "np.subtract(a, rt.sum_vjp(ans, a, axis, keepdims))"
defrule(np.average, "a, axis=None, weights=None, returned=False, keepdims=False",
        jvp={"a": f"np.sum(da * {_W}, axis=axis, keepdims=keepdims) / {_TOTAL}",
             "weights": f"np.sum({_CENTRED} * rt.average_weights(a, axis, dweights, returned), "
                        f"axis=axis, keepdims=keepdims) / {_TOTAL}"},
        vjp={"a": f"rt.reduce_to(np.multiply({_SPREAD}, {_W}), a)",
             "weights": f"rt.average_weights_vjp(np.multiply({_SPREAD}, {_CENTRED}), a, axis, "
                        "weights)"})

# norm: the gradient G of each slice is |x / norm|**q (times sign(x)) for every vector
# norm and the Frobenius norm, times the piecewise-constant weights of max/min-based
# norms, plus the gradient of the spectral matrix norms (runtime/norms.py).
_G = ("rt.norm_power(x, rt.sum_vjp(ans, np.asarray(x), axis, keepdims), "
      "rt.norm_exponent(x, ord, axis), "
      "True) * rt.norm_weights(x, ans, ord, axis, keepdims) + rt.spectral_grad(x, ord, axis)")
defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
        jvp={"x": f"np.sum(dx * ({_G}), axis=axis, keepdims=keepdims)"},
        vjp={"x": f"rt.reduce_to(np.multiply(rt.sum_vjp(g, x, axis, keepdims), {_G}), x)"})
