"""The bad-input catalogue: what s2sad does with everything it cannot (or can only
partly) differentiate.

The policy: a construct visible in the syntax is refused at transform time, a fact
about values (dtype, shape, the output) at call time.  Every refusal is an
`S2SADError` whose message names the user's file and line, the construct, and a fix;
never a bare KeyError/AttributeError/TypeError from inside the compiler, and never a
silently wrong answer.  Where s2sad supports the input, the test checks the answer.

The functions under test are defined in this file; the offending line of each one
carries a `# <-` marker, so the expected line numbers follow edits of this file.
"""
from __future__ import annotations

import contextlib
import functools
import heapq
import inspect
import io
import math
import os
import re
import traceback

import numpy as np
import pytest

import s2sad
from s2sad import (MissingRuleError, NonDifferentiableError, S2SADError, SourceUnavailableError,
                   UnsupportedSyntaxError)

HERE = os.path.basename(__file__)
MODES = ("reverse", "forward")


def marked_line(fn, marker="# <-") -> int:
    """The line (in this file) of the statement of `fn` carrying the marker."""
    lines, first = inspect.getsourcelines(fn)
    found = [first + i for i, text in enumerate(lines) if marker in text]
    assert len(found) == 1, f"{fn.__name__}: expected one {marker!r} marker"
    return found[0]


def file_line(marker: str) -> int:
    """The line of this file that contains `marker` (for module-level code)."""
    with open(__file__) as fh:
        found = [i + 1 for i, text in enumerate(fh) if marker in text and "file_line(" not in text]
    assert len(found) == 1, marker
    return found[0]


def assert_message(message: str, *words, line: int | None = None):
    """The message names this file and `line`, and every word (case-insensitive)."""
    if line is not None:
        assert f"{HERE}:{line}" in message, f"expected {HERE}:{line} in:\n{message}"
    for word in words:
        assert word.lower() in message.lower(), f"expected {word!r} in:\n{message}"


def refusal(thunk, error=S2SADError) -> str:
    """The message of the S2SADError raised by `thunk` (anything else fails)."""
    with pytest.raises(S2SADError) as info:
        thunk()
    assert isinstance(info.value, error), f"{type(info.value).__name__}: {info.value}"
    return str(info.value)


def all_entry_points(fn, *args):
    """Thunks calling every API on `fn` at `args`: grad/value_and_grad in both modes,
    jvp, vjp and source."""
    tangents = tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args)
    return {
        "grad": lambda: s2sad.grad(fn)(*args),
        "grad forward": lambda: s2sad.grad(fn, mode="forward")(*args),
        "value_and_grad": lambda: s2sad.value_and_grad(fn)(*args),
        "jvp": lambda: s2sad.jvp(fn, args, tangents),
        "vjp": lambda: s2sad.vjp(fn, *args)[1](1.0),
        "source": lambda: s2sad.source(fn),
    }


def assert_close(a, b, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol)


# =============================================================== B.1 source and the callable

def square(x):
    return x * x


def scaled(k, x):
    return k * x * x


_namespace: dict = {}
exec("def from_exec(x):\n    return x * 2.0\n", _namespace)
from_exec = _namespace["from_exec"]


def test_function_defined_with_exec():
    for what, thunk in all_entry_points(from_exec, 1.0).items():
        message = refusal(thunk, SourceUnavailableError)
        assert_message(message, "from_exec", "exec", "def")


@pytest.mark.parametrize("fn, name", [(len, "len"), (np.sin, "sin"), (math.exp, "exp")])
def test_builtin_or_ufunc_as_the_differentiated_function(fn, name):
    for what, thunk in all_entry_points(fn, 1.0).items():
        if what == "source":
            continue
        message = refusal(thunk, SourceUnavailableError)
        assert_message(message, name, "def")


def test_partial_is_unwrapped():
    # reference B.1.2: unwrap functools.partial before reading the source
    assert_close(s2sad.grad(functools.partial(scaled, 3.0))(2.0), 12.0)
    assert_close(s2sad.grad(functools.partial(scaled, k=3.0), wrt="x")(x=2.0), 12.0)
    assert_close(s2sad.grad(functools.partial(scaled, 3.0), mode="forward")(2.0), 12.0)


add_one, double = (lambda x: x + 1.0), (lambda x: x * 2.0)  # two lambdas
lone_lambda = lambda x: x * x * 3.0  # noqa: E731


def test_two_lambdas_on_one_line_are_told_apart_or_refused():
    line = file_line("# two lambdas")
    for fn, slope in ((add_one, 1.0), (double, 2.0)):
        try:
            got = s2sad.grad(fn)(5.0)
        except S2SADError as exc:
            assert isinstance(exc, SourceUnavailableError)
            assert_message(str(exc), "lambda", "def", line=line)
        else:
            assert got == slope, "differentiated the other lambda of the line"


def test_lambda_alone_on_its_line():
    assert_close(s2sad.grad(lone_lambda)(2.0), 12.0)
    assert_close(s2sad.grad(lone_lambda, mode="forward")(2.0), 12.0)


def _logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


@_logged
def decorated_by_wraps(x):
    return x * x * x


@s2sad.grad
def decorated_by_grad(x):
    return x * x * x


