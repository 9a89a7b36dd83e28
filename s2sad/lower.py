"""gast -> IR: one primitive per equation, SSA renaming, structured control flow.

Statements are lowered in order with an environment from user names to atoms.
Control flow becomes `If` and `Loop` regions whose outs merge the environments.
`return`, `break` and `continue` end the current statement list; the statements
after a conditional jump move into the branch that falls through, or, when both
branches may fall through, run under a guard on the `.exit` flag.  Flags live in
the environment under names that start with a dot:

  .exit    this statement list has jumped (reset at each loop iteration)
  .stop    the loop is left after this iteration (break, or return in a loop)
  .ret     a return happened inside a loop; .retval is the returned value
"""
from __future__ import annotations

import builtins
import operator
import types

import gast
import numpy as np

from . import mutation, prims, runtime, scopes
from .aliasing import AliasTracking, hashable
from .errors import UnsupportedSyntaxError
from .ir import Block, Const, Eqn, Function, If, Loop, Var
from .pins import Pin, attribute_pin
from .prims import UNDEFINED
from .callables import is_user_class, is_user_function, is_user_namespace
from .source import to_source

BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.MatMult: operator.matmul, gast.BitAnd: operator.and_,
          gast.BitOr: operator.or_, gast.BitXor: operator.xor, gast.LShift: operator.lshift,
          gast.RShift: operator.rshift}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}
CMPOPS = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt,
          gast.GtE: operator.ge, gast.Eq: operator.eq, gast.NotEq: operator.ne,
          gast.Is: operator.is_, gast.IsNot: operator.is_not}
HINTS = {operator.add: "sum", operator.sub: "diff", operator.mul: "prod",
         operator.truediv: "quot", operator.pow: "power", operator.matmul: "mm",
         operator.neg: "neg"}


# Generated code (differentiated again by hessian/hvp) may call in-place variants of the
# functional updates; in IR they are the functional ones (the in-place pass decides anew).
_FUNCTIONAL = {runtime.setitem_inplace: runtime.setitem,
               runtime.appended_inplace: runtime.appended,
               runtime.add_at_inplace: runtime.add_at,
               runtime.without_last_inplace: runtime.without_last}


def is_static(value) -> bool:
    """Objects resolved at transform time (found by identity in rule tables)."""
    return isinstance(value, (types.ModuleType, type, types.FunctionType,
                              types.BuiltinFunctionType, np.ufunc)) or (
        callable(value) and not isinstance(value, np.ndarray))


def same_atom(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, Const) and isinstance(b, Const):
        va, vb = a.value, b.value
        return type(va) is type(vb) and isinstance(va, (bool, int, float, str, type(None))) \
            and va == vb
    return False


class Global(Const):
    """A module global or closure variable holding data: read when the derivative runs."""

    __slots__ = ("name", "cell", "kind")

    def __init__(self, name, value, cell=None):
        super().__init__(value)
        self.name, self.cell = name, cell
        self.kind = None     # set when the derivative is specialised on it (see api)

    def __repr__(self) -> str:
        return f"Global({self.name})"


class LocalFunction:
    """A function defined inside the differentiated one (a nested def or a lambda);
    it is inlined where it is called, seeing the enclosing variables at that point."""

    def __init__(self, node, defaults: list):
        self.node, self.defaults = node, defaults
        self.name = getattr(node, "name", "<lambda>")

    def __repr__(self) -> str:
        return f"<local function {self.name}>"


MAX_INLINE_DEPTH = 32


def lower(parsed, arg_kinds=()) -> Function:
    """Lower a ParsedFunction (already through the fence) to an ir.Function.
    `arg_kinds` (the parameters' kinds, when known) give the lengths of tuples
    unpacked with `*` in calls and displays."""
    return _Lowerer(parsed, arg_kinds).function()


