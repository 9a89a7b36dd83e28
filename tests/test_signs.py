"""Negations folded into their single use (transforms/signs.py): `a + -b` written as
`a - b` and `-a * c` as `a * -c` in derivative code, with derivatives checked against
central differences (both modes, forward vs reverse), at second order, and with the
dtype of float32 arrays kept."""
import math
import re

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads


def differences(x, c):
    """Cotangents of y in x - y are negated, then added to y's other adjoints."""
    y = x * c
    s = 0.0
    for i in range(4):
        s = s + (x - y) * math.cos(s) - (y - 1.5 * x)
    return s * s


def scaled(v, w):
    """-g times a literal (the adjoint of w - 2.5 * v), on arrays."""
    d = w - 2.5 * v
    return np.sum(np.tanh(d) * (v - w))


@pytest.mark.parametrize("f, args", [
    (differences, (0.7, 0.4)),
    (scaled, (np.array([0.3, -0.2, 0.5]), np.array([0.1, 0.4, -0.6]))),
    (scaled, (np.array([0.3, -0.2, 0.5], dtype=np.float32),
              np.array([0.1, 0.4, -0.6], dtype=np.float32))),
])
def test_gradients(f, args):
    check_grads(f, args)
    for g in s2sad.grad(f, wrt=(0, 1))(*args):
        assert np.asarray(g).dtype == np.asarray(args[0]).dtype


def test_derivative_code_has_no_added_negations():
    for f, args in [(differences, (0.7, 0.4)), (scaled, (np.ones(3), np.ones(3)))]:
        for mode in ("reverse", "forward"):
            text = s2sad.source(f, mode=mode, wrt=(0, 1), example_args=args)
            assert not re.search(r"\+ \(?-[A-Za-z_(]", text), text   # (not a literal)
            assert not re.search(r"-[A-Za-z_]\w* \* \d", text), text


def test_second_order():
    f = lambda p: differences(p[0], p[1])  # noqa: E731
    p, eps = np.array([0.7, 0.4]), 1e-5
    grad = s2sad.grad(f)
    want = np.stack([(grad(p + e) - grad(p - e)) / (2 * eps) for e in np.eye(2) * eps], axis=-1)
    np.testing.assert_allclose(s2sad.hessian(f)(p), want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(s2sad.jacobian(grad, mode="reverse")(p), want, rtol=1e-6,
                               atol=1e-8)
