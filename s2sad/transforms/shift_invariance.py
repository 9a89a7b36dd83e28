"""Shifts whose derivative is exactly zero: the max subtracted in log-softmax,
softmax and logsumexp.

Numerically stable code subtracts the maximum of each slice before `exp`:

    m = np.max(x, axis=k, keepdims=True)         # (or np.max(x): one number)
    s = x - m
    s - np.log(np.sum(np.exp(s), axis=k, keepdims=True))    # log-softmax
    np.exp(s) / np.sum(np.exp(s), axis=k, keepdims=True)    # softmax
    m + np.log(np.sum(np.exp(s), axis=k, keepdims=True))    # logsumexp

Each result is the same for every m that is constant along axis k, so its
derivative with respect to m is exactly zero (at every order), and differentiating
the max (a mask of the maximal elements, ties counted) only adds a cotangent that
is zero up to rounding.  `invariant_shifts` finds the max/min reductions whose
result provably does not matter, and activity analysis treats them as constants.

The proof is a small algebra over the values computed from m in the block that
defines it.  Replacing m by m + d (d constant along the reduced axes K, of m's
shape), each such value v either does not change, or changes to v + n*d
("offset" n) or to v * exp(n*d) ("factor" n): m has offset 1; + - and negation
add offsets, * and / add factors, `exp` turns an offset into a factor and `log` a
factor into an offset, a sum or mean over axes in K (keepdims, unless m is a
single number) keeps a factor.  A value whose n comes out 0 does not depend on m.
Any other use of a value that does depend on m (another function, a branch or loop
reading it, a result of the block, an array of another ndim) and the shift is
left alone: then m's derivative is computed as usual.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims
from ..ir_nodes import Eqn, Function, Var, sub_blocks, uses, walk
from .reduced import reduction

_EXTREMA = {np.max, np.amax, np.min, np.amin, np.nanmax, np.nanmin, prims.method("max"),
            prims.method("min")}
_SUMS = {np.sum, np.mean, prims.method("sum"), prims.method("mean")}
# elementwise operations: prim -> (kind of argument, combination of the arguments' n)
_OFFSET, _FACTOR = "offset", "factor"
_COMBINE = {
    operator.add: (_OFFSET, lambda a, b: a + b), np.add: (_OFFSET, lambda a, b: a + b),
    operator.sub: (_OFFSET, lambda a, b: a - b), np.subtract: (_OFFSET, lambda a, b: a - b),
    operator.neg: (_OFFSET, lambda a: -a), np.negative: (_OFFSET, lambda a: -a),
    operator.mul: (_FACTOR, lambda a, b: a + b), np.multiply: (_FACTOR, lambda a, b: a + b),
    operator.truediv: (_FACTOR, lambda a, b: a - b),
    np.true_divide: (_FACTOR, lambda a, b: a - b),
}
_CONVERT = {np.exp: (_OFFSET, _FACTOR), np.log: (_FACTOR, _OFFSET)}


def invariant_shifts(fn: Function) -> set:
    """The max/min equations of `fn` whose results provably do not change any value
    that is used otherwise than to compute m-independent values (see the module
    docstring): their derivative is zero."""
    found = set()
    defs = {s.outs[0]: s for s in walk(fn.body) if isinstance(s, Eqn) and len(s.outs) == 1}
    blocks = [fn.body] + [b for stmt in walk(fn.body) for b in sub_blocks(stmt)]
    for block in blocks:
        for i, stmt in enumerate(block.stmts):
            if isinstance(stmt, Eqn) and _is_extremum(stmt.prim):
                axes = _shift_axes(stmt, defs)
                if axes is not None and _does_not_matter(block, i, axes, defs):
                    found.add(stmt)
    return found


def _is_extremum(prim) -> bool:
    try:
        return prim in _EXTREMA
    except TypeError:              # an unhashable callable
        return False


def _shift_axes(eqn: Eqn, defs):
    """(ndim, axes along which m is constant) of an extremum `m = max(a, ...)` that
    keeps a's ndim (keepdims), or (None, None) when m is one number; else None."""
    found = reduction(eqn, defs)
    if found is None:
        return None
    km = kinds.kind_of(found.out)
    if km.tag == "float" or (km.tag == "array" and km.ndim == 0):
        return None, None
    ndim = kinds.kind_of(found.a).ndim
    if not found.keepdims or km.tag != "array" or km.ndim != ndim:
        return None
    return ndim, set(found.axes)


def _does_not_matter(block, start: int, shift, defs) -> bool:
    """Does every value computed from the output of block.stmts[start] either not
    depend on it or only feed values that do not?"""
    ndim, axes = shift
    m = block.stmts[start].outs[0]
    tracked = {m: (_OFFSET, 1)}      # value -> (offset or factor, n != 0)
    for stmt in block.stmts[start + 1:]:
        read = [a for a in uses(stmt) if isinstance(a, Var) and a in tracked]
        if not read:
            continue
        if not isinstance(stmt, Eqn) or len(stmt.outs) != 1:
            return False
        got = _step(stmt, tracked, ndim, axes, defs)
        if got is None:
            return False
        if got[1] != 0:
            tracked[stmt.outs[0]] = got
    return not any(isinstance(a, Var) and a in tracked for a in block.results)


def _step(eqn: Eqn, tracked: dict, ndim, axes, defs):
    """The (sort, n) of eqn's output, or None when it is not one of the algebra's."""
    out = eqn.outs[0]
    if ndim is not None and not _array_of(out, ndim):
        return None
    try:
        combine = _COMBINE.get(eqn.prim)
        convert = _CONVERT.get(eqn.prim)
    except TypeError:              # an unhashable callable
        return None
    if combine is not None and not eqn.kwargs:
        sort, rule = combine
        ns = [_n(a, tracked, sort) for a in eqn.args]
        if None in ns or len(ns) != rule.__code__.co_argcount:
            return None
        return sort, rule(*ns)
    if convert is not None and not eqn.kwargs and len(eqn.args) == 1:
        n = _n(eqn.args[0], tracked, convert[0])
        return None if n is None else (convert[1], n)
    if eqn.prim in _SUMS:
        return _reduction(eqn, tracked, ndim, axes, defs)
    return None


def _reduction(eqn: Eqn, tracked: dict, ndim, axes, defs):
    """A sum or mean of a factor over axes along which the shift is constant."""
    found = reduction(eqn, defs)
    if found is None or any(isinstance(v, Var) and v in tracked for v in eqn.kwargs.values()) \
            or any(isinstance(v, Var) and v in tracked for v in eqn.args[1:]):
        return None
    n = _n(found.a, tracked, _FACTOR)
    if n is None:
        return None
    if ndim is None:               # m is one number
        return _FACTOR, n
    if not found.keepdims or not set(found.axes) <= axes or not _array_of(found.a, ndim):
        return None
    return _FACTOR, n


def _n(atom, tracked: dict, sort: str):
    """The n of `atom` as an argument that must be of `sort` (0 when it does not
    depend on m), or None when it is of the other sort."""
    if not isinstance(atom, Var) or atom not in tracked:
        return 0
    got_sort, n = tracked[atom]
    return n if got_sort == sort else None


def _array_of(atom, ndim: int) -> bool:
    kind = kinds.kind_of(atom)
    return kind.tag == "array" and kind.ndim == ndim
