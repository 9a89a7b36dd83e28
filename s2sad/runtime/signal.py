"""Helpers of the rules in s2sad/rules/signal.py: np.convolve/np.correlate, np.interp,
np.meshgrid and np.linalg.multi_dot.

The helpers linear in their first argument come in transposed pairs, so the rules
close under differentiation; the other arguments give shapes, knots or indexing.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError
from .common import float_dtype, like, unbroadcast


# ---- np.convolve(a, v, mode): bilinear ----------------------------------------------

def conv_adjoint(t, other, n, mode, /):
    """Cotangent of the operand of length n in np.convolve(operand, other, mode) from the
    output's cotangent t (the transpose of x -> np.convolve(x, other, mode))."""
    t, other = np.asarray(t), np.asarray(other)
    if t.ndim == 0:
        t = np.broadcast_to(t, np.convolve(np.zeros(n), np.zeros(other.size), mode).shape)
    full = n + other.size - 1
    offset = {"full": 0, "same": (min(n, other.size) - 1) // 2,
              "valid": min(n, other.size) - 1}[mode]
    padded = np.zeros(full, float_dtype(t, other))
    padded[offset:offset + t.size] = t
    return np.correlate(padded, other, "valid")


# ---- np.interp(x, xp, fp, left, right): piecewise linear in x, linear in fp ------------

def _segments(x, xp, fp, left, right, period):
    """(index j of each x's segment [xp_j, xp_j+1], its length h, inside mask) -- x
    outside [xp_0, xp_-1] is clamped (fp's end values, or left/right)."""
    if period is not None:
        raise NonDifferentiableError(
            "derivatives of np.interp(..., period=...) are not implemented; map x into "
            "one period (np.mod) and pass xp, fp covering it")
    xp = np.asarray(xp, float)
    x = np.asarray(x, float)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(xp.size - 2, 0))
    h = xp[j + 1] - xp[j] if xp.size > 1 else np.ones_like(x)
    inside = (x >= xp[0]) & (x <= xp[-1]) if xp.size > 1 else np.zeros(x.shape, bool)
    at_end = x == xp[-1]                     # np.interp returns fp[-1] there: slope 0
    return j, h, inside & ~at_end, at_end


def interp_slope(x, xp, fp, left=None, right=None, period=None, /):
    """d np.interp(x, xp, fp) / dx: the slope of x's segment (0 outside and at xp[-1])."""
    j, h, inside, _ = _segments(x, xp, fp, left, right, period)
    fp = np.asarray(fp)
    slope = np.zeros(np.shape(x)) if fp.size < 2 else \
        np.where(inside, (fp[j + 1] - fp[j]) / h, 0.0)
    slope = np.asarray(slope, np.float64)       # the dtype of np.interp's output
    if isinstance(x, float):
        return float(slope)
    return slope[()] if np.ndim(x) == 0 else slope


def interp_fp_vjp(g, x, xp, fp, left=None, right=None, period=None, /):
    """Cotangent of fp in np.interp(x, xp, fp, left, right) from the output's cotangent g."""
    j, h, inside, at_end = _segments(x, xp, fp, left, right, period)
    x, xp = np.asarray(x, float), np.asarray(xp, float)
    g = np.broadcast_to(np.asarray(g, float_dtype(g, fp)), x.shape)
    out = np.zeros(np.shape(fp), float_dtype(g, fp))
    if out.size == 0:
        return like(out, fp)
    w = np.where(inside, (x - xp[j]) / h, 0.0)
    np.add.at(out, j, np.where(inside, g * (1 - w), 0.0))
    if out.size > 1:
        np.add.at(out, j + 1, np.where(inside, g * w, 0.0))
    if left is None:                         # below the knots: fp[0] (or left=)
        out[0] += np.sum(np.where(x < xp[0], g, 0.0))
    end = (x > xp[-1]) | at_end if right is None else at_end
    out[-1] += np.sum(np.where(end, g, 0.0))  # at xp[-1]: fp[-1]; above: fp[-1] (or right=)
    return like(out, fp)


