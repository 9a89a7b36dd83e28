"""The functions the API returns (`Derived`), and their per-call fast path.

Binding arguments, inferring their kinds and finding the cached derivative costs tens
of microseconds per call.  A function returned by `grad`/`value_and_grad` remembers,
per *call signature* (the types of plain float/int/bool arguments, ndim and dtype of
arrays, no keywords), the derivative it found and the leading arguments (a bound
method's object, a partial's) it passes; a later call with the same signature goes
straight to the derivative after re-checking that it still holds (no rule was
registered since, no name it resolved was rebound, the data globals it is specialised
on keep their kinds).  A new function of code already called this way (a closure made
again) starts with the derivative of the one before, bound to its own cells.  Anything
else takes the general path.
"""
from __future__ import annotations

import inspect
import operator
import types
import weakref

import numpy as np

from . import loader
from .callables import is_user_function
from .rules import version

_PLAIN = (float, int, bool)
_ARRAY = np.ndarray
_FAST_TYPES = frozenset(_PLAIN + (_ARRAY,))


def call_signature(args, kwargs):
    """A hashable summary of the arguments' kinds: their types, with the ndim and dtype
    of arrays; None with keywords.  The fast path keeps only summaries of plain
    float/int/bool and array arguments (`fast_signature`)."""
    if kwargs:
        return None
    key = tuple(map(type, args))
    if _ARRAY in key:
        key += tuple([(a.ndim, a.dtype) for a in args if type(a) is _ARRAY])
    return key


def fast_signature(args, kwargs):
    """`call_signature`, or None when the fast path does not apply (keywords,
    containers, NumPy scalars, objects)."""
    if kwargs or not _FAST_TYPES.issuperset(map(type, args)):
        return None
    return call_signature(args, kwargs)


class FastPath:
    """Call signature -> (derivative, leading arguments, the rules version it was made
    at, what else to check before each use: None, or the function it was made for,
    whose pins and globals `compiler.still_valid` checks), for calls of `fn`.

    With `share` (a hashable summary of the operator's options), a plain user function
    called for the first time finds the derivative another function of its code was
    called with (a closure made again: the compiler's `shared_derivative`, bound to its
    own cells), and a derivative it finds itself is shared in turn."""

    def __init__(self, compiler, fn, share=None):
        self.compiler, self.fn, self.share = compiler, fn, share
        self.entries: dict = {}

    def find(self, args, kwargs):
        """(derivative, leading arguments, ...) for this call, or None."""
        key = call_signature(args, kwargs)
        entry = self.entries.get(key)
        if entry is not None:
            if entry[2] == version() and (entry[3] is None or
                                          self.compiler.still_valid(entry[3], entry[0])):
                return entry
            return None
        if self.share is None or key is None or not is_user_function(self.fn) or \
                not _FAST_TYPES.issuperset(map(type, args)):
            return None
        loaded = self.compiler.shared_derivative(self.fn, ("call", self.share, key))
        return None if loaded is None else self._keep(key, loaded, (), self.fn)

    def remember(self, args, kwargs, derivative, values, n_leading: int) -> None:
        """Keep `derivative` for calls like this one, when its bound values are
        `n_leading` leading arguments followed by exactly `args` (no defaults filled in)."""
        key = fast_signature(args, kwargs)
        if key is None or len(values) != n_leading + len(args) or any(
                a is not v for a, v in zip(args, values[n_leading:])):
            return
        self._keep(key, derivative, tuple(values[:n_leading]),
                   self.compiler.source_function(self.fn, []))
        if self.share is not None and not n_leading and is_user_function(self.fn):
            self.compiler.share_derivative(self.fn, ("call", self.share, key), derivative)

    def _keep(self, key, derivative, leading, plain):
        made_at, global_kinds = derivative.made_for
        checked = plain if derivative.pins or global_kinds else None
        entry = self.entries[key] = (derivative, leading, made_at, checked)
        return entry

    def caller(self, general, single: bool, grads_only: bool):
        """The function computing a reverse-mode gradient of `fn`: the derivative kept
        for the call's signature where it holds and gives a scalar, else `general`.  It
        returns the gradient (a tuple of them unless `single`), with the value first
        unless `grads_only`."""
        entries, find, still_valid = self.entries, self.find, self.compiler.still_valid

        def gradient_call(*args, **kwargs):
            try:
                key = tuple(map(type, args))
                if kwargs or _ARRAY in key:
                    key = call_signature(args, kwargs)
                entry = entries.get(key)
                if entry is None or entry[2] != version() or \
                        entry[3] is not None and not still_valid(entry[3], entry[0]):
                    entry = find(args, kwargs)      # (None: a closure made again?)
                if entry is not None:
                    result = entry[0](*entry[1], *args, 1.0)
                    out = result[0]
                    if isinstance(out, float) or not np.ndim(out) and \
                            not isinstance(out, (tuple, list)):     # (NumPy floats too)
                        grads = result[1] if single else tuple(result[1:])
                        return grads if grads_only else (out, grads)
                return general(*args, **kwargs)
            except Exception as exc:
                raise loader.with_user_line(exc)
        gradient_call.names_user_lines = True
        return gradient_call


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
