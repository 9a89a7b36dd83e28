"""Test specs of the scipy.stats rules (s2sad/rules/scipy_stats.py), and of
scipy.special's normal CDF (ndtr, log_ndtr, ndtri); tests/rule_specs.py extends its
SPECS with these.

The rules are keyed by bound methods (`scipy.stats.norm.logpdf`), a new object at
each access: the specs take the registry's own key (found by the rule's name), since
specs are matched to rules by identity.  SciPy's densities compute in float64 even
for float32 arguments, so only the scipy.special specs run the float32 variant.
Arguments keep to where the functions are smooth: inside the supports, away from
Laplace's kink; integer counts are data (`wrt` leaves them out).
"""
from __future__ import annotations

from importlib import import_module

import numpy as np

_base = import_module(__name__.replace("rule_specs_scipy_stats", "rule_specs"))  # importing us
A, C, F, RuleSpec = _base.A, _base.C, _base.F, _base.RuleSpec

SPECS: list[RuleSpec] = []

try:
    import scipy.special as _sc
    import s2sad.rules.scipy_stats  # noqa: F401  (registers the rules now, not on first use)
except ImportError:  # pragma: no cover - SciPy is optional
    _sc = None


def _key(name: str):
    from s2sad.rules import RULES
    return next(key for key, rule in RULES.items() if rule.name == name)


def _add(name, *makers, float32=False, wrt=None, label="", **kwargs):
    key = _key(name) if name.startswith("scipy.stats.") else getattr(_sc, name.split(".")[-1])
    ids = ",".join(map(repr, makers)) + "".join(f";{k}={v!r}" for k, v in kwargs.items())
    SPECS.append(RuleSpec(key, lambda rng, ms=makers: tuple(m(rng) for m in ms), kwargs,
                          f"{name}({ids}){label}", float32, wrt))


def _uniform(lo, hi, shape, label):
    return F(lambda rng: rng.uniform(lo, hi, size=shape), label)


def _counts(values):
    return C(np.array(values), f"counts{values}")


_LOC_SCALE = ((A((3,)), A(None), A(None, "pos")), (A((2, 3)), A((3,)), A((2, 1), "pos")),
              (A(None), A(None), A(None, "pos")))

