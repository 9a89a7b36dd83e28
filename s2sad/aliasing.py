"""Which objects a function being lowered owns, and who else may see them.

s2sad's IR treats values as immutable, so an in-place update (`y[i] = v`, `y += v`,
`lst.append(v)`) is lowered as a new value of the name.  That is only right when
nobody else can observe the object: the lowerer tracks which objects the function
created itself (*owned*), which values are views of them, which containers hold
them, and which results of user functions are new objects (`fresh_results`), and
refuses an update Python would make visible elsewhere.  Verdicts that depend on
kinds (is this item a view or a number?) are deferred to `Function.checks`, run by
`check_inplace` once kinds are known.  `AliasTracking` is the lowerer's part that
keeps this state; the lowerer (lower.py) calls `track` for every equation it emits.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from . import kinds, mutation, prims, runtime
from .errors import UnsupportedSyntaxError
from .ir_nodes import Block, Const, Eqn, Function, Var, walk_stmts
from .prims import UNDEFINED
from .callables import is_user_class
from .parsing import to_source

# Arithmetic: a new object, an array only if an operand may be one.
ARITHMETIC = {operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv,
              operator.mod, operator.pow, operator.matmul, operator.and_, operator.or_,
              operator.xor, operator.lshift, operator.rshift, operator.neg}

# Functions whose result may be a view of (share memory with) their first argument.
VIEWS = {operator.getitem, np.reshape, np.ravel, np.transpose, np.squeeze, np.expand_dims,
         np.asarray, np.atleast_1d, np.atleast_2d, np.swapaxes, np.moveaxis, np.diagonal}
VIEW_METHODS = {"T", "reshape", "ravel", "transpose", "squeeze", "view", "swapaxes",
                "diagonal", "real", "imag"}

# Functions whose result is a new array or list, never a view of an argument.
OWNING = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like, np.empty_like,
          np.full_like, np.array, np.copy, np.eye, np.identity, np.arange, np.linspace,
          prims.BUILD_LIST, runtime.build_dict, runtime.appended, runtime.setitem, builtins.list,
          builtins.dict, *ARITHMETIC}

# Functions that return a new array or a number, never their argument or a view of it
# (besides OWNING ones and ufuncs called without `out=`).
NEW_RESULT = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.dot, np.vdot,
              np.inner, np.outer, np.trace, np.std, np.var, np.cumsum, np.cumprod,
              np.linalg.norm, np.linalg.det, np.linalg.inv, np.linalg.solve, np.stack,
              np.concatenate, np.vstack, np.hstack, np.column_stack, np.where, np.clip,
              np.abs, builtins.sum, builtins.len, builtins.float, builtins.int}
NEW_RESULT_METHODS = {"sum", "mean", "prod", "max", "min", "std", "var", "dot", "cumsum",
                      "item"}

# Containers built from their arguments: which arguments end up inside (by reference).
ELEMENTS = {prims.BUILD_TUPLE: lambda args: args, prims.BUILD_LIST: lambda args: args,
            runtime.build_dict: lambda args: args[1:], runtime.appended: lambda args: args[1:],
            runtime.setitem: lambda args: args[2:], builtins.list: lambda args: ()}


def hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class AliasTracking:
    """The ownership, view and container state of a lowerer (see the module docstring);
    mixed into lower._Lowerer, whose `env`, `live`, `loop_reads`, `params_set`,
    `may_alias`, `parsed`, `stmts`, `checks` and `fresh_results` it reads
    (`fresh_results(fn)` -> ((is the result new, fresh tuple positions), pins): the
    compiler's answer for a callee, see compiler.Compiler.fresh_results)."""

    def init_alias_tracking(self) -> None:
        self.owned: set = set()      # Vars holding arrays/lists this function created
        self.viewed: dict = {}       # owned Var -> views taken of it
        self.view_of: dict = {}      # view Var -> the owned Var it may view
        self.contents: dict = {}     # container Var -> owned Vars it holds (same objects)
        self.copied_in: set = set()  # (container, item) stored by item assignment: a copy
                                     # when the container turns out to be an array
        self.augmented: set = set()  # Vars made by `x op= v`
        self.sources: dict = {}      # merged Var -> the atoms it may be (branches, loops)
        self.fresh_parts: dict = {}  # tuple Var returned by a user call -> positions of
                                     # new, unshared objects in it (see fresh_results)

    def track(self, prim, args, out) -> None:
        """Record what the new equation `out = prim(*args)` owns, views and holds."""
        if prim in OWNING or prims.method_name(prim) in ("copy", "tolist", "astype", "flatten"):
            self.owned.add(out)
        elif (prim in VIEWS or prims.method_name(prim) in VIEW_METHODS) and args:
            if args[0] in self.may_alias:
                self.may_alias.add(out)
            root = args[0] if args[0] in self.owned else self.view_of.get(args[0])
            if root is not None:      # views of an owned array (or of a view of one)
                self.viewed.setdefault(root, []).append(out)
                self.view_of[out] = root
        if prim in ARITHMETIC:      # an array only if an operand may be one
            self.sources[out] = [a for a in args if isinstance(a, Var)]
        if prim in ELEMENTS:
            stored = {a for a in ELEMENTS[prim](args) if isinstance(a, Var) and a in self.owned}
            held = set(stored)
            if prim in (runtime.appended, runtime.setitem, builtins.list):
                held |= self.contents.get(args[0], set())      # what the old one held
            if held:
                self.contents[out] = held
            if prim is runtime.setitem:
                self.copied_in |= {(out, a) for a in stored}

    def owned_or_undefined(self, atom) -> bool:
        return atom in self.owned or (isinstance(atom, Const) and atom.value is UNDEFINED)

    def check_not_held(self, atom, name, node, augmented=False) -> None:
        """Refuse (once kinds are known) an in-place update of `atom` while a container
        reachable from a live name holds it: Python's container would see the change."""
        found = [(n, pairs) for n, pairs in self.holders(atom) if pairs]
        if not found:
            return
        loc = self.parsed.loc(node)

        def check():
            if augmented and not self.mutable(atom):
                return None           # `x *= v` on a number makes a new number
            for holder, pairs in found:
                if any(self.holds_reference(c, item) for c, item in pairs):
                    return (loc, f"in-place update of '{name}', which '{holder}' also holds "
                                 "(it was put in a tuple, list or dict): Python would change "
                                 "it there too, s2sad's functional update only here",
                            f"put a copy in the container (`{name}.copy()`, `list({name})`), "
                            "or update before storing it")
            return None
        self.checks.append(check)

    def mutable(self, atom, seen=None) -> bool:
        """May `atom` be changed in place: an array of one or more dimensions or a list,
        or a value of unknown kind that may be one (a merge of such values)."""
        seen = set() if seen is None else seen
        if not isinstance(atom, Var) or atom in seen:
            return False
        seen.add(atom)
        kind = kinds.kind_of(atom)
        if kind.tag != "unknown":
            return kind.tag in ("list", "listof") or (kind.tag == "array" and bool(kind.ndim))
        sources = self.sources.get(atom)
        return sources is None or any(self.mutable(s, seen) for s in sources)

    def holds_reference(self, container, item) -> bool:
        """Does `container` hold `item` itself (not a copy of its values)?"""
        return (container, item) not in self.copied_in or \
            kinds.kind_of(container).tag != "array"

    def check_no_views(self, atom, name, node, augmented=False) -> None:
        """Refuse (once kinds are known) writing into the array `atom` while a name is
        bound to a view of it, or, for `name op= v`, when `atom` is itself a view of an
        array a name is bound to: Python would change both.  An item of a 1-d array or
        of a list is a value, not a view, so kinds decide."""
        views = [(n, a) for n, a in self.env.items() if not n.startswith(".") and
                 any(a is v for v in self.viewed.get(atom, ()))]
        root = self.view_of.get(atom) if augmented else None
        bases = [n for n, a in self.env.items() if root is not None and a is root and
                 not n.startswith(".")]
        if not views and not bases:
            return
        loc = self.parsed.loc(node)

        def check():
            kind = kinds.kind_of(atom)
            if augmented and not (kind.tag == "array" and kind.ndim):
                return None           # `x op= v` on a number makes a new number
            if kind.tag not in ("array", "unknown"):
                return None           # items of lists are not views
            if bases:
                return (loc, f"augmented assignment to '{name}', a view of '{bases[0]}' (a "
                             f"slice, reshape or transpose of it): Python would change "
                             f"'{bases[0]}' too, s2sad's update only '{name}'",
                        f"write `{name} = {name} + v` for a new array, or copy the view when "
                        f"taking it (e.g. `{name} = {bases[0]}[1:].copy()`)")
            shared = [n for n, v in views if kinds.kind_of(v).tag == "unknown" or
                      kinds.kind_of(v).tag == "array" and kinds.kind_of(v).ndim]
            if shared:
                return (loc, f"in-place update of '{name}', which '{shared[0]}' views (a "
                             f"slice, reshape or transpose of it): Python would change "
                             f"'{shared[0]}' too, s2sad's functional update only '{name}'",
                        f"copy the view when taking it (e.g. `{shared[0]} = {name}[1:].copy()`)")
            return None
        self.checks.append(check)

    def check_owned(self, atom, name, node):
        self.check_not_held(atom, name, node)
        others = [n for n, a in self.env.items() if a is atom and n != name and
                  not n.startswith(".")]
        if atom in self.owned and others:
            raise UnsupportedSyntaxError(
                [(self.parsed.loc(node), f"in-place update of '{name}', which is the same "
                  f"object as '{others[0]}': Python would change both, s2sad's functional "
                  "update only the one written")],
                fix=f"copy it when binding the second name: `{others[0]} = {name}.copy()`")
        if atom in self.owned:
            self.check_no_views(atom, name, node)
            return
        what = ("an argument of the function" if atom in self.params_set else
                 "not known to be a new array or list created here (it may share memory with "
                 "an argument or an object from outside)")
        raise UnsupportedSyntaxError(
            [(self.parsed.loc(node), f"in-place update of '{name}', which is {what}: the "
              "caller would see the change, and s2sad differentiates only updates of arrays "
              "and lists the function creates itself")],
            fix=f"copy it first: `{name} = {name}.copy()` (or np.array({name}), list({name}))")

    def inherit(self, new, olds) -> None:
        """`new` is, at run time, one of the objects `olds` (a branch or loop merge):
        it holds what they hold and is held where they are."""
        self.sources.setdefault(new, []).extend(olds)
        olds = [o for o in olds if isinstance(o, Var)]
        held = set().union(*(self.contents.get(o, set()) for o in olds))
        if held:
            self.contents[new] = self.contents.get(new, set()) | held
        for items in self.contents.values():
            if any(o in items for o in olds):
                items.add(new)

    def holders(self, atom) -> list:
        """(name, pairs) for the live names bound to a container that holds `atom`,
        directly or inside another; pairs are the (container, item) links that end at
        it (see `holds`)."""
        return [(n, self.holds(a, {atom})) for n, a in self.env.items()
                if not n.startswith(".") and isinstance(a, Var) and a is not atom and
                (n in self.live or any(n in reads for reads in self.loop_reads))]

    def holds(self, container, atoms, seen=frozenset()) -> list:
        """The (container, item) links through which `container` holds one of `atoms`."""
        items = self.contents.get(container, ())
        links = [(container, a) for a in atoms if a in items]
        for item in items:
            if item not in seen:
                links += self.holds(item, atoms, seen | {container})
        return links

    def check_loop_containers(self, stmt, names, carried, results) -> None:
        """A container carried by a loop must not keep, into the next iteration, an
        object the loop then updates in place (Python's container would see it)."""
        versions = {}
        for name, c in zip(names, carried):
            chain = {c}
            for eqn in walk_stmts(Block(self.stmts, [])):
                if isinstance(eqn, Eqn) and eqn.args and eqn.args[0] in chain and \
                        (eqn.prim in (runtime.setitem, runtime.appended) or
                         eqn.outs and eqn.outs[0] in self.augmented):
                    chain.update(eqn.outs)
            if len(chain) > 1:
                versions[name] = (c, chain)
        found = [(name, updated, c, links) for name, result in zip(names, results)
                 for updated, (c, chain) in versions.items()
                 if updated != name and isinstance(result, Var)
                 for links in [self.holds(result, chain)] if links]
        loc = self.parsed.loc(stmt)

        def check():
            for name, updated, c, links in found:
                if self.mutable(c) and any(self.holds_reference(k, item) for k, item in links):
                    return (loc, f"the loop updates '{updated}' in place after putting it in "
                                 f"'{name}': Python's '{name}' would see the later updates, "
                                 "s2sad's would not",
                            f"put a copy in '{name}' (`{updated}.copy()`, `list({updated})`)")
            return None
        if found:
            self.checks.append(check)

    def refuse_mutation(self, node, fix, what) -> None:
        """Refuse a call that changes an argument behind the IR's back (see mutation.py)."""
        if fix:
            raise UnsupportedSyntaxError(
                [(self.parsed.loc(node), f"{what}: s2sad follows values, not changes made "
                  "to them, so the derivative would silently miss it")], fix=fix)

    def check_not_mutating_method(self, obj, attr, node) -> None:
        """`obj.attr(...)` changes `obj` in place when `obj` is an array, list or dict
        (decided once kinds are known: a user object keeps its own methods)."""
        loc = self.parsed.loc(node)
        name = to_source(node.func.value).strip()

        def check():
            kind = kinds.kind_of(obj)
            if isinstance(obj, Const):
                kind = kinds.of_value(obj.value)
            user_object = kind.tag == "object" and bool(kind.items) and \
                is_user_class(kind.items[0])
            if user_object or kind.tag not in mutation.MUTABLE_KIND_TAGS and \
                    attr not in mutation.ARGUMENT_WRITING_METHODS:
                return None
            changed = "its argument" if attr in mutation.ARGUMENT_WRITING_METHODS else f"'{name}'"
            return (loc, f"'{name}.{attr}(...)' changes {changed} in place: s2sad follows "
                         "values, not changes made to them, so the derivative would "
                         "silently miss it", "rebind a new value instead: "
                    + mutation.MUTATING_METHODS[attr].format(y=name))
        self.checks.append(check)

    def note_fresh_result(self, fn, out) -> None:
        """A user function's result that is a new object (or a tuple of some) is owned
        here: the caller may update it in place."""
        (whole, parts), pins = self.fresh_results(fn)
        for pin in pins:                # the answer holds while fn's names do
            self.pin(pin)
        if whole:
            self.owned.add(out)
        elif parts:
            self.fresh_parts[out] = parts

    def result_freshness(self, result) -> tuple:
        """(is `result` a new object, positions of a returned tuple built here that
        hold a new object no other position shares)."""
        if result in self.owned:
            return True, frozenset()
        parts = self._tuple_parts(result) or ()
        defs = {eqn.outs[0]: eqn for eqn in walk_stmts(Block(self.stmts, []))
                if isinstance(eqn, Eqn) and eqn.outs}
        fresh = frozenset(
            i for i, part in enumerate(parts) if part in self.owned and not any(
                self.may_share(other, part, defs, set())
                for j, other in enumerate(parts) if j != i))
        return False, fresh

    def may_share(self, atom, new, defs, seen) -> bool:
        """May `atom` be, hold, or view the object `new` was made as?"""
        if atom is new:
            return True
        if not isinstance(atom, Var) or atom in seen or atom in self.params_set:
            return False
        seen.add(atom)
        eqn = defs.get(atom)
        if eqn is None:       # a branch or loop merge: any of the values it may be
            sources = self.sources.get(atom)
            return sources is None or any(self.may_share(s, new, defs, seen) for s in sources)
        makes_new = (eqn.prim in OWNING or eqn.prim in NEW_RESULT or
                     prims.method_name(eqn.prim) in NEW_RESULT_METHODS or
                     isinstance(eqn.prim, np.ufunc) and "out" not in eqn.kwargs) \
            if hashable(eqn.prim) else False
        if makes_new and eqn.prim not in ELEMENTS:
            return False
        return any(self.may_share(a, new, defs, seen)
                   for a in list(eqn.args) + list(eqn.kwargs.values()))


def check_inplace(fn: Function) -> None:
    """Refuse `x op= v` on an array that may belong to the caller (an argument or a
    view of one): Python would write into it in place."""
    from .ir_nodes import walk_stmts
    from .kinds import kind_of
    problems = []
    for stmt in walk_stmts(fn.body):
        name = getattr(stmt, "params", {}).get("inplace")
        kind = kind_of(stmt.args[0]) if name else None
        if not name or isinstance(stmt.args[0], Const) or \
                not (kind.tag == "array" and kind.ndim or kind.tag == "unknown"):
            continue
        if kind.tag == "unknown":
            if stmt.args[0] in fn.params:
                stmt.params["guard"] = True     # decided at call time (_guard_unknown)
            continue
        other = stmt.params.get("shared_with")
        problems.append((stmt.loc, f"augmented assignment to '{name}' writes into an array "
                         + (f"that '{other}' also names" if other else
                            "that may belong to the caller (an argument, or a view of one)")))
    if problems:
        raise UnsupportedSyntaxError(problems, fix="write `x = x + v` to make a new array, or "
                                                   "copy it first: `x = x.copy()`")
    _guard_unknown(fn.body)
    found = [problem for problem in (check() for check in fn.checks) if problem]
    if found:
        loc, message, fix = found[0]
        raise UnsupportedSyntaxError([(loc, message) for loc, message, _ in found], fix=fix)


def _guard_unknown(block: Block) -> None:
    """Before each `p op= v` on a parameter of unknown kind (a number or an array?),
    check at call time that it is not an array (see runtime.refuse_in_place)."""
    from .ir_nodes import sub_blocks
    for stmt in list(block.stmts):
        for inner in sub_blocks(stmt):
            _guard_unknown(inner)
        if isinstance(stmt, Eqn) and stmt.params.pop("guard", False):
            insert_call_time_check(block, stmt, runtime.refuse_in_place,
                                   [stmt.args[0], Const(stmt.params["inplace"])])


def insert_call_time_check(block: Block, stmt: Eqn, check, args: list) -> None:
    """Insert `check(*args, where)` before `stmt` in `block`: a runtime function that
    raises a located error for values kinds could not rule out (`where` is
    'file:line' of `stmt`)."""
    where = f"{stmt.loc.filename}:{stmt.loc.line}" if stmt.loc else "?"
    guard = Eqn([Var("checked")], check, [*args, Const(where)],
                params={"effect": True}, loc=stmt.loc, role=stmt.role)
    guard.outs[0].kind = kinds.NONE
    block.stmts.insert(block.stmts.index(stmt), guard)