def test_decorators_are_stripped_and_wrappers_unwrapped():
    assert_close(s2sad.grad(decorated_by_wraps)(2.0), 12.0)
    assert_close(decorated_by_grad(2.0), 12.0)


def log_of(x):
    return math.log(x)  # <-


def test_generated_code_shows_in_tracebacks():
    # the primal sweep raises what f raises, and the traceback shows the generated line
    with pytest.raises(ValueError) as info:
        s2sad.grad(log_of)(-1.0)
    text = "".join(traceback.format_exception(info.value))
    assert "<s2sad reverse of log_of" in text and "math.log(x)" in text


def helper(v):
    return v * v


def calls_helper(x):
    return helper(x) + x


def calls_exec_helper(x):
    return from_exec(x) + x  # <-


def test_call_to_a_user_function():
    for mode in MODES:
        assert_close(s2sad.grad(calls_helper, mode=mode)(3.0), 7.0)


def test_call_to_a_function_without_source_names_the_call_site():
    line = marked_line(calls_exec_helper)
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(calls_exec_helper, mode=mode)(3.0))
        assert_message(message, "from_exec", line=line)


def nested_def(x):
    def sq(v):
        return v * v
    return sq(x) + x


def test_nested_def_is_inlined():
    for mode in MODES:
        assert_close(s2sad.grad(nested_def, mode=mode)(3.0), 7.0)


def power(x, n):
    if n <= 0:
        return 1.0
    return x * power(x, n - 1)  # <-


def test_recursion_is_differentiated_or_refused_at_the_call():
    for mode in MODES:
        try:
            got = s2sad.grad(power, mode=mode)(2.0, 3)
        except S2SADError as exc:
            assert_message(str(exc), "recurs", line=marked_line(power))
        else:
            assert_close(got, 12.0)


# =============================================================== B.2 scoping and state

def make_scaler(c):
    def scale(x):
        return c * x * x
    return scale


GAIN = 2.0


def uses_global(x):
    return GAIN * x * x


COUNTER = 0.0


def writes_global(x):
    global COUNTER  # <-
    COUNTER = x
    return x * 2.0


def make_nonlocal_writer():
    total = 0.0

    def add(x):
        nonlocal total  # <-
        total = x
        return x * 2.0
    return add


def test_closure_cells_are_constants():
    for mode in MODES:
        assert_close(s2sad.grad(make_scaler(3.0), mode=mode)(2.0), 12.0)


def test_rebinding_a_global_is_never_silently_ignored():
    global GAIN
    try:
        for mode in MODES:
            assert_close(s2sad.grad(uses_global, mode=mode)(1.0), 4.0)
        GAIN = 5.0
        for mode in MODES:
            try:
                got = s2sad.grad(uses_global, mode=mode)(1.0)
            except S2SADError as exc:
                assert_message(str(exc), "GAIN")
            else:
                assert_close(got, 10.0)
    finally:
        GAIN = 2.0


def squares(x):
    return x * x


def cubes(x):
    return x * x * x


HELPER = squares
ACTIVATION = np.tanh


class Layer:
    def apply(self, x):
        return x * x


def linear_apply(self, x):
    return x


def calls_global_helpers(x, layer):
    return HELPER(x) * 2.0 + ACTIVATION(x) + layer.apply(x)


def make_closure_over(helper):
    def closed(x):
        return helper(x) * 2.0
    return closed


def test_rebinding_a_function_name_regenerates_the_derivative():
    # B.7: the derivative is generated for the functions names resolve to; when a
    # name (a global, a class's method) is rebound, the cached derivative is stale
    global HELPER, ACTIVATION
    layer = Layer()
    original = Layer.apply
    x = 0.7

    def expected():
        h = 2.0 * x if HELPER is squares else 3.0 * x * x
        a = 1.0 - np.tanh(x) ** 2 if ACTIVATION is np.tanh else math.cos(x)
        m = 2.0 * x if Layer.apply is original else 1.0
        return 2.0 * h + a + m
    try:
        for rebind in (lambda: None, lambda: globals().update(HELPER=cubes),
                       lambda: globals().update(ACTIVATION=np.sin),
                       lambda: setattr(Layer, "apply", linear_apply)):
            rebind()
            for mode in MODES:
                assert_close(s2sad.grad(calls_global_helpers, mode=mode)(x, layer), expected())
    finally:
        HELPER, ACTIVATION = squares, np.tanh
        Layer.apply = original


def test_a_closure_cell_is_pinned_too():
    closed = make_closure_over(squares)
    grad = s2sad.grad(closed)
    assert_close(grad(0.5), 2.0)
    cell = closed.__closure__[0]
    cell.cell_contents = cubes
    assert_close(grad(0.5), 6.0 * 0.25)


def test_global_and_nonlocal_writes():
    message = refusal(lambda: s2sad.grad(writes_global)(1.0), UnsupportedSyntaxError)
    assert_message(message, "global", "argument", line=marked_line(writes_global))
    writer = make_nonlocal_writer()
    message = refusal(lambda: s2sad.grad(writer)(1.0), UnsupportedSyntaxError)
    assert_message(message, "nonlocal", "argument", line=marked_line(writer))


class Spring:
    def __init__(self, k):
        self.k = k

    def energy(self, x):
        return 0.5 * self.k * x * x

    def stretch(self, x):
        self.k = x  # <-
        return x * 2.0


