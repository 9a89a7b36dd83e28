"""Reading and parsing user functions, with positions in the user's real file."""
import functools
import inspect
import math

import gast
import numpy as np
import pytest

from s2sad.errors import SourceUnavailableError
from s2sad.parsing import parse_function, to_source


def line_of(fn, marker):
    """(line, text) of the line of `fn`'s source that contains `marker`."""
    lines, first = inspect.getsourcelines(fn)
    [(i, text)] = [(i, t) for i, t in enumerate(lines) if marker in t]
    return first + i, text


def assert_loc(parsed, node, marker, anchor):
    """parsed.loc(node) is this file, the marked line, the column of `anchor`."""
    line, text = line_of(parsed.fn, marker)
    loc = parsed.loc(node)
    assert (loc.filename, loc.line, loc.col) == (__file__, line, text.index(anchor))
    assert loc.source_line == text


def returned(parsed):
    """The expression of the function's last (return) statement."""
    ret = parsed.node.body[-1]
    assert isinstance(ret, gast.Return)
    return ret.value


# ---------------------------------------------------------------- functions to parse

def module_level(x, y=2.0):
    z = x * y
    return math.sin(z) + 1.0  # <ret>


def make_nested(k):
    def nested(x):  # <def>
        return x * k  # <ret>
    return nested


class Spring:
    def __init__(self, k):
        self.k = k

    def energy(self, x):  # <def>
        return 0.5 * self.k * x ** 2  # <ret>

    @staticmethod
    def static(x):
        return x + 1.0  # <ret>

    @classmethod
    def klass(cls, x):
        return x - 1.0  # <ret>


def traced(fn):
    """A decorator that keeps a reference to the function it wraps."""
    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args)
    return wrapper


REGISTRY = []


def register(fn):
    """A decorator that returns the function itself."""
    REGISTRY.append(fn)
    return fn


@traced
@register
def decorated(x):  # <def>
    return x * 3.0  # <ret>


square = lambda x: x * x  # <lambda>  # noqa: E731

add_one, times_two = (lambda x: x + 1), (lambda x: x * 2)  # noqa: E731


def make_lambda(k):
    return lambda x: x * k  # <lambda>


# ---------------------------------------------------------------- what parses

def test_module_level_function():
    parsed = parse_function(module_level)
    assert isinstance(parsed.node, gast.FunctionDef)
    assert parsed.node.name == parsed.name == "module_level"
    assert parsed.filename == __file__
    assert parsed.first_line == module_level.__code__.co_firstlineno
    loc = parsed.loc(parsed.node)
    assert (loc.filename, loc.line, loc.col) == (__file__, parsed.first_line, 0)
    assert loc.source_line.startswith("def module_level(")
    assert_loc(parsed, returned(parsed), "# <ret>", "math.sin")
    assert [a.id for a in parsed.node.args.args] == ["x", "y"]


def test_nested_function_keeps_real_columns():
    parsed = parse_function(make_nested(3.0))
    assert parsed.node.name == "nested"
    assert_loc(parsed, parsed.node, "# <def>", "def nested")
    assert_loc(parsed, returned(parsed), "# <ret>", "x * k")


@pytest.mark.parametrize("method", [Spring(2.0).energy, Spring.energy],
                         ids=["bound", "unbound"])
def test_method(method):
    parsed = parse_function(method)
    assert parsed.node.name == "energy"
    assert [a.id for a in parsed.node.args.args] == ["self", "x"]
    assert_loc(parsed, parsed.node, "# <def>", "def energy")
    assert_loc(parsed, returned(parsed), "# <ret>", "0.5 * self.k")


@pytest.mark.parametrize("method, name", [(Spring.static, "static"), (Spring(1.0).static, "static"),
                                          (Spring.klass, "klass")])
def test_static_and_class_methods(method, name):
    parsed = parse_function(method)
    assert parsed.node.name == name
    assert parsed.node.decorator_list == []
    assert parsed.loc(returned(parsed)).line == inspect.getsourcelines(method)[1] + 2


