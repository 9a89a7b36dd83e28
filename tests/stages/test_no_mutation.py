"""The transforms leave the IR they are given as it was: forward and reverse mode
build their result on a copy (`ir.clone`), so a lowered function can be
differentiated again, in the other mode or w.r.t. other parameters."""
import dataclasses
import math

import numpy as np
import pytest

from s2sad import kinds, prims
from s2sad.ir_nodes import Block, Eqn, If, Loop, Var, clone, walk
from s2sad.kinds import FLOAT, INT
from s2sad.printer import print_function
from s2sad.transforms.forward import forward
from s2sad.transforms.reverse import reverse
from s2sad.verify import verify

from .helpers import lowered
from .samples import CASES as SAMPLES


def helper(y, w):
    return math.sin(y) * w


def calls_a_helper(x, n):
    y = x
    for i in range(n):
        y = helper(y, x)
    return y


def item_assignment(x):
    a = np.zeros(3)
    a[0] = x
    a[1] = x * x
    return a.sum()


# (function, argument kinds, arguments, wrt): straight line, if, range and while
# loops, break, return and continue in a loop, arrays; a call; item assignment
CASES = SAMPLES + [
    pytest.param(calls_a_helper, (FLOAT, INT), (0.5, 3), (0,), id="calls_a_helper"),
    pytest.param(item_assignment, (FLOAT,), (0.5,), (0,), id="item_assignment"),
]


class StubProgram:
    """Names the derivatives of callees without generating them."""

    def jvp_call(self, fn, positions, arg_kinds, loc=None):
        return prims.DerivativeCall(f"{fn.__name__}_jvp", (kinds.UNKNOWN, kinds.UNKNOWN))

    def vjp_calls(self, fn, positions, arg_kinds, loc=None):
        return (prims.DerivativeCall(f"{fn.__name__}_fwd", (kinds.UNKNOWN, kinds.UNKNOWN)),
                prims.DerivativeCall(f"{fn.__name__}_bwd", tuple(arg_kinds[i] for i in positions)))


def snapshot(node):
    """Every field of `node` and of the IR records it holds, with the identity of each
    object: equal snapshots mean nothing was assigned, appended or replaced (the
    printed form leaves out, e.g., a Loop's iteration count)."""
    if isinstance(node, Var):
        return ("Var", id(node), node.hint, node.kind)
    if isinstance(node, (list, tuple)):
        return tuple(snapshot(x) for x in node)
    if isinstance(node, dict):
        return tuple((snapshot(k), snapshot(v)) for k, v in node.items())
    if isinstance(node, (Block, Eqn, If, Loop)):
        return (type(node).__name__, id(node)) + tuple(
            (f.name, snapshot(getattr(node, f.name))) for f in dataclasses.fields(node))
    return ("object", id(node))


def function_snapshot(fn):
    return [(f.name, snapshot(getattr(fn, f.name)) if f.name != "globals" else id(fn.globals))
            for f in dataclasses.fields(fn)]


@pytest.mark.parametrize("fn, arg_kinds, args, wrt", CASES)
def test_forward_and_reverse_leave_their_input_unchanged(fn, arg_kinds, args, wrt):
    ir = lowered(fn, *arg_kinds)
    text, before = print_function(ir), function_snapshot(ir)
    forward(ir, list(wrt), StubProgram())
    assert print_function(ir) == text
    assert function_snapshot(ir) == before
    reverse(ir, list(wrt), StubProgram())
    assert print_function(ir) == text
    assert function_snapshot(ir) == before


@pytest.mark.parametrize("fn, arg_kinds, args, wrt", CASES)
def test_a_function_differentiates_the_same_way_twice(fn, arg_kinds, args, wrt):
    ir = lowered(fn, *arg_kinds)
    for transform in (forward, reverse):
        first = print_function(transform(ir, list(wrt), StubProgram()))
        assert print_function(transform(ir, list(wrt), StubProgram())) == first


@pytest.mark.parametrize("fn, arg_kinds, args, wrt", CASES)
def test_a_clone_prints_like_the_original_and_shares_no_record(fn, arg_kinds, args, wrt):
    ir = lowered(fn, *arg_kinds)
    copy = clone(ir)
    verify(copy)     # reads only the copy's own Vars: the Var map is consistent
    assert print_function(copy) == print_function(ir)
    assert copy.param_names == ir.param_names and copy.globals is ir.globals

    def records(f):
        found = {id(s) for s in walk(f.body)} | {id(f.body)}
        for stmt in walk(f.body):
            found |= {id(v) for v in stmt.outs}
            if isinstance(stmt, Eqn):
                found |= {id(a) for a in stmt.args if isinstance(a, Var)}
        return found | {id(p) for p in f.params}
    assert not records(copy) & records(ir)

