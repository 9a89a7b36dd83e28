"""Rules of np.linalg's decompositions and matrix functions: svd, eig, eigvals, qr,
lstsq and matrix_power (real arrays, stacks of matrices in the last two axes).

Each derivative is a NumPy expression over the factors a runtime helper recomputes
and checks (`rt.svd_reduced`, `rt.eig_real`, `rt.qr_reduced`, `rt.lstsq_check`; the
optimizer shares the repeated calls), so it is differentiable again by the same rules.
Where a decomposition has no derivative (repeated or zero singular values, complex or
repeated eigenvalues, rank deficiency, full_matrices=True of a non-square matrix) the
helper raises NonDifferentiableError.  matrix_power's derivative is a corner of the
power of the block matrix [[A, E], [0, A]] (`rt.block_upper`), so it has its own rule.
"""
import numpy as np

from .. import runtime as rt
from .core import defrule
from .linalg import _T, _mm
from .runtime_rules import linear


def _row(s: str) -> str:
    return f"np.expand_dims({s}, -2)"


def _col(s: str) -> str:
    return f"np.expand_dims({s}, -1)"


# ---- SVD: A = U diag(s) V^T (thin), X = U^T dA V, F[i, j] = 1 / (s_j^2 - s_i^2) ----
# dU = U (F * (X S + S X^T)) + (I - U U^T) dA V / s, ds = diag(X),
# dV = V (F * (S X + X^T S)) + (I - V V^T) dA^T U / s.

def _svd_jvp(p: str, d: str) -> str:
    u, s, v = f"{p}[0]", f"{p}[1]", _T(f"{p}[2]")
    x, f = _mm(_T(u), d, v), f"rt.eig_gaps({s} * {s})"
    du = f"{_mm(u, f'{f} * ({x} * {_row(s)} + {_col(s)} * {_T(x)})')} + " \
         f"({_mm(d, v)} - {_mm(u, x)}) / {_row(s)}"
    dv = f"{_mm(v, f'{f} * ({_col(s)} * {x} + {_T(x)} * {_row(s)})')} + " \
         f"({_mm(_T(d), u)} - {_mm(v, _T(x))}) / {_row(s)}"
    return f"({du}, np.diagonal({x}, axis1=-2, axis2=-1), {_T(dv)})"


def _svd_vjp(p: str, g: str) -> str:
    u, s, vh, v = f"{p}[0]", f"{p}[1]", f"{p}[2]", _T(f"{p}[2]")
    gu, gs, gv = f"{g}[0]", f"{g}[1]", _T(f"{g}[2]")
    f = f"rt.eig_gaps({s} * {s})"
    j = f"{f} * ({_mm(_T(u), gu)} - {_mm(_T(gu), u)})"
    k = f"{f} * ({_mm(vh, gv)} - {_mm(_T(gv), v)})"
    inner = f"({j}) * {_row(s)} + rt.diagonal_vjp({gs}, {j}, 0, -2, -1) + {_col(s)} * ({k})"
    return (f"{_mm(u, f'({inner})', vh)} + "
            f"{_mm(f'({gu} - {_mm(u, _T(u), gu)}) / {_row(s)}', vh)} + "
            f"{_mm(f'{u} / {_row(s)}', f'({_T(gv)} - {_mm(_T(gv), v, vh)})')}")


_SVD = "rt.svd_reduced(a, full_matrices, compute_uv, hermitian)"
defrule(rt.svd_reduced, "a, full_matrices=True, compute_uv=True, hermitian=False",
        jvp={"a": _svd_jvp("ans", "da")},
        vjp={"a": f"rt.reduce_to({_svd_vjp('ans', 'g')}, a)"})
defrule(np.linalg.svd, "a, full_matrices=True, compute_uv=True, hermitian=False",
        jvp={"a": f"rt.svd_select({_svd_jvp(_SVD, 'da')}, compute_uv)"},
        vjp={"a": f"rt.reduce_to({_svd_vjp(_SVD, f'rt.svd_embed(g, {_SVD}, compute_uv)')}, a)"})
defrule(rt.svd_select, "t, compute_uv",
        jvp={"t": "rt.svd_select(dt, compute_uv)"}, vjp={"t": "rt.svd_embed(g, t, compute_uv)"})
linear(rt.svd_embed, "g, t, compute_uv", "rt.svd_select(g, compute_uv)", zero=("t",))

