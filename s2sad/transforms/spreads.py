"""Cotangents of reductions with literal axes written as plain NumPy broadcasting.

The generic helpers look at shapes when they run; where the reduction's axes are
literals and shapes.py proves the shapes, kinds decide what they do:

* `rt.unbroadcast(g, r)`, r shaped like `red(a, axis=K, keepdims=True)` and g like
  a, is `np.sum(g, axis=K, keepdims=True)` (the axes of K where a has size 1 are
  summed too, which changes nothing), and of g = -h, `-np.sum(h, ...)`;
* `rt.sum_vjp(g, a, K, keepdims) * y`, g shaped like the sum and y like a, is
  `g * y` with keepdims, else `np.expand_dims(g, K) * y` (the spread of g is the
  broadcasting of the product);
* `rt.mean_vjp(g, b, None, False)` of a number g is the whole spread
  `rt.sum_vjp(g / b.size, b, None, False)`, and a spread `rt.sum_vjp(s, a, K, kd)` of
  such a whole spread s over b, b shaped like the reduction of a over K, is the
  whole spread of the same number over a (which `shapes._spread_sum` then makes a
  product of a number).

As in shapes.py, products are specialised for float64 arrays only (a FLOAT kind
may be a NumPy float64 when the code runs, which changes a float32 product's dtype);
the spreads' own dtype is a's float dtype, which float64 y keeps.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import Const, Eqn, Function, Var
from .reduced import normalized_axes
from .rewrite import replace_statements
from .shapes import SameShapes


def specialise_spreads(fn: Function, shapes: SameShapes) -> None:
    """Rewrite the reduction cotangents proved plain (module docstring) in place."""
    replace_statements(fn.body, lambda stmt: _plain(stmt, shapes))


def _plain(stmt, shapes: SameShapes):
    """The statements replacing `stmt` (None: `stmt`, perhaps changed in place)."""
    if not isinstance(stmt, Eqn) or len(stmt.outs) != 1 or stmt.kwargs:
        return None
    before = _summed(stmt, shapes) or _whole(stmt, shapes) or _spread_product(stmt, shapes)
    return before + [stmt] if before else None


def _float64_array(atom, ndim=None) -> bool:
    kind = kinds.kind_of(atom)
    return kind.tag == "array" and kind.dtype == "float64" and kind.ndim and \
        (ndim is None or kind.ndim == ndim)


def _float_array(atom, ndim: int) -> bool:
    kind = kinds.kind_of(atom)
    return kind.tag == "array" and kind.ndim == ndim and \
        np.issubdtype(np.dtype(kind.dtype), np.floating)


def _axis(axes: tuple):
    return Const(axes[0] if len(axes) == 1 else axes)


def _summed(eqn: Eqn, shapes: SameShapes):
    """`rt.unbroadcast(g, r)` -> `np.sum(g, axis=K, keepdims=True)`, changing `eqn`
    (-> None), or for g = -h, `-np.sum(h, ...)` (-> the sum's statement)."""
    if eqn.prim is not runtime.unbroadcast or len(eqn.args) != 2:
        return None
    g, r = eqn.args
    for red in shapes.reductions:
        if red.keepdims and shapes.same(r, red.out) and shapes.same(g, red.a) and \
                _float_array(g, kinds.kind_of(red.a).ndim) and \
                _float_array(r, kinds.kind_of(red.a).ndim):
            kwargs = {"axis": _axis(red.axes), "keepdims": Const(True)}
            made = shapes.defs.get(g) if isinstance(g, Var) else None
            if made is None or made.prim is not operator.neg or len(made.args) != 1:
                eqn.prim, eqn.args, eqn.kwargs = np.sum, [g], kwargs
                return None
            # the sum of -h is -(the sum of h): the negation on the reduced shape
            total = Var("sum", kinds.kind_of(g))
            eqn.prim, eqn.args = operator.neg, [total]
            return [Eqn([total], np.sum, [made.args[0]], kwargs, {}, eqn.loc, eqn.role)]
    return None


def _sum_vjp_args(atom, shapes: SameShapes):
    """(g, a, axes, keepdims) of the `rt.sum_vjp` with literal arguments defining
    `atom`, or None."""
    made = shapes.defs.get(atom) if isinstance(atom, Var) else None
    if made is None or made.prim is not runtime.sum_vjp or len(made.args) != 4:
        return None
    g, a = made.args[:2]
    axis, keepdims = (shapes.constant(x) for x in made.args[2:])
    kind = kinds.kind_of(a)
    if kind.tag != "array" or type(keepdims) is not bool:
        return None
    axes = normalized_axes(axis, kind.ndim) if axis is None or type(axis) in (int, tuple) \
        else None
    return None if axes is None else (g, a, axes, keepdims, axis is None)


def _reduced_over(r, a, axes, keepdims, shapes: SameShapes) -> bool:
    """Has r the shape of a reduction of (an array shaped like) a over `axes`?"""
    return any(red.axes == axes and red.keepdims == keepdims and shapes.same(r, red.out) and
               shapes.same(a, red.a) for red in shapes.reductions)


def _whole(eqn: Eqn, shapes: SameShapes):
    """mean_vjp of a number over every axis -> a whole spread; a spread of a whole
    spread -> a whole spread.  Returns the statements to put before `eqn`."""
    if eqn.prim is runtime.mean_vjp and len(eqn.args) == 4 and \
            shapes.constant(eqn.args[2]) is None and shapes.constant(eqn.args[3]) is False:
        g, b = eqn.args[:2]
        if kinds.kind_of(g) != kinds.FLOAT or not _float64_array(b):
            return None
        size, scaled = Var("size", kinds.INT), Var("g", kinds.kind_of(g))
        first = [Eqn([size], prims.method("size"), [b], {}, {"attribute": True}, eqn.loc,
                     eqn.role),   # (b.size, and rt.fdiv: an empty b's size is 0)
                 Eqn([scaled], runtime.fdiv, [g, size], {}, {}, eqn.loc, eqn.role)]
        eqn.prim, eqn.args = runtime.sum_vjp, [scaled, b, Const(None), Const(False)]
        shapes.define(first)      # (_size_from_parameter reads them)
        return first
    found = _sum_vjp_args(eqn.outs[0], shapes) if eqn.prim is runtime.sum_vjp else None
    if found is None or found[4]:
        return None
    spread, a, axes, keepdims, _ = found
    inner = _sum_vjp_args(spread, shapes)
    if inner is None or not inner[4] or inner[3] or not _float64_array(a) or \
            not _float64_array(inner[1]) or kinds.kind_of(inner[0]) != kinds.FLOAT or \
            not _reduced_over(inner[1], a, axes, keepdims, shapes):
        return None
    eqn.args = [inner[0], a, Const(None), Const(False)]
    return None


def _spread_product(eqn: Eqn, shapes: SameShapes):
    """`rt.sum_vjp(g, a, K, kd) * y` -> `g * y` or `np.expand_dims(g, K) * y`."""
    if eqn.prim is not operator.mul or len(eqn.args) != 2:
        return None
    for i in (0, 1):
        found = _sum_vjp_args(eqn.args[i], shapes)
        y = eqn.args[1 - i]
        if found is None or found[4]:
            continue
        g, a, axes, keepdims, _ = found
        ndim = kinds.kind_of(a).ndim
        if not (_float64_array(a, ndim) and _float64_array(y, ndim) and shapes.same(a, y)):
            continue
        if not _float_array(g, ndim if keepdims else ndim - len(axes)) or \
                not _reduced_over(g, a, axes, keepdims, shapes):
            continue
        if keepdims:
            eqn.args = [g, y] if i == 0 else [y, g]
            return None
        spread = Var("g", kinds.array(ndim, kinds.kind_of(g).dtype))
        eqn.args = [spread, y] if i == 0 else [y, spread]
        return [Eqn([spread], np.expand_dims, [g, _axis(axes)], {}, {}, eqn.loc, eqn.role)]
    return None
