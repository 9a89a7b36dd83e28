"""The naming plan of generated code: which equations are written into the place
their value is used (folded), and which values share a variable name.

Used by `codegen.py` before it writes a function.
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from . import prims
from .ir_nodes import Block, Eqn, Function, If, Loop, Var, defines, reads, uses, walk

PURE_MODULES = ("numpy", "math", "operator", "_operator", "s2sad")
# Tests and flags: primal equations computing them fold into their single use.
# Folding stops where the text would nest deeper (a long sum's tangent takes a new
# line every MAX_NESTING terms), so generated code parses well within Python's limits.
MAX_NESTING = 48
COMPARISONS = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
               operator.not_, prims.AND, prims.OR, operator.is_, operator.is_not}


class Plan:
    """The plan of one function, made once from its IR and `use_counts` (Var -> how
    many times it is read): `foldable`, the Vars whose equation is written where
    the Var is read, and `alias`, Var -> the Var whose name it is printed with
    (starting from the function's own aliases, values popped from the tape)."""

    def __init__(self, fn: Function, use_counts: dict):
        self.uses = use_counts
        self.alias = dict(fn.aliases)
        self.foldable: set = set()
        self._plan(fn.body, top=True)
        self._keep_loop_results(fn)

    def _plan(self, block: Block, cond_block=False, top=False, loop_body=False) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, If):
                self._plan(stmt.then)
                self._plan(stmt.orelse)
            elif isinstance(stmt, Loop):
                if stmt.cond is not None:
                    self._plan(stmt.cond, cond_block=True)
                self._plan(stmt.body, loop_body=True)
                for out, c in zip(stmt.outs, stmt.carried, strict=True):
                    self.alias[out] = c
        # Loop results are assigned one after another, so nothing folds into them.
        self._plan_folding(block, cond_block, top or loop_body)
        for stmt in block.stmts:
            if isinstance(stmt, If):
                self._share_names(stmt)
            elif isinstance(stmt, Loop):
                self._share_carried_names(stmt)

    def _plan_folding(self, block: Block, cond_block: bool, top: bool) -> None:
        pending = {}    # Var -> source line of its defining eqn, while still foldable
        nesting = {}    # Var -> how deeply the text written for it would nest
        for stmt in block.stmts:
            direct = {a for a in reads(stmt) if isinstance(a, Var)}
            line = stmt.loc.line if stmt.loc else None
            for v in direct:
                if v in pending and (pending[v] == line or not isinstance(stmt, Eqn)) and \
                        nesting[v] < MAX_NESTING:
                    self.foldable.add(v)
            pending = {v: j for v, j in pending.items() if v not in direct}
            if not isinstance(stmt, Eqn) or stmt.prim is prims.TAPE_POP:
                if isinstance(stmt, If) and stmt.cond in pending:
                    self.foldable.add(stmt.cond)
                pending = {}
                continue
            if self._can_fold(stmt, cond_block):
                pending[stmt.outs[0]] = line
                nesting[stmt.outs[0]] = 1 + max(
                    (nesting[v] for v in direct if v in self.foldable and v in nesting), default=0)
        for v in block.results:
            if v in pending and not top and nesting[v] < MAX_NESTING:
                self.foldable.add(v)

    def _can_fold(self, eqn: Eqn, cond_block: bool) -> bool:
        if len(eqn.outs) != 1 or self.uses.get(eqn.outs[0], 0) != 1 or eqn.params.get("effect") \
                or eqn.params.get("pinned"):
            return False
        if eqn.prim in (prims.TAPE_PUSH, prims.ASSERT, prims.RAISE):
            return False
        if eqn.role == "primal" and not cond_block and eqn.prim not in COMPARISONS:
            return False
        if eqn.role == "primal" and eqn.prim in COMPARISONS:
            return True
        prim = eqn.prim
        if isinstance(prim, (prims.Prim, str)):
            return True
        module = getattr(prim, "__module__", None) or ("numpy" if isinstance(prim, np.ufunc) else "")
        return module.split(".")[0] in PURE_MODULES or prim in vars(builtins).values()

    def _share_names(self, stmt: If) -> None:
        for branch in (stmt.then, stmt.orelse):
            local = {v for s in branch.stmts for v in defines(s)}
            taken = set()
            for out, r in zip(stmt.outs, branch.results, strict=True):
                if isinstance(r, Var) and r in local and r not in taken and \
                        r not in self.foldable and r not in self.alias:
                    self.alias[r] = out
                    taken.add(r)

    def _keep_loop_results(self, fn: Function) -> None:
        """A popped value must not take the name of a loop-carried variable: that name
        holds the loop's result after the loop (and may be returned)."""
        carried = {v for st in walk(fn.body) if isinstance(st, Loop)
                   for v in list(st.carried) + list(st.outs)}
        for popped in fn.aliases:
            node, chain = popped, []
            while node in self.alias:
                node = self.alias[node]
                chain.append(node)
            if any(v in carried for v in chain):
                del self.alias[popped]

    def _share_carried_names(self, loop: Loop) -> None:
        """Let a body result take its carried value's name when the old value is not
        read after the result is computed (so `y_1 = f(y); y = y_1` becomes `y = f(y)`)."""
        stmts = loop.body.stmts
        for j, (p, r) in enumerate(zip(loop.carried, loop.body.results, strict=True)):
            if not isinstance(r, Var) or r is p or r in self.alias or r in self.foldable:
                continue
            at = next((i for i, st in enumerate(stmts) if isinstance(st, Eqn) and r in st.outs), None)
            if at is None or len(stmts[at].outs) != 1:
                continue
            others = [x for i, x in enumerate(loop.body.results) if i != j]
            if p in others or r in others or p in self._reads_after(stmts, at):
                continue
            self.alias[r] = p

    def _reads_after(self, stmts, at: int) -> set:
        """Vars read after statement `at`, counting folded equations at their use."""
        folded = {st.outs[0]: st for st in stmts if isinstance(st, Eqn) and st.outs
                  and st.outs[0] in self.foldable}
        reads_, stack = set(), [a for st in stmts[at + 1:] for a in uses(st)]
        while stack:
            v = stack.pop()
            if not isinstance(v, Var) or v in reads_:
                continue
            reads_.add(v)
            if v in folded:
                stack.extend(reads(folded[v]))
        return reads_
