"""Runtime helpers of the matrix decomposition rules (rules/decompositions.py and
rules/scipy_linalg.py): real arrays, stacks of matrices in the last two axes.

The rules write their derivatives as NumPy expressions over a decomposition these
helpers compute and check (`svd_reduced`, `eig_real`, `qr_reduced`): each refuses,
with a NonDifferentiableError, the inputs where the decomposition has no derivative
(repeated or zero singular values, complex or repeated eigenvalues, rank-deficient
QR), instead of returning an infinite or basis-dependent one.  The other helpers are
linear maps (pieces of block matrices, triangles, transposes) whose rules are their
adjoints, so every derivative can be differentiated again.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError
from .common import float_dtype


def _t(x):
    return np.swapaxes(x, -1, -2)


def _float(a):
    a = np.asarray(a)
    return a.astype(float_dtype(a), copy=False)


def _tolerance(values, size):
    """Gaps below this (relative to the largest magnitude) are rounding: numpy's rank rule."""
    scale = np.max(np.abs(values), axis=-1, initial=0.0)
    return size * np.finfo(values.dtype).eps * scale[..., None]


def _refuse(what: str, fix: str):
    raise NonDifferentiableError(what, fix=fix)


# ---- SVD ----------------------------------------------------------------------------

def svd_reduced(a, full_matrices=True, compute_uv=True, hermitian=False):
    """(U, s, Vh) of the thin SVD, computed by the same call as
    np.linalg.svd(a, full_matrices) (so the signs of the singular vectors are the
    caller's): the factors the SVD rule differentiates.  Refuses full_matrices=True
    with compute_uv for a non-square matrix (the extra columns are any basis of a
    complement: no derivative), hermitian=True, and repeated or zero singular values
    (U and V, and the singular values themselves, are not differentiable there)."""
    a = _float(a)
    m, n = a.shape[-2:]
    if compute_uv and full_matrices and m != n:
        _refuse(f"the derivative of np.linalg.svd with full_matrices=True of a {m}x{n} "
                "matrix is not defined: the extra singular vectors are any basis of a "
                "complement", "pass full_matrices=False (the thin SVD)")
    if hermitian:
        _refuse("the derivative of np.linalg.svd(..., hermitian=True) is not implemented",
                "use np.linalg.eigh for a symmetric matrix, or hermitian=False")
    u, s, vh = np.linalg.svd(a, full_matrices=bool(full_matrices and compute_uv))
    tol = _tolerance(s, max(m, n))
    if np.any(s[..., -1:] <= tol) or np.any(s[..., :-1] - s[..., 1:] <= tol):
        _refuse(f"np.linalg.svd is not differentiable where singular values repeat or vanish "
                f"(singular values {s})",
                "differentiate a function of the matrix that does not need the separate "
                "singular values or vectors (e.g. np.linalg.norm, a trace, a product)")
    return u, s, vh


def svd_select(t, compute_uv):
    """The output of np.linalg.svd from its three parts: t, or t[1] (compute_uv=False)."""
    return t if compute_uv else t[1]


def svd_embed(g, t, compute_uv):
    """Adjoint of svd_select: the cotangent of the three parts (zeros for U and Vh when
    only the singular values were returned)."""
    if compute_uv:
        return g
    return np.zeros_like(t[0]), g, np.zeros_like(t[2])


# ---- eigenvalues of a general real matrix -------------------------------------------

def eig_real(a):
    """(w, V) of np.linalg.eig(a) when every eigenvalue is real and simple (the case s2sad
    differentiates); refuses complex or repeated eigenvalues."""
    a = _float(a)
    w, v = np.linalg.eig(a)
    if np.iscomplexobj(w):
        _refuse("derivatives of np.linalg.eig and np.linalg.eigvals are implemented for real "
                "eigenvalues only; this matrix has complex ones",
                "for a symmetric matrix use np.linalg.eigh or eigvalsh; otherwise "
                "differentiate a real function of the matrix (trace, det, a product)")
    order = np.sort(w, axis=-1)
    if np.any(np.diff(order, axis=-1) <= _tolerance(order, a.shape[-1])):
        _refuse(f"np.linalg.eig is not differentiable where eigenvalues repeat (eigenvalues {w})",
                "differentiate a function of the matrix that does not need the separate "
                "eigenvalues or eigenvectors (trace, det)")
    return w, v


