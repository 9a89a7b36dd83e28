"""Checkpointed reverse mode of long loops (`checkpoint=` of grad, value_and_grad, vjp).

Reverse mode tapes, per iteration, the values a loop's adjoint reads: memory grows
with the trip count.  With checkpointing, each `for i in range(...)` loop that is
not inside another loop -- at the top level of a function or in its branches, in the
differentiated function and in the user functions it calls -- runs in the forward
sweep with no tape, saving its carried values where the schedule says
(runtime/snapshots.py).  The reverse sweep takes the loop's turns last to first: it
restores a snapshot, runs on without tape to the turn's start (the binomial schedule
only, saving snapshots on the way), runs the turn's iterations with their tape
pushes, checks they reached the values an earlier run had (else
NonDifferentiableError: random numbers in the body), and runs the turn's adjoint.

Evenly spaced snapshots (`True`, an int): memory the snapshots plus one segment's
tape, time the loop once more.  `("revolve", c)`: memory c snapshots and one
iteration's tape, time the loop t more times at most (runtime/revolve.py).

Loops that are not eligible -- `while` loops (their trip count is not known when
they start), loops with `break` or `return`, loops nested in a loop -- are taped as
usual.  A program with no eligible loop is refused (`checkpoint=` would do nothing).
"""
from __future__ import annotations

from .. import kinds, prims, runtime
from ..errors import Loc, NonDifferentiableError
from ..ir_nodes import Block, Const, Eqn, Function, If, Loop, Var, clone_statement, sub_blocks
from .rewrite import defined_vars, used_vars


def checkpoint_option(value):
    """The `checkpoint=` argument as the compiler keys it: None (off), "auto" (about
    sqrt(n) evenly spaced snapshots for n iterations), an int k (k evenly spaced) or
    ("revolve", c) / ("revolve", c, u) (the binomial schedule with at most c
    snapshots, on turns of u iterations; u = 1 is written ("revolve", c))."""
    if value is None or value is False:
        return None
    if value is True:
        return "auto"
    if isinstance(value, int) and value >= 1:
        return int(value)
    if (isinstance(value, tuple) and len(value) in (2, 3) and value[0] == "revolve"
            and all(_count(v) for v in value[1:])):
        return ("revolve", *map(int, value[1:])) if value[2:] != (1,) else ("revolve", value[1])
    raise ValueError(f"checkpoint must be True, False, None, a number of snapshots >= 1 or "
                     f"('revolve', c) or ('revolve', c, u) with c >= 1 snapshots and turns "
                     f"of u >= 1 iterations, not {value!r}")


def _count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


def eligible(loop: Loop) -> bool:
    """A range loop that runs all its iterations (no break or return)."""
    return loop.kind == "range" and not loop.has_stop and loop.index is not None


def outside_loops(block: Block) -> set:
    """The ids of the loops of `block` not inside another loop: its own and those in
    its branches (`if`), at any depth of branches."""
    found = set()
    for stmt in block.stmts:
        if isinstance(stmt, Loop):
            found.add(id(stmt))
        elif isinstance(stmt, If):
            found |= outside_loops(stmt.then) | outside_loops(stmt.orelse)
    return found


def put_back(block: Block, replaced: dict) -> None:
    """Replace in `block` and its branches each loop whose id `replaced` maps to the
    statements that take its place (`checkpointed`'s forward sweep)."""
    block.stmts[:] = [new for s in block.stmts for new in replaced.get(id(s), [s])]
    for stmt in block.stmts:
        if isinstance(stmt, If):
            put_back(stmt.then, replaced)
            put_back(stmt.orelse, replaced)


