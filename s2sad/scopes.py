"""Syntactic name analyses on gast statements, used by lowering to pick loop-carried
values and the values live after a branch."""
from __future__ import annotations

import gast

JUMPS = (gast.Return, gast.Break, gast.Continue)


def names_read(nodes) -> set[str]:
    """Names loaded anywhere in `nodes` (augmented assignments read their target)."""
    return _names(nodes, gast.Load, updates=False)


def reads_after(stmts) -> list:
    """For each statement of `stmts`, the names the statements after it read (one
    backward pass, so a long body costs linear time, not quadratic)."""
    after, later = [], frozenset()
    for stmt in reversed(stmts):
        after.append(later)
        later = later | names_read([stmt])
    return after[::-1]


def names_assigned(nodes) -> set[str]:
    """Names stored anywhere in `nodes` (in-place updates assign their target)."""
    return _names(nodes, gast.Store, updates=True)


def _names(nodes, ctx, updates: bool) -> set[str]:
    """Names used with `ctx` in `nodes`, augmented assignments' targets, and with
    `updates` the names `_mutated_name` finds."""
    found = set()
    for root in nodes:
        for node in _every_node(root):
            if isinstance(node, gast.Name) and isinstance(node.ctx, ctx):
                found.add(node.id)
            elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Name):
                found.add(node.target.id)
            elif updates and (name := _mutated_name(node)):
                found.add(name)
    return found


def _every_node(root) -> list:
    """The nodes of `root`'s tree, in no particular order (as `gast.walk`, quicker:
    lowering asks for the names each statement reads)."""
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        found.append(node)
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack += [v for v in value if isinstance(v, gast.AST)]
            elif isinstance(value, gast.AST):
                stack.append(value)
    return found


def _mutated_name(node):
    """`x` for the in-place updates `x[...] = v`, `x[...] += v` and `x.append(v)`, which
    lowering turns into new values of `x`."""
    if isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) and \
            isinstance(node.value, gast.Name):
        return node.value.id
    if isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Subscript) and \
            isinstance(node.target.value, gast.Name):
        return node.target.value.id
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
            node.func.attr == "append" and isinstance(node.func.value, gast.Name):
        return node.func.value.id
    return None


def exposed_reads(stmts, assigned=frozenset()) -> set[str]:
    """Names that may be read in `stmts` before being assigned there."""
    exposed, defined = set(), set(assigned)
    _exposed(stmts, exposed, defined)
    return exposed


def _exposed(stmts, exposed: set, defined: set) -> None:
    for stmt in stmts:
        if isinstance(stmt, gast.If):
            exposed |= names_read([stmt.test]) - defined
            then_def, else_def = set(defined), set(defined)
            _exposed(stmt.body, exposed, then_def)
            _exposed(stmt.orelse, exposed, else_def)
            then_done, else_done = always_exits(stmt.body), always_exits(stmt.orelse)
            if then_done and not else_done:
                defined |= else_def
            elif else_done and not then_done:
                defined |= then_def
            else:
                defined |= then_def & else_def
        elif isinstance(stmt, (gast.For, gast.While)):
            head = [stmt.iter] if isinstance(stmt, gast.For) else [stmt.test]
            exposed |= names_read(head) - defined
            inner = set(defined) | (names_assigned([stmt.target]) if isinstance(stmt, gast.For) else set())
            _exposed(stmt.body, exposed, inner)
            _exposed(stmt.orelse, exposed, set(defined))
        else:
            exposed |= names_read([stmt]) - defined
            if isinstance(stmt, JUMPS):
                return
            defined |= names_assigned([stmt])


def always_exits(stmts) -> bool:
    """True when every path through `stmts` ends in return, break or continue."""
    for stmt in stmts:
        if isinstance(stmt, JUMPS):
            return True
        if isinstance(stmt, gast.If) and always_exits(stmt.body) and always_exits(stmt.orelse):
            return True
    return False


def has_jump(stmt, in_loop: bool) -> bool:
    """True when `stmt` contains a return, or (when `in_loop`) a break/continue that
    leaves the enclosing loop, so the statements after it may not run."""
    if isinstance(stmt, gast.Return):
        return True
    if isinstance(stmt, (gast.Break, gast.Continue)):
        return in_loop
    if isinstance(stmt, (gast.For, gast.While)):
        return any(has_jump(s, False) for s in stmt.body + stmt.orelse) or \
            any(has_jump(s, in_loop) for s in stmt.orelse)
    if isinstance(stmt, gast.If):
        return any(has_jump(s, in_loop) for s in stmt.body + stmt.orelse)
    return False


def loop_jumps(loop) -> tuple[bool, bool]:
    """(has break, has return) for the body of `loop` (not counting nested loops' breaks)."""
    brk = ret = False
    stack = list(loop.body)
    while stack:
        node = stack.pop()
        if isinstance(node, gast.Return):
            ret = True
        elif isinstance(node, gast.Break):
            brk = True
        elif isinstance(node, gast.If):
            stack.extend(node.body + node.orelse)
        elif isinstance(node, (gast.For, gast.While)):
            ret = ret or any(isinstance(n, gast.Return) for s in node.body + node.orelse
                             for n in gast.walk(s))
            stack.extend(node.orelse)
    return brk, ret


def falls_off(stmts) -> bool:
    """True when control may reach the end of `stmts` (a function's body, which then
    returns None): not every path ends in return or raise.  A `while True:` loop
    without a break, and a loop whose `else:` never falls off, end only that way."""
    for stmt in stmts:
        if isinstance(stmt, (gast.Return, gast.Raise)):
            return False
        if isinstance(stmt, gast.If) and not falls_off(stmt.body) and not falls_off(stmt.orelse):
            return False
        if isinstance(stmt, (gast.For, gast.While)) and not loop_jumps(stmt)[0]:
            forever = isinstance(stmt, gast.While) and isinstance(stmt.test, gast.Constant) \
                and bool(stmt.test.value)
            if forever or (stmt.orelse and not falls_off(stmt.orelse)):
                return False
    return True


def raises(stmts) -> bool:
    """True when `stmts` contain a `raise` statement."""
    return any(isinstance(node, gast.Raise) for root in stmts for node in gast.walk(root))
