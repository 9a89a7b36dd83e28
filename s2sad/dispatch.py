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
for those kinds, or, where that derivative keeps array helpers a shape pattern may
decide, the code made for the pattern of its shapes (`ShapeVariants`, variants.py).
A new function of code already called this way (a closure made again) starts with
the derivative of the one before, bound to its own cells.  Anything else takes the
general path.
"""
from __future__ import annotations

import inspect
import operator
import types
import weakref
from typing import NamedTuple

import numpy as np

from . import loader
from .callables import is_user_function
from .rules import version
from .variants import pattern_of

_PLAIN = (float, int, bool)
_ARRAY = np.ndarray
_FAST_TYPES = frozenset(_PLAIN + (_ARRAY,))


def call_signature(args, kwargs):
    """A hashable summary of the arguments: their types, with the dtype and shape of
    arrays; None with keywords.  The fast path keeps only summaries of plain
    float/int/bool and array arguments (`fast_signature`)."""
    if kwargs:
        return None
    key = tuple(map(type, args))
    if _ARRAY in key:
        key += tuple([(a.dtype, a.shape) for a in args if type(a) is _ARRAY])
    return key


def fast_signature(args, kwargs):
    """`call_signature`, or None when the fast path does not apply (keywords,
    containers, NumPy scalars, objects)."""
    if kwargs or not _FAST_TYPES.issuperset(map(type, args)):
        return None
    return call_signature(args, kwargs)


def _kinds_part(signature) -> tuple:
    """A call signature without the shapes (ndim instead): what kinds see."""
    return tuple(k if type(k) is type else (k[0], len(k[1])) for k in signature)


class Entry(NamedTuple):
    """What a call of one signature runs, and what to check before it does."""

    run: object          # the derivative code the call runs
    leading: tuple       # leading arguments passed before the call's (a bound object)
    made_at: object      # the rules version the derivative was made at
    checked: object      # None, or the function whose pins and globals still_valid checks
    derivative: object   # the derivative checked (made for the kinds; run may be a variant)


class FastPath:
    """Calls of `fn` by signature.  `entries`: call signature -> Entry; `groups`: per
    signature without shapes, (the Entry of the derivative found for those kinds, its
    ShapeVariants or None), from which a new signature of known kinds is added.

    With `share` (a hashable summary of the operator's options), a plain user function
    called for the first time finds the derivative another function of its code was
    called with (a closure made again: the compiler's `shared_derivative`, bound to its
    own cells), and a derivative it finds itself is shared in turn."""

    MAX_SIGNATURES = 256

    def __init__(self, compiler, fn, share=None):
        self.compiler, self.fn, self.share = compiler, fn, share
        self.entries: dict = {}
        self.groups: dict = {}

    def _holds(self, entry: Entry) -> bool:
        return entry.made_at == version() and (
            entry.checked is None or self.compiler.still_valid(entry.checked, entry.derivative))

    def find(self, args, kwargs):
        """The entry for this call (see the class docstring), or None."""
        key = call_signature(args, kwargs)
        entry = self.entries.get(key)
        if entry is not None:
            return entry if self._holds(entry) else None
        if key is None or not _FAST_TYPES.issuperset(map(type, args)):
            return None
        kinds_key = _kinds_part(key)
        group = self.groups.get(kinds_key)
        if group is None:
            if self.share is None or not is_user_function(self.fn):
                return None
            loaded = self.compiler.shared_derivative(self.fn, ("call", self.share, kinds_key))
            if loaded is None:
                return None
            group = self.groups[kinds_key] = self._group(loaded, (), self.fn)
        return self._add(key, group, args) if self._holds(group[0]) else None

    def remember(self, args, kwargs, derivative, values, n_leading: int):
        """Keep `derivative` for calls like this one, when its bound values are
        `n_leading` leading arguments followed by exactly `args` (no defaults filled
        in).  Returns what calls like this one run."""
        key = fast_signature(args, kwargs)
        if key is None or len(values) != n_leading + len(args) or any(
                a is not v for a, v in zip(args, values[n_leading:])):
            return derivative
        kinds_key = _kinds_part(key)
        group = self.groups[kinds_key] = self._group(
            derivative, tuple(values[:n_leading]), self.compiler.source_function(self.fn, []))
        if self.share is not None and not n_leading and is_user_function(self.fn):
            self.compiler.share_derivative(self.fn, ("call", self.share, kinds_key), derivative)
        self.entries.pop(key, None)
        return self._add(key, group, args).run

    def _group(self, derivative, leading, plain):
        """The group of `derivative`: where the reverse-mode code it was compiled with
        (`made_with`: wrt, argument kinds, check_finite, variant) keeps array helpers a
        shape pattern may decide, code made for each call's pattern runs (ShapeVariants;
        not with leading arguments, whose shapes the signature does not hold)."""
        made_at, global_kinds = derivative.made_for
        checked = plain if derivative.pins or global_kinds else None
        made, variants = getattr(derivative, "made_with", None), None
        if made is not None and getattr(derivative, "shape_helpers", False) and not leading:
            wrt, arg_kinds, check_finite, variant = made
            fn, compiled = self.fn, self.compiler.compiled
            variants = ShapeVariants(derivative, lambda pattern: compiled(
                fn, "reverse", wrt, arg_kinds, check_finite,
                variant=variant.with_pattern(pattern)))
        return Entry(derivative, leading, made_at, checked, derivative), variants

    def _add(self, key, group, args):
        """The entry of signature `key` (of `args`), made from its kinds' group."""
        entry, variants = group
        if variants is not None:
            entry = entry._replace(run=variants.code_for(
                tuple([a.shape if type(a) is _ARRAY else None for a in args])))
        if len(self.entries) >= self.MAX_SIGNATURES:
            self.entries.clear()
        self.entries[key] = entry
        return entry

    def caller(self, general, single: bool, grads_only: bool):
        """The function computing a reverse-mode gradient of `fn`: the code kept for
        the call's signature where it holds and gives a scalar (or None: `grad`'s code
        without the value, variants.py), else `general`.  It returns the gradient (a
        tuple of them unless `single`), with the value first unless `grads_only`."""
        entries, find, holds = self.entries, self.find, self._holds

        def gradient_call(*args, **kwargs):
            try:
                key = tuple(map(type, args))
                if kwargs or _ARRAY in key:
                    key = call_signature(args, kwargs)
                entry = entries.get(key)
                if entry is None or not holds(entry):
                    entry = find(args, kwargs)      # (None: a closure made again?)
                if entry is not None:
                    result = entry.run(*entry.leading, *args, 1.0)
                    out = result[0]
                    if out is None or isinstance(out, float) or not np.ndim(out) and \
                            not isinstance(out, (tuple, list)):     # (NumPy floats too)
                        grads = result[1] if single else tuple(result[1:])
                        return grads if grads_only else (out, grads)
                return general(*args, **kwargs)
            except Exception as exc:
                raise loader.with_user_line(exc)
        gradient_call.names_user_lines = True
        return gradient_call


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