def unit_columns_vjp(t, v):
    """(I - v_k v_k^T) t_k for each column k: the tangent (and cotangent, it is symmetric)
    of the columns of v normalized to unit length, from that of the unnormalized ones."""
    return t - v * np.sum(v * t, axis=-2, keepdims=True)


# ---- QR -----------------------------------------------------------------------------

def qr_reduced(a, mode="reduced"):
    """(Q, R) of np.linalg.qr(a) for mode 'reduced' and m >= n with R invertible, the case
    the QR rule differentiates; refuses the others."""
    a = _float(a)
    m, n = a.shape[-2:]
    if mode != "reduced" or m < n:
        _refuse(f"the derivative of np.linalg.qr(a, mode={mode!r}) of a {m}x{n} matrix is not "
                "implemented (only mode='reduced' with at least as many rows as columns)",
                "use mode='reduced' on a matrix with m >= n (QR of the transpose for a wide one)")
    q, r = np.linalg.qr(a)
    d = np.abs(np.diagonal(r, axis1=-2, axis2=-1))
    if np.any(d <= _tolerance(d, m)):
        _refuse("np.linalg.qr is not differentiable at a matrix of deficient column rank",
                "make the columns linearly independent")
    return q, r


def copy_lower(m):
    """The lower triangle of m mirrored to the upper one (symmetric)."""
    return np.tril(m) + _t(np.tril(m, -1))


def copy_lower_vjp(g):
    """Adjoint of copy_lower: g's lower triangle plus its transposed strict upper one."""
    return np.tril(g) + np.tril(_t(g), -1)


# ---- least squares ------------------------------------------------------------------

def lstsq_check(a, rcond=None):
    """a, as a float array, after checking np.linalg.lstsq(a, b) is differentiable there:
    full column rank (a unique solution)."""
    a = _float(a)
    m, n = a.shape[-2:]
    s = np.linalg.svd(a, compute_uv=False)
    cut = (max(m, n) * np.finfo(a.dtype).eps if rcond is None else rcond) * s[..., :1]
    if m < n or np.any(s[..., -1:] <= cut):
        _refuse(f"np.linalg.lstsq(a, b) is differentiated for a of full column rank only "
                f"(a is {m}x{n}, singular values {s})",
                "use np.linalg.pinv(a) @ b (constant rank), or regularize the problem")
    return a


def residuals_like(t, res):
    """t (the tangent of the residuals) where lstsq returns residuals, else res (empty)."""
    return t if np.size(res) else res


def residuals_like_vjp(g, t, res):
    """Adjoint of residuals_like in t."""
    return g if np.size(res) else np.zeros_like(t)


# ---- block matrices: Frechet derivatives of matrix functions ------------------------
# For a matrix function f (a power series), f([[A, E], [0, A]]) = [[f(A), Df(A)[E]],
# [0, f(A)]]: the tangent is a corner of f of a block matrix, so it has the rule of f.

def block_upper(a, e):
    """The block matrix [[a, e], [0, a]] (a stack of them)."""
    a, e = np.broadcast_arrays(_float(a), np.asarray(e))
    zero = np.zeros_like(a)
    return np.concatenate([np.concatenate([a, e], -1), np.concatenate([zero, a], -1)], -2)


def block_upper_vjp_a(g):
    """Cotangent of a in block_upper(a, e): the two diagonal blocks of g."""
    n = np.shape(g)[-1] // 2
    return g[..., :n, :n] + g[..., n:, n:]


def upper_right(x):
    """The upper right quarter of a stack of even-sized square matrices."""
    n = np.shape(x)[-1] // 2
    return x[..., :n, n:]


def upper_right_vjp(g):
    """Adjoint of upper_right: g in the upper right quarter of zeros."""
    z = np.zeros_like(g)
    return np.concatenate([np.concatenate([z, g], -1), np.concatenate([z, z], -1)], -2)


# ---- triangles, transposes and the matrices scipy.linalg reads -------------------------

