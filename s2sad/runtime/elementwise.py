"""Runtime helpers of elementwise rules and of Python's scalar builtins.

Partials that need a case split (a kink, a division that may meet zero) live here
so that the published kink table (docs/rules.md) is implemented in one place.
Python numbers stay Python floats; arrays keep their floating dtype.
"""
from __future__ import annotations

import math

import numpy as np

from .common import float_dtype, is_py_scalar, like, safe_ratio, unbroadcast


def _scalars(*xs) -> bool:
    for x in xs:
        if type(x) is not float and not is_py_scalar(x):
            return False
    return True


def fdiv(a, b):
    """IEEE division: a / 0 is +-inf and 0 / 0 is nan, for Python numbers too."""
    if _scalars(a, b):
        try:
            return a / b
        except ZeroDivisionError:
            if a == 0 or a != a:
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return np.true_divide(a, b)


def sign(x):
    """-1, 0 or 1 (so abs'(0) = 0); a Python float for a Python number."""
    if is_py_scalar(x):
        return float((x > 0) - (x < 0))
    return np.sign(x)


def _weights(first, second, dtype):
    """1 where `first` holds, 0.5 where `second` (a tie) holds, else 0, in `dtype`."""
    one, half, zero = dtype.type(1), dtype.type(0.5), dtype.type(0)
    return np.where(first, one, np.where(second, half, zero))


def max_weight(x, y):
    """d maximum(x, y) / dx: 1 if x > y, 0.5 on a tie, 0 otherwise."""
    if _scalars(x, y):
        return 1.0 if x > y else 0.5 if x == y else 0.0
    return _weights(np.greater(x, y), np.equal(x, y), float_dtype(x, y))


def fmax_weight(x, y):
    """d fmax(x, y) / dx: like `max_weight`, and 1 where only y is NaN."""
    x_nan, y_nan = np.isnan(x), np.isnan(y)
    first = np.greater(x, y) | (y_nan & ~x_nan)
    return _weights(first, np.equal(x, y), float_dtype(x, y))


def clip_weights(a, lo, hi):
    """Weights of a, lo, hi in clip(a, lo, hi) = minimum(maximum(a, lo), hi).

    a gets 1 on the closed interval [lo, hi]; lo gets 1 below it, hi above it.  When
    lo > hi NumPy returns hi, and so does this rule.
    """
    dtype = float_dtype(a, *(b for b in (lo, hi) if b is not None))
    lower = np.ones(np.shape(a), bool) if lo is None else np.greater_equal(a, lo)
    inner = np.maximum(a, lo) if lo is not None else a
    upper = np.ones(np.shape(inner), bool) if hi is None else np.less_equal(inner, hi)
    one = dtype.type(1)
    return (np.where(lower & upper, one, 0 * one), np.where(~lower & upper, one, 0 * one),
            np.where(~upper, one, 0 * one))


def clip_da(a, lo, hi):
    return clip_weights(a, lo, hi)[0]


def clip_dlo(a, lo, hi):
    return clip_weights(a, lo, hi)[1]


def clip_dhi(a, lo, hi):
    return clip_weights(a, lo, hi)[2]


def where_mask(condition, x, y):
    """The boolean `condition` as 1.0/0.0 in the floating dtype of x and y."""
    dtype = float_dtype(x, y)
    return np.where(condition, dtype.type(1), dtype.type(0))


def finite_mask(x):
    """1 where x is finite, 0 elsewhere (nan_to_num's derivative)."""
    return where_mask(np.isfinite(x), x, x)


def pow_dx(x, y):
    """d x**y / dx = y * x**(y - 1); 0 when y == 0, +inf at x == 0 for 0 < y < 1."""
    if type(x) is float and type(y) is float or _scalars(x, y):
        if y == 0:
            return 0.0
        try:
            return y * x ** (y - 1)
        except ZeroDivisionError:
            return math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.ndim(y) == 0 and y == 0:
            return np.zeros(np.shape(x), float_dtype(x))[()]
        out = y * np.power(x, y - 1)
        return np.where(np.equal(y, 0), 0, out) if np.ndim(y) else out


