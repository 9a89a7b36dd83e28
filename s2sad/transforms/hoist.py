"""Loop-invariant code motion: pure equations whose arguments do not change in a loop
move before the loop, so they run once (and reverse mode does not tape them).

Contract: `hoist(fn)` edits `fn` in place; the program computes the same values and
raises the same errors in the same situations.  An equation of a loop body moves to
just before the loop when all of these hold:

* it sits at the top level of the body (not in a branch of it), has no effect (tape
  push or pop, assert, raise, an `effect` param) and its function is `pure`;
* each argument is a Const or a Var defined outside the loop (or moved out already),
  or a Global when the loop calls only pure functions (others may rebind it);
* running it before the loop cannot raise where the loop would not have: either the
  operation cannot raise on arguments of their kinds (`cannot_raise`: arithmetic
  on floats, on ints or on float arrays with a scalar, division of a float by a
  non-zero literal, negation, array attributes, tuples), or the loop is a `range`
  of literal bounds that certainly runs, and no statement before it in the body may
  raise or have an effect (so the first iteration would have raised the same error
  at the same point).  Everything else stays, e.g. `x / y` in `for i in range(n)`
  (n may be 0, and y may be 0.0), `math.sqrt(c)` in a `while` loop.
NumPy's default floating-point error handling (warnings, not exceptions) is assumed.
Inner loops are done first, so a value can move out of several nested loops.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import Block, Const, Eqn, Function, Global, Loop, Var, defines, sub_blocks, walk
from .rewrite import defined_vars, substitute

EFFECTS = (prims.TAPE_PUSH, prims.TAPE_POP, prims.ASSERT, prims.RAISE)
_PURE_MODULES = ("math", "operator", "_operator", "s2sad.runtime", "s2sad.rules")
# array attributes that read the array's header only
_ATTRIBUTES = {prims.method(name) for name in ("T", "shape", "ndim", "size", "dtype")}
_ARITHMETIC = {operator.add, operator.sub, operator.mul, runtime.plus}
_DIVISION = {operator.truediv, operator.floordiv, operator.mod}
_SIGN = {operator.neg, operator.pos}
_EXACT_INT = 2 ** 53          # literal ints below this convert to float exactly


def pure(prim) -> bool:
    """Functions whose result depends only on their arguments (safe to fold and share)."""
    if prim is prims.BUILD_TUPLE or prim is prims.BUILD_SLICE:
        return True
    if isinstance(prim, np.ufunc):
        return True
    module = getattr(prim, "__module__", None) or ""
    return module.startswith(_PURE_MODULES) or (module == "numpy" and callable(prim))


def has_effect(eqn: Eqn) -> bool:
    return eqn.prim in EFFECTS or bool(eqn.params.get("effect"))


def hoist(fn: Function) -> int:
    """Move loop-invariant equations out of every loop of `fn`; the number moved."""
    return _block(fn.body)


def _block(block: Block) -> int:
    moved = 0
    stmts = []
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            moved += _block(sub)
        if isinstance(stmt, Loop):
            out = _invariants(stmt)
            moved += len(out)
            stmts.extend(out)
        stmts.append(stmt)
    block.stmts = stmts
    return moved


def _invariants(loop: Loop) -> list:
    """Take the invariant equations out of `loop`'s body; return them in order."""
    variant = defined_vars(loop.body) | set(defines(loop))
    if loop.cond is not None:
        variant |= defined_vars(loop.cond)
    if not _calls_only_pure(loop):
        variant = _AllGlobals(variant)      # a call in the loop may rebind a global
    runs = _certainly_runs(loop)
    out, kept, seen, same = [], [], {}, {}
    quiet = True          # no statement kept so far may raise or have an effect
    for stmt in loop.body.stmts:
        if isinstance(stmt, Eqn) and _movable(stmt, variant) and \
                (cannot_raise(stmt) or runs and quiet):
            variant.difference_update(stmt.outs)
            key = _key(stmt, same)
            if key in seen and len(stmt.outs) == 1:     # computed twice: once is enough
                same[stmt.outs[0]] = seen[key]
            else:
                seen[key] = stmt.outs[0]
                out.append(stmt)
            continue
        kept.append(stmt)
        quiet = quiet and isinstance(stmt, Eqn) and not has_effect(stmt) and cannot_raise(stmt)
    loop.body.stmts = kept
    substitute(loop.body, same)
    if loop.cond is not None:
        substitute(loop.cond, same)
    substitute(Block(out), same)
    return out


