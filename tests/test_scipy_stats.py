"""The scipy.stats rules (s2sad/rules/scipy_stats.py), directly.

tests/rule_specs_scipy_stats.py runs every rule through the rule tests (both modes,
second order); here: gradients of mixes against central differences in x and the
parameters, Hessians against differences of the gradient, frozen distributions,
likelihoods (Gaussian and t regression, a Poisson GLM, a Dirichlet-multinomial)
checked against closed forms, the refusals, and the deferred loading of the rules.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import s2sad
from s2sad.errors import MissingRuleError, NonDifferentiableError, UnsupportedSyntaxError
from s2sad.rules import RULES, load_deferred
from s2sad.testing import check_grads, numerical_jvp

load_deferred()


def _central(fn, args, i, h=1e-6):
    """The gradient of scalar fn in its i-th argument, by central differences."""
    x = np.asarray(args[i], dtype=np.float64)
    basis = np.eye(x.size).reshape((x.size,) + x.shape)
    return np.reshape([numerical_jvp(fn, args, [e if k == i else None for k in range(len(args))],
                                     eps=h) for e in basis], x.shape)


# ---- mixes of every rule, in x and the parameters ------------------------------------

def normal_mix(x, loc, scale):
    return np.sum(st.norm.logpdf(x, loc, scale) + st.norm.pdf(x, loc, scale)
                  + st.norm.cdf(x, loc=loc, scale=scale) * st.norm.sf(x, loc, scale)
                  + st.norm.logcdf(x, loc, scale) + st.norm.logsf(x, loc, scale)
                  + sc.log_ndtr(x) + sc.ndtr(x) + sc.ndtri(st.norm.cdf(x, loc, scale)))


def t_mix(x, df, loc, scale):
    return np.sum(st.t.logpdf(x, df, loc, scale) + st.t.pdf(x, df, loc, scale))


def t_cdf(x, loc, scale):
    return np.sum(st.t.cdf(x, 3.5, loc, scale) ** 2)


def positive_mix(x, a, b):
    y = 1.0 / (1.0 + x)        # in (0, 1)
    return np.sum(st.gamma.logpdf(x, a, 0.1, b) + st.gamma.pdf(x, a)
                  + st.beta.logpdf(y, a, b) + st.beta.pdf(y, a, b, -0.1, 1.3)
                  + st.expon.logpdf(x, -0.2, b) + st.expon.pdf(x, scale=b))


def symmetric_mix(x, loc, scale):
    return np.sum(st.logistic.logpdf(x, loc, scale) + st.logistic.pdf(x, loc, scale)
                  + st.logistic.cdf(x, loc, scale) + st.cauchy.logpdf(x, loc, scale)
                  + st.cauchy.pdf(x, loc, scale) + st.cauchy.cdf(x, loc, scale)
                  + st.laplace.logpdf(x, loc, scale) + st.laplace.pdf(x, loc, scale))


COUNTS = np.array([0.0, 1.0, 3.0, 2.0])


def discrete_mix(mu, p):
    return np.sum(st.poisson.logpmf(COUNTS, mu) + st.poisson.pmf(COUNTS, mu)
                  + st.binom.logpmf(COUNTS, 4, p) + st.binom.pmf(COUNTS, 4, p)
                  + st.bernoulli.logpmf(COUNTS > 1, p) + st.bernoulli.pmf(COUNTS > 0, p))


def mvn_mix(x, mean, cov):
    return np.sum(st.multivariate_normal.logpdf(x, mean, cov)) \
        + st.multivariate_normal.pdf(x[0], mean, cov)


def dirichlet_mix(z, alpha):
    x = sc.softmax(z, axis=0)        # points on the simplex, as columns
    return np.sum(st.dirichlet.logpdf(x, alpha)) + st.dirichlet.pdf(x[:, 0], alpha)


RNG = np.random.default_rng(1)
_B = RNG.normal(size=(3, 3))
SPD = _B @ _B.T + 3.0 * np.eye(3)
CASES = [
    (normal_mix, (RNG.normal(size=4), 0.3, 1.4)),
    (t_mix, (RNG.normal(size=4), 3.5, -0.2, 1.3)),
    (t_cdf, (RNG.normal(size=4), 0.2, 0.9)),
    (positive_mix, (RNG.uniform(0.5, 2.0, size=4), 1.7, 2.3)),
    (symmetric_mix, (np.array([-1.2, -0.4, 0.6, 1.5]), 0.1, 0.8)),
    (discrete_mix, (RNG.uniform(0.5, 3.0, size=4), 0.35)),
    (mvn_mix, (RNG.normal(size=(4, 3)), RNG.normal(size=3), SPD + 0.3 * np.tril(_B, -1))),
    (dirichlet_mix, (RNG.normal(size=(3, 5)), RNG.uniform(0.8, 3.0, size=3))),
]
IDS = [fn.__name__ for fn, _ in CASES]


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_gradients_match_central_differences(fn, args):
    wrt = tuple(range(len(args)))
    want = [_central(fn, args, i) for i in wrt]
    for mode in ("forward", "reverse"):
        for got, ref in zip(s2sad.grad(fn, wrt=wrt, mode=mode)(*args), want):
            np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_forward_and_reverse_agree_in_random_directions(fn, args):
    check_grads(fn, args, modes=("forward", "reverse"))


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_hessian_matches_differences_of_the_gradient(fn, args):
    for i in range(len(args)):
        x = np.asarray(args[i], dtype=np.float64)
        hess = np.asarray(s2sad.hessian(fn, wrt=i)(*args)).reshape(x.size, x.size)
        grad = s2sad.grad(fn, wrt=i)
        h = 1e-5
        for j in range(x.size):
            step = np.zeros_like(x)
            step.flat[j] = h
            up, down = list(args), list(args)
            up[i], down[i] = x + step, x - step
            column = (np.asarray(grad(*up)) - np.asarray(grad(*down))) / (2 * h)
            np.testing.assert_allclose(hess[:, j], column.ravel(), rtol=1e-5, atol=1e-6)


def test_cov_gradient_lives_on_the_lower_triangle():
    """SciPy reads cov's lower triangle only: the upper one has no derivative."""
    fn, (x, mean, cov) = CASES[6]
    g = s2sad.grad(fn, wrt=2)(x, mean, cov)
    assert np.all(np.triu(g, 1) == 0.0) and np.any(np.tril(g, -1) != 0.0)


