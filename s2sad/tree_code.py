"""Python source over the leaves of a container value, directed by its Kind: what
compose.py writes to differentiate again with respect to tuples, lists and dicts
(nested, of floats and float arrays) -- one seed, and one derivative, per leaf.

A float or an array is a tree of one leaf, at the empty path, so the same code
serves plain arguments.  Named tuples are read by position and rebuilt as plain
tuples (the code s2sad differentiates cannot call their class).
"""
from __future__ import annotations

import numpy as np

from . import kinds

TREE_TAGS = ("tuple", "list", "dict")
_UNSIZED = ("listof", "tupleof")     # a length known only when the code runs


def is_tree(kind) -> bool:
    return kind.tag in TREE_TAGS


def differentiable_leaf(kind) -> bool:
    """A float, or a float (or complex) array of known rank."""
    return kind.tag == "float" or kind.tag == "array" and kind.ndim is not None and \
        np.dtype(kind.dtype).kind in "fc"


def constant_leaf(kind) -> bool:
    """A leaf that never carries a derivative (int, bool, None, an int array)."""
    return kind.tag in ("int", "bool", "none") or kind.tag == "array" and \
        np.dtype(kind.dtype).kind in "iub"


def leaves(kind, path: str = "") -> list:
    """[(path, leaf kind)] in order: `path` is the source text that reads the leaf
    from the value (`[0]['a']`)."""
    if kind.tag in ("tuple", "list"):
        return [leaf for n, item in enumerate(kind.items) for leaf in leaves(item, f"{path}[{n}]")]
    if kind.tag == "dict":
        return [leaf for key, item in kind.items for leaf in leaves(item, f"{path}[{key!r}]")]
    return [(path, kind)]


def unsupported(kind) -> str | None:
    """Why a derivative with respect to a value of `kind` cannot be written
    (a list of unknown length, an unknown or object leaf), or None when it can."""
    if kind.tag in _UNSIZED:
        return f"a {'list' if kind.tag == 'listof' else 'tuple'} whose length is not known"
    for _, leaf in leaves(kind):
        if leaf.tag in _UNSIZED:
            return unsupported(leaf)
        if not differentiable_leaf(leaf) and not constant_leaf(leaf):
            return f"holds a value of kind {leaf}"
    if not any(differentiable_leaf(leaf) for _, leaf in leaves(kind)):
        return "holds no float or float array"
    return None


def build(kind, parts) -> str:
    """The source of a value of `kind`'s structure whose leaves are the source texts
    `parts` (consumed in order)."""
    parts = iter(parts)
    return _build(kind, parts)


def _build(kind, parts) -> str:
    if kind.tag in ("tuple", "list"):
        items = [_build(item, parts) for item in kind.items]
        return f"({', '.join(items)},)" if kind.tag == "tuple" and items else \
            "()" if kind.tag == "tuple" else f"[{', '.join(items)}]"
    if kind.tag == "dict":
        return "{" + ", ".join(f"{key!r}: {_build(item, parts)}" for key, item in kind.items) + "}"
    return next(parts)


def seed(kind, name: str, at: str, one: str) -> str:
    """A tangent of `kind` for the value `name`: `one` at the leaf of path `at`,
    zeros (`rt.zeros_like`) at every other leaf."""
    return build(kind, [one if path == at else f"rt.zeros_like({name}{path})"
                        for path, _ in leaves(kind)])


def vdot(kind, a: str, b: str) -> str:
    """The source of the sum of the products of the float leaves of `a` and `b`
    (both of `kind`'s structure)."""
    terms = [f"np.sum({a}{path} * {b}{path})" for path, leaf in leaves(kind)
             if kinds.can_be_active(leaf)]
    return " + ".join(terms) if terms else "0.0"
