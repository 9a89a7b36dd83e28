"""Statements: unsupported syntax is refused at transform time at its line (every
problem at once); the supported statements give the right answer."""
import contextlib
import os

import pytest

import s2sad
from s2sad import S2SADError, UnsupportedSyntaxError

from .helpers import MODES, all_entry_points, assert_close, assert_message, marked_line, refusal

HERE = os.path.basename(__file__)


def uses_try(x):
    try:  # <-
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with contextlib.suppress(ValueError):  # <-
        y = x * 2.0
    return y


def generator(x):
    yield x * 2.0  # <-


async def coroutine(x):  # <-
    return x * 2.0


def walrus(x):
    if (y := x * 2.0) > 1.0:  # <-
        return y
    return x


def uses_match(x):
    match x:  # <-
        case _:
            return x


def starred(x):
    a, *rest = (x, x, x)  # <-
    return a


def deletes(x):
    y = x * 2.0
    del y  # <-
    return x


def set_comprehension(x):
    return sum({x * k for k in range(3)})  # <-


def generator_expression(x):
    terms = (x * k for k in range(3))  # <-
    return sum(terms)


def raises(x):
    if x < 0.0:
        raise ValueError("negative")  # <-
    return x * 2.0


REFUSED_SYNTAX = [
    (uses_try, ("try",), ("if",)),
    (uses_with, ("with",), ("outside",)),
    (generator, ("yield",), ("list",)),
    (coroutine, ("async",), ("def",)),
    (walrus, (":=",), ("statement",)),
    (uses_match, ("match",), ("if",)),
    (starred, ("starred",), ("index",)),
    (deletes, ("del",), ("rebind",)),
    (set_comprehension, ("set comprehension",), ("loop",)),
    (generator_expression, ("generator expression",), ("loop",)),
]


@pytest.mark.parametrize("fn, construct, fix", REFUSED_SYNTAX,
                         ids=[case[0].__name__ for case in REFUSED_SYNTAX])
def test_unsupported_syntax_is_refused_at_its_line(fn, construct, fix):
    line = marked_line(fn)
    for what, thunk in all_entry_points(fn, 1.0).items():
        message = refusal(thunk, UnsupportedSyntaxError)
        assert_message(message, *construct, *fix, line=line)
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.grad(fn)(1.0)
    err = info.value
    assert os.path.basename(err.filename) == HERE and err.lineno == line
    assert err.text and err.offset >= 1


def test_raise_is_a_precondition_or_refused():
    # B.10: a precondition `raise` may stay in the primal sweep; otherwise refuse it
    try:
        got = s2sad.grad(raises)(2.0)
    except S2SADError as exc:
        assert_message(str(exc), "raise", line=marked_line(raises))
    else:
        assert_close(got, 2.0)
        with pytest.raises(ValueError, match="negative"):
            s2sad.grad(raises)(-2.0)


def two_problems(x):
    try:  # <-
        y = x
    except ValueError:
        y = x
    z = (v for v in (y, y))
    return sum(z)


def test_every_problem_is_reported_at_once():
    message = refusal(lambda: s2sad.grad(two_problems)(1.0), UnsupportedSyntaxError)
    try_line = marked_line(two_problems)
    assert_message(message, "try", "generator expression", line=try_line)
    assert f"{HERE}:{try_line + 4}" in message


def list_comprehension(x):
    ys = [x * k for k in range(1, 4)]
    return ys[0] + ys[1] + ys[2]


def chained_and_ifexp(x):
    y = x * x if 0.0 < x < 1.0 else x
    return y


def test_supported_statements_give_the_right_answer():
    for mode in MODES:
        assert_close(s2sad.grad(list_comprehension, mode=mode)(2.0), 6.0)
        assert_close(s2sad.grad(chained_and_ifexp, mode=mode)(0.5), 1.0)
        assert_close(s2sad.grad(chained_and_ifexp, mode=mode)(2.0), 1.0)
