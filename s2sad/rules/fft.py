"""numpy.fft, and np.abs, np.real, np.imag, np.conjugate on complex values.

Differentiable complex values are intermediate ones: arguments and outputs are real
(complex arguments are refused), e.g. `np.sum(np.abs(np.fft.rfft(x)) ** 2)` or
`np.real(np.fft.ifft(np.fft.fft(x) * h))`.  The cotangent convention and the adjoints
are in s2sad/runtime/fft.py.  Each transform is linear: its tangent is the transform
of the tangent (`rt.fft_apply`), its cotangent the transpose (`rt.fft_adjoint`), and
the two helpers are each other's transposes, so derivatives of every order close.
"""
import numpy as np

from ..runtime import fft as rt_fft
from .core import defrule, method, nondiff
from .runtime_rules import linear

_ONE_D = "a, n=None, axis=-1, norm=None, out=None"
_N_D = "a, s=None, axes={axes}, norm=None, out=None"

for _kind in ("fft", "ifft", "rfft", "irfft"):
    defrule(getattr(np.fft, _kind), _ONE_D,
            jvp={"a": f"rt.fft_apply(da, {_kind!r}, n, axis, norm)"},
            vjp={"a": f"rt.fft_adjoint(g, a, {_kind!r}, n, axis, norm)"})
    for _suffix, _axes in (("2", "(-2, -1)"), ("n", "None")):
        defrule(getattr(np.fft, _kind + _suffix), _N_D.format(axes=_axes),
                jvp={"a": f"rt.fft_apply(da, {_kind!r}, s, axes, norm)"},
                vjp={"a": f"rt.fft_adjoint(g, a, {_kind!r}, s, axes, norm)"})

defrule(np.fft.fftshift, "x, axes=None",
        jvp={"x": "np.fft.fftshift(dx, axes)"}, vjp={"x": "np.fft.ifftshift(g, axes)"})
defrule(np.fft.ifftshift, "x, axes=None",
        jvp={"x": "np.fft.ifftshift(dx, axes)"}, vjp={"x": "np.fft.fftshift(g, axes)"})

# the helpers: linear in their first argument, each other's transposes
linear(rt_fft.fft_apply, "t, kind, s=None, axes=None, norm=None",
       "rt.fft_adjoint(g, t, kind, s, axes, norm)")
linear(rt_fft.fft_adjoint, "t, x, kind, s=None, axes=None, norm=None",
       "rt.cast_like(rt.fft_apply(rt.cast_like(g, x), kind, s, axes, norm), t)", zero=("x",))

# complex values: |z|' = Re(conj(p) dz) with p = z/|z| (sign(x) for real x).  A real
# output's cotangent is real: np.real(g) drops what a complex consumer (|z| * z) adds.
defrule(np.abs, "x",
        jvp={"x": "np.real(np.conjugate(rt.phase(x)) * dx)"},
        vjp={"x": "rt.cast_like(np.real(g) * np.conjugate(rt.phase(x)), x)"})
defrule(rt_fft.phase, "x", jvp={"x": "rt.phase_jvp(dx, x)"}, vjp={"x": "rt.phase_vjp(g, x)"})
defrule(rt_fft.phase_jvp, "t, x",
        jvp={"t": "rt.phase_jvp(dt, x)", "x": "rt.refuse_complex_curvature(ans, x)"},
        vjp={"t": "rt.cast_like(rt.phase_vjp(g, x), t)",
             "x": "rt.refuse_complex_curvature(rt.zeros_like(x), x)"})
defrule(rt_fft.phase_vjp, "t, x",
        jvp={"t": "rt.phase_vjp(dt, x)", "x": "rt.refuse_complex_curvature(ans, x)"},
        vjp={"t": "rt.cast_like(rt.phase_jvp(g, x), t)",
             "x": "rt.refuse_complex_curvature(rt.zeros_like(x), x)"})
nondiff(rt_fft.refuse_complex_curvature)
linear(rt_fft.imag_vjp, "t, x", "rt.cast_like(np.imag(g), t)", zero=("x",))
for _keys, _name in (((np.real, method("real")), "real"), ((np.imag, method("imag")), "imag")):
    for _key in _keys:
        defrule(_key, "val", jvp={"val": f"np.{_name}(dval)"},
                vjp={"val": "rt.cast_like(np.real(g), val)" if _name == "real"
                     else "rt.imag_vjp(np.real(g), val)"})
defrule(np.conjugate, "x, out=None", jvp={"x": "np.conjugate(dx)"},
        vjp={"x": "rt.cast_like(np.conjugate(g), x)"})
defrule(method("conj"), "x", jvp={"x": "np.conjugate(dx)"},
        vjp={"x": "rt.cast_like(np.conjugate(g), x)"})
