"""In-place updates where nobody can tell the difference.

Lowering keeps item assignment and `list.append` functional (`rt.setitem` copies the
array, `rt.appended` the list), and reverse mode accumulates the cotangent of `x[i]`
with `rt.add_at` (a copy plus a scatter-add) and drops the cotangent of an appended
item with `rt.without_last`: every value in the IR is immutable.
That costs O(n) per write, O(n^2) to fill an array of n elements in a loop.  This
pass, run on finished functions just before code generation, replaces such an update
`new = update(old, ...)` by its in-place variant when

* `old` is *owned*: its buffer was made inside this function by an operation that
  returns a new object (np.zeros, .copy(), a functional update, arithmetic...), never
  an argument, a global, or a value popped from the tape; and
* the contents of `old` are *dead* after the update: no later read of `old`, nor of
  any value that may hold the same contents (a view of it, the loop's initial value
  it started as, the branch value it came from), and none of them is on the tape.

An update is first moved down past reads of its old value that happen to come after
it (but before its result is used), so that they do not block it.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import kinds, prims, runtime
from ..ir_nodes import Block, Eqn, Function, If, Loop, Var, not_a_statement, reads, sub_blocks
from .rewrite import used_vars

INPLACE = {runtime.setitem: runtime.setitem_inplace,
           runtime.appended: runtime.appended_inplace,
           runtime.add_at: runtime.add_at_inplace,
           runtime.without_last: runtime.without_last_inplace}
_UPDATED_IN_PLACE = set(INPLACE.values())

# Operations that keep references to their arguments for later (the tape, the
# snapshots of checkpointed loops): what they keep must not be updated in place.
_KEPT_BY_REFERENCE = (prims.TAPE_PUSH, runtime.checkpoint_save, runtime.checkpoint_final,
                      runtime.checkpoint_bounds)

# Operations whose result is a new object (so it may be updated in place).
NEW_OBJECT = {np.zeros, np.ones, np.empty, np.full, np.zeros_like, np.ones_like,
              np.empty_like, np.full_like, np.copy, np.array, np.stack, np.concatenate,
              np.vstack, np.hstack, np.column_stack, runtime.zeros_like,
              runtime.copy_of, runtime.accumulate, runtime.getitem_vjp, prims.BUILD_LIST,
              operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
              operator.pow, operator.matmul, operator.floordiv, operator.mod,
              prims.method("copy"), *INPLACE}


def make_updates_in_place(fn: Function) -> None:
    """Turn the safe functional updates of `fn` into in-place ones (see above)."""
    _sink_updates(fn.body)
    facts = _Facts(fn)
    copies = {}
    for eqn in facts.updates:
        decision = facts.may_update_in_place(eqn)
        if decision is not None:
            same, copy_init = decision
            if copy_init is not None:
                copies[copy_init] = None
                facts.copied.add(copy_init)
            eqn.prim = INPLACE[eqn.prim]
            # Code generation may move an expression to where its value is used; a
            # read of the old contents must stay before the update.
            for reader in (r for v in same for r in facts.readers.get(v, ()) if r is not eqn):
                reader.params["pinned"] = True
    for loop, i in copies:
        _copy_init(facts.home[loop], loop, i)


def _copy_init(block: Block, loop: Loop, i: int) -> None:
    """Give `loop` its own copy of its i-th initial value (updated in place in it)."""
    init = loop.inits[i]
    copy = Var(init.hint, init.kind)
    at = next(k for k, stmt in enumerate(block.stmts) if stmt is loop)
    block.stmts.insert(at, Eqn([copy], runtime.copy_of, [init], loc=loop.loc, role=loop.role))
    loop.inits[i] = copy


# ---- moving updates down to their first use ---------------------------------------

def _sink_updates(block: Block) -> None:
    stmts = block.stmts
    for stmt in list(stmts):
        for inner in sub_blocks(stmt):
            _sink_updates(inner)
    i = len(stmts) - 1
    while i >= 0:
        stmt = stmts[i]
        if isinstance(stmt, Eqn) and stmt.prim in INPLACE:
            out, old = stmt.outs[0], stmt.args[0]
            first_use = next((k for k in range(i + 1, len(stmts)) if out in used_vars(stmts[k])),
                             len(stmts))
            last_read = max((k for k in range(i + 1, first_use) if old in used_vars(stmts[k])),
                            default=None)
            if last_read is not None:
                stmts.insert(last_read, stmts.pop(i))     # just after the old value's reads
        i -= 1


# ---- facts about the function: definitions, reads, aliasing ------------------------

class _Facts:
    def __init__(self, fn: Function):
        self.defs: dict = {}        # Var -> (how, details, position, loops)
        self.reads: dict = {}       # Var -> [(position, loops)]
        self.users: dict = {}       # Var -> [(how, details)] of statements passing it on
        self.readers: dict = {}     # Var -> equations reading it
        self.home: dict = {}        # Loop -> the block it is a statement of
        self.copied: set = set()    # (Loop, i) whose initial value will be copied
        self.pushed: set = set()    # Vars pushed on the tape
        self.updates: list = []     # candidate update equations, in program order
        self.where: dict = {}       # update Eqn -> (position, loops)
        self.pos = 0
        self.branch: tuple = ()     # (If, 0 or 1) of the branches around the statement
        for p in fn.params:
            self.defs[p] = ("param", None, -1, ())
        self._block(fn.body, ())
        for atom in fn.body.results:
            self._read(atom, self.pos + 1, ())

    def _read(self, atom, pos, loops) -> None:
        if isinstance(atom, Var):
            self.reads.setdefault(atom, []).append((pos, loops, self.branch))

    def _use(self, atom, how, details) -> None:
        if isinstance(atom, Var):
            self.users.setdefault(atom, []).append((how, details))

    def _block(self, block: Block, loops: tuple) -> int:
        for stmt in block.stmts:
            self.pos += 1
            if isinstance(stmt, Eqn):
                self._eqn(stmt, loops)
            elif isinstance(stmt, If):
                self._if(stmt, loops)
            elif isinstance(stmt, Loop):
                self.home[stmt] = block
                self._loop(stmt, loops)
            else:
                raise not_a_statement(stmt)
        self.pos += 1
        for atom in block.results:
            self._read(atom, self.pos, loops)
        return self.pos

    def _eqn(self, eqn: Eqn, loops) -> None:
        for i, atom in enumerate(reads(eqn)):
            self._read(atom, self.pos, loops)
            self._use(atom, "arg", (eqn, i))
            if isinstance(atom, Var):
                self.readers.setdefault(atom, []).append(eqn)
            if eqn.prim in _KEPT_BY_REFERENCE and isinstance(atom, Var):
                self.pushed.add(atom)
        for out in eqn.outs:
            self.defs[out] = ("eqn", eqn, self.pos, loops)
        if eqn.prim in INPLACE and eqn.args and isinstance(eqn.args[0], Var):
            self.updates.append(eqn)
            self.where[eqn] = (self.pos, loops, self.branch)

    def _if(self, stmt: If, loops) -> None:
        self._read(stmt.cond, self.pos, loops)
        outer = self.branch
        for which, branch in enumerate((stmt.then, stmt.orelse)):
            self.branch = outer + ((stmt, which),)
            self._block(branch, loops)
            for i, atom in enumerate(branch.results):
                self._use(atom, "branch_result", (stmt, i, which))
        self.branch = outer
        for i, out in enumerate(stmt.outs):
            self.defs[out] = ("if_out", (stmt, i), self.pos, loops)

    def _loop(self, loop: Loop, loops) -> None:
        for atom in reads(loop):
            self._read(atom, self.pos, loops)
        for i, atom in enumerate(loop.inits):
            self._use(atom, "init", (loop, i))
        inner = loops + (loop,)
        for i, c in enumerate(loop.carried):
            self.defs[c] = ("carried", (loop, i), self.pos, inner)
        for v in (loop.index, loop.count):
            if v is not None:
                self.defs[v] = ("index", loop, self.pos, inner)
        if loop.cond is not None:
            self._block(loop.cond, inner)
        self._block(loop.body, inner)
        for i, atom in enumerate(loop.body.results[:len(loop.carried)]):
            self._use(atom, "body_result", (loop, i))
        self.pos += 1
        for i, out in enumerate(loop.outs):
            self.defs[out] = ("loop_out", (loop, i), self.pos, loops)

    # ---- the two conditions ---------------------------------------------------------

    def may_update_in_place(self, eqn: Eqn):
        """None, or (the Vars holding the contents `eqn` overwrites, the (loop, i)
        whose initial value must be copied first) when it may update in place.

        A loop-carried value whose later versions are owned but whose initial value is
        not (a cotangent seed, an argument's copy-free view...) is updated in place
        on a copy of the initial value made once, before the loop."""
        old = eqn.args[0]
        copy_init = None
        if not self.owned(old, set()):
            how, details, _, _ = self.defs.get(old, ("unknown", None, 0, ()))
            if how != "carried" or not _copyable(old) or \
                    not self.owned(details[0].body.results[details[1]], {old}):
                return None
            copy_init = details
        pos, loops, branch = self.where[eqn]
        same = self.same_contents(old, loops, dict(branch), copied=copy_init is not None)
        if any(isinstance(a, Var) and a in same for a in list(eqn.args[1:]) +
               list(eqn.kwargs.values())):
            return None      # the value written is (a view of) the old contents
        if any(v in self.pushed or self.read_after(v, pos, loops, branch) for v in same):
            return None
        return same, copy_init

    def owned(self, var, visiting: set) -> bool:
        """The buffer of `var` was created in this function (by a new-object operation)."""
        if not isinstance(var, Var):
            return False
        if var in visiting:
            return True       # around a loop: owned if every way in is
        visiting.add(var)
        how, details, _, _ = self.defs.get(var, ("unknown", None, 0, ()))
        if how == "eqn":
            if details.prim in _UPDATED_IN_PLACE:
                return self.owned(details.args[0], visiting)
            return _new_object(details) and len(details.outs) == 1
        if how == "carried":
            loop, i = details
            return (details in self.copied or self.owned(loop.inits[i], visiting)) and \
                self.owned(loop.body.results[i], visiting)
        if how == "loop_out":
            loop, i = details
            return self.owned(loop.carried[i], visiting)
        if how == "if_out":
            stmt, i = details
            return self.owned(stmt.then.results[i], visiting) and \
                self.owned(stmt.orelse.results[i], visiting)
        return False

    def same_contents(self, var, loops, taken: dict, copied=False) -> set:
        """Vars that may hold the contents `var` holds when an update in `loops` (and
        in the branches `taken`) overwrites them: itself, views and containers of it,
        the values it came from, other than through updates of it.  A loop around the
        update ends with a newer version (or never ran the update), and an if around
        it gives the other branch's value only when the update did not run, so those
        outs are left out.  With `copied`, `var` is loop-carried and its loop starts
        from a copy of the initial value."""
        found, work = set(), [var]
        while work:
            v = work.pop()
            if not isinstance(v, Var) or v in found:
                continue
            found.add(v)
            how, details, _, _ = self.defs.get(v, ("unknown", None, 0, ()))
            if how == "eqn" and not _new_object(details) and details.prim not in \
                    _UPDATED_IN_PLACE:
                work += [a for a in reads(details) if isinstance(a, Var)]
            elif how == "carried" and not (copied and v is var or details in self.copied):
                loop, i = details
                work.append(loop.inits[i])
            elif how == "loop_out":
                loop, i = details
                work += [loop.carried[i], loop.body.results[i]]
            elif how == "if_out":
                stmt, i = details
                work += [stmt.then.results[i], stmt.orelse.results[i]]
            for use, where in self.users.get(v, ()):
                if use == "arg":
                    user, position = where
                    if position == 0 and (user.prim in INPLACE or user.prim in _UPDATED_IN_PLACE):
                        continue          # a new version (a copy, or the buffer updated)
                    if not _holds_no_reference(user) and not _list_item(user, position):
                        work += [o for o in user.outs if kinds.kind_of(o) not in kinds.SCALARS]
                elif use in ("init", "body_result"):
                    loop, i = where
                    work += [loop.carried[i]] + ([] if loop in loops else [loop.outs[i]])
                else:
                    stmt, i, which = where
                    if taken.get(stmt, which) == which:
                        work.append(stmt.outs[i])
        return found

    def read_after(self, var, pos, loops, branch) -> bool:
        """Is `var` read after position `pos` (in `loops` and `branch`): later in program
        order (not in the other branch of an if), or again in a later iteration of a
        loop it was defined outside of?"""
        def_loops = self.defs.get(var, ("", None, 0, ()))[3]
        taken = dict(branch)
        for read_pos, read_loops, read_branch in self.reads.get(var, ()):
            if read_pos > pos and not any(taken.get(stmt, which) != which
                                          for stmt, which in read_branch):
                return True
            if any(loop in read_loops and loop not in def_loops for loop in loops):
                return True
        return False


def _list_item(eqn: Eqn, position: int) -> bool:
    """`eqn` reads an item (or a slice, a new list) of the list or tuple at `position`:
    the result never shares the list's slots, which are what appends and item writes
    change."""
    return eqn.prim is operator.getitem and position == 0 and \
        kinds.kind_of(eqn.args[0]).tag in kinds.SEQUENCE_TAGS


def _copyable(var) -> bool:
    """An array of one or more dimensions, a list or tuple (`rt.copy_of` makes a
    list of it: the cotangent of a list may be either), or a value of unknown kind
    (a cotangent of a list whose kind varies between a tuple and a list: `rt.copy_of`
    copies what it can update and leaves numbers as they are)."""
    kind = kinds.kind_of(var)
    return kind.tag in kinds.SEQUENCE_TAGS + ("unknown",) or \
        (kind.tag == "array" and bool(kind.ndim))


def _new_object(eqn: Eqn) -> bool:
    if eqn.prim in NEW_OBJECT or isinstance(eqn.prim, np.ufunc):
        return "out" not in eqn.kwargs and not (eqn.prim is np.array and "copy" in eqn.kwargs)
    return False


# Operations whose result holds no reference to their arguments, whatever its kind.
_ZEROS = {np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like,
          runtime.zeros_like}


def _holds_no_reference(eqn: Eqn) -> bool:
    """The result of `eqn` cannot hold a reference to one of its arguments: zeros of
    its shape, or a new object of a numeric kind (an array holds numbers, not objects)."""
    if eqn.prim in _ZEROS:
        return True
    if not _new_object(eqn) or eqn.prim in _UPDATED_IN_PLACE:
        return False
    kind = kinds.kind_of(eqn.outs[0])
    return kind in kinds.SCALARS or (kind.tag == "array" and
                                     np.dtype(kind.dtype).kind in "biufc")


__all__ = ["make_updates_in_place", "INPLACE", "NEW_OBJECT"]