# ---- float32, tails, support ------------------------------------------------------------

def log_ndtr_sum(x):
    return np.sum(sc.log_ndtr(x) + sc.ndtr(x))


def test_normal_cdf_gradients_stay_float32():
    x = np.array([-2.0, 0.1, 1.5], dtype=np.float32)
    for mode in ("forward", "reverse"):
        g = s2sad.grad(log_ndtr_sum, mode=mode)(x)
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, _central(log_ndtr_sum, (x.astype(np.float64),), 0),
                                   rtol=2e-6)


def test_log_ndtr_slope_is_accurate_deep_in_the_tail():
    """phi(x) / Phi(x) for x -> -inf by its asymptotic series (-x / (1 - x^-2 + 3x^-4
    - 15x^-6 + 105x^-8)); ndtr itself underflows to 0 there.  exp(-x^2/2 - log_ndtr(x))
    keeps log_ndtr's relative accuracy times x^2/2 (2e4 at -200)."""
    x = np.array([-40.0, -60.0, -200.0])
    series = -x / (1.0 - x ** -2 + 3.0 * x ** -4 - 15.0 * x ** -6 + 105.0 * x ** -8)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(s2sad.grad(lambda v: np.sum(sc.log_ndtr(v)), mode=mode)(x),
                                   series, rtol=1e-10)
        g = s2sad.grad(lambda v, m: np.sum(st.norm.logcdf(v, m, 2.0)), wrt=1, mode=mode)(
            2.0 * x, 0.0)
        np.testing.assert_allclose(g, -np.sum(series) / 2.0, rtol=1e-10)


