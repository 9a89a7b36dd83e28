"""scipy.linalg, as rules: cholesky, cho_factor, cho_solve, solve_triangular, solve,
inv, det, expm and sqrtm (real arrays).

SciPy is optional: without it nothing here registers.  Terms cannot name SciPy, so
they are written with np.linalg (a triangular or Cholesky solve becomes a general
solve of the matrix SciPy reads, `rt.triangular_matrix`, `rt.solve_matrix`,
`rt.cho_factor_of`) and, for expm and sqrtm, with runtime wrappers (`rt.expm`,
`rt.sqrtm`) that have the same rules.  Each derivative is taken with respect to the
entries SciPy reads: one triangle for cholesky, cho_factor, solve_triangular and
solve/inv with assume_a 'sym' or 'pos'; cho_factor's other triangle is a's, unchanged.
expm and sqrtm: d f(A)[E] is the upper right block of f([[A, E], [0, A]]), and the
cotangent is that of A^T along the cotangent, so every order has the same rule.
lu_factor and lu_solve have no rules.
"""
from .. import runtime as rt
from .core import defrule, nondiff
from .linalg import _T, _mm, cholesky_jvp, cholesky_vjp
from .runtime_rules import linear

try:
    import scipy.linalg as sl
except ImportError:      # SciPy is optional
    sl = None

_UPLO = "rt.uplo(lower)"
_V = "np.ndim(b) == 1"


def _outer(left: str, right: str) -> str:
    """left right^T with 1-D right-hand sides read as one column."""
    return _mm(f"rt.as_matrix({left}, {_V})", _T(f"rt.as_matrix({right}, {_V})"))


def _R(fn, signature, **terms):
    """A rule of scipy.linalg.<name>, shown under that public name."""
    return defrule(fn, signature, name=f"scipy.linalg.{fn.__name__}", **terms)


def _solve_like(fn, signature, m: str, d_of, adjoint_of):
    """x = m^-1 b for a matrix m read from a by a linear map: d_of(da) is the tangent of
    m, adjoint_of(x) maps a cotangent of m back to a."""
    bbar = f"np.linalg.solve({_T(m)}, g)"
    _R(fn, signature,
       jvp={"a": f"-np.linalg.solve({m}, np.matmul({d_of('da')}, ans))",
            "b": f"np.linalg.solve({m}, db)"},
       vjp={"a": f"rt.reduce_to({adjoint_of('-' + _outer(bbar, 'ans'))}, a)",
            "b": f"rt.reduce_to({bbar}, b)"})


def _matrix_function(fn, helper):
    """f(A) for a power series f: its tangent and cotangent are corners of f of block
    matrices (runtime/decompositions.py)."""
    for key, name in ((fn, f"scipy.linalg.{fn.__name__}"), (helper, None)):
        defrule(key, "A", name=name,
                jvp={"A": f"rt.upper_right(rt.{helper.__name__}(rt.block_upper(A, dA)))"},
                vjp={"A": f"rt.reduce_to(rt.upper_right(rt.{helper.__name__}("
                          f"rt.block_upper({_T('A')}, g))), A)"})


