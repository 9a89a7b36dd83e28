"""Kind inference: what sort of value each Var holds (Python float, int, bool, a NumPy
array of some ndim and dtype, a tuple of kinds), propagated from argument kinds.

Kinds let code generation emit plain float arithmetic (no helper calls) where all
values are Python floats, and decide activity (integers are never differentiated).
Known functions are evaluated on tiny example values of the argument kinds; anything
else gets the UNKNOWN kind, for which generated code takes the generic, always
correct form.
"""
from __future__ import annotations

import builtins
import operator
import types
import warnings
from dataclasses import dataclass

import numpy as np

from . import prims, runtime
from .ir_nodes import Block, Const, Eqn, Function, If, Loop, Var, reads as reads_of, \
    walk_stmts
from .callables import is_derivative, is_user_function
from .rules import lookup, not_evaluated


@dataclass(frozen=True)
class Kind:
    tag: str        # float int bool none array tuple list listof dict object function class
                    # unknown
    ndim: int | None = None
    dtype: str | None = None
    items: tuple = ()
    fields: tuple = ()     # a named tuple's field names (`p.a` reads item 0: resolve.py)

    # Equality and hashing by the fields, as a dataclass's, but quicker (kinds are
    # compared and hashed for every equation): the same object is equal at once, and
    # the hash is remembered (not pickled: a str's hash differs between processes).
    def __eq__(self, other):
        if self is other:
            return True
        if other.__class__ is not Kind:
            return NotImplemented
        return self.tag == other.tag and self.ndim == other.ndim and \
            self.dtype == other.dtype and self.items == other.items and \
            self.fields == other.fields

    def __hash__(self) -> int:
        found = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.tag, self.ndim, self.dtype, self.items, self.fields))
            object.__setattr__(self, "_hash", found)
        return found

    def __reduce__(self):
        return Kind, (self.tag, self.ndim, self.dtype, self.items, self.fields)

    def __str__(self) -> str:
        if self.tag == "array":
            return f"{self.dtype}[{self.ndim}d]"
        if self.tag == "tuple":
            return "(" + ", ".join(map(str, self.items)) + ")"
        if self.tag == "list":
            return "[" + ", ".join(map(str, self.items)) + "]"
        if self.tag == "listof":
            return f"[{self.items[0]}, ...]"
        if self.tag == "tupleof":
            return f"({self.items[0]}, ...)"
        if self.tag == "dict":
            return "{" + ", ".join(f"{k}: {v}" for k, v in self.items) + "}"
        if self.tag in ("object", "function", "class") and self.items:
            return getattr(self.items[0], "__name__", self.tag)
        return self.tag


FLOAT, INT, BOOL, NONE = Kind("float"), Kind("int"), Kind("bool"), Kind("none")
# Values whose kind is the function itself (a function passed as an argument).
FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType, np.ufunc,
                  type(np.sum))
OBJECT, UNKNOWN = Kind("object"), Kind("unknown")
BOTTOM = Kind("bottom")   # no information yet (a recursive call being inferred)
SLICE = Kind("object", items=(slice,))
STR = Kind("object", items=(str,))      # a dict's key read at run time
SCALARS = (FLOAT, INT, BOOL)
SCALAR_TAGS = ("float", "int", "bool")


def array(ndim: int, dtype) -> Kind:
    try:
        name = _DTYPE_NAMES[dtype]
    except (KeyError, TypeError):
        name = np.dtype(dtype).name
        if isinstance(dtype, np.dtype):
            _DTYPE_NAMES[dtype] = name
    return Kind("array", ndim, name)


_DTYPE_NAMES: dict = {}     # dtype -> its name (np.dtype.name is slow to compute)


def list_of(item: Kind, tag: str = "listof") -> Kind:
    """A list (or with tag "tupleof", a tuple) of any length whose items all have kind
    `item`: one built in a loop, or the cotangent of one."""
    return Kind(tag, items=(item,))


_OF_TYPE = {float: FLOAT, int: INT, bool: BOOL, type(None): NONE}   # (the common cases)


