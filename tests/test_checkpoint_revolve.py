"""The binomial (revolve) checkpointing schedule, and the loops checkpointing reaches.

The schedule's cost is checked against a brute-force search of all schedules; the
iterations a gradient runs again are counted (the runtime's test hook, and a
counting function called in the loop body) and compared with the binomial formula;
gradients are compared with the taped ones and with central differences.  Loops in
branches and in called functions are checkpointed; refusals say why.  (Memory at
two trip counts: test_checkpoint.py.)
"""
import math
from collections import Counter
from functools import lru_cache

import numpy as np
import pytest

import s2sad
from s2sad.errors import NonDifferentiableError
from s2sad.runtime import revolve, snapshots
from s2sad.testing import numerical_jvp


@lru_cache(maxsize=None)
def fewest_steps(l, s):
    """Forward steps of the best schedule reversing l steps with s snapshots, by
    trying every first snapshot (the recursion the binomial formula solves)."""
    if l == 1:
        return 0
    if s == 0:
        return math.inf
    return min(m + fewest_steps(l - m, s - 1) + fewest_steps(m, s) for m in range(1, l))


@pytest.mark.parametrize("s", range(1, 7))
def test_binomial_cost_and_split_are_those_of_the_best_schedule(s):
    for l in range(1, 90):
        assert revolve.cost(l, s) == fewest_steps(l, s)
        if l > 1:
            m = revolve.split(l, s)
            assert 1 <= m < l
            assert m + fewest_steps(l - m, s - 1) + fewest_steps(m, s) == fewest_steps(l, s)


def integrate(x, a, n):
    s = 0.0
    for i in range(n):
        x = x + 0.01 * math.sin(a * x)
        s = s + x * x
    return s + x


RUNS = Counter()                       # iteration -> times its body ran


@s2sad.nondiff
def tick(i):
    RUNS[i] += 1
    return 0.0


def counted(x, a, n):
    for i in range(n):
        x = x + 0.01 * math.sin(a * x) + tick(i)
    return x * x


@pytest.mark.parametrize("c", [1, 2, 3, 5])
def test_recomputed_iterations_are_the_binomial_count(c, monkeypatch):
    stores = []
    monkeypatch.setattr(snapshots, "observer", stores.append)
    grad = s2sad.grad(counted, wrt=(0, 1), checkpoint=("revolve", c))
    taped = s2sad.grad(counted, wrt=(0, 1))
    grad(0.3, 1.5, 1)                  # generated (which runs the function once) first
    for n in range(1, 26):
        stores.clear()
        RUNS.clear()
        got = grad(0.3, 1.5, n)
        # The forward sweep runs the loop once and keeps the first descent's
        # snapshots, so the reverse sweep runs again all but its n - 1 steps.
        recomputed = revolve.cost(n, c) - (n - 1)
        assert (stores[0].advanced, stores[0].taped) == (recomputed, n)
        assert sum(RUNS.values()) == n + recomputed + n
        assert max(RUNS.values()) == max(revolve.repetitions(n, c), 1) + 1  # and the taped run
        np.testing.assert_allclose(got, taped(0.3, 1.5, n), rtol=1e-13)


