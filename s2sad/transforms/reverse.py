"""Reverse mode: IR -> IR computing (output, gradients) in one function.

The function runs the primal (the forward sweep) and then the adjoint statements in
reverse order (the reverse sweep).  SSA means straight-line code needs no tape: the
reverse sweep reads forward values directly.  Loops are the only regions that
overwrite values, so a loop's forward body pushes, once per iteration, exactly the
values its adjoint body reads, and the reverse loop pops them.  A `range` loop is
reversed as a loop over the reversed range; other loops count their iterations.
An `If` in the reverse sweep tests the same condition as the forward one.

Adjoints accumulate: the first contribution assigns, later ones add.  Zeros are
materialised only where a region must yield a value.
"""
from __future__ import annotations

import operator

from .. import kinds, prims, runtime
from ..callables import is_user_function
from ..ir_nodes import Block, Const, Eqn, Function, If, Loop, Var, clone, not_a_statement
from ..naming import adjoint_hint
from .activity import active
from .checkpoint import (checkpointed, eligible, outside_loops, put_back,
                         refuse_nothing_to_checkpoint)
from .common import bind, missing_term, term_env, rule_for, scalar, zeros_like
from .hoist import hoist
from .tape_economy import read_for_value
from .rewrite import defined_vars, direct_defs, substitute, used_vars
from .templates import Emitter


def reverse(fn: Function, wrt: list[int], program=None, checkpoint=None) -> Function:
    """The VJP of `fn` w.r.t. the parameters at positions `wrt`.

    The result takes the primal parameters then the output's cotangent, and returns
    (output, cotangent of each `wrt` parameter).  `fn` is left as it is.  With
    `checkpoint` (transforms/checkpoint.py `checkpoint_option`), its range loops
    outside other loops are checkpointed and counted in `program.checkpointed`.
    """
    fn = clone(fn)
    hoist(fn)           # loop invariants move out first, so that they are not taped
    return _Reverse(fn, wrt, program, checkpoint).run()


