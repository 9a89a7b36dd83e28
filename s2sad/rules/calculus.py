"""np.diff with prepend=/append=, np.partition, np.gradient, np.trapezoid (helpers in
s2sad/runtime/calculus.py).

np.diff(a, n, axis, prepend, append) is np.diff of a between its edges: the edges and
`a` are each placed in the joined array (`rt.edge_place`, zeros elsewhere) or taken
back from its cotangent (`rt.edge_part`, summed to the edge's shape).
"""
import numpy as np

from ..runtime import calculus as rc
from .core import defrule, nondiff
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

# np.gradient: linear in f for fixed spacing (the spacing is not differentiable)
defrule(np.gradient, "f, *varargs, axis=None, edge_order=1",
        jvp={"f": "rt.gradient_apply(df, varargs, axis, edge_order)"},
        vjp={"f": "rt.gradient_adjoint(g, f, varargs, axis, edge_order)"})
linear(rc.gradient_apply, "t, varargs=(), axis=None, edge_order=1",
       "rt.cast_like(rt.gradient_adjoint(g, t, varargs, axis, edge_order), t)")
linear(rc.gradient_adjoint, "t, f, varargs=(), axis=None, edge_order=1",
       "rt.cast_like(rt.gradient_apply(g, varargs, axis, edge_order), t)", zero=("f",))

# np.trapezoid(y, x, dx, axis) = sum(w(x) * y): bilinear in y and x (dx, the spacing
# without x, is not differentiable).  In the forward terms `dx` names x's tangent when x
# is active: the y term takes the spacing through rt.trapezoid_step, 1.0 when x is given
# (NumPy ignores dx then), so x's tangent never reaches np.trapezoid's dx.
_TRAP = getattr(np, "trapezoid", None) or getattr(np, "trapz")
defrule(_TRAP, "y, x=None, dx=1.0, axis=-1",
        jvp={"y": f"np.{_TRAP.__name__}(dy, x, rt.trapezoid_step(x, dx), axis)",
             "x": f"np.{_TRAP.__name__}(y, dx, 1.0, axis)"},
        vjp={"y": "rt.trapezoid_y_vjp(g, y, x, dx, axis)",
             "x": "rt.trapezoid_x_vjp(g, y, x, axis)"})
nondiff(rc.trapezoid_step)   # dx is only active when x is None, and then np.trapezoid refuses it
defrule(rc.trapezoid_y_vjp, "t, y, coords=None, step=1.0, axis=-1",
        jvp={"t": "rt.trapezoid_y_vjp(dt, y, coords, step, axis)", "y": "rt.zeros_like(ans)",
             "coords": "rt.trapezoid_y_vjp(t, y, dcoords, step, axis)"},
        vjp={"t": f"rt.cast_like(np.{_TRAP.__name__}(g, coords, step, axis), t)",
             "y": "rt.zeros_like(y)",
             "coords": "rt.trapezoid_x_vjp(t, g, coords, axis)"})
defrule(rc.trapezoid_x_vjp, "t, y, coords, axis=-1",
        jvp={"t": "rt.trapezoid_x_vjp(dt, y, coords, axis)",
             "y": "rt.trapezoid_x_vjp(t, dy, coords, axis)", "coords": "rt.zeros_like(ans)"},
        vjp={"t": f"rt.cast_like(np.{_TRAP.__name__}(y, g, 1.0, axis), t)",
             "y": "rt.trapezoid_y_vjp(t, y, g, 1.0, axis)", "coords": "rt.zeros_like(coords)"})