def of_value(value) -> Kind:
    """The kind of a runtime value (used for argument signatures and constants)."""
    exact = _OF_TYPE.get(value.__class__)
    if exact is not None:
        return exact
    if value is None or value is prims.UNDEFINED:
        return NONE
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (float, np.float64)) and not isinstance(value, np.ndarray):
        return FLOAT
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.ndarray):
        return INT if isinstance(value, int) else array(0, value.dtype)
    if isinstance(value, (np.ndarray, np.generic)):
        return array(np.ndim(value), value.dtype)
    if isinstance(value, complex):      # 2j: a complex scalar (values made with it can be active)
        return array(0, np.complex128)
    if isinstance(value, (tuple, list)) and len(value) <= 64:
        tag = "tuple" if isinstance(value, tuple) else "list"
        fields = getattr(type(value), "_fields", ())
        return Kind(tag, items=tuple(of_value(v) for v in value),
                    fields=tuple(fields) if isinstance(fields, tuple) else ())
    if isinstance(value, dict) and len(value) <= 64 and all(isinstance(k, str) for k in value):
        return Kind("dict", items=tuple((k, of_value(v)) for k, v in value.items()))
    if isinstance(value, (list, dict, tuple)):
        return UNKNOWN
    if isinstance(value, FUNCTION_TYPES):
        return Kind("function", items=(value,))     # specialised on the function itself
    if isinstance(value, type):
        return Kind("class", items=(value,))        # `cls` of a class method: the class
    return Kind("object", items=(type(value),))


FLOAT_EXAMPLES = (0.5, 1e3, -1e3)


def example(kind: Kind, variant: int = 0, length: int = 2):
    """A small value of `kind`, for evaluating known functions on kinds; `variant`
    picks other float values (for functions like max whose result type depends on
    the values), `length` the length of lists of any length."""
    if kind == FLOAT:
        return FLOAT_EXAMPLES[variant]
    if kind == INT:
        return 1
    if kind == BOOL:
        return True
    if kind == NONE:
        return None
    if kind.tag == "array":
        value = np.full((3,) * kind.ndim, 1 if np.dtype(kind.dtype).kind in "iub" else 0.5,
                        dtype=kind.dtype)
        return value if kind.ndim else value[()]
    if kind.tag == "tuple":
        return tuple(example(k, variant, length) for k in kind.items)
    if kind.tag == "list":
        return [example(k, variant, length) for k in kind.items]
    if kind.tag in ("listof", "tupleof"):
        items = [example(kind.items[0], variant, length) for _ in range(length)]
        return items if kind.tag == "listof" else tuple(items)
    if kind.tag == "dict":
        return {k: example(v, variant, length) for k, v in kind.items}
    if kind == STR:
        return "key"
    if kind == SLICE:           # bounds unknown: two examples of different lengths
        return slice(None) if length == 2 else slice(1, None)
    if kind.tag in ("function", "class"):
        return kind.items[0]
    raise ValueError("no example value")


def is_scalar(kind) -> bool:
    return kind in SCALARS


def can_be_active(kind) -> bool:
    """Integers, booleans and objects never carry derivatives."""
    if kind is None or kind in (UNKNOWN, FLOAT, BOTTOM):
        return True
    if kind.tag == "array":
        return np.dtype(kind.dtype).kind in "fc"
    if kind.tag in ("tuple", "list", "listof", "tupleof"):
        return any(can_be_active(k) for k in kind.items)
    if kind.tag == "dict":
        return any(can_be_active(k) for _, k in kind.items)
    return False


def join(a: Kind | None, b: Kind | None) -> Kind | None:
    if a is None or a == NONE or a == BOTTOM:
        return b
    if b is None or b == NONE or b == BOTTOM or a == b:
        return a
    if {a, b} <= {INT, FLOAT, BOOL}:
        return FLOAT if FLOAT in (a, b) else INT
    for tags in (("list", "listof"), ("tuple", "tupleof")):
        if a.tag in tags and b.tag in tags:
            return _join_sequences(a, b, tags[1])
    return UNKNOWN


def _join_sequences(a: Kind, b: Kind, tag: str) -> Kind:
    """Lists (tuples) of different lengths join to a list (tuple) of any length when
    their items join to one kind (an empty one joins with anything).  A list whose
    items' kinds differ is still a list (of unknown items): its cotangent stays one
    of per-item cotangents, updated at an index (transforms/templates.py)."""
    items = a.items + b.items
    if not items:
        return a
    item = items[0]
    for k in items[1:]:
        item = join(item, k)
    return list_of(item, tag)


_EVALUABLE_MODULES = ("numpy", "math", "operator", "_operator", "builtins")
_STRUCTURAL = {prims.BUILD_TUPLE: lambda *a: tuple(a), prims.BUILD_LIST: lambda *a: list(a),
               prims.BUILD_SLICE: builtins.slice, prims.AND: lambda a, b: a and b,
               prims.OR: lambda a, b: a or b}


