"""The IR: a structured SSA Wengert list.  Records only, no behaviour.

A `Function` has a body `Block`: a list of statements, each an `Eqn` (one primitive
applied to atoms, assigning fresh `Var`s), an `If` or a `Loop`, followed by the
block's `results`.  Every region is itself a block; values leave a region only
through its results (the `outs` of the If/Loop: SSA phi nodes).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

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


class Global(Const):
    """A module global or closure variable holding data: read when the derivative runs
    from its closure `cell`, or else from `namespace`, the globals of the function that
    reads it (None: the differentiated function's)."""

    __slots__ = ("name", "cell", "kind", "namespace")

    def __init__(self, name, value, cell=None, namespace=None):
        super().__init__(value)
        self.name, self.cell, self.namespace = name, cell, namespace
        self.kind = None     # set when the derivative is specialised on it (see api)

    def __repr__(self) -> str:
        return f"Global({self.name})"


Atom = Var | Const


@dataclass(eq=False)
class Eqn:
    """`outs = prim(*args, **kwargs)`; `params` are static facts (e.g. an attribute name).

    `loc` is the user's source line this equation comes from (for comments); `role`
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
    dict_loops: list = field(default_factory=list)  # (node, atom): loops by position


# ---- walking the IR ------------------------------------------------------------------
# Every pass that looks at statements generically goes through these; a pass that
# treats each statement kind differently dispatches itself and raises
# `not_a_statement` on anything else.

def not_a_statement(stmt) -> AssertionError:
    """The internal error for a statement of no known kind (to raise)."""
    return AssertionError(f"s2sad internal error: not an IR statement: {stmt!r}")


def sub_blocks(stmt) -> list[Block]:
    """The regions of `stmt`: an If's branches, a Loop's condition and body."""
    if isinstance(stmt, Eqn):
        return []
    if isinstance(stmt, If):
        return [stmt.then, stmt.orelse]
    if isinstance(stmt, Loop):
        return [stmt.cond, stmt.body] if stmt.cond is not None else [stmt.body]
    raise not_a_statement(stmt)


def walk(block: Block):
    """Yield every statement of `block` and of its nested regions, outer first."""
    for stmt in block.stmts:
        yield stmt
        for sub in sub_blocks(stmt):
            yield from walk(sub)


walk_stmts = walk     # the older name


def reads(stmt) -> list:
    """The atoms `stmt` itself reads (not those read inside its regions): an
    equation's arguments, an If's condition, a Loop's inits, bounds and limit."""
    if isinstance(stmt, Eqn):
        return list(stmt.args) + list(stmt.kwargs.values())
    if isinstance(stmt, If):
        return [stmt.cond]
    if isinstance(stmt, Loop):
        return list(stmt.inits) + list(stmt.bounds) + ([stmt.limit] if stmt.limit is not None
                                                      else [])
    raise not_a_statement(stmt)


def defines(stmt) -> list:
    """The Vars `stmt` itself assigns (not those assigned inside its regions): its outs,
    and a Loop's carried values, index and iteration count."""
    if isinstance(stmt, (Eqn, If)):
        return list(stmt.outs)
    if isinstance(stmt, Loop):
        extra = [v for v in (stmt.index, stmt.count) if v is not None]
        return list(stmt.carried) + extra + list(stmt.outs)
    raise not_a_statement(stmt)


def uses(node) -> list:
    """Every atom read in `node` (a Block or a statement), inside nested regions and by
    their results too; a region's atoms come before those its statement reads.  A
    list, built without generators (passes ask for it on whole functions)."""
    found: list = []
    _uses_into(node, found)
    return found


def _uses_into(node, found: list) -> None:
    if isinstance(node, Block):
        for stmt in node.stmts:
            _uses_into(stmt, found)
        found += node.results
    elif isinstance(node, Eqn):
        found += node.args
        if node.kwargs:
            found += node.kwargs.values()
    else:
        for sub in sub_blocks(node):
            _uses_into(sub, found)
        found += reads(node)


# ---- copying ---------------------------------------------------------------------------

def clone(fn: Function) -> Function:
    """A structural copy of `fn` that a pass may rewrite without touching `fn`: new
    Vars (same hints and kinds), Eqns, Blocks, Ifs and Loops, one new Var per old one.
    Consts (and the objects they hold), prims, locations, the user's globals and the
    Pins are shared.  The checks lowering deferred keep reading `fn`'s Vars: they run
    once kinds are known, before any transform."""
    return _Cloner().function(fn)


def clone_statement(stmt, outer):
    """A copy of one statement with new Vars for those it defines; the Vars in
    `outer` (values it reads from around it) stay as they are."""
    cloner = _Cloner()
    cloner.vars.update((v, v) for v in outer)
    new = cloner.stmt(stmt)
    for eqn in cloner.eqns.values():
        eqn.params = {k: cloner.eqns.get(v, v) if isinstance(v, Eqn) else v
                      for k, v in eqn.params.items()}
    return new


class _Cloner:
    """Copies one function; `vars` maps each old Var to its copy, `eqns` each old Eqn
    (a tape pop's params name the push it pops)."""

    def __init__(self):
        self.vars: dict = {}
        self.eqns: dict = {}

    def atom(self, a):
        if not isinstance(a, Var):
            return a
        new = self.vars.get(a)
        if new is None:
            new = self.vars[a] = Var(a.hint, a.kind)
        return new

    def atoms(self, items) -> list:
        return [self.atom(a) for a in items]

    def function(self, fn: Function) -> Function:
        new = replace(fn, params=self.atoms(fn.params), body=self.block(fn.body),
                      param_names=list(fn.param_names), defaults=dict(fn.defaults),
                      aliases={self.atom(k): self.atom(v) for k, v in fn.aliases.items()},
                      preinit=self.atoms(fn.preinit), checks=list(fn.checks),
                      pins=list(fn.pins))
        for eqn in self.eqns.values():
            eqn.params = {k: self.eqns.get(v, v) if isinstance(v, Eqn) else v
                          for k, v in eqn.params.items()}
        return new

    def block(self, block: Block | None) -> Block | None:
        if block is None:
            return None
        return Block([self.stmt(s) for s in block.stmts], self.atoms(block.results))

    def stmt(self, stmt):
        if isinstance(stmt, Eqn):
            new = replace(stmt, outs=self.atoms(stmt.outs), args=self.atoms(stmt.args),
                          kwargs={k: self.atom(v) for k, v in stmt.kwargs.items()},
                          params=dict(stmt.params))
            self.eqns[stmt] = new
            return new
        if isinstance(stmt, If):
            return replace(stmt, cond=self.atom(stmt.cond), then=self.block(stmt.then),
                           orelse=self.block(stmt.orelse), outs=self.atoms(stmt.outs))
        if isinstance(stmt, Loop):
            return replace(stmt, carried=self.atoms(stmt.carried), inits=self.atoms(stmt.inits),
                           bounds=self.atoms(stmt.bounds), index=self.atom(stmt.index),
                           cond=self.block(stmt.cond), body=self.block(stmt.body),
                           outs=self.atoms(stmt.outs), count=self.atom(stmt.count),
                           limit=self.atom(stmt.limit))
        raise not_a_statement(stmt)
