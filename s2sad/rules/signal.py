"""np.convolve, np.correlate, np.interp, np.polyval, np.meshgrid, np.linalg.multi_dot,
np.select (helpers in s2sad/runtime/signal.py).

np.convolve is bilinear: each operand's cotangent is `rt.conv_adjoint` (a correlation
with the other operand), whose own derivatives are np.convolve and itself.
np.correlate(a, v) is np.convolve(a, v[::-1]) for real values.  np.interp is
differentiable in x and fp (not in the knots xp, left=, right= or with period=).
multi_dot is the einsum of its chain, through np.einsum's own helpers.
"""
import numpy as np

from ..runtime import signal as rs
from .core import defrule, nondiff
from .runtime_rules import linear

defrule(np.convolve, "a, v, mode='full'",
        jvp={"a": "np.convolve(da, v, mode)", "v": "np.convolve(a, dv, mode)"},
        vjp={"a": "rt.cast_like(rt.conv_adjoint(g, v, np.size(a), mode), a)",
             "v": "rt.cast_like(rt.conv_adjoint(g, a, np.size(v), mode), v)"})
defrule(np.correlate, "a, v, mode='valid'",
        jvp={"a": "np.correlate(da, v, mode)", "v": "np.correlate(a, dv, mode)"},
        vjp={"a": "rt.cast_like(rt.conv_adjoint(g, np.flip(v), np.size(a), mode), a)",
             "v": "rt.cast_like(np.flip(rt.conv_adjoint(g, a, np.size(v), mode)), v)"})
defrule(rs.conv_adjoint, "t, other, n, mode",
        jvp={"t": "rt.conv_adjoint(dt, other, n, mode)",
             "other": "rt.conv_adjoint(t, dother, n, mode)"},
        vjp={"t": "rt.cast_like(np.convolve(g, other, mode), t)",
             "other": "rt.cast_like(rt.conv_adjoint(t, g, np.size(other), mode), other)"})

# np.interp: slope * dx in x, linear in fp; helpers piecewise constant in x but for
# interp_fp_vjp, whose weights move with x (by the slope's weights)
_EDGES = "left, right, period"
_OPTIONAL = "left=None, right=None, period=None"
_LR = "rt.edge_value_tangent(left), rt.edge_value_tangent(right), period"
defrule(np.interp, "x, xp, fp, left=None, right=None, period=None",
        jvp={"x": f"rt.interp_slope(x, xp, fp, {_EDGES}) * dx",
             "fp": f"np.interp(x, xp, dfp, {_LR})"},
        vjp={"x": f"rt.cast_like(g * rt.interp_slope(x, xp, fp, {_EDGES}), x)",
             "fp": f"rt.interp_fp_vjp(g, x, xp, fp, {_EDGES})"})
defrule(rs.interp_slope, f"x, xp, fp, {_OPTIONAL}",
        jvp={"x": "rt.zeros_like(ans)", "fp": f"rt.interp_slope(x, xp, dfp, {_EDGES})"},
        vjp={"x": "rt.zeros_like(x)", "fp": f"rt.interp_slope_vjp(g, x, xp, fp, {_EDGES})"})
defrule(rs.interp_fp_vjp, f"t, x, xp, fp, {_OPTIONAL}",
        jvp={"t": f"rt.interp_fp_vjp(dt, x, xp, fp, {_EDGES})",
             "x": f"rt.interp_slope_vjp(t * dx, x, xp, fp, {_EDGES})",
             "fp": "rt.zeros_like(ans)"},
        vjp={"t": f"rt.cast_like(np.interp(x, xp, g, {_LR}), t)",
             "x": f"rt.cast_like(t * rt.interp_slope(x, xp, g, {_EDGES}), x)",
             "fp": "rt.zeros_like(fp)"})
defrule(rs.interp_slope_vjp, f"t, x, xp, fp, {_OPTIONAL}",
        jvp={"t": f"rt.interp_slope_vjp(dt, x, xp, fp, {_EDGES})",
             "x": "rt.zeros_like(ans)", "fp": "rt.zeros_like(ans)"},
        vjp={"t": f"rt.cast_like(rt.interp_slope(x, xp, g, {_EDGES}), t)",
             "x": "rt.zeros_like(x)", "fp": "rt.zeros_like(fp)"})
nondiff(rs.edge_value_tangent)

# np.polyval(p, x) = sum_i p_i x^(N-1-i): linear in p, p's derivative polynomial in x
_POWERS = "np.arange(len(p) - 1, -1, -1)"
_DERIV = "np.multiply(p[:-1], np.arange(len(p) - 1, 0, -1, dtype=rt.float_dtype(p)))"
defrule(np.polyval, "p, x",
        jvp={"p": "np.polyval(dp, x)", "x": f"np.polyval({_DERIV}, x) * dx"},
        vjp={"p": "rt.cast_like(np.sum(np.expand_dims(g, -1) * np.expand_dims(x, -1) ** "
                  f"{_POWERS}, axis=tuple(range(np.ndim(g)))), p)",
             "x": f"rt.cast_like(g * np.polyval({_DERIV}, x), x)"})

defrule(np.meshgrid, "*xi, copy=True, sparse=False, indexing='xy'",
        jvp={"xi": "rt.meshgrid_apply(dxi, indexing, sparse)"},
        vjp={"xi": "rt.meshgrid_vjp(g, xi, indexing, sparse)"})
linear(rs.meshgrid_apply, "t, indexing='xy', sparse=False",
       "rt.cast_like(rt.meshgrid_vjp(g, t, indexing, sparse), t)")
linear(rs.meshgrid_vjp, "t, xi, indexing='xy', sparse=False",
       "rt.cast_like(rt.meshgrid_apply(g, indexing, sparse), t)", zero=("xi",))

_SUB = "rt.multi_dot_subscripts(arrays)"
defrule(np.linalg.multi_dot, "arrays, *, out=None",
        jvp={"arrays": f"rt.einsum_patterns({_SUB}, (arrays, darrays), "
                       "rt.einsum_shift(rt.einsum_base(arrays), 1))"},
        vjp={"arrays": f"rt.cast_like(rt.einsum_patterns_vjp(g, {_SUB}, (arrays,), "
                       "rt.einsum_base(arrays))[0], arrays)"})
nondiff(rs.multi_dot_subscripts)

# np.select: each choice (and the default) where it is chosen; the conditions are constant
defrule(np.select, "condlist, choicelist, default=0",
        jvp={"choicelist": "rt.select_jvp(dchoicelist, condlist, 0.0)",
             "default": "rt.select_jvp(rt.zeros_like(choicelist), condlist, ddefault)"},
        vjp={"choicelist": "rt.cast_like(rt.select_vjp(g, condlist, choicelist, default)[0], "
                           "choicelist)",
             "default": "rt.select_vjp(g, condlist, choicelist, default)[1]"})
defrule(rs.select_jvp, "t, condlist, default_t=0.0",
        jvp={"t": "rt.select_jvp(dt, condlist, 0.0)",
             "default_t": "rt.select_jvp(rt.zeros_like(t), condlist, ddefault_t)"},
        vjp={"t": "rt.cast_like(rt.select_vjp(g, condlist, t, default_t)[0], t)",
             "default_t": "rt.select_vjp(g, condlist, t, default_t)[1]"})
defrule(rs.select_vjp, "t, condlist, choicelist, default=0",
        jvp={"t": "rt.select_vjp(dt, condlist, choicelist, default)"},
        vjp={"t": "rt.cast_like(rt.select_jvp(g[0], condlist, g[1]), t)"})
