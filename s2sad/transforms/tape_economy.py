"""Tape economy: a value the reverse sweep reads only for its shape is not taped.

`rt.unbroadcast(g, x)`, `rt.sum_vjp(g, x, ...)` and `rt.mean_vjp(g, x, ...)` read
nothing of `x` but its type, shape and dtype.  When a value popped from the tape is
read only there, and `shapes.SameShapes` proves that another value of the same kind
(an array of the same ndim and dtype) has its shape, and that value can be read
without the tape, it is read instead: a parameter or a value the function body
computed before the loop (outside every loop), else a value popped with it that the
reverse sweep reads anyway.  The tape (optimize's `_prune_tape`) then drops `x`.
"""
from __future__ import annotations

from collections import Counter

from .. import kinds, prims, runtime
from ..ir_nodes import Eqn, Function, If, Loop, Var, sub_blocks, uses, walk

_SHAPE_READERS = (runtime.unbroadcast, runtime.sum_vjp, runtime.mean_vjp)
# Helpers reading only the type, shape and dtype of their second argument, which
# optimize may drop when kinds prove them identities.
_LIKE_READERS = _SHAPE_READERS + (runtime.match_shape, runtime.cast_like)


def read_for_value(block) -> set:
    """The Vars `block` reads other than as the model of a shape helper (the second
    argument of `rt.unbroadcast`, `rt.cast_like`, ...): those optimize cannot free."""
    reads = Counter(a for a in uses(block) if isinstance(a, Var))
    models = Counter(s.args[1] for s in walk(block) if isinstance(s, Eqn) and
                     s.prim in _LIKE_READERS and len(s.args) > 1 and isinstance(s.args[1], Var))
    return {v for v, n in reads.items() if n > models[v]}


def share_shape_references(fn: Function, same) -> int:
    """Rewrite the shape-only reads of popped values (see the module docstring) with
    the facts of `same` (a SameShapes of `fn`); the number of popped values freed."""
    reads = Counter(a for a in uses(fn.body) if isinstance(a, Var))
    sites = [s for s in walk(fn.body) if isinstance(s, Eqn) and s.prim in _SHAPE_READERS
             and len(s.args) > 1 and isinstance(s.args[1], Var)]
    shape_reads = Counter(s.args[1] for s in sites)
    instead: dict = {}
    before = list(fn.params)          # values readable anywhere after this point
    for stmt in fn.body.stmts:
        for pop in _pops(stmt):
            kept = [v for v in pop.outs if reads[v] > shape_reads[v]]
            for v in pop.outs:
                if reads[v] and reads[v] == shape_reads[v]:
                    other = next((c for c in before + kept if _alike(v, c, same)), None)
                    if other is not None:
                        instead[v] = other
        if isinstance(stmt, (Eqn, If, Loop)):
            before.extend(stmt.outs)
    for eqn in sites:
        eqn.args[1] = instead.get(eqn.args[1], eqn.args[1])
    return len(instead)


def _pops(stmt) -> list:
    found = [stmt] + [s for block in sub_blocks(stmt) for s in walk(block)]
    return [s for s in found if isinstance(s, Eqn) and s.prim is prims.TAPE_POP]


def _alike(v: Var, other, same) -> bool:
    if other is v:
        return False
    kind = kinds.kind_of(v)
    return kind.tag == "array" and kind.ndim >= 1 and kinds.kind_of(other) == kind and \
        same.same(v, other)
