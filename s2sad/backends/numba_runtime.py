"""Numba versions of the `rt.` helpers: the namespace `rt` of derivative code that the
Numba backend compiles (numba_backend.py binds it in place of `s2sad.runtime`).

Each helper here computes what the helper of the same name in `s2sad.runtime` does,
for the argument types it accepts: Python-like scalars (float, int, bool) and NumPy
arrays, chosen when Numba types the call (`numba.extending.overload`).  Any other
combination (a tuple cotangent, an index array, a broadcast the helper cannot do
exactly) is a typing error, so the derivative falls back to the Python backend
rather than compute something else.  Helpers of `s2sad.runtime` missing here make
the backend fall back before compiling (`SUPPORTED`).

The stubs themselves, called from Python, run the Python helper.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core.errors import TypingError
from numba.extending import overload

from .. import runtime as _py
from . import numba_kernels as _k

SCALARS = (types.Float, types.Integer, types.Boolean)


def _scalar(t) -> bool:
    return isinstance(t, SCALARS)


def _array(t, ndim=None) -> bool:
    return isinstance(t, types.Array) and (ndim is None or t.ndim == ndim)


def _float_array(t) -> bool:
    return _array(t) and isinstance(t.dtype, types.Float)


def _same_floats(*ts) -> bool:
    """Float arrays (or scalars) of one dtype: products of them keep that dtype."""
    dtypes = {t.dtype if _array(t) else t for t in ts}
    return all(_float_array(t) or isinstance(t, types.Float) for t in ts) and len(dtypes) == 1


def _refuse(name, *args):
    raise TypingError(f"rt.{name} has no Numba version for arguments of types "
                      f"{', '.join(str(a) for a in args)}")


def _stub(name):
    python = getattr(_py, name)

    def stub(*args):
        return python(*args)
    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"rt.{name} for Numba (see s2sad.runtime.{name})."
    return stub


# ---- elementwise -----------------------------------------------------------------------

@njit(error_model="numpy", cache=False)
def fdiv(a, b):
    """IEEE division (a / 0 is +-inf, 0 / 0 is nan), as s2sad.runtime.fdiv."""
    return a / b


sign = _stub("sign")
max_weight = _stub("max_weight")
strong_mul = _stub("strong_mul")
safe_ratio = _stub("safe_ratio")
pow_dx = _stub("pow_dx")
pow_dy = _stub("pow_dy")
log_dx = _stub("log_dx")
log_dbase = _stub("log_dbase")
copysign_dx = _stub("copysign_dx")
plus = _stub("plus")
accumulate = _stub("accumulate")


@overload(sign)
def _sign(x):
    if _scalar(x):
        return lambda x: float(x > 0) - float(x < 0)
    if _float_array(x):
        return lambda x: np.sign(x)
    _refuse("sign", x)


@overload(max_weight)
def _max_weight(x, y):
    if _scalar(x) and _scalar(y):
        return lambda x, y: 1.0 if x > y else 0.5 if x == y else 0.0
    _refuse("max_weight", x, y)


@overload(strong_mul)
def _strong_mul(a, b):
    if _scalar(a) and _scalar(b):
        return lambda a, b: float(a * b) if a and b else 0.0
    _refuse("strong_mul", a, b)


@overload(safe_ratio)
def _safe_ratio(x, y):
    if _scalar(x) and _scalar(y):
        return lambda x, y: x / y if y else 0.0
    _refuse("safe_ratio", x, y)


@overload(pow_dx)
def _pow_dx(x, y):
    if _scalar(x) and _scalar(y):
        def impl(x, y):
            if y == 0:
                return 0.0
            if x == 0 and y < 1:
                return np.inf          # Python: 0.0 ** negative raises, caught as inf
            return y * x ** (y - 1)
        return impl
    _refuse("pow_dx", x, y)


@overload(pow_dy)
def _pow_dy(x, ans):
    if _scalar(x) and _scalar(ans):
        def impl(x, ans):
            if x > 0:
                return ans * np.log(x)
            return 0.0 if x == 0 and ans == 0 else np.nan
        return impl
    _refuse("pow_dy", x, ans)


@overload(log_dx)
def _log_dx(x, base):
    if _scalar(x) and isinstance(base, (types.NoneType, types.Omitted)):
        return lambda x, base: 1.0 / x
    if _scalar(x) and _scalar(base):
        return lambda x, base: 1.0 / (x * np.log(base))
    _refuse("log_dx", x, base)


@overload(log_dbase)
def _log_dbase(ans, base):
    if _scalar(ans) and _scalar(base):
        return lambda ans, base: fdiv(-ans, base * np.log(base))
    _refuse("log_dbase", ans, base)


@overload(copysign_dx)
def _copysign_dx(x, y):
    if _scalar(x) and _scalar(y):
        return lambda x, y: (float(x > 0) - float(x < 0)) * np.copysign(1.0, y)
    _refuse("copysign_dx", x, y)


@overload(plus)
def _plus(a, b):
    if (_scalar(a) or _array(a)) and (_scalar(b) or _array(b)):
        return lambda a, b: a + b
    _refuse("plus", a, b)


@overload(accumulate)
def _accumulate(a, b):
    if isinstance(a, types.BaseTuple) and isinstance(b, types.BaseTuple) and len(a) == len(b):
        return _tuple_impl("a, b", len(a), lambda i: f"accumulate(a[{i}], b[{i}])")
    if (_scalar(a) or _array(a)) and (_scalar(b) or _array(b)):
        return lambda a, b: a + b
    _refuse("accumulate", a, b)


def _tuple_impl(params: str, n: int, item) -> object:
    """`def impl(<params>): return (item(0), ..., item(n - 1),)`, compiled in this
    module's namespace: a tuple built item by item (Numba cannot build one in a loop)."""
    items = "".join(f"{item(i)}, " for i in range(n))
    namespace: dict = {}
    exec(f"def impl({params}):\n    return ({items})\n", globals(), namespace)
    return namespace["impl"]


