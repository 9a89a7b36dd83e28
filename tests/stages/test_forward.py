"""Forward mode: the tangent function takes the primals then one tangent per `wrt`
parameter and returns (output, output tangent); tangents known to be zero are
symbolic (no equation computes or reads them); regions carry tangents alongside."""
import math
import operator

import numpy as np
import pytest

from s2sad.ir_nodes import Const, Eqn, If, Loop
from s2sad.kinds import FLOAT, INT
from s2sad.transforms.forward import forward

from .helpers import central_difference, jvp_of, lowered, only, reads, stmts_of
from .samples import CASES, branches, loops, product_plus_sine


def test_the_tangent_function_takes_primals_then_one_tangent_per_wrt_parameter():
    jvp = forward(lowered(product_plus_sine, FLOAT, FLOAT), [0, 1], None)
    assert jvp.param_names == ["x", "y", "dx", "dy"]
    assert [p.kind for p in jvp.params] == [FLOAT] * 4
    assert len(jvp.body.results) == 2, "(output, output tangent)"


def test_only_the_wrt_parameters_get_a_tangent_parameter():
    jvp = forward(lowered(product_plus_sine, FLOAT, FLOAT), [1], None)
    assert jvp.param_names == ["x", "y", "dy"]


def test_the_primal_equations_are_kept_and_give_the_output():
    jvp = forward(lowered(product_plus_sine, FLOAT, FLOAT), [0], None)
    primal = [e for e in jvp.body.stmts if e.role == "primal"]
    assert [e.prim for e in primal] == [operator.mul, math.sin, operator.add]
    assert jvp.body.results[0] is primal[-1].outs[0]


@pytest.mark.parametrize("fn, arg_kinds, args, wrt", CASES)
def test_the_tangent_agrees_with_finite_differences(fn, arg_kinds, args, wrt):
    rng = np.random.default_rng(0)
    tangents = [rng.normal(size=np.shape(a)) if i in wrt else None for i, a in enumerate(args)]
    out, tangent = jvp_of(fn, arg_kinds, wrt)(*args, *(tangents[i] for i in wrt))
    np.testing.assert_allclose(out, fn(*args), rtol=1e-14)
    expected = central_difference(fn, args, tangents)
    np.testing.assert_allclose(tangent, expected, rtol=1e-7, atol=1e-9)


def uses_y_only_through_floor(x, y):
    f = np.floor(y) * 2.0
    return x * math.sin(x) + f


def test_an_input_with_zero_derivative_gets_no_tangent_computation():
    jvp = forward(lowered(uses_y_only_through_floor, FLOAT, FLOAT), [0, 1], None)
    dx, dy = jvp.params[2:]
    assert reads(jvp.body, dx), "x's tangent is used"
    assert not reads(jvp.body, dy), "y's tangent is symbolically zero: nothing reads it"


def scales_by_a_constant_product(x, c):
    cc = c * c
    return x * cc


def test_an_inactive_equation_is_not_followed_by_a_tangent():
    jvp = forward(lowered(scales_by_a_constant_product, FLOAT, FLOAT), [0], None)
    square, product, tangent = jvp.body.stmts
    assert (square.role, product.role, tangent.role) == ("primal", "primal", "tangent")
    assert set(tangent.args) == {jvp.params[2], square.outs[0]}, "dx * cc"


def ignores_x(x, y):
    return y * y


def test_an_output_independent_of_the_input_has_a_zero_tangent_and_no_tangent_code():
    jvp = forward(lowered(ignores_x, FLOAT, FLOAT), [0], None)
    assert all(stmt.role == "primal" for stmt in jvp.body.stmts)
    zero = jvp.body.results[1]
    assert isinstance(zero, Const) and zero.value == 0.0
    assert jvp_of(ignores_x, (FLOAT, FLOAT), [0])(2.0, 3.0, 1.0) == (9.0, 0.0)


def test_an_if_yields_the_tangents_of_its_outs_from_both_branches():
    jvp = forward(lowered(branches, FLOAT), [0], None)
    region = only(stmts_of(jvp.body, If))
    assert len(region.outs) == 2 and jvp.body.results == region.outs
    then_tangent, else_tangent = region.then.results[1], region.orelse.results[1]
    assert any(e.outs == [then_tangent] for e in region.then.stmts if isinstance(e, Eqn))
    assert any(e.outs == [else_tangent] for e in region.orelse.stmts if isinstance(e, Eqn))


def test_a_loop_carries_the_tangents_of_active_values_only():
    def grows(x, n):
        y = 1.0
        t = 0.0
        for i in range(n):
            y = y * x
            t = t + 1.0
        return y * t

    ir = lowered(grows, FLOAT, INT)
    before = only(stmts_of(ir.body, Loop))
    hints = sorted(c.hint for c in before.carried)
    jvp = forward(ir, [0], None)
    loop = only(stmts_of(jvp.body, Loop))
    assert len(loop.carried) == len(hints) + 1, "y's tangent is carried; t's is zero"
    assert sorted(c.hint for c in loop.carried) == sorted(hints + ["dy"])


def test_the_tangent_parameter_starts_the_carried_tangent():
    jvp = forward(lowered(loops, FLOAT, INT), [0], None)
    loop = only(stmts_of(jvp.body, Loop))
    dx = jvp.params[2]
    assert len(loop.carried) == 2 and dx in loop.inits
