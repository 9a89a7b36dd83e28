"""The rule registry: derivative rules are data, looked up by the primal function.

A `Rule` says, for a function `fn` with a Python-like signature, how to build

* the tangent of its output (forward mode): one *term* per differentiable parameter,
  written with `d<param>` for that parameter's tangent; the terms of the active
  parameters are summed;
* the cotangent contribution to each differentiable parameter (reverse mode),
  written with `g` for the output's cotangent.

Terms are Python expressions over the parameter names, `ans` (the primal output),
`np`, `math`, `rt` (`s2sad.runtime`) and builtins.  They are parsed once, at import,
so a typo fails at import time.  The transforms lower them into IR equations.

Elementwise functions are declared once, as partial derivatives (`defpartials`),
and both modes are derived from that one table.  An elementwise rule's reverse
contributions are summed back to the parameter's shape (unbroadcast), and its
forward tangent is broadcast to the output's shape, by the transforms.

A table whose library is slow to import registers on first need (`defer`): the first
look-up of a function of that library imports it.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import math
import types
from dataclasses import dataclass, field

import numpy as np

from .. import prims
from ..prims import method

RESERVED = ("ans", "g", "np", "math", "rt")


@dataclass(frozen=True)
class Rule:
    """Derivative rule of one primal function (see the module docstring)."""

    fn: object
    name: str
    params: tuple[str, ...]
    defaults: dict = field(default_factory=dict)
    varargs: str | None = None
    jvp: dict = field(default_factory=dict)
    vjp: dict = field(default_factory=dict)
    elementwise: bool = False
    partials: dict = field(default_factory=dict)
    kwonly: int = 0             # how many of the last `params` are keyword-only

    @property
    def differentiable(self) -> tuple[str, ...]:
        return tuple(p for p in self.all_params if p in self.jvp or p in self.vjp)

    @property
    def positional(self) -> tuple[str, ...]:
        """Parameters that positional arguments bind to (not keyword-only ones)."""
        n = self.kwonly
        return self.params[:len(self.params) - n] if n else self.params

    @property
    def all_params(self) -> tuple[str, ...]:
        return self.params + ((self.varargs,) if self.varargs else ())

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(m for m, table in (("forward", self.jvp), ("reverse", self.vjp))
                     if table or not self.differentiable)


# Keys are the primal itself: a function object, `method(name)` for array methods, or
# a bound method of a library object (`scipy.stats.norm.logpdf`: equal at every access).
RULES: dict = {}          # key -> Rule
NONDIFF: dict = {}        # key -> display name; zero derivative, no code emitted
# (function, attribute) -> helper: `r = fn(...)` whose `r.attribute` is read becomes,
# there, a call of the helper with fn's arguments, and the helper's rule applies
# (`solve_ivp(...).y`: rules/scipy_integrate.py; resolve.resolve_result_attributes).
RESULT_ATTRIBUTES: dict = {}
# (generator class, method name) -> helper: `rs.normal(m, s)` of a RandomState or
# Generator `rs` becomes a call of the helper (with `rs` first), whose rule applies
# (rules/constructors.py; resolve.py).
GENERATOR_METHODS: dict = {}
# fn -> (ndim, dtype) of its array result, or None for an unknown kind: functions that
# call user code (an ODE's right-hand side), which kind inference must not run on
# made-up example values (kinds.eqn_kind).
NOT_EVALUATED: dict = {}


def not_evaluated(fn):
    """The NOT_EVALUATED entry of `fn`: False when kinds may evaluate it on examples."""
    try:
        return NOT_EVALUATED.get(fn, False)
    except TypeError:  # unhashable callables are evaluated as usual
        return False


_VERSION = [0]     # bumped by every registration: derivatives generated before are stale


def version() -> int:
    """How many rules and non-differentiable declarations were registered so far
    (the compiler forgets what it generated when this changes)."""
    return _VERSION[0]


# Rule tables whose library is slow to import (scipy.stats) register on first need:
# {module prefix: rule module}.  A look-up that misses for a function of a module under
# a prefix imports the rule module (which registers its rules) and looks again.
DEFERRED: dict = {}


def defer(prefixes: tuple, rule_module: str) -> None:
    """Register `rule_module` (e.g. "s2sad.rules.scipy_stats") when a function of a
    module starting with one of `prefixes` is first looked up."""
    for prefix in prefixes:
        DEFERRED[prefix] = rule_module
    _NOT_DEFERRED.clear()


def load_deferred(module_name: str | None = None) -> bool:
    """Import the deferred rule modules for functions of `module_name` (all of them for
    None); True when one was imported."""
    wanted = {rule_module for prefix, rule_module in DEFERRED.items()
              if module_name is None or module_name == prefix or
              module_name.startswith(prefix + ".")}
    for prefix in [p for p, rule_module in DEFERRED.items() if rule_module in wanted]:
        del DEFERRED[prefix]
    for rule_module in sorted(wanted):
        importlib.import_module(rule_module)
    return bool(wanted)


def _load_for(fn) -> bool:
    """Load the deferred table for `fn`'s module, if any (True when one loaded)."""
    module = getattr(fn, "__module__", None) if DEFERRED else None
    if not isinstance(module, str) or module in _NOT_DEFERRED:
        return False
    if any(module == p or module.startswith(p + ".") for p in DEFERRED):
        return load_deferred(module)
    _NOT_DEFERRED.add(module)        # (until another table is deferred)
    return False


