"""The public API: grad, value_and_grad, jvp, vjp, jacobian, source, ir.

Each derivative is generated once per function, mode, `wrt` and signature of
argument kinds (Python float/int/bool, array ndim and dtype), compiled, and cached.
"""
from __future__ import annotations

import functools
import inspect
import os
import threading
import types
import weakref

import numpy as np

from . import codegen, kinds, loader, runtime
from .aliasing import check_inplace
from .errors import MissingRuleError, NonDifferentiableError, UnsupportedSyntaxError
from .ir import walk_stmts
from .lower import Global, lower
from .pins import Pin, all_hold
from .printer import print_function
from .callables import is_user_class, is_user_function
from .program import Program, resolve_methods
from .sequences import resolve_sequence_operators
from .source import parse_function, unwrap_function
from .transforms.forward import forward
from .transforms.inplace import make_updates_in_place
from .transforms.optimize import optimize
from .transforms.reverse import reverse
from .verify import verify

try:  # the fence is optional while it is being written
    from .fence import check as _fence
except ImportError:  # pragma: no cover
    def _fence(parsed):
        return None

VERIFY = False   # check every IR built (the test suite turns this on)
_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()
_ANNOTATION_KINDS = {float: kinds.FLOAT, int: kinds.INT, bool: kinds.BOOL,
                     "float": kinds.FLOAT, "int": kinds.INT, "bool": kinds.BOOL}


# ---- the pipeline -------------------------------------------------------------------

def _lowered(fn, arg_kinds, trust_globals=False):
    """Parse, fence, lower and infer kinds.  With `trust_globals`, data globals get the
    kinds of their current values (the derivative cache is then keyed on them too)."""
    parsed = parse_function(fn)
    _fence(parsed)
    ir = lower(parsed, arg_kinds)
    for stmt in walk_stmts(ir.body):
        for atom in list(getattr(stmt, "args", ())) + list(getattr(stmt, "inits", ())):
            if not isinstance(atom, Global) or atom.cell is not None:
                continue
            if trust_globals:
                atom.kind = _global_kind(atom.value)
            elif is_user_class(type(atom.value)):
                # a callee's global instance: specialised on its class, which is pinned
                # (the cache key only covers the differentiated function's globals)
                atom.kind = kinds.of_value(atom.value)
                ir.pins.append(Pin(ir.globals, atom.name, type(atom.value), "type"))
    if VERIFY:
        verify(ir)
    kinds.infer(ir, arg_kinds)
    if resolve_methods(ir):
        kinds.infer(ir, arg_kinds, fresh=True)
    if resolve_sequence_operators(ir):
        kinds.infer(ir, arg_kinds)
    check_inplace(ir)
    return parsed, ir


class _UserFunctionKind:
    """Kind of a user function's result for given argument kinds (kinds.py's hook);
    a recursive call being inferred gets UNKNOWN."""

    def __init__(self):
        self.memo: dict = {}
        self.local = threading.local()

    def applies(self, prim) -> bool:
        return is_user_function(prim)

    def __call__(self, fn, arg_kinds):
        key = (fn, tuple(arg_kinds))
        if key in self.memo:
            return self.memo[key]
        busy = self.local.__dict__.setdefault("busy", {})
        if key in busy:
            return busy[key]      # a recursive call: the kind assumed so far
        busy[key] = kinds.BOTTOM  # at first, no information from the recursive calls
        try:
            for _ in range(3):    # a fixed point: recursion sees the kind found last
                _, ir = _lowered(fn, tuple(arg_kinds))
                kind = kinds.kind_of(ir.body.results[0])
                if kind == busy[key]:
                    break
                busy[key] = kind
            else:
                kind = kinds.UNKNOWN
        except Exception:  # errors are reported when the callee is transformed
            kind = kinds.UNKNOWN
        finally:
            busy.pop(key, None)
        self.memo[key] = kind
        return kind


