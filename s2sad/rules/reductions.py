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
_reduction((np.std, method("std")), _VAR,
           "rt.std_jvp(da, a, ans, axis, ddof, keepdims)",
           "rt.std_vjp(g, a, ans, axis, ddof, keepdims)")
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

defrule(np.average, "a, axis=None, weights=None, returned=False, keepdims=False",
        jvp={"a": "rt.average_jvp_a(da, a, axis, weights, returned, keepdims)",
             "weights": "rt.average_jvp_w(dweights, a, ans, axis, weights, returned, keepdims)"},
        vjp={"a": "rt.average_vjp_a(g, a, axis, weights, returned, keepdims)",
             "weights": "rt.average_vjp_w(g, a, ans, axis, weights, returned, keepdims)"})

defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
        jvp={"x": "rt.norm_jvp(dx, x, ans, ord, axis, keepdims)"},
        vjp={"x": "rt.norm_vjp(g, x, ans, ord, axis, keepdims)"})
