"""Arguments of the API's operators: binding them to the differentiated function's
parameters, finding the `wrt` positions, checking what is differentiated, and the
kinds derivatives are specialised on.  Errors name the function and the parameter.
"""
from __future__ import annotations

import inspect
import types

import numpy as np

from . import kinds, matrices, rules, runtime
from .callables import bound_arguments, signature
from .errors import NonDifferentiableError, SourceUnavailableError
from .parsing import unwrap_function

ANNOTATION_KINDS = {float: kinds.FLOAT, int: kinds.INT, bool: kinds.BOOL,
                     "float": kinds.FLOAT, "int": kinds.INT, "bool": kinds.BOOL}


def bound_self(fn) -> tuple:
    """The leading arguments a bound method or partial supplies."""
    return bound_arguments(fn)[0]


def bind(fn, args, kwargs) -> list:
    """All parameters of the function behind `fn` as a positional list (defaults
    filled in; a bound method's object and a partial's arguments included)."""
    sig = signature(unwrap_function(fn))
    leading, bound_kwargs = bound_arguments(fn)
    try:
        bound = sig.bind(*leading, *args, **{**bound_kwargs, **kwargs})
    except TypeError as exc:
        raise NonDifferentiableError(
            f"'{getattr(fn, '__name__', 'f')}' is called with arguments that do not match its "
            f"parameters {list(sig.parameters)[len(leading):]}: {exc}") from None
    bound.apply_defaults()
    return list(bound.arguments.values())


def param_names(fn) -> list:
    """Every parameter name of the function (a bound method's `self` included)."""
    return list(signature(unwrap_function(fn)).parameters)


def positions(fn, wrt) -> tuple:
    """Positions (in the full parameter list) of the `wrt` parameters; positions the
    user gives count from the first parameter after a bound method's object.  Those of
    a plain function (no attributes) are remembered per code."""
    key = (fn.__code__, wrt) if type(fn) is types.FunctionType and not fn.__dict__ and \
        type(wrt) in (int, str) else None
    found = _POSITIONS.get(key)
    if found is None:
        found = _positions(fn, wrt)
        if key is not None:
            if len(_POSITIONS) >= 4096:
                _POSITIONS.clear()
            _POSITIONS[key] = found
    return found


_POSITIONS: dict = {}       # (code, wrt) -> positions(fn, wrt) of a plain function


def _positions(fn, wrt) -> tuple:
    offset = len(bound_self(fn))
    names = param_names(fn)[offset:]
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


def differentiable(value) -> bool:
    """A float, a float array, or a tuple/list/dict holding one."""
    if isinstance(value, (tuple, list)):
        return any(differentiable(v) for v in value)
    if isinstance(value, dict):
        return any(differentiable(v) for v in value.values())
    if isinstance(value, np.ndarray) and value.dtype.kind not in "fc":
        return False                 # strings, objects, ints: nothing to differentiate
    kind = kinds.of_value(value)
    return kind == kinds.FLOAT or (kind.tag == "array" and np.dtype(kind.dtype).kind == "f")


FOREIGN_HINT = ("call x.compute() or np.asarray(x) first (arrays of other libraries, such as "
                "Dask's, may be passed as arguments held constant: see docs/arrays.md)")


def foreign_array(value) -> bool:
    """An array of another library that NumPy dispatches to (a Dask array): s2sad
    runs code on it, but does not differentiate with respect to it."""
    return hasattr(value, "__array_function__") and \
        not isinstance(value, (np.ndarray, np.generic))


def check_wrt(fn, values, positions) -> None:
    names = param_names(fn)
    for i in positions:
        value = values[i]
        if not differentiable(value):
            what = type(value).__name__ if not isinstance(value, np.ndarray) else \
                f"an array of dtype {value.dtype}"
            hint = ("pass a float (e.g. 2.0 instead of 2)" if isinstance(value, (int, np.integer))
                    else FOREIGN_HINT if any(map(foreign_array, matrices.leaves(value)))
                    else "split complex numbers into real and imaginary parts"
                    if isinstance(value, (complex, np.ndarray, np.generic)) and
                    np.iscomplexobj(value) else "pass a float or a float array")
            raise NonDifferentiableError(
                f"cannot differentiate '{unwrap_function(fn).__name__}' with respect to "
                f"argument '{names[i]}': it is {what}, not a float or float array; {hint}")


def kinds_of(values) -> tuple:
    return tuple(kinds.of_value(v) for v in values)


def check_scalar_output(fn, out) -> None:
    if np.ndim(out) != 0 or isinstance(out, (tuple, list)):
        shape = "a tuple" if isinstance(out, (tuple, list)) else f"shape {np.shape(out)}"
        raise NonDifferentiableError(
            f"grad needs a function with a scalar output, but "
            f"'{unwrap_function(fn).__name__}' returned {shape}; use s2sad.jacobian for the "
            f"full Jacobian or s2sad.vjp for vector-Jacobian products")


