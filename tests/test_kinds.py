"""Kind inference: joins at branch and loop merges, kinds of lists built in loops."""
import operator

import numpy as np

import s2sad.compiler

from s2sad import kinds
from s2sad.kinds import FLOAT, INT, UNKNOWN, Kind, array, join, list_of


def test_numeric_kinds_join_to_the_wider_one():
    assert join(INT, FLOAT) == FLOAT
    assert join(kinds.BOOL, INT) == INT
    assert join(FLOAT, array(1, "float64")) == UNKNOWN


def test_lists_of_different_lengths_join_to_a_list_of_any_length():
    vec = array(1, "float64")
    empty, one, two = Kind("list"), Kind("list", items=(vec,)), Kind("list", items=(vec, vec))
    assert join(empty, one) == list_of(vec)
    assert join(list_of(vec), two) == list_of(vec)
    assert join(one, one) == one
    assert join(Kind("list", items=(INT,)), Kind("list", items=(FLOAT, FLOAT))) == list_of(FLOAT)


def test_tuples_of_different_lengths_join_to_a_tuple_of_any_length():
    pair, one = Kind("tuple", items=(FLOAT, FLOAT)), Kind("tuple", items=(FLOAT,))
    assert join(one, pair) == list_of(FLOAT, "tupleof")
    assert join(list_of(FLOAT, "tupleof"), Kind("list", items=(FLOAT,))) == UNKNOWN


def test_sequences_with_items_of_different_kinds_stay_sequences_of_unknown_items():
    assert join(Kind("list", items=(FLOAT,)), Kind("list", items=(array(2, "float64"),))) \
        == list_of(UNKNOWN)
    assert join(Kind("tuple", items=(FLOAT,)), Kind("tuple", items=(FLOAT, FLOAT, INT))) \
        == list_of(FLOAT, "tupleof")
    assert join(Kind("tuple", items=(FLOAT,)), Kind("tuple", items=(array(1, "float64"),))) \
        == list_of(UNKNOWN, "tupleof")


def test_results_that_follow_a_list_length_are_not_given_a_fixed_length():
    def f(xs):
        return tuple(xs), len(xs), np.stack(xs), xs[0]

    fn = s2sad.compiler.DEFAULT.lowered(f, [list_of(array(1, "float64"))])
    by_prim = {eqn.prim: eqn.outs[0].kind for eqn in fn.body.stmts[:-1]}
    assert by_prim[tuple] == list_of(array(1, "float64"), "tupleof")
    assert by_prim[len] == INT
    assert by_prim[np.stack] == array(2, "float64")
    assert by_prim[operator.getitem] == array(1, "float64")


def test_slices_with_unknown_bounds_keep_array_kinds_and_vary_sequence_lengths():
    def f(h, v, t, k):
        h = h.copy()
        h[k, k:] = v[k:]
        return h, t[k:]

    fn = s2sad.compiler.DEFAULT.lowered(f, [array(2, "float64"), array(1, "float64"),
                                            Kind("tuple", items=(FLOAT, FLOAT, FLOAT)), INT])
    result = fn.body.results[0]
    items = next(e.args for e in fn.body.stmts if e.outs and e.outs[0] is result)
    assert items[0].kind == array(2, "float64")
    assert items[1].kind == list_of(FLOAT, "tupleof")
