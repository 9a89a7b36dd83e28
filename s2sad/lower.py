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

Expressions, name resolution and the lowerer's shared state are in lower_expr.py.
"""
from __future__ import annotations

import builtins
import operator

import gast

from . import prims, runtime, scopes
from .errors import UnsupportedSyntaxError
from .ir_nodes import Block, Const, Eqn, Function, Global, If, Loop, Var
from .lower_dicts import DictLoops
from .lower_calls import _bind_error
from .lower_expr import BINOPS, ExpressionLowerer, LocalFunction, nothing_is_fresh
from .lower_functional import FunctionalForms
from .lower_types import TypeTests
from .prims import UNDEFINED


def same_atom(a, b) -> bool:
    if a is b:
        return True
    if isinstance(a, Const) and isinstance(b, Const):
        va, vb = a.value, b.value
        return type(va) is type(vb) and isinstance(va, (bool, int, float, str, type(None))) \
            and va == vb
    return False


MAX_INLINE_DEPTH = 32


def lower(parsed, arg_kinds=(), fresh_results=nothing_is_fresh, dict_keys=None,
          result_kind=None) -> Function:
    """Lower a ParsedFunction (already through the fence) to an ir.Function.
    `arg_kinds` (the parameters' kinds, when known) give the lengths of tuples
    unpacked with `*` in calls and displays and decide type tests (lower_types.py);
    `fresh_results(callee)` says which results of a user function are new objects the
    caller may update in place (see AliasTracking.note_fresh_result); `dict_keys`: see
    lower_dicts.keys_found; `result_kind(fn, arg_kinds)`: see TypeTests.static_kind."""
    lowerer = _Lowerer(parsed, arg_kinds, fresh_results)
    lowerer.result_kind = result_kind
    return lowerer.lowered(dict_keys)


def result_freshness(parsed, fresh_results=nothing_is_fresh) -> tuple:
    """((does the function always return a new object nothing else holds, positions
    of the tuple it returns that do), the pins that answer rests on)."""
    lowerer = _Lowerer(parsed, (), fresh_results)
    fn = lowerer.function()
    return lowerer.result_freshness(fn.body.results[0]), fn.pins


class _Lowerer(DictLoops, TypeTests, FunctionalForms, ExpressionLowerer):
    """Lowers one function: its statements and control flow (see the module
    docstring); expressions and the shared state come from ExpressionLowerer."""

    # ---- function ----------------------------------------------------------

    def function(self) -> Function:
        node, fn = self.parsed.node, self.parsed.fn
        args = node.args
        star = [args.vararg.id] if args.vararg is not None else []
        double_star = [args.kwarg.id] if args.kwarg is not None else []
        names = [a.id for a in args.posonlyargs + args.args] + star + \
            [a.id for a in args.kwonlyargs] + double_star
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
        positional = names[:len(names) - len(args.kwonlyargs) - len(star) - len(double_star)]
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
        read_later = scopes.reads_after(stmts)
        for i, stmt in enumerate(stmts):
            rest = stmts[i + 1:]
            live = read_later[i] | live_out
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
        if (jumped := self.loop_over_dict(stmt, live)) is not None:   # lower_dicts.py
            return jumped
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
            parts = []
            for a in node.args:
                parts += self.unpacked_iterations(a) if isinstance(a, gast.Starred) else \
                    [self.iteration(a)]
            length = parts[0][0] if len(parts) == 1 else \
                self.emit(builtins.min, [p[0] for p in parts], hint="n")
            return length, lambda k: tuple(item(k) for _, item in parts)
        self.consumed.add(id(node))             # `for v in map(f, xs)`: lower_functional.py
        seq = self.expr(node, "seq")
        self.note_iterated(node, seq)
        if isinstance(node, gast.Name) and node.id in self.mutated_in_loop:
            raise UnsupportedSyntaxError(
                [(self.parsed.loc(node), f"the loop changes '{node.id}' in place while "
                  "iterating over it; Python's iterator would see the changes")],
                fix=f"iterate over a copy (`for e in {node.id}.copy():`) or over indices")
        length = self.emit(builtins.len, [seq], hint="n")
        return length, lambda k: self.emit(operator.getitem, [seq, k], hint="item")

    def unpacked_iterations(self, starred) -> list:
        """(length, item function) of each sequence `*t` unpacks in `zip(*t)`."""
        parts = []
        for seq in self.items([starred]):
            self.note_iterated(starred, seq)
            parts.append((self.emit(builtins.len, [seq], hint="n"),
                          lambda k, seq=seq: self.emit(operator.getitem, [seq, k], hint="item")))
        return parts

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
