"""Activity analysis: a value gets a derivative only when it depends differentiably on
a `wrt` parameter (varied) and the output depends differentiably on it (useful)."""
import math

import numpy as np

from s2sad.ir_nodes import If, Loop
from s2sad.kinds import FLOAT, INT
from s2sad.transforms.activity import active, useful, varied

from .helpers import lowered, only, stmts_of


def by_hint(fn) -> dict:
    """{hint: Var} of the outs of the top-level equations of `fn` (hints unique here)."""
    return {v.hint: v for stmt in fn.body.stmts for v in stmt.outs}


def two_paths(x, y):
    a = x * 2.0
    b = y * 3.0
    unused = math.sin(x)
    return a + b


def test_only_values_that_depend_on_a_wrt_parameter_are_active():
    fn = lowered(two_paths, FLOAT, FLOAT)
    x, y = fn.params
    values = by_hint(fn)
    found = active(fn, [x], fn.body.results)
    assert x in found and values["a"] in found and fn.body.results[0] in found
    assert y not in found and values["b"] not in found


def test_a_value_the_output_does_not_need_is_varied_but_not_active():
    fn = lowered(two_paths, FLOAT, FLOAT)
    x, _ = fn.params
    unused = by_hint(fn)["unused"]
    assert unused in varied(fn, [x])
    assert unused not in useful(fn, fn.body.results)
    assert unused not in active(fn, [x], fn.body.results)


def test_every_parameter_is_active_when_all_are_wrt():
    fn = lowered(two_paths, FLOAT, FLOAT)
    values = by_hint(fn)
    found = active(fn, fn.params, fn.body.results)
    assert {values["a"], values["b"], *fn.params} <= found


def integer_and_flat_paths(x, n):
    k = n * 2
    c = x > 0.0
    f = np.floor(x)
    return x * k + f


def test_integers_booleans_and_non_differentiable_results_are_never_active():
    fn = lowered(integer_and_flat_paths, FLOAT, INT)
    x, n = fn.params
    values = by_hint(fn)
    found = active(fn, [x, n], fn.body.results)
    assert n not in found and values["k"] not in found, "ints carry no derivative"
    assert values["c"] not in found, "a comparison is not differentiable"
    assert values["f"] not in found, "floor has zero derivative"
    assert x in found


def grows_in_a_loop(x, n):
    y = 1.0
    t = 0.0
    for i in range(n):
        y = y * x
        t = t + 1.0
    return y * t


def test_a_value_carried_around_a_loop_becomes_active_at_the_fixed_point():
    fn = lowered(grows_in_a_loop, FLOAT, INT)
    x, _ = fn.params
    loop = only(stmts_of(fn.body, Loop))
    carried = {c.hint: (c, out) for c, out in zip(loop.carried, loop.outs)}
    found = active(fn, [x], fn.body.results)
    assert set(carried["y"]) <= found, "y starts constant, then depends on x"
    assert not set(carried["t"]) & found, "t never depends on x"
    assert loop.index not in found


def picks(x, c):
    if c > 0.0:
        y = x * x
    else:
        y = c
    return y


def test_an_if_out_is_active_when_either_branch_gives_an_active_value():
    fn = lowered(picks, FLOAT, FLOAT)
    x, c = fn.params
    region = only(stmts_of(fn.body, If))
    assert region.outs[0] in active(fn, [x], fn.body.results)
    assert region.outs[0] not in active(fn, [], fn.body.results)
    assert c in active(fn, [c], fn.body.results), "c reaches the output through the else branch"
