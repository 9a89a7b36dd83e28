"""Python's operators (module `operator`): arithmetic as partial derivatives, which
also covers arrays elementwise; `@` and subscripts as structural rules."""
import operator

from .core import defpartials, defrule, nondiff
from .elementwise import POW, defpartials_strong

defpartials(operator.add, "x, y", x="1", y="1")
defpartials(operator.sub, "x, y", x="1", y="-1")
defpartials(operator.mul, "x, y", x="y", y="x")
defpartials(operator.truediv, "x, y", x="1 / y", y="-ans / y")
defpartials_strong(operator.pow, "x, y", ("y",), **POW)
defpartials(operator.mod, "x, y", x="1", y="-(x // y)")
defpartials(operator.neg, "x", x="-1")
defpartials(operator.pos, "x", x="1")
defpartials(operator.abs, "x", x="rt.sign(x)")

defrule(operator.matmul, "a, b",
        jvp={"a": "da @ b", "b": "a @ db"},
        vjp={"a": "rt.matmul_vjp_a(g, a, b)", "b": "rt.matmul_vjp_b(g, a, b)"})

defrule(operator.getitem, "a, index",
        jvp={"a": "da[index]"},
        vjp={"a": "rt.getitem_vjp(g, a, index)"})

nondiff(operator.floordiv, operator.lt, operator.le, operator.gt, operator.ge,
        operator.eq, operator.ne, operator.not_, operator.truth, operator.is_,
        operator.is_not, operator.contains, operator.invert, operator.and_,
        operator.or_, operator.xor, operator.lshift, operator.rshift, operator.index,
        operator.length_hint, operator.countOf, operator.indexOf)