def _callable_for(prim, args):
    if prim in _STRUCTURAL:
        return _STRUCTURAL[prim]
    name = prims.method_name(prim)
    if name is not None:
        return None  # methods are handled by the caller
    module = getattr(prim, "__module__", None) or ""
    if isinstance(prim, np.ufunc) or module.split(".")[0] in _EVALUABLE_MODULES or \
            module.startswith(("s2sad.runtime", "s2sad.rules")) or \
            lookup(prim) is not None:
        return prim
    return None


def eqn_kind(eqn: Eqn, kind_of, result_kind=None) -> Kind:
    """Kind of the (single) output of `eqn` given the kinds of its inputs; a call to a
    user function asks `result_kind(fn, arg_kinds)` (without one, its output keeps the
    kind it already has)."""
    kind = _eqn_kind(eqn, kind_of, result_kind)
    position = _SEQUENCE_COTANGENTS.get(eqn.prim) if kind == UNKNOWN else None
    if position is not None and kind_of(eqn.args[position]).tag in SEQUENCE_TAGS:
        return list_of(UNKNOWN, "tupleof")     # per-item cotangents of unknown kinds
    return kind


def _eqn_kind(eqn: Eqn, kind_of, result_kind) -> Kind:
    if eqn.prim in (prims.ASSERT, prims.RAISE, prims.FORMAT) or eqn.prim is builtins.print:
        return NONE if eqn.prim is not prims.FORMAT else OBJECT
    if isinstance(eqn.prim, prims.DerivativeCall):
        return eqn.prim.out_kinds[0] if eqn.prim.out_kinds else UNKNOWN
    if eqn.prim in (prims.TAPE_POP,):
        return UNKNOWN
    arg_kinds = [kind_of(a) for a in eqn.args]
    kw_kinds = {k: kind_of(v) for k, v in eqn.kwargs.items()}
    if BOTTOM in arg_kinds:
        return BOTTOM
    if is_user_function(eqn.prim) or is_derivative(eqn.prim):
        if result_kind is not None:
            return result_kind(eqn.prim, arg_kinds)
        return eqn.outs[0].kind or UNKNOWN
    if eqn.prim in (runtime.setitem, runtime.add_at, runtime.add_at_inplace) and \
            arg_kinds[0].tag == "array":
        return arg_kinds[0]     # a write into an array keeps its dtype and ndim
    if eqn.prim is runtime.appended and arg_kinds[0].tag in SEQUENCE_TAGS:
        return _appended_kind(*arg_kinds)   # a list stays a list, whatever its items
    if (eqn.prim is prims.BUILD_TUPLE or eqn.prim is prims.BUILD_LIST) and len(arg_kinds) <= 64:
        # its length is known even where an item's kind is not (`*args` of a call)
        return Kind("tuple" if eqn.prim is prims.BUILD_TUPLE else "list", items=tuple(arg_kinds))
    for k, a in zip(arg_kinds + list(kw_kinds.values()), reads_of(eqn)) if kw_kinds else \
            zip(arg_kinds, eqn.args):
        if k == UNKNOWN or k.tag == "object" and k not in (SLICE, STR) and \
                not isinstance(a, Const):
            return UNKNOWN
    declared = not_evaluated(eqn.prim)
    if declared is not False:          # calls user code: not run on example values
        return UNKNOWN if declared is None else array(*declared)
    if eqn.prim is operator.getitem and type(eqn.args[1]) is Const and \
            _item_kind(arg_kinds[0], eqn.args[1].value) is not None:
        return _item_kind(arg_kinds[0], eqn.args[1].value)   # `t[0]`, `d["w"]`: as it is
    if eqn.prim is operator.getitem and arg_kinds[0].tag in ("list", "tuple") and \
            arg_kinds[1] == INT and not isinstance(eqn.args[1], Const):
        # an item at an index computed at run time (`path[-1]`, `t[k]`): any of the items
        # (an example index could fall outside a short list)
        item = arg_kinds[0].items[0] if arg_kinds[0].items else UNKNOWN
        for other in arg_kinds[0].items[1:]:
            item = join(item, other)
        return item
    kind = _evaluated_kind(eqn, arg_kinds, kw_kinds, 0)
    if any(map(_any_length, arg_kinds + list(kw_kinds.values()))):
        # a result's length may follow a list's length or a slice's bounds; an array's
        # kind does not (the second examples may just not fit: a slice of a row)
        other = _evaluated_kind(eqn, arg_kinds, kw_kinds, 0, length=3)
        if other != UNKNOWN or kind.tag not in ("array",) + SCALAR_TAGS:
            kind = join(kind, other)
    if kind in (INT, BOOL) and FLOAT in arg_kinds + list(kw_kinds.values()):
        # max(x, 5) is an int for some floats x and a float for others
        for variant in (1, 2):
            kind = join(kind, _evaluated_kind(eqn, arg_kinds, kw_kinds, variant))
    return kind


