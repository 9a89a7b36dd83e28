"""Results of user functions that are new objects may be updated in place by the caller.

`y = make_state(n); y[i] = v` is as safe as `y = np.zeros(n); y[i] = v` when the helper
returns an array it made and kept nowhere else (Compiler.fresh_results).  Everything else
a helper may return (its argument, a view, a global, one object twice) stays refused.
"""
import numpy as np
import pytest

import s2sad
from s2sad import UnsupportedSyntaxError
from s2sad.compiler import DEFAULT
from s2sad.testing import check_grads

X = np.array([0.3, -0.7, 1.1, 0.4])
STATE = np.zeros(4)


def zeros_like_state(x):
    return np.zeros(x.shape[0])


def scaled_copy(x, k=2.0):
    y = x.copy()
    y[0] = y[0] * k
    return y


def two_buffers(n):
    return np.zeros(n), np.ones(n)


def buffer_and_its_sum(x):
    y = x * 3.0
    return y, np.sum(y)


def new_or_copy(x, flag):
    if flag:
        return np.zeros(x.shape[0])
    return x.copy()


def fills_a_helper_result(x):
    y = zeros_like_state(x)
    for i in range(4):
        y[i] = np.sin(x[i]) * x[(i + 1) % 4]
    return np.sum(y * y)


def updates_a_scaled_copy(x):
    y = scaled_copy(x)
    y[1] += x[2] * x[3]
    y += x
    return np.sum(y ** 3)


def fills_two_buffers(x):
    h, c = two_buffers(4)
    for i in range(4):
        h[i] = np.tanh(x[i] + c[i])
        c[i] = h[i] * x[i]
    return np.sum(h * c)


def updates_an_unpacked_buffer(x):
    y, total = buffer_and_its_sum(x)
    y[0] = total * x[1]
    return np.sum(y * y) + total


def updates_a_branch_merge(x):
    y = new_or_copy(x, x[0] > 0.0)
    y[2] = x[3] * x[0]
    return np.sum(y * x)


@pytest.mark.parametrize("fn", [fills_a_helper_result, updates_a_scaled_copy,
                                fills_two_buffers, updates_an_unpacked_buffer,
                                updates_a_branch_merge])
def test_a_new_array_returned_by_a_helper_can_be_updated(fn):
    check_grads(fn, (X,))
    check_grads(fn, (-X,))
    assert np.array_equal(X, [0.3, -0.7, 1.1, 0.4]), "the caller's array was changed"


def same(a):
    return a


def tail(a):
    return a[1:]


def the_global():
    return STATE


def twice(x):
    y = x * 2.0
    return y, y


def with_a_view(x):
    y = x * 2.0
    return y, y[:2]


def with_a_list_holding_it(x):
    y = x * 2.0
    return y, [y]


def recursive_zeros(n):
    if n <= 1:
        return np.zeros(1)
    return np.concatenate([recursive_zeros(n - 1), np.zeros(1)])


@pytest.mark.parametrize("helper, expected", [
    (zeros_like_state, (True, frozenset())),
    (scaled_copy, (True, frozenset())),
    (two_buffers, (False, frozenset({0, 1}))),
    (buffer_and_its_sum, (False, frozenset({0}))),
    (new_or_copy, (True, frozenset())),
    (same, (False, frozenset())),
    (tail, (False, frozenset())),
    (the_global, (False, frozenset())),
    (twice, (False, frozenset())),
    (with_a_view, (False, frozenset())),
    (with_a_list_holding_it, (False, frozenset({1}))),
    (recursive_zeros, (False, frozenset())),
    (np.zeros, (False, frozenset())),
])
def test_which_results_are_new_objects(helper, expected):
    assert DEFAULT.fresh_results(helper)[0] == expected


def writes_into_what_same_returns(x):
    y = same(x)
    y[0] = 1.0
    return np.sum(y * x)


def writes_into_a_view_from_a_helper(x):
    y = tail(x)
    y[0] = 1.0
    return np.sum(y * x[1:])


def writes_into_a_global_from_a_helper(x):
    y = the_global()
    y[0] = x[0]
    return np.sum(y * x)


def writes_into_one_of_a_pair_of_the_same_array(x):
    y, z = twice(x)
    y[0] = 1.0
    return np.sum(y * z)


def writes_into_a_kept_tuple(x):
    pair = two_buffers(4)
    h, c = pair
    h[0] = x[0]
    return np.sum(pair[0] * x)


@pytest.mark.parametrize("fn", [writes_into_what_same_returns, writes_into_a_view_from_a_helper,
                                writes_into_a_global_from_a_helper,
                                writes_into_one_of_a_pair_of_the_same_array,
                                writes_into_a_kept_tuple])
def test_a_helper_result_that_may_be_shared_is_still_refused(fn):
    for mode in ("reverse", "forward"):
        with pytest.raises(UnsupportedSyntaxError) as info:
            s2sad.grad(fn, mode=mode)(X.copy())
        assert "copy" in str(info.value) and "test_fresh_results.py" in str(info.value)
    assert np.array_equal(STATE, np.zeros(4))


def shares_the_global(n):
    return STATE


INNER = zeros_like_state


def via_inner(x):
    return INNER(x)


def fills_what_via_inner_returns(x):
    y = via_inner(x)
    y[0] = x[1] * x[2]
    return np.sum(y * x)


def test_the_answer_follows_the_names_the_helper_calls():
    # via_inner's result is new only while INNER makes a new array; when INNER is
    # rebound to a function returning a global, the caller's write is refused again
    global INNER
    check_grads(fills_what_via_inner_returns, (X,))
    try:
        INNER = shares_the_global
        with pytest.raises(UnsupportedSyntaxError):
            s2sad.grad(fills_what_via_inner_returns)(X.copy())
        assert DEFAULT.fresh_results(via_inner)[0] == (False, frozenset())
    finally:
        INNER = zeros_like_state
    assert np.array_equal(STATE, np.zeros(4))


def test_lowering_arithmetic_is_what_alias_tracking_calls_arithmetic():
    import operator

    from s2sad import aliasing, lower
    assert set(lower.BINOPS.values()) | {operator.neg} == aliasing.ARITHMETIC
