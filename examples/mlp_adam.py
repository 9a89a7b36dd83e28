"""Training a small multilayer perceptron with Adam, its parameters in a dict.

`s2sad.grad(loss)` of a function taking `params = {"W1": ..., "b1": ..., ...}` returns a
dict of the same keys and shapes, so the optimiser is a dict comprehension.  The network
learns a noisy 1-D function, y = sin(3x) + x/2.

    python examples/mlp_adam.py                     # prints the training curve, saves a figure
"""
import os

import numpy as np

import s2sad


def init_params(sizes, rng):
    """Glorot-style initialisation of a dense network with layer widths `sizes`."""
    params = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{i}"] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
        params[f"b{i}"] = np.zeros(n_out)
    return params


def predict(params, x):
    """Two tanh hidden layers and a linear output; x has shape (n, 1)."""
    h = np.tanh(x @ params["W1"] + params["b1"])
    h = np.tanh(h @ params["W2"] + params["b2"])
    return h @ params["W3"] + params["b3"]


def loss(params, x, y):
    """Mean squared error."""
    return np.mean((predict(params, x) - y) ** 2)


loss_and_grad = s2sad.value_and_grad(loss)        # (loss, dict of gradients)


def adam(params, x, y, steps, lr=1e-2, b1=0.9, b2=0.999, eps=1e-8):
    """Full-batch Adam; returns the trained parameters and the loss at every step."""
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    history = []
    for t in range(1, steps + 1):
        value, g = loss_and_grad(params, x, y)
        history.append(value)
        for k in params:
            m[k] = b1 * m[k] + (1 - b1) * g[k]
            v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
            m_hat, v_hat = m[k] / (1 - b1 ** t), v[k] / (1 - b2 ** t)
            params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    history.append(loss(params, x, y))
    return params, np.array(history)


def target(x):
    return np.sin(3.0 * x) + 0.5 * x


def plot(params, x, y, history, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 3))
    grid = np.linspace(x.min(), x.max(), 200)[:, None]
    a1.plot(x[:, 0], y[:, 0], ".", ms=3, color="0.5", label="data")
    a1.plot(grid[:, 0], target(grid[:, 0]), "k--", lw=1, label="truth")
    a1.plot(grid[:, 0], predict(params, grid)[:, 0], "tab:blue", label="MLP")
    a1.legend(fontsize=8)
    a2.semilogy(history)
    a2.set_xlabel("Adam step")
    a2.set_ylabel("training loss")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(n_data=128, hidden=16, steps=1500, noise=0.05, seed=0, threshold=0.01, figure=None,
         verbose=True):
    """Train; return a dict with the parameters, the loss history and the test error.

    `figure`: where to save the figure if matplotlib is installed (default: next to
    this script; "" for none).  Raises AssertionError if the result is wrong.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, size=(n_data, 1))
    y = target(x) + noise * rng.standard_normal(x.shape)
    params = init_params([1, hidden, hidden, 1], rng)
    params, history = adam(params, x, y, steps)

    x_test = np.linspace(-1.4, 1.4, 101)[:, None]
    test_error = float(np.mean((predict(params, x_test) - target(x_test)) ** 2))
    if verbose:
        n_params = sum(p.size for p in params.values())
        print(f"MLP 1-{hidden}-{hidden}-1 ({n_params} parameters), Adam, {n_data} points")
        for t in sorted({0, steps // 10, steps // 3, steps}):
            print(f"  step {t:5d}  loss {history[t]:.4f}")
        print(f"  error against the noise-free function: {test_error:.4f} "
              f"(noise variance {noise ** 2:.4f})")
    assert history[-1] < threshold, f"final loss {history[-1]:.4f} not below {threshold}"
    assert history[-1] < 0.05 * history[0], "the loss did not decrease"
    assert test_error < threshold, f"test error {test_error:.4f} not below {threshold}"

    if figure is None:
        figure = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_adam.png")
    saved = plot(params, x, y, history, figure) if figure else None
    if verbose and saved:
        print("  figure:", saved)
    return dict(params=params, history=history, test_error=test_error, x=x, y=y)


if __name__ == "__main__":
    main()
