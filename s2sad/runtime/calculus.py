"""Helpers of the rules in s2sad/rules/calculus.py: np.diff's prepend=/append=, np.partition,
np.gradient and np.trapezoid.

Each is linear in its first argument (a tangent or cotangent) and comes with its
transpose, so their rules close under differentiation; the other arguments give
shapes, orders or coordinates.
"""
from __future__ import annotations

import numpy as np

from .common import float_dtype, like


# ---- np.diff(a, n, axis, prepend, append): a between its edges (None: no edge) --------

def _edge(e, a, axis):
    """An edge as NumPy's np.diff makes it: broadcast to a's shape with length 1 along axis
    for a scalar, else taken as it is."""
    e = np.asanyarray(e)
    if e.ndim == 0:
        shape = list(np.shape(a))
        shape[axis] = 1
        e = np.broadcast_to(e, shape)
    return e


def join_edges(a, prepend, append, axis, /):
    """np.concatenate((prepend, a, append), axis), leaving out the edges that are None."""
    a = np.asanyarray(a)
    parts = [_edge(e, a, axis) if e is not None else None for e in (prepend, append)]
    pieces = [p for p in (parts[0], a, parts[1]) if p is not None]
    return np.concatenate(pieces, axis=axis) if len(pieces) > 1 else a


def _spans(a, prepend, append, axis):
    """Lengths along axis of (prepend, a, append) in join_edges(...)."""
    lengths = [0 if e is None else _edge(e, np.asanyarray(a), axis).shape[axis]
               for e in (prepend, append)]
    return lengths[0], np.shape(a)[axis], lengths[1]


def edge_part(t, a, prepend, append, axis, which, /):
    """The part of t = join_edges(...)'s (co)tangent that belongs to `which` ('a',
    'prepend' or 'append'), summed back to that argument's shape."""
    first, middle, last = _spans(a, prepend, append, axis)
    start, stop = {"prepend": (0, first), "a": (first, first + middle),
                   "append": (first + middle, first + middle + last)}[which]
    piece = np.take(np.asarray(t), np.arange(start, stop), axis=axis)
    x = {"a": a, "prepend": prepend, "append": append}[which]
    if np.ndim(x) == 0:
        return like(np.sum(piece), x)
    return like(np.reshape(piece, np.shape(x)), x)


def edge_place(t, a, prepend, append, axis, which, /):
    """join_edges(...) with t in the place of `which` and zeros in the other places
    (edge_part's transpose)."""
    dtype = float_dtype(t, a)
    zero = {k: None if v is None else np.zeros(np.shape(_edge(v, np.asanyarray(a), axis)), dtype)
            for k, v in (("prepend", prepend), ("append", append))}
    zero["a"] = np.zeros(np.shape(a), dtype)
    zero[which] = _edge(t, np.asanyarray(a), axis) if which != "a" else np.asarray(t, dtype)
    return join_edges(zero["a"], zero["prepend"], zero["append"], axis)


# ---- np.partition: a permutation along an axis (by a stable argpartition) --------------

def _partition_order(a, kth, axis):
    arr = np.asarray(a)
    if axis is None:
        arr, axis = arr.reshape(-1), 0
    return arr, np.argpartition(arr, kth, axis=axis), axis


def partition_jvp(t, a, kth, axis=-1, /):
    arr, order, ax = _partition_order(a, kth, axis)
    return np.take_along_axis(np.reshape(t, arr.shape), order, axis=ax)


def partition_vjp(g, a, kth, axis=-1, /):
    arr, order, ax = _partition_order(a, kth, axis)
    out = np.zeros(arr.shape, float_dtype(g, a))
    np.put_along_axis(out, order, g, axis=ax)
    return like(out.reshape(np.shape(a)), a)
