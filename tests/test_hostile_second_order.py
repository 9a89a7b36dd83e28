"""Second (and third) derivatives of the hostile fuzzer's findings
(tests/fuzz_corpus/hostile_findings.md): decorated functions reading module globals,
helpers of other modules, user names that are names s2sad's generated code uses
(`f_jvp`, `range`, `target`), *args wrappers, and `*args` built of items of unknown kind.

Every derivative is checked numerically: a second derivative against central
differences of the (s2sad) gradient, which is itself checked against differences of f;
`check_grads` of a gradient checks its jvp and vjp, and their dot-product agreement.
The modules are written to a temporary directory and loaded without registering them
in sys.modules, as the fuzzer does.
"""
from __future__ import annotations

import importlib.util
import itertools
import sys

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads
from tests.fuzz.hostile import PREAMBLE as HOSTILE_PREAMBLE

_COUNT = itertools.count()

# the fuzzer's preamble: module globals G_*, the decorators `scaled` (a wrapper of
# `first, *rest`) and `shifted_by(c)` (of `*args, **kwargs`), ...
PREAMBLE = "import functools\n\nimport numpy as np\n\n" + HOSTILE_PREAMBLE


@pytest.fixture
def load(tmp_path):
    """`load(source, **names)`: the module of PREAMBLE + `source`, with `names`
    set in its globals first (another module, say)."""
    def loader(source, **names):
        n = next(_COUNT)
        path = tmp_path / f"hostile_second_{n}.py"
        path.write_text(PREAMBLE + source)
        spec = importlib.util.spec_from_file_location(f"s2sad_hostile_second_{n}", path)
        module = importlib.util.module_from_spec(spec)
        vars(module).update(names)
        spec.loader.exec_module(module)
        return module
    return loader


def differences(g, args, i, eps=1e-6):
    """d g(*args) / d args[i] by central differences (args[i] a float or an array)."""
    def at(step):
        return np.asarray(g(*[a + step if k == i else a for k, a in enumerate(args)]),
                          dtype=float)
    x = args[i]
    if np.ndim(x) == 0:
        return (at(eps) - at(-eps)) / (2 * eps)
    columns = [(at(np.eye(x.size)[k].reshape(x.shape) * eps) -
                at(-np.eye(x.size)[k].reshape(x.shape) * eps)) / (2 * eps)
               for k in range(x.size)]
    return np.stack(columns, axis=-1)


def check_second(f, args, rtol=1e-5, atol=1e-7):
    """grad(grad(f, wrt=i), wrt=j) against differences of grad(f, wrt=i), for every
    float argument pair; the gradient against differences of f; hvp against
    differences of the gradients along a direction."""
    floats = [i for i, a in enumerate(args) if isinstance(a, float)]
    for i in floats:
        g = s2sad.grad(f, wrt=i)
        np.testing.assert_allclose(g(*args), differences(f, args, i), rtol=rtol, atol=atol)
        for j in floats:
            np.testing.assert_allclose(s2sad.grad(g, wrt=j)(*args), differences(g, args, j),
                                       rtol=rtol, atol=atol)
    rng = np.random.default_rng(len(args))
    direction = tuple(float(rng.normal()) if isinstance(a, float) else rng.normal(size=a.shape)
                      for a in args)
    got = s2sad.hvp(f, args, direction)
    for i in floats:
        g = s2sad.grad(f, wrt=i)
        along = (np.asarray(g(*[a + 1e-6 * d for a, d in zip(args, direction)])) -
                 np.asarray(g(*[a - 1e-6 * d for a, d in zip(args, direction)]))) / 2e-6
        np.testing.assert_allclose(got[i], along, rtol=rtol, atol=atol)


# ---- finding 1: a decorated f reading module globals ------------------------------------

DECORATED = '''
G_SCALE = 1.25
G_VEC = np.array([0.5, -0.25, 1.0])


@scaled
def f(x):
    return G_SCALE * np.sin(x) * x + np.sum(G_VEC * x)
'''


def test_second_and_third_derivatives_of_a_decorated_function_reading_globals(load):
    f = load(DECORATED).f
    check_second(f, (0.3,))
    gg = s2sad.grad(s2sad.grad(f))
    np.testing.assert_allclose(s2sad.grad(gg)(0.3), differences(gg, (0.3,), 0), rtol=1e-5)
    check_grads(s2sad.grad(f), (0.3,))


@pytest.mark.parametrize("imported", [False, True])
def test_a_helper_of_another_module_reads_its_own_globals_at_every_order(
        load, monkeypatch, imported):
    # both modules have a G: the helper's is read, not the differentiated function's
    other = load("G = 2.0\n\n\ndef helper(x):\n    return G * np.sin(x) * x\n")
    if imported:        # read as other.G, else from other's globals dict
        monkeypatch.setitem(sys.modules, other.__name__, other)
    f = load("G = 5.0\n\n\ndef f(x, y):\n    return other.helper(x) * y + G * x\n",
             other=other).f
    check_second(f, (0.3, 0.7))
    np.testing.assert_allclose(s2sad.grad(f)(0.3, 0.7),
                               2.0 * (np.cos(0.3) * 0.3 + np.sin(0.3)) * 0.7 + 5.0)
    other.G = 3.0       # a data global is read when the derivative runs
    np.testing.assert_allclose(s2sad.grad(f)(0.3, 0.7),
                               3.0 * (np.cos(0.3) * 0.3 + np.sin(0.3)) * 0.7 + 5.0)
    np.testing.assert_allclose(s2sad.grad(s2sad.grad(f))(0.3, 0.7),
                               differences(s2sad.grad(f), (0.3, 0.7), 0), rtol=1e-5)


