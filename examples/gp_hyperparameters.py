"""Gaussian-process hyperparameters by maximising the marginal likelihood.

The negative log marginal likelihood of a GP with a squared-exponential kernel is
written the textbook way (Rasmussen & Williams, algorithm 2.1): a Cholesky factor,
two triangular solves, and the log-determinant from the factor's diagonal.
`s2sad.value_and_grad` differentiates through `np.linalg.cholesky` and
`np.linalg.solve`, and a small BFGS loop finds the length scale, amplitude and noise
the data were drawn with.

    python examples/gp_hyperparameters.py          # prints the fit, saves a figure
"""
import os

import numpy as np

import s2sad


def sq_exp_kernel(x1, x2, length, amplitude):
    d = x1[:, None] - x2[None, :]
    return amplitude ** 2 * np.exp(-0.5 * (d / length) ** 2)


def neg_log_marginal_likelihood(log_params, x, y):
    """-log p(y | x, length, amplitude, noise); parameters on a log scale."""
    length, amplitude, noise = np.exp(log_params[0]), np.exp(log_params[1]), np.exp(log_params[2])
    K = sq_exp_kernel(x, x, length, amplitude) + (noise ** 2 + 1e-6) * np.eye(len(x))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))       # K^-1 y
    log_det = 2.0 * np.sum(np.log(np.diag(L)))
    return 0.5 * y @ alpha + 0.5 * log_det + 0.5 * len(x) * np.log(2.0 * np.pi)


nll_and_grad = s2sad.value_and_grad(neg_log_marginal_likelihood)


def bfgs(fun_and_grad, x0, args, max_iter=100, gtol=1e-6, max_step=1.0):
    """Plain BFGS with a backtracking (Armijo) line search; returns x and the values."""
    x = np.asarray(x0, dtype=float)
    f, g = fun_and_grad(x, *args)
    H = np.eye(len(x))                   # inverse Hessian approximation
    history = [f]
    for _ in range(max_iter):
        if np.linalg.norm(g) < gtol:
            break
        p = -H @ g
        t = min(1.0, max_step / np.linalg.norm(p))      # no wild first steps
        while True:
            try:
                f_new, g_new = fun_and_grad(x + t * p, *args)
            except np.linalg.LinAlgError:                # K not positive definite there
                f_new = np.inf
            if f_new <= f + 1e-4 * t * (g @ p) or t < 1e-10:
                break
            t *= 0.5
        s, yk = t * p, g_new - g
        x, f, g = x + s, f_new, g_new
        history.append(f)
        if s @ yk > 1e-12:
            rho = 1.0 / (s @ yk)
            I = np.eye(len(x))
            H = (I - rho * np.outer(s, yk)) @ H @ (I - rho * np.outer(yk, s)) + rho * np.outer(s, s)
    return x, g, history


def posterior_mean(x_train, y, x_test, length, amplitude, noise):
    K = sq_exp_kernel(x_train, x_train, length, amplitude) + noise ** 2 * np.eye(len(x_train))
    return sq_exp_kernel(x_test, x_train, length, amplitude) @ np.linalg.solve(K, y)


def plot(x, y, params, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    grid = np.linspace(x.min(), x.max(), 300)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(x, y, ".", color="0.4", label="data")
    ax.plot(grid, posterior_mean(x, y, grid, *params), "tab:blue", label="GP posterior mean")
    ax.set_title("length %.2f, amplitude %.2f, noise %.3f" % tuple(params), fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(n_data=150, seed=0, figure=None, verbose=True):
    """Draw data from a GP, fit its hyperparameters; return a dict with true and fitted ones.

    `figure`: where to save the figure if matplotlib is installed (default: next to
    this script; "" for none).  Raises AssertionError if the result is wrong.
    """
    rng = np.random.default_rng(seed)
    true = np.array([1.2, 1.0, 0.15])             # length scale, amplitude, noise
    x = np.sort(rng.uniform(0.0, n_data / 5.0, n_data))      # 5 points per unit
    K = sq_exp_kernel(x, x, true[0], true[1]) + true[2] ** 2 * np.eye(n_data)
    y = np.linalg.cholesky(K) @ rng.standard_normal(n_data)   # a draw from the GP

    start = np.log(np.array([3.0, 0.5, 0.5]))
    log_params, g, history = bfgs(nll_and_grad, start, (x, y))
    fitted = np.exp(log_params)

    if verbose:
        print(f"GP marginal likelihood, {n_data} points, BFGS with s2sad gradients")
        print("                 length  amplitude  noise")
        print("  true          %6.3f   %6.3f   %6.3f" % tuple(true))
        print("  start         %6.3f   %6.3f   %6.3f" % tuple(np.exp(start)))
        print("  fitted        %6.3f   %6.3f   %6.3f" % tuple(fitted),
              f"after {len(history) - 1} iterations")
        print(f"  -log p(y): {history[0]:.2f} -> {history[-1]:.2f}, |gradient| "
              f"{np.linalg.norm(g):.1e}")
    assert np.linalg.norm(g) < 1e-4, f"BFGS did not converge: gradient {g}"
    # maximum-likelihood estimates from finite data: the length scale and noise are well
    # determined, the amplitude less so
    assert abs(fitted[0] / true[0] - 1) < 0.3, f"length scale {fitted[0]:.3f} vs {true[0]}"
    assert abs(fitted[2] / true[2] - 1) < 0.25, f"noise {fitted[2]:.3f} vs {true[2]}"
    assert abs(fitted[1] / true[1] - 1) < 0.5, f"amplitude {fitted[1]:.3f} vs {true[1]}"

    if figure is None:
        figure = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "gp_hyperparameters.png")
    saved = plot(x, y, fitted, figure) if figure else None
    if verbose and saved:
        print("  figure:", saved)
    return dict(true=true, fitted=fitted, log_params=log_params, grad=g, history=history,
                x=x, y=y)


if __name__ == "__main__":
    main()
