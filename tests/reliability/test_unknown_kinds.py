"""Values whose kind (number, array or list) is only known when the derivative is
called: what depends on it is decided, or refused, at call time."""
import numpy as np

import s2sad
from s2sad import NonDifferentiableError

from .helpers import MODES, assert_close, assert_message, marked_line, refusal


def bumps_its_argument(p):
    p += 1.0  # <-
    return p * p


def passes_a_number_or_an_array(x, A):
    v = A.copy() if x > 0.0 else x * 2.0       # its kind is unknown: number or array
    return np.sum(bumps_its_argument(v))


def test_augmented_assignment_to_a_parameter_of_unknown_kind_is_decided_at_call_time():
    A = np.array([1.0, 2.0])
    for mode in MODES:
        assert_close(s2sad.grad(passes_a_number_or_an_array, mode=mode)(-1.0, A), -4.0)
        message = refusal(lambda: s2sad.grad(passes_a_number_or_an_array, mode=mode)(0.5, A),
                          NonDifferentiableError)
        assert_message(message, "'p'", "copy", line=marked_line(bumps_its_argument))


def adds_a_list_or_an_array(x, as_list):
    a = [x, x * 2.0] if as_list else np.array([x, x * 3.0])
    b = [x * x] if as_list else np.array([x * x])
    c = a + b                     # concatenation or addition: decided at call time
    return c[0] * c[-1]


def repeats_a_list_or_scales_an_array(x, as_list, n):
    a = [x, x * 2.0] if as_list else np.array([x, x * 3.0])
    c = a * n  # <-
    return c[0] * c[-1]


def test_plus_and_times_on_values_that_may_be_lists_are_decided_at_call_time():
    # kinds cannot tell lists from arrays here: `+` follows whichever arrives; a
    # repetition `list * n` is refused when it arrives, arrays are differentiated
    for mode in MODES:
        assert_close(s2sad.grad(adds_a_list_or_an_array, mode=mode)(1.5, False),
                     4.0 * 6.75 + 3.75 * 6.0)
        assert_close(s2sad.grad(adds_a_list_or_an_array, mode=mode)(1.5, True), 3.0 * 1.5 ** 2)
        assert_close(s2sad.grad(repeats_a_list_or_scales_an_array, mode=mode)(1.5, False, 2),
                     6.0 * 1.5 * 4)
        message = refusal(
            lambda: s2sad.grad(repeats_a_list_or_scales_an_array, mode=mode)(1.5, True, 2),
            NonDifferentiableError)
        assert_message(message, "'*' repeats a list 2 times", "np.tile",
                       line=marked_line(repeats_a_list_or_scales_an_array))
