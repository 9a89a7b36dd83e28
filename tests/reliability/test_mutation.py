"""Assignments that write into arrays, lists and dicts: writes the caller or another
name would see are refused (or follow Python exactly); writes into local values work."""
import os

import numpy as np
import pytest

import s2sad
from s2sad import S2SADError, UnsupportedSyntaxError

from .helpers import MODES, assert_close, assert_message, marked_line, refusal

HERE = os.path.basename(__file__)


def writes_argument(x):
    x[0] = 1.0  # <-
    return np.sum(x)


def adds_into_argument(x):
    x += 1.0  # <-
    return np.sum(x * x)


def writes_alias(x):
    y = x
    y[0] = 1.0  # <-
    return np.sum(y)


def writes_view(x):
    y = x[1:]
    y[0] = 1.0  # <-
    return np.sum(x)


def writes_local(x):
    y = np.zeros(3)
    y[0] = x
    y[1] = x * x
    return np.sum(y)


def appends(x):
    out = []
    for i in range(3):
        out.append(x * i)
    return np.sum(np.stack(out))


def dict_record(x):
    d = {"a": x, "b": x * x}
    return d["a"] + d["b"]


@pytest.mark.parametrize("fn", [writes_argument, adds_into_argument, writes_alias, writes_view])
def test_writes_into_arguments_and_aliases_are_refused(fn):
    # B.16: the caller would see the write, so it is refused at transform time
    x = np.array([1.0, 2.0, 3.0])
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(fn, mode=mode)(x))
        assert_message(message, line=marked_line(fn))
        assert "copy" in message or "x = x" in message, f"no fix offered:\n{message}"
    assert np.array_equal(x, [1.0, 2.0, 3.0]), "the caller's array was changed"


def updates_an_array_with_a_view(x, A):
    a = 1.0 * A
    b = a.T
    a += x  # <-
    return np.sum(b * b)


def sets_an_item_of_an_array_with_a_view(x, A):
    a = 1.0 * A
    b = a[0]
    a[0, 0] = x  # <-
    return np.sum(b * b)


def updates_the_iterated_array(x):
    a = np.ones(3)
    for e in a:
        a += e * x  # <-
    return np.sum(a)


def appends_to_a_list_held_by_a_dict(x):
    values = [x]
    record = {"values": values}
    values.append(x * 2.0)  # <-
    return sum(record["values"])


def adds_into_an_array_held_by_a_tuple(x):
    a = np.ones(2) * x
    pair = (a, 1.0)
    a += x  # <-
    return np.sum(pair[0])


def keeps_appending_the_same_array(x):
    a = np.zeros(2)
    rows = []
    for i in range(2):
        a[i] = x * (i + 1.0)  # <-
        rows.append(a)
    return np.sum(np.stack(rows))


def adds_into_an_array_a_list_holds(x):
    a = np.zeros(1)
    kept = []
    kept.append(a)
    a += x  # <-
    return np.sum(a) * x + np.sum(np.stack(kept))


@pytest.mark.parametrize("fn, args", [
    (adds_into_an_array_a_list_holds, (0.5,)),
    (appends_to_a_list_held_by_a_dict, (0.5,)),
    (adds_into_an_array_held_by_a_tuple, (0.5,)),
    (keeps_appending_the_same_array, (0.5,)),
    (updates_an_array_with_a_view, (0.5, np.array([[1.0, 2.0], [3.0, 4.0]]))),
    (sets_an_item_of_an_array_with_a_view, (0.5, np.array([[1.0, 2.0], [3.0, 4.0]]))),
    (updates_the_iterated_array, (0.5,)),
])
def test_writes_seen_through_another_name_are_refused_or_right(fn, args):
    # B.17: Python changes every view of the written array; s2sad's functional
    # updates do not, so it must refuse (or follow Python exactly), never diverge
    expected = fn(*(np.copy(a) for a in args))
    for mode in MODES:
        try:
            value, _ = s2sad.value_and_grad(fn, mode=mode)(*args)
        except S2SADError as exc:
            line = marked_line(fn)            # the write, or the loop header above it
            assert any(f"{HERE}:{n}" in str(exc) for n in (line, line - 1)), str(exc)
        else:
            assert_close(value, expected)


def appends_a_new_array_each_time(x):
    rows = []
    for i in range(2):
        a = np.zeros(2)
        a[i] = x * (i + 1.0)
        rows.append(a)
    return np.sum(np.stack(rows))


def stores_rows_into_an_array(x):
    h = np.zeros(3)
    rows = np.zeros((2, 3))
    for t in range(2):
        h[t] = x * (t + 1.0)
        rows[t] = h               # an array stores a copy of the values
    return np.sum(rows * rows)


def scales_a_number_it_appended(x):
    t = x * 2.0
    kept = []
    for i in range(2):
        kept.append(t)
        t *= 0.9                  # a new number: the list keeps the old one
    return t + np.sum(np.stack(kept))


def stores_rows_into_a_list(x):
    h = np.zeros(3)
    rows = [np.zeros(3), np.zeros(3)]
    for t in range(2):  # <-
        h[t] = x * (t + 1.0)
        rows[t] = h               # a list stores the array itself
    return np.sum(np.stack(rows))


def test_a_list_holding_an_array_updated_later_is_refused():
    message = refusal(lambda: s2sad.grad(stores_rows_into_a_list)(2.0), UnsupportedSyntaxError)
    assert_message(message, "'h'", "'rows'", "copy", line=marked_line(stores_rows_into_a_list))


def test_writes_into_local_arrays_lists_and_dicts():
    for mode in MODES:
        assert_close(s2sad.grad(stores_rows_into_an_array, mode=mode)(2.0), 24.0)
        assert_close(s2sad.grad(scales_a_number_it_appended, mode=mode)(2.0), 5.42)
        assert_close(s2sad.grad(appends_a_new_array_each_time, mode=mode)(2.0), 3.0)
        assert_close(s2sad.grad(writes_local, mode=mode)(2.0), 5.0)
        assert_close(s2sad.grad(appends, mode=mode)(2.0), 3.0)
        assert_close(s2sad.grad(dict_record, mode=mode)(2.0), 5.0)


def reads_an_item_then_writes(x):
    y = np.zeros(3)
    y[0] = x
    first = y[0]                  # a number, not a view: later writes do not change it
    y[1] = first * 2.0
    y += first
    return np.sum(y * y) + first


def sets_a_row_while_a_row_is_bound(x):
    y = np.zeros((2, 2))
    row = y[0]                    # a view: Python would change it with y
    y[0, 1] = x  # <-
    return np.sum(row) * x


def test_items_of_arrays_are_values_and_rows_are_views():
    for mode in MODES:
        # y = [x, 2x, 0] + x: sum of squares 4x^2 + 9x^2 + x^2, plus x
        assert_close(s2sad.grad(reads_an_item_then_writes, mode=mode)(0.5), 28.0 * 0.5 + 1.0)
        message = refusal(lambda: s2sad.grad(sets_a_row_while_a_row_is_bound, mode=mode)(0.5),
                          UnsupportedSyntaxError)
        assert_message(message, "'row' views", "copy", line=marked_line(
            sets_a_row_while_a_row_is_bound))