kinds.user_function_kind = _UserFunctionKind()


def _global_kind(value):
    """The kind of a data global worth specialising on: Python scalars, and instances
    of user classes (their methods are then differentiated like calls)."""
    kind = kinds.of_value(value)
    if kind in (kinds.FLOAT, kinds.INT, kinds.BOOL):
        return kind
    cls = type(value)
    if kind.tag == "object" and is_user_class(cls):
        return kind
    return None


def _global_kinds(fn) -> tuple:
    """Kinds of the data globals `fn` names, part of its derivative's cache key."""
    fn = unwrap_function(fn)
    names = [n for n in fn.__code__.co_names if n in fn.__globals__]
    return tuple((n, _global_kind(fn.__globals__[n])) for n in names
                 if _global_kind(fn.__globals__[n]) is not None)


def _generate(fn, mode: str, wrt: tuple, arg_kinds: tuple, check_finite: bool = False):
    """(source text, factory objects, IR, filename) of the derivative of `fn`."""
    parsed, ir = _lowered(fn, arg_kinds, trust_globals=True)
    _check_entry_parameters(parsed)
    result = ir.body.results[0]
    pins = list(ir.pins)

    def lower_callee(callee, callee_kinds):
        callee_ir = _lowered(callee, tuple(callee_kinds))[1]
        pins.extend(callee_ir.pins)
        return callee_ir
    program = Program(lower_callee)
    if mode == "forward":
        deriv = forward(ir, list(wrt), program)
        extra = [arg_kinds[i] for i in wrt]
    else:
        deriv = reverse(ir, list(wrt), program)
        extra = [kinds.kind_of(result)]
    if VERIFY:
        verify(deriv, scoped=False)
    optimize(deriv, list(arg_kinds) + extra)
    if VERIFY:
        verify(deriv, scoped=False)
    where = f"{os.path.basename(parsed.filename)}:{parsed.first_line}"
    title = (f"{'Forward' if mode == 'forward' else 'Reverse'}-mode derivative of "
             f"{ir.name} ({where}), generated by s2sad.")
    functions = [(f, program.titles[f.name]) for f in program.functions] + [(deriv, title)]
    for function, _ in functions:
        make_updates_in_place(function)
    text, objects = codegen.generate_program(functions, check_finite=check_finite)
    return text, objects, deriv, f"<s2sad {mode} of {ir.name} at {where}>", pins


def _check_entry_parameters(parsed) -> None:
    """The differentiated function names its parameters: `wrt` and the gradients'
    structure follow them, so a *args parameter there is refused (callees may have one)."""
    star = parsed.node.args.vararg
    if star is not None:
        raise UnsupportedSyntaxError(
            [(parsed.loc(star), f"the differentiated function takes *{star.id}; derivatives "
                                "are taken with respect to named parameters")],
            fix=f"give it named parameters (helpers it calls may take *{star.id}), or take "
                f"one tuple parameter `{star.id}` and differentiate with respect to it")


def _compiled(fn, mode: str, wrt: tuple, arg_kinds: tuple, check_finite: bool = False):
    fn = unwrap_function(fn)
    key = (mode, wrt, arg_kinds, check_finite, _global_kinds(fn))
    with _LOCK:
        per_fn = _CACHE.setdefault(fn, {})
        if key not in per_fn or not all_hold(per_fn[key].pins):   # a name was rebound
            text, objects, deriv, filename, pins = _generate(fn, mode, wrt, arg_kinds,
                                                             check_finite)
            loaded = loader.load(text, deriv.name, filename, objects, fn.__globals__)
            loaded.output_kind = kinds.kind_of(deriv.body.results[0])
            loaded.pins = pins
            per_fn[key] = loaded
        return per_fn[key]


# ---- arguments ----------------------------------------------------------------------

