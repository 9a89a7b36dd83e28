"""The namespace `rt` that generated code calls: every runtime helper, as `rt.<name>`.

Derivative code, the terms of the rules in `s2sad.rules` (strings such as
`"rt.sum_vjp(g, a, axis, keepdims)"`) and the transforms all reach the helpers
through this namespace, so each name imported below is part of that contract:
removing or renaming one breaks generated code.  The helpers live in modules by
concern:

- `common`: dtypes, shapes, indices and cotangent casting shared by the others;
- `core`: (co)tangent bookkeeping, containers and call-time checks;
- `constructors`, `elementwise`, `linalg`, `norms`, `reductions`, `shape`: the
  helpers of the rules of the same topic in `s2sad.rules`.

This package imports neither `s2sad.rules` nor any other part of s2sad but
`s2sad.errors`.
"""
from .common import float_dtype, is_basic_index, safe_ratio, unbroadcast
from .core import (accumulate, add_at, add_at_inplace, appended, appended_inplace,
                   build_dict, build_dict_from, cast_like, check_finite, concat_items,
                   copy_of, dict_values, list_cotangent, match_shape, plus, plus_jvp,
                   plus_vjp, refuse_in_place, refuse_repetition, repeat_items,
                   repeat_items_vjp, setitem, setitem_inplace, setitem_value_vjp,
                   without_last, without_last_inplace, zeros_like)
from .constructors import (arange_start_jvp, arange_start_vjp, arange_step_jvp,
                           arange_step_vjp, array_jvp, array_vjp, linspace_jvp,
                           linspace_vjp, reduce_to)
from .elementwise import (builtin_extremum_jvp, builtin_extremum_vjp, clip_da, clip_dhi,
                          clip_dlo, copysign_dx, dist_jvp, dist_vjp, fdiv, finite_mask,
                          fmax_weight, hypot_jvp, hypot_vjp, iter_sum_jvp, iter_sum_vjp,
                          log_dbase, log_dx, max_weight, pow_dx, pow_dy, prod_iter_jvp,
                          prod_iter_vjp, sign, sinc_dx, where_mask)
from .linalg import (cholesky_jvp, cholesky_vjp, cross_vjp, det_jvp, det_vjp, dot_vjp_a,
                     dot_vjp_b, eigh_jvp, eigh_vjp, eigvalsh_jvp, eigvalsh_vjp, inner_vjp,
                     inv_vjp, kron_vjp, matmul_vjp_a, matmul_vjp_b, outer_vjp, pinv_jvp,
                     pinv_vjp, slogdet_jvp, slogdet_vjp, solve_jvp_a, solve_vjp_a,
                     solve_vjp_b, tensordot_vjp, vdot_vjp)
from .norms import einsum_jvp, einsum_vjp, norm_jvp, norm_vjp
from .reductions import (average_jvp_a, average_jvp_w, average_vjp_a, average_vjp_w,
                         cumprod_jvp, cumprod_vjp, cumsum_vjp, extremum_jvp, extremum_vjp,
                         mean_vjp, median_jvp, median_vjp, nanmean_jvp, nanmean_vjp,
                         nansum_jvp, nansum_vjp, prod_jvp, prod_vjp, ptp_jvp, ptp_vjp,
                         std_jvp, std_vjp, sum_vjp, var_jvp, var_vjp)
from .shape import (apply, atleast_vjp, axes_arg, broadcast_arrays_vjp, concatenate_vjp,
                    diag_vjp, diagonal_vjp, diff_vjp, getitem_vjp, item_jvp, item_vjp,
                    pad_constant_jvp, pad_constant_vjp, pad_jvp, pad_vjp, ravel_jvp,
                    ravel_vjp, repeat_vjp, reshape_vjp, roll_vjp, shape_arg, sort_jvp,
                    sort_vjp, split_vjp, stack_vjp, stacked_vjp, take_along_axis_vjp,
                    take_vjp, tile_vjp, trace_vjp, transpose_vjp)
