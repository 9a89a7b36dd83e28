"""scipy.stats, as rules: densities, log densities and CDFs in their arguments and
parameters.

`scipy.stats.norm` is an object (an `rv_continuous` instance) and `norm.logpdf` a
bound method, a new object at each access.  Its rule is keyed by the bound method:
bound methods of the same object and function compare equal and hash alike, so a
later `norm.logpdf` finds it; the lowering resolves a method of a library object
when the call is lowered (callables.is_library_method).  A frozen distribution made in
the function, `norm(loc, scale).logpdf(x)`, is lowered as `norm.logpdf(x, loc, scale)`
(lower_calls.py).  scipy.stats is slow to import, so this table is deferred
(rules/__init__.py): it registers on the first look-up of a scipy.stats function.

Terms are the partials of the formulas SciPy evaluates, over functions with rules (np,
`rt.polygamma`, `rt.gammaln`, `rt.safe_ratio`, ...), so every order closes.  Integer
data (Poisson and binomial counts, n) has no term: differentiating it is a located
MissingRuleError, as is t.cdf in df (no closed form).  Every partial of the
elementwise rules ends in `+ 0.0 * ans`: where SciPy's value is NaN (a parameter out
of range: scale <= 0, p > 1) or -inf (a log density off its support), the slope is
NaN too, never a finite number for a function that is not there.
SciPy is optional: without it nothing here registers.
"""
import re

from .. import runtime as rt
from .core import defpartials, defrule

try:
    import scipy.stats as st
except ImportError:      # SciPy is optional
    st = None

_SQRT_2PI = 2.5066282746310002
_PI = 3.141592653589793
_LOC = "x, loc=0.0, scale=1.0"
_GUARD = " + 0.0 * ans"      # NaN where the value is NaN or infinite (module docstring)


def _z(text: str) -> str:
    """`text` with the name z standing for the standardized argument (x - loc) / scale."""
    return re.sub(r"\bz\b", "((x - loc) / scale)", text)


def _register_family(dist, name, signature, partials: dict, which="both"):
    """dist.log<name> from its partials, and dist.<name> = exp(log<name>) from them;
    `which` is "both", "log" or "plain"."""
    if which != "plain":
        _P(dist, f"log{name}", signature, **{p: _z(t) for p, t in partials.items()})
    if which != "log":
        _P(dist, name, signature, **{p: f"ans * ({_z(t)})" for p, t in partials.items()})


def _P(dist, method, signature, **partials):
    return defpartials(getattr(dist, method), signature, name=f"scipy.stats.{dist.name}."
                       f"{method}", **{p: t + _GUARD for p, t in partials.items()})


def _location_scale(dz: str, dscale: str | None = None) -> dict:
    """Partials in x, loc, scale of a log density f(z) / scale with d log f / dz = dz."""
    return {"x": f"({dz}) / scale", "loc": f"-({dz}) / scale",
            "scale": dscale or f"-(z * ({dz}) + 1.0) / scale"}


def _cdf(density: str) -> dict:
    """Partials in x, loc, scale of F(z) with F'(z) / scale = density (in x)."""
    return {"x": density, "loc": f"-({density})", "scale": f"-z * ({density})"}


def _register_normal():
    phi = f"np.exp(-0.5 * z * z) / ({_SQRT_2PI} * scale)"
    ratio = f"np.exp(-0.5 * z * z - ans) / ({_SQRT_2PI} * scale)"   # phi / cdf, stably
    _register_family(st.norm, "pdf", _LOC, _location_scale("-z"))
    for method, density in (("cdf", phi), ("logcdf", ratio), ("sf", f"-{phi}"),
                            ("logsf", f"-{ratio}")):
        _P(st.norm, method, _LOC, **{p: _z(t) for p, t in _cdf(density).items()})
    _P(st.norm, "ppf", "q, loc=0.0, scale=1.0", loc="1.0", scale="(ans - loc) / scale",
       q=f"{_SQRT_2PI} * scale * np.exp(0.5 * ((ans - loc) / scale) ** 2)")


