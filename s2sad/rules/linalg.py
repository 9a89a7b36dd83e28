"""Products and numpy.linalg (real arrays).

Matrix functions are written as NumPy expressions over their output (inv, solve,
cholesky, eigh, pinv) and a few linear helpers, so that their derivative code has rules
of its own and can be differentiated again.  `_T(x)` is the transpose of a stack of
matrices; `_mm(a, b, ...)` their product.
"""
import numpy as np

from .core import defrule, method


def _T(x: str) -> str:
    return f"np.swapaxes({x}, -1, -2)"


def _mm(*xs: str) -> str:
    out = xs[0]
    for x in xs[1:]:
        out = f"np.matmul({out}, {x})"
    return out


def _bilinear(keys, signature, jvp_a, jvp_b, vjp_a, vjp_b, names=("a", "b")):
    a, b = names
    for key in keys:
        defrule(key, signature, jvp={a: jvp_a, b: jvp_b}, vjp={a: vjp_a, b: vjp_b})


_bilinear((np.matmul,), "a, b", "np.matmul(da, b)", "np.matmul(a, db)",
          "rt.matmul_vjp_a(g, a, b)", "rt.matmul_vjp_b(g, a, b)")
_bilinear((np.dot, method("dot")), "a, b, out=None", "np.dot(da, b)", "np.dot(a, db)",
          "rt.dot_vjp_a(g, a, b)", "rt.dot_vjp_b(g, a, b)")


def _product(fn, signature, extra=""):
    """A product whose cotangents come from rt.product_vjp (a first, b second); `extra`
    names the static arguments after a and b."""
    name, more = fn.__name__, f", {extra}" if extra else ""
    static = f"({extra},)" if extra else "()"
    _bilinear((fn,), signature, f"np.{name}(da, b{more})", f"np.{name}(a, db{more})",
              f"rt.product_vjp({name!r}, g, a, b, True, {static})",
              f"rt.product_vjp({name!r}, g, b, a, False, {static})")


_product(np.vdot, "a, b")
_product(np.inner, "a, b")
_product(np.outer, "a, b, out=None")
_product(np.tensordot, "a, b, axes=2", "axes")
_product(np.kron, "a, b")
_product(np.cross, "a, b")

# einsum: a sum of einsums over "patterns" of operand layers (runtime/norms.py)
defrule(np.einsum, "subscripts, *operands, optimize=False",   # optimize: speed only
        jvp={"operands": "rt.einsum_patterns(subscripts, (operands, doperands), "
                         "rt.einsum_shift(rt.einsum_base(operands), 1))"},
        vjp={"operands": "rt.einsum_patterns_vjp(g, subscripts, (operands,), "
                         "rt.einsum_base(operands))[0]"})

defrule(np.linalg.inv, "a",
        jvp={"a": "-" + _mm("ans", "da", "ans")},
        vjp={"a": "-" + _mm(_T("ans"), "g", _T("ans"))})
defrule(np.linalg.det, "a",
        jvp={"a": "rt.det_jvp(da, a)"},
        vjp={"a": "rt.det_vjp(g, a)"})
defrule(np.linalg.slogdet, "a",
        jvp={"a": "rt.slogdet_jvp(da, a, ans)"},
        vjp={"a": "rt.slogdet_vjp(g, a)"})

# solve(a, b) = x: dx = solve(a, db - da x); b (and x) are vectors when b is 1-D
_V = "np.ndim(b) == 1"
_X = f"rt.as_matrix(ans, {_V})"
_GB = f"np.linalg.solve({_T('a')}, rt.as_matrix(g, {_V}))"
defrule(np.linalg.solve, "a, b",
        jvp={"a": f"rt.from_matrix(-np.linalg.solve(a, np.matmul(da, {_X})), {_V})",
             "b": "np.linalg.solve(a, db)"},
        vjp={"a": f"rt.reduce_to(-np.matmul({_GB}, {_T(_X)}), a)",
             "b": f"rt.reduce_to(rt.from_matrix({_GB}, {_V}), b)"})


