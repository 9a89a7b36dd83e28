"""Test specs of the derivative rules: how to call each registered function.

`SPECS` is a plain list of `RuleSpec`, at least one per key of `s2sad.rules.RULES`.
A spec builds float64 arguments from a NumPy Generator (`make_args(rng)`), names
static keyword arguments, and says whether the float32 variant applies.  Arguments
are drawn from a domain where the function is differentiable (away from kinks), so
finite differences are meaningful.  `spec.call(*args)` evaluates the primal.
"""
from __future__ import annotations

import builtins
import importlib
import math
import operator
from typing import Callable, NamedTuple

import numpy as np

from s2sad import prims, runtime
from s2sad.rules import method

ATTRIBUTES = {"T", "shape", "ndim", "size", "dtype", "itemsize", "nbytes", "real", "imag"}


class RuleSpec(NamedTuple):
    fn_key: object                 # registry key: a function, or method("name")
    make_args: Callable            # rng -> tuple of positional arguments (float64)
    kwargs: dict                   # static keyword arguments
    id: str
    float32: bool = True           # the float32 variant keeps float32 (cast float arrays)
    wrt: tuple | None = None       # parameters to differentiate (None: every float argument)
    seed: int | None = None        # reseed np.random before each call (random draws)

    def call(self, *args, **kwargs):
        """The primal value fn(*args, **kwargs) (kwargs default to the spec's)."""
        kwargs = self.kwargs if not kwargs else kwargs
        if self.seed is not None:
            np.random.seed(self.seed)
        return primal(self.fn_key)(*args, **kwargs)


def primal(key) -> Callable:
    """The callable of a registry key (methods and attributes act on their first arg)."""
    if key is prims.BUILD_TUPLE:
        return lambda *items: tuple(items)
    if key is prims.BUILD_LIST:
        return lambda *items: list(items)
    if isinstance(key, str) and key.startswith("method:"):
        name = key[len("method:"):]
        if name in ATTRIBUTES:
            return lambda obj: getattr(obj, name)
        return lambda obj, *args, **kwargs: getattr(obj, name)(*args, **kwargs)
    return key


# ---- argument makers ----------------------------------------------------------------

def _sample(rng, shape, dom):
    size = () if shape is None else shape
    if dom == "any":
        x = rng.normal(size=size)
    elif dom == "pos":
        x = rng.uniform(0.5, 2.0, size=size)
    elif dom == "unit":
        x = rng.uniform(-0.9, 0.9, size=size)
    elif dom == "gt1":
        x = rng.uniform(1.2, 3.0, size=size)
    elif dom == "nonzero":
        x = rng.uniform(0.5, 2.0, size=size) * rng.choice([-1.0, 1.0], size=size)
    elif dom == "small":
        x = rng.uniform(-1.2, 1.2, size=size)
    elif dom == "spd":
        b = rng.normal(size=size)
        x = b @ np.swapaxes(b, -1, -2) + size[-1] * np.eye(size[-1])
    elif dom == "sym":
        b = rng.normal(size=size)
        x = b + np.swapaxes(b, -1, -2)
    elif dom == "square":
        x = rng.normal(size=size) + 2.0 * size[-1] ** 0.5 * np.eye(size[-1])
    else:
        raise ValueError(dom)
    return float(x) if shape is None else np.asarray(x, dtype=np.float64)


class A:
    """Maker of a float argument: shape None is a Python float, () a NumPy scalar."""

    def __init__(self, shape=(3,), dom="any", put=None):
        self.shape, self.dom, self.put = shape, dom, put

    def __call__(self, rng):
        x = _sample(rng, self.shape, self.dom)
        if self.put is not None:          # fixed entries (zeros, NaNs) at given places
            x = np.array(x)
            for index, value in self.put:
                x[index] = value
        return x[()] if self.shape == () else x

    def __repr__(self):
        return "py" if self.shape is None else "x".join(map(str, self.shape)) or "0d"


class C:
    """A constant argument (copied on each call, so specs stay independent)."""

    def __init__(self, value, label=None):
        self.value, self.label = value, label

    def __call__(self, rng):
        return np.copy(self.value) if isinstance(self.value, np.ndarray) else self.value

    def __repr__(self):
        return self.label or repr(self.value)


class L:
    """A list (or tuple) of arguments made by other makers."""

    def __init__(self, *makers, kind=list):
        self.makers, self.kind = makers, kind

    def __call__(self, rng):
        return self.kind(m(rng) for m in self.makers)

    def __repr__(self):
        return "[" + ",".join(map(repr, self.makers)) + "]"


class F:
    """An argument computed from the random generator by a function (e.g. indices)."""

    def __init__(self, fn, label):
        self.fn, self.label = fn, label

    def __call__(self, rng):
        return self.fn(rng)

    def __repr__(self):
        return self.label


def _name(key) -> str:
    if isinstance(key, str):
        return key.replace("method:", "ndarray.")
    if isinstance(key, prims.Prim):
        return f"prim.{key.name}"
    if isinstance(key, np.ufunc):
        return f"np.{key.__name__}"
    module = getattr(key, "__module__", "") or ""
    prefix = {"math": "math.", "_operator": "operator.", "builtins": ""}.get(module)
    if prefix is None:
        prefix = "np.linalg." if "linalg" in module else "np.fft." if "fft" in module else \
            "np.random." if "random" in module else "np."
    return prefix + key.__name__


SPECS: list[RuleSpec] = []


def add(key, *makers, float32=True, wrt=None, seed=None, label="", **kwargs):
    """Append a spec calling key(*makers(rng), **kwargs)."""
    args = ",".join(map(repr, makers))
    extra = ",".join(f"{k}={v!r}" for k, v in kwargs.items())
    ident = f"{_name(key)}({args}{';' if extra else ''}{extra}){label}"
    SPECS.append(RuleSpec(key, lambda rng, ms=makers: tuple(m(rng) for m in ms), kwargs,
                          ident, float32, wrt, seed))


UNARY_SHAPES = (None, (), (3,), (2, 3))
BINARY_SHAPES = ((None, None), ((), (3,)), ((3,), (3,)), ((2, 3), (1, 3)), ((2, 1), (3,)),
                 ((2, 3), None), ((1, 3), (2, 1)))


def unary(key, dom="any", shapes=UNARY_SHAPES, **kw):
    for shape in shapes:
        add(key, A(shape, dom), **kw)


def binary(key, dom=("any", "any"), shapes=BINARY_SHAPES, **kw):
    for sx, sy in shapes:
        add(key, A(sx, dom[0]), A(sy, dom[1]), **kw)


PY = (None,)   # Python floats only (math module)


# ---- Python operators and builtins ------------------------------------------------

binary(operator.add)
binary(operator.sub)
binary(operator.mul)
binary(operator.truediv, ("any", "nonzero"))
binary(operator.pow, ("pos", "any"))
add(operator.pow, A((2, 3)), C(3))
add(operator.pow, A(None), C(2))
binary(operator.mod, ("any", "pos"))
for _op in (operator.neg, operator.pos, operator.abs):
    unary(_op, "nonzero" if _op is operator.abs else "any")
for _pair in (((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
              ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)),
              ((3,), (2, 3, 4)), ((2, 4, 3), (3,))):
    add(operator.matmul, A(_pair[0]), A(_pair[1]))
    add(np.matmul, A(_pair[0]), A(_pair[1]))