def interp_slope_vjp(g, x, xp, fp, left=None, right=None, period=None, /):
    """Cotangent of fp in interp_slope(x, xp, fp) (the transpose of fp -> slope)."""
    j, h, inside, _ = _segments(x, xp, fp, left, right, period)
    g = np.broadcast_to(np.asarray(g, float_dtype(g, fp)), np.shape(x))
    out = np.zeros(np.shape(fp), float_dtype(g, fp))
    if out.size > 1:
        s = np.where(inside, g / h, 0.0)
        np.add.at(out, j + 1, s)
        np.add.at(out, j, -s)
    return like(out, fp)


def edge_value_tangent(edge, /):
    """The tangent of np.interp's left= or right=: None stays None (fp's end value is
    used), a given constant has tangent 0."""
    return None if edge is None else 0.0


# ---- np.meshgrid(*xi, indexing, sparse) -----------------------------------------------

def meshgrid_apply(t, indexing="xy", sparse=False, /):
    """np.meshgrid(*t, indexing=indexing, sparse=sparse) as a tuple."""
    return tuple(np.meshgrid(*t, indexing=indexing, sparse=sparse))


def meshgrid_vjp(g, xi, indexing="xy", sparse=False, /):
    """Cotangents of xi from those of np.meshgrid's outputs (each summed over the axes
    its input was spread along)."""
    n = len(xi)
    out = []
    for i, (gi, x) in enumerate(zip(g, xi)):
        axis = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
        gi = np.asarray(0.0 if gi is None else gi)
        if gi.ndim:
            gi = np.sum(gi, axis=tuple(a for a in range(gi.ndim) if a != axis))
        else:
            gi = np.zeros(np.size(x))
        out.append(like(np.reshape(gi, np.shape(x)), x))
    return tuple(out)


# ---- np.linalg.multi_dot: an einsum of a chain --------------------------------------

def multi_dot_subscripts(arrays, /):
    """The einsum subscripts of np.linalg.multi_dot(arrays) (1-D ends are vectors)."""
    n = len(arrays)
    letters = [chr(ord("a") + i) for i in range(n + 1)]
    terms = [letters[i] + letters[i + 1] for i in range(n)]
    first, last = np.ndim(arrays[0]) == 1, np.ndim(arrays[-1]) == 1
    if first:
        terms[0] = letters[1]
    if last:
        terms[-1] = letters[n - 1]
    out = ("" if first else letters[0]) + ("" if last else letters[n])
    return ",".join(terms) + "->" + out


# ---- np.select(condlist, choicelist, default): piecewise, linear in the choices -------

def select_vjp(g, condlist, choicelist, default=0, /):
    """Cotangents of (choicelist items, default) in np.select: g where each is chosen."""
    shape = np.broadcast_shapes(np.shape(g), *map(np.shape, condlist))
    g = np.broadcast_to(np.asarray(0.0 if g is None else g), shape)
    taken = np.zeros(shape, bool)
    parts = []
    for cond, choice in zip(condlist, choicelist):
        mask = np.broadcast_to(cond, shape) & ~taken
        taken |= mask
        parts.append(_summed(np.where(mask, g, 0.0), choice))
    return tuple(parts), _summed(np.where(taken, 0.0, g), default)


def _summed(t, x):
    """t summed to x's shape (x was broadcast), as a cotangent of x's kind."""
    return like(np.asarray(unbroadcast(t, x), float_dtype(t, x)), x)


def select_jvp(t, condlist, default_t=0.0, /):
    """np.select(condlist, t, default_t) (the tangent: t the choices' tangents)."""
    t = [0.0 if item is None else item for item in (t or [0.0] * len(condlist))]
    return np.select(condlist, t, 0.0 if default_t is None else default_t)