# cholesky: a = L L^T from a's lower triangle; dL = L phi(L^-1 S L^-T), phi the lower
# triangle with the diagonal halved, S the symmetric matrix of da's lower triangle
def _phi(x: str) -> str:
    return f"(np.tril({x}, -1) + 0.5 * np.triu(np.tril({x})))"


def _two_solves(m: str, x: str) -> str:
    """m^-1 x^T m^-T for symmetric x: solve(m, solve(m, x)^T)."""
    return f"np.linalg.solve({m}, {_T(f'np.linalg.solve({m}, {x})')})"


def cholesky_jvp(l: str, d: str, uplo: str) -> str:
    """The tangent of the lower factor l of the matrix read from d's `uplo` triangle."""
    return _mm(l, _phi(_two_solves(l, f"rt.sym_from_triangle({d}, {uplo})")))


def cholesky_vjp(l: str, g: str, uplo: str) -> str:
    """The cotangent, on the `uplo` triangle, from the cotangent g of the lower factor l."""
    return f"rt.triangle_of({_T(_two_solves(_T(l), _phi(_mm(_T(l), g))))}, {uplo})"


_LOWER = "'L'"
defrule(np.linalg.cholesky, "a", jvp={"a": cholesky_jvp("ans", "da", _LOWER)},
        vjp={"a": f"rt.reduce_to({cholesky_vjp('ans', 'g', _LOWER)}, a)"})

# eigh: a = V diag(w) V^T (from one triangle); with X = V^T S V, dw = diag(X) and
# dV = V (F * X), F[i, j] = 1 / (w_j - w_i) off the diagonal (rt.eig_gaps)
_X_EIGH = _mm(_T("ans[1]"), "rt.sym_from_triangle(da, UPLO)", "ans[1]")
_INNER = (f"rt.eig_gaps(ans[0]) * {_mm(_T('ans[1]'), 'g[1]')} + "
          "rt.diagonal_vjp(g[0], ans[1], 0, -2, -1)")
defrule(np.linalg.eigh, "a, UPLO='L'",
        jvp={"a": f"(np.diagonal({_X_EIGH}, axis1=-2, axis2=-1), "
                  f"np.matmul(ans[1], rt.eig_gaps(ans[0]) * {_X_EIGH}))"},
        vjp={"a": f"rt.reduce_to(rt.triangle_of({_mm('ans[1]', f'({_INNER})', _T('ans[1]'))}, "
                  "UPLO), a)"})
_VECS = "np.linalg.eigh(a, UPLO)[1]"
defrule(np.linalg.eigvalsh, "a, UPLO='L'",
        jvp={"a": f"np.diagonal({_mm(_T(_VECS), 'rt.sym_from_triangle(da, UPLO)', _VECS)}, "
                  "axis1=-2, axis2=-1)"},
        vjp={"a": "rt.reduce_to(rt.triangle_of("
                  f"{_mm(_VECS, f'rt.diagonal_vjp(g, {_VECS}, 0, -2, -1)', _T(_VECS))}, UPLO), a)"})

# pinv (constant rank): with P = pinv(a),
# dP = -P da P + P P^T da^T (I - a P) + (I - P a) da^T P^T P, the identities expanded
_P, _PT = "ans", _T("ans")
defrule(np.linalg.pinv, "a, rcond=None, hermitian=False",
        jvp={"a": " + ".join([
            "-" + _mm(_P, "da", _P), _mm(_P, _PT, _T("da")),
            "-" + _mm(_P, _PT, _T("da"), "a", _P), _mm(_T("da"), _PT, _P),
            "-" + _mm(_P, "a", _T("da"), _PT, _P)]).replace("+ -", "- ")},
        vjp={"a": "rt.reduce_to(" + " + ".join([
            "-" + _mm(_PT, "g", _PT), _mm(_T("g"), _P, _PT),
            "-" + _mm("a", _P, _T("g"), _P, _PT), _mm(_PT, _P, _T("g")),
            "-" + _mm(_PT, _P, _T("g"), _P, "a")]).replace("+ -", "- ") + ", a)"})
