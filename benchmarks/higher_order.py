"""Benchmark: second-order derivatives (HVP, Hessian, grad of grad, jacobian of grad).

For each workload f, times in one run and prints as ratios:

* ``hvp / grad``: one ``s2sad.hvp(f, primals, tangents)`` over one ``s2sad.grad(f)``
  call (with respect to the same arguments; target <= 4);
* ``hessian / (n hvp)``: ``s2sad.hessian(f)(x)`` for the n-vector x over n HVPs
  (target <= 1);
* ``grad(grad(g)) / grad(g)``: the second derivative of a scalar function g of one
  float (for the float-argument workloads, f in its first argument; for the vector
  workloads, g(s) = f(x + s v), whose second derivative is v^T H v) over its first
  derivative;
* ``jacobian(grad(f)) / hessian(f)``: the Hessian as the reverse-mode Jacobian of the
  gradient, over ``s2sad.hessian``.

Workloads: the RK4 pendulum loop of rk4_pendulum.py and the branchy while loop of
branchy_while.py (three float parameters; the Hessian rows use a wrapper taking them
as a 3-vector), a small MLP loss (a 4-16-1 tanh network, 97 parameters in one vector;
once with its biases broadcast, once with them folded into the matrix products) and
logsumexp / softplus of a 100-vector.  Every second derivative is checked against central
differences of ``s2sad.grad`` (or, for jacobian(grad), against the Hessian).  The
first call of each operation, after ``s2sad.clear_caches()``, is timed separately (it
includes generating and compiling the code).  A row raising an error prints the
error's first line instead of a ratio.

Each operation's first call and its steady call are timed once per round (``--rounds``,
the operations of a workload interleaved), and the best over the rounds is kept; an
operation slower than half a second is timed in the first round only.  Times are the
process's CPU time by default (see clocks.py), the wall clock with ``--clock wall``.

    python benchmarks/higher_order.py [--rounds 5] [--repeat 5] [--clock cpu|wall]
"""
from __future__ import annotations

import argparse
import math
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")      # CPU time of one thread: see clocks.py

import numpy as np  # noqa: E402

import branchy_while  # noqa: E402
import clocks  # noqa: E402
import common  # noqa: E402
import rk4_pendulum  # noqa: E402

import s2sad  # noqa: E402

CLOCK = "cpu"    # set by --clock


# ----------------------------------------------------------------------------- workloads

def rk4_vec(p):
    """rk4_pendulum.loss with its parameters (g_over_l, damping, theta0) as one vector."""
    return rk4_pendulum.loss(p[0], p[1], p[2])


def branchy_vec(p):
    """branchy_while.loss with its parameters (curvature, center, ripple) as one vector."""
    return branchy_while.loss(p[0], p[1], p[2])


MLP_IN, MLP_HIDDEN, MLP_SAMPLES = 4, 16, 32
MLP_SIZE = MLP_IN * MLP_HIDDEN + MLP_HIDDEN + MLP_HIDDEN + 1          # 97
_rng = np.random.default_rng(0)
MLP_X = _rng.normal(size=(MLP_SAMPLES, MLP_IN))
MLP_Y = np.sin(MLP_X[:, 0]) + 0.5 * MLP_X[:, 1] * MLP_X[:, 2]


def mlp_loss(params):
    """Mean squared error of a 4-16-1 tanh network on 32 fixed samples; 97 parameters."""
    w1 = params[0:64].reshape((4, 16))
    b1 = params[64:80]
    w2 = params[80:96]
    b2 = params[96]
    hidden = np.tanh(MLP_X @ w1 + b1)
    pred = hidden @ w2 + b2
    err = pred - MLP_Y
    return np.sum(err * err) / 32.0


MLP_XA = np.concatenate([MLP_X, np.ones((MLP_SAMPLES, 1))], axis=1)
MLP_ONES = np.ones((MLP_SAMPLES, 1))


def mlp_folded(params):
    """The same network with its biases folded into the matrix products (a column of
    ones appended to the inputs and to the hidden layer): no broadcasting; 97 parameters."""
    w1 = params[0:80].reshape((5, 16))
    w2 = params[80:97]
    hidden = np.concatenate([np.tanh(MLP_XA @ w1), MLP_ONES], axis=1)
    err = hidden @ w2 - MLP_Y
    return np.sum(err * err) / 32.0


def mlp_folded_line(s, x, v):
    return mlp_folded(x + s * v)


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softplus(x):
    return np.sum(np.log1p(np.exp(x)))


def mlp_line(s, x, v):
    return mlp_loss(x + s * v)


def logsumexp_line(s, x, v):
    return logsumexp(x + s * v)


def softplus_line(s, x, v):
    return softplus(x + s * v)


