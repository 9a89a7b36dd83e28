"""Methods and functions that change an array, list or dict in place are refused at
their line, with the functional form to write instead."""
import heapq

import numpy as np
import pytest

import s2sad
from s2sad import UnsupportedSyntaxError

from .helpers import MODES, assert_message, marked_line, refusal


def fills_with_a_method(x):
    y = np.zeros(3)
    y.fill(x)  # <-
    return np.sum(y * y)


def extends_a_list(x):
    values = [x]
    values.extend([x * 2.0, x * 3.0])  # <-
    return sum(values)


def sorts_in_place(x):
    y = x * np.array([3.0, 1.0, 2.0])
    y.sort()  # <-
    return y[0] * y[2]


def pops_an_item(x):
    values = [x, x * 2.0]
    last = values.pop()  # <-
    return last * values[-1]


def updates_a_dict(x):
    record = {"a": x}
    record.update({"a": x * x})  # <-
    return record["a"]


def copies_into(x):
    y = np.zeros(3)
    np.copyto(y, x)  # <-
    return np.sum(y * x)


def writes_through_out(x):
    y = np.zeros(3)
    np.multiply(x, x, out=y)  # <-
    return np.sum(y)


def adds_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0], x[:2])  # <-
    return np.sum(y * x)


def appends_to_an_item(x):
    rows = [[x], [x * 2.0]]
    rows[0].append(x * 3.0)  # <-
    return rows[0][-1] * x


def pushes_onto_a_heap(x):
    heap = [x]
    heapq.heappush(heap, x * 2.0)  # <-
    return heap[-1] * x


def shuffles_with_a_generator(x):
    rng = np.random.default_rng(0)
    y = x * 1.0
    rng.shuffle(y)  # <-
    return y[0] * x[0]


def adds_into_a_slice(x):
    y = np.zeros(3)
    z = y[1:]
    z += x[:2]  # <-
    return np.sum(y * x)


@pytest.mark.parametrize("fn, arg, words", [
    (appends_to_an_item, 2.0, ["'rows[0].append(...)'", "rows[0] = rows[0] + [v]"]),
    (pushes_onto_a_heap, 2.0, ["'heapq.heappush(...)'", "sorted"]),
    (shuffles_with_a_generator, np.array([1.0, 2.0, 3.0]), ["'rng.shuffle(...)'",
                                                             "its argument", "permutation"]),
    (adds_into_a_slice, np.array([1.0, 2.0, 3.0]), ["'z', a view of 'y'", "z = z + v"]),
    (fills_with_a_method, 2.0, ["'y.fill(...)'", "y = np.full_like(y, v)"]),
    (extends_a_list, 2.0, ["'values.extend(...)'", "values + list"]),
    (sorts_in_place, np.array([1.0, 2.0, 3.0]), ["'y.sort(...)'", "y = np.sort(y)"]),
    (pops_an_item, 2.0, ["'values.pop(...)'", "values = values[:-1]"]),
    (updates_a_dict, 2.0, ["'record.update(...)'", "{**record, **other}"]),
    (copies_into, np.array([1.0, 2.0, 3.0]), ["'np.copyto(...)'", "np.array(x)"]),
    (writes_through_out, np.array([1.0, 2.0, 3.0]), ["'np.multiply(...)'", "drop `out=`"]),
    (adds_at, np.array([1.0, 2.0, 3.0]), ["'np.add.at(...)'", "copy"]),
])
def test_calls_that_change_a_value_in_place_are_refused(fn, arg, words):
    # B.16: a method or function that changes an array, list or dict behind the IR's
    # back would leave the derivative following the old value: refused, with the
    # functional form to write instead
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(fn, mode=mode)(arg), UnsupportedSyntaxError)
        assert_message(message, *words, line=marked_line(fn))
        assert "in place" in message or "would change" in message, message
