"""The namespace `rt` that generated code calls: every runtime helper, as `rt.<name>`.

Derivative code, the terms of the rules in `s2sad.rules` (strings such as
`"rt.sum_vjp(g, a, axis, keepdims)"`) and the transforms all reach the helpers
through this namespace, so each name imported below is part of that contract:
removing or renaming one breaks generated code.  The helpers live in modules by
concern:

- `calculus`: of np.diff's edges, np.partition, np.gradient, np.trapezoid;
- `signal`: of np.convolve, np.correlate, np.interp, np.meshgrid, multi_dot;
- `covariance`: of np.cov and np.corrcoef;
- `fft`: numpy.fft's transforms and their transposes, |z| of complex values;
- `common`: dtypes, shapes, indices and cotangent casting shared by the others;
- `core`: (co)tangent bookkeeping, containers and call-time checks;
- `strong`: products where a zero factor wins over inf and nan (forward-mode code);
- `constructors`, `decompositions`, `elementwise`, `linalg`, `norms`, `reductions`, `shape`: the
  helpers of the rules of the same topic in `s2sad.rules` (`insertion`: of np.append,
  np.insert, np.delete, np.r_ and np.c_, in rules/shape.py); `random_draws`: the
  draws of generator objects (`rs.normal(m, s)`, in rules/constructors.py); `scipy_special` and
  `ode_adjoint` of the optional SciPy rules;
- `numpy_more`: np.ediff1d, np.vander, polynomials, vector_norm's ord;
- `order_stats`: quantiles, percentiles, nanmedian, nanvar;
- `snapshots`: the snapshots of checkpointed loops (reverse mode with checkpoint=).

This package imports neither `s2sad.rules` nor any other part of s2sad but
`s2sad.errors`.
"""
from .calculus import (edge_part, edge_place, gradient_adjoint, gradient_apply, join_edges,
                       partition_jvp, partition_vjp, trapezoid_step, trapezoid_x_vjp,
                       trapezoid_y_vjp)
from .covariance import cov_vjp, cov_weights_refused, cross_cov
from .common import float_dtype, is_basic_index, safe_ratio, unbroadcast
from .core import (accumulate, term_cotangent, add_at, add_at_inplace, appended, appended_inplace,
                   build_dict, build_dict_from, cast_like, check_finite, check_type_is,
                   concat_items,
                   copy_of, dict_values, list_cotangent, match_shape, plus, plus_jvp,
                   plus_vjp, refuse_dict_loop, refuse_in_place, refuse_repetition, repeat_items,
                   repeat_items_vjp, setitem, setitem_inplace, setitem_value_vjp,
                   without_last, without_last_inplace, zeros_like)
from .random_draws import (generator_exponential, generator_gumbel, generator_laplace,
                           generator_logistic, generator_lognormal, generator_normal,
                           generator_uniform)
from .snapshots import (checkpoint_bounds, checkpoint_final, checkpoint_restore,
                        checkpoint_save, checkpoint_segments, checkpoint_store,
                        checkpoint_verify)
from .constructors import (arange_start_jvp, arange_start_vjp, arange_step_jvp,
                           arange_step_vjp, array_jvp, array_vjp, linspace_jvp,
                           linspace_vjp, reduce_to)
from .decompositions import (block_upper, block_upper_vjp_a, cho_factor_of,
                             cho_factor_of_vjp, copy_lower, copy_lower_vjp, eig_real,
                             lstsq_check, other_triangle, qr_reduced,
                             residuals_like, residuals_like_vjp, solve_matrix,
                             solve_matrix_vjp, svd_embed, svd_reduced, svd_select,
                             trans_flag, transposed_if, triangle_mask, triangular_matrix, unit_columns_vjp,
                             upper_right, upper_right_vjp, uplo)
from .elementwise import (builtin_extremum_jvp, builtin_extremum_vjp, clip_da, clip_dhi,
                          clip_dlo, copysign_dx, diff_items, fdiv, finite_mask, fmax_weight,
                          hypot_jvp, hypot_vjp, iter_sum_jvp, iter_sum_vjp, log_dbase, log_dx,
                          max_weight, pow_dx, pow_dy, sign, sinc_dx, where_mask)
from .fft import (fft_adjoint, fft_apply, imag_vjp, phase, phase_jvp, phase_vjp,
                  refuse_complex_curvature)
from .insertion import (append_part, append_vjp, c_, c_vjp, delete_vjp, insert_part,
                        insert_vjp, r_, r_vjp)
from .linalg import (as_matrix, det_jvp, det_vjp, dot_vjp_a, dot_vjp_b, eig_gaps,
                     from_matrix, matmul_vjp_a, matmul_vjp_b, minor_rows, minor_rows_vjp,
                     product_of, product_vjp, slogdet_jvp, slogdet_vjp, sym_from_triangle,
                     triangle_of)
from .norms import (einsum_base, einsum_patterns, einsum_patterns_vjp, einsum_shift,
                    norm_exponent, norm_power, norm_weights, spectral_grad, spectral_grad_jvp,
                    spectral_third)
from .numpy_more import (ediff1d_jvp, ediff1d_vjp, poly_tail, polyder_vjp, polyint_vjp,
                         vander_deriv, vector_norm_ord)
from .order_stats import nanvar_jvp, nanvar_vjp, quantile_jvp, quantile_method, quantile_vjp
from .reductions import (average_weights, average_weights_vjp, cumprod_jvp, cumprod_vjp,
                         cumsum_vjp, extremum_jvp, extremum_vjp, mean_vjp, median_jvp,
                         median_vjp, nanmean_jvp, nanmean_vjp, nansum_jvp, nansum_vjp,
                         prod_jvp, prod_vjp, product_factors, product_factors_vjp, ptp_jvp,
                         ptp_vjp, sum_vjp, var_jvp, var_vjp)
from .shape import (atleast, atleast_vjp, axes_arg, broadcast_all, broadcast_arrays_vjp,
                    concatenate_vjp, diag_vjp, diagonal_vjp, diff_vjp, getitem_vjp, item_jvp,
                    item_vjp, pad_constant_jvp, pad_constant_vjp, pad_jvp, pad_vjp, ravel_jvp,
                    ravel_vjp, repeat_vjp, reshape_vjp, roll_vjp, shape_arg, sort_jvp,
                    sort_vjp, split_pieces, split_vjp, stack_vjp, stacked, stacked_vjp,
                    take_along_axis_vjp, take_vjp, tile_vjp, trace_vjp, transpose_vjp)
from .strong import strong_mul, tangent_div, tangent_mul, tangent_product
from .signal import (conv_adjoint, edge_value_tangent, interp_fp_vjp, interp_slope,
                     interp_slope_vjp, meshgrid_apply, meshgrid_vjp, multi_dot_subscripts,
                     select_jvp, select_vjp)
from .scipy_special import HAVE_SCIPY

if HAVE_SCIPY:       # the helpers of the optional scipy.special rules
    from .decompositions import expm, sqrtm  # noqa: F401
    from .scipy_special import bessel, lse_weights, multipolygamma, polygamma  # noqa: F401
    from .ode_adjoint import (ode_refuse, odeint_jvp, odeint_vjp,  # noqa: F401
                              solve_ivp_y, solve_ivp_y_jvp, solve_ivp_y_vjp)
    from .scipy_stats import dirichlet_alpha, gammaln, mvn_cov  # noqa: F401
