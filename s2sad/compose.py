"""Derivatives of derivatives: whatever s2sad returns can be differentiated again.

Every function the API hands out (made by `grad`, `value_and_grad`, `jacobian`,
`hessian`, and the pullback of `vjp`) carries a `Spec` as its `__s2sad__` attribute:
which operator made it, from which function, with which options.  When such a
function is differentiated -- as the target of a transform, or called inside a
function being differentiated -- the compiler replaces it by its *plain function*:
generated Python source that computes the same values from the forward-mode
derivative code of the function it was made from.  Forward-mode code has no tape,
only primitives with rules and structured control flow, so it is differentiable
again, in either mode, to any depth; `s2sad.source` shows it like any derivative.

A gradient with respect to an array of n elements costs n forward sweeps in its
plain function (the first-order call itself still runs the reverse-mode code).
Plain functions are specialised on the kinds of their arguments and cached.
"""
from __future__ import annotations

import builtins
import inspect
import keyword
import linecache
import types
from dataclasses import dataclass, field

import numpy as np

from . import kinds, loader, runtime, tree_code
from .callables import bound_arguments, signature
from .errors import Loc, NonDifferentiableError, S2SADError
from . import rules
from .rules import nondiff
from .parsing import unwrap_function


@dataclass(eq=False)
class Spec:
    """What a function returned by the API computes: `op` ("grad", "value_and_grad",
    "jacobian", "hessian", "pullback", "jvp", "hvp") of `target` (the user's callable, itself
    possibly made by s2sad) with respect to the visible parameter positions `wrt`
    (`single`: the result is not a tuple); `primals` for a pullback."""

    op: str
    target: object
    wrt: tuple = ()
    single: bool = True
    primals: tuple = ()
    plain: dict = field(default_factory=dict)    # arg kinds -> plain function


def spec_of(fn):
    """The Spec of a function made by s2sad, or None."""
    spec = getattr(fn, "__s2sad__", None)
    return spec if isinstance(spec, Spec) else None


def unit_like(x, k):
    """An array shaped like `x` (float dtype) with 1 at flat position `k`, else 0."""
    e = np.zeros(np.shape(x), dtype=np.result_type(x, np.float32))
    e.flat[k] = 1
    return e


nondiff(unit_like)


_MADE: dict = {}     # (operator, arguments) -> the function s2sad made of them


def made_by_s2sad(operator_fn, args: list, kwargs: dict):
    """`operator_fn(*args, **kwargs)` (e.g. `s2sad.grad(f, wrt=1)`), made once per
    arguments so that each lowering finds the same function and its caches."""
    try:
        key = (operator_fn, tuple(args), tuple(sorted(kwargs.items())))
        hash(key)
    except TypeError:
        return operator_fn(*args, **kwargs)
    if key not in _MADE:
        _MADE[key] = operator_fn(*args, **kwargs)
    return _MADE[key]


def function_of(operator_fn, target) -> tuple:
    """(the function s2sad makes of `target` for a value operator called inside a
    differentiated function -- `s2sad.jvp(f, primals, tangents)` -- , None), or
    (None, (why it is refused, what to do instead))."""
    make = getattr(operator_fn, "__s2sad_function_of__", None)
    if make is None:
        return None, ("inside a differentiated function returns a pullback, a function "
                      "value s2sad cannot differentiate through",
                      "use s2sad.grad(f)(x), s2sad.jacobian(f)(x) or s2sad.jvp(f, primals, "
                      "tangents) inside the function: those are differentiable again")
    return made_by_s2sad(make, [target], {}), None


# ---- plain functions ------------------------------------------------------------------

def plain_function(spec: Spec, arg_kinds: tuple, compiler, keywords: tuple = ()):
    """The plain function of `spec` for visible arguments of `arg_kinds` (see above);
    with `keywords` (a function of *args/**kwargs called with keyword arguments), the
    last len(keywords) of `arg_kinds` are theirs, and are passed positionally."""
    key = (tuple(arg_kinds), rules.version(), tuple(keywords))   # a new rule: new code
    if key not in spec.plain:
        spec.plain[key] = _build(spec, key[0], compiler, key[2])
    return spec.plain[key]


