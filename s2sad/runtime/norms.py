"""Runtime helpers of np.linalg.norm and np.einsum.

norm: the gradient `G` of each reduced slice is built by the rule (rules/reductions.py)
as `norm_power(x, A, q, True) * norm_weights(...) + spectral_grad(...)`, with A the
norm broadcast over the slice: `|x / A|**q` carries the smooth part of every vector
norm and of the Frobenius norm (q = p - 1), `norm_weights` the piecewise-constant part
(ties of max/min-based norms split evenly, 0 for ord 0), and `spectral_grad` the
matrix 2, -2 and nuclear norms (from an SVD).  At 0 a norm has gradient 0, the
minimum-norm subgradient.
"""
from __future__ import annotations

import string

import numpy as np

from ..errors import NonDifferentiableError
from .common import expand_reduced, float_dtype, like, normalize_axes, safe_ratio
from .strong import strong_einsum

_SPECTRAL = (2, -2, "nuc")


def _split_ties(values, target, axes):
    hit = np.equal(values, target)
    return (hit / np.sum(hit, axis=axes, keepdims=True)).astype(values.dtype)


def _norm_kind(x, ord, axis):
    """('matrix', (rows, cols)) or ('vector', axes) for np.linalg.norm(x, ord, axis)."""
    ndim = np.ndim(x)
    axes = normalize_axes(axis, ndim)
    if axis is None and ord is not None and ndim == 2:
        return "matrix", (0, 1)
    if len(axes) == 2 and axis is not None:
        return "matrix", tuple(int(a) % ndim for a in axis)    # in the caller's order
    return "vector", axes


def _float(x):
    x = np.asarray(x)
    return x.astype(float_dtype(x), copy=False)