def _register_t():
    sig = "x, df, loc=0.0, scale=1.0"
    dz = "-(df + 1.0) * z / (df + z * z)"
    ddf = ("0.5 * (rt.polygamma(0, 0.5 * (df + 1.0)) - rt.polygamma(0, 0.5 * df) - 1.0 / df"
           " - np.log1p(z * z / df) + (df + 1.0) * z * z / (df * (df + z * z)))")
    _register_family(st.t, "pdf", sig, dict(_location_scale(dz), df=ddf))
    density = ("np.exp(rt.gammaln(0.5 * (df + 1.0)) - rt.gammaln(0.5 * df) - 0.5 * np.log("
               f"{_PI} * df) - 0.5 * (df + 1.0) * np.log1p(z * z / df)) / scale")
    _P(st.t, "cdf", sig, **{p: _z(t) for p, t in _cdf(density).items()})   # no df term


def _register_bounded():
    psi = "rt.polygamma(0, {})".format
    y = "((x - loc) / scale)"
    dy = f"(rt.safe_ratio(a - 1.0, {y}) - rt.safe_ratio(b - 1.0, 1.0 - {y}))"
    # the density is 0 off the support, so its partials may take log |y| there (finite,
    # times ans = 0): the slope in a shape is then 0, not NaN from log of a negative
    for logs, which in (((f"np.log({y})", f"np.log1p(-{y})"), "log"),
                        ((f"np.log(np.abs({y}))", f"np.log(np.abs(1.0 - {y}))"), "plain")):
        gamma = {"x": f"(rt.safe_ratio(a - 1.0, {y}) - 1.0) / scale",
                 "loc": f"-(rt.safe_ratio(a - 1.0, {y}) - 1.0) / scale",
                 "a": f"{logs[0]} - {psi('a')}", "scale": f"({y} - a) / scale"}
        _register_family(st.gamma, "pdf", "x, a, loc=0.0, scale=1.0", gamma, which)
        beta = {"x": f"{dy} / scale", "loc": f"-{dy} / scale",
                "scale": f"-({y} * {dy} + 1.0) / scale",
                "a": f"{logs[0]} - {psi('a')} + {psi('a + b')}",
                "b": f"{logs[1]} - {psi('b')} + {psi('a + b')}"}
        _register_family(st.beta, "pdf", "x, a, b, loc=0.0, scale=1.0", beta, which)
    _register_family(st.expon, "pdf", _LOC, _location_scale("-1.0"))
    # expon's CDF and survival function: flat for x < loc, where the step is 0 (and
    # exp(-|z|) keeps the product finite); its logcdf is -inf there (NaN slopes)
    on = "np.heaviside(z, 1.0)"
    pdf = f"{on} * np.exp(-np.abs(z)) / scale"
    for method, density in (("cdf", pdf), ("sf", f"-{pdf}"), ("logsf", f"-{on} / scale"),
                            ("logcdf", f"{on} / (np.expm1(np.abs(z)) * scale)")):
        _P(st.expon, method, _LOC, **{p: _z(t) for p, t in _cdf(density).items()})


def _register_symmetric():
    _register_family(st.logistic, "pdf", _LOC, _location_scale("-np.tanh(0.5 * z)"))
    _P(st.logistic, "cdf", _LOC, **{p: _z(t) for p, t in
                                    _cdf("ans * (1.0 - ans) / scale").items()})
    _register_family(st.cauchy, "pdf", _LOC, _location_scale("-2.0 * z / (1.0 + z * z)"))
    _P(st.cauchy, "cdf", _LOC, **{p: _z(t) for p, t in
                                  _cdf(f"1.0 / ({_PI} * scale * (1.0 + z * z))").items()})
    # laplace: kink at x = loc, where sign gives 0 (the min-norm subgradient, as np.abs)
    _register_family(st.laplace, "pdf", _LOC,
                     _location_scale("-np.sign(z)", "(np.abs(z) - 1.0) / scale"))
    _P(st.laplace, "cdf", _LOC, **{p: _z(t) for p, t in
                                   _cdf("0.5 * np.exp(-np.abs(z)) / scale").items()})


