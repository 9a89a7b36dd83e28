"""Runtime helpers of products and numpy.linalg rules (real arrays).

Products contract with `tensordot`/`matmul`; `product_of`/`product_vjp` give inner,
outer, vdot, kron, cross and tensordot (whose operands play different roles) one pair
of helpers.  Matrix functions are mostly written in the rules as NumPy expressions
(so they are differentiable again); the helpers here are the pieces those need:
`cholesky` and `eigh` read one triangle of their input only (`sym_from_triangle`,
`triangle_of`), so their derivatives are taken with respect to that triangle (what
NumPy computes), which makes them exact for any input, symmetric or not.
"""
from __future__ import annotations

import numpy as np

from .common import float_dtype, like, unbroadcast
from .reductions import prod_others


def _t(x):
    return np.swapaxes(x, -1, -2)


def matmul_vjp_a(g, a, b, /):
    """Cotangent of `a` in `a @ b` (1-D operands and batch broadcasting included)."""
    a_, b_, g_ = _matmul_views(g, a, b)
    contrib = np.matmul(g_, _t(b_))
    return like(unbroadcast(contrib[..., 0, :] if np.ndim(a) == 1 else contrib, a), a)


def matmul_vjp_b(g, a, b, /):
    """Cotangent of `b` in `a @ b`."""
    if type(a) is np.ndarray and type(b) is np.ndarray and type(g) is np.ndarray and \
            a.ndim == 2 and b.ndim == 1 and g.ndim == 1:    # (matrix @ vector, at once)
        contrib = g @ a
        if contrib.dtype == b.dtype:
            return contrib
    a_, b_, g_ = _matmul_views(g, a, b)
    contrib = np.matmul(_t(a_), g_)
    return like(unbroadcast(contrib[..., :, 0] if np.ndim(b) == 1 else contrib, b), b)


def _matmul_views(g, a, b):
    a_ = np.asarray(a)[None, :] if np.ndim(a) == 1 else np.asarray(a)
    b_ = np.asarray(b)[:, None] if np.ndim(b) == 1 else np.asarray(b)
    g_ = np.asarray(g)
    if np.ndim(a) == 1:
        g_ = np.expand_dims(g_, -2 if np.ndim(b) != 1 else 0)
    if np.ndim(b) == 1:
        g_ = np.expand_dims(g_, -1)
    return a_, b_, g_


def dot_vjp_a(g, a, b, /):
    """Cotangent of `a` in np.dot(a, b) (last axis of a against b's second-to-last)."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return like(unbroadcast(g * b, a), a)
    if nb == 1:
        return like(np.multiply.outer(g, b), a)
    axes = (tuple(range(na - 1, np.ndim(g))), tuple(i for i in range(nb) if i != nb - 2))
    return like(np.tensordot(g, b, axes=axes), a)


def dot_vjp_b(g, a, b, /):
    """Cotangent of `b` in np.dot(a, b)."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return like(unbroadcast(g * a, b), b)
    lead = tuple(range(na - 1))
    contrib = np.tensordot(a, g, axes=(lead, lead))
    return like(contrib if nb == 1 else np.moveaxis(contrib, 0, -2), b)


def _vdot_vjp(g, other, x):
    """Cotangent of one argument of np.vdot (both are flattened; real arrays)."""
    return like(g * np.reshape(other, np.shape(x)), x)


def _inner_vjp(g, x, other, first):
    """Cotangent of x in np.inner(x, other) (first=True) or np.inner(other, x)."""
    nx, no = np.ndim(x), np.ndim(other)
    if nx == 0 or no == 0:
        return like(unbroadcast(g * other, x), x)
    g = np.asarray(g)
    if first:
        return like(np.tensordot(g, other, axes=(tuple(range(nx - 1, g.ndim)),
                                                 tuple(range(no - 1)))), x)
    return like(np.tensordot(g, other, axes=(tuple(range(no - 1)), tuple(range(no - 1)))), x)


