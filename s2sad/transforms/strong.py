"""Strong zeros in forward-mode code: which products of a tangent get `rt.strong_*`.

A tangent is multiplied by primal factors (a rule's partial, a matrix); if one entry
of an input is inf or nan, so are those factors, and with IEEE products 0 * nan =
nan would reach every entry of every tangent.  The forward transform's Emitter keeps
the set of tangent atoms (tangents and what is computed from them) and passes each
call it writes through `strengthen`, which replaces

* `t * p` and `p * t` (operator.mul, np.multiply) by `rt.tangent_mul(t, p)`;
* `t / p` (operator.truediv, np.divide, np.true_divide, rt.fdiv) by `rt.tangent_div(t, p)`;
* `t @ p`, np.matmul, np.dot, np.tensordot, np.inner, np.outer, np.vdot, np.kron
  (the tangent first or second) by `rt.tangent_product(name, t, p, first, extra)`;

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

from .. import kinds, prims, runtime
from ..ir_nodes import Const, Var

_MULTIPLY = (operator.mul, np.multiply)
_DIVIDE = (operator.truediv, np.divide, np.true_divide, runtime.fdiv)
_PRODUCTS = {operator.matmul: "matmul", np.matmul: "matmul", np.dot: "dot",
             np.tensordot: "tensordot", np.inner: "inner", np.outer: "outer",
             np.vdot: "vdot", np.kron: "kron"}
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


def strengthen(prim, args, kwargs, tangents, emit):
    """(prim, args) to call for `prim(*args, **kwargs)` in tangent code: a strong
    helper where the call multiplies a tangent by a primal factor, else as given
    (`emit(prim, args)` writes the tuple of a product's extra arguments)."""
    try:
        product = _PRODUCTS.get(prim)
        multiply, divide = prim in _MULTIPLY, prim in _DIVIDE
    except TypeError:       # an unhashable callable
        return prim, args
    if len(args) < 2 or kwargs or not (product or multiply or divide):
        return prim, args
    first, second = (is_tangent(a, tangents) for a in args[:2])
    t, p = (args[0], args[1]) if first else (args[1], args[0])
    if first == second or not _may_be_nonfinite(p):
        return prim, args
    if product is not None:
        extra = emit(prims.BUILD_TUPLE, list(args[2:]), hint="extra") if args[2:] else Const(())
        return runtime.tangent_product, [Const(product), t, p, Const(first), extra]
    if len(args) != 2:
        return prim, args
    if multiply:
        return runtime.tangent_mul, [t, p]
    return (runtime.tangent_div, [t, p]) if divide and first else (prim, args)