def _register_discrete():
    for dist, sig, dp in (
            (st.poisson, "k, mu, loc=0", "rt.safe_ratio(k, mu) - 1.0"),
            (st.binom, "k, n, p, loc=0", "rt.safe_ratio(k, p) - rt.safe_ratio(n - k, 1.0 - p)"),
            (st.bernoulli, "k, p, loc=0",
             "rt.safe_ratio(k, p) - rt.safe_ratio(1.0 - k, 1.0 - p)"),
            (st.geom, "k, p, loc=0", "rt.safe_ratio(1.0, p) - rt.safe_ratio(k - 1.0, 1.0 - p)"),
            (st.nbinom, "k, n, p, loc=0", "rt.safe_ratio(n, p) - rt.safe_ratio(k, 1.0 - p)")):
        param = sig.split(", ")[-2]
        _P(dist, "logpmf", sig, **{param: dp})
        _P(dist, "pmf", sig, **{param: f"ans * ({dp})"})


def _register_multivariate():
    # multivariate_normal: with S the covariance SciPy sees, A the rows S^-1 (x - mean)
    # (2-D) and G the cotangent as a column: d/dx = -A, d/dmean = A, d/dS = -(S^-1 - a a^T)/2
    # per point.  rt.mvn_cov comes first in every term: it refuses uncovered calls.
    s = "rt.mvn_cov(x, mean, cov, allow_singular)"
    a = f"np.atleast_2d(np.transpose(np.linalg.solve({s}, np.transpose(x - mean))))"
    col = "np.reshape(g{}, (-1, 1))"
    shape = "np.shape(ans)"
    ds = "rt.mvn_cov(x, mean, dcov, allow_singular)"
    logpdf = dict(
        jvp={"x": f"-np.reshape(np.sum({a} * np.atleast_2d(dx), axis=-1), {shape})",
             "mean": f"np.reshape(np.sum({a} * dmean, axis=-1), {shape})",
             "cov": f"-0.5 * np.reshape(np.sum(np.linalg.inv({s}) * {ds}) - np.sum(({a} @ {ds})"
                    f" * {a}, axis=-1), {shape})"},
        vjp={"x": f"-np.reshape({a} * {col}, np.shape(x))",
             "mean": f"np.sum({a} * {col}, axis=0)",
             "cov": f"rt.triangle_of(-0.5 * (np.sum(g{{}}) * np.linalg.inv({s}) - np.transpose("
                    f"{a} * {col}) @ {a}), 'L')"})
    sig = "x, mean=None, cov=1, allow_singular=False"
    _D("multivariate_normal", "logpdf", sig, logpdf, "")
    _D("multivariate_normal", "pdf", sig, logpdf, " * ans")

    # dirichlet: x holds the points as columns, so its transpose broadcasts with alpha
    al = "rt.dirichlet_alpha(x, alpha)"
    dal = (f"(np.log(np.transpose(x)) + rt.polygamma(0, np.sum({al})) - "
           f"rt.polygamma(0, {al}))")
    dx = f"(({al} - 1.0) / np.transpose(x))"
    gcol = "np.expand_dims(g{}, -1)"
    dirichlet = dict(
        jvp={"x": f"np.reshape(np.sum({dx} * np.transpose(dx), axis=-1), {shape})",
             "alpha": f"np.reshape(np.sum({dal} * dalpha, axis=-1), {shape})"},
        vjp={"x": f"np.transpose({dx} * {gcol})", "alpha": f"rt.reduce_to({dal} * {gcol}, alpha)"})
    _D("dirichlet", "logpdf", "x, alpha", dirichlet, "")
    _D("dirichlet", "pdf", "x, alpha", dirichlet, " * ans")


