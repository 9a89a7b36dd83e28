"""The scipy.special rules (s2sad/rules/scipy_special.py), directly.

tests/rule_specs.py runs every rule through the whole compiler (both modes, float32,
second derivatives); here: first derivatives against central differences, Hessians
against differences of the gradient, float32, logsumexp's axis, keepdims and `b=`,
the errors, a likelihood, and s2sad without SciPy.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import s2sad
from s2sad.rules import RULES
from s2sad.testing import check_grads

import scipy.special as sc     # the test extra installs SciPy


def test_the_scipy_rules_are_registered():
    assert sc.erf in RULES and sc.logsumexp in RULES


def unary_mix(x):
    return np.sum(sc.expit(x) * sc.erf(x) + sc.erfc(0.5 * x) + sc.erfinv(0.3 * np.tanh(x)))


def positive_mix(x):
    return np.sum(sc.gammaln(x) + sc.digamma(x) * sc.gamma(x) + sc.polygamma(1, x)
                  + sc.logit(1.0 / (1.0 + x)))


def binary_mix(a, b):
    return np.sum(sc.beta(a, b) + sc.betaln(a, b) + sc.xlogy(a, b) + sc.xlog1py(b, a))


def softmaxes(x):
    return np.sum(sc.softmax(x, axis=1) * np.cos(x)) + np.sum(sc.log_softmax(x, axis=0) ** 2)


def lse_axis(x):
    return np.sum(np.sin(sc.logsumexp(x, axis=1, keepdims=True)) * x)


def lse_weighted(a, b):
    return np.sum(sc.logsumexp(a, axis=0, b=b) ** 2)


def lse_sign(a):
    return sc.logsumexp(a, return_sign=True)[0]


def python_floats(x):
    return sc.gammaln(x) + sc.erf(x) * sc.expit(x) + float(sc.digamma(x)) ** 2


def neg_binomial_loglik(log_r, logit_p, y):
    """Log-likelihood of counts y under a negative binomial (r, p)."""
    r = np.exp(log_r)
    return np.sum(sc.gammaln(y + r) - sc.gammaln(r) - sc.gammaln(y + 1.0)
                  + sc.xlogy(r, sc.expit(-logit_p)) + sc.xlogy(y, sc.expit(logit_p)))


def beta_binomial_loglik(a, b, k, n):
    return np.sum(sc.betaln(k + a, n - k + b) - sc.betaln(a, b)
                  - np.log(n + 1.0) - sc.betaln(n - k + 1.0, k + 1.0))


RNG = np.random.default_rng(0)
POS = RNG.uniform(0.6, 2.5, size=(2, 3))
ANY = RNG.normal(size=(2, 3))
CASES = [(unary_mix, (ANY,)), (positive_mix, (POS,)),
         (binary_mix, (POS, RNG.uniform(0.5, 2.0, size=(3,)))),
         (softmaxes, (ANY,)), (lse_axis, (RNG.normal(size=(3, 4)),)),
         (lse_weighted, (RNG.normal(size=(3, 2)), RNG.uniform(0.5, 2.0, size=(3, 1))))]
IDS = [fn.__name__ for fn, _ in CASES]


def _central(fn, args, i, h=1e-6):
    """The gradient of scalar fn in its i-th argument, by central differences."""
    x = np.array(args[i], dtype=np.float64)
    out = np.zeros_like(x)
    for j in range(x.size):
        step = np.zeros_like(x)
        step.flat[j] = h
        up = list(args)
        up[i] = x + step
        down = list(args)
        down[i] = x - step
        out.flat[j] = (fn(*up) - fn(*down)) / (2 * h)
    return out


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_gradients_match_central_differences(fn, args, mode):
    wrt = tuple(range(len(args)))
    grads = s2sad.grad(fn, wrt=wrt, mode=mode)(*args)
    for i, g in zip(wrt, grads):
        np.testing.assert_allclose(g, _central(fn, args, i), rtol=1e-6, atol=1e-7)
    check_grads(fn, args, modes=("forward", "reverse"))


@pytest.mark.parametrize("fn,args", CASES, ids=IDS)
def test_hessian_matches_differences_of_the_gradient(fn, args):
    x, rest = args[0], args[1:]
    hess = s2sad.hessian(fn)(*args)
    grad = s2sad.grad(fn)
    h = 1e-5
    for j in range(x.size):
        step = np.zeros_like(x)
        step.flat[j] = h
        column = (grad(x + step, *rest) - grad(x - step, *rest)) / (2 * h)
        np.testing.assert_allclose(hess.reshape(x.size, x.size)[:, j], column.ravel(),
                                   rtol=1e-5, atol=1e-6)


def test_python_float_arguments():
    for x in (0.7, 1.5, 3.2):
        g = s2sad.grad(python_floats)(x)
        assert g == pytest.approx(float(_central(python_floats, (x,), 0)), rel=1e-6)
        assert s2sad.grad(python_floats, mode="forward")(x) == pytest.approx(g, rel=1e-12)
        hess = s2sad.hessian(python_floats)(x)
        dg = (s2sad.grad(python_floats)(x + 1e-5) - s2sad.grad(python_floats)(x - 1e-5)) / 2e-5
        assert float(hess) == pytest.approx(dg, rel=1e-5)


@pytest.mark.parametrize("fn", [unary_mix, positive_mix, softmaxes, lse_axis],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_float32_stays_float32(fn, mode):
    x = POS if fn is positive_mix else ANY
    g32 = s2sad.grad(fn, mode=mode)(x.astype(np.float32))
    assert g32.dtype == np.float32 and g32.shape == x.shape
    np.testing.assert_allclose(g32, s2sad.grad(fn, mode=mode)(x), rtol=2e-3, atol=1e-4)
    x32 = x.astype(np.float32)
    hvp = s2sad.hvp(fn, (x32,), (np.ones_like(x32),))[0]
    assert hvp.dtype == np.float32 and hvp.shape == x.shape


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False),
                                           ((0, 2), True), ((0, 1, 2), False)])
def test_logsumexp_axis_and_keepdims(axis, keepdims):
    x = RNG.normal(size=(2, 3, 4))

    def weighted_lse(x, w):
        return np.sum(w * sc.logsumexp(x, axis=axis, keepdims=keepdims))

    w = RNG.normal(size=np.shape(sc.logsumexp(x, axis=axis, keepdims=keepdims)))
    # the gradient is the softmax over the reduced axes, weighted by w
    lse = sc.logsumexp(x, axis=axis, keepdims=True)
    w_kept = w if keepdims or axis is None else np.expand_dims(w, axis)
    expected = np.exp(x - lse) * w_kept
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(s2sad.grad(weighted_lse, mode=mode)(x, w), expected,
                                   rtol=1e-10, atol=1e-12)
    check_grads(weighted_lse, (x, w), modes=("forward", "reverse"))


def test_logsumexp_weights():
    a, b = RNG.normal(size=(3, 2)), RNG.uniform(0.5, 2.0, size=(3, 1))
    ga, gb = s2sad.grad(lse_weighted, wrt=(0, 1))(a, b)
    assert ga.shape == a.shape and gb.shape == b.shape
    np.testing.assert_allclose(gb, _central(lse_weighted, (a, b), 1), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ga, _central(lse_weighted, (a, b), 0), rtol=1e-6, atol=1e-8)


def test_logsumexp_refusals_are_clear():
    with pytest.raises(NotImplementedError, match="return_sign=True"):
        s2sad.grad(lse_sign)(RNG.normal(size=3))
    with pytest.raises(NotImplementedError, match="does not broadcast to a's shape"):
        s2sad.grad(lse_weighted)(RNG.normal(size=(3,)), RNG.uniform(0.5, 1.0, size=(2, 3)))


def test_negative_binomial_likelihood():
    y = np.array([0.0, 3.0, 1.0, 7.0, 2.0])
    log_r, logit_p = np.array([0.3, -0.2, 0.5, 0.1, 0.0]), np.array([-0.4, 0.2, 0.9, -1.1, 0.3])
    check_grads(neg_binomial_loglik, (log_r, logit_p, y), modes=("forward", "reverse"))
    hess = s2sad.hessian(neg_binomial_loglik)(log_r, logit_p, y)
    grad = s2sad.grad(neg_binomial_loglik)
    h, step = 1e-5, np.eye(5)[2] * 1e-5
    column = (grad(log_r + step, logit_p, y) - grad(log_r - step, logit_p, y)) / (2 * h)
    np.testing.assert_allclose(hess[:, 2], column, rtol=1e-5, atol=1e-7)


def test_beta_binomial_likelihood():
    k, n = np.array([2.0, 5.0, 0.0, 9.0]), np.array([10.0, 10.0, 4.0, 12.0])
    check_grads(beta_binomial_loglik, (1.3, 2.1, k, n), modes=("forward", "reverse"))
    ga, gb = s2sad.grad(beta_binomial_loglik, wrt=(0, 1))(1.3, 2.1, k, n)
    assert ga == pytest.approx(float(_central(beta_binomial_loglik, (1.3, 2.1, k, n), 0)),
                               rel=1e-6)


def test_xlogy_at_zero_x_has_zero_y_partial():
    def f(x, y):
        return np.sum(sc.xlogy(x, y))
    g = s2sad.grad(f, wrt=(1,))(np.array([0.0, 2.0]), np.array([0.0, 3.0]))[0]
    np.testing.assert_allclose(g, [0.0, 2.0 / 3.0])


_WITHOUT_SCIPY = """
import sys
sys.modules["scipy"] = None           # `import scipy` raises ImportError
import numpy as np
import s2sad, s2sad.runtime as rt
from s2sad.rules import RULES
assert not any(r.name.startswith("scipy.") for r in RULES.values())
assert not hasattr(rt, "polygamma") or rt.HAVE_SCIPY
print("ok")
"""


def test_s2sad_imports_without_scipy():
    out = subprocess.run([sys.executable, "-c", _WITHOUT_SCIPY], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr


def uses_ellipk(x):
    return np.sum(sc.ellipk(x))


def test_a_scipy_function_without_a_rule_is_a_located_missing_rule():
    with pytest.raises(s2sad.errors.MissingRuleError, match="test_scipy_rules.py"):
        s2sad.grad(uses_ellipk)(np.full(3, 0.5))
