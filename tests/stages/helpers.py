"""Helpers of the stage tests: run the stages up to one, walk the IR it gives, and
compile an IR to a Python function to check numbers."""
from __future__ import annotations

import inspect
import itertools

import numpy as np

from s2sad import codegen, kinds, loader
from s2sad.fence import check
from s2sad.ir_nodes import Eqn, Loop, walk_stmts
from s2sad.kinds import FLOAT
from s2sad.lower import lower
from s2sad.parsing import parse_function
from s2sad.transforms.forward import forward
from s2sad.transforms.reverse import reverse
from s2sad.verify import verify

_names = itertools.count()


def lowered(fn, *arg_kinds, infer=True):
    """`fn` parsed, fenced, lowered and (with `infer`) with kinds inferred for
    `arg_kinds`; a new IR on every call, which a test may edit."""
    parsed = parse_function(fn)
    check(parsed)
    ir = lower(parsed, arg_kinds)
    verify(ir)
    if infer:
        kinds.infer(ir, arg_kinds)
    return ir


def eqns(block) -> list[Eqn]:
    """Every equation of `block` and of its nested regions, in program order."""
    return [s for s in walk_stmts(block) if isinstance(s, Eqn)]


def stmts_of(block, cls) -> list:
    """Every statement of type `cls` (Eqn, If or Loop) in `block` and nested regions."""
    return [s for s in walk_stmts(block) if isinstance(s, cls)]


def only(items):
    """The single item of `items`."""
    items = list(items)
    assert len(items) == 1, items
    return items[0]


def defined_vars(fn) -> list:
    """Every Var `fn` assigns (parameters, equation and region outs, carried values and
    loop indices), with repetitions."""
    found = list(fn.params)
    for stmt in walk_stmts(fn.body):
        found += stmt.outs
        if isinstance(stmt, Loop):
            found += stmt.carried + [v for v in (stmt.index, stmt.count) if v is not None]
    return found


def reads(block, var) -> list[Eqn]:
    """The equations (anywhere in `block`) with `var` among their arguments."""
    return [e for e in eqns(block) if any(a is var for a in list(e.args) + list(e.kwargs.values()))]


def marked_line(fn, marker="# <-") -> int:
    """The line (in its file) of the statement of `fn` carrying the marker."""
    lines, first = inspect.getsourcelines(fn)
    found = [first + i for i, text in enumerate(lines) if marker in text]
    assert len(found) == 1, f"{fn.__name__}: expected one {marker!r} marker"
    return found[0]


def generated(fn, title="generated for a stage test") -> str:
    """The Python text of the IR function `fn`."""
    return codegen.generate_program([(fn, title)])[0]


def compiled(fn):
    """The IR function `fn` as a Python function (codegen, then the loader)."""
    text, objects = codegen.generate_program([(fn, "generated for a stage test")])
    return loader.load(text, fn.name, f"<stage test {fn.name} #{next(_names)}>", objects,
                       fn.globals)


def jvp_of(fn, arg_kinds, wrt):
    """The forward-mode derivative of `fn` as a Python function (not optimized)."""
    deriv = forward(lowered(fn, *arg_kinds), list(wrt), None)
    verify(deriv, scoped=False)
    kinds.infer(deriv, list(arg_kinds) + [arg_kinds[i] for i in wrt])
    return compiled(deriv)


def vjp_of(fn, arg_kinds, wrt, out_kind=FLOAT):
    """The reverse-mode derivative of `fn` as a Python function (not optimized)."""
    deriv = reverse(lowered(fn, *arg_kinds), list(wrt), None)
    verify(deriv, scoped=False)
    kinds.infer(deriv, list(arg_kinds) + [out_kind])
    return compiled(deriv)


def central_difference(f, args, tangents, eps=1e-6):
    """(f(args + eps t) - f(args - eps t)) / 2 eps; a None tangent leaves its argument
    (an int, say) as it is."""
    plus = [a if t is None else a + eps * t for a, t in zip(args, tangents)]
    minus = [a if t is None else a - eps * t for a, t in zip(args, tangents)]
    return (np.asarray(f(*plus)) - np.asarray(f(*minus))) / (2 * eps)