def _key(eqn: Eqn, same: dict):
    """Equal keys: equal values (the same pure function of the same arguments)."""
    if eqn.params and eqn.params != {"attribute": True}:
        return id(eqn)

    def atom(a):
        a = same.get(a, a)
        literal = isinstance(a, Const) and not isinstance(a, Global) and \
            type(a.value) in (int, float, bool)
        return (type(a.value), a.value) if literal else id(a)
    return (id(eqn.prim), tuple(atom(a) for a in eqn.args),
            tuple((k, atom(v)) for k, v in sorted(eqn.kwargs.items())))


def _movable(eqn: Eqn, variant: set) -> bool:
    if has_effect(eqn) or not eqn.outs or not (pure(eqn.prim) or _attribute(eqn)):
        return False
    return not any(a in variant for a in list(eqn.args) + list(eqn.kwargs.values())
                   if isinstance(a, (Var, Global)))


class _AllGlobals(set):
    """A set of Vars that also holds every Global (a value read when the code runs)."""

    def __contains__(self, atom) -> bool:
        return isinstance(atom, Global) or super().__contains__(atom)


def _calls_only_pure(loop: Loop) -> bool:
    return all(not isinstance(s, Eqn) or s.prim in EFFECTS or pure(s.prim) or _attribute(s)
               for s in walk(loop.body))


def _certainly_runs(loop: Loop) -> bool:
    if loop.kind != "range" or loop.limit is not None:
        return False
    if not all(isinstance(b, Const) and type(b.value) is int for b in loop.bounds):
        return False
    return len(range(*(b.value for b in loop.bounds))) > 0


def _attribute(eqn: Eqn) -> bool:
    return eqn.prim in _ATTRIBUTES and len(eqn.args) == 1 and \
        kinds.kind_of(eqn.args[0]).tag == "array"


def _float_array(kind) -> bool:
    return kind.tag == "array" and np.issubdtype(np.dtype(kind.dtype), np.inexact)


def _small_int(atom) -> bool:
    return isinstance(atom, Const) and type(atom.value) in (int, bool) and \
        abs(atom.value) < _EXACT_INT


def _nonzero_literal(atom) -> bool:
    return isinstance(atom, Const) and type(atom.value) in (int, float) and atom.value != 0


def cannot_raise(eqn: Eqn) -> bool:
    """Does `eqn` certainly not raise, whatever the values of its arguments' kinds?"""
    if eqn.kwargs:
        return False
    prim, args = eqn.prim, eqn.args
    if prim is prims.BUILD_TUPLE or _attribute(eqn):
        return True
    ks = [kinds.kind_of(a) for a in args]
    if prim in _SIGN and len(args) == 1:
        return ks[0] in kinds.SCALARS or _float_array(ks[0])
    if len(args) != 2:
        return False
    if prim in _ARITHMETIC:
        if all(k in (kinds.INT, kinds.BOOL) for k in ks):
            return True              # Python ints: exact
        if all(k == kinds.FLOAT or _small_int(a) for k, a in zip(ks, args)):
            return True              # floats overflow to inf, they do not raise
        scalar = [k == kinds.FLOAT or _small_int(a) or _float_array(k) and k.ndim == 0
                  for k, a in zip(ks, args)]
        return any(scalar) and all(s or _float_array(k) for s, k in zip(scalar, ks))
    if prim in _DIVISION:
        return _nonzero_literal(args[1]) and (ks[0] == kinds.FLOAT or _float_array(ks[0]))
    return False
