"""The syntax fence: every unsupported construct is reported at its real place.

Each function below marks the line of its offending construct with a `# !` comment;
the expected line and column are computed from the source, so editing this file
does not break the tests.
"""
import inspect
import math

import gast
import numpy as np
import pytest

from s2sad.errors import S2SADError, UnsupportedSyntaxError
from s2sad.fence import check
from s2sad.parsing import parse_function


def marked(fn, *anchors, marker="# !"):
    """(line, col) of each line of `fn` carrying `marker`.  The column is that of
    the line's anchor (one per marked line, the same for all when a single one is
    given), or of the first non-blank character when the anchor is None."""
    lines, first = inspect.getsourcelines(fn)
    found = [(first + i, text[:text.index(marker)]) for i, text in enumerate(lines)
             if marker in text]
    assert found, f"no {marker!r} marker in {fn.__name__}"
    if len(anchors) <= 1:
        anchors = (anchors[0] if anchors else None,) * len(found)
    assert len(anchors) == len(found)
    return [(line, code.index(anchor) if anchor else len(code) - len(code.lstrip()))
            for (line, code), anchor in zip(found, anchors)]


def fence_error(fn) -> UnsupportedSyntaxError:
    with pytest.raises(UnsupportedSyntaxError) as info:
        check(parse_function(fn))
    return info.value


# ---------------------------------------------------------------- rejected constructs

def uses_try(x):
    try:  # !
        y = math.log(x)
    except ValueError:
        y = 0.0
    return y


def uses_try_finally(x):
    try:  # !
        return x
    finally:
        pass


def uses_with(x):
    with np.errstate(all="ignore"):  # !
        y = np.log(x)
    return y


def uses_bare_raise(x):
    if x < 0:
        raise  # !
    return x


def uses_global(x):
    global COUNTER  # !
    COUNTER = x
    return x


def _make_nonlocal():
    total = 0.0

    def uses_nonlocal(x):
        nonlocal total  # !
        total += x
        return x + total
    return uses_nonlocal


uses_nonlocal = _make_nonlocal()


def uses_class(x):
    class Box:  # !
        value = 1.0
    return x * Box.value


def uses_nested_def(x):
    def helper(y):
        return y * y
    return helper(x)


def uses_nested_async_def(x):
    async def helper(y):  # !
        return y
    return x


def uses_lambda(x):
    square = lambda y: y * y  # noqa: E731
    return square(x)


def uses_yield(x):
    yield x * 2  # !


def uses_yield_from(x):
    yield from range(x)  # !


def uses_list_comp(xs):
    return sum([x * x for x in xs])


def uses_set_comp(xs):
    return len({x for x in xs})  # !


def uses_dict_comp(xs):
    return {x: x for x in xs}  # !


def uses_generator_expression(xs):
    squares = (x * x for x in xs)  # !
    return sum(squares)


def uses_walrus(x):
    if (y := x * 2) > 1:  # !
        return y
    return x


def uses_starred_target(xs):
    first, *rest = xs  # !
    return first


def uses_del(x):
    y = x * 2
    del y  # !
    return x


def uses_import(x):
    import math as m  # !
    return m.sin(x)


def uses_import_from(x):
    from math import sin  # !
    return sin(x)


def uses_match(x):
    match x:  # !
        case 0:
            return 1.0
        case _:
            return x


def uses_set_literal(x):
    return len({x, 2.0})  # !


def uses_dict_literal(x):
    d = {"x": x}
    return d["x"]


def uses_item_assignment(x):
    y = np.zeros(3)
    y[0] = x
    return y


def uses_slice_assignment(x):
    y = np.zeros(3)
    y[1:] = x
    return y


def uses_dict_with_computed_key(x, k):
    d = {k: x}  # !
    return d


def uses_item_of_call_assignment(x):
    np.zeros(3)[0] = x  # !
    return x


def uses_item_in_tuple_target(x):
    y = np.zeros(3)
    a, y[0] = x, x  # !
    return a


def uses_attribute_assignment(obj, x):
    obj.value = x  # !
    return x


def uses_item_augassign(x):
    y = np.ones(3)
    y[0] += x
    return y


def uses_attribute_augassign(obj, x):
    obj.total += x  # !
    return x


