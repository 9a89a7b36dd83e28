"""Rules for the runtime helpers that generated derivative code calls.

With them, s2sad can differentiate its own derivative code again: `s2sad.hvp` and
`s2sad.hessian` run reverse mode over the forward-mode code of a function, and
derivatives of derivatives differentiate either mode's code.  Every helper a rule's
terms or the transforms may call has a rule here (bookkeeping, containers, elementwise
helpers) or in `runtime_rules_*.py` (by concern), or is declared non-differentiable,
so the set of rules is closed under differentiation (tests/test_rule_closure.py).

Most helpers take a (co)tangent first and are linear in it: their rules name it `t`
(the helpers' parameters are positional-only where they are named g, ans or d<x>);
`linear` declares them by the adjoint term.  Parameters that only give shapes or
piecewise-constant weights (ties, masks, argsort orders) have derivative zero.
"""
import ast

from .. import runtime
from .core import defpartials, defrule, nondiff
from .elementwise import defpartials_strong

ZERO = "rt.zeros_like(ans)"


def zero_terms(*params):
    """The (forward, reverse) terms of parameters whose derivative is zero."""
    return {p: ZERO for p in params}, {p: f"rt.zeros_like({p})" for p in params}


def linear(fn, signature: str, adjoint: str, zero=()):
    """A helper linear in its first parameter: its tangent is the helper applied to that
    parameter's tangent, its cotangent is `adjoint`; the parameters in `zero` have
    derivative zero."""
    params = [a.arg for a in ast.parse(f"def _({signature}): pass").body[0].args.args]
    first, rest = params[0], "".join(f", {p}" for p in params[1:])
    jz, vz = zero_terms(*zero)
    return defrule(fn, signature, jvp={first: f"rt.{fn.__name__}(d{first}{rest})", **jz},
                   vjp={first: adjoint, **vz})


# (t, x) -> t reshaped or cast like x: x only gives a shape and dtype.
linear(runtime.match_shape, "t, x", "rt.unbroadcast(g, t)", zero=("x",))
linear(runtime.unbroadcast, "t, x", "rt.match_shape(g, t)", zero=("x",))
linear(runtime.cast_like, "t, x", "rt.cast_like(g, t)", zero=("x",))
linear(runtime.reduce_to, "t, x", "rt.match_shape(g, t)", zero=("x",))
defrule(runtime.accumulate, "a, b",
        jvp={"a": "da", "b": "db"},
        vjp={"a": "rt.term_cotangent(g, a)", "b": "rt.term_cotangent(g, b)"})
linear(runtime.term_cotangent, "t, x", "rt.match_shape(g, t)", zero=("x",))
linear(runtime.copy_of, "a", "rt.cast_like(g, a)")

# Containers and indexing.
linear(runtime.without_last, "items", "rt.appended(g, rt.zeros_like(items[-1]))")
linear(runtime.list_cotangent, "t, iterable", "rt.cast_like(tuple(g), t)", zero=("iterable",))
linear(runtime.repeat_items_vjp, "t, items, n", "rt.cast_like(rt.repeat_items(g, n), t)",
       zero=("items",))
linear(runtime.plus_jvp, "t, a, b, out, first", "rt.plus_vjp(g, a, b, first)",
       zero=("a", "b", "out"))
linear(runtime.plus_vjp, "t, a, b, first", "rt.plus_jvp(g, a, b, t, first)", zero=("a", "b"))
linear(runtime.setitem_value_vjp, "t, index, value", "rt.setitem(rt.zeros_like(t), index, g)",
       zero=("value",))
linear(runtime.getitem_vjp, "t, a, index", "rt.cast_like(g[index], t)", zero=("a",))
linear(runtime.dict_values, "d, keys", "rt.cast_like(rt.build_dict_from(keys, g), d)")
defrule(runtime.build_dict_from, "keys, values",
        jvp={"values": "rt.build_dict_from(keys, dvalues)"},
        vjp={"values": "rt.dict_values(g, keys)"})
defrule(runtime.add_at, "acc, index, t",
        jvp={"acc": "dacc", "t": "rt.getitem_vjp(dt, acc, index)"},
        vjp={"acc": "g", "t": "rt.cast_like(g[index], t)"})

