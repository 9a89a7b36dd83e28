"""Lowering (gast -> IR): one primitive per equation, single assignment, `if` and loops
as regions whose outs merge the values assigned inside, jumps as flags, and errors
located at the user's line."""
import inspect
import linecache
import math
import operator
import os

import pytest

from s2sad import UnsupportedSyntaxError
from s2sad.fence import check
from s2sad.ir_nodes import Const, If, Loop, Var
from s2sad.kinds import FLOAT, INT, array
from s2sad.lower import lower
from s2sad.printer import print_function
from s2sad.parsing import parse_function

from .helpers import defined_vars, lowered, marked_line, only, reads, stmts_of
from .samples import branches, breaks, continues, halves, loops, product_plus_sine, returns_early


def rebinds(x):
    y = x * 2.0
    y = y + 1.0
    y = math.sin(y)
    return y


def branch_without_else(x):
    y = x
    if x > 0.0:
        y = x * x
    return y


def iterates_an_array(x):
    s = 0.0
    for v in x:
        s = s + v
    return s


def everything(x, n):
    s = 0.0
    for i in range(n):
        if s > x:
            s = s - x
        else:
            s = s + math.cos(x)
        while s > 10.0:
            s = s * 0.5
    return s * s


def test_one_primitive_per_equation():
    fn = lowered(product_plus_sine, FLOAT, FLOAT)
    mul, sin, add = fn.body.stmts
    assert [e.prim for e in (mul, sin, add)] == [operator.mul, math.sin, operator.add]
    x, y = fn.params
    assert mul.args == [x, y] and sin.args == [x]
    assert add.args == [mul.outs[0], sin.outs[0]]
    assert fn.body.results == add.outs


def test_parameters_are_vars_named_like_the_user_parameters():
    fn = lowered(product_plus_sine, FLOAT, FLOAT)
    assert [p.hint for p in fn.params] == ["x", "y"] == fn.param_names
    assert all(isinstance(p, Var) for p in fn.params)


def test_equations_carry_the_user_file_and_line():
    fn = lowered(product_plus_sine, FLOAT, FLOAT)
    for eqn in fn.body.stmts:
        assert os.path.samefile(eqn.loc.filename, inspect.getsourcefile(product_plus_sine))
        assert eqn.loc.line == marked_line(product_plus_sine)
        assert "x * y + math.sin(x)" in eqn.loc.source_line


EVERY_SHAPE = [(rebinds, (FLOAT,)), (branches, (FLOAT,)), (loops, (FLOAT, INT)),
               (halves, (FLOAT, FLOAT)), (breaks, (FLOAT,)), (returns_early, (FLOAT,)),
               (continues, (FLOAT,)), (everything, (FLOAT, INT))]


@pytest.mark.parametrize("fn, arg_kinds", EVERY_SHAPE, ids=[fn.__name__ for fn, _ in EVERY_SHAPE])
def test_every_value_is_assigned_once(fn, arg_kinds):
    ir = lowered(fn, *arg_kinds)
    assigned = defined_vars(ir)
    assert len(assigned) == len(set(assigned)), "a Var is assigned twice"
    assert all(isinstance(v, Var) for v in assigned)


def test_rebinding_a_name_makes_a_new_value_with_the_same_hint():
    fn = lowered(rebinds, FLOAT)
    outs = [e.outs[0] for e in fn.body.stmts]
    assert [v.hint for v in outs] == ["y", "y", "y"]
    assert len(set(outs)) == 3
    assert fn.body.stmts[1].args[0] is outs[0] and fn.body.stmts[2].args[0] is outs[1]
    assert fn.body.results == [outs[2]]


def test_if_becomes_a_region_whose_outs_merge_both_branches():
    fn = lowered(branches, FLOAT)
    compare, region = fn.body.stmts
    assert compare.prim is operator.gt and isinstance(region, If)
    assert region.cond is compare.outs[0]
    (y,) = region.outs
    then_mul, else_neg = only(region.then.stmts), only(region.orelse.stmts)
    assert then_mul.prim is operator.mul and else_neg.prim is operator.neg
    assert region.then.results == then_mul.outs and region.orelse.results == else_neg.outs
    assert fn.body.results == [y]


def test_a_branch_that_assigns_nothing_yields_the_value_from_before():
    fn = lowered(branch_without_else, FLOAT)
    region = only(stmts_of(fn.body, If))
    (x,) = fn.params
    assert region.orelse.stmts == [] and region.orelse.results == [x]
    assert fn.body.results == region.outs


