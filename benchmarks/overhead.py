"""Benchmark: what s2sad adds around the derivative code, measured in one run.

* per-call overhead: `s2sad.grad(f)(x)` against calling the generated derivative
  (the text `s2sad.source` prints, compiled here) directly (goal <= 5 us);
* untyped scalar code: the gradient of a 10-statement function with three `if`s,
  no annotations, called with Python floats, over the function itself (goal <= 15x);
* a new closure of code already differentiated, created and called (goal <= 50 us);
* first-call transform time of a 30-line function (goal <= 20 ms; after one other
  function was differentiated, so one-time set-up is not counted) and its growth:
  800 statements within 5.5x the time of 200.

Run from the repository root:  python benchmarks/overhead.py
"""
from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time

import numpy as np

import common

s2sad = common.load_s2sad()


def scalar(x, y, z):
    a = x * y
    if a > 0:
        b = a + z * z
    else:
        b = a - z
    c = b * x
    if c > 1:
        d = c ** 0.5
    else:
        d = c * c
    e = d + y
    if e > x:
        f = e * 2.0
    else:
        f = e - x
    return f * z + a


def loss(w, batch):
    return np.sum((batch @ w - 1.0) ** 2)


def objective(batch):
    return lambda w: loss(w, batch)


def direct_derivative(f, example_args):
    """The generated reverse-mode derivative of f, compiled from its printed source."""
    text = s2sad.source(f, example_args=example_args)
    namespace = {"np": np, "rt": s2sad.runtime}
    exec(compile(text, "<derivative>", "exec"), namespace)
    return namespace[text.split("(")[0].split()[-1]]


def best_us(fn, args, number, repeat=7) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn(*args)
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def generated_module(folder: str, n: int):
    """A module with one function of n assignments (every seventh an if/else)."""
    lines = [f"def f{n}(x, y):", "    a = x * y"]
    for i in range(n):
        v = "a" if i == 0 else f"v{i - 1}"
        if i % 7 == 3:
            lines.append(f"    if {v} > 0.5:\n        v{i} = {v} * x + 1.0\n"
                         f"    else:\n        v{i} = {v} - y")
        else:
            lines.append(f"    v{i} = {v} {'+*-'[i % 3]} (x * 0.5 + y)")
    lines.append(f"    return v{n - 1}")
    with open(os.path.join(folder, f"overhead_gen{n}.py"), "w") as out:
        out.write("\n".join(lines) + "\n")
    return getattr(importlib.import_module(f"overhead_gen{n}"), f"f{n}")


def first_call_ms(f) -> float:
    start = time.process_time()
    s2sad.grad(f)(0.3, 0.2)
    return (time.process_time() - start) * 1e3


def main() -> None:
    common.header("What s2sad adds around the derivative code (one run)")
    rows = []
    args = (1.0, 2.0, 3.0)
    direct = direct_derivative(scalar, args)
    grad = s2sad.grad(scalar)
    grad(*args)
    t_primal = best_us(scalar, args, 20000)
    t_direct = best_us(direct, args + (1.0,), 20000)
    t_grad = best_us(grad, args, 20000)
    rows.append(["per-call overhead (grad - direct)", f"{t_grad - t_direct:.2f} us", "<= 5 us"])
    rows.append(["untyped scalar gradient / primal", f"{t_grad / t_primal:.1f}x", "<= 15x"])

    batch, w = np.ones((4, 3)), np.ones(3)
    s2sad.grad(objective(batch))(w)

    def new_closure():
        return s2sad.grad(objective(batch))(w)
    t_closure = best_us(new_closure, (), 500)
    rows.append(["new closure: create + call", f"{t_closure:.1f} us", "<= 50 us"])

    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, folder)
        first_call_ms(generated_module(folder, 10))     # one-time set-up, not counted
        t30, t200, t800 = (first_call_ms(generated_module(folder, n)) for n in (30, 200, 800))
    rows.append(["first call, 30 statements", f"{t30:.1f} ms", "<= 20 ms"])
    rows.append(["first call, 800 / 200 statements", f"{t800 / t200:.2f}x "
                 f"({t200:.0f} / {t800:.0f} ms)", "<= 5.5x"])
    common.print_table(["measure", "value", "goal"], rows)


if __name__ == "__main__":
    main()
