"""Python source of small functions that call one rule's function, one per rule spec.

s2sad differentiates a function by reading its source, so each spec of
tests/rule_specs.py becomes the text of a `def` that makes the call the way a user
would write it:

* NumPy, `math` and builtin functions are called by name (`np.linalg.norm(x, ord=2)`),
  array methods as methods (`a.sum(axis=0)`), attributes as attributes (`a.T`);
* operators become their syntax (`x + y`, `a @ b`, `-x`, `a[:, 1]`), tuple and list
  displays are displays, `runtime.setitem` is an item assignment into a copy,
  `runtime.appended` is `items.append(item)` (on a tuple, which has no `append`, a call
  of `rt.appended`) and `runtime.build_dict` a dict display whose values are returned
  as a tuple;
* each float argument of a differentiable parameter becomes a parameter of the
  function (a list of them, one parameter per float item, or with `whole=True` the
  list itself, passed as one argument); every other argument
  (ints, index arrays, masks, shapes, floats of non-differentiable parameters) and
  every keyword argument of a non-differentiable parameter is written as a literal.

`wrapper(spec)` returns a `Wrapper`: the `def` text (`source`), the values of its
parameters (`args`), and the text of a variant reduced to a scalar (`scalar_source`:
`np.sum` of every output), for `s2sad.grad`.
"""
from __future__ import annotations

import builtins
import math
import operator
from typing import NamedTuple

import numpy as np

from s2sad import prims, runtime
from s2sad.rules import RULES

try:
    import rule_specs
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs

HEADER = '''"""Generated: one function per rule spec (see tests/rule_wrappers.py)."""
import math
import operator

import numpy as np

from s2sad import runtime as rt

try:
    import scipy.linalg
    import scipy.special
    import scipy.stats
except ImportError:
    pass
'''

BINARY = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
          operator.pow: "**", operator.mod: "%", operator.matmul: "@"}
UNARY = {operator.neg: "-", operator.pos: "+"}


# ---- values as literals ---------------------------------------------------------------

def _is_float_leaf(x) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, float) or (isinstance(x, (np.ndarray, np.floating))
                                    and np.issubdtype(np.result_type(x), np.floating))


def has_float(x) -> bool:
    """A float value, or a container holding at least one."""
    if isinstance(x, dict):
        return any(has_float(v) for v in x.values())
    if isinstance(x, (tuple, list)):
        return any(has_float(v) for v in x)
    return _is_float_leaf(x)


def _scalar(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "np.nan"
        if math.isinf(x):
            return "np.inf" if x > 0 else "-np.inf"
        return repr(x)
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, (complex, np.complexfloating)):      # constants of the fft helpers
        return repr(complex(x))
    raise TypeError(f"no literal for {x!r}")


def _nested(x) -> str:
    """A nested list display of an array's entries."""
    if isinstance(x, list):
        return "[" + ", ".join(_nested(item) for item in x) + "]"
    return _scalar(x)


def literal(x) -> str:
    """Source text evaluating (in the generated module) to a value equal to `x`."""
    if x is None or isinstance(x, str):
        return repr(x)
    if x is Ellipsis:
        return "Ellipsis"
    if hasattr(x, "source_text"):         # an object the spec builds afresh at each call
        return x.source_text
    if isinstance(x, type):
        for module, prefix in ((np, "np."), (builtins, "")):
            if getattr(module, x.__name__, None) is x:
                return prefix + x.__name__
        raise TypeError(f"no literal for {x!r}")
    if isinstance(x, slice):
        return f"slice({literal(x.start)}, {literal(x.stop)}, {literal(x.step)})"
    if isinstance(x, tuple):
        items = [literal(item) for item in x]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(x, list):
        return "[" + ", ".join(literal(item) for item in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in x.items()) + "}"
    if isinstance(x, np.ndarray):
        default = {"f": np.float64, "i": np.int64, "b": np.bool_}.get(x.dtype.kind)
        dtype = "" if x.dtype == default else f", dtype=np.{x.dtype.name}"
        return f"np.array({_nested(x.tolist())}{dtype})"
    if isinstance(x, np.generic):
        return f"np.{type(x).__name__}({_scalar(x)})"
    if isinstance(x, (bool, int, float)):
        return _scalar(x)
    raise TypeError(f"no literal for {x!r}")