def defines_class(x):
    class Local:  # <-
        pass
    return x * 2.0


def test_methods_read_attributes_as_constants():
    for mode in MODES:
        assert_close(s2sad.grad(Spring(4.0).energy, mode=mode)(3.0), 12.0)


def test_attribute_write_and_class_definition_are_refused():
    message = refusal(lambda: s2sad.grad(Spring(1.0).stretch)(1.0), UnsupportedSyntaxError)
    assert_message(message, "attribute", "local variable", line=marked_line(Spring.stretch))
    message = refusal(lambda: s2sad.grad(defines_class)(1.0), UnsupportedSyntaxError)
    assert_message(message, "class", "module level", line=marked_line(defines_class))


# =============================================================== B.3 statements

def uses_try(x):
    try:  # <-
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with contextlib.suppress(ValueError):  # <-
        y = x * 2.0
    return y


def generator(x):
    yield x * 2.0  # <-


async def coroutine(x):  # <-
    return x * 2.0


def walrus(x):
    if (y := x * 2.0) > 1.0:  # <-
        return y
    return x


def uses_match(x):
    match x:  # <-
        case _:
            return x


def starred(x):
    a, *rest = (x, x, x)  # <-
    return a


def deletes(x):
    y = x * 2.0
    del y  # <-
    return x


def set_comprehension(x):
    return sum({x * k for k in range(3)})  # <-


def generator_expression(x):
    return sum(x * k for k in range(3))  # <-


def raises(x):
    if x < 0.0:
        raise ValueError("negative")  # <-
    return x * 2.0


REFUSED_SYNTAX = [
    (uses_try, ("try",), ("if",)),
    (uses_with, ("with",), ("outside",)),
    (generator, ("yield",), ("list",)),
    (coroutine, ("async",), ("def",)),
    (walrus, (":=",), ("statement",)),
    (uses_match, ("match",), ("if",)),
    (starred, ("starred",), ("index",)),
    (deletes, ("del",), ("rebind",)),
    (set_comprehension, ("set comprehension",), ("loop",)),
    (generator_expression, ("generator expression",), ("loop",)),
]


@pytest.mark.parametrize("fn, construct, fix", REFUSED_SYNTAX,
                         ids=[case[0].__name__ for case in REFUSED_SYNTAX])
def test_unsupported_syntax_is_refused_at_its_line(fn, construct, fix):
    line = marked_line(fn)
    for what, thunk in all_entry_points(fn, 1.0).items():
        message = refusal(thunk, UnsupportedSyntaxError)
        assert_message(message, *construct, *fix, line=line)
    with pytest.raises(UnsupportedSyntaxError) as info:
        s2sad.grad(fn)(1.0)
    err = info.value
    assert os.path.basename(err.filename) == HERE and err.lineno == line
    assert err.text and err.offset >= 1


def test_raise_is_a_precondition_or_refused():
    # B.10: a precondition `raise` may stay in the primal sweep; otherwise refuse it
    try:
        got = s2sad.grad(raises)(2.0)
    except S2SADError as exc:
        assert_message(str(exc), "raise", line=marked_line(raises))
    else:
        assert_close(got, 2.0)
        with pytest.raises(ValueError, match="negative"):
            s2sad.grad(raises)(-2.0)


def two_problems(x):
    try:  # <-
        y = x
    except ValueError:
        y = x
    z = sum(v for v in (y, y))
    return z


def test_every_problem_is_reported_at_once():
    message = refusal(lambda: s2sad.grad(two_problems)(1.0), UnsupportedSyntaxError)
    try_line = marked_line(two_problems)
    assert_message(message, "try", "generator expression", line=try_line)
    assert f"{HERE}:{try_line + 4}" in message


def list_comprehension(x):
    ys = [x * k for k in range(1, 4)]
    return ys[0] + ys[1] + ys[2]


def chained_and_ifexp(x):
    y = x * x if 0.0 < x < 1.0 else x
    return y


def test_supported_statements_give_the_right_answer():
    for mode in MODES:
        assert_close(s2sad.grad(list_comprehension, mode=mode)(2.0), 6.0)
        assert_close(s2sad.grad(chained_and_ifexp, mode=mode)(0.5), 1.0)
        assert_close(s2sad.grad(chained_and_ifexp, mode=mode)(2.0), 1.0)


# =============================================================== B.4 mutation and aliasing

def writes_argument(x):
    x[0] = 1.0  # <-
    return np.sum(x)


def adds_into_argument(x):
    x += 1.0  # <-
    return np.sum(x * x)


def writes_alias(x):
    y = x
    y[0] = 1.0  # <-
    return np.sum(y)


def writes_view(x):
    y = x[1:]
    y[0] = 1.0  # <-
    return np.sum(x)


def writes_local(x):
    y = np.zeros(3)
    y[0] = x
    y[1] = x * x
    return np.sum(y)


def appends(x):
    out = []
    for i in range(3):
        out.append(x * i)
    return np.sum(np.stack(out))


def dict_record(x):
    d = {"a": x, "b": x * x}
    return d["a"] + d["b"]


