"""Timing on a chosen clock, for compare_commits.py and higher_order.py.

``common.time_call`` times on the wall clock (``time.perf_counter``).  On a machine
shared with other work, a process waiting for a core is charged for the wait, and the
best of several repeats only comes down to the real figure if some repeat ran alone.
The process's CPU time (``time.process_time``) leaves the waits out, so these scripts
time on it by default (``--clock wall`` restores the wall clock).  The code timed is
single-threaded Python and NumPy on small arrays, whose CPU time equals its wall time
on an idle machine; contention still shows through shared caches, less so.
"""
from __future__ import annotations

import gc
import math
import time
from typing import Any, Callable, Sequence

CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


def time_once(fn: Callable[[], Any], clock: str = "cpu") -> tuple[Any, float]:
    """``(fn(), seconds)`` for one call, with the garbage collector off."""
    now = CLOCKS[clock]
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = now()
        value = fn()
        return value, now() - t0
    finally:
        if enabled:
            gc.enable()


def best_time(fn: Callable, args: Sequence = (), *, repeat: int = 5, clock: str = "cpu",
              min_loop_s: float = 0.05, slow_call_s: float = 0.5) -> float:
    """Best time of one call of ``fn(*args)``, in seconds, timeit-style.

    One warm-up call first.  If it took ``slow_call_s`` or more, the answer is the best
    of two more single calls.  Otherwise the calls per loop grow 1, 2, 5, 10, ... until
    a loop lasts ``min_loop_s`` (at the best time per call seen so far), and the best
    of ``repeat`` such loops is returned.
    The garbage collector is off while timing, as in ``timeit``.
    """
    now = CLOCKS[clock]
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        def loop(number: int) -> float:
            t0 = now()
            for _ in range(number):
                fn(*args)
            return (now() - t0) / number

        if loop(1) >= slow_call_s:
            return min(loop(1), loop(1))
        number, best = 1, loop(1)
        while number * best < min_loop_s:
            base = 10 ** int(math.floor(math.log10(number)))
            lead = number // base
            number = (2 if lead == 1 else 5 if lead == 2 else 10) * base
            best = min(best, loop(number))
        return min(loop(number) for _ in range(repeat))
    finally:
        if enabled:
            gc.enable()
        gc.collect()
