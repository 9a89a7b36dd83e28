"""Second (and third) derivatives of every rule, numerically.

`s2sad.hvp` and `s2sad.hessian` differentiate, in reverse mode, the forward-mode code
s2sad generated, so each rule's terms and the runtime helpers they call need rules of
their own (tests/test_rule_closure.py checks that closure by name).  Here every
differentiable rule of the registry goes through the whole compiler on its first spec
of tests/rule_specs.py: a function calling it (tests/rule_wrappers.py), reduced to a
scalar by a fixed random weighting of its outputs, f = sum(W * rule(args)), and

1. float64: `s2sad.hvp(f, args, v)` along a random direction v over every float
   argument equals the central difference of `s2sad.grad(f)` along v;
2. float32 (the first spec of each rule whose arguments can be float32): the hvp is
   float32 and matches the float64 difference of the gradient to 5e-3;
3. `s2sad.hessian` of a small array argument, times a direction, equals the difference
   of that argument's gradient (one spec in four);
4. third derivatives, for elementwise functions, reductions, linear algebra, powers,
   division and norms: the hvp of the forward-mode derivative code,
   (x, dx) -> <grad f(x), dx> (so s2sad differentiates its own second-order code),
   equals the difference of `s2sad.hvp` at perturbed points;
5. piecewise-linear rules have a second derivative of exactly zero, and the
   derivatives that are not implemented (third derivatives of the matrix 2, -2 and
   nuclear norms) raise an S2SADError that says so.
"""
from __future__ import annotations

import ast
import builtins
import importlib.util
import math
import operator
import sys

import numpy as np
import pytest

import s2sad
from s2sad import runtime
from s2sad.rules import RULES

try:
    import rule_specs
    import rule_wrappers
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs, rule_wrappers

STEP = 1e-5          # central differences of the gradient (second derivatives)
STEP3 = 1e-4         # central differences of the hvp (third derivatives)
RTOL, RTOL32 = 2e-5, 5e-3


def _is_f32(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic)) and np.result_type(x) == np.float32


def _first_specs(float32=False) -> list:
    """The first spec of each rule with an argument to differentiate (float32: the first
    whose float32 variant has a float32 argument)."""
    seen, out = set(), []
    for spec in rule_specs.SPECS:
        if id(spec.fn_key) in seen or (float32 and not spec.float32):
            continue
        args = rule_wrappers.make_args(spec, float32)
        if not any(rule_wrappers.has_float(a) for a in args) or (
                float32 and not any(_is_f32(a) for a in _leaves(args))):
            continue
        seen.add(id(spec.fn_key))
        out.append(spec)
    return out


def _leaves(x) -> list:
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def weighted(spec, name: str, float32=False):
    """(source of `def name(...)`: sum(W * output) over the output's leaves, arguments)."""
    args = rule_wrappers.make_args(spec, float32)
    params = rule_wrappers._Params()
    stmts, expr = rule_wrappers._call(spec, args, params)
    with np.errstate(all="ignore"):
        out = spec.call(*args)
    rng = np.random.default_rng(len(name))
    terms = []
    for text, value in zip(rule_wrappers._outputs(out, "out"), _leaves(out)):
        if isinstance(value, float):
            terms.append(f"{float(rng.normal())!r} * {text}")
        elif isinstance(value, (np.ndarray, np.generic)) and \
                np.issubdtype(np.result_type(value), np.floating):
            w = rng.normal(size=np.shape(value)).astype(np.result_type(value))
            terms.append(f"np.sum({rule_wrappers.literal(w if w.ndim else w[()])} * {text})")
        else:
            terms.append(f"np.sum({text})")
    source = rule_wrappers._def(name, params.names, stmts + [f"out = {expr}"], " + ".join(terms))
    return source, tuple(params.values)


def _load(name: str, path, text: str):
    path.write_text(rule_wrappers.HEADER + text, encoding="utf-8")
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


SPECS64 = _first_specs()
SPECS32 = _first_specs(float32=True)


