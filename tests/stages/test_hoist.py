"""Loop-invariant code motion (transforms/hoist.py): what moves out of a loop, what
must stay (effects, operations that may raise in a loop that may not run, values the
loop defines), and that reverse mode then neither recomputes nor tapes the moved
values."""
import math
import operator

import numpy as np
import pytest

from s2sad import kinds, prims
from s2sad.ir_nodes import Block, Const, Eqn, Function, Global, If, Loop, Var
from s2sad.kinds import FLOAT, INT, array
from s2sad.transforms.forward import forward
from s2sad.transforms.hoist import hoist
from s2sad.transforms.optimize import optimize
from s2sad.transforms.reverse import reverse
from s2sad.verify import verify

from .helpers import compiled, eqns, lowered, only, stmts_of


def moved(ir) -> list:
    """The functions of the equations `hoist` moves out of loops, in order."""
    outside = {id(e) for e in eqns(ir.body)} - {id(e) for loop in stmts_of(ir.body, Loop)
                                                for e in eqns(loop.body)}
    hoist(ir)
    verify(ir, scoped=False)
    inner = {id(e) for loop in stmts_of(ir.body, Loop) for e in eqns(loop.body)}
    return [e.prim for e in eqns(ir.body) if id(e) not in inner and id(e) not in outside]


# ---- what moves ---------------------------------------------------------------------

def negated_rate(a, x, n):
    y = x
    for i in range(n):
        y = y + -a * y
    return y


def test_a_negation_of_a_value_from_outside_moves_out_of_a_loop_of_unknown_length():
    assert moved(lowered(negated_rate, FLOAT, FLOAT, INT)) == [operator.neg]


def scaled_twice(a, x, n):
    y = x
    for i in range(n):
        y = y * (a * 0.5) + a * 0.5
    return y


def test_a_value_computed_twice_in_the_loop_moves_out_once():
    ir = lowered(scaled_twice, FLOAT, FLOAT, INT)
    assert moved(ir) == [operator.mul]
    loop = only(stmts_of(ir.body, Loop))
    assert [e.prim for e in eqns(loop.body)] == [operator.mul, operator.add]


def nested(a, x, n):
    y = x
    for i in range(n):
        for j in range(n):
            y = y * (-a)
    return y


def test_an_invariant_of_nested_loops_moves_out_of_both():
    ir = lowered(nested, FLOAT, FLOAT, INT)
    assert moved(ir) == [operator.neg]
    assert isinstance(ir.body.stmts[ir.body.stmts.index(only(
        [s for s in ir.body.stmts if isinstance(s, Loop)])) - 1], Eqn)


def divided_first(a, b, x):
    y = x
    for i in range(3):
        y = y * (a / b)
    return y


def test_a_division_moves_out_of_a_range_that_certainly_runs_when_it_comes_first():
    assert moved(lowered(divided_first, FLOAT, FLOAT, FLOAT)) == [operator.truediv]


def by_literal(a, x, n):
    y = x
    for i in range(n):
        y = y + a / 6.0
    return y


def test_a_float_divided_by_a_nonzero_literal_moves_out_of_any_loop():
    assert moved(lowered(by_literal, FLOAT, FLOAT, INT)) == [operator.truediv]


def halving(a, x):
    while x > 1.0:
        x = x * 0.5 - a * 0.25
    return x


def test_float_arithmetic_moves_out_of_a_while_loop():
    assert moved(lowered(halving, FLOAT, FLOAT)) == [operator.mul]


def transposed(W, h, n):
    for i in range(n):
        h = np.tanh(W.T @ h)
    return h


def test_an_array_attribute_moves_out():
    assert moved(lowered(transposed, array(2, "float64"), array(1, "float64"), INT)) == \
        [prims.method("T")]


# ---- what stays ----------------------------------------------------------------------

def divided(a, b, x, n):
    y = x
    for i in range(n):
        y = y * (a / b)
    return y


