"""Python's numeric builtins: abs, pow, float, min, max, sum; and the integer-valued ones."""
import builtins

from .core import defpartials, defrule, nondiff
from .elementwise import defpartials_strong

defpartials(builtins.abs, "x", x="rt.sign(x)")
defpartials_strong(builtins.pow, "base, exp", ("exp",), base="rt.pow_dx(base, exp)",
                   exp="rt.pow_dy(base, ans)")

defrule(builtins.float, "x",
        jvp={"x": "float(dx)"},
        vjp={"x": "rt.cast_like(g, x)"})

# max(a, b, ...) and max(iterable): ties split evenly between the equal operands.
for _fn in (builtins.max, builtins.min):
    defrule(_fn, "*args",
            jvp={"args": "rt.builtin_extremum_jvp(dargs, args, ans)"},
            vjp={"args": "rt.builtin_extremum_vjp(g, args, ans)"})

defrule(builtins.sum, "iterable, start=0",
        jvp={"iterable": "rt.cast_like(rt.iter_sum_jvp(diterable), ans)",
             "start": "rt.cast_like(dstart, ans)"},
        vjp={"iterable": "rt.iter_sum_vjp(g, iterable)", "start": "rt.reduce_to(g, start)"})

nondiff(builtins.len, builtins.int, builtins.round, builtins.bool, builtins.range,
        builtins.isinstance, builtins.issubclass, builtins.type, builtins.id, builtins.hash,
        builtins.callable, builtins.hasattr, builtins.str, builtins.repr, builtins.any,
        builtins.all, builtins.ord, builtins.chr)
