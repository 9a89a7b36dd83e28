"""scipy.special, as rules.

SciPy is optional: without it nothing here registers, and a call of a SciPy function
is reported like any function without a rule.  math.gamma and math.lgamma are here
too: their derivatives need digamma, which s2sad takes from SciPy.  The functions are looked up as
attributes of `scipy.special`, so a misspelt name fails when this table is imported.

Terms call `rt.polygamma(n, x)` (SciPy's polygamma in x's float dtype; n = 0 is
digamma), whose rule is itself, so derivatives of every order close over it.
SciPy's ufuncs have no module, so each rule is given its display name.
"""
import math

from .. import runtime as rt
from .core import defpartials, defrule

try:
    import scipy.special as sc
except ImportError:      # SciPy is optional
    sc = None

_SQRT_PI_2 = 0.886226925452758      # sqrt(pi) / 2: erfinv'(x) = sqrt(pi)/2 exp(erfinv(x)**2)
_TWO_SQRT_PI = 1.1283791670955126   # 2 / sqrt(pi): erf'(x) = 2/sqrt(pi) exp(-x**2)
_SQRT_2PI = 2.5066282746310002    # sqrt(2 pi): the normal density's constant
_PSI = "rt.polygamma(0, {})"


def _P(name, signature, **partials):
    return defpartials(getattr(sc, name), signature, name=f"scipy.special.{name}", **partials)


def _register():
    # the helper: d/dx polygamma(n, x) = polygamma(n + 1, x); n is an order, not a variable
    defpartials(rt.polygamma, "n, x", x="rt.polygamma(n + 1, x)")
    defrule(rt.lse_weights, "a, b, return_sign=False",    # a gives only the shape
            jvp={"b": "rt.lse_weights(a, db, return_sign)", "a": "rt.zeros_like(ans)"},
            vjp={"b": "rt.reduce_to(g, b)", "a": "rt.zeros_like(a)"})

    _P("expit", "x", x="ans * (1.0 - ans)")
    _P("logit", "x", x="1.0 / (x * (1.0 - x))")
    _P("erf", "x", x=f"{_TWO_SQRT_PI} * np.exp(-x * x)")
    _P("erfc", "x", x=f"-{_TWO_SQRT_PI} * np.exp(-x * x)")
    _P("erfinv", "x", x=f"{_SQRT_PI_2} * np.exp(ans * ans)")
    # the normal CDF; log_ndtr' = phi / ndtr = exp(-x^2/2 - log_ndtr) / sqrt(2 pi), stably
    _P("ndtr", "x", x=f"np.exp(-0.5 * x * x) / {_SQRT_2PI}")
    _P("log_ndtr", "x", x=f"np.exp(-0.5 * x * x - ans) / {_SQRT_2PI}")
    _P("ndtri", "x", x=f"{_SQRT_2PI} * np.exp(0.5 * ans * ans)")
    _P("gammaln", "x", x=_PSI.format("x"))
    _P("digamma", "x", x="rt.polygamma(1, x)")
    _P("gamma", "x", x=f"ans * {_PSI.format('x')}")
    _DIFF = f"({_PSI.format('a')} - {_PSI.format('a + b')})", \
        f"({_PSI.format('b')} - {_PSI.format('a + b')})"
    _P("beta", "a, b", a=f"ans * {_DIFF[0]}", b=f"ans * {_DIFF[1]}")
    _P("betaln", "a, b", a=_DIFF[0], b=_DIFF[1])
    # xlogy(0, y) = 0 for every y, so its y-partial there is 0 (not 0/0)
    _P("xlogy", "x, y", x="np.log(y)", y="rt.safe_ratio(x, y)")
    _P("xlog1py", "x, y", x="np.log1p(y)", y="rt.safe_ratio(x, 1.0 + y)")
    defpartials(sc.polygamma, "n, x", name="scipy.special.polygamma",
                x="rt.polygamma(n + 1, x)")

    # logsumexp(a, b=b) = log sum(b exp(a)): with E = exp(a - ans) (ans spread back over
    # the reduced axes) and W = b (ones for None), d/da = W E and d/db = E.  Each term
    # calls rt.lse_weights before anything else, which refuses return_sign=True.
    e = "np.exp(a - rt.sum_vjp(ans, a, axis, keepdims))"
    w = "rt.lse_weights(a, b, return_sign)"
    spread = "rt.sum_vjp(g, a, axis, keepdims)"
    defrule(sc.logsumexp, "a, axis=None, b=None, keepdims=False, return_sign=False",
            name="scipy.special.logsumexp",
            jvp={"a": f"np.sum(da * ({w} * {e}), axis=axis, keepdims=keepdims)",
                 "b": f"np.sum(rt.lse_weights(a, db, return_sign) * {e}, axis=axis, "
                      "keepdims=keepdims)"},
            vjp={"a": f"rt.reduce_to({w} * {e} * {spread}, a)",
                 "b": f"rt.reduce_to(rt.lse_weights(a, {spread}, return_sign) * {e}, b)"})
    defrule(sc.softmax, "x, axis=None", name="scipy.special.softmax",
            jvp={"x": "ans * (dx - np.sum(ans * dx, axis=axis, keepdims=True))"},
            vjp={"x": "rt.reduce_to(ans * (g - np.sum(ans * g, axis=axis, keepdims=True)), x)"})
    defrule(sc.log_softmax, "x, axis=None", name="scipy.special.log_softmax",
            jvp={"x": "dx - np.sum(np.exp(ans) * dx, axis=axis, keepdims=True)"},
            vjp={"x": "rt.reduce_to(g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True), x)"})
    # math.erf and math.erfc have rules in scalar_math.py; math.gamma and math.lgamma
    # (log|gamma|) need digamma, so they have rules only with SciPy (without it a call
    # is reported as a function without a rule, MissingRuleError).
    _register_more()
    defpartials(math.gamma, "x", x=f"ans * {_PSI.format('x')}")
    defpartials(math.lgamma, "x", x=_PSI.format("x"))



