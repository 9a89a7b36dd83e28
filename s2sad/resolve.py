"""Calls and operators made specific once kinds are known (run by the compiler right
after kind inference, before the in-place checks).

Functions s2sad made.  A call of `grad(f)`, `jacobian(f)`, a pullback, ... becomes a
call of its plain function (compose.py), generated for the arguments' kinds.

Methods.  A call of a method of a user class (`self.helper(x)`) becomes a call of the
method's function, found from the object's class (known from its kind, and pinned:
see pins.py); a call of a function passed as a value (`rhs(y)`, whose kind is the
function) becomes a call of that function.  A method's *args arrive as one tuple,
built just before the call.  A static or class method called through an instance
(`self.act(z)`) becomes a call of its function (without the instance, or with the
class), as does `Class.create(x)` of a class method.  `d.keys()`, `d.values()` and
`d.items()` of a dict of known keys become tuples, `p.a` of a named tuple `p[0]`,
`rs.normal(m, s)` of a NumPy generator `rt.generator_normal(rs, m, s)`, and
`np.r_[a, b]`, `np.c_[a, b]` calls of `rt.r_`, `rt.c_` (whose rules follow the items; `getitem` has no derivative
with respect to an index).

Sequence operators.  Lowering cannot tell `a + b` on lists from `a + b` on numbers.
Once kinds are known, `list + list` and `list * int` get their own primitives
(`rt.concat_items`, `rt.repeat_items`), whose rules move (co)tangents by position;
the arithmetic rules would add them instead.  (A list with a NumPy array or float is
NumPy arithmetic, which the arithmetic rules already follow.)  Where kinds cannot
tell and both operands of `+` may be sequences, `rt.plus` decides at call time; for
`*`, a call-time guard refuses a repetition (`rt.refuse_repetition`) rather than
risk a wrong derivative.
"""
from __future__ import annotations

import inspect
import operator
import types

import numpy as np

from . import kinds, prims, runtime
from .aliasing import insert_call_time_check
from .callables import is_derivative, is_user_function, signature
from .ir_nodes import Block, Const, Eqn, Function, Var, sub_blocks, walk_stmts
from .pins import attribute_pin
from .rules import GENERATOR_METHODS, RESULT_ATTRIBUTES, lookup


def resolve(fn: Function, infer, source_function) -> None:
    """Make method calls, calls of functions s2sad made, and sequence operators of
    `fn` specific (see above); `infer(fresh)` infers `fn`'s kinds again after a
    change; `source_function(f, arg_kinds)` is the compiler's plain function for a
    function s2sad made (compose.py)."""
    if resolve_methods(fn) | resolve_index_builders(fn) | resolve_result_attributes(fn) | \
            resolve_named_fields(fn):
        infer(True)
    if resolve_derivatives(fn, source_function):
        infer(True)
    if resolve_sequence_operators(fn):
        infer(False)


def resolve_derivatives(fn: Function, source_function) -> bool:
    """Calls of functions made by s2sad (`df = s2sad.grad(f)` called as `df(x)`)
    become calls of their plain functions, specialised on the arguments' kinds:
    ordinary user functions from then on.  True when a call changed."""
    changed = False
    for stmt in walk_stmts(fn.body):
        if isinstance(stmt, Eqn) and is_derivative(stmt.prim):
            # keyword arguments (of a function taking **kwargs) are passed after the others
            keywords = tuple(stmt.kwargs)
            stmt.args, stmt.kwargs = list(stmt.args) + list(stmt.kwargs.values()), {}
            stmt.prim = source_function(stmt.prim, [kinds.kind_of(a) for a in stmt.args],
                                        keywords)
            changed = True
    return changed


def resolve_methods(fn: Function) -> bool:
    """Turn calls of methods of user classes (`self.helper(x)`) into calls of the
    method's function, found from the object's class (known from its kind, and
    pinned: see pins.py), and calls of a function passed as a value (`rhs(y)`, its
    kind is the function) into calls of that function; a method's *args arrive as one
    tuple, built just before the call.  Returns True when something changed."""
    return _resolve_methods_in(fn.body, fn.pins) | resolve_dict_views(fn)