SEQUENCE_TAGS = ("list", "listof", "tuple", "tupleof")
# Cotangent helpers -> the position of the argument whose cotangent they return (or
# update): for a list or tuple, a tuple of per-item cotangents.  Where the items'
# kinds are not known, it is still known to be a tuple, of any length (so that its
# items are read without aliasing it, transforms/inplace.py).
_SEQUENCE_COTANGENTS = {runtime.getitem_vjp: 1, runtime.array_vjp: 1,
                        runtime.list_cotangent: 1, runtime.iter_sum_vjp: 1,
                        runtime.without_last: 0, runtime.add_at: 0}


def _appended_kind(items: Kind, item: Kind) -> Kind:
    """The kind of `items` with an item of kind `item` appended."""
    if items.tag in ("list", "tuple"):
        return Kind(items.tag, items=items.items + (item,))
    return list_of(join(items.items[0], item), items.tag)


def _item_kind(kind: Kind, key):
    """The kind of the item at a constant key or position of a container of `kind`
    (objects and functions included, which have no example values), or None."""
    if kind.tag == "dict":
        return dict(kind.items).get(key)
    if type(key) is not int:
        return None
    if kind.tag in ("tuple", "list") and -len(kind.items) <= key < len(kind.items):
        return kind.items[key]
    return kind.items[0] if kind.tag in ("listof", "tupleof") else None


def _any_length(kind: Kind) -> bool:
    """A list or tuple of any length, or a slice with unknown bounds, is in `kind`."""
    if kind.tag in ("listof", "tupleof") or kind == SLICE:
        return True
    if kind.tag == "dict":
        return any(_any_length(k) for _, k in kind.items)
    return kind.tag in ("tuple", "list") and any(map(_any_length, kind.items))


_EVALUATED: dict = {}     # what _evaluated_kind found, by its inputs


def _evaluated_kind(eqn, arg_kinds, kw_kinds, variant, length=2) -> Kind:
    """The kind of `eqn`'s result, found by running it on example values of the
    arguments' kinds (remembered: the examples of a kind are always the same)."""
    try:
        key = (eqn.prim, bool(eqn.params.get("attribute")), tuple(arg_kinds),
               tuple(kw_kinds.items()), variant, length, tuple(map(_const_key, eqn.args)),
               tuple(map(_const_key, eqn.kwargs.values())))
        hash(key)
    except TypeError:         # an unhashable constant: not remembered
        return _evaluate_kind(eqn, arg_kinds, kw_kinds, variant, length)
    found = _EVALUATED.get(key)
    if found is None:
        if len(_EVALUATED) > 50_000:
            _EVALUATED.clear()
        found = _EVALUATED[key] = _evaluate_kind(eqn, arg_kinds, kw_kinds, variant, length)
    return found


def _const_key(atom):
    """What of `atom` the example evaluation uses: a literal's value (with its type)."""
    if atom.__class__ is Const:      # (not a Global: that has a name)
        return (type(atom.value), atom.value)
    return None


def _evaluate_kind(eqn, arg_kinds, kw_kinds, variant, length) -> Kind:
    kind = _run_on_examples(eqn, arg_kinds, kw_kinds, variant, length, False)
    if kind == UNKNOWN and any(isinstance(a, Const) and isinstance(a.value, np.ndarray)
                               for a in list(eqn.args) + list(eqn.kwargs.values())):
        # an array constant of another shape than the examples: an example of its kind
        kind = _run_on_examples(eqn, arg_kinds, kw_kinds, variant, length, True)
    return kind