add(operator.getitem, A((5,)), C(2))
add(operator.getitem, A((5,)), C(slice(1, 4)))
add(operator.getitem, A((4, 3)), C((slice(None), 1), "[:,1]"))
add(operator.getitem, A((4, 3)), C((Ellipsis, None, slice(0, 2)), "[...,None,:2]"))
add(operator.getitem, A((5,)), C(np.array([0, 2, 2, 4]), "[0,2,2,4]"))
add(operator.getitem, A((4, 3)), C((np.array([0, 0, 3]), np.array([1, 1, 2])), "pairs"))
add(operator.getitem, A((4, 3)), C(np.array([[True, False, True]] * 4), "mask"))
add(operator.getitem, A((4, 3)), C(np.array([True, False, True, True]), "rowmask"))
add(operator.getitem, L(A(None), A(None), A(None)), C(1))
add(operator.getitem, L(A(None), A((2,)), A(None), kind=tuple), C(slice(0, 2)))
add(prims.BUILD_TUPLE, A(None), A((3,)))
add(prims.BUILD_LIST, A((2,)), A((2, 3)))
add(runtime.setitem, A((4, 3)), C((1, slice(None)), "[1,:]"), A((3,)))
add(runtime.setitem, A((5,)), C(slice(1, 3)), A(None))
add(runtime.setitem, A((5,)), C(np.array([0, 3]), "[0,3]"), A((2,)))
add(runtime.appended, L(A(None), A(None)), A(None))
add(runtime.appended, L(A((3,)), kind=tuple), A((3,)))
add(runtime.build_dict, C(("a", "b")), A(None), A((2,)))
add(runtime.concat_items, L(A(None), A((2,))), L(A(None)))
add(runtime.concat_items, L(A(None), kind=tuple), L(A((3,)), A(None), kind=tuple))
add(runtime.repeat_items, L(A(None), A((2,))), C(3))
add(runtime.plus, L(A(None), A((2,))), L(A(None)))
add(runtime.plus, A((2, 3)), A((3,)))
add(runtime.repeat_items, L(A(None), kind=tuple), C(0))
add(builtins.list, L(A(None), A(None), kind=tuple))
add(builtins.list, A((3, 2)))
add(runtime.match_shape, A((3,)), C(np.zeros((2, 3)), "zeros(2,3)"))
add(runtime.match_shape, A(None), C(np.zeros(3), "zeros(3)"))
add(runtime.unbroadcast, A((2, 3)), C(np.zeros(3), "zeros(3)"))
add(runtime.unbroadcast, A((4, 1)), C(np.zeros((1, 1)), "zeros(1,1)"))
add(runtime.term_cotangent, A((2, 3)), C(np.zeros(3), "zeros(3)"))
add(runtime.term_cotangent, A((3,)), C(np.zeros(3), "zeros(3)"))
add(runtime.cast_like, A((3,)), C(np.zeros(3), "zeros(3)"))
add(runtime.accumulate, A((3,)), A((3,)))
add(runtime.pow_dx, A(None, "pos"), A(None))
add(runtime.pow_dx, A((3,), "pos"), A((3,)))
add(runtime.pow_dy, A(None, "pos"), A(None))
add(runtime.pow_dy, A((3,), "pos"), A((3,)))
add(runtime.accumulate, L(A(None), A((2,))), L(A(None), A((2,))))
add(builtins.tuple, L(A(None), A((2,))))
add(builtins.tuple, A((3, 2)))

unary(builtins.abs, "nonzero", shapes=(None, (3,)))
add(builtins.pow, A(None, "pos"), A(None))
add(builtins.pow, A((3,), "pos"), C(2))
add(builtins.float, A(None))
add(builtins.float, A(()))
for _fn in (builtins.max, builtins.min):
    add(_fn, A(None), A(None))
    add(_fn, A(None), A(None), A(None))
    add(_fn, L(A(None), A(None), A(None), A(None)))
add(builtins.sum, L(A(None), A(None), A(None)))
add(builtins.sum, L(A((3,)), A((2, 3))), A(None))
add(builtins.sum, A((4, 3)))
add(builtins.sum, L(A(None), A(None)), A((2,)))

# ---- math ---------------------------------------------------------------------------

for _fn, _dom in ((math.sin, "any"), (math.cos, "any"), (math.tan, "unit"),
                  (math.asin, "unit"), (math.acos, "unit"), (math.atan, "any"),
                  (math.sinh, "any"), (math.cosh, "any"), (math.tanh, "any"),
                  (math.asinh, "any"), (math.acosh, "gt1"), (math.atanh, "unit"),
                  (math.exp, "any"), (math.expm1, "any"), (math.exp2, "any"),
                  (math.log, "pos"), (math.log2, "pos"), (math.log10, "pos"),
                  (math.log1p, "pos"), (math.sqrt, "pos"), (math.cbrt, "nonzero"),
                  (math.fabs, "nonzero"), (math.erf, "any"), (math.erfc, "any"),
                  (math.degrees, "any"), (math.radians, "any")):
    unary(_fn, _dom, shapes=PY)
add(math.log, A(None, "pos"), A(None, "gt1"))
binary(math.atan2, ("nonzero", "nonzero"), shapes=(PY * 2,))
binary(math.pow, ("pos", "any"), shapes=(PY * 2,))
binary(math.copysign, ("nonzero", "nonzero"), shapes=(PY * 2,))
binary(math.fmod, ("any", "pos"), shapes=(PY * 2,))
binary(math.remainder, ("any", "pos"), shapes=(PY * 2,))
add(math.ldexp, A(None), C(3))
add(math.hypot, A(None), A(None), A(None))
add(math.hypot, A(None, "nonzero"))
add(math.dist, L(A(None), A(None)), L(A(None), A(None)))
add(math.fsum, L(A(None), A(None), A(None)))
add(math.prod, L(A(None), A(None), A(None)))
add(math.prod, L(A(None), C(0.0), A(None)))

# ---- NumPy elementwise ------------------------------------------------------------------

for _fn, _dom in ((np.sin, "any"), (np.cos, "any"), (np.tan, "unit"), (np.arcsin, "unit"),
                  (np.arccos, "unit"), (np.arctan, "any"), (np.sinh, "any"),
                  (np.cosh, "any"), (np.tanh, "any"), (np.arcsinh, "any"),
                  (np.arccosh, "gt1"), (np.arctanh, "unit"), (np.exp, "any"),
                  (np.exp2, "any"), (np.expm1, "any"), (np.log, "pos"), (np.log2, "pos"),
                  (np.log10, "pos"), (np.log1p, "pos"), (np.sqrt, "pos"),
                  (np.cbrt, "nonzero"), (np.square, "any"), (np.reciprocal, "nonzero"),
                  (np.abs, "nonzero"), (np.fabs, "nonzero"), (np.negative, "any"),
                  (np.positive, "any"), (np.sinc, "any"), (np.deg2rad, "any"),
                  (np.rad2deg, "any"), (np.degrees, "any"), (np.radians, "any"),
                  (np.conjugate, "any"), (np.real, "any"), (np.nan_to_num, "any")):
    unary(_fn, _dom)
add(np.sinc, A((4,), put=[(1, 0.0)]), label="-zero")
add(np.nan_to_num, A((5,), put=[(1, np.nan), (3, np.inf), (4, -np.inf)]), label="-nonfinite")
add(np.nan_to_num, A((5,), put=[(1, np.nan)]), nan=2.0)
for _fn in (np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.fmax, np.fmin,
            np.logaddexp, np.logaddexp2, np.hypot):
    binary(_fn)
binary(np.divide, ("any", "nonzero"))
binary(np.power, ("pos", "any"))
add(np.power, A((2, 3)), C(3))
binary(np.float_power, ("pos", "any"), float32=False)
binary(np.remainder, ("any", "pos"))
binary(np.fmod, ("any", "pos"))
binary(np.arctan2, ("nonzero", "nonzero"))
binary(np.copysign, ("nonzero", "nonzero"))
add(np.fmax, A((4,)), A((4,), put=[(1, np.nan)]), label="-nan")
add(np.fmin, A((4,), put=[(2, np.nan)]), A((4,)), label="-nan")
add(np.ldexp, A((2, 3)), C(np.array([1, -2, 3]), "ints"))
add(np.clip, A((2, 3)), C(-0.5), C(0.5))
add(np.clip, A((2, 3), "small"), A((3,), "unit"), A((2, 1), "gt1"))
add(np.clip, A((4,)), C(None), C(0.3))
add(np.clip, A(None), A(None, "unit"), A(None, "gt1"))
add(method("clip"), A((2, 3)), A((3,), "unit"), C(0.4))
add(method("clip"), A((2, 3)), max=0.2)
_COND = F(lambda rng: rng.uniform(size=(2, 3)) > 0.5, "cond")
add(np.where, _COND, A((2, 3)), A((2, 3)))
add(np.where, _COND, A((3,)), A(None))
add(np.where, F(lambda rng: rng.uniform(size=(2, 1)) > 0.5, "cond21"), A((1, 3)), A((2, 3)))

# ---- reductions -------------------------------------------------------------------------

_AXES = ({}, {"axis": 0}, {"axis": -1, "keepdims": True}, {"axis": (0, 2)},
         {"axis": 1, "keepdims": False})


def reduction(key, dom="any", shapes=((4,), (2, 3, 4)), axes=_AXES, **kw):
    add(key, A(shapes[0], dom), **kw)
    for axis in axes:
        add(key, A(shapes[-1], dom), **axis, **kw)


