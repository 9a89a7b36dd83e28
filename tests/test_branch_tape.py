"""Derivatives of while loops holding if/elif chains, whose reverse sweep reads one
branch index per iteration (the arm that ran) and values the arms share slots for
(transforms/reverse.py): gradients against central differences in both modes with the
forward-vs-reverse dot-product test, Hessians (forward over reverse, reverse over
reverse) against differences of the gradient, float32 arrays, loops that do not run."""
import ast
import math
import pathlib
import sys

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "benchmarks"))
import branchy_while  # noqa: E402  (descent steps chosen by the value of the derivative)


def two_arms(p, n):
    """if/else (no chain): the condition is taped as it is."""
    x, a = p[0], p[1]
    k = 0
    while k < n:
        if math.sin(2.0 * k) > 0.0:
            x = x * math.cos(a) + 0.3
        else:
            x = math.sqrt(x * x + a * a)
        k = k + 1
    return x * a


def three_arms(p, n):
    x, a, b = p[0], p[1], p[2]
    k = 0
    while k < n:
        r = k % 3
        if r == 0:
            x = x - math.sqrt(x * x + a)
        elif r == 1:
            x = x * b + math.sin(x)
        else:
            x = x / (1.0 + a * a)
        k = k + 1
    return x * x + b


def four_arms(p, n):
    """Each arm defines other variables (s, t and u, none, q) that its adjoint reads."""
    x, y = p[0], p[1]
    k = 0
    while k < n:
        r = k % 4
        if r == 0:
            s = math.exp(0.1 * x)
            x = x * s
        elif r == 1:
            t = math.tanh(y)
            u = t * t
            y = y + u * x
        elif r == 2:
            x = x + math.log(1.0 + y * y)
        else:
            q = math.cos(x * y)
            y = y * q
        k = k + 1
    return x * y + x


def nested_in_elif(p, n):
    """An if/else inside an elif arm, and a chain on values inside the else arm."""
    x, a = p[0], p[1]
    k = 0
    while k < n:
        r = k % 3
        if r == 0:
            x = math.sin(x) + a
        elif r == 1:
            if k > 4:
                x = x * a
            else:
                x = math.sqrt(x * x + 1.0)
        else:
            if x > 10.0:
                x = x * 0.5
            elif x < -10.0:
                x = -x * 0.5
            else:
                x = x - 0.1 * x * x
        k += 1
    return x


def break_and_continue(p, n):
    x, a = p[0], p[1]
    k = 0
    while k < n:
        k = k + 1
        r = k % 3
        if r == 0:
            x = x * a
        elif r == 1:
            if k > 9:
                break
            x = x + math.sin(x)
        else:
            continue
        x = x * math.cos(0.3 * x)
    return x * a


def inner_chain(p, n):
    """A chain in a while loop inside a range loop."""
    x, a = p[0], p[1]
    for i in range(n):
        k = 0
        while k < 3:
            r = (i + k) % 3
            if r == 0:
                x = x * math.cos(a)
            elif r == 1:
                x = math.sqrt(x * x + a)
            else:
                x = x + 0.1
            k += 1
    return x


def range_chain(p, n):
    """A chain in a range loop (checkpointed below)."""
    x, a = p[0], p[1]
    for i in range(n):
        if i % 3 == 0:
            x = x * math.cos(a)
        elif i % 3 == 1:
            x = math.sqrt(x * x + a)
        else:
            x = x + 0.1 * a
    return x


def helper(x, a):
    k = 0
    while k < 5:
        if k == 1:
            x = math.exp(-x * a)
        elif k == 3:
            x = x * x
        else:
            x = x + a
        k += 1
    return x


def calls(p, n):
    """Chains in a user function called twice (its forward half returns the tape)."""
    return helper(p[0], p[1]) * helper(p[1], p[0]) + n


def invariant_first(p, flag):
    """The first test is loop-invariant (moved out of the loop), the second is not."""
    x, a = p[0], p[1]
    for i in range(5):
        if flag == 0:
            x = x * a
        elif flag == 1:
            x = math.sin(x)
        else:
            x = x + a
    return x


def array_arms(w, n):
    """Arrays (float32 kept), arms of different operations on a vector."""
    v = w * 1.0
    k = 0
    while k < n:
        r = k % 3
        if r == 0:
            v = np.tanh(v) * 1.5
        elif r == 1:
            v = v * v[0] + np.sin(v)
        else:
            v = np.sqrt(v * v + 1.0)
        k += 1
    return np.sum(v * v)


