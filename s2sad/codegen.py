"""IR -> Python source text of the derivative function.

The text is deterministic and meant to be read: one line per primal operation,
derivative expressions folded into one line where a temporary is used once,
comments naming the user's source lines, user names kept (`y`, `y_1`; tangents `dy`,
adjoints `by`).  Objects the code refers to that have no literal form (modules,
functions, arrays) become parameters of a factory the loader calls; data globals of
the user's module are read by name when the derivative runs.

This module lays out statements; `codegen_plan.py` decides what folds and which
values share a name, `codegen_expr.py` writes expressions.
"""
from __future__ import annotations

import builtins
import itertools
import operator
from collections import Counter

from . import prims, runtime
from .codegen_expr import PRECEDENCE, Expressions, Objects
from .codegen_plan import Plan
from .ir_nodes import Block, Eqn, Function, Global, If, Loop, Var, defines, not_a_statement, uses, walk
from .naming import TAPE_HINT, Namer
from .backends import numba_forms

TAPE_NAMES = ("tape", "push", "pop")
ELIF_DEPTH = 16     # from this indentation on, `else: if` is written `elif` (see _make_elif)


class CodeGen(Expressions):
    """Writes one function of a program as Python source (`function()`, called once).

    The plan (folding, shared names) is made from the IR up front; the text is then
    appended to `lines` statement by statement.  `group` is the (role, source line)
    of the last comment written, so that one comment heads all the statements of a
    source line (reset where a region begins or ends).  `check_finite` adds a check
    after every derivative value."""

    def __init__(self, fn: Function, title: str, table: Objects | None = None):
        table = table or Objects()
        read = uses(fn.body)
        globals_read = {a.name for a in read if isinstance(a, Global)}
        namer = Namer(reserved=set(globals_read) | set(TAPE_NAMES) | set(dir(builtins))
                      | set(table.objects) | table.function_names)
        for p, name in zip(fn.params, fn.param_names, strict=True):
            # a parameter keeps its name unless an earlier one, or a name the code
            # needs (np, rt, a builtin it calls), has it: then it gets a fresh one
            if name in namer.used or not name.isidentifier():
                namer(p)
            else:
                namer.bind(p, name)
        defined = (v for stmt in walk(fn.body) for v in defines(stmt))
        for v in itertools.chain(defined, read):
            if isinstance(v, Var) and v.hint == TAPE_HINT:
                namer.bind(v, "tape")
        self.uses = Counter([a for a in read if isinstance(a, Var)])
        plan = Plan(fn, self.uses)
        super().__init__(fn, table, namer, plan.alias)
        self.foldable = plan.foldable
        self.title = title
        self.lines: list[str] = []
        self.origins: list = []     # the user's Loc of each line (see loader.origin)
        self.origin = None
        self.check_finite = False
        self.numba = False    # write the forms Numba compiles (backends/numba_forms.py)
        self.group = None

    # ---- statements --------------------------------------------------------------

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)
        self.origins.append(self.origin)

    def comment(self, depth: int, stmt) -> None:
        loc = getattr(stmt, "loc", None)
        if loc is None or not loc.source_line:
            return
        self.origin = loc
        adjoint = stmt.role == "adjoint"
        group = (adjoint, loc.line)
        if group != self.group:
            self.group = group
            prefix = "adjoint of line" if adjoint else "line"
            self.emit(depth, f"# {prefix} {loc.line}: {loc.source_line.strip()}")

    def block(self, block: Block, depth: int) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Eqn):
                self.eqn(stmt, depth)
            elif isinstance(stmt, If):
                self.if_(stmt, depth)
            elif isinstance(stmt, Loop):
                self.loop(stmt, depth)
            else:
                raise not_a_statement(stmt)

    def eqn(self, eqn: Eqn, depth: int) -> None:
        if eqn.prim is prims.TAPE_POP:
            self.comment(depth, eqn)
            self.emit(depth, f"{', '.join(self.name(v) for v in eqn.outs)} = "
                             f"{'tape.pop' if self.numba else 'pop'}()")
            return
        if eqn.prim is prims.TAPE_PUSH:
            values = [self.atom(a) for a in eqn.args]
            self.emit(depth, f"{'tape.append' if self.numba else 'push'}("
                             f"{values[0] if len(values) == 1 else '(' + ', '.join(values) + ')'})")
            return
        if eqn.prim is prims.ASSERT:
            self.comment(depth, eqn)
            self.emit(depth, f"assert {self.call_args(eqn.args, {})}")
            return
        if eqn.prim is prims.RAISE:
            self.comment(depth, eqn)
            self.emit(depth, f"raise {' from '.join(self.atom(a) for a in eqn.args)}")
            return
        if eqn.prim is prims.UNPACK:
            if not eqn.outs:
                return
            names = ", ".join(self.name(v) for v in eqn.outs)
            self.emit(depth, f"{names}{',' if len(eqn.outs) == 1 else ''} = {self.atom(eqn.args[0])}")
            if any(v.hint == TAPE_HINT for v in eqn.outs) and not self.numba:
                # (a checkpointed loop of the reverse sweep pushes on the tape received)
                self.emit(depth, "push, pop = tape.append, tape.pop" if self.pushes
                          else "pop = tape.pop")
            return
        if len(eqn.outs) == 1 and eqn.outs[0] in self.foldable:
            self.folded[eqn.outs[0]] = self.render(eqn)
            return
        self.comment(depth, eqn)
        text, _ = self.render(eqn)
        if eqn.params.get("effect") and self.uses.get(eqn.outs[0], 0) == 0:
            self.emit(depth, text)
        else:
            self.emit(depth, f"{', '.join(self.name(v) for v in eqn.outs)} = {text}")
            if self.check_finite and eqn.role != "primal" and eqn.loc is not None:
                where = f"{eqn.loc.filename}:{eqn.loc.line}: {eqn.loc.source_line.strip()}"
                for v in eqn.outs:
                    self.emit(depth, f"{self.ref(runtime)}.check_finite({self.name(v)}, "
                                     f"{where!r}, {eqn.role!r})")

    def yields(self, targets, results, depth: int) -> None:
        if self.numba:
            results = numba_forms.typed_placeholders(targets, results)
        pairs = [(self.name(t), r) for t, r in zip(targets, results, strict=True)]
        names = {n for n, _ in pairs}
        pending = [(n, r) for n, r in pairs if not (isinstance(r, Var) and r not in self.folded
                                                    and self.name(r) == n)]
        clash = any(isinstance(r, Var) and r not in self.folded and self.name(r) in names
                    for _, r in pending)
        if clash and len(pending) > 1:
            self.emit(depth, f"{', '.join(n for n, _ in pending)} = "
                             f"{', '.join(self.atom(r) for _, r in pending)}")
        else:
            for n, r in pending:
                self.emit(depth, f"{n} = {self.atom(r)}")

    def if_(self, stmt: If, depth: int) -> None:
        self.comment(depth, stmt)
        self.emit(depth, f"if {self.atom(stmt.cond)}:")
        mark = len(self.lines)
        self.group = None
        self.block(stmt.then, depth + 1)
        self.yields(stmt.outs, stmt.then.results, depth + 1)
        if len(self.lines) == mark:
            self.emit(depth + 1, "pass")
        mark = len(self.lines)
        self.emit(depth, "else:")
        self.group = None
        self.block(stmt.orelse, depth + 1)
        self.yields(stmt.outs, stmt.orelse.results, depth + 1)
        if len(self.lines) == mark + 1:
            self.lines.pop()
            self.origins.pop()
        elif depth >= ELIF_DEPTH:
            self._make_elif(mark, depth)
        self.group = None

    def _make_elif(self, at: int, depth: int) -> None:
        """`else:` + one indented `if` (perhaps after the assignment of its test) ->
        `elif` (`elif (test := ...):`), so that a long chain of elifs or conditional
        expressions stays within Python's 100 levels of indentation (from ELIF_DEPTH
        on: shallower code keeps its plain form, which the lowerer reads back)."""
        inner = "    " * (depth + 1)
        code = [i for i in range(at + 1, len(self.lines))
                if not self.lines[i].startswith(inner + "#")]
        if not code:
            return
        test, first = None, code[0]
        name, _, value = self.lines[first][len(inner):].partition(" = ")
        if name.isidentifier() and len(code) > 1 and \
                self.lines[code[1]] == f"{inner}if {name}:":
            test, first = f"({name} := {value})", code[1]
        if not self.lines[first].startswith(inner + "if ") or not all(
                self.lines[i].startswith((inner + " ", inner + "elif ", inner + "else:"))
                for i in code[code.index(first) + 1:]):
            return
        head = self.lines[first][len(inner) + 3:] if test is None else test + ":"
        self.lines[first] = f"{inner}elif {head}"
        if test is not None:
            del self.lines[code[0]], self.origins[code[0]]
        del self.lines[at], self.origins[at]
        for i in range(at, len(self.lines)):
            self.lines[i] = self.lines[i][4:]

    def loop(self, loop: Loop, depth: int) -> None:
        self.comment(depth, loop)
        self.yields(loop.carried, loop.inits, depth)
        count = self.name(loop.count) if loop.count is not None else None
        if count:
            self.emit(depth, f"{count} = 0")
        if loop.kind == "range":
            bounds = [self.atom(b) for b in loop.bounds]
            texts = list(bounds)
            if bounds[2] == "1":
                bounds.pop()
                if bounds[0] == "0":
                    bounds.pop(0)
            rng = f"range({', '.join(bounds)})"
            limit = self.atom(loop.limit) if loop.limit is not None else None
            if loop.limit is not None:
                rng = f"{rng}[:{limit}]"
            if loop.reverse:
                rng = f"reversed({rng})"
            if self.numba:
                rng = numba_forms.range_text(loop.bounds, texts, loop.limit, limit, loop.reverse)
            index = self.name(loop.index) if loop.index is not None else "_"
            self.emit(depth, f"for {index} in {rng}:")
        else:
            mark = len(self.lines)
            self.block(loop.cond, depth + 1)
            inline = len(self.lines) == mark
            test = self.atom(loop.cond.results[0], 0 if inline else PRECEDENCE[operator.not_])
            if inline:
                self.emit(depth, f"while {test}:")
            else:
                cond_lines, cond_origins = self.lines[mark:], self.origins[mark:]
                del self.lines[mark:], self.origins[mark:]
                self.emit(depth, "while True:")
                self.lines.extend(cond_lines)
                self.origins.extend(cond_origins)
                self.emit(depth + 1, f"if not {test}:")
                self.emit(depth + 2, "break")
        if count:
            self.emit(depth + 1, f"{count} += 1")
        self.group = None
        mark = len(self.lines)
        self.block(loop.body, depth + 1)
        self.yields(loop.carried, loop.body.results, depth + 1)
        if len(self.lines) == mark and not loop.has_stop:
            self.emit(depth + 1, "pass")
        if loop.has_stop:
            self.emit(depth + 1, f"if {self.name(loop.carried[-1])}:")
            self.emit(depth + 2, "break")
        self.group = None

    # ---- function ----------------------------------------------------------------

    def function(self) -> str:
        fn = self.fn
        # Derivative functions are called with every argument, so they take no defaults.
        self.emit(0, f"def {fn.name}({', '.join(self.namer(p) for p in fn.params)}):")
        self.emit(1, f'"""{self.title}"""')
        ops = {s.prim for s in walk(fn.body) if isinstance(s, Eqn)}
        receives_tape = any(isinstance(s, Eqn) and s.prim is prims.UNPACK and
                            any(v.hint == TAPE_HINT for v in s.outs) for s in walk(fn.body))
        self.pushes = prims.TAPE_PUSH in ops
        if prims.TAPE_PUSH in ops and self.numba:
            self.emit(1, "tape = []")
        elif receives_tape:
            pass
        elif prims.TAPE_PUSH in ops and prims.TAPE_POP in ops:
            self.emit(1, "tape = []")
            self.emit(1, "push, pop = tape.append, tape.pop")
        elif prims.TAPE_PUSH in ops:
            self.emit(1, "tape = []")
            self.emit(1, "push = tape.append")
        for var in fn.preinit:
            zero = numba_forms.zero_of(var.kind) if self.numba else None
            self.emit(1, f"{self.name(var)} = {'None' if zero is None else repr(zero)}")
        self.block(fn.body, 1)
        results = [self.atom(r) for r in fn.body.results]
        self.emit(1, f"return {', '.join(results)}")
        return "\n".join(self.lines) + "\n"


def generate_program(functions, check_finite=False, origins=None,
                     numba=False) -> tuple[str, dict]:
    """(source text, {factory parameter name: object}) of several (Function, title)
    pairs that call each other; the last is the entry point.  With `check_finite`,
    every derivative value is checked right after it is computed.  A list passed as
    `origins` receives the user's Loc (or None) of every line of the text.  With
    `numba`, the text takes the forms Numba compiles (backends/numba_forms.py)."""
    table = Objects((fn.name for fn, _ in functions), functions[-1][0].globals)
    texts = []
    for n, (fn, title) in enumerate(functions):
        gen = CodeGen(fn, title, table)
        gen.check_finite = check_finite
        gen.numba = numba
        texts.append(gen.function())
        if origins is not None:
            origins.extend(([None, None] if n else []) + gen.origins)
    return "\n\n".join(texts), table.objects
