"""Calls, lowered: the call half of the expression lowerer.

`CallLowering` is a base of `lower_expr.ExpressionLowerer`: it lowers `f(...)` for
every kind of callee -- a local function (inlined), a user function (its arguments
bound to its parameters, *args packed in a tuple and **kwargs in a dict, `f(**d)`
expanded when d's keys are known), a function s2sad made (`s2sad.grad(f)(x)`), a
library function with a rule, a method, a method of a distribution frozen in the
function (`norm(m, s).logpdf(x)`, lowered as `norm.logpdf(x, m, s)`), a value called
at run time -- and refuses calls that would change a value in place.  It works on the
lowerer's state (`env`, `stmts`, `library_calls`, `parsed`, `param_kinds`) and calls
its `expr`, `emit`, `static_value`, `local_callee` and `inline`.
"""
from __future__ import annotations

import builtins
import operator
import sys

import gast
import numpy as np

from . import mutation, prims, runtime
from .aliasing import hashable
from .callables import (is_derivative, is_library_callable, is_library_method, is_user_class,
                        is_user_function, signature)
from .compose import function_of, needs_adapter
from .errors import UnsupportedSyntaxError
from .ir_nodes import Const, Eqn, Global, Var
from .parsing import to_source
from .rules import lookup

# Generated code (differentiated again by hessian/hvp) may call in-place variants of the
# functional updates; in IR they are the functional ones (the in-place pass decides anew).
_FUNCTIONAL = {runtime.setitem_inplace: runtime.setitem,
               runtime.appended_inplace: runtime.appended,
               runtime.add_at_inplace: runtime.add_at,
               runtime.without_last_inplace: runtime.without_last}


