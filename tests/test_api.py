"""The public API: forms of grad and wrt, jacobian, check_finite, generated code as
a live, introspectable function."""
import inspect
import math
import traceback

import numpy as np
import pytest

import s2sad
import s2sad.compiler
import s2sad.kinds


def f(x, y):
    z = x * y + math.sin(x)
    return z * z


def df_dx(x, y):
    z = x * y + math.sin(x)
    return 2.0 * z * (y + math.cos(x))


@s2sad.grad
def decorated(x):
    return x * x * x


@s2sad.grad(wrt=(0, 1))
def decorated_wrt(x, y):
    return x * y


def test_grad_forms():
    assert math.isclose(s2sad.grad(f)(0.3, 2.0), df_dx(0.3, 2.0))
    assert math.isclose(s2sad.grad(f, wrt="x")(0.3, 2.0), df_dx(0.3, 2.0))
    (gx,) = s2sad.grad(f, wrt=(0,))(0.3, 2.0)
    assert math.isclose(gx, df_dx(0.3, 2.0))
    assert math.isclose(decorated(2.0), 12.0)
    assert decorated_wrt(2.0, 3.0) == (3.0, 2.0)
    value, g = s2sad.value_and_grad(f, mode="forward")(0.3, 2.0)
    assert value == f(0.3, 2.0) and math.isclose(g, df_dx(0.3, 2.0))


def test_keyword_arguments_and_defaults():
    def g(x, scale=2.0, *, shift=1.0):
        return (x * scale + shift) ** 2

    assert math.isclose(s2sad.grad(g)(1.0), 2 * 3.0 * 2.0)
    assert math.isclose(s2sad.grad(g)(1.0, shift=0.0), 2 * 2.0 * 2.0)
    assert math.isclose(s2sad.grad(g, wrt="shift")(1.0, 3.0), 2 * 4.0)


def test_bound_method_positions_skip_self():
    class Spring:
        def __init__(self, k):
            self.k = k

        def energy(self, x, v):
            return 0.5 * self.k * x * x + 0.5 * v * v

    spring = Spring(3.0)
    gx, gv = s2sad.grad(spring.energy, wrt=(0, 1))(2.0, 0.5)
    assert (gx, gv) == (6.0, 0.5)
    _, pullback = s2sad.vjp(spring.energy, 2.0, 0.5)
    assert pullback(1.0) == (6.0, 0.5)


def test_jacobian_both_modes():
    def h(x):
        return np.sin(x) * x[0]

    x = np.array([0.3, -0.7, 1.1])
    expected = np.diag(np.cos(x) * x[0])
    expected[:, 0] += np.sin(x)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(s2sad.jacobian(h, mode=mode)(x), expected, rtol=1e-12)


def test_float32_in_float32_out():
    def loss(w, x):
        return np.sum(np.tanh(x * w) ** 2)

    w = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    x = np.ones((2, 3), dtype=np.float32)
    for mode in ("reverse", "forward"):
        g = s2sad.grad(loss, mode=mode)(w, x)
        assert g.dtype == np.float32 and g.shape == w.shape


def test_check_finite_names_the_line():
    def root(x):
        y = x * x
        z = np.sqrt(y)
        return z + 1.0

    assert math.isnan(s2sad.grad(root)(0.0))
    for mode in ("reverse", "forward"):
        with pytest.raises(s2sad.NonDifferentiableError) as info:
            with np.errstate(all="ignore"):
                s2sad.grad(root, mode=mode, check_finite=True)(0.0)
        line = root.__code__.co_firstlineno + 2
        assert f"test_api.py:{line}: z = np.sqrt(y)" in str(info.value)
    assert s2sad.grad(root, check_finite=True)(2.0) == 1.0


def test_generated_code_is_introspectable():
    arg_kinds = tuple(s2sad.kinds.of_value(v) for v in (0.3, 2.0))
    derivative = s2sad.compiler.DEFAULT.compiled(f, "reverse", (0,), arg_kinds)
    text = inspect.getsource(derivative)
    assert "def f_vjp(x, y, bresult):" in text
    assert derivative.source in s2sad.source(f, example_args=(0.3, 2.0))
    assert inspect.getsourcefile(derivative).startswith("<s2sad reverse of f at test_api.py:")


def test_traceback_shows_generated_line():
    def bad_rule(x):
        return np.linalg.inv(x)[0, 0]

    singular = np.zeros((2, 2))
    with pytest.raises(np.linalg.LinAlgError) as info:
        s2sad.grad(bad_rule)(singular)
    frames = traceback.extract_tb(info.tb)
    generated = [fr for fr in frames if fr.filename.startswith("<s2sad reverse of bad_rule")]
    assert generated and generated[0].line   # the line text comes from linecache


def test_source_is_deterministic_and_commented():
    first = s2sad.source(f, example_args=(0.3, 2.0))
    assert first == s2sad.source(f, example_args=(0.3, 2.0))
    assert "# adjoint of line" in first and "# line" in first


def _reads_a_short_table(x, table):
    y = np.sin(x)
    return y * table[3]  # <- fails when the derivative runs


@pytest.mark.parametrize("call", [
    lambda: s2sad.grad(_reads_a_short_table)(1.0, [1.0, 2.0]),
    lambda: s2sad.grad(_reads_a_short_table, mode="forward")(1.0, [1.0, 2.0]),
    lambda: s2sad.jvp(_reads_a_short_table, (1.0, [1.0, 2.0]), (1.0, None)),
])
def test_an_error_raised_in_a_derivative_names_the_users_line(call):
    with pytest.raises(IndexError) as info:
        call()
    line = _reads_a_short_table.__code__.co_firstlineno + 2
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert f"test_api.py:{line}: return y * table[3]" in notes
