"""Derivatives specialised on the shape pattern of a call (s2sad/variants.py,
s2sad/transforms/dims.py, dispatch.ShapeVariants).

From its second call, `grad(f)` runs code made for the pattern of the arguments'
shapes (which dimensions are 1, which are equal) where that pattern decides array
helpers: `rt.unbroadcast` becomes `np.sum(g, axis=0)` or disappears.  Checked: the
gradients against central differences in random directions for shapes of several
patterns (size-1 bias, batch of 1, equal and unequal dimensions), float32, second
order; a new pattern compiles a new variant, a known one does not, and the number of
variants is capped.
"""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad.compiler import DEFAULT as COMPILER
from s2sad.dispatch import ShapeVariants
from s2sad.testing import check_grads
from s2sad.transforms import dims
from s2sad.variants import ONE, pattern_of
from tests.stages.test_tape_economy import recurrent as rnn

RNG = np.random.default_rng(21)


def mlp(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    return np.mean((out - y) ** 2)


def broadcast_sum(a, b):
    return np.sum(np.sin(a + b) * a)


def bias_gradient_norm(a, b):
    return np.sum(s2sad.grad(broadcast_sum, wrt=1)(a, b) ** 2)


def shifted(x, b):
    return np.sum((x[1:] * b - x[:-1]) ** 2)


def mlp_args(batch, n_in, hidden, n_out, dtype=np.float64):
    return tuple(RNG.normal(size=s).astype(dtype) for s in (
        (n_in, hidden), (hidden,), (hidden, n_out), (n_out,), (batch, n_in), (batch, n_out)))


def directional_check(f, args, grads, wrt, rtol=1e-6, eps=1e-6):
    """<grad, d> against the central difference of f along a random direction d."""
    args64 = [np.asarray(a, dtype=np.float64) for a in args]
    for _ in range(2):
        ds = [RNG.normal(size=np.shape(args[i])) for i in wrt]
        plus, minus = list(args64), list(args64)
        for i, d in zip(wrt, ds):
            plus[i] = args64[i] + eps * d
            minus[i] = args64[i] - eps * d
        want = (f(*plus) - f(*minus)) / (2 * eps)
        got = sum(float(np.sum(g * d)) for g, d in zip(grads, ds))
        assert abs(got - want) <= rtol * max(1.0, abs(want)), (got, want)


class Compiles:
    """Counts the derivatives compiled for a shape pattern."""

    def __init__(self, monkeypatch):
        self.patterns = []
        original = COMPILER.compiled

        def counting(*args, **kwargs):
            variant = kwargs.get("variant")
            if variant is not None and variant.pattern is not None:
                self.patterns.append(variant.pattern)
            return original(*args, **kwargs)
        monkeypatch.setattr(COMPILER, "compiled", counting)


SHAPES = [(32, 10, 32, 1), (5, 3, 7, 1), (5, 3, 1, 1), (1, 3, 7, 1), (4, 3, 7, 2),
          (7, 7, 7, 7)]


@pytest.mark.parametrize("shape", SHAPES)
def test_mlp_gradient_for_each_pattern(shape):
    grad = s2sad.grad(mlp, wrt=(0, 1, 2, 3))
    for _ in range(3):            # the first call runs the generic code, then the pattern's
        args = mlp_args(*shape)
        grads = grad(*args)
        for g, a in zip(grads, args):
            assert g.shape == a.shape and g.dtype == a.dtype
        directional_check(mlp, args, grads, (0, 1, 2, 3))


def test_one_function_called_with_many_patterns():
    grad = s2sad.grad(mlp, wrt=(0, 1, 2, 3))
    for shape in SHAPES + SHAPES[::-1]:
        args = mlp_args(*shape)
        directional_check(mlp, args, grad(*args), (0, 1, 2, 3))


def test_float32_keeps_dtype():
    grad = s2sad.grad(mlp, wrt=(0, 1, 2, 3))
    for shape in [(6, 3, 4, 1), (6, 3, 4, 1), (6, 3, 1, 1), (6, 3, 1, 1)]:
        args = mlp_args(*shape, dtype=np.float32)
        grads = grad(*args)
        assert all(g.dtype == np.float32 and g.shape == a.shape for g, a in zip(grads, args))
        directional_check(mlp, args, grads, (0, 1, 2, 3), rtol=2e-3, eps=1e-3)


def test_generated_code_for_the_call_has_no_unbroadcast():
    args = mlp_args(32, 10, 32, 1)
    text = s2sad.source(mlp, mode="grad", wrt=(0, 1, 2, 3), example_args=args)
    assert "rt.unbroadcast" not in text and "rt.mean_vjp" not in text
    assert "bb1 = np.sum(bsum, axis=0)" in text
    generic = s2sad.source(mlp, mode="grad", wrt=(0, 1, 2, 3))
    assert "rt.unbroadcast" in generic
    # a hidden layer of 1: b1's cotangent is the sum over the batch
    text_one = s2sad.source(mlp, mode="grad", wrt=(0, 1, 2, 3),
                            example_args=mlp_args(5, 3, 1, 1))
    assert "bb1 = np.sum(bsum, axis=0)" in text_one and "rt.unbroadcast" not in text_one
    # b of size 1 against rows of 6: summed over both axes, kept 1-D
    text_b = s2sad.source(broadcast_sum, mode="grad", wrt=(0, 1),
                          example_args=(np.ones((5, 6)), np.ones(1)))
    assert "axis=0, keepdims=True)" in text_b and "rt.unbroadcast" not in text_b


def test_new_pattern_compiles_known_pattern_reuses(monkeypatch):
    compiles = Compiles(monkeypatch)
    grad = s2sad.grad(broadcast_sum, wrt=(0, 1))
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    for _ in range(2):
        directional_check(broadcast_sum, (a, b), grad(a, b), (0, 1))
    assert len(compiles.patterns) == 1
    a, b = RNG.normal(size=(5, 6)), RNG.normal(size=6)      # the same pattern
    directional_check(broadcast_sum, (a, b), grad(a, b), (0, 1))
    assert len(compiles.patterns) == 1
    a, b = RNG.normal(size=(5, 6)), RNG.normal(size=1)      # b of size 1: another one
    directional_check(broadcast_sum, (a, b), grad(a, b), (0, 1))
    a, b = RNG.normal(size=(6, 6)), RNG.normal(size=6)      # equal dims: another one
    directional_check(broadcast_sum, (a, b), grad(a, b), (0, 1))
    a, b = RNG.normal(size=(1, 6)), RNG.normal(size=6)      # a batch of 1
    directional_check(broadcast_sum, (a, b), grad(a, b), (0, 1))
    assert len(compiles.patterns) == 4 and len(set(compiles.patterns)) == 4


def test_variants_are_capped(monkeypatch):
    monkeypatch.setattr(ShapeVariants, "MAX_PATTERNS", 2)
    compiles = Compiles(monkeypatch)
    grad = s2sad.grad(broadcast_sum, wrt=(0, 1))
    for n in range(2, 9):
        a, b = RNG.normal(size=(n, 3 + (n % 2))), RNG.normal(size=(3 + (n % 2)) ** (n % 3 > 0))
        for _ in range(2):
            directional_check(broadcast_sum, (a, b), grad(a, b), (0, 1))
    assert len(compiles.patterns) == 2


def test_unknown_dimensions_keep_the_helper():
    grad = s2sad.grad(shifted, wrt=(0, 1))
    for b_size in (1, 7, 1, 7):
        x, b = RNG.normal(size=8), RNG.normal(size=b_size)
        for _ in range(2):
            directional_check(shifted, (x, b), grad(x, b), (0, 1))
    # x[1:]'s length is not proved (1 or not), so b's cotangent stays generic
    text = s2sad.source(shifted, mode="grad", wrt=(0, 1), example_args=(np.ones(8), np.ones(1)))
    assert "rt.unbroadcast" in text


def test_second_order_through_patterns():
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    h = s2sad.hessian(broadcast_sum)(a, b)
    grad = s2sad.grad(broadcast_sum)
    grad(a, b)
    eps = 1e-6
    for index in [(0, 0), (1, 2), (2, 3)]:
        e = np.zeros_like(a)
        e[index] = eps
        np.testing.assert_allclose(h[(Ellipsis,) + index], (grad(a + e, b) - grad(a - e, b))
                                   / (2 * eps), rtol=1e-5, atol=1e-6)
    check_grads(broadcast_sum, (a, b))
    outer = s2sad.grad(bias_gradient_norm, wrt=(0, 1))
    for b2 in (b, RNG.normal(size=1), b):
        for _ in range(2):
            directional_check(bias_gradient_norm, (a, b2), outer(a, b2), (0, 1), rtol=1e-5)


def test_pattern_of_and_dimension_rules():
    assert pattern_of(((32, 10), (10,), None, (1,), (32, 32))) == \
        ((2, 3), (3,), None, (ONE,), (2, 2))
    assert dims.broadcast((2, 3), (3,)) == (2, 3)
    assert dims.broadcast((2, ONE), (ONE,)) == (2, ONE)
    assert dims.broadcast((2, None), (3,)) == (2, 3)     # None is 1 or 3
    assert dims.broadcast((None,), (None,)) == (None,)
    assert dims.unbroadcast_axes((2, 3), (3,)) == ((0,), ())
    assert dims.unbroadcast_axes((2, 3), (ONE,)) == ((0,), (0,))
    assert dims.unbroadcast_axes((2, ONE), (ONE,)) == ((0,), ())
    assert dims.unbroadcast_axes((2, 3), (2, 3)) == ((), ())
    assert dims.unbroadcast_axes((2, None), (ONE,)) is None
    assert dims.unbroadcast_axes((2, 3), (None,)) is None


def test_loop_with_broadcasting_for_each_pattern():
    grad = s2sad.grad(rnn, wrt=(0, 1, 2))
    for n, m, b_size in [(4, 3, 4), (4, 3, 1), (3, 3, 3), (1, 2, 1), (4, 3, 4)]:
        args = (RNG.normal(size=(n, n)) * 0.5, RNG.normal(size=(n, m)) * 0.5,
                RNG.normal(size=b_size), RNG.normal(size=(5, m)))
        for _ in range(2):
            grads = grad(*args)
            assert [g.shape for g in grads] == [a.shape for a in args[:3]]
            directional_check(rnn, args, grads, (0, 1, 2), rtol=1e-5)


def square(v):
    return v * v


def uses_helper(a, b):
    return np.sum(HELPER(a + b) * a)


HELPER = square


def test_rebound_name_is_seen_for_new_shapes_too(monkeypatch):
    grad = s2sad.grad(uses_helper, wrt=(0, 1))
    a, b = RNG.normal(size=(3, 4)), RNG.normal(size=4)
    for _ in range(2):
        directional_check(uses_helper, (a, b), grad(a, b), (0, 1))
    monkeypatch.setitem(globals(), "HELPER", np.sin)
    for shape_a, shape_b in [((5, 2), (2,)), ((3, 4), (4,)), ((5, 2), (1,))]:
        a, b = RNG.normal(size=shape_a), RNG.normal(size=shape_b)
        ga, gb = grad(a, b)
        spread = np.cos(a + b) * a
        want = np.sum(spread, axis=0) if b.size > 1 else np.sum(spread).reshape(1)
        np.testing.assert_allclose(gb, want, rtol=1e-10)
        directional_check(uses_helper, (a, b), (ga, gb), (0, 1))


@pytest.mark.parametrize("shape_a, shape_b", [((5, 6), (1, 6)), ((5, 6), (5, 1)),
                                              ((2, 5, 6), (1, 6)), ((5, 1), (1, 6)),
                                              ((1, 1), (3, 4))])
def test_size_one_axes_kept(shape_a, shape_b):
    grad = s2sad.grad(broadcast_sum, wrt=(0, 1))
    a, b = RNG.normal(size=shape_a), RNG.normal(size=shape_b)
    text = s2sad.source(broadcast_sum, mode="grad", wrt=(0, 1), example_args=(a, b))
    assert "rt.unbroadcast" not in text
    for _ in range(2):
        ga, gb = grad(a, b)
        assert ga.shape == a.shape and gb.shape == b.shape
        directional_check(broadcast_sum, (a, b), (ga, gb), (0, 1))
