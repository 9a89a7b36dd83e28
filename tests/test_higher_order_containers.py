"""Second and third derivatives with respect to tuples, lists, dicts, nested
containers and named tuples: every operator over every other, checked against
central differences of the derivative one order lower in random directions, the
dot-product test between forward and reverse, and s2sad.hessian."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import s2sad
from s2sad.errors import S2SADError
from s2sad.matrices import leaves, rebuild
from s2sad.testing import check_grads, numerical_jvp

Pair = namedtuple("Pair", "x y")


def dict_fn(d):
    return np.sum(d["a"] ** 2 * d["b"]) + d["c"] ** 3 * np.sum(np.sin(d["a"]))


def tuple_fn(t):
    s, v = t
    return np.sum(np.exp(0.3 * v) * s) + s ** 2 * np.sum(v ** 3)


def list_fn(xs):
    return np.sum(xs[0] * np.cos(xs[1])) + np.sum(xs[0] ** 2) * xs[2]


def nested_fn(p):
    d, xs = p
    return np.sum(np.tanh(d["w"]) * xs[1]) * xs[0] + np.sum(d["w"] ** 2) * xs[0] ** 2


def named_fn(p):
    return np.sum(p[0] ** 3) * p[1] + np.sum(np.log1p(p[0] ** 2)) * p[1] ** 2


def with_count(d):
    """An int leaf is held constant."""
    return np.sum(d["a"] ** 3) * d["n"] + d["s"] * np.sum(d["a"])


CASES = {
    "dict": (dict_fn, {"a": np.array([0.5, -1.2]), "b": np.array([1.1, 0.7]), "c": 0.8}),
    "tuple": (tuple_fn, (0.7, np.array([0.4, -0.3, 1.1]))),
    "list": (list_fn, [np.array([0.3, 1.4]), np.array([-0.2, 0.9]), 1.3]),
    "nested": (nested_fn, ({"w": np.array([[0.2, -0.5], [0.9, 0.1]])},
                           [0.6, np.array([[1.0, 0.3], [-0.4, 0.8]])])),
    "namedtuple": (named_fn, Pair(np.array([0.4, -0.7, 1.2]), 0.9)),
    "int leaf": (with_count, {"a": np.array([0.5, 1.5]), "n": 3, "s": 0.4}),
}


def random_like(tree, seed):
    """A random tree of `tree`'s structure (int leaves stay as they are)."""
    rng = np.random.default_rng(seed)
    parts = [leaf if isinstance(leaf, int) else
             rng.standard_normal(np.shape(leaf)) if np.ndim(leaf) else float(rng.standard_normal())
             for leaf in leaves(tree)]
    return rebuild(tree, parts)


def tangent_of(tree, seed):
    """A random tangent (None-free: zeros at int leaves)."""
    t = random_like(tree, seed)
    return rebuild(tree, [0.0 if isinstance(a, int) else b for a, b in zip(leaves(tree), leaves(t))])


def vdot(a, b):
    return sum(float(np.sum(np.asarray(x, float) * np.asarray(y, float)))
               for x, y in zip(leaves(a), leaves(b)) if x is not None and y is not None)


def close(a, b, tol=1e-6):
    la, lb = leaves(a), leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        assert np.shape(x) == np.shape(y)
        np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("inner", ["reverse", "forward"])
def test_second_derivatives_of_the_gradient(name, inner):
    f, x = CASES[name]
    g = s2sad.grad(f, mode=inner)
    t = tangent_of(x, 1)
    numeric = numerical_jvp(g, (x,), (t,))
    _, forward = s2sad.jvp(g, (x,), (t,))                       # forward over inner
    close(forward, numeric)
    (hvp,) = s2sad.hvp(f, (x,), (t,))
    close(hvp, numeric)
    c = random_like(g(x), 2)
    _, pullback = s2sad.vjp(g, x)                               # reverse over inner
    (back,) = pullback(c)
    assert np.isclose(vdot(back, t), vdot(c, numeric), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["dict", "tuple", "nested", "namedtuple"])
