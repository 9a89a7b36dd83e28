"""Which data globals a derivative is specialised on, and whether they still hold.

A function's data globals are read when its derivative runs; a few kinds of them are
worth specialising on (their kind becomes part of the compiler's cache key): Python
scalars, instances of user classes (their methods are differentiated like calls) and
dicts whose kinds are fully known (`ACTIVATIONS["tanh"](z)`, `for k in CONFIG`).
"""
from __future__ import annotations

import types

import numpy as np

from . import kinds
from .callables import is_user_class
from .parsing import unwrap_function

_MISSING = object()
_NEVER_SPECIALISED = (types.ModuleType, types.FunctionType, type, np.ndarray)


def global_kind(value):
    """The kind of a data global worth specialising on: Python scalars, instances of
    user classes (their methods are then differentiated like calls), and dicts of known
    kinds (`ACTIVATIONS["tanh"](z)` calls the function found, `for k in CONFIG` is
    unrolled by key)."""
    if isinstance(value, _NEVER_SPECIALISED):     # (the common globals, quickly)
        return None
    kind = kinds.of_value(value)
    if kind in (kinds.FLOAT, kinds.INT, kinds.BOOL):
        return kind
    if kind.tag == "object" and is_user_class(type(value)):
        return kind
    if kind.tag == "dict" and _fully_known(kind):
        return kind
    return None


def _fully_known(kind) -> bool:
    if kind == kinds.UNKNOWN:
        return False
    if kind.tag == "dict":
        return all(_fully_known(k) for _, k in kind.items)
    return kind.tag not in ("tuple", "list", "listof", "tupleof") or \
        all(map(_fully_known, kind.items))


def specialised_globals(fn) -> tuple:
    """((name, kind), ...) of the data globals `fn` names that its derivative is
    specialised on (part of the cache key)."""
    fn = unwrap_function(fn)
    found = []
    for name in fn.__code__.co_names:
        if name in fn.__globals__:
            kind = global_kind(fn.__globals__[name])
            if kind is not None:
                found.append((name, kind))
    return tuple(found)


def still_hold(fn, specialised) -> bool:
    """Do the globals of `fn` that a derivative was specialised on (`specialised`, from
    `specialised_globals`) keep their kinds?  (A global it did not specialise on is
    read when it runs, whatever it holds, so only those it did are looked at.)"""
    namespace = unwrap_function(fn).__globals__
    return all(global_kind(namespace.get(name, _MISSING)) == kind for name, kind in specialised)


__all__ = ["global_kind", "specialised_globals", "still_hold"]
