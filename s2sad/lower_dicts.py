"""Loops over dicts, unrolled by key: `for k in d`, `for k, v in d.items()`,
`for v in d.values()`, `for k in d.keys()` (also under `enumerate`, `reversed` and a
`zip` of dicts), and the comprehensions lowered as such loops.

Python iterates a dict by key; the IR's loops run by position (lower.py), so a dict's
loop is lowered once per key with the key a constant: `d[k]` is then an item of known
kind, and gradients keep the dict's structure.  The keys are known when lowering when
the dict is a parameter (its kind lists them), a dict display of the function, an
item assignment with a constant key into one or a copy of one, or a branch or loop
merge of such dicts with the same keys (checked once the function is lowered: a loop
that adds keys to a dict it iterates is refused).  Every other loop over a value is
recorded (`Function.dict_loops`); when kinds find a dict there (a helper's result, an
item of a dict), the compiler lowers the function again with those keys
(`keys_found`), and a loop over a dict whose keys stay unknown is refused (at call
time when kinds could not tell a dict: `guard_dict_loops`).

`break`, `continue` and `return` work as in loops: each iteration starts with `.exit`
false, and the iterations after one that may stop run under `if not .stop`.
"""
from __future__ import annotations

import builtins
import operator

import gast

from . import kinds, prims, runtime, scopes
from .aliasing import insert_call_time_check
from .errors import UnsupportedSyntaxError
from .ir_nodes import Const, Eqn, Var, sub_blocks, walk_stmts
from .parsing import to_source
from .prims import UNDEFINED

VIEWS = ("keys", "values", "items")
_MAX_DEPTH = 200
_TESTS = (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
          operator.contains, operator.not_, operator.is_, operator.is_not)
_KEYED = (runtime.build_dict, runtime.setitem, operator.getitem, builtins.dict)
_COPY = prims.method("copy")


def _one_of(prim, fns) -> bool:
    return any(prim is fn for fn in fns)     # by identity: a prim may be unhashable


def _literal(atom) -> bool:
    """A constant of the program text (a key, a number, a tuple of them)."""
    return type(atom) is Const and (
        type(atom.value) in (str, int, float, bool, type(None)) or
        type(atom.value) is tuple and all(_literal(Const(v)) for v in atom.value))


def keys_found(fn, known: dict) -> dict:
    """{dict expression node: keys} of the loops of `fn` lowered by position over values
    kinds find to be dicts (not yet in `known`); a node met with different keys (a
    local function inlined twice) is left out."""
    found, clash = {}, set()
    for node, atom in fn.dict_loops:
        kind = kinds.kind_of(atom)
        if kind.tag != "dict" or node in known:
            continue
        keys = tuple(k for k, _ in kind.items)
        if found.setdefault(node, keys) != keys:
            clash.add(node)
    return {node: keys for node, keys in found.items() if node not in clash}


def guard_dict_loops(fn) -> None:
    """Before each loop lowered by position over a value kinds could not tell (a global
    or closure value, a call's result), check at call time that it is not a dict: the
    loop would read it by position (rt.refuse_dict_loop)."""
    unknown = {id(atom) for _, atom in fn.dict_loops if kinds.kind_of(atom) == kinds.UNKNOWN}
    for block in [fn.body] + [b for stmt in walk_stmts(fn.body) for b in sub_blocks(stmt)]:
        for stmt in list(block.stmts):
            if isinstance(stmt, Eqn) and stmt.prim is builtins.len and \
                    id(stmt.args[0]) in unknown:
                insert_call_time_check(block, stmt, runtime.refuse_dict_loop, [stmt.args[0]])


