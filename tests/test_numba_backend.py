"""The Numba backend (backend="numba"): its derivatives equal the Python backend's to
round-off on control-flow programs in both modes, it falls back to the Python
derivative with a warning naming the construct and the user's line, and "numba!"
raises there instead.

The functions are module-level so each derivative is compiled once per session (the
compiler caches it); a fallback warns once per derivative, so each fallback test
has its own function.
"""
from __future__ import annotations

import math
import pathlib
import sys
import warnings

import numpy as np
import pytest

import s2sad
import s2sad.backends
from s2sad.backends import BackendFallbackWarning
from s2sad.backends.numba_forms import range_text
from s2sad.compiler import DEFAULT
from s2sad.errors import S2SADError
from s2sad.ir_nodes import Const, Var

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "benchmarks"))
import branchy_while  # noqa: E402
import rk4_pendulum  # noqa: E402

import numba  # noqa: E402  (the test extra installs it)
HERE = pathlib.Path(__file__).resolve()


# ---- programs ------------------------------------------------------------------------

def for_loop(x, y):
    s = 0.0
    for i in range(12):
        s = s + math.sin(x * i) * y
    return s * x


def newton_sqrt(a, x0):
    """A while loop whose trip count depends on the data."""
    x = x0
    n = 0
    while abs(x * x - a) > 1e-12 and n < 100:
        x = 0.5 * (x + a / x)
        n = n + 1
    return x + 0.1 * n * a


def with_break(x, y):
    s = x
    for i in range(1, 60, 3):
        s = s * 1.1 + math.cos(s) * y
        if s > 5.0:
            break
    return s * y


def early_return(x, y):
    if x > 2.0:
        return x * y
    z = x
    for i in range(8):
        z = z * y + 0.1
        if z > 3.0:
            return z * x
    return z + 1.0


def branches(x, y):
    if x > 0.0:
        u = math.exp(-x) * y
    elif x < -1.0:
        u = x * x
    else:
        u = math.sqrt(x + 1.0) * y
    if u > y:
        return u - y
    return u * y + x


def pendulum_steps(theta, omega, k):
    for j in range(3):
        omega = omega - 0.01 * k * math.sin(theta)
        theta = theta + 0.01 * omega
    return theta, omega


def calls_a_helper(k, theta0, n):
    """A callee with a loop and a tuple result, called from a loop: its derivatives
    (forward and backward halves, a JVP) are compiled too."""
    theta, omega = theta0, 0.0
    for i in range(n):
        theta, omega = pendulum_steps(theta, omega, k)
    return theta * theta + omega


def takes_a_tuple(p, n):
    a, b = p
    return a * math.sin(b) * n


def elementwise(x, w):
    total = 0.0
    for i in range(3):
        total = total + np.sum(np.tanh(x * w + i) ** 2)
    return total


SCALAR_CASES = [
    (for_loop, (0.7, 1.3)),
    (newton_sqrt, (2.0, 1.0)),
    (newton_sqrt, (9.5, 3.0)),
    (with_break, (0.5, 1.2)),
    (with_break, (0.5, 0.2)),
    (early_return, (2.5, 1.5)),
    (early_return, (0.5, 1.5)),
    (early_return, (0.5, 0.9)),
    (branches, (0.3, 0.8)),
    (branches, (-2.0, 0.8)),
    (branches, (-0.5, 0.8)),
    (branches, (-0.5, 0.1)),
    (rk4_pendulum.loss, rk4_pendulum.PARAMS),
    (branchy_while.loss, branchy_while.PARAMS),
]
IDS = [f"{f.__module__}.{f.__name__}{args}" for f, args in SCALAR_CASES]


