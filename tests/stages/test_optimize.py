"""Optimization of derivative IR once kinds are known: dead code removal (equations,
If outs, loop-carried values), constant folding, sharing of equal pure computations,
and dropping the runtime helpers that kinds prove unnecessary."""
import math
import operator

import numpy as np
import pytest

from s2sad import kinds, runtime
from s2sad.ir_nodes import Block, Const, Eqn, Function, If, Loop, Var
from s2sad.kinds import BOOL, FLOAT, INT, array
from s2sad.transforms.optimize import optimize
from s2sad.transforms.reverse import reverse
from s2sad.verify import verify

from .helpers import compiled, eqns, lowered, only
from .samples import loops, product_plus_sine


def function(params, stmts, results) -> Function:
    return Function("f", params, Block(stmts, results), param_names=[p.hint for p in params])


def optimized(fn: Function, *param_kinds) -> Function:
    optimize(fn, list(param_kinds))
    verify(fn, scoped=False)
    return fn


def test_an_equation_whose_result_is_unused_is_removed():
    x, used, unused = Var("x"), Var("used"), Var("unused")
    fn = optimized(function([x], [Eqn([unused], np.sin, [x]), Eqn([used], np.cos, [x])],
                            [used]), FLOAT)
    assert [e.prim for e in fn.body.stmts] == [np.cos]


def test_dead_code_is_removed_through_chains():
    x, a, b, c = Var("x"), Var("a"), Var("b"), Var("c")
    fn = optimized(function([x], [Eqn([a], np.sin, [x]), Eqn([b], np.exp, [a]),
                                  Eqn([c], operator.neg, [x])], [c]), FLOAT)
    assert [e.prim for e in fn.body.stmts] == [operator.neg]


def test_an_unused_operation_that_raises_for_some_numbers_is_kept():
    """math.log(-1.0) raises and x / 0.0 does: the derivative must raise where f does."""
    x, y, logged, ratio, out = Var("x"), Var("y"), Var("logged"), Var("ratio"), Var("out")
    fn = optimized(function([x, y], [Eqn([logged], math.log, [x]),
                                     Eqn([ratio], operator.truediv, [x, y]),
                                     Eqn([out], operator.neg, [x])], [out]), FLOAT, FLOAT)
    assert [e.prim for e in fn.body.stmts] == [math.log, operator.truediv, operator.neg]


def test_an_equation_with_an_effect_is_kept_when_unused():
    x, shown = Var("x"), Var("shown")
    fn = optimized(function([x], [Eqn([shown], print, [x], params={"effect": True})], [x]),
                   FLOAT)
    assert only(fn.body.stmts).prim is print


def test_constant_arithmetic_is_folded():
    x, a, b, c = Var("x"), Var("a"), Var("b"), Var("c")
    fn = optimized(function([x], [Eqn([a], operator.mul, [Const(2.0), Const(3.0)]),
                                  Eqn([b], operator.add, [a, Const(1.0)]),
                                  Eqn([c], operator.mul, [x, b])], [c]), FLOAT)
    product = only(fn.body.stmts)
    assert product.args[0] is x and isinstance(product.args[1], Const)
    assert product.args[1].value == 7.0


def test_arithmetic_that_would_fail_is_left_to_run():
    x, q = Var("x"), Var("q")
    fn = optimized(function([x], [Eqn([q], operator.truediv, [Const(1.0), Const(0.0)])], [q]),
                   FLOAT)
    assert only(fn.body.stmts).prim is operator.truediv


def test_equal_pure_computations_are_shared():
    x, y, a, b, c = Var("x"), Var("y"), Var("a"), Var("b"), Var("c")
    fn = optimized(function([x, y], [Eqn([a], operator.mul, [x, y]),
                                     Eqn([b], operator.mul, [x, y]),
                                     Eqn([c], operator.add, [a, b])], [c]), FLOAT, FLOAT)
    product, total = fn.body.stmts
    assert product.prim is operator.mul and total.args == [product.outs[0]] * 2


def test_random_draws_are_not_shared():
    x, r1, r2, s = Var("x"), Var("r"), Var("r"), Var("s")
    fn = optimized(function([x], [Eqn([r1], np.random.normal, []),
                                  Eqn([r2], np.random.normal, []),
                                  Eqn([s], operator.add, [r1, r2])], [s]), FLOAT)
    assert [e.prim for e in fn.body.stmts].count(np.random.normal) == 2


def test_a_value_computed_in_a_branch_is_not_reused_after_the_if():
    x, y, c = Var("x"), Var("y"), Var("c")
    inside, after, out, total = Var("inside"), Var("after"), Var("o"), Var("total")
    region = If(c, Block([Eqn([inside], operator.mul, [x, y])], [inside]),
                Block([], [x]), [out])
    fn = optimized(function([x, y, c], [region, Eqn([after], operator.mul, [x, y]),
                                        Eqn([total], operator.add, [out, after])], [total]),
                   FLOAT, FLOAT, BOOL)
    assert [e.prim for e in eqns(fn.body)].count(operator.mul) == 2, \
        "the product after the If may not read the branch's (the branch may not run)"


