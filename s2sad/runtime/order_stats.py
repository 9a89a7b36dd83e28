"""Runtime helpers of order statistics and nan-ignoring variances: np.quantile,
np.percentile, their nan-ignoring forms, np.nanmedian, np.nanvar and np.nanstd.

A quantile (linear method) of a slice is `(1 - f) s[i] + f s[i + 1]` over the slice
sorted stably (NaNs last, ignored by the nan forms), `i + f = q (n - 1)`: its gradient
puts the weights 1 - f and f on the two order statistics (ties: on the elements a
stable sort puts there).  NaN entries get weight zero in the nan forms.  With q an
array, the weights have shape q.shape + a.shape and the output q.shape + reduced shape.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError
from .common import expand_reduced, float_dtype, like, normalize_axes

_KINDS = {"quantile": (1.0, False), "percentile": (100.0, False),
          "nanquantile": (1.0, True), "nanpercentile": (100.0, True)}


def quantile_method(method, weights=None):
    """`method`, when s2sad differentiates it (linear interpolation, unweighted)."""
    if method != "linear" or weights is not None:
        what = f"method={method!r}" if method != "linear" else "weights="
        raise NonDifferentiableError(
            f"derivatives of np.quantile/np.percentile with {what} are not implemented",
            fix="use the default method='linear' without weights")
    return method


def quantile_grad(a, q, axis=None, kind="quantile"):
    """Weights W (q.shape + a.shape): the quantile is the sum of W * a over the axes."""
    arr = np.asarray(a)
    scale, ignore_nan = _KINDS[kind]
    axes = normalize_axes(axis, arr.ndim)
    last = tuple(range(arr.ndim - len(axes), arr.ndim))
    moved = np.moveaxis(arr, axes, last)
    flat = moved.reshape(moved.shape[:arr.ndim - len(axes)] + (-1,))
    n = flat.shape[-1]
    count = np.sum(~np.isnan(flat), -1) if ignore_nan else np.full(flat.shape[:-1], n)
    qs = np.asarray(q, np.float64) / scale
    pos = np.reshape(qs, qs.shape + (1,) * (flat.ndim - 1)) * (count - 1)
    lo = np.clip(np.floor(pos), 0, max(n - 1, 0)).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
    valid = count > 0
    frac = np.where(valid, pos - lo, 0.0)
    sorted_w = np.zeros(pos.shape + (n,), float_dtype(arr))
    np.put_along_axis(sorted_w, lo[..., None], np.where(valid, 1.0 - frac, 0.0)[..., None], -1)
    upper = np.take_along_axis(sorted_w, hi[..., None], -1) + frac[..., None]
    np.put_along_axis(sorted_w, hi[..., None], upper, -1)
    order = np.broadcast_to(np.argsort(flat, axis=-1, kind="stable"), sorted_w.shape)
    grad = np.zeros_like(sorted_w)
    np.put_along_axis(grad, order, sorted_w, -1)
    qn = qs.ndim
    grad = grad.reshape(qs.shape + moved.shape)
    return np.moveaxis(grad, [qn + i for i in last], [qn + i for i in axes])


def quantile_jvp(t, a, q, axis=None, keepdims=False, kind="quantile", method="linear", /):
    """The tangent of np.<kind>(a, q, axis, keepdims=keepdims) along t."""
    quantile_method(method)
    grad = quantile_grad(a, q, axis, kind)
    qn = np.ndim(q)
    axes = tuple(qn + i for i in normalize_axes(axis, np.ndim(a)))
    return np.sum(grad * t, axis=axes, keepdims=keepdims)


def quantile_vjp(t, a, q, axis=None, keepdims=False, kind="quantile", method="linear", /):
    """The cotangent of a for np.<kind>(a, q, axis, keepdims=keepdims), t the output's."""
    quantile_method(method)
    grad = quantile_grad(a, q, axis, kind)
    qn = np.ndim(q)
    t = np.asarray(t)
    if not keepdims:
        t = np.expand_dims(t, tuple(qn + i for i in normalize_axes(axis, np.ndim(a))))
    return like(np.sum(t * grad, axis=tuple(range(qn))).astype(grad.dtype), a)


# nanvar: B(t, b) = 2 / (n - ddof) sum over the non-NaN entries of b of t (b - nanmean(b))
# is bilinear and symmetric in (t, b) once the NaN positions are fixed (rules pass
# np.where(np.isnan(a), a, d) for b to keep a's).

def _nanvar_grad(a, axis, ddof):
    arr = np.asarray(a)
    nan = np.isnan(arr)
    count = np.sum(~nan, axis=axis, keepdims=True)
    dtype = float_dtype(arr)
    with np.errstate(invalid="ignore", divide="ignore"):
        centred = arr - np.nanmean(arr, axis=axis, keepdims=True)
        grad = np.where(nan, 0.0, 2.0 * centred / (count - ddof))
    return grad.astype(dtype)


def nanvar_jvp(t, a, axis=None, ddof=0, keepdims=False, /):
    """The tangent of np.nanvar(a, axis, ddof=ddof, keepdims=keepdims) along t."""
    return np.sum(np.where(np.isnan(a), 0.0, t) * _nanvar_grad(a, axis, ddof), axis=axis,
                  keepdims=keepdims)


def nanvar_vjp(t, a, axis=None, ddof=0, keepdims=False, /):
    """The cotangent of a for np.nanvar(a, axis, ddof=ddof, keepdims=keepdims)."""
    full = expand_reduced(t, np.ndim(a), axis, keepdims) * _nanvar_grad(a, axis, ddof)
    return like(np.broadcast_to(full, np.shape(a)).astype(float_dtype(a)), a)
