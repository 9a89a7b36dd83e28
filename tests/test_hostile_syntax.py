"""Hostile syntax: expressions of any length, `raise` and `assert` as control flow,
reads of `global`/`nonlocal` names, generator expressions, f-strings, functions that
fall off their end, and local functions calling each other.

Derivatives are checked in both modes, against finite differences (check_grads) or
analytic values; refusals are S2SADErrors naming the user's file and line.  Functions
too long to write here are generated into a module in a temporary directory (s2sad
reads the source from disk).
"""
from __future__ import annotations

import importlib.util
import inspect
import sys

import numpy as np
import pytest

import s2sad
from s2sad import NonDifferentiableError, S2SADError, UnsupportedSyntaxError
from s2sad.testing import check_grads

MODES = ("reverse", "forward")


def derivative(f, mode, *args, wrt=0):
    """The derivative of scalar `f` w.r.t. argument `wrt` (a float or an array), in
    `mode`: `grad`, or one `jvp` per element along the unit vectors."""
    if mode == "reverse":
        return s2sad.grad(f, wrt=wrt)(*args)
    x = args[wrt]

    def along(unit):
        tangents = tuple(unit if i == wrt else 0.0 if isinstance(a, float) else None
                         for i, a in enumerate(args))
        return s2sad.jvp(f, args, tangents)[1]
    if isinstance(x, np.ndarray):
        return np.array([along(np.eye(x.size)[k].reshape(x.shape)) for k in range(x.size)])
    return along(1.0)


def marked(fn, marker="# <-") -> int:
    """The line of `fn` carrying `marker`."""
    lines, first = inspect.getsourcelines(fn)
    [line] = [first + i for i, text in enumerate(lines) if marker in text]
    return line


def refused(thunk, error=S2SADError) -> S2SADError:
    with pytest.raises(S2SADError) as info:
        thunk()
    assert isinstance(info.value, error), f"{type(info.value).__name__}: {info.value}"
    return info.value


def assert_names(err, path, line, *words):
    message = str(err)
    assert f"{path}:{line}:" in message, message
    for word in words:
        assert word.lower() in message.lower(), f"expected {word!r} in:\n{message}"


# ------------------------------------------------------------- 1. expressions of any length

def _elif_chain(n: int) -> list:
    return ["if x < 0:", "    y = -x", *[f"elif x < {i}:\n    y = x * {i}" for i in range(n)]]