def _build(spec: Spec, arg_kinds, compiler, keywords=()):
    adapted = needs_adapter(spec.target) and spec.op not in ("pullback", "jvp", "hvp")
    if keywords and not adapted:
        raise AssertionError("keywords are passed by position only through an adapter")
    target = _Target(call_adapter(spec.target, len(arg_kinds) - len(keywords), keywords)
                     if adapted else spec.target)
    if spec.op == "hessian":
        grad_spec = Spec("grad", spec.target, spec.wrt, True)
        grad_plain = plain_function(grad_spec, arg_kinds, compiler, keywords)
        grad_plain.__s2sad_output__ = arg_kinds[spec.wrt[0]]    # its output's structure
        outer = Spec("jacobian", grad_plain, spec.wrt, True)
        return _build(outer, arg_kinds, compiler)
    if spec.op == "pullback":      # a function of the cotangent; f's arguments are fixed
        arg_kinds = tuple(kinds.of_value(v) for v in spec.primals)
    if spec.op in ("jvp", "hvp"):  # (primals, tangents): f's arguments are the primals
        return _Writer(target, _items(arg_kinds[0], target, spec.op), compiler).tangent_map(
            spec.op, arg_kinds[1], compiler)
    for i in spec.wrt:
        _check_wrt_kind(target, i, arg_kinds[i], spec.op)
    writer = _Writer(target, arg_kinds, compiler)
    if spec.op in ("grad", "value_and_grad"):
        return writer.gradient(spec.wrt, spec.single, spec.op == "value_and_grad")
    if spec.op == "jacobian":
        return writer.jacobian(spec.wrt[0])
    if spec.op == "pullback":
        return writer.pullback(spec.primals)
    raise AssertionError(f"unknown derivative operator {spec.op!r}")


def _items(kind, target, op: str) -> tuple:
    """The kinds of the items of a tuple of primals passed to `op` of `target`."""
    if kind.tag in ("tuple", "list"):
        return tuple(kind.items)
    raise NonDifferentiableError(
        f"differentiating s2sad.{op} of '{target.name}' again needs its primals and tangents "
        f"as tuples built where it is called (`(x, y)`), not a {kind.tag}",
        fix="write the tuple out at the call: s2sad.jvp(f, (x, y), (dx, dy))")


class _Target:
    """The function a Spec was made from, as the compiler sees it: the plain function
    behind it, with the leading arguments a bound method or partial supplies."""

    def __init__(self, fn):
        self.leading, keywords = bound_arguments(fn)
        if keywords:
            raise NonDifferentiableError(
                f"differentiating a derivative of a functools.partial with keyword "
                f"arguments ({', '.join(keywords)}) again is not supported",
                fix="bind the arguments positionally, or write a small def that calls it")
        self.fn = fn
        self.name = getattr(fn, "__name__", "f")
        self.params = list(signature(fn).parameters)


def _check_wrt_kind(target: _Target, i: int, kind, op: str) -> None:
    """Raise unless the argument `i` can be differentiated again: a float, an array, or
    a tuple/list/dict (nested) of floats and float arrays (int leaves held constant)."""
    if kind.tag == "float" or kind.tag == "array" and kind.ndim is not None:
        return
    why = tree_code.unsupported(kind) if tree_code.is_tree(kind) or kind.tag in _CONTAINERS \
        else f"is {kind.tag}"
    if why is None:
        return
    raise NonDifferentiableError(
        f"differentiating the {op} of '{target.name}' again needs its argument "
        f"'{target.params[i]}' to be a float, a float array, or a tuple, list or dict of "
        f"them (it {why})",
        fix="pass the differentiated arguments as floats, arrays, or tuples, lists or dicts "
            "of a fixed length built where they are passed")


