"""Rules for the runtime helpers of reductions, norms and constructors (see runtime_rules.py).

The helpers of max/min, ptp, median and the nan-ignoring reductions are linear in the
(co)tangent with weights that are piecewise constant in the primal.  Products have
derivatives of every order as products again: `rt.product_factors(a, axis, fill, kind)`
lays out the factors of each output element along a new last axis, so np.prod over
it is prod's `prod_others` (kind 'others') or np.cumprod (kind 'cumulative'), and the
derivative of a product helper is a product helper of those factors.
"""
from .. import runtime
from .core import defpartials, defrule, nondiff
from .runtime_rules import ZERO, linear

_RED = "t, a, axis=None, keepdims=False"

linear(runtime.sum_vjp, _RED, "rt.cast_like(np.sum(g, axis=axis, keepdims=keepdims), t)",
       zero=("a",))
linear(runtime.mean_vjp, _RED, "rt.cast_like(np.mean(g, axis=axis, keepdims=keepdims), t)",
       zero=("a",))
linear(runtime.cumsum_vjp, "t, a, axis=None", "rt.cast_like(np.cumsum(g, axis=axis), t)",
       zero=("a",))
linear(runtime.trace_vjp, "t, a, offset=0, axis1=0, axis2=1",
       "rt.cast_like(np.trace(g, offset, axis1, axis2), t)", zero=("a",))

# Weighted by piecewise-constant weights: each helper is the other's adjoint.
for _jvp, _vjp, _sig, _args, _zero in (
        (runtime.extremum_jvp, runtime.extremum_vjp, "t, a, out, axis=None, keepdims=False",
         "a, out, axis, keepdims", ("a", "out")),
        (runtime.ptp_jvp, runtime.ptp_vjp, _RED, "a, axis, keepdims", ("a",)),
        (runtime.median_jvp, runtime.median_vjp, _RED, "a, axis, keepdims", ("a",)),
        (runtime.nansum_jvp, runtime.nansum_vjp, _RED, "a, axis, keepdims", ("a",)),
        (runtime.nanmean_jvp, runtime.nanmean_vjp, _RED, "a, axis, keepdims", ("a",))):
    linear(_jvp, _sig, f"rt.{_vjp.__name__}(g, {_args})", zero=_zero)
    linear(_vjp, _sig, f"rt.cast_like(rt.{_jvp.__name__}(g, {_args}), t)", zero=_zero)

# var: var_jvp(t, a) = sum(t * 2 (a - mean(a)) / (n - ddof)) is symmetric bilinear.
_V = "axis, ddof, keepdims"
defrule(runtime.var_jvp, "t, a, axis=None, ddof=0, keepdims=False",
        jvp={"t": f"rt.var_jvp(dt, a, {_V})", "a": f"rt.var_jvp(t, da, {_V})"},
        vjp={"t": f"rt.var_vjp(g, a, {_V})", "a": f"rt.var_vjp(g, t, {_V})"})
defrule(runtime.var_vjp, "t, a, axis=None, ddof=0, keepdims=False",
        jvp={"t": f"rt.var_vjp(dt, a, {_V})", "a": f"rt.var_vjp(t, da, {_V})"},
        vjp={"t": f"rt.cast_like(rt.var_jvp(g, a, {_V}), t)",
             "a": "rt.var_vjp(1.0, np.multiply(rt.sum_vjp(t, a, axis, keepdims), g), axis, ddof, "
                  "True)"})

defrule(runtime.average_weights, "a, axis, weights, returned=False",
        jvp={"weights": "rt.average_weights(a, axis, dweights, returned)", "a": ZERO},
        vjp={"weights": "rt.average_weights_vjp(g, a, axis, weights)", "a": "rt.zeros_like(a)"})
linear(runtime.average_weights_vjp, "t, a, axis, weights", "rt.average_weights(a, axis, g, False)",
       zero=("a", "weights"))