def test_hessian_contracts_to_the_second_directional_derivative(name):
    f, x = CASES[name]
    h = s2sad.hessian(f)(x)
    t, u = tangent_of(x, 3), tangent_of(x, 4)
    # block (a, b) of the Hessian has shape a.shape + b.shape: u^T H t
    total = 0.0
    for a, row in zip(leaves(u), _rows(h, x)):
        for b, block in zip(leaves(t), leaves(row)):
            total += float(np.tensordot(np.asarray(a, float),
                                        np.tensordot(np.asarray(block, float), np.asarray(b, float),
                                                     axes=np.ndim(b)), axes=np.ndim(a)))
    _, ht = s2sad.jvp(s2sad.grad(f), (x,), (t,))
    assert np.isclose(total, vdot(u, ht), rtol=1e-6, atol=1e-8)
    close(s2sad.jacobian(s2sad.grad(f))(x), h)


def _rows(h, x):
    """The Hessian's rows, one per leaf of x (each of x's structure)."""
    rows, stack = [], [(h, x)]
    while stack:
        node, like = stack.pop(0)
        if isinstance(like, (tuple, list)):
            stack[:0] = list(zip(node, like))
        elif isinstance(like, dict):
            stack[:0] = [(node[k], like[k]) for k in like]
        else:
            rows.append(node)
    return rows


grad_dict, grad_tuple, grad_list = (s2sad.grad(dict_fn), s2sad.grad(tuple_fn),
                                    s2sad.grad(list_fn))


def of_dict_gradient(d):
    """A scalar function of the gradient (a dict) of dict_fn: s2sad called inside."""
    g = grad_dict(d)
    return np.sum(np.sin(g["a"]) * g["b"]) + g["c"] ** 2


def of_tuple_gradient(t):
    g = grad_tuple(t)
    return g[0] * np.sum(np.cos(g[1]))


def of_list_gradient(xs):
    g = grad_list(xs)
    return np.sum(g[0] * g[1]) + np.sin(g[2])


SUMMARIES = {"dict": of_dict_gradient, "tuple": of_tuple_gradient, "list": of_list_gradient}


@pytest.mark.parametrize("name", ["dict", "tuple", "list"])
def test_third_derivatives(name):
    f, x = CASES[name]
    t = tangent_of(x, 5)
    # the Hessian's directional derivative: forward over forward over reverse
    numeric = numerical_jvp(s2sad.hessian(f), (x,), (t,))
    _, forward = s2sad.jvp(s2sad.hessian(f), (x,), (t,))
    close(forward, numeric, 1e-5)
    # the gradient of a function of the gradient, and its own second derivative
    s = SUMMARIES[name]
    gs = s2sad.grad(s)
    close(s2sad.jvp(s, (x,), (t,))[1], vdot(gs(x), t))
    numeric = numerical_jvp(gs, (x,), (t,))
    close(s2sad.jvp(gs, (x,), (t,))[1], numeric, 1e-5)
    c = random_like(x, 6)
    (back,) = s2sad.vjp(gs, x)[1](c)                            # reverse over reverse
    assert np.isclose(vdot(back, t), vdot(c, numeric), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["dict", "tuple", "nested"])
def test_check_grads_of_gradients(name):
    f, x = CASES[name]
    check_grads(s2sad.grad(f), (x,))
    check_grads(s2sad.grad(f, mode="forward"), (x,))
    check_grads(lambda y: s2sad.value_and_grad(f)(y)[1], (x,))


def test_jvp_and_vjp_of_a_gradient_with_several_container_arguments():
    def f(scale, d, xs):
        return scale * np.sum(d["a"] * xs[0] ** 2) + np.sum(d["a"] ** 3) * xs[1]
    args = (0.7, {"a": np.array([0.3, -0.8])}, (np.array([1.1, 0.4]), 0.5))
    g = s2sad.grad(f, wrt=(0, 1, 2))
    ts = tuple(tangent_of(a, 7 + n) for n, a in enumerate(args))
    numeric = numerical_jvp(g, args, ts)
    close(s2sad.jvp(g, args, ts)[1], numeric)
    c = random_like(g(*args), 9)
    back = s2sad.vjp(g, *args)[1](c)
    assert np.isclose(vdot(back, ts), vdot(c, numeric), rtol=1e-6, atol=1e-8)
    check_grads(g, args)


def test_an_unsupported_container_is_refused_not_held_constant():
    class Box:
        pass

    def f(d):
        return np.sum(d["a"] ** 2)
    with pytest.raises(S2SADError, match="tuple, list or dict"):
        s2sad.jvp(s2sad.grad(f), ({"a": np.array([1.0]), "box": Box()},),
                  ({"a": np.array([1.0]), "box": None},))
