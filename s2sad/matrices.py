"""Jacobians and Hessians assembled from products: one JVP per input element, one
VJP per output element, one Hessian-vector product per input element.

Arguments may be pytrees (floats and arrays in nested tuples, lists and dicts), as
in JAX: a Jacobian has the structure of the argument, each leaf of shape
`out.shape + leaf.shape`; the Hessian block of arguments (i, j) has the structure
of argument i holding, at each leaf a, the structure of argument j whose leaf b is
of shape `a.shape + b.shape`.  The products come in as functions, so this module
knows nothing of how they are computed.
"""
from __future__ import annotations

import numpy as np


def leaves(x) -> list:
    """The leaves of a (nested) tuple/list/dict, in order."""
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in leaves(item)]
    if isinstance(x, dict):
        return [leaf for item in x.values() for leaf in leaves(item)]
    return [x]


def rebuild(x, new_leaves):
    """`x`'s structure with its leaves replaced, in order, by `new_leaves` (consumed)."""
    if isinstance(x, (tuple, list)):
        items = [rebuild(item, new_leaves) for item in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return {k: rebuild(v, new_leaves) for k, v in x.items()}
    return new_leaves.pop(0)


def _float_dtype(leaf):
    return np.result_type(leaf, np.float32)


def basis(x):
    """(leaf number, tangent) for every element of every leaf of `x`: the tangent is
    `x`'s structure with 1 at that element and 0 elsewhere."""
    xs = leaves(x)
    for n, leaf in enumerate(xs):
        for index in np.ndindex(np.shape(leaf)):
            parts = [np.zeros(np.shape(v), _float_dtype(v)) if np.ndim(v) else
                     _zero_scalar(v) for v in xs]
            if np.ndim(leaf):
                parts[n][index] = 1
            else:
                parts[n] = _zero_scalar(leaf) + 1
            yield n, rebuild(x, parts)


def _zero_scalar(v):
    return type(v)(0) if isinstance(v, np.generic) else 0.0


def _block(entries, shape_in, shape_out, like):
    """Stack `entries` (one per element of an input leaf of shape `shape_in`, each of
    shape `shape_out`) into an array of shape `shape_out + shape_in`."""
    array = np.stack([np.asarray(e) for e in entries], axis=-1)
    return _like_leaf(array.reshape(tuple(shape_out) + tuple(shape_in)), like)


def _like_leaf(array, leaf):
    """A block; a scalar one (a scalar output's derivative with respect to a scalar
    leaf) of the leaf's type, as in JAX: a Python float for a float, a NumPy scalar for
    a NumPy scalar, a 0-d array for a 0-d array."""
    if array.ndim or isinstance(leaf, np.ndarray):
        return array
    return array[()] if isinstance(leaf, np.generic) else float(array)


def _is_tree(value) -> bool:
    return isinstance(value, (tuple, list, dict))


def jacobian_forward(x, column):
    """(out, [the Jacobian of each leaf of `out(x)`]) from `column(tangent) -> (out,
    J @ tangent)` (see `assemble`)."""
    xs, columns, out = leaves(x), {}, None
    for n, tangent in basis(x):
        out, dout = column(tangent)
        columns.setdefault(n, []).append(leaves(dout))
    outs = leaves(out)
    per_output = [rebuild(x, [_block([c[a] for c in columns[n]], np.shape(leaf),
                                     np.shape(outs[a]), leaf)
                              if columns.get(n) else np.zeros(np.shape(outs[a]) + np.shape(leaf))
                              for n, leaf in enumerate(xs)])
                  for a in range(len(outs))]
    return out, per_output


def jacobian_reverse(x, out, row):
    """(out, [the Jacobian of each leaf of `out(x)`]) from `row(cotangent) ->
    cotangent of x` (one VJP per output element; see `assemble`)."""
    xs, outs, rows = leaves(x), leaves(out), {}
    for a, seed in basis(out):
        rows.setdefault(a, []).append(leaves(row(seed)))
    per_output = []
    for a, o in enumerate(outs):
        blocks = []
        for n, leaf in enumerate(xs):
            got = [np.asarray(r[n]) for r in rows.get(a, [])]
            array = np.stack(got) if got else np.zeros((0,))
            blocks.append(_like_leaf(array.reshape(np.shape(o) + np.shape(leaf)), leaf))
        per_output.append(rebuild(x, blocks))
    return out, per_output


def assemble(out, per_argument: list, single: bool):
    """The Jacobian from `(out, per_output)` of each argument (`jacobian_forward`,
    `jacobian_reverse`): as in JAX, the output's structure on the outside (when it is a
    tuple/list/dict), then the tuple of arguments when there are several."""
    n_outputs = len(per_argument[0])
    per_output = [per_argument[0][a] if single else tuple(p[a] for p in per_argument)
                  for a in range(n_outputs)]
    return rebuild(out, per_output) if _is_tree(out) else per_output[0]


def hessian_blocks(values, positions, hvp):
    """{(i, j): block} for the argument positions `positions` (see the module
    docstring), from `hvp(j, tangent) -> H @ tangent` (one entry per argument, with
    the tangent at argument j and zeros elsewhere)."""
    products = {}
    for j in positions:
        for n, tangent in basis(values[j]):
            products.setdefault((j, n), []).append(hvp(j, tangent))
    blocks = {}
    for i in positions:
        for j in positions:
            rows = []
            for a, leaf_i in enumerate(leaves(values[i])):
                row = []
                for b, leaf_j in enumerate(leaves(values[j])):
                    entries = [leaves(p[i])[a] for p in products.get((j, b), [])]
                    row.append(_block(entries, np.shape(leaf_j), np.shape(leaf_i), leaf_i)
                               if entries else np.zeros(np.shape(leaf_i) + np.shape(leaf_j)))
                rows.append(rebuild(values[j], row))
            blocks[i, j] = rebuild(values[i], rows)
    return blocks
