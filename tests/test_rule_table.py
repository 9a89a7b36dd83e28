"""Meta-tests of the rule registry: coverage, consistency, and the published table."""
from __future__ import annotations

import ast
import inspect
import math
import os

import numpy as np
import pytest

import s2sad.runtime as rt
from s2sad.rules import NONDIFF, RULES
from s2sad.rules import render
from s2sad.rules.kinks import KINKS

try:
    import rule_specs
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs


def _label(key):
    return RULES[key].name if key in RULES else str(key)


SHIPPED = [key for key in RULES if render.built_in(key)]


@pytest.mark.parametrize("key", SHIPPED, ids=[_label(k) for k in SHIPPED])
def test_every_rule_has_a_spec(key):
    assert rule_specs.specs_for(key) or key in rule_specs.TESTED_ELSEWHERE, \
        f"no entry in tests/rule_specs.py for {_label(key)}"


def test_rules_tested_elsewhere_name_their_test_file():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for key, path in rule_specs.TESTED_ELSEWHERE.items():
        assert key in RULES and not rule_specs.specs_for(key)
        assert os.path.exists(os.path.join(root, path)), path


def test_specs_name_registered_rules():
    unknown = [s.id for s in rule_specs.SPECS if s.fn_key not in RULES]
    assert not unknown, f"specs of functions without a rule: {unknown}"


SHIPPED = [key for key in RULES if render.built_in(key)]


@pytest.mark.parametrize("key", SHIPPED, ids=[_label(k) for k in SHIPPED])
def test_both_modes_cover_the_same_parameters(key):
    rule = RULES[key]
    assert rule.jvp and rule.vjp, f"{rule.name} lacks a forward or a reverse table"
    assert set(rule.jvp) == set(rule.vjp), \
        f"{rule.name}: forward covers {sorted(rule.jvp)}, reverse {sorted(rule.vjp)}"


def test_nondiff_functions_have_no_rule():
    both = [NONDIFF[k] for k in NONDIFF if k in RULES]
    assert not both, f"both non-differentiable and with a rule: {both}"


def _namespace_count():
    names = [r.name for r in RULES.values() if render.built_in(r.fn)] + \
        [name for key, name in NONDIFF.items() if render.built_in(key)]
    return sum(1 for n in names if n.startswith(("numpy.", "math.")))


def test_coverage_of_numpy_and_math():
    assert _namespace_count() >= 150


