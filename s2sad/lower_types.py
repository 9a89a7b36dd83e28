"""Type tests decided by kinds while lowering: `isinstance(x, C)` (C a class or a
tuple of classes), `type(x) is C` (also `==`, `is not`, `!=`) and `hasattr(x, "a")`.

A function written for several kinds of argument (`if isinstance(params, dict): ...
else: ...`) is lowered once per kinds (compiler.py).  When the kind of x decides a
test for *every* value of that kind, the test is a constant and `branch` lowers only
the arm taken, so the arm written for other kinds is never compiled.  Otherwise the
test stays a run-time branch.

The kinds known while lowering (`static_kind`) are those of the parameters, of
literals, of items read at a constant index (or at any index of a sequence whose
items share a kind), and of calls of user functions on arguments of such kinds (the
compiler's `result_kind`, asked only here).  A kind stands for every value of some
classes and their subclasses (`_classes_of`), so a test is decided only when all of
them agree: `isinstance(x, C)` is false for a float when C is a concrete builtin or
NumPy class unrelated to float (no value can be both), true when float is a subclass
of C.  `type(x) is list` cannot rule out a subclass of list; when it is decided true,
the generated code checks the type when it runs (rt.check_type_is) and raises a
located error for a subclass instead of following the wrong arm.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from . import kinds, prims, runtime
from .callables import is_user_function
from .ir_nodes import Const, Global, Var

_TYPE_COMPARISONS = {operator.is_: False, operator.eq: False, operator.is_not: True,
                     operator.ne: True}
_SHAPE = prims.method("shape")
_DISPLAYS = (prims.BUILD_TUPLE, prims.BUILD_LIST, runtime.build_dict)   # `(a, b)`, `[a]`, `{k: v}`
_CONTAINERS = {"tuple": tuple, "tupleof": tuple, "list": list, "listof": list, "dict": dict}


def _classes_of(kind):
    """(classes whose instances and subclasses' instances have `kind`, whether only
    those classes themselves do), or None when the kind does not say."""
    tag = kind.tag
    if tag == "bool":
        return (bool, np.bool_), True
    if tag == "none":
        return (type(None),), True
    if tag == "int":
        return (int,), False
    if tag == "float":
        return (float, np.float64), False
    if tag == "array":
        return ((np.ndarray,) if kind.ndim else (np.ndarray, np.generic)), False
    if tag in _CONTAINERS:
        return (_CONTAINERS[tag],), False
    if tag == "object" and kind.items and isinstance(kind.items[0], type):
        return (kind.items[0],), kind.items[0] is not str    # of_value: type(value)
    return None


def _closed(cls) -> bool:
    """A concrete builtin or NumPy class: no value is an instance of it and of another
    unrelated one of these (their layouts conflict)."""
    return type(cls) is type and cls.__module__.split(".")[0] in ("builtins", "numpy")


def decide_isinstance(kind, classes):
    """isinstance(x, classes) for every x of `kind`: True, False, or None (it depends)."""
    known = _classes_of(kind) if kind is not None else None
    if known is None or not classes or not all(isinstance(c, type) for c in classes):
        return None
    bases, exact = known
    hits = [any(issubclass(b, c) for c in classes) for b in bases]
    if all(hits):
        return True
    if any(hits):
        return None
    if exact or all(_closed(c) and not issubclass(c, b) for c in classes for b in bases):
        return False
    return None


def decide_type_is(kind, cls):
    """(`type(x) is cls` for every x of `kind`, whether a subclass must be ruled out
    when the code runs), or None."""
    decided = decide_isinstance(kind, (cls,))
    if decided is False:
        return False, False
    if decided is None or _classes_of(kind)[0] != (cls,):
        return None
    return True, not _classes_of(kind)[1]


def decide_hasattr(kind, name):
    known = _classes_of(kind) if kind is not None else None
    if known is None:
        return None
    has = [hasattr(b, name) for b in known[0]]
    if all(has):
        return True
    return False if known[1] and not any(has) else None


def _flatten(value) -> tuple:
    return tuple(c for v in value for c in _flatten(v)) if isinstance(value, tuple) else (value,)


class TypeTests:
    """Mixin of the lowerer (see the module docstring): folds type tests in `emit`."""

    result_kind = None      # the compiler's: kind of a user function's result, or None

    @property
    def _defs(self) -> dict:
        """Var -> (prim, args) of the items, displays, slices, shapes, `type(x)` calls and
        user calls emitted."""
        return self.__dict__.setdefault("_type_defs", {})

    def emit(self, prim, args, kwargs=None, hint="t", params=None, node=None) -> Var:
        if not kwargs:
            folded = self.fold_type_test(prim, args, node)
            if folded is not None:
                return folded
        out = super().emit(prim, args, kwargs, hint, params, node)
        if not kwargs and (prim is operator.getitem or prim is builtins.type or
                           any(prim is d for d in _DISPLAYS) or
                           prim is prims.BUILD_SLICE or prim is np.shape or
                           isinstance(prim, str) and prim == _SHAPE and
                           (params or {}).get("attribute") or
                           is_user_function(prim)):
            self._defs[out] = (prim, list(args))
        return out

    def fold_type_test(self, prim, args, node):
        """Const(result) of a type test the kinds decide, else None."""
        if prim is builtins.isinstance and len(args) == 2:
            classes = self._static_classes(args[1])
            return None if classes is None else \
                _constant(decide_isinstance(self.static_kind(args[0]), classes))
        if prim is builtins.hasattr and len(args) == 2 and _is_const(args[1]) and \
                isinstance(args[1].value, str):
            return _constant(decide_hasattr(self.static_kind(args[0]), args[1].value))
        negate = _TYPE_COMPARISONS.get(prim) if _hashable(prim) else None
        if negate is None or len(args) != 2:
            return None
        for typed, other in (args, args[::-1]):
            made = self._defs.get(typed) if isinstance(typed, Var) else None
            if made and made[0] is builtins.type and len(made[1]) == 1 and \
                    _is_const(other) and isinstance(other.value, type):
                decided = decide_type_is(self.static_kind(made[1][0]), other.value)
                if decided is None:
                    return None
                if decided[1]:
                    self.emit(runtime.check_type_is,
                              [made[1][0], other, Const(self._where(node))],
                              params={"effect": True}, hint="checked")
                return Const(decided[0] != negate)
        return None

    def _where(self, node) -> str:
        loc = self.parsed.loc(node) if node is not None else self.loc
        return f"{loc.filename}:{loc.line}" if loc else "?"

    def _static_classes(self, atom):
        if _is_const(atom):
            return _flatten(atom.value)
        parts = self._tuple_parts(atom)
        if parts is None or not all(_is_const(p) for p in parts):
            return None
        return _flatten(tuple(p.value for p in parts))

    def _constant_slice(self, index):
        """The slice `index` stands for when its bounds are constants, else None."""
        if isinstance(index, Const):
            return index.value if isinstance(index.value, slice) else None
        made = self._defs.get(index)
        if made is None or made[0] is not prims.BUILD_SLICE:
            return None
        bounds = [a.value if isinstance(a, Const) and not isinstance(a, Global) else False
                  for a in made[1]]
        if all(b is None or type(b) is int for b in bounds):
            return slice(*bounds)
        return None

    def static_kind(self, atom, depth=0):
        """The kind of `atom` known while lowering (see the module docstring), or None."""
        if isinstance(atom, Global) or depth > 50:
            return None
        if isinstance(atom, Const):
            return kinds.of_value(atom.value)
        if atom in self.param_kinds:
            return self.param_kinds[atom]
        made = self._defs.get(atom)
        if made is None:
            return None
        prim, args = made
        if prim is operator.getitem:
            index = args[1]
            piece = self._constant_slice(index)
            if piece is not None:       # `args[1:]`: the items in the slice
                seq = self.static_kind(args[0], depth + 1)
                return kinds.Kind(seq.tag, items=tuple(seq.items[piece])) \
                    if seq is not None and seq.tag in ("tuple", "list") else None
            if isinstance(index, Var) and (self.static_kind(index, depth + 1) == kinds.SLICE or
                                           self._defs.get(index, (None,))[0] is prims.BUILD_SLICE):
                return None        # a slice of the sequence, not an item
            return _item_kind(self.static_kind(args[0], depth + 1), index)
        if prim is np.shape or isinstance(prim, str):       # `x.shape`: ndim ints
            kind = self.static_kind(args[0], depth + 1)
            return kinds.Kind("tuple", items=(kinds.INT,) * kind.ndim) \
                if kind is not None and kind.tag == "array" and kind.ndim is not None else None
        if is_user_function(prim) and self.result_kind is not None:
            arg_kinds = [self.static_kind(a, depth + 1) for a in args]
            if all(k is not None and k != kinds.UNKNOWN for k in arg_kinds):
                kind = self.result_kind(prim, tuple(arg_kinds))
                return None if kind in (kinds.UNKNOWN, kinds.BOTTOM) else kind
        return None


def _item_kind(kind, index):
    if kind is None:
        return None
    if kind.tag in ("listof", "tupleof") and not _is_const(index) or \
            kind.tag in ("listof", "tupleof") and isinstance(index.value, int):
        return kind.items[0]
    if kind.tag in ("tuple", "list"):
        if _is_const(index) and isinstance(index.value, int):
            n = len(kind.items)
            return kind.items[index.value] if -n <= index.value < n else None
        if not _is_const(index) and kind.items and len(set(kind.items)) == 1:
            return kind.items[0]
        return None
    if kind.tag == "dict" and _is_const(index):
        return dict(kind.items).get(index.value)
    return None


def _is_const(atom) -> bool:
    return isinstance(atom, Const) and not isinstance(atom, Global)


def _hashable(prim) -> bool:
    try:
        hash(prim)
    except TypeError:
        return False
    return True


def _constant(decided):
    return None if decided is None else Const(decided)