# ---- eig: A = V diag(w) V^-1 with unit columns of V; X = V^-1 dA V, F = rt.eig_gaps(w):
# dw = diag(X), dV = N(V (F * X)) with N the projection keeping columns unit length.
_EIG = "rt.eig_real(a)"


def _eig_jvp(p: str, d: str) -> str:
    w, v = f"{p}[0]", f"{p}[1]"
    x = f"np.linalg.solve({v}, {_mm(d, v)})"
    return (f"(np.diagonal({x}, axis1=-2, axis2=-1), "
            f"rt.unit_columns_vjp({_mm(v, f'rt.eig_gaps({w}) * {x}')}, {v}))")


def _eig_vjp(p: str, gw: str, gv: str) -> str:
    w, v = f"{p}[0]", f"{p}[1]"
    inner = (f"rt.diagonal_vjp({gw}, {v}, 0, -2, -1) + rt.eig_gaps({w}) * "
             f"{_mm(_T(v), f'rt.unit_columns_vjp({gv}, {v})')}")
    return f"rt.reduce_to(np.linalg.solve({_T(v)}, {_mm(f'({inner})', _T(v))}), a)"


defrule(rt.eig_real, "a", jvp={"a": _eig_jvp("ans", "da")},
        vjp={"a": _eig_vjp("ans", "g[0]", "g[1]")})
defrule(np.linalg.eig, "a", jvp={"a": _eig_jvp(_EIG, "da")},
        vjp={"a": _eig_vjp(_EIG, "g[0]", "g[1]")})
defrule(np.linalg.eigvals, "a", jvp={"a": _eig_jvp(_EIG, "da") + "[0]"},
        vjp={"a": _eig_vjp(_EIG, "g", f"rt.zeros_like({_EIG}[1])")})
# unit_columns_vjp(t, v) = t - v * sum(v * t): its derivative in v
defrule(rt.unit_columns_vjp, "t, v",
        jvp={"t": "rt.unit_columns_vjp(dt, v)",
             "v": "-dv * np.sum(v * t, axis=-2, keepdims=True) - "
                  "v * np.sum(dv * t, axis=-2, keepdims=True)"},
        vjp={"t": "rt.unit_columns_vjp(g, v)",
             "v": "-g * np.sum(v * t, axis=-2, keepdims=True) - "
                  "t * np.sum(v * g, axis=-2, keepdims=True)"})

# ---- QR (reduced, m >= n): C = Q^T dA R^-1, W = tril(C, -1) - tril(C, -1)^T,
# dR = (C - W) R, dQ = dA R^-1 - Q (C - W); the cotangent is
# (Qbar + Q copy_lower(M)) R^-T with M = R Rbar^T - Qbar^T Q.
_QR = "rt.qr_reduced(a, mode)"


def _right_solve(x: str, r: str) -> str:
    """x R^-1 as a solve: (R^-T x^T)^T."""
    return _T(f"np.linalg.solve({_T(r)}, {_T(x)})")


def _qr_jvp(p: str, d: str) -> str:
    q, r = f"{p}[0]", f"{p}[1]"
    c = _mm(_T(q), _right_solve(d, r))
    w = f"(np.tril({c}, -1) - {_T(f'np.tril({c}, -1)')})"
    return f"({_right_solve(d, r)} - {_mm(q, f'({c} - {w})')}, {_mm(f'({c} - {w})', r)})"


def _qr_vjp(p: str, g: str) -> str:
    q, r, gq, gr = f"{p}[0]", f"{p}[1]", f"{g}[0]", f"{g}[1]"
    m = f"{_mm(r, _T(gr))} - {_mm(_T(gq), q)}"
    inner = f"({gq} + {_mm(q, f'rt.copy_lower({m})')})"
    return f"rt.reduce_to({_right_solve(inner, _T(r))}, a)"


defrule(rt.qr_reduced, "a, mode='reduced'", jvp={"a": _qr_jvp("ans", "da")},
        vjp={"a": _qr_vjp("ans", "g")})
defrule(np.linalg.qr, "a, mode='reduced'", jvp={"a": _qr_jvp(_QR, "da")},
        vjp={"a": _qr_vjp(_QR, "g")})
linear(rt.copy_lower, "m", "rt.copy_lower_vjp(g)")
linear(rt.copy_lower_vjp, "g", "rt.copy_lower(g)")

