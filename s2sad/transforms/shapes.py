"""What kinds prove about shapes, and the array helpers that proof makes unnecessary.

Kinds know ndim and dtype, not shapes, so generated array code calls generic helpers
(`rt.unbroadcast(g, x)`, `rt.cast_like(g, x)`, `rt.matmul_vjp_b(g, a, b)`) that look
at shapes when they run.  Many shapes are equal by construction, though: an
elementwise operation of an array and a scalar has the array's shape, a cotangent
summed back to `x` has x's shape, and so on.  `SameShapes` collects those facts
(union-find over the atoms of one function, in SSA form, so one pass in program order
sees every definition before its uses; a loop-carried value is assumed to keep its
initial value's shape, and the assumption dropped again unless every iteration's
result is proved to have the shape of the value it started from), and
`specialise` uses them:

* `rt.unbroadcast(g, x)` is `g` when g has x's shape (nothing was broadcast);
* `rt.cast_like(g, x)` is `g` when it has x's shape and the same kind (array of the
  same ndim and float dtype);
* `rt.sum_vjp(g, a) * y`, y shaped like a, is `g * y`, and `rt.mean_vjp(g, a) * y`
  is `(g / y.size) * y`;
* `rt.matmul_vjp_a/b(g, a, b)` of 1-D and 2-D operands of one float dtype, whose `g`
  has the shape of `a @ b`, is the plain product (`g @ b.T`, `a.T @ g`, `np.outer`).

Only facts that hold for every call with arguments of the derivative's kinds are
used; where nothing is proved, the generic helper stays.  Code made for a shape
pattern (variants.py) also knows which dimensions are 1 and which are equal
(dims.py): shapes are equal where those dims are, and `rt.unbroadcast(g, x)` becomes
the sums it does (`np.sum(g, axis=0)`) or nothing.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import Const, Eqn, Function, Global, Loop, Var, walk
from . import dims as dim_facts
from . import reduced
from .dims import SHAPED_LIKE_FIRST as _SHAPED_LIKE_FIRST, \
    SHAPED_LIKE_SECOND as _SHAPED_LIKE_SECOND, elementwise as _elementwise
from .rewrite import replace_statements

SCALAR = "shape ()"     # the class of every 0-d value
_UNKNOWN = object()

_NUMERIC = ("array", "float", "int", "bool")


def _numeric(atom) -> bool:
    return kinds.kind_of(atom).tag in _NUMERIC


def _is_scalar(atom) -> bool:
    kind = kinds.kind_of(atom)
    return kind.tag in ("float", "int", "bool") or (kind.tag == "array" and kind.ndim == 0)


def _ndim(atom):
    kind = kinds.kind_of(atom)
    return 0 if kind.tag in ("float", "int", "bool") else kind.ndim


class SameShapes:
    """Classes of atoms of one function proved to have the same shape."""

    def __init__(self, fn: Function, pattern=None):
        self.pattern = pattern       # (variants.py) its dimension facts: dims.py
        # A loop-carried value keeps its initial value's shape if every iteration's
        # result has the shape of the value it starts from: assume it for every
        # carried value, learn, and drop the assumptions that fail until none does.
        slots = [(loop, i) for loop in walk(fn.body) if isinstance(loop, Loop)
                 for i in range(len(loop.carried))]
        while True:
            self._learn_all(fn, slots)
            kept = [(loop, i) for loop, i in slots
                    if self.same(loop.carried[i], loop.body.results[i])]
            if len(kept) == len(slots):
                return
            slots = kept

    def _learn_all(self, fn: Function, slots) -> None:
        self._parent: dict = {}
        self.products: list = []     # (out, a, b) of each `a @ b`
        self.defs: dict = {}         # Var -> the Eqn defining it
        self.popped: dict = {}       # a value popped from the tape -> the value pushed
        self.slices: dict = {}       # (array, items removed from its first axis) -> a slice
        self.reductions: list = []   # reduced.Reduction of each reduction with literal axes
        self._dims: dict = {}        # class root -> the dims proved (dims.py)
        self.params = set(fn.params)
        for param, dims in zip(fn.params, self.pattern or ()):
            if dims is not None and _ndim(param) == len(dims):
                self._dims[self._find(self._key(param))] = dims
        for loop, i in slots:
            self._union(loop.carried[i], loop.inits[i])
            self._union(loop.outs[i], loop.inits[i])
        for stmt in walk(fn.body):
            if isinstance(stmt, Eqn) and stmt.prim is prims.TAPE_POP and "push" in stmt.params:
                for out, pushed in zip(stmt.outs, stmt.params["push"].args):
                    self.popped[out] = pushed
                    self._union(out, pushed)
            elif isinstance(stmt, Eqn) and len(stmt.outs) == 1:
                found = reduced.reduction(stmt, self.defs)
                if found is not None:
                    self.reductions.append(found)
                if not stmt.kwargs:
                    self.defs[stmt.outs[0]] = stmt
                    self._learn(stmt)
                    if self.pattern is not None:
                        self._merge_dims(self._find(self._key(stmt.outs[0])),
                                         dim_facts.derive(stmt, self.dims))

    def define(self, eqns) -> None:
        """Remember the definitions of statements a specialisation put in (no shape
        facts are learnt from them)."""
        self.defs.update({e.outs[0]: e for e in eqns if len(e.outs) == 1 and not e.kwargs})

    def origin(self, atom):
        """The value `atom` is (the one pushed, for a value popped from the tape)."""
        while atom in self.popped:
            atom = self.popped[atom]
        return atom

    def _key(self, atom):
        if _is_scalar(atom):
            return SCALAR
        return atom if isinstance(atom, Var) else ("const", id(atom))

    def _find(self, key):
        while self._parent.get(key, key) is not key:
            parent = self._parent[key]
            self._parent[key] = self._parent.get(parent, parent)
            key = parent
        return key

    def _union(self, a, b) -> None:
        if _ndim(a) != _ndim(b) or _ndim(a) is None:     # kinds disagree: learn nothing
            return
        ra, rb = self._find(self._key(a)), self._find(self._key(b))
        if ra is not rb:
            if rb == SCALAR:
                ra, rb = rb, ra
            self._parent[rb] = ra
            self._merge_dims(ra, self._dims.pop(rb, None))

    def _merge_dims(self, root, dims) -> None:
        """Add `dims` to what is proved of the class `root` (dimension by dimension:
        both are true of its values, so a proved one wins over None)."""
        if dims is None or root == SCALAR:
            return
        known = self._dims.get(root)
        if known is not None and len(known) == len(dims):   # (two ids: none proved)
            dims = tuple(d if k is None else k if d is None or d == k else None
                         for k, d in zip(known, dims))
        self._dims[root] = dims

    def dims(self, atom):
        """What the shape pattern proves of `atom`'s dimensions (dims.py): () for a
        scalar, a tuple of class ids or None per dimension, or None."""
        if _is_scalar(atom) or _literal(atom):
            return ()
        if not _numeric(atom):
            return None
        known = self._dims.get(self._find(self._key(atom)))
        ndim = _ndim(atom)
        if known is not None and len(known) == ndim:
            return known
        return (None,) * ndim if ndim is not None else None

    def same(self, a, b) -> bool:
        if self._find(self._key(a)) == self._find(self._key(b)):
            return True
        if self.pattern is None:
            return False
        da, db = self.dims(a), self.dims(b)
        return da is not None and da == db and None not in da

    def _learn(self, eqn: Eqn) -> None:
        out, args, prim = eqn.outs[0], eqn.args, eqn.prim
        if prim is operator.getitem and len(args) == 2 and _numeric(out):
            self._learn_slice(out, *args)
            return
        if prim in (runtime.add_at_inplace, runtime.add_at) and len(args) == 3 and \
                _numeric(out) and _numeric(args[0]):
            self._union(out, args[0])     # a cotangent added into at an index
            return
        if not _numeric(out) or not all(_numeric(a) or _literal(a) for a in args[:2]):
            return
        if len(args) == 1 and _elementwise(prim, 1):
            self._union(out, args[0])
        elif len(args) == 2 and _elementwise(prim, 2):
            a, b = args
            if _is_scalar(b) or self.same(a, b) or self.reduced_from(b, a):
                self._union(out, a)
            elif _is_scalar(a) or self.reduced_from(a, b):
                self._union(out, b)
        elif prim in _SHAPED_LIKE_FIRST and len(args) == 1:
            self._union(out, args[0])
        elif prim in _SHAPED_LIKE_SECOND and len(args) >= 2 and _numeric(args[1]):
            self._union(out, args[1])
        elif prim in (runtime.matmul_vjp_a, runtime.matmul_vjp_b) and len(args) == 3:
            self._union(out, args[1] if prim is runtime.matmul_vjp_a else args[2])
        elif prim is operator.matmul and len(args) == 2:
            self.products.append((out, args[0], args[1]))


    def reduction_of(self, r, a=None):
        """The reduction whose result has r's shape (of an array shaped like `a`)."""
        return next((red for red in self.reductions if self.same(r, red.out) and
                     (a is None or self.same(a, red.a))), None)

    def reduced_from(self, r, a) -> bool:
        """Has r the shape of a keepdims reduction of an array shaped like `a` (so
        that r and `a` broadcast to a's shape)?"""
        red = self.reduction_of(r, a)
        return red is not None and red.keepdims and _ndim(r) == _ndim(a)

    def constant(self, atom):
        """The value of `atom` when it is a literal or a negated literal int (`-1`
        before constants are folded), else _UNKNOWN."""
        if isinstance(atom, Const) and not hasattr(atom, "name"):
            return atom.value
        made = self.defs.get(atom) if isinstance(atom, Var) else None
        if made is not None and made.prim is operator.neg and len(made.args) == 1 and \
                isinstance(made.args[0], Const) and type(made.args[0].value) is int:
            return -made.args[0].value
        return _UNKNOWN

    def _learn_slice(self, out, base, index) -> None:
        """`x[a:]`, `x[:-b]`, `x[a:-b]` of one array x with a + b equal have one
        shape (x's first axis less a + b, or empty), e.g. Rosenbrock's x[1:], x[:-1]."""
        kind = kinds.kind_of(base)
        made = self.defs.get(index) if isinstance(index, Var) else None
        if made is not None and made.prim is prims.BUILD_SLICE:
            bounds = [self.constant(a) for a in made.args]
            if all(b is not _UNKNOWN for b in bounds):
                index = Const(slice(*bounds))
        if kind.tag != "array" or not kind.ndim or not isinstance(index, Const) or \
                not isinstance(index.value, slice):
            return
        start, stop, step = index.value.start, index.value.stop, index.value.step
        if step not in (None, 1) or not all(v is None or type(v) is int
                                            for v in (start, stop)):
            return
        start = start or 0
        if start < 0 or (stop is not None and stop >= 0):
            return                   # (lengths that depend on the axis' length otherwise)
        removed = start + (-stop if stop is not None else 0)
        signature = (self.origin(base), removed)
        first = self.slices.setdefault(signature, out)
        self._union(out, first)


