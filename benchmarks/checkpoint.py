"""Checkpointed reverse mode on a 1,000,000-step scalar loop: time and peak memory.

    for i in range(n):
        x = x + 0.01 * sin(a * x)
        s = s + x * x

The gradient with respect to (x, a) is computed with the usual tape, with
`checkpoint=True` (about sqrt(n) snapshots), `checkpoint=100` (100 evenly spaced) and
`checkpoint=("revolve", 100)` (the binomial schedule, 100 snapshots and one taped
iteration) and `checkpoint=("revolve", 100, 10)` (the same on turns of 10
iterations: fewer runtime calls, 10 iterations of tape); the script prints each one's time (best of a few calls), how many times
the loop's iterations run in all, peak memory (tracemalloc, a separate call), and
their ratios to the taped gradient.  The gradients are checked equal first.

    python benchmarks/checkpoint.py [--steps 1000000]
"""
from __future__ import annotations

import argparse
import math
import tracemalloc

from common import fmt_ratio, fmt_us, header, print_table, time_call

import s2sad
from s2sad.runtime.revolve import cost


def integrate(x, a, n):
    s = 0.0
    for i in range(n):
        x = x + 0.01 * math.sin(a * x)
        s = s + x * x
    return s + x


def peak_bytes(fn, *args) -> int:
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1_000_000)
    n = parser.parse_args().steps
    header("Checkpointed reverse mode", [f"steps: {n}; gradient w.r.t. (x, a)"])
    args = (0.3, 1.5, n)
    primal = time_call(integrate, args, repeat=3).min_us
    rows, reference = [], None
    options = (("taped", None), ("checkpoint=True", True), ("checkpoint=100", 100),
               ("checkpoint=('revolve', 100)", ("revolve", 100)),
               ("checkpoint=('revolve', 100, 10)", ("revolve", 100, 10)))
    for label, option in options:
        grad = s2sad.grad(integrate, wrt=(0, 1), checkpoint=option)
        result = grad(*args)
        if reference is None:
            reference = result
        assert all(math.isclose(r, e, rel_tol=1e-12) for r, e in zip(result, reference))
        us = time_call(grad, args, repeat=3).min_us
        peak = peak_bytes(grad, *args)
        rows.append((label, us, runs(option, n), peak))
    base_us, base_peak = rows[0][1], rows[0][3]
    print_table(["gradient", "time", "x primal", "x taped time", "loop runs",
                 "peak memory (MB)", "taped / this memory"],
                [[label, fmt_us(us), fmt_ratio(us / primal), fmt_ratio(us / base_us),
                  f"{loops:.2f}", f"{peak / 1e6:.3f}", fmt_ratio(base_peak / peak)]
                 for label, us, loops, peak in rows])


def runs(option, n: int) -> float:
    """How many times each iteration runs on average: once with the tape; twice
    checkpointed (forward sweep, taped again); revolve also runs again the turns of
    its descents, cost(turns, c) - (turns - 1) of them (runtime/revolve.py)."""
    if option is None:
        return 1.0
    if not isinstance(option, tuple):
        return 2.0
    unit = option[2] if len(option) > 2 else 1
    turns = -(-n // unit)
    return 2.0 + (cost(turns, option[1]) - (turns - 1)) * unit / n


if __name__ == "__main__":
    main()