def names_user_lines(call):
    """`call`, whose errors name the user's line the failing code came from."""
    if getattr(call, "names_user_lines", False):
        return call

    def noted(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        except Exception as exc:
            raise loader.with_user_line(exc)
    noted.names_user_lines = True
    return noted


class Derived:
    """A function an API operator returned (`grad(f)`, `jacobian(f)`, a pullback):
    callable like a function, with f's name, docstring and signature, and the `Spec`
    (`__s2sad__`) through which s2sad differentiates it again.  Deliberately no
    `__wrapped__`: following it back to f would differentiate f instead.  It pickles
    as the operator applied to f again (`remake`), so it crosses process boundaries
    whenever f pickles (a module-level function); a method of a class made with `@grad`
    binds its object like a function does."""

    def __init__(self, call, spec, remake, name: str, doc, module, call_signature):
        self._call, self.__s2sad__, self._remake = names_user_lines(call), spec, remake
        self._bound = None     # (made when first bound) object -> this, bound to it
        self.__name__ = self.__qualname__ = name
        self.__doc__, self.__module__ = doc, module
        # always set: with __get__ defined, inspect would take it for a builtin
        self.__signature__ = call_signature or inspect.signature(call)

    # called as the function it was made with (no frame of its own: `names_user_lines`)
    __call__ = property(operator.attrgetter("_call"))

    def __get__(self, obj, objtype=None):
        """As a method (`@grad` on a `def` in a class): the operator applied to the
        bound method, so `wrt` counts from the first parameter after `self`."""
        if obj is None:
            return self
        remake, (op, args, kwargs) = self._remake
        if self._bound is None:
            self._bound = weakref.WeakKeyDictionary()
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