def _literal(atom) -> bool:
    """A number written in the code (not a global or closure cell: read when the code
    runs, it may hold an array then)."""
    return isinstance(atom, Const) and not isinstance(atom, Global) and \
        type(atom.value) in (int, float, bool)


def identity_helper(eqn: Eqn, shapes: SameShapes) -> bool:
    """Is `eqn` (`rt.unbroadcast(g, x)` or `rt.cast_like(g, x)`) just `g`?"""
    if eqn.kwargs or len(eqn.args) != 2:
        return False
    g, x = eqn.args
    if eqn.prim is runtime.unbroadcast and shapes.pattern is not None and \
            _ndim(g) == _ndim(x) and kinds.kind_of(x).tag == "array" and \
            dim_facts.unbroadcast_axes(shapes.dims(g), shapes.dims(x)) == ((), ()):
        return True
    if not shapes.same(g, x):
        return False
    if eqn.prim is runtime.unbroadcast:
        return _numeric(g) and _numeric(x)
    if eqn.prim is runtime.cast_like:
        kind = kinds.kind_of(x)
        # float64 only: a FLOAT kind may be a NumPy float64 when the code runs, which
        # makes a float32 product float64 although the kinds say float32; ndim > 0:
        # a kind of ndim 0 is a 0-d array or a NumPy scalar
        return kinds.kind_of(g) == kind and kind.tag == "array" and kind.ndim > 0 and \
            kind.dtype == "float64"
    return False


