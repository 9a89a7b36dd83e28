"""The primal sweep behaves like the function: side effects run once, random draws
are not resampled, and what the function raises shows the generated line."""
import contextlib
import io
import math
import traceback

import numpy as np
import pytest

import s2sad

from .helpers import MODES, assert_close


def log_of(x):
    return math.log(x)  # <-


def test_generated_code_shows_in_tracebacks():
    # the primal sweep raises what f raises, and the traceback shows the generated line
    with pytest.raises(ValueError) as info:
        s2sad.grad(log_of)(-1.0)
    text = "".join(traceback.format_exception(info.value))
    assert "<s2sad reverse of log_of" in text and "math.log(x)" in text


def prints(x):
    print("f was called")
    return x * 2.0


def draws(x):
    return x * np.random.normal()


def test_side_effects_run_once_per_call():
    for mode in MODES:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            s2sad.grad(prints, mode=mode)(1.0)
        assert out.getvalue().count("f was called") == 1, mode


def test_random_draws_are_not_resampled():
    np.random.seed(0)
    for mode in MODES:
        for _ in range(3):
            value, g = s2sad.value_and_grad(draws, mode=mode)(2.0)
            assert_close(g, value / 2.0)