def norm_power(x, a, q, signed):
    """|x / a|**q (0**0 = 1), times sign(x) if `signed` (then 0 where x == 0), with
    x / a = 0 where a == 0: the gradient of a p-norm is norm_power(x, norm, p - 1, True)."""
    x = _float(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.abs(safe_ratio(x, np.asarray(a, x.dtype))) ** q
        if signed:
            out = np.where(x == 0, 0, np.sign(x) * out)
    out = np.asarray(out).astype(x.dtype, copy=False)
    return out if out.ndim else out[()]


def norm_exponent(x, ord, axis):
    """The q of norm_power in the gradient of np.linalg.norm(x, ord, axis)."""
    kind, _ = _norm_kind(x, ord, axis)
    if ord is None or ord == "fro" or (kind == "vector" and ord == 2):
        return 1.0
    if kind == "matrix" or ord in (0, 1, np.inf, -np.inf):
        return 0.0
    return float(ord) - 1.0


def norm_weights(x, ans, ord, axis, keepdims):
    """The piecewise-constant factor of the gradient of np.linalg.norm(x, ord, axis):
    1 for p-norms, ties split evenly for max/min-based norms, 0 for ord 0 and for the
    spectral norms (see spectral_grad)."""
    x = _float(x)
    kind, axes = _norm_kind(x, ord, axis)
    ans_e = expand_reduced(ans, x.ndim, axis, keepdims)
    if kind == "vector":
        if ord == 0:
            return np.zeros_like(x)
        if ord in (np.inf, -np.inf):
            return _split_ties(np.abs(x), ans_e, axes)
        return np.ones_like(x)
    if ord in (1, -1, np.inf, -np.inf):
        summed, kept = (axes[0], axes[1]) if ord in (1, -1) else (axes[1], axes[0])
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        return np.broadcast_to(_split_ties(sums, ans_e, (kept,)), x.shape)
    if ord in _SPECTRAL:
        return np.zeros_like(x)
    if ord in (None, "fro"):
        return np.ones_like(x)
    raise ValueError(f"norm: unsupported matrix ord {ord!r}")


def _spectral(x, ord, axis):
    """x as a stack of tall matrices (..., m, n), m >= n, and how to put results back;
    None when ord is not a spectral matrix norm."""
    kind, axes = _norm_kind(x, ord, axis)
    if kind != "matrix" or ord not in _SPECTRAL:
        return None
    xm = np.moveaxis(_float(x), axes, (-2, -1))
    wide = xm.shape[-2] < xm.shape[-1]
    return (np.swapaxes(xm, -1, -2) if wide else xm), axes, wide


def _back(y, axes, wide):
    return np.moveaxis(np.swapaxes(y, -1, -2) if wide else y, (-2, -1), axes)


def _column(ord, n):
    return 0 if ord == 2 else n - 1


def spectral_grad(x, ord, axis):
    """The gradient of the matrix 2, -2 or nuclear norm (zeros for any other norm):
    u_k v_k^T for the largest (2) or smallest (-2) singular value, U V^T (nuc), with
    zero singular values given no direction (the minimum-norm subgradient)."""
    parts = _spectral(x, ord, axis)
    if parts is None:
        return np.zeros_like(_float(x))
    xm, axes, wide = parts
    u, s, vh = np.linalg.svd(xm, full_matrices=False)
    if ord == "nuc":
        grad = np.matmul(u * (s > 0)[..., None, :], vh)
    else:
        k = _column(ord, s.shape[-1])
        grad = u[..., :, k:k + 1] * vh[..., k:k + 1, :]
        if ord == 2:
            grad = grad * (s[..., :1, None] > 0)
    return _back(grad, axes, wide)


def spectral_grad_jvp(dx, x, ord, axis, /):
    """The derivative of spectral_grad(x, ord, axis) along dx (the Hessian of the norm
    applied to dx), where the singular values are distinct (2, -2) or nonzero (nuc)."""
    parts = _spectral(x, ord, axis)
    if parts is None:
        return np.zeros_like(_float(x))
    xm, axes, wide = parts
    e = np.moveaxis(np.asarray(dx, xm.dtype), axes, (-2, -1))
    e = np.swapaxes(e, -1, -2) if wide else e
    u, s, vh = np.linalg.svd(xm, full_matrices=False)
    v = np.swapaxes(vh, -1, -2)
    f = np.matmul(np.matmul(np.swapaxes(u, -1, -2), e), v)
    ft = np.swapaxes(f, -1, -2)
    inv_s = safe_ratio(1.0, s)
    outside = e - np.matmul(u, np.matmul(np.swapaxes(u, -1, -2), e))   # (I - U U^T) E
    with np.errstate(divide="ignore", invalid="ignore"):
        if ord == "nuc":
            total = s[..., :, None] + s[..., None, :]
            inner = np.where(total > 0, (f - ft) / np.where(total > 0, total, 1), 0)
            out = np.matmul(np.matmul(u, inner), vh) + np.matmul(
                outside, np.matmul(v * inv_s[..., None, :], vh))
            return _back(out, axes, wide)
        k = _column(ord, s.shape[-1])
        sk, sj = s[..., k:k + 1], s
        gap = sk * sk - sj * sj
        own = np.arange(s.shape[-1]) == k
        safe_gap = np.where(own, 1, gap)
        omega_u = np.where(own, 0, (sk * f[..., :, k] + sj * ft[..., :, k]) / safe_gap)
        omega_v = np.where(own, 0, (sj * f[..., :, k] + sk * ft[..., :, k]) / safe_gap)
        du = np.matmul(u, omega_u[..., None]) + np.matmul(outside, v[..., :, k:k + 1]) * \
            inv_s[..., k:k + 1, None]
        dv = np.matmul(v, omega_v[..., None])
        uk, vk = u[..., :, k:k + 1], v[..., :, k:k + 1]
        out = du * np.swapaxes(vk, -1, -2) + uk * np.swapaxes(dv, -1, -2)
        if ord == 2:
            out = out * (s[..., :1, None] > 0)
    return _back(out, axes, wide)


def spectral_third(t, dx, x, ord, axis, /):
    """Third derivatives of the matrix 2, -2 and nuclear norms are not implemented."""
    if _spectral(x, ord, axis) is None:
        return np.zeros_like(_float(x))
    raise NonDifferentiableError(
        f"third derivatives of np.linalg.norm with ord={ord!r} (a matrix norm computed from "
        "singular values) are not implemented; second derivatives are")


# einsum: the cotangent of one operand is an einsum of the output cotangent with the
# other operands; labels only that operand has are broadcast back, repeated labels
# (diagonals) are written into a diagonal view, and size-1 broadcast dims are summed.

def _parse(subscripts, operands):
    if not isinstance(subscripts, str):
        raise NotImplementedError("derivative of np.einsum in the interleaved "
                                  "(operand, sublist) form; use a subscripts string")
    text = subscripts.replace(" ", "")
    inputs, _, output = text.partition("->")
    terms = inputs.split(",")
    spare = [c for c in string.ascii_letters if c not in text]
    n_ell = max((np.ndim(op) - len(t.replace("...", "")) for t, op in zip(terms, operands)
                 if "..." in t), default=0)
    ell = "".join(spare[:n_ell])
    full = []
    for t, op in zip(terms, operands):
        if "..." in t:
            k = np.ndim(op) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:])
        full.append(t)
    if "->" in text:
        output = output.replace("...", ell)
    else:
        letters = "".join(full)
        output = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                      and c not in ell))
    return full, output


