"""The functions the API returns (`Derived`), and their per-call fast path.

Binding arguments, inferring their kinds and finding the cached derivative costs tens
of microseconds per call.  A function returned by `grad`/`value_and_grad` remembers,
per *call signature* (the types of plain float/int/bool arguments, ndim and dtype of
arrays, no keywords), the derivative it found and the leading arguments (a bound
method's object, a partial's) it passes; a later call with the same signature goes
straight to the derivative after re-checking that it still holds (no rule was
registered since, no name it resolved was rebound, the data globals it is specialised
on keep their kinds).  Anything else takes the general path.

Where the derivative keeps array helpers that shapes could decide, a `ShapeVariants`
takes its place: it runs code specialised on the call's shape pattern (variants.py).
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
    """A hashable summary of the arguments' kinds, or None when the fast path does
    not apply (keywords, containers, NumPy scalars, objects)."""
    if kwargs:
        return None
    key = []
    for a in args:
        t = type(a)
        if t in _PLAIN:
            key.append(t)
        elif t is np.ndarray:
            key.append((a.ndim, a.dtype))
        else:
            return None
    return tuple(key)


class FastPath:
    """Call signature -> (derivative, leading arguments, the function it was made
    for, what the caller keeps with it), checked with `compiler.still_valid` before
    each use."""

    def __init__(self, compiler):
        self.compiler = compiler
        self.entries: dict = {}

    def find(self, args, kwargs):
        """(derivative, leading arguments, extra) for this call, or None."""
        key = call_signature(args, kwargs)
        entry = self.entries.get(key) if key is not None else None
        if entry is None or not self.compiler.still_valid(entry[2], entry[0]):
            return None
        return entry[4], entry[1], entry[3]

    def remember(self, args, kwargs, derivative, values, fn, extra=None, made=None) -> None:
        """Keep `derivative` for calls like this one, when its bound values are the
        leading arguments followed by exactly `args` (no defaults filled in).  With
        `made` = (wrt, argument kinds, check_finite, variant), the reverse-mode code it
        was compiled with, code specialised on each call's shape pattern runs where it
        pays (see ShapeVariants).  Returns what such calls run."""
        key = call_signature(args, kwargs)
        n_leading = len(values) - len(args)
        if key is None or n_leading < 0 or any(
                a is not v for a, v in zip(args, values[n_leading:])):
            return derivative
        plain = self.compiler.source_function(fn, [])
        call = derivative
        if made is not None and getattr(derivative, "shape_helpers", False):
            wrt, arg_kinds, check_finite, variant = made
            call = ShapeVariants(derivative, lambda pattern: self.compiler.compiled(
                fn, "reverse", wrt, arg_kinds, check_finite, variant=variant.with_pattern(pattern)))
        self.entries[key] = (derivative, tuple(values[:n_leading]), plain, extra, call)
        return call


class ShapeVariants:
    """A derivative run as the code made for the shape pattern of each call's
    arguments (all but the last, the seed): `variant(pattern)` makes it (the same
    object as `generic` where the pattern changes nothing).  Found by the tuple of
    argument shapes, so a call pays one dict lookup; a new shape tuple is mapped to its
    pattern, and only a new pattern is compiled, at most MAX_PATTERNS of them (then
    the generic code runs for further patterns)."""

    MAX_PATTERNS = 8
    MAX_SHAPES = 256

    def __init__(self, generic, variant):
        self.generic, self.variant = generic, variant
        self.by_shapes: dict = {}
        self.by_pattern: dict = {}

    def __call__(self, *args):
        shapes = tuple([a.shape if type(a) is np.ndarray else None for a in args[:-1]])
        code = self.by_shapes.get(shapes)
        if code is None:
            code = self._miss(shapes)
        return code(*args)

    def _miss(self, shapes):
        pattern = pattern_of(shapes)
        code = self.by_pattern.get(pattern)
        if code is None:
            if len(self.by_pattern) < self.MAX_PATTERNS:
                code = self.variant(pattern)
            else:
                code = self.generic
            self.by_pattern[pattern] = code
        if len(self.by_shapes) >= self.MAX_SHAPES:
            self.by_shapes.clear()
        self.by_shapes[shapes] = code
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
