"""Array derivatives specialised on proved shapes (s2sad/transforms/shapes.py).

Where kinds prove that a cotangent already has its input's shape and dtype, the
generic helpers go (`rt.unbroadcast`, `rt.cast_like`, `rt.matmul_vjp_*`, a
broadcast sum's spread) and the derivative reads like a hand-written one; where they
do not (real broadcasting, mixed dtypes), the helpers stay.  Each gradient is
checked against central differences and keeps its input's dtype.
"""
from __future__ import annotations

import numpy as np
import pytest

import s2sad

RNG = np.random.default_rng(11)


def least_squares(w, X, y):
    return np.sum((X @ w - y) ** 2)


def two_layer(W1, W2, x):
    h = np.tanh(W1 @ x)
    return np.sum((W2 @ h) ** 2) * 0.5


def row_vector_product(v, A):
    return np.sum(np.sin(v @ A))


def matrix_product(A, B):
    return np.sum((A @ B) ** 2)


def outer_broadcast(col, row):
    return np.sum(np.exp(col + row) * row)


def row_plus_matrix(r, M):
    return np.sum((M - r) ** 2 / 2.0)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


CASES = [
    (least_squares, lambda dt: (RNG.normal(size=3), RNG.normal(size=(5, 3)), RNG.normal(size=5))),
    (two_layer, lambda dt: (RNG.normal(size=(4, 3)), RNG.normal(size=(2, 4)), RNG.normal(size=3))),
    (row_vector_product, lambda dt: (RNG.normal(size=3), RNG.normal(size=(3, 4)))),
    (matrix_product, lambda dt: (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)))),
    (outer_broadcast, lambda dt: (RNG.normal(size=(4, 1)), RNG.normal(size=(1, 3)))),
    (row_plus_matrix, lambda dt: (RNG.normal(size=3), RNG.normal(size=(4, 3)))),
    (rosenbrock, lambda dt: (RNG.normal(size=6),)),
]


def central_difference(f, args, i, direction, h=1e-6):
    plus = list(args)
    minus = list(args)
    plus[i] = args[i] + h * direction
    minus[i] = args[i] - h * direction
    return (f(*plus) - f(*minus)) / (2 * h)


@pytest.mark.parametrize("f, make", CASES, ids=[c[0].__name__ for c in CASES])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_against_differences(f, make, mode):
    args = make(np.float64)
    wrt = tuple(range(len(args)))
    grads = s2sad.grad(f, wrt=wrt, mode=mode)(*args)
    for i, g in enumerate(grads):
        assert g.shape == args[i].shape and g.dtype == args[i].dtype
        direction = RNG.normal(size=args[i].shape)
        expected = central_difference(f, args, i, direction)
        assert np.sum(g * direction) == pytest.approx(expected, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("f, make", CASES, ids=[c[0].__name__ for c in CASES])
def test_float32_stays_float32(f, make):
    args = tuple(a.astype(np.float32) for a in make(np.float32))
    wrt = tuple(range(len(args)))
    grads = s2sad.grad(f, wrt=wrt)(*args)
    reference = s2sad.grad(f, wrt=wrt)(*(a.astype(np.float64) for a in args))
    for g, r, a in zip(grads, reference, args):
        assert g.dtype == np.float32 and g.shape == a.shape
        np.testing.assert_allclose(g, r, rtol=2e-3, atol=2e-3)


def test_mixed_dtypes_keep_each_inputs_dtype():
    w, X, y = RNG.normal(size=3).astype(np.float32), RNG.normal(size=(5, 3)), RNG.normal(size=5)
    gw, gX = s2sad.grad(least_squares, wrt=(0, 1))(w, X, y)
    assert gw.dtype == np.float32 and gX.dtype == np.float64
    r = X @ w.astype(np.float64) - y
    np.testing.assert_allclose(gw, 2 * X.T @ r, rtol=1e-5)
    np.testing.assert_allclose(gX, 2 * np.outer(r, w), rtol=1e-5)


def test_a_pullback_given_a_wider_cotangent_keeps_the_dtype():
    w, X, y = (a.astype(np.float32) for a in CASES[0][1](None))
    _, pullback = s2sad.vjp(least_squares, w, X, y)
    assert pullback(np.float64(2.0))[0].dtype == np.float32


def test_a_network_gradient_reads_like_the_hand_written_one():
    text = s2sad.source(two_layer, example_args=CASES[1][1](None))
    adjoint = text[text.index("result = "):]
    assert "rt." not in adjoint, adjoint
    assert "W2.T @" in adjoint and "np.outer(" in adjoint


def test_real_broadcasting_keeps_its_helper():
    """`mm - y` of two 1-D arrays may broadcast (y of length 1): not provable."""
    text = s2sad.source(least_squares, example_args=CASES[0][1](None))
    assert "X.T @ rt.unbroadcast(" in text
    w, X = RNG.normal(size=3), RNG.normal(size=(5, 3))
    y = RNG.normal(size=1)
    r = X @ w - y
    np.testing.assert_allclose(s2sad.grad(least_squares, wrt=(0, 2))(w, X, y)[1],
                               [-2 * np.sum(r)], rtol=1e-12)


def test_second_order_through_specialised_products():
    W1, W2, x = CASES[1][1](None)
    H = s2sad.hessian(two_layer, wrt=2)(W1, W2, x)
    g = s2sad.grad(two_layer, wrt=2)
    direction = RNG.normal(size=3)
    h = 1e-5
    expected = (g(W1, W2, x + h * direction) - g(W1, W2, x - h * direction)) / (2 * h)
    np.testing.assert_allclose(H @ direction, expected, rtol=1e-5, atol=1e-7)


def accumulated_in_float64(x0, pop):
    acc = np.zeros(2)
    for d in range(2):
        acc[d] += x0 * x0 + np.sum(pop * pop)
    return np.sum(acc)


def test_a_float32_input_reached_through_a_float64_scalar_keeps_its_dtype():
    """The items of a float64 array are NumPy float64 scalars, of the same kind as
    Python floats, so kinds cannot tell that `g * pop` is float64: the final cast stays
    for float32 (found by the hostile fuzzer, seed 9102)."""
    pop = np.array([[0.3], [0.9]], dtype=np.float32)
    g = s2sad.grad(accumulated_in_float64, wrt=1)(1.2, pop)
    assert g.dtype == np.float32 and g.shape == pop.shape
    np.testing.assert_allclose(g, 4 * pop, rtol=1e-6)
