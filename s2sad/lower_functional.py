"""Higher-order functions lowered by the lowerer: `functools.partial`, `map` and
`functools.reduce` with user functions (defined at module level, nested, lambdas,
partials of them, or passed in).

*`functools.partial(f, a, k=v)`* is no value in the IR: it is kept while lowering
(a Partial, like a nested def) with the atoms of its arguments, evaluated where it
is made, and a call of it is the call `f(a, ..., k=v, ...)`.  Using it as a value
other than by calling it (returning it, passing it on) is refused.

*`map(f, xs, ys)`* is lowered as the list `[f(x, y) for x, y in zip(xs, ys)]`, with
`f`, `xs` and `ys` evaluated once, first; that is the same thing only where the map
object is iterated once: an argument of a function in lower_forms.CONSUMERS (`list`,
`sum`, `tuple`, ...) or the iterable of a loop.  Elsewhere `map` stays a call, and
differentiating through it is refused by its rule.

*`functools.reduce(f, xs[, init])`* is the loop `acc = init` (or `xs[0]`), `for x in
xs (or xs[1:]): acc = f(acc, x)`.
"""
from __future__ import annotations

import builtins
import functools

import gast

from .errors import UnsupportedSyntaxError
from .ir_nodes import Const, Global, Var
from .lower_calls import _named
from .lower_expr import LocalFunction
from .lower_forms import CONSUMERS


class Partial(LocalFunction):
    """`functools.partial(callee, *args, **kwargs)` while lowering: `callee` is a
    LocalFunction, a function known when lowering, or an atom (a function passed in).
    Like a local function, it can only be called (expr_Name refuses it as a value)."""

    def __init__(self, callee, args: list, kwargs: dict):     # noqa: super: no node
        self.callee, self.args, self.kwargs = callee, args, kwargs
        self.node, self.defaults = None, []
        self.name = f"functools.partial({getattr(callee, '__name__', 'f')}, ...)"


def _name(name: str, store: bool = False):
    return gast.Name(id=name, ctx=gast.Store() if store else gast.Load(), annotation=None,
                     type_comment=None)


def _located(tree, node):
    for part in gast.walk(tree):
        if isinstance(part, (gast.expr, gast.stmt)):
            gast.copy_location(part, node)
    return tree