def specialise_products(fn: Function, shapes: SameShapes) -> None:
    """Replace matmul cotangents proved plain (see the module docstring) in place."""
    replace_statements(fn.body, lambda stmt: _plain(stmt, shapes))


def _plain(stmt, shapes: SameShapes):
    if not isinstance(stmt, Eqn):
        return None
    plain = _plain_product(stmt, shapes)
    plain = _spread_sum(stmt, shapes) or plain
    if shapes.pattern is not None:
        plain = dim_facts.plain_unbroadcast(stmt, shapes) or plain
    return plain


def _spread_sum(eqn: Eqn, shapes: SameShapes):
    """`rt.sum_vjp(g, a, None, False) * y` with y of a's shape and float dtype is
    `g * y` (the scalar g broadcasts the same way), when g cannot change y's dtype;
    times a literal number c it is `rt.sum_vjp(g * c, a, None, False)` (returned as
    the statements that replace `eqn`), so the spread reaches the array factor.
    The same for `rt.mean_vjp`, whose spread `g * y` is `(g / y.size) * y` (the size
    read from an array of y's shape that is there anyway, e.g. d for y = 2.0 * d)."""
    if eqn.prim is not operator.mul or len(eqn.args) != 2 or eqn.kwargs:
        return None
    for i in (0, 1):
        spread, y = eqn.args[i], eqn.args[1 - i]
        made = _whole_sum_spread(spread, shapes)
        if made is None:
            continue
        g, a = made.args[:2]
        mean = made.prim is runtime.mean_vjp
        if _literal(y):
            scaled = Var("g", kinds.kind_of(g))
            return [Eqn([scaled], operator.mul, [g, y], {}, {}, eqn.loc, eqn.role),
                    _redefine(eqn, made.prim, [scaled] + list(made.args[1:]))]
        ky, ka = kinds.kind_of(y), kinds.kind_of(a)
        if ky.tag != "array" or ka.tag != "array" or not shapes.same(a, y) or \
                ka.dtype != ky.dtype or not np.issubdtype(np.dtype(ky.dtype), np.floating):
            continue
        if ky.dtype == "float64" and mean:
            return _spread_mean(eqn, g, y, shapes)
        if ky.dtype == "float64":       # (float32: see identity_helper)
            eqn.args = [g, y] if i == 0 else [y, g]
            _size_from_parameter(g, y, shapes)
            return None
    return None


