"""Names resolved when the derivative is generated (globals, functions, methods,
closure cells) and rebound later: the cached derivative is never silently stale."""
import math

import numpy as np

import s2sad
from s2sad import S2SADError

from .helpers import MODES, assert_close, assert_message


GAIN = 2.0


def uses_global(x):
    return GAIN * x * x


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
