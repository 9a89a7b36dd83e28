"""scipy.integrate.odeint and solve_ivp(...).y through their adjoint and sensitivity
rules: gradients checked against analytic derivatives, central differences of the
primal solver at tight tolerances, the other mode, and a fixed-step RK4 loop that
s2sad differentiates itself."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import odeint, solve_ivp

import s2sad
from s2sad import NonDifferentiableError

TOL = dict(rtol=1e-10, atol=1e-10)
TS = np.linspace(0.0, 2.0, 6)


def decay(y, t, k):
    return -k * y


def decay_loss(k, y0, ts):
    ys = odeint(decay, y0, ts, args=(k,), rtol=1e-10, atol=1e-10)
    return np.sum(ys ** 2)


def oscillator(y, t, omega, zeta):
    return np.array([y[1], -2.0 * zeta * omega * y[1] - omega ** 2 * y[0]])


def oscillator_path(omega, zeta, y0, ts):
    return odeint(oscillator, y0, ts, args=(omega, zeta), rtol=1e-10, atol=1e-10)


def lotka_volterra(t, z, theta):
    x, y = z[0], z[1]
    return np.array([theta[0] * x - theta[1] * x * y, -theta[2] * y + theta[3] * x * y])


DATA = np.array([[2.0, 1.5, 1.0, 1.2, 2.0, 2.5], [1.0, 1.4, 1.6, 1.2, 0.9, 0.8]])


def lv_loss(theta, z0, t_eval):
    sol = solve_ivp(lotka_volterra, (0.0, 3.0), z0, t_eval=t_eval, args=(theta,),
                    rtol=1e-10, atol=1e-10)
    return np.sum((sol.y - DATA) ** 2)


def lv_loss_lsoda(theta, z0, t_eval):
    sol = solve_ivp(lotka_volterra, (0.0, 3.0), z0, method="LSODA", t_eval=t_eval,
                    args=(theta,), rtol=1e-10, atol=1e-10)
    return np.sum((sol.y - DATA) ** 2)


THETA, Z0, T_EVAL = np.array([1.0, 0.4, 0.8, 0.3]), np.array([2.0, 1.0]), \
    np.linspace(0.5, 2.9, 6)


def _central(f, args, i, v, eps=1e-6):
    up = list(args)
    down = list(args)
    up[i] = args[i] + eps * v
    down[i] = args[i] - eps * v
    return (f(*up) - f(*down)) / (2 * eps)


def _directions(x, rng, count=2):
    return [rng.normal(size=np.shape(x)) if np.ndim(x) else rng.choice([-1.0, 1.0])
            for _ in range(count)]


# ---- exponential decay: the analytic derivative ----------------------------------------

@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_decay_matches_the_analytic_derivative(mode):
    k, y0 = 0.7, np.array([1.0, -2.0])
    gk, gy0, gts = s2sad.grad(decay_loss, wrt=(0, 1, 2), mode=mode)(k, y0, TS)
    # loss = sum_i |y0|^2 exp(-2 k (t_i - t_0)); the output at t_0 is y0 itself
    e = np.exp(-2 * k * (TS - TS[0]))
    s = np.sum(y0 ** 2)
    np.testing.assert_allclose(gk, np.sum(-2 * (TS - TS[0]) * s * e), rtol=1e-7)
    np.testing.assert_allclose(gy0, 2 * y0 * np.sum(e), rtol=1e-7)
    expected = -2 * k * s * e
    expected[0] = 2 * k * s * np.sum(e[1:])
    np.testing.assert_allclose(gts, expected, rtol=1e-7, atol=1e-9)


def test_decay_with_a_scalar_state_and_time_first():
    def rhs(t, y, k):
        return -k * y

    def loss(k, y0):
        return np.sum(odeint(rhs, y0, TS, args=(k,), tfirst=True, rtol=1e-10, atol=1e-10))

    k, y0 = 0.3, 1.5
    gk, gy0 = s2sad.grad(loss, wrt=(0, 1))(k, y0)
    np.testing.assert_allclose(gk, np.sum(-TS * y0 * np.exp(-k * TS)), rtol=1e-7)
    np.testing.assert_allclose(gy0, np.sum(np.exp(-k * TS)), rtol=1e-7)
    assert isinstance(gk, float) and isinstance(gy0, float)


# ---- damped oscillator: finite differences, both modes, jacobian -----------------------

def test_oscillator_gradient_matches_central_differences():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(len(TS), 2))

    def loss(omega, zeta, y0, ts):
        return np.sum((oscillator_path(omega, zeta, y0, ts) - target) ** 2)

    args = (1.3, 0.2, np.array([1.0, 0.5]), TS)
    grads = s2sad.grad(loss, wrt=(0, 1, 2, 3))(*args)
    for i, g in enumerate(grads):
        for v in _directions(args[i], rng):
            np.testing.assert_allclose(np.sum(g * v), _central(loss, args, i, v),
                                       rtol=1e-5, atol=1e-6)


def test_oscillator_jacobian_both_modes_and_dot_product():
    args = (1.3, 0.2, np.array([1.0, 0.5]), TS)
    jac_rev = s2sad.jacobian(oscillator_path, wrt=2)(*args)
    jac_fwd = s2sad.jacobian(oscillator_path, wrt=2, mode="forward")(*args)
    assert jac_rev.shape == (len(TS), 2, 2)
    np.testing.assert_allclose(jac_rev, jac_fwd, rtol=1e-6, atol=1e-8)
    rng = np.random.default_rng(1)
    for i in (0, 1, 2):
        v = _directions(args[i], rng, 1)[0]
        np.testing.assert_allclose(
            jac_fwd @ v if i == 2 else
            s2sad.jvp(oscillator_path, args, tuple(v if j == i else 0.0 * np.asarray(a)
                                                   for j, a in enumerate(args)))[1],
            _central(oscillator_path, args, i, v), rtol=1e-5, atol=1e-7)
    # <u, J v> = <J^T u, v> for the pullback and the forward tangent
    u = rng.normal(size=(len(TS), 2))
    v = (0.3, -0.7, rng.normal(size=2), np.zeros(len(TS)))
    _, tangent = s2sad.jvp(oscillator_path, args, v)
    _, pullback = s2sad.vjp(oscillator_path, *args)
    cotangents = pullback(u)
    lhs = sum(np.sum(c * t) for c, t in zip(cotangents[:3], v[:3]))
    np.testing.assert_allclose(lhs, np.sum(u * tangent), rtol=1e-6)


# ---- Lotka-Volterra with solve_ivp ---------------------------------------------------

@pytest.mark.parametrize("loss", [lv_loss, lv_loss_lsoda], ids=["RK45", "LSODA"])
def test_lotka_volterra_solve_ivp_matches_central_differences(loss):
    rng = np.random.default_rng(2)
    args = (THETA, Z0, T_EVAL)
    grads = s2sad.grad(loss, wrt=(0, 1, 2))(*args)
    forward = s2sad.grad(loss, wrt=(0, 1), mode="forward")(*args)
    for i, g in enumerate(grads):
        v = _directions(args[i], rng, 1)[0]
        np.testing.assert_allclose(np.sum(g * v), _central(loss, args, i, v),
                                   rtol=2e-5, atol=1e-5)
    for g, f in zip(grads, forward):
        np.testing.assert_allclose(g, f, rtol=1e-6)


def test_solve_ivp_radau_and_the_start_of_the_span():
    def loss(k, t0, y0):
        sol = solve_ivp(lambda_free_decay, (t0, 1.0), y0, method="Radau",
                        t_eval=np.array([0.5, 1.0]), args=(k,), rtol=1e-9, atol=1e-10)
        return np.sum(sol.y)

    k, t0, y0 = 0.8, 0.1, np.array([1.0, 3.0])
    gk, gt0, gy0 = s2sad.grad(loss, wrt=(0, 1, 2))(k, t0, y0)
    t = np.array([0.5, 1.0])
    e = np.exp(-k * (t - t0))
    np.testing.assert_allclose(gk, -np.sum(y0) * np.sum((t - t0) * e), rtol=1e-6)
    np.testing.assert_allclose(gt0, k * np.sum(y0) * np.sum(e), rtol=1e-6)
    np.testing.assert_allclose(gy0, np.sum(e) * np.ones(2), rtol=1e-6)


def lambda_free_decay(t, y, k):
    return -k * y


# ---- against a fixed-step RK4 loop differentiated by s2sad -----------------------------

def rk4_path(omega, zeta, y0):
    out = [y0]
    y = y0
    for i in range(len(TS) - 1):
        h = (TS[i + 1] - TS[i]) / 20.0
        for j in range(20):
            t = TS[i] + j * h
            k1 = oscillator(y, t, omega, zeta)
            k2 = oscillator(y + 0.5 * h * k1, t + 0.5 * h, omega, zeta)
            k3 = oscillator(y + 0.5 * h * k2, t + 0.5 * h, omega, zeta)
            k4 = oscillator(y + h * k3, t + h, omega, zeta)
            y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        out.append(y)
    return np.stack(out)


def test_agrees_with_a_differentiated_rk4_loop():
    weights = np.random.default_rng(3).normal(size=(len(TS), 2))

    def ode_loss(omega, zeta, y0):
        return np.sum(weights * oscillator_path(omega, zeta, y0, TS))

    def rk4_loss(omega, zeta, y0):
        return np.sum(weights * rk4_path(omega, zeta, y0))

    args = (1.3, 0.2, np.array([1.0, 0.5]))
    for a, b in zip(s2sad.grad(ode_loss, wrt=(0, 1, 2))(*args),
                    s2sad.grad(rk4_loss, wrt=(0, 1, 2))(*args)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


# ---- refusals: never a silent wrong value ----------------------------------------------

def test_a_second_derivative_is_refused_naming_the_line():
    for second in (s2sad.grad(s2sad.grad(decay_loss)), s2sad.hessian(decay_loss)):
        with pytest.raises(NonDifferentiableError) as info:
            second(0.7, np.array([1.0, 2.0]), TS)
        text = str(info.value) + "".join(getattr(info.value, "__notes__", ()))
        assert "second derivative" in text and "RK4" in text
        assert "test_scipy_integrate.py:" in text and "ys = odeint(decay" in text


def test_solve_ivp_without_t_eval_and_containers_in_args_are_refused():
    def no_t_eval(k, y0):
        return np.sum(solve_ivp(lambda_free_decay, (0.0, 1.0), y0, args=(k,)).y)

    def listed(k, y0):
        return np.sum(odeint(decay_list, y0, TS, args=([k],)))

    with pytest.raises(NonDifferentiableError, match="t_eval"):
        s2sad.grad(no_t_eval)(0.5, np.ones(2))
    with pytest.raises(NonDifferentiableError, match="separate items of args"):
        s2sad.grad(listed)(0.5, np.ones(2))


def decay_list(y, t, ks):
    return -ks[0] * y


# ---- two solves in one function, a right-hand side returning a list, float32 ----------

def rotation(y, t, w):
    return [-w * y[1], w * y[0]]


def two_solves(w, y0):
    a = odeint(rotation, y0, TS, args=(w,), rtol=1e-10, atol=1e-10)
    b = odeint(rotation, 2.0 * y0, TS, args=(0.5 * w,), rtol=1e-10, atol=1e-10)
    return np.sum(a[:, 0] * b[:, 1]) + np.sum(a ** 2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_two_solves_and_a_list_valued_rhs_match_central_differences(mode):
    rng = np.random.default_rng(4)
    args = (0.9, np.array([1.0, 0.3]))
    grads = s2sad.grad(two_solves, wrt=(0, 1), mode=mode)(*args)
    for i, g in enumerate(grads):
        v = _directions(args[i], rng, 1)[0]
        np.testing.assert_allclose(np.sum(g * v), _central(two_solves, args, i, v),
                                   rtol=1e-6, atol=1e-5)
        assert np.all(np.abs(g) > 1e-2)       # not a vacuous comparison


def test_float32_arguments_get_float32_gradients():
    k, y0 = np.float32(0.7), np.array([1.0, -2.0], np.float32)
    gk, gy0 = s2sad.grad(decay_loss, wrt=(0, 1))(k, y0, TS)
    assert gy0.dtype == np.float32 and np.result_type(gk) == np.float32
    e = np.exp(-2 * 0.7 * TS)
    np.testing.assert_allclose(gy0, 2 * y0.astype(float) * np.sum(e), rtol=1e-5)
