"""np.diff with prepend=/append=, np.partition (helpers in s2sad/runtime/calculus.py).

np.diff(a, n, axis, prepend, append) is np.diff of a between its edges: the edges and
`a` are each placed in the joined array (`rt.edge_place`, zeros elsewhere) or taken
back from its cotangent (`rt.edge_part`, summed to the edge's shape).
"""
import numpy as np

from ..runtime import calculus as rc
from .core import defrule
from .runtime_rules import linear

_JOIN = "rt.join_edges(a, prepend, append, axis)"


def _diff_terms(which):
    tangent = "da" if which == "a" else f"d{which}"
    return (f"np.diff(rt.edge_place({tangent}, a, prepend, append, axis, {which!r}), n, axis)",
            f"rt.edge_part(rt.diff_vjp(g, {_JOIN}, n, axis), a, prepend, append, axis, "
            f"{which!r})")


_EDGES = ("a", "prepend", "append")
defrule(np.diff, "a, n=1, axis=-1, prepend=None, append=None",
        jvp={w: _diff_terms(w)[0] for w in _EDGES}, vjp={w: _diff_terms(w)[1] for w in _EDGES})
defrule(rc.join_edges, "a, prepend, append, axis",
        jvp={w: f"rt.edge_place(d{w}, a, prepend, append, axis, {w!r})" for w in _EDGES},
        vjp={w: f"rt.edge_part(g, a, prepend, append, axis, {w!r})" for w in _EDGES})
for _helper, _adjoint in ((rc.edge_part, "edge_place"), (rc.edge_place, "edge_part")):
    linear(_helper, "t, a, prepend, append, axis, which",
           f"rt.cast_like(rt.{_adjoint}(g, a, prepend, append, axis, which), t)",
           zero=("a", "prepend", "append"))

# np.partition: values moved by a's argpartition (ties are kinks, as in np.sort)
defrule(np.partition, "a, kth, axis=-1, kind='introselect', order=None",
        jvp={"a": "rt.partition_jvp(da, a, kth, axis)"},
        vjp={"a": "rt.partition_vjp(g, a, kth, axis)"})
linear(rc.partition_jvp, "t, a, kth, axis=-1", "rt.cast_like(rt.partition_vjp(g, a, kth, axis), t)",
       zero=("a",))
linear(rc.partition_vjp, "t, a, kth, axis=-1", "rt.cast_like(rt.partition_jvp(g, a, kth, axis), t)",
       zero=("a",))