def test_a_division_in_a_loop_that_may_not_run_moves_under_a_guard():
    ir = lowered(divided, FLOAT, FLOAT, FLOAT, INT)
    assert moved(ir) == [operator.lt, operator.truediv]
    guard = only(stmts_of(ir.body, If))
    assert [e.prim for e in guard.then.stmts] == [operator.truediv] and not guard.orelse.stmts
    test = only(e for e in ir.body.stmts if isinstance(e, Eqn) and e.prim is operator.lt)
    assert guard.cond is test.outs[0] and test.args[1] is ir.params[3]      # 0 < n
    f = compiled(ir)
    assert f(1.0, 0.0, 2.0, 0) == 2.0               # n = 0: no ZeroDivisionError
    assert f(3.0, 2.0, 2.0, 2) == 2.0 * 1.5 ** 2
    with pytest.raises(ZeroDivisionError):
        f(1.0, 0.0, 2.0, 1)


def rooted(c, x, n):
    for i in range(n):
        x = x * 0.5 + math.sqrt(c) * math.exp(-c)
    return x


def test_math_functions_of_a_loop_that_may_not_run_move_under_one_guard():
    ir = lowered(rooted, FLOAT, FLOAT, INT)
    assert moved(ir) == [operator.lt, math.sqrt, operator.neg, math.exp, operator.mul]
    guard = only(stmts_of(ir.body, If))
    assert len(guard.outs) == 4 and all(isinstance(r, Const) for r in guard.orelse.results)
    f = compiled(ir)
    assert f(-1.0, 2.0, 0) == 2.0                   # math.sqrt(-1.0) is never called
    assert f(0.25, 2.0, 2) == rooted(0.25, 2.0, 2)
    with pytest.raises(ValueError):
        f(-1.0, 2.0, 1)


def steps(A, v, n):
    for i in range(n):
        v = np.tanh(v) + A @ A[0]
    return v


def test_an_array_that_may_raise_stays_in_a_loop_that_may_not_run():
    # (no value of an array's kind to give it when the loop does not run)
    assert moved(lowered(steps, array(2, "float64"), array(1, "float64"), INT)) == []


def test_a_division_stays_in_a_range_of_literal_bounds_that_runs_no_iteration():
    ir = lowered(divided, FLOAT, FLOAT, FLOAT, INT)
    loop = only(stmts_of(ir.body, Loop))
    loop.bounds = [Const(0)]
    assert moved(ir) == []


def sqrt_in_while(c, x):
    while x > 1.0:
        x = x * 0.5 + math.sqrt(c)
    return x


def test_a_math_function_stays_in_a_while_loop():
    ir = lowered(sqrt_in_while, FLOAT, FLOAT)
    assert moved(ir) == []
    assert compiled(ir)(-1.0, 0.5) == 0.5           # math.sqrt(-1.0) is never called


def divided_second(a, b, x):
    y = x
    for i in range(3):
        y = math.sqrt(y)
        y = y * (a / b)
    return y


def test_a_division_after_a_statement_that_may_raise_stays():
    # math.sqrt(-1.0) raises ValueError in the first iteration: moving a / b before the
    # loop would raise ZeroDivisionError instead
    ir = lowered(divided_second, FLOAT, FLOAT, FLOAT)
    assert moved(ir) == []
    with pytest.raises(ValueError):
        compiled(ir)(1.0, 0.0, -1.0)


def in_branch(a, x, n):
    y = x
    for i in range(n):
        if y > 0.0:
            y = y * (-a)
    return y


def test_an_equation_in_a_branch_of_the_body_stays():
    assert moved(lowered(in_branch, FLOAT, FLOAT, INT)) == []


def test_values_the_loop_defines_stay():
    assert moved(lowered(negated_rate, FLOAT, FLOAT, INT)) == [operator.neg]
    ir = lowered(negated_rate, FLOAT, FLOAT, INT)
    hoist(ir)
    loop = only(stmts_of(ir.body, Loop))
    assert [e.prim for e in eqns(loop.body)] == [operator.mul, operator.add]


