"""Runtime helpers of reductions: sum, mean, prod, max/min, ptp, var/std, average, median,
cumulative and nan-ignoring ops (norms are in `norms`).

A reduction's tangent is `sum(da * G)` over the reduced axes and its cotangent
`expand(g) * G`, where `G` is the gradient of one reduced slice.  Ties of max/min
split evenly.
"""
from __future__ import annotations

import numpy as np

from .common import broadcast_like, expand_reduced, float_dtype, like, normalize_axes


def _count(a, axis) -> int:
    shape = np.shape(a)
    return int(np.prod([shape[i] for i in normalize_axes(axis, len(shape))]))


def sum_vjp(g, a, axis=None, keepdims=False, /):
    """Cotangent of `a` for `np.sum(a, axis, keepdims=keepdims)`."""
    if axis is None and type(a) is np.ndarray and np.ndim(g) == 0:   # the whole array
        return np.full(a.shape, g, float_dtype(a))
    return broadcast_like(expand_reduced(g, np.ndim(a), axis, keepdims), a)


def mean_vjp(g, a, axis=None, keepdims=False, /):
    """Cotangent of `a` for `np.mean(a, axis, keepdims=keepdims)`."""
    if axis is None and type(a) is np.ndarray:
        return sum_vjp(np.true_divide(g, a.size), a, axis, keepdims)
    return sum_vjp(np.true_divide(g, _count(a, axis)), a, axis, keepdims)


def _reduce_jvp(da, grad, axis, keepdims):
    return np.sum(da * grad, axis=axis, keepdims=keepdims)


def _reduce_vjp(g, grad, a, axis, keepdims):
    return like(expand_reduced(g, np.ndim(a), axis, keepdims) * grad, a)


# prod: the product of the other elements of the slice, without dividing by a.

