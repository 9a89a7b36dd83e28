"""The binomial (revolve) checkpointing schedule: which steps to snapshot.

Reversing l steps of a loop with s snapshots (the one of the start included) and one
step taped at a time, the schedule of Griewank (1992) recomputes the fewest steps:
with t the repetition number -- the least t with beta(s, t) = C(s + t, s) >= l --
every step runs forward at most t times and the forward steps number
t*l - beta(s + 1, t - 1) (`cost`).  The schedule is recursive: advance from the
start to a step m, snapshot it, reverse the steps after m with s - 1 snapshots, then
those before m with s.  `split` chooses m; `descent` lists the snapshots a reversal
of step k takes on its way from the snapshot below it.  All functions are pure.
"""
from __future__ import annotations

from math import comb


def beta(s: int, t: int) -> int:
    """The most steps s snapshots reverse with each step run forward at most t times."""
    return comb(s + t, s) if t >= 0 else 0


def repetitions(l: int, s: int) -> int:
    """The least t with beta(s, t) >= l (l >= 1 steps, s >= 1 snapshots)."""
    if s == 1:
        return l - 1
    t, b = 0, 1
    while b < l:
        t += 1
        b = b * (s + t) // t
    return t


def cost(l: int, s: int) -> int:
    """The fewest forward steps (not counting the taped ones) that reverse l steps
    from a snapshot of the start with s snapshots in all: t*l - beta(s + 1, t - 1)."""
    t = repetitions(l, s)
    return t * l - beta(s + 1, t - 1)


def split(l: int, s: int) -> int:
    """An optimal first snapshot m (1 <= m < l) for reversing l >= 2 steps with s
    snapshots.  The cost m + cost(l - m, s - 1) + cost(m, s) is convex in m and its
    increment from m to m + 1 is 1 + r(m + 1, s) - r(l - m, s - 1) (r =
    `repetitions`, the slope of `cost`): m is the first where it is not negative."""
    if s == 1:
        return l - 1
    if l <= s + 1:              # snapshots to spare: keep every step
        return 1
    lo, hi = 1, l - 1
    while lo < hi:
        m = (lo + hi) // 2
        if 1 + repetitions(m + 1, s) >= repetitions(l - m, s - 1):
            hi = m
        else:
            lo = m + 1
    return lo


def descent(start: int, target: int, snapshots: int, held: int) -> list[int]:
    """The steps to snapshot, in order, when the state at step `target` is made from
    the snapshot at `start` (< target), `held` snapshots being kept already (that one
    among them) out of `snapshots`.  The state at `target` itself is not kept."""
    kept = []
    while target - start > 1:
        free = snapshots - held - len(kept)
        m = start + split(target + 1 - start, free + 1)
        if m >= target:
            break
        kept.append(m)
        start = m
    return kept


__all__ = ["beta", "cost", "descent", "repetitions", "split"]
