"""IR -> text, jaxpr-like, for `s2sad ir` and `str(s2sad.ir(f))`.  Deterministic."""
from __future__ import annotations

from . import prims
from .ir_nodes import Const, Eqn, Function, If, Loop, not_a_statement
from .naming import Namer
from .rules.core import display_name


def prim_name(prim) -> str:
    method = prims.method_name(prim)
    if method is not None:
        return f".{method}"
    if isinstance(prim, prims.Prim):
        return prim.name
    name = display_name(prim)
    return name.split(".", 1)[1] if name.startswith("operator.") else name


class Printer:
    """Prints one function (`function(fn)`, called once) as jaxpr-like text: one line
    per equation, regions indented, `yield` for a region's results.  `name` assigns
    each Var its printed name on first sight; `lines` is the text so far."""

    def __init__(self, reserved=()):
        self.name = Namer(reserved)
        self.lines: list[str] = []

    def atom(self, a) -> str:
        if isinstance(a, Const):
            name = getattr(a, "name", None)
            if name:
                return name
            value = a.value
            return getattr(value, "__name__", None) or repr(value)
        return self.name(a)

    def atoms(self, items) -> str:
        return " ".join(self.atom(a) for a in items)

    def function(self, fn: Function) -> str:
        params = ", ".join(f"{self.name(p)}{self.kind(p)}" for p in fn.params)
        self.lines.append(f"def {fn.name}({params}):")
        self.block(fn.body.stmts, 1)
        self.lines.append(f"  return {self.atoms(fn.body.results)}")
        return "\n".join(self.lines) + "\n"

    def kind(self, var) -> str:
        return f":{var.kind}" if var.kind is not None else ""

    def block(self, stmts, depth: int) -> None:
        pad = "  " * depth
        for stmt in stmts:
            if isinstance(stmt, Eqn):
                self.eqn(stmt, pad)
            elif isinstance(stmt, If):
                outs = ", ".join(self.name(v) for v in stmt.outs)
                head = f"{outs} = " if outs else ""
                self.lines.append(self._commented(f"{pad}{head}if {self.atom(stmt.cond)}:", stmt.loc))
                self.block(stmt.then.stmts, depth + 2)
                self.lines.append(f"{pad}    yield {self.atoms(stmt.then.results)}".rstrip())
                self.lines.append(f"{pad}  else:")
                self.block(stmt.orelse.stmts, depth + 2)
                self.lines.append(f"{pad}    yield {self.atoms(stmt.orelse.results)}".rstrip())
            elif isinstance(stmt, Loop):
                self.loop(stmt, pad, depth)
            else:
                raise not_a_statement(stmt)

    def loop(self, loop: Loop, pad: str, depth: int) -> None:
        outs = ", ".join(self.name(v) for v in loop.outs)
        carry = ", ".join(f"{self.name(c)}={self.atom(i)}"
                          for c, i in zip(loop.carried, loop.inits, strict=True))
        if loop.kind == "range":
            index = self.name(loop.index) if loop.index is not None else "_"
            head = f"for {index} in range({', '.join(self.atom(b) for b in loop.bounds)})"
        else:
            head = "while"
        stop = " until-stop" if loop.has_stop else ""
        self.lines.append(self._commented(
            f"{pad}{outs + ' = ' if outs else ''}{head} carry({carry}){stop}:", loop.loc))
        if loop.cond is not None:
            self.lines.append(f"{pad}    cond:")
            self.block(loop.cond.stmts, depth + 3)
            self.lines.append(f"{pad}      yield {self.atoms(loop.cond.results)}")
        self.block(loop.body.stmts, depth + 2)
        self.lines.append(f"{pad}    yield {self.atoms(loop.body.results)}".rstrip())

    def eqn(self, eqn: Eqn, pad: str) -> None:
        outs = ", ".join(self.name(v) for v in eqn.outs)
        args = self.atoms(eqn.args)
        kwargs = " ".join(f"{k}={self.atom(v)}" for k, v in eqn.kwargs.items())
        head = f"{outs} = " if outs else ""
        text = f"{pad}{head}{prim_name(eqn.prim)} {args} {kwargs}".rstrip()
        self.lines.append(self._commented(text, eqn.loc))

    def _commented(self, text: str, loc) -> str:
        if loc is None or not loc.source_line:
            return text
        return f"{text:<40}  # {loc.line}: {loc.source_line.strip()}"


def print_function(fn: Function) -> str:
    return Printer().function(fn)
