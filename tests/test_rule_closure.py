"""The rule set is closed under differentiation.

Second derivatives differentiate the code s2sad generated for the first (hvp: reverse
mode over forward-mode code), third ones that code's derivative code, and so on; so
every function a rule's terms can call must itself have forward and reverse rules, or
be declared non-differentiable.  This walks the registry the way the transforms read
terms (s2sad/transforms/templates.py instantiates them): names resolve to `np`,
`math`, `rt` (s2sad.runtime) and builtins, operators to their `operator` functions,
attributes of values to `method(...)` keys, tuple displays and slices to the IR's
primitives.  It checks

(a) every function named by every rule's forward and reverse terms and partials has a
    rule or is non-differentiable, transitively from every rule;
(b) every public callable of s2sad.runtime that a rule names, and every helper the
    lowering and the transforms emit into generated code, has a rule or is
    non-differentiable (the in-place variants are read back as their functional
    helpers when generated code is differentiated);

and that the walker reports a rule calling a helper that has none.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import math
import operator
import pathlib

import numpy as np
import pytest

import s2sad
import s2sad.runtime as rt
from s2sad import prims
from s2sad.rules import NONDIFF, RULES, Rule, display_name
from s2sad.rules.render import built_in
from s2sad.rules.core import RESERVED

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_CMPOPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}
_MODULES = {"np": np, "math": math, "rt": rt}


class Unknown(str):
    """A name a term uses that resolves to nothing (reported as missing)."""


def _static(node, names: set, runtime):
    """The object an expression names statically (a module, function, constant), or None
    for a value computed at run time (parameters, `g`, `ans`, tangents)."""
    if isinstance(node, ast.Name):
        if node.id in names:
            return None
        if node.id in _MODULES:
            return runtime if node.id == "rt" else _MODULES[node.id]
        return getattr(builtins, node.id, Unknown(node.id))
    if isinstance(node, ast.Attribute):
        base = _static(node.value, names, runtime)
        if base is None or isinstance(base, Unknown):
            return base
        return getattr(base, node.attr, Unknown(f"{display_name(base)}.{node.attr}"))
    return None


def callees(rule: Rule, runtime=rt) -> list:
    """The functions (registry keys) the terms of `rule` call, as the transforms lower them."""
    names = set(rule.all_params) | {f"d{p}" for p in rule.all_params} | set(RESERVED) - {
        "np", "math", "rt"}
    found = []
    texts = list(rule.jvp.values()) + list(rule.vjp.values()) + list(rule.partials.values())
    for text in texts:
        for node in ast.walk(ast.parse(text, mode="eval")):
            if isinstance(node, ast.Call):
                fn = _static(node.func, names, runtime)
                if fn is None and isinstance(node.func, ast.Attribute):
                    found.append(prims.method(node.func.attr))   # a method of a value
                elif fn is not None:
                    found.append(fn)
            elif isinstance(node, ast.BinOp):
                found.append(_BINOPS[type(node.op)])
            elif isinstance(node, ast.UnaryOp):
                found.append(_UNARY[type(node.op)])
            elif isinstance(node, ast.Compare):
                found.extend(_CMPOPS[type(op)] for op in node.ops)
            elif isinstance(node, ast.Subscript):
                found.append(operator.getitem)
            elif isinstance(node, ast.Tuple):
                found.append(prims.BUILD_TUPLE)
            elif isinstance(node, ast.Slice):
                found.append(prims.BUILD_SLICE)
            elif isinstance(node, ast.Attribute) and _static(node.value, names, runtime) is None:
                found.append(prims.method(node.attr))            # an attribute of a value
    return found


def _covered(fn, rules: dict, nondiff: dict) -> bool:
    try:
        return fn in rules or fn in nondiff
    except TypeError:       # unhashable: no rule can name it
        return False


def _label(fn) -> str:
    if isinstance(fn, Unknown):
        return f"{fn} (no such function)"
    return fn.name if isinstance(fn, prims.Prim) else display_name(fn)


def shipped(rules: dict) -> dict:
    """The rules s2sad ships: users' own rules (other tests register some, e.g. one
    calling np.i0 on purpose) are not its to close."""
    return {key: rule for key, rule in rules.items() if built_in(key)}


def missing_rules(rules: dict = None, nondiff: dict = NONDIFF, runtime=rt) -> dict:
    """{function without a rule: the rules whose terms reach it}, walking from every rule
    of `rules` through the rules of the functions their terms call (transitively)."""
    rules = shipped(RULES) if rules is None else rules
    missing, seen = {}, set()
    work = list(rules.values())
    while work:
        rule = work.pop()
        if id(rule) in seen:
            continue
        seen.add(id(rule))
        for fn in callees(rule, runtime):
            if _covered(fn, rules, nondiff):
                target = rules.get(fn)
                if target is not None:
                    work.append(target)
            else:
                missing.setdefault(_label(fn), set()).add(rule.name)
    return missing


# ---- (a) every function a term calls has a rule ----------------------------------------

def test_every_function_a_rule_calls_has_a_rule():
    missing = missing_rules()
    assert not missing, "functions called by rule terms without a rule of their own:\n" + \
        "\n".join(f"  {fn}  <- {', '.join(sorted(by))}" for fn, by in sorted(missing.items()))


def test_the_walker_sees_the_calls_of_the_terms():
    """Spot checks of `callees`: helpers, NumPy functions, operators, methods, displays."""
    found = {id(fn) for rule in RULES.values() for fn in callees(rule)}
    for fn in (rt.sum_vjp, rt.strong_mul, rt.product_factors, np.linalg.solve, np.matmul,
               operator.truediv, operator.getitem, operator.not_, prims.BUILD_TUPLE,
               prims.BUILD_SLICE, builtins.len, math.log):
        assert id(fn) in found, fn
    assert prims.method("T") in {fn for rule in RULES.values() for fn in callees(rule)
                                 if isinstance(fn, str)}


# ---- (b) every runtime helper generated code may call has a rule -----------------------

def _named_helpers() -> set:
    return {fn for rule in RULES.values() for fn in callees(rule)
            if inspect.isfunction(fn) and getattr(rt, fn.__name__, None) is fn}


def _emitted_helpers() -> dict:
    """`runtime.<name>` in s2sad's sources outside the rules and the runtime: the helpers
    lowering, the transforms and the API put into generated code."""
    package = pathlib.Path(s2sad.__file__).parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        if path.parent.name in ("rules", "runtime"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id == "runtime" and callable(getattr(rt, node.attr, None)):
                found.setdefault(node.attr, path.name)
    return found


def _functional(name: str):
    """The helper itself, or for an in-place variant (`setitem_inplace`) the functional
    helper it is read back as when generated code is differentiated (lower_expr.py)."""
    base = name[:-len("_inplace")] if name.endswith("_inplace") else name
    return getattr(rt, base)


def test_every_runtime_helper_named_by_a_rule_has_a_rule():
    helpers = _named_helpers()
    assert len(helpers) > 80, "the walker finds too few helpers: it is broken"
    missing = sorted(fn.__name__ for fn in helpers if not _covered(fn, RULES, NONDIFF))
    assert not missing, f"rt helpers named by rules without a rule: {missing}"


def test_every_helper_the_transforms_emit_has_a_rule():
    emitted = _emitted_helpers()
    assert {"accumulate", "match_shape", "unbroadcast", "cast_like", "zeros_like"} <= set(emitted)
    missing = sorted(f"rt.{name} (emitted by {where})" for name, where in emitted.items()
                     if not _covered(_functional(name), RULES, NONDIFF))
    assert not missing, f"helpers in generated code without a rule: {missing}"


def test_every_public_runtime_callable_is_accounted_for():
    """Helpers no rule names and no transform emits would be dead: each public callable
    of s2sad.runtime has a rule, is non-differentiable, or is an in-place variant."""
    unaccounted = sorted(name for name, value in vars(rt).items()
                         if inspect.isfunction(value) and not name.startswith("_")
                         and not _covered(_functional(name), RULES, NONDIFF))
    assert not unaccounted, unaccounted


# ---- the walker reports a helper without a rule ----------------------------------------

def _scratch_rule(fn, jvp: str, vjp: str, name: str) -> Rule:
    return Rule(fn, name, ("x",), jvp={"x": jvp}, vjp={"x": vjp})


def test_a_rule_calling_a_helper_without_a_rule_is_reported(monkeypatch):
    def scratch_helper(x):
        return x

    def scratch_primal(x):
        return x

    monkeypatch.setattr(rt, "scratch_helper", scratch_helper, raising=False)
    rules = shipped(RULES)
    rules[scratch_primal] = _scratch_rule(scratch_primal, "dx * rt.scratch_helper(x)",
                                          "g * rt.scratch_helper(x)", "scratch_primal")
    missing = missing_rules(rules)
    assert missing == {display_name(scratch_helper): {"scratch_primal"}}
    # once the helper has a rule, the set is closed again
    rules[scratch_helper] = _scratch_rule(scratch_helper, "dx", "g", "scratch_helper")
    assert not missing_rules(rules)


def test_a_helper_reached_only_through_another_helper_is_reported(monkeypatch):
    """Transitivity: primal -> helper_a (has a rule) -> helper_b (has none)."""
    def helper_a(x):
        return x

    def helper_b(x):
        return x

    def primal(x):
        return x

    monkeypatch.setattr(rt, "helper_a", helper_a, raising=False)
    monkeypatch.setattr(rt, "helper_b", helper_b, raising=False)
    rules = {primal: _scratch_rule(primal, "dx * rt.helper_a(x)", "g * rt.helper_a(x)", "primal"),
             helper_a: _scratch_rule(helper_a, "dx * rt.helper_b(x)", "g * np.sin(x)", "helper_a"),
             np.sin: RULES[np.sin], np.cos: RULES[np.cos], operator.mul: RULES[operator.mul],
             operator.neg: RULES[operator.neg]}
    missing = missing_rules(rules, NONDIFF)
    assert list(missing) == [display_name(helper_b)] and missing[display_name(helper_b)] == {
        "helper_a"}


def test_unknown_names_and_nondiff_helpers():
    """A term naming a helper that does not exist is reported; a non-differentiable
    helper (rt.sign) needs no rule."""
    def primal(x):
        return x

    rules = {primal: _scratch_rule(primal, "dx * rt.no_such_helper(x) * rt.sign(x)", "g",
                                   "primal")}
    missing = missing_rules(rules, NONDIFF)
    assert set(missing) >= {"s2sad.runtime.no_such_helper (no such function)"}
    assert not any("sign" in name for name in missing)


@pytest.mark.parametrize("text, expected", [
    ("x.T", [prims.method("T")]),
    ("rt.fdiv(1.0, x) ** 2", [operator.pow, rt.fdiv]),
    ("np.sum(x, axis=0)[..., None]", [operator.getitem, np.sum, prims.BUILD_TUPLE]),
    ("-len(x) < math.pi", [operator.lt, operator.neg, len]),
])
def test_callees_of_single_terms(text, expected):
    rule = Rule(abs, "t", ("x",), jvp={"x": text}, vjp={"x": "g"})
    found = callees(rule)
    assert all(any(f is e or f == e for f in found) for e in expected), (text, found)
