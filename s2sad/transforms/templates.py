"""Instantiate a rule's term (a Python expression string) as IR equations.

Names in the term are looked up in `env` (parameter atoms, `g`, `ans`, tangents)
or are the modules `np`, `math`, `rt`, or builtins.  Multiplying by one and adding
zero are folded away so the generated code stays short.
"""
from __future__ import annotations

import ast
import builtins
import functools
import math
import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import Const, Eqn, Var
from .strong import is_tangent, strengthen

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_CMPOPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}


@functools.lru_cache(maxsize=None)
def parse(text: str):
    return ast.parse(text, mode="eval").body


def _modules():
    return {"np": np, "math": math, "rt": runtime}


class Emitter:
    """Appends equations for instantiated terms to `stmts`, with a location and role."""

    def __init__(self, stmts: list, loc=None, role="adjoint", tangents=None):
        self.stmts, self.loc, self.role = stmts, loc, role
        self.tuples: dict = {}   # Var built by BUILD_TUPLE -> its items, to fold t[i]
        self.defs: dict = {}     # Var -> the equation this emitter made for it
        # forward mode: the tangent Vars, and with them every Var computed from one;
        # products of a tangent by a primal factor become strong (strong.py)
        self.tangents: set | None = tangents

    def __call__(self, prim, args, kwargs=None, hint="t") -> Var:
        folded = _fold(prim, args)
        if folded is not None:
            return folded
        tangent = self.tangents is not None and any(
            is_tangent(a, self.tangents) for a in list(args) + list((kwargs or {}).values()))
        if tangent:
            prim, args = strengthen(prim, args, kwargs, self.tangents, self)
        peephole = _peephole(prim)
        if peephole is not None and not kwargs:
            rewritten = peephole(self, args, hint)
            if rewritten is not None:
                return rewritten
        if prim is operator.getitem and args[0] in self.tuples and isinstance(args[1], Const) \
                and isinstance(args[1].value, int):
            return self.tuples[args[0]][args[1].value]
        if prim in _SUMS and not kwargs:
            merged = _merge_sparse_sum(self, *args, hint=hint)
            if merged is not None:
                return merged
        out = Var(hint)
        eqn = Eqn([out], prim, list(args), dict(kwargs or {}), {}, self.loc, self.role)
        self.stmts.append(eqn)
        self.defs[out] = eqn
        if tangent:
            self.tangents.add(out)
        if prim is prims.BUILD_TUPLE:
            self.tuples[out] = list(args)
        return out

    def term(self, text: str, env: dict, hint="t"):
        return _Instantiator(self, env, hint).expr(parse(text))


_SUMS = (operator.add, runtime.accumulate)


def _merge_sparse_sum(emit, a, b, hint):
    """Sums of (co)tangents that touch one index of an array, without the dense zeros:

    * `acc + getitem_vjp(g, x, i)` (reverse mode of `x[i]`) is `add_at(acc, i, g)`
      (x an array, or a list or tuple with an int i);
    * `setitem(t, i, 0) + setitem(zeros_like(x), i, v)` (forward mode of `y[i] = v`)
      is `setitem(t, i, v)`, and `appended(t, 0) + appended(zeros_like(x), v)`
      (forward mode of `items.append(v)`) is `appended(t, v)`;
    * `concat_items(s, zeros_like(b)) + concat_items(zeros_like(a), t)` (forward mode
      of `a + b` on lists) is `concat_items(s, t)`.
    """
    da, db = emit.defs.get(a), emit.defs.get(b)
    for acc, other in ((a, db), (b, da)):
        if other is not None and other.prim is runtime.getitem_vjp and \
                _scatters_into(other.args[1], other.args[2]):
            g, _, index = other.args
            return emit(runtime.add_at, [acc, index, g], hint=hint)
    if da is None or db is None or da.prim is not db.prim or \
            da.prim not in (runtime.setitem, runtime.appended, runtime.concat_items) or \
            not _is_zeros(emit, da.args[-1]) or not _is_zeros(emit, db.args[0]) or \
            len(da.args) != len(db.args) or \
            any(a is not b for a, b in zip(da.args[1:-1], db.args[1:-1])):
        return None
    return emit(da.prim, [da.args[0]] + da.args[1:-1] + [db.args[-1]], hint=hint)


def _is_zeros(emit, atom) -> bool:
    return _is(atom, 0) or atom in emit.defs and emit.defs[atom].prim is runtime.zeros_like