def _literal_index(index, n: int):
    """The position a literal int index selects in a tuple of length n, or None."""
    if isinstance(index, types.IntegerLiteral) and -n <= index.literal_value < n:
        return index.literal_value % n
    return None


# ---- shapes and dtypes -----------------------------------------------------------------

zeros_like = _stub("zeros_like")
cast_like = _stub("cast_like")
unbroadcast = _stub("unbroadcast")
match_shape = _stub("match_shape")


@overload(zeros_like)
def _zeros_like(x):
    if isinstance(x, types.BaseTuple):
        return _tuple_impl("x", len(x), lambda i: f"zeros_like(x[{i}])")
    if _scalar(x) or isinstance(x, types.NoneType):
        return lambda x: 0.0
    if _array(x) and x.ndim > 0:
        dtype = x.dtype if isinstance(x.dtype, types.Float) else types.float64
        return lambda x: _k.filled(x.shape, dtype, 0.0)
    _refuse("zeros_like", x)


@overload(unbroadcast)
def _unbroadcast(g, x):
    if _scalar(x):
        if _scalar(g):
            return lambda g, x: g
        if _array(g):
            return lambda g, x: _k.total(g)
    if _array(x) and _array(g) and 0 < x.ndim <= 2 and x.ndim <= g.ndim <= 2:
        if g.ndim > x.ndim:                     # g (m, n) for x (n,) or (1,)
            return lambda g, x: unbroadcast(_k.sum_to(g, np.intp(1), g.shape[1])[0], x)
        if x.ndim == 1:
            def impl(g, x):
                if g.shape == x.shape:
                    return _k.contiguous(g)
                out = np.empty(1, g.dtype)
                out[0] = _k.total(g)
                return out
            return impl

        def impl2(g, x):
            if g.shape == x.shape:
                return _k.contiguous(g)
            return _k.sum_to(g, x.shape[0], x.shape[1])
        return impl2
    _refuse("unbroadcast", g, x)