def test_a_decorators_wrapper_is_what_is_parsed():
    """`functools.wraps` sets `__wrapped__`, but the wrapper is the code that runs (it
    may change the result): it is parsed, not the function it wraps."""
    parsed = parse_function(decorated)
    assert parsed.fn is decorated
    assert parsed.node.name == "wrapper"


def test_decorators_are_stripped():
    parsed = parse_function(decorated.__wrapped__)
    assert parsed.fn is decorated.__wrapped__
    assert parsed.node.name == "decorated"
    assert parsed.node.decorator_list == []
    assert_loc(parsed, parsed.node, "# <def>", "def decorated")
    assert_loc(parsed, returned(parsed), "# <ret>", "x * 3.0")
    assert to_source(parsed.node).startswith("def decorated(x):")


def test_lambda_alone_on_its_line():
    parsed = parse_function(square)
    assert isinstance(parsed.node, gast.FunctionDef)
    assert parsed.node.name == "<lambda>"
    [ret] = parsed.node.body
    assert isinstance(ret, gast.Return)
    assert_loc(parsed, parsed.node, "# <lambda>", "lambda")
    assert_loc(parsed, ret.value, "# <lambda>", "x * x")
    assert [a.id for a in parsed.node.args.args] == ["x"]


def test_indented_lambda():
    parsed = parse_function(make_lambda(2.0))
    assert parsed.node.name == "<lambda>"
    assert_loc(parsed, returned(parsed), "# <lambda>", "x * k")


def test_to_source_prints_the_function():
    text = to_source(parse_function(module_level).node)
    assert text.startswith("def module_level(x, y=2.0):")
    assert "return math.sin(z) + 1.0" in text


# ---------------------------------------------------------------- what cannot be read

@pytest.mark.parametrize("fn", [add_one, times_two], ids=["first", "second"])
def test_two_lambdas_on_one_line(fn):
    with pytest.raises(SourceUnavailableError, match="lambdas") as info:
        parse_function(fn)
    assert "use `def`" in str(info.value)


def test_function_made_with_exec():
    namespace = {}
    exec("def made(x):\n    return x * 2\n", namespace)
    with pytest.raises(SourceUnavailableError, match="interactive session or with exec") as info:
        parse_function(namespace["made"])
    assert "'made'" in str(info.value)


@pytest.mark.parametrize("fn", [len, np.sin, math.sin, np.ndarray.sum, [].append],
                         ids=["len", "np.sin", "math.sin", "ndarray.sum", "list.append"])
def test_builtin_and_c_functions(fn):
    with pytest.raises(SourceUnavailableError, match="builtin or C-extension") as info:
        parse_function(fn)
    message = str(info.value)
    assert "defvjp" in message and "nondiff" in message


def test_functools_partial_is_unwrapped():
    # the API passes the partial's bound arguments; the source is the wrapped function's
    parsed = parse_function(functools.partial(module_level, y=3.0))
    assert parsed.name == module_level.__name__


def test_not_a_function():
    with pytest.raises(SourceUnavailableError, match="not a function"):
        parse_function(3.0)


def test_function_with_a_changed_name():
    """A decorator may rename a function; the def is still found by its code name."""
    def original(x):
        return x + 1.0

    original.__name__ = original.__qualname__ = "renamed"
    parsed = parse_function(original)
    assert parsed.node.name == "original"
    assert parsed.loc(returned(parsed)).line == original.__code__.co_firstlineno + 1


def test_callable_object_is_not_called_a_builtin():
    """An instance with a Python `__call__` has source: parse that method, or at
    least do not tell the user it is a builtin or C extension."""
    class Scale:
        def __call__(self, x):
            return 2.0 * x

    try:
        parsed = parse_function(Scale())
    except SourceUnavailableError as err:
        assert "builtin or C-extension" not in str(err) and "__call__" in str(err)
    else:
        assert parsed.node.name == "__call__"
