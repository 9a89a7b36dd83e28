"""Snapshots of a loop's carried values, for checkpointed reverse mode.

With `checkpoint=` (api.py, transforms/checkpoint.py) the forward sweep of a
top-level `for i in range(...)` loop tapes nothing: it saves the loop-carried values
at the start of every `every`-th iteration (`checkpoint_save`).  The reverse sweep
takes the segments last to first: it restores a segment's snapshot, runs the
segment again with the tape on, checks that it arrived where the forward sweep did
(`checkpoint_verify`), and runs the segment's adjoint.  The tape holds one segment
at a time; the snapshots, about `snapshots` of them.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import NonDifferentiableError


class Checkpoints:
    """The snapshots of one run of one loop over range(start, stop, step)."""

    __slots__ = ("start", "step", "n", "every", "saved", "count", "final", "where")

    def __init__(self, start, stop, step, snapshots, where):
        self.start, self.step = start, step
        self.n = len(range(start, stop, step))
        if snapshots == "auto":
            snapshots = max(1, math.isqrt(self.n))
        self.every = max(1, -(-self.n // snapshots))
        self.saved, self.count, self.final, self.where = [], 0, None, where


def checkpoint_store(start, stop, step, snapshots, where):
    """The store of snapshots of a loop over range(start, stop, step): `snapshots` of
    them at most (an int), or about the square root of the trip count ("auto")."""
    return Checkpoints(start, stop, step, snapshots, where)


def checkpoint_save(cp, *values):
    """Called at the start of each iteration: keep `values` every `every` iterations."""
    if cp.count % cp.every == 0:
        cp.saved.append(values)
    cp.count += 1


def checkpoint_final(cp, *values):
    """The carried values the loop ended with (what the last segment must reach)."""
    cp.final = values


def checkpoint_segments(cp):
    """The number of segments (one per snapshot)."""
    return len(cp.saved)


def checkpoint_bounds(cp, j):
    """(start, stop) of segment `j` in the loop's range."""
    lo = j * cp.every
    return cp.start + lo * cp.step, cp.start + min(lo + cp.every, cp.n) * cp.step


def checkpoint_restore(cp, j):
    """The carried values at the start of segment `j`."""
    return cp.saved[j]


def checkpoint_verify(cp, j, *values):
    """Check that segment `j`, run again, reached the values the forward sweep had
    (the next snapshot, or the loop's result), then drop the snapshot after it.  A
    loop that does not compute the same values twice (random numbers, a value read
    from outside that changed) would otherwise give a wrong derivative."""
    expected = cp.saved[j + 1] if j + 1 < len(cp.saved) else cp.final
    for got, want in zip(values, expected, strict=True):
        if not _same(got, want):
            raise NonDifferentiableError(
                f"{cp.where}: checkpointing ran iterations of this loop again and they "
                "computed other values than the first time (random numbers, or a value "
                "read from outside the loop that changed), so its derivative would be wrong",
                fix="draw random numbers before the loop (or pass them in), or "
                    "differentiate without checkpoint=")
    if j + 1 < len(cp.saved):
        cp.saved[j + 1] = None
    else:
        cp.final = None


def _same(a, b) -> bool:
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:           # values NumPy cannot compare as numbers (objects)
        return a is b or a == b
