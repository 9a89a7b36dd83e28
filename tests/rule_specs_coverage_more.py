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

try:
    import scipy.special as _sc
except ImportError:  # pragma: no cover - SciPy is optional
    _sc = None

_NANS = [((0, 1), np.nan), ((2, 3), np.nan)]


def extend(add, A, C, F, L):
    """Append the specs with `add` and the argument makers of tests/rule_specs.py."""
    _order_stats(add, A, C)
    _numpy_more(add, A, C)
    if _sc is not None:
        _special(add, A, C, F)
        _stats(add, A, C, F)


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


def _numpy_more(add, A, C):
    L = np.linalg
    add(np.diagflat, A((3,)))
    add(np.diagflat, A((2, 2)), C(1))
    add(np.diagflat, A((3,)), k=-2)
    add(np.ediff1d, A((5,)))
    add(np.ediff1d, A((2, 3)), A((2,)), A(None))
    add(_rt.ediff1d_jvp, A((4,)), C(None), C(np.ones(2)))
    add(_rt.ediff1d_vjp, A((6,)), A((2, 2)), C(1.0), C(np.ones(2)), wrt=("t",))
    add(np.vander, A((3,)))
    add(np.vander, A((4,)), C(3), C(True))
    add(_rt.vander_deriv, A((3,)), C(4), C(False), C(2))
    for fn in (np.polyadd, np.polysub, np.polymul):
        add(fn, A((3,)), A((2,)))
        add(fn, A((2,)), A((4,)))
    add(np.polyder, A((4,)))
    add(np.polyder, A((5,)), C(2))
    add(np.polyint, A((3,)))
    add(np.polyint, A((3,)), C(2), C(np.array([1.0, 2.0])))
    add(_rt.poly_tail, A((5,)), A((3,)), wrt=("t",))
    add(_rt.polyder_vjp, A((2,)), A((4,)), C(2), wrt=("t",))
    add(_rt.polyint_vjp, A((5,)), A((3,)), C(2), wrt=("t",))
    add(np.geomspace, A(None, "pos"), A(None, "gt1"), C(5))
    add(np.geomspace, A((2,), "pos"), A((2,), "gt1"), C(4), C(False), axis=1)
    add(np.logspace, A(None), A(None), C(5))
    add(np.logspace, A((2,)), A(None), C(4), C(True), C(2.0), axis=-1)
    add(np.angle, A((3,), "nonzero"))
    add(L.matmul, A((2, 3)), A((3, 4)))
    add(L.outer, A((3,)), A((2,)))
    add(L.tensordot, A((2, 3)), A((3, 2)), axes=1)
    add(L.trace, A((2, 3, 3)))
    add(L.trace, A((3, 4)), offset=1)
    add(L.svdvals, A((3, 2)))
    add(L.svdvals, A((2, 3, 3)))
    add(L.matrix_norm, A((3, 3)))
    add(L.matrix_norm, A((2, 3, 3)), keepdims=True, ord=1)
    add(L.vector_norm, A((4,)))
    add(L.vector_norm, A((2, 3)), keepdims=True)
    add(L.vector_norm, A((2, 3)), axis=0, ord=3)
    add(L.vector_norm, A((2, 3, 2)), axis=(0, 2))
    for fn in (np.vecdot, L.vecdot):
        add(fn, A((2, 3)), A((3,)))
        add(fn, A((3, 2)), A((3, 2)), axis=0)


