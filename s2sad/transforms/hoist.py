"""Loop-invariant code motion: pure equations whose arguments do not change in a loop
move before the loop, so they run once (and reverse mode does not tape them).

Contract: `hoist(fn)` edits `fn` in place; the program computes the same values and
raises the same errors in the same situations.  An equation of a loop body moves to
just before the loop when all of these hold:

* it sits at the top level of the body (not in a branch of it), has no effect (tape
  push or pop, assert, raise, an `effect` param) and its function is `pure`;
* each argument is a Const or a Var defined outside the loop (or moved out already),
  or a Global when the loop calls only pure functions (others may rebind it);
* running it before the loop cannot raise where the loop would not have: either
  the operation cannot raise on arguments of their kinds (`cannot_raise`:
  arithmetic on floats, on ints or on float arrays with a scalar, division of a
  float by a non-zero literal, negation, comparisons of numbers, array attributes,
  tuples), or nothing before it in the body may raise or have an effect (so the
  first iteration would have raised the same error at the same point) and either
  the loop certainly runs (a `range` of literal bounds) or it is a `range` with int
  bounds and the result is a scalar: then it runs under `if runs:`, with
  `runs = 0 < n` (`start < stop`), so `math.sqrt(c)` in `for i in range(n)` is
  never called when n is 0.  Everything else stays: `math.sqrt(c)` in a `while`
  loop, `a / b` after a statement that may raise, anything in a branch of the body.
NumPy's default floating-point error handling (warnings, not exceptions) is assumed.
Inner loops are done first, so a value can move out of several nested loops.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..callables import is_user_function
from ..ir_nodes import (Block, Const, Eqn, Function, Global, If, Loop, Var, defines, sub_blocks,
                        walk)
from .rewrite import defined_vars, substitute

EFFECTS = (prims.TAPE_PUSH, prims.TAPE_POP, prims.ASSERT, prims.RAISE)
_PURE_MODULES = ("math", "operator", "_operator", "s2sad.runtime", "s2sad.rules")
# array attributes that read the array's header only
_ATTRIBUTES = {prims.method(name) for name in ("T", "shape", "ndim", "size", "dtype")}
_ARITHMETIC = {operator.add, operator.sub, operator.mul, runtime.plus}
_DIVISION = {operator.truediv, operator.floordiv, operator.mod}
_SIGN = {operator.neg, operator.pos}
_COMPARISONS = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne}
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
    """Kept even when nothing reads its outputs, and never moved: tape operations,
    asserts and raises, declared effects, and a call of user code in the primal sweep
    (it may raise, as the function does: a derivative must raise where it raises)."""
    return eqn.prim in EFFECTS or bool(eqn.params.get("effect")) or (
        eqn.role == "primal" and (isinstance(eqn.prim, prims.DerivativeCall) or
                                  is_user_function(eqn.prim)))


def kept_when_unread(eqn: Eqn) -> bool:
    """Kept by dead-code elimination: an effect (`has_effect`), or a primal operation
    that raises for some numbers (`raises_for_some_numbers`), which may still move."""
    return has_effect(eqn) or eqn.role == "primal" and raises_for_some_numbers(eqn)


def raises_for_some_numbers(eqn: Eqn) -> bool:
    """A `math` function (`math.log(-1.0)`, `math.exp(1000.0)` raise) or a division
    or power of Python numbers that may raise (ZeroDivisionError, OverflowError): kept
    in the primal sweep where its value is not needed (grad's code, which leaves out
    the value, variants.py), so that the derivative raises where the function does."""
    if getattr(eqn.prim, "__module__", None) == "math":
        return True
    if not (eqn.prim in _DIVISION or eqn.prim is operator.pow) or cannot_raise(eqn):
        return False
    return not any(kinds.kind_of(a).tag == "array" and kinds.kind_of(a).ndim for a in eqn.args)


def hoist(fn: Function) -> int:
    """Move loop-invariant equations out of every loop of `fn`; the number of
    statements put before loops."""
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
    """Take the invariant equations out of `loop`'s body; return the statements that
    compute them, in order, to go just before the loop."""
    variant = defined_vars(loop.body) | set(defines(loop))
    if loop.cond is not None:
        variant |= defined_vars(loop.cond)
    if not _calls_only_pure(loop):
        variant = _AllGlobals(variant)      # a call in the loop may rebind a global
    runs = _certainly_runs(loop)
    test = None if runs else _runs_test(loop)
    out, kept, seen, same = [], [], {}, {}
    quiet = True          # no statement kept so far may raise or have an effect
    for stmt in loop.body.stmts:
        if isinstance(stmt, Eqn) and _movable(stmt, variant):
            safe = cannot_raise(stmt) or runs and quiet
            if safe or quiet and test is not None and _scalar_outs(stmt):
                variant.difference_update(stmt.outs)
                key = _key(stmt, same)
                if key in seen and len(stmt.outs) == 1:     # computed twice: once is enough
                    same[stmt.outs[0]] = seen[key]
                else:
                    seen[key] = stmt.outs[0]
                    out.append((stmt, not safe))
                continue
        kept.append(stmt)
        quiet = quiet and isinstance(stmt, Eqn) and not has_effect(stmt) and cannot_raise(stmt)
    loop.body.stmts = kept
    guarded: dict = {}
    stmts = _guarded(loop, out, test, same, guarded)
    for mapping in (same, guarded):
        substitute(loop.body, mapping)
        if loop.cond is not None:
            substitute(loop.cond, mapping)
    return stmts


def _guarded(loop: Loop, out: list, test, same: dict, guarded: dict) -> list:
    """The statements computing the moved equations `out` ((eqn, may raise) pairs).
    Those that may raise (and scalar ones after them) run only if the loop would run
    at least once (`test`): `if runs: v = ... else: v = 0.0` (0 or False: a value of
    v's kind that nobody reads)."""
    stmts, flag, branch = [], None, None

    def rename(a):              # (the branch being filled reads its own values)
        a = same.get(a, a) if isinstance(a, Var) else a
        return guarded.get(a, a) if isinstance(a, Var) else a
    for eqn, may_raise in out:
        if branch is not None and not may_raise and _scalar_outs(eqn):
            may_raise = True                # joins the branch (one `if` rather than two)
        if branch is not None and not may_raise:       # read the branch's outs from now on
            guarded.update(zip(branch.then.results, branch.outs))
            branch = None
        eqn.args = [rename(a) for a in eqn.args]
        eqn.kwargs = {k: rename(a) for k, a in eqn.kwargs.items()}
        if not may_raise:
            stmts.append(eqn)
            continue
        if flag is None:
            flag = Var("runs", kinds.BOOL)
            stmts.append(Eqn([flag], test[0], test[1], loc=loop.loc, role=loop.role))
        if branch is None:
            branch = If(flag, Block([], []), Block([], []), [], loop.loc, loop.role)
            stmts.append(branch)
        branch.then.stmts.append(eqn)
        for v in eqn.outs:
            branch.then.results.append(v)
            branch.orelse.results.append(Const(_UNREAD[v.kind]))
            branch.outs.append(Var(v.hint, v.kind))
    if branch is not None:
        guarded.update(zip(branch.then.results, branch.outs))
    return stmts


_UNREAD = {kinds.FLOAT: 0.0, kinds.INT: 0, kinds.BOOL: False}


def _scalar_outs(eqn: Eqn) -> bool:
    return all(v.kind in _UNREAD for v in eqn.outs)


def _runs_test(loop: Loop):
    """(prim, args) of a comparison true when `loop` (a range) runs at least once, or
    None (a while loop, a range of unknown step)."""
    bounds = loop.bounds
    if loop.kind != "range" or loop.limit is not None or not 1 <= len(bounds) <= 3 or \
            not all(kinds.kind_of(b) == kinds.INT for b in bounds):
        return None
    if all(isinstance(b, Const) for b in bounds):
        return None                          # known not to run: nothing to gain
    if len(bounds) == 1:
        return operator.lt, [Const(0), bounds[0]]
    step = bounds[2].value if len(bounds) == 3 and isinstance(bounds[2], Const) else 1
    if len(bounds) == 3 and not isinstance(bounds[2], Const) or step == 0:
        return None
    return (operator.lt if step > 0 else operator.gt), list(bounds[:2])


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
    if prim in _COMPARISONS:
        return all(k in kinds.SCALARS for k in ks)
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
