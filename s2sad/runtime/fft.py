"""Helpers of the numpy.fft rules (s2sad/rules/fft.py) and of np.abs, np.real, np.imag
on complex values.

Complex values are differentiated as pairs of reals.  The cotangent of a complex value
z = u + iv is c = dL/du - i dL/dv, so that dL = Re(c dz): holomorphic rules (products,
sums, exp) keep their real form `g * f'(z)`, and a real input's cotangent is the real
part of what reaches it (`cast_like` takes it).  Under it the transpose of a DFT is the
DFT itself (its matrix is symmetric), so each transform's adjoint is one transform.

Every transform is described as n-dimensional: `kind` is 'fft', 'ifft', 'rfft' or
'irfft' (fftn, ifftn, rfftn, irfftn), `s` the lengths and `axes` the axes, either an
int (the 1-D functions' n and axis), a sequence or None.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError

_FN = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn,
       "irfft": np.fft.irfftn}


def _plan(shape, kind, s, axes):
    """(axes, lengths) of a transform, as NumPy resolves them (s and axes may be ints)."""
    s = (s,) if isinstance(s, (int, np.integer)) else s
    axes = (axes,) if isinstance(axes, (int, np.integer)) else axes
    ndim = len(shape)
    if axes is None:
        axes = tuple(range(ndim - len(s), ndim)) if s is not None else tuple(range(ndim))
    axes = tuple(int(a) % ndim for a in axes)
    if s is None:
        s = [shape[a] for a in axes]
        if kind == "irfft":
            s[-1] = 2 * (shape[axes[-1]] - 1)
    return axes, tuple(int(n) for n in s)


def fft_apply(t, kind, s=None, axes=None, norm=None, /):
    """The transform itself, applied to a (co)tangent `t` (1-D forms: s=n, axes=axis)."""
    axes_, s_ = _plan(np.shape(t), kind, s, axes)
    return _FN[kind](t, s=s_, axes=axes_, norm=norm)


def _fit(x, axis, n):
    """x cropped or zero-padded to length n along axis (NumPy's treatment of n=)."""
    m = x.shape[axis]
    if m >= n:
        return np.take(x, np.arange(n), axis=axis)
    pad = [(0, 0)] * x.ndim
    pad[axis] = (0, n - m)
    return np.pad(x, pad)


def _c2r_weights(n, axis, ndim):
    """Weights of the half spectrum in a real inverse transform: 1 at 0 (and n/2), else 2."""
    w = np.full(n // 2 + 1, 2.0)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = w.size
    return w.reshape(shape)


def fft_adjoint(g, x, kind, s=None, axes=None, norm=None, /):
    """Cotangent of the input `x` of a transform from the cotangent `g` of its output
    (the transpose, see the module docstring); real for a real `x`."""
    axes_, s_ = _plan(np.shape(x), kind, s, axes)
    shape = np.shape(x)
    g = np.asarray(0.0 if g is None else g)
    if g.ndim == 0:           # a scalar zero cotangent: zeros of the output's shape
        out_shape = list(shape)
        for axis, n in zip(axes_, s_):
            out_shape[axis] = n
        if kind == "rfft":
            out_shape[axes_[-1]] = s_[-1] // 2 + 1
        g = np.broadcast_to(g, out_shape)
    if kind in ("fft", "ifft"):
        out = _FN[kind](g, s=s_, axes=axes_, norm=norm)
    elif kind == "rfft":      # the half spectrum's rows: pad the cotangent, transform
        last, n = axes_[-1], s_[-1]
        if len(axes_) > 1:
            g = np.fft.fftn(g, s=s_[:-1], axes=axes_[:-1], norm=norm)
        out = np.fft.fft(_fit(g, last, n), n=n, axis=last, norm=norm)
    else:                     # irfft: the real parts of the half spectrum, weighted
        last, n = axes_[-1], s_[-1]
        out = np.fft.ifft(np.real(g), n=n, axis=last, norm=norm)
        out = _fit(out, last, n // 2 + 1) * _c2r_weights(n, last, out.ndim)
        if len(axes_) > 1:
            out = np.fft.ifftn(out, s=s_[:-1], axes=axes_[:-1], norm=norm)
    for axis in axes_:
        out = _fit(out, axis, shape[axis])
    if not np.iscomplexobj(x):
        out = np.real(out)
    dtype = np.result_type(x) if np.issubdtype(np.result_type(x), np.inexact) else np.float64
    return out.astype(dtype)


def phase(x):
    """x / |x| (0 at 0) for complex x; sign(x) for real x (the derivative of |x|)."""
    if not np.iscomplexobj(x):
        return np.sign(x)
    size = np.abs(x)
    return np.where(size == 0, 0, x / np.where(size == 0, 1, size))


def phase_jvp(t, x, /):
    """Tangent of phase(x) along t: i p Im(conj(p) t) / |x| (0 for real x)."""
    t = 0.0 if t is None else t           # None: a zero (co)tangent
    if not np.iscomplexobj(x):
        return np.zeros_like(t) if np.ndim(t) else 0.0 * t
    p, size = phase(x), np.abs(x)
    return 1j * p * np.imag(np.conj(p) * t) / np.where(size == 0, np.inf, size)


def phase_vjp(g, x, /):
    """Cotangent of x from phase(x)'s cotangent g: i conj(p) Im(g p) / |x| (0 for real x);
    phase_jvp and phase_vjp are each other's transposes."""
    g = 0.0 if g is None else g
    if not np.iscomplexobj(x):
        return np.zeros_like(x, dtype=np.result_type(x, 0.0)) * np.real(g)
    p, size = phase(x), np.abs(x)
    return 1j * np.conj(p) * np.imag(g * p) / np.where(size == 0, np.inf, size)


def imag_vjp(g, x, /):
    """Cotangent of x from np.imag(x)'s cotangent g: -i g (0 for real x)."""
    g = 0.0 if g is None else g
    if not np.iscomplexobj(x):
        return np.zeros_like(np.real(g)) if np.ndim(g) else 0.0 * np.real(g)
    return -1j * np.asarray(g)


def refuse_complex_curvature(t, x, /):
    """Zero for real x; complex x: third derivatives of |z| are not implemented."""
    if np.iscomplexobj(x):
        raise NonDifferentiableError(
            "third-order derivatives of np.abs (and of the helpers of its derivative) at "
            "complex values are not supported; take at most second derivatives of |z|, "
            "or write |z| as np.sqrt(np.real(z)**2 + np.imag(z)**2)")
    return np.zeros_like(t) if np.ndim(t) else 0.0 * t