class FunctionalForms:
    """Mixin of the lowerer (see the module docstring)."""

    @property
    def consumed(self) -> set:
        """ids of the `map(...)` nodes iterated once where they are used."""
        return self.__dict__.setdefault("_consumed", set())

    def emit(self, prim, args, kwargs=None, hint="t", params=None, node=None):
        for atom in list(args) + list((kwargs or {}).values()):
            if isinstance(atom, Const) and isinstance(atom.value, Partial):
                raise UnsupportedSyntaxError(
                    [(self.parsed.loc(node) if node is not None else self.loc,
                      "a functools.partial is used as a value here; s2sad lowers a partial "
                      "only where it is called (or mapped)")],
                    fix="call the function with all its arguments, or pass the bound "
                        "arguments on separately")
        return super().emit(prim, args, kwargs, hint, params, node)

    def functional_call(self, node, hint):
        """The atom of `node` when it is a call of a partial, `functools.partial(...)`,
        a consumed `map(...)` or `functools.reduce(...)`; else None."""
        partial = self._bound_partial(node.func)
        if partial is not None:
            return self._call_partial(partial, node, hint)
        ok, fn = self.static_value(node.func)
        if not ok:
            return None
        if any(fn is c for c in CONSUMERS):
            self.consumed.update(id(a) for a in node.args)
        if fn is functools.partial and node.args and \
                not any(isinstance(a, gast.Starred) for a in node.args[:1]):
            return Const(self._make_partial(node))
        if fn is builtins.map and id(node) in self.consumed and len(node.args) > 1 and \
                not node.keywords and not any(isinstance(a, gast.Starred) for a in node.args):
            return self._map(node, hint)
        if fn is functools.reduce and len(node.args) in (2, 3) and not node.keywords and \
                not any(isinstance(a, gast.Starred) for a in node.args):
            return self._reduce(node)
        return None

    def _bound_partial(self, func):
        if isinstance(func, gast.Name) and func.id in self.env:
            value = self.env[func.id]
            if isinstance(value, Const) and isinstance(value.value, Partial):
                return value.value
        if isinstance(func, gast.Call):
            ok, fn = self.static_value(func.func)
            if ok and fn is functools.partial:
                return self._make_partial(func)
        return None

    def _function_value(self, node):
        """What a function argument (of partial, map, reduce) evaluates to, as an atom
        (a local function is a Const of it, a partial a Const of the Partial)."""
        local = self.local_callee(node)
        return Const(local) if local is not None else self.expr(node, "fn")

    def _make_partial(self, node) -> Partial:
        callee = self._function_value(node.args[0])
        args, kwargs = self.items(node.args[1:]), self.keywords(node)
        if isinstance(callee, Const) and not isinstance(callee, Global):
            callee = callee.value
            if isinstance(callee, Partial):             # a partial of a partial
                return Partial(callee.callee, callee.args + args, {**callee.kwargs, **kwargs})
        return Partial(callee, args, kwargs)

    def _call_partial(self, partial, node, hint):
        args = partial.args + self.items(node.args)
        kwargs = {**partial.kwargs, **self.keywords(node)}
        callee = partial.callee
        if isinstance(callee, LocalFunction):
            return _named(self.inline(callee, args, kwargs, node), hint)
        if isinstance(callee, (Var, Global)):                # a function passed in
            return self.call_value(callee, args, kwargs, hint, node)
        return self.call_known(callee, args, kwargs, hint, node)

    def _hidden(self, prefix: str, value) -> str:
        self.comprehensions += 1
        name = f".{prefix}{self.comprehensions}"
        self.env[name] = value
        return name

    def _map(self, node, hint):
        fn = self._hidden("mapf", self._function_value(node.args[0]))
        seqs = [self._hidden("maps", self.expr(a, "seq")) for a in node.args[1:]]
        items = [f".mapv{self.comprehensions}_{i}" for i in range(len(seqs))]
        target = _name(items[0], True) if len(items) == 1 else \
            gast.Tuple(elts=[_name(v, True) for v in items], ctx=gast.Store())
        source = _name(seqs[0]) if len(seqs) == 1 else gast.Call(
            func=_name(self._hidden("zip", Const(builtins.zip))), args=[_name(s) for s in seqs],
            keywords=[])
        comp = gast.ListComp(
            elt=gast.Call(func=_name(fn), args=[_name(v) for v in items], keywords=[]),
            generators=[gast.comprehension(target=target, iter=source, ifs=[], is_async=0)])
        result = self.expr_ListComp(_located(comp, node), hint if hint != "t" else "mapped")
        for name in [fn, f".zip{self.comprehensions}"] + seqs:
            self.env.pop(name, None)
        return result

    def _reduce(self, node):
        fn = self._hidden("redf", self._function_value(node.args[0]))
        seq = self._hidden("reds", self.expr(node.args[1], "seq"))
        acc, item = f".reda{self.comprehensions}", f".redv{self.comprehensions}"
        rest = _name(seq)
        if len(node.args) == 3:
            self.env[acc] = self.expr(node.args[2], "init")
        else:
            first = gast.Subscript(value=_name(seq), slice=gast.Constant(value=0, kind=None),
                                   ctx=gast.Load())
            self.env[acc] = self.expr_Subscript(_located(first, node), "acc")
            rest = gast.Subscript(value=_name(seq), ctx=gast.Load(), slice=gast.Slice(
                lower=gast.Constant(value=1, kind=None), upper=None, step=None))
        step = gast.Assign(targets=[_name(acc, True)], type_comment=None, value=gast.Call(
            func=_name(fn), args=[_name(acc), _name(item)], keywords=[]))
        loop = gast.For(target=_name(item, True), iter=rest, body=[step], orelse=[],
                        type_comment=None)
        self.lower_stmt(_located(loop, node), {acc})
        result = self.env.pop(acc)
        for name in (fn, seq, item):
            self.env.pop(name, None)
        return result