@pytest.mark.parametrize("fn", [writes_argument, adds_into_argument, writes_alias, writes_view])
def test_writes_into_arguments_and_aliases_are_refused(fn):
    # B.16: the caller would see the write, so it is refused at transform time
    x = np.array([1.0, 2.0, 3.0])
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(fn, mode=mode)(x))
        assert_message(message, line=marked_line(fn))
        assert "copy" in message or "x = x" in message, f"no fix offered:\n{message}"
    assert np.array_equal(x, [1.0, 2.0, 3.0]), "the caller's array was changed"


def updates_an_array_with_a_view(x, A):
    a = 1.0 * A
    b = a.T
    a += x  # <-
    return np.sum(b * b)


def sets_an_item_of_an_array_with_a_view(x, A):
    a = 1.0 * A
    b = a[0]
    a[0, 0] = x  # <-
    return np.sum(b * b)


def updates_the_iterated_array(x):
    a = np.ones(3)
    for e in a:
        a += e * x  # <-
    return np.sum(a)


def appends_to_a_list_held_by_a_dict(x):
    values = [x]
    record = {"values": values}
    values.append(x * 2.0)  # <-
    return sum(record["values"])


def adds_into_an_array_held_by_a_tuple(x):
    a = np.ones(2) * x
    pair = (a, 1.0)
    a += x  # <-
    return np.sum(pair[0])


def keeps_appending_the_same_array(x):
    a = np.zeros(2)
    rows = []
    for i in range(2):
        a[i] = x * (i + 1.0)  # <-
        rows.append(a)
    return np.sum(np.stack(rows))


def adds_into_an_array_a_list_holds(x):
    a = np.zeros(1)
    kept = []
    kept.append(a)
    a += x  # <-
    return np.sum(a) * x + np.sum(np.stack(kept))


@pytest.mark.parametrize("fn, args", [
    (adds_into_an_array_a_list_holds, (0.5,)),
    (appends_to_a_list_held_by_a_dict, (0.5,)),
    (adds_into_an_array_held_by_a_tuple, (0.5,)),
    (keeps_appending_the_same_array, (0.5,)),
    (updates_an_array_with_a_view, (0.5, np.array([[1.0, 2.0], [3.0, 4.0]]))),
    (sets_an_item_of_an_array_with_a_view, (0.5, np.array([[1.0, 2.0], [3.0, 4.0]]))),
    (updates_the_iterated_array, (0.5,)),
])
def test_writes_seen_through_another_name_are_refused_or_right(fn, args):
    # B.17: Python changes every view of the written array; s2sad's functional
    # updates do not, so it must refuse (or follow Python exactly), never diverge
    expected = fn(*(np.copy(a) for a in args))
    for mode in MODES:
        try:
            value, _ = s2sad.value_and_grad(fn, mode=mode)(*args)
        except S2SADError as exc:
            line = marked_line(fn)            # the write, or the loop header above it
            assert any(f"{HERE}:{n}" in str(exc) for n in (line, line - 1)), str(exc)
        else:
            assert_close(value, expected)


def appends_a_new_array_each_time(x):
    rows = []
    for i in range(2):
        a = np.zeros(2)
        a[i] = x * (i + 1.0)
        rows.append(a)
    return np.sum(np.stack(rows))


def stores_rows_into_an_array(x):
    h = np.zeros(3)
    rows = np.zeros((2, 3))
    for t in range(2):
        h[t] = x * (t + 1.0)
        rows[t] = h               # an array stores a copy of the values
    return np.sum(rows * rows)


def scales_a_number_it_appended(x):
    t = x * 2.0
    kept = []
    for i in range(2):
        kept.append(t)
        t *= 0.9                  # a new number: the list keeps the old one
    return t + np.sum(np.stack(kept))


def stores_rows_into_a_list(x):
    h = np.zeros(3)
    rows = [np.zeros(3), np.zeros(3)]
    for t in range(2):  # <-
        h[t] = x * (t + 1.0)
        rows[t] = h               # a list stores the array itself
    return np.sum(np.stack(rows))


def test_a_list_holding_an_array_updated_later_is_refused():
    message = refusal(lambda: s2sad.grad(stores_rows_into_a_list)(2.0), UnsupportedSyntaxError)
    assert_message(message, "'h'", "'rows'", "copy", line=marked_line(stores_rows_into_a_list))


def bumps_its_argument(p):
    p += 1.0  # <-
    return p * p


def passes_a_number_or_an_array(x, A):
    v = A.copy() if x > 0.0 else x * 2.0       # its kind is unknown: number or array
    return np.sum(bumps_its_argument(v))


def test_augmented_assignment_to_a_parameter_of_unknown_kind_is_decided_at_call_time():
    A = np.array([1.0, 2.0])
    for mode in MODES:
        assert_close(s2sad.grad(passes_a_number_or_an_array, mode=mode)(-1.0, A), -4.0)
        message = refusal(lambda: s2sad.grad(passes_a_number_or_an_array, mode=mode)(0.5, A),
                          NonDifferentiableError)
        assert_message(message, "'p'", "copy", line=marked_line(bumps_its_argument))


