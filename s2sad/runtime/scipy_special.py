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
    out = special.polygamma(n, x)
    if is_py_scalar(x) and np.ndim(out) == 0:
        return float(out)
    dtype = float_dtype(x)
    return np.asarray(out, dtype) if np.ndim(out) else dtype.type(out)


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
