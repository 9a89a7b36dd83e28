"""What kind of callable a name resolves to, and how generated code calls it.

A leaf module: every stage asks it, and it imports nothing of the pipeline but the
rule table.  A *user function* is a plain Python function with no rule, outside the
library modules: its derivative is generated from its source.
"""
from __future__ import annotations

import functools
import inspect
import sys
import types
import weakref

from .rules import lookup

LIBRARY_MODULES = ("numpy", "math", "builtins", "operator", "_operator", "s2sad", "scipy")


def _is_library(module_name) -> bool:
    return (module_name or "").split(".")[0] in LIBRARY_MODULES


def is_library_callable(fn) -> bool:
    """A function that a library module defines (by its `__module__`)."""
    module = getattr(fn, "__module__", None)
    return isinstance(module, str) and _is_library(module)


def is_user_function(prim) -> bool:
    """A plain Python function with no rule: its derivative is generated from source."""
    if not isinstance(prim, types.FunctionType) or lookup(prim) is not None or \
            is_derivative(prim):
        return False
    return not _is_library(getattr(prim, "__module__", None))


def is_derivative(prim) -> bool:
    """A function made by s2sad's API (grad(f), jacobian(f), a pullback, ...): it is
    differentiated through its plain function (compose.py), not its own source."""
    return getattr(prim, "__s2sad__", None) is not None


def is_user_class(cls) -> bool:
    """A class defined in user code (its methods are user functions)."""
    return isinstance(cls, type) and not _is_library(getattr(cls, "__module__", None))


def is_user_namespace(holder) -> bool:
    """A module or class of user code (whose attributes the user may rebind)."""
    if isinstance(holder, types.ModuleType):
        return not _is_library(holder.__name__)
    return is_user_class(holder)


def is_library_method(obj, name: str) -> bool:
    """`obj.name` is a plain method of a library object (not a module or class):
    `scipy.stats.norm.logpdf`.  Its call resolves when lowered, like a module's function;
    its rule is keyed by the bound method, which compares equal to every later
    `obj.name` (same object, same function)."""
    if isinstance(obj, (types.ModuleType, type)) or not _is_library(type(obj).__module__):
        return False
    return inspect.isfunction(inspect.getattr_static(type(obj), name, None))


def instance_home(obj, name: str):
    """The shortest-named module that holds the library object `obj` (an instance, such as
    scipy.stats.norm) as its attribute `name`, or None: where generated code imports it."""
    parts = (getattr(type(obj), "__module__", None) or "").split(".")
    if not _is_library(parts[0]) or isinstance(obj, (type, types.ModuleType)):
        return None
    for n in range(1, len(parts) + 1):
        module = sys.modules.get(".".join(parts[:n]))
        if module is not None and getattr(module, name, None) is obj:
            return module
    return None


def call_arguments(fn, args) -> list[tuple[str, object]]:
    """How to pass the bound arguments `args` (one per parameter, in order) of a call
    to the user function `fn`: (prefix, atom) with prefix '', '*', '**' or 'name='."""
    parts = []
    for p, atom in zip(signature(fn).parameters.values(), args, strict=True):
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else \
            f"{p.name}=" if p.kind is p.KEYWORD_ONLY else ""
        parts.append((prefix, atom))
    return parts


def signature(fn) -> inspect.Signature:
    """The parameters of the code that runs: a decorator's wrapper keeps its own
    `(*args, **kwargs)`, not the signature `functools.wraps` advertises.  A plain
    function's is remembered: per code for one without defaults or annotations (a
    closure made again has the signature of the one before), else while its code,
    defaults and annotations stay the same objects (a call binds its arguments several
    times)."""
    if type(fn) is not types.FunctionType or "__signature__" in fn.__dict__:
        return inspect.signature(fn, follow_wrapped=False)
    if fn.__defaults__ is None and fn.__kwdefaults__ is None and not fn.__annotations__:
        found = _BY_CODE.get(fn.__code__)
        if found is None:
            if len(_BY_CODE) >= 4096:
                _BY_CODE.clear()
            found = _BY_CODE[fn.__code__] = inspect.signature(fn, follow_wrapped=False)
        return found
    made_of = (fn.__code__, fn.__defaults__, fn.__kwdefaults__, fn.__annotations__)
    known = _SIGNATURES.get(fn)
    if known is not None and all(a is b for a, b in zip(known[0], made_of)):
        return known[1]
    found = inspect.signature(fn, follow_wrapped=False)
    _SIGNATURES[fn] = (made_of, found)
    return found


_SIGNATURES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_BY_CODE: dict = {}      # code of a function without defaults -> its signature


def bound_arguments(fn) -> tuple:
    """(leading arguments, keyword arguments) already bound by a bound method (its
    object) or a functools.partial, in front of the plain function's parameters."""
    args, kwargs = (), {}
    while True:
        if isinstance(fn, functools.partial):
            args, kwargs = fn.args + args, {**fn.keywords, **kwargs}
            fn = fn.func
        elif isinstance(fn, types.MethodType):
            args, fn = (fn.__self__,) + args, fn.__func__
        elif not isinstance(fn, (types.FunctionType, type)) and not is_derivative(fn) and \
                isinstance(getattr(type(fn), "__call__", None), types.FunctionType):
            args, fn = (fn,) + args, type(fn).__call__     # a callable object: its __call__
        else:
            return args, kwargs