P2 = np.array([0.7, 0.4])
P3 = np.array([0.9, 0.6, 0.8])
CASES = [
    (two_arms, P2, 6), (three_arms, P3, 7), (four_arms, P2, 9), (nested_in_elif, P2, 9),
    (break_and_continue, P2, 20), (break_and_continue, P2, 5), (inner_chain, P2, 4),
    (range_chain, P2, 7), (calls, P2, 1), (invariant_first, P2, 1), (invariant_first, P2, 2),
]


@pytest.mark.parametrize("f, p, n", CASES + [(f, p, 0) for f, p, _ in CASES])
def test_gradients(f, p, n):
    check_grads(f, (p, n))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [7, 0])
def test_array_arms(dtype, n):
    w = np.array([0.3, -0.5, 0.8], dtype=dtype)
    check_grads(array_arms, (w, n))
    assert s2sad.grad(array_arms)(w, n).dtype == dtype


@pytest.mark.parametrize("f, n", [(range_chain, 7), (inner_chain, 4)])
@pytest.mark.parametrize("checkpoint", [True, 2, ("revolve", 2)])
def test_checkpointed(f, n, checkpoint):
    want = s2sad.grad(f)(P2, n)
    np.testing.assert_allclose(s2sad.grad(f, checkpoint=checkpoint)(P2, n), want, rtol=1e-14)


def gradient_differences(grad, p, rest=(), eps=1e-5):
    columns = []
    for i in range(p.size):
        e = np.zeros_like(p)
        e[i] = eps
        columns.append((np.array(grad(p + e, *rest)) - np.array(grad(p - e, *rest))) / (2 * eps))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("f, p, n", CASES[1:] + [(three_arms, P3, 0)])
def test_hessians(f, p, n):
    want = gradient_differences(s2sad.grad(f), p, (n,))
    atol = 1e-7 * max(np.max(np.abs(want)), 1.0)
    np.testing.assert_allclose(s2sad.hessian(f)(p, n), want, rtol=1e-5, atol=atol)
    reverse_over_reverse = s2sad.jacobian(s2sad.grad(f), mode="reverse")(p, n)
    np.testing.assert_allclose(reverse_over_reverse, want, rtol=1e-5, atol=atol)


def test_a_data_dependent_trip_count_and_branch():
    """The loss of benchmarks/branchy_while.py: the branch changes from one iteration
    to the next, two arms read a square root each, the loop stops on a tolerance."""
    loss, params = branchy_while.loss, branchy_while.PARAMS
    check_grads(loss, params)
    grad = s2sad.grad(loss, wrt=(0, 1, 2))
    want = gradient_differences(lambda q: grad(*q), np.array(params))
    np.testing.assert_allclose(np.array(s2sad.hessian(loss, wrt=(0, 1, 2))(*params)), want,
                               rtol=1e-5, atol=1e-7 * np.max(np.abs(want)))


def pushes(f, args, wrt=0):
    """The names each tape push of `f`'s reverse code stores."""
    tree = ast.parse(s2sad.source(f, wrt=wrt, example_args=args))
    calls = [c for c in ast.walk(tree) if isinstance(c, ast.Call) and
             isinstance(c.func, ast.Name) and c.func.id == "push"]
    return [[a.id for a in (c.args[0].elts if isinstance(c.args[0], ast.Tuple) else c.args)]
            for c in calls]


def test_a_chain_tapes_one_branch_index_and_no_conditions():
    (names,) = pushes(branchy_while.loss, branchy_while.PARAMS, wrt=(0, 1, 2))
    assert sum(name.startswith("branch") for name in names) == 1
    assert not any(name.startswith("cond") for name in names)
    # The two arms' square roots share one slot: the values taped are x, sin(x),
    # x - center before and after the step, the branch index and that slot.
    assert sum(name.startswith("sqrt") for name in names) == 1
    assert len(names) == 6


def test_arms_share_slots_of_values_of_the_same_kind():
    (names,) = pushes(four_arms, (P2, 9))
    # Two slots hold what the arms' adjoints read besides x and y: exp(0.1 x) (arm 0),
    # tanh(y) and its square (arm 1), 1 + y^2 (arm 2), x y and cos(x y) (arm 3).
    assert sum(name.startswith("branch") for name in names) == 1
    assert len([v for v in names if not v.startswith(("branch", "x", "y"))]) == 2


def test_a_chain_whose_first_test_is_loop_invariant():
    (names,) = pushes(invariant_first, (P2, 1))
    assert sum(name.startswith("branch") for name in names) == 1
    assert not any(name.startswith("cond") for name in names)