class DictLoops:
    """The lowerer's part that unrolls loops over dicts (see the module docstring);
    mixed into lower._Lowerer.  `dict_hints` maps dict expression nodes to the keys
    kinds found in an earlier lowering."""

    dict_hints: dict = {}

    @property
    def dict_loops(self) -> list:
        """(dict expression node, atom) of the loops lowered by position."""
        return self.__dict__.setdefault("_dict_loops", [])

    @property
    def _made(self) -> dict:
        """Var -> (prim, args) of the equations that make a dict with known keys."""
        return self.__dict__.setdefault("_dict_made", {})

    def emit(self, prim, args, kwargs=None, hint="t", params=None, node=None) -> Var:
        if _one_of(prim, _TESTS) and not kwargs and all(_literal(a) for a in args):
            try:                                    # `k == "b"` on an unrolled key
                return Const(prim(*(a.value for a in args)))
            except TypeError:
                pass                                # raised where Python raises it
        out = super().emit(prim, args, kwargs, hint, params, node)
        # dicts of known keys: displays, copies (`dict(d)`, `d.copy()`), item assignments
        # with a constant key, items at a constant key (of a parameter: nested dicts)
        keyed = prim == _COPY if isinstance(prim, str) else _one_of(prim, _KEYED)
        if keyed and (prim is runtime.build_dict or len(args) == 1 or isinstance(args[1], Const)):
            self._made[out] = (prim, args)
        return out

    def lowered(self, dict_keys=None):
        """The lowered function, with `dict_keys` ({dict expression node: keys}, from
        keys_found) for the loops whose keys only kinds could tell."""
        self.dict_hints = dict_keys or {}
        fn = self.function()
        fn.dict_loops = self.dict_loops
        return fn

    # ---- which keys -----------------------------------------------------------------

    def keys_of(self, atom, assumed=None, depth=0):
        """The keys, in order, of the dict `atom` holds, when known now; a loop-carried
        dict is assumed to keep its keys while its body is checked against that."""
        assumed = {} if assumed is None else assumed
        if atom in assumed:
            return assumed[atom]
        if depth > _MAX_DEPTH or not isinstance(atom, Var):
            return None
        made = self._made.get(atom)
        if made is not None:
            prim, args = made
            if prim is runtime.build_dict:
                return tuple(args[0].value)
            if prim is operator.getitem:
                kind = self._kind_of_item(atom)
                return tuple(k for k, _ in kind.items) if kind and kind.tag == "dict" else None
            keys = self.keys_of(args[0], assumed, depth + 1)
            if prim is runtime.setitem and keys is not None and args[1].value not in keys:
                keys += (args[1].value,)
            return keys
        kind = self.param_kinds.get(atom)
        if kind is not None:
            return tuple(k for k, _ in kind.items) if kind.tag == "dict" else None
        sources = [s for s in self.sources.get(atom, ())
                   if not (isinstance(s, Const) and s.value is UNDEFINED)]
        if not sources:
            return None
        first = self.keys_of(sources[0], assumed, depth + 1)
        if first is None:
            return None
        assumed[atom] = first
        same = all(self.keys_of(s, assumed, depth + 1) == first for s in sources[1:])
        del assumed[atom]
        return first if same else None

    def _kind_of_item(self, atom, depth=0):
        """The kind of `atom` when lowering can tell: a parameter's, or an item of one at
        a constant key or position (`p["layer1"]`), else None."""
        kind = self.param_kinds.get(atom)
        made = self._made.get(atom)
        if kind is not None or made is None or made[0] is not operator.getitem or depth > 8:
            return kind
        outer, key = self._kind_of_item(made[1][0], depth + 1), made[1][1].value
        if outer is not None and outer.tag == "dict":
            return dict(outer.items).get(key)
        if outer is not None and outer.tag in ("tuple", "list") and isinstance(key, int) and \
                -len(outer.items) <= key < len(outer.items):
            return outer.items[key]
        return None

    def _dict_leaf(self, node):
        """(dict expression node, view, keys) when `node` iterates a dict whose keys are
        known: `d`, `d.keys()`, `d.values()`, `d.items()` (or a tuple argument whose items
        differ in kind: view "positions"); else None."""
        view = "keys"
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
                node.func.attr in VIEWS and not node.args and not node.keywords:
            node, view = node.func.value, node.func.attr
        keys = self.dict_hints.get(node)
        if keys is None and isinstance(node, gast.Name) and node.id in self.env:
            keys = self.keys_of(self.env[node.id])
            kind = self._kind_of_item(self.env[node.id])
            if keys is None and view == "keys" and kind is not None and \
                    kind.tag in ("tuple", "list") and len(set(kind.items)) > 1:
                # a tuple argument of items of different kinds (layers of different
                # classes): unrolled too, so each item keeps its kind
                return node, "positions", tuple(range(len(kind.items)))
        return (node, view, keys) if keys is not None else None

    def _unrollable(self, node) -> bool:
        call = isinstance(node, gast.Call) and not node.keywords
        if call and self._call_to(node, builtins.enumerate, builtins.reversed):
            return self._unrollable(node.args[0])
        if call and self._call_to(node, builtins.zip) and node.args:
            parts = [self._unrollable(a) for a in node.args]
            if any(parts) and not all(parts):
                raise UnsupportedSyntaxError(
                    [(self.parsed.loc(node), "`zip` of a dict with a sequence: s2sad unrolls "
                                             "a loop over a dict by key, and cannot tell "
                                             "where the sequence ends")],
                    fix="iterate over the dict and index the sequence by position "
                        "(`for i, (k, v) in enumerate(d.items()): ... seq[i]`)")
            return all(parts)
        return self._dict_leaf(node) is not None

    def _call_to(self, node, *fns) -> bool:
        ok, value = self.static_value(node.func)
        return ok and any(value is fn for fn in fns)

    # ---- lowering ---------------------------------------------------------------------

    def loop_over_dict(self, stmt, live):
        """Lower the `for` statement `stmt` unrolled by key when it iterates dicts with
        known keys; None when it does not (lower.py lowers it as a loop), else whether
        every path through it jumped."""
        if not self._unrollable(stmt.iter):
            return None
        count, item = self._items(stmt.iter, scopes.names_assigned(stmt.body))
        body_live = live | scopes.names_read(stmt.body) | scopes.names_read(stmt.orelse)
        saved_stop = self.env.get(".stop", Const(False))
        self.env[".ret"] = Const(False)
        self.loop_depth += 1
        self.loop_reads.append(scopes.names_read(stmt.body) | live)
        try:
            self._iteration(stmt, 0, count, item, body_live)
        finally:
            self.loop_reads.pop()
            self.loop_depth -= 1
        stopped, ret = self.env[".stop"], self.env[".ret"]
        self.env[".stop"], self.env[".exit"] = saved_stop, Const(False)
        if stmt.orelse:
            self.branch(stopped, lambda: False, lambda: self.lower_body(stmt.orelse, live), live)
        if isinstance(ret, Const) and ret.value is True:
            return self.jump_return()
        if isinstance(ret, Var):
            self.loop_return = ret
        return False

    def _iteration(self, stmt, i, count, item, live) -> bool:
        if i == count:
            return False
        self.env[".exit"], self.env[".stop"] = Const(False), Const(False)
        self.loc = self.parsed.loc(stmt)
        self.assign_items(stmt.target, item(i))
        self.lower_body(stmt.body, live)
        return self.branch(self.env[".stop"], lambda: False,
                           lambda: self._iteration(stmt, i + 1, count, item, live), live)

    def _items(self, node, rebound):
        """(number of iterations, item function of the iteration's number) of an
        iteration `_unrollable` accepted; `rebound` are the names the body assigns."""
        if isinstance(node, gast.Call) and self._call_to(node, builtins.enumerate):
            count, item = self._items(node.args[0], rebound)
            start = self.expr(node.args[1]) if len(node.args) > 1 else Const(0)
            if isinstance(start, Const):
                return count, lambda i: (Const(start.value + i), item(i))
            return count, lambda i: (self.emit(operator.add, [start, Const(i)], hint="i"), item(i))
        if isinstance(node, gast.Call) and self._call_to(node, builtins.reversed):
            count, item = self._items(node.args[0], rebound)
            return count, lambda i: item(count - 1 - i)
        if isinstance(node, gast.Call) and self._call_to(node, builtins.zip):
            parts = [self._items(a, rebound) for a in node.args]
            return min(n for n, _ in parts), lambda i: tuple(item(i) for _, item in parts)
        node, view, keys = self._dict_leaf(node)
        atom = self.expr(node, "mapping")
        if view != "positions":
            self._check_keys(atom, keys, node)
        name = node.id if isinstance(node, gast.Name) and node.id not in rebound else None

        def value(key):
            # Python reads each value when the iteration reaches it: after the updates
            # of earlier iterations (`d[k] = ...` makes a new version of the name)
            current = self.env[name] if name is not None else atom
            hint = key if isinstance(key, str) and key.isidentifier() else "item"
            return self.emit(operator.getitem, [current, Const(key)], hint=hint)
        if view == "keys":
            return len(keys), lambda i: Const(keys[i])
        if view in ("values", "positions"):
            return len(keys), lambda i: value(keys[i])
        return len(keys), lambda i: (Const(keys[i]), value(keys[i]))

    def _check_keys(self, atom, keys, node) -> None:
        """Once the function is lowered, the dict must still have the keys the loop was
        unrolled over (a loop around it could add some)."""
        loc, what = self.parsed.loc(node), to_text(node)

        def check():
            now = self.keys_of(atom) if atom not in self.params_set and \
                self.dict_hints.get(node) is None else keys
            if now == keys:
                return None
            return (loc, f"the loop over the dict '{what}' is unrolled over its keys "
                         f"{list(keys)}, but a loop around it changes which keys it has",
                    "give the dict all its keys before the loop (`d = {'a': 0.0, ...}`), or "
                    "iterate over a tuple of the keys")
        self.checks.append(check)

    def note_iterated(self, node, seq) -> None:
        """`node` (the iterable of a loop lowered by position) evaluated to `seq`: when
        kinds find a dict there, the compiler lowers the function again with its keys
        (keys_found); if it stays a dict, the loop is refused."""
        view = isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
            node.func.attr in VIEWS and not node.args
        target, dict_atom = node, seq
        if view:
            made = [s for s in self.stmts if getattr(s, "outs", None) and s.outs[0] is seq]
            target = node.func.value
            dict_atom = made[0].args[0] if made and made[0].args else seq
        self.dict_loops.append((target, dict_atom))
        loc, what = self.parsed.loc(node), to_text(target)

        def check():
            kind = kinds.kind_of(dict_atom)
            if kind.tag != "dict" and not (view and kind.tag == "unknown"):
                return None
            return (loc, f"loop over the dict '{what}', whose keys are not known when the "
                         "derivative is generated: s2sad unrolls a loop over a dict by key",
                    f"pass '{what}' as an argument, build it with a dict display "
                    f"(`{{'a': ..., 'b': ...}}`) in the function, or iterate over a tuple "
                    "of its keys")
        self.checks.append(check)


def to_text(node) -> str:
    return to_source(node).strip()