def _size_from_parameter(g, y, shapes: SameShapes) -> None:
    """g = rt.fdiv(c, b.size), b a reduction of an array shaped like the parameter y
    over every axis but k (the spread of a mean of row sums: `np.mean(np.sum(p, 1))`):
    read the size as `np.size(y, k)`, so that b and what only it needs are not
    computed for it (grad's code computes no value)."""
    scaled = shapes.defs.get(g) if isinstance(g, Var) else None
    if scaled is None or scaled.prim is not runtime.fdiv or y not in shapes.params:
        return
    size = shapes.defs.get(scaled.args[1]) if isinstance(scaled.args[1], Var) else None
    if size is None or size.prim != prims.method("size") or len(size.args) != 1:
        return
    for red in shapes.reductions:
        ndim = _ndim(red.a)
        if red.out is size.args[0] and not red.keepdims and ndim is not None and \
                len(red.axes) == ndim - 1 and shapes.same(red.a, y):
            kept = next(k for k in range(ndim) if k not in red.axes)
            size.prim, size.args, size.params = np.size, [y, Const(kept)], {}
            return


def _spread_mean(eqn: Eqn, g, y, shapes: SameShapes) -> list:
    base = y
    while isinstance(base, Var) and base in shapes.defs:
        made = shapes.defs[base]
        arrays = [a for a in made.args if not _is_scalar(a) and not _literal(a)]
        if made.prim not in (operator.mul, operator.neg) or len(arrays) != 1:
            break          # (through the products scalar_factors.py folds, no further)
        base = arrays[0]
    size, share = Var("n", kinds.INT), Var("g", kinds.kind_of(g))
    return [Eqn([size], prims.method("size"), [base], {}, {"attribute": True}, eqn.loc, eqn.role),
            Eqn([share], operator.truediv, [g, size], {}, {}, eqn.loc, eqn.role),
            _redefine(eqn, operator.mul, [share, y])]


