"""What a reduction equation reduces: `np.sum(a, axis=1, keepdims=True)` and the
like (sum, mean, prod, max, min and their nan forms and methods) read as
(a, the reduced axes, keepdims), when the axes and keepdims are literals and the
kinds give a's ndim.  Shape proofs (shapes.py) and the spread specialisations
(spreads.py) use it: the result of a keepdims reduction of `a` has a's shape with
the reduced axes set to 1."""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from .. import kinds, prims
from ..errors import S2SADError
from ..ir_nodes import Const, Eqn, Var
from ..rules import lookup
from .common import bind

REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.amax, np.min, np.amin, np.nanmax,
              np.nanmin, np.nansum, np.nanmean,
              *(prims.method(name) for name in ("sum", "mean", "prod", "max", "min"))}


_NOT = object()


class Reduction(NamedTuple):
    out: object          # the result
    a: object            # the array reduced
    axes: tuple          # sorted non-negative reduced axes
    keepdims: bool


def literal(atom, missing=None, defs=None):
    """The value of a literal atom (not a named global), else `missing`; with `defs`
    (Var -> its Eqn), also of a negated literal int (`-1` before constants are
    folded) and a tuple of literal ints (`axis=(0, -1)`)."""
    if isinstance(atom, Const):
        return missing if hasattr(atom, "name") else atom.value
    made = defs.get(atom) if defs is not None and isinstance(atom, Var) else None
    if made is None or made.kwargs:
        return missing
    if made.prim is operator.neg and len(made.args) == 1:
        value = literal(made.args[0], missing)
        return -value if type(value) is int else missing
    if made.prim is prims.BUILD_TUPLE:
        values = tuple(literal(a, missing, defs) for a in made.args)
        return values if all(type(v) is int for v in values) else missing
    return missing


def normalized_axes(value, ndim: int):
    """A literal `axis` as sorted non-negative ints (None: every axis), or None when
    it is not one (not ints, out of range, repeated)."""
    if value is None:
        return tuple(range(ndim))
    values = value if isinstance(value, tuple) else (value,)
    if not all(type(v) is int and -ndim <= v < ndim for v in values):
        return None
    axes = tuple(sorted(v % ndim for v in values))
    return axes if len(set(axes)) == len(axes) else None


def bound_args(eqn: Eqn):
    """The rule's parameter names bound to eqn's atoms, or None."""
    try:
        return bind(lookup(eqn.prim), eqn)
    except (S2SADError, AttributeError, TypeError):
        return None


def reduction(eqn: Eqn, defs=None):
    """The `Reduction` eqn is (one array argument, no dtype or out), or None; `defs`
    as for `literal`."""
    try:
        if eqn.prim not in REDUCTIONS or len(eqn.outs) != 1:
            return None
    except TypeError:               # an unhashable callable
        return None
    bound = bound_args(eqn)
    if bound is None or literal(bound.get("out", Const(None)), 0) is not None or \
            literal(bound.get("dtype", Const(None)), 0) is not None:
        return None
    kind = kinds.kind_of(bound["a"])
    keepdims = literal(bound.get("keepdims", Const(False)), 0)
    if kind.tag != "array" or keepdims not in (True, False) or type(keepdims) is not bool:
        return None
    axis = literal(bound.get("axis", Const(None)), _NOT, defs)
    axes = None if axis is _NOT else normalized_axes(axis, kind.ndim)
    if axes is None:
        return None
    return Reduction(eqn.outs[0], bound["a"], axes, keepdims)
