"""The differentiated function's signature: *args/**kwargs parameters follow the call,
defaults and keyword-only parameters work, and `wrt` names real parameters."""
import math

import numpy as np

import s2sad
from s2sad import UnsupportedSyntaxError

from .helpers import MODES, assert_close, assert_message, marked_line, refusal


def varargs(x, *rest):
    return x * x * 2.0 + x * rest[0] * rest[1]


def varargs_gradient(x, rest=(2.0, 3.0)):
    return 4.0 * x + rest[0] * rest[1]


def varkw(x, **options):
    return x * 2.0 + options["scale"]


def keyword_only(x, scale=3.0, *, shift=1.0):
    return x * scale + shift * shift


def unpacks_an_array(x):
    pair = np.array([x, 2.0 * x])
    return math.hypot(*pair)  # <-


def test_star_parameters_of_the_differentiated_function_follow_the_call():
    """*args and **kwargs of the differentiated function: `wrt` counts the positional
    arguments of the call, as JAX's argnums does."""
    for mode in MODES:
        assert_close(s2sad.grad(varargs, mode=mode)(1.5, 2.0, 3.0), varargs_gradient(1.5))
        assert_close(s2sad.grad(varargs, wrt=(1, 2), mode=mode)(1.5, 2.0, 3.0),
                     (1.5 * 3.0, 1.5 * 2.0))
        assert_close(s2sad.grad(varkw, mode=mode)(1.0, scale=7.0), 2.0)
    _, pullback = s2sad.vjp(varargs, 1.5, 2.0, 3.0)
    assert_close(pullback(1.0), (varargs_gradient(1.5), 1.5 * 3.0, 1.5 * 2.0))


def test_unpacking_a_value_of_unknown_length_is_refused():
    message = refusal(lambda: s2sad.grad(unpacks_an_array)(1.0), UnsupportedSyntaxError)
    assert_message(message, "`*` unpacking", "not known", "x[0], x[1]",
                   line=marked_line(unpacks_an_array))


def test_defaults_and_keyword_only_parameters():
    for mode in MODES:
        assert_close(s2sad.grad(keyword_only, mode=mode)(2.0), 3.0)
        assert_close(s2sad.grad(keyword_only, wrt="shift", mode=mode)(2.0, shift=4.0), 8.0)
        assert_close(s2sad.grad(keyword_only, wrt=("x", "scale"), mode=mode)(2.0, 5.0), (5.0, 2.0))


def test_unknown_wrt_names_the_parameters():
    message = refusal(lambda: s2sad.grad(keyword_only, wrt="z")(1.0))
    assert_message(message, "'z'", "x", "scale", "shift")
    message = refusal(lambda: s2sad.grad(keyword_only, wrt=7)(1.0))
    assert_message(message, "7", "keyword_only")