def _attributes(text):
    """(module, attribute chain) of every `np.x.y`, `math.x`, `rt.x` in a term."""
    for node in ast.walk(ast.parse(text, mode="eval")):
        if isinstance(node, ast.Attribute):
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.insert(0, base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in ("np", "math", "rt"):
                yield base.id, chain


SHIPPED = [key for key in RULES if render.built_in(key)]


@pytest.mark.parametrize("key", SHIPPED, ids=[_label(k) for k in SHIPPED])
def test_terms_name_existing_functions(key):
    modules = {"np": np, "math": math, "rt": rt}
    rule = RULES[key]
    for text in list(rule.jvp.values()) + list(rule.vjp.values()):
        for module, chain in _attributes(text):
            obj = modules[module]
            for attr in chain:
                assert hasattr(obj, attr), f"{rule.name}: {module}.{'.'.join(chain)} in {text!r}"
                obj = getattr(obj, attr)


_LOWERED = (ast.Expression, ast.Name, ast.Load, ast.Constant, ast.Attribute, ast.Call,
            ast.keyword, ast.BinOp, ast.operator, ast.UnaryOp, ast.USub, ast.UAdd, ast.Not,
            ast.Compare, ast.cmpop, ast.Subscript, ast.Tuple, ast.Slice)


def test_terms_use_only_syntax_the_transforms_lower():
    """Only what transforms/templates.py instantiates: no star arguments, conditional
    expressions, comprehensions, chained comparisons, or calls of methods of values."""
    bad = []
    for rule in RULES.values():
        for text in list(rule.jvp.values()) + list(rule.vjp.values()):
            for node in ast.walk(ast.parse(text, mode="eval")):
                method_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and next(_attributes(ast.unparse(node.func)), None) is None
                chained = isinstance(node, ast.Compare) and len(node.ops) > 1
                if not isinstance(node, _LOWERED) or method_call or chained:
                    bad.append((rule.name, text, type(node).__name__))
    assert not bad, bad


def test_methods_are_ndarray_methods():
    keys = [k for k in list(RULES) + list(NONDIFF) if isinstance(k, str)]
    missing = [k for k in keys if not hasattr(np.ndarray, k.split(":", 1)[1])]
    assert not missing, missing


def _positional(sig):
    return [p for p in sig.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _signature(key):
    """The real function's signature, or None (max, min, math.log and math.hypot have none;
    a scipy.stats method's `(x, *args, **kwds)` is its distribution's: test_scipy_stats)."""
    if (getattr(key, "__module__", None) or "").startswith("scipy.stats."):
        return None
    try:
        return inspect.signature(key)
    except (TypeError, ValueError):
        return None


_UFUNCS = [k for k in RULES if isinstance(k, np.ufunc)]
_INTROSPECTABLE = [k for k in RULES if callable(k) and not isinstance(k, np.ufunc)
                   and _signature(k) is not None]


@pytest.mark.parametrize("key", _UFUNCS, ids=[RULES[k].name for k in _UFUNCS])
def test_ufunc_rules_take_the_ufunc_inputs(key):
    rule = RULES[key]
    required = [p for p in rule.params if p not in rule.defaults]
    assert len(required) == key.nin, f"{rule.name} takes {key.nin} inputs"


@pytest.mark.parametrize("key", _INTROSPECTABLE, ids=[RULES[k].name for k in _INTROSPECTABLE])
def test_signature_agrees_with_the_function(key):
    """Arguments bind to the same parameters as in the real function's signature."""
    rule = RULES[key]
    sig = _signature(key)
    positional = _positional(sig)
    has_var = any(p.kind == p.VAR_POSITIONAL for p in sig.parameters.values())
    has_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    assert bool(rule.varargs) == has_var or (has_var and not positional), rule.name
    for i, name in enumerate(rule.params):
        if i < len(positional):
            real = positional[i]
            if real.kind == real.POSITIONAL_OR_KEYWORD:
                assert name == real.name, f"{rule.name}: parameter {i} is {real.name!r}"
        else:
            assert name in sig.parameters or has_kw, f"{rule.name}: no parameter {name!r}"


def test_docs_are_up_to_date():
    text = render.DOC_PATH.read_text(encoding="utf-8")
    assert text == render.render(), "docs/rules.md is stale: run python -m s2sad.rules.render"


def test_docs_mention_every_function():
    """Every rule s2sad ships (users' own rules, registered by other tests, are not
    documented)."""
    text = render.DOC_PATH.read_text(encoding="utf-8")
    names = [r.name for r in RULES.values() if render.built_in(r.fn)] + \
        [name for key, name in NONDIFF.items() if render.built_in(key)]
    missing = [n for n in names if f"`{n}`" not in text]
    assert not missing, missing


def _basis(x):
    """Unit tangents of x, one per scalar entry (tuples item by item)."""
    if isinstance(x, tuple):
        for i, item in enumerate(x):
            for unit in _basis(item):
                yield tuple(unit if j == i else 0.0 * np.asarray(v) for j, v in enumerate(x))
        return
    if np.ndim(x) == 0:
        yield 1.0
        return
    for i in range(np.size(x)):
        unit = np.zeros(np.shape(x))
        unit.flat[i] = 1.0
        yield unit


def _flat(x):
    if isinstance(x, (tuple, list)):
        return np.concatenate([_flat(v) for v in x]) if x else np.zeros(0)
    return np.ravel(np.asarray(x, dtype=float))


@pytest.mark.parametrize("kink", KINKS, ids=[k.call for k in KINKS])
def test_published_kink_values(kink):
    rule = RULES[kink.key]
    spec = rule_specs.RuleSpec(kink.key, None, kink.kwargs, kink.call)
    ans = spec.call(*kink.args)
    bound = rule_specs.bind(rule, kink.args, kink.kwargs)
    g = kink.g if kink.g is not None else (
        1.0 if np.ndim(ans) == 0 else np.ones(np.shape(ans)))
    expected = _flat(kink.expected)
    with np.errstate(all="ignore"):
        reverse = _flat(rule_specs.eval_vjp(rule, bound, ans, g, [kink.param])[kink.param])
        forward = np.array([np.dot(_flat(g), _flat(rule_specs.eval_jvp(
            rule, bound, ans, {kink.param: unit}))) for unit in _basis(bound[kink.param])])
    np.testing.assert_allclose(reverse, expected, rtol=1e-12, atol=1e-12,
                               err_msg="reverse mode differs from the published value")
    np.testing.assert_allclose(forward, expected, rtol=1e-12, atol=1e-12,
                               err_msg="forward mode differs from the published value")


def test_runtime_helpers_are_used_by_rules():
    """Every helper s2sad.runtime exports from a module other than `core` and
    `snapshots` (whose helpers the transforms emit) is called by some rule, by `core`,
    stands for an attribute of a call's result (RESULT_ATTRIBUTES) or for a generator's
    draw (GENERATOR_METHODS)."""
    from s2sad.rules import GENERATOR_METHODS, RESULT_ATTRIBUTES
    from s2sad.runtime import core, snapshots
    used = {chain[0] for rule in RULES.values()
            for text in list(rule.jvp.values()) + list(rule.vjp.values())
            for module, chain in _attributes(text) if module == "rt"}
    used |= {name for name, value in vars(core).items() if getattr(rt, name, None) is value}
    used |= {helper.__name__ for helper in RESULT_ATTRIBUTES.values()}
    used |= {helper.__name__ for helper in GENERATOR_METHODS.values()}
    exported = {name for name, value in vars(rt).items()
                if inspect.isfunction(value)
                and value.__module__ not in (core.__name__, snapshots.__name__)}
    assert not exported - used, sorted(exported - used)