def outer(a, b):
    """np.outer, which the Numba forms write as rt.outer (numba_forms.CALLS): a loop
    for two 1-d float arrays of one dtype, np.outer otherwise."""
    return np.outer(a, b)


@overload(outer)
def _outer_ol(a, b):
    if _array(a, 1) and _array(b, 1) and _same_floats(a, b):
        return lambda a, b: _k.outer(a, b)
    if _array(a) and _array(b):
        return lambda a, b: np.outer(a, b)
    _refuse("outer", a, b)


@overload(cast_like)
def _cast_like(g, x):
    if isinstance(x, types.BaseTuple) and isinstance(g, types.BaseTuple) and \
            len(x) == len(g):
        return _tuple_impl("g, x", len(x), lambda i: f"cast_like(g[{i}], x[{i}])")
    if isinstance(x, (types.Integer, types.Boolean)) and _scalar(g):
        return lambda g, x: float(g)
    if isinstance(x, types.Float):
        if _scalar(g):
            return lambda g, x: float(g)
        if _array(g):
            return lambda g, x: float(unbroadcast(g, x))
    if _array(x) and x.ndim > 0:
        dtype = x.dtype if isinstance(x.dtype, types.Float) else types.float64
        if _scalar(g):
            return lambda g, x: _k.filled(x.shape, dtype, g)
        if _array(g) and g.ndim == x.ndim and g.dtype == dtype:
            def same(g, x):
                if g.shape != x.shape:
                    raise ValueError("cast_like: the cotangent has another shape")
                return _k.contiguous(g)
            return same
        if _array(g) and g.ndim == x.ndim:
            def impl(g, x):
                if g.shape != x.shape:
                    raise ValueError("cast_like: the cotangent has another shape")
                return g.astype(dtype)
            return impl
    _refuse("cast_like", g, x)


@overload(match_shape)
def _match_shape(t, ans):
    if _scalar(ans) and _scalar(t):
        return lambda t, ans: t
    if _array(ans) and ans.ndim > 0:
        dtype = ans.dtype if isinstance(ans.dtype, types.Float) else None
        if _scalar(t) and dtype is not None:
            return lambda t, ans: _k.filled(ans.shape, dtype, t)
        if _array(t) and t.ndim == ans.ndim:
            def impl(t, ans):
                if t.shape != ans.shape:
                    raise ValueError("match_shape: the tangent has another shape")
                return t
            return impl
    _refuse("match_shape", t, ans)


# ---- reductions and products -----------------------------------------------------------

sum_vjp = _stub("sum_vjp")
mean_vjp = _stub("mean_vjp")
matmul_vjp_a = _stub("matmul_vjp_a")
matmul_vjp_b = _stub("matmul_vjp_b")


def _whole(axis, keepdims) -> bool:
    """A reduction over every axis, without keepdims (axis=None, keepdims=False)."""
    return isinstance(axis, (types.NoneType, types.Omitted)) and (
        isinstance(keepdims, types.Omitted) or
        isinstance(keepdims, types.BooleanLiteral) and not keepdims.literal_value)


@overload(sum_vjp, prefer_literal=True)
def _sum_vjp(g, a, axis=None, keepdims=False):
    if _scalar(g) and _float_array(a) and _whole(axis, keepdims):
        return lambda g, a, axis=None, keepdims=False: _k.filled(a.shape, a.dtype, g)
    _refuse("sum_vjp", g, a, axis, keepdims)


@overload(mean_vjp, prefer_literal=True)
def _mean_vjp(g, a, axis=None, keepdims=False):
    if _scalar(g) and _float_array(a) and _whole(axis, keepdims):
        return lambda g, a, axis=None, keepdims=False: _k.filled(a.shape, a.dtype,
                                                                  g / a.size)
    _refuse("mean_vjp", g, a, axis, keepdims)


