"""Arguments and outputs checked at call time: int, bool and complex `wrt` arguments
are refused, int arrays are constants; `grad` needs a scalar output, and an output
independent of the input gives zeros."""
import numpy as np
import pytest

import s2sad
from s2sad import NonDifferentiableError

from .helpers import MODES, assert_close, assert_message, refusal, square


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
