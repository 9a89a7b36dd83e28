"""Numerical checks of the tricky rules from the coverage to-do list: NaN entries of the
nan-ignoring reductions get zero gradient and the others the plain reduction's over the
non-NaN entries; a quantile between two order statistics weights them linearly; tied
order statistics share one unit of weight; unsupported variants are refused naming the
user's line."""
import numpy as np
import pytest
import scipy.special as sc
import scipy.stats as st

import s2sad
from s2sad.testing import check_grads

RNG = np.random.default_rng(7)
X = RNG.normal(size=(3, 5))
X_NAN = X.copy()
X_NAN[0, 1] = X_NAN[2, 4] = X_NAN[2, 0] = np.nan
VALID = ~np.isnan(X_NAN)


def nanvar_rows(x):
    return np.sum(np.nanvar(x, axis=1, ddof=1) * np.array([1.0, 2.0, 3.0]))


def var_rows(x):       # nanvar_rows, one row at a time over the kept entries
    return sum(w * np.var(row, ddof=1) for w, row in zip((1.0, 2.0, 3.0), x))


def nanstd_all(x):
    return np.nanstd(x)


def nanprod_cols(x):
    return np.sum(np.sin(np.nanprod(x, axis=0)))


def nancumsum_rows(x):
    return np.sum(np.cos(np.nancumsum(x, axis=1)))


def nancumprod_rows(x):
    return np.sum(np.nancumprod(x, axis=1) ** 2)


def nanmedian_rows(x):
    return np.sum(np.nanmedian(x, axis=1) * np.array([1.0, -2.0, 0.5]))


def nanpercentile_cols(x):
    return np.sum(np.nanpercentile(x, [20.0, 65.0], axis=0) ** 2)


NAN_FNS = [nanvar_rows, nanstd_all, nanprod_cols, nancumsum_rows, nancumprod_rows,
           nanmedian_rows, nanpercentile_cols]