def _outer_vjp(g, x, other, first):
    """Cotangent of x in np.outer(x, other) (first=True) or np.outer(other, x)."""
    other = np.ravel(other)
    return like(np.dot(g, other) if first else np.dot(other, g), x)


def _tensordot_axes(axes, na, nb):
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(na - n, na)), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if np.ndim(a_axes) == 0 else list(a_axes)
    b_axes = [b_axes] if np.ndim(b_axes) == 0 else list(b_axes)
    return [int(i) % na for i in a_axes], [int(i) % nb for i in b_axes]


def _tensordot_first(g, a, b, a_axes, b_axes):
    """Cotangent of a in tensordot(a, b, (a_axes, b_axes)); g has free(a) + free(b) dims."""
    na, nb = np.ndim(a), np.ndim(b)
    free_a = [i for i in range(na) if i not in a_axes]
    free_b = [i for i in range(nb) if i not in b_axes]
    g_axes = list(range(len(free_a), len(free_a) + len(free_b)))
    res = np.tensordot(g, b, axes=(g_axes, free_b))    # free_a + b_axes (in b order)
    b_contracted = [i for i in range(nb) if i in b_axes]
    position = {}
    for k, d in enumerate(free_a):
        position[d] = k
    for k, e in enumerate(b_contracted):
        position[a_axes[b_axes.index(e)]] = len(free_a) + k
    return like(np.transpose(res, [position[d] for d in range(na)]), a)


def _tensordot_vjp(g, a, b, axes, first):
    """Cotangent of a (first=True) or b in np.tensordot(a, b, axes)."""
    a_axes, b_axes = _tensordot_axes(axes, np.ndim(a), np.ndim(b))
    if first:
        return _tensordot_first(g, a, b, a_axes, b_axes)
    n_free_a = np.ndim(a) - len(a_axes)
    g_t = np.moveaxis(np.asarray(g), tuple(range(n_free_a)),
                      tuple(range(np.ndim(g) - n_free_a, np.ndim(g))))
    return _tensordot_first(g_t, b, a, b_axes, a_axes)


def _kron_vjp(g, x, other, first):
    """Cotangent of x in np.kron(x, other) (first=True) or np.kron(other, x)."""
    nd = max(np.ndim(x), np.ndim(other))
    xs = (1,) * (nd - np.ndim(x)) + np.shape(x)
    os = (1,) * (nd - np.ndim(other)) + np.shape(other)
    pairs = [(p, q) for p, q in zip(xs, os)] if first else [(q, p) for p, q in zip(xs, os)]
    g4 = np.reshape(g, [n for pair in pairs for n in pair])
    other4 = np.reshape(other, [n for q in os for n in ((1, q) if first else (q, 1))])
    keep = 0 if first else 1
    summed = np.sum(g4 * other4, axis=tuple(range(1 - keep, 2 * nd, 2)))
    return like(np.reshape(summed, np.shape(x)), x)


def _cross_vjp(g, x, other, first):
    """Cotangent of x in np.cross(x, other) (first=True) or np.cross(other, x)."""
    if np.shape(x)[-1:] == (3,) or np.shape(other)[-1:] == (3,):
        # a 2-vector next to a 3-vector is read with a zero third component
        contrib = np.cross(other, g) if first else np.cross(g, other)
        if np.shape(x)[-1] == 2:
            contrib = contrib[..., :2]
        return like(unbroadcast(contrib, x), x)
    o = np.asarray(other)
    rot = np.stack([o[..., 1], -o[..., 0]], -1)
    contrib = (rot if first else -rot) * np.expand_dims(g, -1)
    return like(unbroadcast(contrib, x), x)


_VJPS = {"inner": _inner_vjp, "outer": _outer_vjp, "kron": _kron_vjp, "cross": _cross_vjp}


def product_of(name, x, other, first, extra=()):
    """np.<name>(x, other, *extra) if `first`, else np.<name>(other, x, *extra): the
    product, with x the operand whose derivative is taken."""
    fn = getattr(np, name)
    return fn(x, other, *extra) if first else fn(other, x, *extra)


