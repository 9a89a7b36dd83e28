"""Split a joint VJP into the two halves a caller runs at different times.

A callee's reverse-mode derivative is generated as one function (primal sweep, then
adjoint sweep).  Its caller runs the primal sweep in its own forward sweep and the
adjoint sweep in its own reverse sweep, so the function is cut in two: the forward
half returns (output, residuals) -- the values of the forward sweep, and its tape,
that the adjoint reads -- and the backward half takes (residuals, cotangent).
"""
from __future__ import annotations

from .. import kinds, prims
from ..ir_nodes import Block, Eqn, Function, Var, walk
from ..naming import TAPE_HINT
from .rewrite import defined_vars, used_vars


def split(deriv: Function, fwd_name: str, bwd_name: str):
    """Split a joint VJP function into its forward and backward halves.

    The forward half returns (output, residuals): the values of the forward sweep
    (and its tape) that the reverse sweep reads.  The backward half takes
    (residuals, output cotangent) and returns the cotangents.
    """
    primal = [s for s in deriv.body.stmts if s.role == "primal"]
    adjoint = [s for s in deriv.body.stmts if s.role != "primal"]
    seed = deriv.params[-1]
    reads = used_vars(Block(adjoint, deriv.body.results[1:]))
    own = defined_vars(Block(adjoint, []))
    residuals = [v for v in reads if v is not seed and v not in own]
    # The tape is handed over when the forward sweep pushes on it (a checkpointed
    # loop pushes and pops in the reverse sweep only).
    uses_tape = (any(isinstance(s, Eqn) and s.prim is prims.TAPE_POP for s in _walk(adjoint))
                 and any(isinstance(s, Eqn) and s.prim is prims.TAPE_PUSH for s in _walk(primal)))
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
    return walk(Block(stmts, []))
