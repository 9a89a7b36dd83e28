"""Forward mode: IR -> IR computing (output, tangent of output).

Each active equation is followed by its tangent, the sum of the rule's terms of the
arguments with nonzero tangents.  Zero tangents are symbolic (absent from `tan`)
and are materialised only where a region must yield a value.  Regions keep their
structure: an If yields tangents of its outs, a Loop carries tangents.
"""
from __future__ import annotations

import operator
from dataclasses import replace

from .. import kinds, prims, runtime
from ..callables import is_user_function
from ..ir_nodes import Block, Const, Eqn, Function, If, Loop, Var, clone, not_a_statement
from ..naming import tangent_hint
from .activity import active
from .common import (bind, term_env, insert_carried, missing_term, rule_for, scalar,
                     zeros_like)
from .templates import Emitter


def forward(fn: Function, wrt: list[int], program=None) -> Function:
    """The JVP of `fn` w.r.t. the parameters at positions `wrt`.

    The result takes the primal parameters then one tangent per `wrt` parameter and
    returns (output, output tangent).  `fn` is left as it is.
    """
    return _Forward(clone(fn), wrt, program).run()


class _Forward:
    """Builds the JVP of `fn`, a copy this object owns: the result shares its
    equations and Vars.  `tan` maps a primal Var to its tangent atom (no entry: a
    symbolic zero) and grows as statements are visited; `emit.stmts` is the
    statement list being written (swapped while a region is built)."""

    def __init__(self, fn: Function, wrt, program):
        self.fn, self.program = fn, program
        result = fn.body.results[0]
        self.active = active(fn, [fn.params[i] for i in wrt], [result])
        self.tan: dict = {}
        self.tangent_params = []
        for i in wrt:
            p = fn.params[i]
            d = Var(tangent_hint(p.hint), p.kind)
            self.tangent_params.append(d)
            if p in self.active:
                self.tan[p] = d
        strong = getattr(program, "strong_zeros", False)     # see strong.py
        self.emit = Emitter([], role="tangent",
                            tangents=set(self.tangent_params) if strong else None)

    def run(self) -> Function:
        body = self.block(self.fn.body)
        result = body.results[0]
        self.emit.stmts = body.stmts
        body.results = [result, self.materialise(result)]
        fn = self.fn
        return Function(fn.name + "_jvp", fn.params + self.tangent_params, body, fn.filename,
                        fn.first_line, fn.param_names + [d.hint for d in self.tangent_params],
                        fn.defaults, fn.globals)

    def set_tangent(self, primal: Var, t: Var) -> None:
        self.tan[primal] = t
        if self.emit.tangents is not None:
            self.emit.tangents.add(t)

    def tangent(self, atom):
        return self.tan.get(atom) if isinstance(atom, Var) else None

    def materialise(self, atom):
        """The tangent of `atom`, emitting a zero where it is symbolically zero."""
        t = self.tangent(atom)
        return t if t is not None else zeros_like(atom, self.emit)

    def block(self, block: Block) -> Block:
        saved = self.emit.stmts
        self.emit.stmts = stmts = []
        for stmt in block.stmts:
            if isinstance(stmt, Eqn):
                if not self.user_call(stmt):
                    stmts.append(stmt)
                    self.eqn(stmt)
            elif isinstance(stmt, If):
                self.if_(stmt)
            elif isinstance(stmt, Loop):
                self.loop(stmt)
            else:
                raise not_a_statement(stmt)
        self.emit.stmts = saved
        return Block(stmts, list(block.results))

    def user_call(self, eqn: Eqn) -> bool:
        """A call to a user function with tangents: call its JVP instead."""
        if not is_user_function(eqn.prim) or eqn.outs[0] not in self.active:
            return False
        positions = [i for i, a in enumerate(eqn.args) if self.tangent(a) is not None]
        if not positions:
            return False
        call = self.program.jvp_call(eqn.prim, positions, [kinds.kind_of(a) for a in eqn.args],
                                     eqn.loc)
        out = eqn.outs[0]
        dout = Var(tangent_hint(out.hint), out.kind)
        self.emit.stmts.append(Eqn([out, dout], call,
                                   list(eqn.args) + [self.tan[eqn.args[i]] for i in positions],
                                   loc=eqn.loc, role="primal"))
        self.set_tangent(out, dout)
        return True

    def eqn(self, eqn: Eqn) -> None:
        out = eqn.outs[0]
        if out not in self.active:
            return
        rule = rule_for(eqn, "forward")
        bound = bind(rule, eqn)
        env = term_env(bound, self.emit)
        env["ans"] = out
        self.emit.loc = eqn.loc
        live = []
        for name in rule.all_params:
            atom = bound[name]
            if isinstance(atom, tuple):
                if any(self.tangent(a) is not None for a in atom):
                    env[tangent_hint(name)] = self.emit(prims.BUILD_TUPLE,
                                                        [self.materialise(a) for a in atom],
                                                        hint=tangent_hint(name))
                    live.append(name)
            elif self.tangent(atom) is not None:
                env[tangent_hint(name)] = self.tan[atom]
                live.append(name)
        missing = [name for name in live if name not in rule.jvp]
        if missing:     # as in reverse mode: a dropped tangent would be a silent zero
            raise missing_term(rule, missing[0], "forward", eqn)
        hint = tangent_hint(out.hint)
        terms = [self.emit.term(rule.jvp[name], env, hint=hint) for name in live]
        if not terms:
            return
        total = terms[0]
        numeric = out.kind is not None and out.kind.tag in ("float", "int", "array")
        for term in terms[1:]:
            total = self.emit(operator.add if numeric else runtime.accumulate, [total, term],
                              hint=hint)
        if rule.elementwise and not scalar(out) and not self._covers(rule, bound, live):
            total = self.emit(runtime.match_shape, [total, out], hint=hint)
        if isinstance(total, Var) and total.hint != hint and self.emit.stmts and \
                self.emit.stmts[-1].outs == [total]:
            total.hint = hint
        self.tan[out] = total

    @staticmethod
    def _covers(rule, bound, live) -> bool:
        """True when every array argument has a tangent term, so the summed tangent
        already has the broadcast shape of the output."""
        arrays = [n for n in rule.params if isinstance(bound[n], (Var, Const))
                  and kinds.kind_of(bound[n]).tag in ("array", "unknown")]
        return bool(arrays) and all(n in live for n in arrays) and all(
            kinds.kind_of(bound[n]).tag == "array" for n in arrays)

    def if_(self, stmt: If) -> None:
        then, orelse = self.block(stmt.then), self.block(stmt.orelse)
        outs = list(stmt.outs)
        for out, a, b in zip(stmt.outs, stmt.then.results, stmt.orelse.results, strict=True):
            if out not in self.active:
                continue
            d = Var(tangent_hint(out.hint))
            then.results.append(self._in(then, a))
            orelse.results.append(self._in(orelse, b))
            outs.append(d)
            self.set_tangent(out, d)
        self.emit.stmts.append(If(stmt.cond, then, orelse, outs, stmt.loc, stmt.role))

    def _in(self, block: Block, atom):
        """The tangent of `atom`, materialised at the end of `block`."""
        saved = self.emit.stmts
        self.emit.stmts = block.stmts
        t = self.materialise(atom)
        self.emit.stmts = saved
        return t

    def loop(self, loop: Loop) -> None:
        entries = []
        for c, init, out in zip(loop.carried, loop.inits, loop.outs, strict=True):
            if c in self.active or out in self.active:
                dc = Var(tangent_hint(c.hint))
                entries.append((c, dc, self.materialise(init), Var(tangent_hint(out.hint)), out))
                self.set_tangent(c, dc)
        body = self.block(loop.body)
        new = replace(loop, carried=list(loop.carried), inits=list(loop.inits), body=body,
                      outs=list(loop.outs), bounds=list(loop.bounds))
        results = dict(zip(loop.carried, loop.body.results, strict=True))
        insert_carried(new, [(dc, dinit, self._in(body, results[c]), dout)
                             for c, dc, dinit, dout, out in entries])
        for c, dc, dinit, dout, out in entries:
            self.set_tangent(out, dout)
        self.emit.stmts.append(new)


__all__ = ["forward", "Const"]
