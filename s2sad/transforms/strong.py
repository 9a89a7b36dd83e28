"""Strong zeros in forward-mode code: which products of a tangent get `rt.strong_*`.

A tangent is multiplied by primal factors (a rule's partial, a matrix); if one entry
of an input is inf or nan, so are those factors, and with IEEE products 0 * nan =
nan would reach every entry of every tangent.  The forward transform's Emitter keeps
the set of tangent atoms (tangents and what is computed from them) and passes each
call it writes through `strengthen`, which replaces

* `t * p` (operator.mul, np.multiply) by `rt.strong_mul(t, p)`;
* `t / p` (operator.truediv, np.divide, np.true_divide, rt.fdiv) by `rt.strong_div(t, p)`;
* `t @ p`, np.matmul, np.dot, np.tensordot, np.inner, np.outer, np.vdot, np.kron
  (and the same with the tangent second) by `rt.strong_matmul` and its siblings;

when one operand is a tangent and the other a primal value that may be non-finite
(not an int, not a finite number literal).  A product of two tangents (second-order
terms) stays plain.

Only the compiler's strong forward modes (compiler.STRONG_MODES) do this: the forward
code s2sad shows and runs first keeps plain products, and the API runs the strong
code only when a tangent came out with an inf or nan entry (api._forward_code), so
finite inputs pay one finiteness check per call.  The helpers themselves return the
plain product unless it has a non-finite entry (runtime/strong.py).
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import kinds, runtime
from ..ir_nodes import Const, Var

_MULTIPLY = (operator.mul, np.multiply)
_DIVIDE = (operator.truediv, np.divide, np.true_divide, runtime.fdiv)
_PRODUCTS = {operator.matmul: runtime.strong_matmul, np.matmul: runtime.strong_matmul,
             np.dot: runtime.strong_dot, np.tensordot: runtime.strong_tensordot,
             np.inner: runtime.strong_inner, np.outer: runtime.strong_outer,
             np.vdot: runtime.strong_vdot, np.kron: runtime.strong_kron}
_NEVER_NONFINITE = ("int", "bool", "list", "tuple", "listof", "tupleof", "dict", "none")


def is_tangent(atom, tangents) -> bool:
    return isinstance(atom, Var) and atom in tangents


def _may_be_nonfinite(atom) -> bool:
    """Can the primal factor `atom` hold inf or nan (or is it not known not to)?"""
    if isinstance(atom, Const) and not hasattr(atom, "name"):
        value = atom.value
        return not (isinstance(value, (int, float)) and math.isfinite(value))
    kind = atom.kind if isinstance(atom, Var) else kinds.kind_of(atom)
    return kind is None or kind.tag not in _NEVER_NONFINITE     # None: not inferred yet


def strengthen(prim, args, kwargs, tangents):
    """The prim to call for `prim(*args, **kwargs)` in tangent code: its strong
    version where the call multiplies a tangent by a primal factor, else `prim`."""
    try:
        product = _PRODUCTS.get(prim)
        multiply, divide = prim in _MULTIPLY, prim in _DIVIDE
    except TypeError:       # an unhashable callable
        return prim
    if len(args) < 2 or not (product or multiply or divide):
        return prim
    first, second = (is_tangent(a, tangents) for a in args[:2])
    if first == second:
        return prim
    if product is not None:
        return product if _may_be_nonfinite(args[1] if first else args[0]) else prim
    if kwargs or len(args) != 2:
        return prim
    if multiply and _may_be_nonfinite(args[1] if first else args[0]):
        return runtime.strong_mul
    if divide and first and _may_be_nonfinite(args[1]):
        return runtime.strong_div
    return prim