def uses_subscript_for_target(x, ys):
    for ys[0] in range(3):  # !
        x = x * 2
    return x


def uses_attribute_for_target(obj, x):
    for obj.i in range(3):  # !
        x = x * 2
    return x


def uses_bare_annotation(x):
    y: float  # !
    y = x
    return y


REJECTED = [
    # (function, anchor of the column or None for the statement's indent, fix hint)
    (uses_try, None, "check the condition with `if` before the computation"),
    (uses_try_finally, None, "try/except is not supported"),
    (uses_with, None, "outside the differentiated function"),
    (uses_bare_raise, None, "raise an exception object"),
    (uses_global, None, "pass the value in as an argument"),
    (uses_nonlocal, None, "pass the value in as an argument"),
    (uses_class, None, "define the class at module level"),
    (uses_nested_async_def, None, "define the helper at module level"),
    (uses_yield, None, "generator"),
    (uses_yield_from, None, "generator"),
    (uses_set_comp, "{", "write a for loop"),
    (uses_dict_comp, "{", "write a for loop"),
    (uses_generator_expression, "(x * x", "write a for loop"),
    (uses_walrus, "y :=", "assign the value in a statement of its own"),
    (uses_starred_target, "*rest", "index the items explicitly"),
    (uses_del, None, "`del` is not supported"),
    (uses_import, None, "move the import to module level"),
    (uses_import_from, None, "move the import to module level"),
    (uses_match, None, "use if/elif/else"),
    (uses_set_literal, "{", "use a tuple or a list"),
    (uses_dict_with_computed_key, "k: x", "string constant keys"),
    (uses_item_of_call_assignment, None, "assign the array to a local name first"),
    (uses_item_in_tuple_target, "y[0]", "assign the values to names first"),
    (uses_attribute_assignment, None, "keep the value in a local variable"),
    (uses_attribute_augassign, None, "keep the value in a local variable"),
    (uses_subscript_for_target, "ys[0]", "loop over a plain name"),
    (uses_attribute_for_target, "obj.i", "loop over a plain name"),
    (uses_bare_annotation, None, "assign a value"),
]


@pytest.mark.parametrize("fn, anchor, hint", REJECTED, ids=[r[0].__name__ for r in REJECTED])
def test_rejected_construct_is_located(fn, anchor, hint):
    err = fence_error(fn)
    [(line, col)] = marked(fn, anchor)
    assert isinstance(err, S2SADError) and isinstance(err, SyntaxError)
    assert err.filename == __file__
    assert (err.lineno, err.offset) == (line, col + 1)
    assert len(err.problems) == 1, str(err)
    loc, message = err.problems[0]
    assert (loc.filename, loc.line, loc.col) == (__file__, line, col)
    assert hint in message
    assert err.text.strip() == inspect.getsourcelines(fn)[0][line - fn.__code__.co_firstlineno].strip()
    assert f"{__file__}:{line}:{col + 1}: " in str(err)
    assert hint in str(err)


def test_await_and_async_function_are_both_reported():
    async def uses_await(x):  # !
        return await x  # !

    err = fence_error(uses_await)
    assert [(loc.line, loc.col) for loc, _ in err.problems] == marked(uses_await, None, "await")
    assert "async" in err.problems[0][1]
    assert "async" in err.problems[1][1]


def test_async_for_and_async_with_are_rejected():
    async def uses_async_loops(xs, lock):
        async for x in xs:  # !
            pass
        async with lock:  # !
            pass
        return 1.0

    err = fence_error(uses_async_loops)
    lines = [loc.line for loc, _ in err.problems]
    for line, _ in marked(uses_async_loops):
        assert line in lines


def test_every_problem_is_listed_in_source_order():
    def many_problems(x, rest):
        try:  # !
            y = {v for v in rest}  # !
        except ValueError:
            raise  # !
        f(x)[0] = 1.0  # !
        return {y: y}  # !

    expected = marked(many_problems, "try", "{", "raise", "f(x)[0]", "y: y")
    err = fence_error(many_problems)
    assert len(err.problems) == len(expected), str(err)
    assert [(loc.line, loc.col) for loc, _ in err.problems] == expected
    assert (err.lineno, err.offset) == (expected[0][0], expected[0][1] + 1)
    for loc, _ in err.problems:
        assert f"{loc.filename}:{loc.line}:{loc.col + 1}" in str(err)


