"""Helpers of the scipy.special rules (s2sad/rules/scipy_special.py).

SciPy is optional: it is imported when a helper is first called, never when
s2sad is imported, and the helpers are exported only when SciPy is installed.
"""
import importlib.util

import numpy as np

from .common import float_dtype, is_py_scalar

HAVE_SCIPY = importlib.util.find_spec("scipy") is not None


def polygamma(n, x):
    """scipy.special.polygamma(n, x) in x's float dtype (SciPy's is always float64);
    a Python float for Python numbers.  polygamma(0, x) is digamma(x)."""
    from scipy import special
    return _in_dtype_of(special.polygamma(n, x), x)


def lse_weights(a, b, return_sign=False):
    """The weights `b` of scipy.special.logsumexp(a, b=b) broadcast to a's shape (ones
    for None), in a float dtype.  Linear in b."""
    if return_sign:
        raise NotImplementedError("derivative of scipy.special.logsumexp(..., "
                                  "return_sign=True) is not supported")
    shape = np.shape(a)
    if b is None:
        return np.ones(shape, float_dtype(a))
    if np.broadcast_shapes(np.shape(b), shape) != shape:
        raise NotImplementedError(
            f"derivative of scipy.special.logsumexp(a, b=b) with b of shape {np.shape(b)} "
            f"that does not broadcast to a's shape {shape} is not supported")
    return np.broadcast_to(b, shape).astype(float_dtype(b))


def _in_dtype_of(out, x):
    """`out` in x's float dtype (a Python float for Python numbers)."""
    if is_py_scalar(x) and np.ndim(out) == 0:
        return float(out)
    dtype = float_dtype(x)
    return np.asarray(out, dtype) if np.ndim(out) else dtype.type(out)


def bessel(kind, v, x, k=0):
    """The k-th derivative in x of scipy.special.<kind>(v, x), kind 'iv', 'ive', 'jv' or
    'yv', in x's float dtype: B' = (B[v-1] + B[v+1]) / 2 for iv (ive: less sign(x) B[v]),
    (B[v-1] - B[v+1]) / 2 for jv and yv, applied k times."""
    if k == 0:
        from scipy import special
        return _in_dtype_of(getattr(special, kind)(v, x), x)
    lower, upper = bessel(kind, v - 1.0, x, k - 1), bessel(kind, v + 1.0, x, k - 1)
    if kind in ("jv", "yv"):
        return 0.5 * (lower - upper)
    out = 0.5 * (lower + upper)
    return out - np.sign(x) * bessel(kind, v, x, k - 1) if kind == "ive" else out


def multipolygamma(n, a, d):
    """The sum over j < d of polygamma(n, a - j / 2): the n-th derivative in a of
    scipy.special.multigammaln(a, d) (n >= 1), or of its log-gamma terms (n = 0)."""
    return sum(polygamma(n, a - 0.5 * j) for j in range(int(d)))