def holds_named_tuple(values) -> bool:
    """Whether a named tuple is among `values` or inside their lists, tuples, dicts."""
    return any(hasattr(v, "_fields") or isinstance(v, (tuple, list)) and holds_named_tuple(v)
               or isinstance(v, dict) and holds_named_tuple(v.values()) for v in values)


def restructure(g, like):
    """Gradient `g` (made of plain tuples) with the named tuples of argument `like`:
    the gradient of `P(a=1.0, b=2.0)` is a `P`, as in JAX."""
    if isinstance(like, (tuple, list)) and isinstance(g, (tuple, list)) and len(g) == len(like):
        items = [restructure(a, b) for a, b in zip(g, like)]
        return type(like)(*items) if hasattr(like, "_fields") else type(g)(items)
    if isinstance(like, dict) and isinstance(g, dict):
        return {k: restructure(v, like.get(k)) for k, v in g.items()}
    return g


def as_tangent(t, out):
    """A tangent with the shape and float dtype of the output `out`."""
    if isinstance(out, (tuple, list)):
        items = [as_tangent(a, b) for a, b in zip(t, out)]
        if hasattr(out, "_fields"):        # a named tuple (e.g. slogdet's result)
            return type(out)(*items)
        return type(out)(items)
    return runtime.cast_like(t, out) if np.ndim(out) or isinstance(out, np.generic) else \
        (float(t) if isinstance(out, float) else t)


def check_tangents(name: str, f, primals, tangents) -> None:
    """One tangent per primal, None or of the primal's structure and shapes."""
    fname = getattr(f, "__name__", "f")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise NonDifferentiableError(
            f"s2sad.{name}({fname}, primals, tangents) takes tuples: "
            f"{name}(f, (x, y), (dx, dy))")
    if len(tangents) != len(primals):
        raise NonDifferentiableError(
            f"s2sad.{name} of '{fname}' got {len(primals)} primals but {len(tangents)} "
            "tangents: give one tangent per primal (None for an argument held constant)")
    for n, (p, t) in enumerate(zip(primals, tangents)):
        if any(map(foreign_array, matrices.leaves(p))) and (
                name != "jvp" or t is not None and not all(v is None for v in matrices.leaves(t))):
            raise NonDifferentiableError(
                f"s2sad.{name} of '{fname}': primal {n} holds an array of another library "
                f"({', '.join(sorted({type(a).__name__ for a in matrices.leaves(p) if foreign_array(a)}))}), "
                f"which s2sad cannot differentiate with respect to; {FOREIGN_HINT}")
        if t is None:
            continue
        pl, tl = matrices.leaves(p), matrices.leaves(t)
        if len(pl) != len(tl) or any(np.shape(a) != np.shape(b) for a, b in zip(pl, tl)):
            raise NonDifferentiableError(
                f"s2sad.{name} of '{fname}': tangent {n} does not match its primal's "
                f"structure and shapes ({[np.shape(a) for a in pl]} vs "
                f"{[np.shape(b) for b in tl]})")


def annotation_kinds(fn) -> tuple:
    sig = signature(unwrap_function(fn))
    result = []
    for p in sig.parameters.values():
        ann = p.annotation
        if p.default is not inspect.Parameter.empty and ann is inspect.Parameter.empty:
            result.append(kinds.of_value(p.default))
        else:
            result.append(ANNOTATION_KINDS.get(ann, kinds.UNKNOWN))
    return tuple(result)


def example_kinds(f, example_args) -> tuple:
    """Kinds of every parameter for `example_args` (a bound method's object and
    defaults included), or of the parameter annotations."""
    if example_args is None:
        return annotation_kinds(f)
    return kinds_of(bind(f, tuple(example_args), {}))


def rule_examples(fn) -> tuple:
    """Example arguments for `s2sad.source(fn)` of a function with a rule given none:
    a float per required parameter of an elementwise function (`np.tanh`: the
    derivative for a float).  Other functions' derivatives depend on their arguments'
    shapes, so they need the caller's examples."""
    rule, name = rules.lookup(fn), rules.display_name(fn)
    if rule == "nondiff":
        raise NonDifferentiableError(
            f"{name} is declared non-differentiable: its derivative is zero, and s2sad "
            "generates no code for it")
    if not rule.elementwise:
        raise SourceUnavailableError(
            f"s2sad.source({name}) needs example_args: {name} has a derivative rule but "
            "is not elementwise, so the code depends on its arguments' shapes; pass "
            f"arguments as you would call it, e.g. s2sad.source({name}, "
            "example_args=(np.ones((3, 3)),))")
    return (1.0,) * sum(1 for p in rule.positional if p not in rule.defaults)