_INDEX_BUILDERS = {id(np.r_): runtime.r_, id(np.c_): runtime.c_}


def resolve_index_builders(fn: Function) -> bool:
    """`np.r_[a, b, 3.0]` and `np.c_[a, b]` (a `getitem` of the builder object) become
    `rt.r_((a, b, 3.0))` and `rt.c_(...)`, unless an item is a slice or a string (an
    arange or a directive: left as they are, and refused if differentiated)."""
    defs = {eqn.outs[0]: eqn for eqn in walk_stmts(fn.body) if isinstance(eqn, Eqn) and eqn.outs}
    changed = False
    for eqn in walk_stmts(fn.body):
        if not isinstance(eqn, Eqn) or eqn.prim is not operator.getitem or \
                not isinstance(eqn.args[0], Const) or id(eqn.args[0].value) not in _INDEX_BUILDERS:
            continue
        index = eqn.args[1]
        built = defs.get(index)
        items = built.args if built is not None and built.prim is prims.BUILD_TUPLE else \
            [Const(v) for v in index.value] if isinstance(index, Const) and \
            isinstance(index.value, tuple) else [index]
        if any(isinstance(a, Const) and isinstance(a.value, (str, slice)) or
               isinstance(a, Var) and (kinds.kind_of(a) in (kinds.SLICE, kinds.STR) or
                                       getattr(defs.get(a), "prim", None) is prims.BUILD_SLICE)
               for a in items):
            continue
        eqn.prim, eqn.args, changed = _INDEX_BUILDERS[id(eqn.args[0].value)], [index], True
    return changed


def resolve_result_attributes(fn: Function) -> bool:
    """`sol.y` of `sol = solve_ivp(...)`, a call and attribute listed in
    rules.RESULT_ATTRIBUTES, becomes a call of the helper computing that attribute from
    the call's arguments (the call itself stays for other uses, or is dead code)."""
    defs = {eqn.outs[0]: eqn for eqn in walk_stmts(fn.body) if isinstance(eqn, Eqn) and eqn.outs}
    changed = False
    for eqn in walk_stmts(fn.body):
        name = prims.method_name(getattr(eqn, "prim", None))
        made = defs.get(eqn.args[0]) if name and len(eqn.args) == 1 and \
            eqn.params.get("attribute") else None
        try:
            helper = made is not None and RESULT_ATTRIBUTES.get((made.prim, name))
        except TypeError:         # an unhashable callable
            helper = None
        if helper:
            eqn.prim, eqn.args, eqn.kwargs = helper, list(made.args), dict(made.kwargs)
            eqn.params, changed = {}, True
    return changed


def resolve_named_fields(fn: Function) -> bool:
    """`p.a` of a named tuple `p` (its kind lists the fields) becomes `p[i]`, the item
    the field names, whose rule moves (co)tangents by position."""
    changed = False
    for eqn in walk_stmts(fn.body):
        name = prims.method_name(getattr(eqn, "prim", None))
        if not name or len(eqn.args) != 1 or not eqn.params.get("attribute"):
            continue
        kind = kinds.kind_of(eqn.args[0])
        if kind.tag == "tuple" and name in kind.fields:
            eqn.prim, eqn.params = operator.getitem, {"field": name}   # printed as `p.a`
            eqn.args = [eqn.args[0], Const(kind.fields.index(name))]
            changed = True
    return changed


