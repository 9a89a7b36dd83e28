"""NumPy breadth: each calling form of numpy.fft, np.einsum, np.tensordot, np.diff,
np.cumsum/np.cumprod, np.sort/np.partition, the stacks, np.atleast_*d, np.convolve,
np.correlate, np.interp, np.polyval, np.meshgrid, multi_dot, np.gradient,
np.trapezoid, np.select, np.cov and np.corrcoef, checked through the whole compiler.

Every case is a scalar function of real arguments, cos(.) of the call summed (so second
derivatives are not trivially zero), and is checked by
1. `check_grads`: forward mode against central differences in random directions,
   reverse mode against <w, FD(v)>, and the forward-vs-reverse dot-product test;
2. `s2sad.hvp` along a random direction against the central difference of `s2sad.grad`;
3. float32 arguments: float32 gradients (both modes) close to the float64 gradient.
Complex values are intermediate only: arguments and results are real.
"""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads

R = np.random.default_rng(7)
H6 = np.exp(1j * np.arange(6.0)) * np.linspace(0.5, 1.5, 6)


def _a(*shape):
    return R.normal(size=shape)


def _s(y):
    return np.sum(np.cos(y))


# ---- numpy.fft ---------------------------------------------------------------------
def fft_power(x):
    return np.sum(np.abs(np.fft.rfft(x)) ** 2) + _s(x)


def fft_filter(x):
    return _s(np.real(np.fft.ifft(np.fft.fft(x) * H6)))


def fft_n_imag_conj(x):
    return _s(np.imag(np.fft.ifft(np.fft.fft(x, n=8) * 2.0))) + _s(np.real(np.conj(np.fft.fft(x, 6))))


def rfft_n_ortho(x):
    return _s(np.fft.irfft(np.fft.rfft(x, n=9, norm="ortho") * np.cos(np.arange(5.0)), n=7))


def fft_axis_forward(x):
    return _s(np.abs(np.fft.fft(x, axis=0, norm="forward")) + np.fft.ifft(x, 3, 1, "backward").imag)


def fft2_abs(x):
    return _s(np.abs(np.fft.fft2(x)))


def ifft2_s(x):
    return _s(np.real(np.fft.ifft2(x, s=(3, 5), norm="ortho")))


def fftn_axes(x):
    return _s(np.abs(np.fft.fftn(x, axes=(0, 2), norm="ortho")))


def rfftn_irfftn(x):
    return _s(np.fft.irfftn(np.fft.rfftn(x) * 0.5, s=x.shape, axes=(0, 1)))


def rfft2_s(x):
    return _s(np.abs(np.fft.rfft2(x, s=(4, 6))))


def irfft2_square(x):
    return _s(np.fft.irfft2(0.3 * np.fft.rfft2(x, norm="ortho") ** 2, norm="forward"))


def fft_shifts(x):
    return _s(np.fft.fftshift(x) * np.fft.ifftshift(np.sin(x), axes=0))


def complex_attributes(x):
    z = np.fft.fft(x)
    return _s(z.real * z.imag + np.abs(z.conj() * 1j))


def fft_convolution(x, k):
    n = x.shape[0]
    return _s(np.fft.irfft(np.fft.rfft(x) * np.fft.rfft(k, n=n), n=n))


# ---- einsum, tensordot, kron -------------------------------------------------------
def einsum_ellipsis(x, y):
    return _s(np.einsum("...ij,...jk->...ik", x, y))


def einsum_implicit(x, y):
    return _s(np.einsum("ij,jk", x, y))


def einsum_diagonal_trace(x):
    return _s(np.einsum("ii->i", x)) + np.cos(np.einsum("ii", x))


def einsum_three_optimize(x, y, z):
    return _s(np.einsum("ij,jk,kl->il", x, y, z, optimize=True))


def einsum_greedy_broadcast(x, y):
    return _s(np.einsum("i...,i...->...", x, y, optimize="greedy"))


def einsum_repeated(x, y):
    return _s(np.einsum("ii,ij->j", x, y))


def tensordot_forms(x, y):
    return (_s(np.tensordot(x, y, 1)) + _s(np.tensordot(x, y.T, axes=2))
            + _s(np.tensordot(x, y, axes=(1, 0))) + _s(np.tensordot(x, y, axes=([1], [0])))
            + _s(np.tensordot(x[0], y[0], axes=0)))


def kron_forms(x, y):
    return _s(np.kron(x, y)) + _s(np.kron(x[0], y[:, 0]))


# ---- diff, cumsum, cumprod, sort, partition ----------------------------------------
def diff_forms(x, p):
    return (_s(np.diff(x, n=2, axis=0)) + _s(np.diff(x, prepend=0.5, append=x[:, -1:]))
            + _s(np.diff(x, axis=1, prepend=p)) + _s(np.diff(x, 1, 0, append=p[:3].T)))


