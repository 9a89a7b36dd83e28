"""Hamiltonian Monte Carlo on a Bayesian logistic regression.

The log posterior is ordinary NumPy code; `s2sad.grad` turns it into the force the
leapfrog integrator needs.  Data come from known weights, so we can check that the
posterior mean lands near them.

    python examples/hmc_logistic.py                 # prints a summary, saves a figure
"""
import os

import numpy as np

import s2sad


def log_posterior(w, X, y, prior_scale):
    """log p(w | X, y) up to a constant: Bernoulli likelihood, Gaussian prior."""
    logits = X @ w
    # log p(y | z) = y z - log(1 + e^z); logaddexp(0, z) is log(1 + e^z) without overflow
    log_lik = np.sum(y * logits - np.logaddexp(0.0, logits))
    log_prior = -0.5 * np.sum((w / prior_scale) ** 2)
    return log_lik + log_prior


grad_log_posterior = s2sad.grad(log_posterior)      # d/dw: the leapfrog's force


def make_data(n, true_w, rng):
    X = rng.standard_normal((n, len(true_w)))
    X[:, 0] = 1.0                                      # intercept column
    p = 1.0 / (1.0 + np.exp(-X @ true_w))
    y = (rng.random(n) < p).astype(float)
    return X, y


def leapfrog(w, p, step, n_steps, X, y, prior_scale):
    """n_steps of the leapfrog integrator for H(w, p) = -log p(w | X, y) + |p|^2 / 2."""
    g = grad_log_posterior(w, X, y, prior_scale)
    p = p + 0.5 * step * g
    for i in range(n_steps):
        w = w + step * p
        g = grad_log_posterior(w, X, y, prior_scale)
        if i < n_steps - 1:
            p = p + step * g
    p = p + 0.5 * step * g
    return w, p


def hmc(X, y, n_samples, step, n_steps, rng, prior_scale=5.0, n_warmup=None):
    """HMC with a unit mass matrix; returns the samples after warm-up and the acceptance rate."""
    n_warmup = n_samples // 2 if n_warmup is None else n_warmup
    w = np.zeros(X.shape[1])
    logp = log_posterior(w, X, y, prior_scale)
    samples, accepted = [], 0
    for it in range(n_warmup + n_samples):
        p0 = rng.standard_normal(w.shape)
        # jitter the step so that trajectories do not resonate with the posterior's width
        w_new, p_new = leapfrog(w, p0, step * rng.uniform(0.8, 1.2), n_steps, X, y,
                                prior_scale)
        logp_new = log_posterior(w_new, X, y, prior_scale)
        # Metropolis correction with H = -log p(w) + |p|^2 / 2
        log_ratio = (logp_new - 0.5 * p_new @ p_new) - (logp - 0.5 * p0 @ p0)
        if np.log(rng.random()) < log_ratio:
            w, logp = w_new, logp_new
            accepted += it >= n_warmup
        if it >= n_warmup:
            samples.append(w)
    return np.array(samples), accepted / n_samples


def plot(samples, true_w, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    d = samples.shape[1]
    fig, axes = plt.subplots(1, d, figsize=(3 * d, 2.6))
    for k, ax in enumerate(np.atleast_1d(axes)):
        ax.hist(samples[:, k], bins=30, color="tab:blue", alpha=0.7)
        ax.axvline(true_w[k], color="k", ls="--", label="true")
        ax.set_title(f"w[{k}]")
    np.atleast_1d(axes)[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(n_data=400, n_samples=600, seed=0, figure=None, verbose=True):
    """Sample the posterior; return a dict with samples, mean, acceptance, true weights.

    `figure`: where to save the figure if matplotlib is installed (default: next to
    this script; "" for none).  Raises AssertionError if the result is wrong.
    """
    rng = np.random.default_rng(seed)
    true_w = np.array([-0.5, 1.5, -1.0, 0.7])
    X, y = make_data(n_data, true_w, rng)
    # a step that scales with the posterior width (~ 1/sqrt(n)) keeps acceptance steady
    step = 2.5 / np.sqrt(n_data)
    samples, acceptance = hmc(X, y, n_samples, step=step, n_steps=6, rng=rng)
    mean, std = samples.mean(axis=0), samples.std(axis=0)

    if verbose:
        print(f"HMC, {n_samples} samples, {n_data} data points: acceptance {acceptance:.2f}")
        print("  true weights    ", np.array2string(true_w, precision=2))
        print("  posterior mean  ", np.array2string(mean, precision=2))
        print("  posterior std   ", np.array2string(std, precision=2))
    # each weight within 3 posterior standard deviations (plus a little Monte Carlo slack)
    z = np.abs(mean - true_w) / std
    assert 0.5 < acceptance < 0.99, f"acceptance rate {acceptance:.2f} out of range"
    assert np.all(z < 3.5), f"posterior mean {mean} far from the truth {true_w} (z={z})"

    if figure is None:
        figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hmc_logistic.png")
    saved = plot(samples, true_w, figure) if figure else None
    if verbose and saved:
        print("  figure:", saved)
    return dict(samples=samples, mean=mean, std=std, acceptance=acceptance, true_w=true_w,
                X=X, y=y)


if __name__ == "__main__":
    main()