def _target(fn) -> tuple:
    """(leading arguments, keyword arguments) already bound by a bound method (its
    object) or a functools.partial, in front of the plain function's parameters."""
    args, kwargs = (), {}
    while True:
        fn = inspect.unwrap(fn)
        if isinstance(fn, functools.partial):
            args, kwargs = fn.args + args, {**fn.keywords, **kwargs}
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            args, fn = (fn.__self__,) + args, fn.__func__
        else:
            return args, kwargs


def _bound_self(fn) -> tuple:
    """The leading arguments a bound method or partial supplies."""
    return _target(fn)[0]


def _bind(fn, args, kwargs) -> list:
    """All parameters of the function behind `fn` as a positional list (defaults
    filled in; a bound method's object and a partial's arguments included)."""
    sig = inspect.signature(unwrap_function(fn))
    leading, bound_kwargs = _target(fn)
    bound = sig.bind(*leading, *args, **{**bound_kwargs, **kwargs})
    bound.apply_defaults()
    return list(bound.arguments.values())


def _param_names(fn) -> list:
    """Every parameter name of the function (a bound method's `self` included)."""
    return list(inspect.signature(unwrap_function(fn)).parameters)


def _positions(fn, wrt) -> tuple:
    """Positions (in the full parameter list) of the `wrt` parameters; positions the
    user gives count from the first parameter after a bound method's object."""
    offset = len(_bound_self(fn))
    names = _param_names(fn)[offset:]
    single = not isinstance(wrt, (tuple, list))
    items = (wrt,) if single else tuple(wrt)
    positions = []
    for item in items:
        if isinstance(item, str):
            if item not in names:
                raise NonDifferentiableError(
                    f"wrt={item!r}: '{unwrap_function(fn).__name__}' has no parameter {item!r}; "
                    f"its parameters are {names}")
            positions.append(names.index(item) + offset)
        else:
            if not -len(names) <= item < len(names):
                raise NonDifferentiableError(
                    f"wrt={item}: '{unwrap_function(fn).__name__}' has {len(names)} parameters")
            positions.append(item % len(names) + offset)
    return tuple(positions), single


def _differentiable(value) -> bool:
    """A float, a float array, or a tuple/list/dict holding one."""
    if isinstance(value, (tuple, list)):
        return any(_differentiable(v) for v in value)
    if isinstance(value, dict):
        return any(_differentiable(v) for v in value.values())
    kind = kinds.of_value(value)
    return kind == kinds.FLOAT or (kind.tag == "array" and np.dtype(kind.dtype).kind == "f")


def _leaves(x) -> list:
    """The float leaves of a (nested) tuple/list/dict, in order."""
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    if isinstance(x, dict):
        return [leaf for item in x.values() for leaf in _leaves(item)]
    return [x]


def _rebuild(x, leaves):
    """`x`'s structure with its leaves replaced, in order, by `leaves` (consumed)."""
    if isinstance(x, (tuple, list)):
        return type(x)(_rebuild(item, leaves) for item in x)
    if isinstance(x, dict):
        return {k: _rebuild(v, leaves) for k, v in x.items()}
    return leaves.pop(0)


def _check_wrt(fn, values, positions) -> None:
    names = _param_names(fn)
    for i in positions:
        value = values[i]
        if not _differentiable(value):
            what = type(value).__name__ if not isinstance(value, np.ndarray) else \
                f"an array of dtype {value.dtype}"
            hint = ("pass a float (e.g. 2.0 instead of 2)" if isinstance(value, (int, np.integer))
                    else "split complex numbers into real and imaginary parts"
                    if np.iscomplexobj(value) else "pass a float or a float array")
            raise NonDifferentiableError(
                f"cannot differentiate '{unwrap_function(fn).__name__}' with respect to "
                f"argument '{names[i]}': it is {what}, not a float or float array; {hint}")


def _signature(values) -> tuple:
    return tuple(kinds.of_value(v) for v in values)