def product_vjp(name, g, x, other, first, extra=(), /):
    """Cotangent of x in product_of(name, x, other, first, extra), for np.inner,
    np.outer, np.vdot, np.kron, np.cross, np.tensordot (extra: (axes,)), np.matmul
    and np.dot."""
    if name in ("matmul", "dot"):
        of_a, of_b = (matmul_vjp_a, matmul_vjp_b) if name == "matmul" else (dot_vjp_a, dot_vjp_b)
        return of_a(g, x, other) if first else of_b(g, other, x)
    if name == "vdot":
        return _vdot_vjp(g, other, x)
    if name == "tensordot":
        return _tensordot_vjp(g, x, other, extra[0], True) if first else \
            _tensordot_vjp(g, other, x, extra[0], False)
    return _VJPS[name](g, x, other, first)


# det: the cofactor matrix from an SVD (exact for singular matrices).  Its derivative is
# a derivative of det again: cofactor(a)[i, j] = det(a with row i replaced by e_j).

def cofactor(a):
    """The cofactor matrix (gradient of det), from an SVD: exact for singular matrices."""
    u, s, vh = np.linalg.svd(a)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    scaled = u * np.expand_dims(prod_others(s, axis=-1) * sign[..., None], -2)
    return np.matmul(scaled, vh)


def det_jvp(da, a, /):
    return np.sum(cofactor(a) * da, axis=(-2, -1))


def det_vjp(g, a, /):
    return like(np.asarray(g)[..., None, None] * cofactor(a), a)


def minor_rows(a, fill):
    """out[..., i, j, :, :]: a with row i replaced by fill * e_j (so det(out) is
    fill times the (i, j) cofactor of a)."""
    a = np.asarray(a)
    a = a.astype(float_dtype(a), copy=False)
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    row = eye[:, None, :, None].astype(bool)           # [i, ., r, .]: r == i
    unit = fill * eye[None, :, None, :]                 # [., j, ., c]: c == j
    return np.where(row, unit, a[..., None, None, :, :])


def minor_rows_vjp(h, a, /):
    """Cotangent of a in minor_rows(a, fill): h summed over (i, j), row i left out."""
    n = np.shape(a)[-1]
    row = np.eye(n, dtype=bool)[:, None, :, None]
    return like(np.sum(np.where(row, 0, h), axis=(-4, -3)), a)


def slogdet_jvp(da, a, ans, /):
    dlog = np.trace(np.linalg.solve(a, da), axis1=-2, axis2=-1)
    return np.zeros_like(ans[0]), dlog.astype(np.result_type(ans[1]), copy=False)


def slogdet_vjp(g, a, /):
    glog = g[1]
    if glog is None:
        return like(np.zeros(np.shape(a)), a)
    return like(np.asarray(glog)[..., None, None] * _t(np.linalg.inv(a)), a)


def as_matrix(x, vector):
    """x[..., None] for the vector right-hand side of np.linalg.solve (else x)."""
    return np.asarray(x)[..., None] if vector else x


def from_matrix(y, vector):
    """y[..., 0] back from a one-column matrix (inverse of as_matrix)."""
    return np.asarray(y)[..., 0] if vector else y


def sym_from_triangle(d, UPLO="L"):
    """The symmetric matrix eigh/cholesky see in d: its lower (UPLO 'L') or upper triangle."""
    if UPLO.upper() == "L":
        return np.tril(d) + _t(np.tril(d, -1))
    return np.triu(d) + _t(np.triu(d, 1))


def triangle_of(s, UPLO="L"):
    """Adjoint of sym_from_triangle: a cotangent of the symmetric matrix, on the triangle."""
    if UPLO.upper() == "L":
        return np.tril(s) + np.tril(_t(s), -1)
    return np.triu(s) + np.triu(_t(s), 1)


def eig_gaps(w):
    """F[..., i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it (inf for repeated w)."""
    w = np.asarray(w)
    diff = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    with np.errstate(divide="ignore"):
        return np.where(eye, 0, 1.0 / np.where(eye, 1, diff)).astype(w.dtype)