def _special(add, A, C, F):
    s = "[scipy]"
    for name, dom in (("i0", "any"), ("i1", "any"), ("i0e", "nonzero"), ("i1e", "nonzero"),
                      ("j0", "any"), ("j1", "any"), ("y0", "pos"), ("y1", "pos"),
                      ("entr", "pos"), ("rgamma", "pos"), ("exp1", "pos"), ("expi", "pos")):
        add(getattr(_sc, name), A((2, 3), dom), label=s)
        add(getattr(_sc, name), A(None, dom), label=s)
    for name, v, dom in (("iv", 1.0, "any"), ("ive", 2.0, "nonzero"), ("jv", 1.5, "pos"),
                         ("yv", 0.5, "pos")):
        add(getattr(_sc, name), C(v), A((3,), dom), label=s)
        add(getattr(_sc, name), C(np.array([0.0, 1.0, 2.0])), A((2, 3), "pos"), label=s)
    add(_sc.erfcinv, F(lambda rng: rng.uniform(0.2, 1.8, size=(2, 3)), "u02_18"), label=s)
    for name in ("rel_entr", "kl_div", "poch"):
        add(getattr(_sc, name), A((2, 3), "pos"), A((3,), "pos"), label=s)
        add(getattr(_sc, name), A(None, "pos"), A(None, "pos"), label=s)
    # SciPy computes these in float64 for float32 arguments: no float32 variant
    add(_sc.multigammaln, A((3,), "gt1"), C(3), float32=False, label=s)
    add(_sc.multigammaln, A(None, "gt1"), C(2), float32=False, label=s)
    for name in ("gammainc", "gammaincc"):
        add(getattr(_sc, name), C(2.5), A((3,), "pos"), float32=False, label=s)
        add(getattr(_sc, name), A((2, 3), "pos"), A((2, 3), "pos"), wrt=("x",), label=s)
    add(_rt.bessel, C("iv"), C(1.0), A((3,)), C(1))
    add(_rt.bessel, C("ive"), C(0.0), A((3,), "nonzero"), C(2))
    add(_rt.bessel, C("yv"), C(1.0), A((3,), "pos"))
    add(_rt.multipolygamma, C(1), A((3,), "gt1"), C(2), float32=False)


def _stats(add, A, C, F):
    """scipy.stats rules (keyed by bound methods: the registry's own key, found by name);
    SciPy's densities compute in float64, so no float32 variant."""
    import s2sad.rules.scipy_stats  # noqa: F401  (registers the rules now)
    from s2sad.rules import RULES

    def stat(name, *makers, **kwargs):
        key = next(k for k, rule in RULES.items() if rule.name == f"scipy.stats.{name}")
        add(key, *makers, float32=False, label=f"[{name}]", **kwargs)

    def u(lo, hi, shape=None):
        return F(lambda rng: rng.uniform(lo, hi, size=shape), f"u{lo}_{hi}")

    below = u(-0.2, 0.0)
    for method in ("logpdf", "pdf", "cdf"):
        stat(f"uniform.{method}", u(0.1, 0.9, (3,)), below, u(1.0, 1.5))
        stat(f"uniform.{method}", u(0.1, 0.9, (2, 3)), u(-0.05, 0.0, (3,)), u(1.0, 1.5, (2, 1)))
    for method in ("logpdf", "pdf"):
        stat(f"chi2.{method}", A((3,), "pos"), C(3.0), below, A(None, "pos"))
        stat(f"chi2.{method}", A((2, 3), "pos"), A((3,), "gt1"), wrt=("x",))
        stat(f"pareto.{method}", u(2.5, 4.0, (3,)), A((3,), "gt1"), below, u(0.5, 1.5))
        stat(f"pareto.{method}", u(1.1, 3.0, (2, 3)), A(None, "pos"))
    for dist in ("gumbel_r", "gumbel_l"):
        for method in ("logpdf", "pdf", "cdf", "sf"):
            stat(f"{dist}.{method}", A((3,)), A(None), A(None, "pos"))
            stat(f"{dist}.{method}", A((2, 3)), A((3,)), A((2, 1), "pos"))
    for method in ("logpmf", "pmf"):
        stat(f"geom.{method}", C(np.array([1, 2, 5]), "k"), u(0.2, 0.8, (3,)))
        stat(f"nbinom.{method}", C(np.array([0, 2, 5]), "k"), C(3), u(0.2, 0.8, (3,)))
    for method in ("cdf", "sf"):
        stat(f"gamma.{method}", A((3,), "pos"), C(2.5), below, A(None, "pos"))
        stat(f"gamma.{method}", A((2, 3), "pos"), A((3,), "gt1"), wrt=("x",))
    stat("expon.ppf", u(0.1, 0.9, (3,)), A(None), A(None, "pos"))
    stat("norm.isf", u(0.1, 0.9, (2, 3)), A((3,)), A(None, "pos"))