def test_writes_into_local_arrays_lists_and_dicts():
    for mode in MODES:
        assert_close(s2sad.grad(stores_rows_into_an_array, mode=mode)(2.0), 24.0)
        assert_close(s2sad.grad(scales_a_number_it_appended, mode=mode)(2.0), 5.42)
        assert_close(s2sad.grad(appends_a_new_array_each_time, mode=mode)(2.0), 3.0)
        assert_close(s2sad.grad(writes_local, mode=mode)(2.0), 5.0)
        assert_close(s2sad.grad(appends, mode=mode)(2.0), 3.0)
        assert_close(s2sad.grad(dict_record, mode=mode)(2.0), 5.0)


def fills_with_a_method(x):
    y = np.zeros(3)
    y.fill(x)  # <-
    return np.sum(y * y)


def extends_a_list(x):
    values = [x]
    values.extend([x * 2.0, x * 3.0])  # <-
    return sum(values)


def sorts_in_place(x):
    y = x * np.array([3.0, 1.0, 2.0])
    y.sort()  # <-
    return y[0] * y[2]


def pops_an_item(x):
    values = [x, x * 2.0]
    last = values.pop()  # <-
    return last * values[-1]


def updates_a_dict(x):
    record = {"a": x}
    record.update({"a": x * x})  # <-
    return record["a"]


def copies_into(x):
    y = np.zeros(3)
    np.copyto(y, x)  # <-
    return np.sum(y * x)


def writes_through_out(x):
    y = np.zeros(3)
    np.multiply(x, x, out=y)  # <-
    return np.sum(y)


def adds_at(x):
    y = np.zeros(3)
    np.add.at(y, [0, 0], x[:2])  # <-
    return np.sum(y * x)


def appends_to_an_item(x):
    rows = [[x], [x * 2.0]]
    rows[0].append(x * 3.0)  # <-
    return rows[0][-1] * x


def pushes_onto_a_heap(x):
    heap = [x]
    heapq.heappush(heap, x * 2.0)  # <-
    return heap[-1] * x


def shuffles_with_a_generator(x):
    rng = np.random.default_rng(0)
    y = x * 1.0
    rng.shuffle(y)  # <-
    return y[0] * x[0]


def adds_into_a_slice(x):
    y = np.zeros(3)
    z = y[1:]
    z += x[:2]  # <-
    return np.sum(y * x)


@pytest.mark.parametrize("fn, arg, words", [
    (appends_to_an_item, 2.0, ["'rows[0].append(...)'", "rows[0] = rows[0] + [v]"]),
    (pushes_onto_a_heap, 2.0, ["'heapq.heappush(...)'", "sorted"]),
    (shuffles_with_a_generator, np.array([1.0, 2.0, 3.0]), ["'rng.shuffle(...)'",
                                                             "its argument", "permutation"]),
    (adds_into_a_slice, np.array([1.0, 2.0, 3.0]), ["'z', a view of 'y'", "z = z + v"]),
    (fills_with_a_method, 2.0, ["'y.fill(...)'", "y = np.full_like(y, v)"]),
    (extends_a_list, 2.0, ["'values.extend(...)'", "values + list"]),
    (sorts_in_place, np.array([1.0, 2.0, 3.0]), ["'y.sort(...)'", "y = np.sort(y)"]),
    (pops_an_item, 2.0, ["'values.pop(...)'", "values = values[:-1]"]),
    (updates_a_dict, 2.0, ["'record.update(...)'", "{**record, **other}"]),
    (copies_into, np.array([1.0, 2.0, 3.0]), ["'np.copyto(...)'", "np.array(x)"]),
    (writes_through_out, np.array([1.0, 2.0, 3.0]), ["'np.multiply(...)'", "drop `out=`"]),
    (adds_at, np.array([1.0, 2.0, 3.0]), ["'np.add.at(...)'", "copy"]),
])
def test_calls_that_change_a_value_in_place_are_refused(fn, arg, words):
    # B.16: a method or function that changes an array, list or dict behind the IR's
    # back would leave the derivative following the old value: refused, with the
    # functional form to write instead
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(fn, mode=mode)(arg), UnsupportedSyntaxError)
        assert_message(message, *words, line=marked_line(fn))
        assert "in place" in message or "would change" in message, message


def reads_an_item_then_writes(x):
    y = np.zeros(3)
    y[0] = x
    first = y[0]                  # a number, not a view: later writes do not change it
    y[1] = first * 2.0
    y += first
    return np.sum(y * y) + first


def sets_a_row_while_a_row_is_bound(x):
    y = np.zeros((2, 2))
    row = y[0]                    # a view: Python would change it with y
    y[0, 1] = x  # <-
    return np.sum(row) * x


def test_items_of_arrays_are_values_and_rows_are_views():
    for mode in MODES:
        # y = [x, 2x, 0] + x: sum of squares 4x^2 + 9x^2 + x^2, plus x
        assert_close(s2sad.grad(reads_an_item_then_writes, mode=mode)(0.5), 28.0 * 0.5 + 1.0)
        message = refusal(lambda: s2sad.grad(sets_a_row_while_a_row_is_bound, mode=mode)(0.5),
                          UnsupportedSyntaxError)
        assert_message(message, "'row' views", "copy", line=marked_line(
            sets_a_row_while_a_row_is_bound))


def adds_a_list_or_an_array(x, as_list):
    a = [x, x * 2.0] if as_list else np.array([x, x * 3.0])
    b = [x * x] if as_list else np.array([x * x])
    c = a + b                     # concatenation or addition: decided at call time
    return c[0] * c[-1]