def _long_functions() -> str:
    """The text of a module of functions of `x` with very long expressions."""
    sum_terms = lambda n: " + ".join(f"x*{i}" for i in range(n))  # noqa: E731
    returns = {
        "sum300": sum_terms(300),
        "sum1000": sum_terms(1000),
        "product300": " * ".join("(1.0 + x * 0.001)" for _ in range(300)),
        "product100": " * ".join("(1.0 + x * 0.01)" for _ in range(100)),
        "mixed": " + ".join(f"np.sin(x * {i % 5}.5) * x - x / {i + 1}.0 ** 0.5"
                            for i in range(200)),
        "parens": "(" * 150 + "x" + "".join(f" * 1.01 + {i % 3})" for i in range(150)),
        "unary": "- " * 301 + "np.sin(x)",
        "calls": "np.sin(" * 150 + "x" + ")" * 150,
        "compare": "x * (" + " < ".join(["x"] + [f"x + {i}" for i in range(1, 200)]) + ")",
        "elements": " + ".join(f"x[{i % 3}] * x[{(i + 1) % 3}] * {i % 7}.25" for i in range(200)),
        "conditional": "".join(f"x * {i} if x < {i} else " for i in range(60)) + "x * x",
    }
    bodies = {name: [f"return {expression}"] for name, expression in returns.items()}
    bodies["elifs"] = _elif_chain(60) + ["else:", "    y = x * x", "return y"]
    bodies["too_many_elifs"] = _elif_chain(120) + ["return y"]
    lines = ["import numpy as np", ""]
    for name, body in bodies.items():
        lines += [f"def {name}(x):", *("    " + line.replace("\n", "\n    ") for line in body), ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def long(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "long_functions.py"
    path.write_text(_long_functions())
    spec = importlib.util.spec_from_file_location("s2sad_hostile_long_functions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("mode", MODES)
def test_long_sums_and_products_have_their_analytic_derivatives(long, mode):
    x = 1.5
    assert derivative(long.sum300, mode, x) == pytest.approx(sum(range(300)))
    assert derivative(long.sum1000, mode, x) == pytest.approx(sum(range(1000)))
    assert derivative(long.product300, mode, x) == pytest.approx(0.3 * (1 + 0.001 * x) ** 299,
                                                                 rel=1e-10)
    assert derivative(long.parens, mode, x) == pytest.approx(1.01 ** 150, rel=1e-10)
    assert derivative(long.unary, mode, x) == pytest.approx(-np.cos(x), rel=1e-12)
    assert derivative(long.compare, mode, x) == pytest.approx(1.0)


@pytest.mark.parametrize("name, args", [
    ("mixed", (0.7,)), ("parens", (0.3,)), ("calls", (0.4,)), ("unary", (0.2,)),
    ("elements", (np.array([0.5, -1.2, 2.0]),)),
])
def test_long_expressions_match_finite_differences(long, name, args):
    check_grads(getattr(long, name), args)


def test_long_product_has_its_second_derivative(long):
    x = 0.8
    expected = 100 * 99 * 1e-4 * (1 + 0.01 * x) ** 98
    assert s2sad.hessian(long.product100)(x) == pytest.approx(expected, rel=1e-9)


def test_long_tangents_are_written_on_lines_of_bounded_depth(long):
    text = s2sad.source(long.sum1000, "forward", example_args=(1.0,))
    assert max(line.count(" + ") for line in text.splitlines()
               if not line.lstrip().startswith("#")) < 100


@pytest.mark.parametrize("x", [-3.0, 0.5, 17.5, 59.5, 75.0])
def test_long_elif_and_conditional_expression_chains(long, x):
    for f in (long.elifs, long.conditional):
        expected = -1.0 if x < 0 and f is long.elifs else \
            2 * x if x >= 59 else float(int(x) + 1) if x >= 0 else 0.0
        for mode in MODES:
            assert derivative(f, mode, x) == pytest.approx(expected), (f.__name__, mode)
        check_grads(f, (x,))
    text = s2sad.source(long.elifs, "reverse", example_args=(1.0,))
    assert "elif" in text     # the deep end of the chain stays flat in generated code


def test_conditionals_nested_too_deep_are_refused_at_their_line(long):
    err = refused(lambda: s2sad.grad(long.too_many_elifs)(1.0), UnsupportedSyntaxError)
    path = inspect.getsourcefile(long.too_many_elifs)
    first = long.too_many_elifs.__code__.co_firstlineno
    assert_names(err, path, first + 1 + 2 * 100, "nested more than 100", "helper")


# ---------------------------------------------------------------- 2. raise and assert

class OutOfRange(Exception):
    pass


def checked_square(x):
    if x < 0.0:
        raise ValueError(f"x must be >= 0, got {x:.2f}")
    return x * x


def raises_in_loop(x, n):
    acc = 0.0
    for i in range(n):
        if i > 3:
            raise OutOfRange(f"step {i} of {n}")
        acc = acc + np.sin(x * i)
    return acc


def raises_with_cause(x):
    if x > 1.0:
        raise ValueError("too large") from KeyError("x")
    return x * 3.0


def asserts(x):
    assert x > 0.0, f"need a positive x, got {x!r} (1/(x-1) = {1.0 / (x - 1.0)})"
    assert x < 100.0
    return np.log(x)


def safe_log(x):
    if x <= 0.0:
        raise ValueError("log of a non-positive number")
    return np.log(x)


def calls_safe_log(x):
    return safe_log(x * x) * 2.0


def validate(x):
    if x > 10.0:
        raise OutOfRange("x > 10")


def validates_first(x):
    validate(x)
    return x * 3.0


def same_error(thunk, reference):
    """`thunk()` raises what `reference()` raises: the same type and message."""
    with pytest.raises(Exception) as expected:
        reference()
    with pytest.raises(type(expected.value)) as got:
        thunk()
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)
    assert type(got.value.__cause__) is type(expected.value.__cause__)


@pytest.mark.parametrize("mode", MODES)
def test_raise_runs_as_in_python(mode):
    assert derivative(checked_square, mode, 2.0) == pytest.approx(4.0)
    same_error(lambda: derivative(checked_square, mode, -2.0), lambda: checked_square(-2.0))
    assert derivative(raises_in_loop, mode, 0.5, 3) == pytest.approx(
        sum(i * np.cos(0.5 * i) for i in range(3)))
    same_error(lambda: derivative(raises_in_loop, mode, 0.5, 9), lambda: raises_in_loop(0.5, 9))
    assert derivative(raises_with_cause, mode, 0.5) == pytest.approx(3.0)
    same_error(lambda: derivative(raises_with_cause, mode, 2.0), lambda: raises_with_cause(2.0))
    assert derivative(calls_safe_log, mode, 1.5) == pytest.approx(4.0 / 1.5)
    same_error(lambda: derivative(calls_safe_log, mode, 0.0), lambda: calls_safe_log(0.0))
    assert derivative(validates_first, mode, 2.0) == pytest.approx(3.0)
    same_error(lambda: derivative(validates_first, mode, 20.0), lambda: validates_first(20.0))


@pytest.mark.parametrize("mode", MODES)
def test_assert_runs_as_in_python(mode):
    # at x = 1 the message would divide by zero: it is evaluated only on failure
    assert derivative(asserts, mode, 1.0) == pytest.approx(1.0)
    assert derivative(asserts, mode, 4.0) == pytest.approx(0.25)
    # (not compared with calling `asserts`: pytest rewrites the asserts of this module)
    x = -2.0
    with pytest.raises(AssertionError) as info:
        derivative(asserts, mode, x)
    assert str(info.value) == f"need a positive x, got {x!r} (1/(x-1) = {1.0 / (x - 1.0)})"
    with pytest.raises(AssertionError) as info:
        derivative(asserts, mode, 200.0)
    assert info.value.args == ()


def test_reverse_mode_raises_in_the_forward_sweep_before_any_adjoint():
    with pytest.raises(ValueError, match="got -2.00"):
        s2sad.vjp(checked_square, -2.0)      # no pullback exists yet
    text = s2sad.source(checked_square, "reverse", example_args=(1.0,))
    assert text.index("raise ") < text.index("# adjoint of")
    value, pullback = s2sad.vjp(checked_square, 3.0)
    assert (value, pullback(1.0)) == (9.0, (6.0,))


def test_raise_in_an_untaken_branch_costs_nothing():
    for x in (0.3, 2.0, 7.0):
        check_grads(checked_square, (x,))
        check_grads(calls_safe_log, (x,))


def uses_try(x):
    try:  # <-
        return np.log(x)
    except ValueError:
        return 0.0


def test_try_except_stays_refused():
    err = refused(lambda: s2sad.grad(uses_try)(1.0), UnsupportedSyntaxError)
    assert_names(err, __file__, marked(uses_try), "try")


# ------------------------------------------------------------ 3. global and nonlocal reads

SCALE = 2.5
COUNTER = 0


def reads_global(x):
    global SCALE
    return x * SCALE


def shadows_in_a_local_def(x):
    SCALE = 10.0

    def scaled(t):
        global SCALE
        return t * SCALE
    return scaled(x) + SCALE * x


def make_closures():
    total = 4.0

    def reads_nonlocal(x):
        nonlocal total
        return x * total

    def writes_nonlocal(x):
        nonlocal total  # <-
        total = total + x
        return x
    return reads_nonlocal, writes_nonlocal


reads_nonlocal, writes_nonlocal = make_closures()


def writes_global(x):
    global COUNTER  # <-
    COUNTER += 1
    return x * 2.0


@pytest.mark.parametrize("mode", MODES)
def test_global_and_nonlocal_names_are_read_when_the_derivative_runs(mode, monkeypatch):
    assert derivative(reads_global, mode, 1.0) == 2.5
    assert derivative(shadows_in_a_local_def, mode, 1.0) == 12.5
    assert derivative(reads_nonlocal, mode, 1.0) == 4.0
    monkeypatch.setattr(sys.modules[__name__], "SCALE", 3.0)
    assert derivative(reads_global, mode, 1.0) == 3.0
    assert derivative(shadows_in_a_local_def, mode, 1.0) == 13.0


def test_writes_to_global_and_nonlocal_names_are_refused_at_the_declaration():
    for fn, kind in ((writes_global, "global"), (writes_nonlocal, "nonlocal")):
        err = refused(lambda: s2sad.grad(fn)(1.0), UnsupportedSyntaxError)
        line = marked(fn)
        assert_names(err, __file__, line, kind, f"assigned at line {line + 1}", "argument")


# ------------------------------------------------------------ 4. generator expressions

def sum_of_squares(x, n):
    return sum(x[i] ** 2 for i in range(n))


def max_positive(xs):
    return max(v for v in xs if v > 0)


def nested_generators(x):
    return sum(x[i] * x[j] for i in range(3) for j in range(3) if i <= j if j != 1)


def generator_of_generators(x):
    return sum(sum(x[i] * j for j in range(i + 1)) for i in range(3))


def consumers(x):
    total = sum((v * v for v in x), 1.0) + min(np.cos(v) for v in x)
    total = total + np.sum(np.array(list(x[i] * i for i in range(3))))
    total = total + sum(tuple(v * 2.0 for v in x)) + max(v * 3.0 for v in x)
    if any(v > 1.5 for v in x) and all(v > -5.0 for v in x):
        total = total * 2.0
    return total


@pytest.mark.parametrize("fn, args", [
    (sum_of_squares, (np.array([0.5, -1.2, 2.0]), 3)),
    (max_positive, (np.array([0.5, -1.2, 2.0]),)),
    (nested_generators, (np.array([0.5, -1.2, 2.0]),)),
    (generator_of_generators, (np.array([0.5, -1.2, 2.0]),)),
    (consumers, (np.array([0.5, -1.2, 2.0]),)),
    (consumers, (np.array([0.5, -1.2, 1.0]),)),
])
def test_generator_expressions_in_calls(fn, args):
    check_grads(fn, args)


@pytest.mark.parametrize("mode", MODES)
def test_generator_expression_derivatives_are_analytic(mode):
    x = np.array([0.5, -1.2, 2.0])
    np.testing.assert_allclose(derivative(sum_of_squares, mode, x, 2), [1.0, -2.4, 0.0])
    np.testing.assert_allclose(derivative(max_positive, mode, x), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(derivative(nested_generators, mode, x),
                               [2 * x[0] + x[2], x[2], x[0] + x[1] + 2 * x[2]])


def stacks_a_generator(x):
    return np.stack(np.sin(x * k) for k in range(3)).sum()  # <-


def next_of_a_generator(xs):
    return next(v for v in xs if v > 0)  # <-


def keeps_a_generator(xs):
    squares = (v * v for v in xs)  # <-
    return sum(squares)


def set_comprehension(xs):
    return len({v for v in xs})  # <-


def dict_comprehension(xs):
    table = {str(i): v for i, v in enumerate(xs)}  # <-
    return table["0"]


@pytest.mark.parametrize("fn, words", [
    (stacks_a_generator, ("generator expression", "np.stack", "list comprehension")),
    (next_of_a_generator, ("generator expression", "next", "list comprehension")),
    (keeps_a_generator, ("generator expression", "call")),
    (set_comprehension, ("set comprehension", "loop")),
    (dict_comprehension, ("dict comprehension", "loop")),
])
def test_generators_that_are_not_consumed_by_a_call_are_refused(fn, words):
    err = refused(lambda: s2sad.grad(fn)(np.array([0.5, -1.2, 2.0])), UnsupportedSyntaxError)
    assert_names(err, __file__, marked(fn), *words)


# ----------------------------------------------------------------------- 5. f-strings

def formats(x, i, width, digits):
    text = (f"{x:.3f}|{i:02d}|{x!r}|{x!s:>9}|{x:{width}.{digits}f}|{{braces}}|{x=}|"
            f"{'quote'!a}|{i:#x}|{x:+.2e}|{[x, i]}|{'%'}|{x:{'>'}{width}}")
    return x * 2.0, text


def weights(params, x):
    total = 0.0
    for i in range(3):
        total = total + params[f"W{i:02d}"] * x ** i + params[f"b{i}"]
    return total


def through_str(x):
    return float(str(x)) * x + float(f"{x:.6f}")


@pytest.mark.parametrize("args", [(1.25, 2, 7, 3), (-0.000123456, 11, 12, 5), (3.0, 0, 1, 0)])
def test_f_strings_give_pythons_text(args):
    expected = formats(*args)
    value, tangent = s2sad.jvp(formats, args, (1.0, None, None, None))
    assert value == expected and tangent[0] == 2.0
    value, pullback = s2sad.vjp(formats, *args)
    assert value == expected and pullback((1.0, None))[0] == 2.0


@pytest.mark.parametrize("mode", MODES)
def test_values_read_under_formatted_keys(mode):
    params = {"W00": 0.5, "W01": -0.3, "W02": 1.2, "b0": 0.1, "b1": 0.2, "b2": -0.1}
    x = 0.7
    expected = {"W00": 1.0, "W01": x, "W02": x * x, "b0": 1.0, "b1": 1.0, "b2": 1.0}
    if mode == "reverse":
        got = s2sad.grad(weights)(params, x)
        assert got.keys() == expected.keys()
        for key in expected:
            assert got[key] == pytest.approx(expected[key])
    else:
        for key in expected:
            tangent = {k: float(k == key) for k in params}
            assert s2sad.jvp(weights, (params, x), (tangent, 0.0))[1] == \
                pytest.approx(expected[key])
    assert derivative(weights, mode, params, x, wrt=1) == pytest.approx(-0.3 + 2 * 1.2 * x)


@pytest.mark.parametrize("mode", MODES)
def test_a_number_through_a_string_has_no_derivative(mode):
    # like autograd and JAX: the string cuts the chain (see docs/architecture.md)
    x = 1.5
    assert derivative(through_str, mode, x) == pytest.approx(float(str(x)))


# ------------------------------------------------------ 6. functions falling off their end

def no_return(x):  # <-
    y = x * 2.0


def may_fall_off(x):  # <-
    if x > 0.0:
        return x * 2.0


def returns_a_none_result(x):  # <-
    return no_return(x)


def uses_a_callee_that_may_fall_off(x):
    return may_fall_off(x) * 3.0


def loops_until_it_returns(x):
    while True:
        x = x * 0.5
        if x < 1.0:
            return x


def returns_or_raises(x):
    if x > 0.0:
        return x * 2.0
    raise ValueError("x must be positive")


def always_raises(x):
    raise NotImplementedError(f"no model for x = {x}")


@pytest.mark.parametrize("mode", MODES)
def test_a_function_that_returns_none_is_refused_at_its_def(mode):
    for fn, words in ((no_return, ("without a `return`", "returns None")),
                      (may_fall_off, ("without a `return`", "returns None")),
                      (returns_a_none_result, ("returns None",)),
                      (uses_a_callee_that_may_fall_off, ("returns None",))):
        target = may_fall_off if fn is uses_a_callee_that_may_fall_off else fn
        err = refused(lambda: derivative(fn, mode, 1.5), NonDifferentiableError)
        assert_names(err, __file__, marked(target), target.__name__, *words)


@pytest.mark.parametrize("mode", MODES)
def test_functions_that_return_on_every_path_are_fine(mode):
    assert derivative(loops_until_it_returns, mode, 3.0) == pytest.approx(0.25)
    assert derivative(returns_or_raises, mode, 3.0) == pytest.approx(2.0)
    assert derivative(validates_first, mode, 3.0) == pytest.approx(3.0)   # validate: None
    same_error(lambda: derivative(returns_or_raises, mode, -1.0), lambda: returns_or_raises(-1.0))
    same_error(lambda: derivative(always_raises, mode, 1.0), lambda: always_raises(1.0))


# ------------------------------------------------------ 7. local functions calling each other

square = lambda t: t * t  # noqa: E731
twice_square = lambda t: square(t) + square(2.0 * t)  # noqa: E731
chained = lambda t: twice_square(t) * square(t)  # noqa: E731


def local_lambdas(x):
    g = lambda t: t * t  # noqa: E731
    h = lambda t: g(t) + g(2.0 * t)  # noqa: E731
    return h(x) * 3.0


def local_defs(x):
    def inner(t):
        return np.sin(t)

    def outer(t):
        return inner(t) * inner(t + 1.0)
    both = lambda t: outer(t) + inner(t)  # noqa: E731
    return both(x)


def late_binding(x):
    g = lambda t: t * 2.0  # noqa: E731
    g2 = lambda t: g(g(t))  # noqa: E731
    g = lambda t: t * 3.0  # noqa: E731
    return g2(x)


@pytest.mark.parametrize("mode", MODES)
def test_lambdas_and_local_functions_calling_each_other(mode):
    x = 1.3
    assert derivative(twice_square, mode, x) == pytest.approx(10.0 * x)
    assert derivative(chained, mode, x) == pytest.approx(20.0 * x ** 3)
    assert derivative(local_lambdas, mode, x) == pytest.approx(30.0 * x)
    assert derivative(local_defs, mode, x) == pytest.approx(
        np.cos(x) * np.sin(x + 1) + np.sin(x) * np.cos(x + 1) + np.cos(x))
    assert derivative(late_binding, mode, x) == pytest.approx(9.0)
    for fn in (twice_square, chained, local_lambdas, local_defs, late_binding):
        check_grads(fn, (x,))


def test_functions_of_the_same_name_get_distinct_derivative_names(tmp_path):
    (tmp_path / "same_name_a.py").write_text("def f(x):\n    return x * x * x\n")
    (tmp_path / "same_name_b.py").write_text(
        "import same_name_a\n\n\ndef f(x):\n    return same_name_a.f(x) * 2.0\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import same_name_b
        for mode in MODES:
            assert derivative(same_name_b.f, mode, 1.5) == pytest.approx(6.0 * 1.5 ** 2)
        text = s2sad.source(same_name_b.f, "forward", example_args=(1.0,))
        names = [line.split("(")[0] for line in text.splitlines() if line.startswith("def ")]
        assert len(names) == len(set(names)) == 2, names
    finally:
        sys.path.remove(str(tmp_path))
        for name in ("same_name_a", "same_name_b"):
            sys.modules.pop(name, None)


class _DeadCallError(Exception):
    pass


def _raises_when_large(x):
    n = 0
    while n < 3:
        if x > 2.0:
            raise _DeadCallError("too large")
        n = n + 1
    return x * 2.0


def _result_unused(x):
    unused = x * 3.0
    unused += _raises_when_large(x)
    return x * x


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_call_whose_result_is_unused_still_runs_and_raises(mode):
    """Dead-code elimination keeps calls of user code: the derivative raises where the
    function raises (found by the hostile fuzzer, seed 8)."""
    with pytest.raises(_DeadCallError):
        _result_unused(3.0)
    with pytest.raises(_DeadCallError):
        s2sad.grad(_result_unused, mode=mode)(3.0)
    assert s2sad.grad(_result_unused, mode=mode)(1.5) == pytest.approx(3.0, rel=1e-12)
    assert s2sad.hessian(_result_unused)(1.5) == pytest.approx(2.0, rel=1e-12)
