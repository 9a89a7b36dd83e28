"""IR -> Python source text of the derivative function.

The text is deterministic and meant to be read: one line per primal operation,
derivative expressions folded into one line where a temporary is used once,
comments naming the user's source lines, user names kept (`y`, `y_1`; tangents `dy`,
adjoints `by`).  Objects the code refers to that have no literal form (modules,
functions, arrays) become parameters of a factory the loader calls; data globals of
the user's module are read by name when the derivative runs.
"""
from __future__ import annotations

import builtins
import math
import operator
import sys
import types

import numpy as np

from . import prims, runtime
from .ir import Block, Const, Eqn, Function, If, Loop, Var
from .lower import Global
from .naming import Namer
from .callables import call_arguments, is_user_function
from .transforms.rewrite import used_vars

INFIX = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
         operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
         operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
         operator.eq: "==", operator.ne: "!=", operator.is_: "is", operator.is_not: "is not",
         operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.lshift: "<<",
         operator.rshift: ">>", prims.AND: "and", prims.OR: "or"}
PREFIX = {operator.neg: "-", operator.pos: "+", operator.not_: "not ", operator.invert: "~"}
ATOMIC = 14
PRECEDENCE = {prims.OR: 1, prims.AND: 2, operator.not_: 3, operator.lt: 4, operator.le: 4,
              operator.gt: 4, operator.ge: 4, operator.eq: 4, operator.ne: 4, operator.is_: 4,
              operator.is_not: 4, operator.contains: 4, operator.or_: 5, operator.xor: 6,
              operator.and_: 7, operator.lshift: 8, operator.rshift: 8, operator.add: 9,
              operator.sub: 9, operator.mul: 10, operator.truediv: 10, operator.floordiv: 10,
              operator.mod: 10, operator.matmul: 10, operator.neg: 11, operator.pos: 11,
              operator.invert: 11, operator.pow: 12}
COMPARISONS = {operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
               operator.not_, prims.AND, prims.OR, operator.is_, operator.is_not}
PURE_MODULES = ("numpy", "math", "operator", "_operator", "s2sad")
PREFERRED_ALIAS = {"numpy": "np", "math": "math", "s2sad.runtime": "rt", "operator": "operator"}
TAPE_NAMES = ("tape", "push", "pop")
TAPE_HINT = "<tape>"     # the Var holding a function's tape when it is passed between halves


class Objects:
    """Names of the objects the generated functions of one program refer to."""

    def __init__(self, function_names=()):
        self.objects: dict[str, object] = {}     # factory parameter name -> object
        self.names: dict[int, str] = {}          # id(object) -> name
        self.function_names = set(function_names)