for _key in (np.sum, np.mean, np.prod, np.max, np.amax, np.min, np.amin, np.nanmax,
             np.nanmin, np.var, np.std, np.ptp, np.median, np.nansum, np.nanmean,
             method("sum"), method("mean"), method("prod"), method("max"), method("min"),
             method("var"), method("std")):
    reduction(_key, "pos" if _key in (np.prod, method("prod")) else "any")
add(np.sum, A(None))
add(np.mean, A(()))
for _key in (np.var, np.std, method("var"), method("std")):
    add(_key, A((3, 4)), axis=1, ddof=1)
add(np.prod, A((2, 4), put=[((0, 1), 0.0)]), axis=1, label="-zero")
add(np.prod, A((2, 4), put=[((0, 1), 0.0), ((0, 3), 0.0)]), label="-zeros")
add(np.median, A((5,)))
add(np.median, A((3, 5)), axis=0)
add(np.nansum, A((3, 4), put=[((0, 1), np.nan)]), axis=1, label="-nan")
add(np.nanmean, A((3, 4), put=[((0, 1), np.nan), ((2, 2), np.nan)]), axis=0, label="-nan")
add(np.nanmax, A((3, 4), put=[((1, 1), np.nan)]), axis=1, label="-nan")
add(np.average, A((2, 3)))
add(np.average, A((2, 3)), axis=1, weights=None)
add(np.average, A((2, 3)), C(1), A((3,), "pos"))
add(np.average, A((2, 3)), C(None), A((2, 3), "pos"))
add(np.average, A((4, 3)), C(0), A((4,), "pos"), keepdims=True)
for _key in (np.cumsum, np.cumprod, method("cumsum"), method("cumprod")):
    add(_key, A((5,), "pos"))
    add(_key, A((3, 4), "pos"), axis=1)
    add(_key, A((3, 4), "pos"), axis=0)
add(np.cumprod, A((2, 4), put=[((0, 1), 0.0), ((1, 3), 0.0)]), axis=1, label="-zeros")
add(np.cumprod, A((5,), put=[(2, 0.0)]), label="-zero")
for _key in (np.trace, method("trace")):
    add(_key, A((3, 3)))
    add(_key, A((3, 4)), offset=1)
    add(_key, A((4, 3)), offset=-2)
    add(_key, A((2, 3, 3)), axis1=1, axis2=2)
_NORM = np.linalg.norm
for _kw in ({}, {"ord": 1}, {"ord": 2}, {"ord": np.inf}, {"ord": -np.inf}, {"ord": 3},
            {"ord": 0.5}, {"ord": -1.5}, {"ord": 0}):
    add(_NORM, A((5,), "nonzero"), **_kw)
add(_NORM, A((2, 3, 4)))
add(_NORM, A((2, 3)), axis=1)
add(_NORM, A((2, 3)), axis=0, keepdims=True, ord=1)
add(_NORM, A((2, 3, 4)), axis=-1, ord=np.inf)
for _ord in (None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
    add(_NORM, A((3, 4)), ord=_ord)
    add(_NORM, A((2, 3, 4)), ord=_ord, axis=(2, 1))
add(_NORM, A((2, 3, 4)), axis=(0, 2), keepdims=True)

# ---- products and linear algebra ------------------------------------------------------

for _a, _b in (((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
               ((2, 2, 3), (4, 3, 2)), ((2, 3), (5, 3, 4)), ((2, 2, 3), (3,))):
    add(np.dot, A(_a), A(_b))
    if _a:
        add(method("dot"), A(_a), A(_b))
add(np.vdot, A((2, 3)), A((3, 2)))
add(np.vdot, A((4,)), A((4,)))
for _a, _b in (((3,), (3,)), ((2, 3), (4, 3)), ((), (2, 3)), ((2, 2, 3), (3,))):
    add(np.inner, A(_a), A(_b))
for _a, _b in (((3,), (4,)), ((2, 2), (3,)), (None, (3,))):
    add(np.outer, A(_a), A(_b))
add(np.tensordot, A((2, 3, 4)), A((3, 4, 5)))
add(np.tensordot, A((2, 3)), A((3, 4)), C(1))
add(np.tensordot, A((3, 2, 4)), A((2, 3, 5)), C(([1, 0], [0, 1]), "([1,0],[0,1])"))
add(np.tensordot, A((2, 3)), A((4,)), C(0))
add(np.tensordot, A((4, 3, 2)), A((2, 5, 4)), axes=([0, 2], [2, 0]))
add(np.tensordot, A((4, 3, 2)), A((2, 5, 4)), axes=([-1], [0]))
for _sub, _shapes in (("ij,jk->ik", ((2, 3), (3, 4))), ("ij,jk", ((2, 3), (3, 4))),
                      ("ii->i", ((3, 3),)), ("ii", ((3, 3),)), ("ij->", ((2, 3),)),
                      ("ij->j", ((2, 3),)), ("i,i", ((3,), (3,))), ("i,j->ij", ((2,), (3,))),
                      ("...ij,...jk->...ik", ((1, 2, 3), (4, 3, 2))),
                      ("bij,bjk->bik", ((2, 2, 3), (2, 3, 4))),
                      ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))), ("iij->j", ((2, 2, 3),)),
                      ("ij,i->ji", ((3, 4), (3,))), ("Ab,bA", ((2, 3), (3, 2))),
                      ("ij,ij->ij", ((1, 3), (2, 3))), ("...i,...i", ((2, 3), (3,)))):
    add(np.einsum, C(_sub), *[A(s) for s in _shapes])
for _a, _b in (((2,), (3,)), ((2, 2), (3, 2)), ((2,), (2, 3)), ((2, 1, 2), (3, 2))):
    add(np.kron, A(_a), A(_b))
for _a, _b in (((3,), (3,)), ((4, 3), (3,)), ((2,), (2,)), ((2,), (3,)), ((3,), (2,))):
    add(np.cross, A(_a), A(_b))
for _shape in ((3, 3), (2, 3, 3)):
    add(np.linalg.inv, A(_shape, "square"))
    add(np.linalg.det, A(_shape))
    add(np.linalg.slogdet, A(_shape, "square"))
    add(np.linalg.cholesky, A(_shape, "spd"))
    add(np.linalg.eigh, A(_shape, "sym"))
    add(np.linalg.eigvalsh, A(_shape, "sym"))
add(np.linalg.det, C(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]]),
                     "rank2"))
add(np.linalg.det, A((1, 1)))
add(np.linalg.eigh, A((3, 3), "sym"), C("U"))
add(np.linalg.eigvalsh, A((3, 3), "sym"), UPLO="U")
add(np.linalg.solve, A((3, 3), "square"), A((3,)))
add(np.linalg.solve, A((3, 3), "square"), A((3, 2)))
add(np.linalg.solve, A((2, 3, 3), "square"), A((2, 3, 2)))
add(np.linalg.solve, A((2, 3, 3), "square"), A((3,)))
for _shape in ((3, 2), (2, 3), (3, 3)):
    add(np.linalg.pinv, A(_shape))
add(np.linalg.pinv, A((2, 4, 3)))

# ---- shapes, joining, splitting, indexing ---------------------------------------------

add(np.reshape, A((2, 3)), C((3, 2)))
add(np.reshape, A((2, 3)), C((6,)), order="F")
add(np.reshape, A(()), C((1, 1)))
add(method("reshape"), A((2, 3)), C(3), C(2))
add(method("reshape"), A((2, 3)), C((1, 6)))
add(method("reshape"), A((2, 3)), C(-1))
for _key in (np.ravel, method("ravel"), method("flatten")):
    add(_key, A((2, 3)))
    add(_key, A((2, 3)), order="F")
add(np.ravel, F(lambda rng: rng.normal(size=(3, 4))[::2, ::-1], "strided"), order="K")
add(np.ravel, F(lambda rng: np.asfortranarray(rng.normal(size=(3, 4))), "fortran"),
    order="A")
add(np.transpose, A((2, 3)))
add(np.transpose, A((2, 3, 4)), C((1, 0, 2)))
add(np.transpose, A((2, 3, 4)), axes=(-1, 0, 1))
add(method("transpose"), A((2, 3)))
add(method("transpose"), A((2, 3, 4)), C(2), C(0), C(1))
add(method("transpose"), A((2, 3, 4)), C((1, 2, 0)))
add(method("T"), A((2, 3)))
add(method("T"), A((3,)))
for _key in (np.swapaxes, method("swapaxes")):
    add(_key, A((2, 3, 4)), C(0), C(2))
