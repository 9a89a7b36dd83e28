"""Readable, deterministic names for IR values.

The user's variable names are kept; later versions of a name get `_1`, `_2`, ...
Tangents are `d<name>` and adjoints `b<name>` (Griewank-Walther); the names are
assigned in program order, so the same IR always prints the same way.
"""
from __future__ import annotations

import keyword
import re

TANGENT_PREFIX = "d"
ADJOINT_PREFIX = "b"
TAPE_HINT = "<tape>"     # the hint of the Var holding a tape passed between halves: `tape`


def tangent_hint(hint: str) -> str:
    """The hint of the tangent of a value hinted `hint` (also how a rule's terms name
    the tangent of its parameter `hint`: see rules/core.py)."""
    return TANGENT_PREFIX + hint


def adjoint_hint(hint: str) -> str:
    """The hint of the adjoint (cotangent) of a value hinted `hint`."""
    return ADJOINT_PREFIX + hint


class Namer:
    """Assigns each Var a unique Python identifier derived from its hint."""

    def __init__(self, reserved=()):
        self.names: dict = {}
        self.used: set = set(reserved)
        self.tried: dict = {}     # base -> the counter its last fresh name took

    def __call__(self, var) -> str:
        name = self.names.get(var)
        if name is None:
            name = self.fresh(var.hint)
            self.names[var] = name
        return name

    def bind(self, var, name: str) -> None:
        """Give `var` the exact name `name` (for values that share a variable)."""
        self.names[var] = name
        self.used.add(name)

    def fresh(self, hint: str) -> str:
        if hint and not hint.strip("_"):
            base = "_"      # the user's `for _ in ...`: `_`, `_1`, `_2`, ...
        else:
            base = re.sub(r"\W", "_", hint or "t").strip("_") or "t"
            if base[0].isdigit() or keyword.iskeyword(base):
                base = "v_" + base
        stem = "" if base == "_" else base
        # `used` only grows, so the search resumes where the last one for `base`
        # stopped (the same names as searching from 0; linear in a long function)
        n = self.tried.get(base, 0)
        name = f"{stem}_{n}" if n else base
        while name in self.used:
            n += 1
            name = f"{stem}_{n}"
        self.tried[base] = n
        self.used.add(name)
        return name
