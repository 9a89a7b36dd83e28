"""A derivative program: the derivative of the differentiated function plus the
derivatives of the user functions it calls, generated on demand.

A call to a user function with a differentiable argument becomes, in forward mode,
a call to the callee's JVP `g_jvp(args, tangents) -> (out, tangent)`; in reverse
mode the callee is split into a forward half `g_fwd(args) -> (out, residuals)` that
runs in the caller's forward sweep and a backward half
`g_bwd(residuals, cotangent) -> cotangents` that runs in its reverse sweep.  Each
is specialised on the callee, the active argument positions and the argument
kinds; a recursive call finds its own specialisation already named.
"""
from __future__ import annotations

import inspect
import types

from . import kinds, prims
from .errors import SourceUnavailableError
from .naming import Namer
from .pins import attribute_pin
from .ir import Block, Eqn, Function, Var
from .callables import is_user_function

class Program:
    """The functions of one derivative program, in the order they were generated."""

    def __init__(self, lower_fn):
        self.lower_fn = lower_fn            # (fn, arg_kinds) -> ir.Function with kinds
        self.functions: list[Function] = []
        self.titles: dict = {}
        self.calls: dict = {}
        self.fresh_name = Namer().fresh     # unique names for the generated functions

    def lower_callee(self, fn, arg_kinds, loc):
        """The callee's IR; a callee without source is reported at the call site."""
        try:
            return self.lower_fn(fn, arg_kinds)
        except SourceUnavailableError as exc:
            raise SourceUnavailableError(
                f"{loc}: '{fn.__name__}' is called here with a differentiable argument, so "
                f"its derivative is needed, but {exc}") from None

    def jvp_call(self, fn, positions, arg_kinds, loc=None) -> prims.DerivativeCall:
        key = ("forward", fn, tuple(positions), tuple(arg_kinds))
        if key not in self.calls:
            from .transforms.forward import forward
            ir = self.lower_callee(fn, arg_kinds, loc)
            out_kind = kinds.kind_of(ir.body.results[0])
            call = prims.DerivativeCall(self.fresh_name(f"{ir.name}_jvp"), (out_kind, out_kind))
            self.calls[key] = call
            deriv = forward(ir, list(positions), self)
            deriv.name = call.name
            self._finish(deriv, list(arg_kinds) + [arg_kinds[i] for i in positions],
                         f"Forward-mode derivative of {ir.name}, called from the function above.")
        return self.calls[key]

    def vjp_calls(self, fn, positions, arg_kinds, loc=None):
        """(forward half, backward half) of the VJP of `fn` w.r.t. `positions`."""
        key = ("reverse", fn, tuple(positions), tuple(arg_kinds))
        if key not in self.calls:
            from .transforms.reverse import reverse
            ir = self.lower_callee(fn, arg_kinds, loc)
            out_kind = kinds.kind_of(ir.body.results[0])
            fwd = prims.DerivativeCall(self.fresh_name(f"{ir.name}_fwd"), (out_kind, kinds.UNKNOWN))
            bwd = prims.DerivativeCall(self.fresh_name(f"{ir.name}_bwd"),
                                       tuple(arg_kinds[i] for i in positions))
            self.calls[key] = (fwd, bwd)
            deriv = reverse(ir, list(positions), self)
            from .transforms.optimize import optimize
            optimize(deriv, list(arg_kinds) + [out_kind])
            forward_half, backward_half = split(deriv, fwd.name, bwd.name)
            self.functions.append(forward_half)
            self.titles[forward_half.name] = (f"Forward sweep of {ir.name}: its value and what "
                                              f"{bwd.name} needs.")
            self.functions.append(backward_half)
            self.titles[backward_half.name] = f"Reverse sweep of {ir.name}."
        return self.calls[key]

    def _finish(self, deriv: Function, param_kinds, title: str) -> None:
        from .transforms.optimize import optimize
        optimize(deriv, param_kinds)
        self.functions.append(deriv)
        self.titles[deriv.name] = title


TAPE_HINT = "<tape>"     # codegen names this Var `tape`