def loop_of(stmts, carried, x, n) -> Function:
    y, y2 = Var("y", FLOAT), Var("y2", FLOAT)
    body = Block(stmts, [carried])
    loop = Loop("range", [y], [x], body, [y2], bounds=[n], index=Var("i", INT))
    return y, loop


def test_effects_stay_in_the_loop():
    a, x, n = Var("a", FLOAT), Var("x", FLOAT), Var("n", INT)
    y, y2, y3, ok = Var("y", FLOAT), Var("y2", FLOAT), Var("y3", FLOAT), Var("ok", kinds.BOOL)
    stmts = [Eqn([ok], operator.gt, [y, Const(0.0)]),
             Eqn([], prims.ASSERT, [ok, Const("a must be positive")]),
             Eqn([], prims.TAPE_PUSH, [a]),
             Eqn([y3], operator.neg, [a], params={"effect": True}),
             Eqn([y2], operator.mul, [y, y3])]
    loop = Loop("range", [y], [x], Block(stmts, [y2]), [Var("out", FLOAT)], bounds=[n],
                index=Var("i", INT))
    fn = Function("f", [a, x, n], Block([loop], [loop.outs[0]]), param_names=["a", "x", "n"])
    hoist(fn)
    assert fn.body.stmts == [loop]
    assert [e.prim for e in loop.body.stmts] == [operator.gt, prims.ASSERT, prims.TAPE_PUSH,
                                                  operator.neg, operator.mul]


def test_a_global_moves_only_when_the_loop_calls_no_other_function():
    def make(call):
        g, x, n = Global("G", 2.0), Var("x", FLOAT), Var("n", INT)
        g.kind = FLOAT               # (specialised on: a float when the derivative runs)
        y, t, y2 = Var("y", FLOAT), Var("t", FLOAT), Var("y2", FLOAT)
        stmts = [Eqn([t], operator.neg, [g]), Eqn([y2], call, [y, t])]
        loop = Loop("range", [y], [x], Block(stmts, [y2]), [Var("out", FLOAT)], bounds=[n],
                    index=Var("i", INT))
        fn = Function("f", [x, n], Block([loop], [loop.outs[0]]), param_names=["x", "n"])
        hoist(fn)
        return [e.prim for e in fn.body.stmts if isinstance(e, Eqn)]

    def rebinds(y, t):            # a user function could rebind the global G
        return y * t
    assert make(operator.mul) == [operator.neg]
    assert make(rebinds) == []


# ---- reverse mode: moved values are neither recomputed nor taped ---------------------

def rk4_like(a, c, x0):
    x, v = x0, 0.0
    for i in range(20):
        k1 = -a * math.sin(x) - c * v
        k2 = -a * math.sin(x + 0.05 * v) - c * (v + 0.05 * k1)
        x = x + 0.1 * (v + 0.5 * k1)
        v = v + 0.1 * (k1 + k2) / 2.0
    return x * x + v


def reverse_optimized(fn, *arg_kinds):
    ir = lowered(fn, *arg_kinds)
    deriv = reverse(ir, list(range(len(arg_kinds))), None)
    verify(deriv, scoped=False)
    optimize(deriv, list(arg_kinds) + [FLOAT])
    verify(deriv, scoped=False)
    return deriv


def test_reverse_mode_neither_tapes_nor_recomputes_an_invariant():
    deriv = reverse_optimized(rk4_like, FLOAT, FLOAT, FLOAT)
    forward_loop, reverse_loop = stmts_of(deriv.body, Loop)
    negations = [e for e in eqns(deriv.body) if e.prim is operator.neg and e.role == "primal"]
    neg = only(negations)
    assert neg in deriv.body.stmts                      # before the loop, computed once
    push = only(e for e in eqns(forward_loop.body) if e.prim is prims.TAPE_PUSH)
    assert neg.outs[0] not in push.args
    reads = [e for e in eqns(reverse_loop.body) if neg.outs[0] in e.args]
    assert reads                                        # the adjoint reads it directly
    a, c, x0 = 1.3, 0.2, 0.7
    out, *grads = compiled(deriv)(a, c, x0, 1.0)
    assert out == pytest.approx(rk4_like(a, c, x0), rel=1e-14)
    for i, g in enumerate(grads):
        args = [a, c, x0]
        step = 1e-6
        up, down = list(args), list(args)
        up[i] += step
        down[i] -= step
        assert g == pytest.approx((rk4_like(*up) - rk4_like(*down)) / (2 * step), rel=1e-6)


