"""Newton's method with exact second derivatives: `s2sad.hessian` and `s2sad.hvp`.

Newton-CG never forms the Hessian: each conjugate-gradient step needs one
Hessian-vector product, `s2sad.hvp(f, (x, *args), (v, None, ...))`, which s2sad
computes by differentiating its own forward-mode code in reverse mode.  We minimise

* the Rosenbrock function in n dimensions (minimum at x = 1): a couple of dozen
  iterations along its curved valley, where gradient descent needs thousands, and
* an L2-regularised logistic-regression loss: a handful of iterations, with the
  quadratic convergence of Newton's method,

each both with Newton-CG and with plain Newton steps on the full `s2sad.hessian`.

    python examples/newton.py                      # prints the iterations, saves a figure
"""
import os

import numpy as np

import s2sad


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_loss(w, X, y, lam):
    """Mean logistic loss for labels y in {-1, +1}, plus (lam / 2) |w|^2."""
    margins = y * (X @ w)
    return np.mean(np.logaddexp(0.0, -margins)) + 0.5 * lam * np.sum(w * w)


def line_search(f, x, p, g, args):
    """Backtracking (Armijo) line search along the descent direction p."""
    t, fx = 1.0, f(x, *args)
    while f(x + t * p, *args) > fx + 1e-4 * t * (g @ p) and t > 1e-12:
        t *= 0.5
    return x + t * p


def newton_cg(f, x0, args=(), tol=1e-10, max_iter=100, forcing=0.01):
    """Truncated Newton: conjugate gradients on H p = -g, with each H v from s2sad.hvp,
    then a line search.  Returns x and the gradient norm at every iteration."""
    grad = s2sad.grad(f)
    x = np.asarray(x0, dtype=float)
    no_tangents = (None,) * len(args)             # the data are held constant

    def hess_vec(v):
        return s2sad.hvp(f, (x, *args), (v, *no_tangents))[0]

    norms = []
    for _ in range(max_iter):
        g = grad(x, *args)
        norms.append(np.linalg.norm(g))
        if norms[-1] < tol:
            break
        # CG, stopped when the residual is small enough or on negative curvature
        p, r = np.zeros_like(x), -g
        d = r
        for _ in range(2 * len(x)):
            Hd = hess_vec(d)
            curvature = d @ Hd
            if curvature <= 0.0:
                if not p.any():
                    p = -g                            # steepest descent
                break
            a = (r @ r) / curvature
            p = p + a * d
            r_new = r - a * Hd
            if np.linalg.norm(r_new) < min(forcing, np.sqrt(norms[-1])) * norms[-1]:
                break
            d = r_new + ((r_new @ r_new) / (r @ r)) * d
            r = r_new
        x = line_search(f, x, p, g, args)
    return x, norms


def newton(f, x0, args=(), tol=1e-10, max_iter=100):
    """Newton with the full Hessian from s2sad.hessian, and a line search."""
    grad, hess = s2sad.grad(f), s2sad.hessian(f)
    x = np.asarray(x0, dtype=float)
    norms = []
    for _ in range(max_iter):
        g = grad(x, *args)
        norms.append(np.linalg.norm(g))
        if norms[-1] < tol:
            break
        p = -np.linalg.solve(hess(x, *args), g)
        if g @ p >= 0.0:                              # not a descent direction
            p = -g
        x = line_search(f, x, p, g, args)
    return x, norms


def make_classification(n, d, rng):
    w_true = rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = np.where(rng.random(n) < 1.0 / (1.0 + np.exp(-X @ w_true)), 1.0, -1.0)
    return X, y


def plot(curves, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(5, 3))
    for label, norms in curves.items():
        ax.semilogy(np.maximum(norms, 1e-17), "o-", ms=3, label=label)
    ax.set_xlabel("iteration")
    ax.set_ylabel("|gradient|")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(dim=10, n_data=500, n_features=8, seed=0, figure=None, verbose=True):
    """Run both problems; return a dict with the solutions and the gradient-norm histories.

    `figure`: where to save the figure if matplotlib is installed (default: next to
    this script; "" for none).  Raises AssertionError if the result is wrong.
    """
    rng = np.random.default_rng(seed)

    # 1. Rosenbrock from the origin: Newton has to follow the curved valley to x = 1
    x0 = np.zeros(dim)
    x_rosen, rosen_norms = newton(rosenbrock, x0)
    x_rosen_cg, rosen_cg_norms = newton_cg(rosenbrock, x0)

    # 2. logistic regression
    X, y = make_classification(n_data, n_features, rng)
    args = (X, y, 1e-2)
    w_cg, cg_norms = newton_cg(logistic_loss, np.zeros(n_features), args)
    w_newton, newton_norms = newton(logistic_loss, np.zeros(n_features), args)

    def its(norms):
        return f"{len(norms) - 1:2d} iterations"

    if verbose:
        print(f"Rosenbrock in {dim} dimensions from the origin (minimum at x = 1):")
        print(f"  Newton (s2sad.hessian):  {its(rosen_norms)}, |x - 1| = "
              f"{np.linalg.norm(x_rosen - 1.0):.1e}")
        print(f"  Newton-CG (s2sad.hvp):   {its(rosen_cg_norms)}, |x - 1| = "
              f"{np.linalg.norm(x_rosen_cg - 1.0):.1e}")
        print(f"Logistic regression, {n_data} points, {n_features} features, |gradient| by "
              "iteration:")
        print(f"  Newton (s2sad.hessian):  {its(newton_norms)}: "
              + " ".join(f"{v:.0e}" for v in newton_norms))
        print(f"  Newton-CG (s2sad.hvp):   {its(cg_norms)}: "
              + " ".join(f"{v:.0e}" for v in cg_norms))
        print(f"  |w_cg - w_newton| = {np.linalg.norm(w_cg - w_newton):.1e}")
    for x, norms in ((x_rosen, rosen_norms), (x_rosen_cg, rosen_cg_norms)):
        assert np.allclose(x, 1.0, atol=1e-8), f"Rosenbrock: not at the minimum: {x}"
        assert len(norms) - 1 <= 4 * dim + 10, f"Rosenbrock: {len(norms) - 1} iterations"
    assert cg_norms[-1] < 1e-10 and newton_norms[-1] < 1e-10
    assert len(newton_norms) - 1 <= 8, f"Newton took {len(newton_norms) - 1} iterations"
    assert len(cg_norms) - 1 <= 10, f"Newton-CG took {len(cg_norms) - 1} iterations"
    assert np.allclose(w_cg, w_newton, atol=1e-8), "Newton-CG and Newton disagree"

    if figure is None:
        figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "newton.png")
    curves = {"Rosenbrock, Newton": rosen_norms, "Rosenbrock, Newton-CG": rosen_cg_norms,
              "logistic, Newton": newton_norms, "logistic, Newton-CG": cg_norms}
    saved = plot(curves, figure) if figure else None
    if verbose and saved:
        print("  figure:", saved)
    return dict(x_rosen=x_rosen, rosen_norms=rosen_norms, x_rosen_cg=x_rosen_cg,
                rosen_cg_norms=rosen_cg_norms, w_cg=w_cg, cg_norms=cg_norms,
                w_newton=w_newton, newton_norms=newton_norms, args=args)


if __name__ == "__main__":
    main()
