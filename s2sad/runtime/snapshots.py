"""Snapshots of a loop's carried values, for checkpointed reverse mode.

With `checkpoint=` (api.py, transforms/checkpoint.py) the forward sweep of a loop
`for i in range(...)` tapes nothing: `checkpoint_save`, called at the start of each
iteration, keeps the carried values where the schedule says.  The reverse sweep
takes the loop's *turns* last to first: `checkpoint_restore` gives a snapshot, the
iterations from it to the turn's start run again without tape (revolve only; they
save snapshots too), the turn's iterations (`checkpoint_bounds`) run with the tape
on, `checkpoint_verify` checks they arrived where an earlier run did, and the
turn's adjoint runs.  Two schedules:

- `Even` ("auto" or an int k): k snapshots (about sqrt(n) for "auto"), evenly spaced,
  taken in the forward sweep; a turn is the segment between two of them.
- `Revolve` (("revolve", c) or ("revolve", c, u)): the binomial schedule of
  runtime/revolve.py, c snapshots at most (the loop's start among them), a turn is
  u iterations (1 by default); the reverse sweep runs the fewest turns again that c
  snapshots allow.

`observer`, when set (tests), is called with the store after its last turn.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import NonDifferentiableError
from .revolve import descent

observer = None     # a test hook: called with each store when its reverse sweep ends


class Even:
    """Evenly spaced snapshots of one run of one loop over range(start, stop, step)."""

    def __init__(self, start, stop, step, snapshots, where):
        self.start, self.step, self.where = start, step, where
        self.n = len(range(start, stop, step))
        if snapshots == "auto":
            snapshots = max(1, math.isqrt(self.n))
        self.every = max(1, -(-self.n // snapshots))
        self.saved, self.count, self.due, self.final = [], 0, 0, None
        self.advanced, self.taped, self.entered = 0, 0, ()

    def take(self, values):
        self.saved.append(values)
        self.due += self.every

    def turns(self):
        return len(self.saved)

    def restore(self, j):
        return self.saved[j]

    def bounds(self, j):
        lo = j * self.every
        self.taped += min(lo + self.every, self.n) - lo
        return self.start + lo * self.step, self.start + min(lo + self.every, self.n) * self.step

    def expected(self, j):
        """The values turn `j` must reach (the next snapshot, or the loop's result),
        which are dropped: nothing reads them again."""
        if j + 1 < len(self.saved):
            values, self.saved[j + 1] = self.saved[j + 1], None
        else:
            values, self.final = self.final, None
        return values


class Revolve:
    """The binomial schedule for one run of one loop, on turns of `unit` iterations
    (the last may be shorter): at most `snapshots` kept (the loop's start among
    them) as (turn, values), last on top.  The forward sweep keeps the snapshots of
    the first descent and the state at the last turn's start (`current`); turn k
    restores the top snapshot (of a turn <= k) and advances to k, keeping the
    snapshots of its descent.  Counts in iterations: `count`, `due`, `advanced`,
    `taped`; in turns: the plan, the stack, `origin`."""

    def __init__(self, start, stop, step, snapshots, unit, where):
        self.start, self.step, self.where = start, step, where
        self.n = len(range(start, stop, step))
        self.unit, self.last = unit, -(-self.n // unit) - 1      # the last turn
        self.snapshots, self.forward = snapshots, True
        self.stack, self.current, self.final, self.entered, self.previous = [], None, None, \
            None, None
        self.count, self.origin, self.advanced, self.taped = 0, 0, 0, 0
        self.plan = ([0] + descent(0, self.last, snapshots, 1))[::-1] if self.n else []
        self._next()

    def _next(self):
        """The next iteration to keep: the start of the plan's next turn (popped from
        its end), or in the forward sweep the start of the last turn."""
        if self.plan:
            self.due = self.plan[-1] * self.unit
        else:
            last = self.last * self.unit
            self.due = last if self.forward and self.count < last else -1

    def take(self, values):
        turn = self.count // self.unit
        if self.plan and turn == self.plan[-1]:
            self.plan.pop()
            self.stack.append((turn, values))
        else:
            self.current = values
        self._next()

    def turns(self):
        return self.last + 1

    def restore(self, k):
        self.forward, self.plan = False, []
        if self.current is not None:
            values, self.current, self.origin = self.current, None, k
        else:
            stack = self.stack
            while stack[-1][0] > k:
                stack.pop()
            self.origin, values = stack[-1]
            if self.origin == k:
                stack.pop()
            else:
                self.plan = descent(self.origin, k, self.snapshots, len(stack))[::-1]
                self.advanced += (k - self.origin) * self.unit
        self.count = self.origin * self.unit
        self._next()
        return (*values, self.start + self.origin * self.unit * self.step,
                self.start + k * self.unit * self.step)

    def bounds(self, k):
        lo, hi = k * self.unit, min((k + 1) * self.unit, self.n)
        self.taped += hi - lo
        return self.start + lo * self.step, self.start + hi * self.step

    def expected(self, k):
        values = self.final if k == self.last else self.previous
        self.previous, self.final = self.entered, None
        return values


def checkpoint_store(start, stop, step, schedule, where):
    """The snapshots of one run of a loop over range(start, stop, step): `schedule` is
    "auto" (about sqrt(n) evenly spaced), an int k (k evenly spaced) or
    ("revolve", c[, u]) (the binomial schedule with c snapshots, turns of u
    iterations, 1 by default)."""
    if isinstance(schedule, tuple):
        return Revolve(start, stop, step, schedule[1], schedule[2] if len(schedule) > 2 else 1,
                       where)
    return Even(start, stop, step, schedule, where)


def checkpoint_save(cp, *values):
    """Called at the start of each iteration run without tape: keep `values` if the
    schedule takes a snapshot here."""
    if cp.count == cp.due:
        cp.take(values)
    cp.count += 1


def checkpoint_final(cp, *values):
    """The carried values the loop ended with (what the last turn must reach)."""
    cp.final = values


def checkpoint_segments(cp):
    """The number of turns of the reverse sweep."""
    return cp.turns()


def checkpoint_bounds(cp, j, *entered):
    """(start, stop) of the iterations turn `j` runs with the tape on.  Revolve passes
    the carried values they start from (`entered`): the next turn's verify compares
    its result with them."""
    cp.entered = entered
    return cp.bounds(j)


def checkpoint_restore(cp, j):
    """The carried values of the snapshot turn `j` starts from; revolve adds (start,
    stop) of the iterations it runs without tape, from there to the turn's start."""
    return cp.restore(j)


def checkpoint_verify(cp, j, *values):
    """Check that turn `j`, run again, reached the values an earlier run had (the
    next snapshot, the start of the turn after it, or the loop's result).  A loop that
    does not compute the same values twice (random numbers, a value read from outside
    that changed) would otherwise give a wrong derivative."""
    expected = cp.expected(j)
    for got, want in zip(values, expected, strict=True):
        if not _same(got, want):
            raise NonDifferentiableError(
                f"{cp.where}: checkpointing ran iterations of this loop again and they "
                "computed other values than the first time (random numbers, or a value "
                "read from outside the loop that changed), so its derivative would be wrong",
                fix="draw random numbers before the loop (or pass them in), or "
                    "differentiate without checkpoint=")
    if j == 0 and observer is not None:
        observer(cp)


def _same(a, b) -> bool:
    if a is b or (type(a) is float and type(b) is float and a == b):
        return True
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(np.array_equal(a, b, equal_nan=True))
    except TypeError:           # values NumPy cannot compare as numbers (objects)
        return a is b or a == b
