"""Specs (see tests/rule_specs.py) of the numpy.fft rules, the complex-value rules
(np.abs, np.real, np.imag, np.conjugate), np.diff's edges, np.partition, np.row_stack,
np.gradient, np.trapezoid, np.convolve, np.correlate, np.interp, np.polyval, np.meshgrid,
np.linalg.multi_dot, np.select, np.cov, np.corrcoef, and their runtime helpers.  Appended to rule_specs.SPECS by `extend(add)`.

The arguments are real, as s2sad's are; complex values appear as the outputs of the
transforms (checked under the cotangent convention of s2sad/runtime/fft.py) and as
the (constant) complex arguments of the helpers.
"""
from __future__ import annotations

import numpy as np

from s2sad.rules import method
from s2sad.runtime import calculus as _rc, covariance as _rcov, fft as _rf, signal as _rs


def _complex(*shape):
    return lambda rng: rng.normal(size=shape) + 1j * rng.normal(size=shape)


def extend(add, A, C, F, L):
    """Append the specs with `add` and the argument makers of tests/rule_specs.py."""
    for kind in ("fft", "ifft", "rfft", "irfft"):
        one, two, many = (getattr(np.fft, kind + s) for s in ("", "2", "n"))
        add(one, A((6,)))
        add(one, A((5,)), C(8), label="-n")
        add(one, A((4, 3)), C(4), C(0), C("ortho"), label="-axis")
        add(one, A((3, 6)), n=5, norm="forward")
        add(two, A((3, 4)))
        add(two, A((3, 4)), s=(4, 6), norm="ortho")
        add(many, A((2, 3, 4)))
        add(many, A((2, 3, 4)), s=(3, 4), axes=(0, 2), norm="forward")
    for fn in (np.fft.fftshift, np.fft.ifftshift):
        add(fn, A((5,)))
        add(fn, A((4, 3)), axes=0)
    z = F(_complex(5), "c5")
    # the helpers: real (co)tangents; the primal x of an inverse transform is complex
    for kind, shape, out, s, axes in (("fft", (5,), (5,), None, -1), ("rfft", (6,), (5,), 8, -1),
                                      ("irfft", (2, 4), (3, 6), (3, 6), (0, 1)),
                                      ("ifft", (4, 3), (3, 3), 3, 0)):
        add(_rf.fft_apply, A(shape), C(kind), C(s), C(axes), C("ortho"))
        x = A(shape) if kind in ("rfft", "fft") else F(_complex(*shape), f"c{shape}")
        add(_rf.fft_adjoint, A(out), x, C(kind), C(s), C(axes), C("ortho"), wrt=("t",))
    add(np.abs, A((4,), "nonzero"), label="-real")
    add(np.real, A((3,)))
    add(np.imag, A((3,)))
    add(np.conjugate, A((2, 3)))
    add(_rf.phase, A((4,), "nonzero"))
    add(_rf.phase_jvp, A((5,)), z, wrt=("t",))
    add(_rf.phase_vjp, A((5,)), z, wrt=("t",))
    add(_rf.phase_jvp, A((3,)), A((3,), "nonzero"))
    add(_rf.imag_vjp, A((5,)), z, wrt=("t",))
    add(_rf.imag_vjp, A((3,)), A((3,)))
    add(np.diff, A((5,)), prepend=0.5, append=2.0)
    add(np.diff, A((3, 4)), C(2), C(1), A((3, 1)), A((3, 1)), label="-edges")
    add(np.diff, A((3, 4)), C(1), C(0), A((1, 4)), label="-prepend")
    add(_rc.join_edges, A((3, 4)), A((3, 1)), C(None), C(1))
    add(_rc.join_edges, A((4,)), A(None), A((2,)), C(0))
    for which in ("a", "prepend", "append"):
        add(_rc.edge_part, A((3, 6)), A((3, 4)), A((3, 1)), A(()), C(1), C(which),
            wrt=("t",))
        add(_rc.edge_place, A({"a": (3, 4), "prepend": (3, 1), "append": ()}[which]), A((3, 4)),
            A((3, 1)),
            A(()), C(1), C(which), wrt=("t",))
    add(np.partition, A((5,)), C(2))
    add(np.partition, A((4, 3)), C((0, 2)), C(0))
    add(np.partition, A((2, 3)), C(3), C(None))
    add(_rc.partition_jvp, A((4, 3)), A((4, 3)), C(1), C(0))
    add(_rc.partition_vjp, A((6,)), A((2, 3)), C(4), C(None))
    if hasattr(np, "row_stack"):
        add(np.row_stack, L(A((3,)), A((2, 3))))
    add(np.abs, A((2, 2), "nonzero"))
    for name in ("real", "imag", "conj"):
        add(method(name), A((2, 3)))

    _more_specs(add, A, C, F, L)


XP = np.array([-1.0, 0.0, 0.7, 1.5])
_X_OFF_KNOTS = np.array([-1.4, -0.5, 0.3, 1.1, 1.9])     # outside, inside, never on a knot


