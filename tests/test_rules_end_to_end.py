"""Every rule through the whole compiler: a small function calling it, differentiated.

tests/test_rule_templates.py evaluates each rule's term strings directly; here each
spec of tests/rule_specs.py becomes the source of a Python function that makes the
call the way a user writes it (tests/rule_wrappers.py), and that function goes
through parsing, lowering, the forward and reverse transforms, optimization, code
generation and the runtime:

1. `s2sad.testing.check_grads` in both modes: the JVP against central differences,
   the VJP against <w, FD(v)>, the dot-product test between the modes, primal
   outputs, derivative shapes and dtypes;
2. for specs with a float32 variant, `s2sad.grad` (reverse and forward mode) of the
   function reduced to a scalar (`np.sum` of every output) gives each float32
   argument a float32 gradient of its kind and shape, close to the float64 gradient;
   one spec per rule, kinds of arguments and keyword names (`_float32_class`);
3. for specs with a list or tuple argument, the function taking that list as one
   argument has the derivatives of the function building the list in its source
   (checked in 1.), and cotangents with the list's structure.

The generated functions are written to one module in a temporary directory (s2sad
reads their source from that file), with `s2sad.compiler.DEFAULT.verify` on, so every IR built is
also checked by s2sad.verify.
"""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import s2sad
import s2sad.api
from s2sad import runtime
from s2sad.testing import check_grads

try:
    import rule_specs
    import rule_wrappers
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs, rule_wrappers

SPECS = rule_specs.SPECS
WRAPPERS = [rule_wrappers.wrapper(spec, f"rule_{i}") for i, spec in enumerate(SPECS)]


def _float32_positions(w) -> tuple:
    return tuple(i for i, a in enumerate(w.args)
                 if isinstance(a, (np.ndarray, np.generic)) and np.result_type(a) == np.float32)


