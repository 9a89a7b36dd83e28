"""IR well-formedness: single assignment, defined before use, region signatures.

Run on every IR the tests build; raises AssertionError naming the problem.
"""
from __future__ import annotations

from .ir_nodes import Block, Const, Eqn, Function, If, Loop, Var, not_a_statement, reads


def verify(fn: Function, scoped: bool = True) -> None:
    """Check `fn`; with `scoped=False` a value may be read outside the region that
    defines it (derivative code reads forward values in the reverse sweep, where
    the generated Python still has them)."""
    defined: set = set()
    for p in fn.params:
        _define(p, defined)
    _block(fn.body, defined if not scoped else set(defined), defined)


def _define(var, defined: set) -> None:
    assert isinstance(var, Var), f"only Vars can be assigned, got {var!r}"
    assert var not in defined, f"{var!r} is assigned twice"
    defined.add(var)


def _use(atom, scope: set) -> None:
    if isinstance(atom, Const):
        return
    assert isinstance(atom, Var), f"not an atom: {atom!r}"
    assert atom in scope, f"{atom!r} is used before it is defined (or outside its region)"


def _block(block: Block, scope: set, defined: set) -> None:
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            for a in reads(stmt):
                _use(a, scope)
            for v in stmt.outs:
                _define(v, defined)
                scope.add(v)
        elif isinstance(stmt, If):
            _use(stmt.cond, scope)
            for branch in (stmt.then, stmt.orelse):
                assert len(branch.results) == len(stmt.outs), "If branch yields the wrong arity"
                _block(branch, set(scope), defined)
            for v in stmt.outs:
                _define(v, defined)
                scope.add(v)
        elif isinstance(stmt, Loop):
            _loop(stmt, scope, defined)
        else:
            raise not_a_statement(stmt)
    for r in block.results:
        _use(r, scope)


def _loop(loop: Loop, scope: set, defined: set) -> None:
    assert len(loop.inits) == len(loop.carried) == len(loop.outs), "Loop arity mismatch"
    assert len(loop.body.results) == len(loop.carried), "Loop body yields the wrong arity"
    assert loop.kind in ("range", "while"), f"unknown loop kind {loop.kind}"
    for a in reads(loop):
        _use(a, scope)
    inner = set(scope)
    for v in loop.carried + ([loop.index] if loop.index is not None else []):
        _define(v, defined)
        inner.add(v)
    if loop.cond is not None:
        assert len(loop.cond.results) == 1, "while condition yields one value"
        _block(loop.cond, set(inner), defined)
    _block(loop.body, inner, defined)
    for v in loop.outs + ([loop.count] if loop.count is not None else []):
        _define(v, defined)
        scope.add(v)