def test_for_range_becomes_a_loop_with_carried_values():
    fn = lowered(loops, FLOAT, INT)
    x, n = fn.params
    loop = only(fn.body.stmts)
    assert isinstance(loop, Loop) and loop.kind == "range"
    assert [type(b) for b in loop.bounds] == [Const, Var, Const]
    assert loop.bounds[1] is n and (loop.bounds[0].value, loop.bounds[2].value) == (0, 1)
    (y,) = loop.carried
    assert loop.inits == [x], "y starts as x"
    sin, mul = loop.body.stmts
    assert sin.args == [y] and mul.args == [sin.outs[0], x]
    assert loop.body.results == mul.outs, "the next iteration's y"
    assert fn.body.results == loop.outs
    assert not loop.has_stop and isinstance(loop.index, Var)


def test_values_the_loop_only_reads_are_not_carried():
    loop = only(lowered(loops, FLOAT, INT).body.stmts)
    assert [c.hint for c in loop.carried] == ["y"]


def test_while_loop_decides_each_iteration_in_a_condition_block():
    loop = only(stmts_of(lowered(halves, FLOAT, FLOAT).body, Loop))
    assert loop.kind == "while" and loop.index is None
    (x_carried,) = loop.carried
    compare = only(loop.cond.stmts)
    assert compare.prim is operator.gt and compare.args[0] is x_carried
    assert loop.cond.results == compare.outs


def test_break_is_a_stop_flag_yielded_by_the_body():
    loop = only(stmts_of(lowered(breaks, FLOAT).body, Loop))
    assert loop.has_stop
    region = only(s for s in loop.body.stmts if isinstance(s, If))
    stop = loop.body.results[-1]
    position = region.outs.index(stop)
    assert region.then.results[position].value is True, "the branch that breaks stops"
    assert region.orelse.results[position].value is False


def test_continue_skips_the_rest_of_the_iteration_without_stopping():
    loop = only(stmts_of(lowered(continues, FLOAT).body, Loop))
    assert not loop.has_stop
    region = only(s for s in loop.body.stmts if isinstance(s, If))
    (s_carried,) = loop.carried
    assert region.then.stmts == [] and region.then.results == [s_carried]
    assert region.orelse.stmts[-1].prim is operator.add


def test_return_inside_a_loop_stops_it_and_the_flag_selects_the_result():
    fn = lowered(returns_early, FLOAT)
    loop, after = fn.body.stmts
    assert isinstance(loop, Loop) and loop.has_stop
    assert isinstance(after, If) and after.cond in loop.outs, "did a return happen?"
    returned, fell_through = after.then.results[0], after.orelse.results[0]
    assert returned in loop.outs and fell_through in loop.outs and returned is not fell_through
    assert fn.body.results[0] is after.outs[0]


def test_for_over_an_array_loops_over_its_indices():
    fn = lowered(iterates_an_array, array(1, "float64"))
    (x,) = fn.params
    length, loop = fn.body.stmts
    assert length.prim is len and length.args == [x]
    assert loop.kind == "range" and loop.bounds[1] is length.outs[0]
    item = reads(loop.body, x)[0]
    assert item.prim is operator.getitem and item.args == [x, loop.index]


def test_printing_the_same_function_twice_gives_the_same_text():
    assert print_function(lowered(everything, FLOAT, INT)) == \
        print_function(lowered(everything, FLOAT, INT))


def unpacks_too_many(x):
    p, q = (x, x, x)  # <-
    return p


def reads_an_unknown_name(x):
    return x * not_defined_anywhere  # noqa: F821  # <-


@pytest.mark.parametrize("fn, words", [
    (unpacks_too_many, ["unpack 3 values into 2"]),
    (reads_an_unknown_name, ["not_defined_anywhere", "not defined"]),
])
def test_refusals_name_the_file_line_and_column(fn, words):
    parsed = parse_function(fn)
    check(parsed)
    with pytest.raises(UnsupportedSyntaxError) as info:
        lower(parsed, (FLOAT,))
    err, line = info.value, marked_line(fn)
    assert os.path.samefile(err.filename, __file__) and err.lineno == line
    assert err.text.strip() == linecache.getline(__file__, line).strip() and err.offset >= 1
    assert f"{os.path.basename(__file__)}:{line}:{err.offset}" in str(err)
    for word in words:
        assert word in str(err)