# Products.  prod_others(a) = np.prod(F, -1) with F = product_factors(a, axis, 1.0,
# 'others'), and F is affine in a (product_factors(da, axis, 0.0, kind) is its part).
def _factors(x: str, axis: str, fill: str, kind: str) -> str:
    return f"rt.product_factors({x}, {axis}, {fill}, '{kind}')"


def _d_others(a: str, da: str, axis: str) -> str:
    """The derivative of prod_others(a, axis) along da (a's shape)."""
    return (f"rt.prod_jvp({_factors(da, axis, '0.0', 'others')}, "
            f"{_factors(a, axis, '1.0', 'others')}, -1, False)")


def _others_vjp(w: str, a: str, axis: str) -> str:
    """The cotangent of a in sum(w * prod_others(a, axis))."""
    return (f"rt.product_factors_vjp(rt.prod_vjp({w}, {_factors(a, axis, '1.0', 'others')}, "
            f"-1, False), {a}, {axis}, 'others')")


# prod_jvp(t, a) = sum(t * prod_others(a)), prod_vjp(t, a) = t * prod_others(a)
# (a may be a list of numbers: math.prod; np.asarray keeps the terms' arithmetic on arrays)
_W_JVP = "np.multiply(rt.sum_vjp(g, np.asarray(a), axis, keepdims), t)"
_W_VJP = "np.multiply(rt.sum_vjp(t, np.asarray(a), axis, keepdims), g)"
defrule(runtime.prod_jvp, _RED,
        jvp={"t": "rt.prod_jvp(dt, a, axis, keepdims)",
             "a": f"np.sum(np.multiply(t, {_d_others('a', 'da', 'axis')}), axis=axis, "
                  "keepdims=keepdims)"},
        vjp={"t": "rt.prod_vjp(g, a, axis, keepdims)", "a": _others_vjp(_W_JVP, "a", "axis")})
defrule(runtime.prod_vjp, _RED,
        jvp={"t": "rt.prod_vjp(dt, a, axis, keepdims)",
             "a": f"rt.reduce_to(np.multiply(rt.sum_vjp(t, np.asarray(a), axis, keepdims), "
                  f"{_d_others('a', 'da', 'axis')}), a)"},
        vjp={"t": "rt.cast_like(rt.prod_jvp(g, a, axis, keepdims), t)",
             "a": _others_vjp(_W_VJP, "a", "axis")})
defrule(runtime.product_factors, "a, axis, fill, kind",
        jvp={"a": "rt.product_factors(da, axis, 0.0, kind)"},
        vjp={"a": "rt.product_factors_vjp(g, a, axis, kind)"})
linear(runtime.product_factors_vjp, "t, a, axis, kind", "rt.product_factors(g, axis, 0.0, kind)",
       zero=("a",))

# cumprod(a) = np.prod(B, -1), B = product_factors(a, axis, 1.0, 'cumulative'):
# cumprod_jvp(t, a) = prod_jvp(T, B, -1), cumprod_vjp(t, a) = its adjoint through B
_B = _factors("a", "axis", "1.0", "cumulative")
_T = _factors("t", "axis", "0.0", "cumulative")
_DB = _factors("da", "axis", "0.0", "cumulative")


def _to_a(x: str) -> str:
    return f"rt.product_factors_vjp({x}, a, axis, 'cumulative')"


defrule(runtime.cumprod_jvp, "t, a, out, axis=None",
        jvp={"t": "rt.cumprod_jvp(dt, a, out, axis)",
             "a": f"np.sum(np.multiply({_T}, {_d_others(_B, _DB, '-1')}), axis=-1)",
             "out": ZERO},
        vjp={"t": "rt.cumprod_vjp(g, a, out, axis)",
             "a": _to_a(_others_vjp(f"np.multiply(rt.sum_vjp(g, {_B}, -1, False), {_T})", _B,
                                    "-1")),
             "out": "rt.zeros_like(out)"})