def cumulative_forms(x):
    return (_s(np.cumsum(x)) + _s(np.cumsum(x, axis=1, dtype=np.float64)) + _s(x.cumsum(0))
            + _s(np.cumprod(x)) + _s(np.cumprod(x, axis=0)) + _s(x.cumprod(axis=1)))


def sort_partition_forms(x):
    return (_s(np.sort(x, axis=0, kind="stable") * np.arange(3.0)) + _s(np.sort(x, axis=None))
            + _s(np.sort(x, -1, "mergesort")[:, :2]) + _s(np.partition(x, 1)[:, 1:])
            + _s(np.partition(x, (0, 2), axis=0)[0]) + _s(np.partition(x, 3, axis=None)[:4]))


# ---- stacks and atleast_*d ---------------------------------------------------------
def stack_forms(x, y):
    return (_s(np.hstack((x, y))) + _s(np.vstack([x[:, 0], y[:, 0]])) + _s(np.dstack((x, x)))
            + _s(np.column_stack((x[:, 0], y))) + _s(np.row_stack((x, x))))


def atleast_forms(x, y):
    a, b = np.atleast_1d(x[0, 0], y)
    c, d = np.atleast_2d(x[0, 0], y[0])
    return _s(a) + _s(b) + _s(c * 2.0) + _s(d) + _s(np.atleast_3d(x)) + _s(np.atleast_2d(y))


# ---- convolve, correlate, interp, polyval, meshgrid, multi_dot, gradient, trapezoid ---
def convolve_modes(x, k):
    return (_s(np.convolve(x, k)) + _s(np.convolve(k, x, "same"))
            + _s(np.convolve(x, k, mode="valid")))


def correlate_modes(x, k):
    return (_s(np.correlate(x, k)) + _s(np.correlate(k, x, "same"))
            + _s(np.correlate(x, k, mode="full")))


XP = np.array([0.0, 0.5, 1.3, 2.0])
XI = np.array([-0.3, 0.2, 0.5, 0.9, 1.7, 2.0, 2.5])     # outside, on knots, at the end


def interp_in_x(x, fp):
    return _s(np.interp(x, XP, fp)) + np.cos(np.interp(float(x[1]), XP, fp, 0.0, 1.0))


def interp_in_fp(fp):
    return (_s(np.interp(XI, XP, fp)) + _s(np.interp(XI, XP, fp, left=0.0, right=1.0))
            + _s(np.interp(0.7, XP, fp * 2.0)))


def polyval_forms(p, x):
    return _s(np.polyval(p, x)) + _s(np.polyval(p, 0.7)) + _s(np.polyval([x[0], 2.0, p[1]], x))


def meshgrid_forms(x, y):
    gx, gy = np.meshgrid(x, y)
    u, v = np.meshgrid(x, y, indexing="ij", sparse=True)
    return _s(gx * gy) + _s(u * v)


def multi_dot_forms(x, y, z):
    return (_s(np.linalg.multi_dot([x, y, z])) + _s(np.linalg.multi_dot([x[0], y, z[:, 0]]))
            + _s(np.linalg.multi_dot((y.T, x.T))))


def gradient_forms(f):
    gx, gy = np.gradient(f, 0.3, np.array([0.0, 0.4, 1.0, 1.2]))
    return (_s(gx * gy) + _s(np.gradient(f, axis=1)) + _s(np.gradient(f, 0.5, edge_order=2))
            + _s(np.gradient(f, 2.0, axis=0, edge_order=2)) + _s(np.gradient(f[0])))


def trapezoid_forms(y, x):
    return (_s(np.trapezoid(y)) + np.cos(np.trapezoid(y[0], x)) + _s(np.trapezoid(y, x, axis=1))
            + _s(np.trapezoid(y, dx=0.3, axis=0)) + np.cos(np.trapezoid(y[0], x=x ** 2)))


def select_forms(x, y):
    return (_s(np.select([x < 0, x > 1.0], [x ** 2, y * x], default=y))
            + _s(np.select([x > 0.2], [np.sin(x)])) + _s(np.select([x < 0, x > 0.5], [x ** 2, 3.0], 0.5 * x)))


def covariance_forms(m):
    return (_s(np.cov(m)) + _s(np.cov(m, rowvar=False)) + _s(np.cov(m, bias=True))
            + _s(np.cov(m, ddof=0)) + np.cos(np.cov(m[0])) + _s(np.corrcoef(m))
            + _s(np.corrcoef(m, rowvar=False)))


def real_parts_times_complex(x):
    z = np.fft.fft(x) * np.exp(0.5j * x)
    return np.sum(np.real(np.real(z) * z + np.imag(z) * z + np.abs(z) * z.conj() + z.imag * z))


