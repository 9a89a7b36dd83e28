"""Specs (see tests/rule_specs.py) of the rules from the coverage to-do list: NumPy's
nan-ignoring reductions and order statistics, and their runtime helpers.  Appended to
rule_specs.SPECS by `extend(add, A, C, F, L)`.

Arguments hold NaNs at fixed places (`put`) for the nan forms; quantile arguments are
continuous draws, so order statistics are distinct and the spec's finite differences
see one linear piece.
"""
from __future__ import annotations

import numpy as np

from s2sad import runtime as _rt

_NANS = [((0, 1), np.nan), ((2, 3), np.nan)]


def extend(add, A, C, F, L):
    """Append the specs with `add` and the argument makers of tests/rule_specs.py."""
    _order_stats(add, A, C)


def _order_stats(add, A, C):
    for fn in (np.nanprod, np.nancumprod):
        add(fn, A((5,), "pos"))
        add(fn, A((3, 4), "pos", put=_NANS), axis=1, label="-nan")
    add(np.nanprod, A((3, 4), "pos", put=_NANS), label="-nan")
    add(np.nancumsum, A((5,)))
    add(np.nancumsum, A((3, 4), put=_NANS), axis=0, label="-nan")
    add(np.nancumsum, A((3, 4), put=_NANS), label="-nan")
    for fn in (np.nanvar, np.nanstd):
        add(fn, A((5,)))
        add(fn, A((3, 4), put=_NANS), axis=1, label="-nan")
        add(fn, A((3, 4), put=_NANS), axis=0, ddof=1, keepdims=True, label="-nan")
        add(fn, A((2, 3, 4), put=[((0, 1, 2), np.nan)]), axis=(0, 2), label="-nan")
    add(np.nanmedian, A((5,)))
    add(np.nanmedian, A((3, 4), put=_NANS), axis=1, label="-nan")
    add(np.nanmedian, A((3, 4), put=_NANS), keepdims=True, label="-nan")
    for fn, q in ((np.quantile, 0.3), (np.percentile, 30.0)):
        add(fn, A((5,)), C(q))
        add(fn, A((3, 4)), C(np.array([q, 2 * q])), axis=1)
        add(fn, A((2, 3, 4)), C(q), axis=(0, 2), keepdims=True)
    for fn, q in ((np.nanquantile, 0.7), (np.nanpercentile, 70.0)):
        add(fn, A((4,)), C(q))
        add(fn, A((3, 4), put=_NANS), C(q), axis=1, label="-nan")
        add(fn, A((3, 4), put=_NANS), C(np.array([q / 2, q])), axis=0, keepdims=True,
            label="-nan")
    for fn, shapes in ((_rt.quantile_jvp, ((3, 4), (3, 4))), (_rt.quantile_vjp, ((3,), (2, 3)))):
        add(fn, A(shapes[0]), A((3, 4)), C(0.4), C(1), wrt=("t",))
        add(fn, A(shapes[1]), A((3, 4)), C(np.array([0.2, 0.9])), C(1), wrt=("t",), label="-q")
    for fn in (_rt.nanvar_jvp, _rt.nanvar_vjp):
        t = A((3, 4)) if fn is _rt.nanvar_jvp else A((3,))
        add(fn, t, A((3, 4)), C(1))
        add(fn, t, A((3, 4), put=_NANS), C(1), C(1), label="-nan")