def gamma_logpdf(x, a):
    return np.sum(st.gamma.logpdf(x, a))


def gamma_pdf(x, a):
    return np.sum(st.gamma.pdf(x, a))


def test_outside_the_support_log_density_slopes_are_nan_density_slopes_zero():
    """The log density is -inf there: its slopes are NaN, not finite numbers.  The
    density is 0 there, and so are its slopes.  (Forward mode sums a tangent against
    every partial, so there a NaN reaches every entry of the gradient in x.)"""
    x = np.array([-1.0, 2.0])
    for mode in ("forward", "reverse"):
        gx, ga = s2sad.grad(gamma_logpdf, wrt=(0, 1), mode=mode)(x, 2.5)
        assert np.isnan(gx[0]) and np.isnan(ga)
        if mode == "reverse":
            assert gx[1] == (2.5 - 1.0) / 2.0 - 1.0
        gx, ga = s2sad.grad(gamma_pdf, wrt=(0, 1), mode=mode)(x, 2.5)
        assert gx[0] == 0.0
        np.testing.assert_allclose(gx[1], _central(gamma_pdf, (x, 2.5), 0)[1], rtol=1e-6)
        np.testing.assert_allclose(ga, _central(gamma_pdf, (x, 2.5), 1), rtol=1e-6)
        gb = s2sad.grad(lambda v, a, b: np.sum(st.beta.pdf(v, a, b)), wrt=(1, 2), mode=mode)(
            np.array([-0.5, 0.3, 1.5]), 2.0, 3.0)
        pdf = 12.0 * 0.3 * 0.7 ** 2      # B(2, 3) = 1/12; psi(5) - psi(2) = 1/2 + 1/3 + 1/4
        np.testing.assert_allclose(gb, [pdf * (np.log(0.3) + 13 / 12),
                                        pdf * (np.log(0.7) + 7 / 12)], rtol=1e-12)


def invalid_scale(x, scale, p):
    return np.sum(st.norm.logpdf(x, 0.0, scale) + st.norm.cdf(x, 0.0, scale)
                  + st.laplace.pdf(x, 0.0, scale)) + st.bernoulli.logpmf(1, p)


def test_where_scipy_gives_nan_for_bad_parameters_the_slopes_are_nan():
    """(In forward mode a NaN partial reaches every tangent: 0 * NaN is NaN.)"""
    x = np.array([0.5, 1.5])
    for mode in ("forward", "reverse"):
        gx, gs, gp = s2sad.grad(invalid_scale, wrt=(0, 1, 2), mode=mode)(x, -1.0, 0.5)
        assert np.all(np.isnan(gx)) and np.isnan(gs)
        assert gp == 2.0 or mode == "forward"
        gx, gs, gp = s2sad.grad(invalid_scale, wrt=(0, 1, 2), mode=mode)(x, 1.0, 1.5)
        assert np.isnan(gp)
        assert np.all(np.isfinite(gx)) and np.isfinite(gs) or mode == "forward"


def test_a_python_float_argument():
    g = s2sad.grad(lambda x, s: st.norm.logpdf(x, 0.5, s), wrt=(0, 1))(1.25, 0.8)
    np.testing.assert_allclose(g, [-(1.25 - 0.5) / 0.64, ((0.75 / 0.8) ** 2 - 1.0) / 0.8])


# ---- frozen distributions ----------------------------------------------------------------

def frozen_normal(x, loc, scale):
    d = st.norm(loc, scale=scale)
    return np.sum(d.logpdf(x) + d.cdf(x))


def unfrozen_normal(x, loc, scale):
    return np.sum(st.norm.logpdf(x, loc, scale=scale) + st.norm.cdf(x, loc, scale=scale))


