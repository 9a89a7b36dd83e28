"""The worked examples in examples/ (HMC, ODE fitting, MLP, GP, Newton, bouncing ball).

Each example's `main` runs at a reduced size and its result is asserted (acceptance
rate, recovered parameters, converged loss, gradients against finite differences);
the functions whose derivatives the example uses pass `check_grads` at a point.
A figure is written only where matplotlib is installed, and then to tmp_path.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np

import s2sad
from s2sad.testing import check_grads

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


def load(name: str):
    """Import examples/NAME.py as a module (examples/ is not a package)."""
    module_name = f"s2sad_examples_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def check_figure(path: Path):
    assert path.exists() == HAVE_MATPLOTLIB, f"figure {path} written: {path.exists()}"


# ---------------------------------------------------------------------- HMC, logistic

def test_hmc_logistic(tmp_path):
    ex = load("hmc_logistic")
    figure = tmp_path / "hmc.png"
    r = ex.main(n_data=150, n_samples=200, seed=0, figure=str(figure), verbose=False)
    assert 0.5 < r["acceptance"] < 0.99
    assert r["samples"].shape == (200, 4)
    assert np.all(np.abs(r["mean"] - r["true_w"]) < 3.5 * r["std"])
    assert np.all((r["std"] > 0.05) & (r["std"] < 0.6))      # a posterior, not a point
    check_figure(figure)

    X, y = r["X"][:20], r["y"][:20]
    check_grads(ex.log_posterior, (r["mean"], X, y, 5.0))
    assert np.allclose(ex.grad_log_posterior(r["mean"], X, y, 5.0),
                       s2sad.grad(ex.log_posterior, mode="forward")(r["mean"], X, y, 5.0))


def test_hmc_leapfrog_is_reversible():
    ex = load("hmc_logistic")
    rng = np.random.default_rng(1)
    X, y = ex.make_data(50, np.array([0.5, -1.0, 1.0, 0.2]), rng)
    w, p = rng.standard_normal(4) * 0.1, rng.standard_normal(4)
    w1, p1 = ex.leapfrog(w, p, 0.05, 8, X, y, 5.0)
    w2, p2 = ex.leapfrog(w1, -p1, 0.05, 8, X, y, 5.0)
    assert np.allclose(w2, w, atol=1e-10) and np.allclose(-p2, p, atol=1e-10)


# ---------------------------------------------------------------------- ODE fitting

def test_ode_fit(tmp_path):
    ex = load("ode_fit")
    figure = tmp_path / "ode.png"
    r = ex.main(n_steps=100, every=5, seed=0, figure=str(figure), verbose=False)
    assert np.all(np.abs(r["rates"] / r["true_rates"] - 1.0) < 0.05)
    assert np.all(np.abs(r["initial"] / r["true_rates"] - 1.0) > 0.25)   # it had work to do
    assert r["history"][-1] < 1e-2 * r["history"][0]
    assert np.linalg.norm(r["grad"]) < 1e-6
    check_figure(figure)

    y0, observed, h, n_steps, every = r["args"]
    short = (y0, observed[:4], h, 20, every)            # 20 RK4 steps: 4 observations
    check_grads(ex.residuals, (r["rates"], *short))
    check_grads(ex.loss, (r["rates"] * 1.1, *short))
    # the Gauss-Newton Jacobian (forward mode) against reverse mode
    assert np.allclose(ex.jac_residuals(r["rates"], *short),
                       s2sad.jacobian(ex.residuals)(r["rates"], *short), rtol=1e-10, atol=1e-12)


def test_rk4_is_fourth_order():
    ex = load("ode_fit")
    y0, rates = np.array([10.0, 5.0]), np.array([1.1, 0.4, 0.4, 0.1])
    reference = ex.rk4(ex.lotka_volterra, y0, rates, 0.0025, 400)[-1]
    errors = [np.linalg.norm(ex.rk4(ex.lotka_volterra, y0, rates, 1.0 / n, n)[-1] - reference)
              for n in (25, 50)]
    assert 12.0 < errors[0] / errors[1] < 20.0          # ~2^4


# ---------------------------------------------------------------------- MLP and Adam

MLP = load("mlp_adam")


def mlp_loss_flat(W1, b1, W2, b2, W3, b3, x, y):
    """The example's dict-of-parameters loss with one argument per array, for check_grads."""
    return MLP.loss({"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}, x, y)


def test_mlp_adam(tmp_path):
    ex = load("mlp_adam")
    figure = tmp_path / "mlp.png"
    r = ex.main(n_data=64, hidden=8, steps=400, seed=0, figure=str(figure), verbose=False)
    history = r["history"]
    assert history[-1] < 0.01 and history[-1] < 0.05 * history[0]
    assert r["test_error"] < 0.01
    check_figure(figure)

    params = ex.init_params([1, 4, 3, 1], np.random.default_rng(2))
    x, y = r["x"][:6], r["y"][:6]
    keys = ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in keys:
        params[k] = params[k] + 0.1                      # nonzero biases
    check_grads(mlp_loss_flat, (*[params[k] for k in keys], x, y))
    value, g = ex.loss_and_grad(params, x, y)
    flat = s2sad.grad(mlp_loss_flat, wrt=tuple(range(6)))(*[params[k] for k in keys], x, y)
    assert math.isclose(value, ex.loss(params, x, y))
    assert sorted(g) == sorted(keys)
    for k, gk in zip(keys, flat):
        assert g[k].shape == params[k].shape and np.allclose(g[k], gk, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------- GP

def test_gp_hyperparameters(tmp_path):
    ex = load("gp_hyperparameters")
    figure = tmp_path / "gp.png"
    r = ex.main(n_data=80, seed=0, figure=str(figure), verbose=False)
    length, amplitude, noise = r["fitted"]
    assert abs(length / 1.2 - 1) < 0.3 and abs(noise / 0.15 - 1) < 0.25
    assert abs(amplitude - 1.0) < 0.5
    assert np.linalg.norm(r["grad"]) < 1e-4
    assert r["history"][-1] < r["history"][0] - 10.0
    check_figure(figure)

    x, y = r["x"][:12], r["y"][:12]
    check_grads(ex.neg_log_marginal_likelihood, (r["log_params"], x, y))
    check_grads(ex.neg_log_marginal_likelihood, (np.log(np.array([2.0, 0.7, 0.3])), x, y))


# ---------------------------------------------------------------------- Newton

def test_newton(tmp_path):
    ex = load("newton")
    figure = tmp_path / "newton.png"
    r = ex.main(dim=4, n_data=200, n_features=5, seed=0, figure=str(figure), verbose=False)
    for key in ("x_rosen", "x_rosen_cg"):
        assert np.allclose(r[key], 1.0, atol=1e-8)
    assert len(r["rosen_norms"]) - 1 <= 25 and len(r["rosen_cg_norms"]) - 1 <= 25
    assert len(r["newton_norms"]) - 1 <= 8 and len(r["cg_norms"]) - 1 <= 10
    assert r["newton_norms"][-1] < 1e-10 and r["cg_norms"][-1] < 1e-10
    # quadratic convergence at the end: |g_k+1| <~ C |g_k|^2
    n = r["newton_norms"]
    assert n[-1] < 10.0 * n[-2] ** 2
    assert np.allclose(r["w_cg"], r["w_newton"], atol=1e-8)
    check_figure(figure)

    X, y, lam = r["args"]
    w = r["w_newton"] + 0.3
    check_grads(ex.rosenbrock, (np.array([0.3, -0.4, 0.9, 1.2]),))
    check_grads(ex.logistic_loss, (w, X[:30], y[:30], lam))
    # second order: the gradient function itself, and hvp against differences of it
    x = np.array([0.3, -0.4, 0.9, 1.2])
    check_grads(s2sad.grad(ex.rosenbrock), (x,))
    grad_loss = s2sad.grad(ex.logistic_loss)
    v, h = np.random.default_rng(3).standard_normal(len(w)), 1e-5
    (hv, *_) = s2sad.hvp(ex.logistic_loss, (w, X, y, lam), (v, None, None, None))
    fd = (grad_loss(w + h * v, X, y, lam) - grad_loss(w - h * v, X, y, lam)) / (2 * h)
    assert np.allclose(hv, fd, rtol=1e-6, atol=1e-9)
    assert np.allclose(s2sad.hessian(ex.logistic_loss)(w, X, y, lam) @ v, hv)


# ---------------------------------------------------------------------- bouncing ball

def test_bouncing_ball(tmp_path, capsys):
    ex = load("bouncing_ball")
    figure = tmp_path / "ball.png"
    r = ex.main(dt=0.1, seed=1, figure=str(figure), verbose=True, show_source=True)
    assert r["fd_error"] < 1e-6 and r["wall_error"] < 1e-6 and r["exact_error"] < 1e-6
    out = capsys.readouterr().out
    assert "def landing_spot_vjp(" in out and "while " in out     # the loop stays a loop
    check_figure(figure)

    v0 = np.array([3.0, 4.0])
    g = ex.d_landing_spot(v0)
    assert np.allclose(g, ex.central_difference(ex.landing_spot_exact, v0), rtol=1e-7)
    # the landing spot does not depend on the step (each step is exact), its gradient neither
    assert np.allclose(ex.d_landing_spot(v0, dt=0.013), g, rtol=1e-10)
    check_grads(ex.landing_spot, (v0,))
    check_grads(ex.landing_spot, (np.array([2.0, 1.5]), 1.3, 0.07))     # y0 and dt as well
    check_grads(ex.height_at_wall, (np.array([11.0, 3.0]),))
    x, y, bounces = ex.simulate(np.array([11.0, 3.0]), 1.0, 0.05, 10, 20.0, 0.7)
    assert x == 20.0 and 0.0 < y and bounces >= 1
