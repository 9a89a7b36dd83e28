"""NumPy's nan-ignoring reductions (nanprod, nanvar, nanstd, nancumsum, nancumprod) and
order statistics (quantile, percentile, their nan forms, nanmedian), and the rules of
their runtime helpers (s2sad/runtime/order_stats.py).

NaN entries get zero derivative, as in autograd and JAX: the nan forms are the plain
reductions of `np.where(np.isnan(a), fill, a)` (fill 0 for sums, 1 for products).
Quantiles use linear interpolation; another method or weights is a located
NonDifferentiableError (rt.quantile_method); q has no derivative.
"""
import numpy as np

from .. import runtime
from .core import defrule, nondiff
from .runtime_rules import linear

_NAN = "np.isnan(a)"
_ONES = f"np.where({_NAN}, 1.0, a)"


def _masked(x: str) -> str:
    """`x` with zeros where a is NaN."""
    return f"np.where({_NAN}, 0.0, {x})"


def _keep_nan(x: str) -> str:
    """`x` with a's NaNs: the nanvar helpers then ignore the same entries as for a."""
    return f"np.where({_NAN}, a, {x})"


_SUM = "a, axis=None, dtype=None, out=None, keepdims=False"
_VAR = "a, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
_CUM = "a, axis=None, dtype=None, out=None"
_V = "axis, ddof, keepdims"

defrule(np.nanprod, _SUM,
        jvp={"a": f"rt.prod_jvp({_masked('da')}, {_ONES}, axis, keepdims)"},
        vjp={"a": _masked(f"rt.prod_vjp(g, {_ONES}, axis, keepdims)")})
defrule(np.nancumsum, _CUM,
        jvp={"a": f"np.cumsum({_masked('da')}, axis=axis, dtype=dtype)"},
        vjp={"a": _masked("rt.cumsum_vjp(g, a, axis)")})
defrule(np.nancumprod, _CUM,
        jvp={"a": f"rt.cumprod_jvp({_masked('da')}, {_ONES}, ans, axis)"},
        vjp={"a": _masked(f"rt.cumprod_vjp(g, {_ONES}, ans, axis)")})
defrule(np.nanvar, _VAR,
        jvp={"a": f"rt.nanvar_jvp(da, a, {_V})"}, vjp={"a": f"rt.nanvar_vjp(g, a, {_V})"})
# nanstd = sqrt(nanvar): nanvar's derivative over 2 nanstd, 0 where nanstd is 0
defrule(np.nanstd, _VAR,
        jvp={"a": f"rt.safe_ratio(rt.nanvar_jvp(da, a, {_V}), 2.0 * ans)"},
        vjp={"a": f"rt.nanvar_vjp(rt.safe_ratio(g, 2.0 * ans), a, {_V})"})

# nanvar's helpers: symmetric bilinear in (t, a) for a's NaN positions (runtime docs)
for _fn, _adjoint in ((runtime.nanvar_jvp, "rt.nanvar_vjp(g, a, {})"),
                      (runtime.nanvar_vjp, "rt.cast_like(rt.nanvar_jvp(g, a, {}), t)")):
    defrule(_fn, "t, a, axis=None, ddof=0, keepdims=False",
            jvp={"t": f"rt.{_fn.__name__}(dt, a, {_V})",
                 "a": f"rt.{_fn.__name__}(t, {_keep_nan('da')}, {_V})"},
            vjp={"t": _adjoint.format(_V),
                 "a": (f"rt.nanvar_vjp(g, {_keep_nan('t')}, {_V})"
                       if _fn is runtime.nanvar_jvp else
                       "rt.nanvar_vjp(1.0, " + _keep_nan(
                           "np.multiply(rt.sum_vjp(t, a, axis, keepdims), g)")
                       + ", axis, ddof, True)")})

# Quantiles: linear in a with piecewise-constant weights (rt.quantile_grad)
_Q = "a, q, axis=None, out=None, overwrite_input=False, method='linear', keepdims=False, *, " \
     "weights=None"
_METHOD = "rt.quantile_method(method, weights)"
for _fn in (np.quantile, np.percentile, np.nanquantile, np.nanpercentile):
    _args = f"a, q, axis, keepdims, '{_fn.__name__}', {_METHOD}"
    defrule(_fn, _Q, jvp={"a": f"rt.quantile_jvp(da, {_args})"},
            vjp={"a": f"rt.quantile_vjp(g, {_args})"})
defrule(np.nanmedian, "a, axis=None, out=None, overwrite_input=False, keepdims=False",
        jvp={"a": "rt.quantile_jvp(da, a, 0.5, axis, keepdims, 'nanquantile')"},
        vjp={"a": "rt.quantile_vjp(g, a, 0.5, axis, keepdims, 'nanquantile')"})
_H = "t, a, q, axis=None, keepdims=False, kind='quantile', method='linear'"
_HA = "a, q, axis, keepdims, kind, method"
linear(runtime.quantile_jvp, _H, f"rt.quantile_vjp(g, {_HA})", zero=("a",))
linear(runtime.quantile_vjp, _H, f"rt.cast_like(rt.quantile_jvp(g, {_HA}), t)", zero=("a",))
nondiff(runtime.quantile_method)
