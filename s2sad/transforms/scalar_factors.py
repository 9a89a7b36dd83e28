"""Scalar factors multiplied first: `s * (t * y)` is `(s * t) * y` for scalars s, t.

Adjoints of array code multiply a cotangent by several scalars in turn
(`bresult * 100.0 * (2.0 * diff)`, `-(g * (2.0 * d))`), and each product with an
array is a pass over it.  Where a product of a scalar and an array is a factor of
another product with a scalar (or is negated), and nothing else reads it, the scalars
are multiplied (or negated) first: one pass over the array instead of two.  Only
where the scalars cannot change the array's dtype: Python numbers, or NumPy scalars
of the array's own dtype.  (Reassociating changes the last bit of a product, never
its dtype or shape.)  A product of two such single-use arrays, `(-b) * (2.0 * t)`, is
`-2.0 * (b * t)`: two passes instead of three.
"""
from __future__ import annotations

import collections
import operator

import numpy as np

from .. import kinds
from ..ir_nodes import Const, Eqn, Function, Var, sub_blocks, uses, walk


def gather(fn: Function) -> bool:
    """Rewrite `fn`'s scalar-times-array chains in place; whether anything changed."""
    counts = collections.Counter(a for a in uses(fn.body) if isinstance(a, Var))
    defs = {s.outs[0]: s for s in walk(fn.body) if isinstance(s, Eqn) and len(s.outs) == 1}
    return _block(fn.body, counts, defs)


def _block(block, counts, defs) -> bool:
    changed, stmts = False, []
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            changed |= _block(sub, counts, defs)
        paired = _pair(stmt, counts, defs) if isinstance(stmt, Eqn) else None
        if paired:
            stmts.extend(paired)
            changed = True
        while isinstance(stmt, Eqn) and not stmt.kwargs:
            first = _merge(stmt, counts, defs)
            if first is None:
                break
            stmts.append(first)
            changed = True
        stmts.append(stmt)
    block.stmts = stmts
    return changed


def _merge(eqn: Eqn, counts, defs):
    """For `eqn` = s * y (or -y) with y = t * z read only here: the equation of the
    scalar s * t (or -t), after which `eqn` is that scalar times z; else None."""
    if eqn.prim is operator.neg and len(eqn.args) == 1:
        scale, inner = None, eqn.args[0]
    elif eqn.prim is operator.mul and len(eqn.args) == 2:
        scale, inner = _split(eqn.args)
        if scale is None:
            return None
    else:
        return None
    made = defs.get(inner) if isinstance(inner, Var) else None
    if made is None or made.prim is not operator.mul or made.kwargs or counts[inner] != 1 or \
            len(made.args) != 2:
        return None
    factor, array = _split(made.args)
    if factor is None or not (scale is None or _fits(scale, array)) or not _fits(factor, array):
        return None
    kind = kinds.kind_of(factor)
    if scale is not None and kinds.kind_of(scale).tag == "array":    # a NumPy scalar wins
        kind = kinds.kind_of(scale)
    merged = Var("scale", kind)
    first = Eqn([merged], operator.neg if scale is None else operator.mul,
                [factor] if scale is None else [scale, factor], {}, {}, eqn.loc, eqn.role)
    eqn.prim, eqn.args = operator.mul, [merged, array]
    counts[inner] -= 1
    counts[array] += 1
    defs[merged] = first
    return first


def _scaled(atom, counts, defs):
    """(the scalar, or None for a negation; the array) of the float array `atom`
    defined as a scalar times an array, or negated, and read once; else None."""
    made = defs.get(atom) if isinstance(atom, Var) else None
    if made is None or made.kwargs or counts[atom] != 1:
        return None
    if made.prim is operator.neg and len(made.args) == 1 and \
            kinds.kind_of(made.args[0]) == kinds.kind_of(atom):
        return None, made.args[0]
    if made.prim is operator.mul and len(made.args) == 2:
        scalar, array = _split(made.args)
        if scalar is not None and kinds.kind_of(array) == kinds.kind_of(atom):
            return scalar, array
    return None


def _pair(eqn: Eqn, counts, defs):
    """For `eqn` = y1 * y2 of float arrays of one kind, each a scalar times an array
    (or negated) read only here: the equations of the scalar and of the product of
    the arrays, after which `eqn` is the one times the other; else None."""
    if eqn.prim is not operator.mul or len(eqn.args) != 2 or eqn.kwargs:
        return None
    kind = kinds.kind_of(eqn.outs[0])
    if kind.tag != "array" or not kind.ndim or any(kinds.kind_of(a) != kind for a in eqn.args):
        return None
    parts = [_scaled(a, counts, defs) for a in eqn.args]
    if None in parts or parts[0][0] is None and parts[1][0] is None:
        return None
    (s1, z1), (s2, z2) = parts
    scalars = [s for s in (s1, s2) if s is not None]
    scale_kind = next((kinds.kind_of(s) for s in scalars if kinds.kind_of(s).tag == "array"),
                      kinds.FLOAT)
    scale, product = Var("scale", scale_kind), Var("prod", kind)
    first = Eqn([scale], operator.mul if len(scalars) == 2 else operator.neg, scalars, {}, {},
                eqn.loc, eqn.role)
    second = Eqn([product], operator.mul, [z1, z2], {}, {}, eqn.loc, eqn.role)
    for a in eqn.args:
        counts[a] -= 1
    counts[z1] += 1
    counts[z2] += 1
    counts[scale] += 1
    counts[product] += 1
    eqn.args = [scale, product]
    defs[scale], defs[product] = first, second
    return [first, second]


def _split(args):
    """(the scalar, the float array) of a product's two arguments, or (None, None)."""
    for i in (0, 1):
        scalar, array = args[i], args[1 - i]
        kind = kinds.kind_of(array)
        if kind.tag == "array" and kind.ndim and np.dtype(kind.dtype).kind == "f" and \
                _fits(scalar, array):
            return scalar, array
    return None, None


def _fits(scalar, array) -> bool:
    """A scalar whose product with `array` keeps the array's dtype."""
    if isinstance(scalar, Const) and not hasattr(scalar, "name"):
        return type(scalar.value) in (int, float)
    kind = kinds.kind_of(scalar)
    return kind in (kinds.FLOAT, kinds.INT) or (
        kind.tag == "array" and kind.ndim == 0 and kind.dtype == kinds.kind_of(array).dtype)