add(np.moveaxis, A((2, 3, 4)), C(0), C(-1))
add(np.moveaxis, A((2, 3, 4)), C((0, 1)), C((2, 0)))
add(np.expand_dims, A((2, 3)), C(1))
add(np.expand_dims, A((3,)), C((0, 2)))
for _key in (np.squeeze, method("squeeze")):
    add(_key, A((2, 1, 3, 1)))
    add(_key, A((2, 1, 3)), axis=1)
add(np.broadcast_to, A((3,)), C((2, 3)))
add(np.broadcast_to, A((2, 1)), C((4, 2, 3)))
add(np.broadcast_to, A(None), C((2,)))
add(np.flip, A((2, 3)))
add(np.flip, A((2, 3, 4)), C((0, 2)))
add(np.fliplr, A((2, 3)))
add(np.flipud, A((2, 3)))
add(np.rot90, A((2, 3)))
add(np.rot90, A((2, 3, 4)), C(3), C((2, 0)))
add(np.roll, A((5,)), C(2))
add(np.roll, A((2, 3)), C(1))
add(np.roll, A((3, 4)), C((1, -2)), C((0, 1)))
add(np.tile, A((3,)), C(2))
add(np.tile, A((2, 3)), C((2, 1, 2)))
add(np.tile, A((2, 1, 3)), C((2, 2)))
add(np.tile, A(None), C(3))
for _key in (np.repeat, method("repeat")):
    add(_key, A((2, 3)), C(2))
    add(_key, A((2, 3)), C(np.array([1, 0, 3])), C(1))
add(np.repeat, A((2, 3)), C(2), axis=0)
add(np.diff, A((5,)))
add(np.diff, A((3, 5)), C(2))
add(np.diff, A((4, 3)), C(1), C(0))
add(np.sort, A((5,)))
add(np.sort, A((3, 4)), C(0))
add(np.sort, A((3, 4)), axis=None)
add(np.diag, A((3,)))
add(np.diag, A((3,)), C(-1))
add(np.diag, A((3, 4)))
add(np.diag, A((4, 3)), C(1))
for _key in (np.diagonal, method("diagonal")):
    add(_key, A((3, 4)))
    add(_key, A((2, 3, 4)), C(1), C(2), C(0))
for _key in (np.triu, np.tril):
    add(_key, A((3, 4)))
    add(_key, A((2, 3, 3)), C(-1))
    add(_key, A((3,)), C(1))
add(np.copy, A((2, 3)))
add(np.copy, A(None))
add(method("copy"), A((2, 3)))
add(method("astype"), A((2, 3)), C(np.float64))
add(method("item"), A((1,)))
add(method("item"), A((2, 3)), C(4))
add(method("item"), A((2, 3)), C(1), C(2))
add(method("item"), A((2, 3)), C((0, 1)))
add(np.pad, A((3,)), C(2))
add(np.pad, A((2, 3)), C(((1, 0), (2, 1))), C("constant"), constant_values=0.7)
for _mode in ("edge", "reflect", "symmetric", "wrap"):
    add(np.pad, A((3, 4)), C(((1, 2), (2, 1))), C(_mode))
add(np.pad, A((2, 3)), C(1), mode="edge")
for _axis in (0, 1, None):
    add(np.concatenate, L(A((2, 3)), A((1, 3)), A((4, 3))) if _axis != 1
        else L(A((2, 3)), A((2, 1))), axis=_axis)
add(np.concatenate, L(A((2,)), A((3,)), kind=tuple))
for _axis in (0, 1, -1):
    add(np.stack, L(A((2, 3)), A((2, 3)), A((2, 3))), axis=_axis)
add(np.stack, L(A(None), A(None)))
add(np.vstack, L(A((3,)), A((2, 3))))
add(np.hstack, L(A((3,)), A((2,))))
add(np.hstack, L(A((2, 3)), A((2, 1))))
add(np.dstack, L(A((3,)), A((3,))))
add(np.dstack, L(A((2, 3)), A((2, 3, 2))))
add(np.column_stack, L(A((3,)), A((3, 2))))
add(np.split, A((6,)), C(3))
add(np.split, A((2, 6)), C([1, 4]), C(1))
add(np.array_split, A((7,)), C(3))
add(np.array_split, A((5, 2)), C(2), axis=0)
add(np.hsplit, A((2, 4)), C(2))
add(np.vsplit, A((4, 2)), C([1]))
add(np.dsplit, A((2, 2, 4)), C(2))
for _key in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    add(_key, A(None))
    add(_key, A((3,)))
    add(_key, A(()), A((2, 3)))
add(np.broadcast_arrays, A((3,)), A((2, 1)))
add(np.broadcast_arrays, A(None), A((2,)), A((3, 1)))
for _key in (np.take, method("take")):
    add(_key, A((5,)), C(np.array([0, 3, 3, 1])))
    add(_key, A((3, 4)), C(np.array([[0, 2], [2, 2]])), C(1))
add(np.take, A((2, 3)), C(np.array([1, 4])))
add(np.take, A((4,)), C(np.array([5, -1, 2])), mode="wrap")
add(np.take, A((4,)), C(np.array([5, -1, 2])), mode="clip")
add(np.take_along_axis, A((3, 4)), F(lambda rng: rng.integers(0, 4, size=(3, 5)), "idx35"),
    C(1))
add(np.take_along_axis, A((3, 4)), F(lambda rng: rng.integers(0, 3, size=(2, 1)), "idx21"),
    C(0))
add(np.take_along_axis, A((6,)), F(lambda rng: rng.integers(0, 6, size=(8,)), "idx8"),
    C(None))
# inserting and deleting; np.r_ and np.c_ (their rt helpers, in pairs that transpose)
add(np.append, A((2, 3)), A((2, 2)), axis=1)
add(np.append, A((3,)), A(None))
add(np.append, A((2, 3)), A((4,)))
add(np.insert, A((4,)), C(1), A(None))
add(np.insert, A((2, 3)), C([0, 2]), A((2, 2)), axis=1)
add(np.insert, A((2, 3)), C(1), A((3,)), axis=0)
add(np.delete, A((4,)), C(1))
add(np.delete, A((3, 4)), C([0, 2]), axis=1)
add(np.delete, A((2, 3)), C(slice(0, 2)), axis=None)
for _flag in (True, False):
    add(runtime.append_part, A((2, 3) if _flag else (2, 2)), A((2, 3)), A((2, 2)), C(1),
        C(_flag))
    add(runtime.append_vjp, A((2, 5)), A((2, 3)), A((2, 2)), C(1), C(_flag))
    add(runtime.insert_part, A((4,) if _flag else ()), A((4,)), C(2), A(()), C(None),
        C(_flag))
    add(runtime.insert_vjp, A((2, 5)), A((2, 3)), C([0, 2]), A((2, 2)), C(1), C(_flag))
add(runtime.append_vjp, A((4,)), A((3,)), A(()), C(None), C(False))
add(runtime.delete_vjp, A((3, 2)), A((3, 4)), C([0, 2]), C(1))
add(runtime.delete_vjp, A((2,)), A((4,)), C([1, 3]))
add(runtime.r_, L(A((3,)), A(None), A((3,)), kind=tuple))
add(runtime.r_, A((3,)))
add(runtime.c_, L(A((3,)), A((3, 2)), kind=tuple))
add(runtime.c_, A((3,)))
add(runtime.r_vjp, A((7,)), L(A((3,)), A(None), A((3,)), kind=tuple))
add(runtime.r_vjp, A((3,)), A((3,)))
add(runtime.c_vjp, A((3, 3)), L(A((3,)), A((3, 2)), kind=tuple))
add(runtime.c_vjp, A((3, 1)), A((3,)))

# ---- constructors and draws ----------------------------------------------------------

add(np.array, L(A(None), A(None), A(None)))
add(np.array, L(L(A(None), A(None)), L(A(None), A(None))))
add(np.array, L(A((3,)), A((3,))))
add(np.array, A((2, 3)))
add(np.array, L(A(None), A(None)), ndmin=2)
for _key in (np.asarray, np.asanyarray):
    add(_key, L(A(None), A(None), kind=tuple))
    add(_key, A((2, 3)))
for _key in (np.ascontiguousarray, np.asfortranarray):
    add(_key, A((2, 3)))
    add(_key, A(None))