def index_text(index) -> str:
    """An index as subscript syntax: `1:4`, `:, 1`, `..., None, 0:2`."""
    def one(item):
        if isinstance(item, slice):
            parts = ["" if p is None else literal(p) for p in (item.start, item.stop, item.step)]
            return ":".join(parts[:2]) + (":" + parts[2] if parts[2] else "")
        if item is Ellipsis:
            return "..."
        return literal(item)
    if isinstance(index, tuple):
        return ", ".join(one(item) for item in index) + ("," if len(index) == 1 else "")
    return one(index)


# ---- the call ---------------------------------------------------------------------------

def callee(key) -> str:
    """How the generated module names the function of a registry key."""
    rule = RULES.get(key)
    if rule is not None and rule.name.startswith(("scipy.special.", "scipy.linalg.", "scipy.stats.")):
        return rule.name
    if isinstance(key, np.ufunc):
        return f"np.{key.__name__}"
    name = getattr(key, "__name__", None)
    for module, prefix in ((np, "np."), (np.linalg, "np.linalg."), (np.random, "np.random."),
                           (np.fft, "np.fft."),
                           (math, "math."), (builtins, ""), (operator, "operator."),
                           (runtime, "rt.")):
        if name and getattr(module, name, None) is key:
            return prefix + name
    raise ValueError(f"no name for {key!r}")


class _Params:
    """Collects the generated function's parameters and their values."""

    def __init__(self):
        self.names, self.values = [], []

    def add(self, name, value) -> str:
        if hasattr(builtins, name):       # no parameter shadows a builtin (min, max, object)
            name += "_"
        base, k = name, 1
        while name in self.names or name in ("np", "math", "operator", "builtins", "rt"):
            name, k = f"{base}_{k}", k + 1
        self.names.append(name)
        self.values.append(value)
        return name


