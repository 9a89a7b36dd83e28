"""Determinism and thread safety.

* The same function gives byte-identical generated source (and IR) in fresh
  processes, whatever the hash seed (no set or dict-of-id ordering leaks into names
  or statement order).
* Derivatives can be called from many threads at once, and created for several
  functions from several threads concurrently, with correct results.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import types

import numpy as np
import pytest

import s2sad
from tests import corpus

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Straight-line, branches, early return, for/while loops with break/continue, arrays.
NAMES = ["trig_mix", "bcast_outer", "if_elif_else_elif", "nested_if_pn", "early_return_taken",
         "for_enumerate", "nested_data_break", "continue_on_data", "return_in_while",
         "while_compound_value_stops", "newton_sqrt", "for_rows_carry_array", "for_in_while"]

SCRIPT = """
import sys
sys.path.insert(0, {root!r})
import s2sad
from tests import corpus
cases = {{c.id: c for c in corpus.all_cases()}}
for name in {names!r}:
    case = cases[name]
    args = case.args()
    print("=" * 20, name)
    print(s2sad.ir(case.fn, example_args=args))
    for mode in ("reverse", "forward"):
        print(s2sad.source(case.fn, mode=mode, example_args=args))
"""


def _generated_text(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    result = subprocess.run([sys.executable, "-c", SCRIPT.format(root=ROOT, names=NAMES)],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_generated_source_is_identical_across_processes():
    first = _generated_text("0")
    assert first.count("=" * 20) == len(NAMES) and "def " in first
    for seed in ("12345",):
        second = _generated_text(seed)
        if second != first:
            import difflib
            diff = "\n".join(difflib.unified_diff(first.splitlines(), second.splitlines(),
                                                  "PYTHONHASHSEED=0", f"PYTHONHASHSEED={seed}",
                                                  lineterm="", n=2))
            pytest.fail(f"generated code differs between processes:\n{diff[:4000]}")


def test_generated_source_is_identical_within_a_process():
    cases = {c.id: c for c in corpus.all_cases()}
    for name in NAMES[:4]:
        case = cases[name]
        fresh = _copy(case.fn)                     # not cached: generated again
        for mode in ("reverse", "forward"):
            assert s2sad.source(case.fn, mode=mode, example_args=case.args()) == \
                s2sad.source(fresh, mode=mode, example_args=case.args())


# ---------------------------------------------------------------------------- threads

def _copy(fn):
    """A new function object with the same code: a cache miss, so a fresh transform."""
    new = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__,
                             fn.__closure__)
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    return new


def loop_with_branch(x, y):
    t = x
    for i in range(4):
        if t > 0.5:
            t = t * math.sin(y) + x
        else:
            t = t + y * y
    return t * x


def _run_threads(n, target):
    barrier = threading.Barrier(n)
    errors, results = [], [None] * n

    def run(k):
        try:
            barrier.wait()
            results[k] = target(k)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append((k, exc))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, f"errors in threads: {errors!r}"
    return results


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_one_derivative_called_from_8_threads(mode):
    fn = _copy(loop_with_branch)                   # compiled by whichever thread comes first
    grad = s2sad.value_and_grad(fn, wrt=(0, 1), mode=mode)
    points = [(0.3 + 0.1 * k, -0.7 + 0.2 * k) for k in range(8)]
    reference = [s2sad.value_and_grad(loop_with_branch, wrt=(0, 1), mode=mode)(*p)
                 for p in points]

    def work(k):
        return [grad(*points[k]) for _ in range(50)]

    for k, runs in enumerate(_run_threads(8, work)):
        for value, (gx, gy) in runs:
            assert value == reference[k][0]
            assert (gx, gy) == reference[k][1]


def test_derivatives_of_several_functions_created_concurrently():
    cases = [c for c in corpus.all_cases() if c.id in NAMES]
    assert len(cases) == len(NAMES)
    jobs = [(case, mode) for case in cases for mode in ("reverse", "forward")]

    def expected(case, mode):
        args = case.args()
        out, pullback = s2sad.vjp(case.fn, *args)
        _, tangent = s2sad.jvp(case.fn, args, _tangents(args))
        return (tangent if mode == "forward" else pullback(_cotangent(out)))

    references = [expected(case, mode) for case, mode in jobs]
    fresh = {case.id: _copy(case.fn) for case in cases}   # one new function per case

    def work(k):
        got = []
        for case, mode in jobs[k::8]:
            args = case.args()
            fn = fresh[case.id]
            if mode == "forward":
                got.append(s2sad.jvp(fn, args, _tangents(args))[1])
            else:
                out, pullback = s2sad.vjp(fn, *args)
                got.append(pullback(_cotangent(out)))
        return got

    results = _run_threads(8, work)
    for k in range(8):
        for (case, mode), want, have in zip(jobs[k::8], references[k::8], results[k]):
            _assert_same(have, want, f"{case.id} {mode}")


def _tangents(args):
    return tuple(np.full(np.shape(a), 0.5, dtype=np.result_type(a)) if isinstance(a, np.ndarray)
                 and a.dtype.kind == "f" else (0.5 if isinstance(a, float) else None)
                 for a in args)


def _cotangent(out):
    if isinstance(out, tuple):
        return tuple(_cotangent(o) for o in out)
    return np.ones_like(out) if isinstance(out, np.ndarray) else 1.0


def _assert_same(have, want, what):
    if isinstance(want, tuple):
        assert isinstance(have, tuple) and len(have) == len(want), what
        for h, w in zip(have, want):
            _assert_same(h, w, what)
        return
    if want is None:
        assert have is None, what
        return
    np.testing.assert_array_equal(np.asarray(have), np.asarray(want), err_msg=what)
