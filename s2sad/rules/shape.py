"""Shape manipulation, joining, splitting and reordering (functions and ndarray methods).

All are linear: the tangent applies the same operation to the tangent, and the
cotangent applies the adjoint (helpers in s2sad/runtime/shape.py).
"""
import numpy as np

from .. import runtime
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
if hasattr(np, "row_stack"):      # np.vstack's deprecated alias (NumPy < 2.5)
    _linear((np.row_stack,), "tup", "np.vstack(dtup)", "rt.stacked_vjp(g, tup, 'vstack')",
            param="tup")
for _fn in (np.split, np.array_split):
    _linear((_fn,), "ary, indices_or_sections, axis=0",
            f"np.{_fn.__name__}(dary, indices_or_sections, axis)",
            f"rt.split_vjp(g, ary, {_fn.__name__!r}, (indices_or_sections, axis))", param="ary")
for _fn in (np.hsplit, np.vsplit, np.dsplit):
    _linear((_fn,), "ary, indices_or_sections",
            f"np.{_fn.__name__}(dary, indices_or_sections)",
            f"rt.split_vjp(g, ary, {_fn.__name__!r}, (indices_or_sections,))", param="ary")
for _n, _fn in enumerate((np.atleast_1d, np.atleast_2d, np.atleast_3d), 1):
    _linear((_fn,), "*arys", f"rt.atleast(darys, {_n})", f"rt.atleast_vjp(g, arys, {_n})",
            param="arys")
_linear((np.broadcast_arrays,), "*args", "rt.broadcast_all(dargs)",
        "rt.broadcast_arrays_vjp(g, args)", param="args")

# Inserting and deleting (helpers in runtime/insertion.py: each pair transposes the other).
_linear((np.delete,), "arr, obj, axis=None",
        "np.delete(darr, obj, axis)", "rt.delete_vjp(g, arr, obj, axis)", param="arr")


def _linear_in_first(fn, signature, jvp, vjp, shape_only):
    """A helper linear in its first parameter; the `shape_only` ones give it shapes."""
    first = signature.split(",")[0]
    defrule(fn, signature, jvp={first: jvp, **{n: "rt.zeros_like(ans)" for n in shape_only}},
            vjp={first: vjp, **{n: f"rt.zeros_like({n})" for n in shape_only}})


for _fn, _part, _vjp, _args in (
        (np.append, runtime.append_part, runtime.append_vjp, "arr, values, axis"),
        (np.insert, runtime.insert_part, runtime.insert_vjp, "arr, obj, values, axis")):
    _into_arr = {"arr": "True", "values": "False"}
    defrule(_fn, f"{_args}=None",
            jvp={p: f"rt.{_part.__name__}(d{p}, {_args}, {a})" for p, a in _into_arr.items()},
            vjp={p: f"rt.{_vjp.__name__}(g, {_args}, {a})" for p, a in _into_arr.items()})
    _args += ", into_arr"
    _linear_in_first(_part, f"t, {_args}", f"rt.{_part.__name__}(dt, {_args})",
                     f"rt.{_vjp.__name__}(g, {_args})", ("arr", "values"))
    _linear_in_first(_vjp, f"ct, {_args}", f"rt.{_vjp.__name__}(dct, {_args})",
                     f"rt.{_part.__name__}(g, {_args})", ("arr", "values"))
_linear_in_first(runtime.delete_vjp, "ct, arr, obj, axis=None",
                 "rt.delete_vjp(dct, arr, obj, axis)", "np.delete(g, obj, axis)", ("arr",))
# `np.r_[a, b]` and `np.c_[a, b]` (resolve.py makes them calls of rt.r_ and rt.c_).
for _fn, _vjp in ((runtime.r_, runtime.r_vjp), (runtime.c_, runtime.c_vjp)):
    _linear((_fn,), "index", f"rt.{_fn.__name__}(dindex)", f"rt.{_vjp.__name__}(g, index)",
            param="index")
    _linear_in_first(_vjp, "ct, index", f"rt.{_vjp.__name__}(dct, index)",
                     f"rt.{_fn.__name__}(g)", ("index",))

# Indexing by integer arrays.
_linear((np.take, method("take")), "a, indices, axis=None, out=None, mode='raise'",
        "np.take(da, indices, axis=axis, mode=mode)", "rt.take_vjp(g, a, indices, axis, mode)")
_linear((np.take_along_axis,), "arr, indices, axis=-1",
        "np.take_along_axis(darr, indices, axis)",
        "rt.take_along_axis_vjp(g, arr, indices, axis)", param="arr")