def _kind(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array {value.dtype}"
    if isinstance(value, np.generic):
        return f"numpy {value.dtype} scalar"
    return type(value).__name__


def _float32_class(w) -> tuple:
    """Specs of one rule with the same kinds of arguments (Python float, NumPy scalar,
    array; dtype) and the same keyword names go through the same code: one of each is
    run in float32."""
    key = w.spec.fn_key
    return (key.__name__ if isinstance(key, np.ufunc) else key, tuple(map(_kind, w.args)),
            len(w.spec.make_args(np.random.default_rng(0))), tuple(sorted(w.spec.kwargs)))


def _first_of_each_class(wrappers) -> list:
    seen, out = set(), []
    for w in wrappers:
        cls = _float32_class(w)
        if cls not in seen:
            seen.add(cls)
            out.append(w)
    return out


# the float32 variant: float64 arrays and NumPy scalars cast to float32 (Python floats
# stay), for the specs where some argument to differentiate becomes float32
F32_WRAPPERS = _first_of_each_class(
    [w for w in (rule_wrappers.wrapper(spec, f"rule_{i}_f32", float32=True)
                 for i, spec in enumerate(SPECS) if spec.float32)
     if _float32_positions(w)])


def _has_container(w) -> bool:
    return any(isinstance(a, (tuple, list)) for a in w.args)


# the specs with a list or tuple of floats to differentiate, that list passed whole
CONTAINER_PAIRS = [(w, c) for w, c in ((w, rule_wrappers.wrapper(w.spec, w.name + "_whole",
                                                                 whole=True))
                                       for w in WRAPPERS) if _has_container(c)]


def _ids(wrappers):
    return [w.spec.id for w in wrappers]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The module of all generated functions, with IR verification on."""
    path = tmp_path_factory.mktemp("rule_wrappers") / "generated_rule_calls.py"
    functions = WRAPPERS + F32_WRAPPERS + [c for _, c in CONTAINER_PAIRS]
    path.write_text(rule_wrappers.module_text(functions), encoding="utf-8")
    name = "generated_rule_calls"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    verify, s2sad.compiler.DEFAULT.verify = s2sad.compiler.DEFAULT.verify, True
    try:
        yield module
    finally:
        s2sad.compiler.DEFAULT.verify = verify
        sys.modules.pop(name, None)


def _source_note(w) -> str:
    return f"\n--- function under test ({w.spec.id}) ---\n{w.source}"


@pytest.mark.parametrize("w", WRAPPERS, ids=_ids(WRAPPERS))
def test_both_modes_against_finite_differences(generated, w):
    fn = getattr(generated, w.name)
    try:
        with np.errstate(all="ignore"):
            check_grads(fn, w.args, modes=("forward", "reverse"))
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}{_source_note(w)}") from exc


def _norm(x) -> float:
    return float(np.linalg.norm(np.ravel(np.asarray(x, dtype=np.float64))))


@pytest.mark.parametrize("w", F32_WRAPPERS, ids=_ids(F32_WRAPPERS))
def test_float32_gradients_stay_float32(generated, w):
    fn = getattr(generated, w.name + "_sum")
    wrt = _float32_positions(w)
    up = tuple(a.astype(np.float64) if i in wrt else a for i, a in enumerate(w.args))
    try:
        with np.errstate(all="ignore"):
            reference = s2sad.grad(fn, wrt=wrt)(*up)
            by_mode = {mode: s2sad.grad(fn, wrt=wrt, mode=mode)(*w.args)
                       for mode in ("reverse", "forward")}
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}"
                             f"{_source_note(w._replace(source=w.scalar_source))}") from exc
    for mode, grads in by_mode.items():
        for i, g, ref in zip(wrt, grads, reference):
            x, what = w.args[i], f"{mode} mode: the gradient of {w.params[i]}"
            assert _kind(g) == _kind(x), f"{what} is a {_kind(g)}, not a {_kind(x)}"
            assert np.shape(g) == np.shape(x), \
                f"{what} has shape {np.shape(g)}, not {np.shape(x)}"
            err = _norm(np.asarray(g, np.float64) - np.asarray(ref, np.float64))
            assert err <= 2e-3 * _norm(ref) + 1e-4 * np.sqrt(np.size(x)), \
                f"{what}, {g}, differs from the float64 gradient {ref}"


# ---- list and tuple arguments ---------------------------------------------------------

def _float_items(x) -> list:
    """The float leaves of a (nested) list or tuple, in order (int items dropped)."""
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _float_items(item)]
    return [x] if rule_wrappers.has_float(x) else []


def _flat_args(args) -> list:
    """Arguments with lists and tuples spread into their float items: the arguments of
    the function that builds the list in its source."""
    return [leaf for a in args for leaf in (_float_items(a) if isinstance(a, (tuple, list))
                                            else [a])]


def _tangent(rng, a):
    """A random tangent of an argument (None for an int argument; the int items of a list
    get zeros, as in s2sad.grad's forward mode)."""
    if isinstance(a, (tuple, list)):
        return type(a)(_tangent(rng, x) if rule_wrappers.has_float(x)
                       else runtime.zeros_like(x) for x in a)
    if not rule_wrappers.has_float(a):
        return None
    t = rng.normal(size=np.shape(a))
    return np.asarray(t, np.result_type(a)) if isinstance(a, np.ndarray) else type(a)(t)


def _tangent_items(t, a) -> list:
    """The tangents of the float leaves of `a`, in the order of _float_items."""
    if isinstance(a, (tuple, list)):
        return [leaf for ti, ai in zip(t, a) for leaf in _tangent_items(ti, ai)]
    return [t] if rule_wrappers.has_float(a) else []


def _vec(tree) -> np.ndarray:
    leaves = list(tree) if isinstance(tree, list) else [tree]
    parts = []
    while leaves:
        x = leaves.pop(0)
        if isinstance(x, (tuple, list)):
            leaves[:0] = list(x)
        else:
            parts.append(np.ravel(np.asarray(x, np.float64)))
    return np.concatenate(parts) if parts else np.zeros(0)


def _cotangent(rng, out):
    if isinstance(out, (tuple, list)):
        return tuple(_cotangent(rng, x) for x in out)
    return np.asarray(rng.normal(size=np.shape(out))) if np.ndim(out) else float(rng.normal())


@pytest.mark.parametrize("pair", CONTAINER_PAIRS, ids=_ids([w for w, _ in CONTAINER_PAIRS]))
def test_list_arguments_match_list_displays(generated, pair):
    """A list (or tuple) passed as one argument gets the derivatives that its items get
    when the function builds the list itself (checked against finite differences above),
    and cotangents of the list's structure."""
    w, c = pair
    built, whole = getattr(generated, w.name), getattr(generated, c.name)
    assert len(_flat_args(c.args)) == len(w.args) and all(
        np.array_equal(a, b) for a, b in zip(_flat_args(c.args), w.args))
    rng = np.random.default_rng(0)
    tangents = [_tangent(rng, a) for a in c.args]
    flat_tangents = [leaf for t, a in zip(tangents, c.args)
                     for leaf in (_tangent_items(t, a) if isinstance(a, (tuple, list)) else [t])]
    note = f"\n--- list passed whole ---\n{c.source}--- list built in the function ---\n{w.source}"
    try:
        with np.errstate(all="ignore"):
            out, tangent = s2sad.jvp(whole, c.args, tangents)
            _, expected = s2sad.jvp(built, w.args, flat_tangents)
            g = _cotangent(rng, out)
            cts = s2sad.vjp(whole, *c.args)[1](g)
            expected_cts = s2sad.vjp(built, *w.args)[1](g)
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}{note}") from exc
    np.testing.assert_allclose(_vec(tangent), _vec(expected), rtol=1e-10, atol=1e-12,
                               err_msg="forward mode" + note)
    for a, ct in zip(c.args, cts):
        if isinstance(a, (tuple, list)):
            assert isinstance(ct, (tuple, list)) and len(ct) == len(a), \
                f"the cotangent of a {type(a).__name__} of {len(a)} is {ct!r}{note}"
    got = [x for a, ct in zip(c.args, cts) if rule_wrappers.has_float(a)
           for x in (_tangent_items(ct, a) if isinstance(a, (tuple, list)) else [ct])]
    want = [x for a, x in zip(w.args, expected_cts) if rule_wrappers.has_float(a)]
    np.testing.assert_allclose(_vec(got), _vec(want), rtol=1e-10, atol=1e-12,
                               err_msg="reverse mode" + note)
