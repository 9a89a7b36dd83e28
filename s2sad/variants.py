"""Variants of one derivative, part of the compiler's specialisation key.

* `drop_value`: the reverse-mode code for `grad`, which does not return the value:
  the entry returns None in its place, so the statements only the value reads are
  dead.  Applied only where the output's kind proves it a scalar (a float, or an
  array of ndim 0), so `grad` refuses a non-scalar output as before; with the
  Python backend only.  (`check_finite` checks the derivative's values, not the
  primal ones, so it checks the same values either way.)
* `pattern`: a *shape pattern* of the arguments (`pattern_of`): per argument None
  (not an array) or its shape with each size replaced by a class id, 1 for a size-1
  dimension, equal ids for equal sizes.  Code made for a pattern runs only for calls
  whose shapes have that pattern (dispatch.ShapeVariants); transforms/dims.py proves
  shapes from it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kinds


@dataclass(frozen=True)
class Variant:
    """How the entry's derivative is specialised beyond its argument kinds."""

    drop_value: bool = False
    pattern: tuple | None = None

    def applied(self, mode: str, entry, backend: str) -> "Variant":
        """The part of this variant that applies to the derivative of `entry`."""
        if mode != "reverse" or backend != "python" or self == PLAIN:
            return PLAIN
        pattern = self.pattern if self.pattern is not None and \
            len(self.pattern) == len(entry.params) else None
        out = kinds.kind_of(entry.body.results[0])
        scalar = out.tag == "float" or (out.tag == "array" and out.ndim == 0)
        return Variant(self.drop_value and scalar, pattern)

    def with_pattern(self, pattern) -> "Variant":
        return Variant(self.drop_value, pattern)

    def for_values(self, values) -> "Variant":
        """This variant with the shape pattern of `values` (if one is an array)."""
        if not any(type(a) is np.ndarray for a in values):
            return self
        return self.with_pattern(pattern_of(tuple(
            a.shape if type(a) is np.ndarray else None for a in values)))


PLAIN = Variant()
GRAD = Variant(drop_value=True)
ONE = 1     # the class id of a size-1 dimension


def pattern_of(shapes: tuple) -> tuple:
    """The shape pattern of `shapes` (one shape tuple or None per argument)."""
    ids: dict = {1: ONE}
    return tuple(None if shape is None else
                 tuple(ids.setdefault(n, len(ids) + 1) for n in shape) for shape in shapes)