def prod_others(a, axis=None):
    """For each element, the product of the other elements of its reduced slice."""
    a = np.asarray(a)
    axes = normalize_axes(axis, a.ndim)
    k = len(axes)
    last = tuple(range(a.ndim - k, a.ndim))
    moved = np.moveaxis(a, axes, last)
    flat = moved.reshape(moved.shape[:a.ndim - k] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis((left * right).reshape(moved.shape), last, axes)


def prod_jvp(da, a, axis=None, keepdims=False, /):
    return _reduce_jvp(da, prod_others(a, axis), axis, keepdims)


def prod_vjp(g, a, axis=None, keepdims=False, /):
    return _reduce_vjp(g, prod_others(a, axis), a, axis, keepdims)


# max, min, nanmax, nanmin, amax, amin: ties split evenly among the maximal elements.

def extremum_grad(a, ans, axis=None, keepdims=False):
    """1/k on each of the k elements equal to the slice's extremum (NaNs never equal)."""
    a = np.asarray(a)
    hit = np.equal(a, expand_reduced(ans, a.ndim, axis, keepdims))
    dtype = float_dtype(a)
    count = np.sum(hit, axis=normalize_axes(axis, a.ndim), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (hit / count).astype(dtype)


def extremum_jvp(da, a, ans, axis=None, keepdims=False, /):
    return _reduce_jvp(da, extremum_grad(a, ans, axis, keepdims), axis, keepdims)


def extremum_vjp(g, a, ans, axis=None, keepdims=False, /):
    """g / k on each of the k elements equal to the slice's extremum: the division
    is done on the reduced shape, and the mask times it is the one full-size pass."""
    a = np.asarray(a)
    hit = np.equal(a, expand_reduced(ans, a.ndim, axis, keepdims))
    count = np.sum(hit, axis=normalize_axes(axis, a.ndim), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):     # (NaN slices: no hit)
        share = np.true_divide(expand_reduced(g, a.ndim, axis, keepdims), count)
        if share.dtype.kind == "f":
            share = share.astype(float_dtype(a), copy=False)
        return like(hit * share, a)


def _ptp_grad(a, axis):
    hi = extremum_grad(a, np.max(a, axis=axis, keepdims=True), axis, True)
    lo = extremum_grad(a, np.min(a, axis=axis, keepdims=True), axis, True)
    return hi - lo


def ptp_jvp(da, a, axis=None, keepdims=False, /):
    return _reduce_jvp(da, _ptp_grad(a, axis), axis, keepdims)


def ptp_vjp(g, a, axis=None, keepdims=False, /):
    return _reduce_vjp(g, _ptp_grad(a, axis), a, axis, keepdims)


# var (std is differentiated as sqrt(var): rules/reductions.py).

def _var_grad(a, axis, ddof):
    a = np.asarray(a)
    centred = a - np.mean(a, axis=axis, keepdims=True)
    return centred * (2.0 / (_count(a, axis) - ddof))


def var_jvp(da, a, axis=None, ddof=0, keepdims=False, /):
    return _reduce_jvp(da, _var_grad(a, axis, ddof), axis, keepdims)


def var_vjp(g, a, axis=None, ddof=0, keepdims=False, /):
    return _reduce_vjp(g, _var_grad(a, axis, ddof), a, axis, keepdims)


# average(a, axis, weights) = sum(a * w) / sum(w), w the weights broadcast to a's shape.

def _weights_shape(a, axis, weights):
    """The shape weights take to broadcast against a (1-D weights lie along `axis`)."""
    if np.shape(weights) == np.shape(a):
        return np.shape(a)
    if axis is None or np.ndim(axis) != 0 or np.ndim(weights) != 1:
        raise ValueError("average: weights must match a, or be 1-D along an int axis")
    shape = [1] * np.ndim(a)
    shape[int(axis) % np.ndim(a)] = np.size(weights)
    return tuple(shape)


def average_weights(a, axis, weights, returned=False):
    """The weights of np.average(a, axis, weights) broadcast to a's shape (ones for None)."""
    if returned:
        raise NotImplementedError("derivative of np.average(..., returned=True) is not "
                                  "supported; compute the weight sum separately")
    if weights is None:
        return np.ones(np.shape(a), float_dtype(a))
    w = np.reshape(weights, _weights_shape(a, axis, weights))
    return np.broadcast_to(w, np.shape(a)).astype(float_dtype(w))


def average_weights_vjp(g, a, axis, weights, /):
    """Cotangent of `weights` in average_weights(a, axis, weights): g summed back."""
    shape = _weights_shape(a, axis, weights)
    summed = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(a)[i] != 1)
    out = np.sum(g, axis=summed, keepdims=True) if summed else np.asarray(g)
    return like(np.reshape(out, np.shape(weights)), weights)


# Cumulative sums and products (axis None flattens, like NumPy).

def _along_last(x, axis):
    x = np.asarray(x)
    return (x.reshape(-1), -1) if axis is None else (x, axis)


def cumsum_vjp(g, a, axis=None, /):
    g, ax = _along_last(g, axis)
    out = np.flip(np.cumsum(np.flip(g, ax), ax), ax)
    return like(out, a)


def _cumprod_matrix(x):
    """J[..., k, j] = prod of x[..., i] for i <= k, i != j (0 above the diagonal)."""
    n = x.shape[-1]
    jac = np.zeros(x.shape + (n,), x.dtype)
    left = np.cumprod(np.concatenate([np.ones(x.shape[:-1] + (1,), x.dtype),
                                      x[..., :-1]], -1), -1)
    for j in range(n):
        tail = np.cumprod(x[..., j + 1:], -1)
        jac[..., j, j] = left[..., j]
        jac[..., j + 1:, j] = left[..., j, None] * tail
    return jac


def cumprod_jvp(da, a, ans, axis=None, /):
    """Tangent of np.cumprod(a, axis); `ans` is not read (the value depends on da, a)."""
    a, ax = _along_last(a, axis)
    da = np.reshape(da, a.shape)
    if np.all(a != 0):
        return np.cumprod(a, axis=ax) * np.cumsum(da / a, axis=ax)
    x, d = np.moveaxis(a, ax, -1), np.moveaxis(da, ax, -1)
    out = np.einsum("...kj,...j->...k", _cumprod_matrix(x), d)
    return np.moveaxis(out, -1, ax)


def cumprod_vjp(g, a, ans, axis=None, /):
    """Cotangent of a in np.cumprod(a, axis); `ans` is not read."""
    arr, ax = _along_last(a, axis)
    g = np.reshape(g, arr.shape)
    if np.all(arr != 0):
        out = np.flip(np.cumsum(np.flip(g * np.cumprod(arr, axis=ax), ax), ax), ax) / arr
    else:
        x, gm = np.moveaxis(arr, ax, -1), np.moveaxis(g, ax, -1)
        out = np.moveaxis(np.einsum("...kj,...k->...j", _cumprod_matrix(x), gm), -1, ax)
    return like(out, a)


# The factors of products (prod's `prod_others` and cumprod), one slice per output
# element along a new last axis: np.prod over it is the product, and the second and
# higher derivatives of products are derivatives of np.prod of these (rules only).

def _slices(a, axis, kind):
    """a as a float array whose products run along its last axis, and how to undo that."""
    arr = np.asarray(a)
    arr = arr.astype(float_dtype(arr), copy=False)
    if kind == "cumulative":
        flat, ax = _along_last(arr, axis)
        ax = ax % flat.ndim
        return np.moveaxis(flat, ax, -1), (ax,)
    axes = normalize_axes(axis, arr.ndim)
    last = tuple(range(arr.ndim - len(axes), arr.ndim))
    moved = np.moveaxis(arr, axes, last)
    return moved.reshape(moved.shape[:arr.ndim - len(axes)] + (-1,)), (moved.shape, axes, last)


def _keep(n, kind):
    """keep[j, k]: factor k enters the product at output position j."""
    j, k = np.indices((n, n))
    return (k <= j) if kind == "cumulative" else (k != j)


def product_factors(a, axis, fill, kind):
    """out[..., k]: the k-th factor of the product at each output element of np.prod
    (kind 'others': the product of the other elements of its slice, so out has a's
    shape plus one axis) or of np.cumprod (kind 'cumulative'; axis None flattens), and
    `fill` in place of the factors that product leaves out."""
    flat, undo = _slices(a, axis, kind)
    n = flat.shape[-1]
    full = np.where(_keep(n, kind), flat[..., None, :], flat.dtype.type(fill))
    if kind == "cumulative":
        return np.moveaxis(full, -2, undo[0])
    shape, axes, last = undo
    return np.moveaxis(full.reshape(shape + (n,)), last, axes)


def product_factors_vjp(h, a, axis, kind, /):
    """Cotangent of a in product_factors(a, axis, fill, kind) (its linear part's adjoint)."""
    flat, undo = _slices(a, axis, kind)
    n = flat.shape[-1]
    if kind == "cumulative":
        hm = np.moveaxis(np.asarray(h), undo[0], -2)
    else:
        shape, axes, last = undo
        hm = np.moveaxis(np.asarray(h), axes, last).reshape(flat.shape[:-1] + (n, n))
    out = np.sum(np.where(_keep(n, kind), hm, 0), axis=-2).astype(flat.dtype, copy=False)
    if kind == "cumulative":
        return like(np.moveaxis(out, -1, undo[0]), a)
    return like(np.moveaxis(out.reshape(shape), last, axes), a)


# nansum, nanmean: NaN elements are skipped and get no derivative.

def nansum_jvp(da, a, axis=None, keepdims=False, /):
    return np.sum(np.where(np.isnan(a), 0, da), axis=axis, keepdims=keepdims)


def nansum_vjp(g, a, axis=None, keepdims=False, /):
    full = np.broadcast_to(expand_reduced(g, np.ndim(a), axis, keepdims), np.shape(a))
    return like(np.where(np.isnan(a), 0, full), a)


def _nan_count(a, axis):
    return np.sum(~np.isnan(a), axis=axis, keepdims=True).astype(float_dtype(a))


def nanmean_jvp(da, a, axis=None, keepdims=False, /):
    return np.sum(np.where(np.isnan(a), 0, da) / _nan_count(a, axis), axis=axis,
                  keepdims=keepdims)


def nanmean_vjp(g, a, axis=None, keepdims=False, /):
    full = expand_reduced(g, np.ndim(a), axis, keepdims) / _nan_count(a, axis)
    return like(np.where(np.isnan(a), 0, np.broadcast_to(full, np.shape(a))), a)


# median: the middle element (or the mean of the two middle ones) of a stable sort.

def _median_grad(a, axis):
    arr = np.asarray(a)
    axes = normalize_axes(axis, arr.ndim)
    last = tuple(range(arr.ndim - len(axes), arr.ndim))
    moved = np.moveaxis(arr, axes, last)
    flat = moved.reshape(moved.shape[:arr.ndim - len(axes)] + (-1,))
    n = flat.shape[-1]
    weight = np.zeros(n, float_dtype(arr))
    weight[(n - 1) // 2] += 0.5
    weight[n // 2] += 0.5
    grad = np.zeros(flat.shape, weight.dtype)
    order = np.argsort(flat, axis=-1, kind="stable")
    np.put_along_axis(grad, order, np.broadcast_to(weight, flat.shape), axis=-1)
    return np.moveaxis(grad.reshape(moved.shape), last, axes)


def median_jvp(da, a, axis=None, keepdims=False, /):
    return _reduce_jvp(da, _median_grad(a, axis), axis, keepdims)


def median_vjp(g, a, axis=None, keepdims=False, /):
    return _reduce_vjp(g, _median_grad(a, axis), a, axis, keepdims)
