"""Helpers of the rules in s2sad/rules/calculus.py: np.diff's prepend=/append=, np.partition,
np.gradient and np.trapezoid.

Each is linear in its first argument (a tangent or cotangent) and comes with its
transpose, so their rules close under differentiation; the other arguments give
shapes, orders or coordinates.
"""
from __future__ import annotations

import numpy as np

from .common import float_dtype, like, unbroadcast


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
    if prepend is None and append is None:     # plain np.diff: t is a's
        return t
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
    if prepend is None and append is None:
        return t
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


# ---- np.gradient(f, *varargs, axis, edge_order): linear in f ------------------------

def _gradient_axes(f, varargs, axis):
    """[(axis, spacing)] of np.gradient's outputs, in order (spacing: a scalar or
    coordinates), and whether it returns one array."""
    ndim = np.ndim(f)
    axes = tuple(range(ndim)) if axis is None else \
        (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(int(a) % ndim for a in axes)
    spacing = list(varargs) or [1.0]
    if len(spacing) == 1 and len(axes) > 1:
        spacing = spacing * len(axes)
    return list(zip(axes, spacing)), len(axes) == 1


def _gradient_matrix(m, spacing, edge_order, dtype):
    """W with W @ column = np.gradient(column, spacing, edge_order=...) for length m."""
    return np.gradient(np.eye(m, dtype=dtype), spacing, axis=0, edge_order=edge_order)


def gradient_apply(t, varargs=(), axis=None, edge_order=1, /):
    """np.gradient(t, *varargs, axis=axis, edge_order=edge_order)."""
    return np.gradient(t, *varargs, axis=axis, edge_order=edge_order)


def gradient_adjoint(g, f, varargs=(), axis=None, edge_order=1, /):
    """Cotangent of f from the cotangent(s) g of np.gradient(f, ...)'s output(s)."""
    plan, single = _gradient_axes(f, varargs, axis)
    gs = (g,) if single else tuple(g)
    dtype = float_dtype(f)
    out = np.zeros(np.shape(f), dtype)
    for (ax, spacing), gi in zip(plan, gs):
        if gi is None:
            continue
        w = _gradient_matrix(np.shape(f)[ax], spacing, edge_order, dtype)
        gi = np.broadcast_to(np.asarray(gi, dtype), np.shape(f))
        out = out + np.moveaxis(np.tensordot(w.T, np.moveaxis(gi, ax, 0), axes=1), 0, ax)
    return like(out, f)


# ---- np.trapezoid(y, x, dx, axis): linear in y, linear in x ---------------------------

def _weights(y, coords, step, axis):
    """w with np.trapezoid(y, coords, step, axis) = sum(w * y, axis) (w broadcasts)."""
    ndim = np.ndim(y)
    axis = int(axis) % ndim
    n = np.shape(y)[axis]
    if coords is None:
        w = np.full(n, float(step)) if n else np.zeros(0)
        if n:
            w[0] = w[-1] = 0.5 * step if n > 1 else 0.0
        return w.reshape([n if a == axis else 1 for a in range(ndim)])
    c = np.asarray(coords)
    if c.ndim == 1:
        c = c.reshape([n if a == axis else 1 for a in range(ndim)])
        c_axis = axis
    else:
        c_axis = axis if c.ndim == ndim else int(axis) % c.ndim
    d = np.diff(c, axis=c_axis)
    pad = [(0, 0)] * c.ndim
    before, after = list(pad), list(pad)
    before[c_axis], after[c_axis] = (1, 0), (0, 1)
    return 0.5 * (np.pad(d, before) + np.pad(d, after))


def trapezoid_step(coords, step, /):
    """np.trapezoid's spacing: `step` without coordinates, 1.0 (unused) with them."""
    return step if coords is None else 1.0


def trapezoid_y_vjp(t, y, coords=None, step=1.0, axis=-1, /):
    """Cotangent of y in np.trapezoid(y, coords, step, axis) from the output's t."""
    w = _weights(y, coords, step, axis)
    g = np.expand_dims(np.asarray(t), int(axis) % np.ndim(y))
    out = np.broadcast_to(g * w, np.shape(y))
    return like(np.asarray(out, float_dtype(t, y, w)), y)


def trapezoid_x_vjp(t, y, coords, axis=-1, /):
    """Cotangent of the coordinates in np.trapezoid(y, coords, axis=axis) from the
    output's t: the transpose of coords -> w(coords), applied to t * y."""
    ndim = np.ndim(y)
    axis = int(axis) % ndim
    s = np.expand_dims(np.asarray(t), axis) * np.asarray(y)      # d output / d w
    c = np.asarray(coords)
    c_axis = 0 if c.ndim == 1 else (axis if c.ndim == ndim else axis % c.ndim)
    if c.ndim == 1:
        s = np.sum(s, axis=tuple(a for a in range(s.ndim) if a != axis))
    else:
        s = unbroadcast(s, c)
    n = s.shape[c_axis]
    # w_i = (d_(i-1) + d_i) / 2, d_k = c_(k+1) - c_k: d's cotangent is (s_k + s_(k+1)) / 2
    sd = 0.5 * (np.take(s, np.arange(n - 1), axis=c_axis) + np.take(s, np.arange(1, n), axis=c_axis))
    pad = [(0, 0)] * s.ndim
    pad[c_axis] = (1, 1)
    out = -np.diff(np.pad(sd, pad), axis=c_axis)
    return like(np.asarray(out, float_dtype(t, y, c)), coords)