def pow_dy(x, ans, /):
    """d x**y / dy = x**y * log(x); 0 where x == 0 and x**y == 0 (the limit for y > 0)."""
    if _scalars(x, ans):
        if x > 0:
            return ans * math.log(x)
        return 0.0 if x == 0 and ans == 0 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ans * np.log(x)
        zero = np.equal(x, 0) & np.equal(ans, 0)
        return np.where(zero, 0, out) if np.any(zero) else out


def copysign_dx(x, y):
    """d copysign(x, y) / dx = sign(x) * sign(y), with 0 at x == 0."""
    if _scalars(x, y):
        return sign(x) * math.copysign(1.0, y)
    return np.sign(x) * np.copysign(1.0, y).astype(float_dtype(x))


def sinc_dx(x, n=1):
    """The n-th derivative of np.sinc at x (n >= 1; 0 for odd n at x == 0).

    A Taylor series where |x| < 1, else the recurrence
    x s_n(x) = pi**(n-1) sin(pi x + n pi / 2) - n s_{n-1}(x).
    """
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.inexact) else np.dtype(np.float64)
    xf = x.astype(np.float64)
    small = np.abs(xf) < 1.0
    safe = np.where(small, 1.0, xf)
    out = np.sinc(safe)
    for m in range(1, n + 1):
        out = (math.pi ** (m - 1) * np.sin(math.pi * safe + m * math.pi / 2) - m * out) / safe
    out = np.array(out, dtype=np.float64)
    if np.any(small):
        xs, series = xf[small], 0.0
        for k in range((n + 1) // 2, (n + 1) // 2 + 20):      # the terms with 2k >= n
            series = series + (-1) ** k * math.pi ** (2 * k) / (2 * k + 1) / math.factorial(
                2 * k - n) * xs ** (2 * k - n)
        out[small] = series
    return out.astype(dtype)[()]


def log_dx(x, base):
    """d log(x, base) / dx for math.log (base None is e)."""
    return 1.0 / x if base is None else 1.0 / (x * math.log(base))


def log_dbase(ans, base, /):
    """d log(x, base) / d base = -log(x, base) / (base * log(base))."""
    return fdiv(-ans, base * math.log(base))


# Python's builtins max, min, sum and math.fsum, math.hypot, math.dist,
# which take their operands as varargs or one iterable.

def _operands(args):
    """The operands of max(*args) / min(*args): the iterable when there is one arg."""
    return (list(args[0]), True) if len(args) == 1 else (list(args), False)


def extremum_weights(args, ans):
    """Ties split evenly: each operand equal to the result gets 1 / (number of ties)."""
    items, _ = _operands(args)
    hits = [bool(item == ans) for item in items]
    count = sum(hits)
    return [float(h) / count if count else math.nan for h in hits]


def builtin_extremum_jvp(dargs, args, ans, /):
    items, _ = _operands(dargs)
    return sum(w * d for w, d in zip(extremum_weights(args, ans), items) if w)


def builtin_extremum_vjp(g, args, ans, /):
    items, single = _operands(args)
    contribs = tuple(like(w * g, x) for w, x in zip(extremum_weights(args, ans), items))
    return (contribs,) if single else contribs


def iter_sum_jvp(diterable, /):
    """Tangent of sum(iterable) (or math.fsum): the sum of the items' tangents."""
    total = 0.0
    for d in diterable:
        total = total + d
    return total


def iter_sum_vjp(g, iterable, /):
    """Cotangent of the iterable of sum(iterable): g for every item (or row)."""
    if isinstance(iterable, (tuple, list)):
        return tuple(like(unbroadcast(g, x), x) for x in iterable)
    row = unbroadcast(g, iterable[0])
    return like(np.broadcast_to(row, np.shape(iterable)).astype(float_dtype(iterable)),
                iterable)


def hypot_jvp(dcoordinates, coordinates, ans, /):
    return sum(safe_ratio(x, ans) * d for x, d in zip(coordinates, dcoordinates))


def hypot_vjp(g, coordinates, ans, /):
    return tuple(like(g * safe_ratio(x, ans), x) for x in coordinates)


def diff_items(p, q):
    """The tuple of p[i] - q[i] (math.dist is the hypot of the differences)."""
    return tuple(a - b for a, b in zip(p, q, strict=True))
