"""Forms the lowerer hands to this mixin: operator chains nested deeper than Python's
recursion allows, generator expressions, f-strings, and the statements `raise`,
`assert`, `global` and `nonlocal`.

*Chains.*  `x*0 + x*1 + ... + x*999` is a BinOp 999 levels deep.  When `expr` meets
a chain (binary and unary operators, comparisons, the first operand of `and`/`or`)
nested deeper than CHAIN_DEPTH, `lower_ahead` lowers its parts in Python's
evaluation order with an explicit stack and keeps their atoms; the handlers of the
enclosing operators then find their operands already lowered (`lowered_ahead`).

*Generator expressions* are arguments of a call (the fence allows them nowhere
else): `sum(v * v for v in xs)` is lowered like `sum([v * v for v in xs])`, the list
comprehension's loop.

*f-strings* become one FORMAT equation whose first argument is a `str.format`
template with the conversions and constant format specs of the f-string (the same
text: both format each value with `format(value, spec)` after `!s`/`!r`/`!a`).

*`raise` and `assert`* are effects (RAISE, ASSERT equations) raised where the
function would raise; *`global`/`nonlocal`* names are only read (the fence refuses
writes), when the derivative runs.
"""
from __future__ import annotations

import builtins
import operator

import gast
import numpy as np

from . import prims
from .deep_ast import postorder
from .errors import UnsupportedSyntaxError
from .ir_nodes import Const, Global
from .parsing import to_source

CHAIN_DEPTH = 32     # chains up to this depth are lowered by plain recursion
_CHAINS = (gast.BinOp, gast.UnaryOp, gast.Compare, gast.BoolOp)
_CONVERSIONS = {-1: "", 115: "!s", 114: "!r", 97: "!a"}
# Functions that iterate over an argument once, the same for a generator and a list.
CONSUMERS = tuple(getattr(builtins, n) for n in (
    "sum", "min", "max", "any", "all", "list", "tuple", "sorted", "enumerate", "zip",
    "map", "filter", "dict", "set", "frozenset")) + (np.fromiter,)


def _operands(node) -> list:
    """The parts of a chain node Python always evaluates first, in order."""
    if isinstance(node, gast.BinOp):
        return [node.left, node.right]
    if isinstance(node, gast.UnaryOp):
        return [node.operand]
    if isinstance(node, gast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, gast.BoolOp):
        return [node.values[0]]     # the others are evaluated only when needed
    return []


def _deeper_than(root, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in _operands(node))
    return False


def _is_static(atom) -> bool:
    return isinstance(atom, Const) and not isinstance(atom, Global)


class SyntaxForms:
    """Mixin of `ExpressionLowerer` (see the module docstring)."""

    def lowered_ahead(self, node):
        """The atom of `node` when a deep chain lowered it ahead; else None (and, when
        `node` starts a deep chain, its operands are lowered ahead now)."""
        ahead = vars(self).setdefault("_ahead", {})
        if id(node) in ahead:
            return ahead.pop(id(node))
        if isinstance(node, _CHAINS) and _deeper_than(node, CHAIN_DEPTH):
            self.lower_ahead(node)
        return None

    def lower_ahead(self, root) -> None:
        """Lower the parts of the chain `root` (not `root` itself), operands first."""
        for node in postorder(root, _operands)[:-1]:
            handler = getattr(self, "expr_" + type(node).__name__) \
                if isinstance(node, _CHAINS) else self.expr
            self._ahead[id(node)] = handler(node, "t")

    # ---- statements: raise, assert, global, nonlocal ------------------------

    def stmt_Assert(self, stmt, live):
        """`assert c` and `assert c, "text"`: an ASSERT effect."""
        if not __debug__:       # `python -O` drops the user's asserts too
            return
        if stmt.msg is None or isinstance(stmt.msg, gast.Constant):
            args = [self.expr(stmt.test)] + ([self.expr(stmt.msg)] if stmt.msg else [])
            self.emit(prims.ASSERT, args, params={"effect": True})
            return
        # `assert c, msg` evaluates msg only when c is false: `if not c: raise ...(msg)`
        failed = self.emit(operator.not_, [self.expr(stmt.test, "cond")], hint="failed")

        def fail():
            error = self.emit(AssertionError, [self.expr(stmt.msg, "message")], hint="error")
            self.emit(prims.RAISE, [error], params={"effect": True})
            return True
        self.branch(failed, fail, lambda: False, live)

    def stmt_Raise(self, stmt, live):
        """`raise E(...)` is an effect: the derivative raises the same exception where
        the function would (in reverse mode in the forward sweep, before any adjoint
        runs); the statements after it are never reached."""
        args = [self.expr(stmt.exc, "error")] + \
            ([self.expr(stmt.cause, "cause")] if stmt.cause is not None else [])
        self.emit(prims.RAISE, args, params={"effect": True})
        return True

    def stmt_Global(self, stmt, live):
        """`global G`: G is read like any global, when the derivative runs (the fence
        refused writes).  In an inlined def it hides a local G of the caller."""
        for name in stmt.names:
            self.env.pop(name, None)

    def stmt_Nonlocal(self, stmt, live):
        """`nonlocal v`: v is the enclosing function's (a cell, or, in an inlined def,
        the caller's variable); only read (the fence refused writes)."""

    # ---- expressions -----------------------------------------------------------

    def expr_GeneratorExp(self, node, hint):
        return self.expr_ListComp(node, hint)

    def check_generator_arguments(self, call, local) -> None:
        """A generator expression is lowered as a list, which is the same thing only
        to a function that iterates over it once: CONSUMERS, `str.join` and inlined
        local functions.  Elsewhere (NumPy takes a generator as one object: np.array
        makes a 0-d object array of it, np.stack raises) it is refused."""
        generators = [a for a in call.args if isinstance(a, gast.GeneratorExp)]
        if not generators or local is not None or \
                isinstance(call.func, gast.Attribute) and call.func.attr == "join":
            return
        ok, fn = self.static_value(call.func)
        if ok and any(fn is c for c in CONSUMERS):
            return
        raise UnsupportedSyntaxError(
            [(self.parsed.loc(generators[0]), f"a generator expression passed to "
              f"'{to_source(call.func).strip()}', which does not just iterate over it once")],
            fix="pass a list comprehension (`[... for ...]`) instead; generator expressions "
                "are lowered only as arguments of " +
                ", ".join(getattr(c, "__name__", "?") for c in CONSUMERS) + " and str.join")

    def expr_JoinedStr(self, node, hint):
        template, atoms = self.format_template(node)
        if all(_is_static(a) for a in atoms):
            return Const(template.format(*(a.value for a in atoms)))
        return self.emit(prims.FORMAT, [Const(template)] + atoms, hint="text")

    def format_template(self, node) -> tuple:
        """(`str.format` template, atoms of its fields) of a JoinedStr."""
        template, atoms = [], []
        for part in node.values:
            if not isinstance(part, gast.FormattedValue):
                template.append(part.value.replace("{", "{{").replace("}", "}}"))
                continue
            atoms.append(self.expr(part.value))
            field = "{" + _CONVERSIONS[part.conversion]
            if part.format_spec is not None:
                spec_template, spec_atoms = self.format_template(part.format_spec)
                if spec_atoms:          # `{x:{width}.{digits}f}`: nested fields
                    field += ":" + spec_template
                    atoms += spec_atoms
                else:
                    spec = spec_template.replace("{{", "{").replace("}}", "}")
                    if "{" in spec or "}" in spec:
                        field += ":{}"
                        atoms.append(Const(spec))
                    else:
                        field += ":" + spec
            template.append(field + "}")
        return "".join(template), atoms
