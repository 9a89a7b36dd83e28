"""Clean-up of derivative IR once kinds are known.

* Helpers that kinds prove unnecessary are dropped: `rt.unbroadcast`,
  `rt.match_shape` and `rt.cast_like` between Python scalars, `rt.zeros_like` of a
  Python scalar (0.0); `rt.setitem_value_vjp` with an int or slice index is `g[index]`;
  array helpers where shapes are proved equal (shapes.py).
* Dead code is removed: equations whose outputs are unused (unless they have an
  effect), unused outs of Ifs, and loop-carried values nobody reads.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import (Block, Const, Eqn, Function, If, Loop, Var, defines, not_a_statement, reads,
                        sub_blocks, walk)
from . import hoist, scalar_factors, shapes, signs
from .rewrite import defined_vars, substitute, used_vars
from .spreads import specialise_spreads
from .tape_economy import share_shape_references

_IDENTITY_HELPERS = (runtime.unbroadcast, runtime.match_shape, runtime.cast_like)
_pure = hoist.pure
_kept_when_unread = hoist.kept_when_unread


def optimize(fn: Function, param_kinds, pattern=None) -> Function:
    """`fn` cleaned up in place; `pattern` (variants.py) is the shape pattern of its
    first parameters, when it is specialised on one."""
    kinds.infer(fn, param_kinds)
    if _split_item_cotangents(fn.body):
        kinds.infer(fn, param_kinds)
    same_shapes = shapes.SameShapes(fn, pattern)
    specialise_spreads(fn, same_shapes)
    shapes.specialise_products(fn, same_shapes)
    mapping: dict = {}
    _rewrite(fn.body, mapping, {}, same_shapes)
    _resolve(mapping)
    substitute(fn.body, mapping)
    _eliminate_dead_code(fn)
    if scalar_factors.gather(fn):      # (on live code: it merges only single uses;
        _eliminate_dead_code(fn)       # the kinds it needs it sets)
    if signs.fold_negations(fn):
        _eliminate_dead_code(fn)
    hoist.hoist(fn)
    share_shape_references(fn, shapes.SameShapes(fn, pattern))
    shared: dict = {}
    _prune_tape(fn.body, set(used_vars(fn.body)), shared, _in_loops(fn.body))
    if shared:
        _resolve(shared)
        substitute(fn.body, shared)
    _drop_dead_pushes(fn.body)
    _eliminate_dead_code(fn)       # values only the pruned tape read
    kinds.infer(fn, param_kinds)
    return fn


def _eliminate_dead_code(fn: Function) -> None:
    for _ in range(100):
        mapping: dict = {}
        changed = _dce(fn.body, set(used_vars(fn.body)), mapping)
        if mapping:
            _resolve(mapping)
            substitute(fn.body, mapping)
        if not changed and not mapping:
            return


def _resolve(mapping: dict) -> None:
    for key in list(mapping):
        value = mapping[key]
        while isinstance(value, Var) and value in mapping:
            value = mapping[value]
        mapping[key] = value


def _lookup(atom, mapping):
    while isinstance(atom, Var) and atom in mapping:
        atom = mapping[atom]
    return atom


def _array_of_ndim(atom) -> bool:
    kind = kinds.kind_of(atom)
    return kind.tag == "array" and bool(kind.ndim)


def _literal(atom) -> bool:
    return atom.__class__ is Const and type(atom.value) in (int, float, bool)   # (no Global)


def _key(atom):
    if isinstance(atom, Var):
        return atom
    if _literal(atom):
        return (type(atom.value), atom.value)
    return ("object", id(atom.value))


def _rewrite(block: Block, mapping: dict, available: dict, same_shapes) -> None:
    """One pass in program order: substitute earlier results, drop helpers that kinds
    prove unnecessary, fold constant arithmetic and reuse equal pure computations
    (from this block or an enclosing one: `available` is shared with the enclosing
    blocks, and what this block adds to it is taken out again at its end)."""
    added: list = []
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            stmt.args = [_lookup(a, mapping) for a in stmt.args]
            stmt.kwargs = {k: _lookup(v, mapping) for k, v in stmt.kwargs.items()}
            if len(stmt.outs) != 1 or stmt.params.get("effect") or not _pure(stmt.prim):
                continue
            out = stmt.outs[0]
            if stmt.prim is runtime.fdiv and not stmt.kwargs and any(
                    _array_of_ndim(a) for a in stmt.args):
                stmt.prim = operator.truediv    # NumPy's division: inf and nan, no raise
            if stmt.prim in _IDENTITY_HELPERS and all(_float_like(a) for a in stmt.args) or \
                    shapes.identity_helper(stmt, same_shapes):
                mapping[out] = stmt.args[0]
            elif stmt.prim is runtime.zeros_like and _float_like(stmt.args[0]):
                mapping[out] = Const(0.0)
            elif all(_literal(a) for a in stmt.args) and not stmt.kwargs and \
                    stmt.prim is not prims.BUILD_TUPLE:
                value = _evaluate(stmt)
                if value is not None:
                    mapping[out] = Const(value)
            else:
                key = (id(stmt.prim), tuple(_key(a) for a in stmt.args),
                       tuple((k, _key(v)) for k, v in stmt.kwargs.items()))
                if key in available:
                    mapping[out] = available[key]
                else:
                    available[key] = out
                    added.append(key)
        elif isinstance(stmt, If):
            stmt.cond = _lookup(stmt.cond, mapping)
            _rewrite(stmt.then, mapping, available, same_shapes)
            _rewrite(stmt.orelse, mapping, available, same_shapes)
            _simplify_flag_if(stmt, mapping)
        elif isinstance(stmt, Loop):
            stmt.inits = [_lookup(a, mapping) for a in stmt.inits]
            stmt.bounds = [_lookup(a, mapping) for a in stmt.bounds]
            if stmt.cond is not None:
                _rewrite(stmt.cond, mapping, available, same_shapes)
            _rewrite(stmt.body, mapping, available, same_shapes)
        else:
            raise not_a_statement(stmt)
    block.results = [_lookup(a, mapping) for a in block.results]
    for key in added:
        del available[key]


def _evaluate(eqn: Eqn):
    """The value of a pure equation on literal arguments, or None."""
    try:
        with np.errstate(all="raise"):
            value = eqn.prim(*(a.value for a in eqn.args))
    except Exception:
        return None
    if type(value) in (int, float, bool) and (not isinstance(value, float) or math.isfinite(value)):
        return value
    return None


def _float_like(atom) -> bool:
    return kinds.kind_of(atom) in (kinds.FLOAT, kinds.INT)


def _split_item_cotangents(block: Block) -> bool:
    """`rt.setitem_value_vjp(g, i, v)` with an index that selects each element once
    (ints and slices, or any index into a list) is `rt.unbroadcast(g[i], v)`, which
    the rest of the pass simplifies further."""
    changed = False
    for stmt in list(block.stmts):
        for inner in sub_blocks(stmt):
            changed |= _split_item_cotangents(inner)
        if not isinstance(stmt, Eqn) or stmt.prim is not runtime.setitem_value_vjp:
            continue
        g, index, value = stmt.args
        index_kind = kinds.kind_of(index)
        parts = index_kind.items if index_kind.tag == "tuple" else (index_kind,)
        if kinds.kind_of(g).tag in ("array", "unknown") and \
                not all(k in (kinds.INT, kinds.SLICE) for k in parts):
            continue
        item = Var(stmt.outs[0].hint)
        block.stmts.insert(block.stmts.index(stmt), Eqn([item], operator.getitem, [g, index],
                                                        loc=stmt.loc, role=stmt.role))
        stmt.prim, stmt.args = runtime.unbroadcast, [item, value]
        changed = True
    return changed


def _is_bool(atom, value) -> bool:
    return isinstance(atom, Const) and atom.value is value


def _simplify_flag_if(stmt: If, mapping: dict) -> None:
    """`if c: f = True else: f = False` -> `f = c` (flags of lowered break/return), and
    an out that is the same outer value in both branches -> that value."""
    local = set(defined_vars(stmt.then)) | set(defined_vars(stmt.orelse))
    for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results, strict=True):
        if a is b and a not in local:
            mapping[out] = a
    if stmt.then.stmts or stmt.orelse.stmts:
        return
    for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results, strict=True):
        if _is_bool(a, True) and _is_bool(b, False) and kinds.kind_of(stmt.cond) == kinds.BOOL:
            mapping[out] = stmt.cond


def _dce(block: Block, used: set, mapping: dict) -> bool:
    changed = False
    kept = []
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            if not _kept_when_unread(stmt) and not any(v in used for v in stmt.outs):
                changed = True
                continue
        elif isinstance(stmt, If):
            keep = [i for i, v in enumerate(stmt.outs) if v in used]
            if len(keep) != len(stmt.outs):
                changed = True
                stmt.outs = [stmt.outs[i] for i in keep]
                stmt.then.results = [stmt.then.results[i] for i in keep]
                stmt.orelse.results = [stmt.orelse.results[i] for i in keep]
            changed |= _dce(stmt.then, used, mapping) | _dce(stmt.orelse, used, mapping)
            if not stmt.outs and not stmt.then.stmts and not stmt.orelse.stmts:
                changed = True
                continue
        elif isinstance(stmt, Loop):
            changed |= _dce_loop(stmt, used, mapping)
            if not stmt.carried and stmt.count is None and not _keeps_any(stmt.body):
                changed = True
                continue
        else:
            raise not_a_statement(stmt)
        kept.append(stmt)
    block.stmts[:] = kept
    return changed


def _keeps_any(block: Block) -> bool:
    return any(isinstance(s, Eqn) and _kept_when_unread(s) for s in walk(block))


def _dce_loop(loop: Loop, used: set, mapping: dict) -> bool:
    """Drop carried values nobody reads after the loop and that feed only their own
    next value, and carried values the body passes through unchanged."""
    changed = False
    last = len(loop.carried) - 1
    stop = lambda i: loop.has_stop and i == last  # noqa: E731
    for i, (c, res, out, init) in enumerate(zip(loop.carried, loop.body.results, loop.outs,
                                                loop.inits, strict=True)):
        if res is c and not stop(i):
            mapping[out] = init      # invariant: the value after the loop is the initial one
            mapping[c] = init
    live = {i for i, out in enumerate(loop.outs) if out in used or stop(i)}
    while True:
        needed = _needed(loop, {loop.body.results[i] for i in live})
        grown = live | {i for i, c in enumerate(loop.carried) if c in needed}
        if grown == live:
            break
        live = grown
    keep = sorted(i for i in live if stop(i) or loop.body.results[i] is not loop.carried[i])
    if len(keep) != len(loop.carried):
        changed = True
        for name in ("carried", "inits", "outs"):
            setattr(loop, name, [getattr(loop, name)[i] for i in keep])
        loop.body.results = [loop.body.results[i] for i in keep]
    changed |= _dce(loop.body, used | _needed(loop, set(loop.body.results)), mapping)
    if loop.count is not None and loop.count not in used:
        loop.count = None
        changed = True
    return changed


def _needed(loop: Loop, results: set) -> set:
    """Vars the loop needs to compute `results` (and its condition and effects)."""
    needed = {v for v in results if isinstance(v, Var)}
    if loop.cond is not None:
        needed |= set(used_vars(loop.cond))
    for stmt in reversed(loop.body.stmts):
        if isinstance(stmt, Eqn):
            if _kept_when_unread(stmt) or any(v in needed for v in stmt.outs):
                needed |= {a for a in reads(stmt) if isinstance(a, Var)}
        else:
            needed |= set(used_vars(stmt))
    return needed


def _in_loops(block: Block) -> set:
    """The Vars a loop defines (its own and those of its body and condition)."""
    found: set = set()
    for stmt in walk(block):
        if isinstance(stmt, Loop):
            found.update(defines(stmt))
            found |= defined_vars(stmt.body)
            if stmt.cond is not None:
                found |= defined_vars(stmt.cond)
    return found


def _prune_tape(block: Block, used: set, shared: dict, in_loops: set) -> None:
    """Drop taped values the reverse sweep no longer reads (after simplification),
    constants (folded since the tape was planned), values taped twice and values
    defined outside every loop (moved out by `hoist`: no iteration overwrites them,
    so the reverse sweep reads them directly)."""
    for stmt in list(block.stmts):
        if isinstance(stmt, Eqn) and stmt.prim is prims.TAPE_POP:
            push = stmt.params["push"]
            first: dict = {}
            for v, a in zip(stmt.outs, push.args, strict=True):
                if isinstance(a, Const) and not hasattr(a, "name") or \
                        isinstance(a, Var) and a not in in_loops:
                    shared[v] = a
                elif a in first:
                    shared[v] = first[a]
                else:
                    first[a] = v
            targets = {t for k, t in shared.items() if k in used}
            keep = [i for i, v in enumerate(stmt.outs)
                    if (v in used or v in targets) and v not in shared]
            stmt.outs = [stmt.outs[i] for i in keep]
            push.args = [push.args[i] for i in keep]
            if not keep:
                block.stmts.remove(stmt)
                push.params["dead"] = True
        for inner in sub_blocks(stmt):
            _prune_tape(inner, used, shared, in_loops)


def _drop_dead_pushes(block: Block) -> None:
    block.stmts[:] = [s for s in block.stmts if not (isinstance(s, Eqn) and s.params.get("dead"))]
    for stmt in block.stmts:
        for inner in sub_blocks(stmt):
            _drop_dead_pushes(inner)
