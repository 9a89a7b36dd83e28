"""Calls from the differentiated function: user functions (with and without source,
nested, recursive, taking *args), functions picked at run time, and methods of objects
(global, argument, closed over)."""
import numpy as np

import s2sad
from s2sad import MissingRuleError, S2SADError

from .helpers import MODES, assert_close, assert_message, from_exec, marked_line, refusal


def helper(v):
    return v * v


def calls_helper(x):
    return helper(x) + x


def calls_exec_helper(x):
    return from_exec(x) + x  # <-


def test_call_to_a_user_function():
    for mode in MODES:
        assert_close(s2sad.grad(calls_helper, mode=mode)(3.0), 7.0)


def test_call_to_a_function_without_source_names_the_call_site():
    line = marked_line(calls_exec_helper)
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(calls_exec_helper, mode=mode)(3.0))
        assert_message(message, "from_exec", line=line)


def nested_def(x):
    def sq(v):
        return v * v
    return sq(x) + x


def test_nested_def_is_inlined():
    for mode in MODES:
        assert_close(s2sad.grad(nested_def, mode=mode)(3.0), 7.0)


def power(x, n):
    if n <= 0:
        return 1.0
    return x * power(x, n - 1)  # <-


def test_recursion_is_differentiated_or_refused_at_the_call():
    for mode in MODES:
        try:
            got = s2sad.grad(power, mode=mode)(2.0, 3)
        except S2SADError as exc:
            assert_message(str(exc), "recurs", line=marked_line(power))
        else:
            assert_close(got, 12.0)


def picks_a_function(x, c):
    act = np.sin if c > 0.0 else np.cos
    return act(x) * 2.0  # <-


def test_a_function_picked_at_run_time_is_refused_with_a_fix():
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(picks_a_function, mode=mode)(0.5, 1.0),
                          MissingRuleError)
        assert_message(message, "'act(...)'", "picked by a branch", "np.sin(x) if c",
                       line=marked_line(picks_a_function))


class Scaler:
    def __init__(self, w):
        self.w = w

    def update(self, v):          # a user method named like a dict method
        return v * self.w


SCALER = Scaler(3.0)


def calls_a_method_of_a_global_object(x):
    return SCALER.update(x) * x


def calls_a_method_of_an_argument(x, scaler):
    return scaler.update(x) * x


def test_user_methods_named_like_mutating_methods_are_differentiated():
    for mode in MODES:
        assert_close(s2sad.grad(calls_a_method_of_a_global_object, mode=mode)(2.0), 12.0)
        assert_close(s2sad.grad(calls_a_method_of_an_argument, mode=mode)(2.0, Scaler(0.5)), 2.0)


def uses_a_global_object_in_a_helper(x):
    return calls_a_method_of_a_global_object(x * 1.0)


class Doubler:
    def update(self, v):
        return 2.0 * v


def test_a_method_of_a_global_object_in_a_helper_follows_its_class():
    # a callee's global instance is specialised on its class, which is pinned: an
    # instance of another class there gets a new derivative
    global SCALER
    try:
        for mode in MODES:
            assert_close(s2sad.grad(uses_a_global_object_in_a_helper, mode=mode)(2.0), 12.0)
        SCALER = Doubler()
        for mode in MODES:
            assert_close(s2sad.grad(uses_a_global_object_in_a_helper, mode=mode)(2.0), 8.0)
    finally:
        SCALER = Scaler(3.0)


def closes_over_an_object(scaler):
    def scaled(x):
        return scaler.update(x) * x  # <-
    return scaled


def test_a_method_of_an_object_of_unknown_class_is_refused_with_a_fix():
    # a closure cell is read when the derivative runs, so its class is not known
    # when it is generated: refused at the call, with the two ways out
    message = refusal(lambda: s2sad.grad(closes_over_an_object(Scaler(3.0)))(2.0),
                      MissingRuleError)
    assert_message(message, "'scaler.update(...)'", "class", "argument",
                   "Scaler.update(scaler, ...)", line=marked_line(closes_over_an_object))


def sums_its_args(*terms):
    return terms[0] * terms[-1] + len(terms)


def passes_varargs_through(x, y):
    return sums_its_args(x, y, 3.0)


def test_star_args_of_a_callee_are_supported():
    for mode in MODES:
        assert_close(s2sad.grad(passes_varargs_through, wrt=(0, 1), mode=mode)(2.0, 5.0),
                     (3.0, 0.0))