def split(deriv: Function, fwd_name: str, bwd_name: str):
    """Split a joint VJP function into its forward and backward halves.

    The forward half returns (output, residuals): the values of the forward sweep
    (and its tape) that the reverse sweep reads.  The backward half takes
    (residuals, output cotangent) and returns the cotangents.
    """
    primal = [s for s in deriv.body.stmts if s.role == "primal"]
    adjoint = [s for s in deriv.body.stmts if s.role != "primal"]
    seed = deriv.params[-1]
    from .transforms.rewrite import defined_vars, used_vars
    reads = used_vars(Block(adjoint, deriv.body.results[1:]))
    own = defined_vars(Block(adjoint, []))
    residuals = [v for v in reads if v is not seed and v not in own]
    uses_tape = any(isinstance(s, Eqn) and s.prim is prims.TAPE_POP
                    for s in _walk(adjoint))
    tape = Var(TAPE_HINT, kinds.OBJECT)
    packed_items = residuals + ([tape] if uses_tape else [])
    packed = Var("residuals", kinds.UNKNOWN)
    forward_body = Block(primal + [Eqn([packed], prims.BUILD_TUPLE, list(packed_items))],
                         [deriv.body.results[0], packed])
    received = Var("residuals", kinds.UNKNOWN)
    backward_body = Block([Eqn(list(packed_items), prims.UNPACK, [received])] + adjoint,
                          list(deriv.body.results[1:]))
    forward_fn = Function(fwd_name, deriv.params[:-1], forward_body, deriv.filename,
                          deriv.first_line, deriv.param_names[:-1], {}, deriv.globals,
                          deriv.aliases)
    # Values assigned in a branch that did not run still have to be packed.
    top = set(deriv.params) | {v for s in primal for v in s.outs}
    forward_fn.preinit = [v for v in residuals if v not in top]
    backward_fn = Function(bwd_name, [received, seed], backward_body, deriv.filename,
                           deriv.first_line, ["residuals", deriv.param_names[-1]], {},
                           deriv.globals, deriv.aliases)
    return forward_fn, backward_fn


def _walk(stmts):
    from .ir import walk_stmts
    return walk_stmts(Block(stmts, []))


def resolve_methods(fn: Function) -> bool:
    """Turn calls of methods of user classes (`self.helper(x)`) into calls of the
    method's function, found from the object's class (known from its kind, and
    pinned: see pins.py), and calls of a function passed as a value (`rhs(y)`, its
    kind is the function) into calls of that function; a method's *args arrive as one
    tuple, built just before the call.  Returns True when something changed."""
    return _resolve_methods_in(fn.body, fn.pins)


def _resolve_methods_in(block: Block, pins: list) -> bool:
    from .ir import Const, sub_blocks
    changed = False
    for stmt in list(block.stmts):
        for inner in sub_blocks(stmt):
            changed |= _resolve_methods_in(inner, pins)
        name = prims.method_name(getattr(stmt, "prim", None))
        if name is None or stmt.params.get("attribute") or not stmt.args:
            continue
        kind = kinds.kind_of(stmt.args[0])
        args = list(stmt.args)
        if kind.tag == "function" and name == "__call__":
            method = kind.items[0]           # a function passed in: call it by name
            args = args[1:]
            if not is_user_function(method):
                stmt.prim, stmt.args, changed = method, args, True
                continue
        elif kind.tag == "object" and kind.items and isinstance(kind.items[0], type):
            method = inspect.getattr_static(kind.items[0], name, None)
        else:
            continue
        if not is_user_function(method) or method.__code__.co_flags & inspect.CO_VARKEYWORDS:
            continue
        if kind.tag == "object":
            pins.append(attribute_pin(kind.items[0], name))
        try:
            bound = inspect.signature(method).bind(*args, **stmt.kwargs)
        except TypeError:
            continue
        bound.apply_defaults()
        for p in inspect.signature(method).parameters.values():
            if p.kind is p.VAR_POSITIONAL:
                packed = Var(p.name)
                block.stmts.insert(block.stmts.index(stmt), Eqn(
                    [packed], prims.BUILD_TUPLE, list(bound.arguments[p.name]), loc=stmt.loc,
                    role=stmt.role))
                bound.arguments[p.name] = packed
        stmt.prim = method
        stmt.args = [v if isinstance(v, (Var, Const)) else Const(v)
                     for v in bound.arguments.values()]
        stmt.kwargs = {}
        changed = True
    return changed
