"""Calls without a derivative rule: refused where a derivative flows through them,
run where none does; the APIs an error recommends exist."""
import re

import numpy as np

import s2sad
from s2sad import MissingRuleError

from .helpers import MODES, assert_close, assert_message, from_exec, marked_line, refusal


def uses_i0(x):
    return np.i0(x) * 2.0  # <-


def uses_i0_on_constant(x, c):
    return x * np.i0(c)


def test_missing_rule_with_an_active_argument():
    assert s2sad.rules.lookup(np.i0) is None, "np.i0 got a rule: pick another function"
    line = marked_line(uses_i0)
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(uses_i0, mode=mode)(0.5), MissingRuleError)
        assert_message(message, "i0", "rule", line=line)
        assert re.search(r"s2sad\.def(vjp|jvp|partials)", message), message


def test_missing_rule_on_inactive_values_just_runs():
    for mode in MODES:
        assert_close(s2sad.grad(uses_i0_on_constant, mode=mode)(2.0, 0.5), np.i0(0.5))


def test_every_api_an_error_recommends_exists():
    messages = [refusal(lambda: s2sad.grad(uses_i0)(0.5)),
                refusal(lambda: s2sad.grad(from_exec)(1.0)),
                refusal(lambda: s2sad.grad(len)(np.ones(2))),
                refusal(lambda: s2sad.grad(s2sad.vjp)(1.0))]
    named = {name for message in messages for name in re.findall(r"s2sad\.(\w+)", message)}
    missing = sorted(name for name in named if not hasattr(s2sad, name))
    assert not missing, f"error messages recommend s2sad.{missing}, which do not exist"