def checkpointed(loop: Loop, reverse_loop: Loop, snapshots) -> tuple[list, list]:
    """(the forward-sweep statements that replace `loop`, the reverse-sweep statements
    that replace `reverse_loop`).  `loop` is the forward loop with its tape pushes:
    it moves into the reverse sweep, where it runs one turn at a time; a copy
    without pushes, saving snapshots, takes its place (and, for revolve, a second
    copy runs in each turn from its snapshot to its start)."""
    start, stop, step = loop.bounds
    loc = loop.loc
    where = f"{loc.filename}:{loc.line}" if loc is not None else "a loop"
    store = Var("checkpoints", kinds.OBJECT)
    forward = [_eqn([store], runtime.checkpoint_store, [start, stop, step, Const(snapshots),
                                                   Const(where)], loc, "primal")]
    inside = defined_vars(loop.body) | set(loop.carried) | {loop.index}
    primal = clone_statement(loop, [v for v in used_vars(loop) if v not in inside])
    _strip_pushes(primal.body)
    primal.outs = loop.outs
    primal.body.stmts.insert(0, _effect(runtime.checkpoint_save, [store, *primal.carried], loc,
                                        "primal"))
    forward += [primal, _effect(runtime.checkpoint_final, [store, *loop.outs], loc, "primal")]

    segment = Var("segment", kinds.INT)
    snapshot, span = Var("snapshot", kinds.UNKNOWN), Var("span", kinds.UNKNOWN)
    restored = [Var(c.hint, c.kind) for c in loop.carried]
    lo, hi = Var("lo", kinds.INT), Var("hi", kinds.INT)
    revolve = isinstance(snapshots, tuple)      # then: run on to the turn without tape
    ahead = [Var("start", kinds.INT), Var("stop", kinds.INT)] if revolve else []
    body = [_eqn([snapshot], runtime.checkpoint_restore, [store, segment], loc),
            _eqn(restored + ahead, prims.UNPACK, [snapshot], loc)]
    if revolve:
        restored = _advance(primal, restored, ahead, step, body)
    entered = restored if revolve else []       # (the next turn's verify compares with them)
    body += [_eqn([span], runtime.checkpoint_bounds, [store, segment, *entered], loc),
             _eqn([lo, hi], prims.UNPACK, [span], loc)]
    loop.inits, loop.bounds, loop.role = restored, [lo, hi, step], "adjoint"
    loop.outs = [Var(c.hint, c.kind) for c in loop.carried]
    body += [loop, _effect(runtime.checkpoint_verify, [store, segment, *loop.outs], loc)]
    entering = [Var(c.hint) for c in reverse_loop.carried]
    leaving = [Var(c.hint) for c in reverse_loop.carried]
    body.append(Loop("range", list(reverse_loop.carried), entering, reverse_loop.body, leaving,
                     [lo, hi, step], reverse_loop.index, loc=loc, role="adjoint", reverse=True))
    count = Var("n_segments", kinds.INT)
    segments = Loop("range", entering, list(reverse_loop.inits), Block(body, list(leaving)),
                    reverse_loop.outs, [Const(0), count, Const(1)], segment, loc=loc,
                    role="adjoint", reverse=True)
    return forward, [_eqn([count], runtime.checkpoint_segments, [store], loc), segments]


def _advance(primal: Loop, restored, bounds, step, body) -> list:
    """Append to `body` a copy of the loop without tape (saving snapshots) over
    range(*bounds, step), from the turn's snapshot to its start; the carried values
    it reaches."""
    inside = defined_vars(primal.body) | set(primal.carried) | {primal.index}
    loop = clone_statement(primal, [v for v in used_vars(primal) if v not in inside])
    loop.inits, loop.bounds, loop.role = list(restored), [*bounds, step], "adjoint"
    loop.outs = [Var(c.hint, c.kind) for c in loop.carried]
    body.append(loop)
    return list(loop.outs)


def refuse_nothing_to_checkpoint(fn: Function) -> NonDifferentiableError:
    """The error for `checkpoint=` on a function without an eligible loop."""
    return NonDifferentiableError(
        f"checkpoint= was given, but '{fn.name}' has no loop it applies to: a "
        "`for ... in range(...)` loop (or a for loop over a list, tuple or array) without "
        "break or return, not inside another loop, in the function or the functions it calls",
        Loc(fn.filename, fn.first_line, 0),
        fix="differentiate without checkpoint=, or write the long loop as such a for loop "
            "(while loops and loops inside loops are taped as usual)")


def _eqn(outs, prim, args, loc, role="adjoint") -> Eqn:
    return Eqn(outs, prim, list(args), loc=loc, role=role)


def _effect(prim, args, loc, role="adjoint") -> Eqn:
    return Eqn([Var("done", kinds.NONE)], prim, list(args), params={"effect": True}, loc=loc,
               role=role)


def _strip_pushes(block: Block) -> None:
    block.stmts[:] = [s for s in block.stmts if not (isinstance(s, Eqn) and
                                                     s.prim is prims.TAPE_PUSH)]
    for stmt in block.stmts:
        for inner in sub_blocks(stmt):
            _strip_pushes(inner)


__all__ = ["checkpoint_option", "checkpointed", "eligible", "outside_loops", "put_back",
           "refuse_nothing_to_checkpoint"]
