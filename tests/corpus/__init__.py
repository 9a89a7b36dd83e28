"""A corpus of small plain Python/NumPy functions that every mode must differentiate.

Each module lists its functions in `CASES`.  A `Case` holds the function, a
`make_args(rng)` that draws a point in the function's safe domain (positive where
there is a log or sqrt, away from kinks and branch boundaries), a unique id, and
optionally the `wrt` to use for `grad` (None: every float argument).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Case:
    fn: Callable
    make_args: Callable[[np.random.Generator], tuple]
    id: str
    wrt: Any = None

    def args(self, seed: int = 0) -> tuple:
        """The arguments of this case drawn with a fixed seed."""
        return tuple(self.make_args(np.random.default_rng(seed)))


def uniform(rng, low, high, shape=None, dtype=np.float64):
    """Uniform draw in [low, high): a Python float when `shape` is None, else an array."""
    if shape is None:
        return float(rng.uniform(low, high))
    return rng.uniform(low, high, size=shape).astype(dtype)


def normal(rng, shape=None, dtype=np.float64):
    """Standard normal draw: a Python float when `shape` is None, else an array."""
    if shape is None:
        return float(rng.standard_normal())
    return rng.standard_normal(shape).astype(dtype)


def all_cases():
    """The cases of every corpus module."""
    from . import control_flow, straight_line
    return list(straight_line.CASES) + list(control_flow.CASES)