class CodeGen:
    def __init__(self, fn: Function, title: str, table: Objects | None = None):
        self.fn, self.title = fn, title
        self.table = table or Objects()
        self.objects = self.table.objects
        self.object_names = self.table.names
        self.lines: list[str] = []
        self.check_finite = False
        self.folded: dict = {}                   # Var -> (text, precedence)
        self.group = None
        globals_read = {a.name for a in _atoms(fn.body) if isinstance(a, Global)}
        self.namer = Namer(reserved=set(globals_read) | set(TAPE_NAMES) | set(dir(builtins))
                           | set(self.objects) | self.table.function_names)
        for p, name in zip(fn.params, fn.param_names):
            self.namer.bind(p, name)
        for v in list(_walk_vars(fn.body)) + [a for a in _atoms(fn.body) if isinstance(a, Var)]:
            if v.hint == TAPE_HINT:
                self.namer.bind(v, "tape")
        self.uses = _count_uses(fn.body)
        self.alias = dict(fn.aliases)
        self.foldable = set()
        self._plan(fn.body, top=True)
        self._keep_loop_results(fn)

    # ---- planning: folding and shared names -------------------------------------

    def _plan(self, block: Block, cond_block=False, top=False, loop_body=False) -> None:
        defined_here = {}
        for i, stmt in enumerate(block.stmts):
            if isinstance(stmt, Eqn):
                for v in stmt.outs:
                    defined_here[v] = i
            elif isinstance(stmt, If):
                self._plan(stmt.then)
                self._plan(stmt.orelse)
                for v in stmt.outs:
                    defined_here[v] = i
            elif isinstance(stmt, Loop):
                if stmt.cond is not None:
                    self._plan(stmt.cond, cond_block=True)
                self._plan(stmt.body, loop_body=True)
                for out, c in zip(stmt.outs, stmt.carried):
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
        for i, stmt in enumerate(block.stmts):
            direct = _direct_uses(stmt)
            line = stmt.loc.line if getattr(stmt, "loc", None) else None
            for v in direct:
                if v in pending and (pending[v] == line or not isinstance(stmt, Eqn)):
                    self.foldable.add(v)
            pending = {v: j for v, j in pending.items() if v not in direct}
            if not isinstance(stmt, Eqn) or stmt.prim is prims.TAPE_POP:
                if isinstance(stmt, If) and stmt.cond in pending:
                    self.foldable.add(stmt.cond)
                pending = {}
                continue
            if self._can_fold(stmt, cond_block):
                pending[stmt.outs[0]] = line
        for v in block.results:
            if v in pending and not top:
                self.foldable.add(v)

    def _can_fold(self, eqn: Eqn, cond_block: bool) -> bool:
        if len(eqn.outs) != 1 or self.uses.get(eqn.outs[0], 0) != 1 or eqn.params.get("effect") \
                or eqn.params.get("pinned"):
            return False
        if eqn.prim in (prims.TAPE_PUSH, prims.ASSERT):
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
            local = {v for s in branch.stmts for v in _defined(s)}
            taken = set()
            for out, r in zip(stmt.outs, branch.results):
                if isinstance(r, Var) and r in local and r not in taken and \
                        r not in self.foldable and r not in self.alias:
                    self.alias[r] = out
                    taken.add(r)

    def _keep_loop_results(self, fn: Function) -> None:
        """A popped value must not take the name of a loop-carried variable: that name
        holds the loop's result after the loop (and may be returned)."""
        carried = {v for st in _walk(fn.body) if isinstance(st, Loop)
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
        for j, (p, r) in enumerate(zip(loop.carried, loop.body.results)):
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
        reads, stack = set(), list(used_vars(Block(stmts[at + 1:], [])))
        while stack:
            v = stack.pop()
            if v in reads:
                continue
            reads.add(v)
            if v in folded:
                stack.extend(a for a in folded[v].args + list(folded[v].kwargs.values())
                             if isinstance(a, Var))
        return reads

    # ---- names and atoms ---------------------------------------------------------

    def name(self, var: Var) -> str:
        root = var
        while root in self.alias:
            root = self.alias[root]
        return self.namer(root)

    def atom(self, a, min_prec=0) -> str:
        """Text of an atom, parenthesised when its precedence is below `min_prec`."""
        if isinstance(a, Var):
            if a in self.folded:
                text, prec = self.folded.pop(a)
                return f"({text})" if prec < min_prec else text
            return self.name(a)
        if isinstance(a, Global):
            return f"{self.ref(a.cell, 'cell_' + a.name)}.cell_contents" if a.cell else a.name
        text = self.const(a.value)
        return f"({text})" if min_prec > PRECEDENCE[operator.neg] and text.startswith("-") \
            else text

    def const(self, value) -> str:
        if value is prims.UNDEFINED:
            return "None"     # a value never read on the path that assigns it
        if value is None or isinstance(value, (bool, int, str)) and not isinstance(value, np.generic):
            return repr(value)
        if isinstance(value, float) and not isinstance(value, np.generic):
            if math.isfinite(value):
                return repr(value)
            return ("-" if value < 0 else "") + f"{self.ref(math)}.inf" if not math.isnan(value) \
                else f"{self.ref(math)}.nan"
        if value is Ellipsis:
            return "..."
        if isinstance(value, tuple):
            items = [self.const(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, slice):
            return f"slice({self.const(value.start)}, {self.const(value.stop)}, {self.const(value.step)})"
        return self.ref(value)

    def ref(self, obj, hint: str | None = None) -> str:
        """A name for an object without literal form (module, function, array...)."""
        key = id(obj)
        if key in self.object_names:
            return self.object_names[key]
        text = self._public_path(obj)
        if text is None:
            base = hint or getattr(obj, "__name__", None) or type(obj).__name__.lower()
            text = self.namer.fresh(base if base.isidentifier() else "const")
            self.objects[text] = obj
        self.object_names[key] = text
        return text

    def _public_path(self, obj):
        if isinstance(obj, types.ModuleType):
            name = PREFERRED_ALIAS.get(obj.__name__)
            for user_name, value in self.fn.globals.items():
                if value is obj and name is None and user_name.isidentifier():
                    name = user_name
            if obj.__name__ == "numpy.linalg":
                return f"{self.ref(np)}.linalg"
            name = self.namer.fresh(name or obj.__name__.replace(".", "_"))
            self.objects[name] = obj
            return name
        if obj is runtime or obj is np or obj is math:
            return None
        name = getattr(obj, "__name__", None)
        if name is None:
            return None
        if getattr(builtins, name, None) is obj:
            return name
        for module in (np, np.linalg, math, runtime, operator):
            if getattr(module, name, None) is obj:
                return f"{self.ref(module)}.{name}"
        module = sys.modules.get(getattr(obj, "__module__", None) or "")
        if module is not None and getattr(module, name, None) is obj:
            return f"{self.ref(module)}.{name}"
        return None

    # ---- equations ---------------------------------------------------------------

    def render(self, eqn: Eqn):
        """(text, precedence) of the expression computing the eqn's output."""
        prim, args = eqn.prim, eqn.args
        method = prims.method_name(prim)
        if method is not None:
            obj = self.atom(args[0], ATOMIC)
            if eqn.params.get("attribute"):
                return f"{obj}.{method}", ATOMIC
            return f"{obj}.{method}({self.call_args(args[1:], eqn.kwargs)})", ATOMIC
        if prim in INFIX and len(args) == 2 and not eqn.kwargs:
            prec = PRECEDENCE[prim]
            if prim is operator.pow:
                left, right = self.atom(args[0], prec + 1), self.atom(args[1], prec - 1)
            elif prec == 4:
                left, right = self.atom(args[0], prec + 1), self.atom(args[1], prec + 1)
            else:
                left, right = self.atom(args[0], prec), self.atom(args[1], prec + 1)
            return f"{left} {INFIX[prim]} {right}", prec
        if prim in PREFIX and len(args) == 1:
            prec = PRECEDENCE[prim]
            return f"{PREFIX[prim]}{self.atom(args[0], prec)}", prec
        if prim is operator.getitem:
            return f"{self.atom(args[0], ATOMIC)}[{self.index(args[1])}]", ATOMIC
        if prim is operator.contains:
            return f"{self.atom(args[1], 5)} in {self.atom(args[0], 5)}", 4
        if prim is prims.BUILD_TUPLE:
            items = [self.atom(a) for a in args]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", ATOMIC
        if prim is prims.BUILD_LIST:
            return "[" + ", ".join(self.atom(a) for a in args) + "]", ATOMIC
        if prim is prims.BUILD_SLICE:
            return f"slice({self.call_args(args, {})})", ATOMIC
        if prim is prims.FORMAT:
            return f"''.join(map(str, ({self.call_args(args, {})},)))", ATOMIC
        if isinstance(prim, prims.DerivativeCall):
            return f"{prim.name}({self.call_args(args, eqn.kwargs)})", ATOMIC
        if is_user_function(prim) and not eqn.kwargs:   # arguments bound by lowering
            parts = [prefix + self.atom(a, ATOMIC if prefix == "*" else 0)
                     for prefix, a in call_arguments(prim, args)]
            return f"{self.ref(prim)}({', '.join(parts)})", ATOMIC
        return f"{self.ref(prim)}({self.call_args(args, eqn.kwargs)})", ATOMIC

    def call_args(self, args, kwargs) -> str:
        parts = [self.atom(a) for a in args] + [f"{k}={self.atom(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    def index(self, atom) -> str:
        if isinstance(atom, Const) and not isinstance(atom, Global):
            value = atom.value
            parts = value if isinstance(value, tuple) and value else (value,)
            if all(isinstance(p, (slice, int, type(None), type(Ellipsis))) and
                   not isinstance(p, bool) for p in parts):
                text = ", ".join(self._index_part(p) for p in parts)
                return text + ("," if isinstance(value, tuple) and len(value) == 1 else "")
        return self.atom(atom)

    def _index_part(self, p) -> str:
        if isinstance(p, slice):
            text = ":".join("" if v is None else repr(v) for v in (p.start, p.stop))
            return text + (f":{p.step}" if p.step is not None else "")
        if p is None:
            return "None"
        return "..." if p is Ellipsis else repr(p)

    # ---- statements --------------------------------------------------------------

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def comment(self, depth: int, stmt) -> None:
        loc = getattr(stmt, "loc", None)
        if loc is None or not loc.source_line:
            return
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
            else:
                self.loop(stmt, depth)

    def eqn(self, eqn: Eqn, depth: int) -> None:
        if eqn.prim is prims.TAPE_POP:
            self.comment(depth, eqn)
            self.emit(depth, f"{', '.join(self.name(v) for v in eqn.outs)} = pop()")
            return
        if eqn.prim is prims.TAPE_PUSH:
            values = [self.atom(a) for a in eqn.args]
            self.emit(depth, f"push({values[0] if len(values) == 1 else '(' + ', '.join(values) + ')'})")
            return
        if eqn.prim is prims.ASSERT:
            self.comment(depth, eqn)
            self.emit(depth, f"assert {self.call_args(eqn.args, {})}")
            return
        if eqn.prim is prims.UNPACK:
            if not eqn.outs:
                return
            names = ", ".join(self.name(v) for v in eqn.outs)
            self.emit(depth, f"{names}{',' if len(eqn.outs) == 1 else ''} = {self.atom(eqn.args[0])}")
            if any(v.hint == TAPE_HINT for v in eqn.outs):
                self.emit(depth, "pop = tape.pop")
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
        pairs = [(self.name(t), r) for t, r in zip(targets, results)]
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
        self.group = None

    def loop(self, loop: Loop, depth: int) -> None:
        self.comment(depth, loop)
        self.yields(loop.carried, loop.inits, depth)
        count = self.name(loop.count) if loop.count is not None else None
        if count:
            self.emit(depth, f"{count} = 0")
        if loop.kind == "range":
            bounds = [self.atom(b) for b in loop.bounds]
            if bounds[2] == "1":
                bounds.pop()
                if bounds[0] == "0":
                    bounds.pop(0)
            rng = f"range({', '.join(bounds)})"
            if loop.limit is not None:
                rng = f"{rng}[:{self.atom(loop.limit)}]"
            if loop.reverse:
                rng = f"reversed({rng})"
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
                cond_lines = self.lines[mark:]
                del self.lines[mark:]
                self.emit(depth, "while True:")
                self.lines.extend(cond_lines)
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
        self.emit(0, f"def {fn.name}({', '.join(fn.param_names)}):")
        self.emit(1, f'"""{self.title}"""')
        ops = {s.prim for s in _walk(fn.body) if isinstance(s, Eqn)}
        receives_tape = prims.UNPACK in ops
        if prims.TAPE_PUSH in ops and prims.TAPE_POP in ops and not receives_tape:
            self.emit(1, "tape = []")
            self.emit(1, "push, pop = tape.append, tape.pop")
        elif prims.TAPE_PUSH in ops:
            self.emit(1, "tape = []")
            self.emit(1, "push = tape.append")
        for var in fn.preinit:
            self.emit(1, f"{self.name(var)} = None")
        self.block(fn.body, 1)
        results = [self.atom(r) for r in fn.body.results]
        self.emit(1, f"return {', '.join(results)}")
        return "\n".join(self.lines) + "\n"


def _walk(block: Block):
    for stmt in block.stmts:
        yield stmt
        if isinstance(stmt, If):
            yield from _walk(stmt.then)
            yield from _walk(stmt.orelse)
        elif isinstance(stmt, Loop):
            if stmt.cond is not None:
                yield from _walk(stmt.cond)
            yield from _walk(stmt.body)


def _stmt_atoms(stmt):
    if isinstance(stmt, Eqn):
        return list(stmt.args) + list(stmt.kwargs.values())
    if isinstance(stmt, If):
        return [stmt.cond]
    return list(stmt.inits) + list(stmt.bounds) + ([stmt.limit] if stmt.limit is not None else [])


def _direct_uses(stmt) -> set:
    return {a for a in _stmt_atoms(stmt) if isinstance(a, Var)}


def _defined(stmt):
    if isinstance(stmt, Eqn):
        return stmt.outs
    return stmt.outs


def _atoms(block: Block):
    for stmt in _walk(block):
        yield from _stmt_atoms(stmt)
    yield from block.results


def _count_uses(block: Block) -> dict:
    uses: dict = {}

    def add(a):
        if isinstance(a, Var):
            uses[a] = uses.get(a, 0) + 1

    def visit(b: Block):
        for stmt in b.stmts:
            for a in _stmt_atoms(stmt):
                add(a)
            if isinstance(stmt, If):
                visit(stmt.then)
                visit(stmt.orelse)
            elif isinstance(stmt, Loop):
                if stmt.cond is not None:
                    visit(stmt.cond)
                visit(stmt.body)
        for r in b.results:
            add(r)
    visit(block)
    return uses


def _walk_vars(block: Block):
    for stmt in _walk(block):
        yield from stmt.outs
    yield from (a for a in block.results if isinstance(a, Var))


def generate(fn: Function, title: str) -> tuple[str, dict]:
    """(source text, {factory parameter name: object}) for `fn`."""
    return generate_program([(fn, title)])


def generate_program(functions, check_finite=False) -> tuple[str, dict]:
    """(source text, {factory parameter name: object}) of several (Function, title)
    pairs that call each other; the last is the entry point.  With `check_finite`,
    every derivative value is checked right after it is computed."""
    table = Objects(fn.name for fn, _ in functions)
    texts = []
    for fn, title in functions:
        gen = CodeGen(fn, title, table)
        gen.check_finite = check_finite
        texts.append(gen.function())
    return "\n\n".join(texts), table.objects