# Elementwise helpers, by their partial derivatives.
defpartials(runtime.fdiv, "a, b", a="rt.fdiv(1.0, b)", b="-rt.fdiv(ans, b)")
defpartials(runtime.safe_ratio, "x, y", x="rt.safe_ratio(1.0, y)", y="-rt.safe_ratio(ans, y)")
defpartials_strong(runtime.strong_mul, "a, b", ("a", "b"), a="b", b="a")
# a tangent times (or over) a primal factor, with the tangent's zeros strong: so are
# the zeros of the tangents and cotangents of their derivatives
_TANGENT = {"strong": ("t", "p"), "helper": "rt.tangent_mul"}
defpartials_strong(runtime.tangent_mul, "t, p", **_TANGENT, t="p", p="t")
defpartials_strong(runtime.tangent_div, "t, p", **_TANGENT, t="rt.fdiv(1.0, p)",
                   p="-rt.tangent_div(ans, p)")
# x**y's partials, differentiated again (its second derivatives); d/dy is nan for x < 0
defpartials_strong(runtime.pow_dx, "x, y", ("y",), x="y * rt.pow_dx(x, y - 1)",
                   y="x ** (y - 1) + y * rt.pow_dy(x, x ** (y - 1))")
defpartials_strong(runtime.pow_dy, "x, p", ("x", "p"), x="rt.fdiv(p, x)", p="np.log(x)")
defpartials(runtime.sinc_dx, "x, n=1", x="rt.sinc_dx(x, n + 1)")
defpartials(runtime.log_dx, "x, base", x="-rt.fdiv(rt.log_dx(x, base), x)",
            base="rt.log_dx(x, base) * rt.log_dbase(1.0, base)")
defpartials(runtime.log_dbase, "value, base", value="rt.log_dbase(1.0, base)",
            base="ans * rt.log_dbase(math.log(base) + 1.0, base)")

# Python's sum, max, min and math.hypot, math.dist over their operands.
linear(runtime.iter_sum_jvp, "t", "rt.iter_sum_vjp(g, t)")
linear(runtime.iter_sum_vjp, "t, iterable", "rt.cast_like(rt.iter_sum_jvp(g), t)",
       zero=("iterable",))
linear(runtime.builtin_extremum_jvp, "t, args, out", "rt.builtin_extremum_vjp(g, args, out)",
       zero=("args", "out"))
linear(runtime.builtin_extremum_vjp, "t, args, out",
       "rt.cast_like(rt.builtin_extremum_jvp(g, args, out), t)", zero=("args", "out"))
# hypot_jvp(t, x, r) = sum(t[i] * x[i] / r): bilinear in t and x
defrule(runtime.hypot_jvp, "t, x, r",
        jvp={"t": "rt.hypot_jvp(dt, x, r)", "x": "rt.hypot_jvp(t, dx, r)",
             "r": "-rt.safe_ratio(rt.hypot_jvp(t, x, r) * dr, r)"},
        vjp={"t": "rt.hypot_vjp(g, x, r)", "x": "rt.hypot_vjp(g, t, r)",
             "r": "-rt.safe_ratio(g * rt.hypot_jvp(t, x, r), r)"})
defrule(runtime.hypot_vjp, "t, x, r",
        jvp={"t": "rt.hypot_vjp(dt, x, r)", "x": "rt.hypot_vjp(t, dx, r)",
             "r": "rt.hypot_vjp(-rt.safe_ratio(t * dr, r), x, r)"},
        vjp={"t": "rt.cast_like(rt.hypot_jvp(g, x, r), t)", "x": "rt.hypot_vjp(t, g, r)",
             "r": "-rt.safe_ratio(t * rt.hypot_jvp(g, x, r), r)"})
defrule(runtime.diff_items, "p, q",
        jvp={"p": "rt.diff_items(dp, rt.zeros_like(q))", "q": "rt.diff_items(rt.zeros_like(p), dq)"},
        vjp={"p": "rt.cast_like(g, p)", "q": "rt.cast_like(rt.diff_items(rt.zeros_like(g), g), q)"})

# Masks, weights, shapes, dtypes and checks: piecewise constant or not numbers.
nondiff(runtime.zeros_like, runtime.refuse_in_place, runtime.refuse_repetition,
        runtime.refuse_dict_loop, runtime.check_type_is,
        runtime.check_finite, runtime.sign, runtime.max_weight, runtime.fmax_weight,
        runtime.clip_da, runtime.clip_dlo, runtime.clip_dhi, runtime.where_mask,
        runtime.finite_mask, runtime.copysign_dx, runtime.float_dtype, runtime.is_basic_index,
        runtime.shape_arg, runtime.axes_arg)
# The snapshots of checkpointed loops: bookkeeping on an object (the calls that change
# it are refused in code being differentiated, mutation.py).
nondiff(runtime.checkpoint_store, runtime.checkpoint_save, runtime.checkpoint_final,
        runtime.checkpoint_segments, runtime.checkpoint_bounds, runtime.checkpoint_restore,
        runtime.checkpoint_verify)
