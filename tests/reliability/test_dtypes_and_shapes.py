"""Gradients keep their input's dtype (float32 stays float32) and shape (broadcast
inputs get gradients summed back to their shapes)."""
import numpy as np
import pytest

import s2sad

from .helpers import MODES, assert_close, square


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