class _Reverse:
    """Builds the VJP of `fn`, a copy this object owns and edits: the forward sweep is
    `fn`'s own statements, to which the tape pushes, loop counts and the branch values
    the reverse sweep reads are added.  Adjoints live in `adj` dicts (Var -> its
    adjoint so far) passed down the statements; `emit.stmts` is the reverse-sweep
    list being written (swapped by `in_block`); `aliases` collects the Vars the
    generated code prints with another Var's name; `loop_depth` counts the loops
    around the statement being differentiated; `replaced` maps the loops
    checkpointed (those of `top`: not in another loop) to the forward-sweep
    statements that replace them."""

    def __init__(self, fn: Function, wrt, program, checkpoint=None):
        self.fn, self.wrt, self.program, self.checkpoint = fn, wrt, program, checkpoint
        self.replaced: dict = {}
        self.result = fn.body.results[0]
        self.active = active(fn, [fn.params[i] for i in wrt], [self.result])
        self.emit = Emitter([], role="adjoint")
        self.aliases: dict = {}
        self.loop_depth = 0
        self.loop_locals: list = []     # the values each enclosing loop defines
        self.chains: dict = {}          # id(If) -> (branch index Var, its then-arm's number)

    def run(self) -> Function:
        fn = self.fn
        hint = self.result.hint if isinstance(self.result, Var) else "out"
        seed = Var(adjoint_hint(hint))
        adj = {self.result: seed} if self.result in self.active else {}
        reverse_stmts = []
        self.emit.stmts = reverse_stmts
        self.top = outside_loops(fn.body)
        self.adjoint_block(fn.body, adj)
        if self.checkpoint is not None:
            if self.program is not None:
                self.program.checkpointed += len(self.replaced)
            elif not self.replaced:
                raise refuse_nothing_to_checkpoint(fn)
            put_back(fn.body, self.replaced)
        grads = []
        self.emit.loc = None
        for i in self.wrt:
            p = fn.params[i]
            g = adj.get(p)
            if g is None:
                g = zeros_like(p, self.emit)
            grads.append(self.emit(runtime.cast_like, [g, p], hint=adjoint_hint(p.hint)))
        body = Block(fn.body.stmts + reverse_stmts, [self.result] + grads)
        return Function(fn.name + "_vjp", fn.params + [seed], body, fn.filename, fn.first_line,
                        fn.param_names + [seed.hint], fn.defaults, fn.globals, self.aliases)

    # ---- accumulation ------------------------------------------------------------

    def accumulate(self, var, contribution, adj: dict) -> None:
        if not isinstance(var, Var) or var not in self.active:
            return
        if var in adj:
            numeric = var.kind is not None and var.kind.tag in ("float", "int", "array")
            add = operator.add if numeric else runtime.accumulate
            adj[var] = self.emit(add, [adj[var], contribution], hint=adjoint_hint(var.hint))
        else:
            adj[var] = contribution

    def in_block(self, stmts: list, fn):
        saved = self.emit.stmts
        self.emit.stmts = stmts
        try:
            return fn()
        finally:
            self.emit.stmts = saved

    # ---- statements --------------------------------------------------------------

    def adjoint_block(self, block: Block, adj: dict) -> None:
        for stmt in reversed(block.stmts):
            if isinstance(stmt, Eqn):
                self.adjoint_eqn(stmt, adj)
            elif isinstance(stmt, If):
                self.adjoint_if(stmt, adj)
            elif isinstance(stmt, Loop):
                self.adjoint_loop(stmt, adj)
            else:
                raise not_a_statement(stmt)

    def adjoint_eqn(self, eqn: Eqn, adj: dict) -> None:
        out = eqn.outs[0] if eqn.outs else None
        if out not in self.active or out not in adj:
            return
        g = adj.pop(out)
        if is_user_function(eqn.prim):
            return self.adjoint_call(eqn, g, adj)
        rule = rule_for(eqn, "reverse")
        bound = bind(rule, eqn)
        env = term_env(bound, self.emit)
        env.update(g=g, ans=out)
        self.emit.loc = eqn.loc
        for name in rule.all_params:
            atom = bound[name]
            items = atom if isinstance(atom, tuple) else (atom,)
            if not any(isinstance(a, Var) and a in self.active for a in items):
                continue
            if name not in rule.vjp:
                raise missing_term(rule, name, "reverse", eqn)
            hint = adjoint_hint(atom.hint if isinstance(atom, Var) else name)
            contribution = self.emit.term(rule.vjp[name], env, hint=hint)
            if isinstance(atom, tuple):
                for i, item in enumerate(atom):
                    if isinstance(item, Var) and item in self.active:
                        part = self.emit(operator.getitem, [contribution, Const(i)],
                                         hint=adjoint_hint(item.hint))
                        self.accumulate(item, part, adj)
                continue
            if rule.elementwise:
                contribution = self.emit(runtime.unbroadcast, [contribution, atom], hint=hint)
            self.accumulate(atom, contribution, adj)

    def adjoint_call(self, eqn: Eqn, g, adj: dict) -> None:
        """A call to a user function: the forward sweep calls the callee's forward half
        (which also returns its residuals), the reverse sweep its backward half."""
        positions = [i for i, a in enumerate(eqn.args) if isinstance(a, Var) and a in self.active]
        if not positions:
            return
        fwd, bwd = self.program.vjp_calls(eqn.prim, positions,
                                          [kinds.kind_of(a) for a in eqn.args], eqn.loc)
        residuals = Var(eqn.prim.__name__ + "_saved", kinds.UNKNOWN)
        eqn.prim, eqn.outs = fwd, [eqn.outs[0], residuals]
        grads = [Var(adjoint_hint(eqn.args[i].hint), eqn.args[i].kind) for i in positions]
        # The callee was specialised on its output's kind: give it a cotangent of that
        # kind (a no-op unless dtypes were promoted in the caller).
        self.emit.loc = eqn.loc
        g = self.emit(runtime.cast_like, [g, eqn.outs[0]], hint=g.hint if isinstance(g, Var)
                      else "g")
        self.emit.stmts.append(Eqn(grads, bwd, [residuals, g], loc=eqn.loc, role="adjoint"))
        for i, grad in zip(positions, grads, strict=True):
            self.accumulate(eqn.args[i], grad, adj)

    def adjoint_if(self, stmt: If, adj: dict) -> None:
        arm = self._chain_arm(stmt) if self.loop_depth else None
        incoming = {out: adj.pop(out) for out in stmt.outs if out in adj}
        base = dict(adj)
        branches = []
        for block in (stmt.then, stmt.orelse):
            badj, stmts = dict(base), []

            def run(block=block, badj=badj):
                for out, r in zip(stmt.outs, block.results, strict=True):
                    if out in incoming:
                        self.accumulate(r, incoming[out], badj)
                self.adjoint_block(block, badj)
            self.in_block(stmts, run)
            branches.append((block, stmts, badj))
        local = defined_vars(stmt.then) | defined_vars(stmt.orelse)
        changed: dict = {}       # (ordered, without repeats)
        for _, _, badj in branches:
            for var, value in badj.items():
                if var not in local and value is not base.get(var):
                    changed[var] = None
        if not changed and not any(stmts for _, stmts, _ in branches):
            return
        outs = [Var(adjoint_hint(v.hint)) for v in changed]
        blocks = []
        for _, stmts, badj in branches:
            results = []
            for var in changed:
                value = badj.get(var)
                if value is None:
                    value = self.in_block(stmts, lambda var=var: zeros_like(var, self.emit))
                results.append(value)
            blocks.append(Block(stmts, results))
        if self.loop_depth:
            self._lift_branch_values(stmt, blocks)
        cond = stmt.cond
        if arm is not None:
            self.emit.loc = stmt.loc
            cond = self.emit(operator.eq, [arm[0], Const(arm[1])], hint="taken")
        self.emit.stmts.append(If(cond, blocks[0], blocks[1], outs, stmt.loc, "adjoint"))
        for var, out in zip(changed, outs, strict=True):
            adj[var] = out

    def _chain_arm(self, stmt: If):
        """(branch index, number of `stmt`'s then-arm) when `stmt` is a link of an
        if/elif chain inside a loop, else None.  A chain is an If whose else-block
        holds (directly: it runs exactly once when that block runs) another If, and so
        on; its arms are numbered 0.. in order and the forward If yields the number of
        the arm that ran, which the loop tapes instead of each link's condition: the
        reverse link j tests `branch == j` (inside the reverse else-block of link j-1,
        so it runs only when arm j or a later one ran)."""
        if id(stmt) in self.chains:
            return self.chains[id(stmt)]
        chain = [stmt]
        while inner := [s for s in chain[-1].orelse.stmts if isinstance(s, If)]:
            chain.append(inner[0])
        local = self.loop_locals[-1] if self.loop_locals else ()
        if len(chain) < 2 or not any(link.cond in local for link in chain
                                     if isinstance(link.cond, Var)):
            return None
        arms = [Var("branch", kinds.INT) for _ in chain] + [Const(len(chain))]
        for j, link in enumerate(chain):
            link.outs.append(arms[j])
            link.then.results.append(Const(j))
            link.orelse.results.append(arms[j + 1])
            self.chains[id(link)] = (arms[0], j)
        return self.chains[id(stmt)]

    def _lift_branch_values(self, stmt: If, adjoint_blocks) -> None:
        """Inside a loop, a later iteration overwrites (or skips) a branch's values, so
        those the adjoint branch reads become outs of the forward If and are taped with
        the loop body's other values: one push per iteration, whichever branches ran.
        A value of each branch may share an out (a slot) with one of the same kind of
        the other branch (the reverse If takes the branch the forward one took, so it
        reads the value of that branch); a value without a partner pairs with None."""
        needed = [[v for v in used_vars(adjoint) if v in direct_defs(forward)]
                  for forward, adjoint in zip((stmt.then, stmt.orelse), adjoint_blocks,
                                              strict=True)]
        valued = read_for_value(adjoint_blocks[0]) | read_for_value(adjoint_blocks[1])
        partners = [w for w in needed[1] if w in valued]
        pairs = [(None, w) for w in needed[1] if w not in valued]
        for v in needed[0]:
            w = next((w for w in partners if v in valued and v.kind is not None and
                      w.kind == v.kind), None)
            if w is not None:
                partners.remove(w)
            pairs.append((v, w))
        pairs += [(None, w) for w in partners]
        lifted: tuple = ({}, {})
        for pair in pairs:
            named = [v for v in pair if v is not None]
            out = Var(_slot_hint(named), named[0].kind)
            stmt.outs.append(out)
            for side, (v, block) in enumerate(zip(pair, (stmt.then, stmt.orelse))):
                block.results.append(Const(None) if v is None else v)
                if v is not None:
                    lifted[side][v] = out
        for side, adjoint in enumerate(adjoint_blocks):
            substitute(adjoint, lifted[side])

    def adjoint_loop(self, loop: Loop, adj: dict) -> None:
        slots = [(c, init, res, out) for c, init, res, out in
                 zip(loop.carried, loop.inits, loop.body.results, loop.outs, strict=True)
                 if c in self.active or out in self.active]
        local = defined_vars(loop.body) | set(loop.carried)
        if loop.index is not None:
            local.add(loop.index)
        outer = [v for v in used_vars(loop.body) if v in self.active and v not in local]
        if not slots and not outer:
            return
        carried, inits, badj, stmts = [], [], {}, []
        for c, init, res, out in slots:
            bc = Var(adjoint_hint(c.hint))
            start = adj.pop(out, None)
            inits.append(start if start is not None else zeros_like(out, self.emit))
            carried.append(bc)
        for v in outer:
            bv = Var(adjoint_hint(v.hint))
            start = adj.get(v)
            inits.append(start if start is not None else zeros_like(v, self.emit))
            carried.append(bv)
            badj[v] = bv

        def run():
            for (c, init, res, out), bc in zip(slots, carried):
                self.accumulate(res, bc, badj)
            self.adjoint_block(loop.body, badj)
            results = []
            for (c, init, res, out), bc in zip(slots, carried):
                value = badj.get(c)
                if value is None:
                    value = Const(0.0) if scalar(c) else self.emit(runtime.zeros_like, [bc],
                                                                    hint="zero")
                results.append(value)
            return results + [badj[v] for v in outer]
        self.loop_depth += 1
        self.loop_locals.append(local)
        results = self.in_block(stmts, run)
        self.loop_locals.pop()
        self.loop_depth -= 1
        reverse_loop = self._reverse_loop(loop, Block(stmts, results), carried, inits)
        if self.checkpoint is not None and id(loop) in self.top and eligible(loop):
            self.replaced[id(loop)], reverse_stmts = checkpointed(loop, reverse_loop,
                                                                  self.checkpoint)
            self.emit.stmts.extend(reverse_stmts)
        else:
            self.emit.stmts.append(reverse_loop)
        for v, bout in zip(outer, reverse_loop.outs[len(slots):], strict=True):
            adj[v] = bout
        self.emit.loc = loop.loc
        for (c, init, res, out), bout in zip(slots, reverse_loop.outs):
            self.accumulate(init, bout, adj)

    def _reverse_loop(self, loop: Loop, body: Block, carried, inits) -> Loop:
        """The reverse loop over `body`, with the tape pushes added to the forward loop."""
        outs = [Var(c.hint) for c in carried]
        needs_count = loop.kind == "while" or loop.has_stop
        if needs_count and loop.count is None:
            loop.count = Var("n_iter")
        if loop.kind == "range":
            index = Var(loop.index.hint, loop.index.kind)
            substitute(body, {loop.index: index})
            self.aliases[index] = loop.index
            rev = Loop("range", carried, inits, body, outs, list(loop.bounds), index,
                       loc=loop.loc, role="adjoint", reverse=True,
                       limit=loop.count if loop.has_stop else None)
        else:
            rev = Loop("range", carried, inits, body, outs, [Const(0), loop.count, Const(1)],
                       None, loc=loop.loc, role="adjoint")
        self._tape(loop.body, body, direct_defs(loop.body) | dict.fromkeys(loop.carried),
                   keep_names=set(loop.carried))
        return rev

    def _tape(self, forward: Block, adjoint: Block, local: dict, keep_names=()) -> None:
        """Push at the end of `forward` the values of `local` that `adjoint` reads, and
        pop them at its start (the values a later iteration overwrites)."""
        needed = [v for v in used_vars(adjoint) if v in local]
        if not needed:
            return
        popped = [Var(v.hint, v.kind) for v in needed]
        # Popped values reuse the names of the values pushed, except carried values,
        # whose names also hold the loop's results after it.
        self.aliases.update((p, v) for p, v in zip(popped, needed, strict=True)
                            if v not in keep_names)
        push = Eqn([], prims.TAPE_PUSH, list(needed), role="primal")
        forward.stmts.append(push)
        substitute(adjoint, dict(zip(needed, popped, strict=True)))
        adjoint.stmts.insert(0, Eqn(popped, prims.TAPE_POP, [], params={"push": push},
                                    role="adjoint"))


def _slot_hint(values) -> str:
    """The name of a slot shared by `values`: theirs when it is the same, else theirs
    joined by _or_ (the first two and _etc for more than three)."""
    hints = list(dict.fromkeys(h for v in values for h in v.hint.split("_or_")
                               if h != "etc"))
    return "_or_".join(hints) if len(hints) <= 3 else "_or_".join(hints[:2]) + "_or_etc"


__all__ = ["reverse"]