def test_reverse_mode_tapes_fewer_values_per_iteration():
    deriv = reverse_optimized(rk4_like, FLOAT, FLOAT, FLOAT)
    push = only(e for e in eqns(deriv.body) if e.prim is prims.TAPE_PUSH)
    loop = stmts_of(deriv.body, Loop)[0]
    local = {v for e in eqns(loop.body) for v in e.outs} | set(loop.carried)
    assert all(v in local for v in push.args)           # nothing defined outside is taped


def shared_sine(a, x):
    s = math.sin(a)
    y = x
    while y < 10.0:
        y = y * (1.0 + math.sin(a)) + s    # math.sin may raise: it stays in the loop
    return y


def test_a_taped_value_defined_outside_every_loop_is_read_directly():
    # the tape is planned with 1.0 + math.sin(a) in the loop; optimize shares math.sin(a)
    # with s and moves 1.0 + s out of the loop: it is read directly, not popped
    deriv = reverse_optimized(shared_sine, FLOAT, FLOAT)
    forward_loop, reverse_loop = stmts_of(deriv.body, Loop)
    push = only(e for e in eqns(forward_loop.body) if e.prim is prims.TAPE_PUSH)
    local = {v for e in eqns(forward_loop.body) for v in e.outs} | set(forward_loop.carried)
    assert push.args and all(v in local for v in push.args)
    factor = only(e for e in deriv.body.stmts if isinstance(e, Eqn) and e.prim is operator.add
                  and e.role == "primal").outs[0]
    assert any(factor in e.args for e in eqns(reverse_loop.body))
    a, x = 0.7, 1.3
    out, ga, gx = compiled(deriv)(a, x, 1.0)
    step = 1e-6
    assert ga == pytest.approx((shared_sine(a + step, x) - shared_sine(a - step, x)) /
                               (2 * step), rel=1e-6)
    assert gx == pytest.approx((shared_sine(a, x + step) - shared_sine(a, x - step)) /
                               (2 * step), rel=1e-6)


def test_forward_mode_moves_an_invariant_and_its_tangent_out_of_the_loop():
    deriv = forward(lowered(negated_rate, FLOAT, FLOAT, INT), [0, 1], None)
    optimize(deriv, [FLOAT, FLOAT, INT, FLOAT, FLOAT])
    verify(deriv, scoped=False)
    loop = only(stmts_of(deriv.body, Loop))
    outside = [e for e in deriv.body.stmts if isinstance(e, Eqn)]
    assert [e.prim for e in outside if e.prim is operator.neg] == [operator.neg] * 2
    assert not any(e.prim is operator.neg for e in eqns(loop.body))
    a, x, n = 0.3, 1.1, 4
    out, tangent = compiled(deriv)(a, x, n, 1.0, 0.0)
    step = 1e-6
    assert tangent == pytest.approx((negated_rate(a + step, x, n) - negated_rate(a - step, x, n))
                                    / (2 * step), rel=1e-6)


def sqrt_twice(c, A, v, n):
    for i in range(n):
        s = math.sqrt(c)
        T = A.T               # (an array: ends the guarded branch)
        k = math.sqrt(c) * 2.0
        v = T @ v * s + k
    return v


def test_a_value_computed_again_reads_the_guarded_one():
    ir = lowered(sqrt_twice, FLOAT, array(2, "float64"), array(1, "float64"), INT)
    hoist(ir)
    verify(ir)
    f = compiled(ir)
    A, v = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([0.3, 0.4])
    assert np.array_equal(f(-1.0, A, v, 0), v)      # n = 0: nothing reads the guarded value
    np.testing.assert_allclose(f(0.25, A, v, 2), sqrt_twice(0.25, A, v, 2), rtol=1e-15)
