"""Products and numpy.linalg (real arrays)."""
import numpy as np

from .core import defrule, method


def _bilinear(keys, signature, jvp_a, jvp_b, vjp_a, vjp_b, names=("a", "b")):
    a, b = names
    for key in keys:
        defrule(key, signature, jvp={a: jvp_a, b: jvp_b}, vjp={a: vjp_a, b: vjp_b})


_bilinear((np.matmul,), "a, b", "np.matmul(da, b)", "np.matmul(a, db)",
          "rt.matmul_vjp_a(g, a, b)", "rt.matmul_vjp_b(g, a, b)")
_bilinear((np.dot, method("dot")), "a, b, out=None", "np.dot(da, b)", "np.dot(a, db)",
          "rt.dot_vjp_a(g, a, b)", "rt.dot_vjp_b(g, a, b)")
_bilinear((np.vdot,), "a, b", "np.vdot(da, b)", "np.vdot(a, db)",
          "rt.vdot_vjp(g, b, a)", "rt.vdot_vjp(g, a, b)")
_bilinear((np.inner,), "a, b", "np.inner(da, b)", "np.inner(a, db)",
          "rt.inner_vjp(g, a, b, True)", "rt.inner_vjp(g, b, a, False)")
_bilinear((np.outer,), "a, b, out=None", "np.outer(da, b)", "np.outer(a, db)",
          "rt.outer_vjp(g, a, b, True)", "rt.outer_vjp(g, b, a, False)")
_bilinear((np.tensordot,), "a, b, axes=2", "np.tensordot(da, b, axes)",
          "np.tensordot(a, db, axes)", "rt.tensordot_vjp(g, a, b, axes, True)",
          "rt.tensordot_vjp(g, a, b, axes, False)")
_bilinear((np.kron,), "a, b", "np.kron(da, b)", "np.kron(a, db)",
          "rt.kron_vjp(g, a, b, True)", "rt.kron_vjp(g, b, a, False)")
_bilinear((np.cross,), "a, b", "np.cross(da, b)", "np.cross(a, db)",
          "rt.cross_vjp(g, a, b, True)", "rt.cross_vjp(g, b, a, False)")

defrule(np.einsum, "subscripts, *operands",
        jvp={"operands": "rt.einsum_jvp(subscripts, doperands, operands)"},
        vjp={"operands": "rt.einsum_vjp(g, subscripts, operands)"})

defrule(np.linalg.inv, "a",
        jvp={"a": "-np.matmul(np.matmul(ans, da), ans)"},
        vjp={"a": "rt.inv_vjp(g, ans)"})
defrule(np.linalg.det, "a",
        jvp={"a": "rt.det_jvp(da, a)"},
        vjp={"a": "rt.det_vjp(g, a)"})
defrule(np.linalg.slogdet, "a",
        jvp={"a": "rt.slogdet_jvp(da, a, ans)"},
        vjp={"a": "rt.slogdet_vjp(g, a)"})
defrule(np.linalg.solve, "a, b",
        jvp={"a": "rt.solve_jvp_a(da, a, b, ans)", "b": "np.linalg.solve(a, db)"},
        vjp={"a": "rt.solve_vjp_a(g, a, b, ans)", "b": "rt.solve_vjp_b(g, a, b)"})
defrule(np.linalg.cholesky, "a",
        jvp={"a": "rt.cholesky_jvp(da, ans)"},
        vjp={"a": "rt.cholesky_vjp(g, a, ans)"})
defrule(np.linalg.eigh, "a, UPLO='L'",
        jvp={"a": "rt.eigh_jvp(da, ans, UPLO)"},
        vjp={"a": "rt.eigh_vjp(g, a, ans, UPLO)"})
defrule(np.linalg.eigvalsh, "a, UPLO='L'",
        jvp={"a": "rt.eigvalsh_jvp(da, a, UPLO)"},
        vjp={"a": "rt.eigvalsh_vjp(g, a, UPLO)"})
defrule(np.linalg.pinv, "a, rcond=None, hermitian=False",
        jvp={"a": "rt.pinv_jvp(da, a, ans)"},
        vjp={"a": "rt.pinv_vjp(g, a, ans)"})