add(np.full, C((2, 3)), A(None))
add(np.full, C((2, 3)), A((3,)))
add(np.full_like, A((2, 3)), A(None))
add(np.full_like, A((2, 3)), A((2, 1)))
add(np.linspace, A(None), A(None), C(5))
add(np.linspace, A(None), A(None), C(4), endpoint=False)
add(np.linspace, A((3,)), A(None), C(4), axis=1)
add(np.linspace, A((2, 1)), A((3,)), C(5), axis=-1)
add(np.arange, F(lambda rng: rng.uniform(0.2, 0.4), "start"), C(5.0),
    F(lambda rng: rng.uniform(0.6, 0.8), "step"))
add(np.arange, F(lambda rng: rng.uniform(4.2, 4.8), "stop"))
add(np.arange, F(lambda rng: rng.uniform(0.2, 0.4), "start"), C(3.0))
for _key in (np.random.normal, np.random.laplace, np.random.logistic, np.random.gumbel):
    add(_key, A((3,)), A((3,), "pos"), C((2, 3)), seed=7, float32=False)
    add(_key, A(None), A(None, "pos"), seed=3, float32=False)
add(np.random.uniform, A((3,)), A((3,), "gt1"), C((2, 3)), seed=5, float32=False)
add(np.random.exponential, A((3,), "pos"), C((4, 3)), seed=2, float32=False)
add(np.random.lognormal, A((3,), "unit"), A((3,), "pos"), C((2, 3)), seed=11,
    float32=False)


class _Restarting:
    """A RandomState (or Generator) that starts again from its seed at every draw, so
    that the spec's repeated calls (both modes, finite differences) see one draw; the
    generated wrappers (rule_wrappers.py) make it afresh from `source_text`."""

    def __init__(self, make, source_text):
        self.make, self.source_text = make, source_text

    def __getattr__(self, name):
        return getattr(self.make(), name)

    def __repr__(self):
        return self.source_text


for _gen in (C(_Restarting(lambda: np.random.RandomState(4), "np.random.RandomState(4)")),
             C(_Restarting(lambda: np.random.default_rng(4), "np.random.default_rng(4)"))):
    for _key in (runtime.generator_normal, runtime.generator_laplace,
                 runtime.generator_logistic, runtime.generator_gumbel):
        add(_key, _gen, A((3,)), A((3,), "pos"), C((2, 3)), float32=False)
        add(_key, _gen, A(None), A(None, "pos"), float32=False)
    add(runtime.generator_uniform, _gen, A((3,)), A((3,), "gt1"), C((2, 3)), float32=False)
    add(runtime.generator_exponential, _gen, A((3,), "pos"), C((4, 3)), float32=False)
    add(runtime.generator_lognormal, _gen, A((3,), "unit"), A((3,), "pos"), C((2, 3)),
        float32=False)


# ---- evaluating a rule's terms directly ------------------------------------------------

def bind(rule, args, kwargs) -> dict:
    """Parameter name -> value, as the transforms bind a call (defaults filled in)."""
    args, bound = list(args), {}
    for name in rule.params:
        if args and name in rule.positional:
            bound[name] = args.pop(0)
        elif name in kwargs:
            bound[name] = kwargs[name]
        elif name in rule.defaults:
            bound[name] = rule.defaults[name]
        else:
            raise TypeError(f"{rule.name}: missing argument {name!r}")
    if rule.varargs:
        bound[rule.varargs] = tuple(args)
    elif args:
        raise TypeError(f"{rule.name}: too many arguments")
    unknown = set(kwargs) - set(bound)
    if unknown:
        raise TypeError(f"{rule.name}: unknown keyword arguments {sorted(unknown)}")
    return bound


def term_env(bound, ans, **extra) -> dict:
    import s2sad.runtime as rt
    return {"np": np, "math": math, "rt": rt, **bound, "ans": ans, **extra}


def eval_jvp(rule, bound, ans, tangents: dict):
    """The output tangent: the sum of the terms of the parameters in `tangents`."""
    import s2sad.runtime as rt
    env = term_env(bound, ans, **{"d" + p: t for p, t in tangents.items()})
    terms = [eval(rule.jvp[p], env) for p in tangents]
    total = terms[0]
    for term in terms[1:]:
        total = rt.accumulate(total, term)
    return rt.match_shape(total, ans) if rule.elementwise else total


def eval_vjp(rule, bound, ans, g, params) -> dict:
    """Each parameter's cotangent contribution (unbroadcast for elementwise rules)."""
    import s2sad.runtime as rt
    env = term_env(bound, ans, g=g)
    out = {}
    for p in params:
        contrib = eval(rule.vjp[p], env)
        out[p] = rt.unbroadcast(contrib, bound[p]) if rule.elementwise else contrib
    return out


# ---- integer arguments next to float ones (cotangents must stay floating) ---------------

_INTS = C(np.array([[1, -2, 3], [0, 4, 1]]), "int2x3")
add(np.multiply, _INTS, A((3,)), label="-int", float32=False)
add(operator.add, A(None), _INTS, label="-int", float32=False)
add(np.dot, _INTS, A((3,)), label="-int", float32=False)
add(np.where, _COND, _INTS, A((2, 3)), label="-int", float32=False)
add(np.concatenate, L(_INTS, A((1, 3))), label="-int", float32=False)
add(np.stack, L(A((2, 3)), _INTS), label="-int", float32=False)
add(np.array, L(A(None), C(2), A(None)), label="-int", float32=False)
add(builtins.max, A(None), C(-5), label="-int", float32=False)
add(operator.getitem, L(C(1), A(None), C(3)), C(1), label="-int", float32=False)


# ---- array_like arguments: lists of numbers and arrays --------------------------------

add(np.sum, L(A(None), A(None), A(None)), label="-list")
add(np.mean, L(A((2,)), A((2,))), axis=0, label="-list")
add(np.max, L(A(None), A(None)), label="-list")
add(np.prod, L(A(None), A(None)), label="-list")
add(np.sin, L(A(None), A(None)), label="-list")
add(np.dot, L(A(None), A(None)), A((2,)), label="-list")
add(np.linalg.norm, L(A(None), A(None)), label="-list")
add(np.cumsum, L(A(None), A(None)), label="-list")
add(np.reshape, L(A(None), A(None)), C((2, 1)), label="-list")
add(np.sort, L(A(None), A(None), A(None)), label="-list")
add(operator.getitem, A((3, 4)), C(np.intp(2), "intp"), label="-npint")


def _tested_elsewhere() -> dict:
    """Rules the generic spec harness cannot call, each with the test file that checks
    it instead: the ODE solvers take the user's right-hand side as an argument, and
    their second derivatives are refused (rules/scipy_integrate.py)."""
    try:
        import scipy.integrate as si
    except ImportError:
        return {}
    reason = "tests/test_scipy_integrate.py"
    return {key: reason for key in (si.odeint, runtime.solve_ivp_y, runtime.odeint_vjp,
                                    runtime.odeint_jvp, runtime.solve_ivp_y_vjp,
                                    runtime.solve_ivp_y_jvp)}


TESTED_ELSEWHERE = _tested_elsewhere()


def specs_for(key) -> list:
    """The specs of one registry key."""
    return [s for s in SPECS if s.fn_key is key or (isinstance(key, str) and s.fn_key == key)]



# ---- runtime helpers: the calls of derivative code (second and higher derivatives) ----
#
# Each helper called by a rule's terms has a rule of its own; these specs call them the
# way derivative code does.  `helper` takes one maker of all the arguments together when
# they must agree (a reduction's output and its input, tangents shaped like outputs);
# `wrt` then names the parameters to differentiate (the others are literals).

_rt = runtime


def helper(key, make, label, wrt=None, float32=True, **kwargs):
    """A spec of the runtime helper `key` with arguments `make(rng)`."""
    SPECS.append(RuleSpec(key, make, kwargs, f"rt.{key.__name__}({label})", float32, wrt))


def _n(rng, *shape):
    return rng.normal(size=shape)


# bookkeeping, containers, indexing
add(_rt.reduce_to, A((2, 3)), A((1, 3)))
add(_rt.reduce_to, A((3,)), A(None))
add(_rt.copy_of, A((2, 3)))
add(_rt.copy_of, L(A(None), A((2,))))
add(_rt.without_last, L(A(None), A((2,)), A(None)))
add(_rt.list_cotangent, L(A((2,)), A((2,)), A((2,)), kind=tuple), A((3, 2)))
add(_rt.list_cotangent, L(A(None), A(None)), L(A(None), A(None)))
add(_rt.repeat_items_vjp, L(A(None), A((2,)), A(None), A((2,))), L(A(None), A((2,))), C(2))
add(_rt.plus_jvp, A((3,)), A((3,)), A((2, 3)), A((2, 3)), C(True))
add(_rt.plus_jvp, L(A(None)), L(A(None), A((2,))), L(A(None)), L(A(None), A((2,)), A(None)),
    C(False))
