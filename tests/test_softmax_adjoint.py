"""Softmax, log-softmax and logsumexp: the max they subtract is not differentiated
(transforms/shift_invariance.py), and reduction cotangents with literal axes are
plain broadcasting (transforms/spreads.py).

Every derivative is checked against central differences (s2sad.testing.check_grads:
random directions, forward-vs-reverse dot test); the generated code is inspected
only to see whether the max was differentiated.
"""
import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads

RNG = np.random.default_rng(7)


def softmax_ce(W, X, labels):
    logits = X @ W
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(log_probs * labels, axis=1))


def logsumexp_all(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def logsumexp_rows(x, w):
    m = np.max(x, axis=1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))
    return np.sum(lse * w)


def softmax_cols(x, w):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return np.sum(e / e.sum(axis=0, keepdims=True) * w)


def log_softmax_3d(x, w):
    s = x - np.amax(x, axis=1, keepdims=True)
    return np.sum((s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))) * w)


def log_softmax_scalar_shift(x, w):
    s = x - np.max(x)                  # one number: any axis of the sum
    return np.sum((s - np.log(np.sum(np.exp(s), axis=0, keepdims=True))) * w)


def softmax_mean_normaliser(x, w):
    s = x - np.min(x, axis=-1, keepdims=True)
    e = np.exp(s)
    return np.sum(np.log(e / np.mean(e, axis=-1, keepdims=True)) * w)


# The max matters in these: the shift must be differentiated.
def shift_used_elsewhere(x, w):
    m = np.max(x, axis=1, keepdims=True)
    s = x - m
    return np.sum((s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))) * w) + np.sum(m)


def shifted_value_used_elsewhere(x, w):
    s = x - np.max(x, axis=1, keepdims=True)
    return np.sum((s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))) * w) + np.sum(s ** 2)


def other_axis(x, w):
    s = x - np.max(x, axis=0, keepdims=True)
    return np.sum((s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))) * w)


def not_normalised(x, w):
    s = x - np.max(x, axis=1, keepdims=True)
    return np.sum(np.exp(s) * w)


def in_a_branch(x, w):
    m = np.max(x, axis=1, keepdims=True)
    s = x - m
    if w[0, 0] > 0:
        s = s * 2.0
    return np.sum((s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))) * w)


def row_max(x, w):
    return np.sum(np.max(x, axis=1) * w)


def _args(*shapes):
    return tuple(RNG.normal(size=s) for s in shapes)


def _differentiates_max(f, args, mode="reverse") -> bool:
    text = s2sad.source(f, mode, wrt=0, example_args=args)
    return "extremum_" in text


INVARIANT = [
    (logsumexp_all, _args((4, 3))),
    (logsumexp_rows, _args((4, 3), (4, 1))),
    (softmax_cols, _args((4, 3), (4, 3))),
    (log_softmax_3d, _args((2, 3, 4), (2, 3, 4))),
    (log_softmax_scalar_shift, _args((4, 3), (4, 3))),
    (softmax_mean_normaliser, _args((3, 5), (3, 5))),
]
DEPENDENT = [
    (shift_used_elsewhere, _args((4, 3), (4, 3))),
    (shifted_value_used_elsewhere, _args((4, 3), (4, 3))),
    (other_axis, _args((4, 3), (4, 3))),
    (not_normalised, _args((4, 3), (4, 3))),
    (in_a_branch, _args((4, 3), (4, 3))),
]


@pytest.mark.parametrize("f, args", INVARIANT, ids=lambda v: getattr(v, "__name__", ""))
def test_invariant_shift_is_not_differentiated(f, args):
    check_grads(f, args)
    assert not _differentiates_max(f, args, "reverse")
    assert not _differentiates_max(f, args, "forward")


@pytest.mark.parametrize("f, args", DEPENDENT, ids=lambda v: getattr(v, "__name__", ""))
def test_shift_that_matters_is_differentiated(f, args):
    check_grads(f, args)
    assert _differentiates_max(f, args, "reverse")
    assert _differentiates_max(f, args, "forward")


def _softmax_args(n=6, d=3, k=4, dtype=np.float64):
    labels = np.eye(k)[RNG.integers(0, k, size=n)]
    return (RNG.normal(size=(d, k)).astype(dtype), RNG.normal(size=(n, d)).astype(dtype),
            labels.astype(dtype))


def _hand_softmax_ce_grad(W, X, labels):
    logits = X @ W
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return X.T @ ((p * labels.sum(axis=1, keepdims=True) - labels) / X.shape[0])


def test_softmax_ce_gradient():
    args = _softmax_args()
    check_grads(softmax_ce, args)
    assert not _differentiates_max(softmax_ce, args)
    got = s2sad.grad(softmax_ce)(*args)
    np.testing.assert_allclose(got, _hand_softmax_ce_grad(*args), rtol=1e-12, atol=1e-15)


