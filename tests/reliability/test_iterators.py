"""Iterator objects (reversed, zip...) over differentiable values carry no derivative:
materialising one is refused with a fix; `list(map(f, xs))` is a comprehension."""
import math

import pytest

import s2sad
from s2sad import MissingRuleError

from .helpers import MODES, assert_message, marked_line, refusal


def materialises_reversed(x):
    items = list(reversed([x, x * 2.0]))  # <-
    return items[0] * x


def materialises_map(x):
    squares = list(map(math.sin, [x, x * 2.0]))  # <-
    return squares[1] * x


def materialises_zip(x):
    pairs = list(zip([x, x * 2.0], [1.0, 2.0]))  # <-
    return pairs[1][0] * x


@pytest.mark.parametrize("fn, words", [
    (materialises_reversed, ["'reversed(...)'", "l[::-1]"]),
    (materialises_zip, ["'zip(...)'", "for a, b in zip(u, v)"]),
])
def test_iterators_over_differentiable_values_are_refused(fn, words):
    # B.6: an iterator object carries no derivative; without this refusal the
    # derivative through it would silently be zero
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(fn, mode=mode)(0.5), MissingRuleError)
        assert_message(message, *words, "iterator", line=marked_line(fn))


def test_map_consumed_by_list_is_differentiated():
    """`list(map(f, xs))` is lowered as a list comprehension (lower_functional.py)."""
    expected = 2 * math.cos(1.0) * 0.5 + math.sin(1.0)
    for mode in MODES:
        assert s2sad.grad(materialises_map, mode=mode)(0.5) == pytest.approx(expected, rel=1e-12)