_NOT_DEFERRED: set = set()     # modules under no prefix of DEFERRED


def lookup(fn):
    """The Rule of `fn`, the string 'nondiff' for non-differentiable functions, or None."""
    try:
        if fn in NONDIFF:
            return "nondiff"
        rule = RULES.get(fn)
    except TypeError:  # unhashable callable objects have no rule
        return None
    return lookup(fn) if rule is None and _load_for(fn) else rule


def display_name(fn) -> str:
    if isinstance(fn, str):
        return fn.replace("method:", "ndarray.")
    if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType) and \
            not isinstance(fn.__self__, type):
        return _method_name(fn.__self__, fn.__name__)
    module = getattr(fn, "__module__", None) or ""
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    if isinstance(fn, np.ufunc):
        module = "numpy"
    if module == "numpy.random.mtrand" and name.startswith("RandomState."):
        return "numpy.random." + name.split(".", 1)[1]
    module = {"_operator": "operator", "numpy.linalg._linalg": "numpy.linalg",
              "numpy._core.fromnumeric": "numpy", "numpy._core.numeric": "numpy",
              "numpy.lib._function_base_impl": "numpy"}.get(module, module)
    if module.startswith("numpy.fft."):
        module = "numpy.fft"           # numpy.fft._pocketfft.fft is np.fft.fft
    elif module.startswith("numpy.") and not module.startswith(("numpy.linalg", "numpy.fft")):
        module = "numpy"
    if module.startswith("s2sad.runtime."):
        module = "s2sad.runtime"     # a helper is named the way generated code calls it
    return f"{module}.{name}" if module and module != "builtins" else name


def _method_name(owner, method: str) -> str:
    """`scipy.stats.gamma.cdf` for a bound method of an object: its class's package (no
    private modules), the object's `name` (or its class's, less `_gen`), the method."""
    package = ".".join(p for p in type(owner).__module__.split(".") if not p.startswith("_"))
    label = getattr(owner, "name", None)
    if not (isinstance(label, str) and label.isidentifier()):
        label = type(owner).__name__.removesuffix("_gen")
    return f"{package}.{label}.{method}" if package else f"{label}.{method}"


def _parse_signature(signature: str):
    func = ast.parse(f"def _({signature}): pass").body[0]
    args = func.args
    params = tuple(a.arg for a in args.args)
    defaults = {}
    for name, default in zip(params[len(params) - len(args.defaults):], args.defaults):
        defaults[name] = ast.literal_eval(default)
    varargs = args.vararg.arg if args.vararg else None
    # Keyword-only parameters come last in `params`; they are bound by name only.
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        params += (arg.arg,)
        if default is not None:
            defaults[arg.arg] = ast.literal_eval(default)
    return params, defaults, varargs, len(args.kwonlyargs)


def _parse_term(text: str, allowed: set, where: str):
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"rule {where}: cannot parse {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in allowed and not hasattr(builtins, node.id):
            raise ValueError(f"rule {where}: unknown name {node.id!r} in {text!r}")
    return text