def frozen_mvn_dirichlet(x, mean, alpha):
    p = sc.softmax(alpha)
    return np.sum(st.multivariate_normal(mean, SPD).logpdf(x)) + st.dirichlet(alpha).logpdf(p)


def frozen_in_a_loop(x, loc, scale):
    d = st.norm(loc, scale=scale)
    total = 0.0
    for i in range(3):
        if i > 0:
            total = total + d.logpdf(x[i]) + d.cdf(x[i - 1])
    return total + d.logpdf(x[0])


def test_a_distribution_frozen_in_the_function_is_its_method_with_the_parameters():
    args = (RNG.normal(size=3), 0.2, 1.7)
    for mode in ("forward", "reverse"):
        got = s2sad.grad(frozen_normal, wrt=(0, 1, 2), mode=mode)(*args)
        want = s2sad.grad(unfrozen_normal, wrt=(0, 1, 2), mode=mode)(*args)
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, rtol=1e-14)
            np.testing.assert_allclose(g, _central(frozen_normal, args, i), rtol=1e-6)
        for i, g in enumerate(s2sad.grad(frozen_in_a_loop, wrt=(0, 1, 2), mode=mode)(*args)):
            np.testing.assert_allclose(g, _central(frozen_in_a_loop, args, i), rtol=1e-6)
    args = (RNG.normal(size=(2, 3)), RNG.normal(size=3), RNG.uniform(1.0, 2.0, size=3))
    grads = s2sad.grad(frozen_mvn_dirichlet, wrt=(0, 1, 2))(*args)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, _central(frozen_mvn_dirichlet, args, i), rtol=1e-6)


def test_generated_code_names_the_distribution_method():
    text = s2sad.source(frozen_normal, wrt=(0, 1), example_args=(np.ones(2), 0.0, 1.0))
    assert "norm.logpdf(" in text and "norm.cdf(" in text


FROZEN = st.norm(0.0, 2.0)


def global_frozen(x):
    return np.sum(FROZEN.logpdf(x))


def frozen_with_loc(x, m):
    return np.sum(st.norm(m).logpdf(x, 1.0))


def test_a_frozen_distribution_made_elsewhere_is_refused_with_the_call_to_write():
    with pytest.raises(UnsupportedSyntaxError, match="test_scipy_stats.py") as info:
        s2sad.grad(global_frozen)(np.ones(2))
    assert "norm.logpdf(x, " in str(info.value)
    with pytest.raises(UnsupportedSyntaxError, match="x alone"):
        s2sad.grad(frozen_with_loc, wrt=1)(np.ones(2), 0.5)


# ---- likelihoods ----------------------------------------------------------------------------

X = np.column_stack([np.ones(30), RNG.normal(size=(30, 2))])
Y = X @ np.array([0.5, -1.0, 2.0]) + 0.3 * RNG.standard_t(4.0, size=30)


def gaussian_nll(w, log_s):
    return -np.sum(st.norm.logpdf(Y, X @ w, np.exp(log_s)))


def student_nll(w, log_s, log_df):
    return -np.sum(st.t.logpdf(Y, np.exp(log_df), loc=X @ w, scale=np.exp(log_s)))


def test_gaussian_regression_gradient_vanishes_at_the_least_squares_fit():
    w, *_ = np.linalg.lstsq(X, Y, rcond=None)
    log_s = 0.5 * np.log(np.mean((Y - X @ w) ** 2))
    for mode in ("forward", "reverse"):
        gw, gs = s2sad.grad(gaussian_nll, wrt=(0, 1), mode=mode)(w, log_s)
        np.testing.assert_allclose(gw, 0.0, atol=1e-10)
        np.testing.assert_allclose(gs, 0.0, atol=1e-10)
    # the Hessian in w is X^T X / s^2
    np.testing.assert_allclose(s2sad.hessian(gaussian_nll)(w, log_s),
                               X.T @ X / np.exp(2 * log_s), rtol=1e-10)