def _check_scalar_output(fn, out) -> None:
    if np.ndim(out) != 0 or isinstance(out, (tuple, list)):
        shape = "a tuple" if isinstance(out, (tuple, list)) else f"shape {np.shape(out)}"
        raise NonDifferentiableError(
            f"grad needs a function with a scalar output, but "
            f"'{unwrap_function(fn).__name__}' returned {shape}; use s2sad.jacobian for the "
            f"full Jacobian or s2sad.vjp for vector-Jacobian products")


def _as_tangent(t, out):
    """A tangent with the shape and float dtype of the output `out`."""
    if isinstance(out, (tuple, list)):
        items = [_as_tangent(a, b) for a, b in zip(t, out)]
        if hasattr(out, "_fields"):        # a named tuple (e.g. slogdet's result)
            return type(out)(*items)
        return type(out)(items)
    return runtime.cast_like(t, out) if np.ndim(out) or isinstance(out, np.generic) else \
        (float(t) if isinstance(out, float) else t)


# ---- public API ---------------------------------------------------------------------

def value_and_grad(f=None, wrt=0, *, mode="reverse", check_finite=False):
    """Return a function computing `(f(*args), gradient)` of a scalar-output `f`.

    `wrt` is a parameter position or name, or a tuple of them (then the gradient is a
    tuple).  `mode` is "reverse" (one sweep for all gradients) or "forward" (one
    tangent sweep per input element).  Each gradient has its input's shape and dtype.
    With `check_finite=True` the first non-finite value computed by the derivative
    code raises NonDifferentiableError naming the user's line it comes from.
    """
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, mode=mode, check_finite=check_finite)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        values = _bind(f, args, kwargs)
        positions, single = _positions(f, wrt)
        _check_wrt(f, values, positions)
        if mode == "reverse":
            derivative = _compiled(f, "reverse", positions, _signature(values), check_finite)
            if derivative.output_kind.tag in ("tuple", "list", "listof", "tupleof", "dict") or (
                    derivative.output_kind.tag == "array" and derivative.output_kind.ndim):
                _check_scalar_output(f, unwrap_function(f)(*values))
            out, *grads = derivative(*values, 1.0)
            _check_scalar_output(f, out)
        else:
            out, grads = _forward_gradient(f, values, positions, check_finite)
        grads = tuple(grads)
        return out, grads[0] if single else grads
    return value_and_grad_f


def grad(f=None, wrt=0, *, mode="reverse", check_finite=False):
    """Return a function computing the gradient of scalar-output `f` (see value_and_grad).

    Usable as `grad(f)`, `grad(f, wrt=(0, "y"))`, `@grad` and `@grad(wrt=1)`.
    """
    if f is None:
        return functools.partial(grad, wrt=wrt, mode=mode, check_finite=check_finite)
    vg = value_and_grad(f, wrt, mode=mode, check_finite=check_finite)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        return vg(*args, **kwargs)[1]
    grad_f.source = lambda: source(f, mode=mode, wrt=wrt)
    return grad_f


def _forward_gradient(f, values, positions, check_finite=False):
    """Gradient by forward mode: one tangent sweep per input element."""
    derivative = _compiled(f, "forward", positions, _signature(values), check_finite)
    zeros = [runtime.zeros_like(values[i]) for i in positions]
    grads, out = [], None
    for k, i in enumerate(positions):
        leaves = _leaves(values[i])
        grad_leaves = []
        for j, leaf in enumerate(leaves):
            floating = _differentiable(leaf)
            grad_leaf = runtime.zeros_like(leaf) if np.ndim(leaf) else 0.0
            if np.ndim(leaf):
                grad_leaf = np.array(grad_leaf)
            for index in (np.ndindex(np.shape(leaf)) if np.ndim(leaf) else [None]):
                if not floating:
                    break
                seed = [runtime.zeros_like(v) for v in leaves]
                if index is None:
                    seed[j] = type(leaf)(1.0) if isinstance(leaf, np.generic) else 1.0
                else:
                    seed[j] = np.array(seed[j])
                    seed[j][index] = 1.0
                tangents = list(zeros)
                tangents[k] = _rebuild(values[i], seed)
                out, dout = derivative(*values, *tangents)
                _check_scalar_output(f, out)
                if index is None:
                    grad_leaf = runtime.cast_like(dout, leaf) if floating else grad_leaf
                else:
                    grad_leaf[index] = dout
            grad_leaves.append(grad_leaf)
        grads.append(runtime.cast_like(_rebuild(values[i], grad_leaves), values[i]))
    return out, grads


