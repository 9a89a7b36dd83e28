"""Rules for the runtime helpers of shape, joining, splitting and indexing rules (see
runtime_rules.py).  All are linear in the (co)tangent and each is its partner's adjoint;
the primal arguments they take give shapes, orders or indices only."""
from .. import runtime
from .core import defrule
from .runtime_rules import linear

linear(runtime.transpose_vjp, "t, a, axes=None", "np.transpose(g, axes)", zero=("a",))
linear(runtime.ravel_jvp, "t, a, order='C'", "rt.ravel_vjp(g, a, order)", zero=("a",))
linear(runtime.ravel_vjp, "t, a, order='C'", "rt.ravel_jvp(g, a, order)", zero=("a",))
linear(runtime.reshape_vjp, "t, a, order='C'", "rt.reshape_vjp(g, t, order)", zero=("a",))
linear(runtime.roll_vjp, "t, shift, axis=None", "np.roll(g, shift, axis)")
linear(runtime.tile_vjp, "t, A, reps", "rt.cast_like(np.tile(g, reps), t)", zero=("A",))
linear(runtime.repeat_vjp, "t, a, repeats, axis=None",
       "rt.cast_like(np.repeat(g, repeats, axis), t)", zero=("a",))
linear(runtime.diff_vjp, "t, a, n=1, axis=-1", "rt.cast_like(np.diff(g, n, axis), t)",
       zero=("a",))
linear(runtime.diag_vjp, "t, v, k=0", "rt.cast_like(np.diag(g, k), t)", zero=("v",))
linear(runtime.diagonal_vjp, "t, a, offset=0, axis1=0, axis2=1",
       "rt.cast_like(np.diagonal(g, offset, axis1, axis2), t)", zero=("a",))
linear(runtime.take_vjp, "t, a, indices, axis=None, mode='raise'",
       "rt.cast_like(np.take(g, indices, axis=axis, mode=mode), t)", zero=("a",))
linear(runtime.take_along_axis_vjp, "t, arr, indices, axis=-1",
       "rt.cast_like(np.take_along_axis(g, indices, axis), t)", zero=("arr",))
linear(runtime.item_jvp, "t, args", "rt.item_vjp(g, t, args)")
linear(runtime.item_vjp, "t, a, args", "rt.cast_like(rt.item_jvp(g, args), t)", zero=("a",))
# sort: a permutation by a's stable argsort (piecewise constant in a)
linear(runtime.sort_jvp, "t, a, axis=-1", "rt.sort_vjp(g, a, axis)", zero=("a",))
linear(runtime.sort_vjp, "t, a, axis=-1", "rt.cast_like(rt.sort_jvp(g, a, axis), t)",
       zero=("a",))
linear(runtime.pad_jvp, "t, pad_width, mode='constant'", "rt.pad_vjp(g, t, pad_width, mode)")
linear(runtime.pad_vjp, "t, array, pad_width, mode='constant'", "rt.pad_jvp(g, pad_width, mode)",
       zero=("array",))
linear(runtime.pad_constant_jvp, "t, array, pad_width",
       "rt.pad_constant_vjp(g, array, pad_width, t)", zero=("array",))
linear(runtime.pad_constant_vjp, "t, array, pad_width, c",
       "rt.cast_like(rt.pad_constant_jvp(g, array, pad_width), t)", zero=("array", "c"))

# Joining and splitting: tuples of pieces.
linear(runtime.concatenate_vjp, "t, arrays, axis=0",
       "rt.cast_like(np.concatenate(g, axis=axis), t)", zero=("arrays",))
linear(runtime.stack_vjp, "t, arrays, axis=0", "rt.cast_like(np.stack(g, axis=axis), t)",
       zero=("arrays",))
def _with_cotangent(fn, vjp, signature: str):
    """A helper linear in its first argument (a tuple of arrays, a list of pieces) and the
    helper of its cotangent (`vjp(t, *args)`): each is the other's adjoint."""
    names = [p.strip() for p in signature.split(",")]
    first, rest = names[0], "".join(f", {p}" for p in names[1:])
    defrule(fn, signature, jvp={first: f"rt.{fn.__name__}(d{first}{rest})"},
            vjp={first: f"rt.{vjp.__name__}(g, {', '.join(names)})"})
    linear(vjp, f"t, {signature}", f"rt.cast_like(rt.{fn.__name__}(g{rest}), t)", zero=(first,))


_with_cotangent(runtime.stacked, runtime.stacked_vjp, "tup, kind")
_with_cotangent(runtime.split_pieces, runtime.split_vjp, "ary, name, args")
_with_cotangent(runtime.broadcast_all, runtime.broadcast_arrays_vjp, "arrays")
_with_cotangent(runtime.atleast, runtime.atleast_vjp, "arys, n")