def test_student_t_regression_gradient_and_hessian():
    args = (np.array([0.4, -0.9, 1.8]), np.log(0.4), np.log(5.0))
    for i, g in enumerate(s2sad.grad(student_nll, wrt=(0, 1, 2))(*args)):
        np.testing.assert_allclose(g, _central(student_nll, args, i), rtol=1e-6, atol=1e-8)
    hess = s2sad.hessian(student_nll, wrt=2)(*args)
    grad = s2sad.grad(student_nll, wrt=2)
    h = 1e-5
    fd = (grad(*args[:2], args[2] + h) - grad(*args[:2], args[2] - h)) / (2 * h)
    np.testing.assert_allclose(hess, fd, rtol=1e-6)


COUNT_Y = RNG.poisson(np.exp(X @ np.array([0.3, 0.5, -0.4])))


def poisson_glm_nll(beta):
    return -np.sum(st.poisson.logpmf(COUNT_Y, np.exp(X @ beta)))


def test_poisson_glm_gradient_and_hessian_are_the_closed_forms():
    beta = np.array([0.1, 0.2, -0.3])
    mu = np.exp(X @ beta)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(s2sad.grad(poisson_glm_nll, mode=mode)(beta),
                                   -X.T @ (COUNT_Y - mu), rtol=1e-10)
    np.testing.assert_allclose(s2sad.hessian(poisson_glm_nll)(beta), X.T @ (mu[:, None] * X),
                               rtol=1e-10)


TABLE = np.array([[3.0, 0.0, 5.0], [1.0, 4.0, 2.0], [0.0, 2.0, 6.0], [2.0, 2.0, 2.0]])


def dirichlet_multinomial(log_alpha, z):
    """Log joint of multinomial rows TABLE[i] with probabilities p_i = softmax(z[i]) and
    a Dirichlet(alpha) prior on each p_i."""
    p = sc.softmax(z, axis=1)
    return np.sum(st.dirichlet.logpdf(p.T, np.exp(log_alpha))) + np.sum(sc.xlogy(TABLE, p))


def test_dirichlet_multinomial_mode_and_gradients():
    """With z = log(TABLE + alpha - 1), p is the posterior mode: the gradient in z is 0."""
    alpha = np.array([1.5, 2.0, 3.0])
    z = np.log(TABLE + alpha - 1.0)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(s2sad.grad(dirichlet_multinomial, wrt=1, mode=mode)(
            np.log(alpha), z), 0.0, atol=1e-10)
    args = (np.log(alpha), RNG.normal(size=(4, 3)))
    for i, g in enumerate(s2sad.grad(dirichlet_multinomial, wrt=(0, 1))(*args)):
        np.testing.assert_allclose(g, _central(dirichlet_multinomial, args, i), rtol=1e-6,
                                   atol=1e-8)
    check_grads(dirichlet_multinomial, args)


OBSERVED, CENSORED = RNG.exponential(2.0, size=12), RNG.exponential(2.0, size=5)


def censored_exponential(log_theta):
    theta = np.exp(log_theta)
    return np.sum(st.expon.logpdf(OBSERVED, scale=theta)) + \
        np.sum(st.expon.logsf(CENSORED, scale=theta))


def test_censored_exponential_gradient_vanishes_at_its_closed_form_fit():
    """Exponential survival times, some right-censored: the MLE of the mean is the total
    time over the number of events; the observed information there is n / theta^2."""
    best = np.log((OBSERVED.sum() + CENSORED.sum()) / OBSERVED.size)
    for mode in ("forward", "reverse"):
        assert abs(s2sad.grad(censored_exponential, mode=mode)(best)) < 1e-10
    # in log theta the curvature at the fit is -n
    np.testing.assert_allclose(s2sad.hessian(censored_exponential)(best), -OBSERVED.size,
                               rtol=1e-10)