def close(a, b):
    """Equal to round-off, item by item."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def on_numba(f, mode, n):
    """The derivative the backend made for `f` (float arguments) runs on Numba."""
    wrt = tuple(range(n))
    kinds = (s2sad.kinds.FLOAT,) * n
    return DEFAULT.compiled(f, mode, wrt, kinds, backend="numba!").backend == "numba"


# ---- equal to the Python backend ------------------------------------------------------

@pytest.mark.parametrize("f, args", SCALAR_CASES, ids=IDS)
def test_grad_reverse_equals_python(f, args):
    wrt = tuple(range(len(args)))
    close(s2sad.grad(f, wrt, backend="numba!")(*args), s2sad.grad(f, wrt)(*args))
    assert on_numba(f, "reverse", len(args))


@pytest.mark.parametrize("f, args", SCALAR_CASES, ids=IDS)
def test_grad_forward_equals_python(f, args):
    wrt = tuple(range(len(args)))
    close(s2sad.grad(f, wrt, mode="forward", backend="numba!")(*args),
          s2sad.grad(f, wrt, mode="forward")(*args))
    assert on_numba(f, "forward", len(args))


@pytest.mark.parametrize("f, args", SCALAR_CASES, ids=IDS)
def test_jvp_and_vjp_equal_python(f, args):
    tangents = tuple(0.5 + i for i in range(len(args)))
    out, dout = s2sad.jvp(f, args, tangents, backend="numba!")
    out_py, dout_py = s2sad.jvp(f, args, tangents)
    close([out, dout], [out_py, dout_py])
    out, pullback = s2sad.vjp(f, *args, backend="numba!")
    out_py, pullback_py = s2sad.vjp(f, *args)
    close(out, out_py)
    close(pullback(-1.5), pullback_py(-1.5))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_callees_and_tuples(mode):
    close(s2sad.grad(calls_a_helper, (0, 1), mode=mode, backend="numba!")(9.8, 1.2, 40),
          s2sad.grad(calls_a_helper, (0, 1), mode=mode)(9.8, 1.2, 40))
    assert "pendulum_steps_" in s2sad.source(calls_a_helper, mode, (0, 1),
                                             example_args=(1.0, 1.0, 3), backend="numba")
    close(s2sad.grad(takes_a_tuple, mode=mode, backend="numba!")((1.5, 0.3), 3),
          s2sad.grad(takes_a_tuple, mode=mode)((1.5, 0.3), 3))


def test_value_and_grad_and_arrays():
    x, w = np.linspace(-1.0, 1.0, 5), np.linspace(0.5, 1.5, 5)
    got = s2sad.value_and_grad(elementwise, (0, 1), backend="numba!")(x, w)
    want = s2sad.value_and_grad(elementwise, (0, 1))(x, w)
    close(got[0], want[0])
    for a, b in zip(got[1], want[1]):
        close(a, b)
    kinds = tuple(s2sad.kinds.of_value(v) for v in (x, w))
    assert DEFAULT.compiled(elementwise, "reverse", (0, 1), kinds, backend="numba").backend \
        == "numba"


def test_hessian_and_jacobian_take_the_backend():
    close(s2sad.hessian(for_loop, (0, 1), backend="numba")(0.7, 1.3),
          s2sad.hessian(for_loop, (0, 1))(0.7, 1.3))
    close(s2sad.jacobian(branches, (0, 1), backend="numba")(0.3, 0.8),
          s2sad.jacobian(branches, (0, 1))(0.3, 0.8))


def test_the_python_backend_keeps_its_text():
    text = s2sad.source(with_break, wrt=(0, 1), example_args=(0.5, 1.2))
    assert "reversed(range(1, 60, 3)[:n_iter])" in text and "push(" in text
    jit_text = s2sad.source(with_break, wrt=(0, 1), example_args=(0.5, 1.2), backend="numba")
    assert "reversed" not in jit_text and "push" not in jit_text
    assert "range(1 + (min(20, n_iter) - 1) * 3, -2, -3)" in jit_text
    assert "tape.append(" in jit_text and "tape.pop()" in jit_text


def test_reversed_ranges_visit_the_same_indices():
    for a in range(-4, 5):
        for b in range(-4, 9):
            for s in (1, 2, 3, -1, -2):
                for limit in (None, 0, 2, 7):
                    for literal in (True, False):
                        atoms = [Const(v) if literal else Var("v") for v in (a, b, s)]
                        texts = [str(v) if literal else n for v, n in zip((a, b, s), "abs")]
                        lim = None if limit is None else Const(limit) if literal else Var("m")
                        lim_text = None if limit is None else str(limit) if literal else "m"
                        want = range(a, b, s) if limit is None else range(a, b, s)[:limit]
                        env = {"a": a, "b": b, "s": s, "m": limit}
                        for reverse in (False, True):
                            text = range_text(atoms, texts, lim, lim_text, reverse)
                            assert list(eval(text, env)) == \
                                list(reversed(want) if reverse else want), text


# ---- fallback and strict mode ---------------------------------------------------------

SCALE = 2.0


def reads_a_global(x):
    return math.sin(x) * SCALE          # marker: global


def formats_a_message(x):
    if x > 100.0:
        raise ValueError(f"too large: {x}")     # marker: format
    return x * x * 3.0


def multiplies_items(x):
    return np.prod(x) + np.sum(x)       # marker: prod


def _line(marker: str) -> str:
    for n, line in enumerate(HERE.read_text().splitlines(), 1):
        if line.rstrip().endswith(f"# marker: {marker}"):
            return f"{HERE}:{n}"
    raise AssertionError(marker)


@pytest.mark.parametrize("f, arg, construct, marker", [
    (reads_a_global, 0.4, "the module global 'SCALE'", "global"),
    (multiplies_items, np.array([1.0, 2.0, 3.0]), "rt.prod_vjp", "prod"),
    (formats_a_message, 1.5, "Unknown attribute 'format'", "format"),
], ids=["global", "runtime helper", "compile error"])
def test_fallback_warns_and_gives_the_python_values(f, arg, construct, marker):
    with pytest.warns(BackendFallbackWarning) as record:
        got = s2sad.grad(f, backend="numba")(arg)
    message = str(record[0].message)
    assert f"derivative of '{f.__name__}' runs on the Python backend" in message
    assert construct in message and _line(marker) in message, message
    close(got, s2sad.grad(f)(arg))
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # once per derivative, not per call
        close(s2sad.grad(f, backend="numba")(arg), got)


def strict_global(x):
    return math.cos(x) * SCALE          # marker: strict


def strict_format(x):
    if x > 100.0:
        raise ValueError(f"too large: {x}")     # marker: strict format
    return x * x


@pytest.mark.parametrize("f, marker", [(strict_global, "strict"),
                                       (strict_format, "strict format")])
def test_strict_mode_raises(f, marker):
    with pytest.raises(S2SADError, match="backend='numba!'") as info:
        s2sad.grad(f, backend="numba!")(0.3)
    assert _line(marker) in str(info.value)


def test_unknown_backend_and_missing_numba(monkeypatch):
    with pytest.raises(ValueError, match="backend must be one of"):
        s2sad.grad(for_loop, backend="jax")
    monkeypatch.setattr(s2sad.backends, "numba_available", lambda: False)
    with pytest.raises(S2SADError, match=r'pip install "s2sad\[jit\]"'):
        s2sad.grad(for_loop, backend="numba")
    with pytest.raises(S2SADError, match=r'pip install "s2sad\[jit\]"'):
        s2sad.jvp(for_loop, (1.0, 2.0), (1.0, 0.0), backend="numba")
    close(s2sad.grad(for_loop)(0.7, 1.3), s2sad.grad(for_loop, backend="python")(0.7, 1.3))
