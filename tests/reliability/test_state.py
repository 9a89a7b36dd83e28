"""State outside the function: closure cells and attributes are read as constants;
writes to globals, nonlocals and attributes, and class definitions, are refused."""
import s2sad
from s2sad import UnsupportedSyntaxError

from .helpers import MODES, assert_close, assert_message, marked_line, refusal


def make_scaler(c):
    def scale(x):
        return c * x * x
    return scale


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
