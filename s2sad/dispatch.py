"""The functions the API returns (`Derived`), and their per-call fast path.

Binding arguments, inferring their kinds and finding the cached derivative costs tens
of microseconds per call.  A function returned by `grad`/`value_and_grad` remembers,
per *call signature* (the types of plain float/int/bool arguments, dtype and shape of
arrays, no keywords), the derivative it found and the leading arguments (a bound
method's object, a partial's) it passes; a later call with the same signature goes
straight to the derivative after re-checking that it still holds (no rule was
registered since, no name it resolved was rebound, the data globals it is specialised
on keep their kinds).  A signature not seen yet whose kinds (ndim and dtype of
arrays) were seen is added without the general path: it runs the derivative found
for those kinds, or where that derivative keeps array helpers a shape pattern may
decide, the code made for the pattern of its shapes (`ShapeVariants`, variants.py).
Anything else takes the general path.
"""
from __future__ import annotations

import inspect
import types
import weakref

import numpy as np

from . import loader
from .variants import pattern_of

_PLAIN = (float, int, bool)


def call_signature(args, kwargs):
    """A hashable summary of the arguments' kinds and shapes, or None when the fast
    path does not apply (keywords, containers, NumPy scalars, objects)."""
    if kwargs:
        return None
    key = []
    for a in args:
        t = type(a)
        if t in _PLAIN:
            key.append(t)
        elif t is np.ndarray:
            key.append((a.dtype, a.shape))
        else:
            return None
    return tuple(key)


def _kinds_part(signature) -> tuple:
    """A call signature without the shapes (ndim instead)."""
    return tuple(k if type(k) is type else (k[0], len(k[1])) for k in signature)


class FastPath:
    """Call signature -> (derivative, leading arguments, the function it was made
    for, what the caller keeps with it, what the call runs), checked with
    `compiler.still_valid` before each use; `groups` keeps, per signature without
    shapes, the first four and the ShapeVariants (or None)."""

    MAX_SIGNATURES = 256

    def __init__(self, compiler):
        self.compiler = compiler
        self.entries: dict = {}
        self.groups: dict = {}

    def find(self, args, kwargs):
        """(what to run, leading arguments, extra) for this call, or None."""
        key = call_signature(args, kwargs)
        if key is None:
            return None
        entry = self.entries.get(key)
        if entry is None:
            entry = self._add(key)
        if entry is None or not self.compiler.still_valid(entry[2], entry[0]):
            return None
        return entry[4], entry[1], entry[3]

    def _add(self, key):
        """The entry of a new signature whose kinds have a group that still holds,
        or None."""
        group = self.groups.get(_kinds_part(key))
        if group is None or not self.compiler.still_valid(group[2], group[0]):
            return None
        *first, variants = group
        call = first[0]
        if variants is not None:
            call = variants.code_for(tuple(k[1] if type(k) is tuple else None for k in key))
        if len(self.entries) >= self.MAX_SIGNATURES:
            self.entries.clear()
        entry = self.entries[key] = (*first, call)
        return entry

    def remember(self, args, kwargs, derivative, values, fn, extra=None, made=None):
        """Keep `derivative` for calls like this one, when its bound values are the
        leading arguments followed by exactly `args` (no defaults filled in).  With
        `made` = (wrt, argument kinds, check_finite, variant), the reverse-mode code it
        was compiled with, code specialised on each call's shape pattern runs where it
        pays (see ShapeVariants; not with leading arrays, whose shapes the signature
        does not hold).  Returns what calls with these arguments run."""
        key = call_signature(args, kwargs)
        n_leading = len(values) - len(args)
        if key is None or n_leading < 0 or any(
                a is not v for a, v in zip(args, values[n_leading:])):
            return derivative
        plain = self.compiler.source_function(fn, [])
        variants = None
        if made is not None and getattr(derivative, "shape_helpers", False) and \
                not n_leading:
            wrt, arg_kinds, check_finite, variant = made
            variants = ShapeVariants(derivative, lambda pattern: self.compiler.compiled(
                fn, "reverse", wrt, arg_kinds, check_finite, variant=variant.with_pattern(pattern)))
        self.groups[_kinds_part(key)] = (derivative, tuple(values[:n_leading]), plain, extra,
                                         variants)
        self.entries.pop(key, None)
        return self._add(key)[4]


class ShapeVariants:
    """Pattern -> the derivative made for it (`variant(pattern)`; the same object as
    `generic` where the pattern changes nothing).  Only a new pattern is compiled, at
    most MAX_PATTERNS of them; further patterns run the generic code."""

    MAX_PATTERNS = 8

    def __init__(self, generic, variant):
        self.generic, self.variant = generic, variant
        self.by_pattern: dict = {}

    def code_for(self, shapes):
        """The code for arguments of these shapes (None: not an array)."""
        pattern = pattern_of(shapes)
        code = self.by_pattern.get(pattern)
        if code is None:
            if len(self.by_pattern) < self.MAX_PATTERNS:
                code = self.variant(pattern)
            else:
                code = self.generic
            self.by_pattern[pattern] = code
        return code


class Derived:
    """A function an API operator returned (`grad(f)`, `jacobian(f)`, a pullback):
    callable like a function, with f's name, docstring and signature, and the `Spec`
    (`__s2sad__`) through which s2sad differentiates it again.  Deliberately no
    `__wrapped__`: following it back to f would differentiate f instead.  It pickles
    as the operator applied to f again (`remake`), so it crosses process boundaries
    whenever f pickles (a module-level function); a method of a class made with `@grad`
    binds its object like a function does."""

    def __init__(self, call, spec, remake, name: str, doc, module, call_signature):
        self._call, self.__s2sad__, self._remake = call, spec, remake
        self._bound = weakref.WeakKeyDictionary()    # object -> this, bound to it
        self.__name__ = self.__qualname__ = name
        self.__doc__, self.__module__ = doc, module
        # always set: with __get__ defined, inspect would take it for a builtin
        self.__signature__ = call_signature or inspect.signature(call)

    def __call__(self, *args, **kwargs):
        try:
            return self._call(*args, **kwargs)
        except Exception as exc:      # name the user's line the failing code came from
            raise loader.with_user_line(exc)

    def __get__(self, obj, objtype=None):
        """As a method (`@grad` on a `def` in a class): the operator applied to the
        bound method, so `wrt` counts from the first parameter after `self`."""
        if obj is None:
            return self
        remake, (op, args, kwargs) = self._remake
        try:
            return self._bound[obj]
        except (KeyError, TypeError, AttributeError):
            pass
        bound = remake(op, (types.MethodType(args[0], obj),) + tuple(args[1:]), kwargs)
        try:
            self._bound[obj] = bound
        except (TypeError, AttributeError):     # not weakly referable: made each time
            pass
        return bound

    def __reduce__(self):
        return self._remake

    def __repr__(self) -> str:
        return f"<s2sad {self.__s2sad__.op} of {self.__name__}>"
