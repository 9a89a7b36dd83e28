"""Code generation (IR -> Python text) and loading: the text compiles and computes
what the IR says, is the same for the same IR, names values after their hints
(tangents `d...`, adjoints `b...`), and carries comments naming the user's lines."""
import inspect
import math
import operator
import textwrap

import numpy as np
import pytest

from s2sad import codegen, kinds
from s2sad.ir_nodes import Block, Const, Eqn, Function, Var
from s2sad.kinds import FLOAT, INT
from s2sad.transforms.forward import forward
from s2sad.transforms.reverse import reverse

from .helpers import compiled, generated, lowered, marked_line
from .samples import CASES, loops, product_plus_sine


def straight_line(*hints) -> Function:
    """f(x) computing -(...-(sin(x * 2.0))...), each value named by the next hint."""
    x = Var("x")
    outs = [Var(h) for h in hints]
    stmts = [Eqn([outs[0]], operator.mul, [x, Const(2.0)]), Eqn([outs[1]], math.sin, [outs[0]])]
    stmts += [Eqn([b], operator.neg, [a]) for a, b in zip(outs[1:], outs[2:])]
    return Function("f", [x], Block(stmts, [outs[-1]]), param_names=["x"])


def test_a_var_is_named_after_its_hint():
    text = generated(straight_line("velocity", "heading"))
    assert "velocity = x * 2.0" in text and "heading = math.sin(velocity)" in text


def test_values_with_the_same_hint_get_numbered_names():
    text = generated(straight_line("y", "y", "y"))
    assert "y = x * 2.0" in text and "y_1 = math.sin(y)" in text and "y_2 = -y_1" in text


def test_hints_that_are_not_identifiers_become_identifiers():
    fn = straight_line("lambda", "2x", "a-b", "x")
    text = generated(fn)
    compile(text, "<test>", "exec")
    assert compiled(fn)(0.25) == pytest.approx(math.sin(0.5))
    assert "def f(x):" in text, "a value hinted like a parameter does not take its name"


def test_the_same_ir_gives_the_same_text():
    fn = reverse(lowered(loops, FLOAT, INT), [0], None)
    kinds.infer(fn, [FLOAT, INT, FLOAT])
    first = generated(fn)
    generated(reverse(lowered(product_plus_sine, FLOAT, FLOAT), [0], None))   # in between
    assert generated(fn) == first
    again = reverse(lowered(loops, FLOAT, INT), [0], None)
    kinds.infer(again, [FLOAT, INT, FLOAT])
    assert generated(again) == first, "names come from the IR, not from a global counter"


def test_comments_name_the_user_source_line():
    text = generated(lowered(product_plus_sine, FLOAT, FLOAT))
    line = marked_line(product_plus_sine)
    assert f"# line {line}: return x * y + math.sin(x)" in text


def test_the_reverse_sweep_says_which_line_it_is_the_adjoint_of():
    text = generated(reverse(lowered(product_plus_sine, FLOAT, FLOAT), [0], None))
    line = marked_line(product_plus_sine)
    primal, adjoint = text.index(f"# line {line}:"), text.index(f"# adjoint of line {line}:")
    assert primal < adjoint


def test_tangents_and_adjoints_are_named_after_their_primal():
    jvp = generated(forward(lowered(product_plus_sine, FLOAT, FLOAT), [0, 1], None))
    assert "def product_plus_sine_jvp(x, y, dx, dy):" in jvp
    vjp = generated(reverse(lowered(product_plus_sine, FLOAT, FLOAT), [0, 1], None))
    assert "def product_plus_sine_vjp(x, y, bresult):" in vjp
    assert "bx" in vjp and "by" in vjp


def test_objects_without_a_literal_form_are_handed_to_the_loader():
    text, objects = codegen.generate_program([(lowered(product_plus_sine, FLOAT, FLOAT), "t")])
    name = next(k for k, v in objects.items() if v is math)
    assert f"{name}.sin(x)" in text


@pytest.mark.parametrize("fn, arg_kinds, args, wrt", CASES)
def test_the_code_of_a_lowered_function_computes_what_the_function_does(fn, arg_kinds, args,
                                                                        wrt):
    np.testing.assert_allclose(compiled(lowered(fn, *arg_kinds))(*args), fn(*args), rtol=1e-15)


def test_the_loaded_function_shows_its_source():
    fn = lowered(product_plus_sine, FLOAT, FLOAT)
    loaded = compiled(fn)
    assert textwrap.dedent(inspect.getsource(loaded)) == generated(fn)


def test_check_finite_checks_each_derivative_value_and_no_primal_one():
    vjp = reverse(lowered(product_plus_sine, FLOAT, FLOAT), [0], None)
    text, _ = codegen.generate_program([(vjp, "t")], check_finite=True)
    checked = [line for line in text.splitlines() if ".check_finite(" in line]
    assert checked and all("'adjoint')" in line for line in checked)
    primal, _ = codegen.generate_program([(lowered(product_plus_sine, FLOAT, FLOAT), "t")],
                                         check_finite=True)
    assert ".check_finite(" not in primal
