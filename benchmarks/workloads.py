"""Benchmark: gradient time over hand-written gradient time on seven workloads.

The workloads: the scalar RK4 pendulum loop and the branchy `while` loop (from
rk4_pendulum.py and branchy_while.py), a small MLP, a 1000x1000 matrix product, the
vectorised Rosenbrock function (n = 10,000), an RNN loop of 50 steps and a softmax
cross-entropy.  Each has a hand-written gradient, checked against s2sad's at start-up
(relative error printed); every row is timed in the same run and printed as a ratio
to the hand-written gradient (goal: <= 1.2, RNN <= 1.5).  autograd, jax.jit and
PyTorch columns are added when the `bench` extra is installed.

Run from the repository root:  python benchmarks/workloads.py [--quick]
"""
from __future__ import annotations

import sys

import numpy as np

import branchy_while
import common
import rk4_pendulum
import torch_peer

RNG = np.random.default_rng(0)


# Each loss is made by a function of the NumPy module it uses, so that autograd's and
# JAX's columns run the same code with autograd.numpy and jax.numpy.

# ---- small MLP: 2 layers, tanh, batch of 32, 10 -> 32 -> 1 ---------------------------

def make_mlp(np):
    def mlp_loss(W1, b1, W2, b2, X, y):
        h = np.tanh(X @ W1 + b1)
        out = h @ W2 + b2
        return np.mean((out - y) ** 2)
    return mlp_loss


def mlp_hand(W1, b1, W2, b2, X, y):
    z = X @ W1 + b1
    h = np.tanh(z)
    out = h @ W2 + b2
    g_out = 2.0 * (out - y) / out.size
    gW2 = h.T @ g_out
    gb2 = np.sum(g_out, axis=0)
    g_z = (g_out @ W2.T) * (1.0 - h * h)
    return X.T @ g_z, np.sum(g_z, axis=0), gW2, gb2


def mlp_args(np_):
    X = RNG.normal(size=(32, 10))
    return (RNG.normal(size=(10, 32)) * 0.3, np.zeros(32), RNG.normal(size=(32, 1)) * 0.3,
            np.zeros(1), X, RNG.normal(size=(32, 1)))


# ---- matmul 1000 x 1000 --------------------------------------------------------------

def make_matmul(np):
    def matmul_loss(A, B):
        return np.sum((A @ B) ** 2)
    return matmul_loss


def matmul_hand(A, B):
    G = 2.0 * (A @ B)
    return G @ B.T, A.T @ G


def matmul_args(np_):
    return RNG.normal(size=(1000, 1000)), RNG.normal(size=(1000, 1000))


# ---- vectorised Rosenbrock, n = 10,000 -----------------------------------------------

def make_rosenbrock(np):
    def rosenbrock(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return rosenbrock


def rosenbrock_hand(x):
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[1:] += 200.0 * d
    g[:-1] += -400.0 * d * x[:-1] - 2.0 * (1.0 - x[:-1])
    return (g,)


def rosenbrock_args(np_):
    return (RNG.normal(size=10_000),)


# ---- RNN, 50 steps -------------------------------------------------------------------

def make_rnn(np):
    def rnn_loss(W, U, b, xs):
        h = np.zeros(W.shape[0])
        for t in range(xs.shape[0]):
            h = np.tanh(W @ h + U @ xs[t] + b)
        return np.sum(h ** 2)
    return rnn_loss


def rnn_hand(W, U, b, xs):
    hs = [np.zeros(W.shape[0])]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(W @ hs[-1] + U @ xs[t] + b))
    gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
    gh = 2.0 * hs[-1]
    for t in range(xs.shape[0] - 1, -1, -1):
        gz = gh * (1.0 - hs[t + 1] ** 2)
        gW += np.outer(gz, hs[t])
        gU += np.outer(gz, xs[t])
        gb += gz
        gh = W.T @ gz
    return gW, gU, gb


def rnn_args(np_):
    return (RNG.normal(size=(16, 16)) * 0.3, RNG.normal(size=(16, 8)) * 0.3, np.zeros(16),
            RNG.normal(size=(50, 8)))


# ---- softmax cross-entropy -----------------------------------------------------------