class _Writer:
    """Writes and loads one plain function over the forward-mode code of a target."""

    def __init__(self, target: _Target, arg_kinds, compiler):
        self.target, self.arg_kinds, self.compiler = target, tuple(arg_kinds), compiler
        self.params = parameter_names(target.params, _WRITER_NAMES)
        self.taken = set(self.params) | _WRITER_NAMES
        # the builtins the code calls are bound too: no global of the user's shadows them
        self.objects = {"np": np, "rt": runtime, "unit_like": unit_like, "range": range}
        self.leading = [self.bind(f"bound_{n}", value)
                        for n, value in enumerate(target.leading)]

    def bind(self, base: str, value) -> str:
        """Bind `value` under a new name (none of the parameters' or other objects')."""
        name = fresh_name(base, self.taken)
        self.objects[name] = value
        return name

    def forward_code(self, positions) -> str:
        """Bind the forward-mode derivative of the target w.r.t. the visible
        `positions` (for these argument kinds) and return its name."""
        offset = len(self.leading)
        all_kinds = tuple(kinds.of_value(v) for v in self.target.leading) + self.arg_kinds
        code = self.compiler.compiled(self.target.fn if not offset else _bare(self.target.fn),
                                      "forward", tuple(p + offset for p in positions), all_kinds)
        self.out_kind = _output_kind(self.target.fn, self.arg_kinds, code.output_kind)
        return self.bind(f"{self.target.name}_jvp" if self.target.name.isidentifier()
                         else "target_jvp", code)

    def call(self, jvp: str, positions, seeds: dict) -> str:
        """`jvp(args..., tangents...)` with `seeds[i]` as the tangent of position i
        (zeros elsewhere)."""
        tangents = [seeds.get(i, f"rt.zeros_like({self.params[i]})") for i in positions]
        return f"{jvp}({', '.join(self.leading + self.params + tangents)})"

    def column(self, jvp: str, positions, i: int, path: str, leaf):
        """The source of the derivative of the target's output w.r.t. the leaf `path`
        of parameter i: one tangent for a float leaf, a list of them (one per element)
        for an array leaf, None for a leaf that is held constant."""
        x = self.params[i]
        if not tree_code.differentiable_leaf(leaf):
            return None
        if leaf.tag == "float":
            return f"{self.call(jvp, positions, {i: tree_code.seed(self.arg_kinds[i], x, path, '1.0')})}[1]"
        seed = tree_code.seed(self.arg_kinds[i], x, path, f"unit_like({x}{path}, k)")
        return f"[{self.call(jvp, positions, {i: seed})}[1] for k in range(np.size({x}{path}))]"

    def entry(self, jvp: str, positions, i: int) -> str:
        """The derivative of the target's (scalar) output w.r.t. parameter i, of its
        structure."""
        x, parts = self.params[i], []
        for path, leaf in tree_code.leaves(self.arg_kinds[i]):
            column = self.column(jvp, positions, i, path, leaf)
            parts.append(f"rt.zeros_like({x}{path})" if column is None else column
                         if leaf.tag == "float" else
                         f"np.reshape(np.array({column}), np.shape({x}{path}))")
        return tree_code.build(self.arg_kinds[i], parts)

    def gradient(self, wrt, single: bool, with_value: bool):
        jvp = self.forward_code(wrt)
        entries = [self.entry(jvp, wrt, i) for i in wrt]
        lines = [f"grads = {entries[0]}" if single else
                 "grads = (" + ", ".join(entries) + ",)"]
        if with_value:
            lines.append(f"value = {self.call(jvp, wrt, {})}[0]")
            lines.append("return value, grads")
        else:
            lines.append("return grads")
        what = "value and gradient" if with_value else "gradient"
        return self.load("value_and_grad" if with_value else "grad", what, lines)

    def columns(self, jvp: str, positions, i: int, lines: list) -> list:
        """Append to `lines` the assignment of the columns of each leaf of parameter i
        (see `column`); [(path, leaf kind, the name they are bound to or None)]."""
        out = []
        for n, (path, leaf) in enumerate(tree_code.leaves(self.arg_kinds[i])):
            column = self.column(jvp, positions, i, path, leaf)
            name = None
            if column is not None:
                name = fresh_name(f"column_{i}_{n}" if leaf.tag == "float" else
                                  f"columns_{i}_{n}", self.taken)
                lines.append(f"{name} = {column}")
            out.append((path, leaf, name))
        return out

    def jacobian(self, i: int):
        """The Jacobian w.r.t. parameter i: as in JAX, the output's structure outside,
        the argument's inside, each block of shape `out.shape + leaf.shape`."""
        jvp, lines = self.forward_code((i,)), []
        x, out_kind, c = self.params[i], self.out_kind, fresh_name("column", self.taken)
        per_leaf = self.columns(jvp, (i,), i, lines)
        if any(name is None for _, _, name in per_leaf):
            lines.append(f"value = {self.call(jvp, (i,), {})}[0]")

        def block(path, leaf, name, q):
            if name is None:
                return f"np.zeros(np.shape(value{q}) + np.shape({x}{path}))"
            if leaf.tag == "float":
                return f"{name}{q}"
            return (f"np.reshape(np.stack([{c}{q} for {c} in {name}], axis=-1), "
                    f"np.shape({name}[0]{q}) + np.shape({x}{path}))")
        x_kind = self.arg_kinds[i]
        outs = tree_code.leaves(out_kind) if tree_code.is_tree(out_kind) else [("", out_kind)]
        per_output = [tree_code.build(x_kind, [block(*leaf, q) for leaf in per_leaf])
                      for q, _ in outs]
        result = tree_code.build(out_kind, per_output) if tree_code.is_tree(out_kind) \
            else per_output[0]
        return self.load("jacobian", "Jacobian", lines + [f"return {result}"])

    def pullback(self, primals):
        """`cotangent -> one cotangent per visible argument`, linear in the cotangent:
        entry k of argument i is the dot product of the cotangent with column k."""
        if len(primals) != len(self.params):
            raise NonDifferentiableError(
                f"differentiating the pullback of '{self.target.name}' needs a value for every "
                f"parameter in the s2sad.vjp call ({len(self.params)}, not {len(primals)})")
        positions = _active_positions(self.target, self.arg_kinds, "pullback")
        jvp = self.forward_code(positions)
        self.params = [self.bind(f"primal_{n}", value) for n, value in enumerate(primals)]
        self.taken.add("cotangent")
        c, lines, parts = fresh_name("column", self.taken), [], []
        for i in range(len(primals)):
            if i not in positions:
                parts.append("None")
                continue
            leaf_parts = []
            for path, leaf, name in self.columns(jvp, positions, i, lines):
                x = f"{self.params[i]}{path}"
                leaf_parts.append(
                    f"rt.zeros_like({x})" if name is None else
                    tree_code.vdot(self.out_kind, "cotangent", name) if leaf.tag == "float" else
                    f"np.reshape(np.array([{tree_code.vdot(self.out_kind, 'cotangent', c)} "
                    f"for {c} in {name}]), np.shape({x}))")
            parts.append(tree_code.build(self.arg_kinds[i], leaf_parts))
        return self.load("pullback", "pullback (vector-Jacobian product)",
                         lines + ["return (" + ", ".join(parts) + ",)"], params=["cotangent"])

    def tangent_map(self, op: str, tangent_kinds, compiler):
        """The plain function `(primals, tangents) -> jvp(f, ...)` or `-> hvp(f, ...)`:
        `(out, J t)`, or `H t` per argument (None for int/bool ones)."""
        names = list(self.params)
        tangents = [fresh_name(f"t_{name}", self.taken) for name in names]
        if len(_items(tangent_kinds, self.target, op)) != len(names):
            raise NonDifferentiableError(
                f"s2sad.{op} of '{self.target.name}' needs one tangent per primal "
                f"({len(names)})")
        positions = _active_positions(self.target, self.arg_kinds, op)
        unpack = [f"{', '.join(names)}, = primals", f"{', '.join(tangents)}, = tangents"]
        if op == "jvp":
            jvp = self.forward_code(positions)
            call = f"{jvp}({', '.join(self.leading + names + [tangents[i] for i in positions])})"
            return self.load("jvp", "forward-mode derivative", unpack + [f"return {call}"],
                             params=["primals", "tangents"])
        # hvp: the gradient, w.r.t. the primals, of the tangent part of the jvp
        part = _Writer(self.target, self.arg_kinds, compiler)
        part.taken |= set(tangents)
        jvp = part.forward_code(positions)
        inner = part.load("tangent", "directional derivative",
                          [f"return {jvp}({', '.join(part.leading + names)}, "
                           f"{', '.join(tangents[i] for i in positions)})[1]"],
                          params=names + [tangents[i] for i in positions])
        grad_spec = Spec("grad", inner, positions, False)
        gradient = plain_function(grad_spec, self.arg_kinds + tuple(
            self.arg_kinds[i] for i in positions), compiler)
        gradient_name = self.bind("tangent_gradient", gradient)
        slots = ["None"] * len(names)
        for n, i in enumerate(positions):
            slots[i] = f"grads[{n}]"
        lines = unpack + [f"grads = {gradient_name}({', '.join(names)}, "
                          f"{', '.join(tangents[i] for i in positions)})",
                          "return (" + ", ".join(slots) + ",)"]
        return self.load("hvp", "Hessian-vector product", lines, params=["primals", "tangents"])

    def load(self, op: str, what: str, lines, params=None):
        target = self.target.name if self.target.name.isidentifier() else "target"
        name = f"{op}_of_{target}"       # never the name of an object it calls (`f_jvp`)
        params = self.params if params is None else params
        body = "".join(f"    {line}\n" for line in lines)
        text = (f"def {name}({', '.join(params)}):\n"
                f'    """The {what} of {self.target.name}, from its forward-mode derivative '
                f'(differentiable again)."""\n{body}')
        filename = f"<s2sad {op} of {self.target.name}, differentiable again>"
        user = _user_function(self.target.fn)
        origins = [_definition(user)] * text.count("\n")   # errors name the user's def
        return loader.load(text, name, filename, self.objects, user.__globals__, origins)


