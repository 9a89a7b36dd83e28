"""Runtime helpers of np.ediff1d, np.vander, the polynomial functions (polyadd, polysub,
polyder, polyint) and np.linalg.vector_norm.

Each helper but `vander_deriv` and `vector_norm_ord` is linear in its first argument;
the rules (rules/numpy_more.py) pair each with its adjoint.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError
from .common import float_dtype, like


def _size(x) -> int:
    return 0 if x is None else int(np.size(x))


def ediff1d_jvp(t, to_end=None, to_begin=None, /):
    """The tangent of np.ediff1d(ary, to_end, to_begin) along t (the edges held fixed)."""
    t = np.asarray(t)
    dtype = float_dtype(t)
    pieces = (np.zeros(_size(to_begin), dtype), np.diff(np.ravel(t)).astype(dtype),
              np.zeros(_size(to_end), dtype))
    return np.concatenate(pieces)


def ediff1d_vjp(g, ary, to_end=None, to_begin=None, /):
    """The cotangent of ary for np.ediff1d(ary, to_end, to_begin)."""
    g = np.asarray(g)
    core = g[_size(to_begin):g.shape[0] - _size(to_end)]
    out = np.zeros(np.size(ary), float_dtype(ary))
    out[1:] += core
    out[:-1] -= core
    return like(out.reshape(np.shape(ary)), ary)


def vander_deriv(x, N=None, increasing=False, k=0, /):
    """The k-th derivative in x of the columns of np.vander(x, N, increasing): the
    falling factorial p (p - 1) ... (p - k + 1) times x**(p - k) in the column of x**p."""
    x = np.asarray(x)
    dtype = np.promote_types(float_dtype(x), np.int64)     # np.vander's own dtype
    n = x.shape[0] if N is None else int(N)
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    factor = np.ones(n)
    for j in range(k):
        factor = factor * (powers - j)
    exponent = np.maximum(powers - k, 0).astype(dtype)
    return (np.power(x[:, None].astype(dtype), exponent) * factor.astype(dtype)).astype(dtype)


def poly_tail(t, a, /):
    """The last len(a) coefficients of t (the cotangent of a in np.polyadd(a, b))."""
    t = np.asarray(t)
    return like(t[t.shape[0] - np.size(a):].astype(float_dtype(t, a)), a)


def _polyder_factors(n: int, m: int) -> np.ndarray:
    """p (p - 1) ... (p - m + 1) for the powers p = n - 1, ..., m of np.polyder's kept terms."""
    powers = np.arange(n - 1, m - 1, -1)
    factor = np.ones(powers.shape[0])
    for j in range(m):
        factor = factor * (powers - j)
    return factor


def polyder_vjp(t, p, m=1, /):
    """The cotangent of p for np.polyder(p, m)."""
    n, m = np.size(p), int(m)
    out = np.zeros(n, float_dtype(t, p))
    if m < n:
        out[:n - m] = np.asarray(t) * _polyder_factors(n, m)
    return like(out, p)


def polyint_vjp(t, p, m=1, /):
    """The cotangent of p for np.polyint(p, m, k) (the constants k held fixed)."""
    n, m = np.size(p), int(m)
    factor = _polyder_factors(n + m, m)[:n]
    out = np.asarray(t)[:n] / factor
    return like(out.astype(float_dtype(t, p)), p)


def vector_norm_ord(x, ord, axis, /):
    """The `ord` for which np.linalg.norm(x, ord, axis) is np.linalg.vector_norm(x,
    axis=axis, ord=ord): ord itself over one axis, None (Frobenius) for ord=2 over
    several; other norms over several axes are refused."""
    single = axis is not None and np.ndim(axis) == 0 or \
        axis is not None and len(axis) == 1 or np.ndim(x) <= 1
    if single:
        return ord
    count = np.ndim(x) if axis is None else len(axis)
    if ord == 2 and count <= 2 or ord == 2 and axis is None:
        return None
    raise NonDifferentiableError(
        f"derivatives of np.linalg.vector_norm with ord={ord!r} over several axes are not "
        "implemented", fix="reshape the axes into one, or use ord=2")
