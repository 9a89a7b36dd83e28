"""Reverse mode: one function running the primal (forward sweep) and then the adjoint
statements (reverse sweep).  Straight-line code needs no tape; a loop pushes once per
iteration what its adjoint reads and the reverse loop pops it, over the reversed
range (or a counted range for other loops); adjoints accumulate."""
import math
import operator

import numpy as np
import pytest

from s2sad import prims, runtime
from s2sad.ir_nodes import Eqn, If, Loop
from s2sad.kinds import FLOAT, INT
from s2sad.printer import print_function
from s2sad.transforms.reverse import reverse

from .helpers import eqns, generated, jvp_of, lowered, only, stmts_of, vjp_of
from .samples import CASES, branches, breaks, halves, loops, product_plus_sine


def tape_ops(block, prim) -> list[Eqn]:
    return [e for e in eqns(block) if e.prim is prim]


def test_the_adjoint_function_takes_primals_then_the_output_cotangent():
    vjp = reverse(lowered(product_plus_sine, FLOAT, FLOAT), [0, 1], None)
    assert vjp.param_names[:2] == ["x", "y"] and len(vjp.params) == 3
    assert vjp.param_names[2].startswith("b"), "the cotangent of the output"
    assert len(vjp.body.results) == 3, "(output, cotangent of x, cotangent of y)"


def test_only_the_wrt_parameters_get_a_cotangent():
    vjp = reverse(lowered(product_plus_sine, FLOAT, FLOAT), [1], None)
    assert len(vjp.body.results) == 2


@pytest.mark.parametrize("fn, arg_kinds", [(product_plus_sine, (FLOAT, FLOAT)),
                                            (branches, (FLOAT,)), (loops, (FLOAT, INT))])
def test_the_forward_sweep_comes_first_then_the_reverse_sweep(fn, arg_kinds):
    vjp = reverse(lowered(fn, *arg_kinds), [0], None)
    roles = [stmt.role for stmt in vjp.body.stmts]
    first_adjoint = roles.index("adjoint")
    assert set(roles[:first_adjoint]) == {"primal"} and set(roles[first_adjoint:]) == {"adjoint"}


@pytest.mark.parametrize("fn, arg_kinds", [(product_plus_sine, (FLOAT, FLOAT)),
                                            (branches, (FLOAT,))])
def test_without_loops_the_forward_sweep_is_the_primal_and_needs_no_tape(fn, arg_kinds):
    vjp = reverse(lowered(fn, *arg_kinds), [0], None)
    primal = print_function(lowered(fn, *arg_kinds)).splitlines()[1:-1]   # no def, return
    assert print_function(vjp).splitlines()[1:1 + len(primal)] == primal
    assert not tape_ops(vjp.body, prims.TAPE_PUSH) and not tape_ops(vjp.body, prims.TAPE_POP)


def test_contributions_to_an_adjoint_are_added_the_first_one_is_assigned():
    # x reaches the output twice (x * y and sin(x)): one addition, no zeros to start from
    vjp = reverse(lowered(product_plus_sine, FLOAT, FLOAT), [0], None)
    adjoint = [e for e in vjp.body.stmts if isinstance(e, Eqn) and e.role == "adjoint"]
    assert [e.prim for e in adjoint].count(operator.add) == 1
    assert runtime.zeros_like not in [e.prim for e in adjoint]


def sine(x):
    return math.sin(x)


def test_a_single_contribution_is_not_added_to_anything():
    vjp = reverse(lowered(sine, FLOAT), [0], None)
    used = [e.prim for e in eqns(vjp.body)]
    assert operator.add not in used and runtime.zeros_like not in used


def test_a_range_loop_pushes_once_per_iteration_and_is_reversed_over_the_same_range():
    vjp = reverse(lowered(loops, FLOAT, INT), [0], None)
    forward_loop, reverse_loop = stmts_of(vjp.body, Loop)
    assert forward_loop.role == "primal" and reverse_loop.role == "adjoint"
    push = only(tape_ops(vjp.body, prims.TAPE_PUSH))
    assert push in forward_loop.body.stmts, "in the body itself: one push per iteration"
    assert reverse_loop.kind == "range" and reverse_loop.reverse
    assert reverse_loop.bounds == forward_loop.bounds
    pop = reverse_loop.body.stmts[0]
    assert pop.prim is prims.TAPE_POP and len(pop.outs) == len(push.args)
    assert "in reversed(range(n))" in generated(vjp)


def test_a_while_loop_counts_its_iterations_and_the_reverse_loop_runs_that_many():
    vjp = reverse(lowered(halves, FLOAT, FLOAT), [0, 1], None)
    forward_loop, reverse_loop = stmts_of(vjp.body, Loop)
    assert forward_loop.kind == "while" and forward_loop.count is not None
    assert reverse_loop.kind == "range" and reverse_loop.bounds[1] is forward_loop.count


def test_a_loop_left_by_break_is_reversed_over_the_iterations_that_ran():
    vjp = reverse(lowered(breaks, FLOAT), [0], None)
    forward_loop, reverse_loop = stmts_of(vjp.body, Loop)
    assert forward_loop.has_stop and forward_loop.count is not None
    assert reverse_loop.reverse and reverse_loop.limit is forward_loop.count


def test_the_reverse_if_tests_the_same_condition():
    vjp = reverse(lowered(branches, FLOAT), [0], None)
    forward_if, reverse_if = stmts_of(vjp.body, If)
    assert (forward_if.role, reverse_if.role) == ("primal", "adjoint")
    assert reverse_if.cond is forward_if.cond


def ignores_y(x, y):
    return x * 3.0


def test_a_parameter_the_output_does_not_depend_on_gets_a_zero_cotangent():
    out, bx, by = vjp_of(ignores_y, (FLOAT, FLOAT), [0, 1])(2.0, 5.0, 1.0)
    assert (out, bx, by) == (6.0, 3.0, 0.0)


@pytest.mark.parametrize("fn, arg_kinds, args, wrt", CASES)
def test_dot_product_with_forward_mode(fn, arg_kinds, args, wrt):
    # <w, J v> from the tangent function equals <J^T w, v> from the adjoint function
    rng = np.random.default_rng(1)
    v = [rng.normal(size=np.shape(args[i])) for i in wrt]
    w = rng.normal()
    out, tangent = jvp_of(fn, arg_kinds, wrt)(*args, *v)
    out_reverse, *cotangents = vjp_of(fn, arg_kinds, wrt)(*args, w)
    np.testing.assert_allclose(out_reverse, out, rtol=1e-14)
    assert [np.shape(c) for c in cotangents] == [np.shape(args[i]) for i in wrt]
    np.testing.assert_allclose(w * tangent, sum(np.sum(c * t) for c, t in zip(cotangents, v)),
                               rtol=1e-12)