@pytest.mark.parametrize("f", NAN_FNS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_nan_entries_get_zero_gradient(f, mode):
    grad = s2sad.grad(f, mode=mode)(X_NAN)
    assert np.all(grad[~VALID] == 0.0)
    # the other entries: central differences of f moving only those entries
    eps, fd = 1e-6, np.zeros_like(X)
    for i, j in zip(*np.nonzero(VALID)):
        step = np.zeros_like(X)
        step[i, j] = eps
        fd[i, j] = (f(X_NAN + step) - f(X_NAN - step)) / (2 * eps)
    np.testing.assert_allclose(grad[VALID], fd[VALID], rtol=1e-5, atol=1e-7)


def test_nanvar_is_var_over_the_kept_entries():
    rows = [X_NAN[i][VALID[i]] for i in range(3)]
    grads = [s2sad.grad(lambda r, w=w: w * np.var(r, ddof=1))(r) for w, r in
             zip((1.0, 2.0, 3.0), rows)]
    grad = s2sad.grad(nanvar_rows)(X_NAN)
    for i in range(3):
        np.testing.assert_allclose(grad[i][VALID[i]], grads[i], rtol=1e-12)


@pytest.mark.parametrize("f", NAN_FNS, ids=lambda f: f.__name__)
def test_without_nans_both_modes_and_second_order(f):
    x = np.abs(X) + 0.5 if f in (nanprod_cols, nancumprod_rows) else X
    check_grads(f, (x,))
    hess = s2sad.hessian(f)(x)
    eps = 1e-5
    d = RNG.normal(size=x.shape)
    fd = (s2sad.grad(f)(x + eps * d) - s2sad.grad(f)(x - eps * d)) / (2 * eps)
    np.testing.assert_allclose(np.tensordot(hess, d, axes=2), fd, rtol=1e-5, atol=1e-6)


def percentile_30(x):
    return np.percentile(x, 30.0)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_percentile_between_two_order_statistics(mode):
    x = np.array([3.0, -1.0, 7.0, 0.5, 2.0, 10.0])        # sorted: -1, 0.5, 2, 3, 7, 10
    # 30% of the way over 6 entries: position 0.3 * 5 = 1.5, halfway from 0.5 to 2
    expected = np.zeros(6)
    expected[3] = expected[4] = 0.5
    np.testing.assert_allclose(s2sad.grad(percentile_30, mode=mode)(x), expected)
    check_grads(percentile_30, (x,))


def quantile_of_ties(x):
    return np.quantile(x, 0.5)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_tied_order_statistics_share_one_unit_of_weight(mode):
    x = np.array([1.0, 2.0, 2.0, 2.0, 5.0])
    grad = s2sad.grad(quantile_of_ties, mode=mode)(x)
    # moving every entry by c moves the median by c; only the tied entries carry weight
    assert np.isclose(np.sum(grad), 1.0)
    assert np.all(grad[[0, 4]] == 0.0) and np.all(grad >= 0.0)
    # moving all the tied entries together moves the median with them
    step = np.array([0.0, 1.0, 1.0, 1.0, 0.0]) * 1e-6
    assert np.isclose(grad @ step / 1e-6,
                      (quantile_of_ties(x + step) - quantile_of_ties(x - step)) / 2e-6)


def nearest_quantile(x):
    return np.quantile(x, 0.3, method="nearest")


def flat_vector_norm(x):
    return np.linalg.vector_norm(x, ord=1)


@pytest.mark.parametrize("f, why", [(nearest_quantile, "method='nearest'"),
                                    (flat_vector_norm, "ord=1 over several axes")])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_unsupported_variants_are_refused_naming_the_line(f, why, mode):
    with pytest.raises(s2sad.NonDifferentiableError, match=why) as info:
        s2sad.grad(f, mode=mode)(np.arange(6.0).reshape(2, 3))
    assert any(__file__ in note for note in getattr(info.value, "__notes__", ()))


def polynomial_pipeline(a, b):
    p = np.polyint(np.polymul(a, np.polyadd(b, a)), 2)
    return np.sum(np.polyder(np.polysub(p, b), 1) * np.vander(b[:3], 7)[0])


def test_polynomials_and_vander_in_both_modes_and_second_order():
    a, b = RNG.normal(size=3), RNG.normal(size=4)
    check_grads(polynomial_pipeline, (a, b))
    hess = s2sad.hessian(lambda a: polynomial_pipeline(a, b))(a)
    eps, d = 1e-5, RNG.normal(size=3)
    g = s2sad.grad(lambda a: polynomial_pipeline(a, b))
    np.testing.assert_allclose(hess @ d, (g(a + eps * d) - g(a - eps * d)) / (2 * eps),
                               rtol=1e-5, atol=1e-6)


def incomplete_gamma_in_a(a):
    return sc.gammainc(a, 2.0) + sc.gammaincc(a, 1.0)


def gamma_cdf_in_a(a):
    return st.gamma.cdf(2.0, a)


@pytest.mark.parametrize("f", [incomplete_gamma_in_a, gamma_cdf_in_a], ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_incomplete_gamma_in_its_shape_is_refused_naming_the_line(f, mode):
    with pytest.raises(s2sad.MissingRuleError, match="argument 'a'") as info:
        s2sad.grad(f, mode=mode)(1.5)
    assert __file__ in str(info.value)


def uniform_and_gamma_cdfs(x):
    return np.sum(st.uniform.cdf(x, -0.5, 2.0) + st.gamma.sf(x, 2.0))


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_cdfs_are_flat_off_their_supports(mode):
    x = np.array([-0.9, -0.2, 0.4, 1.7])        # uniform on [-0.5, 1.5]; gamma on x > 0
    grad = s2sad.grad(uniform_and_gamma_cdfs, mode=mode)(x)
    eps = 1e-6
    fd = [(uniform_and_gamma_cdfs(x + eps * e) - uniform_and_gamma_cdfs(x - eps * e)) / (2 * eps)
          for e in np.eye(4)]
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    assert grad[0] == 0.0


def divergences(p, q):
    # gammainc(a, x) + gammaincc(a, x) = 1: their x-derivatives cancel
    ones = sc.gammainc(1.5, q) + sc.gammaincc(1.5, q)
    return np.sum(sc.kl_div(p, q) + sc.rel_entr(q, p) + sc.entr(p) * ones)


def test_divergences_in_both_modes_and_second_order():
    p, q = RNG.uniform(0.2, 1.0, size=4), RNG.uniform(0.2, 1.0, size=4)
    check_grads(divergences, (p, q))
    hess = s2sad.hessian(divergences)(p, q)
    eps, d = 1e-5, RNG.normal(size=4)
    g = s2sad.grad(divergences)
    np.testing.assert_allclose(hess @ d, (g(p + eps * d, q) - g(p - eps * d, q)) / (2 * eps),
                               rtol=1e-5, atol=1e-6)


def angle_of_complex(x):
    return np.sum(np.angle(np.exp(1j * x)))


def angle_of_real(x):
    return np.sum(np.angle(x) * x)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_angle_is_flat_for_real_values_and_refused_for_complex(mode):
    x = np.array([-1.5, 0.5, 2.0])
    np.testing.assert_allclose(s2sad.grad(angle_of_real, mode=mode)(x), np.angle(x))
    with pytest.raises(s2sad.NonDifferentiableError, match="complex values") as info:
        s2sad.grad(angle_of_complex, mode=mode)(np.array([0.3, 0.5]))
    assert __file__ in str(info.value)