def repeats_a_list_or_scales_an_array(x, as_list, n):
    a = [x, x * 2.0] if as_list else np.array([x, x * 3.0])
    c = a * n  # <-
    return c[0] * c[-1]


def test_plus_and_times_on_values_that_may_be_lists_are_decided_at_call_time():
    # kinds cannot tell lists from arrays here: `+` follows whichever arrives; a
    # repetition `list * n` is refused when it arrives, arrays are differentiated
    for mode in MODES:
        assert_close(s2sad.grad(adds_a_list_or_an_array, mode=mode)(1.5, False),
                     4.0 * 6.75 + 3.75 * 6.0)
        assert_close(s2sad.grad(adds_a_list_or_an_array, mode=mode)(1.5, True), 3.0 * 1.5 ** 2)
        assert_close(s2sad.grad(repeats_a_list_or_scales_an_array, mode=mode)(1.5, False, 2),
                     6.0 * 1.5 * 4)
        message = refusal(
            lambda: s2sad.grad(repeats_a_list_or_scales_an_array, mode=mode)(1.5, True, 2),
            NonDifferentiableError)
        assert_message(message, "'*' repeats a list 2 times", "np.tile",
                       line=marked_line(repeats_a_list_or_scales_an_array))


def materialises_reversed(x):
    items = list(reversed([x, x * 2.0]))  # <-
    return items[0] * x


def materialises_map(x):
    squares = list(map(math.sin, [x, x * 2.0]))  # <-
    return squares[1] * x


def materialises_zip(x):
    pairs = list(zip([x, x * 2.0], [1.0, 2.0]))  # <-
    return pairs[1][0] * x


@pytest.mark.parametrize("fn, words", [
    (materialises_reversed, ["'reversed(...)'", "l[::-1]"]),
    (materialises_map, ["'map(...)'", "list comprehension"]),
    (materialises_zip, ["'zip(...)'", "for a, b in zip(u, v)"]),
])
def test_iterators_over_differentiable_values_are_refused(fn, words):
    # B.6: an iterator object carries no derivative; without this refusal the
    # derivative through it would silently be zero
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(fn, mode=mode)(0.5), MissingRuleError)
        assert_message(message, *words, "iterator", line=marked_line(fn))


def picks_a_function(x, c):
    act = np.sin if c > 0.0 else np.cos
    return act(x) * 2.0  # <-


def test_a_function_picked_at_run_time_is_refused_with_a_fix():
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(picks_a_function, mode=mode)(0.5, 1.0),
                          MissingRuleError)
        assert_message(message, "'act(...)'", "picked by a branch", "np.sin(x) if c",
                       line=marked_line(picks_a_function))


class Scaler:
    def __init__(self, w):
        self.w = w

    def update(self, v):          # a user method named like a dict method
        return v * self.w


SCALER = Scaler(3.0)


def calls_a_method_of_a_global_object(x):
    return SCALER.update(x) * x


def calls_a_method_of_an_argument(x, scaler):
    return scaler.update(x) * x


def test_user_methods_named_like_mutating_methods_are_differentiated():
    for mode in MODES:
        assert_close(s2sad.grad(calls_a_method_of_a_global_object, mode=mode)(2.0), 12.0)
        assert_close(s2sad.grad(calls_a_method_of_an_argument, mode=mode)(2.0, Scaler(0.5)), 2.0)


def uses_a_global_object_in_a_helper(x):
    return calls_a_method_of_a_global_object(x * 1.0)


class Doubler:
    def update(self, v):
        return 2.0 * v


def test_a_method_of_a_global_object_in_a_helper_follows_its_class():
    # a callee's global instance is specialised on its class, which is pinned: an
    # instance of another class there gets a new derivative
    global SCALER
    try:
        for mode in MODES:
            assert_close(s2sad.grad(uses_a_global_object_in_a_helper, mode=mode)(2.0), 12.0)
        SCALER = Doubler()
        for mode in MODES:
            assert_close(s2sad.grad(uses_a_global_object_in_a_helper, mode=mode)(2.0), 8.0)
    finally:
        SCALER = Scaler(3.0)


def closes_over_an_object(scaler):
    def scaled(x):
        return scaler.update(x) * x  # <-
    return scaled


def test_a_method_of_an_object_of_unknown_class_is_refused_with_a_fix():
    # a closure cell is read when the derivative runs, so its class is not known
    # when it is generated: refused at the call, with the two ways out
    message = refusal(lambda: s2sad.grad(closes_over_an_object(Scaler(3.0)))(2.0),
                      MissingRuleError)
    assert_message(message, "'scaler.update(...)'", "class", "argument",
                   "Scaler.update(scaler, ...)", line=marked_line(closes_over_an_object))


# =============================================================== B.5 signatures and inputs

def varargs(x, *rest):  # <-
    return x * 2.0


def varkw(x, **options):  # <-
    return x * 2.0


def keyword_only(x, scale=3.0, *, shift=1.0):
    return x * scale + shift * shift


def sums_its_args(*terms):
    return terms[0] * terms[-1] + len(terms)


def unpacks_an_array(x):
    pair = np.array([x, 2.0 * x])
    return math.hypot(*pair)  # <-


