"""Runtime helpers of np.linalg.norm and np.einsum.

norm: the gradient `G` of each reduced slice (vector norms of every `ord`, and the
matrix norms 'fro', 'nuc', 1, -1, 2, -2, inf, -inf); the tangent is `sum(dx * G)`
and the cotangent `expand(g) * G`.  At 0 a norm has gradient 0, the minimum-norm
subgradient, and ties of the max/min-based norms split evenly.
"""
from __future__ import annotations

import string

import numpy as np

from .common import expand_reduced, float_dtype, like, normalize_axes, safe_ratio


def _split_ties(values, target, axes):
    hit = np.equal(values, target)
    return (hit / np.sum(hit, axis=axes, keepdims=True)).astype(values.dtype)


def _vector_grad(x, ans_e, ord, axes):
    sign = np.sign(x)
    if ord in (None, 2):
        return safe_ratio(x, ans_e)
    if ord == 1:
        return sign
    if ord == 0:
        return np.zeros_like(x)
    if ord in (np.inf, -np.inf):
        return sign * _split_ties(np.abs(x), ans_e, axes)
    p = float(ord)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(safe_ratio(x, ans_e)) ** (p - 1)
    return np.where(x == 0, 0, sign * ratio)


def _matrix_grad(x, ans_e, ord, axes):
    sign = np.sign(x)
    if ord in (None, "fro"):
        return safe_ratio(x, ans_e)
    if ord in (1, -1, np.inf, -np.inf):
        summed, kept = (axes[0], axes[1]) if ord in (1, -1) else (axes[1], axes[0])
        sums = np.sum(np.abs(x), axis=summed, keepdims=True)
        return sign * _split_ties(sums, ans_e, (kept,))
    if ord in (2, -2, "nuc"):
        xm = np.moveaxis(x, axes, (-2, -1))
        u, s, vh = np.linalg.svd(xm, full_matrices=False)
        if ord == "nuc":       # zero singular values get no direction (min-norm)
            grad = np.matmul(u * (s > 0)[..., None, :], vh)
        else:
            k = 0 if ord == 2 else s.shape[-1] - 1
            grad = u[..., :, k:k + 1] * vh[..., k:k + 1, :]
            if ord == 2:
                grad = grad * (s[..., :1, None] > 0)
        return np.moveaxis(grad, (-2, -1), axes)
    raise ValueError(f"norm: unsupported matrix ord {ord!r}")


def norm_grad(x, ans, ord=None, axis=None, keepdims=False):
    """Gradient of each reduced slice of np.linalg.norm(x, ord, axis, keepdims)."""
    x = np.asarray(x)
    x = x.astype(float_dtype(x), copy=False)
    axes = normalize_axes(axis, x.ndim)
    ans_e = expand_reduced(ans, x.ndim, axis, keepdims)
    if axis is None and ord is not None and x.ndim == 2:
        return _matrix_grad(x, ans_e, ord, axes)
    if len(axes) == 2 and axis is not None:
        rows, cols = (int(a) % x.ndim for a in axis)   # in the caller's order
        return _matrix_grad(x, ans_e, ord, (rows, cols))
    if axis is None and ord is None:
        return safe_ratio(x, ans_e)
    return _vector_grad(x, ans_e, ord, axes)


def norm_jvp(dx, x, ans, ord=None, axis=None, keepdims=False):
    grad = norm_grad(x, ans, ord, axis, keepdims)
    return np.sum(dx * grad, axis=normalize_axes(axis, np.ndim(x)), keepdims=keepdims)


def norm_vjp(g, x, ans, ord=None, axis=None, keepdims=False):
    grad = norm_grad(x, ans, ord, axis, keepdims)
    return like(expand_reduced(g, np.ndim(x), axis, keepdims) * grad, x)


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


def einsum_jvp(subscripts, doperands, operands):
    total = None
    for k in range(len(operands)):
        ops = list(operands)
        ops[k] = doperands[k]
        term = np.einsum(subscripts, *ops)
        total = term if total is None else total + term
    return total


def einsum_vjp(g, subscripts, operands):
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
        contribs.append(like(np.array(out, dtype=float_dtype(op)), op))
    return tuple(contribs)