class Workload:
    """``f`` over ``primals`` (grad and hvp), ``f_vec`` over one vector ``x`` (hessian
    and jacobian of grad), ``g`` called on ``g_args`` and differentiated with respect
    to its first argument, a float (grad of grad)."""

    def __init__(self, name, f, primals, tangents, f_vec, x, g, g_args):
        self.name, self.f, self.primals, self.tangents = name, f, tuple(primals), tuple(tangents)
        self.f_vec, self.x, self.g, self.g_args = f_vec, x, g, tuple(g_args)


def workloads() -> list[Workload]:
    out = []
    for name, mod, f_vec in (("RK4 pendulum (for loop)", rk4_pendulum, rk4_vec),
                             ("branchy while", branchy_while, branchy_vec)):
        p = np.array(mod.PARAMS)
        out.append(Workload(name, mod.loss, mod.PARAMS, (1.0, 0.5, -0.25), f_vec, p,
                            mod.loss, mod.PARAMS))
    x = 0.3 * np.random.default_rng(1).normal(size=MLP_SIZE)
    v = np.cos(np.arange(MLP_SIZE))
    out.append(Workload(f"MLP loss ({MLP_SIZE} params)", mlp_loss, (x,), (v,), mlp_loss, x,
                        mlp_line, (0.0, x, v)))
    out.append(Workload(f"MLP, biases folded ({MLP_SIZE})", mlp_folded, (x,), (v,), mlp_folded,
                        x, mlp_folded_line, (0.0, x, v)))
    for f, g in ((logsumexp, logsumexp_line), (softplus, softplus_line)):
        x = np.linspace(-2.0, 3.0, 100)
        v = np.cos(np.arange(100))
        out.append(Workload(f"{f.__name__} (n=100)", f, (x,), (v,), f, x, g, (0.0, x, v)))
    return out


# ----------------------------------------------------------------------------- helpers

def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines() or [""]
    text = f"{type(exc).__name__}: {lines[0]}"
    return text if isinstance(exc, s2sad.S2SADError) else "(not an S2SADError) " + text


def flat(value) -> np.ndarray:
    return np.asarray(common.as_vector(value))


def rel(a, b) -> float:
    a, b = flat(a), flat(b)
    scale = np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else float(np.linalg.norm(a - b))


def fd_hvp(f, primals, tangents, eps=1e-5):
    """Central differences of s2sad.grad(f) along the tangents (the reference HVP)."""
    grad_f = s2sad.grad(f, wrt=tuple(range(len(primals))))
    up = [p + eps * t for p, t in zip(primals, tangents)]
    down = [p - eps * t for p, t in zip(primals, tangents)]
    return (flat(grad_f(*up)) - flat(grad_f(*down))) / (2 * eps)


SLOW_S = 0.5     # an operation slower than this is timed once, in the first round


class Op:
    """One operation: ``make()`` returns the callable, called on ``args``; ``check()``
    returns the reference value its result must match (relative error < ``tol``)."""

    def __init__(self, key, make, args, check=None, tol=1e-5):
        self.key, self.make, self.args, self.check, self.tol = key, make, args, check, tol
        self.fn = None
        self.error = None
        self.err = None            # relative error of the check
        self.check_error = None    # the reference could not be computed
        self.first_s = math.inf    # best first call (after clearing the caches)
        self.best_s = math.inf     # best steady call
        self.needed = True         # False: no ratio uses it (its partner failed)

    def first(self, check: bool) -> None:
        """Time the first call after clearing s2sad's caches; check the result."""
        if self.error or not self.needed or (self.fn is not None and self.first_s > SLOW_S):
            return
        s2sad.clear_caches()
        try:
            (fn, value), t = clocks.time_once(
                lambda: (lambda fn: (fn, fn(*self.args)))(self.make()), CLOCK)
        except Exception as exc:   # noqa: BLE001 -- an error is a result here
            self.error = first_line(exc)
            return
        self.fn, self.first_s = fn, min(self.first_s, t)
        if check and self.check is not None:
            try:
                self.err = rel(value, self.check())
            except Exception as exc:   # noqa: BLE001 -- the reference failed, not this op
                self.check_error = first_line(exc)

    def time(self, repeat: int) -> None:
        if self.error or not self.needed or SLOW_S < self.best_s < math.inf:
            return      # failed, unused, or slow and timed once already
        self.best_s = min(self.best_s, clocks.best_time(self.fn, self.args, repeat=repeat,
                                                        clock=CLOCK, slow_call_s=SLOW_S))


# which operations each one's ratios are taken against
NEEDS = {"hvp": ["grad"], "hvp_vec": ["hessian"],
         "hessian": ["hvp_vec", "jacgrad"], "grad_g": ["gradgrad"], "gradgrad": ["grad_g"],
         "jacgrad": ["hessian"]}


