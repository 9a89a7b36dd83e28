"""Dask arrays (docs/arrays.md).

What works: a Dask array passed as an argument that is *not* differentiated (weights,
data), and Dask arrays as tangents or cotangents.  The derivative code calls NumPy
functions, which dispatch to Dask (`__array_ufunc__`, `__array_function__`); a
derivative of a Dask result stays a lazy Dask array whose computed value equals the
NumPy one, and a gradient has the type of its (NumPy) argument.

What is refused: differentiating with respect to a Dask array (its kind is an opaque
object, not a float array): `NonDifferentiableError`.
"""
from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest

import s2sad
from s2sad import kinds
from s2sad.errors import NonDifferentiableError, S2SADError

X = np.array([0.1, 0.2, 0.3])
W = np.arange(6.0).reshape(3, 2) / 7.0


@pytest.fixture(autouse=True)
def synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


def lazy(a, chunks=2):
    return da.from_array(a, chunks=chunks)


# scalar-output functions of x (NumPy, differentiated) and w (Dask, held constant)
def elementwise(x, w):
    return np.sum(np.sin(x) * np.exp(x) + x * w[:, 0])


def reduction(x, w):
    return np.mean(x * w[:, 1]) + np.sum(w * x[:, None])


def matmul(x, w):
    return np.sum(x @ w)


def dot(x, w):
    return np.sum(np.exp(np.dot(x, w)))


# array-output functions
def elementwise_out(x, w):
    return np.sin(x) * np.exp(w[:, 0]) + x


def matmul_out(x, w):
    return x @ w


def dot_out(x, w):
    return np.dot(x, w) * 2.0


SCALAR = [elementwise, reduction, matmul, dot]
ARRAY = [elementwise_out, matmul_out, dot_out]


def computed(a):
    return a.compute() if isinstance(a, da.Array) else a


def test_kind_of_a_dask_array_is_an_opaque_object():
    assert kinds.of_value(da.ones(3)) == kinds.Kind("object", items=(da.Array,))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", SCALAR, ids=lambda f: f.__name__)
def test_grad_with_dask_constant(f, mode):
    expected = s2sad.grad(f, mode=mode)(X, W)
    got = s2sad.grad(f, mode=mode)(X, lazy(W))
    assert isinstance(got, np.ndarray) and got.dtype == X.dtype   # the type of x
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    value, g = s2sad.value_and_grad(f, mode=mode)(X, lazy(W))
    np.testing.assert_allclose(computed(value), f(X, W), rtol=1e-12)
    np.testing.assert_allclose(g, expected, rtol=1e-12)


@pytest.mark.parametrize("f", SCALAR + ARRAY, ids=lambda f: f.__name__)
def test_jvp_with_dask_constant_is_lazy(f):
    t = np.array([1.0, -2.0, 0.5])
    out_np, dout_np = s2sad.jvp(f, (X, W), (t, None))
    out, dout = s2sad.jvp(f, (X, lazy(W)), (t, None))
    assert isinstance(out, da.Array) and isinstance(dout, da.Array)   # not computed
    np.testing.assert_allclose(out.compute(), out_np, rtol=1e-12)
    np.testing.assert_allclose(dout.compute(), dout_np, rtol=1e-12)
    assert dout.shape == np.shape(dout_np) and dout.dtype == np.float64


@pytest.mark.parametrize("f", SCALAR + ARRAY, ids=lambda f: f.__name__)
def test_vjp_with_dask_constant(f):
    out_np, pullback_np = s2sad.vjp(f, X, W)
    out, pullback = s2sad.vjp(f, X, lazy(W))
    assert isinstance(out, da.Array)
    np.testing.assert_allclose(out.compute(), out_np, rtol=1e-12)
    cot = np.linspace(0.5, 1.5, np.size(out_np)).reshape(np.shape(out_np))
    (gx_np, _), (gx, gw) = pullback_np(cot), pullback(cot)
    assert gw is None                                    # no gradient for the Dask array
    assert isinstance(gx, np.ndarray)
    np.testing.assert_allclose(gx, gx_np, rtol=1e-12)
    if np.ndim(out_np):                                  # a Dask cotangent works too
        (gx_lazy_cot, _) = pullback(lazy(cot))
        np.testing.assert_allclose(computed(gx_lazy_cot), gx_np, rtol=1e-12)


@pytest.mark.parametrize("f", [elementwise_out, lambda x: np.sum(np.exp(x) * x)],
                         ids=["elementwise_out", "reduction"])
def test_dask_tangent_of_numpy_primal(f):
    args = (X, W) if f is elementwise_out else (X,)
    t = np.array([1.0, -2.0, 0.5])
    tangents = (t, None) if f is elementwise_out else (t,)
    lazy_tangents = (lazy(t), None) if f is elementwise_out else (lazy(t),)
    _, expected = s2sad.jvp(f, args, tangents)
    _, got = s2sad.jvp(f, args, lazy_tangents)
    np.testing.assert_allclose(computed(got), expected, rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", SCALAR, ids=lambda f: f.__name__)
def test_differentiating_a_dask_array_is_refused(f, mode):
    with pytest.raises(NonDifferentiableError, match="it is Array, not a float or float array"):
        s2sad.grad(f, mode=mode)(lazy(X), W)
    with pytest.raises(S2SADError, match="argument 'w': it is Array"):
        s2sad.grad(f, wrt=1, mode=mode)(X, lazy(W))


def test_computed_dask_array_is_differentiated():
    """The fix the refusal points to: compute the Dask array (or np.asarray) first."""
    x = lazy(X)
    got = s2sad.grad(matmul)(x.compute(), lazy(W))
    np.testing.assert_allclose(got, s2sad.grad(matmul)(X, W), rtol=1e-12)


def test_differentiating_with_respect_to_a_dask_array_is_refused_everywhere():
    """Never a silent zero tangent: jvp with a tangent for a Dask primal, and vjp with
    nothing else to differentiate, are refused with the way out."""
    def f(x, W):
        return np.sum(np.sin(x @ W))
    x, W = da.ones(3), np.ones((3, 2))
    with pytest.raises(s2sad.NonDifferentiableError, match="compute"):
        s2sad.jvp(f, (x, W), (np.ones(3), None))
    with pytest.raises(s2sad.NonDifferentiableError, match="compute"):
        s2sad.vjp(f, x, W.astype(int))