defrule(runtime.cumprod_vjp, "t, a, out, axis=None",
        jvp={"t": "rt.cumprod_vjp(dt, a, out, axis)",
             "a": _to_a(f"rt.reduce_to(np.multiply(rt.sum_vjp(t, {_B}, -1, False), "
                        f"{_d_others(_B, _DB, '-1')}), {_B})"),
             "out": ZERO},
        vjp={"t": "rt.cast_like(rt.cumprod_jvp(g, a, out, axis), t)",
             "a": _to_a(_others_vjp(f"np.multiply(rt.sum_vjp(t, {_B}, -1, False), "
                                    f"{_factors('g', 'axis', '0.0', 'cumulative')})", _B, "-1")),
             "out": "rt.zeros_like(out)"})

# norms: d |x / a|**q = q / a (|x / a|**(q - 1), with the sign flipped) dx - q / a ans da;
# a zero q (1-norm, max norms) is a strong zero: their gradient is piecewise constant
defpartials(runtime.norm_power, "x, a, q, signed",
            x="rt.strong_mul(np.divide(q, a), rt.norm_power(x, a, q - 1.0, not signed))",
            a="rt.strong_mul(np.divide(-q, a), ans)")
# the gradient of the matrix 2, -2 and nuclear norms is symmetric (a Hessian);
# their third derivatives are not implemented (spectral_third raises for those)
defrule(runtime.spectral_grad, "x, ord, axis",
        jvp={"x": "rt.spectral_grad_jvp(dx, x, ord, axis)"},
        vjp={"x": "rt.spectral_grad_jvp(g, x, ord, axis)"})
defrule(runtime.spectral_grad_jvp, "t, x, ord, axis",
        jvp={"t": "rt.spectral_grad_jvp(dt, x, ord, axis)",
             "x": "rt.spectral_third(t, dx, x, ord, axis)"},
        vjp={"t": "rt.spectral_grad_jvp(g, x, ord, axis)",
             "x": "rt.spectral_third(t, g, x, ord, axis)"})
defrule(runtime.spectral_third, "t, e, x, ord, axis",
        jvp={"t": "rt.spectral_third(dt, e, x, ord, axis)",
             "e": "rt.spectral_third(t, de, x, ord, axis)",
             "x": "rt.spectral_third(t, e, dx, ord, axis)"},
        vjp={"t": "rt.spectral_third(g, e, x, ord, axis)",
             "e": "rt.spectral_third(t, g, x, ord, axis)",
             "x": "rt.spectral_third(t, e, g, ord, axis)"})
nondiff(runtime.norm_exponent, runtime.norm_weights)

# Constructors: linear in the tangent, each helper the other's adjoint.
_LIN = "num, endpoint, retstep, axis, which"
_LINSIG = "num=50, endpoint=True, retstep=False, axis=0, which='start'"
linear(runtime.array_jvp, "t, out", "rt.array_vjp(g, t)", zero=("out",))
linear(runtime.array_vjp, "t, obj", "rt.array_jvp(g, t)", zero=("obj",))
linear(runtime.linspace_jvp, f"t, out, {_LINSIG}", f"rt.linspace_vjp(g, t, out, {_LIN})",
       zero=("out",))
linear(runtime.linspace_vjp, f"t, x, out, {_LINSIG}",
       f"rt.cast_like(rt.linspace_jvp(g, out, {_LIN}), t)", zero=("x", "out"))
linear(runtime.arange_start_jvp, "t, out, stop", "rt.arange_start_vjp(g, t, stop)", zero=("out",))
linear(runtime.arange_start_vjp, "t, start, stop", "rt.cast_like(rt.arange_start_jvp(g, t, stop), t)",
       zero=("start",))
linear(runtime.arange_step_jvp, "t, out", "rt.arange_step_vjp(g, t)", zero=("out",))
linear(runtime.arange_step_vjp, "t, step", "rt.cast_like(rt.arange_step_jvp(g, t), t)",
       zero=("step",))

