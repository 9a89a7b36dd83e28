"""Shrink a failing program: delete statements and simplify expressions while it
still fails the same way.

Used by the long run (hypothesis shrinks the programs of the CI run itself).  Works
on source text, so it also applies to hand-written or saved programs.  Edits, tried
in order until none applies: drop a helper function; delete a statement (of f or of a
helper); replace an if/for/while by its body (or an if by its else branch); lower a
`range(n)` bound; replace an expression by one of its operands.
"""
from __future__ import annotations

import ast
import copy


class _Functions(ast.Module):
    """The top-level functions of a module, walked as one tree (f and its helpers)."""


def _function(tree: ast.Module, name: str) -> ast.AST:
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if not any(node.name == name for node in functions):
        raise ValueError(f"no function {name!r} in the program")
    return _Functions(body=functions, type_ignores=[])


def _stmt_lists(fn) -> list[list]:
    lists = []
    for node in ast.walk(fn):
        if isinstance(node, _Functions):
            continue
        for field in ("body", "orelse"):
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                lists.append(value)
    return lists


def _expr_sites(fn) -> list[tuple]:
    """(parent, field, index or None, replacements) for each reducible expression."""
    sites = []
    for node in ast.walk(fn):
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for k, child in enumerate(items):
                subs = _operands(child)
                if subs and not (isinstance(node, ast.For) and field == "iter"):
                    sites.append((node, field, k if isinstance(value, list) else None, subs))
    return sites


def _is_counter_step(stmt, fn) -> bool:
    """`k += ...` where `k` appears in the test of a while loop: deleting it could
    make the loop endless."""
    if not (isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name)):
        return False
    return any(isinstance(node, ast.While) and any(
        isinstance(n, ast.Name) and n.id == stmt.target.id for n in ast.walk(node.test))
        for node in ast.walk(fn))


def _operands(node) -> list:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.Call):
        return [a for a in node.args if not isinstance(a, ast.Starred)]
    return []


def _edits(source: str, name: str):
    """Every candidate one-edit variant of `source`, simplest edits first."""
    base = ast.parse(source)
    n_lists = len(_stmt_lists(_function(base, name)))
    helpers = [k for k, node in enumerate(base.body)
               if isinstance(node, ast.FunctionDef) and node.name != name]

    def variant(apply):
        tree = copy.deepcopy(base)
        if apply(_function(tree, name)) is False:
            return None
        return ast.unparse(ast.fix_missing_locations(tree)) + "\n"

    for k in reversed(helpers):                      # drop a helper function
        tree = copy.deepcopy(base)
        del tree.body[k]
        yield ast.unparse(ast.fix_missing_locations(tree)) + "\n"

    for li in range(n_lists):
        size = len(_stmt_lists(_function(base, name))[li])
        for si in range(size):
            def delete(fn, li=li, si=si):
                lst = _stmt_lists(fn)[li]
                if _is_counter_step(lst[si], fn):
                    return False
                del lst[si]
                if not lst:
                    lst.append(ast.Pass())
            yield variant(delete)

            def inline(fn, li=li, si=si, branch="body"):
                lst = _stmt_lists(fn)[li]
                stmt = lst[si]
                if not isinstance(stmt, (ast.If, ast.For, ast.While)):
                    return False
                lst[si:si + 1] = getattr(stmt, branch) or [ast.Pass()]
            yield variant(inline)
            yield variant(lambda fn, li=li, si=si: inline(fn, li, si, "orelse"))

            def fewer(fn, li=li, si=si):
                stmt = _stmt_lists(fn)[li][si]
                if not (isinstance(stmt, ast.For) and isinstance(stmt.iter, ast.Call)
                        and stmt.iter.args and isinstance(stmt.iter.args[-1], ast.Constant)
                        and isinstance(stmt.iter.args[-1].value, int)
                        and stmt.iter.args[-1].value > 1):
                    return False
                stmt.iter.args[-1].value -= 1
            yield variant(fewer)
    n_sites = len(_expr_sites(_function(base, name)))
    for ei in range(n_sites):
        n_subs = len(_expr_sites(_function(base, name))[ei][3])
        for sub in range(n_subs):
            def simplify(fn, ei=ei, sub=sub):
                parent, field, k, subs = _expr_sites(fn)[ei]
                if k is None:
                    setattr(parent, field, subs[sub])
                else:
                    getattr(parent, field)[k] = subs[sub]
            yield variant(simplify)


def shrink(source: str, fails, *, name: str = "f", budget: int = 600) -> str:
    """The smallest variant of `source` found for which `fails(variant)` is true
    (`fails(source)` should be).  At most `budget` calls of `fails`."""
    current = source
    seen = {source}
    progress = True
    while progress and budget > 0:
        progress = False
        for candidate in _edits(current, name):
            if candidate is None or candidate in seen:
                continue
            seen.add(candidate)
            budget -= 1
            if fails(candidate):
                current, progress = candidate, True
                break
            if budget <= 0:
                break
    return current