def test_ties_in_the_max_of_an_invariant_shift():
    """Rows with several maximal logits: the loss is smooth there, the max's
    derivative (split between the ties) must not leak into the gradient."""
    x = np.array([[1.0, 1.0, 0.5], [2.0, -1.0, 2.0], [0.0, 0.0, 0.0]])
    w = RNG.normal(size=(3, 3))
    check_grads(logsumexp_rows, (x, w[:, :1]))
    check_grads(softmax_cols, (x.T.copy(), w))
    e = np.exp(x - x.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(s2sad.grad(logsumexp_rows)(x, np.ones((3, 1))), softmax,
                               rtol=1e-14)


def test_ties_in_a_max_that_matters_split_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0], [5.0, 5.0, 5.0]])
    w = np.array([0.5, -2.0, 3.0])
    want = np.array([[0, 0.25, 0.25], [-2.0, 0, 0], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(s2sad.grad(row_max)(x, w), want, rtol=1e-15)
    _, tangent = s2sad.jvp(row_max, (x, w), (np.ones_like(x), np.zeros_like(w)))
    assert tangent == pytest.approx(np.sum(want))
    check_grads(row_max, (RNG.normal(size=(4, 3)), RNG.normal(size=4)))


def test_float32_keeps_its_dtype():
    args = _softmax_args(dtype=np.float32)
    got = s2sad.grad(softmax_ce)(*args)
    assert got.dtype == np.float32
    want = _hand_softmax_ce_grad(*(a.astype(np.float64) for a in args))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    x, w = (a.astype(np.float32) for a in _args((4, 3), (4, 1)))
    assert s2sad.grad(logsumexp_rows)(x, w).dtype == np.float32


def test_second_order_softmax_ce():
    W, X, labels = _softmax_args(n=5, d=2, k=3)
    hess = s2sad.hessian(softmax_ce)(W, X, labels)
    grad = s2sad.grad(softmax_ce)
    step = 1e-6
    for i in np.ndindex(W.shape):
        dW = np.zeros_like(W)
        dW[i] = step
        column = (grad(W + dW, X, labels) - grad(W - dW, X, labels)) / (2 * step)
        np.testing.assert_allclose(hess[(...,) + i], column, rtol=1e-6, atol=1e-8)
    # forward over reverse: the tangent of the gradient
    dW = RNG.normal(size=W.shape)
    _, tangent = s2sad.jvp(lambda V: grad(V, X, labels), (W,), (dW,))
    want = (grad(W + step * dW, X, labels) - grad(W - step * dW, X, labels)) / (2 * step)
    np.testing.assert_allclose(tangent, want, rtol=1e-6, atol=1e-8)


def test_second_order_logsumexp():
    x = RNG.normal(size=(3, 4))
    hess = s2sad.hessian(logsumexp_all)(x)
    flat = x.ravel()
    p = np.exp(flat - flat.max())
    p /= p.sum()
    want = (np.diag(p) - np.outer(p, p)).reshape(x.shape + x.shape)
    np.testing.assert_allclose(hess, want, rtol=1e-10, atol=1e-12)


# ---- spreads: reduction cotangents with literal axes ---------------------------------

def reductions_kept(x, y):
    r = np.sum(x * y, axis=1, keepdims=True)
    q = np.mean(np.exp(x), axis=(0, 2), keepdims=True)
    return np.sum(np.log(r) + x / q) + np.sum(np.sum(x, axis=-1) * y[..., 0])


def reductions_dropped(x, y):
    a = np.sum(np.sin(x) * y, axis=0)
    b = np.mean(np.sum(x ** 2, axis=(1, 2)))
    return np.sum(a ** 2) + b


@pytest.mark.parametrize("shape", [(3, 4, 2), (1, 4, 2), (3, 1, 1)])
def test_reduction_spreads(shape):
    x = RNG.uniform(0.5, 1.5, size=shape)
    y = RNG.uniform(0.5, 1.5, size=shape)
    for f in (reductions_kept, reductions_dropped):
        check_grads(f, (x, y))
        check_grads(f, (x.astype(np.float32), y.astype(np.float32)), rtol=2e-3, atol=2e-3)
        assert s2sad.grad(f)(x.astype(np.float32), y.astype(np.float32)).dtype == np.float32


def test_reduction_spreads_second_order():
    x = RNG.uniform(0.5, 1.5, size=(2, 3, 2))
    y = RNG.uniform(0.5, 1.5, size=(2, 3, 2))
    grad = s2sad.grad(reductions_kept)
    hess = s2sad.hessian(reductions_kept)(x, y)
    step = 1e-6
    for i in [(0, 0, 0), (1, 2, 1), (0, 1, 1)]:
        dx = np.zeros_like(x)
        dx[i] = step
        column = (grad(x + dx, y) - grad(x - dx, y)) / (2 * step)
        np.testing.assert_allclose(hess[(...,) + i], column, rtol=1e-5, atol=1e-7)


def logsumexp_in_a_loop(x, w):
    total = 0.0
    for i in range(x.shape[0]):
        row = x[i] * w
        m = row.max()
        total = total + m + np.log(np.sum(np.exp(row - m)))
    return total


def shift_carried_by_a_loop(x):
    m = np.max(x, axis=1, keepdims=True)
    for _ in range(2):
        m = m * 0.5
    s = x - m
    return np.sum(s - np.log(np.sum(np.exp(s), axis=1, keepdims=True)))


def spreads_in_a_loop(x, y):
    acc = np.zeros_like(x)
    for i in range(3):
        z = np.tanh(x * (i + 1.0))
        acc = acc + z / np.sum(z * y, axis=0, keepdims=True) + np.mean(z, axis=1)[:, None]
    return np.sum(acc ** 2)


def test_shift_in_a_loop_body():
    args = (RNG.normal(size=(3, 4)), RNG.normal(size=4))
    check_grads(logsumexp_in_a_loop, args)
    assert not _differentiates_max(logsumexp_in_a_loop, args)


def test_shift_changed_by_a_loop_is_differentiated():
    x = RNG.normal(size=(3, 4))
    check_grads(shift_carried_by_a_loop, (x,))
    assert _differentiates_max(shift_carried_by_a_loop, (x,))


def test_reduction_spreads_in_a_loop():
    x = RNG.uniform(0.5, 1.5, size=(4, 3))
    y = RNG.uniform(0.5, 1.5, size=(4, 3))
    check_grads(spreads_in_a_loop, (x, y))
    check_grads(spreads_in_a_loop, (x[:1], y[:1]))