def passes_varargs_through(x, y):
    return sums_its_args(x, y, 3.0)


def test_star_parameters_of_the_differentiated_function_are_refused():
    message = refusal(lambda: s2sad.grad(varargs)(1.0), UnsupportedSyntaxError)
    assert_message(message, "*rest", "named parameters", line=marked_line(varargs))
    message = refusal(lambda: s2sad.grad(varkw)(1.0), UnsupportedSyntaxError)
    assert_message(message, "**kwargs", "explicitly", line=marked_line(varkw))


def test_star_args_of_a_callee_are_supported():
    for mode in MODES:
        assert_close(s2sad.grad(passes_varargs_through, wrt=(0, 1), mode=mode)(2.0, 5.0),
                     (3.0, 0.0))


def test_unpacking_a_value_of_unknown_length_is_refused():
    message = refusal(lambda: s2sad.grad(unpacks_an_array)(1.0), UnsupportedSyntaxError)
    assert_message(message, "`*` unpacking", "not known", "x[0], x[1]",
                   line=marked_line(unpacks_an_array))


def test_defaults_and_keyword_only_parameters():
    for mode in MODES:
        assert_close(s2sad.grad(keyword_only, mode=mode)(2.0), 3.0)
        assert_close(s2sad.grad(keyword_only, wrt="shift", mode=mode)(2.0, shift=4.0), 8.0)
        assert_close(s2sad.grad(keyword_only, wrt=("x", "scale"), mode=mode)(2.0, 5.0), (5.0, 2.0))


def test_unknown_wrt_names_the_parameters():
    message = refusal(lambda: s2sad.grad(keyword_only, wrt="z")(1.0))
    assert_message(message, "'z'", "x", "scale", "shift")
    message = refusal(lambda: s2sad.grad(keyword_only, wrt=7)(1.0))
    assert_message(message, "7", "keyword_only")


@pytest.mark.parametrize("value, kind", [(3, "int"), (True, "bool"), (np.int64(3), "int"),
                                         (np.arange(3), "int")])
@pytest.mark.parametrize("mode", MODES)
def test_integer_or_bool_wrt_is_refused_at_call_time_naming_the_argument(value, kind, mode):
    g = s2sad.grad(square, mode=mode)            # no error before the call
    message = refusal(lambda: g(value), NonDifferentiableError)
    assert_message(message, "'x'", "square", kind, "float")
    message = refusal(lambda: s2sad.jacobian(square, mode=mode)(value), NonDifferentiableError)
    assert_message(message, "'x'", kind)


def mixes_int_array(x, n):
    return np.sum(np.sin(x * n)) + np.sum(n * n)


def test_int_arrays_are_constants_and_never_get_int_gradients():
    x, n = np.array([0.5, 1.0, 1.5]), np.array([1, 2, 3])
    expected = np.cos(x * n) * n
    for mode in MODES:
        g = s2sad.grad(mixes_int_array, mode=mode)(x, n)
        assert g.dtype == np.float64 and g.shape == (3,)
        assert_close(g, expected)
    _, pullback = s2sad.vjp(mixes_int_array, x, n)
    gx, gn = pullback(1.0)
    assert gn is None and gx.dtype == np.float64
    assert_close(gx, expected)
    _, tangent = s2sad.jvp(mixes_int_array, (x, n), (np.ones(3), None))
    assert np.result_type(tangent) == np.float64
    assert_close(tangent, np.sum(expected))


@pytest.mark.parametrize("value", [1.0 + 2.0j, np.array([1.0 + 2.0j, 0.5j]), np.complex64(1j)])
@pytest.mark.parametrize("mode", MODES)
def test_complex_input_is_refused_clearly(value, mode):
    message = refusal(lambda: s2sad.grad(square, mode=mode)(value), NonDifferentiableError)
    assert_message(message, "'x'", "complex", "real and imaginary")


# =============================================================== B.6 mathematics

def floor_plus(x):
    return np.floor(x) + math.floor(x) * 0.0 + x


def uses_i0(x):
    return np.i0(x) * 2.0  # <-


def uses_i0_on_constant(x, c):
    return x * np.i0(c)


def where_log(x):
    return np.sum(np.where(x > 0.0, np.log(x), 0.0))  # <-


def test_non_differentiable_functions_have_zero_derivative():
    for mode in MODES:
        assert_close(s2sad.grad(floor_plus, mode=mode)(2.5), 1.0)


def absolute(x):
    return np.abs(x)


def root(x):
    return np.sqrt(x)


def larger(x, y):
    return np.maximum(x, y)


def test_kinks_follow_the_published_table():
    # docs/rules.md: abs'(0) = 0, sqrt'(0) = inf, ties of maximum split evenly
    with np.errstate(divide="ignore"):
        for mode in MODES:
            assert s2sad.grad(absolute, mode=mode)(0.0) == 0.0
            assert s2sad.grad(root, mode=mode)(0.0) == math.inf
            assert s2sad.grad(larger, wrt=(0, 1), mode=mode)(1.0, 1.0) == (0.5, 0.5)


