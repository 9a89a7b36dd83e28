"""Runtime helpers of shape, joining, splitting and reordering rules.

Each cotangent helper returns the cotangent of one input with that input's shape and
floating dtype; inputs given as tuples or lists get tuples of per-item cotangents.
"""
from __future__ import annotations

import numpy as np

from .common import float_dtype, is_basic_index, like, real_for, unbroadcast, zeros_float
from .core import zeros_like


def shape_arg(shape):
    """The shape of ndarray.reshape(*shape): reshape(2, 3) or reshape((2, 3))."""
    return shape[0] if len(shape) == 1 else shape


def axes_arg(axes):
    """The axes of ndarray.transpose(*axes): (), (None,), ((1, 0),) or (1, 0)."""
    if len(axes) == 1 and (axes[0] is None or np.ndim(axes[0])):
        return axes[0]
    return axes or None


def transpose_vjp(g, a, axes=None, /):
    """Cotangent of np.transpose(a, axes)."""
    if axes is None:
        return like(np.transpose(g), a)
    axes = [int(i) % np.ndim(a) for i in axes]
    return like(np.transpose(g, np.argsort(axes)), a)


def _ravel_order(a, order):
    """'C', 'F', or for order 'K' on a strided array the permutation NumPy uses."""
    fortran = isinstance(a, np.ndarray) and a.flags.f_contiguous and not a.flags.c_contiguous
    if order == "A" or (order == "K" and fortran):
        return "F" if fortran else "C"
    if order == "K" and isinstance(a, np.ndarray) and not a.flags.c_contiguous:
        index = np.empty_like(a, dtype=np.intp)      # a's memory layout, C positions
        index[...] = np.arange(a.size).reshape(a.shape)
        return np.ravel(index, order="K")
    return "F" if order == "F" else "C"


def ravel_jvp(da, a, order="C", /):
    """Tangent of np.ravel(a, order) (also ndarray.flatten): da in a's element order."""
    order = _ravel_order(a, order)
    if isinstance(order, str):
        return np.ravel(da, order=order)
    return np.ravel(da)[order]


def ravel_vjp(g, a, order="C", /):
    """Cotangent of np.ravel(a, order) (also ndarray.flatten)."""
    order = _ravel_order(a, order)
    if isinstance(order, str):
        return like(np.reshape(g, np.shape(a), order=order), a)
    out = np.empty(np.size(a), float_dtype(a))
    out[order] = g
    return like(out, a)


def reshape_vjp(g, a, order="C", /):
    return like(np.reshape(g, np.shape(a), order=order), a)


def concatenate_vjp(g, arrays, axis=0, /):
    """Cotangents of the items of np.concatenate(arrays, axis) (axis None flattens)."""
    if axis is None:
        sizes = [np.size(x) for x in arrays]
        pieces = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
    else:
        ax = axis % np.ndim(g)
        sizes = [np.shape(x)[ax] for x in arrays]
        pieces = np.split(g, np.cumsum(sizes)[:-1], axis=ax)
    return tuple(like(p, x) for p, x in zip(pieces, arrays))


def stack_vjp(g, arrays, axis=0, /):
    slices = np.moveaxis(np.asarray(g), axis, 0)
    return tuple(like(s, x) for s, x in zip(slices, arrays))


_PROMOTE = {
    "vstack": (np.atleast_2d, 0),
    "dstack": (np.atleast_3d, 2),
    "column_stack": (lambda x: np.asarray(x).reshape(-1, 1) if np.ndim(x) < 2
                     else np.asarray(x), 1),
}


def stacked_vjp(g, tup, kind, /):
    """Cotangents of the items of np.vstack / hstack / dstack / column_stack(tup)."""
    if kind == "hstack":
        promote, axis = np.atleast_1d, 0 if np.ndim(np.atleast_1d(tup[0])) == 1 else 1
    else:
        promote, axis = _PROMOTE[kind]
    sizes = [np.shape(promote(x))[axis] for x in tup]
    pieces = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return tuple(like(np.reshape(p, np.shape(x)), x) for p, x in zip(pieces, tup))


def stacked(tup, kind):
    """np.vstack / hstack / dstack / column_stack(tup), by name."""
    return getattr(np, kind)(tup)


def split_pieces(ary, name, args):
    """np.<name>(ary, *args): np.split and its kin, by name, with their arguments."""
    return getattr(np, name)(ary, *args)