@pytest.mark.parametrize("c, unit", [(1, 2), (2, 3), (3, 4)])
def test_turns_of_several_iterations_follow_the_schedule_on_turns(c, unit, monkeypatch):
    stores = []
    monkeypatch.setattr(snapshots, "observer", stores.append)
    grad = s2sad.grad(counted, wrt=(0, 1), checkpoint=("revolve", c, unit))
    taped = s2sad.grad(counted, wrt=(0, 1))
    for n in range(1, 30):
        stores.clear()
        turns = -(-n // unit)
        got = grad(0.3, 1.5, n)
        recomputed = (revolve.cost(turns, c) - (turns - 1)) * unit
        assert (stores[0].advanced, stores[0].taped) == (recomputed, n)
        np.testing.assert_allclose(got, taped(0.3, 1.5, n), rtol=1e-13)


def test_evenly_spaced_snapshots_run_each_iteration_once_more(monkeypatch):
    stores = []
    monkeypatch.setattr(snapshots, "observer", stores.append)
    grad = s2sad.grad(counted, checkpoint=4)
    grad(0.3, 1.5, 1)
    RUNS.clear()
    grad(0.3, 1.5, 23)
    assert (stores[-1].advanced, stores[-1].taped) == (0, 23)
    assert RUNS == Counter(dict.fromkeys(range(23), 2))


def array_state(y, w, n):
    for i in range(2, n + 2, 1):
        y = np.tanh(w * y + 0.1 * i)
    return np.sum(y ** 2)


def in_a_branch(x, a, n):
    if a > 0:
        for i in range(n):
            x = x + 0.05 * math.sin(a * x)
        y = x * 2.0
    else:
        y = x - a
    return y * y


def in_nested_branches(x, a, n):
    if a > 0:
        if x > 0:
            for i in range(n):
                x = x + 0.05 * math.sin(a * x)
        else:
            for i in range(n):
                x = x - 0.05 * math.cos(a * x)
    else:
        for i in range(n):
            x = x * 0.97 + 0.1 * a
    return x * x


def updates_in_place(y, w, n):
    y = y * 1.0
    for i in range(n):                 # snapshots of y must not change with it
        y[0] = y[0] * w + 0.1 * np.sin(y[1])
        y[1] = y[1] + 0.05 * y[2]
        y[2] = np.tanh(y[0])
    return np.sum(y ** 2)


def inner(x, a, n):
    for i in range(n):
        x = x * 0.99 + 0.05 * math.cos(a * x)
    return x


def calls_a_looping_function(x, a, n):
    y = inner(x, a, n)
    z = 0.0
    for j in range(3):
        z = z + inner(y + 0.1 * j, a, n)
    return z * y


def taped_and_checkpointed(x, a, n):
    k = 0
    while k < 3:                       # taped, in the forward half
        x = x * 1.01 + 0.01 * a
        k += 1
    for i in range(n):                 # checkpointed, in the backward half
        x = x + 0.02 * math.sin(a * x)
    return x


def calls_a_mixed_function(x, a, n):
    return taped_and_checkpointed(x, a, n) * taped_and_checkpointed(a, x, n)


PROGRAMS = [(integrate, (0.3, 1.5)), (array_state, (np.array([0.2, -0.5, 0.9]), 0.8)),
            (in_a_branch, (0.3, 1.5)), (in_a_branch, (0.3, -1.5)),
            (in_nested_branches, (0.3, 1.2)), (in_nested_branches, (-0.3, 1.2)),
            (in_nested_branches, (0.3, -1.2)), (updates_in_place, (np.array([0.3, -0.2, 0.5]), 0.8)),
            (calls_a_looping_function, (0.3, 1.2)), (calls_a_mixed_function, (0.3, 0.7))]
OPTIONS = [True, 3, ("revolve", 1), ("revolve", 2), ("revolve", 4), ("revolve", 2, 3)]


@pytest.mark.parametrize("f, args", PROGRAMS)
def test_gradients_equal_the_taped_ones(f, args):
    for n in (0, 1, 2, 9):
        expected = s2sad.grad(f, wrt=(0, 1))(*args, n)
        for option in OPTIONS:
            got = s2sad.grad(f, wrt=(0, 1), checkpoint=option)(*args, n)
            for e, g in zip(expected, got, strict=True):
                np.testing.assert_allclose(g, e, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("f, args", PROGRAMS)
def test_revolve_gradients_against_differences(f, args):
    value, grads = s2sad.value_and_grad(f, wrt=(0, 1), checkpoint=("revolve", 3))(*args, 11)
    assert value == f(*args, 11)
    rng = np.random.default_rng(1)
    for _ in range(2):
        dirs = [rng.standard_normal(np.shape(a)) for a in args]
        differences = numerical_jvp(f, (*args, 11), (*dirs, None))
        directional = sum(np.sum(g * d) for g, d in zip(grads, dirs))
        assert abs(directional - differences) <= 1e-6 * (1 + abs(directional))


def test_revolve_vjp_passes_the_dot_product_test():
    y, w = np.array([0.2, -0.5, 0.9]), 0.8
    out, pullback = s2sad.vjp(array_state, y, w, 40, checkpoint=("revolve", 3))
    by, bw, _ = pullback(1.5)
    dy, dw = np.array([0.3, 0.1, -0.7]), -0.4
    _, dout = s2sad.jvp(array_state, (y, w, 40), (dy, dw, 0))
    assert np.sum(by * dy) + bw * dw == pytest.approx(1.5 * dout, rel=1e-12)


def test_the_source_shows_what_is_checkpointed():
    text = s2sad.source(calls_a_looping_function, wrt=(0, 1), checkpoint=("revolve", 2),
                        example_args=(0.3, 1.2, 5))
    inner_fwd = text[text.index("def inner_fwd"):text.index("def inner_bwd")]
    assert "rt.checkpoint_store(0, n, 1, ('revolve', 2)" in inner_fwd
    same = s2sad.source(calls_a_looping_function, wrt=(0, 1), checkpoint=("revolve", 2, 1),
                        example_args=(0.3, 1.2, 5))
    assert same == text                                 # turns of one iteration: the default
    assert "push" not in inner_fwd                        # no tape in the forward sweep
    assert text.count("rt.checkpoint_store(") == 2        # inner's loop and the caller's
    mixed = s2sad.source(taped_and_checkpointed, checkpoint=2, example_args=(0.3, 0.7, 5))
    assert mixed.count("rt.checkpoint_store(") == 1       # the while loop is taped


def nested(x, n):
    for j in range(2):
        for i in range(n):                 # in a loop: taped
            x = x * 0.9 + 0.1 * math.sin(x)
    return x


def test_a_loop_inside_a_loop_is_taped_and_only_the_outer_one_checkpointed():
    text = s2sad.source(nested, checkpoint=("revolve", 2), example_args=(0.3, 4))
    assert text.count("rt.checkpoint_store(") == 1
    assert "rt.checkpoint_store(0, 2, 1" in text
    expected = s2sad.grad(nested)(0.3, 6)
    assert s2sad.grad(nested, checkpoint=("revolve", 2))(0.3, 6) == pytest.approx(expected,
                                                                                 rel=1e-13)


def draws(x, n):
    for i in range(n):
        x = x + 0.1 * np.random.standard_normal()
    return x * x


def calls_draws(x, n):
    return draws(x * 2.0, n) + x


@pytest.mark.parametrize("f", [draws, calls_draws])
@pytest.mark.parametrize("c", [1, 3])
def test_revolve_refuses_a_loop_computing_other_values_when_run_again(f, c):
    with pytest.raises(NonDifferentiableError, match="computed other values") as info:
        s2sad.grad(f, checkpoint=("revolve", c))(0.5, 6)
    line = draws.__code__.co_firstlineno + 1
    assert f"test_checkpoint_revolve.py:{line}" in str(info.value)


def only_while(x, n):
    k = 0
    while k < n:
        x = x * 1.1
        k += 1
    return x


def calls_only_while(x, n):
    return only_while(x, n) * 2.0


def test_a_program_without_an_eligible_loop_anywhere_is_refused():
    with pytest.raises(NonDifferentiableError, match="no loop it applies to") as info:
        s2sad.grad(calls_only_while, checkpoint=("revolve", 3))(0.5, 4)
    assert "test_checkpoint_revolve.py" in str(info.value)
