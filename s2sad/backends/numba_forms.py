"""The forms codegen writes when the derivative is compiled with Numba.

The IR and the Python text stay as they are; with `numba=True`, codegen writes a few
statements differently, always with the same values, so that Numba's nopython mode
types them:

* a reversed range is a plain descending `range` (`reversed(range(n))` becomes
  `range(n - 1, -1, -1)`; `reversed(range(a, b, s)[:m])`, the reverse of a loop that
  may stop early, becomes `range(a + (k - 1) * s, a - s, -s)` with
  `k = min(len(range(a, b, s)), m)`, folded where the bounds are literals);
* the tape is used directly (`tape.append(...)`, `tape.pop()`), without the bound
  methods `push`/`pop`;
* a value never read on the path that assigns it (`None` in the Python text) is a
  zero of its kind (`0.0`, `0`, `False`), so a variable keeps one type on every path
  and a tuple pushed on the tape has one type on every iteration;
* a few NumPy calls Numba takes long to compile are calls of `rt.` helpers with the
  same values (`CALLS`: `np.outer(u, v)` is `rt.outer(u, v)`, a loop for 1-d floats).

This module only writes text; it does not import Numba.
"""
from __future__ import annotations

import numpy as np

from .. import prims
from ..ir_nodes import Const, Global

_ZEROS = {"float": 0.0, "int": 0, "bool": False}
CALLS = ((np.outer, "outer"),)
"""NumPy functions written as calls of the `rt.` helper of that name (numba_runtime.py),
when called without keywords."""


def helper_for(prim):
    """The name of the `rt.` helper written for a call of `prim` (`CALLS`), or None."""
    return next((name for fn, name in CALLS if prim is fn), None)


def _literal(atom):
    """The int an atom holds when it is a literal, else None."""
    if isinstance(atom, Const) and not isinstance(atom, Global) and type(atom.value) is int:
        return atom.value
    return None


def range_text(bounds, texts, limit=None, limit_text=None, reverse=False) -> str:
    """`range(...)` over the indices of `range(*bounds)[:limit]`, descending when
    `reverse`: the Numba form of `reversed(range(...)[:limit])` (see the module doc)."""
    start, stop, step = (_literal(b) for b in bounds)
    a, b, s = texts
    if limit is None and not reverse:
        return _plain_range(start, step, a, b, s)
    count, count_text = _count(start, stop, step, a, b, s)
    if limit is not None:
        if count is not None and _literal(limit) is not None:
            count = min(count, _literal(limit))
            count_text = str(count)
        else:
            count, count_text = None, f"min({count_text}, {limit_text})"
    if not reverse:                     # the first `count` indices, ascending
        return _plain_range(start, step, a, _affine(start, a, count, count_text, 0, step, s), s)
    first = _affine(start, a, count, count_text, -1, step, s)
    if step is not None:
        last = str(start - step) if start is not None else f"{a} - {step}"
        return f"range({first}, {last}, {-step})"
    return f"range({first}, {a} - {s}, -{s})"


def _plain_range(start, step, a, b, s) -> str:
    if step == 1:
        return f"range({b})" if start == 0 else f"range({a}, {b})"
    return f"range({a}, {b}, {s})"


def _count(start, stop, step, a, b, s):
    """(the number of indices of range(a, b, s) when literal or None, its text; a
    count text may be negative: the ranges built from it are then empty)."""
    if None not in (start, stop, step):
        n = len(range(start, stop, step))
        return n, str(n)
    if step == 1:
        return None, b if start == 0 else f"{b} - {a}"
    return None, f"len(range({a}, {b}, {s}))"


def _atomic(text: str) -> bool:
    """Does `text` need no parentheses as an operand of `*`: a name, an int, a call?"""
    if text.isidentifier() or text.lstrip("-").isdigit() and not text.startswith("-"):
        return True
    head, paren, _ = text.partition("(")
    if not paren or not head.isidentifier() or not text.endswith(")"):
        return False
    depth = 0
    for n, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and n > len(head):
            return n == len(text) - 1
    return False


def _affine(start, a, count, count_text, offset, step, s) -> str:
    """The text of `a + (count + offset) * s` (`offset` is 0 or -1), folded where
    its parts are literals."""
    if None not in (start, count, step):
        return str(start + (count + offset) * step)
    if count is not None:
        k = str(count + offset)
    else:
        k = count_text if offset == 0 else f"{count_text} - 1"
    if step == 1:
        return k if start == 0 else f"{a} + {k}"
    scaled = f"{k} * {s}" if _atomic(k) else f"({k}) * {s}"
    return scaled if start == 0 else f"{a} + {scaled}"


def zero_of(kind):
    """A literal zero of a scalar `kind` (a placeholder of one type), or None."""
    tag = getattr(kind, "tag", None)
    return _ZEROS.get(tag)


def typed_placeholders(targets, results) -> list:
    """`results` with every undefined value (`None` in the Python text) assigned to a
    target of a scalar kind replaced by a zero of that kind."""
    out = []
    for target, result in zip(targets, results, strict=True):
        if isinstance(result, Const) and not isinstance(result, Global) and \
                result.value is prims.UNDEFINED and zero_of(getattr(target, "kind", None)) \
                is not None:
            result = Const(zero_of(target.kind))
        out.append(result)
    return out