def split_vjp(g, ary, name, args, /):
    """Cotangent of `ary` for np.<name>(ary, *args) -> list of pieces (None is zero)."""
    out = zeros_float(ary)
    for view, piece in zip(getattr(np, name)(out, *args), g):
        if piece is not None:
            view[...] = piece
    return like(out, ary)


def broadcast_all(arrays):
    """np.broadcast_arrays(*arrays)."""
    return np.broadcast_arrays(*arrays)


def broadcast_arrays_vjp(g, args, /):
    return tuple(like(unbroadcast(gi, x), x) if gi is not None else like(None, x)
                 for gi, x in zip(g, args))


def atleast(arys, n):
    """np.atleast_1d / 2d / 3d(*arys) for n = 1, 2, 3."""
    return (np.atleast_1d, np.atleast_2d, np.atleast_3d)[n - 1](*arys)


def atleast_vjp(g, arys, n, /):
    """Cotangents of np.atleast_<n>d(*arys) (a single array out for one input)."""
    if len(arys) == 1:
        g = (g,)
    return tuple(like(None if gi is None else np.reshape(gi, np.shape(x)), x)
                 for gi, x in zip(g, arys))


def tile_vjp(g, A, reps, /):
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    nd = max(np.ndim(A), len(reps))
    shape = (1,) * (nd - np.ndim(A)) + np.shape(A)
    reps = (1,) * (nd - len(reps)) + reps
    g = np.reshape(g, [n for r, s in zip(reps, shape) for n in (r, s)])
    return like(np.sum(g, axis=tuple(range(0, 2 * nd, 2))), A)


def repeat_vjp(g, a, repeats, axis=None, /):
    arr = np.asarray(a)
    if axis is None:
        arr = arr.reshape(-1)
        axis = 0
    axis = axis % arr.ndim
    n = arr.shape[axis]
    index = np.repeat(np.arange(n), repeats)
    out = np.zeros((n,) + tuple(s for i, s in enumerate(arr.shape) if i != axis), float_dtype(a))
    np.add.at(out, index, np.moveaxis(np.asarray(g), axis, 0))
    return like(np.moveaxis(out, 0, axis), a)


def roll_vjp(g, shift, axis=None, /):
    back = -np.asarray(shift)
    return np.roll(g, back if back.ndim else int(back), axis=axis)


def embed_diagonal(gd, a, offset=0, axis1=0, axis2=1):
    """Zeros of a's shape with its (offset) diagonal over axis1, axis2 set to gd."""
    out = zeros_float(a)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    k = np.shape(gd)[-1] if np.ndim(gd) else 0
    rows = np.arange(k) + max(-offset, 0)
    cols = np.arange(k) + max(offset, 0)
    view[..., rows, cols] = gd
    return like(out, a)


def diagonal_vjp(g, a, offset=0, axis1=0, axis2=1, /):
    return embed_diagonal(g, a, offset, axis1, axis2)


def trace_vjp(g, a, offset=0, axis1=0, axis2=1, /):
    diag_len = np.diagonal(np.asarray(a), offset, axis1, axis2).shape[-1]
    gd = np.broadcast_to(np.expand_dims(g, -1), np.shape(g) + (diag_len,))
    return embed_diagonal(gd, a, offset, axis1, axis2)


def diag_vjp(g, v, k=0, /):
    if np.ndim(v) == 1:
        return like(np.diagonal(g, k), v)
    return embed_diagonal(g, v, k, 0, 1)


def _effective_indices(n, indices, mode):
    return np.take(np.arange(n), indices, mode=mode)


def take_vjp(g, a, indices, axis=None, mode="raise", /):
    arr = np.asarray(a)
    flat = arr.reshape(-1) if axis is None else arr
    ax = 0 if axis is None else axis % flat.ndim
    index = _effective_indices(flat.shape[ax], indices, mode)
    out = np.zeros(flat.shape, float_dtype(a))
    moved = np.moveaxis(out, ax, 0)
    gm = np.moveaxis(np.asarray(g), tuple(range(ax, ax + np.ndim(index))),
                     tuple(range(np.ndim(index))))
    np.add.at(moved, index, gm)
    return like(out.reshape(arr.shape), a)


def take_along_axis_vjp(g, arr, indices, axis=-1, /):
    a = np.asarray(arr)
    flat = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis % flat.ndim
    out = np.zeros(flat.shape, float_dtype(arr))
    other = tuple(1 if i == ax else n for i, n in enumerate(flat.shape))
    grid = list(np.ix_(*[np.arange(n) for n in np.broadcast_shapes(other, np.shape(indices))]))
    grid[ax] = indices
    np.add.at(out, tuple(grid), g)
    return like(out.reshape(a.shape), arr)


