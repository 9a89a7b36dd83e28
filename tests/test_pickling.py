"""Functions returned by the API pickle (they are made again on the other side) and
so run in process pools; `@grad` on a method binds its object like a function."""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle

import numpy as np
import pytest

import s2sad


def energy(q, k):
    return 0.5 * k * np.sum(q ** 2) + np.sum(np.cos(q))


def scalar(x):
    return x ** 3 - 2.0 * x


Q = np.array([0.3, -1.2, 0.7])


@pytest.mark.parametrize("make, args", [
    (lambda: s2sad.grad(energy), (Q, 2.0)),
    (lambda: s2sad.grad(energy, wrt=(0, 1), mode="forward"), (Q, 2.0)),
    (lambda: s2sad.value_and_grad(energy), (Q, 2.0)),
    (lambda: s2sad.jacobian(s2sad.grad(energy)), (Q, 2.0)),
    (lambda: s2sad.hessian(energy), (Q, 2.0)),
    (lambda: s2sad.grad(s2sad.grad(scalar)), (1.5,)),
    (lambda: s2sad.vjp(energy, Q, 2.0)[1], (1.0,)),
])
def test_a_derived_function_survives_pickling(make, args):
    fn = make()
    again = pickle.loads(pickle.dumps(fn))
    assert again is not fn
    np.testing.assert_allclose(_flat(again(*args)), _flat(fn(*args)))


def _flat(value):
    if isinstance(value, (tuple, list)):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=float))


def _gradient_at(k):
    return s2sad.grad(energy)(Q, k)


def test_a_process_pool_runs_derived_functions():
    gradient = s2sad.grad(energy)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(pool.map(gradient, [Q, Q * 2], [1.0, 3.0]))
    for q, k, got in zip([Q, Q * 2], [1.0, 3.0], results):
        np.testing.assert_allclose(got, k * q - np.sin(q))


class Spring:
    def __init__(self, k):
        self.k = k

    @s2sad.grad
    def force(self, x):
        return 0.5 * self.k * x * x

    @s2sad.grad(wrt=1)
    def stretch(self, x, y):
        return self.k * x * y * y


def test_decorated_methods_bind_their_object():
    spring = Spring(3.0)
    assert spring.force(2.0) == pytest.approx(6.0)
    assert spring.stretch(2.0, 0.5) == pytest.approx(3.0 * 2.0 * 2 * 0.5)