def _output_kind(fn, arg_kinds, inferred):
    """The kind of `fn`'s output: the inferred one, else, for a gradient s2sad made,
    its arguments' structure.  A derivative with a container argument whose output's
    structure is not known raises (its pieces must not be stacked blindly)."""
    if isinstance(inferred, kinds.Kind) and inferred.tag != "unknown":
        return inferred
    if getattr(fn, "__s2sad_output__", None) is not None:     # a Hessian's gradient
        return fn.__s2sad_output__
    spec = spec_of(fn)
    if spec is None or not any(tree_code.is_tree(k) for k in arg_kinds):
        return kinds.UNKNOWN
    if spec.op in ("grad", "value_and_grad") and max(spec.wrt, default=-1) < len(arg_kinds):
        grads = [arg_kinds[i] for i in spec.wrt]
        grads_kind = grads[0] if spec.single else kinds.Kind("tuple", items=tuple(grads))
        return grads_kind if spec.op == "grad" else \
            kinds.Kind("tuple", items=(kinds.FLOAT, grads_kind))
    raise NonDifferentiableError(
        f"differentiating the {spec.op} of '{getattr(fn, '__name__', 'f')}' with respect to a "
        "tuple, list or dict again is not supported (the structure of its output is not known)",
        fix="differentiate the gradient (s2sad.grad) again, or pass the arguments as separate "
            "float or array parameters")


