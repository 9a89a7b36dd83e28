"""Runtime helpers of the rules of `np.append`, `np.insert`, `np.delete` and the index
builders `np.r_[...]` and `np.c_[...]`.

All five are linear in their array arguments.  Each comes as a pair: a *part* (the
result with one argument's tangent in its place and zeros elsewhere: the JVP) and a
*vjp* (that argument's share of a cotangent of the result: the transpose).  Each of
the pair is linear in its first argument and the transpose of the other, so their
rules (rules/shape.py) name each other, and the table stays closed under
differentiation.  Where an argument's elements land is found by running NumPy's own
function on labels (1, 2, ... in the argument's shape), so every form NumPy accepts
(axis None or given, scalar or array `obj`, broadcast values) is followed exactly.
"""
from __future__ import annotations

import numpy as np

from .common import float_dtype, like


def _labels(x):
    """1, 2, ..., size(x) in the shape of x (0 marks elements of no interest)."""
    return np.arange(1, np.size(x) + 1).reshape(np.shape(x))


def _gather(ct, layout, x):
    """x's share of the cotangent `ct`: the sum of ct over the places where `layout`
    holds each label of x (a broadcast value is summed over its copies)."""
    ct = np.asarray(ct)
    sums = np.zeros(np.size(x) + 1, ct.dtype if ct.dtype.kind in "fc" else np.float64)
    np.add.at(sums, np.ravel(layout), np.ravel(ct))
    return like(sums[1:].reshape(np.shape(x)), x)


def _zeros(x, like_dtype):
    """Zeros in the shape of x, of the floating dtype of `like_dtype`."""
    return np.zeros(np.shape(x), float_dtype(like_dtype))


def append_part(t, arr, values, axis, into_arr: bool):
    """np.append(arr, values, axis) with t in place of arr (`into_arr`) or of values,
    and zeros for the other."""
    if into_arr:
        return np.append(t, _zeros(values, values), axis)
    return np.append(_zeros(arr, arr), t, axis)


def append_vjp(ct, arr, values, axis, into_arr: bool):
    """The cotangent of arr (`into_arr`) or values for np.append(arr, values, axis)."""
    if into_arr:
        return _gather(ct, np.append(_labels(arr), np.zeros(np.shape(values), int), axis), arr)
    return _gather(ct, np.append(np.zeros(np.shape(arr), int), _labels(values), axis), values)


def insert_part(t, arr, obj, values, axis, into_arr: bool):
    """np.insert(arr, obj, values, axis) with t in place of arr (`into_arr`) or of
    values, and zeros for the other."""
    if into_arr:
        return np.insert(t, obj, _zeros(values, t), axis)
    return np.insert(_zeros(arr, arr), obj, t, axis)     # np.insert keeps arr's dtype


def insert_vjp(ct, arr, obj, values, axis, into_arr: bool):
    """The cotangent of arr (`into_arr`) or values for np.insert(arr, obj, values,
    axis)."""
    if into_arr:
        layout = np.insert(_labels(arr), obj, np.zeros(np.shape(values), int), axis)
        return _gather(ct, layout, arr)
    return _gather(ct, np.insert(np.zeros(np.shape(arr), int), obj, _labels(values), axis),
                   values)


def delete_vjp(ct, arr, obj, axis=None):
    """The cotangent of arr for np.delete(arr, obj, axis): ct where elements were kept,
    zeros where they were deleted."""
    return _gather(ct, np.delete(_labels(arr), obj, axis), arr)


def r_(index):
    """np.r_[index]: `np.r_[a, b, 3.0]` is r_((a, b, 3.0))."""
    return np.r_[index]


def c_(index):
    """np.c_[index]."""
    return np.c_[index]


def _index_vjp(maker, ct, index):
    """The cotangents of the items of `index` for maker[index] (a tuple for a tuple)."""
    items = index if isinstance(index, tuple) else (index,)
    shift = np.cumsum([0] + [np.size(x) for x in items])
    layout = maker[tuple(_labels(x) + shift[i] for i, x in enumerate(items))]
    parts = tuple(_gather(ct, np.where((layout > shift[i]) & (layout <= shift[i + 1]),
                                       layout - shift[i], 0), x) for i, x in enumerate(items))
    return parts if isinstance(index, tuple) else parts[0]


def r_vjp(ct, index):
    """The cotangents of the items of `index` for np.r_[index]."""
    return _index_vjp(np.r_, ct, index)


def c_vjp(ct, index):
    """The cotangents of the items of `index` for np.c_[index]."""
    return _index_vjp(np.c_, ct, index)
