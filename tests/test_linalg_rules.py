"""Decompositions (svd, eig, eigvals, qr, lstsq, matrix_power), scipy.linalg, every
np.linalg.norm ord, and math.gamma/lgamma, through the whole compiler.

Functions of the factors are chosen invariant to the sign choices of singular vectors
and eigenvectors (projectors, weighted outer products), so finite differences are
meaningful; each is checked in both modes against central differences in random
directions (`check_grads`), by its Hessian against differences of its gradient, and
in float32.  The inputs where a derivative does not exist raise NonDifferentiableError
naming this file's line.  expm and sqrtm are also checked against independent
references (SciPy's expm_frechet, the Sylvester equation of the square root).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sl

import s2sad
from s2sad.testing import check_grads

W3 = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.5], [-0.8, 0.9, 0.2]])
W4 = np.array([[0.5, -0.3, 0.8, 0.1], [-0.7, 0.2, 0.4, -1.0], [0.9, 0.6, -0.2, 0.3],
               [0.1, -0.4, 0.7, 0.5]])


def svd_projectors(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    left = np.matmul(u * s ** 2, u.T)          # a a^T
    right = np.matmul(vh.T * s, vh)             # (a^T a)^(1/2)
    return np.sum(W4[:left.shape[0], :left.shape[0]] * left) + \
        np.sum(W4[:right.shape[0], :right.shape[0]] * right) + np.sum(s ** 3)


def svd_single_vectors(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    p = np.outer(u[:, 1], vh[1]) * s[0]          # u_1 v_1^T: the signs cancel
    return np.sum(W4[:p.shape[0], :p.shape[1]] * p) + np.sum(np.linalg.svd(a, compute_uv=False))


def eig_parts(a):
    w, v = np.linalg.eig(a)
    total = 0.0
    for k in range(3):
        total = total + w[k] * np.sum(W3 * np.outer(v[:, k], v[:, k]))
    return total + np.sum(np.linalg.eigvals(a) ** 3)


def qr_parts(a):
    q, r = np.linalg.qr(a)
    return np.sum(W4[:q.shape[0], :q.shape[0]] * np.matmul(q, q.T)) + np.sum(W3 * r ** 2)


def lstsq_parts(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b)
    return np.sum(x ** 2) + 0.5 * np.sum(res) + np.sum(s * s[0])


def powers(a):
    return np.sum(W3 * np.linalg.matrix_power(a, 3)) + \
        np.sum(W3.T * np.linalg.matrix_power(a, -2))


def real_spectrum(rng, n=3):
    p = np.eye(n) + 0.3 * rng.normal(size=(n, n))
    return (p * np.arange(1.0, n + 1)) @ np.linalg.inv(p)


def _hvp_vs_differences(f, args, rng, h=1e-5, rtol=1e-5):
    v = [rng.normal(size=np.shape(a)) for a in args]
    hv = s2sad.hvp(f, tuple(args), tuple(v))
    grad = s2sad.grad(f, wrt=tuple(range(len(args))))
    plus = grad(*[a + h * d for a, d in zip(args, v)])
    minus = grad(*[a - h * d for a, d in zip(args, v)])
    fd = np.concatenate([np.ravel((p - m) / (2 * h)) for p, m in zip(plus, minus)])
    got = np.concatenate([np.ravel(x) for x in hv])
    assert np.linalg.norm(got - fd) <= rtol * np.linalg.norm(fd) + 1e-8, (got, fd)


def _float32_close(f, args):
    g64 = s2sad.grad(f)(*args)
    for mode in ("reverse", "forward"):
        g32 = s2sad.grad(f, mode=mode)(*[a.astype(np.float32) for a in args])
        assert g32.dtype == np.float32
        np.testing.assert_allclose(g32, g64, rtol=2e-3, atol=2e-3 * np.abs(g64).max())


CASES = [(svd_projectors, lambda rng: (rng.normal(size=(4, 3)),)),
         (svd_projectors, lambda rng: (rng.normal(size=(3, 4)),)),
         (svd_single_vectors, lambda rng: (rng.normal(size=(4, 3)),)),
         (eig_parts, lambda rng: (real_spectrum(rng),)),
         (qr_parts, lambda rng: (rng.normal(size=(4, 3)),)),
         (lstsq_parts, lambda rng: (rng.normal(size=(5, 3)), rng.normal(size=5))),
         (powers, lambda rng: (rng.normal(size=(3, 3)) + 2.5 * np.eye(3),))]


@pytest.mark.parametrize("f, make", CASES, ids=[f"{c[0].__name__}{i}" for i, c in enumerate(CASES)])
def test_first_and_second_derivatives(f, make):
    rng = np.random.default_rng(11)
    args = make(rng)
    check_grads(f, args)
    _hvp_vs_differences(f, args, rng)
    _float32_close(f, args)


def test_hessian_of_singular_vectors_matches_differences_of_the_gradient():
    a = np.random.default_rng(3).normal(size=(3, 3))
    h = s2sad.hessian(svd_single_vectors)(a).reshape(9, 9)
    grad = s2sad.grad(svd_single_vectors)
    fd = np.stack([(grad(a + 1e-5 * e.reshape(3, 3)) - grad(a - 1e-5 * e.reshape(3, 3))).ravel()
                   / 2e-5 for e in np.eye(9)], axis=1)
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-8)


def eigvalsh_cubed(a):
    return np.sum(np.linalg.eigvalsh(a) ** 3) + np.sum(W3 * np.linalg.eigh(a)[1] ** 2)


def test_eigh_and_eigvalsh_second_derivatives():
    rng = np.random.default_rng(4)
    b = rng.normal(size=(3, 3))
    _hvp_vs_differences(eigvalsh_cubed, (b + b.T,), rng)


# ---- refusals ------------------------------------------------------------------------

def thin_svd_sum(a):
    return np.sum(np.linalg.svd(a)[0] * 2.0)


def singular_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False))


def eigenvalues(a):
    return np.sum(np.linalg.eigvals(a))


def wide_qr(a):
    return np.sum(np.linalg.qr(a)[1])


def lstsq_solution(a, b):
    return np.sum(np.linalg.lstsq(a, b)[0])


def root(a):
    return np.sum(sl.sqrtm(a))


REFUSALS = [(thin_svd_sum, (np.ones((3, 2)) + np.eye(3, 2),), "full_matrices"),
            (singular_values, (np.eye(3),), "repeat or vanish"),
            (singular_values, (np.diag([1.0, 2.0, 0.0]),), "repeat or vanish"),
            (eigenvalues, (np.array([[0.0, -1.0], [1.0, 0.0]]),), "complex"),
            (eigenvalues, (np.array([[2.0, 1.0], [0.0, 2.0]]),), "repeat"),
            (wide_qr, (np.arange(6.0).reshape(2, 3) ** 2,), "m >= n"),
            (lstsq_solution, (np.ones((4, 2)), np.ones(4)), "full column rank"),
            (root, (np.diag([1.0, -2.0]),), "real results only")]


@pytest.mark.parametrize("f, args, why", REFUSALS, ids=[r[0].__name__ + r[2] for r in REFUSALS])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_no_derivative_is_refused_naming_the_line(f, args, why, mode):
    with np.errstate(all="ignore"), pytest.raises(s2sad.NonDifferentiableError, match=why) as info:
        s2sad.grad(f, mode=mode)(*args)
    assert any(__file__ in note for note in getattr(info.value, "__notes__", ())), \
        "the error does not name the user's line"


# ---- every norm ----------------------------------------------------------------------

VECTOR_ORDS = [None, 1, -1, 2, -2, np.inf, -np.inf, 0, 3, 0.5]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def _norm_fn(ord, axis):
    def f(x):
        return np.linalg.norm(x, ord=ord, axis=axis) ** 2 if axis is None else \
            np.sum(np.linalg.norm(x, ord=ord, axis=axis) ** 2)
    return f


@pytest.mark.parametrize("ord", VECTOR_ORDS + MATRIX_ORDS,
                         ids=[f"vec{o}" for o in VECTOR_ORDS] + [f"mat{o}" for o in MATRIX_ORDS])
def test_norms_both_modes_and_second_order(ord):
    rng = np.random.default_rng(9)
    cases = []
    if ord in VECTOR_ORDS:
        cases.append((rng.uniform(0.5, 2.0, 5) * rng.choice([-1.0, 1.0], 5), None))
        cases.append((rng.uniform(0.5, 2.0, (2, 4)) * rng.choice([-1.0, 1.0], (2, 4)), 1))
    if ord in MATRIX_ORDS:
        cases.append((rng.normal(size=(3, 4)), None if ord is not None else (0, 1)))
        cases.append((rng.normal(size=(2, 3, 4)), (2, 1)))
    for x, axis in cases:
        if ord is None and axis is None and x.ndim == 2:
            axis = (0, 1)
        f = _norm_fn(ord, axis)
        check_grads(f, (x,))
        if ord == 0:     # piecewise constant: no second derivative to compare
            continue
        _hvp_vs_differences(f, (x,), rng, rtol=1e-4)


# ---- scipy.linalg --------------------------------------------------------------------

def upper_factor(a):
    return np.sum(W3 * sl.cholesky(a))


def test_scipy_cholesky_reads_the_upper_triangle_by_default():
    rng = np.random.default_rng(5)
    b = rng.normal(size=(3, 3))
    a = b @ b.T + 3 * np.eye(3)
    g = s2sad.grad(upper_factor)(a)
    assert not np.any(np.tril(g, -1)), "the strict lower triangle is not read"
    e = np.triu(rng.normal(size=(3, 3)))
    fd = (upper_factor(a + 1e-6 * e) - upper_factor(a - 1e-6 * e)) / 2e-6
    assert np.sum(g * e) == pytest.approx(fd, rel=1e-6)
    _hvp_vs_differences(upper_factor, (a,), rng)


def expm_of(a):
    return sl.expm(a)


def sqrtm_of(a):
    return sl.sqrtm(a)


def test_expm_and_sqrtm_against_independent_references():
    rng = np.random.default_rng(6)
    a, e = 0.5 * rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    _, t = s2sad.jvp(expm_of, (a,), (e,))
    np.testing.assert_allclose(t, sl.expm_frechet(a, e, compute_expm=False), rtol=1e-10)
    b = rng.normal(size=(3, 3))
    spd = b @ b.T + 3 * np.eye(3)
    x, dx = s2sad.jvp(sqrtm_of, (spd,), (e,))
    np.testing.assert_allclose(x @ dx + dx @ x, e, atol=1e-9)   # d(X X) = dA
    _, pullback = s2sad.vjp(sqrtm_of, spd)
    g = rng.normal(size=(3, 3))
    assert np.sum(pullback(g)[0] * e) == pytest.approx(np.sum(g * dx), rel=1e-9)


def solves(a, b, c):
    lower = sl.solve_triangular(a, b, lower=True, trans="T")
    factor = sl.cho_factor(c)
    return np.sum(W3[0] * lower) + np.sum(sl.cho_solve(factor, b) ** 2) + \
        sl.det(c) * 0.01 + np.sum(W3 * sl.inv(c, assume_a="pos"))


def test_scipy_solves_second_order():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    m = rng.normal(size=(3, 3))
    args = (a, rng.normal(size=3), m @ m.T + 3 * np.eye(3))
    check_grads(solves, args)
    _hvp_vs_differences(solves, args, rng)


# ---- math.gamma and math.lgamma --------------------------------------------------------

def gamma_mix(x):
    return math.gamma(x) * math.lgamma(x + 0.5)


@pytest.mark.parametrize("x", [0.7, 2.5, -1.7])
def test_math_gamma_and_lgamma(x):
    h = 1e-5
    g = s2sad.grad(gamma_mix)(x)
    assert g == pytest.approx((gamma_mix(x + h) - gamma_mix(x - h)) / (2 * h), rel=1e-7)
    second = s2sad.hessian(gamma_mix)(x)
    grad = s2sad.grad(gamma_mix)
    assert second == pytest.approx((grad(x + h) - grad(x - h)) / (2 * h), rel=1e-6)
    assert s2sad.grad(gamma_mix, mode="forward")(x) == pytest.approx(g, rel=1e-12)
