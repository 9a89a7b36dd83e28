"""Kind inference on lowered IR: parameters' kinds propagate through equations, join
at the outs of an If, and reach a fixed point around loops.  (`tests/test_kinds.py`
tests `join` itself and the kinds of sequences.)"""
import math

import numpy as np

from s2sad import kinds
from s2sad.ir_nodes import If, Loop
from s2sad.kinds import BOOL, FLOAT, INT, UNKNOWN, array

from .helpers import lowered, only, stmts_of


def by_hint(fn) -> dict:
    """{hint: kind} of the outs of the top-level equations of `fn` (hints unique here)."""
    return {v.hint: v.kind for stmt in fn.body.stmts for v in stmt.outs}


def scalars(x, y, n):
    a = x * y
    b = math.sin(a)
    c = a > b
    m = n * n
    q = n / n
    k = n * 2.0
    return a, b, c, m, q, k


def arrays(x, s, v):
    y = x + s
    z = np.sum(y)
    w = v + x
    return y, z, w


def test_parameters_get_the_kinds_given():
    fn = lowered(scalars, FLOAT, FLOAT, INT, infer=False)
    assert all(p.kind is None for p in fn.params)
    kinds.infer(fn, (FLOAT, FLOAT, INT))
    assert [p.kind for p in fn.params] == [FLOAT, FLOAT, INT]


def test_scalar_kinds_propagate_through_equations():
    fn = lowered(scalars, FLOAT, FLOAT, INT, infer=False)
    kinds.infer(fn, (FLOAT, FLOAT, INT))
    found = by_hint(fn)
    assert (found["a"], found["b"], found["c"]) == (FLOAT, FLOAT, BOOL)
    assert (found["m"], found["q"], found["k"]) == (INT, FLOAT, FLOAT)


def test_array_kinds_keep_ndim_and_dtype_through_broadcasting():
    fn = lowered(arrays, array(2, "float32"), FLOAT, array(1, "float64"), infer=False)
    kinds.infer(fn, (array(2, "float32"), FLOAT, array(1, "float64")))
    found = by_hint(fn)
    assert found["y"] == array(2, "float32"), "a Python float does not widen float32"
    assert found["z"] == array(0, "float32"), "np.sum of an array is a NumPy scalar"
    assert found["w"] == array(2, "float64")


def test_unknown_parameters_give_unknown_results():
    fn = lowered(scalars, UNKNOWN, FLOAT, INT)
    assert by_hint(fn)["a"] == UNKNOWN


def picks(x, n, v):
    if n > 0:
        a = x * 2.0
        b = x
        c = x
    else:
        a = x
        b = n
        c = v
    return a, b, c


def test_the_outs_of_an_if_join_the_kinds_of_both_branches():
    fn = lowered(picks, FLOAT, INT, array(1, "float64"))
    region = only(stmts_of(fn.body, If))
    assert [o.kind for o in region.outs] == [FLOAT, FLOAT, UNKNOWN]


def becomes_float_in_the_loop(x, n):
    y = 1
    for i in range(n):
        y = y * x
    return y


def becomes_float_on_the_second_iteration(x, n):
    a = 1
    b = 1
    for i in range(n):
        b = a + 1
        a = x
    return b


def test_loop_carried_kinds_reach_a_fixed_point():
    loop = only(lowered(becomes_float_in_the_loop, FLOAT, INT).body.stmts)
    assert loop.carried[0].kind == FLOAT and loop.outs[0].kind == FLOAT, \
        "the int it starts as joined with the float each iteration gives"
    assert loop.index.kind == INT


def test_a_kind_that_needs_two_iterations_to_settle_settles():
    loop = only(lowered(becomes_float_on_the_second_iteration, FLOAT, INT).body.stmts)
    assert [c.kind for c in loop.carried] == [FLOAT, FLOAT]
    assert [o.kind for o in loop.outs] == [FLOAT, FLOAT]


def halves(x):
    while x > 1.0:
        x = x * 0.5
    return x


def test_a_while_condition_is_bool_and_its_carried_value_keeps_its_kind():
    loop = only(stmts_of(lowered(halves, FLOAT).body, Loop))
    assert kinds.kind_of(loop.cond.results[0]) == BOOL
    assert loop.carried[0].kind == FLOAT == loop.outs[0].kind


def test_fresh_inference_forgets_the_kinds_of_an_earlier_signature():
    fn = lowered(becomes_float_in_the_loop, FLOAT, INT)
    loop = only(fn.body.stmts)
    kinds.infer(fn, (INT, INT), fresh=True)
    assert loop.carried[0].kind == INT and fn.body.results[0].kind == INT
