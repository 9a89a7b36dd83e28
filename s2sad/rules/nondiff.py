"""Non-differentiable NumPy functions: their derivative is zero wherever it exists
(rounding, comparisons, predicates, indices, shapes, constant constructors, draws
without floating parameters).  No derivative code is emitted for them."""
import numpy as np

from .core import NONDIFF, method, nondiff

# Rounding and sign: piecewise constant.
nondiff(np.floor, np.ceil, np.trunc, np.rint, np.round, np.around, np.fix, np.sign,
        np.heaviside, np.floor_divide, np.spacing)

# Comparisons and predicates: boolean results.
nondiff(np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
        np.isnan, np.isfinite, np.isinf, np.isneginf, np.isposinf, np.isclose, np.allclose,
        np.array_equal, np.array_equiv, np.logical_and, np.logical_or, np.logical_not,
        np.logical_xor, np.signbit, np.iscomplex, np.isreal, np.iscomplexobj, np.isrealobj,
        np.isscalar, np.all, np.any, np.isin)

# Indices and counts: integer results.
nondiff(np.argmax, np.argmin, np.nanargmax, np.nanargmin, np.argsort, np.argpartition,
        np.argwhere, np.nonzero, np.flatnonzero, np.count_nonzero, np.searchsorted,
        np.digitize, np.lexsort, np.unravel_index, np.ravel_multi_index)

# Integer and bitwise arithmetic.
nondiff(np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift,
        np.right_shift, np.gcd, np.lcm)

# Shapes and types.
nondiff(np.shape, np.ndim, np.size, np.result_type, np.broadcast_shapes, np.can_cast,
        np.promote_types, np.issubdtype)

# Constructors whose values do not depend on any floating argument.
nondiff(np.zeros, np.ones, np.empty, np.zeros_like, np.ones_like, np.empty_like, np.eye,
        np.identity, np.tri, np.indices, np.diag_indices, np.tril_indices, np.triu_indices)

# Random draws without floating parameters, and the generator's state.
_DRAWS = (np.random.rand, np.random.randn, np.random.random, np.random.random_sample,
          np.random.randint, np.random.standard_normal, np.random.standard_exponential,
          np.random.seed, np.random.get_state, np.random.set_state)
nondiff(*_DRAWS)
NONDIFF.update({fn: f"numpy.random.{fn.__name__}" for fn in _DRAWS})

# ndarray methods and attributes with integer, boolean or metadata results.
nondiff(*(method(name) for name in ("argmax", "argmin", "argsort", "nonzero", "any", "all",
                                    "round", "searchsorted", "shape", "ndim", "size",
                                    "dtype", "itemsize", "nbytes")))
