"""Runtime helpers of (co)tangent bookkeeping, containers and call-time checks.

Zero (co)tangents and their sums (`zeros_like`, `accumulate`), shape and dtype
matching (`match_shape`, `cast_like`), functional updates of lists, tuples, dicts
and arrays (`setitem`, `appended`, `add_at`, ...) with the in-place variants the
in-place pass substitutes, `+`/`*` where kinds could not tell numbers from
sequences, and call-time checks (`refuse_in_place`, `check_finite`).  Lowering and
the transforms emit many of these directly; the container and operator rules call
the others in their terms.

Generated code calls these only where kinds do not prove them unnecessary: on
Python floats the transforms emit plain arithmetic instead.  Some have rules of their
own (`s2sad/rules/runtime_rules.py`), so derivative code can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError
from .common import FLOAT_SCALARS, is_basic_index, unbroadcast


def match_shape(t, ans, /):
    """Broadcast the tangent `t` to the shape of the primal output `ans`."""
    shape = np.shape(ans)
    if np.shape(t) == shape:
        return t
    dtype = np.result_type(ans)
    t = np.broadcast_to(t, shape)
    return t.astype(dtype) if dtype.kind == "f" and t.dtype != dtype else t


def zeros_like(x):
    """A zero (co)tangent for `x`: 0.0 for Python scalars, a float array for arrays,
    a tuple (list) of zeros for a tuple (list)."""
    if isinstance(x, (float, int)) or x is None:
        return 0.0
    if isinstance(x, (tuple, list)):
        return _same_kind(x, [zeros_like(item) for item in x])
    if isinstance(x, dict):
        return {k: zeros_like(v) for k, v in x.items()}
    if _other_array(x):         # a Dask array: zeros of its own type, still lazy
        return np.zeros_like(x, dtype=x.dtype if np.issubdtype(x.dtype, np.inexact) else np.float64)
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.float64
    if x.ndim == 0:
        return np.zeros((), dtype)[()]
    return np.zeros(x.shape, dtype)


def _other_array(x) -> bool:
    """An array of another library that NumPy dispatches to (`__array_function__`):
    a Dask array, not a NumPy array or scalar."""
    return not isinstance(x, (np.ndarray, np.generic)) and hasattr(x, "__array_function__") \
        and isinstance(getattr(x, "dtype", None), np.dtype) and hasattr(x, "shape")


def _same_kind(x, items: list):
    """`items` as a list for a list `x`, else as a tuple (named tuples too: (co)tangents
    of np.linalg.slogdet's result are plain tuples)."""
    return items if isinstance(x, list) else tuple(items)


def accumulate(a, b):
    """a + b for (co)tangents, item by item for tuples (the cotangents of containers)."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return tuple(accumulate(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: accumulate(a[k], b[k]) if k in b else a[k] for k in a}
    return a + b


def term_cotangent(t, x, /):
    """The cotangent of one term `x` of `accumulate`: `t` summed back to x's shape
    (a term broadcast against the other; containers item by item need no change)."""
    if isinstance(x, (tuple, list, dict)):
        return t
    return unbroadcast(t, x)


def copy_of(a):
    """A copy of a list, tuple (as a list), dict or array (the tangent of `.copy()` and
    `list(...)`); a number, which nothing updates in place, as it is."""
    if isinstance(a, (list, tuple)):
        return list(a)
    if isinstance(a, dict):
        return dict(a)
    if isinstance(a, (float, int, complex, np.generic)):
        return a
    return np.copy(a)


def list_cotangent(g, iterable, /):
    """The cotangent of `iterable` for `list(iterable)`: rows stacked for an array."""
    if isinstance(iterable, np.ndarray):
        return np.stack([np.asarray(row) for row in g]) if len(g) else np.zeros_like(iterable)
    return tuple(g)


def appended(items, item):
    """`items` with `item` appended, as a new list (or tuple, for a tuple)."""
    return items + (item,) if isinstance(items, tuple) else items + [item]


def concat_items(a, b):
    """`a + b` on lists or tuples; (co)tangents of either kind take the type of `a`."""
    return a + (b if type(b) is type(a) else type(a)(b))


def repeat_items(items, n):
    """`items * n` on a list or tuple."""
    return items * n


def repeat_items_vjp(g, items, n, /):
    """The cotangent of `items` for `items * n`: the n slices of `g` added up."""
    k = len(items)
    total = zeros_like(items)
    for j in range(max(n, 0)):
        total = accumulate(total, g[j * k:(j + 1) * k])
    return total


def plus(a, b):
    """`a + b` where kinds could not tell lists (concatenation) from numbers."""
    return a + b


def _concatenates(a, b) -> bool:
    return isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))


def plus_jvp(da, a, b, ans, first: bool, /):
    """The tangent of `a + b` from the tangent of `a` (`first`) or of `b`."""
    if _concatenates(a, b):
        return concat_items(da, zeros_like(b)) if first else concat_items(zeros_like(a), da)
    return match_shape(da, ans)


def plus_vjp(g, a, b, first: bool, /):
    """The cotangent of `a` (`first`) or `b` for `a + b`."""
    if _concatenates(a, b):
        return g[:len(a)] if first else g[len(a):]
    return unbroadcast(g, a if first else b)


def refuse_repetition(x, y, where: str) -> None:
    """`x * y` where kinds could not tell numbers from lists or tuples: raise at call
    time when it repeats a sequence (its derivative would multiply, not repeat)."""
    sequences = isinstance(x, (list, tuple)), isinstance(y, (list, tuple))
    counts = isinstance(x, (int, np.integer)), isinstance(y, (int, np.integer))
    if sequences[0] and counts[1] or sequences[1] and counts[0]:
        items, count = (x, y) if sequences[0] else (y, x)
        raise NonDifferentiableError(
            f"{where}\n  '*' repeats a {type(items).__name__} {count} times, but when the "
            "derivative was generated it could not be told from multiplying numbers; write the repetition "
            "where the list's kind is clear (`[v] * n` on a list display), or use np.tile on "
            "an array")


def build_dict(keys, *values):
    """The dict {keys[i]: values[i]}: a dict display `{'a': x, 'b': y}`."""
    return dict(zip(keys, values))


def build_dict_from(keys, values):
    """The dict {keys[i]: values[i]} from a tuple of values."""
    return dict(zip(keys, values))


def dict_values(d, keys):
    """The values of `d` at `keys`, as a tuple (zeros for missing entries)."""
    return tuple(d[k] if k in d else 0.0 for k in keys)


def setitem(a, index, value):
    """A copy of `a` with `a[index] = value` (a functional item assignment; for an
    array the copy keeps a's dtype, as the in-place assignment would)."""
    if isinstance(a, (list, tuple)):
        out = list(a)
        out[index] = value
        return type(a)(out) if isinstance(a, tuple) else out
    if isinstance(a, dict):
        out = dict(a)
        out[index] = value
        return out
    out = np.array(a, copy=True)
    out[index] = value
    return out


def setitem_value_vjp(g, index, value, /):
    """The cotangent of `value` for `a[index] = value`: `g[index]`, except where an
    index repeats, only the last write reaches the result (NumPy's assignment order)."""
    picked = g[index]
    if not isinstance(g, np.ndarray) or is_basic_index(index):
        return unbroadcast(picked, value)
    order = np.arange(np.size(picked)).reshape(np.shape(picked))
    writer = np.full(g.shape, -1)
    writer[index] = order
    return unbroadcast(np.where(writer[index] == order, picked, 0.0), value)


def without_last(items):
    """`items[:-1]`: the cotangent of a list before an append."""
    return items[:-1]


def add_at(acc, index, g, /):
    """A copy of the cotangent `acc` with `g` added at `index` (repeated indices
    accumulate): `acc + getitem_vjp(g, a, index)` without materialising the zeros.
    The cotangent of a list or tuple is a list or tuple of per-item cotangents (it
    keeps its type: kind inference sees one kind around a loop)."""
    if isinstance(acc, (list, tuple)):
        return type(acc)(add_at_inplace(list(acc), index, g))
    return add_at_inplace(np.array(acc, copy=True), index, g)


# In-place variants: the in-place pass (transforms/inplace.py) uses them where the
# value written into is owned by the function and nothing reads it afterwards.

def setitem_inplace(a, index, value):
    """`setitem`, writing into `a` itself where it can."""
    if type(a) is list or isinstance(a, np.ndarray) and a.flags.writeable:
        a[index] = value
        return a
    return setitem(a, index, value)


def appended_inplace(items, item):
    """`appended`, appending to `items` itself when it is a list."""
    if isinstance(items, list):
        items.append(item)
        return items
    return appended(items, item)


def without_last_inplace(items):
    """`without_last`, dropping the last item of `items` itself when it is a list."""
    if isinstance(items, list):
        del items[-1]
        return items
    return items[:-1]


def add_at_inplace(acc, index, g):
    """`add_at`, adding into `acc` itself when it is a writable array (or a list)."""
    if type(acc) is list and type(index) is int:
        item = acc[index]        # (a number's cotangent in a list: once per loop step)
        if type(item) is float or type(item) in FLOAT_SCALARS:
            acc[index] = item + g
            return acc
    if type(acc) is np.ndarray and type(index) is slice and acc.flags.writeable and (
            type(g) is float or type(g) is np.ndarray and g.dtype.kind == "f"):
        acc[index] += g          # (the common case, at once: as below, without the checks)
        return acc
    if isinstance(acc, (list, tuple)):
        if type(acc) is not list:
            acc = list(acc)
        acc[index] = accumulate(acc[index], g)
        return acc
    if not (isinstance(acc, np.ndarray) and acc.flags.writeable):
        acc = np.array(acc, copy=True)
    if (type(g) is complex or getattr(getattr(g, "dtype", None), "kind", "") == "c") and \
            acc.dtype.kind != "c":
        g = np.real(g)           # a real value's cotangent is the real part (fft rules)
    if type(index) is int or is_basic_index(index):
        acc[index] += g          # a basic index selects each element once
    else:
        np.add.at(acc, index, g)
    return acc


def refuse_in_place(value, name: str, where: str) -> None:
    """`name op= v` where kinds could not tell whether `value` is an array: raise at call
    time when it is one (Python would write into the caller's array)."""
    if isinstance(value, list) or isinstance(value, np.ndarray) and value.ndim:
        raise NonDifferentiableError(
            f"{where}\n  augmented assignment to '{name}' writes into an array that may belong "
            f"to the caller (it is a {type(value).__name__} here); write `{name} = {name} + v` "
            f"to make a new array, or copy it first: `{name} = {name}.copy()`")


def refuse_dict_loop(value, where: str) -> None:
    """A loop lowered by position over a value of unknown kind: raise at call time when
    it is a dict (Python iterates its keys; s2sad unrolls dict loops by key, which
    needs the keys when the derivative is generated)."""
    if isinstance(value, dict):
        raise NonDifferentiableError(
            f"{where}\n  the loop iterates a dict whose keys were not known when the "
            "derivative was generated (s2sad unrolls a loop over a dict by key); pass the "
            "dict as an argument of the differentiated function, or iterate over a tuple "
            "of its keys")


def check_type_is(value, cls, where: str) -> None:
    """`type(value) is cls` was decided true from the value's kind when the derivative
    was generated (lower_types.py); a subclass of cls would take the other branch in
    Python: raise instead of following the wrong one."""
    if type(value) is not cls:
        raise NonDifferentiableError(
            f"{where}\n  the test of type(...) against {cls.__name__} was decided when the "
            f"derivative was generated, for a {cls.__name__}; this call passes a "
            f"{type(value).__name__}, a subclass of it; test with isinstance(...) instead")


def check_finite(value, where: str, role: str) -> None:
    """Raise when a derivative value is not finite (`check_finite=True`)."""
    leaves = value.values() if isinstance(value, dict) else \
        value if isinstance(value, (tuple, list)) else (value,)
    for leaf in leaves:
        if isinstance(leaf, (tuple, list, dict)):
            check_finite(leaf, where, role)
        elif leaf is not None and not np.all(np.isfinite(leaf)):
            kind = "tangent" if role == "tangent" else "adjoint"
            raise NonDifferentiableError(
                f"{where}\n  the {kind} computed for this line is not finite ({leaf!r}); "
                "the derivative of this line is undefined or overflows at these inputs "
                "(e.g. sqrt or log at 0, a division by zero)")


def cast_like(g, x, /):
    """A derivative `g` with the shape and float dtype of the input `x`.

    Scalar zeros (0.0) from loops that never ran become arrays of x's shape; a
    Python float input gets a Python float derivative.
    """
    if type(g) is float and type(x) is float:
        return g                          # (the common cases, at once)
    if type(g) is np.ndarray and type(x) is np.ndarray and g.shape == x.shape and \
            g.dtype == x.dtype and x.dtype.kind in "fc":
        return g
    if type(x) in FLOAT_SCALARS and (type(g) is float or type(g) is type(x)):
        return g if type(g) is type(x) else type(x)(g)      # (a scalar's, at once)
    if isinstance(x, dict):
        return {k: cast_like(g[k] if isinstance(g, dict) and k in g else 0.0, v)
                for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        if isinstance(g, (tuple, list)):
            items = g
        elif np.ndim(g) and len(g) == len(x):   # an array cotangent of an array_like list
            items = list(g)
        else:
            items = (g,) * len(x) if np.ndim(g) == 0 and g == 0 else list(np.broadcast_to(
                g, (len(x),) + np.shape(g)[1:]))
        return _same_kind(x, [cast_like(a, b) for a, b in zip(items, x)])
    if g is not None and np.iscomplexobj(g) and not np.iscomplexobj(x):
        g = np.real(g)        # a real input's share of a complex cotangent (runtime/fft.py)
    if isinstance(x, float) and not isinstance(x, np.generic):
        return float(unbroadcast(g, x) if np.ndim(g) else g)   # x was broadcast: summed
    if _other_array(x) and _other_array(g):   # a Dask result's tangent: keep it lazy
        g = g if np.shape(g) == np.shape(x) else np.broadcast_to(g, np.shape(x))
        return g.astype(x.dtype if np.issubdtype(x.dtype, np.inexact) else np.float64)
    if not isinstance(x, (int, complex, np.ndarray, np.generic)):
        return None           # a function, string or object in a container: no gradient
    shape = np.shape(x)
    dtype = np.result_type(x) if np.issubdtype(np.result_type(x), np.inexact) else np.float64
    if np.shape(g) != shape:
        g = np.broadcast_to(unbroadcast(g, x), shape)
    g = np.array(g, dtype=dtype, copy=True) if isinstance(g, np.ndarray) and g.base is not None \
        else np.asarray(g, dtype=dtype)
    if isinstance(x, np.ndarray):
        return g
    return g[()]