def ops_for(w: Workload) -> dict[str, Op]:
    wrt = tuple(range(len(w.primals)))
    n = w.x.size
    ops = {
        "grad": Op("grad", lambda: s2sad.grad(w.f, wrt=wrt), w.primals),
        "hvp": Op("hvp", lambda: (lambda *p: s2sad.hvp(w.f, p, w.tangents)), w.primals,
                  check=lambda: fd_hvp(w.f, w.primals, w.tangents)),
        "hvp_vec": Op("hvp_vec",
                      lambda: (lambda x: s2sad.hvp(w.f_vec, (x,), (np.ones(n),))), (w.x,)),
        "hessian": Op("hessian", lambda: s2sad.hessian(w.f_vec), (w.x,),
                      check=lambda: np.stack([fd_hvp(w.f_vec, (w.x,), (e,))
                                              for e in np.eye(n)])),
        "grad_g": Op("grad_g", lambda: s2sad.grad(w.g), w.g_args),
        "gradgrad": Op("gradgrad", lambda: s2sad.grad(s2sad.grad(w.g)), w.g_args,
                       check=lambda: _fd_scalar(s2sad.grad(w.g), w.g_args)),
    }
    ops["jacgrad"] = Op("jacgrad", lambda: s2sad.jacobian(s2sad.grad(w.f_vec)), (w.x,),
                        check=lambda: s2sad.hessian(w.f_vec)(w.x), tol=1e-10)
    return ops


def _fd_scalar(grad_g, args, eps=1e-5):
    """Central difference in the first argument of ``grad_g``."""
    s = args[0]
    return (grad_g(s + eps, *args[1:]) - grad_g(s - eps, *args[1:])) / (2 * eps)


# ----------------------------------------------------------------------------- the table

def ratio_cell(num: Op, den: Op, scale: float = 1.0) -> tuple[str, str]:
    """(ratio, note) for num / (scale * den)."""
    for op in (num, den):
        if op.error:
            return "error", op.error
    return f"{num.best_s / (scale * den.best_s):.2f}", ""


def check_note(op: Op) -> str:
    if op.check_error:
        return f"unchecked ({op.check_error})"
    if op.error or op.err is None:
        return ""
    return f"{'ok' if op.err < op.tol else 'MISMATCH'} {op.err:.0e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds over all operations; times are the best over all "
                             "(default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed loops per operation and round (default: %(default)s)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="time on the process's CPU time (default; see clocks.py) or on "
                             "the wall clock")
    opts = parser.parse_args()
    global CLOCK
    CLOCK = opts.clock
    common.header("Second-order derivatives: HVP, Hessian, grad of grad, jacobian of grad",
                  [f"s2sad from {s2sad.__file__}",
                   "ratios of best times of one call, all measured in this one run "
                   f"({opts.rounds} rounds, interleaved), on the {CLOCK} clock"])

    rows, first_rows = [], []
    for w in workloads():
        ops = ops_for(w)
        for r in range(opts.rounds):
            for op in ops.values():  # first calls, each after clearing the caches
                op.first(check=r == 0)
            # an operation whose every ratio partner failed is not run again
            for key, partners in NEEDS.items():
                ops[key].needed = any(not ops[p].error for p in partners)
            for op in ops.values():
                op.time(opts.repeat)
        n = w.x.size
        grad, hvp = ops["grad"], ops["hvp"]
        g = ops["gradgrad"]
        r, note = ratio_cell(hvp, grad)
        rows.append([w.name, "hvp / grad", "<= 4", r, note or check_note(hvp)])
        r, note = ratio_cell(ops["hessian"], ops["hvp_vec"], n)
        rows.append(["", f"hessian / ({n} hvp)", "<= 1", r, note or check_note(ops["hessian"])])
        r, note = ratio_cell(g, ops["grad_g"])
        rows.append(["", "grad(grad(g)) / grad(g)", "", r, note or check_note(g)])
        r, note = ratio_cell(ops["jacgrad"], ops["hessian"])
        rows.append(["", "jacobian(grad) / hessian", "", r,
                     note or check_note(ops["jacgrad"]).replace("ok", "ok vs hessian")])
        cells = []
        for key in ("grad", "hvp", "hessian", "grad_g", "gradgrad", "jacgrad"):
            op = ops[key]
            cells.append("error" if op.error else "-" if op.fn is None
                         else f"{op.first_s * 1e3:.3g}")
        first_rows.append([w.name, "error" if grad.error else "-" if grad.best_s == math.inf
                           else common.fmt_us(grad.best_s * 1e6), *cells])
        print(f"  {w.name}: done", flush=True)

    print()
    common.print_table(["workload", "ratio", "target", "measured", "check / error"], rows,
                       align="lllrl")
    print()
    print("first call after s2sad.clear_caches(), ms (code generation and compilation, "
          "plus one evaluation):")
    common.print_table(["workload", "grad us (steady)", "grad", "hvp", "hessian", "grad(g)",
                        "grad(grad(g))", "jacobian(grad)"], first_rows, align="lrrrrrrr")
    print("\ng: f in its first argument for RK4 / branchy; g(s) = f(x + s v) for the vector "
          "workloads.\nchecks: HVP and Hessian against central differences of s2sad.grad, "
          "grad(grad(g)) against central differences of grad(g), jacobian(grad) against "
          "hessian.")


if __name__ == "__main__":
    main()
