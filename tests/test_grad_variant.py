"""`grad` runs reverse-mode code that does not compute the value (s2sad/variants.py).

Where the output's kind proves it a scalar, the code `grad` runs returns None in the
value's place and the statements only the value reads are gone; the gradient is the
same (checked against central differences, at float32 and at second order), a
non-scalar output is still refused, effects and errors of the function remain, and
`value_and_grad`/`vjp` still return the value.
"""
from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import s2sad
from s2sad.errors import NonDifferentiableError

RNG = np.random.default_rng(5)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def scalar_poly(x, y):
    a = x * y
    b = np.sin(a) + a ** 3
    return b * y


def vector_out(x):
    return x * 2.0


def checked(v):
    if v > 100.0:
        raise ValueError("too big")
    return v


def calls_checker(x):
    return np.sum(x ** 2) + checked(float(np.sum(x)))


def central(f, x, d, eps=1e-6):
    return (f(x + eps * d) - f(x - eps * d)) / (2 * eps)


def test_grad_code_leaves_out_the_value():
    x = RNG.normal(size=7)
    grad_text = s2sad.source(rosenbrock, mode="grad", example_args=(x,))
    vjp_text = s2sad.source(rosenbrock, example_args=(x,))
    assert "return None, " in grad_text and "= np.sum(" not in grad_text
    assert "result = np.sum(" in vjp_text and "return result, " in vjp_text


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rosenbrock_gradient_matches_differences(dtype):
    x = RNG.normal(size=9).astype(dtype)
    g = s2sad.grad(rosenbrock)(x)
    assert g.dtype == dtype and g.shape == x.shape
    x64 = x.astype(np.float64)
    for _ in range(3):
        d = RNG.normal(size=x.shape)
        want = central(rosenbrock, x64, d)
        tol = 1e-6 if dtype == np.float64 else 2e-3
        assert abs(float(np.dot(g, d)) - want) <= tol * max(1.0, abs(want))
    value, g2 = s2sad.value_and_grad(rosenbrock)(x)
    assert value == pytest.approx(float(rosenbrock(x)), rel=1e-5)
    np.testing.assert_allclose(g2, g, rtol=1e-6)


def test_scalar_function_and_second_order():
    x, y = 0.7, -1.3
    gx, gy = s2sad.grad(scalar_poly, wrt=(0, 1))(x, y)
    eps = 1e-6
    assert gx == pytest.approx((scalar_poly(x + eps, y) - scalar_poly(x - eps, y)) / (2 * eps),
                               rel=1e-6)
    assert gy == pytest.approx((scalar_poly(x, y + eps) - scalar_poly(x, y - eps)) / (2 * eps),
                               rel=1e-6)
    gg = s2sad.grad(s2sad.grad(scalar_poly))(x, y)
    dg = s2sad.grad(scalar_poly)
    assert gg == pytest.approx((dg(x + eps, y) - dg(x - eps, y)) / (2 * eps), rel=1e-5)
    xs = RNG.normal(size=5)
    h = s2sad.hessian(rosenbrock)(xs)
    grad = s2sad.grad(rosenbrock)
    for i in range(5):
        e = np.zeros(5)
        e[i] = 1e-6
        np.testing.assert_allclose(h[:, i], (grad(xs + e) - grad(xs - e)) / 2e-6,
                                   rtol=1e-4, atol=1e-4)


def test_non_scalar_output_still_refused():
    with pytest.raises(NonDifferentiableError, match="scalar output"):
        s2sad.grad(vector_out)(np.ones(3))
    with pytest.raises(NonDifferentiableError, match="scalar output"):
        s2sad.grad(vector_out)(np.ones(3))        # (again, by the fast path)


def test_effects_of_the_value_remain():
    grad = s2sad.grad(calls_checker)
    np.testing.assert_allclose(grad(np.ones(3)), 2.0 * np.ones(3) + 1.0)
    with pytest.raises(ValueError, match="too big"):
        grad(np.full(3, 50.0))


def test_vjp_and_value_and_grad_keep_the_value():
    x = RNG.normal(size=6)
    out, pullback = s2sad.vjp(rosenbrock, x)
    assert out == pytest.approx(float(rosenbrock(x)))
    np.testing.assert_allclose(pullback(1.0)[0], s2sad.grad(rosenbrock)(x), rtol=1e-12)
    value, _ = s2sad.value_and_grad(rosenbrock)(x)
    assert value == pytest.approx(float(rosenbrock(x)))


def test_check_finite_still_names_a_non_finite_derivative():
    def root_sum(x):
        return np.sum(np.sqrt(x))
    grad = s2sad.grad(root_sum, check_finite=True)
    np.testing.assert_allclose(grad(np.full(3, 4.0)), np.full(3, 0.25))
    with pytest.raises(NonDifferentiableError, match="root_sum|sqrt"):
        grad(np.array([1.0, 0.0, 4.0]))


def weighted_rosen(x, s):
    return np.sum(s * (x[1:] - x[:-1] ** 2) ** 2)