def resolve_dict_views(fn: Function) -> bool:
    """`d.keys()`, `d.values()` and `d.items()` of a dict whose kind lists its keys
    become tuples: of its keys, of its values read by key, of (key, value) pairs (so
    `sum(d.values())` and `list(d.items())` are differentiated by key).  A view of a
    dict the function later updates stays a view: it would see the update."""
    updated = {eqn.args[0] for eqn in walk_stmts(fn.body)
               if isinstance(eqn, Eqn) and eqn.prim is runtime.setitem}
    changed = False
    for block, stmt in _statements(fn.body):
        view = prims.method_name(getattr(stmt, "prim", None))
        if view not in ("keys", "values", "items") or len(stmt.args) != 1 or stmt.kwargs or \
                stmt.params.get("attribute") or stmt.args[0] in updated or \
                kinds.kind_of(stmt.args[0]).tag != "dict":
            continue
        at, parts = block.stmts.index(stmt), []
        for key, _ in kinds.kind_of(stmt.args[0]).items:
            if view == "keys":
                parts.append(Const(key))
                continue
            value = Var(key if isinstance(key, str) and key.isidentifier() else "value")
            new = [Eqn([value], operator.getitem, [stmt.args[0], Const(key)], loc=stmt.loc,
                       role=stmt.role)]
            if view == "items":
                new.append(Eqn([Var("item")], prims.BUILD_TUPLE, [Const(key), value],
                               loc=stmt.loc, role=stmt.role))
            block.stmts[at:at] = new
            at += len(new)
            parts.append(new[-1].outs[0])
        stmt.prim, stmt.args, changed = prims.BUILD_TUPLE, parts, True
    return changed


def _resolve_methods_in(block: Block, pins: list) -> bool:
    changed = False
    for stmt in list(block.stmts):
        for inner in sub_blocks(stmt):
            changed |= _resolve_methods_in(inner, pins)
        prim = getattr(stmt, "prim", None)
        name = prims.method_name(prim)
        bound_method = isinstance(prim, types.MethodType) and is_user_function(prim.__func__)
        if not bound_method and (name is None or stmt.params.get("attribute") or not stmt.args):
            continue
        kind = kinds.kind_of(stmt.args[0]) if stmt.args else kinds.NONE
        args = list(stmt.args)
        if bound_method:                     # `Class.create(x)`, a class method
            method, args = prim.__func__, [Const(prim.__self__)] + args
        elif kind.tag == "function" and name == "__call__":
            method = kind.items[0]           # a function passed in: call it by name
            args = args[1:]
            if not is_user_function(method):
                stmt.prim, stmt.args, changed = method, args, True
                continue
        elif kind.tag == "object" and (kind.items[:1] + (name,)) in GENERATOR_METHODS:
            stmt.prim, changed = GENERATOR_METHODS[kind.items[0], name], True   # rs.normal
            continue
        elif kind.tag in ("object", "class") and kind.items and isinstance(kind.items[0], type):
            method, args = _class_attribute(kind, name, args)
            if method is not None and not is_user_function(method) and lookup(method):
                pins.append(attribute_pin(kind.items[0], name))   # `act = np.tanh` on the class
                stmt.prim, stmt.args, changed = method, args, True
                continue
        else:
            continue
        if not is_user_function(method) or method.__code__.co_flags & inspect.CO_VARKEYWORDS:
            continue
        if kind.tag in ("object", "class"):
            pins.append(attribute_pin(kind.items[0], name))
        try:
            bound = signature(method).bind(*args, **stmt.kwargs)
        except TypeError:
            continue
        bound.apply_defaults()
        for p in signature(method).parameters.values():
            if p.kind is p.VAR_POSITIONAL:
                packed = Var(p.name)
                block.stmts.insert(block.stmts.index(stmt), Eqn(
                    [packed], prims.BUILD_TUPLE, list(bound.arguments[p.name]), loc=stmt.loc,
                    role=stmt.role))
                bound.arguments[p.name] = packed
        stmt.prim = method
        stmt.args = [v if isinstance(v, (Var, Const)) else Const(v)
                     for v in bound.arguments.values()]
        stmt.kwargs = {}
        changed = True
    return changed


def _class_attribute(kind, name: str, args: list):
    """(the function `obj.name(...)` calls, its arguments) for `obj` of `kind`, an
    instance (tag "object") or a class ("class"): a static method drops `obj`, a class
    method receives the class, a plain function through a class drops it too."""
    cls = kind.items[0]
    found = inspect.getattr_static(cls, name, None)
    if isinstance(found, staticmethod):
        return found.__func__, args[1:]
    if isinstance(found, classmethod):
        return found.__func__, [Const(cls)] + args[1:]
    if kind.tag == "class" or found is not None and not inspect.isfunction(found):
        return found, args[1:]           # no binding: `Class.f(x)`, `act = np.tanh`
    return found, args