def _einsum_vjp(g, subscripts, operands):
    terms, output = _parse(subscripts, operands)
    sizes = {}
    for t, op in zip(terms, operands):
        for c, n in zip(t, np.shape(op)):
            sizes[c] = max(sizes.get(c, 1), n)
    contribs = []
    for k, (term, op) in enumerate(zip(terms, operands)):
        unique = "".join(dict.fromkeys(term))
        others = [(t, o) for i, (t, o) in enumerate(zip(terms, operands)) if i != k]
        present = set(output).union(*[set(t) for t, _ in others])
        target = "".join(c for c in unique if c in present)
        spec = ",".join([output] + [t for t, _ in others]) + "->" + target
        res = np.einsum(spec, g, *[o for _, o in others])
        res = np.expand_dims(res, tuple(i for i, c in enumerate(unique) if c not in present))
        res = np.broadcast_to(res, [sizes[c] for c in unique])
        shape_u = [dict(zip(term, np.shape(op)))[c] for c in unique]
        shrink = tuple(i for i, n in enumerate(shape_u) if n == 1 and res.shape[i] != 1)
        if shrink:
            res = np.sum(res, axis=shrink, keepdims=True)
        if len(unique) == len(term):
            out = np.transpose(res, [unique.index(c) for c in term])
        else:
            out = np.zeros(np.shape(op), float_dtype(op))
            np.einsum(f"{term}->{unique}", out)[...] = res
        contribs.append(np.array(out, dtype=float_dtype(op)))
    return contribs


# Sums of einsums over "patterns": layers[l] is a tuple of operands (the operands, their
# tangents, ...) and a pattern picks, for each operand position k, the layer it is taken
# from.  np.einsum is the single pattern (0, ..., 0); its tangent takes one position
# from the tangents' layer at a time (einsum_shift), and so on at every order.

def einsum_base(operands):
    """The pattern of np.einsum(subscripts, *operands): every operand from layer 0."""
    return ((0,) * len(operands),)


def einsum_shift(patterns, n_layers):
    """Each pattern with one position at a time moved to the matching layer of a second
    set of `n_layers` layers (the product rule)."""
    return tuple(p[:k] + (p[k] + n_layers,) + p[k + 1:] for p in patterns for k in range(len(p)))


def einsum_patterns(subscripts, layers, patterns):
    """The sum over patterns P of np.einsum(subscripts, *(layers[P[k]][k] for each k));
    a zero entry of an operand from a (co)tangent layer (l > 0) is a strong zero."""
    total = None
    for pattern in patterns:
        term = strong_einsum(subscripts, [layers[l][k] for k, l in enumerate(pattern)],
                             [l > 0 for l in pattern])
        total = term if total is None else total + term
    return total


def einsum_patterns_vjp(g, subscripts, layers, patterns, /):
    """Cotangents of the layers of einsum_patterns (a tuple of tuples like `layers`):
    layer l at position k gets the cotangent of operand k of every pattern with P[k] == l."""
    sums = [[None] * len(layer) for layer in layers]
    for pattern in patterns:
        ops = [layers[l][k] for k, l in enumerate(pattern)]
        for k, (l, ct) in enumerate(zip(pattern, _einsum_vjp(g, subscripts, ops))):
            sums[l][k] = ct if sums[l][k] is None else sums[l][k] + ct
    return tuple(tuple(like(c, op) for c, op in zip(cts, layer))
                 for cts, layer in zip(sums, layers))
