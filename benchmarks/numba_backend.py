"""Benchmark: s2sad's Numba backend (backend="numba") against its Python backend.

Four workloads: the scalar RK4 pendulum loop (1,000 steps, rk4_pendulum.py), the
branchy while loop with a data-dependent trip count (branchy_while.py), an RNN loop
(h = tanh(W h + U x_t), 50 steps, 16 hidden units) and a small MLP (8-32-1, batch
64).  For each, the time of one gradient call with the Numba backend is compared with
the Python backend, the Python primal, the hand-written gradient where this folder has
one, and jax.jit of the loop rewritten with lax (fori_loop, while_loop + switch, scan)
when jax is installed (that column is skipped otherwise).  The first call of the Numba
derivative (s2sad generates the code, Numba compiles it) is reported separately, as
wall and CPU time (the CPU time is steadier on a shared machine), with a fresh disk
cache; a second process then calls each derivative again with that cache warm (the
compiled code is loaded from disk: Numba's cache-hit counter says so) and its first
call is reported beside the cold one.  Every gradient is checked against the Python
backend's before it is timed.

Run from the repository root:  python benchmarks/numba_backend.py
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

import branchy_while
import common
import rk4_pendulum

RNN_STEPS, RNN_HIDDEN, RNN_INPUT = 50, 16, 4
MLP_IN, MLP_HIDDEN, MLP_BATCH = 8, 32, 64
WARM_CHILD = "S2SAD_BENCH_WARM_CHILD"     # set in the second process


def rnn_loss(W, U, xs, h0):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return np.sum(h * h)


def mlp_loss(W1, b1, W2, b2, x, y):
    h = np.tanh(x @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def rnn_args():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(RNN_HIDDEN, RNN_HIDDEN)) / 4, rng.normal(size=(RNN_HIDDEN, RNN_INPUT)),
            rng.normal(size=(RNN_STEPS, RNN_INPUT)), np.zeros(RNN_HIDDEN))


def mlp_args():
    rng = np.random.default_rng(1)
    return (rng.normal(size=(MLP_IN, MLP_HIDDEN)) / 3, np.zeros(MLP_HIDDEN),
            rng.normal(size=(MLP_HIDDEN, 1)) / 5, np.zeros(1),
            rng.normal(size=(MLP_BATCH, MLP_IN)), rng.normal(size=(MLP_BATCH, 1)))


# ---- jax: the loops rewritten with lax ------------------------------------------------

def jax_rk4(jax, jnp):
    lax = jax.lax

    def loss(a, c, theta0):
        dt = 0.01

        def step(_, state):
            theta, omega = state
            k1w = -a * jnp.sin(theta) - c * omega
            k2t = omega + 0.5 * dt * k1w
            k2w = -a * jnp.sin(theta + 0.5 * dt * omega) - c * k2t
            k3t = omega + 0.5 * dt * k2w
            k3w = -a * jnp.sin(theta + 0.5 * dt * k2t) - c * k3t
            k4t = omega + dt * k3w
            k4w = -a * jnp.sin(theta + dt * k3t) - c * k4t
            return (theta + dt / 6.0 * (omega + 2.0 * k2t + 2.0 * k3t + k4t),
                    omega + dt / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w))
        theta, omega = lax.fori_loop(0, rk4_pendulum.N_STEPS, step, (theta0, 0.0 * theta0))
        return theta * theta + 0.5 * omega * omega + a * (1.0 - jnp.cos(theta))
    return jax.jit(jax.grad(loss, argnums=(0, 1, 2)))


def jax_branchy(jax, jnp):
    """jacfwd: lax.while_loop has no reverse mode in JAX."""
    lax = jax.lax

    def loss(a, b, c):
        branches = (lambda x, g: x - jnp.sqrt(g), lambda x, g: x + jnp.sqrt(-g),
                    lambda x, g: x - 1.25 * g, lambda x, g: x - 1.35 * g)

        def cond(state):
            _, g, _, n = state
            return (jnp.abs(g) > 1e-10) & (n < branchy_while.MAX_ITER)

        def body(state):
            x, _, path, n = state
            g = a * (x - b) + c * jnp.sin(x)
            k = jnp.where(g > 1.0, 0, jnp.where(g < -1.0, 1, jnp.where(g > 0.0, 2, 3)))
            x = lax.switch(k, branches, x, g)
            return x, g, path + (x - b) ** 2, n + 1
        x, _, path, _ = lax.while_loop(cond, body, (6.0 + 0 * a, 1.0 + 0 * a, 0.0 * a, 0))
        return 0.5 * x * x + 0.01 * path
    return jax.jit(jax.jacfwd(loss, argnums=(0, 1, 2)))


def jax_rnn(jax, jnp):
    def loss(W, U, xs, h0):
        def step(h, x):
            return jnp.tanh(W @ h + U @ x), None
        h, _ = jax.lax.scan(step, h0, xs)
        return jnp.sum(h * h)
    return jax.jit(jax.grad(loss, argnums=(0, 1)))


def jax_mlp(jax, jnp):
    def loss(W1, b1, W2, b2, x, y):
        h = jnp.tanh(x @ W1 + b1)
        return jnp.mean((h @ W2 + b2 - y) ** 2)
    return jax.jit(jax.grad(loss, argnums=(0, 1, 2, 3)))


WORKLOADS = [
    # name, loss, args, wrt, hand-written gradient, jax maker
    ("RK4 pendulum, 1,000 steps", rk4_pendulum.loss, rk4_pendulum.PARAMS, (0, 1, 2),
     rk4_pendulum.grad_hand, jax_rk4),
    ("branchy while", branchy_while.loss, branchy_while.PARAMS, (0, 1, 2),
     branchy_while.grad_hand, jax_branchy),
    (f"RNN, {RNN_STEPS} steps x {RNN_HIDDEN}", rnn_loss, rnn_args(), (0, 1), None, jax_rnn),
    (f"MLP {MLP_IN}-{MLP_HIDDEN}-1, batch {MLP_BATCH}", mlp_loss, mlp_args(), (0, 1, 2, 3),
     None, jax_mlp),
]


def flat(grads) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(g, dtype=float)) for g in grads])


def best_us(fn, args, repeat) -> float:
    return common.time_call(fn, args, repeat=repeat).min_us


def warm_up_numba() -> float:
    """Seconds to import Numba and compile a trivial function (paid once per process,
    not part of any derivative's compile time)."""
    t0 = time.perf_counter()
    import numba
    numba.njit(lambda x: x + 1.0)(1.0)
    import s2sad.backends.numba_runtime  # noqa: F401
    return time.perf_counter() - t0


def run(s2sad, jax_pair, repeat: int):
    results = {}
    for name, loss, args, wrt, hand, make_jax in WORKLOADS:
        py_grad = s2sad.grad(loss, wrt)
        nb_grad = s2sad.grad(loss, wrt, backend="numba")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0, c0 = time.perf_counter(), time.process_time()
            got = nb_grad(*args)
            first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
        fell_back = [w for w in caught if "Python backend" in str(w.message)]
        want = py_grad(*args)
        err = common.rel_err(flat(got), flat(want))
        if not err < 1e-10:
            raise SystemExit(f"{name}: the Numba gradient differs from the Python one ({err:.2e})")
        r = {"primal": best_us(loss, args, repeat), "python": best_us(py_grad, args, repeat),
             "numba": best_us(nb_grad, args, repeat), "err": err,
             "fallback": str(fell_back[0].message) if fell_back else None}
        r["compile_s"] = first - r["numba"] * 1e-6
        r["compile_cpu_s"] = first_cpu - r["numba"] * 1e-6
        if hand is not None:
            if common.rel_err(flat(hand(*args)), flat(want)) > 1e-8:
                raise SystemExit(f"{name}: the hand-written gradient differs")
            r["hand"] = best_us(hand, args, repeat)
        if jax_pair is not None:
            try:
                jg = make_jax(*jax_pair)
                jax_args = tuple(jax_pair[1].asarray(a) for a in args)
                jgot = jg(*jax_args)
                if common.rel_err(flat(jgot), flat(want)) > 1e-8:
                    raise ValueError("jax's gradient differs")
                r["jax"] = best_us(lambda *a: [x.block_until_ready() for x in jg(*a)],
                                   jax_args, repeat)
            except Exception as exc:      # noqa: BLE001 -- a row, not the run
                r["jax_error"] = common.format_error(exc, 60)
        results[name] = r
    return results


def first_calls(s2sad) -> dict:
    """{workload: seconds of the first call of its Numba gradient and the cache hits of
    the compiled entry} in this process (the second one: the disk cache is warm)."""
    from s2sad.compiler import DEFAULT
    out = {}
    for name, loss, args, wrt, *_ in WORKLOADS:
        nb_grad = s2sad.grad(loss, wrt, backend="numba")
        t0, c0 = time.perf_counter(), time.process_time()
        nb_grad(*args)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        kinds = tuple(s2sad.kinds.of_value(a) for a in args)
        compiled = DEFAULT.compiled(loss, "reverse", wrt, kinds, backend="numba")
        hits = sum(compiled.jitted.stats.cache_hits.values()) if compiled.backend == "numba" else 0
        out[name] = {"wall": wall, "cpu": cpu, "hits": hits}
    return out


def warm_process(cache: str) -> dict:
    """`first_calls` run by a second process of this script sharing the cache `cache`."""
    env = {**os.environ, WARM_CHILD: "1", "S2SAD_CACHE_DIR": cache}
    done = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, text=True,
                          capture_output=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"the warm-cache process failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratio(a, b) -> str:
    return common.fmt_ratio(a / b) if a is not None and b is not None else "-"


def main() -> None:
    if os.environ.get(WARM_CHILD):
        warm_up_numba()
        print(json.dumps(first_calls(common.load_s2sad())))
        return
    opts = common.parse_args(__doc__.splitlines()[0])
    cache = tempfile.mkdtemp(prefix="s2sad-bench-cache-")
    os.environ["S2SAD_CACHE_DIR"] = cache       # cold: nothing compiled before this run
    try:
        report(opts, cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def report(opts, cache: str) -> None:
    s2sad = common.load_s2sad()
    if s2sad is None:
        raise SystemExit(f"s2sad could not be loaded: {common.LOAD_ERRORS}")
    from s2sad.backends import numba_available
    common.header("s2sad's Numba backend: gradient time against the Python backend",
                  ["times are the best per call in microseconds; compile = first call of the "
                   "Numba derivative (s2sad generates, Numba compiles) minus one call",
                   f"numba {common.package_version('numba')}"])
    if not numba_available():
        raise SystemExit('numba is not installed: pip install "s2sad[jit]"')
    warm = warm_up_numba()
    jax_pair = common.load_jax()
    results = run(s2sad, jax_pair, max(3, opts.repeat // 2))
    with_jax = jax_pair is not None
    headers = ["workload", "primal", "python grad", "numba grad", "hand grad"] + \
        (["jax.jit grad"] if with_jax else [])
    rows = []
    for name, r in results.items():
        rows.append([name, common.fmt_us(r["primal"]), common.fmt_us(r["python"]),
                     common.fmt_us(r["numba"]),
                     common.fmt_us(r["hand"]) if "hand" in r else "-"] +
                    ([common.fmt_us(r["jax"]) if "jax" in r else "n/a"] if with_jax else []))
    print("times (us per call, after the first call)")
    common.print_table(headers, rows)
    print()
    headers = ["workload", "python grad / numba grad", "numba grad / primal",
               "numba grad / hand grad"] + (["numba grad / jax.jit"] if with_jax else [])
    rows = []
    for name, r in results.items():
        rows.append([name, ratio(r["python"], r["numba"]), ratio(r["numba"], r["primal"]),
                     ratio(r["numba"], r.get("hand"))] +
                    ([ratio(r["numba"], r.get("jax"))] if with_jax else []))
    print("ratios (the same run)")
    common.print_table(headers, rows)
    print()
    warm_runs = warm_process(cache)
    headers = ["workload", "compile s (wall)", "compile s (cpu)", "2nd process: first call s",
               "cold / warm", "loaded from disk"]
    rows = []
    for name, r in results.items():
        w = warm_runs[name]
        rows.append([name, f"{r['compile_s']:.2f}", f"{r['compile_cpu_s']:.2f}",
                     f"{w['wall']:.3f}", f"{r['compile_s'] / w['wall']:.0f}x",
                     "yes" if w["hits"] else "NO"])
    print("compile: first process, empty disk cache; second process, the same cache warm")
    common.print_table(headers, rows)
    print()
    print(f"Numba import and first trivial compile, paid once per process: {warm:.2f} s")
    if not with_jax:
        print(f"jax.jit column skipped: {common.LOAD_ERRORS.get('jax', 'jax not installed')}")
    for name, r in results.items():
        if r.get("jax_error"):
            print(f"jax.jit n/a for {name}: {r['jax_error']}")
        if r["fallback"]:
            print(f"{name}: FELL BACK to the Python backend: {r['fallback']}")
    rk4 = results[WORKLOADS[0][0]]
    print()
    print("targets (RK4): numba gradient faster than the Python primal: "
          f"{'yes' if rk4['numba'] < rk4['primal'] else 'NO'} "
          f"({rk4['primal'] / rk4['numba']:.1f}x); at least 10x faster than the Python "
          f"backend: {'yes' if rk4['python'] >= 10 * rk4['numba'] else 'NO'} "
          f"({rk4['python'] / rk4['numba']:.1f}x)")
    slow = [name for name, r in results.items() if r["compile_s"] >= 2]
    print(f"targets (every workload): compile under 2 s: {'yes' if not slow else 'NO'}"
          f"{' (' + ', '.join(slow) + ')' if slow else ''}; second process under 2 s: "
          f"{'yes' if all(w['wall'] < 2 for w in warm_runs.values()) else 'NO'}")


if __name__ == "__main__":
    main()