# ---- complex values made from real arguments ---------------------------------------
H3 = np.exp(1j * np.arange(3.0))


def complex_products(x):
    z = np.sin(x) * H3 + 1j
    return np.sum(np.abs(x * H3) ** 2 + np.real(np.exp(x * H3))) + np.sum(np.imag(z * z))


def complex_of_a_float(x):
    return np.real(np.exp(1j * x[0])) * np.imag(np.conjugate(x[1] * H3[1])) + np.abs(x[2] + 2j)


ZEROS = np.array([[1.5, 0.0, 2.0], [0.5, 1.2, 0.0], [0.0, 2.0, -1.0]])
CASES = [
    (fft_power, (_a(6),)), (fft_filter, (_a(6),)), (fft_n_imag_conj, (_a(6),)),
    (rfft_n_ortho, (_a(6),)), (fft_axis_forward, (_a(4, 3),)), (fft2_abs, (_a(3, 4),)),
    (ifft2_s, (_a(3, 4),)), (fftn_axes, (_a(2, 3, 4),)), (rfftn_irfftn, (_a(3, 4),)),
    (rfft2_s, (_a(3, 5),)), (irfft2_square, (_a(4, 6),)), (fft_shifts, (_a(5, 2),)),
    (complex_attributes, (_a(5),)), (fft_convolution, (_a(8), _a(3))),
    (einsum_ellipsis, (_a(2, 3, 4), _a(2, 4, 2))), (einsum_implicit, (_a(2, 3), _a(3, 4))),
    (einsum_diagonal_trace, (_a(3, 3),)), (einsum_three_optimize, (_a(2, 3), _a(3, 4), _a(4, 2))),
    (einsum_greedy_broadcast, (_a(3, 2), _a(3, 2))), (einsum_repeated, (_a(3, 3), _a(3, 2))),
    (tensordot_forms, (_a(3, 3), _a(3, 3))), (kron_forms, (_a(2, 2), _a(3, 1))),
    (diff_forms, (_a(4, 3), _a(4, 1))), (cumulative_forms, (ZEROS,)),
    (sort_partition_forms, (_a(4, 3),)), (stack_forms, (_a(3, 2), _a(3, 1))),
    (atleast_forms, (_a(2, 2), _a(3))),
    (convolve_modes, (_a(5), _a(3))), (correlate_modes, (_a(5), _a(3))),
    (interp_in_x, (np.array([-0.3, 0.2, 0.9, 1.7, 2.5]), _a(4))), (interp_in_fp, (_a(4),)),
    (polyval_forms, (_a(4), _a(3))), (meshgrid_forms, (_a(3), _a(2))),
    (multi_dot_forms, (_a(2, 3), _a(3, 4), _a(4, 2))), (gradient_forms, (_a(3, 4),)),
    (trapezoid_forms, (_a(3, 4), np.array([0.0, 0.3, 1.0, 1.5]))),
    (complex_products, (_a(3),)), (complex_of_a_float, (_a(3),)),
    (real_parts_times_complex, (_a(4),)),
    (select_forms, (np.array([-0.5, 0.3, 0.8, 1.5, 2.0]), _a(5))), (covariance_forms, (_a(3, 4),)),
]
IDS = [f.__name__ for f, _ in CASES]


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_first_derivatives(f, args):
    check_grads(f, args)


def _direction(args, seed=1):
    rng = np.random.default_rng(seed)
    return tuple(rng.normal(size=np.shape(a)) for a in args)


@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_hvp_matches_differences_of_the_gradient(f, args):
    wrt = tuple(range(len(args)))
    v = _direction(args)
    got = s2sad.hvp(f, args, v)
    h = 1e-5
    grad = s2sad.grad(f, wrt=wrt)
    plus = grad(*(a + h * d for a, d in zip(args, v)))
    minus = grad(*(a - h * d for a, d in zip(args, v)))
    for g, p, m in zip(got, plus, minus):
        ref = (np.asarray(p) - np.asarray(m)) / (2 * h)
        assert np.shape(g) == np.shape(ref)
        assert np.allclose(g, ref, rtol=2e-5, atol=2e-5 * (1 + np.max(np.abs(ref))))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_float32_gradients(f, args, mode):
    wrt = tuple(range(len(args)))
    ref = s2sad.grad(f, wrt=wrt)(*args)
    got = s2sad.grad(f, wrt=wrt, mode=mode)(*(a.astype(np.float32) for a in args))
    for g, r in zip(got, ref):
        assert g.dtype == np.float32 and g.shape == r.shape
        assert np.allclose(g, r, rtol=2e-3, atol=2e-3 * (1 + np.max(np.abs(r))))