def _scatters_into(container, index) -> bool:
    """`x[index]` of an array, or an int index of a list or tuple (whose cotangent
    is a list or tuple of per-item cotangents)."""
    kind = getattr(container, "kind", None)
    if kind is None:
        return False
    if kind.tag == "array":
        return bool(kind.ndim)
    index_kind = index.kind if isinstance(index, Var) else None
    int_index = index_kind == kinds.INT or isinstance(index, Const) and type(index.value) is int
    return kind.tag in ("list", "listof", "tuple", "tupleof") and int_index


def _is(atom, value) -> bool:
    return isinstance(atom, Const) and not hasattr(atom, "name") and \
        isinstance(atom.value, (int, float)) and not isinstance(atom.value, bool) and \
        atom.value == value


def _pow_dx_const(emit, args, hint):
    """d x**c / dx for a literal integer c >= 1 is c * x**(c - 1): no helper needed."""
    x, c = args
    if not (_is_int_literal(c) and c.value >= 1):
        return None
    if c.value == 1:
        return Const(1.0)
    power = x if c.value == 2 else emit(operator.pow, [x, Const(c.value - 1)], hint=hint)
    return emit(operator.mul, [Const(float(c.value)), power], hint=hint)


def _is_int_literal(atom) -> bool:
    return isinstance(atom, Const) and not hasattr(atom, "name") and \
        type(atom.value) is int


_PEEPHOLES: dict | None = None


def _peephole(prim):
    """A rewrite of calls to `prim` into plainer code, where one applies."""
    global _PEEPHOLES
    if _PEEPHOLES is None:
        _PEEPHOLES = {runtime.pow_dx: _pow_dx_const}
    try:
        return _PEEPHOLES.get(prim)
    except TypeError:   # unhashable callables have no peephole
        return None


def _fold(prim, args):
    if prim is operator.mul:
        a, b = args
        if _is(a, 1):
            return b
        if _is(b, 1):
            return a
    if prim is operator.add:
        a, b = args
        if _is(a, 0):
            return b
        if _is(b, 0):
            return a
    if prim is operator.neg and isinstance(args[0], Const) and isinstance(args[0].value, (int, float)) \
            and not hasattr(args[0], "name"):
        return Const(-args[0].value)
    return None


class _Instantiator:
    def __init__(self, emit: Emitter, env: dict, hint: str):
        self.emit, self.env, self.hint = emit, env, hint
        self.modules = _modules()

    def expr(self, node):
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Constant(self, node):
        return Const(node.value)

    def _Name(self, node):
        if node.id in self.env:
            return self.env[node.id]
        if node.id in self.modules:
            return Const(self.modules[node.id])
        return Const(getattr(builtins, node.id))

    def _Attribute(self, node):
        base = self.expr(node.value)
        if isinstance(base, Const):
            return Const(getattr(base.value, node.attr))
        return self._attr(base, node.attr)

    def _attr(self, base, attr):
        out = self.emit(prims.method(attr), [base], hint=self.hint)
        if isinstance(out, Var):
            self.emit.stmts[-1].params["attribute"] = True
        return out

    def _BinOp(self, node):
        return self.emit(_BINOPS[type(node.op)], [self.expr(node.left), self.expr(node.right)],
                         hint=self.hint)

    def _UnaryOp(self, node):
        prim = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}[type(node.op)]
        return self.emit(prim, [self.expr(node.operand)], hint=self.hint)

    def _Compare(self, node):
        return self.emit(_CMPOPS[type(node.ops[0])], [self.expr(node.left),
                                                      self.expr(node.comparators[0])], hint=self.hint)

    def _Call(self, node):
        fn = self.expr(node.func)
        args = [self.expr(a) for a in node.args]
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords}
        if isinstance(fn, Const):
            return self.emit(fn.value, args, kwargs, hint=self.hint)
        raise ValueError("rule terms may only call named functions")

    def _Subscript(self, node):
        return self.emit(operator.getitem, [self.expr(node.value), self.expr(node.slice)],
                         hint=self.hint)

    def _Tuple(self, node):
        return self.emit(prims.BUILD_TUPLE, [self.expr(e) for e in node.elts], hint=self.hint)

    def _Slice(self, node):
        parts = [self.expr(p) if p is not None else Const(None)
                 for p in (node.lower, node.upper, node.step)]
        return self.emit(prims.BUILD_SLICE, parts, hint=self.hint)

    def _IfExp(self, node):
        raise ValueError("rule terms may not use conditional expressions; use np.where")
