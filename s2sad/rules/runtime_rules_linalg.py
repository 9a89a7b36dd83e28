"""Rules for the runtime helpers of products, numpy.linalg and np.einsum (see
runtime_rules.py).  Products are bilinear: a product's cotangent helper is linear in
the cotangent and in the other operand, and its adjoint in either is a product again."""
from .. import runtime
from .core import defrule, nondiff
from .linalg import _T, _mm
from .runtime_rules import ZERO, linear

# matmul and dot: the cotangent of a (b) is linear in (g, b) ((g, a)); a (b) gives shapes.
for _fn, _a, _b in (("np.matmul", runtime.matmul_vjp_a, runtime.matmul_vjp_b),
                    ("np.dot", runtime.dot_vjp_a, runtime.dot_vjp_b)):
    _na, _nb = _a.__name__, _b.__name__
    defrule(_a, "t, a, b",
            jvp={"t": f"rt.{_na}(dt, a, b)", "b": f"rt.{_na}(t, a, db)", "a": ZERO},
            vjp={"t": f"rt.cast_like({_fn}(g, b), t)", "b": f"rt.{_nb}(t, g, b)",
                 "a": "rt.zeros_like(a)"})
    defrule(_b, "t, a, b",
            jvp={"t": f"rt.{_nb}(dt, a, b)", "a": f"rt.{_nb}(t, da, b)", "b": ZERO},
            vjp={"t": f"rt.cast_like({_fn}(a, g), t)", "a": f"rt.{_na}(t, a, g)",
                 "b": "rt.zeros_like(b)"})

# inner, outer, vdot, kron, cross, tensordot: product_of(name, x, other, first, extra)
# puts x first or second; product_vjp is the cotangent of x.
defrule(runtime.product_of, "name, x, other, first, extra=()",
        jvp={"x": "rt.product_of(name, dx, other, first, extra)",
             "other": "rt.product_of(name, x, dother, first, extra)"},
        vjp={"x": "rt.product_vjp(name, g, x, other, first, extra)",
             "other": "rt.product_vjp(name, g, other, x, not first, extra)"})
defrule(runtime.product_vjp, "name, t, x, other, first, extra=()",
        jvp={"t": "rt.product_vjp(name, dt, x, other, first, extra)",
             "other": "rt.product_vjp(name, t, x, dother, first, extra)", "x": ZERO},
        vjp={"t": "rt.cast_like(rt.product_of(name, g, other, first, extra), t)",
             "other": "rt.product_vjp(name, t, other, g, not first, extra)",
             "x": "rt.zeros_like(x)"})

# A product of a tangent t with strong zeros (forward-mode code, runtime/strong.py):
# product_of's derivatives, with the tangents of t and of p as the strong operands.
defrule(runtime.tangent_product, "name, t, p, first, extra=()",
        jvp={"t": "rt.tangent_product(name, dt, p, first, extra)",
             "p": "rt.tangent_product(name, dp, t, not first, extra)"},
        vjp={"t": "rt.product_vjp(name, g, t, p, first, extra)",
             "p": "rt.product_vjp(name, g, p, t, not first, extra)"})

# det: cofactor(a)[i, j] = det(minor_rows(a, 1.0)[i, j]), minor_rows affine in a.
_DCOF = "rt.det_jvp(rt.minor_rows(da, 0.0), rt.minor_rows(a, 1.0))"   # d cofactor(a)


def _cofactor_vjp(w: str) -> str:
    """The cotangent of a in sum(w * cofactor(a))."""
    return f"rt.minor_rows_vjp(rt.det_vjp({w}, rt.minor_rows(a, 1.0)), a)"


defrule(runtime.det_jvp, "t, a",
        jvp={"t": "rt.det_jvp(dt, a)",
             "a": f"np.sum(np.multiply(t, {_DCOF}), axis=(-2, -1))"},
        vjp={"t": "rt.det_vjp(g, a)",
             "a": _cofactor_vjp("np.multiply(np.expand_dims(g, (-2, -1)), t)")})
defrule(runtime.det_vjp, "t, a",
        jvp={"t": "rt.det_vjp(dt, a)", "a": f"np.multiply(np.expand_dims(t, (-2, -1)), {_DCOF})"},
        vjp={"t": "rt.cast_like(rt.det_jvp(g, a), t)",
             "a": _cofactor_vjp("np.multiply(np.expand_dims(t, (-2, -1)), g)")})
