"""Activity analysis: which values need derivatives.

A value is *varied* when it depends differentiably on an active input, and *useful*
when the output depends differentiably on it.  Only values that are both get
tangents or adjoints.  Integers, booleans and outputs of non-differentiable
functions are never varied, nor the max a softmax or logsumexp subtracts, whose
derivative is exactly zero (shift_invariance.py).  Loops are solved to a fixed point.
"""
from __future__ import annotations

import builtins
import itertools

import numpy as np

from .. import prims
from ..errors import MissingRuleError
from ..ir_nodes import Eqn, Function, If, Loop, Var, not_a_statement, reads, walk
from ..kinds import can_be_active
from ..rules import complex_safe, lookup
from .shift_invariance import invariant_shifts


def _blocks_differentiation(eqn: Eqn, cut=frozenset()) -> bool:
    if eqn in cut:          # a shift whose derivative is zero (shift_invariance.py)
        return True
    if eqn.prim in (prims.ASSERT, prims.RAISE, prims.FORMAT, prims.AND, prims.OR):
        return True
    return lookup(eqn.prim) == "nondiff"


def varied(fn: Function, active_params, cut=frozenset()) -> set:
    """Values that depend differentiably on the parameters in `active_params` (not
    through the equations in `cut`)."""
    found = {p for p in active_params if can_be_active(p.kind)}
    while _forward(fn.body, found, cut):
        pass
    return found


def _mark(var, found: set) -> bool:
    if var not in found and can_be_active(var.kind):
        found.add(var)
        return True
    return False


def _forward(block, found: set, cut) -> bool:
    changed = False
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            if not any(a in found for a in reads(stmt)):
                continue
            if not _blocks_differentiation(stmt, cut):
                for v in stmt.outs:
                    changed |= _mark(v, found)
            elif lookup(stmt.prim) == "nondiff":
                complex_safe.check_nondiff(stmt.prim, stmt)
        elif isinstance(stmt, If):
            changed |= _forward(stmt.then, found, cut) | _forward(stmt.orelse, found, cut)
            for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results, strict=True):
                if a in found or b in found:
                    changed |= _mark(out, found)
        elif isinstance(stmt, Loop):
            for c, init, res, out in zip(stmt.carried, stmt.inits, stmt.body.results, stmt.outs,
                                         strict=True):
                if init in found or res in found:
                    changed |= _mark(c, found) | _mark(out, found)
            changed |= _forward(stmt.body, found, cut)
        else:
            raise not_a_statement(stmt)
    return changed


def useful(fn: Function, outputs, cut=frozenset()) -> set:
    """Values the `outputs` depend on differentiably (not through `cut`)."""
    found = {v for v in outputs if isinstance(v, Var)}
    while _backward(fn.body, found, cut):
        pass
    return found


def _need(atom, found: set) -> bool:
    if isinstance(atom, Var) and atom not in found:
        found.add(atom)
        return True
    return False


def _backward(block, found: set, cut) -> bool:
    changed = False
    for stmt in reversed(block.stmts):
        if isinstance(stmt, Eqn):
            if not _blocks_differentiation(stmt, cut) and any(v in found for v in stmt.outs):
                for a in reads(stmt):
                    changed |= _need(a, found)
        elif isinstance(stmt, If):
            for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results, strict=True):
                if out in found:
                    changed |= _need(a, found) | _need(b, found)
            changed |= _backward(stmt.then, found, cut) | _backward(stmt.orelse, found, cut)
        elif isinstance(stmt, Loop):
            for c, init, res, out in zip(stmt.carried, stmt.inits, stmt.body.results, stmt.outs,
                                         strict=True):
                if out in found or c in found:
                    changed |= _need(c, found) | _need(res, found) | _need(init, found)
                    changed |= _need(out, found)
            changed |= _backward(stmt.body, found, cut)
        else:
            raise not_a_statement(stmt)
    return changed


# Builtins that wrap a differentiable value in an iterator object, which carries no
# derivative: called on a differentiable value whose result matters, they are
# refused (a for loop over them is lowered by index instead): function -> fix.
OPAQUE_ITERATORS = {
    builtins.reversed: "index backwards (`l[::-1]`), or loop: `for v in reversed(l):`",
    builtins.iter: "index the sequence (`l[0]`, `l[1:]`)",
    builtins.map: "use a list comprehension: `[f(v) for v in l]`",
    builtins.filter: "build the list in a loop with an `if`",
    builtins.zip: "loop over it (`for a, b in zip(u, v):`) or index both sequences",
    builtins.enumerate: "loop over it (`for i, v in enumerate(l):`) or use range(len(l))",
    prims.method("flat"): "use `x.ravel()`",
    np.nditer: "loop over indices: `for i in range(x.size):` with `x.ravel()[i]`",
    np.ndenumerate: "loop over indices: `for i in range(x.size):` with `x.ravel()[i]`",
    **{getattr(itertools, name): "write the loop out, indexing the sequences"
       for name in ("accumulate", "chain", "islice", "product", "repeat", "cycle", "starmap",
                    "zip_longest", "pairwise", "tee", "compress", "dropwhile", "takewhile",
                    "filterfalse", "groupby", "combinations", "permutations")},
}


def active(fn: Function, active_params, outputs) -> set:
    cut = invariant_shifts(fn)
    needed = useful(fn, outputs, cut)
    found = varied(fn, active_params, cut) & needed
    for eqn in walk(fn.body):
        fix = _opaque_iterator_fix(eqn.prim) if isinstance(eqn, Eqn) else None
        if fix and any(a in found for a in reads(eqn)) and \
                any(v in needed for v in eqn.outs):
            raise MissingRuleError(
                f"'{_display(eqn.prim)}' wraps a differentiable value in an iterator "
                "object, which carries no derivative", eqn.loc, fix=fix)
    return found


def _display(prim) -> str:
    name = prims.method_name(prim)
    return f"x.{name}" if name else f"{prim.__name__}(...)"


def _opaque_iterator_fix(prim) -> str | None:
    try:
        return OPAQUE_ITERATORS.get(prim)
    except TypeError:          # an unhashable callable
        return None
