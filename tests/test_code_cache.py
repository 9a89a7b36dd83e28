"""Closures made again share one derivative (s2sad/code_cache.py).

A function made anew from code already differentiated (`s2sad.grad(lambda w: loss(w,
batch))` in a training loop) binds its own cells into the derivative made for the
first one: no new generation, and the values its cells hold now.  Where a cell is
resolved when the derivative is generated (a function), another value there means
another derivative.  Every gradient is checked against central differences.
"""
from __future__ import annotations

import numpy as np
import pytest

import s2sad
from s2sad.compiler import Compiler

RNG = np.random.default_rng(7)


def numeric_grad(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.fixture
def generations(monkeypatch):
    """The number of derivative programs generated while the test runs."""
    count = [0]
    original = Compiler.derivative

    def counting(self, *args, **kwargs):
        count[0] += 1
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Compiler, "derivative", counting)
    s2sad.clear_caches()
    return count


def loss(w, batch, target):
    return np.sum((batch @ w - target) ** 2)


def make_objective(batch, target, scale):
    return lambda w: scale * loss(w, batch, target)


def test_new_closures_of_one_code_share_a_derivative_and_read_their_own_cells(generations):
    w = RNG.normal(size=3)
    for step in range(6):
        batch, target = RNG.normal(size=(5, 3)), RNG.normal(size=5)
        objective = make_objective(batch, target, 0.5 + step)
        got = s2sad.grad(objective)(w)
        np.testing.assert_allclose(got, numeric_grad(objective, w), rtol=1e-6, atol=1e-8)
    assert generations[0] == 1


def test_a_cell_of_another_kind_is_read_correctly(generations):
    w = RNG.normal(size=3)
    batch = RNG.normal(size=(4, 3))
    for target in (0.3, RNG.normal(size=4), np.float32(1.5)):
        objective = make_objective(batch, target, 2.0)
        np.testing.assert_allclose(s2sad.grad(objective)(w), numeric_grad(objective, w),
                                   rtol=1e-6, atol=1e-8)


def steps(n, rate):
    def run(x):
        for _ in range(n):
            x = x - rate * np.sin(x)
        return np.sum(x)
    return run


def test_loop_counts_and_rates_in_cells(generations):
    x = RNG.normal(size=4)
    for n, rate in ((1, 0.1), (5, 0.3), (0, 0.2), (12, 0.05)):
        run = steps(n, rate)
        np.testing.assert_allclose(s2sad.grad(run)(x), numeric_grad(run, x),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(s2sad.grad(run, mode="forward")(x), numeric_grad(run, x),
                                   rtol=1e-6, atol=1e-8)


def picked(params, key):
    return lambda x: np.sum(params[key] * x ** 2)


def test_dict_keys_in_cells(generations):
    params = {"a": RNG.normal(size=3), "b": RNG.normal(size=3)}
    x = RNG.normal(size=3)
    for key in ("a", "b", "a"):
        f = picked(params, key)
        np.testing.assert_allclose(s2sad.grad(f)(x), 2 * params[key] * x, rtol=1e-12)


def with_activation(act, w):
    return lambda x: np.sum(act(w * x))


def test_a_function_in_a_cell_is_part_of_the_derivative(generations):
    w, x = RNG.normal(size=3), RNG.normal(size=3)
    for act, dact in ((np.tanh, lambda z: 1 - np.tanh(z) ** 2), (np.sin, np.cos),
                      (np.tanh, lambda z: 1 - np.tanh(z) ** 2)):
        got = s2sad.grad(with_activation(act, w))(x)
        np.testing.assert_allclose(got, w * dact(w * x), rtol=1e-12)
    assert generations[0] == 2      # tanh, sin; tanh again shares the first


def counter_closure():
    scale = 1.0

    def f(x):
        return scale * np.sum(x ** 3)

    def rescale(value):
        nonlocal scale
        scale = value
    return f, rescale


def test_a_cell_rebound_later_is_read_when_called():
    f, rescale = counter_closure()
    x = RNG.normal(size=3)
    g = s2sad.grad(f)
    np.testing.assert_allclose(g(x), 3 * x ** 2, rtol=1e-12)
    rescale(-2.5)
    np.testing.assert_allclose(g(x), -7.5 * x ** 2, rtol=1e-12)
    np.testing.assert_allclose(s2sad.grad(counter_closure()[0])(x), 3 * x ** 2, rtol=1e-12)


SOURCE = '''
import numpy as np
OFFSET = {offset}
def make(c):
    return lambda x: np.sum((x - OFFSET) ** 2) * c
'''


def test_same_code_under_other_globals_is_not_shared(tmp_path, monkeypatch):
    import importlib.util
    made = []
    for i, offset in enumerate((1.0, -3.0)):
        path = tmp_path / f"cc_mod{i}.py"
        path.write_text(SOURCE.format(offset=offset))
        spec = importlib.util.spec_from_file_location(f"cc_mod{i}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        made.append((module.make(2.0), offset))
    x = RNG.normal(size=3)
    for f, offset in made:
        np.testing.assert_allclose(s2sad.grad(f)(x), 4.0 * (x - offset), rtol=1e-12)


def test_derivatives_of_derivatives_of_closures_made_again(generations):
    x = RNG.normal(size=3)
    for scale in (1.0, 3.0):
        f = make_objective(np.eye(3), np.zeros(3), scale)
        np.testing.assert_allclose(s2sad.hessian(f)(x), 2 * scale * np.eye(3), atol=1e-10)