add(_rt.plus_vjp, A((2, 3)), A((3,)), A((2, 3)), C(True))
add(_rt.plus_vjp, L(A(None), A((2,)), A(None)), L(A(None), A((2,))), L(A(None)), C(False))
add(_rt.setitem_value_vjp, A((5,)), C(np.array([0, 3, 0]), "[0,3,0]"), A((3,)))
add(_rt.setitem_value_vjp, A((4, 3)), C((1, slice(None)), "[1,:]"), A((3,)))
add(_rt.getitem_vjp, A((3,)), A((5,)), C(np.array([0, 3, 3]), "[0,3,3]"))
add(_rt.getitem_vjp, A((3,)), A((4, 3)), C(2))
add(_rt.getitem_vjp, A(None), L(A(None), A(None), A(None)), C(1))
helper(_rt.dict_values, lambda rng: ({"a": float(_n(rng)), "b": _n(rng, 2)}, ("a", "b")),
       "dict")
add(_rt.build_dict_from, C(("a", "b")), L(A(None), A((2,)), kind=tuple))
add(_rt.add_at, A((5,)), C(np.array([0, 2, 2]), "[0,2,2]"), A((3,)))
add(_rt.add_at, A((4, 3)), C(1), A((3,)))
add(_rt.add_at, L(A(None), A(None)), C(1), A(None))

# elementwise helpers
binary(_rt.fdiv, ("any", "nonzero"), shapes=((None, None), ((3,), (3,)), ((2, 3), (3,))))
binary(_rt.safe_ratio, ("any", "nonzero"), shapes=((None, None), ((3,), (3,)), ((2, 3), (3,))))
binary(_rt.strong_mul, shapes=((None, None), ((3,), (3,)), ((2, 3), (3,))))
binary(_rt.tangent_mul, shapes=((None, None), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3))))
binary(_rt.tangent_div, ("any", "nonzero"), shapes=((None, None), ((3,), (3,)), ((2, 3), (3,))))
unary(_rt.sinc_dx, "small")
add(_rt.sinc_dx, A((5,), "small", put=[(1, 0.0)]), C(2), label="-zero")
add(_rt.sinc_dx, A((4,), "gt1"), C(3))
add(_rt.log_dx, A(None, "pos"), C(None))
add(_rt.log_dx, A(None, "pos"), A(None, "gt1"))
add(_rt.log_dbase, A(None), A(None, "gt1"))
add(_rt.iter_sum_jvp, L(A(None), A(None), A(None)))
add(_rt.iter_sum_jvp, L(A((3,)), A((2, 3))))
add(_rt.iter_sum_jvp, A((4, 3)))
add(_rt.iter_sum_vjp, A(None), L(A(None), A(None)))
add(_rt.iter_sum_vjp, A((2, 3)), L(A((3,)), A((2, 3))))
add(_rt.iter_sum_vjp, A((3,)), A((4, 3)))


def _extremum_args(rng, n=3, iterable=False):
    args = tuple(float(v) for v in rng.normal(size=n))
    return (args,) if iterable else args, max(args)


helper(_rt.builtin_extremum_jvp,
       lambda rng: (tuple(float(v) for v in _n(rng, 3)),) + _extremum_args(rng), "max3",
       wrt=("t",))
helper(_rt.builtin_extremum_jvp,
       lambda rng: ((tuple(float(v) for v in _n(rng, 4)),),) + _extremum_args(rng, 4, True),
       "max(list)", wrt=("t",))
helper(_rt.builtin_extremum_vjp, lambda rng: (float(_n(rng)),) + _extremum_args(rng), "max3",
       wrt=("t",))
add(_rt.hypot_jvp, L(A(None), A(None)), L(A(None), A(None)), A(None, "pos"))
add(_rt.hypot_vjp, A(None), L(A(None), A(None), A(None)), A(None, "pos"))
add(_rt.diff_items, L(A(None), A(None)), L(A(None), A(None)))

# products and linear algebra
for _a, _b, _out in (((2, 3), (3, 4), (2, 4)), ((3,), (3, 4), (4,)), ((2, 3), (3,), (2,)),
                     ((2, 3), (5, 3, 4), (5, 2, 4)), ((3,), (3,), ())):
    add(_rt.matmul_vjp_a, A(_out), A(_a), A(_b))
    add(_rt.matmul_vjp_b, A(_out), A(_a), A(_b))
for _a, _b, _out in (((2, 3), (3,), (2,)), ((2, 2, 3), (4, 3, 2), (2, 2, 4, 2)),
                     ((), (3,), (3,)), ((3,), (3, 2), (2,))):
    add(_rt.dot_vjp_a, A(_out), A(_a), A(_b))
    add(_rt.dot_vjp_b, A(_out), A(_a), A(_b))
for _prod, _x, _o, _first, _extra in (("inner", (2, 3), (4, 3), True, ()),
                                      ("inner", (4, 3), (2, 3), False, ()),
                                      ("outer", (3,), (2, 2), True, ()),
                                      ("vdot", (2, 3), (3, 2), True, ()),
                                      ("kron", (2, 2), (3, 2), False, ()),
                                      ("cross", (4, 3), (3,), True, ()),
                                      ("tensordot", (2, 3), (3, 4), True, (1,)),
                                      ("tensordot", (3, 4), (2, 3), False, (1,)),
                                      ("matmul", (2, 3), (3, 4), True, ()),
                                      ("dot", (3,), (2, 3), False, ())):
    _shape = np.shape(getattr(np, _prod)(*((np.ones(_x), np.ones(_o)) if _first
                                           else (np.ones(_o), np.ones(_x))), *_extra))
    add(_rt.product_of, C(_prod), A(_x), A(_o), C(_first), C(_extra))
    add(_rt.product_vjp, C(_prod), A(_shape), A(_x), A(_o), C(_first), C(_extra))
# products of a tangent with strong zeros (forward-mode code)
for _prod, _t, _p, _first, _extra in (("matmul", (2, 3), (3, 4), True, ()),
                                      ("matmul", (3,), (2, 3), False, ()),
                                      ("dot", (2, 3), (3,), True, ()),
                                      ("inner", (2, 3), (4, 3), False, ()),
                                      ("outer", (3,), (2,), True, ()),
                                      ("vdot", (2, 3), (3, 2), True, ()),
                                      ("kron", (2, 2), (3, 2), False, ()),
                                      ("tensordot", (2, 3), (3, 4), True, (1,))):
    add(_rt.tangent_product, C(_prod), A(_t), A(_p), C(_first), C(_extra))
for _shape in ((3, 3), (2, 3, 3)):
    add(_rt.det_jvp, A(_shape), A(_shape))
    add(_rt.det_vjp, A(_shape[:-2]), A(_shape))
    add(_rt.slogdet_jvp, A(_shape), A(_shape, "square"), L(A(_shape[:-2]), A(_shape[:-2]),
                                                           kind=tuple))
    add(_rt.slogdet_vjp, L(A(_shape[:-2]), A(_shape[:-2]), kind=tuple), A(_shape, "square"))
    add(_rt.sym_from_triangle, A(_shape), C("L"))
    add(_rt.triangle_of, A(_shape), C("U"))
add(_rt.det_jvp, A((3, 3)), C(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]]),
                              "rank2"))
add(_rt.minor_rows, A((3, 3)), C(1.0))
add(_rt.minor_rows_vjp, A((3, 3, 3, 3)), A((3, 3)))
add(_rt.as_matrix, A((2, 3)), C(True))
add(_rt.as_matrix, A((2, 3)), C(False))
add(_rt.from_matrix, A((2, 3, 1)), C(True))
add(_rt.eig_gaps, A((4,)))
add(_rt.eig_gaps, A((2, 3)))
for _sub, _shapes, _out, _patterns in (
        ("ij,jk->ik", ((2, 3), (3, 4)), (2, 4), ((1, 0), (0, 1))),
        ("ii->i", ((3, 3),), (3,), ((0,),)),
        ("...i,...i", ((2, 3), (3,)), (2,), ((1, 0), (0, 1), (0, 0))),
        ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2)), (2, 2), ((1, 2, 0), (0, 1, 2)))):
    _layers = L(*[L(*[A(s) for s in _shapes], kind=tuple)
                  for _ in range(1 + max(max(p) for p in _patterns))], kind=tuple)
    add(_rt.einsum_patterns, C(_sub), _layers, C(_patterns))
    add(_rt.einsum_patterns_vjp, A(_out), C(_sub), _layers, C(_patterns))