class _Lowerer(AliasTracking):
    def __init__(self, parsed, arg_kinds=()):
        self.parsed = parsed
        self.arg_kinds = tuple(arg_kinds)
        fn = parsed.fn
        self.globals = fn.__globals__
        self.cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        self.env: dict = {}
        self.stmts: list = []
        self.loc = parsed.loc(parsed.node)
        self.loop_depth = 0
        self.inline_depth = 0
        self.loop_return = None      # `.ret` out of the loop lowered last, if it may return
        self.mutated_in_loop: set = set()
        self.checks: list = []       # () -> problem or None, run once kinds are known
        self.live: set = set()       # names read after the statement being lowered
        self.loop_reads: list = []   # names read in each enclosing loop (read again later)
        self.comprehensions = 0
        self.pins: list = []         # names resolved at generation time (pins.py)
        self.pinned: set = set()
        self.init_alias_tracking()

    # ---- function ----------------------------------------------------------

    def function(self) -> Function:
        node, fn = self.parsed.node, self.parsed.fn
        args = node.args
        star = [args.vararg.id] if args.vararg is not None else []
        names = [a.id for a in args.posonlyargs + args.args] + star + \
            [a.id for a in args.kwonlyargs]
        params = [Var(n) for n in names]
        self.env = dict(zip(names, params))
        self.params_set = set(params)
        self.param_kinds = dict(zip(params, self.arg_kinds))
        self.may_alias = set(params)   # values that may share memory with an argument
        self.env.update({".exit": Const(False), ".retval": Const(None)})
        body = list(node.body)
        if not scopes.always_exits(body):
            body.append(gast.copy_location(gast.Return(value=None), body[-1]))
        self.lower_body(body, set())
        positional = names[:len(names) - len(args.kwonlyargs) - len(star)]
        defaults = dict(zip(positional[len(positional) - len(fn.__defaults__ or ()):],
                            fn.__defaults__ or ()))
        defaults.update(fn.__kwdefaults__ or {})
        name = fn.__name__ if fn.__name__.isidentifier() else "lambda_fn"
        return Function(name, params, Block(self.stmts, [self.env[".retval"]]),
                        self.parsed.filename, self.parsed.first_line, names,
                        {k: Const(v) for k, v in defaults.items()}, self.globals,
                        checks=self.checks, pins=self.pins)

    # ---- statement lists ---------------------------------------------------

    def lower_body(self, stmts, live_out: set) -> bool:
        """Lower `stmts`; True when every path through them jumped."""
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            live = scopes.names_read(rest) | live_out
            self.loc = self.parsed.loc(stmt)
            if isinstance(stmt, gast.If) and scopes.has_jump(stmt, self.loop_depth > 0):
                return self.lower_if_with_jump(stmt, rest, live_out)
            self.live = live
            if self.lower_stmt(stmt, live):
                return True
            ret = self.env.get(".ret")
            if isinstance(stmt, (gast.For, gast.While)) and isinstance(ret, Var) and \
                    ret is self.loop_return:
                return self.branch(ret, self.jump_return,
                                   lambda: self.lower_body(rest, live_out), live_out)
        return False

    def lower_if_with_jump(self, stmt, rest, live_out) -> bool:
        in_loop = self.loop_depth > 0
        then_exits, else_exits = scopes.always_exits(stmt.body), scopes.always_exits(stmt.orelse)
        then_jumps = any(scopes.has_jump(s, in_loop) for s in stmt.body)
        else_jumps = any(scopes.has_jump(s, in_loop) for s in stmt.orelse)
        cond = self.expr(stmt.test, "cond")
        if (then_exits or not then_jumps) and (else_exits or not else_jumps):
            # Each branch either always jumps or never does: the rest runs after the
            # branches that fall through, so it moves into them.
            return self.branch(cond, lambda: self.lower_body(stmt.body + rest, live_out),
                               lambda: self.lower_body(stmt.orelse + rest, live_out), live_out)
        live = scopes.names_read(rest) | live_out | {".exit"}
        self.branch(cond, lambda: self.lower_body(stmt.body, live),
                    lambda: self.lower_body(stmt.orelse, live), live)
        return self.branch(self.env[".exit"], lambda: True,
                           lambda: self.lower_body(rest, live_out), live_out)

    def branch(self, cond, then_fn, else_fn, live) -> bool:
        """Lower an If region; each fn lowers a branch and returns whether it jumped."""
        if isinstance(cond, Const) and not isinstance(cond, Global):
            return then_fn() if cond.value else else_fn()
        saved, saved_stmts, loc = self.env, self.stmts, self.loc
        results = []
        for fn, known in ((then_fn, True), (else_fn, False)):
            self.env, self.stmts = dict(saved), []
            for flag in (".exit", ".ret"):
                if cond is saved.get(flag):
                    self.env[flag] = Const(known)
            jumped = fn()
            results.append((self.stmts, self.env, jumped))
        (then_stmts, then_env, then_jumped), (else_stmts, else_env, else_jumped) = results
        self.env, self.stmts = dict(saved), saved_stmts
        names = [n for n in _ordered_union(then_env, else_env)
                 if n in live or (n.startswith(".") and n != ".exit")]
        outs, then_res, else_res = [], [], []
        for name in names:
            missing = Const(False) if name in (".ret", ".stop", ".exit") else Const(UNDEFINED)
            a = then_env.get(name, missing)
            b = else_env.get(name, missing)
            if same_atom(a, b):
                self.env[name] = a
                continue
            out = Var(name.lstrip(".") or "t")
            outs.append(out)
            then_res.append(a)
            else_res.append(b)
            self.env[name] = out
            if self.owned_or_undefined(a) and self.owned_or_undefined(b):
                self.owned.add(out)
            self.inherit(out, [a, b])
        self.stmts.append(If(cond, Block(then_stmts, then_res), Block(else_stmts, else_res),
                             outs, loc))
        self.loc = loc
        return then_jumped and else_jumped


    def jump_return(self) -> bool:
        self.env[".exit"] = Const(True)
        if self.loop_depth:
            self.env[".stop"] = Const(True)
        return True

    # ---- statements ----------------------------------------------------------

    def lower_stmt(self, stmt, live) -> bool:
        handler = getattr(self, "stmt_" + type(stmt).__name__, None)
        if handler is None:
            raise UnsupportedSyntaxError([(self.parsed.loc(stmt),
                                           f"'{type(stmt).__name__}' statement is not supported")])
        return bool(handler(stmt, live))

    def stmt_Assign(self, stmt, live):
        target = stmt.targets[0]
        if isinstance(target, gast.Subscript):
            value = self.expr(stmt.value)
            return self.store_item(target, value)
        if len(stmt.targets) == 1 and isinstance(target, (gast.Tuple, gast.List)) and \
                isinstance(stmt.value, (gast.Tuple, gast.List)) and \
                len(target.elts) == len(stmt.value.elts) and \
                not any(isinstance(v, gast.Starred) for v in stmt.value.elts):
            items = tuple(self.expr(v, _target_hint(t)) for t, v in zip(target.elts, stmt.value.elts))
            self.assign_items(target, items)
            return
        value = self.expr(stmt.value, _target_hint(stmt.targets[0]))
        fresh = self.fresh_parts.pop(value, None)
        if fresh and len(stmt.targets) == 1 and isinstance(target, (gast.Tuple, gast.List)):
            # `a, b = helper(...)`: the tuple itself is bound to no name, so its new
            # items are owned by the names they are unpacked to.
            value = tuple(self.emit(operator.getitem, [value, Const(i)], hint=_target_hint(e))
                          for i, e in enumerate(target.elts))
            self.owned.update(value[i] for i in fresh if i < len(value))
        for target in stmt.targets:
            self.assign(target, value, stmt.value)

    def stmt_AnnAssign(self, stmt, live):
        if stmt.value is not None:
            self.assign(stmt.target, self.expr(stmt.value, _target_hint(stmt.target)), stmt.value)

    def stmt_AugAssign(self, stmt, live):
        if isinstance(stmt.target, gast.Subscript):
            right = self.expr(stmt.value)
            old = self.expr_Subscript(gast.Subscript(value=stmt.target.value,
                                                     slice=stmt.target.slice, ctx=gast.Load()),
                                      "item")
            new = self.emit(BINOPS[type(stmt.op)], [old, right], hint="item")
            return self.store_item(stmt.target, new)
        name = stmt.target.id
        right = self.expr(stmt.value)
        old = self.name(stmt.target)
        if old in self.owned:         # `x += v` on an array or list writes into it
            self.check_not_held(old, name, stmt.target, augmented=True)
        # On an array, `x += v` writes into x (and into every other name for the same
        # array); checked once kinds are known.
        others = [n for n, a in self.env.items() if a is old and n != name and
                  not n.startswith(".")]
        self.check_no_views(old, name, stmt.target, augmented=True)
        params = {"inplace": name} if old in self.may_alias else \
            {"inplace": name, "shared_with": others[0]} if others else {}
        self.env[name] = self.emit(BINOPS[type(stmt.op)], [old, right], hint=name,
                                   params=params)
        self.augmented.add(self.env[name])

    def stmt_Expr(self, stmt, live):
        name = scopes._mutated_name(stmt.value)
        if name is not None and name in self.env:
            items = self.env[name]
            self.check_owned(items, name, stmt.value)
            (item,) = [self.expr(a) for a in stmt.value.args]
            self.env[name] = self.emit(runtime.appended, [items, item], hint=name)
            self.owned.add(self.env[name])
            return
        if not isinstance(stmt.value, gast.Constant):
            value = self.expr(stmt.value)
            if self.stmts and isinstance(self.stmts[-1], Eqn) and value in self.stmts[-1].outs:
                self.stmts[-1].params["effect"] = True

    def stmt_FunctionDef(self, stmt, live):
        self.env[stmt.name] = Const(self.local_function(stmt))

    def expr_Lambda(self, node, hint):
        return Const(self.local_function(node))

    def local_function(self, node) -> LocalFunction:
        defaults = [self.expr(d) for d in node.args.defaults]
        return LocalFunction(node, defaults)

    def inline(self, local: LocalFunction, args, kwargs, node):
        """Lower a call of a local function in place; returns the atom of its result."""
        if self.inline_depth >= MAX_INLINE_DEPTH:
            raise UnsupportedSyntaxError([(self.parsed.loc(node), f"'{local.name}' calls itself "
                                           "too deeply: recursive nested functions are not "
                                           "supported")], fix="define it at module level")
        params = [a.id for a in local.node.args.args]
        bound = dict(zip(params[len(params) - len(local.defaults):], local.defaults))
        if len(args) > len(params):
            raise _bind_error(self.parsed, node, local, f"{len(args)} arguments given")
        bound.update(zip(params, args))
        bound.update(kwargs)
        missing = [p for p in params if p not in bound]
        if missing:
            raise _bind_error(self.parsed, node, local, f"missing {missing}")
        body = local.node.body if isinstance(local.node, gast.FunctionDef) else \
            [gast.copy_location(gast.Return(value=local.node.body), local.node.body)]
        if not scopes.always_exits(body):
            body = body + [gast.copy_location(gast.Return(value=None), body[-1])]
        saved_env, saved_depth, saved_loc = self.env, self.loop_depth, self.loc
        self.env = dict(saved_env)
        self.env.update(bound)
        self.env.update({".exit": Const(False), ".retval": Const(None)})
        self.loop_depth = 0
        self.inline_depth += 1
        try:
            self.lower_body(body, set())
            return self.env[".retval"]
        finally:
            self.env, self.loop_depth, self.loc = saved_env, saved_depth, saved_loc
            self.inline_depth -= 1

    def stmt_Pass(self, stmt, live):
        pass

    def stmt_Assert(self, stmt, live):
        args = [self.expr(stmt.test)] + ([self.expr(stmt.msg)] if stmt.msg else [])
        self.emit(prims.ASSERT, args, params={"effect": True})

    def stmt_Return(self, stmt, live):
        self.env[".retval"] = self.expr(stmt.value, "result") if stmt.value else Const(None)
        if self.loop_depth:
            self.env[".ret"] = Const(True)
        return self.jump_return()

    def stmt_Break(self, stmt, live):
        self.env[".stop"] = Const(True)
        self.env[".exit"] = Const(True)
        return True

    def stmt_Continue(self, stmt, live):
        self.env[".exit"] = Const(True)
        return True

    def stmt_If(self, stmt, live):
        cond = self.expr(stmt.test, "cond")
        self.branch(cond, lambda: self.lower_body(stmt.body, live),
                    lambda: self.lower_body(stmt.orelse, live), live)

    def stmt_For(self, stmt, live):
        it = stmt.iter
        if _is_call_to(self, it, builtins.range) and isinstance(stmt.target, gast.Name):
            bounds = [self.expr(a) for a in it.args]
            bounds = {1: [Const(0), bounds[0] if bounds else None, Const(1)],
                      2: bounds + [Const(1)], 3: bounds}[len(bounds)]
            index = Var(stmt.target.id)
            set_target = lambda: self.env.__setitem__(stmt.target.id, index)  # noqa: E731
        else:
            self.mutated_in_loop = {scopes._mutated_name(n) for n in gast.walk(stmt)} | {
                n.target.id for n in gast.walk(stmt)
                if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name)}
            length, item_fn = self.iteration(it)
            self.mutated_in_loop = set()
            bounds, index = [Const(0), length, Const(1)], Var("k")

            def set_target():
                self.assign_items(stmt.target, item_fn(index))
        self.loop(stmt, live, "range", bounds, index, set_target)

    def stmt_While(self, stmt, live):
        self.loop(stmt, live, "while", [], None, lambda: None)

    # ---- loops ---------------------------------------------------------------

    def store_item(self, target, value):
        """`x[index] = value` on an array or list this function created: a new value
        of `x` (a functional update)."""
        name = target.value.id
        array = self.name(target.value)
        self.check_owned(array, name, target)
        index = self.index(target.slice)
        self.env[name] = self.emit(runtime.setitem, [array, index, value], hint=name,
                                   node=target)
        self.owned.add(self.env[name])


    def loop(self, stmt, live, kind, bounds, index, set_target):
        has_break, has_return = scopes.loop_jumps(stmt)
        target = scopes.names_assigned([stmt.target]) if isinstance(stmt, gast.For) else set()
        assigned = scopes.names_assigned(stmt.body) | target
        head = [stmt.test] if isinstance(stmt, gast.While) else []
        exposed = scopes.exposed_reads(head + stmt.body, frozenset(target)) | \
            scopes.names_read(head)
        wanted = exposed | live | scopes.names_read(stmt.orelse)
        names = sorted(n for n in assigned if n in wanted)
        if has_return:
            names += [".ret", ".retval"]
        if has_break or has_return:
            names.append(".stop")
        saved, saved_stmts = self.env, self.stmts
        inits = [saved.get(n, Const(UNDEFINED)) if n not in (".ret", ".stop") else Const(False)
                 for n in names]
        carried = [Var(n.lstrip(".")) for n in names]
        self.owned.update(c for c, init in zip(carried, inits) if self.owned_or_undefined(init))
        for c, init in zip(carried, inits):
            self.inherit(c, [init])
        body_env = dict(saved)
        body_env.update(zip(names, carried))
        body_env.update({".exit": Const(False), ".stop": Const(False), ".ret": Const(False)})
        cond = None
        if kind == "while":
            self.env, self.stmts = dict(body_env), []
            cond = Block(self.stmts, [self.expr(stmt.test, "cond")])
        self.env, self.stmts = body_env, []
        self.loop_depth += 1
        set_target()
        self.loop_reads.append(scopes.names_read(head + stmt.body) | live)
        self.lower_body(stmt.body, set(names))
        self.loop_reads.pop()
        self.check_loop_containers(stmt, names, carried, [self.env[n] for n in names])
        self.loop_depth -= 1
        body = Block(self.stmts, [self.env[n] for n in names])
        loc = self.parsed.loc(stmt)
        self.env, self.stmts = saved, saved_stmts
        outs = [Var(n.lstrip(".")) for n in names]
        for c, result, out in zip(carried, body.results, outs):
            self.sources.setdefault(c, []).append(result)
            self.sources.setdefault(out, []).append(c)
            if c in self.owned:
                if not self.owned_or_undefined(result) and result is not c:
                    self.owned.discard(c)   # reassigned to a foreign array in the loop
                else:
                    self.owned.add(out)
        self.stmts.append(Loop(kind, carried, inits, body, outs, bounds, index, cond,
                               has_stop=".stop" in names, loc=loc))
        for name, out in zip(names, outs):
            if name != ".stop":
                self.env[name] = out
        self.loop_return = outs[names.index(".ret")] if has_return else None
        if stmt.orelse:
            if ".stop" in names:
                stopped = outs[names.index(".stop")]
                self.branch(stopped, lambda: False,
                            lambda: self.lower_body(stmt.orelse, live), live)
            else:
                self.lower_body(stmt.orelse, live)

    def iteration(self, node):
        """(length atom, item function of the index) for iterating over `node`."""
        if _is_call_to(self, node, builtins.enumerate):
            length, item = self.iteration(node.args[0])
            start = self.expr(node.args[1]) if len(node.args) > 1 else None
            return length, lambda k: (self.emit(operator.add, [k, start], hint="i")
                                      if start is not None else k, item(k))
        if _is_call_to(self, node, builtins.reversed) and len(node.args) == 1:
            length, item = self.iteration(node.args[0])
            last = self.emit(operator.sub, [length, Const(1)], hint="last")
            return length, lambda k: item(self.emit(operator.sub, [last, k], hint="j"))
        if _is_call_to(self, node, builtins.zip):
            parts = [self.iteration(a) for a in node.args]
            length = parts[0][0] if len(parts) == 1 else \
                self.emit(builtins.min, [p[0] for p in parts], hint="n")
            return length, lambda k: tuple(item(k) for _, item in parts)
        seq = self.expr(node, "seq")
        if isinstance(node, gast.Name) and node.id in self.mutated_in_loop:
            raise UnsupportedSyntaxError(
                [(self.parsed.loc(node), f"the loop changes '{node.id}' in place while "
                  "iterating over it; Python's iterator would see the changes")],
                fix=f"iterate over a copy (`for e in {node.id}.copy():`) or over indices")
        length = self.emit(builtins.len, [seq], hint="n")
        return length, lambda k: self.emit(operator.getitem, [seq, k], hint="item")

    # ---- assignment --------------------------------------------------------

    def assign(self, target, value, value_node=None):
        if isinstance(target, gast.Name):
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            if isinstance(value_node, (gast.Tuple, gast.List)) and self._tuple_parts(value):
                value = self._tuple_parts(value)
            self.assign_items(target, value)
        else:
            raise UnsupportedSyntaxError([(self.parsed.loc(target),
                                           "assignment to this target is not supported")])

    def assign_items(self, target, items):
        if isinstance(target, gast.Name):
            if isinstance(items, tuple):
                items = self.emit(prims.BUILD_TUPLE, list(items), hint=target.id)
            self.env[target.id] = items
            return
        elts = target.elts
        if not isinstance(items, tuple):
            items = self._tuple_parts(items) or tuple(
                self.emit(operator.getitem, [items, Const(i)], hint=_target_hint(e))
                for i, e in enumerate(elts))
        if len(items) != len(elts):
            raise UnsupportedSyntaxError([(self.parsed.loc(target),
                                           f"cannot unpack {len(items)} values into {len(elts)}")])
        for elt, item in zip(elts, items):
            self.assign_items(elt, item)

    def _tuple_parts(self, value, lists=False):
        """The items of a tuple (or, with `lists`, a list) built in this function, or None."""
        if isinstance(value, tuple):
            return value
        built = (prims.BUILD_TUPLE, prims.BUILD_LIST) if lists else (prims.BUILD_TUPLE,)
        for stmt in reversed(self.stmts):
            if isinstance(stmt, Eqn) and stmt.outs[0] is value:
                return tuple(stmt.args) if stmt.prim in built else None
        return None

    def bind_call(self, fn, args, kwargs, node) -> list:
        """All parameters of a user function's call, in order (defaults as constants)."""
        import inspect
        try:
            bound = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise _bind_error(self.parsed, node, fn, exc) from None
        bound.apply_defaults()
        for p in inspect.signature(fn).parameters.values():
            if p.kind is p.VAR_KEYWORD:
                raise UnsupportedSyntaxError([(self.parsed.loc(node), f"'{fn.__name__}' takes "
                                               f"**{p.name}, which is not supported")],
                                             fix="give it explicit keyword parameters")
            if p.kind is p.VAR_POSITIONAL:   # *args arrive as one tuple
                bound.arguments[p.name] = self.emit(prims.BUILD_TUPLE,
                                                    list(bound.arguments[p.name]),
                                                    hint=p.name, node=node)
        return [v if isinstance(v, (Var, Const)) else Const(v) for v in bound.arguments.values()]

    # ---- expressions ---------------------------------------------------------

    def emit(self, prim, args, kwargs=None, hint="t", params=None, node=None) -> Var:
        out = Var(hint)
        loc = self.parsed.loc(node) if node is not None else self.loc
        self.stmts.append(Eqn([out], prim, list(args), kwargs or {}, params or {}, loc))
        self.track(prim, args, out)
        return out


    def expr(self, node, hint="t"):
        handler = getattr(self, "expr_" + type(node).__name__, None)
        if handler is None:
            raise UnsupportedSyntaxError([(self.parsed.loc(node),
                                           f"'{type(node).__name__}' expression is not supported")])
        return handler(node, hint)

    def expr_Constant(self, node, hint):
        return Const(node.value)

    def expr_Starred(self, node, hint):
        raise UnsupportedSyntaxError([(self.parsed.loc(node), "`*` unpacking is supported in "
                                       "calls and in tuple and list displays, not here")],
                                     fix="index the items explicitly (`x[0], x[1]`)")

    def expr_Name(self, node, hint):
        value = self.name(node)
        if isinstance(value, Const) and isinstance(value.value, LocalFunction):
            raise UnsupportedSyntaxError([(self.parsed.loc(node), f"the local function "
                                           f"'{node.id}' is used as a value; local functions "
                                           "can only be called")],
                                         fix="call it directly, or define it at module level")
        return value

    def name(self, node):
        name = node.id
        if name in self.env:
            value = self.env[name]
            if isinstance(value, Const) and value.value is UNDEFINED:
                raise UnsupportedSyntaxError([(self.parsed.loc(node),
                                               f"'{name}' may be used before it is assigned")])
            return value
        if name in self.cells:
            try:
                value = self.cells[name].cell_contents
            except ValueError:
                raise UnsupportedSyntaxError([(self.parsed.loc(node), f"free variable '{name}' "
                                               "is not assigned yet")]) from None
            if not is_static(value):
                return Global(name, value, self.cells[name])
            self.pin(Pin(self.cells[name], name, value, "cell"))
            return Const(value)
        if name in self.globals:
            value = self.globals[name]
            if not is_static(value):
                return Global(name, value)
            self.pin(Pin(self.globals, name, value, "dict"))
            return Const(value)
        if hasattr(builtins, name):
            return Const(getattr(builtins, name))
        raise UnsupportedSyntaxError([(self.parsed.loc(node), f"name '{name}' is not defined "
                                       "(not a parameter, local, global or builtin)")])

    def pin(self, pin: Pin) -> None:
        """Keep a name resolved now (see pins.py); modules are not rebound in practice
        and library internals not monkeypatched, so they are not pinned."""
        if isinstance(pin.value, types.ModuleType) or (id(pin.holder), pin.key) in self.pinned:
            return
        self.pinned.add((id(pin.holder), pin.key))
        self.pins.append(pin)

    def local_callee(self, node):
        """The LocalFunction a call's function expression names, or None."""
        if isinstance(node, gast.Lambda):
            return self.local_function(node)
        if isinstance(node, gast.Name) and node.id in self.env:
            value = self.env[node.id]
            if isinstance(value, Const) and isinstance(value.value, LocalFunction):
                return value.value
        return None

    def static_value(self, node):
        """(True, object) when `node` names a module/class attribute chain, else (False, None)."""
        if isinstance(node, gast.Name):
            try:
                atom = self.name(node)        # a global, builtin, or a local alias of one
            except UnsupportedSyntaxError:
                return False, None
            if isinstance(atom, Const) and not isinstance(atom, Global) and \
                    not isinstance(atom.value, LocalFunction):
                return True, atom.value
        if isinstance(node, gast.Attribute):
            ok, base = self.static_value(node.value)
            if ok and isinstance(base, (types.ModuleType, type)) and hasattr(base, node.attr):
                if is_user_namespace(base):
                    self.pin(attribute_pin(base, node.attr))
                return True, getattr(base, node.attr)
        return False, None

    def expr_Attribute(self, node, hint):
        ok, value = self.static_value(node)
        if ok:
            return Const(value)
        obj = self.expr(node.value)
        return self.emit(prims.method(node.attr), [obj], hint=node.attr,
                         params={"attribute": True}, node=node)

    def expr_BinOp(self, node, hint):
        left, right = self.expr(node.left), self.expr(node.right)
        prim = BINOPS[type(node.op)]
        return self.emit(prim, [left, right], hint=hint if hint != "t" else HINTS.get(prim, "t"))

    def expr_UnaryOp(self, node, hint):
        operand = self.expr(node.operand)
        return self.emit(UNARYOPS[type(node.op)], [operand], hint=hint)

    def expr_Compare(self, node, hint):
        left, result = self.expr(node.left), None
        for op, comparator in zip(node.ops, node.comparators):
            right = self.expr(comparator)
            if isinstance(op, (gast.In, gast.NotIn)):
                test = self.emit(operator.contains, [right, left], hint=hint)
                if isinstance(op, gast.NotIn):
                    test = self.emit(operator.not_, [test], hint=hint)
            else:
                test = self.emit(CMPOPS[type(op)], [left, right], hint=hint)
            result = test if result is None else self.emit(prims.AND, [result, test], hint=hint)
            left = right
        return result

    def expr_BoolOp(self, node, hint):
        is_and = isinstance(node.op, gast.And)
        result = self.expr(node.values[0], hint)
        for value_node in node.values[1:]:
            if _is_simple(value_node):
                value = self.expr(value_node, hint)
                result = self.emit(prims.AND if is_and else prims.OR, [result, value], hint=hint)
                continue
            # Short-circuit: the right operand is evaluated only when needed.
            first = result

            def right(value_node=value_node):
                self.env[".value"] = self.expr(value_node, hint)
                return False

            def left(first=first):
                self.env[".value"] = first
                return False
            self.branch(first, right if is_and else left, left if is_and else right, {".value"})
            result = _named(self.env.pop(".value"), hint)
        return result

    def expr_IfExp(self, node, hint):
        cond = self.expr(node.test, "cond")

        def side(value_node):
            def lower_side():
                self.env[".value"] = self.expr(value_node, hint)
                return False
            return lower_side
        self.branch(cond, side(node.body), side(node.orelse), {".value"})
        return _named(self.env.pop(".value"), hint)

    def expr_Tuple(self, node, hint):
        return self.emit(prims.BUILD_TUPLE, self.items(node.elts), hint=hint)

    def expr_List(self, node, hint):
        return self.emit(prims.BUILD_LIST, self.items(node.elts), hint=hint)

    def items(self, nodes) -> list:
        """The atoms of a display's or a call's items, `*t` expanded into t's items."""
        atoms = []
        for node in nodes:
            if not isinstance(node, gast.Starred):
                atoms.append(self.expr(node))
                continue
            value = self.expr(node.value)
            length = self._static_length(value)
            if length is None:
                raise UnsupportedSyntaxError(
                    [(self.parsed.loc(node), "`*` unpacking of a value whose length is not "
                                             "known when the function is compiled")],
                    fix="unpack a tuple or list built in the function or passed as *args, or "
                        "pass the items one by one (`x[0], x[1]`)")
            parts = self._tuple_parts(value, lists=True)
            atoms += list(parts) if parts is not None else \
                [self.emit(operator.getitem, [value, Const(i)], hint="item") for i in range(length)]
        return atoms

    def _static_length(self, value):
        parts = self._tuple_parts(value, lists=True)
        if parts is not None:
            return len(parts)
        kind = self.param_kinds.get(value)
        if kind is not None and kind.tag in ("tuple", "list"):
            return len(kind.items)
        return None

    def expr_Dict(self, node, hint):
        keys = tuple(k.value for k in node.keys)
        values = [self.expr(v) for v in node.values]
        return self.emit(runtime.build_dict, [Const(keys)] + values, hint=hint)

    def expr_ListComp(self, node, hint):
        """`[elt for t in it if c]` is lowered as the loop that appends to a new list."""
        self.comprehensions += 1
        name = f".comp{self.comprehensions}"
        self.env[name] = self.emit(prims.BUILD_LIST, [], hint=hint if hint != "t" else "items")
        append = gast.Expr(value=gast.Call(
            func=gast.Attribute(value=gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                                type_comment=None), attr="append", ctx=gast.Load()),
            args=[node.elt], keywords=[]))
        body = [append]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            body = [gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                             type_comment=None)]
        for stmt in gast.walk(body[0]):
            if isinstance(stmt, gast.stmt):
                gast.copy_location(stmt, node)
        targets = scopes.names_assigned([g.target for g in node.generators])
        saved = {t: self.env[t] for t in targets if t in self.env}
        self.lower_stmt(body[0], {name})
        for t in targets:   # comprehension variables do not leak (Python 3)
            self.env.pop(t, None)
        self.env.update(saved)
        return _named(self.env.pop(name), hint)

    def expr_Slice(self, node, hint):
        parts = [self.expr(p) if p is not None else Const(None)
                 for p in (node.lower, node.upper, node.step)]
        if all(isinstance(p, Const) and not isinstance(p, Global) for p in parts):
            return Const(slice(*(p.value for p in parts)))
        return self.emit(prims.BUILD_SLICE, parts, hint="slice")

    def index(self, index):
        if isinstance(index, gast.Tuple):
            parts = [self.expr(e) for e in index.elts]
            if all(isinstance(p, Const) and not isinstance(p, Global) for p in parts):
                return Const(tuple(p.value for p in parts))
            return self.emit(prims.BUILD_TUPLE, parts, hint="index")
        return self.expr(index, "index")

    def expr_Subscript(self, node, hint):
        value = self.expr(node.value)
        key = self.index(node.slice)
        if hint == "t" and isinstance(key, Const) and isinstance(key.value, str) and \
                key.value.isidentifier():
            hint = key.value
        parts = self._tuple_parts(value) if isinstance(key, Const) and \
            isinstance(key.value, int) else None
        if parts is not None and -len(parts) <= key.value < len(parts):
            return parts[key.value]
        return self.emit(operator.getitem, [value, key], hint=hint, node=node)

    def expr_JoinedStr(self, node, hint):
        return self.emit(prims.FORMAT, [self.expr(v.value) if isinstance(v, gast.FormattedValue)
                                        else Const(v.value) for v in node.values], hint="text")

    def expr_Call(self, node, hint):
        local = self.local_callee(node.func)
        args = self.items(node.args)
        kwargs = {k.arg: self.expr(k.value) for k in node.keywords}
        if local is not None:
            return _named(self.inline(local, args, kwargs, node), hint)
        ok, fn = self.static_value(node.func)
        out_arg = kwargs.get("out")
        has_out = out_arg is not None and not (isinstance(out_arg, Const) and out_arg.value is None)
        if ok:
            fn = _FUNCTIONAL.get(fn, fn) if hashable(fn) else fn
            name = getattr(fn, "__name__", "t")
            self.refuse_mutation(node, mutation.writes_into_argument(fn, has_out),
                                 f"'{to_source(node.func).strip()}(...)' writes into an "
                                 "argument in place")
            if fn is builtins.dict and not args and kwargs:     # dict(a=x) is {'a': x}
                return self.emit(runtime.build_dict, [Const(tuple(kwargs))] + list(kwargs.values()),
                                 hint=hint if hint != "t" else "record", node=node)
            if is_user_class(type(fn)) and callable(fn):     # a global `model(x)`
                return self.call_value(Const(fn), args, kwargs, hint, node)
            if is_user_function(fn):
                args, kwargs = self.bind_call(fn, args, kwargs, node), {}
            out = self.emit(fn, args, kwargs, hint=hint if hint != "t" else name, node=node)
            if is_user_function(fn):
                self.note_fresh_result(fn, out)
            return out
        if isinstance(node.func, gast.Attribute):
            obj = self.expr(node.func.value)
            attr = node.func.attr
            # `np.add.at(y, idx, v)` and friends update `y` in place
            ufunc_at = attr == "at" and isinstance(obj, Const) and isinstance(obj.value, np.ufunc)
            self.refuse_mutation(node, "`y = y.copy(); y[idx] += v` on a copy" if ufunc_at else
                                 mutation.writes_into_argument(None, has_out),
                                 f"'{to_source(node.func).strip()}(...)' writes into an "
                                 "argument in place")
            out = self.emit(prims.method(attr), [obj] + args, kwargs,
                            hint=hint if hint != "t" else attr, node=node)
            if attr in mutation.MUTATING_METHODS:
                self.check_not_mutating_method(obj, attr, node)
            return out
        # A function passed in or picked at run time (`rhs(t, y)` with `rhs` a
        # parameter): resolved once kinds know which function it is (resolve_methods).
        return self.call_value(self.expr(node.func), args, kwargs, hint, node)

    def call_value(self, callee, args, kwargs, hint, node) -> Var:
        """`callee(*args, **kwargs)` as the `__call__` method of the value `callee`."""
        return self.emit(prims.method("__call__"), [callee] + args, kwargs,
                         hint=hint if hint != "t" else getattr(callee, "hint", "called"),
                         node=node)


def _named(atom, hint):
    if isinstance(atom, Var) and atom.hint in ("value", "retval") and hint != "t":
        atom.hint = hint
    return atom


def _bind_error(parsed, node, fn, exc):
    return UnsupportedSyntaxError([(parsed.loc(node), f"call to '{fn.__name__}' does not match "
                                    f"its parameters: {exc}")])


def _ordered_union(a: dict, b: dict) -> list:
    seen = dict.fromkeys(a)
    seen.update(dict.fromkeys(b))
    return list(seen)


def _target_hint(target) -> str:
    return target.id if isinstance(target, gast.Name) else "t"


def _is_call_to(lowerer, node, fn) -> bool:
    if not isinstance(node, gast.Call):
        return False
    ok, value = lowerer.static_value(node.func)
    return ok and value is fn


def _is_simple(node) -> bool:
    """Expressions safe to evaluate eagerly: names, constants and comparisons of them."""
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    if isinstance(node, gast.Compare):
        return all(_is_simple(n) for n in [node.left] + node.comparators)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
        return _is_simple(node.operand)
    return False