@overload(matmul_vjp_a)
def _matmul_vjp_a(g, a, b):
    if _same_floats(g, a, b) and a.ndim <= 2 and b.ndim <= 2:
        if a.ndim == 2 and b.ndim == 2:
            return lambda g, a, b: np.ascontiguousarray(g @ b.T)
        if a.ndim == 2:
            return lambda g, a, b: _k.outer(g, b)
        if b.ndim == 2:
            return lambda g, a, b: b @ g
        return lambda g, a, b: g * b
    _refuse("matmul_vjp_a", g, a, b)


@overload(matmul_vjp_b)
def _matmul_vjp_b(g, a, b):
    if _same_floats(g, a, b) and a.ndim <= 2 and b.ndim <= 2:
        if a.ndim == 2 and b.ndim == 2:
            return lambda g, a, b: np.ascontiguousarray(a.T @ g)
        if a.ndim == 2:
            return lambda g, a, b: _k.transposed_times(a, g)
        if b.ndim == 2:
            return lambda g, a, b: _k.outer(a, g)
        return lambda g, a, b: g * a
    _refuse("matmul_vjp_b", g, a, b)


# ---- item updates ----------------------------------------------------------------------

setitem = _stub("setitem")
setitem_inplace = _stub("setitem_inplace")
add_at = _stub("add_at")
add_at_inplace = _stub("add_at_inplace")


def _basic_index(index) -> bool:
    """An index that selects each element once (ints and slices), so that `+=`
    accumulates exactly as np.add.at would."""
    if isinstance(index, types.BaseTuple):
        return all(_basic_index(i) for i in index.types)
    return isinstance(index, (types.Integer, types.SliceType))


@overload(setitem)
def _setitem(a, index, value):
    if _array(a) and _basic_index(index):
        def impl(a, index, value):
            out = a.copy()
            out[index] = value
            return out
        return impl
    _refuse("setitem", a, index, value)


@overload(setitem_inplace)
def _setitem_inplace(a, index, value):
    if _array(a) and a.mutable and _basic_index(index):
        def impl(a, index, value):
            a[index] = value
            return a
        return impl
    _refuse("setitem_inplace", a, index, value)


getitem_vjp = _stub("getitem_vjp")


@overload(getitem_vjp, prefer_literal=True)
def _getitem_vjp(g, a, index):
    """The cotangent of a[k] for a tuple `a` and a literal k: g (as a float or an array
    of a[k]'s dtype) at k, zeros elsewhere."""
    k = _literal_index(index, len(a)) if isinstance(a, types.BaseTuple) else None
    if k is not None:
        return _tuple_impl("g, a, index", len(a), lambda i: f"cast_like(g, a[{i}])" if i == k
                           else f"zeros_like(a[{i}])")
    _refuse("getitem_vjp", g, a, index)


def _tuple_add_at(acc, index, g):
    k = _literal_index(index, len(acc)) if isinstance(acc, types.BaseTuple) else None
    if k is not None:
        return _tuple_impl("acc, index, g", len(acc), lambda i: f"accumulate(acc[{i}], g)"
                           if i == k else f"acc[{i}]")
    return None


@overload(add_at, prefer_literal=True)
def _add_at(acc, index, g):
    if isinstance(acc, types.BaseTuple):
        impl = _tuple_add_at(acc, index, g)
        if impl is not None:
            return impl
    if _array(acc) and _basic_index(index):
        def impl(acc, index, g):
            out = acc.copy()
            out[index] += g
            return out
        return impl
    _refuse("add_at", acc, index, g)


@overload(add_at_inplace, prefer_literal=True)
def _add_at_inplace(acc, index, g):
    if isinstance(acc, types.BaseTuple):
        impl = _tuple_add_at(acc, index, g)
        if impl is not None:
            return impl
    if _array(acc) and acc.mutable and _basic_index(index):
        def impl(acc, index, g):
            acc[index] += g
            return acc
        return impl
    _refuse("add_at_inplace", acc, index, g)


SUPPORTED = frozenset(
    name for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and (hasattr(_py, name) or name == "outer")
    and name not in ("njit", "overload", "TypingError"))
"""The names of `rt.` helpers with a Numba version."""
