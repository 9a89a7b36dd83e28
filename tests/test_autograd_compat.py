"""Gaps found by running autograd's test modules and examples against s2sad
(benchmarks/autograd_suite.py), each as a small program in the autograd style,
checked numerically.

* A helper from another module reads that module's globals, also when the caller's
  module has a global of the same name (it used to read the caller's: a wrong value).
* `s2sad.jvp` inside a differentiated function, with a dict or tuple argument: a
  clear refusal (it used to give a primal and derivative of zero).
"""
import importlib.util
import textwrap

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads
from tests.test_hessian import fd_hessian

RS = np.random.RandomState(3)
X = RS.randn(3)
scale = 100.0          # a global of the same name as the helper module's


def _module(tmp_path, name, text):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HELPERS = """
    import numpy as np
    scale = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    offset = 0.25

    def features(w):
        return np.tanh(np.dot(scale, w) + offset)

    def make_loss(data):
        def loss(w):
            return np.sum(features(w) * data) + offset * np.sum(w ** 2)
        return loss
"""


@pytest.fixture
def helpers(tmp_path):
    return _module(tmp_path, "agcompat_helpers", HELPERS)


def test_helper_reads_its_own_modules_globals(helpers):
    features = helpers.features

    def objective(w):
        return np.sum(features(w) ** 2) + scale * 0.0

    w = X
    expected = 2 * helpers.features(w) * (1 - helpers.features(w) ** 2)
    np.testing.assert_allclose(s2sad.grad(objective)(w), helpers.scale.T @ expected, rtol=1e-10)
    check_grads(objective, (w,))
    np.testing.assert_allclose(s2sad.hessian(objective)(w), fd_hessian(objective, (w,), 0),
                               rtol=1e-5, atol=1e-7)


def test_closure_made_in_another_module(helpers):
    """autograd's examples build objectives in one module and differentiate them in
    another (through a binder closure, as optimizers do)."""
    loss = helpers.make_loss(np.array([1.0, -2.0]))

    def bound(x):
        return loss(x)
    check_grads(bound, (X,))
    np.testing.assert_allclose(s2sad.hessian(bound)(X), fd_hessian(bound, (X,), 0),
                               rtol=1e-5, atol=1e-7)


def _dict_loss(d):
    return np.sum(np.sin(d["a"])) + np.sum(np.cos(d["b"]))


def _jvp_of_dict_loss(d, v):
    return s2sad.jvp(_dict_loss, (d,), (v,))[1]


def _tuple_loss(t):
    return np.sum(t[0] * t[1])


def _jvp_of_tuple_loss(t, v):
    return s2sad.jvp(_tuple_loss, (t,), (v,))[1]


@pytest.mark.parametrize("fn, primal", [
    (_jvp_of_dict_loss, {"a": np.array([0.3, 0.7]), "b": np.array([0.2])}),
    (_jvp_of_tuple_loss, (np.array([0.3, 0.7]), np.array([0.2, -1.0]))),
])
def test_jvp_of_pytree_inside_derivative(fn, primal):
    """s2sad.jvp with container primals and tangents, inside a differentiated function:
    its derivative (with respect to both) matches central differences."""
    tangent = primal if isinstance(primal, tuple) else dict(primal)
    assert fn(primal, tangent) != 0.0       # called directly it works
    check_grads(fn, (primal, tangent))


def _sin(x):
    return np.sin(x)


def _jvp_of_sin(x, v):
    return s2sad.jvp(_sin, (x,), (v,))[1]


def test_jvp_of_arrays_inside_derivative_still_differentiates():
    v = RS.randn(3)
    check_grads(_jvp_of_sin, (X, v))
    np.testing.assert_allclose(s2sad.jacobian(_jvp_of_sin)(X, v), np.diag(-np.sin(X) * v),
                               rtol=1e-12, atol=1e-15)


# ---- `*args[1:]`: a constant slice of *args has a known length ---------------------

def _weighted(a, b, c):
    return np.sum(a * b) + np.sum(np.cos(c) * a)


def _symmetrized_first(*args):
    """autograd's test helpers wrap functions this way."""
    return _weighted(0.5 * (args[0] + args[0][::-1]), *args[1:])


def _middle_dropped(*args):
    return _weighted(*args[:1], np.tanh(args[1]), *args[2:3])


@pytest.mark.parametrize("fn", [_symmetrized_first, _middle_dropped])
def test_star_of_constant_slice_of_varargs(fn):
    args = (RS.randn(3), RS.randn(3), RS.randn(3))
    check_grads(fn, args)
    np.testing.assert_allclose(s2sad.hessian(fn, wrt=2)(*args),
                               fd_hessian(fn, args, 2), rtol=1e-5, atol=1e-7)