# reductions
for _t, _a, _axis, _keep in (((2, 4), (2, 3, 4), 1, False), ((), (3,), None, False),
                             ((2, 1, 4), (2, 3, 4), 1, True), ((3,), (2, 3, 4), (0, 2), False)):
    add(_rt.sum_vjp, A(_t), A(_a), C(_axis), C(_keep))
    add(_rt.mean_vjp, A(_t), A(_a), C(_axis), C(_keep))
    add(_rt.var_jvp, A(_a), A(_a), C(_axis), C(1), C(_keep))
    add(_rt.var_vjp, A(_t), A(_a), C(_axis), C(0), C(_keep))
    add(_rt.prod_jvp, A(_a), A(_a, "pos"), C(_axis), C(_keep))
    add(_rt.prod_vjp, A(_t), A(_a, "pos"), C(_axis), C(_keep))
    add(_rt.ptp_jvp, A(_a), A(_a), C(_axis), C(_keep))
    add(_rt.ptp_vjp, A(_t), A(_a), C(_axis), C(_keep))
    add(_rt.median_jvp, A(_a), A(_a), C(_axis), C(_keep))
    add(_rt.median_vjp, A(_t), A(_a), C(_axis), C(_keep))
add(_rt.sum_vjp, A(None), L(A(None), A(None)), label="-list")
add(_rt.prod_jvp, A((4,)), A((4,), put=[(1, 0.0)]), label="-zero")
add(_rt.prod_vjp, A(()), A((4,), put=[(1, 0.0), (2, 0.0)]), label="-zeros")
add(_rt.prod_jvp, L(A(None), A(None), A(None)), L(A(None), A(None), A(None)), C(0), C(False),
    label="-list")
add(_rt.prod_vjp, A(None), L(A(None), A(None), A(None)), C(0), C(False), label="-list")
for _nan_jvp, _nan_vjp in ((_rt.nansum_jvp, _rt.nansum_vjp), (_rt.nanmean_jvp, _rt.nanmean_vjp)):
    _nans = A((3, 4), put=[((0, 1), np.nan), ((2, 2), np.nan)])
    add(_nan_jvp, A((3, 4)), _nans, C(1), wrt=("t",))
    add(_nan_vjp, A((3,)), _nans, C(1), wrt=("t",))


def _extremum(rng, shape, axis, keepdims, ties=False):
    a = np.round(rng.normal(size=shape), 0) if ties else rng.normal(size=shape)
    return a, np.max(a, axis=axis, keepdims=keepdims)


for _shape, _axis, _keep, _ties in (((4,), None, False, True), ((3, 4), 1, False, False),
                                    ((3, 4), 0, True, True)):
    helper(_rt.extremum_jvp, lambda rng, s=_shape, ax=_axis, k=_keep, t=_ties: (
        _n(rng, *s),) + _extremum(rng, s, ax, k, t) + (ax, k), f"{_shape};{_axis}", wrt=("t",))
    helper(_rt.extremum_vjp, lambda rng, s=_shape, ax=_axis, k=_keep, t=_ties: (lambda a, m: (
        _n(rng, *np.shape(m)), a, m, ax, k))(*_extremum(rng, s, ax, k, t)), f"{_shape};{_axis}",
        wrt=("t",))
add(_rt.cumsum_vjp, A((3, 4)), A((3, 4)), C(1))
add(_rt.cumsum_vjp, A((12,)), A((3, 4)), C(None))
add(_rt.trace_vjp, A(()), A((3, 3)))
add(_rt.trace_vjp, A((2,)), A((2, 3, 3)), C(0), C(1), C(2))
add(_rt.average_weights, A((2, 3)), C(1), A((3,), "pos"))
add(_rt.average_weights, A((2, 3)), C(None), A((2, 3), "pos"))
add(_rt.average_weights_vjp, A((2, 3)), A((2, 3)), C(1), A((3,)))
add(_rt.average_weights_vjp, A((2, 3)), A((2, 3)), C(None), A((2, 3)))
for _kind in ("others", "cumulative"):
    for _a, _axis in (((2, 3), 1), ((2, 3), None), ((2, 3, 2), (0, 2) if _kind == "others" else 0)):
        _k = int(np.prod([_a[i] for i in ((_axis,) if isinstance(_axis, int) else _axis)])) \
            if _axis is not None else int(np.prod(_a))
        _shape = (_a if _axis is not None or _kind == "others" else (int(np.prod(_a)),)) + (
            _a[_axis] if _kind == "cumulative" and _axis is not None else _k,)
        add(_rt.product_factors, A(_a), C(_axis), C(1.0), C(_kind))
        add(_rt.product_factors_vjp, A(_shape), A(_a), C(_axis), C(_kind))
for _a, _axis, _t in (((3, 4), 1, (3, 4)), ((5,), None, (5,)), ((2, 3), None, (6,))):
    add(_rt.cumprod_jvp, A(_a), A(_a, "pos"), A(_t), C(_axis))
    add(_rt.cumprod_vjp, A(_t), A(_a, "pos"), A(_t), C(_axis))
add(_rt.cumprod_jvp, A((2, 4)), A((2, 4), put=[((0, 1), 0.0), ((1, 3), 0.0)]), A((2, 4)), C(1),
    label="-zeros")
add(_rt.cumprod_vjp, A((5,)), A((5,), put=[(2, 0.0)]), A((5,)), C(None), label="-zero")

# norms
for _q, _signed in ((1.0, True), (0.5, True), (2.5, False), (0.0, True), (-2.5, True)):
    add(_rt.norm_power, A((2, 3), "nonzero"), A((1, 3), "pos"), C(_q), C(_signed))
for _x, _ord, _axis in (((3, 4), "nuc", None), ((3, 4), 2, None), ((4, 3), -2, None),
                        ((2, 3, 4), 2, (2, 1)), ((2, 4, 3), "nuc", (1, 2))):
    add(_rt.spectral_grad, A(_x), C(_ord), C(_axis))
    add(_rt.spectral_grad_jvp, A(_x), A(_x), C(_ord), C(_axis), wrt=("t",))
add(_rt.spectral_grad, A((3,)), C(None), C(None), label="-vector")
add(_rt.spectral_grad_jvp, A((3, 4)), A((3, 4)), C("fro"), C(None), label="-fro")
add(_rt.spectral_third, A((3,)), A((3,)), A((3,)), C(1), C(None), label="-vector")

# constructors
add(_rt.array_jvp, L(A(None), A(None), A(None)), A((3,)))
add(_rt.array_jvp, A((2, 3)), A((2, 3)))
add(_rt.array_vjp, A((3,)), L(A(None), A(None), A(None)))
add(_rt.array_vjp, A((2, 2)), L(L(A(None), A(None)), L(A(None), A(None))))
add(_rt.linspace_jvp, A(None), A((5,)), C(5), C(True), C(False), C(0), C("start"))
add(_rt.linspace_jvp, A((3,)), A((3, 4)), C(4), C(False), C(False), C(1), C("stop"))
add(_rt.linspace_vjp, A((5,)), A(None), A((5,)), C(5), C(True), C(False), C(0), C("stop"))
add(_rt.linspace_vjp, A((3, 4)), A((3,)), A((3, 4)), C(4), C(True), C(False), C(1), C("start"))
add(_rt.arange_start_jvp, A(None), A((5,)), C(5.0))
add(_rt.arange_start_jvp, A(None), A((5,)), C(None))
add(_rt.arange_start_vjp, A((5,)), A(None), C(5.0))
add(_rt.arange_step_jvp, A(None), A((5,)))
add(_rt.arange_step_vjp, A((5,)), A(None))

# shapes, joining, splitting, indexing
add(_rt.transpose_vjp, A((3, 2)), A((2, 3)))
add(_rt.transpose_vjp, A((4, 2, 3)), A((2, 3, 4)), C((-1, 0, 1)))
add(_rt.ravel_jvp, A((2, 3)), A((2, 3)), C("F"))
add(_rt.ravel_jvp, A((2, 4)), F(lambda rng: rng.normal(size=(3, 4))[::2, ::-1], "strided"),
    C("K"))
