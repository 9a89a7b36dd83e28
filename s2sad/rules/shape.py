"""Shape manipulation, joining, splitting and reordering (functions and ndarray methods).

All are linear: the tangent applies the same operation to the tangent, and the
cotangent applies the adjoint (helpers in s2sad/runtime/shape.py).
"""
import numpy as np

from .core import defrule, method


def _linear(keys, signature, jvp, vjp, param="a"):
    for key in keys:
        defrule(key, signature, jvp={param: jvp}, vjp={param: vjp})


_linear((np.reshape,), "a, shape=None, order='C'",
        "np.reshape(da, shape, order=order)", "rt.reshape_vjp(g, a, order)")
_linear((method("reshape"),), "a, *shape",
        "np.reshape(da, rt.shape_arg(shape))", "rt.reshape_vjp(g, a)")
_linear((np.ravel, method("ravel"), method("flatten")), "a, order='C'",
        "rt.ravel_jvp(da, a, order)", "rt.ravel_vjp(g, a, order)")
_linear((np.transpose,), "a, axes=None",
        "np.transpose(da, axes)", "rt.transpose_vjp(g, a, axes)")
_linear((method("transpose"),), "a, *axes",
        "np.transpose(da, rt.axes_arg(axes))",
        "rt.transpose_vjp(g, a, rt.axes_arg(axes))")
_linear((method("T"),), "a", "da.T", "g.T")
_linear((np.swapaxes, method("swapaxes")), "a, axis1, axis2",
        "np.swapaxes(da, axis1, axis2)", "np.swapaxes(g, axis1, axis2)")
_linear((np.moveaxis,), "a, source, destination",
        "np.moveaxis(da, source, destination)", "np.moveaxis(g, destination, source)")
_linear((np.expand_dims,), "a, axis",
        "np.expand_dims(da, axis)", "rt.reshape_vjp(g, a)")
_linear((np.squeeze, method("squeeze")), "a, axis=None",
        "np.squeeze(da, axis)", "rt.reshape_vjp(g, a)")
_linear((np.broadcast_to,), "array, shape, subok=False",
        "np.broadcast_to(darray, shape)", "rt.reduce_to(g, array)", param="array")
_linear((np.flip,), "m, axis=None", "np.flip(dm, axis)", "np.flip(g, axis)", param="m")
_linear((np.fliplr,), "m", "np.fliplr(dm)", "np.fliplr(g)", param="m")
_linear((np.flipud,), "m", "np.flipud(dm)", "np.flipud(g)", param="m")
_linear((np.rot90,), "m, k=1, axes=(0, 1)",
        "np.rot90(dm, k, axes)", "np.rot90(g, -k, axes)", param="m")
_linear((np.roll,), "a, shift, axis=None",
        "np.roll(da, shift, axis)", "rt.roll_vjp(g, shift, axis)")
_linear((np.tile,), "A, reps", "np.tile(dA, reps)", "rt.tile_vjp(g, A, reps)", param="A")
_linear((np.repeat, method("repeat")), "a, repeats, axis=None",
        "np.repeat(da, repeats, axis)", "rt.repeat_vjp(g, a, repeats, axis)")
_linear((np.diff,), "a, n=1, axis=-1",
        "np.diff(da, n, axis)", "rt.diff_vjp(g, a, n, axis)")
_linear((np.sort,), "a, axis=-1, kind=None, order=None",
        "rt.sort_jvp(da, a, axis)", "rt.sort_vjp(g, a, axis)")
_linear((np.diag,), "v, k=0", "np.diag(dv, k)", "rt.diag_vjp(g, v, k)", param="v")
_linear((np.diagonal, method("diagonal")), "a, offset=0, axis1=0, axis2=1",
        "np.diagonal(da, offset, axis1, axis2)",
        "rt.diagonal_vjp(g, a, offset, axis1, axis2)")
_linear((np.triu,), "m, k=0", "np.triu(dm, k)", "rt.reduce_to(np.triu(g, k), m)", param="m")
_linear((np.tril,), "m, k=0", "np.tril(dm, k)", "rt.reduce_to(np.tril(g, k), m)", param="m")
_linear((np.copy,), "a, order='K', subok=False", "np.copy(da)", "rt.reduce_to(g, a)")
_linear((method("copy"),), "a, order='C'", "rt.copy_of(da)", "rt.reduce_to(g, a)")
_linear((method("astype"),), "a, dtype, order='K', casting='unsafe', subok=True, copy=True",
        "np.asarray(da, dtype=rt.float_dtype(ans))", "rt.reduce_to(g, a)")
_linear((method("item"),), "a, *args", "rt.item_jvp(da, args)", "rt.item_vjp(g, a, args)")
defrule(np.pad, "array, pad_width, mode='constant', constant_values=0",
        jvp={"array": "rt.pad_jvp(darray, pad_width, mode)",
             "constant_values": "rt.pad_constant_jvp(dconstant_values, array, pad_width)"},
        vjp={"array": "rt.pad_vjp(g, array, pad_width, mode)",
             "constant_values": "rt.pad_constant_vjp(g, array, pad_width, constant_values)"})

# Joining and splitting: tuple arguments get tuple cotangents, list outputs tuple tangents.
_linear((np.concatenate,), "arrays, axis=0, out=None, dtype=None, casting='same_kind'",
        "np.concatenate(darrays, axis=axis)", "rt.concatenate_vjp(g, arrays, axis)",
        param="arrays")
_linear((np.stack,), "arrays, axis=0, out=None, dtype=None, casting='same_kind'",
        "np.stack(darrays, axis=axis)", "rt.stack_vjp(g, arrays, axis)", param="arrays")
for _fn in (np.vstack, np.hstack, np.dstack, np.column_stack):
    _linear((_fn,), "tup", f"np.{_fn.__name__}(dtup)",
            f"rt.stacked_vjp(g, tup, {_fn.__name__!r})", param="tup")
for _fn in (np.split, np.array_split):
    _linear((_fn,), "ary, indices_or_sections, axis=0",
            f"np.{_fn.__name__}(dary, indices_or_sections, axis)",
            f"rt.split_vjp(g, ary, np.{_fn.__name__}, indices_or_sections, axis)", param="ary")
for _fn in (np.hsplit, np.vsplit, np.dsplit):
    _linear((_fn,), "ary, indices_or_sections",
            f"np.{_fn.__name__}(dary, indices_or_sections)",
            f"rt.split_vjp(g, ary, np.{_fn.__name__}, indices_or_sections)", param="ary")
for _fn in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    _linear((_fn,), "*arys", f"rt.apply(np.{_fn.__name__}, darys)", "rt.atleast_vjp(g, arys)",
            param="arys")
_linear((np.broadcast_arrays,), "*args", "rt.apply(np.broadcast_arrays, dargs)",
        "rt.broadcast_arrays_vjp(g, args)", param="args")

# Indexing by integer arrays.
_linear((np.take, method("take")), "a, indices, axis=None, out=None, mode='raise'",
        "np.take(da, indices, axis=axis, mode=mode)", "rt.take_vjp(g, a, indices, axis, mode)")
_linear((np.take_along_axis,), "arr, indices, axis=-1",
        "np.take_along_axis(darr, indices, axis)",
        "rt.take_along_axis_vjp(g, arr, indices, axis)", param="arr")