def test_a_branch_shares_a_computation_done_before_the_if():
    x, y, c = Var("x"), Var("y"), Var("c")
    before, inside, out, total = Var("before"), Var("inside"), Var("o"), Var("total")
    region = If(c, Block([Eqn([inside], operator.mul, [x, y])], [inside]),
                Block([], [x]), [out])
    fn = optimized(function([x, y, c], [Eqn([before], operator.mul, [x, y]), region,
                                        Eqn([total], operator.add, [out, before])], [total]),
                   FLOAT, FLOAT, BOOL)
    assert [e.prim for e in eqns(fn.body)].count(operator.mul) == 1
    assert region.then.results == [before]


@pytest.mark.parametrize("helper", [runtime.unbroadcast, runtime.cast_like])
def test_shape_helpers_between_python_floats_are_dropped(helper):
    x, g, out = Var("x"), Var("g"), Var("o")
    fn = optimized(function([x, g], [Eqn([out], helper, [g, x])], [out]), FLOAT, FLOAT)
    assert fn.body.stmts == [] and fn.body.results == [g]


@pytest.mark.parametrize("helper", [runtime.unbroadcast, runtime.cast_like])
def test_shape_helpers_on_arrays_are_kept(helper):
    x, g, out = Var("x"), Var("g"), Var("o")
    fn = optimized(function([x, g], [Eqn([out], helper, [g, x])], [out]),
                   array(1, "float64"), FLOAT)
    assert only(fn.body.stmts).prim is helper


def test_zeros_like_a_python_float_is_the_literal_zero():
    x, zero = Var("x"), Var("zero")
    fn = optimized(function([x], [Eqn([zero], runtime.zeros_like, [x])], [zero]), FLOAT)
    assert fn.body.stmts == [] and fn.body.results[0].value == 0.0


def test_unused_outs_of_an_if_are_removed():
    x, c, a, b, used, unused = Var("x"), Var("c"), Var("a"), Var("b"), Var("u"), Var("n")
    region = If(c, Block([Eqn([a], np.sin, [x]), Eqn([b], np.cos, [x])], [a, b]),
                Block([], [x, x]), [used, unused])
    fn = optimized(function([x, c], [region], [used]), FLOAT, BOOL)
    assert region.outs == [used] and region.then.results == [a]
    assert [e.prim for e in region.then.stmts] == [np.sin]


def test_a_flag_set_by_both_branches_becomes_the_condition():
    x, c, flag = Var("x"), Var("c"), Var("flag")
    region = If(c, Block([], [Const(True)]), Block([], [Const(False)]), [flag])
    fn = optimized(function([x, c], [region], [flag]), FLOAT, BOOL)
    assert fn.body.results == [c] and fn.body.stmts == []


def test_a_carried_value_nobody_reads_after_the_loop_is_removed():
    x, n, i = Var("x"), Var("n"), Var("i")
    y, y_next, y_out = Var("y"), Var("y"), Var("y")
    t, t_next, t_out = Var("t"), Var("t"), Var("t")
    loop = Loop("range", [y, t], [x, Const(0.0)],
                Block([Eqn([y_next], operator.mul, [y, x]),
                       Eqn([t_next], operator.add, [t, Const(1.0)])], [y_next, t_next]),
                [y_out, t_out], bounds=[Const(0), n, Const(1)], index=i)
    fn = optimized(function([x, n], [loop], [y_out]), FLOAT, INT)
    assert loop.carried == [y] and loop.outs == [y_out]
    assert [e.prim for e in loop.body.stmts] == [operator.mul]


def test_a_value_the_loop_passes_through_unchanged_is_its_initial_value():
    x, n, i = Var("x"), Var("n"), Var("i")
    y, y_next, y_out, k, k_out = Var("y"), Var("y"), Var("y"), Var("k"), Var("k")
    loop = Loop("range", [y, k], [x, x],
                Block([Eqn([y_next], operator.mul, [y, k])], [y_next, k]),
                [y_out, k_out], bounds=[Const(0), n, Const(1)], index=i)
    total = Var("total")
    fn = optimized(function([x, n], [loop, Eqn([total], operator.add, [y_out, k_out])], [total]),
                   FLOAT, INT)
    assert loop.carried == [y]
    assert loop.body.stmts[0].args == [y, x] and fn.body.stmts[-1].args == [y_out, x]


@pytest.mark.parametrize("fn, arg_kinds, args", [
    (product_plus_sine, (FLOAT, FLOAT), (0.7, -1.3)),
    (loops, (FLOAT, INT), (0.9, 4)),
])
def test_an_optimized_derivative_computes_the_same_values_with_fewer_equations(fn, arg_kinds,
                                                                                args):
    def derivative(optimize_it):
        deriv = reverse(lowered(fn, *arg_kinds), [0], None)
        param_kinds = list(arg_kinds) + [FLOAT]
        if optimize_it:
            optimized(deriv, *param_kinds)
        else:
            kinds.infer(deriv, param_kinds)
        return deriv
    plain, better = derivative(False), derivative(True)
    assert len(eqns(better.body)) < len(eqns(plain.body))
    assert not {runtime.unbroadcast, runtime.cast_like} & {e.prim for e in eqns(better.body)}
    assert compiled(better)(*args, 1.0) == pytest.approx(compiled(plain)(*args, 1.0), rel=1e-15)
