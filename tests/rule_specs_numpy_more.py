"""Specs (see tests/rule_specs.py) of the numpy.fft rules, the complex-value rules
(np.abs, np.real, np.imag, np.conjugate), np.diff's edges, np.partition, np.row_stack,
and their runtime helpers.  Appended to rule_specs.SPECS by `extend(add)`.

The arguments are real, as s2sad's are; complex values appear as the outputs of the
transforms (checked under the cotangent convention of s2sad/runtime/fft.py) and as
the (constant) complex arguments of the helpers.
"""
from __future__ import annotations

import numpy as np

from s2sad.rules import method
from s2sad.runtime import calculus as _rc, fft as _rf


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
