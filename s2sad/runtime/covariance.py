"""Helpers of the np.cov and np.corrcoef rules (s2sad/rules/covariance.py).

np.cov(m) is the bilinear form cross_cov(m, m): the centred variables of one argument
times those of the other, over (observations - ddof).  Its transpose in either
argument is cov_vjp; both are linear in each differentiable argument, so the rules
close under differentiation.  Weights (fweights=, aweights=) are not supported.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError
from .common import float_dtype, like


def _layout(m, rowvar):
    """m as a 2-D (variables, observations) array."""
    x = np.atleast_2d(np.asarray(m))
    return x.T if not rowvar and x.shape[0] != 1 else x


def _unlayout(x, m, rowvar):
    """The inverse of _layout: a (variables, observations) array in m's shape."""
    x = x.T if not rowvar and np.atleast_2d(np.asarray(m)).shape[0] != 1 else x
    return like(np.reshape(x, np.shape(m)), m)


def _factor(m, rowvar, bias, ddof):
    n = _layout(m, rowvar).shape[1]
    return n - (ddof if ddof is not None else 0 if bias else 1)


def _centred(x):
    return x - np.mean(x, axis=1, keepdims=True)


def cross_cov(a, b, rowvar=True, bias=False, ddof=None, swap=False, /):
    """centred(a) centred(b)^T / (n - ddof), shaped like np.cov's output (transposed
    when swap); cross_cov(m, m) is np.cov(m)."""
    out = _centred(_layout(a, rowvar)) @ _centred(_layout(b, rowvar)).T
    out = out / _factor(a, rowvar, bias, ddof)
    out = np.asarray(out, np.result_type(out, np.float64))    # np.cov's dtype: float64 at least
    return np.squeeze(out.T if swap else out)


def cov_vjp(t, a, b, rowvar=True, bias=False, ddof=None, swap=False, /):
    """Cotangent of a in cross_cov(a, b) (of its transpose when swap) from t."""
    xb = _centred(_layout(b, rowvar))
    k = _layout(a, rowvar).shape[0]
    t = np.reshape(np.asarray(0.0 if t is None else t), (-1,))
    t = np.broadcast_to(t, (k * xb.shape[0],)).reshape(k, xb.shape[0]) if t.size == 1 \
        else t.reshape((xb.shape[0], k) if swap else (k, xb.shape[0]))
    t = t.T if swap else t
    out = _centred(t @ xb) / _factor(a, rowvar, bias, ddof)
    return _unlayout(np.asarray(out, float_dtype(out, a)), a, rowvar)


def cov_weights_refused(fweights, aweights, value, /):
    """`value`, unless np.cov was given weights (whose derivatives are not implemented)."""
    if fweights is not None or aweights is not None:
        raise NonDifferentiableError("derivatives of np.cov with fweights= or aweights= are "
                                     "not implemented; weight the centred data yourself")
    return value