# ---- what s2sad refuses, instead of a wrong derivative --------------------------------
def interp_periodic(x):
    return np.sum(np.interp(x, XP, np.cos(XP), period=2.0))


def gradient_spacing(f, h):
    return np.sum(np.gradient(f, h) ** 2)


def trapezoid_spacing(y, h):
    return np.trapezoid(y, dx=h)


def abs_of_complex(x):
    return np.sum(np.abs(np.fft.fft(x)))


def test_interp_with_period_is_refused():
    with pytest.raises(s2sad.S2SADError, match="period"):
        s2sad.grad(interp_periodic)(np.array([0.3, 1.1]))


@pytest.mark.parametrize("f", [gradient_spacing, trapezoid_spacing])
def test_differentiable_spacings_are_refused(f):
    with pytest.raises(s2sad.S2SADError) as info:
        s2sad.grad(f, wrt=(0, 1))(np.array([1.0, 2.0, 4.0]), 0.5)
    assert "test_numpy_breadth.py" in str(info.value)


def test_third_derivatives_of_complex_abs_are_refused():
    x = np.array([0.3, -1.2, 0.8, 2.0])
    def hvp_of_x(x):
        return s2sad.hvp(abs_of_complex, (x,), (np.ones(4),))[0][0]
    with pytest.raises(s2sad.S2SADError, match="complex"):
        s2sad.grad(hvp_of_x)(x)


def spectrum(x):
    return np.fft.rfft(x, n=6) * 2.0


def test_complex_outputs_follow_the_cotangent_convention():
    """A complex output's tangent is the derivative of its real and imaginary parts; its
    cotangent c stands for L = Re(sum(c * output)), so the pullback is dL/dx."""
    rng = np.random.default_rng(3)
    x, v = rng.normal(size=5), rng.normal(size=5)
    c = rng.normal(size=4) + 1j * rng.normal(size=4)
    h = 1e-6
    _, tangent = s2sad.jvp(spectrum, (x,), (v,))
    assert np.allclose(tangent, (spectrum(x + h * v) - spectrum(x - h * v)) / (2 * h), atol=1e-7)
    _, pullback = s2sad.vjp(spectrum, x)
    (grad,) = pullback(c)
    loss = lambda y: np.real(np.sum(c * spectrum(y)))  # noqa: E731
    fd = [(loss(x + h * e) - loss(x - h * e)) / (2 * h) for e in np.eye(5)]
    assert grad.dtype == np.float64 and np.allclose(grad, fd, atol=1e-7)


def norm_of_spectrum(x):
    return np.linalg.norm(np.fft.fft(x))


def vdot_of_complex(x):
    z = x * np.exp(1j * x)
    return np.real(np.vdot(z, z))


def sign_of_spectrum(x):
    return np.sum(np.real(np.sign(np.fft.fft(x))))


def convolve_of_spectra(x):
    z = np.fft.fft(x)
    return np.real(np.sum(np.convolve(z, z)))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", [norm_of_spectrum, vdot_of_complex, sign_of_spectrum,
                               convolve_of_spectra])
def test_rules_for_real_values_are_refused_at_complex_values(f, mode):
    """np.linalg.norm, np.vdot, np.sign and np.convolve hold for real values only: at
    complex values s2sad says so, naming the line, instead of a wrong derivative."""
    with pytest.raises(s2sad.S2SADError, match="complex values") as info:
        s2sad.grad(f, mode=mode)(np.array([0.3, -0.5, 1.2, 0.7]))
    assert "test_numpy_breadth.py" in str(info.value)


def weighted_cov(m):
    return np.sum(np.cov(m, aweights=np.ones(4)))


def test_weighted_covariance_is_refused():
    with pytest.raises(s2sad.S2SADError, match="aweights"):
        s2sad.grad(weighted_cov)(np.ones((2, 4)) + np.arange(4.0))


# ---- complex data read from a global or a closure ------------------------------------

FILTER = np.exp(1j * np.arange(4.0))


def _norm_of_filtered(x):
    return np.linalg.norm(x * FILTER)


def _power_of_filtered(x):
    return np.sum(np.abs(x * FILTER) ** 2)


def _closure_power(h):
    return lambda x: np.sum(np.abs(x * h) ** 2)


def test_complex_globals_are_known_complex():
    """A complex array read from a global or a cell is a constant of known dtype, so a
    rule that holds for real values only is refused there (not a wrong derivative)."""
    x = np.arange(1.0, 5.0)
    with pytest.raises(s2sad.NonDifferentiableError, match="complex"):
        s2sad.grad(_norm_of_filtered)(x)
    np.testing.assert_allclose(s2sad.grad(_power_of_filtered)(x), 2 * x, rtol=1e-12)
    np.testing.assert_allclose(s2sad.grad(_closure_power(2 * FILTER))(x), 8 * x, rtol=1e-12)
