"""Mathematics at the edges: non-differentiable functions have zero derivative, kinks
follow docs/rules.md, and the `np.where` trap gives NaN unless `check_finite` names the line."""
import math

import numpy as np

import s2sad
from s2sad import NonDifferentiableError

from .helpers import MODES, assert_close, assert_message, marked_line, refusal


def floor_plus(x):
    return np.floor(x) + math.floor(x) * 0.0 + x


def where_log(x):
    return np.sum(np.where(x > 0.0, np.log(x), 0.0))  # <-


def test_non_differentiable_functions_have_zero_derivative():
    for mode in MODES:
        assert_close(s2sad.grad(floor_plus, mode=mode)(2.5), 1.0)


def absolute(x):
    return np.abs(x)


def root(x):
    return np.sqrt(x)


def larger(x, y):
    return np.maximum(x, y)


def test_kinks_follow_the_published_table():
    # docs/rules.md: abs'(0) = 0, sqrt'(0) = inf, ties of maximum split evenly
    with np.errstate(divide="ignore"):
        for mode in MODES:
            assert s2sad.grad(absolute, mode=mode)(0.0) == 0.0
            assert s2sad.grad(root, mode=mode)(0.0) == math.inf
            assert s2sad.grad(larger, wrt=(0, 1), mode=mode)(1.0, 1.0) == (0.5, 0.5)


def test_where_trap_is_nan_and_check_finite_names_the_line():
    x = np.array([0.0, 1.0])
    with np.errstate(all="ignore"):
        assert np.isnan(s2sad.grad(where_log)(x)[0])
        for mode in MODES:
            message = refusal(lambda: s2sad.grad(where_log, mode=mode, check_finite=True)(x),
                              NonDifferentiableError)
            assert_message(message, "finite", line=marked_line(where_log))