def _run_on_examples(eqn, arg_kinds, kw_kinds, variant, length, arrays_too) -> Kind:
    """The kind of `eqn`'s result run on examples of its arguments' kinds (constants
    as they are; with `arrays_too`, array constants replaced by examples of their kinds)."""
    def atom(a, k):
        if arrays_too and isinstance(a, Const) and isinstance(a.value, np.ndarray):
            return example(k, variant, length)
        return _example_atom(a, k, variant, length)
    try:
        args = [atom(a, k) for a, k in zip(eqn.args, arg_kinds)]
        kwargs = {k: atom(eqn.kwargs[k], v)
                  for k, v in kw_kinds.items()}
        name = prims.method_name(eqn.prim)
        if name is not None:
            if arg_kinds[0].tag != "array":
                return UNKNOWN
            attr = getattr(args[0], name)
            value = attr if eqn.params.get("attribute") else attr(*args[1:], **kwargs)
        else:
            fn = _callable_for(eqn.prim, args)
            if fn is None:
                return UNKNOWN
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                value = fn(*args, **kwargs)
        return of_value(value)
    except Exception:  # a kind we cannot predict: fall back to generic code
        return UNKNOWN


def _example_atom(atom, kind, variant=0, length=2):
    if atom.__class__ is Const:
        return atom.value
    return example(kind, variant, length)


def const_kind(atom: Const) -> Kind:
    if atom.__class__ is not Const:  # a Global, read at call time: its kind only if
        return atom.kind or UNKNOWN  # specialised on
    return of_value(atom.value)


def infer(fn: Function, param_kinds, fresh: bool = False, result_kind=None) -> None:
    """Fill `var.kind` for every Var of `fn`, starting from the parameters' kinds;
    `fresh` forgets earlier kinds first (after calls were resolved: loop-carried
    values would otherwise keep the UNKNOWN an unresolved call gave them).
    `result_kind(fn, arg_kinds)` gives the kind of a call to a user function (the
    compiler's, which lowers the callee); without it such results keep their kinds."""
    if fresh:
        for stmt in walk_stmts(fn.body):
            defined = stmt.outs if isinstance(stmt, (Eqn, If)) else \
                stmt.carried + stmt.outs + ([stmt.index] if stmt.index is not None else [])
            for var in defined:
                var.kind = None
    for p, k in zip(fn.params, param_kinds):
        p.kind = k
    for _ in range(20):
        # one pass in program order is a fixed point unless a loop did not settle
        # within its own iterations (`_loop`): only then pass again
        unsettled: list = []
        if not _block(fn.body, result_kind, unsettled) or not unsettled:
            return


def kind_of(atom) -> Kind:
    if atom.__class__ is not Var and isinstance(atom, Const):
        return const_kind(atom)
    kind = atom.kind
    return kind if kind is not None else NONE


def _set(var: Var, kind) -> bool:
    if var.kind != kind:
        var.kind = kind
        return True
    return False


def _block(block: Block, result_kind, unsettled: list) -> bool:
    changed = False
    for stmt in block.stmts:
        if isinstance(stmt, Eqn):
            if stmt.prim in (prims.TAPE_POP, prims.UNPACK):
                continue  # popped values keep the kinds of the values pushed
            if isinstance(stmt.prim, prims.DerivativeCall):
                for v, k in zip(stmt.outs, stmt.prim.out_kinds):
                    changed |= _set(v, k)
            elif len(stmt.outs) == 1:
                changed |= _set(stmt.outs[0], eqn_kind(stmt, kind_of, result_kind))
            else:
                for v in stmt.outs:
                    if v.kind is None:
                        changed |= _set(v, UNKNOWN)
        elif isinstance(stmt, If):
            changed |= _block(stmt.then, result_kind, unsettled) | \
                _block(stmt.orelse, result_kind, unsettled)
            for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results):
                changed |= _set(out, join(kind_of(a), kind_of(b)))
        elif isinstance(stmt, Loop):
            changed |= _loop(stmt, result_kind, unsettled)
    return changed


def _loop(loop: Loop, result_kind, unsettled: list) -> bool:
    changed = False
    if loop.index is not None:
        changed |= _set(loop.index, INT)
    if loop.count is not None:
        changed |= _set(loop.count, INT)
    for _ in range(10):
        step = False
        for c, init, res in zip(loop.carried, loop.inits, loop.body.results):
            step |= _set(c, join(join(c.kind, kind_of(init)), kind_of(res) if
                                 res.__class__ is not Var or res.kind is not None else None))
        if loop.cond is not None:
            step |= _block(loop.cond, result_kind, unsettled)
        step |= _block(loop.body, result_kind, unsettled)
        changed |= step
        if not step:
            break
    else:
        unsettled.append(loop)
    for out, c in zip(loop.outs, loop.carried):
        changed |= _set(out, c.kind)
    return changed


__all__ = ["Kind", "FLOAT", "INT", "BOOL", "NONE", "OBJECT", "UNKNOWN", "array", "list_of",
           "of_value", "infer", "kind_of", "is_scalar", "can_be_active", "join", "operator"]