def _register_more():
    """Bessel functions, the entropies, Pochhammer, exponential integrals, incomplete gammas."""
    # rt.bessel(kind, v, x, k): the k-th derivative in x of sc.<kind>(v, x)
    defpartials(rt.bessel, "kind, v, x, k=0", x="rt.bessel(kind, v, x, k + 1)")
    for name, kind, v in (("i0", "iv", "0.0"), ("i1", "iv", "1.0"), ("i0e", "ive", "0.0"),
                          ("i1e", "ive", "1.0"), ("j0", "jv", "0.0"), ("j1", "jv", "1.0"),
                          ("y0", "yv", "0.0"), ("y1", "yv", "1.0")):
        _P(name, "x", x=f"rt.bessel('{kind}', {v}, x, 1)")
    for kind in ("iv", "ive", "jv", "yv"):      # in x; the order v has no term
        _P(kind, "v, x", x=f"rt.bessel('{kind}', v, x, 1)")
    _P("erfcinv", "x", x=f"-{_SQRT_PI_2} * np.exp(ans * ans)")
    _P("entr", "x", x="-(np.log(x) + 1.0)")
    _P("rel_entr", "x, y", x="np.log(x / y) + 1.0", y="-rt.safe_ratio(x, y)")
    _P("kl_div", "x, y", x="np.log(x / y)", y="1.0 - rt.safe_ratio(x, y)")
    _P("multigammaln", "a, d", a="rt.multipolygamma(0, a, d)")
    defpartials(rt.multipolygamma, "n, a, d", a="rt.multipolygamma(n + 1, a, d)")
    _P("poch", "z, m", z=f"ans * ({_PSI.format('z + m')} - {_PSI.format('z')})",
       m=f"ans * {_PSI.format('z + m')}")
    _P("rgamma", "x", x=f"-ans * {_PSI.format('x')}")
    _P("exp1", "x", x="-np.exp(-x) / x")
    _P("expi", "x", x="np.exp(x) / x")
    # the regularized incomplete gammas in x (a has no term): x**(a-1) exp(-x) / gamma(a)
    density = "np.exp((a - 1.0) * np.log(x) - x - rt.gammaln(a))"
    _P("gammainc", "a, x", x=density)
    _P("gammaincc", "a, x", x=f"-{density}")


if sc is not None:
    _register()