# ---- finding 2: user names that are names of generated objects ---------------------------

NAMED_LIKE_GENERATED = '''
def f_impl(c, x, f_jvp):
    return c * np.sin(x * f_jvp) + x * x * f_jvp


f = functools.partial(f_impl, 0.8)


class Model:
    def __init__(self, c):
        self.c = c

    def __call__(self, x0, tangent_gradient, f_jvp, h0_fwd):
        return self.c * np.tanh(x0 * tangent_gradient) * f_jvp + h0_fwd * x0 * f_jvp


g = Model(0.8)


def h(target, a0, bound_0, t_target):
    return np.sin(target * a0) + bound_0 * t_target * target
'''


def test_parameters_named_like_generated_objects(load):
    module = load(NAMED_LIKE_GENERATED)
    check_second(module.f, (0.3, 0.7))
    check_second(module.g, (0.3, 0.7, -0.4, 1.1))
    check_second(module.h, (0.3, 0.7, -0.4, 1.1))
    check_grads(s2sad.grad(module.g, wrt=2), (0.3, 0.7, -0.4, 1.1))


# ---- finding 3: a *args wrapper used in a comparison -------------------------------------

COMPARED = '''
@shifted_by(0.3)
def h0(p):
    return p


def f(x0, g):
    if h0(x0) > 1.0:
        return g * g * x0
    return x0 * np.sin(g)
'''


@pytest.mark.parametrize("x0", [1.7, 0.5])
def test_second_derivatives_through_a_wrapper_in_a_comparison(load, x0):
    f = load(COMPARED).f
    check_second(f, (x0, 0.7))


# ---- finding 4: parameters named after builtins the generated code calls -----------------

BUILTIN_NAMED = '''
def f(x0, range):
    return np.sum(range * range * np.sin(range)) * x0


def g(len, k, unit_like, np_):
    return np.sum(np.cos(k * len)) * unit_like * np_
'''


def test_jacobian_of_a_gradient_with_a_parameter_named_range(load):
    module = load(BUILTIN_NAMED)
    args = (0.3, np.array([1.0, 2.0, 3.0]))
    grad = s2sad.grad(module.f, wrt=1)
    np.testing.assert_allclose(grad(*args), differences(module.f, args, 1), rtol=1e-6)
    np.testing.assert_allclose(s2sad.jacobian(grad, wrt=1)(*args),
                               differences(grad, args, 1), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(s2sad.hessian(module.f, wrt=1)(*args),
                               differences(grad, args, 1), rtol=1e-5, atol=1e-7)
    args = (np.array([0.5, -1.0]), np.array([0.2, 0.4]), 0.3, 0.7)
    for i in (0, 1):
        grad = s2sad.grad(module.g, wrt=i)
        np.testing.assert_allclose(s2sad.jacobian(grad, wrt=i)(*args),
                                   differences(grad, args, i), rtol=1e-5, atol=1e-7)
    check_second(module.g, args)


# ---- finding 7: *args built of an item of unknown kind ----------------------------------

UNKNOWN_ITEM = '''
G_TABLE = (0.75, -1.5, 0.25)


@shifted_by(0.3)
def h1(p, q):
    return np.sin(p) * q


@scaled
def h2(p, q):
    return h1(p * q, q) * p


def f(x, y):
    push = G_TABLE[2] * x
    return h1(push, y) + h2(G_TABLE[0] * y, x)
'''


def test_star_args_of_a_wrapper_built_of_a_global_tuple_item(load):
    f = load(UNKNOWN_ITEM).f
    check_grads(f, (0.3, 0.7))
    check_second(f, (0.3, 0.7))


# ---- call adapters: keywords named like the adapter's own names ---------------------------

KEYWORDS = '''
def inner(p, a0=1.0, target=2.0):
    return np.sin(p * a0) * target


h = shifted_by(0.3)(inner)
'''


def test_keywords_named_like_the_call_adapters_names(load):
    h = load(KEYWORDS).h
    for mode in ("reverse", "forward"):
        got = s2sad.grad(h, wrt=0, mode=mode)(0.4, a0=0.7, target=1.3)
        np.testing.assert_allclose(got, 0.7 * np.cos(0.4 * 0.7) * 1.3, rtol=1e-12)
    g = s2sad.grad(h)
    np.testing.assert_allclose(s2sad.grad(g)(0.4, a0=0.7, target=1.3),
                               -0.7 ** 2 * np.sin(0.4 * 0.7) * 1.3, rtol=1e-10)


# ---- a **kwargs dict the generated code builds once and passes to two calls -------------

TWO_CALLS = '''
@shifted_by(0.3)
def h0(p, q):
    return np.sin(p) * q


@scaled
def f(x, y):
    if np.sqrt(1.0 + y * y) > 0.5:
        u = 0.3 * h0(x, y)
        if u / (1.5 + np.sin(x)) < 1.0:
            return h0(G_SCALE * x, x + x)
    return y
'''


def test_second_derivatives_of_two_wrapper_calls_in_nested_branches(load):
    f = load(TWO_CALLS).f
    check_second(f, (0.6, 0.7))
