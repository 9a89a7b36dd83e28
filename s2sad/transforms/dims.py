"""Dimension facts of a derivative specialised on a shape pattern (variants.py).

A pattern gives each array parameter's dimensions as class ids: 1 for a size-1
dimension, equal ids for equal sizes, different ids for different sizes, all true for
every call that runs the code (dispatch.ShapeVariants runs it only for calls whose
shapes have the pattern).  `derive` carries those ids to the values computed from the
parameters: elementwise operations broadcast them (a dimension proved not 1 against an
unknown one gives that dimension: the unknown one is 1 or equal to it), matrix
products give (a, b) @ (b, c) -> (a, c), helpers shaped like an argument take its
dims.  A dimension nothing proves is None.  Only facts about the value an equation
defines are derived, never facts about its arguments ("this product ran, so these
dimensions are equal"): a value's facts then hold wherever the value exists, whatever
statements are removed or not run.

`unbroadcast_axes` uses them to decide `rt.unbroadcast(g, x)` when the code is made,
and `plain_unbroadcast` replaces the helper by the sums it does for those shapes.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import Const, Eqn, Var
from ..variants import ONE

_BINARY = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow,
           operator.floordiv, operator.mod, runtime.plus, runtime.accumulate,
           runtime.pow_dx, runtime.fdiv}
_UNARY = {operator.neg, operator.pos, abs}
# functions of one argument whose result has its shape
SHAPED_LIKE_FIRST = {np.zeros_like, np.ones_like, np.empty_like, runtime.zeros_like}
# helpers whose result has the shape of their second argument
SHAPED_LIKE_SECOND = {runtime.unbroadcast, runtime.cast_like, runtime.sum_vjp,
                      runtime.mean_vjp, runtime.extremum_vjp, runtime.getitem_vjp}
_TRANSPOSE = prims.method("T")


_DECIDED = (runtime.unbroadcast, runtime.mean_vjp, runtime.sum_vjp, runtime.matmul_vjp_a,
            runtime.matmul_vjp_b)


def may_decide(stmt) -> bool:
    """Might a shape pattern decide the helper `stmt` calls (so that the code made
    for a pattern is worth making)?  Helpers of arrays whose shapes it may relate."""
    if not isinstance(stmt, Eqn) or stmt.prim not in _DECIDED or len(stmt.args) < 2:
        return False
    return all(kinds.kind_of(a).tag == "array" and kinds.kind_of(a).ndim
               for a in stmt.args[:2])


def elementwise(prim, n: int) -> bool:
    """Is `prim` an elementwise (broadcasting) function of `n` arguments?"""
    if isinstance(prim, np.ufunc):      # (not generalised ufuncs such as np.matmul)
        return prim.nin == n and prim.nout == 1 and prim.signature is None
    return prim in (_BINARY if n == 2 else _UNARY)


def _not_one(label) -> bool:
    return label is not None and label != ONE


def broadcast(da: tuple, db: tuple) -> tuple:
    """The dims of an elementwise result of operands of dims `da` and `db`."""
    n = max(len(da), len(db))
    pad_a, pad_b = n - len(da), n - len(db)
    da, db = (None,) * pad_a + da, (None,) * pad_b + db
    out = []
    for i, (x, y) in enumerate(zip(da, db)):
        if i < pad_a or x == ONE:      # (padded: only y's dimension)
            out.append(y)
        elif i < pad_b or y == ONE or x == y:
            out.append(x)
        elif _not_one(x) and y is None:
            out.append(x)
        elif _not_one(y) and x is None:
            out.append(y)
        else:    # unknown, or two sizes that differ (then the operation raises)
            out.append(None)
    return tuple(out)


def derive(eqn: Eqn, dims_of):
    """The dims of `eqn`'s output from those of its arguments (`dims_of(atom)`: a
    tuple with None for unproved dimensions, or None when the ndim is unknown), or
    None when nothing is proved."""
    out, prim, args = eqn.outs[0], eqn.prim, eqn.args
    kind = kinds.kind_of(out)
    if kind.tag != "array" or not kind.ndim:
        return None
    found = None
    if len(args) == 1 and (elementwise(prim, 1) or prim in SHAPED_LIKE_FIRST):
        found = dims_of(args[0])
    elif len(args) == 2 and elementwise(prim, 2) and not eqn.kwargs:
        da, db = dims_of(args[0]), dims_of(args[1])
        found = broadcast(da, db) if da is not None and db is not None else None
    elif prim in SHAPED_LIKE_SECOND and len(args) >= 2:
        found = dims_of(args[1])
    elif prim in (runtime.matmul_vjp_a, runtime.matmul_vjp_b) and len(args) == 3:
        found = dims_of(args[1] if prim is runtime.matmul_vjp_a else args[2])
    elif prim is operator.matmul and len(args) == 2:
        found = _product(dims_of(args[0]), dims_of(args[1]))
    elif prim == _TRANSPOSE and len(args) == 1 and eqn.params.get("attribute"):
        found = dims_of(args[0])
        found = found[::-1] if found is not None and len(found) == 2 else None
    if found is None or len(found) != kind.ndim or all(d is None for d in found):
        return None
    return found


def _product(da, db):
    if da is None or db is None:
        return None
    if len(da) == 2 and len(db) == 2:
        return da[0], db[1]
    if len(da) == 1 and len(db) == 2:
        return db[1:]
    if len(da) == 2 and len(db) == 1:
        return da[:1]
    return None


def unbroadcast_axes(g_dims, x_dims):
    """(leading axes of g to sum away, axes to sum keeping them) that make a
    cotangent of dims `g_dims` into one of dims `x_dims` (what `rt.unbroadcast` does
    for those shapes), or None when the dims do not decide it."""
    if g_dims is None or x_dims is None or not x_dims or len(g_dims) < len(x_dims):
        return None
    extra = len(g_dims) - len(x_dims)
    kept = []
    for i, (g, x) in enumerate(zip(g_dims[extra:], x_dims)):
        if _not_one(x):
            continue                 # g's dimension is x's (g is broadcast from x)
        if x != ONE or g is None:
            return None
        if g != ONE:
            kept.append(i)
    return tuple(range(extra)), tuple(kept)


def plain_unbroadcast(eqn: Eqn, shapes):
    """`rt.unbroadcast(g, x)` of a float array g whose dims decide it, as the
    statements summing g (`np.sum(g, axis=0)`), or None.  (No sum at all: the helper
    is an identity, which shapes.identity_helper drops.)"""
    if eqn.prim is not runtime.unbroadcast or eqn.kwargs or len(eqn.args) != 2:
        return None
    g, x = eqn.args
    kg, kx = kinds.kind_of(g), kinds.kind_of(x)
    if kg.tag != "array" or kx.tag != "array" or not kx.ndim or kg.dtype is None or \
            not np.issubdtype(np.dtype(kg.dtype), np.floating):
        return None
    axes = unbroadcast_axes(shapes.dims(g), shapes.dims(x))
    if axes is None or axes == ((), ()):
        return None
    lead, kept = axes
    stmts, value = [], g
    if lead:
        value = eqn.outs[0] if not kept else Var("s", kinds.array(kg.ndim - len(lead), kg.dtype))
        stmts.append(_sum(value, g, lead, False, eqn))
    if kept:
        stmts.append(_sum(eqn.outs[0], value, kept, True, eqn))
    return stmts


def _sum(out, g, axes, keepdims: bool, eqn: Eqn) -> Eqn:
    kwargs = {"axis": Const(axes[0] if len(axes) == 1 else axes)}
    if keepdims:
        kwargs["keepdims"] = Const(True)
    return Eqn([out], np.sum, [g], kwargs, {}, eqn.loc, eqn.role)