def _definition(fn) -> Loc:
    """The Loc of the `def` line of `fn` (the user's, when fn is generated code)."""
    filename, line = fn.__code__.co_filename, fn.__code__.co_firstlineno
    return loader.origin(filename, line) or Loc(filename, line, 0,
                                               linecache.getline(filename, line))


_CONTAINERS = ("tuple", "list", "listof", "tupleof", "dict")


def _differentiable(kind) -> bool:
    return kind.tag == "float" or kind.tag == "array" and np.dtype(kind.dtype).kind == "f" or \
        tree_code.is_tree(kind) and tree_code.unsupported(kind) is None


def _active_positions(target: _Target, arg_kinds, op: str) -> tuple:
    """The positions of the arguments that carry derivatives; a container that may
    but cannot be differentiated raises (it is never silently held constant)."""
    for i, kind in enumerate(arg_kinds):
        if kind.tag in _CONTAINERS and kinds.can_be_active(kind):
            _check_wrt_kind(target, i, kind, op)
    return tuple(i for i, kind in enumerate(arg_kinds) if _differentiable(kind))


def _user_function(fn):
    """The user's function that `fn` was made from (through any number of s2sad
    operators): its globals are the plain function's, its def names errors."""
    while spec_of(fn) is not None:
        fn = spec_of(fn).target
    return unwrap_function(fn)