def test_problems_inside_a_rejected_block_are_reported_too():
    def nested_problems(x):
        with open("f") as fh:  # !
            x.a[0] = 1.0  # !
        return x

    err = fence_error(nested_problems)
    assert [(loc.line, loc.col) for loc, _ in err.problems] == marked(nested_problems)


def test_one_construct_is_reported_once():
    def augmented(x):
        x.a[0] += 1.0  # !
        return x

    err = fence_error(augmented)
    assert len(err.problems) == 1


def test_lambda_body_is_checked_at_its_real_place():
    fn = lambda xs: len({x for x in xs})  # !  # noqa: E731
    err = fence_error(fn)
    assert [(loc.line, loc.col) for loc, _ in err.problems] == marked(fn, "{x for")
    assert "write a for loop" in str(err)


def uses_lambda_with_star_args(x):
    first = lambda *xs: xs[0]  # !  # noqa: E731
    return first(x)


def uses_nested_def_with_star_args(x):
    def first(*xs):  # !
        return xs[0]
    return first(x)


@pytest.mark.parametrize("fn, anchor", [(uses_lambda_with_star_args, "xs:"),
                                        (uses_nested_def_with_star_args, "xs)")])
def test_nested_function_with_star_args_is_rejected(fn, anchor):
    err = fence_error(fn)
    assert [(loc.line, loc.col) for loc, _ in err.problems] == marked(fn, anchor)
    assert "define it at module level" in str(err)


def test_unknown_node_class_gets_a_generic_message():
    class Weird(gast.expr):
        _fields = ()

    def plain(x):
        return x  # !

    parsed = parse_function(plain)
    ret = parsed.node.body[0]
    ret.value = gast.copy_location(Weird(), ret.value)
    err = fence_error_of(parsed)
    assert "Weird" in str(err)
    assert [(loc.line, loc.col) for loc, _ in err.problems] == marked(plain, "x ")


def fence_error_of(parsed):
    with pytest.raises(UnsupportedSyntaxError) as info:
        check(parsed)
    return info.value


# ---------------------------------------------------------------- supported code

def everything_supported(x: float, n: int, scale=2.0, *, w: np.ndarray, opts: dict = {}):
    """A docstring."""
    a, (b, [c, d]) = x, (x * 2, [x, n])
    [e, f] = [a, b]
    y: float = a + b - c * d / (e ** 2) // 1 % 3 @ np.eye(1) if False else a
    y += 1.0
    y -= -x
    z = not (0 < x <= 1) and x or (x is None)
    z = x if z else -x
    print(f"x = {x!r:>10}")
    for i in range(n):
        if i == 0:
            continue
        elif i > 10:
            break
        else:
            pass
        y = y * np.sin(x) + w[1:3, ::2].sum(axis=0, keepdims=True)[..., 0]
    else:
        y = y + 1
    for i, (u, v) in enumerate(zip(w, w)):
        y = y + u * v
    while y > 100:
        y = y / 2
    else:
        y = y * 1
    assert n >= 0, "n must be non-negative"
    t = (y, [z, x.real], np.pi, scale, opts)
    return t[0] + math.exp(x) + np.dot(w, w).T.shape[0]


class Model:
    def __init__(self, k):
        self.k = k

    def energy(self, x):
        return self.k * x ** 2


SUPPORTED = [
    everything_supported,
    lambda x: x * 2,
    Model(3.0).energy,
    Model.energy,
    lambda x, y=1.0: math.hypot(x, y),
    uses_nested_def,
    uses_lambda,
    uses_list_comp,
    uses_dict_literal,
    uses_item_assignment,
    uses_slice_assignment,
    uses_item_augassign,
]


@pytest.mark.parametrize("fn", SUPPORTED, ids=range(len(SUPPORTED)))
def test_supported_code_passes(fn):
    assert check(parse_function(fn)) is None


def test_defaults_and_annotations_are_not_checked():
    def annotated(x: dict[str, float] = {"a": 1.0}, *, y: list = [1, 2]) -> {"a": 1}:
        return x

    assert check(parse_function(annotated)) is None