def _statements(block: Block):
    """(block, statement) for every statement under `block`, inner blocks first; a
    pass may insert statements before the one it is given."""
    for stmt in list(block.stmts):
        for inner in sub_blocks(stmt):
            yield from _statements(inner)
        yield block, stmt


SEQUENCE_TAGS = ("list", "listof", "tuple", "tupleof")
_COUNT_TAGS = ("int", "bool")
_NUMERIC_MODULES = ("numpy", "math")
# NumPy functions that return a list or tuple (of arrays).
_SEQUENCE_RESULTS = {np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit, np.meshgrid,
                     np.nonzero, np.where, np.unravel_index, np.gradient, np.broadcast_arrays,
                     np.atleast_1d, np.atleast_2d, np.atleast_3d, np.histogram, np.unique,
                     np.linalg.eig, np.linalg.eigh, np.linalg.svd, np.linalg.qr,
                     np.linalg.slogdet, np.linalg.lstsq, np.divmod, np.frexp, np.modf}


def resolve_sequence_operators(fn: Function) -> bool:
    """Rewrite `+`/`*` on lists and tuples in `fn` (see the module docstring); True
    when a primitive changed (kinds must then be inferred again)."""
    defs = {eqn.outs[0]: eqn for eqn in walk_stmts(fn.body) if isinstance(eqn, Eqn) and eqn.outs}
    changed = False
    for block, stmt in _statements(fn.body):
        if not isinstance(stmt, Eqn) or stmt.prim not in (operator.add, operator.mul) or \
                len(stmt.args) != 2 or stmt.kwargs:
            continue
        tags = [kinds.kind_of(x).tag for x in stmt.args]
        sequence = [t in SEQUENCE_TAGS for t in tags]
        maybe = [t in SEQUENCE_TAGS or t == "unknown" and _may_be_sequence(x, defs, 8)
                 for t, x in zip(tags, stmt.args)]
        if stmt.prim is operator.add:
            if all(sequence):
                stmt.prim, changed = runtime.concat_items, True
            elif all(maybe):
                stmt.prim, changed = runtime.plus, True     # decided at call time
            continue
        count = [t in _COUNT_TAGS for t in tags]
        if sequence[0] and count[1] or sequence[1] and count[0]:
            if sequence[1]:
                stmt.args = stmt.args[::-1]       # `n * items`: the sequence goes first
            stmt.prim, changed = runtime.repeat_items, True
        elif maybe[0] and tags[1] in _COUNT_TAGS + ("unknown",) or \
                maybe[1] and tags[0] in _COUNT_TAGS + ("unknown",):
            insert_call_time_check(block, stmt, runtime.refuse_repetition, list(stmt.args))
    return changed


def _may_be_sequence(atom, defs: dict, depth: int) -> bool:
    """Could the value of `atom` (of unknown kind) be a list or tuple?  No for results
    of NumPy and math functions and of arithmetic on non-sequences."""
    if isinstance(atom, Const):
        return isinstance(atom.value, (list, tuple)) or hasattr(atom, "name")
    eqn = defs.get(atom)
    if eqn is None or depth == 0:
        return True           # a parameter, or a branch or loop merge
    kind = kinds.kind_of(atom)
    if kind.tag != "unknown":
        return kind.tag in SEQUENCE_TAGS
    if eqn.prim in (operator.add, operator.mul):
        return any(_may_be_sequence(a, defs, depth - 1) for a in eqn.args)
    module = getattr(eqn.prim, "__module__", None) or ""
    numeric = module.split(".")[0] in _NUMERIC_MODULES and eqn.prim not in _SEQUENCE_RESULTS
    return not (numeric or isinstance(eqn.prim, np.ufunc) or
                eqn.prim in (operator.sub, operator.truediv, operator.neg, operator.pow,
                             operator.matmul))
