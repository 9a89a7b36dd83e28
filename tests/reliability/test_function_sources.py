"""What can be differentiated: functions whose source s2sad can or cannot read
(exec, builtins and ufuncs, lambdas sharing a line), partials and decorated functions."""
import functools
import math

import numpy as np
import pytest

import s2sad
from s2sad import S2SADError, SourceUnavailableError

from .helpers import (all_entry_points, assert_close, assert_message, file_line, from_exec,
                      refusal)


def scaled(k, x):
    return k * x * x


def test_function_defined_with_exec():
    for what, thunk in all_entry_points(from_exec, 1.0).items():
        message = refusal(thunk, SourceUnavailableError)
        assert_message(message, "from_exec", "exec", "def")


@pytest.mark.parametrize("fn, derivative", [(np.sin, math.cos), (math.exp, math.exp),
                                            (np.tanh, lambda x: 1 - math.tanh(x) ** 2)])
def test_a_function_with_a_rule_is_differentiated_as_the_target(fn, derivative):
    """`s2sad.grad(np.tanh)`: the rule is used (there is no source to read)."""
    points = all_entry_points(fn, 0.7)
    assert_close(points["grad"](), derivative(0.7))
    assert_close(points["grad forward"](), derivative(0.7))
    assert_close(points["value_and_grad"](), (fn(0.7), derivative(0.7)))
    assert_close(points["jvp"](), (fn(0.7), derivative(0.7)))
    assert_close(points["vjp"](), (derivative(0.7),))


def test_a_non_differentiable_builtin_as_the_target_is_refused():
    for what, thunk in all_entry_points(len, np.array([1.0, 2.0])).items():
        if what == "source":
            continue
        message = refusal(thunk, s2sad.NonDifferentiableError)
        assert_message(message, "len", "non-differentiable")


def test_partial_is_unwrapped():
    # reference B.1.2: unwrap functools.partial before reading the source
    assert_close(s2sad.grad(functools.partial(scaled, 3.0))(2.0), 12.0)
    assert_close(s2sad.grad(functools.partial(scaled, k=3.0), wrt="x")(x=2.0), 12.0)
    assert_close(s2sad.grad(functools.partial(scaled, 3.0), mode="forward")(2.0), 12.0)


add_one, double = (lambda x: x + 1.0), (lambda x: x * 2.0)  # two lambdas
lone_lambda = lambda x: x * x * 3.0  # noqa: E731


def test_two_lambdas_on_one_line_are_told_apart_or_refused():
    line = file_line(__file__, "# two lambdas")
    for fn, slope in ((add_one, 1.0), (double, 2.0)):
        try:
            got = s2sad.grad(fn)(5.0)
        except S2SADError as exc:
            assert isinstance(exc, SourceUnavailableError)
            assert_message(str(exc), "lambda", "def", line=line)
        else:
            assert got == slope, "differentiated the other lambda of the line"


def test_lambda_alone_on_its_line():
    assert_close(s2sad.grad(lone_lambda)(2.0), 12.0)
    assert_close(s2sad.grad(lone_lambda, mode="forward")(2.0), 12.0)


def _logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


@_logged
def decorated_by_wraps(x):
    return x * x * x


@s2sad.grad
def decorated_by_grad(x):
    return x * x * x


def test_decorators_are_stripped_and_wrappers_unwrapped():
    assert_close(s2sad.grad(decorated_by_wraps)(2.0), 12.0)
    assert_close(decorated_by_grad(2.0), 12.0)
