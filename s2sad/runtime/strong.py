"""Products in which a zero factor is a strong zero: 0 * inf = 0 * nan = 0.

Forward-mode code multiplies each tangent by primal factors (partial derivatives,
matrices).  With IEEE products a NaN or inf in one entry of an input would reach
every entry of every tangent through 0 * nan = nan; with these helpers a zero
tangent entry contributes exactly zero, so a non-finite value reaches only the
entries that depend on it, as in reverse mode (transforms/strong.py chooses where
forward code calls them).  Partials that are nan where they are undefined (d x**y /
dy for a negative base) use `strong_mul` in both modes.

Each helper computes the plain product first and does more only when it has a
non-finite entry (one `isfinite` pass; Python floats need no pass).  Entries that a
non-finite value does reach are nan or inf, whichever the plain product gave.
"""
from __future__ import annotations

import functools

import numpy as np

from .common import is_py_scalar
from .elementwise import fdiv


def all_finite(value) -> bool:
    """No inf or nan in `value`, a number, an array or a tuple, list or dict of them."""
    if type(value) is float:
        return value - value == 0.0
    if isinstance(value, (tuple, list)):
        return all(map(all_finite, value))
    if isinstance(value, dict):
        return all(map(all_finite, value.values()))
    return _finite(value)


def _finite(out) -> bool:
    if isinstance(out, (np.ndarray, np.generic)):
        return bool(np.isfinite(out).all())
    return True         # a list repeated by an int, an object: not a product of numbers


def _shaped(out):
    return out if out.ndim else out[()]


def strong_mul(a, b):
    """a * b, with 0 * inf = 0 * nan = 0 for a zero in either factor."""
    if type(a) is float and type(b) is float or is_py_scalar(a) and is_py_scalar(b):
        return float(a * b) if a and b else 0.0
    out = a * b
    if _finite(out):
        return out
    zero = np.equal(a, 0) | np.equal(b, 0)
    return _shaped(np.where(zero, out.dtype.type(0), out))


def strong_div(t, p):
    """t / p, with 0 / 0 = 0 / nan = 0 for a zero numerator (a tangent divided by a
    primal); a nonzero t / 0 is +-inf (nan for nan), for Python numbers too."""
    if type(t) is float and type(p) is float or is_py_scalar(t) and is_py_scalar(p):
        if not t:
            return 0.0
        return fdiv(t, p)
    out = np.true_divide(t, p)
    if _finite(out):
        return out
    return _shaped(np.where(np.equal(t, 0), out.dtype.type(0), out))


def _multilinear(op, operands, rest=()):
    """op(*operands, *rest) for a product `op` linear in each operand with coefficients
    0 or 1 (matmul, dot, einsum, ...), where a term with a zero factor counts as zero
    even if another factor is inf or nan."""
    out = op(*operands, *rest)
    if _finite(out):
        return out
    arrays = [np.asarray(x) for x in operands]
    nonzero = [np.not_equal(x, 0).astype(np.float64) for x in arrays]
    finite = [np.isfinite(x) for x in arrays]
    # the entries with a term whose factors are all nonzero and not all finite
    reached = np.greater(op(*nonzero, *rest), op(*[n * f for n, f in zip(nonzero, finite)], *rest))
    clean = op(*[np.where(f, x, x.dtype.type(0)) for x, f in zip(arrays, finite)], *rest)
    return _shaped(np.asarray(np.where(reached, out, clean), dtype=np.result_type(out)))


def strong_matmul(a, b):
    """np.matmul(a, b) with strong zeros (a zero times inf or nan adds nothing)."""
    return _multilinear(np.matmul, (a, b))


def strong_dot(a, b):
    """np.dot(a, b) with strong zeros."""
    return _multilinear(np.dot, (a, b))


def strong_tensordot(a, b, axes=2):
    """np.tensordot(a, b, axes) with strong zeros."""
    return _multilinear(np.tensordot, (a, b), (axes,))


def strong_inner(a, b):
    """np.inner(a, b) with strong zeros."""
    return _multilinear(np.inner, (a, b))


def strong_outer(a, b):
    """np.outer(a, b) with strong zeros."""
    return _multilinear(np.outer, (a, b))


def strong_vdot(a, b):
    """np.vdot(a, b) with strong zeros."""
    return _multilinear(np.vdot, (a, b))


def strong_kron(a, b):
    """np.kron(a, b) with strong zeros."""
    return _multilinear(np.kron, (a, b))


def strong_einsum(subscripts, *operands):
    """np.einsum(subscripts, *operands), strong like `strong_matmul`."""
    return _multilinear(functools.partial(np.einsum, subscripts), operands)