def _bare(fn):
    """The plain function behind a bound method or partial."""
    return unwrap_function(fn)


# the names a plain function's code uses besides its objects' (and every builtin's)
_WRITER_NAMES = frozenset(dir(builtins)) | {
    "np", "rt", "unit_like", "k", "grads", "value", "columns", "stacked", "cotangent",
    "primals", "tangents"}


def parameter_names(names, reserved) -> list:
    """Names for generated code's parameters: the user's `names`, except that one
    that is not an identifier, is `reserved` (a name the code uses) or repeats one
    before it becomes `arg_<position>` (made unique)."""
    out: list = []
    for n, name in enumerate(names):
        keep = name.isidentifier() and not keyword.iskeyword(name) and \
            name not in reserved and name not in out
        out.append(name if keep else fresh_name(f"arg_{n}", set(reserved) | set(names) | set(out)))
    return out


def fresh_name(base: str, taken: set) -> str:
    """`base`, or `base_2`, `base_3`, ... : the first not in `taken` (then added to it)."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


# ---- functions of *args / **kwargs -----------------------------------------------------

_ADAPTERS: dict = {}    # (function, number of positional arguments, keywords) -> adapter


_STARRED = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def needs_adapter(fn) -> bool:
    """Is `fn` differentiated through `call_adapter`: a function taking *args or
    **kwargs (a decorator's wrapper), or a function with a rule (`np.tanh`, a function
    given `s2sad.defvjp`), whose rule is used rather than its source?"""
    if type(fn) is types.FunctionType and not fn.__dict__:     # a plain function, at once
        return rules.lookup(fn) is not None or bool(fn.__code__.co_flags & _STARRED)
    if spec_of(fn) is not None:     # made by s2sad from such a function
        return needs_adapter(spec_of(fn).target)
    if rules.lookup(fn) is not None:
        return True
    try:
        parameters = signature(unwrap_function(fn)).parameters.values()
    except (TypeError, ValueError, S2SADError):
        return False
    return any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters)


def call_adapter(fn, n_positional: int, keywords: tuple):
    """A function of exactly `n_positional` positional parameters (`a0`, `a1`, ...) and
    the keyword-only parameters `keywords`, that calls `fn` with them: what s2sad
    differentiates for one call of a function taking *args/**kwargs, so that `wrt`
    counts positional arguments as JAX's argnums does."""
    key = (fn, n_positional, tuple(keywords))
    try:
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _ADAPTERS:
        return _ADAPTERS[key]
    if rules.lookup(fn) is not None or spec_of(fn) is not None:
        # a primitive (called by its rule) or a function s2sad made: called as it is
        leading, user, globals_ = (), fn, {"__name__": "s2sad_targets"}
        label = rules.display_name(fn) if spec_of(fn) is None else \
            getattr(fn, "__name__", "derivative")
    else:
        leading, _ = bound_arguments(fn)
        user = _user_function(fn)
        globals_, label = user.__globals__, user.__name__
    keyword_names = [k for k in keywords if k.isidentifier()]
    taken = set(keyword_names)      # the keywords' names are the callee's: kept
    names = [fresh_name(f"a{n}", taken) for n in range(n_positional)]
    params = ", ".join(names + (["*"] + keyword_names if keyword_names else []))
    objects = {fresh_name(f"bound_{n}", taken): value for n, value in enumerate(leading)}
    called = fresh_name("target", taken)
    args = list(objects) + names + [f"{k}={k}" for k in keyword_names]
    objects[called] = user
    short = getattr(user, "__name__", "target")
    name = f"{short}_called" if short.isidentifier() else "target_called"
    text = (f"def {name}({params}):\n"
            f'    """{label} called with {n_positional} positional argument(s)."""\n'
            f"    return {called}({', '.join(args)})\n")
    origins = [_definition(user)] * text.count("\n") \
        if isinstance(user, types.FunctionType) and spec_of(user) is None else None
    adapter = loader.load(text, name, f"<s2sad call of {label}>", objects, globals_, origins)
    if key is not None:
        _ADAPTERS[key] = adapter
    return adapter