def _pad_widths(pad_width, ndim):
    return np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (ndim, 2))


_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad_jvp(darray, pad_width, mode="constant", /):
    if mode == "constant" or mode in _GATHER_MODES:
        return np.pad(darray, pad_width, mode=mode)
    raise NotImplementedError(f"derivative of np.pad with mode={mode!r}")


def pad_vjp(g, array, pad_width, mode="constant", /):
    shape = np.shape(array)
    widths = _pad_widths(pad_width, len(shape))
    if mode == "constant":
        inner = tuple(slice(b, b + n) for (b, _), n in zip(widths, shape))
        return like(np.asarray(g)[inner], array)
    if mode not in _GATHER_MODES:
        raise NotImplementedError(f"derivative of np.pad with mode={mode!r}")
    index = np.pad(np.arange(int(np.prod(shape))).reshape(shape), pad_width, mode=mode)
    out = np.zeros(int(np.prod(shape)), float_dtype(array))
    np.add.at(out, index.reshape(-1), np.ravel(g))
    return like(out.reshape(shape), array)


def pad_constant_vjp(g, array, pad_width, constant_values, /):
    if np.ndim(constant_values):
        raise NotImplementedError("derivative of np.pad for per-axis constant_values")
    shape = np.shape(array)
    widths = _pad_widths(pad_width, len(shape))
    inner = tuple(slice(b, b + n) for (b, _), n in zip(widths, shape))
    return like(np.sum(g) - np.sum(np.asarray(g)[inner]), constant_values)


def pad_constant_jvp(dconstant_values, array, pad_width, /):
    return np.pad(np.zeros(np.shape(array), float_dtype(array)), pad_width,
                  mode="constant", constant_values=dconstant_values)


def _sort_order(a, axis):
    arr = np.asarray(a)
    if axis is None:
        return arr.reshape(-1), np.argsort(arr, axis=None, kind="stable"), 0
    return arr, np.argsort(arr, axis=axis, kind="stable"), axis


def sort_jvp(da, a, axis=-1, /):
    arr, order, ax = _sort_order(a, axis)
    return np.take_along_axis(np.reshape(da, arr.shape), order, axis=ax)


def sort_vjp(g, a, axis=-1, /):
    arr, order, ax = _sort_order(a, axis)
    out = np.zeros(arr.shape, float_dtype(a))
    np.put_along_axis(out, order, g, axis=ax)
    return like(out.reshape(np.shape(a)), a)


def diff_vjp(g, a, n=1, axis=-1, /):
    for _ in range(n):
        g = -np.diff(g, axis=axis, prepend=0, append=0)
    return like(g, a)


def getitem_vjp(g, a, index, /):
    """Cotangent of a[index]: g scattered into zeros (repeated indices accumulate).

    For a tuple or list `a`, a tuple with g at the index and zeros elsewhere; for a
    dict, a dict with g at the key and zeros elsewhere.
    """
    if type(a) is np.ndarray and type(index) is slice and a.dtype.kind == "f" and (
            type(g) is float or type(g) is np.ndarray and g.dtype.kind == "f"):
        out = np.zeros(a.shape, a.dtype)     # (the common case, at once: as below)
        out[index] = g
        return out
    if isinstance(a, dict):
        out = {k: zeros_like(v) for k, v in a.items()}
        out[index] = g
        return out
    if isinstance(a, (tuple, list)):
        out = [like(None, x) for x in a]
        if isinstance(index, slice):
            for pos, gi in zip(range(len(a))[index], g):
                out[pos] = like(gi, a[pos])
        else:
            out[index] = like(g, a[index])
        return tuple(out)
    out, g = zeros_float(a), real_for(g, a)
    if is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return like(out, a)


def item_jvp(da, args, /):
    return np.asarray(da).item(*args)


def item_vjp(g, a, args, /):
    out, g = zeros_float(a), real_for(g, a)
    if not args:
        out.reshape(-1)[0] = g
    elif len(args) == 1 and np.ndim(args[0]) == 0:
        out.reshape(-1)[args[0]] = g
    else:
        out[tuple(args[0]) if len(args) == 1 else tuple(args)] = g
    return like(out, a)