def _whole_sum_spread(atom, shapes: SameShapes):
    """The `rt.sum_vjp(g, a, None, False)` equation `atom` is (through identity
    helpers), or None."""
    made = shapes.defs.get(atom) if isinstance(atom, Var) else None
    if made is not None and identity_helper(made, shapes):   # (removed later)
        made = shapes.defs.get(made.args[0]) if isinstance(made.args[0], Var) else None
    if made is None or made.prim not in (runtime.sum_vjp, runtime.mean_vjp) or \
            len(made.args) != 4:
        return None
    axis, keepdims = (shapes.constant(a) for a in made.args[2:])
    return made if axis is None and keepdims is False else None


def _redefine(eqn: Eqn, prim, args) -> Eqn:
    """`eqn`'s outputs defined by `prim(*args)` instead (the same Eqn object, so the
    facts about its output still hold)."""
    eqn.prim, eqn.args = prim, args
    return eqn


def _plain_product(eqn: Eqn, shapes: SameShapes):
    if eqn.prim not in (runtime.matmul_vjp_a, runtime.matmul_vjp_b) or eqn.kwargs or \
            len(eqn.args) != 3:
        return None
    g, a, b = eqn.args
    ka, kb, kg = (kinds.kind_of(v) for v in (a, b, g))
    if not all(k.tag == "array" and k.dtype == "float64" for k in (ka, kb, kg)):
        return None      # (float64 only: see identity_helper)
    a0, b0 = shapes.origin(a), shapes.origin(b)
    if not any(shapes.same(g, out) and a2 is a0 and b2 is b0 for out, a2, b2 in shapes.products):
        return None
    out, loc = eqn.outs[0], eqn.loc
    dims = (ka.ndim, kb.ndim)

    def transposed(m):
        t = Var("t", m.kind if isinstance(m, Var) else kinds.kind_of(m))
        return t, Eqn([t], prims.method("T"), [m], {}, {"attribute": True}, loc, eqn.role)

    if eqn.prim is runtime.matmul_vjp_a:
        if dims == (2, 2):
            t, first = transposed(b)
            return [first, Eqn([out], operator.matmul, [g, t], {}, {}, loc, eqn.role)]
        if dims == (2, 1):
            return [Eqn([out], np.outer, [g, b], {}, {}, loc, eqn.role)]
        if dims == (1, 2):
            return [Eqn([out], operator.matmul, [b, g], {}, {}, loc, eqn.role)]
        return None
    if dims in ((2, 2), (2, 1)):
        t, first = transposed(a)
        return [first, Eqn([out], operator.matmul, [t, g], {}, {}, loc, eqn.role)]
    if dims == (1, 2):
        return [Eqn([out], np.outer, [a, g], {}, {}, loc, eqn.role)]
    return None
