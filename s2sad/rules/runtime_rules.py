"""Rules for the runtime helpers that generated derivative code calls.

With them, s2sad can differentiate its own derivative code again: `s2sad.hvp` and
`s2sad.hessian` run reverse mode over the forward-mode code of a function.
"""
from .. import runtime
from .core import defpartials, defrule, nondiff

# (t, x) -> t reshaped or cast like x: x only gives a shape and dtype (derivative zero).
_LIKE = {runtime.match_shape: ("rt.match_shape(dt, x)", "rt.unbroadcast(g, t)"),
         runtime.unbroadcast: ("rt.unbroadcast(dt, x)", "rt.match_shape(g, t)"),
         runtime.cast_like: ("rt.cast_like(dt, x)", "rt.cast_like(g, t)")}
for _fn, (_jvp, _vjp) in _LIKE.items():
    defrule(_fn, "t, x", jvp={"t": _jvp, "x": "0.0"}, vjp={"t": _vjp, "x": "rt.zeros_like(x)"})
defrule(runtime.accumulate, "a, b",
        jvp={"a": "da", "b": "db"},
        vjp={"a": "g", "b": "g"})

# The partials of x**y, differentiated again (x**y's second derivatives).
defpartials(runtime.pow_dx, "x, y", x="y * rt.pow_dx(x, y - 1)",
            y="x ** (y - 1) + y * rt.pow_dy(x, x ** (y - 1))")
defpartials(runtime.pow_dy, "x, p", x="p / x", p="np.log(x)")

nondiff(runtime.zeros_like, runtime.refuse_in_place, runtime.refuse_repetition)