def _register(rule: Rule, override: bool) -> Rule:
    key = rule.fn
    _check_key(key)
    _load_for(key)          # a deferred table first: a user's rule then replaces its rule
    if not override and (key in RULES or key in NONDIFF):
        raise ValueError(f"a rule for {rule.name} is already registered")
    NONDIFF.pop(key, None)
    RULES[key] = rule
    _VERSION[0] += 1
    return rule


def _check_key(key) -> None:
    """A rule belongs to a function (or a method name, "method:name"): registering one
    for anything else -- None from a failed look-up, a number, a string -- fails now,
    not when a derivative silently never uses it."""
    if isinstance(key, str) and key.startswith("method:") or callable(key) or \
            isinstance(key, prims.Prim):
        return
    raise TypeError(f"cannot register a derivative rule for {key!r}: it is not a function "
                    "(a rule is registered for the function object, e.g. scipy.special.digamma)")


def defrule(fn, signature: str, *, jvp=None, vjp=None, name=None, override=False) -> Rule:
    """Register a structural rule: tangent terms and cotangent contributions per parameter.

    `jvp` maps a parameter to its tangent term (using `d<param>`), `vjp` maps it to its
    cotangent contribution (using `g`).  Parameters absent from both are not
    differentiable.  A vararg parameter (`*arrays`) is bound to a tuple.
    """
    params, defaults, varargs, kwonly = _parse_signature(signature)
    names = set(params) | ({varargs} if varargs else set())
    allowed = names | {f"d{p}" for p in names} | set(RESERVED)
    label = name or display_name(fn)
    jvp = {p: _parse_term(t, allowed, label) for p, t in (jvp or {}).items()}
    vjp = {p: _parse_term(t, allowed, label) for p, t in (vjp or {}).items()}
    for p in list(jvp) + list(vjp):
        if p not in names:
            raise ValueError(f"rule {label}: {p!r} is not a parameter of ({signature})")
    return _register(Rule(fn, label, params, defaults, varargs, jvp, vjp, kwonly=kwonly),
                     override)


def defpartials(fn, signature: str, *, name=None, override=False, **partials) -> Rule:
    """Register an elementwise function by its partial derivatives, one per parameter.

    `defpartials(np.sin, "x", x="np.cos(x)")`: forward term `dx * np.cos(x)`, reverse
    contribution `g * np.cos(x)` summed back to x's shape.  A partial may use `ans`.
    """
    params, defaults, varargs, kwonly = _parse_signature(signature)
    allowed = set(params) | set(RESERVED)
    label = name or display_name(fn)
    jvp, vjp = {}, {}
    for p, partial in partials.items():
        if p not in params:
            raise ValueError(f"rule {label}: {p!r} is not a parameter of ({signature})")
        _parse_term(partial, allowed, label)
        jvp[p], vjp[p] = _scale(f"d{p}", partial), _scale("g", partial)
    rule = Rule(fn, label, params, defaults, varargs, jvp, vjp, elementwise=True,
                partials=dict(partials), kwonly=kwonly)
    return _register(rule, override)


def _scale(factor: str, partial: str) -> str:
    text = partial.strip()
    if text in ("1", "1.0"):
        return factor
    if text in ("-1", "-1.0"):
        return f"-{factor}"
    return f"{factor} * ({text})"


def nondiff(*fns, override=True):
    """Declare functions non-differentiable: zero derivative, no derivative code."""
    for fn in fns:
        _check_key(fn)
        _load_for(fn)
        RULES.pop(fn, None) if override else None
        NONDIFF[fn] = display_name(fn)
    _VERSION[0] += 1
    return fns[0] if len(fns) == 1 else fns


__all__ = ["Rule", "RULES", "NONDIFF", "RESULT_ATTRIBUTES", "GENERATOR_METHODS", "NOT_EVALUATED",
           "not_evaluated", "defer", "load_deferred", "lookup", "defrule", "defpartials",
           "nondiff", "method", "display_name", "math"]


def _register_ir_prims():
    """Rules of the IR's own structural primitives (tuples and lists of values)."""
    for prim in (prims.BUILD_TUPLE, prims.BUILD_LIST):
        defrule(prim, "*items", jvp={"items": "ditems"}, vjp={"items": "g"},
                name=f"{prim.name} display")
    for prim in (prims.AND, prims.OR, prims.ASSERT, prims.FORMAT, prims.BUILD_SLICE):
        NONDIFF[prim] = prim.name


_register_ir_prims()