def jvp(f, primals, tangents, *, check_finite=False):
    """Forward mode: `(f(*primals), J @ tangents)`; int/bool arguments are held constant."""
    offset = len(_bound_self(f))
    given = len(primals)
    primals = tuple(_bind(f, primals, {}))
    tangents = (None,) * offset + tuple(tangents) + (None,) * (len(primals) - given - offset)
    positions = tuple(i for i, v in enumerate(primals) if i >= offset and _differentiable(v))
    derivative = _compiled(f, "forward", positions, _signature(primals), check_finite)
    ts = []
    for i in positions:
        t = tangents[i]
        ts.append(runtime.zeros_like(primals[i]) if t is None else t)
    out, dout = derivative(*primals, *ts)
    return out, _as_tangent(dout, out)


def vjp(f, *primals, check_finite=False):
    """Reverse mode: `(f(*primals), pullback)`; `pullback(cotangent)` returns one
    cotangent per positional argument (None for int/bool arguments)."""
    offset = len(_bound_self(f))
    given = len(primals)
    primals = tuple(_bind(f, primals, {}))
    positions = tuple(i for i, v in enumerate(primals) if i >= offset and _differentiable(v))
    derivative = _compiled(f, "reverse", positions, _signature(primals), check_finite)
    out = unwrap_function(f)(*primals)

    def pullback(cotangent):
        _, *grads = derivative(*primals, cotangent)
        result = [None] * given
        for i, g in zip(positions, grads):
            if i - offset < given:
                result[i - offset] = g
        return tuple(result)
    return out, pullback


def hvp(f, primals, tangents):
    """Hessian-vector product of a scalar-output `f`: `H @ tangents`, one entry per
    argument of `primals` (None for int/bool arguments), like a pullback's result.

    Computed reverse-over-forward: s2sad differentiates, in reverse mode, the
    forward-mode derivative code it generated for `f` (so every step of that code
    needs a rule: Python float code and most NumPy code; a helper without one is
    named in the error)."""
    offset = len(_bound_self(f))
    given = len(primals)
    values = tuple(_bind(f, primals, {}))
    tangents = (None,) * offset + tuple(tangents) + (None,) * (len(values) - given - offset)
    positions = tuple(i for i, v in enumerate(values) if i >= offset and _differentiable(v))
    forward_code = _compiled(f, "forward", positions, _signature(values))
    ts = [runtime.zeros_like(values[i]) if tangents[i] is None else tangents[i]
          for i in positions]
    try:
        (out, dout), pullback = vjp(forward_code, *values, *ts)
        _check_scalar_output(f, out)
        cotangents = pullback((runtime.zeros_like(out), _as_tangent(1.0, dout)))
    except MissingRuleError as exc:
        raise MissingRuleError(
            f"second derivatives of '{unwrap_function(f).__name__}' differentiate its "
            f"forward-mode derivative code (s2sad.source(f, mode='forward')), and a step "
            f"of it has no rule: {exc.reason}", exc.loc,
            fix="give that function a rule (s2sad.defvjp/defjvp), or take finite "
                "differences of s2sad.grad(f) for this Hessian") from None
    result = [None] * given
    for i in positions:
        if i - offset < given:
            result[i - offset] = cotangents[i]
    return tuple(result)


