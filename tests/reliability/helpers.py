"""Helpers of the bad-input catalogue: find marked lines, check refusals and their
messages, call every entry point; and the sample functions several files use."""
from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

import s2sad
from s2sad import S2SADError

MODES = ("reverse", "forward")


class Line(int):
    """A line number of a test file; `file` is the file's base name, which messages
    name with the line (arithmetic on a Line gives a plain int)."""

    file: str

    def __new__(cls, number: int, path: str):
        line = super().__new__(cls, number)
        line.file = os.path.basename(path)
        return line


def marked_line(fn, marker="# <-") -> Line:
    """The line (in its file) of the statement of `fn` carrying the marker."""
    lines, first = inspect.getsourcelines(fn)
    found = [first + i for i, text in enumerate(lines) if marker in text]
    assert len(found) == 1, f"{fn.__name__}: expected one {marker!r} marker"
    return Line(found[0], inspect.getsourcefile(fn))


def file_line(path: str, marker: str) -> Line:
    """The line of the file at `path` that contains `marker` (for module-level code)."""
    with open(path) as fh:
        found = [i + 1 for i, text in enumerate(fh) if marker in text and "file_line(" not in text]
    assert len(found) == 1, marker
    return Line(found[0], path)


def assert_message(message: str, *words, line: Line | None = None):
    """The message names `line` with its file, and every word (case-insensitive)."""
    if line is not None:
        where = f"{line.file}:{line}"
        assert where in message, f"expected {where} in:\n{message}"
    for word in words:
        assert word.lower() in message.lower(), f"expected {word!r} in:\n{message}"


def refusal(thunk, error=S2SADError) -> str:
    """The message of the S2SADError raised by `thunk` (anything else fails)."""
    with pytest.raises(S2SADError) as info:
        thunk()
    assert isinstance(info.value, error), f"{type(info.value).__name__}: {info.value}"
    return str(info.value)


def all_entry_points(fn, *args):
    """Thunks calling every API on `fn` at `args`: grad/value_and_grad in both modes,
    jvp, vjp and source."""
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args)
    return {
        "grad": lambda: s2sad.grad(fn)(*args),
        "grad forward": lambda: s2sad.grad(fn, mode="forward")(*args),
        "value_and_grad": lambda: s2sad.value_and_grad(fn)(*args),
        "jvp": lambda: s2sad.jvp(fn, args, tangents),
        "vjp": lambda: s2sad.vjp(fn, *args)[1](1.0),
        "source": lambda: s2sad.source(fn),
    }


def assert_close(a, b, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol)


# ---- sample functions used by several files -------------------------------------------

def square(x):
    return x * x


_namespace: dict = {}
exec("def from_exec(x):\n    return x * 2.0\n", _namespace)
from_exec = _namespace["from_exec"]