defrule(runtime.minor_rows, "a, fill",
        jvp={"a": "rt.minor_rows(da, 0.0)"},
        vjp={"a": "rt.minor_rows_vjp(g, a)"})
linear(runtime.minor_rows_vjp, "t, a", "rt.minor_rows(g, 0.0)", zero=("a",))

# slogdet: slogdet_jvp(t, a, out) = (0, tr(a^-1 t)), slogdet_vjp(t, a) = t[1] a^-T.
_INV_T = _T("np.linalg.inv(a)")
defrule(runtime.slogdet_jvp, "t, a, out",
        jvp={"t": "rt.slogdet_jvp(dt, a, out)",
             "a": f"rt.slogdet_jvp(-{_mm('da', 'np.linalg.inv(a)', 't')}, a, out)", "out": ZERO},
        vjp={"t": "rt.slogdet_vjp(g, a)",
             "a": f"-{_mm(_INV_T, _T('t'), 'rt.slogdet_vjp(g, a)')}",
             "out": "rt.zeros_like(out)"})
defrule(runtime.slogdet_vjp, "t, a",
        jvp={"t": "rt.slogdet_vjp(dt, a)",
             "a": f"-{_mm('rt.slogdet_vjp(t, a)', _T('da'), _INV_T)}"},
        vjp={"t": "rt.slogdet_jvp(g, a, t)",
             "a": f"-{_mm(_INV_T, _T('g'), 'rt.slogdet_vjp(t, a)')}"})

# solve's vector right-hand sides, and the triangle eigh and cholesky read.
defrule(runtime.as_matrix, "x, vector",
        jvp={"x": "rt.as_matrix(dx, vector)"}, vjp={"x": "rt.from_matrix(g, vector)"})
defrule(runtime.from_matrix, "y, vector",
        jvp={"y": "rt.from_matrix(dy, vector)"}, vjp={"y": "rt.as_matrix(g, vector)"})
defrule(runtime.sym_from_triangle, "d, UPLO='L'",
        jvp={"d": "rt.sym_from_triangle(dd, UPLO)"}, vjp={"d": "rt.triangle_of(g, UPLO)"})
defrule(runtime.triangle_of, "s, UPLO='L'",
        jvp={"s": "rt.triangle_of(ds, UPLO)"}, vjp={"s": "rt.sym_from_triangle(g, UPLO)"})
# eig_gaps(w)[i, j] = 1 / (w_j - w_i): d = -F**2 (dw_j - dw_i)
defrule(runtime.eig_gaps, "w",
        jvp={"w": "-(ans * ans) * (np.expand_dims(dw, -2) - np.expand_dims(dw, -1))"},
        vjp={"w": "np.sum(-(ans * ans) * g, axis=-2) - np.sum(-(ans * ans) * g, axis=-1)"})

# einsum over patterns of operand layers: the tangent of layer l moves each position of
# each pattern in turn to the tangents' layers (einsum_shift); the layers' cotangents
# are einsum_patterns_vjp, whose derivatives are those helpers over more layers again.
_MORE = "rt.concat_items(layers, {0}), rt.einsum_shift(patterns, len(layers))"
defrule(runtime.einsum_patterns, "subscripts, layers, patterns",
        jvp={"layers": f"rt.einsum_patterns(subscripts, {_MORE.format('dlayers')})"},
        vjp={"layers": "rt.einsum_patterns_vjp(g, subscripts, layers, patterns)"})
defrule(runtime.einsum_patterns_vjp, "t, subscripts, layers, patterns",
        jvp={"t": "rt.einsum_patterns_vjp(dt, subscripts, layers, patterns)",
             "layers": f"rt.einsum_patterns_vjp(t, subscripts, {_MORE.format('dlayers')})"
                       "[:len(layers)]"},
        vjp={"t": f"rt.cast_like(rt.einsum_patterns(subscripts, {_MORE.format('g')}), t)",
             "layers": f"rt.einsum_patterns_vjp(t, subscripts, {_MORE.format('g')})"
                       "[:len(layers)]"})
nondiff(runtime.einsum_base, runtime.einsum_shift)