def test_rosenbrock_adjoint_is_lean():
    text = s2sad.source(rosenbrock, mode="grad", example_args=(np.ones(6),))
    # the slices' cotangents keep x's kind (no cast back), and -g * (2.0 * t) is one
    # product of arrays times a scalar
    assert "rt.cast_like" not in text and "-bdiff" not in text and "* (bdiff * t_1)" in text


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_products_of_scaled_arrays(dtype):
    x, s = RNG.normal(size=7).astype(dtype), dtype(3.0)
    text = s2sad.source(weighted_rosen, mode="grad", example_args=(x, s))
    assert re.search(r"-2\.0 \* \(\w+ \* \w+\)", text)       # (-g) * (2.0 * t): one product
    grad = s2sad.grad(weighted_rosen)
    for _ in range(2):
        g = grad(x, s)
        assert g.dtype == dtype
        x64, d = x.astype(np.float64), RNG.normal(size=7)
        want = (weighted_rosen(x64 + 1e-6 * d, 3.0) - weighted_rosen(x64 - 1e-6 * d, 3.0)) / 2e-6
        tol = 1e-6 if dtype == np.float64 else 1e-3
        assert float(np.dot(g, d)) == pytest.approx(want, rel=tol, abs=tol)
    x64 = x.astype(np.float64)
    h = s2sad.hessian(weighted_rosen)(x64, 3.0)
    e = np.zeros(7)
    e[3] = 1e-6
    np.testing.assert_allclose(h[:, 3], (s2sad.grad(weighted_rosen)(x64 + e, 3.0) -
                                         s2sad.grad(weighted_rosen)(x64 - e, 3.0)) / 2e-6,
                               rtol=1e-5, atol=1e-5)


def floor_term(x, d):
    return x * x + x // d            # the floor's derivative is 0: only the value reads it


def log_term(x):
    return 3.0 * x + 0.0 * math.log(x)


def exp_term(x, s):
    big = math.exp(s)                # overflows for s > 709 (OverflowError in Python)
    return x * x + 0.0 * big


@pytest.mark.parametrize("f, args, error", [
    (floor_term, (1.5, 0.0), ZeroDivisionError),
    (log_term, (-1.0,), ValueError),
    (exp_term, (1.5, 1000.0), OverflowError),
])
def test_grad_raises_where_the_function_raises(f, args, error):
    """Statements only the value needs but that raise for some numbers (math functions,
    divisions of Python numbers) stay in grad's code: the gradient raises as f does."""
    with pytest.raises(error):
        f(*args)
    for derivative in (s2sad.grad(f), s2sad.value_and_grad(f), s2sad.grad(s2sad.grad(f))):
        with pytest.raises(error):
            derivative(*args)


def test_grad_of_the_raising_forms_where_they_do_not_raise():
    assert s2sad.grad(floor_term, wrt=0)(1.5, 2.0) == pytest.approx(3.0)
    assert s2sad.grad(log_term)(2.0) == pytest.approx(3.0)
    assert s2sad.grad(exp_term)(1.5, 2.0) == pytest.approx(3.0)


def mean_square(x):
    return np.mean(x ** 2)


def log_sum(x):
    return np.sum(np.log(x))


def test_a_mean_over_an_empty_array_and_a_division_by_a_zero_entry():
    """The spread of a mean divides by the array's size (0 for an empty array) and a
    division of arrays is NumPy's: inf and nan, never ZeroDivisionError."""
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # (the mean of an empty array)
        g = s2sad.grad(mean_square)(np.zeros(0))
        value, g2 = s2sad.value_and_grad(mean_square)(np.zeros(0))
    assert g.shape == g2.shape == (0,) and np.isnan(value)
    x = np.array([0.0, 2.0, 4.0])
    with np.errstate(divide="ignore"):
        g = s2sad.grad(log_sum)(x)
        value, g2 = s2sad.value_and_grad(log_sum)(x)
    assert np.isinf(g[0]) and g[1:] == pytest.approx([0.5, 0.25])
    assert np.array_equal(g, g2) and value == -np.inf


def row_mean(w, x, labels):
    p = np.tanh(x @ w)
    return -np.mean(np.sum(p * labels, axis=1))


@pytest.mark.parametrize("label_shape", [(6, 3), (1, 3), (6, 1), (3,)])
def test_the_mean_of_row_sums_reads_its_size_from_a_parameter(label_shape):
    """The spread of a mean of row sums divides by the number of rows: read from the
    parameter shaped like the rows' array where that is proved (labels of the product's
    shape), from the value otherwise (labels that broadcast)."""
    w, x = RNG.normal(size=(4, 3)), RNG.normal(size=(6, 4))
    labels = RNG.normal(size=label_shape)
    g = s2sad.grad(row_mean)(w, x, labels)
    direction = RNG.normal(size=w.shape)
    eps = 1e-6
    fd = (row_mean(w + eps * direction, x, labels) -
          row_mean(w - eps * direction, x, labels)) / (2 * eps)
    assert np.sum(g * direction) == pytest.approx(fd, rel=1e-6, abs=1e-9)
    text = s2sad.source(row_mean, mode="grad", example_args=(w, x, labels))
    assert ("np.size(labels, 0)" in text) == (label_shape == (6, 3))
    # differentiated again: grad of a function that calls grad, and the Hessian
    outer = s2sad.grad(lambda w: np.sum(s2sad.grad(row_mean)(w, x, labels) ** 2))
    hvp = s2sad.hessian(row_mean)(w, x, labels).reshape(w.size, w.size) @ direction.ravel()
    fd_grads = (s2sad.grad(row_mean)(w + eps * direction, x, labels) -
                s2sad.grad(row_mean)(w - eps * direction, x, labels)) / (2 * eps)
    assert hvp == pytest.approx(fd_grads.ravel(), rel=1e-5, abs=1e-8)
    squared = lambda w: np.sum(s2sad.grad(row_mean)(w, x, labels) ** 2)   # noqa: E731
    assert np.sum(outer(w) * direction) == pytest.approx(
        (squared(w + eps * direction) - squared(w - eps * direction)) / (2 * eps),
        rel=1e-5, abs=1e-8)
