"""Pieces shared by the forward and reverse transforms."""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..errors import MissingRuleError
from ..ir_nodes import Const, Eqn
from ..rules import GENERATOR_METHODS, Rule, complex_safe, display_name, lookup

HOW_TO_ADD_RULE = ("give it a rule with s2sad.defvjp/s2sad.defjvp (or s2sad.defpartials for an "
                   "elementwise function), or declare it with s2sad.nondiff(fn) if its derivative "
                   "is zero, or wrap the argument in s2sad.stop_gradient(...) if it should not be "
                   "differentiated")


def rule_for(eqn: Eqn, mode: str) -> Rule:
    """The rule of an equation with an active input, or a located MissingRuleError."""
    rule = lookup(eqn.prim)
    if isinstance(rule, Rule):
        table = rule.jvp if mode == "forward" else rule.vjp
        if table:
            complex_safe.check(rule.fn, eqn)
            return rule
    name = display_name(eqn.prim) if not isinstance(eqn.prim, prims.Prim) else eqn.prim.name
    method = prims.method_name(eqn.prim)
    receiver = kinds.kind_of(eqn.args[0]) if method and eqn.args else None
    if receiver is not None and receiver.tag in _TYPE_NAMES:    # `dict.items`, not ndarray's
        name = f"{_TYPE_NAMES[receiver.tag]}.{method}"
    if method == "__call__":
        obj = getattr(eqn.args[0], "hint", None) or getattr(eqn.args[0], "name", "f")
        raise MissingRuleError(
            f"'{obj}(...)' is called with a differentiable argument, but which function "
            f"'{obj}' names is only known when the derivative runs (it was picked by a branch, "
            "or taken from a container)", eqn.loc,
            fix="call the functions by name where they are picked (`np.sin(x) if c else "
                "np.cos(x)`), or pass the function as an argument of the differentiated "
                "function")
    if receiver is not None and receiver.tag == "object" and \
            receiver.items[:1] in ((np.random.RandomState,), (np.random.Generator,)):
        raise _random_draw_error(eqn, method)
    if receiver is not None and receiver.tag in ("unknown", "object"):
        obj = getattr(eqn.args[0], "hint", None) or getattr(eqn.args[0], "name", "obj")
        cls = type(eqn.args[0].value).__name__ if isinstance(eqn.args[0], Const) else "ClassName"
        raise MissingRuleError(
            f"'{obj}.{method}(...)' is called with a differentiable argument, but the class of "
            f"'{obj}' is not known when the derivative is generated, so its method cannot "
            "be differentiated", eqn.loc,
            fix=f"pass '{obj}' as an argument of the differentiated function, or call the "
                f"method through its class: `{cls}.{method}({obj}, ...)`")
    if callable(eqn.prim) and getattr(eqn.prim, "__code__", None) is not None and rule is None:
        why = (f"'{name}' is a library function without a derivative rule, called with a "
               "differentiable argument")
    else:
        why = f"no {mode}-mode derivative rule for '{name}', called with a differentiable argument"
    if receiver is not None and receiver.tag == "dict" and method in ("keys", "values", "items"):
        loop = {"keys": "k in", "values": "v in", "items": "k, v in"}[method]
        obj = getattr(eqn.args[0], "hint", None) or "d"
        raise MissingRuleError(why, eqn.loc, fix=f"iterate over it in a for loop (`for {loop} "
                               f"{obj}.{method}():`), which s2sad unrolls by key")
    raise MissingRuleError(why, eqn.loc, fix=HOW_TO_ADD_RULE)


def _random_draw_error(eqn: Eqn, method: str) -> MissingRuleError:
    """A draw of a NumPy generator whose parameters are differentiated, by a method
    without a pathwise rule (rules/constructors.py lists those with one)."""
    obj = getattr(eqn.args[0], "hint", None) or "rng"
    known = sorted({name for _, name in GENERATOR_METHODS})
    return MissingRuleError(
        f"'{obj}.{method}(...)' draws a random number whose parameters are differentiated "
        f"here; s2sad differentiates the draws {', '.join(known)} of a generator (pathwise: "
        f"the derivative of the number drawn), not '{method}'", eqn.loc,
        fix=f"write the draw as a function of a standard draw, which is then a constant: "
            f"`loc + scale * {obj}.standard_normal(size)` for a normal one (and for other "
            "distributions their transformation of a standard draw)")


_TYPE_NAMES = {"array": "ndarray", "dict": "dict", "list": "list", "listof": "list",
               "tuple": "tuple", "tupleof": "tuple", "float": "float", "int": "int",
               "bool": "bool", "none": "None"}


def missing_term(rule: Rule, name: str, mode: str, eqn: Eqn) -> MissingRuleError:
    """The error for an argument that is differentiable here but has no term in the
    rule (dropping it would be a silent zero)."""
    if rule.fn is operator.getitem and name == "index":
        return MissingRuleError(
            "an index computed from differentiable values: indexing has no derivative with "
            "respect to the index", eqn.loc,
            fix="in np.r_[...] and np.c_[...], write ranges with np.arange (`np.r_[np."
                "arange(3), x]`, not `np.r_[0:3, x]`); else wrap the index in "
                "s2sad.stop_gradient(...)")
    return MissingRuleError(f"'{rule.name}' has no {mode}-mode rule for its argument "
                            f"'{name}', which is differentiable here", eqn.loc,
                            fix=HOW_TO_ADD_RULE)


def bind(rule: Rule, eqn: Eqn) -> dict:
    """Map the rule's parameter names to the equation's atoms (defaults filled in)."""
    args = list(eqn.args)
    bound = {}
    positional = rule.positional
    for name in rule.params:
        if args and name in positional:
            bound[name] = args.pop(0)
        elif name in eqn.kwargs:
            bound[name] = eqn.kwargs[name]
        elif name in rule.defaults:
            bound[name] = Const(rule.defaults[name])
        else:
            raise MissingRuleError(f"call to '{rule.name}' is missing argument '{name}'", eqn.loc)
    if rule.varargs:
        bound[rule.varargs] = tuple(args)
    elif args:
        raise MissingRuleError(f"too many arguments in the call to '{rule.name}'", eqn.loc)
    unknown = set(eqn.kwargs) - set(bound)
    if unknown:
        raise MissingRuleError(f"'{rule.name}' has no derivative rule for keyword argument(s) "
                               f"{sorted(unknown)}", eqn.loc, fix=HOW_TO_ADD_RULE)
    return bound


def term_env(bound: dict, emit) -> dict:
    """Names a rule's terms may use: parameters (a vararg as one tuple value)."""
    env = {}
    for name, atom in bound.items():
        env[name] = emit(prims.BUILD_TUPLE, list(atom), hint=name) if isinstance(atom, tuple) \
            else atom
    return env


def zeros_like(atom, emit):
    """A materialised zero derivative for the primal `atom`."""
    kind = kinds.kind_of(atom)
    if kinds.is_scalar(kind):
        return Const(0.0)
    return emit(runtime.zeros_like, [atom], hint="zero")


def scalar(atom) -> bool:
    return kinds.is_scalar(kinds.kind_of(atom))


def insert_carried(loop, entries) -> None:
    """Add (param, init, result, out) entries to a loop, keeping the stop flag last."""
    at = len(loop.carried) - 1 if loop.has_stop else len(loop.carried)
    for param, init, result, out in reversed(entries):
        loop.carried.insert(at, param)
        loop.inits.insert(at, init)
        loop.body.results.insert(at, result)
        loop.outs.insert(at, out)
