"""Walk and convert syntax trees without recursing as deep as the user's expressions nest.

An expression of any length is a deep tree: `x*0 + x*1 + ... + x*999` is a BinOp whose
left operand is a BinOp, 999 levels down.  gast converts Python's `ast` with a
recursive visitor (four frames per level), so such a function would overflow the
interpreter's recursion limit before s2sad saw it.  `parse` cuts the `ast` into
pieces of bounded depth (a cut subexpression is replaced by a placeholder name),
converts each piece with gast, and splices the converted pieces back, all with
explicit stacks (`children`, `postorder`; the lowerer walks deep operator chains
with `postorder` too).
"""
from __future__ import annotations

import ast

import gast

PIECE = 64          # the deepest piece handed to gast's recursive converter at once
_PLACEHOLDER = "__s2sad_piece_{}"


def children(node) -> list:
    """(field, index or None, child) for each AST child of `node`, in field order."""
    found = []
    for field, value in ast.iter_fields(node):
        if isinstance(value, list):
            found += [(field, i, v) for i, v in enumerate(value) if isinstance(v, ast.AST)]
        elif isinstance(value, ast.AST):
            found.append((field, None, value))
    return found


def postorder(root, children_of=lambda node: [c for _, _, c in children(node)]) -> list:
    """The nodes of `root`'s tree, each after its children (`children_of(node)`, in
    order), without recursion."""
    order, stack = [], [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(children_of(node)))
    return order


def parse(text: str):
    """`gast.parse(text)`, for source whose expressions nest to any depth."""
    tree = ast.parse(text)
    pieces = _cut(tree) if _deeper_than(tree, PIECE) else {}   # (nothing to cut otherwise)
    converted = {name: gast.ast_to_gast(piece) for name, piece in pieces.items()}
    module = gast.ast_to_gast(tree)
    if converted:
        _splice(module, converted)
    return module


def _deeper_than(tree, levels: int) -> bool:
    """Does `tree` have more than `levels` levels of nodes (breadth first, without
    recursion; a quick test, stopping at `levels`)?"""
    level = [tree]
    for _ in range(levels):
        level = [child for node in level for child in ast.iter_child_nodes(node)]
        if not level:
            return False
    return True


def _cut(tree) -> dict:
    """Replace subexpressions of `tree` so that no remaining piece is deeper than
    PIECE; returns {placeholder name: the subexpression it stands for}."""
    height, pieces = {}, {}
    for node in postorder(tree):
        tallest = 0
        for field, index, child in children(node):
            h = height.pop(id(child), 1)
            if h >= PIECE and (isinstance(child, ast.stmt) or isinstance(child, ast.expr) and
                               isinstance(getattr(child, "ctx", ast.Load()), ast.Load)):
                name = _PLACEHOLDER.format(len(pieces))
                pieces[name] = child
                stand_in = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), child)
                if isinstance(child, ast.stmt):     # an `elif` chain nests statements
                    stand_in = ast.copy_location(ast.Expr(value=stand_in), child)
                if index is None:
                    setattr(node, field, stand_in)
                else:
                    getattr(node, field)[index] = stand_in
                h = 1
            tallest = max(tallest, h)
        height[id(node)] = tallest + 1
    return pieces


def _splice(root, converted: dict) -> None:
    """Put each converted piece in the place of its placeholder under `root`."""
    stack = [root]
    while stack:
        node = stack.pop()
        for field, index, child in children(node):
            if isinstance(child, gast.Expr) and isinstance(child.value, gast.Name) and \
                    child.value.id in converted:
                child = child.value
            if isinstance(child, gast.Name) and child.id in converted:
                child = converted[child.id]
                if index is None:
                    setattr(node, field, child)
                else:
                    getattr(node, field)[index] = child
            stack.append(child)