def _ids(specs):
    return [s.id for s in specs]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The weighted functions of every spec checked here (float64 and float32)."""
    functions = {}
    text = ""
    for tag, specs, f32 in (("f", SPECS64, False), ("g", SPECS32, True)):
        for i, spec in enumerate(specs):
            source, args = weighted(spec, f"{tag}{i}", f32)
            functions[(id(spec), f32)] = (f"{tag}{i}", args)
            text += "\n\n" + source
    module = _load("generated_second_order", tmp_path_factory.mktemp("so") / "so.py", text)
    yield module, functions
    sys.modules.pop("generated_second_order", None)


# ---- differences -----------------------------------------------------------------------

def _vec(tree) -> np.ndarray:
    parts = [np.ravel(np.asarray(x, np.float64)) for x in _leaves(list(tree)) if x is not None]
    return np.concatenate(parts) if parts else np.zeros(0)


def _direction(rng, a):
    """A random direction for a float argument (0 on its non-finite entries), else None."""
    if not rule_wrappers.has_float(a):
        return None
    v = rng.normal(size=np.shape(a)) * np.isfinite(a)
    return np.asarray(v, np.result_type(a)) if isinstance(a, np.ndarray) else type(a)(v)


def _step(args, v, h):
    """args + h v in float64 (float32 arguments are cast up, as for a reference)."""
    out = []
    for a, d in zip(args, v):
        if d is None:
            out.append(a)
        elif isinstance(a, np.ndarray):
            out.append(a.astype(np.float64) + h * np.asarray(d, np.float64))
        elif isinstance(a, np.generic):
            out.append(np.float64(a) + h * np.float64(d))
        else:
            out.append(float(a) + h * float(d))
    return out


def fd_of_grad(f, args, v, positions, h=STEP):
    """The central difference of s2sad.grad(f, wrt=positions) along v, and the gradient's
    size (for the round-off of the difference)."""
    grad = s2sad.grad(f, wrt=positions)
    plus, minus = grad(*_step(args, v, h)), grad(*_step(args, v, -h))
    plus, minus = (plus, minus) if len(positions) > 1 else ((plus,), (minus,))
    return (_vec(plus) - _vec(minus)) / (2 * h), np.linalg.norm(_vec(plus))


def assert_close(got, want, rtol, atol, what):
    err = np.linalg.norm(got - want)
    scale = max(np.linalg.norm(got), np.linalg.norm(want))
    assert err <= rtol * scale + atol, \
        f"{what}: s2sad {got} vs differences {want} (error {err:.3g}, scale {scale:.3g})"


def _floats(args) -> tuple:
    return tuple(i for i, a in enumerate(args) if rule_wrappers.has_float(a))


# Derivatives that are not implemented: rule key -> (predicate on the call's arguments,
# what the error says).  spectral_grad is itself the gradient of a matrix norm.
NOT_IMPLEMENTED = {runtime.spectral_grad: (lambda args: args[1] in (2, -2, "nuc"),
                                           "third derivatives of np.linalg.norm")}


def _not_implemented(spec, args=None):
    entry = NOT_IMPLEMENTED.get(spec.fn_key)
    return entry[1] if entry and entry[0](rule_wrappers.make_args(spec)) else None


# ---- 1. and 3.: float64 hvp and hessian ------------------------------------------------

def _check_hvp(generated, spec, float32: bool):
    """hvp along a random direction against the difference of the gradient (float32: the
    hvp keeps float32, the differences run in float64)."""
    module, functions = generated
    name, args = functions[(id(spec), float32)]
    f = getattr(module, name)
    positions = _floats(args)
    rng = np.random.default_rng(5)
    v = [_direction(rng, a) for a in args]
    reason = _not_implemented(spec, args)
    with np.errstate(all="ignore"):
        if reason:
            with pytest.raises(s2sad.S2SADError, match=reason):
                s2sad.hvp(f, args, v)
            return
        hv = s2sad.hvp(f, args, v)
        fd, g = fd_of_grad(f, args, v, positions)
    assert all(hv[i] is None for i in range(len(args)) if i not in positions)
    for i in positions:
        assert np.shape(hv[i]) == np.shape(args[i]), f"hvp of argument {i} has the wrong shape"
        if float32 and _is_f32(args[i]):
            assert np.result_type(hv[i]) == np.float32, \
                f"hvp of float32 argument {i} is {np.result_type(hv[i])}"
    rtol, atol = (RTOL32, 1e-5) if float32 else (RTOL, 1e-8)
    assert_close(_vec(hv[i] for i in positions), fd, rtol, atol * (1 + g),
                 f"{'float32 ' if float32 else ''}hvp of {name} = {spec.id}")


@pytest.mark.parametrize("spec", SPECS64, ids=_ids(SPECS64))
def test_hvp_matches_differences_of_the_gradient(generated, spec):
    _check_hvp(generated, spec, float32=False)


HESSIAN_SPECS = [s for i, s in enumerate(SPECS64) if i % 4 == 0]


@pytest.mark.parametrize("spec", HESSIAN_SPECS, ids=_ids(HESSIAN_SPECS))
def test_hessian_matches_differences_of_the_gradient(generated, spec):
    module, functions = generated
    name, args = functions[(id(spec), False)]
    f = getattr(module, name)
    arrays = [i for i in _floats(args) if isinstance(args[i], np.ndarray) and args[i].size <= 12]
    if _not_implemented(spec, args) or not arrays:
        arrays = [i for i in _floats(args)][:1]
    i = arrays[0]
    rng = np.random.default_rng(6)
    v = [_direction(rng, a) if j == i else None for j, a in enumerate(args)]
    with np.errstate(all="ignore"):
        if _not_implemented(spec, args):
            with pytest.raises(s2sad.S2SADError):
                s2sad.hessian(f, wrt=i)(*args)
            return
        h = np.asarray(s2sad.hessian(f, wrt=i)(*args), np.float64)
        fd, g = fd_of_grad(f, args, v, (i,))
    n = np.size(args[i])
    assert h.shape == np.shape(args[i]) * 2
    assert_close(h.reshape(n, n) @ np.ravel(np.asarray(v[i], np.float64)), fd, RTOL,
                 1e-8 * (1 + g), f"hessian of {name} = {spec.id}")


# ---- 2. float32 ------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS32, ids=_ids(SPECS32))
def test_float32_hvp_stays_float32(generated, spec):
    _check_hvp(generated, spec, float32=True)


# ---- 4. third derivatives --------------------------------------------------------------

THIRD = ["np.log(3)", "np.sqrt(2x3)", "np.tanh(2x3)", "np.arctan2(3,3)", "np.logaddexp(3,3)",
         "np.sum(2x3x4;axis=0)", "np.prod(2x3x4;axis=-1,keepdims=True)", "np.max(2x3x4;axis=0)",
         "np.std(2x3x4;axis=0)", "np.cumprod(3x4;axis=1)", "np.linalg.inv(3x3)",
         "np.linalg.det(3x3)", "np.linalg.solve(3x3,3)", "np.linalg.cholesky(3x3)",
         "np.linalg.eigh(3x3)", "np.linalg.slogdet(3x3)", "np.linalg.pinv(3x2)",
         "np.einsum('ij,jk->ik',2x3,3x4)", "operator.pow(3,3)", "operator.pow(py,py)",
         "np.power(2x3,3)", "operator.truediv(3,3)", "np.divide(2x3,py)", "np.linalg.norm(5)",
         "np.linalg.norm(5;ord=3)", "np.linalg.norm(3x4;ord='fro')",
         "np.linalg.norm(3x4;ord='nuc')", "np.average(2x3,1,3)"]
THIRD_SPECS = [next(s for s in rule_specs.SPECS if s.id == i) for i in THIRD]


@pytest.fixture(scope="module")
def third_order(tmp_path_factory):
    """f = sum(W * rule(x)) and its forward-mode derivative code, with
    `<name>_third(x, dx) = <grad f(x), dx>` (s2sad.source, loaded from a file)."""
    tmp = tmp_path_factory.mktemp("third")
    sources, arguments = "", []
    for i, spec in enumerate(THIRD_SPECS):
        source, args = weighted(spec, f"t{i}")
        sources += "\n\n" + source
        arguments.append((f"t{i}", args))
    primal = _load("generated_third", tmp / "third.py", sources)
    forward = ""
    for name, args in arguments:
        text = s2sad.source(getattr(primal, name), mode="forward", wrt=_floats(args),
                            example_args=args)
        fn = ast.parse(text).body[0]
        params = ", ".join(a.arg for a in fn.args.args)
        forward += f"\n\n{text}\n\ndef {name}_third({params}):\n    return {fn.name}({params})[1]\n"
    derivatives = _load("generated_third_fwd", tmp / "third_fwd.py", forward)
    yield primal, derivatives, dict(arguments)
    sys.modules.pop("generated_third", None)
    sys.modules.pop("generated_third_fwd", None)


@pytest.mark.parametrize("spec", THIRD_SPECS, ids=THIRD)
def test_third_derivative_matches_differences_of_the_hvp(third_order, spec):
    primal, derivatives, arguments = third_order
    name = f"t{THIRD_SPECS.index(spec)}"
    args, f = arguments[name], getattr(primal, name)
    third = getattr(derivatives, name + "_third")
    positions = _floats(args)
    rng = np.random.default_rng(7)
    v = [_direction(rng, a) for a in args]
    u = [_direction(rng, a) for a in args]
    primals = tuple(args) + tuple(v[i] for i in positions)
    with np.errstate(all="ignore"):
        if spec.kwargs.get("ord") in (2, -2, "nuc"):
            with pytest.raises(s2sad.S2SADError, match="third derivatives of np.linalg.norm"):
                s2sad.hvp(third, primals, tuple(u) + (None,) * len(positions))
            return
        t3 = s2sad.hvp(third, primals, tuple(u) + (None,) * len(positions))
        plus = s2sad.hvp(f, _step(args, u, STEP3), v)
        minus = s2sad.hvp(f, _step(args, u, -STEP3), v)
    fd = (_vec(plus[i] for i in positions) - _vec(minus[i] for i in positions)) / (2 * STEP3)
    assert_close(_vec(t3[i] for i in positions), fd, 1e-5, 1e-7,
                 f"third derivative of {name} = {spec.id}")


# ---- 5. zero second derivatives --------------------------------------------------------

PIECEWISE_LINEAR = [operator.abs, builtins.abs, builtins.max, builtins.min, np.abs, np.fabs,
                    np.maximum, np.minimum, np.fmax, np.fmin, np.clip, np.where, np.sort,
                    np.max, np.min, np.ptp, np.median, np.nan_to_num, np.remainder, np.fmod,
                    operator.mod]
ZERO_SPECS = [s for s in SPECS64 if any(s.fn_key is k for k in PIECEWISE_LINEAR)]


def test_the_piecewise_linear_rules_are_covered():
    assert {id(s.fn_key) for s in ZERO_SPECS} == {id(k) for k in PIECEWISE_LINEAR}
    assert all(k in RULES for k in PIECEWISE_LINEAR)


@pytest.mark.parametrize("spec", ZERO_SPECS, ids=_ids(ZERO_SPECS))
def test_piecewise_linear_rules_have_zero_second_derivative(generated, spec):
    module, functions = generated
    name, args = functions[(id(spec), False)]
    rng = np.random.default_rng(8)
    with np.errstate(all="ignore"):
        hv = s2sad.hvp(getattr(module, name), args, [_direction(rng, a) for a in args])
    assert not np.any(_vec(hv)), f"{spec.id}: second derivative {hv}"


# ---- x ** y with a negative base ---------------------------------------------------------
#
# x**y is real for x < 0 when y is integer-valued: d/dx = y x**(y-1) there, in both modes
# and at second order, whether y is a literal, an argument held constant or one with a
# zero tangent; d/dy is undefined there and is NaN (docs/rules.md), and only there.

def power(x, y):
    return x ** y


def power_sum(x, y):
    return np.sum(x ** y)


def cube(x):
    return np.sum(np.power(x, 3))


def square(x):
    return np.sum(x ** 2)


def cube_float(x):
    return np.sum(x ** 3.0)


def math_power(x, y):
    return math.pow(x, y) + pow(x, y)


X_NEG = np.array([-2.0, -0.5, 1.5])
Y_INT = np.array([3.0, 2.0, 2.0])


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_negative_base_first_derivative_in_both_modes(mode):
    assert s2sad.grad(power, wrt=0, mode=mode)(-2.0, 3.0) == 12.0
    dx, dy = s2sad.grad(power, wrt=(0, 1), mode=mode)(-2.0, 3.0)
    assert dx == 12.0 and math.isnan(dy)                       # d/dy undefined: NaN
    g = s2sad.grad(power_sum, wrt=(0, 1), mode=mode)(X_NEG, Y_INT)
    np.testing.assert_allclose(g[0], Y_INT * X_NEG ** (Y_INT - 1), rtol=1e-15)
    assert np.isnan(g[1][X_NEG < 0]).all() and not np.isnan(g[1][X_NEG > 0]).any()
    np.testing.assert_allclose(s2sad.grad(square, mode=mode)(X_NEG), 2 * X_NEG)
    np.testing.assert_allclose(s2sad.grad(cube, mode=mode)(X_NEG), 3 * X_NEG ** 2)
    np.testing.assert_allclose(s2sad.grad(cube_float, mode=mode)(X_NEG), 3 * X_NEG ** 2)
    assert s2sad.grad(math_power, mode=mode)(-2.0, 3.0) == 24.0


def test_negative_base_tangents_of_the_base_alone_are_exact():
    """A zero tangent of the exponent contributes 0, not 0 * nan."""
    _, t = s2sad.jvp(power, (-2.0, 3.0), (1.0, 0.0))
    assert t == 12.0
    _, t = s2sad.jvp(power_sum, (X_NEG, Y_INT), (np.ones(3), np.zeros(3)))
    assert t == pytest.approx(np.sum(Y_INT * X_NEG ** (Y_INT - 1)), rel=1e-15)
    _, t = s2sad.jvp(power, (-2.0, 3.0), (0.0, 1.0))
    assert math.isnan(t)                                       # the exponent moves: undefined


def test_negative_base_second_derivatives():
    assert s2sad.hessian(power, wrt=0)(-2.0, 3.0) == pytest.approx(-12.0, rel=1e-15)
    assert s2sad.hessian(math_power, wrt=0)(-2.0, 3.0) == pytest.approx(-24.0, rel=1e-15)
    np.testing.assert_allclose(s2sad.hessian(power_sum)(X_NEG, Y_INT),
                               np.diag(Y_INT * (Y_INT - 1) * X_NEG ** (Y_INT - 2)), rtol=1e-14)
    np.testing.assert_allclose(s2sad.hessian(square)(X_NEG), 2 * np.eye(3))
    np.testing.assert_allclose(s2sad.hessian(cube)(X_NEG), np.diag(6 * X_NEG), rtol=1e-15)
    np.testing.assert_allclose(s2sad.hessian(cube_float)(X_NEG), np.diag(6 * X_NEG), rtol=1e-15)
    hx, hy = s2sad.hvp(power, (-2.0, 3.0), (1.0, 0.0))
    assert hx == pytest.approx(-12.0, rel=1e-15) and math.isnan(hy)   # d2/dxdy undefined
    # at x == 0 (x**2: the y-partial is 0 * log 0), and in float32
    np.testing.assert_allclose(s2sad.hessian(power_sum)(np.array([0.0, -1.0]), np.array(
        [2.0, 3.0])), np.diag([2.0, -6.0]), rtol=1e-15)
    h32 = s2sad.hessian(power_sum)(X_NEG.astype(np.float32), Y_INT.astype(np.float32))
    assert h32.dtype == np.float32
    np.testing.assert_allclose(h32, np.diag(Y_INT * (Y_INT - 1) * X_NEG ** (Y_INT - 2)),
                               rtol=1e-6)


def test_positive_base_derivatives_in_the_exponent_are_unchanged():
    x, y = 1.7, 2.3
    dx, dy = s2sad.grad(power, wrt=(0, 1))(x, y)
    assert dx == pytest.approx(y * x ** (y - 1)) and dy == pytest.approx(x ** y * math.log(x))
    hy = s2sad.hessian(power, wrt=1)(x, y)
    assert hy == pytest.approx(x ** y * math.log(x) ** 2, rel=1e-12)
