"""Products in which a zero (co)tangent is a strong zero: 0 * inf = 0 * nan = 0.

Forward-mode code multiplies each tangent by primal factors (partial derivatives,
matrices).  With IEEE products a NaN or inf in one entry of an input would reach
every entry of every tangent through 0 * nan = nan; with these helpers a zero
tangent entry contributes exactly zero, so a non-finite value reaches only the
entries that depend on it, as in reverse mode (transforms/strong.py says where the
strong forward code calls them).  Only the tangent's zeros are strong: a tangent
that is itself inf or nan times a zero primal factor stays nan, as IEEE says.
`strong_mul` is strong in both factors: partials that are nan where they are
undefined (d x**y / dy for a negative base) use it in both modes.

Each helper computes the plain product first and does more only when it has a
non-finite entry (one `isfinite` pass; Python floats need none).  Entries that a
non-finite value does reach are nan or inf, whichever the plain product gave.
"""
from __future__ import annotations

import functools

import numpy as np

from .common import is_py_scalar
from .elementwise import fdiv


# a product meeting inf or nan is what these helpers are for: no RuntimeWarning
def _quiet():
    return np.errstate(invalid="ignore", over="ignore", divide="ignore")


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


def _scalars(a, b) -> bool:
    return type(a) is float and type(b) is float or is_py_scalar(a) and is_py_scalar(b)


def _zero_where(zero, out):
    out = np.where(zero, out.dtype.type(0), out)
    return out if out.ndim else out[()]


def strong_mul(a, b):
    """a * b, with 0 * inf = 0 * nan = 0 for a zero in either factor."""
    if _scalars(a, b):
        return float(a * b) if a and b else 0.0
    with _quiet():
        out = a * b
    if _finite(out):
        return out
    return _zero_where(np.equal(a, 0) | np.equal(b, 0), out)


def tangent_mul(t, p):
    """t * p for a tangent t and a primal factor p: 0 * inf = 0 * nan = 0 where t is 0."""
    if _scalars(t, p):
        return float(t * p) if t else 0.0
    with _quiet():
        out = t * p
    if _finite(out):
        return out
    return _zero_where(np.equal(t, 0), out)


def tangent_div(t, p):
    """t / p for a tangent t: 0 / 0 = 0 / nan = 0 where t is 0; a nonzero t / 0 is
    +-inf (nan for a nan t), for Python numbers too."""
    if _scalars(t, p):
        return fdiv(t, p) if t else 0.0
    with _quiet():
        out = np.true_divide(t, p)
    if _finite(out):
        return out
    return _zero_where(np.equal(t, 0), out)


def tangent_product(name, t, p, first, extra=()):
    """np.<name>(t, p, *extra) if `first`, else np.<name>(p, t, *extra), for a tangent
    t (name: matmul, dot, tensordot, inner, outer, vdot, kron; extra: (axes,) for
    tensordot): a term with a zero entry of t adds nothing, even times inf or nan."""
    op = getattr(np, name)
    if first:
        return _multilinear(op, (t, p), (True, False), extra)
    return _multilinear(op, (p, t), (False, True), extra)


def strong_einsum(subscripts, operands, strong):
    """np.einsum(subscripts, *operands), where a term with a zero entry of an operand
    whose `strong` flag is set adds nothing, even times inf or nan."""
    return _multilinear(functools.partial(np.einsum, subscripts), operands, strong)


def _multilinear(op, operands, strong, extra=()):
    """op(*operands, *extra) for a product linear in each operand with coefficients
    0 or 1 (matmul, dot, einsum, ...); a term with a zero factor among the `strong`
    operands counts as zero, whatever its other factors."""
    with _quiet():
        out = op(*operands, *extra)
    if _finite(out):
        return out
    arrays = [np.asarray(x) for x in operands]
    finite = [np.isfinite(x) for x in arrays]
    counted = [np.not_equal(x, 0) if s else np.ones(x.shape, bool)
               for x, s in zip(arrays, strong)]
    # entries with a counted term (no strong factor zero) that has a non-finite factor
    terms = op(*[c.astype(np.float64) for c in counted], *extra)
    finite_terms = op(*[(c & f).astype(np.float64) for c, f in zip(counted, finite)], *extra)
    clean = op(*[np.where(f, x, x.dtype.type(0)) for x, f in zip(arrays, finite)], *extra)
    out = np.where(np.greater(terms, finite_terms), out, clean).astype(np.result_type(out))
    return out if out.ndim else out[()]