add(_rt.ravel_vjp, A((6,)), A((2, 3)), C("F"))
add(_rt.reshape_vjp, A((3, 2)), A((2, 3)))
add(_rt.reshape_vjp, A((6,)), A((2, 3)), C("F"))
add(_rt.roll_vjp, A((5,)), C(2))
add(_rt.roll_vjp, A((3, 4)), C((1, -2)), C((0, 1)))
add(_rt.tile_vjp, A((2, 6)), A((2, 3)), C((1, 2)))
add(_rt.repeat_vjp, A((12,)), A((2, 3)), C(2))
add(_rt.repeat_vjp, A((2, 4)), A((2, 3)), C(np.array([1, 0, 3]), "[1,0,3]"), C(1))
add(_rt.diff_vjp, A((4,)), A((5,)))
add(_rt.diff_vjp, A((3, 3)), A((3, 5)), C(2), C(-1))
add(_rt.diag_vjp, A((3, 3)), A((3,)))
add(_rt.diag_vjp, A((3,)), A((3, 4)), C(1))
add(_rt.diagonal_vjp, A((3,)), A((3, 4)))
add(_rt.diagonal_vjp, A((3, 1)), A((2, 3, 4)), C(1), C(2), C(0))
add(_rt.take_vjp, A((4,)), A((5,)), C(np.array([0, 3, 3, 1]), "[0,3,3,1]"))
add(_rt.take_vjp, A((3, 2, 2)), A((3, 4)), C(np.array([[0, 2], [2, 2]]), "[[0,2],[2,2]]"), C(1))
add(_rt.take_along_axis_vjp, A((3, 5)), A((3, 4)),
    F(lambda rng: rng.integers(0, 4, size=(3, 5)), "idx35"), C(1))
add(_rt.item_jvp, A((2, 3)), C((1, 2)))
add(_rt.item_jvp, A((1,)), C(()))
add(_rt.item_vjp, A(None), A((2, 3)), C((4,)))
add(_rt.sort_jvp, A((5,)), A((5,)))
add(_rt.sort_jvp, A((3, 4)), A((3, 4)), C(0))
add(_rt.sort_vjp, A((5,)), A((5,)))
add(_rt.sort_vjp, A((12,)), A((3, 4)), C(None))
add(_rt.pad_jvp, A((3,)), C(2))
add(_rt.pad_jvp, A((3, 4)), C(((1, 2), (2, 1)), "((1,2),(2,1))"), C("reflect"))
add(_rt.pad_vjp, A((7,)), A((3,)), C(2))
add(_rt.pad_vjp, A((6, 7)), A((3, 4)), C(((1, 2), (2, 1)), "((1,2),(2,1))"), C("wrap"))
add(_rt.pad_constant_jvp, A(None), A((2, 3)), C(1))
add(_rt.pad_constant_vjp, A((4, 5)), A((2, 3)), C(1), A(None))
add(_rt.concatenate_vjp, A((7, 3)), L(A((2, 3)), A((1, 3)), A((4, 3))), C(0))
add(_rt.concatenate_vjp, A((9,)), L(A((2, 3)), A((3,))), C(None))
add(_rt.stack_vjp, A((3, 2, 3)), L(A((2, 3)), A((2, 3)), A((2, 3))), C(0))
add(_rt.stack_vjp, A((2,)), L(A(None), A(None)), C(0))
add(_rt.stacked, L(A((3,)), A((2, 3))), C("vstack"))
add(_rt.stacked, L(A((2, 3)), A((2, 1))), C("hstack"))
add(_rt.stacked_vjp, A((3, 3)), L(A((3,)), A((2, 3))), C("vstack"))
add(_rt.stacked_vjp, A((3, 3)), L(A((3,)), A((3, 2))), C("column_stack"))
add(_rt.split_pieces, A((6,)), C("split"), C((3,)))
add(_rt.split_pieces, A((2, 6)), C("array_split"), C(([1, 4], 1)))
add(_rt.split_vjp, L(A((2,)), A((2,)), A((2,))), A((6,)), C("split"), C((3,)))
add(_rt.split_vjp, L(A((2, 1)), A((2, 3)), A((2, 2))), A((2, 6)), C("array_split"),
    C(([1, 4], 1)))
add(_rt.broadcast_all, L(A((3,)), A((2, 1))))
add(_rt.broadcast_arrays_vjp, L(A((2, 3)), A((2, 3)), kind=tuple), L(A((3,)), A((2, 1))))
add(_rt.atleast, L(A(None)), C(2))
add(_rt.atleast, L(A(()), A((2, 3))), C(3))
add(_rt.atleast_vjp, A((1, 1)), L(A(None)), C(2))
add(_rt.atleast_vjp, L(A((1, 1, 1)), A((2, 3, 1))), L(A(()), A((2, 3))), C(3))


# ---- numpy.fft, complex values, np.diff's edges, np.partition (another module) ------------

try:
    import rule_specs_numpy_more as _more
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs_numpy_more as _more
_more.extend(add, A, C, F, L)

# ---- scipy.special (optional: registered only when SciPy is installed) -------------------

try:
    import scipy.special as _sc
except ImportError:  # pragma: no cover - SciPy is an optional dependency
    _sc = None

if _sc is not None:
    _PROB = F(lambda rng: rng.uniform(0.1, 0.9, size=(2, 3)), "prob2x3")
    for _fn, _dom in ((_sc.expit, "any"), (_sc.erf, "any"), (_sc.erfc, "any"),
                      (_sc.erfinv, "unit"), (_sc.gammaln, "pos"), (_sc.digamma, "pos"),
                      (_sc.gamma, "pos")):
        unary(_fn, _dom, shapes=(None, (), (3,), (2, 3)), label="[scipy]")
    add(_sc.logit, _PROB, label="[scipy]")
    add(_sc.logit, F(lambda rng: float(rng.uniform(0.1, 0.9)), "prob"), label="[scipy]")
    for _fn, _dom in ((_sc.beta, ("pos", "pos")), (_sc.betaln, ("pos", "pos")),
                      (_sc.xlogy, ("any", "pos")), (_sc.xlog1py, ("any", "pos"))):
        binary(_fn, _dom, shapes=((None, None), ((), (3,)), ((2, 3), (1, 3)), ((2, 1), (3,))),
               label="[scipy]")
    add(_sc.xlogy, C(np.array([0.0, 1.0, 0.0])), A((3,), "pos"), label="[scipy]-zero")
    add(_sc.polygamma, C(1), A((3,), "pos"), float32=False, label="[scipy]")
    add(_sc.polygamma, C(np.array([0, 1, 2]), "[0,1,2]"), A((2, 3), "pos"), float32=False,
        label="[scipy]")
    add(_sc.polygamma, C(0), A(None, "pos"), float32=False, label="[scipy]")
    reduction(_sc.logsumexp, label="[scipy]")
    add(_sc.logsumexp, A((2, 3)), C(1), A((3,), "pos"), label="[scipy]-b")
    add(_sc.logsumexp, A((2, 3)), C(None), A((2, 3), "pos"), label="[scipy]-b")
    add(_sc.logsumexp, A((2, 3, 4)), C((0, 2)), A((3, 1), "pos"), C(True), label="[scipy]-b")
    for _fn in (_sc.softmax, _sc.log_softmax):
        add(_fn, A((4,)), label="[scipy]")
        add(_fn, A((2, 3)), label="[scipy]")
        add(_fn, A((2, 3)), axis=1, label="[scipy]")
        add(_fn, A((2, 3, 2)), axis=(0, 2), label="[scipy]")
    add(_rt.polygamma, C(1), A((3,), "pos"))
    add(_rt.polygamma, C(0), A(None, "pos"))
    add(_rt.lse_weights, A((2, 3)), A((3,), "pos"), C(False))
    add(_rt.lse_weights, A((2, 3)), A((2, 1), "pos"))

# ---- decompositions, scipy.linalg, math.gamma: tests/rule_specs_linalg_more.py ---------
try:
    from rule_specs_linalg_more import register as _linalg_more
except ImportError:  # collected as part of a `tests` package
    from tests.rule_specs_linalg_more import register as _linalg_more
_linalg_more(add, A, C, F, L)
SPECS.extend(importlib.import_module(__name__.replace("specs", "specs_scipy_stats")).SPECS)

# ---- the coverage to-do list: tests/rule_specs_coverage_more.py -------------------------
try:
    import rule_specs_coverage_more as _coverage_more
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs_coverage_more as _coverage_more
_coverage_more.extend(add, A, C, F, L)