def _argument(value, name, active, params: _Params, whole=False) -> str:
    """Text of one argument: a parameter per float leaf of an active argument (or, with
    `whole`, one parameter for an active list or tuple)."""
    if not active or not has_float(value):
        return literal(value)
    if isinstance(value, (tuple, list)) and whole:
        return params.add(name, value)
    if isinstance(value, dict):         # a dict display, one parameter per float value
        return "{" + ", ".join(f"{k!r}: {_argument(v, f'{name}_{k}', True, params)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        items = [_argument(item, f"{name}{i}", True, params) for i, item in enumerate(value)]
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    if _is_float_leaf(value):
        return params.add(name, value)
    return literal(value)


def _paren(text: str) -> str:
    """An operand of an operator: names and plain numbers as they are, else parenthesized."""
    plain = text.isidentifier() or text.replace(".", "", 1).isdigit()
    return text if plain else f"({text})"


class Wrapper(NamedTuple):
    spec: object
    name: str
    source: str                 # def <name>(params): ... (the spec's output)
    scalar_source: str          # def <name>_sum(params): ... (np.sum of every output)
    params: tuple               # parameter names
    args: tuple                 # their values


def _call(spec, args, params: _Params, whole=False) -> tuple[list, str]:
    """(statements, expression) computing the spec's output from the parameters."""
    key, rule = spec.fn_key, RULES[spec.fn_key]
    wanted = spec.wrt or rule.differentiable
    active = lambda p: p in rule.differentiable and p in wanted  # noqa: E731
    positional = rule.positional
    texts = []
    for i, value in enumerate(args):
        if i < len(positional):
            texts.append(_argument(value, positional[i], active(positional[i]), params, whole))
        else:
            k = i - len(positional)
            texts.append(_argument(value, f"{rule.varargs}{k}", active(rule.varargs), params,
                                   whole))
    kw = [f"{k}={_argument(v, k, active(k), params, whole)}" for k, v in spec.kwargs.items()]
    joined = ", ".join(texts + kw)
    stmts = [f"np.random.seed({spec.seed})"] if spec.seed is not None else []
    if key in BINARY:
        return stmts, f"{_paren(texts[0])} {BINARY[key]} {_paren(texts[1])}"
    if key in UNARY:
        return stmts, f"{UNARY[key]}{_paren(texts[0])}"
    if key is operator.getitem:
        return stmts, f"{_paren(texts[0])}[{index_text(args[1])}]"
    if key is prims.BUILD_TUPLE:
        return stmts, "(" + joined + ("," if len(texts) == 1 else "") + ")"
    if key is prims.BUILD_LIST:
        return stmts, "[" + joined + "]"
    if key is runtime.setitem:
        return stmts + [f"y = {texts[0]}.copy()", f"y[{index_text(args[1])}] = {texts[2]}"], "y"
    if key is runtime.appended and isinstance(args[0], list):
        first = f"list({texts[0]})" if whole else texts[0]   # not an update of an argument
        return stmts + [f"items = {first}", f"items.append({texts[1]})"], "items"
    if key is runtime.build_dict:
        pairs = ", ".join(f"{k!r}: {t}" for k, t in zip(args[0], texts[1:]))
        return stmts, "{" + pairs + "}"
    name = prims.method_name(key)
    if name is not None:
        obj, rest = texts[0], ", ".join(texts[1:] + kw)
        if name in rule_specs.ATTRIBUTES:
            return stmts, f"{_paren(obj)}.{name}"
        return stmts, f"{_paren(obj)}.{name}({rest})"
    return stmts, f"{callee(key)}({joined})"


def _outputs(out, text: str) -> list[str]:
    """Texts of the array leaves of an output (dicts and tuples item by item)."""
    if isinstance(out, dict):
        return [t for k, v in out.items() for t in _outputs(v, f"{text}[{k!r}]")]
    if isinstance(out, (tuple, list)):
        return [t for i, v in enumerate(out) for t in _outputs(v, f"{text}[{i}]")]
    return [text]


def _def(name, params, stmts, result) -> str:
    lines = [f"def {name}({', '.join(params)}):"] + [f"    {s}" for s in stmts]
    lines.append(f"    return {result}")
    return "\n".join(lines) + "\n"


def make_args(spec, float32=False, seed=0) -> tuple:
    """The spec's arguments (float64 arrays and NumPy scalars cast to float32 if asked)."""
    args = spec.make_args(np.random.default_rng(seed))
    return as_float32(args) if float32 else args


def as_float32(x):
    if isinstance(x, (tuple, list)):
        return type(x)(as_float32(item) for item in x)
    if isinstance(x, (np.ndarray, np.generic)) and np.result_type(x) == np.float64:
        return x.astype(np.float32)
    return x


def wrapper(spec, name: str, float32=False, whole=False) -> Wrapper:
    """The functions calling `spec`'s function on its arguments (see the module docstring);
    with `whole`, a list or tuple argument is one parameter of the function."""
    args = make_args(spec, float32)
    params = _Params()
    stmts, expr = _call(spec, args, params, whole)
    out = spec.call(*args)
    leaves = _outputs(out, "out")
    if isinstance(out, dict):        # check_grads and the API take tuples, not dicts
        source = _def(name, params.names, stmts + [f"out = {expr}"],
                      ", ".join(leaves) + ("," if len(leaves) == 1 else ""))
    else:
        source = _def(name, params.names, stmts, expr)
    total = " + ".join(f"np.sum({leaf})" for leaf in leaves)
    scalar = _def(name + "_sum", params.names, stmts + [f"out = {expr}"], total)
    return Wrapper(spec, name, source, scalar, tuple(params.names), tuple(params.values))


def module_text(wrappers) -> str:
    return HEADER + "".join("\n\n" + w.source + "\n\n" + w.scalar_source for w in wrappers)
