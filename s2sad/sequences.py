"""`+` and `*` on lists and tuples: concatenation and repetition, not arithmetic.

Lowering cannot tell `a + b` on lists from `a + b` on numbers.  Once kinds are known,
`resolve_sequence_operators` gives `list + list` and `list * int` their own
primitives (`rt.concat_items`, `rt.repeat_items`), whose rules move (co)tangents by
position; the arithmetic rules would add them instead.  (A list with a NumPy array or
float is NumPy arithmetic, which the arithmetic rules already follow.)  Where kinds
cannot tell and both operands of `+` may be sequences, `rt.plus` decides at call
time; for `*`, a call-time guard refuses a repetition
(`rt.refuse_repetition`) rather than risk a wrong derivative.
"""
from __future__ import annotations

import operator

import numpy as np

from . import kinds, runtime
from .ir import Block, Const, Eqn, Function, sub_blocks, walk_stmts
from .aliasing import insert_call_time_check

SEQUENCE_TAGS = ("list", "listof", "tuple", "tupleof")
_COUNT_TAGS = ("int", "bool")
_NUMERIC_MODULES = ("numpy", "math")
# NumPy functions that return a list or tuple (of arrays).
_SEQUENCE_RESULTS = {np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit, np.meshgrid,
                     np.nonzero, np.where, np.unravel_index, np.gradient, np.broadcast_arrays,
                     np.atleast_1d, np.atleast_2d, np.atleast_3d, np.histogram, np.unique,
                     np.linalg.eig, np.linalg.eigh, np.linalg.svd, np.linalg.qr,
                     np.linalg.slogdet, np.linalg.lstsq, np.divmod, np.frexp, np.modf}


def resolve_sequence_operators(fn: Function) -> bool:
    """Rewrite `+`/`*` on lists and tuples in `fn` (see above); True when a primitive
    changed (kinds must then be inferred again)."""
    defs = {eqn.outs[0]: eqn for eqn in walk_stmts(fn.body) if isinstance(eqn, Eqn) and eqn.outs}
    return _resolve_in(fn.body, defs)


def _resolve_in(block: Block, defs: dict) -> bool:
    changed = False
    for stmt in list(block.stmts):
        for inner in sub_blocks(stmt):
            changed |= _resolve_in(inner, defs)
        if not isinstance(stmt, Eqn) or stmt.prim not in (operator.add, operator.mul) or \
                len(stmt.args) != 2 or stmt.kwargs:
            continue
        tags = [kinds.kind_of(x).tag for x in stmt.args]
        sequence = [t in SEQUENCE_TAGS for t in tags]
        maybe = [t in SEQUENCE_TAGS or t == "unknown" and _may_be_sequence(x, defs, 8)
                 for t, x in zip(tags, stmt.args)]
        if stmt.prim is operator.add:
            if all(sequence):
                stmt.prim, changed = runtime.concat_items, True
            elif all(maybe):
                stmt.prim, changed = runtime.plus, True     # decided at call time
            continue
        count = [t in _COUNT_TAGS for t in tags]
        if sequence[0] and count[1] or sequence[1] and count[0]:
            if sequence[1]:
                stmt.args = stmt.args[::-1]       # `n * items`: the sequence goes first
            stmt.prim, changed = runtime.repeat_items, True
        elif maybe[0] and tags[1] in _COUNT_TAGS + ("unknown",) or \
                maybe[1] and tags[0] in _COUNT_TAGS + ("unknown",):
            insert_call_time_check(block, stmt, runtime.refuse_repetition, list(stmt.args))
    return changed


def _may_be_sequence(atom, defs: dict, depth: int) -> bool:
    """Could the value of `atom` (of unknown kind) be a list or tuple?  No for results
    of NumPy and math functions and of arithmetic on non-sequences."""
    if isinstance(atom, Const):
        return isinstance(atom.value, (list, tuple)) or hasattr(atom, "name")
    eqn = defs.get(atom)
    if eqn is None or depth == 0:
        return True           # a parameter, or a branch or loop merge
    kind = kinds.kind_of(atom)
    if kind.tag != "unknown":
        return kind.tag in SEQUENCE_TAGS
    if eqn.prim in (operator.add, operator.mul):
        return any(_may_be_sequence(a, defs, depth - 1) for a in eqn.args)
    module = getattr(eqn.prim, "__module__", None) or ""
    numeric = module.split(".")[0] in _NUMERIC_MODULES and eqn.prim not in _SEQUENCE_RESULTS
    return not (numeric or isinstance(eqn.prim, np.ufunc) or
                eqn.prim in (operator.sub, operator.truediv, operator.neg, operator.pow,
                             operator.matmul))