class CallLowering:
    """The call half of the expression lowerer (see the module docstring)."""

    def items(self, nodes) -> list:
        """The atoms of a display's or a call's items, `*t` expanded into t's items."""
        atoms = []
        for node in nodes:
            if not isinstance(node, gast.Starred):
                atoms.append(self.expr(node))
                continue
            value = self.expr(node.value)
            length = self._static_length(value)
            if length is None:
                raise UnsupportedSyntaxError(
                    [(self.parsed.loc(node), "`*` unpacking of a value whose length is not "
                                             "known when the function is compiled")],
                    fix="unpack a tuple or list built in the function or passed as *args, or "
                        "pass the items one by one (`x[0], x[1]`)")
            parts = self._tuple_parts(value, lists=True)
            atoms += list(parts) if parts is not None else \
                [self.emit(operator.getitem, [value, Const(i)], hint="item") for i in range(length)]
        return atoms

    def _static_length(self, value):
        parts = self._tuple_parts(value, lists=True)
        if parts is not None:
            return len(parts)
        kind = self.static_kind(value)      # a parameter's, an item's, a helper's result's
        if kind is not None and kind.tag in ("tuple", "list"):
            return len(kind.items)
        return None

    def expr_Call(self, node, hint):
        if (done := self.functional_call(node, hint)) is not None:    # lower_functional.py
            return done
        local = self.local_callee(node.func)
        self.check_generator_arguments(node, local)
        args = self.items(node.args)
        kwargs = self.keywords(node)
        if local is not None:
            return _named(self.inline(local, args, kwargs, node), hint)
        ok, fn = self.static_value(node.func)
        if ok:
            return self.call_known(fn, args, kwargs, hint, node)
        has_out = _has_out(kwargs)
        if isinstance(node.func, gast.Attribute):
            obj = self.expr(node.func.value)
            attr = node.func.attr
            frozen = self.frozen_call(obj, attr, args, kwargs, node)
            if frozen is not None:
                return frozen
            # `np.add.at(y, idx, v)` and friends update `y` in place
            ufunc_at = attr == "at" and isinstance(obj, Const) and isinstance(obj.value, np.ufunc)
            self.refuse_mutation(node, "`y = y.copy(); y[idx] += v` on a copy" if ufunc_at else
                                 mutation.writes_into_argument(None, has_out),
                                 f"'{to_source(node.func).strip()}(...)' writes into an "
                                 "argument in place")
            out = self.emit(prims.method(attr), [obj] + args, kwargs,
                            hint=hint if hint != "t" else attr, node=node)
            if attr in mutation.MUTATING_METHODS:
                self.check_not_mutating_method(obj, attr, node)
            return out
        # A function passed in or picked at run time (`rhs(t, y)` with `rhs` a
        # parameter): resolved once kinds know which function it is (resolve_methods).
        return self.call_value(self.expr(node.func), args, kwargs, hint, node)

    def call_known(self, fn, args, kwargs, hint, node) -> Var:
        """`fn(*args, **kwargs)` for a function known when lowering (`node` is the call)."""
        has_out = _has_out(kwargs)
        if getattr(fn, "__s2sad_operator__", None) == "value":
            fn, args = self.value_operator(fn, args, node)
        fn = _FUNCTIONAL.get(fn, fn) if hashable(fn) else fn
        name = getattr(fn, "__name__", "t")
        self.refuse_mutation(node, mutation.writes_into_argument(fn, has_out),
                             f"'{to_source(node.func).strip()}(...)' writes into an "
                             "argument in place")
        if fn is builtins.dict and not args and kwargs:     # dict(a=x) is {'a': x}
            return self.emit(runtime.build_dict, [Const(tuple(kwargs))] + list(kwargs.values()),
                             hint=hint if hint != "t" else "record", node=node)
        if is_user_class(type(fn)) and callable(fn) and not is_library_callable(fn):
            # a global `model(x)` (not a compiled library function such as Cython's
            # np.random.default_rng, whose type no library module defines)
            return self.call_value(Const(fn), args, kwargs, hint, node)
        if is_user_function(fn) or is_derivative(fn) and not needs_adapter(fn):
            args, kwargs = self.bind_call(fn, args, kwargs, node), {}
        out = self.emit(fn, args, kwargs, hint=hint if hint != "t" else name, node=node)
        if is_library_method(fn, "__call__"):        # `norm(m, s)`: a frozen distribution
            self.library_calls[out] = self.stmts[-1]
        if is_user_function(fn):
            self.note_fresh_result(fn, out)
        return out

    def value_operator(self, operator_fn, args, node):
        """`s2sad.jvp(f, primals, tangents)` and `s2sad.hvp(...)` inside the function:
        (a function s2sad made of the known `f`, the remaining arguments)."""
        name = f"s2sad.{operator_fn.__name__}"
        if not args or not isinstance(args[0], Const) or isinstance(args[0], Global) or \
                not callable(args[0].value):
            raise UnsupportedSyntaxError(
                [(self.parsed.loc(node), f"{name} is called here with a function that is not "
                                         "known when the derivative is generated")],
                fix="pass a function defined at module level (or a global name for it)")
        made, refusal = function_of(operator_fn, args[0].value)
        if refusal:
            raise UnsupportedSyntaxError([(self.parsed.loc(node), f"{name} {refusal[0]}")],
                                         fix=refusal[1])
        return made, args[1:]

    def frozen_call(self, obj, attr, args, kwargs, node):
        """`norm(loc, scale).logpdf(x)`, a method with a rule of a distribution frozen in
        the function, as the call `norm.logpdf(x, loc, scale)`; None for other calls.  A
        frozen distribution made elsewhere is refused (its parameters are not seen)."""
        made = self.library_calls.get(obj) if isinstance(obj, Var) else None
        dist = made.prim if made is not None else _frozen_from(getattr(obj, "value", None))
        if dist is None or isinstance(dist, type) or not hashable(dist) or \
                not is_library_method(dist, attr) or lookup(getattr(dist, attr)) is None:
            return None
        call = f"{type(dist).__name__.removesuffix('_gen')}.{attr}(x, ...)"
        if made is None or len(args) != 1 or kwargs:
            raise UnsupportedSyntaxError(
                [(self.parsed.loc(node), f"'{to_source(node.func).strip()}(...)': a method of a "
                  "frozen distribution is differentiated only when the distribution is made in "
                  "the same function and the method is given x alone")],
                fix=f"call the distribution's method with its parameters: `{call}` (as "
                    "`scipy.stats.norm.logpdf(x, loc, scale)`)")
        return self.emit(getattr(dist, attr), [args[0]] + list(made.args), dict(made.kwargs),
                         hint=attr, node=node)

    def call_value(self, callee, args, kwargs, hint, node) -> Var:
        """`callee(*args, **kwargs)` as the `__call__` method of the value `callee`."""
        return self.emit(prims.method("__call__"), [callee] + args, kwargs,
                         hint=hint if hint != "t" else getattr(callee, "hint", "called"),
                         node=node)



    def _tuple_parts(self, value, lists=False):
        """The items of a tuple (or, with `lists`, a list) built in this function, or None."""
        if isinstance(value, tuple):
            return value
        built = (prims.BUILD_TUPLE, prims.BUILD_LIST) if lists else (prims.BUILD_TUPLE,)
        prim, args = self._maker(value)
        return tuple(args) if prim in built else None

    def _maker(self, value) -> tuple:
        """(prim, args) of the equation in this function that made `value` (in this
        block, or a display in an enclosing one), or (None, ())."""
        for stmt in reversed(self.stmts):
            if isinstance(stmt, Eqn) and stmt.outs[0] is value:
                return stmt.prim, stmt.args
        return self._defs.get(value, (None, ())) if isinstance(value, Var) else (None, ())

    def keywords(self, node) -> dict:
        """The keyword arguments of a call, `**d` expanded into d's items (d a dict
        whose keys are known when the function is compiled: a `**kwargs` parameter)."""
        kwargs = {}
        for keyword in node.keywords:
            value = self.expr(keyword.value)
            if keyword.arg is not None:
                kwargs[keyword.arg] = value
                continue
            built = self._dict_parts(value)
            if built is not None:
                kwargs.update(built)
                continue
            kind = self.param_kinds.get(value)
            if kind is None or kind.tag != "dict":
                raise UnsupportedSyntaxError(
                    [(self.parsed.loc(keyword.value), "`**` unpacking of a value whose keys are "
                                                      "not known when the function is compiled")],
                    fix="pass the keyword arguments by name, or pass on a **kwargs parameter")
            for key, _ in kind.items:
                kwargs[key] = self.emit(operator.getitem, [value, Const(key)], hint=str(key))
        return kwargs

    def _dict_parts(self, value):
        """{key: atom} of a dict display built in this function, or None."""
        prim, args = self._maker(value)
        if prim is not runtime.build_dict:
            return None
        keys = args[0]
        if not isinstance(keys, Const):     # a tuple display (in generated code)
            parts = self._tuple_parts(keys)
            if parts is None or not all(isinstance(k, Const) and not isinstance(k, Global)
                                        for k in parts):
                return None
            keys = Const(tuple(k.value for k in parts))
        return dict(zip(keys.value, args[1:], strict=True))

    def bind_call(self, fn, args, kwargs, node) -> list:
        """All parameters of a user function's call, in order (defaults as constants)."""
        try:
            bound = signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise _bind_error(self.parsed, node, fn, exc) from None
        bound.apply_defaults()
        for p in signature(fn).parameters.values():
            if p.kind is p.VAR_KEYWORD:      # **kwargs arrive as one dict
                extra = bound.arguments.get(p.name, {})
                bound.arguments[p.name] = self.emit(runtime.build_dict, [Const(tuple(extra))]
                                                    + list(extra.values()), hint=p.name, node=node)
            if p.kind is p.VAR_POSITIONAL:   # *args arrive as one tuple
                bound.arguments[p.name] = self.emit(prims.BUILD_TUPLE,
                                                    list(bound.arguments[p.name]),
                                                    hint=p.name, node=node)
        return [v if isinstance(v, (Var, Const)) else Const(v) for v in bound.arguments.values()]


def _has_out(kwargs) -> bool:
    """An `out=` argument other than None: the call writes into it."""
    out = kwargs.get("out")
    return out is not None and not (isinstance(out, Const) and out.value is None)


def _frozen_from(value):
    """The scipy.stats distribution a frozen one made elsewhere (`norm(0, 2)`) comes from."""
    stats = sys.modules.get("scipy.stats")
    if stats is None or not type(value).__module__.startswith("scipy.stats"):
        return None
    made_by = type(getattr(value, "dist", getattr(value, "_dist", None)))
    return next((v for v in vars(stats).values() if type(v) is made_by), None)


def _named(atom, hint):
    if isinstance(atom, Var) and atom.hint in ("value", "retval") and hint != "t":
        atom.hint = hint
    return atom


def _bind_error(parsed, node, fn, exc):
    return UnsupportedSyntaxError([(parsed.loc(node), f"call to '{fn.__name__}' does not match "
                                    f"its parameters: {exc}")])