if _sc is not None:
    for _fn, _dom in (("ndtr", "any"), ("log_ndtr", "any")):
        for _shape in (None, (3,), (2, 3)):
            _add(f"scipy.special.{_fn}", A(_shape, _dom), float32=True)
    _add("scipy.special.log_ndtr", C(np.array([-30.0, -8.0, 0.5]), "tail"), float32=True)
    _add("scipy.special.ndtri", _uniform(0.1, 0.9, (3,), "prob"), float32=True)
    _add("scipy.special.ndtri", F(lambda rng: float(rng.uniform(0.1, 0.9)), "p"), float32=True)

    for _dist, _methods in (("norm", ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf")),
                            ("logistic", ("logpdf", "pdf", "cdf")),
                            ("cauchy", ("logpdf", "pdf", "cdf"))):
        for _method in _methods:
            for _args in _LOC_SCALE:
                _add(f"scipy.stats.{_dist}.{_method}", *_args)
    _add("scipy.stats.norm.logcdf", C(np.array([-30.0, -5.0, 2.0]), "tail"), A(None),
         A(None, "pos"))
    _add("scipy.stats.norm.logsf", C(np.array([30.0, 5.0, -2.0]), "tail"), A(None),
         A(None, "pos"))
    _add("scipy.stats.norm.ppf", _uniform(0.1, 0.9, (3,), "prob"), A(None), A(None, "pos"))
    _add("scipy.stats.norm.logpdf", A((3,)), loc=0.5, scale=2.0)
    # laplace: x away from loc (its kink)
    _away = F(lambda rng: rng.uniform(0.3, 1.5, size=3) * np.array([1.0, -1.0, 1.0]), "x")
    for _method in ("logpdf", "pdf"):
        _add(f"scipy.stats.laplace.{_method}", _away, C(0.0), A(None, "pos"), wrt=("x", "scale"))
        _add(f"scipy.stats.laplace.{_method}", _away, A((3,), "small"), A(None, "pos"),
             label="-loc")

    for _method in ("logpdf", "pdf"):
        _add(f"scipy.stats.t.{_method}", A((3,)), A(None, "gt1"), A(None), A(None, "pos"))
        _add(f"scipy.stats.t.{_method}", A((2, 3)), A((3,), "pos"))
    _add("scipy.stats.t.cdf", A((3,)), C(3.5), A(None), A(None, "pos"), wrt=("x", "loc", "scale"))
    _add("scipy.stats.t.cdf", A((2, 3)), C(np.array([1.5, 4.0, 9.0]), "df3"),
         wrt=("x",))

    _pos_x = _uniform(0.5, 3.0, (3,), "x>0")
    for _method in ("logpdf", "pdf"):
        _add(f"scipy.stats.gamma.{_method}", _pos_x, A(None, "pos"))
        _add(f"scipy.stats.gamma.{_method}", _pos_x, A((3,), "gt1"), A(None, "small"),
             A(None, "pos"), label="-shifted")
        _add(f"scipy.stats.beta.{_method}", _uniform(0.2, 0.8, (3,), "x01"), A(None, "pos"),
             A((3,), "pos"))
        _add(f"scipy.stats.beta.{_method}", _uniform(0.3, 1.1, (2, 3), "x"), A((3,), "pos"),
             A(None, "gt1"), C(-0.2), A(None, "gt1"), wrt=("x", "a", "b", "scale"))
        _add(f"scipy.stats.expon.{_method}", _pos_x, A(None, "small"), A(None, "gt1"))
        _add(f"scipy.stats.expon.{_method}", _pos_x)

    for _method in ("cdf", "sf", "logsf", "logcdf"):     # x above loc: the smooth side
        _add(f"scipy.stats.expon.{_method}", _pos_x, _uniform(-0.4, 0.0, None, "loc<0"),
             A(None, "pos"))
        _add(f"scipy.stats.expon.{_method}", _uniform(0.5, 3.0, (2, 3), "x>0"), C(-0.2),
             A((3,), "pos"), wrt=("x", "scale"))
    _add("scipy.stats.laplace.cdf", A((2, 3)), A((3,), "small"), A(None, "pos"))

    for _method in ("logpmf", "pmf"):
        _add(f"scipy.stats.poisson.{_method}", _counts([0, 1, 4]), A((3,), "pos"), wrt=("mu",))
        _add(f"scipy.stats.poisson.{_method}", _counts([[0, 2], [5, 1]]), A(None, "gt1"),
             wrt=("mu",))
        _add(f"scipy.stats.binom.{_method}", _counts([0, 2, 5]), C(5), _uniform(0.2, 0.8, (3,),
             "p"), wrt=("p",))
        _add(f"scipy.stats.bernoulli.{_method}", _counts([0, 1, 1]),
             _uniform(0.2, 0.8, None, "p"), wrt=("p",))

    def _spd(d):
        def make(rng):
            b = rng.normal(size=(d, d))
            return b @ b.T + d * np.eye(d)
        return F(make, f"spd{d}")

    def _simplex(shape):
        def make(rng):
            w = rng.uniform(0.5, 2.0, size=shape)
            return w / np.sum(w, axis=0)
        return F(make, "simplex" + "x".join(map(str, shape)))

    for _method in ("logpdf", "pdf"):
        for _x in (A((3,)), A((4, 3)), A((1, 3))):
            _add(f"scipy.stats.multivariate_normal.{_method}", _x, A((3,)), _spd(3))
        # SciPy refuses x off the simplex, where differences in x go: x in test_scipy_stats
        _add(f"scipy.stats.dirichlet.{_method}", _simplex((3,)), A((3,), "gt1"), wrt=("alpha",))
        _add(f"scipy.stats.dirichlet.{_method}", _simplex((3, 4)), A((3,), "pos"),
             wrt=("alpha",))

    import s2sad.runtime as _rt
    _add_helper = SPECS.append
    _add_helper(RuleSpec(_rt.gammaln, lambda rng: (rng.uniform(0.5, 3.0, size=3),), {},
                         "rt.gammaln(pos3)", True, None))
    _add_helper(RuleSpec(_rt.mvn_cov, lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=3),
                                                   rng.normal(size=(3, 3)), False), {},
                         "rt.mvn_cov(2x3,3,3x3)", True, ("cov",)))
    _add_helper(RuleSpec(_rt.dirichlet_alpha, lambda rng: (rng.uniform(0.1, 0.5, size=(3, 2)),
                                                           rng.uniform(0.5, 2.0, size=3)), {},
                         "rt.dirichlet_alpha(3x2,3)", True, ("alpha",)))
