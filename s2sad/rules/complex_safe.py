"""Which rules hold at complex values, and the check that refuses the others.

Under the cotangent convention of s2sad/runtime/fft.py (c = dL/du - i dL/dv), a rule
written for real values also holds at complex values when the function is holomorphic
in its differentiable arguments (products, sums, exp, log, ...) or linear (reshaping,
indexing, reductions by sums, transforms).  The rules below are those; the rules of
np.abs, np.real, np.imag and np.conjugate are written for complex values.  Any other
rule (np.linalg.norm, np.vdot, np.sign, np.maximum, ...) called with a complex
argument is refused where the derivative is generated, instead of a wrong derivative.
The runtime helpers are not checked: only the rules above call them with complex values.
The check sees complex values by their kinds (or constants): a value whose kind is
unknown when the derivative is generated (say, a product with a global array of another
shape than the example's) is not recognised.
"""
from __future__ import annotations

import operator

import numpy as np

from .. import prims
from ..errors import NonDifferentiableError
from ..ir_nodes import Const
from .core import display_name, method

_OPERATORS = (operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
              operator.pos, operator.pow, operator.matmul, operator.getitem)
_NUMPY = ("add subtract multiply divide true_divide negative positive square reciprocal power "
          "float_power exp expm1 exp2 log log1p log2 log10 sqrt sin cos tan sinh cosh tanh "
          "arcsin arccos arctan arcsinh arccosh arctanh conjugate real imag abs absolute sum "
          "mean cumsum diff reshape ravel transpose swapaxes moveaxis expand_dims squeeze "
          "broadcast_to concatenate stack hstack vstack dstack column_stack atleast_1d "
          "atleast_2d atleast_3d flip fliplr flipud roll rot90 tile repeat take "
          "take_along_axis diagonal diag trace tril triu matmul dot inner outer tensordot "
          "einsum kron array asarray asanyarray ascontiguousarray copy pad where "
          "polyval").split()
_METHODS = ("real imag conj sum mean cumsum reshape ravel flatten transpose T swapaxes "
            "squeeze copy take diagonal trace dot repeat astype").split()
_FFT = ("fft ifft rfft irfft fft2 ifft2 rfft2 irfft2 fftn ifftn rfftn irfftn fftshift "
        "ifftshift").split()

SAFE = frozenset(_OPERATORS + tuple(getattr(np, n) for n in _NUMPY if hasattr(np, n))
                 + tuple(method(n) for n in _METHODS) + tuple(getattr(np.fft, n) for n in _FFT)
                 + (prims.BUILD_TUPLE, prims.BUILD_LIST))


def _is_complex(kind) -> bool:
    if kind is None:
        return False
    if kind.tag == "array":
        return kind.dtype is not None and np.dtype(kind.dtype).kind == "c"
    return kind.tag in ("tuple", "list", "listof", "tupleof") and any(map(_is_complex, kind.items))


def _complex_atom(atom) -> bool:
    """A value known to be complex: by its kind, or a constant's value."""
    if isinstance(atom, tuple):
        return any(map(_complex_atom, atom))
    if isinstance(atom, Const) and np.iscomplexobj(atom.value):
        return True
    return _is_complex(getattr(atom, "kind", None))


def _helper(key) -> bool:
    return (getattr(key, "__module__", None) or "").startswith("s2sad.")


def check(key, eqn) -> None:
    """Refuse a derivative of `key` (a rule's key) at the equation `eqn` when one of its
    values is complex and the rule does not hold there (see the module docstring)."""
    if key in SAFE or _helper(key):
        return
    # the inputs: an output's kind comes from running the function on examples, and
    # a real function can give a complex value there (scipy.linalg.sqrtm of a singular
    # example matrix); rules whose real inputs can give complex values refuse them when
    # they run
    atoms = list(eqn.args) + list(eqn.kwargs.values())
    if any(map(_complex_atom, atoms)):
        name = display_name(key)
        raise NonDifferentiableError(
            f"'{name}' is called with complex values here, and its derivative rule holds for "
            "real values only", eqn.loc,
            fix="write the step with functions whose derivatives hold at complex values "
                "(np.abs, np.real, np.imag, np.conj, products, sums, exp, log, np.fft), e.g. "
                "np.sqrt(np.sum(np.abs(z) ** 2)) for np.linalg.norm(z)")


def check_nondiff(key, eqn) -> None:
    """Refuse the zero derivative of a non-differentiable function (np.sign) whose
    complex argument is active and whose output is complex: sign(z) = z/|z| varies."""
    if any(map(_complex_atom, list(eqn.args))) and any(map(_complex_atom, eqn.outs)):
        raise NonDifferentiableError(
            f"'{display_name(key)}' is non-differentiable for real values, but is called "
            "here with complex values, where its derivative is not zero", eqn.loc,
            fix="write it with np.abs and division (np.sign(z) is z / np.abs(z)), or wrap "
                "the argument in s2sad.stop_gradient(...)")
