"""Negations folded into their single use: `a + -b` is `a - b`, `-a * c` is `a * -c`.

Adjoints negate cotangents (the rule of `x - y` gives `-g` to y) which are then added
to an adjoint or scaled by a literal.  Where the negation is read only there and the
values are floats (Python floats, float or complex arrays), the sum becomes a
difference and the literal takes the sign: one operation instead of two, with the
same result to the bit (IEEE negation is exact, a - b is a + (-b), and (-a) c is
-(a c) = a (-c)).
"""
from __future__ import annotations

import collections
import operator

import numpy as np

from .. import kinds
from ..ir_nodes import Const, Eqn, Function, Var, uses, walk


def fold_negations(fn: Function) -> bool:
    """Rewrite `fn`'s sums with and literal multiples of single-use negations in
    place; whether anything changed (the negations left unread are dead code)."""
    counts = collections.Counter(a for a in uses(fn.body) if isinstance(a, Var))
    negated = {s.outs[0]: s.args[0] for s in walk(fn.body) if isinstance(s, Eqn) and
               s.prim is operator.neg and len(s.outs) == 1 and len(s.args) == 1 and
               not s.kwargs and counts[s.outs[0]] == 1 and _float(s.outs[0])}
    changed = False
    for eqn in walk(fn.body):
        if not isinstance(eqn, Eqn) or len(eqn.args) != 2 or eqn.kwargs:
            continue
        a, b = eqn.args
        if eqn.prim is operator.add and b in negated and _float(a):
            eqn.prim, eqn.args = operator.sub, [a, negated.pop(b)]
        elif eqn.prim is operator.add and a in negated and _float(b):
            eqn.prim, eqn.args = operator.sub, [b, negated.pop(a)]
        elif eqn.prim is operator.mul and a in negated and _literal(b):
            eqn.args = [negated.pop(a), Const(-b.value)]
        elif eqn.prim is operator.mul and b in negated and _literal(a):
            eqn.args = [Const(-a.value), negated.pop(b)]
        else:
            continue
        changed = True
    return changed


def _float(atom) -> bool:
    kind = kinds.kind_of(atom)
    return kind == kinds.FLOAT or kind.tag == "array" and kind.dtype is not None and \
        np.dtype(kind.dtype).kind in "fc"


def _literal(atom) -> bool:
    return isinstance(atom, Const) and not hasattr(atom, "name") and type(atom.value) is float