def test_missing_rule_with_an_active_argument():
    assert s2sad.rules.lookup(np.i0) is None, "np.i0 got a rule: pick another function"
    line = marked_line(uses_i0)
    for mode in MODES:
        message = refusal(lambda: s2sad.grad(uses_i0, mode=mode)(0.5), MissingRuleError)
        assert_message(message, "i0", "rule", line=line)
        assert re.search(r"s2sad\.def(vjp|jvp|partials)", message), message


def test_missing_rule_on_inactive_values_just_runs():
    for mode in MODES:
        assert_close(s2sad.grad(uses_i0_on_constant, mode=mode)(2.0, 0.5), np.i0(0.5))


def test_every_api_an_error_recommends_exists():
    messages = [refusal(lambda: s2sad.grad(uses_i0)(0.5)),
                refusal(lambda: s2sad.grad(from_exec)(1.0)),
                refusal(lambda: s2sad.grad(np.sin)(1.0))]
    named = {name for message in messages for name in re.findall(r"s2sad\.(\w+)", message)}
    missing = sorted(name for name in named if not hasattr(s2sad, name))
    assert not missing, f"error messages recommend s2sad.{missing}, which do not exist"


def test_where_trap_is_nan_and_check_finite_names_the_line():
    x = np.array([0.0, 1.0])
    with np.errstate(all="ignore"):
        assert np.isnan(s2sad.grad(where_log)(x)[0])
        for mode in MODES:
            message = refusal(lambda: s2sad.grad(where_log, mode=mode, check_finite=True)(x),
                              NonDifferentiableError)
            assert_message(message, "finite", line=marked_line(where_log))


# =============================================================== B.7 effects, dtypes, shapes

def prints(x):
    print("f was called")
    return x * 2.0


def draws(x):
    return x * np.random.normal()


def test_side_effects_run_once_per_call():
    for mode in MODES:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            s2sad.grad(prints, mode=mode)(1.0)
        assert out.getvalue().count("f was called") == 1, mode


def test_random_draws_are_not_resampled():
    np.random.seed(0)
    for mode in MODES:
        for _ in range(3):
            value, g = s2sad.value_and_grad(draws, mode=mode)(2.0)
            assert_close(g, value / 2.0)


def sum_of_squares(x):
    return np.sum(x * x)


def test_float32_in_float32_out():
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    for mode in MODES:
        g = s2sad.grad(sum_of_squares, mode=mode)(x)
        assert g.dtype == np.float32 and g.shape == x.shape
        value, g = s2sad.value_and_grad(sum_of_squares, mode=mode)(x)
        assert g.dtype == np.float32
        g = s2sad.grad(square, mode=mode)(np.float32(1.5))
        assert np.result_type(g) == np.float32
    _, tangent = s2sad.jvp(sum_of_squares, (x,), (np.ones(3, np.float32),))
    assert np.result_type(tangent) == np.float32
    (cotangent,) = s2sad.vjp(sum_of_squares, x)[1](np.float32(1.0))
    assert cotangent.dtype == np.float32


SHAPES = [(), (3,), (1, 3), (2, 3), (2, 1)]


def _broadcastable(a, b) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _reduce_to(g, shape):
    """Sum `g` down to `shape` (the adjoint of broadcasting)."""
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def broadcast_pair(x, y):
    return np.sum(x * y + np.sin(x) - y * y)


@pytest.mark.parametrize("sx, sy", [(a, b) for a in SHAPES for b in SHAPES
                                    if _broadcastable(a, b)])
def test_broadcasting_gradients_have_the_input_shapes(sx, sy):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=sx), rng.normal(size=sy)
    full = np.broadcast_shapes(sx, sy)
    gx_expected = _reduce_to(np.broadcast_to(y + np.cos(x), full), sx)
    gy_expected = _reduce_to(np.broadcast_to(x - 2 * y, full), sy)
    for mode in MODES:
        gx, gy = s2sad.grad(broadcast_pair, wrt=(0, 1), mode=mode)(x, y)
        assert np.shape(gx) == sx and np.shape(gy) == sy
        assert_close(gx, gx_expected, rtol=1e-10)
        assert_close(gy, gy_expected, rtol=1e-10)


def vector_output(x):
    return np.sin(x)


def tuple_output(x):
    return x, x * 2.0


@pytest.mark.parametrize("fn, arg", [(vector_output, np.ones(3)), (tuple_output, 2.0)])
@pytest.mark.parametrize("mode", MODES)
def test_grad_of_a_non_scalar_output_points_to_jacobian_and_vjp(fn, arg, mode):
    message = refusal(lambda: s2sad.grad(fn, mode=mode)(arg), NonDifferentiableError)
    assert_message(message, "scalar", "jacobian", "vjp", fn.__name__)


def constant(x):
    return 3.0


def constant_of_array(x):
    return np.sum(np.ones(3))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x", [2.0, np.float32(2.0), np.ones((2, 3)), np.ones(3, np.float32)],
                         ids=["float", "float32", "array", "array32"])
def test_output_independent_of_the_input_gives_zeros_like_the_input(x, mode):
    for fn in (constant, constant_of_array):
        g = s2sad.grad(fn, mode=mode)(x)
        assert np.shape(g) == np.shape(x) and np.result_type(g) == np.result_type(x)
        assert isinstance(g, np.ndarray) == isinstance(x, np.ndarray)
        assert not np.any(g)
