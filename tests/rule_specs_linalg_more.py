"""Specs of the decomposition rules (np.linalg.svd, eig, eigvals, qr, lstsq,
matrix_power), of scipy.linalg and of math.gamma/lgamma, and of their runtime helpers
(tests/rule_specs.py calls `register` with its makers).

Inputs are drawn where the functions are smooth: random normal matrices have distinct,
nonzero singular values and full rank; `_real_spectrum` matrices have real, distinct
eigenvalues (1, 2, 3, ... in a random, well-conditioned basis); SPD matrices for
Cholesky factors and square roots.
"""
from __future__ import annotations

import math

import numpy as np

from s2sad import runtime as rt

try:
    import scipy.linalg as sl
except ImportError:  # pragma: no cover - SciPy is an optional dependency
    sl = None


def _real_spectrum(shape):
    def make(rng):
        n = shape[-1]
        p = np.eye(n) + 0.3 * rng.normal(size=shape)
        return np.matmul(p * np.arange(1.0, n + 1), np.linalg.inv(p))
    return make


def _spd(rng, n=3):
    b = rng.normal(size=(n, n))
    return b @ b.T + n * np.eye(n)


def register(add, A, C, F, L):
    """Append the specs with rule_specs' `add` and argument makers."""
    real3 = F(_real_spectrum((3, 3)), "realspec3x3")
    add(np.linalg.svd, A((3, 4)), full_matrices=False)
    add(np.linalg.svd, A((4, 3)), full_matrices=False)
    add(np.linalg.svd, A((3, 3)))
    add(np.linalg.svd, A((2, 4, 3)), full_matrices=False)
    add(np.linalg.svd, A((3, 4)), compute_uv=False)
    add(np.linalg.svd, A((2, 3, 2)), compute_uv=False)
    add(np.linalg.eig, real3)
    add(np.linalg.eig, F(_real_spectrum((2, 3, 3)), "realspec2x3x3"))
    add(np.linalg.eigvals, real3)
    add(np.linalg.qr, A((4, 3)))
    add(np.linalg.qr, A((3, 3)))
    add(np.linalg.qr, A((2, 4, 3)), mode="reduced")
    add(np.linalg.lstsq, A((5, 3)), A((5,)))
    add(np.linalg.lstsq, A((5, 3)), A((5, 2)), rcond=None)
    add(np.linalg.lstsq, A((3, 3), "square"), A((3,)))
    for n in (3, -2, 0, 1):
        add(np.linalg.matrix_power, A((3, 3), "square"), C(n))
    add(np.linalg.matrix_power, A((2, 3, 3)), C(2))

    add(rt.svd_reduced, A((3, 4)), C(False))
    add(rt.svd_reduced, A((3, 2)), C(True), C(False))
    three = L(A((3, 2)), A((2,)), A((2, 2)), kind=tuple)
    add(rt.svd_select, three, C(True))
    add(rt.svd_select, three, C(False))
    add(rt.svd_embed, A((2,)), three, C(False))
    add(rt.svd_embed, three, three, C(True))
    add(rt.eig_real, real3)
    add(rt.unit_columns_vjp, A((3, 3)), A((3, 3)))
    add(rt.qr_reduced, A((4, 3)))
    add(rt.copy_lower, A((3, 3)))
    add(rt.copy_lower_vjp, A((2, 3, 3)))
    add(rt.lstsq_check, A((4, 3)))
    add(rt.residuals_like, A((2,)), A((2,)))
    add(rt.residuals_like, A((2,)), C(np.zeros(0), "empty"))
    add(rt.residuals_like_vjp, A((2,)), A((2,)), A((2,)))
    add(rt.residuals_like_vjp, A((0,)), A((2,)), C(np.zeros(0), "empty"))
    add(rt.block_upper, A((3, 3)), A((3, 3)))
    add(rt.block_upper_vjp_a, A((2, 4, 4)))
    add(rt.upper_right, A((4, 4)))
    add(rt.upper_right_vjp, A((2, 2)))
    add(rt.transposed_if, A((2, 3)), C(True))
    add(rt.transposed_if, A((2, 3)), C(False))
    add(rt.triangle_mask, A((3, 3)), C(True))
    add(rt.triangle_mask, A((3, 3)), C(False), C(True))
    add(rt.triangular_matrix, A((3, 3)), C(False), C(True))
    add(rt.triangular_matrix, A((3, 3)), C(True))
    for args in ((C("sym"), C(True), C(False)), (C(None), C(False), C(True)),
                 (C("pos"), C(False), C(False))):
        add(rt.solve_matrix, A((3, 3)), *args)
        add(rt.solve_matrix_vjp, A((3, 3)), *args)
    for lower in (True, False):
        add(rt.cho_factor_of, A((3, 3)), C(lower))
        add(rt.cho_factor_of_vjp, A((3, 3)), C(lower))
        add(rt.other_triangle, A((3, 3)), C(lower))

    if sl is None:
        return
    add(math.gamma, A(None, "pos"), label="[scipy]")
    add(math.lgamma, A(None, "pos"), label="[scipy]")
    spd = F(_spd, "spd3x3")
    add(rt.expm, F(lambda rng: 0.5 * rng.normal(size=(3, 3)), "small3x3"))
    add(rt.sqrtm, spd)
    add(sl.cholesky, spd, label="[scipy]")
    add(sl.cholesky, spd, lower=True, label="[scipy]")
    add(sl.cho_factor, spd, label="[scipy]")
    add(sl.cho_factor, spd, lower=True, label="[scipy]")
    for lower in (False, True):
        factor = F(lambda rng, lo=lower: sl.cho_factor(_spd(rng), lower=lo)[0], f"factor{lower}")
        add(sl.cho_solve, L(factor, C(lower), kind=tuple), A((3,)), label="[scipy]")
        add(sl.cho_solve, L(factor, C(lower), kind=tuple), A((3, 2)), label="[scipy]")
    add(sl.solve_triangular, A((3, 3), "square"), A((3,)), label="[scipy]")
    add(sl.solve_triangular, A((3, 3), "square"), A((3, 2)), trans=1, lower=True,
        label="[scipy]")
    add(sl.solve_triangular, A((3, 3), "square"), A((3,)), trans="T", unit_diagonal=True,
        label="[scipy]")
    add(sl.solve, A((3, 3), "square"), A((3,)), label="[scipy]")
    add(sl.solve, A((3, 3), "square"), A((3, 2)), transposed=True, label="[scipy]")
    add(sl.solve, spd, A((3,)), assume_a="pos", lower=True, label="[scipy]")
    add(sl.inv, A((3, 3), "square"), label="[scipy]")
    add(sl.inv, spd, assume_a="sym", label="[scipy]")
    add(sl.det, A((3, 3)), float32=False, label="[scipy]")  # SciPy returns float64
    add(sl.expm, F(lambda rng: 0.5 * rng.normal(size=(3, 3)), "small3x3"), label="[scipy]")
    add(sl.expm, F(lambda rng: 0.5 * rng.normal(size=(2, 3, 3)), "small2x3x3"), label="[scipy]")
    add(sl.sqrtm, spd, label="[scipy]")