# ---- lstsq (full column rank): x solves a^T a x = a^T b, so with r = b - a x,
# dx = (a^T a)^-1 (da^T r + a^T (db - da x)); the residuals sum(r**2) have
# d = -2 sum(r (da x - db)) (a^T r = 0); the singular values follow the SVD rule.
_V = "np.ndim(b) == 1"
_A = "rt.lstsq_check(a, rcond)"
_XM = f"rt.as_matrix(ans[0], {_V})"
_R = f"(rt.as_matrix(b, {_V}) - {_mm(_A, _XM)})"
_GRAM = _mm(_T(_A), _A)
_S_OF = "rt.svd_reduced(a, False, False)"


def _lstsq_tangent(dx: str, dres: str, ds: str) -> str:
    return f"({dx}, rt.residuals_like({dres}, ans[1]), rt.zeros_like(ans[2]), {ds})"


_GX = f"np.linalg.solve({_GRAM}, rt.as_matrix(g[0], {_V}))"        # (a^T a)^-1 xbar
_GR = f"(2.0 * {_R} * rt.residuals_like_vjp(g[1], np.sum({_R}, axis=-2), ans[1]))"
_U, _S, _VT = f"{_S_OF}[0]", f"{_S_OF}[1]", _T(f"{_S_OF}[2]")
_DX_A = f"np.linalg.solve({_GRAM}, {_mm(_T('da'), _R)} - {_mm(_T(_A), 'da', _XM)})"
_DX_B = f"np.linalg.solve({_GRAM}, {_mm(_T(_A), f'rt.as_matrix(db, {_V})')})"
_GS = f"rt.diagonal_vjp(g[3], rt.eig_gaps({_S}), 0, -2, -1)"
defrule(np.linalg.lstsq, "a, b, rcond=None",
        jvp={"a": _lstsq_tangent(f"rt.from_matrix({_DX_A}, {_V})",
                                 f"-2.0 * np.sum({_R} * {_mm('da', _XM)}, axis=-2)",
                                 f"np.diagonal({_mm(_T(_U), 'da', _VT)}, axis1=-2, axis2=-1)"),
             "b": _lstsq_tangent(f"rt.from_matrix({_DX_B}, {_V})",
                                 f"2.0 * np.sum({_R} * rt.as_matrix(db, {_V}), axis=-2)",
                                 "rt.zeros_like(ans[3])")},
        vjp={"a": f"rt.reduce_to({_mm(_R, _T(_GX))} - {_mm(_A, _GX, _T(_XM))} - "
                  f"{_mm(_GR, _T(_XM))} + {_mm(_U, _GS, _T(_VT))}, a)",
             "b": f"rt.reduce_to(rt.from_matrix({_mm(_A, _GX)} + {_GR}, {_V}), b)"})
defrule(rt.lstsq_check, "a, rcond=None", jvp={"a": "da"}, vjp={"a": "g"})
linear(rt.residuals_like, "t, res", "rt.residuals_like_vjp(g, t, res)", zero=("res",))
linear(rt.residuals_like_vjp, "g, t, res", "rt.residuals_like(g, res)", zero=("t", "res"))

# ---- matrix_power(a, n): d(A^n)[E] = upper right block of [[A, E], [0, A]]^n; the
# cotangent is that of A^T along the cotangent (a power series with real coefficients).
defrule(np.linalg.matrix_power, "a, n",
        jvp={"a": "rt.upper_right(np.linalg.matrix_power(rt.block_upper(a, da), n))"},
        vjp={"a": "rt.reduce_to(rt.upper_right(np.linalg.matrix_power("
                  f"rt.block_upper({_T('a')}, g), n)), a)"})
defrule(rt.block_upper, "a, e",
        jvp={"a": "rt.block_upper(da, rt.zeros_like(e))",
             "e": "rt.block_upper(rt.zeros_like(a), de)"},
        vjp={"a": "rt.reduce_to(rt.block_upper_vjp_a(g), a)",
             "e": "rt.reduce_to(rt.upper_right(g), e)"})
linear(rt.block_upper_vjp_a, "g", "rt.block_upper(g, rt.zeros_like(g))")
linear(rt.upper_right, "x", "rt.upper_right_vjp(g)")
linear(rt.upper_right_vjp, "g", "rt.upper_right(g)")
