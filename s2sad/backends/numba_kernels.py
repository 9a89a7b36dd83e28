"""Array loops the Numba helpers of `numba_runtime.py` call.

Loops and copies rather than g.sum(axis=...), np.zeros, np.full, np.outer and a.T @ v:
each NumPy function Numba compiles is a chain of functions (np.zeros is np.empty, an
allocator and a fill), each costing a tenth of a second or more of compile time.
The values are NumPy's.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload
from numba.np.numpy_support import as_dtype


def contiguous(g):
    """`g` itself when C-contiguous (as the Python helpers return it), else a copy."""
    return np.ascontiguousarray(g)


@overload(contiguous)
def _contiguous_ol(g):
    if isinstance(g, types.Array):
        if g.layout == "C":
            return lambda g: g
        return lambda g: g.copy()


@njit(cache=False)
def filled(shape, dtype, value):
    out = np.empty(shape, dtype)
    out[...] = value
    return out


def total(g):
    """g.sum() for an array g (a loop, in g's dtype)."""
    return g.sum()


@overload(total)
def _total_ol(g):
    if isinstance(g, types.Array):
        zero = as_dtype(g.dtype).type(0)

        def impl(g):
            acc = zero
            for v in g.flat:
                acc += v
            return acc
        return impl


@njit(cache=False)
def sum_to(g, m, n):
    """The 2-d g summed to the shape (m, n), each of m, n either 1 (summed over) or
    g's own (kept).  m and n are ints, not literals, for one compile per g type."""
    if m != 1 and m != g.shape[0] or n != 1 and n != g.shape[1]:
        raise ValueError("unbroadcast: the cotangent does not broadcast to the input")
    out = filled((m, n), g.dtype, 0.0)
    for i in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[i if m != 1 else 0, j if n != 1 else 0] += g[i, j]
    return out


@njit(cache=False)
def outer(u, v):
    out = np.empty((u.shape[0], v.shape[0]), u.dtype)
    for i in range(u.shape[0]):
        for j in range(v.shape[0]):
            out[i, j] = u[i] * v[j]
    return out


@njit(cache=False)
def transposed_times(a, v):
    """a.T @ v for a 2-d a and a 1-d v."""
    out = filled(a.shape[1], a.dtype, 0.0)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            out[j] += a[i, j] * v[i]
    return out
