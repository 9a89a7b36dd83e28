"""Filling preallocated arrays and lists element by element: in-place vs copying updates.

Differentiates two loops that write one element per iteration:

* `fill`: `y = np.zeros(n)`, then `y[i] = sin(x[i]) * x[i]`, loss `sum(y * y)`;
* `recurrence`: `h = np.zeros(n)`, `h[i] = 0.9 * h[i-1] + x[i]`, and the states also
  appended to a list that is stacked at the end.

Each is timed at several sizes n: the primal, s2sad's reverse-mode gradient and a
forward-mode JVP (one direction), and the same with the in-place pass switched off
(every update copies the array or list: O(n) per write).  All times are printed as ratios to the primal,
measured in this one run.  The gradient is checked against central differences on a
few coordinates first.

    python benchmarks/array_fill.py [--sizes 100 1000 10000]
"""
from __future__ import annotations

import argparse

import numpy as np

from common import fmt_ratio, fmt_us, header, print_table, time_call

import s2sad
import s2sad.compiler
import s2sad.api


def fill(x):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = np.sin(x[i]) * x[i]
    return np.sum(y * y)


def recurrence(x):
    n = x.shape[0]
    h = np.zeros(n)
    states = []
    for i in range(1, n):
        h[i] = 0.9 * h[i - 1] + x[i]
        states.append(h[i] * h[i])
    return np.sum(h) + np.sum(np.stack(states))


def _check(loss, grad, x) -> None:
    g = grad(x)
    for i in (0, len(x) // 2, len(x) - 1):
        e = np.zeros_like(x)
        e[i] = 1e-6
        fd = (loss(x + e) - loss(x - e)) / 2e-6
        assert abs(fd - g[i]) <= 1e-5 * (1 + abs(fd)), (loss.__name__, i, fd, g[i])


def _time_gradients(loss, x, primal_us, in_place: bool) -> list[str]:
    """Reverse-mode gradient and one forward-mode JVP, as ratios to the primal."""
    compiler = s2sad.compiler.DEFAULT
    s2sad.clear_caches()                # generate the code again, with the pass as set
    compiler.in_place = in_place
    try:
        reverse = s2sad.grad(loss)
        _check(loss, reverse, x)
        v = np.cos(np.arange(x.shape[0]))
        jvp = lambda x: s2sad.jvp(loss, (x,), (v,))  # noqa: E731
        return [fmt_ratio(time_call(f, (x,), repeat=5).min_us / primal_us)
                for f in (reverse, jvp)]
    finally:
        compiler.in_place = True
        s2sad.clear_caches()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    sizes = parser.parse_args().sizes
    header("Element-by-element updates: in-place vs copying",
           [f"sizes: {sizes}; best time of one call over the timed loops, as a ratio "
            "to the primal's"])
    rows = []
    for loss in (fill, recurrence):
        for n in sizes:
            x = np.linspace(0.1, 1.0, n)
            primal = time_call(loss, (x,)).min_us
            rev_in, fwd_in = _time_gradients(loss, x, primal, True)
            rev_copy, fwd_copy = _time_gradients(loss, x, primal, False)
            rows.append([f"{loss.__name__} n={n}", fmt_us(primal), rev_in, rev_copy,
                         fwd_in, fwd_copy])
    print_table(["loop", "primal", "reverse in-place", "reverse copying",
                 "jvp in-place", "jvp copying"], rows)


if __name__ == "__main__":
    main()