def _register():
    # cholesky: the lower factor L (ans, or ans^T for the default upper factor) of the
    # symmetric matrix of a's `lower` triangle
    low = "rt.transposed_if(ans, not lower)"
    _R(sl.cholesky, "a, lower=False, overwrite_a=False, check_finite=True",
            jvp={"a": f"rt.transposed_if({cholesky_jvp(low, 'da', _UPLO)}, not lower)"},
            vjp={"a": f"rt.reduce_to({cholesky_vjp(low, 'rt.transposed_if(g, not lower)', _UPLO)}"
                      ", a)"})
    # cho_factor: (c, lower), c the factor in one triangle and a's other triangle
    fac = "rt.cho_factor_of(ans[0], lower)"
    _R(sl.cho_factor, "a, lower=False, overwrite_a=False, check_finite=True",
            jvp={"a": f"(rt.transposed_if({cholesky_jvp(fac, 'da', _UPLO)}, not lower) + "
                      "rt.other_triangle(da, lower), rt.zeros_like(ans[1]))"},
            vjp={"a": "rt.reduce_to(" + cholesky_vjp(
                fac, "np.tril(rt.transposed_if(g[0], not lower))", _UPLO) +
                " + rt.other_triangle(g[0], lower), a)"})
    # cho_solve((c, lower), b) = A^-1 b with A = L L^T, L = rt.cho_factor_of(c, lower)
    lo = "rt.cho_factor_of(c_and_lower[0], c_and_lower[1])"
    a = _mm(lo, _T(lo))
    dlo = "rt.cho_factor_of(dc_and_lower[0], c_and_lower[1])"
    bbar = f"np.linalg.solve({a}, g)"
    abar = f"-{_outer(bbar, 'ans')}"
    _R(sl.cho_solve, "c_and_lower, b, overwrite_b=False, check_finite=True",
            jvp={"c_and_lower": f"-np.linalg.solve({a}, np.matmul({_mm(dlo, _T(lo))} + "
                                f"{_mm(lo, _T(dlo))}, ans))",
                 "b": f"np.linalg.solve({a}, db)"},
            vjp={"c_and_lower": f"(rt.cho_factor_of_vjp({_mm(f'({abar} + {_T(abar)})', lo)}, "
                                "c_and_lower[1]), rt.zeros_like(c_and_lower[1]))",
                 "b": f"rt.reduce_to({bbar}, b)"})
    # solve_triangular: x = op(M)^-1 b, M = rt.triangular_matrix(a, lower, unit_diagonal)
    flag = "rt.trans_flag(trans)"
    _solve_like(sl.solve_triangular, "a, b, trans=0, lower=False, unit_diagonal=False, "
                                     "overwrite_b=False, check_finite=True",
                f"rt.transposed_if(rt.triangular_matrix(a, lower, unit_diagonal), {flag})",
                lambda d: f"rt.transposed_if(rt.triangle_mask({d}, lower, unit_diagonal), {flag})",
                lambda x: f"rt.triangle_mask(rt.transposed_if({x}, {flag}), lower, unit_diagonal)")
    # solve and inv with the matrix SciPy reads (rt.solve_matrix, linear in a)
    opts = "assume_a, lower, transposed"
    _solve_like(sl.solve, "a, b, lower=False, overwrite_a=False, overwrite_b=False, "
                          "check_finite=True, assume_a=None, transposed=False",
                f"rt.solve_matrix(a, {opts})", lambda d: f"rt.solve_matrix({d}, {opts})",
                lambda x: f"rt.solve_matrix_vjp({x}, {opts})")
    _R(sl.inv, "a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False",
            jvp={"a": "-" + _mm("ans", "rt.solve_matrix(da, assume_a, lower)", "ans")},
            vjp={"a": "rt.reduce_to(rt.solve_matrix_vjp(-" + _mm(_T("ans"), "g", _T("ans")) +
                      ", assume_a, lower), a)"})
    _R(sl.det, "a, overwrite_a=False, check_finite=True",
            jvp={"a": "rt.det_jvp(da, a)"}, vjp={"a": "rt.det_vjp(g, a)"})
    _matrix_function(sl.expm, rt.expm)
    _matrix_function(sl.sqrtm, rt.sqrtm)


# the linear helpers (registered with or without SciPy: the runtime exports them)
linear(rt.transposed_if, "x, flag", "rt.transposed_if(g, flag)")
linear(rt.triangle_mask, "x, lower, unit_diagonal=False", "rt.triangle_mask(g, lower, unit_diagonal)")
defrule(rt.triangular_matrix, "a, lower, unit_diagonal=False",
        jvp={"a": "rt.triangle_mask(da, lower, unit_diagonal)"},
        vjp={"a": "rt.reduce_to(rt.triangle_mask(g, lower, unit_diagonal), a)"})
linear(rt.solve_matrix, "a, assume_a=None, lower=False, transposed=False",
       "rt.solve_matrix_vjp(g, assume_a, lower, transposed)")
linear(rt.solve_matrix_vjp, "g, assume_a=None, lower=False, transposed=False",
       "rt.solve_matrix(g, assume_a, lower, transposed)")
linear(rt.cho_factor_of, "c, lower", "rt.cho_factor_of_vjp(g, lower)")
linear(rt.cho_factor_of_vjp, "g, lower", "rt.cho_factor_of(g, lower)")
linear(rt.other_triangle, "x, lower", "rt.other_triangle(g, lower)")
nondiff(rt.uplo, rt.trans_flag)

if sl is not None:
    _register()
