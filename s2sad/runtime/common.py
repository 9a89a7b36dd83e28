"""Shared pieces of the runtime helpers: dtypes, shapes, indices and cotangent casting.

The other modules of `s2sad.runtime` build on these; it imports nothing from them.
Of these, `rt` exports `unbroadcast`, `float_dtype`, `safe_ratio` and `is_basic_index`.

Every helper that builds a cotangent returns it with the shape of the primal input
and its floating dtype (float64 for integer or boolean inputs), so float32 code
stays float32 and no integer cotangent buffer is ever made.
"""
from __future__ import annotations

import numpy as np

# Floating scalar types whose cotangent is a number of the same type (cast_like
# returns such a cotangent as it is; a list of them gets per-item cotangents at once).
FLOAT_SCALARS = frozenset({float, np.float64, np.float32, np.float16, np.longdouble})


def unbroadcast(g, x, /):
    """Sum the cotangent `g` back to the shape of the primal `x` (undo broadcasting)."""
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape:
        return g                          # (the common case, without a call)
    shape = np.shape(x)
    if np.shape(g) == shape:
        return g
    g = np.asarray(g)
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if not shape:
        return g[()] if isinstance(x, (np.ndarray, np.generic)) else g.item()
    return g


def is_py_scalar(x) -> bool:
    """A plain Python number (bool, int, float), not a NumPy scalar."""
    if type(x) is float or type(x) is int:
        return True
    return isinstance(x, (int, float)) and not isinstance(x, np.generic)


def float_dtype(*xs) -> np.dtype:
    """The floating dtype derivatives of these values use (float64 for ints, bools)."""
    if len(xs) == 1 and type(xs[0]) is np.ndarray and xs[0].dtype.kind in "fc":
        return xs[0].dtype
    dtype = np.result_type(*(np.asarray(x) if isinstance(x, (tuple, list)) else x for x in xs))
    return dtype if np.issubdtype(dtype, np.inexact) else np.dtype(np.float64)


def _convert(cls, value):
    return cls(value)


def zero_cotangent(x):
    """A zero cotangent for `x`: 0.0, a float array, or a tuple (dict) of those for containers."""
    if isinstance(x, (tuple, list)):
        return tuple(zero_cotangent(item) for item in x)
    if isinstance(x, dict):
        return {k: zero_cotangent(v) for k, v in x.items()}
    if is_py_scalar(x) or isinstance(x, str) or x is None:      # (a key is a constant)
        return 0.0
    zeros = np.zeros(np.shape(x), float_dtype(x))
    return zeros if isinstance(x, np.ndarray) else zeros[()]


def like(g, x):
    """The cotangent `g` (already of x's size) given x's shape, float dtype and kind.

    A Python number gets a Python float, a NumPy scalar a NumPy scalar, and a list
    or tuple of values (an array_like argument) a tuple of per-item cotangents.
    """
    if isinstance(x, (tuple, list)):
        types = set(map(type, x)) if type(g) is np.ndarray and g.shape == (len(x),) and \
            g.dtype.kind == "f" and g.dtype.itemsize <= 8 else None
        if types is not None and types <= FLOAT_SCALARS:
            # numbers (the items of a list grown in a loop): each item's type, at once
            values = g.tolist()
            return tuple(values if types == {float} else map(_convert, map(type, x), values))
        if g is None:
            return tuple(like(None, item) for item in x)
        if not isinstance(g, (tuple, list)):      # an array for an array_like list
            g = np.reshape(g, np.shape(x)) if np.ndim(g) else g
        return tuple(like(g[i], item) for i, item in enumerate(x))
    if isinstance(x, dict):
        return {k: like(g.get(k) if isinstance(g, dict) else None, v) for k, v in x.items()}
    if g is None:
        return zero_cotangent(x)
    if is_py_scalar(x):
        return float(np.reshape(g, ()))
    shape, dtype = np.shape(x), float_dtype(x)
    g = np.asarray(g)
    if g.shape != shape:
        g = np.reshape(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g if isinstance(x, np.ndarray) else g[()]


def is_basic_index(index) -> bool:
    """An index of ints, slices, None and Ellipsis: it selects each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               for p in parts) and not any(isinstance(p, bool) for p in parts)


def real_for(g, x):
    """g, or its real part when g is complex and x is real: a real value's share of a
    complex cotangent (the convention of runtime/fft.py)."""
    return np.real(g) if np.iscomplexobj(g) and not np.iscomplexobj(x) else g


def zeros_float(x):
    """A writable float array of zeros with x's shape (x may be an array_like)."""
    return np.zeros(np.shape(x), float_dtype(x))


def normalize_axes(axis, ndim: int) -> tuple:
    """Axes of a reduction as sorted non-negative ints (None means every axis)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(sorted(int(a) % ndim if ndim else 0 for a in axes))


def expand_reduced(g, ndim: int, axis, keepdims: bool):
    """Give a reduction's output (or its cotangent) back the reduced axes as size 1."""
    if keepdims:
        return np.asarray(g)
    axes = normalize_axes(axis, ndim)
    return np.expand_dims(g, axes) if axes else np.asarray(g)


def broadcast_like(g, x, dtype=None):
    """`g` broadcast to x's shape and materialised (writable) with x's float dtype."""
    dtype = dtype or float_dtype(x)
    out = np.broadcast_to(g, np.shape(x)).astype(dtype)
    return like(out, x)


def safe_ratio(x, y):
    """x / y with 0 where y == 0 (the minimum-norm subgradient of a norm at 0)."""
    if is_py_scalar(x) and is_py_scalar(y):
        return x / y if y else 0.0
    zero = np.equal(y, 0)
    if not np.any(zero):
        return x / y
    return np.where(zero, 0, x / np.where(zero, 1, y))
