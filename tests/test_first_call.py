"""The first-call (transform) plumbing made faster keeps its contracts:

* kind inference passes once over a function unless a loop did not settle: a
  further pass changes nothing, for loops whose carried kinds widen;
* the optimiser's table of available computations is shared with enclosing blocks:
  a value computed in one branch is never reused in the other or after the If;
* `used_vars` gives the Vars of `ir.uses` in its order;
* Kind equality, hashing, pickling and copying follow the fields;
* the garbage collector is paused only while a derivative is generated;
* a module edited and reloaded, or a rebound global, gives the new derivative.

Derivatives are checked against central differences (both modes, the dot-product
test), Hessians against differences of the gradient, float32 results keep float32.
"""
import copy
import gc
import importlib
import math
import pickle
import textwrap

import numpy as np
import pytest

import s2sad
from s2sad import kinds
from s2sad.ir_nodes import Block, Eqn, Var, reads, sub_blocks, uses, walk
from s2sad.kinds import FLOAT, INT, Kind, array
from s2sad.testing import check_grads, numerical_jvp
from s2sad.transforms.rewrite import used_vars


def widening(x, n):
    """Carried values start as ints and become floats in the loop (nested too)."""
    total, count = 0, 0
    for i in range(n):
        inner = 1
        for j in range(2):
            inner = inner * x + j
        total = total + inner * math.sin(x + i)
        count = count + 1
    return total / count


def while_widening(x):
    k, acc = 0, 1
    while k < 4:
        acc = acc * 0.5 + x * k
        k = k + 1
    return acc * x


def branch_local(x, c):
    """np.sin(x) is computed in one branch and again after the If."""
    if c > 0:
        a = np.sin(x) * 2.0
    else:
        a = x * 3.0
    b = np.sin(x)
    if c > 1:
        d = np.cos(x) + b
    else:
        d = np.cos(x) - b
    return np.sum(a * b + np.cos(x) * d)


def with_keywords(x):
    return np.sum(np.sum(x * np.sin(x), axis=0, keepdims=True) * x)


def gradient_differences(f, x, rest):
    """The Hessian of f in x as central differences of s2sad's gradient, by column."""
    grad = s2sad.grad(f)
    return np.stack([numerical_jvp(grad, (x,) + rest, (e,) + (None,) * len(rest), eps=1e-5)
                     for e in np.eye(x.size)], axis=-1)


@pytest.mark.parametrize("f, arg_kinds", [
    (widening, [FLOAT, INT]), (while_widening, [FLOAT]), (branch_local, [array(1, "float64"), INT]),
])
def test_one_inference_pass_is_a_fixed_point(f, arg_kinds):
    ir = s2sad.compiler.DEFAULT.lowered(f, arg_kinds)
    before = {id(v): v.kind for stmt in walk(ir.body) for v in getattr(stmt, "outs", ())}
    kinds.infer(ir, arg_kinds, fresh=True)
    after = {id(v): v.kind for stmt in walk(ir.body) for v in getattr(stmt, "outs", ())}
    assert after == before
    assert not kinds._block(ir.body, None, [])      # a further pass changes nothing
    assert kinds.kind_of(ir.body.results[0]) == FLOAT


@pytest.mark.parametrize("c", [0, 1, 2])
def test_values_of_a_branch_are_not_reused_outside_it(c):
    x = np.array([0.3, -0.7, 1.1])
    check_grads(lambda x: branch_local(x, c), (x,))
    want = gradient_differences(branch_local, x, (c,))
    np.testing.assert_allclose(s2sad.hessian(branch_local)(x, c), want, rtol=1e-6, atol=1e-8)
    x32 = x.astype(np.float32)
    g32 = s2sad.grad(branch_local)(x32, c)
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, s2sad.grad(branch_local)(x, c), rtol=1e-5)


def test_widening_loops_derivatives():
    check_grads(lambda x: widening(x, 3), (0.4,))
    check_grads(while_widening, (0.7,))
    h = s2sad.grad(s2sad.grad(lambda x: widening(x, 3)))(0.4)
    g = s2sad.grad(lambda x: widening(x, 3))
    assert h == pytest.approx((g(0.4 + 1e-5) - g(0.4 - 1e-5)) / 2e-5, rel=1e-6)
    tangent = s2sad.jvp(s2sad.grad(while_widening), (0.7,), (1.0,))[1]
    g = s2sad.grad(while_widening)
    assert tangent == pytest.approx((g(0.7 + 1e-5) - g(0.7 - 1e-5)) / 2e-5, rel=1e-6)


def _reference_uses(node):
    """ir.uses as it was defined before it became a list: a recursive generator."""
    if isinstance(node, Block):
        for stmt in node.stmts:
            yield from _reference_uses(stmt)
        yield from node.results
        return
    for sub in sub_blocks(node):
        yield from _reference_uses(sub)
    yield from reads(node)