def expon_cdfs(x, loc):
    return np.sum(st.expon.cdf(x, loc, 1.5) + st.expon.sf(x, loc) + st.laplace.cdf(x, loc))


def test_below_loc_the_exponential_cdf_is_flat():
    x = np.array([-2.0, -0.5, 0.7, 2.5])
    for mode in ("forward", "reverse"):
        gx, gl = s2sad.grad(expon_cdfs, wrt=(0, 1), mode=mode)(x, 0.0)
        np.testing.assert_allclose(gx, _central(expon_cdfs, (x, 0.0), 0), rtol=1e-6)
        np.testing.assert_allclose(gl, _central(expon_cdfs, (x, 0.0), 1), rtol=1e-6)
        below = s2sad.grad(lambda v: np.sum(st.expon.cdf(v, 0.0, 1.5)), mode=mode)(x)
        assert below[0] == 0.0 and below[1] == 0.0 and below[2] > 0.0


# ---- refusals ------------------------------------------------------------------------------

def t_cdf_in_df(x, df):
    return np.sum(st.t.cdf(x, df))


def poisson_in_k(k, mu):
    return np.sum(st.poisson.logpmf(k, mu))


def mvn_singular(x, cov):
    return st.multivariate_normal.logpdf(x, np.zeros(2), cov, allow_singular=True)


def mvn_no_mean(x, cov):
    return st.multivariate_normal.logpdf(x, cov=cov)


def mvn_diagonal(x, cov):
    return np.sum(st.multivariate_normal.logpdf(x, np.zeros(2), cov))


def dirichlet_short(x, alpha):
    return st.dirichlet.logpdf(x, alpha)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_what_has_no_exact_derivative_is_a_located_error(mode):
    with pytest.raises(MissingRuleError, match=r"(?s)test_scipy_stats.py.*'df'"):
        s2sad.grad(t_cdf_in_df, wrt=1, mode=mode)(np.ones(2), 3.0)
    with pytest.raises(MissingRuleError, match=r"(?s)test_scipy_stats.py.*'k'"):
        s2sad.grad(poisson_in_k, wrt=0, mode=mode)(np.array([1.0, 2.0]), 1.5)
    # the parameters it has rules for are still differentiated
    g = s2sad.grad(poisson_in_k, wrt=1, mode=mode)(np.array([1.0, 2.0]), 1.2)
    np.testing.assert_allclose(g, 3.0 / 1.2 - 2.0)


def gamma_ppf(q, a):
    return np.sum(st.gamma.ppf(q, a))


def test_a_method_without_a_rule_is_named_as_the_user_wrote_it():
    with pytest.raises(MissingRuleError, match=r"'scipy\.stats\.gamma\.ppf' is a library "
                                               r"function without a derivative rule"):
        s2sad.grad(gamma_ppf)(np.full(2, 0.5), 2.0)


@pytest.mark.parametrize("fn,args,words", [
    (mvn_singular, (np.ones(2), np.eye(2)), "allow_singular"),
    (mvn_no_mean, (np.ones(2), np.eye(2)), "mean is not given"),
    (mvn_singular, (np.ones(2), np.ones(2)), "allow_singular"),
    (mvn_diagonal, (np.ones(2), np.ones(2)), "full covariance matrix"),
    (mvn_diagonal, (np.ones((2, 2, 2)), np.eye(2)), "rows"),
    (dirichlet_short, (np.array([0.2, 0.3]), np.ones(3)), "all k components"),
], ids=["singular", "no-mean", "singular-diagonal", "diagonal-cov", "3d-x", "dirichlet-k-1"])
def test_calls_the_rules_do_not_cover_are_refused_when_the_derivative_runs(fn, args, words):
    for mode in ("forward", "reverse"):
        with pytest.raises(NonDifferentiableError, match=words) as info:
            s2sad.grad(fn, wrt=1, mode=mode)(*args)
        assert any("test_scipy_stats.py" in note for note in info.value.__notes__)


# ---- the registry ----------------------------------------------------------------------------

