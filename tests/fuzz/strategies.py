"""Hypothesis strategies for random programs.

`programs()` draws a `Program` through the grammar of `grammar.py`: every decision is
an integer draw, so hypothesis shrinks a failing program towards fewer statements,
the first (simplest) alternative of every choice and smaller loop counts.
`cases()` adds the seed of the random point and whether to run the float32 variant.
"""
from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from .grammar import Chooser, Program, generate


class DrawChooser(Chooser):
    """Decisions drawn from hypothesis data."""

    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo, hi):
        return self.draw(st.integers(lo, hi))


@st.composite
def programs(draw) -> Program:
    """A random program (see grammar.py)."""
    return generate(DrawChooser(draw))


@dataclass
class Case:
    program: Program
    seed: int
    float32: bool

    def __repr__(self) -> str:
        return (f"Case(seed={self.seed}, float32={self.float32}, program=\n"
                f"{self.program.source})")


@st.composite
def cases(draw) -> Case:
    """A program, the seed of its random point, and the float32 flag (only drawn
    when the program has an array argument)."""
    program = draw(programs())
    seed = draw(st.integers(0, 2**32 - 1))
    float32 = program.shape is not None and draw(st.integers(0, 2)) == 2
    return Case(program, seed, float32)