def hessian(f, wrt=0):
    """Return a function computing the Hessian of scalar-output `f` w.r.t. one argument,
    with shape `x.shape + x.shape` (one Hessian-vector product per element of x)."""
    positions, single = _positions(f, wrt)
    if not single:
        raise ValueError("hessian takes a single wrt argument")
    (i,) = positions
    offset = len(_bound_self(f))

    @functools.wraps(f)
    def hessian_f(*args, **kwargs):
        values = _bind(f, args, kwargs)
        _check_wrt(f, values, positions)
        x = values[i]
        given = values[offset:]
        rows = []
        for index in np.ndindex(np.shape(x)):
            t = np.zeros(np.shape(x), dtype=np.result_type(x, np.float32))
            t[index] = 1.0
            tangents = [None] * len(given)
            tangents[i - offset] = t if np.ndim(x) else float(t)
            rows.append(np.asarray(hvp(f, given, tangents)[i - offset]))
        if not np.ndim(x):
            return float(rows[0])
        return np.stack(rows).reshape(np.shape(x) + np.shape(x))
    return hessian_f


def jacobian(f, wrt=0, *, mode="reverse"):
    """Return a function computing the Jacobian of `f` w.r.t. one argument, with shape
    `out.shape + x.shape` (reverse: one sweep per output element; forward: per input)."""
    positions, single = _positions(f, wrt)
    if not single:
        raise ValueError("jacobian takes a single wrt argument")
    (i,) = positions

    def jacobian_f(*args, **kwargs):
        values = _bind(f, args, kwargs)
        _check_wrt(f, values, positions)
        x = values[i]
        if mode == "forward":
            columns, out = [], None
            for index in np.ndindex(np.shape(x)):
                tangents = [None] * len(values)
                t = np.zeros(np.shape(x), dtype=np.result_type(x, np.float32))
                t[index] = 1.0
                tangents[i] = t if np.ndim(x) else float(t)
                out, dout = jvp(f, values, tangents)
                columns.append(np.asarray(dout))
            stacked = np.stack(columns, axis=-1)
            return stacked.reshape(np.shape(out) + np.shape(x))
        out, pullback = vjp(f, *values)
        rows = []
        for index in np.ndindex(np.shape(out)):
            seed = np.zeros(np.shape(out), dtype=np.result_type(out, np.float32))
            seed[index] = 1.0
            rows.append(np.asarray(pullback(seed if np.ndim(out) else float(seed))[i]))
        return np.stack(rows).reshape(np.shape(out) + np.shape(x))
    return jacobian_f


def _annotation_kinds(fn) -> tuple:
    sig = inspect.signature(unwrap_function(fn))
    result = []
    for p in sig.parameters.values():
        ann = p.annotation
        if p.default is not inspect.Parameter.empty and ann is inspect.Parameter.empty:
            result.append(kinds.of_value(p.default))
        else:
            result.append(_ANNOTATION_KINDS.get(ann, kinds.UNKNOWN))
    return tuple(result)


def source(f, mode="reverse", wrt=0, *, example_args=None) -> str:
    """The generated derivative source of `f`, specialised on the kinds of
    `example_args` (or on the parameter annotations float/int/bool)."""
    positions, _ = _positions(f, wrt)
    return _generate(unwrap_function(f), mode, positions, _example_kinds(f, example_args))[0]


class IRView:
    """The IR of a function; `str()` prints the Wengert list."""

    def __init__(self, function):
        self.function = function

    def __str__(self) -> str:
        return print_function(self.function)

    __repr__ = __str__


def ir(f, *, example_args=None) -> IRView:
    """The lowered IR (structured SSA Wengert list) of `f`."""
    return IRView(_lowered(unwrap_function(f), _example_kinds(f, example_args))[1])


def _example_kinds(f, example_args) -> tuple:
    """Kinds of every parameter for `example_args` (a bound method's object and
    defaults included), or of the parameter annotations."""
    if example_args is None:
        return _annotation_kinds(f)
    return _signature(_bind(f, tuple(example_args), {}))