def transposed_if(x, flag):
    """x with its last two axes swapped when `flag` (its own adjoint)."""
    return _t(x) if flag else x


def triangle_mask(x, lower, unit_diagonal=False):
    """The lower (or upper) triangle of x, without the diagonal when unit_diagonal (the
    entries solve_triangular reads; masking is its own adjoint)."""
    k = -1 if unit_diagonal else 0
    return np.tril(x, k) if lower else np.triu(x, -k)


def trans_flag(trans):
    """Whether solve_triangular's `trans` (0/'N', 1/'T', 2/'C') transposes the matrix."""
    if trans in (0, "N", "n"):
        return False
    if trans in (1, 2, "T", "C", "t", "c"):
        return True
    raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', not {trans!r}")


def uplo(lower):
    """'L' or 'U': the triangle a Cholesky factorization with this `lower` reads."""
    return "L" if lower else "U"


_GENERAL = (None, "gen", "general")
_ONE_TRIANGLE = ("sym", "her", "pos", "symmetric", "hermitian", "positive definite")


def solve_matrix(a, assume_a=None, lower=False, transposed=False):
    """The matrix scipy.linalg.solve (and inv) uses: a itself, or the symmetric matrix of
    its `lower` triangle for assume_a 'sym', 'her' or 'pos'; transposed if asked.
    Linear in a.  Other structures (banded, triangular, diagonal) are refused."""
    if assume_a in _ONE_TRIANGLE:
        from .linalg import sym_from_triangle
        a = sym_from_triangle(_float(a), uplo(lower))
    elif assume_a not in _GENERAL:
        raise NonDifferentiableError(
            f"the derivative of scipy.linalg.solve/inv with assume_a={assume_a!r} is not "
            "implemented", fix="use assume_a='gen', 'sym' or 'pos'")
    return transposed_if(a, transposed)


def solve_matrix_vjp(g, assume_a=None, lower=False, transposed=False):
    """Adjoint of solve_matrix in a."""
    g = transposed_if(g, transposed)
    if assume_a in _ONE_TRIANGLE:
        from .linalg import triangle_of
        return triangle_of(g, uplo(lower))
    return g


def cho_factor_of(c, lower):
    """The lower Cholesky factor L (a = L L^T) held in the triangle of c that
    scipy.linalg.cho_factor filled (L itself, or the transpose of the upper factor)."""
    return np.tril(c) if lower else _t(np.triu(c))


def cho_factor_of_vjp(g, lower):
    """Adjoint of cho_factor_of."""
    return np.tril(g) if lower else np.triu(_t(g))


def other_triangle(x, lower):
    """The strict triangle of x that cho_factor leaves as it found it (the upper one for
    a lower factor)."""
    return np.triu(x, 1) if lower else np.tril(x, -1)


def triangular_matrix(a, lower, unit_diagonal=False):
    """The triangular matrix scipy.linalg.solve_triangular reads from a (ones on the
    diagonal when unit_diagonal).  Affine in a: its derivative is triangle_mask."""
    a = _float(a)
    t = triangle_mask(a, lower, unit_diagonal)
    return t + np.eye(a.shape[-1], dtype=a.dtype) if unit_diagonal else t


# ---- scipy.linalg matrix functions (SciPy is imported when first called) ------------

def _real_result(name, out):
    if np.iscomplexobj(out):
        _refuse(f"the derivative of scipy.linalg.{name} is implemented for real results only; "
                "this matrix has a complex one (eigenvalues on the negative real axis)",
                "differentiate it at a matrix whose eigenvalues have positive real parts")
    return out


def expm(A):  # noqa: N803  (scipy.linalg's parameter name)
    """scipy.linalg.expm(A) in A's float dtype."""
    from scipy import linalg
    a = _float(A)
    return np.asarray(linalg.expm(a), a.dtype)


def sqrtm(A):  # noqa: N803
    """scipy.linalg.sqrtm(A) in A's float dtype; refuses a complex square root."""
    from scipy import linalg
    a = _float(A)
    return np.asarray(_real_result("sqrtm", linalg.sqrtm(a)), a.dtype)
