"""A list that grows in a loop (the ODE pattern) against the same loop carrying its state.

    path = [y0]
    for i in range(n):
        path.append(step(path[-1], h))
    return np.sum(np.array(path) ** 2)

is timed against the same integration with the state in a variable and the sum
accumulated as it goes, at n = 250, 1000, 2000, 4000 steps: s2sad's reverse-mode
gradient (with respect to y0 and h) and a forward-mode JVP, for a scalar state, a
3-vector state, and a scalar state with a 0-d array step (items of mixed kinds).
Every time is printed with the ratio list / variable; both versions grow linearly in
n, so the ratio stays flat.  The gradients of the two versions are checked equal first.

    python benchmarks/list_append.py [--sizes 250 1000 2000 4000]
"""
from __future__ import annotations

import argparse

import numpy as np

from common import fmt_ratio, fmt_us, header, print_table, time_call

import s2sad


def step(y, h):
    return y + h * np.sin(y)


def as_list(y0, h, n):
    path = [y0]
    for i in range(n):
        path.append(step(path[-1], h))
    return np.sum(np.array(path) ** 2)


def as_variable(y0, h, n):
    y = y0
    total = y0 * y0
    for i in range(n):
        y = step(y, h)
        total = total + y * y
    return np.sum(total)


STATES = {"scalar": (0.7, 0.01), "3-vector": (np.array([0.7, -0.4, 1.1]), 0.01),
          "mixed kinds": (0.7, np.array(0.01))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 2000, 4000])
    sizes = parser.parse_args().sizes
    header("A list grown by append vs a loop-carried variable",
           [f"steps: {sizes}; best time of one call; ratio = list / variable"])
    rows = []
    for state, (y0, h) in STATES.items():
        for n in sizes:
            times = {}
            grads = {}
            for f in (as_list, as_variable):
                grad = s2sad.grad(f, wrt=(0, 1))
                grads[f] = grad(y0, h, n)
                jvp = lambda y0, h, n, f=f: s2sad.jvp(f, (y0, h, n), (y0, h, 0))  # noqa: E731
                times[f] = [time_call(g, (y0, h, n), repeat=3).min_us for g in (grad, jvp)]
            for a, b in zip(grads[as_list], grads[as_variable]):
                np.testing.assert_allclose(a, b, rtol=1e-10)
            rows.append([f"{state} n={n}",
                         fmt_us(times[as_list][0]), fmt_us(times[as_variable][0]),
                         fmt_ratio(times[as_list][0] / times[as_variable][0]),
                         fmt_us(times[as_list][1]), fmt_us(times[as_variable][1]),
                         fmt_ratio(times[as_list][1] / times[as_variable][1])])
    print_table(["state", "grad list", "grad variable", "ratio", "jvp list", "jvp variable",
                 "ratio"], rows)


if __name__ == "__main__":
    main()
