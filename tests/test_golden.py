"""Golden files for the printed IR and the generated code of canonical functions.

They are for reviewing readability, not correctness (that is checked numerically
elsewhere).  After an intended change of the output, regenerate them with
    S2SAD_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
and review the diff.
"""
import os
import pathlib

import numpy as np
import pytest

import s2sad
import golden_functions
from golden_functions import CONTROL_FLOW, EXAMPLE_ARGS, STRAIGHT_LINE
from s2sad.testing import check_grads

GOLDEN = pathlib.Path(__file__).parent / "golden"
UPDATE = os.environ.get("S2SAD_UPDATE_GOLDEN") == "1"
FUNCTIONS = STRAIGHT_LINE + CONTROL_FLOW


def _outputs(fn):
    args = EXAMPLE_ARGS.get(fn)
    yield "ir", str(s2sad.ir(fn, example_args=args))
    yield "reverse", s2sad.source(fn, mode="reverse", example_args=args)
    yield "forward", s2sad.source(fn, mode="forward", example_args=args)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=[f.__name__ for f in FUNCTIONS])
def test_output_matches_golden_file(fn):
    for kind, text in _outputs(fn):
        path = GOLDEN / f"{fn.__name__}.{kind}.txt"
        if UPDATE:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden file {path}; run with S2SAD_UPDATE_GOLDEN=1"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{path.name} differs from the generated output"


def test_scalar_code_calls_no_helpers():
    """Where every value is a Python float, the generated code is plain arithmetic."""
    for fn in [f for f in FUNCTIONS if f not in EXAMPLE_ARGS]:
        for mode in ("reverse", "forward"):
            assert "rt." not in s2sad.source(fn, mode=mode), (fn.__name__, mode)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=[f.__name__ for f in FUNCTIONS])
def test_golden_functions_differentiate_correctly(fn):
    args = EXAMPLE_ARGS.get(fn) or tuple(
        {float: 0.7, int: 4}[p.annotation]
        for p in __import__("inspect").signature(fn).parameters.values())
    check_grads(fn, args, modes=("forward", "reverse"))


def test_scalar_global_constants_need_no_helpers_and_are_read_at_call_time():
    fn = golden_functions.reads_a_global_constant
    for mode in ("reverse", "forward"):
        assert "rt." not in s2sad.source(fn, mode=mode)
    assert s2sad.grad(fn)(2.0, 1.0) == 1.0 * 9.81 * 4.0
    saved = golden_functions.GRAVITY
    try:
        golden_functions.GRAVITY = 1.62          # rebinding the global is seen
        assert s2sad.grad(fn)(2.0, 1.0) == 1.62 * 4.0
        golden_functions.GRAVITY = 2         # a new kind (int): regenerated
        assert s2sad.grad(fn)(2.0, 1.0) == 8.0
    finally:
        golden_functions.GRAVITY = saved
