"""Generic IR rewriting helpers: renaming atoms, walking atoms and definitions."""
from __future__ import annotations

from ..ir import Block, Eqn, If, Loop, Var


def substitute(block: Block, mapping: dict) -> None:
    """Replace, in place, every use of a key of `mapping` in `block` by its value."""
    if not mapping:
        return
    sub = lambda a: mapping.get(a, a) if isinstance(a, Var) else a  # noqa: E731
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            stmt.args = [sub(a) for a in stmt.args]
            stmt.kwargs = {k: sub(v) for k, v in stmt.kwargs.items()}
        elif isinstance(stmt, If):
            stmt.cond = sub(stmt.cond)
            substitute(stmt.then, mapping)
            substitute(stmt.orelse, mapping)
        elif isinstance(stmt, Loop):
            stmt.inits = [sub(a) for a in stmt.inits]
            stmt.bounds = [sub(a) for a in stmt.bounds]
            stmt.limit = sub(stmt.limit) if stmt.limit is not None else None
            if stmt.cond is not None:
                substitute(stmt.cond, mapping)
            substitute(stmt.body, mapping)
    block.results = [sub(a) for a in block.results]


def used_vars(block: Block) -> dict:
    """Vars read anywhere in `block` (including nested regions and results), as the
    keys of a dict in program order (deterministic iteration)."""
    found: dict = {}
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            atoms = list(stmt.args) + list(stmt.kwargs.values())
        elif isinstance(stmt, If):
            atoms = [stmt.cond]
            found.update(used_vars(stmt.then))
            found.update(used_vars(stmt.orelse))
        else:
            atoms = list(stmt.inits) + list(stmt.bounds) + [stmt.limit]
            if stmt.cond is not None:
                found.update(used_vars(stmt.cond))
            found.update(used_vars(stmt.body))
        found.update(dict.fromkeys(a for a in atoms if isinstance(a, Var)))
    found.update(dict.fromkeys(a for a in block.results if isinstance(a, Var)))
    return found


def defined_vars(block: Block) -> set:
    """Vars assigned anywhere in `block` (equation and region outs, loop parameters)."""
    found = set()
    for stmt in block.stmts:
        found.update(stmt.outs)
        if isinstance(stmt, If):
            found |= defined_vars(stmt.then) | defined_vars(stmt.orelse)
        elif isinstance(stmt, Loop):
            found.update(stmt.carried)
            if stmt.index is not None:
                found.add(stmt.index)
            if stmt.count is not None:
                found.add(stmt.count)
            if stmt.cond is not None:
                found |= defined_vars(stmt.cond)
            found |= defined_vars(stmt.body)
    return found


def direct_defs(block: Block) -> dict:
    """Vars assigned by the statements of `block` itself (not inside nested regions),
    including nested loops' iteration counts; keys of a dict in program order."""
    found: dict = {}
    for stmt in block.stmts:
        found.update(dict.fromkeys(stmt.outs))
        if isinstance(stmt, Loop) and stmt.count is not None:
            found[stmt.count] = None
    return found
