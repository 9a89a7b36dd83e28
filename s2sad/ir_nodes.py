"""The IR: a structured SSA Wengert list.  Records only, no behaviour.

A `Function` has a body `Block`: a list of statements, each an `Eqn` (one primitive
applied to atoms, assigning fresh `Var`s), an `If` or a `Loop`, followed by the
block's `results`.  Every region is itself a block; values leave a region only
through its results (the `outs` of the If/Loop: SSA phi nodes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import Loc


class Var:
    """An SSA value.  Identity is the object; `hint` is the user's name for printing.

    `kind` is filled by kind inference (`kinds.py`); None means not yet inferred.
    """

    __slots__ = ("hint", "kind")

    def __init__(self, hint: str = "t", kind=None):
        self.hint = hint
        self.kind = kind

    def __repr__(self) -> str:
        return f"Var({self.hint})"


class Const:
    """A literal, or an object captured at transform time (module, function, None)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:
        return f"Const({self.value!r})"


Atom = Var | Const


@dataclass(eq=False)
class Eqn:
    """`outs = prim(*args, **kwargs)`; `params` are static facts (e.g. an attribute name).

    `src` is the user's source line this equation comes from (for comments); `role`
    tells what the equation is for in generated code: "primal", "tangent", "adjoint".
    """

    outs: list[Var]
    prim: object
    args: list[Atom]
    kwargs: dict[str, Atom] = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    loc: Loc | None = None
    role: str = "primal"


@dataclass(eq=False)
class Block:
    stmts: list
    results: list[Atom] = field(default_factory=list)


@dataclass(eq=False)
class If:
    """`outs = then.results if cond else orelse.results`."""

    cond: Atom
    then: Block
    orelse: Block
    outs: list[Var]
    loc: Loc | None = None
    role: str = "primal"


@dataclass(eq=False)
class Loop:
    """A structured loop with explicit loop-carried values.

    `carried` are the body's parameters, bound to `inits` before the first iteration
    and to `body.results[:len(carried)]` after each one; `outs` are their values when
    the loop ends.  kind "range": `index` runs over range(*bounds).  kind "while":
    `cond` is a block (reading `carried`) whose single result decides whether the
    next iteration runs.  When `has_stop`, the body's last result is a flag that
    ends the loop after the iteration (a lowered `break` or `return`).
    `count` (optional) is assigned the number of iterations run, for reverse mode.
    """

    kind: str
    carried: list[Var]
    inits: list[Atom]
    body: Block
    outs: list[Var]
    bounds: list[Atom] = field(default_factory=list)
    index: Var | None = None
    cond: Block | None = None
    has_stop: bool = False
    count: Var | None = None
    loc: Loc | None = None
    role: str = "primal"
    reverse: bool = False              # iterate the range backwards (reverse sweeps)
    limit: object = None               # only the first `limit` indices of the range


@dataclass(eq=False)
class Function:
    """A function in IR.  `params` are the positional parameters in order; `defaults`
    maps a parameter name to its default value (a Const), as written by the user."""

    name: str
    params: list[Var]
    body: Block
    filename: str = "<unknown>"
    first_line: int = 0
    param_names: list[str] = field(default_factory=list)
    defaults: dict = field(default_factory=dict)
    globals: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)   # Var -> Var printed with the same name
    preinit: list = field(default_factory=list)   # Vars set to None first (may stay unset)
    checks: list = field(default_factory=list)    # lowering's checks that need kinds
    pins: list = field(default_factory=list)      # Pins: names resolved when lowering


def walk_stmts(block: Block):
    """Yield every statement of `block` and of its nested regions, outer first."""
    for stmt in block.stmts:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from walk_stmts(sub)


def sub_blocks(stmt) -> list[Block]:
    if isinstance(stmt, If):
        return [stmt.then, stmt.orelse]
    if isinstance(stmt, Loop):
        return [stmt.cond, stmt.body] if stmt.cond is not None else [stmt.body]
    return []