def _more_specs(add, A, C, F, L):
    """np.gradient, np.trapezoid and the rules of s2sad/rules/signal.py."""
    xp = C(XP, "xp")
    add(np.gradient, A((5,)))
    add(np.gradient, A((3, 4)), C(0.5), C(np.array([0.0, 0.4, 1.0, 1.2]), "coords"))
    add(np.gradient, A((3, 4)), axis=1, edge_order=2)
    add(np.gradient, A((4, 3)), C(2.0), axis=(0,))
    add(_rc.gradient_apply, A((3, 4)), C((0.5,)), C(None), C(2))
    add(_rc.gradient_adjoint, L(A((3, 4)), A((3, 4)), kind=tuple), A((3, 4)), C(()), C(None),
        C(1), wrt=("t",))
    add(_rc.gradient_adjoint, A((4,)), A((4,)), C((0.3,)), C(0), C(2), wrt=("t",))
    trapz = getattr(np, "trapezoid", None) or getattr(np, "trapz")
    add(trapz, A((5,)))
    add(trapz, A((3, 4)), C(None), C(0.5), C(0))
    add(trapz, A((3, 4)), A((4,)))
    add(trapz, A((3, 4)), A((3, 4)), axis=1)
    add(trapz, A((4, 3)), A((4,)), axis=0)
    add(_rc.trapezoid_y_vjp, A((3,)), A((3, 4)), A((4,)), C(1.0), C(1))
    add(_rc.trapezoid_y_vjp, A((4,)), A((3, 4)), C(None), C(0.5), C(0), wrt=("t",))
    add(_rc.trapezoid_x_vjp, A((3,)), A((3, 4)), A((4,)), C(1))
    add(_rc.trapezoid_x_vjp, A((4,)), A((3, 4)), A((3, 4)), C(0))
    for mode in ("full", "same", "valid"):
        add(np.convolve, A((5,)), A((3,)), C(mode))
        add(np.correlate, A((3,)), A((5,)), C(mode))
    add(np.convolve, A((4,)), A((4,)))
    add(np.correlate, A((5,)), A((2,)))
    add(_rs.conv_adjoint, A((7,)), A((3,)), C(5), C("full"))
    add(_rs.conv_adjoint, A((3,)), A((5,)), C(3), C("valid"))
    add(_rs.conv_adjoint, A((5,)), A((3,)), C(5), C("same"))
    x = F(lambda rng: _X_OFF_KNOTS.copy(), "x5")
    add(np.interp, x, xp, A((4,)))
    add(np.interp, x, xp, A((4,)), C(0.0), C(1.0))
    add(np.interp, F(lambda rng: 0.3, "0.3"), xp, A((4,)))
    add(np.interp, A((5,), "unit"), xp, A((4,)), wrt=("x",))
    for helper in (_rs.interp_slope, _rs.interp_fp_vjp, _rs.interp_slope_vjp):
        first = () if helper is _rs.interp_slope else (A((5,)),)
        add(helper, *first, x, xp, A((4,)))
        add(helper, *first, x, xp, A((4,)), C(0.0), C(None), wrt=first and ("t",) or ("fp",))
    add(_rs.interp_fp_vjp, A((5,)), A((5,), "unit"), xp, A((4,)), wrt=("t", "x"))
    add(np.polyval, A((4,)), A((3,)))
    add(np.polyval, A((3,)), A(None))
    add(np.polyval, L(A(None), A(None)), A((2, 2)))
    add(np.meshgrid, A((3,)), A((2,)))
    add(np.meshgrid, A((3,)), A((2,)), A((2,)), indexing="ij")
    add(np.meshgrid, A((3,)), A((2,)), sparse=True)
    add(_rs.meshgrid_apply, L(A((3,)), A((2,)), kind=tuple), C("xy"), C(False))
    add(_rs.meshgrid_vjp, L(A((2, 3)), A((2, 3)), kind=tuple), L(A((3,)), A((2,)), kind=tuple),
        C("xy"), C(False), wrt=("t",))
    add(np.linalg.multi_dot, L(A((2, 3)), A((3, 4)), A((4, 2))))
    add(np.linalg.multi_dot, L(A((3,)), A((3, 4)), A((4,))))
    add(np.linalg.multi_dot, L(A((2, 3)), A((3,))))
    conds = F(lambda rng: [np.array([True, False, False, True]), np.array([True, True, False, False])],
              "conds")
    add(np.select, conds, L(A((4,)), A((4,))), A((4,)))
    add(np.select, conds, L(A((4,)), A(None)))
    add(np.select, conds, L(A((2, 4)), A((1, 4))), A(None), label="-broadcast")
    add(_rs.select_jvp, L(A((4,)), A((4,))), conds, A((4,)))
    add(_rs.select_vjp, A((4,)), conds, L(A((4,)), A((4,))), A((4,)), wrt=("t",))
    add(np.cov, A((3, 5)))
    add(np.cov, A((5, 2)), rowvar=False, bias=True)
    add(np.cov, A((6,)), ddof=2)
    add(np.corrcoef, A((3, 5)))
    add(np.corrcoef, A((5, 2)), rowvar=False)
    add(_rcov.cross_cov, A((3, 5)), A((2, 5)))
    add(_rcov.cross_cov, A((5, 3)), A((5, 2)), C(False), C(True), C(None), C(True))
    add(_rcov.cov_vjp, A((3, 2)), A((3, 5)), A((2, 5)))
    add(_rcov.cov_vjp, A((2, 3)), A((5, 3)), A((5, 2)), C(False), C(False), C(0), C(True))
    add(_rcov.cov_weights_refused, C(None), C(None), A((2, 2)))