def test_uses_and_used_vars_keep_their_order():
    for f, arg_kinds in [(widening, [FLOAT, INT]), (branch_local, [array(1, "float64"), INT]),
                         (while_widening, [FLOAT]), (with_keywords, [array(2, "float64")])]:
        program = s2sad.compiler.DEFAULT.derivative(f, "reverse", (0,), tuple(arg_kinds))
        body = program.entry.body
        nodes = [body] + list(walk(body))
        assert any(isinstance(s, Eqn) and s.kwargs for s in walk(body)) or f is not with_keywords
        for node in nodes:
            want = list(_reference_uses(node))
            assert uses(node) == want
            assert list(used_vars(node)) == list(dict.fromkeys(a for a in want
                                                                if isinstance(a, Var)))


def test_kinds_compare_hash_and_pickle_by_fields():
    a = Kind("tuple", items=(FLOAT, array(2, "float32")), fields=("p", "q"))
    b = Kind("tuple", items=(FLOAT, array(2, "float32")), fields=("p", "q"))
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Kind("tuple", items=(FLOAT, array(2, "float64")), fields=("p", "q"))
    assert a != Kind("tuple", items=(FLOAT, array(2, "float32")))
    assert FLOAT != INT and FLOAT != "float" and not FLOAT == 1.0
    for other in (pickle.loads(pickle.dumps(a)), copy.deepcopy(a), copy.copy(a)):
        assert other == a and hash(other) == hash(a)
        assert "_hash" not in pickle.loads(pickle.dumps(other)).__dict__


def test_collector_paused_only_while_generating():
    def f(x):
        return x * np.sin(x) + 1.0

    def unsupported(x):
        return {v for v in x}       # a set comprehension: refused

    assert gc.isenabled()
    s2sad.grad(f)(0.3)
    assert gc.isenabled()
    with pytest.raises(s2sad.S2SADError):
        s2sad.grad(unsupported)(0.3)
    assert gc.isenabled()
    gc.disable()
    try:
        assert s2sad.grad(lambda x: f(x) * 2.0)(0.3) == pytest.approx(
            2.0 * (math.sin(0.3) + 0.3 * math.cos(0.3)))
        assert not gc.isenabled()     # the user's choice is kept
    finally:
        gc.enable()


def test_redefined_function_and_rebound_global_give_new_derivatives(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    module = tmp_path / "first_call_mod.py"
    module.write_text(textwrap.dedent("""
        SCALE = 2.0
        def f(x):
            return SCALE * x * x
    """))
    import first_call_mod as m
    assert s2sad.grad(m.f)(3.0) == pytest.approx(12.0)
    m.SCALE = 5.0
    assert s2sad.grad(m.f)(3.0) == pytest.approx(30.0)
    module.write_text(textwrap.dedent("""
        SCALE = 2.0
        def f(x):
            return SCALE * x ** 3 + 0.0
    """))
    importlib.reload(m)
    assert s2sad.grad(m.f)(2.0) == pytest.approx(24.0)
    m.SCALE = np.float32(1.0)
    assert s2sad.grad(m.f)(2.0) == pytest.approx(12.0)


TRICKY = '''
import numpy as np
def docstring_at_column_0(x):
    """A docstring with a line at column 0:
if this ended the function, the rest would be lost
    """
    y = x * 2.0
    return y * y
def bracket_at_column_0(x):
    y = (x *
3.0)
    return np.sin(y) * x
def continued(x):
    y = x + \\
1.0
    return y * y * x
def comments_after(x):
    return x ** 3
# a comment at column 0
    # and one indented
def indented_helper(x):
    def inner(v):
        return v * v * 0.5
    return inner(x) + x
def uses_global(x):
    global COUNT
    COUNT = 1
    return x
'''


@pytest.mark.parametrize("name, x", [("docstring_at_column_0", 0.7), ("bracket_at_column_0", 0.4),
                                     ("continued", 1.3), ("comments_after", -0.6),
                                     ("indented_helper", 0.9)])
def test_functions_whose_lines_end_unusually(tmp_path, monkeypatch, name, x):
    """A def's lines are found by indentation first: lines at column 0 inside a string,
    brackets or after a backslash fall back to tokenizing, not to a shorter body."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "first_call_tricky.py").write_text(TRICKY)
    m = importlib.import_module("first_call_tricky")
    f = getattr(m, name)
    check_grads(f, (x,))
    g = s2sad.grad(f)
    want = (g(x + 1e-5) - g(x - 1e-5)) / 2e-5
    assert s2sad.grad(s2sad.grad(f))(x) == pytest.approx(want, rel=1e-5)
    assert s2sad.grad(f)(np.float32(x)) == pytest.approx(g(x), rel=1e-5)


def test_a_global_write_is_still_refused(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "first_call_tricky.py").write_text(TRICKY)
    m = importlib.import_module("first_call_tricky")
    with pytest.raises(s2sad.S2SADError, match="declared global"):
        s2sad.grad(m.uses_global)(1.0)