def test_rule_parameters_are_the_distributions():
    """A method's real signature is (x, *args, **kwds): the parameters are x, the
    distribution's shapes, then loc (and scale for a continuous one)."""
    seen = 0
    for key, rule in RULES.items():
        dist = getattr(key, "__self__", None)
        if not isinstance(dist, st.rv_continuous | st.rv_discrete):
            continue
        shapes = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
        tail = ["loc", "scale"] if isinstance(dist, st.rv_continuous) else ["loc"]
        assert list(rule.params[1:]) == shapes + tail, rule.name
        assert rule.defaults.get("loc") == 0 and rule.defaults.get("scale", 1) == 1, rule.name
        seen += 1
    assert seen >= 30


_DEFERRED = """
import sys
import numpy as np
import s2sad
assert "scipy.stats" not in sys.modules, "s2sad imported scipy.stats"
import scipy.stats as st


def f(x):
    return np.sum(st.norm.logpdf(x, 1.0, 2.0))


print(s2sad.grad(f)(np.array([0.0, 3.0])))
"""


ROOT = pathlib.Path(__file__).resolve().parents[1]


def _run_script(tmp_path, text: str) -> str:
    """The output of `text` run as a script by a fresh interpreter (this s2sad)."""
    script = tmp_path / "script.py"
    script.write_text(text, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_rules_register_when_first_needed(tmp_path):
    """s2sad does not import scipy.stats (0.6 s); its rules load on the first look-up."""
    out = _run_script(tmp_path, _DEFERRED)
    np.testing.assert_allclose(np.array(out.strip(" []\n").split(), float),
                               [0.25, -0.5])     # -(x - 1) / 2**2


def test_an_emitted_derivative_imports_the_distributions(tmp_path, capsys):
    """`s2sad emit` writes `from scipy.stats import norm` for the rule's object."""
    import importlib.util

    from s2sad.cli import main
    out = tmp_path / "poisson_grad.py"
    status = main(["emit", f"{__file__}:poisson_glm_nll", "--example", "(np.zeros(3),)",
                   "-o", str(out)])
    assert status == 0, capsys.readouterr().err
    text = out.read_text()
    assert "from scipy.stats import poisson" in text and "poisson.logpmf(" in text
    spec = importlib.util.spec_from_file_location("poisson_grad", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    beta = np.array([0.1, 0.2, -0.3])
    value, grad = module.poisson_glm_nll_vjp(beta, 1.0)
    assert value == poisson_glm_nll(beta)
    np.testing.assert_allclose(grad, s2sad.grad(poisson_glm_nll)(beta), rtol=1e-14)


_USER_RULE_FIRST = """
import numpy as np
import s2sad
import scipy.stats as st

# a user's rule for a function of the deferred table, registered before its first use
s2sad.defpartials(st.norm.logpdf, "x, loc=0.0, scale=1.0", x="-2.0 * (x - loc)")


def f(x):
    return np.sum(st.norm.logpdf(x, 0.5) + st.t.logpdf(x, 4.0))


print(s2sad.grad(f)(np.array([1.5])).tolist())
"""


def test_a_users_rule_registered_before_the_table_loads_is_kept(tmp_path):
    t_slope = -(4.0 + 1.0) * 1.5 / (4.0 + 1.5 ** 2)
    np.testing.assert_allclose(eval(_run_script(tmp_path, _USER_RULE_FIRST)),
                               [-2.0 * 1.0 + t_slope], rtol=1e-12)


def test_the_rules_command_lists_the_deferred_rules(tmp_path):
    out = _run_script(tmp_path, "from s2sad.cli import main\nmain(['rules'])\n")
    listed = {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()[2:]}
    for name in ("scipy.stats.norm.logpdf", "scipy.stats.multivariate_normal.pdf",
                 "scipy.stats.poisson.logpmf", "scipy.special.log_ndtr"):
        assert listed[name] == "forward, reverse"
