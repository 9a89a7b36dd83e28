"""Forward mode keeps each input direction separate: a NaN or inf in one entry of an
input reaches only the derivative entries that depend on it, as in reverse mode.

Forward-mode gradients, Jacobians and JVPs are compared with reverse mode entry by
entry (the same NaN and inf masks, equal finite entries); Hessians with one non-finite
entry are compared, on the rows and columns it does not touch, with the Hessian at a
point where that entry is finite (the functions are chosen so that those entries do
not depend on it).  The runtime helpers are checked against their definition, term by
term, and finite inputs against the plain code.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import s2sad
from s2sad import arguments, runtime as rt
from s2sad.compiler import DEFAULT
from s2sad.runtime.strong import strong_einsum
from s2sad.testing import check_grads

# no zero entries: a zero coefficient times an inf input makes a NaN primal value,
# whose derivative the two modes may see differently (see docs/api.md)
W = np.arange(1.0, 13.0).reshape(3, 4) / 10.0 - 0.65


def squares(x):
    return np.sum(x ** 2)


def products(x):
    return np.sum(x * x[::-1] + 2.0 * x)


def trig(x):
    return np.sum(np.sin(x) * np.exp(0.1 * x))


def log_div(x):
    return np.mean(np.log(x * x + 1.0) / (2.0 + x))


def matmul(x):
    return np.sum(np.tanh(W @ x))


def dots(x):
    return np.dot(x, x) + np.dot(W[0], x)


def einsum(x):
    return np.einsum("ij,j->", W, x * x)       # the sum over i first in reverse mode


def tensordot(x):
    return np.sum(np.tensordot(W, x, 1) ** 2)


def loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(x * x) * (0.5 + i)
    return s


def helper(v):
    return v * v / (1.0 + v * v)


def calls_helper(x):
    return np.sum(helper(x) + x)


def branch(x):
    if np.sum(x[:1]) > 0.0:
        return np.sum(x ** 3)
    return np.sum(x)


SCALAR_OUT = [squares, products, trig, log_div, matmul, dots, einsum, tensordot, loop,
              calls_helper, branch]


def same_entries(forward, reverse, kinds=True):
    """The same entries are finite, with the same values; with `kinds`, the non-finite
    ones are the same (nan, +inf or -inf).  Without: a sum of infs of both signs may be
    nan in one mode and inf in the other (summation order)."""
    forward, reverse = np.asarray(forward), np.asarray(reverse)
    assert forward.shape == reverse.shape
    np.testing.assert_array_equal(np.isfinite(forward), np.isfinite(reverse))
    if kinds:
        np.testing.assert_array_equal(np.isnan(forward), np.isnan(reverse))
        np.testing.assert_array_equal(np.isposinf(forward), np.isposinf(reverse))
    finite = np.isfinite(reverse)
    np.testing.assert_allclose(forward[finite], reverse[finite], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("f", SCALAR_OUT, ids=lambda f: f.__name__)
def test_forward_gradient_has_the_nan_mask_of_reverse(f, bad):
    x = np.array([0.3, bad, 1.2, -0.7])
    with np.errstate(all="ignore"):
        reverse = s2sad.grad(f)(x)
        forward = s2sad.grad(f, mode="forward")(x)
    same_entries(forward, reverse, kinds=f is not einsum)
    if f not in (matmul, tensordot):     # these mix every entry: all reached
        assert np.isfinite(forward).sum() == 3      # only the bad entry is lost


def test_finite_entries_equal_the_gradient_elsewhere():
    """Where the function is separable, the entries the NaN does not reach equal the
    gradient at a point where that entry is finite."""
    x = np.array([0.3, np.nan, 1.2, -0.7])
    x_ok = np.where(np.isnan(x), 0.9, x)
    for f in (squares, trig, log_div, loop, calls_helper):
        got = s2sad.grad(f, mode="forward")(x)
        want = s2sad.grad(f, mode="forward")(x_ok)
        np.testing.assert_allclose(np.delete(got, 1), np.delete(want, 1), rtol=1e-12)
        assert np.isnan(got[1])


def vector_out(x, y):
    return np.stack([np.sin(x) * y[0], x * x / (1.0 + y[1] ** 2), W[:, :2] @ y])


# the outputs of vector_out that each input entry reaches
REACHES = {(0, 1): [(0, 1), (1, 1)], (1, 0): [(0, 0), (0, 1), (0, 2), (2, 0), (2, 1), (2, 2)],
           (1, 1): [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]}


@pytest.mark.parametrize("where", sorted(REACHES))
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_forward_jacobian_keeps_untouched_outputs(where, bad):
    """Outputs that do not depend on the non-finite entry keep their Jacobian rows,
    finite and equal to those at a finite point; the others have non-finite entries.
    Forward mode is never less finite than reverse mode (whose pullback of a basis
    cotangent meets 0 * nan as well, so its rows may be NaN where forward's are not)."""
    x, y = np.array([0.4, -1.1, 0.8]), np.array([0.5, 1.5])
    want = s2sad.jacobian(vector_out, (0, 1), mode="forward")(x, y)
    (x, y)[where[0]][where[1]] = bad
    with np.errstate(all="ignore"):
        reverse = s2sad.jacobian(vector_out, (0, 1))(x, y)
        forward = s2sad.jacobian(vector_out, (0, 1), mode="forward")(x, y)
    for block, finite_block, reverse_block in zip(forward, want, reverse):
        for out in np.ndindex(3, 3):
            if out in REACHES[where]:
                continue
            np.testing.assert_allclose(block[out], finite_block[out], rtol=1e-12)
        assert not np.any(np.isfinite(reverse_block) & ~np.isfinite(block))
    assert any(not np.isfinite(block[out]).all() for block in forward for out in REACHES[where])


def test_jvp_in_basis_directions_matches_reverse_rows():
    x = np.array([0.3, np.nan, 1.2, -0.7])
    grad = s2sad.grad(trig)(x)
    for i in range(4):
        e = np.zeros(4)
        e[i] = 1.0
        out, tangent = s2sad.jvp(trig, (x,), (e,))
        assert math.isnan(out)
        same_entries(tangent, grad[i])


def scalar_code(a, b, c):
    return a * a + b * math.sin(c) + c / (1.0 + b * b)


@pytest.mark.parametrize("args", [(math.nan, 0.5, 0.7), (0.3, math.nan, 0.7),
                                  (math.inf, 0.5, 0.7), (0.3, 0.5, math.nan)])
def test_python_floats(args):
    with np.errstate(all="ignore"):
        reverse = s2sad.grad(scalar_code, (0, 1, 2))(*args)
        forward = s2sad.grad(scalar_code, (0, 1, 2), mode="forward")(*args)
    same_entries(forward, reverse)
    assert any(map(math.isfinite, forward))


def separable(x):
    return np.sum(x ** 2 * np.sin(x)) + x[0] * x[2] + np.sum(x ** 3) * 0.5


def cube(v):
    return v * v * v


def separable_with_a_callee(x):
    return np.sum(cube(x) * np.exp(0.2 * x)) + x[0] * x[2]


@pytest.mark.parametrize("f", [separable, separable_with_a_callee], ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("k", [1, 3])
def test_hessian_rows_and_columns_the_entry_does_not_touch(f, bad, k):
    """The Hessian (reverse mode over the forward code) at a point with x[k] non-finite:
    H[i, j] for i, j != k does not depend on x[k], and is finite and equal to the
    Hessian at a finite point."""
    x = np.array([0.3, -0.4, 1.2, -0.7])
    x_bad = x.copy()
    x_bad[k] = bad
    with np.errstate(all="ignore"):
        got = s2sad.hessian(f)(x_bad)
    want = s2sad.hessian(f)(x)
    keep = [i for i in range(4) if i != k]
    np.testing.assert_allclose(got[np.ix_(keep, keep)], want[np.ix_(keep, keep)], rtol=1e-12)
    assert not np.isfinite(got[k, k])


def test_hessian_of_a_quadratic_is_finite_even_at_nan():
    """d2/dx2 sum(x**2) = 2 I does not depend on x: reverse mode over the forward
    code with strong zeros gives it exactly (plain products gave a NaN row)."""
    x = np.array([1.0, np.nan, 3.0])
    np.testing.assert_array_equal(s2sad.hessian(squares)(x), 2.0 * np.eye(3))


# ---- finite inputs -------------------------------------------------------------------

def _strong_code(f, args, wrt=(0,)):
    return DEFAULT.compiled(f, "strong forward", wrt, arguments.kinds_of(args))


@pytest.mark.parametrize("f", SCALAR_OUT, ids=lambda f: f.__name__)
def test_strong_code_equals_plain_code_on_finite_inputs(f):
    rng = np.random.default_rng(1)
    x = rng.normal(size=4)
    plain = DEFAULT.compiled(f, "forward", (0,), arguments.kinds_of((x,)))
    strong = _strong_code(f, (x,))
    for _ in range(3):
        v = rng.normal(size=4)
        assert plain(x, v) == strong(x, v)      # bit for bit: the helpers' fast path
        v[1:3] = 0.0
        assert plain(x, v) == strong(x, v)


def test_finite_inputs_run_the_plain_code_and_check_numerically():
    x = np.array([0.3, -0.4, 1.2, -0.7])
    check_grads(separable, (x,), modes=("forward", "reverse"))
    check_grads(matmul, (x,), modes=("forward", "reverse"))
    assert "strong" not in s2sad.source(separable, mode="forward", example_args=(x,))


def test_strong_code_is_readable_and_named():
    x = np.ones(4)
    text = DEFAULT.derivative(matmul, "strong forward", (0,), arguments.kinds_of((x,))).text
    assert "with strong zeros" in text
    assert "rt.tangent_product('matmul', dx, W, False, ())" in text
    assert "rt.tangent_mul(" in text


def test_check_finite_keeps_ieee_products():
    x = np.array([0.3, np.nan, 1.2])
    with pytest.raises(s2sad.NonDifferentiableError):
        s2sad.grad(squares, mode="forward", check_finite=True)(x)


# ---- the runtime helpers, against their definition -----------------------------------

def _terms_reference(t, p, pairs, shape):
    """out[o] = sum of t[i] * p[j] over the (o, i, j) of `pairs`, a zero t[i] adding 0."""
    out = np.zeros(shape)
    for o, i, j in pairs:
        out[o] += 0.0 if t[i] == 0 else t[i] * p[j]
    return out


def _matmul_pairs(n, k, m):
    return [((a, c), (a, b), (b, c)) for a in range(n) for b in range(k) for c in range(m)]


def test_tangent_product_matches_its_terms():
    rng = np.random.default_rng(2)
    t = rng.normal(size=(3, 4))
    t[:, 1] = 0.0
    t[2, 3] = np.inf
    p = rng.normal(size=(4, 2))
    p[1, 0], p[2, 1] = np.nan, -np.inf
    with np.errstate(all="ignore"):
        got = rt.tangent_product("matmul", t, p, True)
        want = _terms_reference(t, p, _matmul_pairs(3, 4, 2), (3, 2))
        # where a term is not finite, the plain product's nan or inf (see runtime/strong.py)
        same_entries(got, want, kinds=False)
        # the tangent second: p.T @ t.T
        got = rt.tangent_product("matmul", t.T, p.T, False)
        same_entries(got, want.T, kinds=False)
        same_entries(rt.tangent_product("tensordot", t, p, True, (1,)), want, kinds=False)
        same_entries(rt.tangent_product("dot", t, p, True), want, kinds=False)
    assert np.isfinite(got).sum() > 0 and not np.isfinite(got).all()


def test_tangent_zeros_only_are_strong():
    t = np.array([0.0, 1.0, np.nan, 2.0])
    p = np.array([np.nan, 0.0, 0.0, np.inf])
    with np.errstate(all="ignore"):
        same_entries(rt.tangent_mul(t, p), [0.0, 0.0, np.nan, np.inf])
        same_entries(rt.tangent_div(t, p), [0.0, np.inf, np.nan, 0.0])
        same_entries(rt.strong_mul(t, p), [0.0, 0.0, 0.0, np.inf])
    assert rt.tangent_mul(0.0, math.nan) == 0.0 and math.isnan(rt.tangent_mul(math.nan, 0.0))
    assert rt.tangent_div(0.0, 0.0) == 0.0 and rt.tangent_div(-2.0, 0.0) == -math.inf
    assert rt.tangent_mul(1.5, 2.0) == 3.0 and rt.tangent_div(3.0, 2.0) == 1.5


def test_strong_einsum_matches_its_terms():
    a = np.array([[1.0, np.nan], [0.5, 2.0]])
    v = np.array([0.0, 1.0])
    with np.errstate(all="ignore"):
        got = strong_einsum("ij,j->i", [a, v], [False, True])
    same_entries(got, [np.nan, 2.0])
    with np.errstate(all="ignore"):
        got = strong_einsum("ij,j->i", [a, np.array([1.0, 0.0])], [False, True])
    same_entries(got, [1.0, 0.5])
