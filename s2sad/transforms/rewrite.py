"""IR rewriting: renaming atoms; and the block-level views of the walkers of
`ir.py` (which Vars a block reads or assigns) that the passes ask for."""
from __future__ import annotations

from ..ir_nodes import (Block, Eqn, If, Loop, Var, defines, not_a_statement, sub_blocks, uses,
                        walk)


def substitute(block: Block, mapping: dict) -> None:
    """Replace, in place, every use of a key of `mapping` in `block` by its value."""
    if not mapping:
        return

    def sub(a):
        return mapping.get(a, a) if isinstance(a, Var) else a
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
        else:
            raise not_a_statement(stmt)
    block.results = [sub(a) for a in block.results]


def replace_statements(block: Block, replace) -> None:
    """Replace, in place and in program order (nested regions first), each statement
    of `block` and its regions by the list `replace(stmt)` returns (None: kept)."""
    stmts = []
    for stmt in block.stmts:
        for sub in sub_blocks(stmt):
            replace_statements(sub, replace)
        stmts.extend(replace(stmt) or [stmt])
    block.stmts = stmts


def used_vars(node) -> dict:
    """Vars read anywhere in `node`, a Block or a statement (nested regions and results
    included), as the keys of a dict in the order of `ir.uses` (deterministic)."""
    return dict.fromkeys([a for a in uses(node) if a.__class__ is Var])


def defined_vars(block: Block) -> set:
    """Vars assigned anywhere in `block` (equation and region outs, loop parameters)."""
    return {v for stmt in walk(block) for v in defines(stmt)}


def direct_defs(block: Block) -> dict:
    """Vars assigned by the statements of `block` itself (not inside nested regions,
    but with their loops' carried values, indices and counts); keys of a dict in
    program order."""
    return dict.fromkeys(v for stmt in block.stmts for v in defines(stmt))