def make_softmax_ce(np):
    def softmax_ce(W, X, labels):
        logits = X @ W
        shifted = logits - np.max(logits, axis=1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
        return -np.mean(np.sum(log_probs * labels, axis=1))
    return softmax_ce


def softmax_ce_hand(W, X, labels):
    logits = X @ W
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    p = np.exp(shifted)
    p /= np.sum(p, axis=1, keepdims=True)
    return (X.T @ ((p * np.sum(labels, axis=1, keepdims=True) - labels) / X.shape[0]),)


def softmax_args(np_):
    labels = np.eye(10)[RNG.integers(0, 10, size=128)]
    return RNG.normal(size=(20, 10)) * 0.1, RNG.normal(size=(128, 20)), labels


def _scalar(module):
    def hand(*args):
        return tuple(module.grad_hand(*args))

    def make(np_):
        return module.loss if np_ is np else module.make_peer_loss(np_)
    return make, hand, lambda np_: module.PARAMS, len(module.PARAMS)


WORKLOADS = [
    ("RK4 scalar loop", *_scalar(rk4_pendulum), 1.2),
    ("branchy while", *_scalar(branchy_while), 1.2),
    ("small MLP", make_mlp, mlp_hand, mlp_args, 4, 1.2),
    ("matmul 1000x1000", make_matmul, matmul_hand, matmul_args, 2, 1.2),
    ("Rosenbrock n=10,000", make_rosenbrock, rosenbrock_hand, rosenbrock_args, 1, 1.2),
    ("RNN 50 steps", make_rnn, rnn_hand, rnn_args, 3, 1.5),
    ("softmax cross-entropy", make_softmax_ce, softmax_ce_hand, softmax_args, 1, 1.2),
]


# jax.jit traces a Python loop into one unrolled graph: the 1,000-step RK4 loop takes
# minutes to compile, and the branchy `while` tests traced values (rk4_pendulum.py and
# branchy_while.py time `jax.grad` without jit on these two instead).
PYTHON_LOOPS = {"RK4 scalar loop", "branchy while"}


def relative_error(got, want) -> float:
    return max(float(np.max(np.abs(np.asarray(g) - np.asarray(w)))) /
               max(1e-300, float(np.max(np.abs(np.asarray(w))))) for g, w in zip(got, want))


def _peers(quick: bool):
    """(name, grad maker, numpy module) of the installed peers: autograd, jax.jit,
    PyTorch (eager reverse mode, one thread)."""
    peers = []
    autograd = common.load_autograd()
    if autograd is not None:
        peers.append(("autograd", lambda loss, wrt: autograd[0].grad(loss, wrt), autograd[1]))
    jax = common.load_jax()
    if jax is not None:
        peers.append(("jax.jit", lambda loss, wrt: _blocking(jax[0], jax[0].jit(jax[0].grad(
            loss, wrt))), jax[1]))
    torch = torch_peer.load_torch()
    if torch is not None:
        peers.append(("torch", lambda loss, wrt: torch_peer.torch_grad(torch, loss, wrt),
                      torch_peer.TorchNumpy(torch)))
    return peers


def _blocking(jax, fn):
    """`fn` waiting for its result: jax dispatches asynchronously, so a timing loop of
    unblocked calls would only measure the dispatch (and queue work without bound)."""
    return lambda *args: jax.block_until_ready(fn(*args))


def main() -> None:
    quick = "--quick" in sys.argv
    s2sad = common.load_s2sad()
    peers = _peers(quick)
    common.header("Gradient time / hand-written gradient time, measured in one run",
                  ["s2sad: reverse mode, default backend; first call (generation) excluded",
                   "peers (when installed): the same loss written with their numpy module"])
    rows = []
    repeat = 3 if quick else 9
    for name, make, hand, make_args, n_wrt, goal in WORKLOADS:
        args = make_args(np)
        wrt = tuple(range(n_wrt))
        grad = s2sad.grad(make(np), wrt=wrt)
        err = relative_error(grad(*args), hand(*args))
        t_primal = common.time_call(make(np), args, repeat=repeat).min_us
        t_hand = common.time_call(hand, args, repeat=repeat).min_us
        t_s2sad = common.time_call(grad, args, repeat=repeat).min_us
        ratio = t_s2sad / t_hand
        row = [name, common.fmt_us(t_primal), common.fmt_us(t_hand), common.fmt_us(t_s2sad),
               common.fmt_ratio(ratio), f"<= {goal}", "met" if ratio <= goal else "not met",
               f"{err:.1e}", taped_per_iteration(s2sad, make(np), wrt, args)]
        for peer, make_grad, peer_np in peers:
            if peer == "jax.jit" and name in PYTHON_LOOPS:
                row.append("n/a (jit unrolls)")
                continue
            print(f"  {name}: {peer} ...", file=sys.stderr, flush=True)
            try:
                peer_grad = make_grad(make(peer_np), wrt)
                t_peer = common.time_call(peer_grad, args, repeat=repeat,
                                          slow_call_s=0.5).min_us
                row.append(common.fmt_ratio(t_peer / t_hand))
            except Exception as exc:      # a peer that cannot run this program
                row.append(f"n/a ({type(exc).__name__})")
        rows.append(row)
    common.print_table(["workload", "primal us", "hand us", "s2sad us", "s2sad/hand", "goal",
                        "", "rel. err", "taped/iter"] + [f"{p[0]}/hand" for p in peers], rows)
    print("taped/iter: values s2sad's reverse code pushes on the tape per loop iteration "
          "(static count, most over the branches; - without a loop)")


def taped_per_iteration(s2sad, loss, wrt, args) -> str:
    """The values pushed per iteration of each loop of the reverse code run for `args`."""
    loops = common.count_tape_sites(str(s2sad.source(loss, wrt=wrt, example_args=args)))
    return " + ".join(str(lp["values"][1]) for lp in loops) or "-"


if __name__ == "__main__":
    main()
