"""Runtime helpers of array constructors whose values depend on their arguments:
np.array / np.asarray of (lists of) values, np.full, np.linspace, np.arange."""
from __future__ import annotations

import numpy as np

from .common import float_dtype, like, unbroadcast


def array_jvp(dobject, ans, /):
    """Tangent of np.array(object): the tangents assembled the same way, float dtype."""
    return np.reshape(np.array(dobject, dtype=float_dtype(ans)), np.shape(ans))


def array_vjp(g, obj, /):
    """Cotangent of `object` in np.array(object): per item for a list or tuple."""
    return like(g, obj)


def reduce_to(g, x, /):
    """`g` summed back to the shape of `x` (undo broadcasting), in x's float dtype."""
    return like(unbroadcast(g, x), x)


def _linspace_weights(ans, num, endpoint, retstep, axis, which):
    if retstep:
        raise NotImplementedError("derivative of np.linspace(..., retstep=True); "
                                  "compute the step from start and stop instead")
    div = (num - 1) if endpoint else num
    t = np.arange(num) / div if div > 0 else np.zeros(num)
    weight = t if which == "stop" else 1.0 - t
    ax = axis % np.ndim(ans)
    shape = [1] * np.ndim(ans)
    shape[ax] = num
    return weight.reshape(shape).astype(float_dtype(ans)), ax


def linspace_jvp(d, ans, num=50, endpoint=True, retstep=False, axis=0, which="start", /):
    """Tangent of np.linspace for start (which='start') or stop (which='stop')."""
    weight, ax = _linspace_weights(ans, num, endpoint, retstep, axis, which)
    shape = np.shape(ans)
    d = np.broadcast_to(d, shape[:ax] + shape[ax + 1:])
    return (np.expand_dims(d, ax) * weight).astype(float_dtype(ans))


def linspace_vjp(g, x, ans, num=50, endpoint=True, retstep=False, axis=0, which="start", /):
    weight, ax = _linspace_weights(ans, num, endpoint, retstep, axis, which)
    return reduce_to(np.sum(g * weight, axis=ax), x)


def arange_start_jvp(dstart, ans, stop, /):
    """np.arange(start, stop, step) moves with start; np.arange(stop) does not."""
    scale = 0.0 if stop is None else 1.0
    return np.full(np.shape(ans), scale * dstart, float_dtype(ans))


def arange_start_vjp(g, start, stop, /):
    return like(0.0 if stop is None else np.sum(g), start)


def arange_step_jvp(dstep, ans, /):
    return (np.arange(np.size(ans)) * dstep).astype(float_dtype(ans))


def arange_step_vjp(g, step, /):
    return like(np.sum(g * np.arange(np.size(g))), step)