def _D(name, method, signature, terms, factor):
    """A structural rule from log-density terms (`g{}` marks the cotangent); `factor`
    " * ans" makes the density's: tangents times ans, cotangents g * ans for g."""
    jvp = {p: f"({t}){factor}" for p, t in terms["jvp"].items()}
    vjp = {p: t.replace("g{}", f"(g{factor})") for p, t in terms["vjp"].items()}
    return defrule(getattr(getattr(st, name), method), signature,
                   name=f"scipy.stats.{name}.{method}", jvp=jvp, vjp=vjp)


def _register_helpers():
    defpartials(rt.gammaln, "x", x="rt.polygamma(0, x)")
    defrule(rt.mvn_cov, "x, mean, cov, allow_singular=False",    # x, mean: only checked
            jvp={"cov": "rt.mvn_cov(x, mean, dcov, allow_singular)",
                 "x": "rt.zeros_like(ans)", "mean": "rt.zeros_like(ans)"},
            vjp={"cov": "rt.triangle_of(g, 'L')", "x": "rt.zeros_like(x)",
                 "mean": "rt.zeros_like(mean)"})
    defrule(rt.dirichlet_alpha, "x, alpha",
            jvp={"alpha": "rt.dirichlet_alpha(x, dalpha)", "x": "rt.zeros_like(ans)"},
            vjp={"alpha": "g", "x": "rt.zeros_like(x)"})


def _register_more():
    """uniform, chi2, gumbel_r, gumbel_l, pareto; gamma.cdf/sf in x; expon.ppf, norm.isf."""
    inside = "np.heaviside(z, 1.0) * np.heaviside(1.0 - z, 1.0)"
    _register_family(st.uniform, "pdf", _LOC, {"x": "0.0 * z", "loc": "0.0 * z",
                                               "scale": "-1.0 / scale"})
    _P(st.uniform, "cdf", _LOC, **{p: _z(t) for p, t in _cdf(f"{inside} / scale").items()})
    _register_family(st.chi2, "pdf", "x, df, loc=0.0, scale=1.0",
                     _location_scale("(0.5 * df - 1.0) / z - 0.5"))
    for dist, dz, cdf, sf in (
            (st.gumbel_r, "np.exp(-z) - 1.0", "np.exp(-z - np.exp(-z))",
             "-np.exp(-z - np.exp(-z))"),
            (st.gumbel_l, "1.0 - np.exp(z)", "np.exp(z - np.exp(z))", "-np.exp(z - np.exp(z))")):
        _register_family(dist, "pdf", _LOC, _location_scale(dz))
        for method, density in (("cdf", cdf), ("sf", sf)):
            _P(dist, method, _LOC, **{p: _z(t) for p, t in _cdf(f"{density} / scale").items()})
    _register_family(st.pareto, "pdf", "x, b, loc=0.0, scale=1.0",
                     dict(_location_scale("-(b + 1.0) / z"), b="1.0 / b - np.log(np.abs(z))"))
    # gamma's CDF in x (no a term): its density, 0 (flat) for z <= 0
    density = ("np.heaviside(z, 0.0) * np.exp((a - 1.0) * np.log(np.abs(z)) - np.abs(z) - "
               "rt.gammaln(a)) / scale")
    for method, d in (("cdf", density), ("sf", f"-{density}")):
        _P(st.gamma, method, "x, a, loc=0.0, scale=1.0",
           **{p: _z(t) for p, t in _cdf(d).items()})
    _P(st.expon, "ppf", "q, loc=0.0, scale=1.0", q="scale / (1.0 - q)", loc="1.0",
       scale="(ans - loc) / scale")
    _P(st.norm, "isf", "q, loc=0.0, scale=1.0", loc="1.0", scale="(ans - loc) / scale",
       q=f"-{_SQRT_2PI} * scale * np.exp(0.5 * ((ans - loc) / scale) ** 2)")


if st is not None:
    _register_helpers()
    _register_more()
    _register_normal()
    _register_t()
    _register_bounded()
    _register_symmetric()
    _register_discrete()
    _register_multivariate()
