"""Gradient checking: s2sad's derivatives against finite differences and each other.

`check_grads(f, args)` differentiates `f` with respect to its float arguments (Python
floats, NumPy float scalars and arrays; ints and bools are held constant) and checks:
forward mode, `s2sad.jvp` along a random unit direction v against the central
difference (f(x + hv) - f(x - hv)) / 2h; reverse mode, `s2sad.vjp` with a random
cotangent w by <v, J^T w> = <w, FD(v)>, with one cotangent per argument (None for
int/bool ones); both modes, the dot-product test |<w, Jv> - <v, J^T w>| <= 1e-10
(sum|w Jv| + sum|v J^T w|) (1e-4 in float32).  Primal outputs must equal f(*args),
derivatives must have the shape and dtype of their primal, arguments stay unmutated.

Differences run in float64 (float32 arguments are cast up for the reference only),
step h = eps64^(1/3) max(1, ||x||) or `eps`.  Those at h and h/4 must agree to 1e-6,
else the direction is redrawn and at last the point is reported ill-conditioned.
Comparisons are norm-wise, ||a - b|| <= rtol max(||a||, ||b||) + atol: rtol 1e-5
(2e-3 with float32 values), atol the FD round-off 50 eps64 ||f(x)|| / h (+ 1e-6
||f(x)|| in float32).  Failures raise AssertionError naming the function, mode,
arguments, analytic and numeric values.
"""
from __future__ import annotations

import inspect
import math

import numpy as np

__all__ = ["check_grads", "numerical_jvp"]

_EPS64 = float(np.finfo(np.float64).eps)
_GATE_RTOL, _TRIES = 1e-6, 4
# by the narrowest float itemsize: (FD rtol, dot-product rtol, primal rtol)
_TOLS = {8: (1e-5, 1e-10, 1e-12), 4: (2e-3, 1e-4, 1e-5), 2: (1e-2, 1e-2, 1e-2)}


def _is_float(a) -> bool:
    """A differentiable value: a Python float, NumPy float scalar or float array."""
    return isinstance(a, (float, np.floating)) or (
        isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating))


def _leaves(tree) -> list:
    """The leaves of a tree of tuples, lists and dicts (dicts in key order)."""
    if isinstance(tree, dict):
        tree = list(tree.values())
    return [x for t in tree for x in _leaves(t)] if isinstance(tree, (tuple, list)) else [tree]


def _map(fn, tree, *rest):
    """Apply `fn` leaf-wise over trees of the same structure (tuples, lists, dicts;
    the result keeps the structure of `tree`, named tuples included)."""
    if isinstance(tree, dict):
        return {k: _map(fn, tree[k], *(r[k] for r in rest)) for k in tree}
    if isinstance(tree, (tuple, list)):
        items = [_map(fn, *parts) for parts in zip(tree, *rest)]
        if hasattr(tree, "_fields"):
            return type(tree)(*items)
        return type(tree)(items) if type(tree) in (tuple, list) else tuple(items)
    return fn(tree, *rest)


def _has_float(tree) -> bool:
    return any(_is_float(x) for x in _leaves(tree))


def _like(values, x):
    """`values` given the kind of `x`: array of its dtype and shape, NumPy scalar or float."""
    if isinstance(x, np.ndarray):
        out = np.empty_like(x)            # keeps x's memory layout (C or Fortran order)
        out[...] = np.asarray(values, dtype=x.dtype).reshape(x.shape)
        return out
    return x.dtype.type(values) if isinstance(x, np.generic) else float(values)


def _vec(tree, like=None) -> np.ndarray:
    """All leaves as one float64 vector; None leaves count as zeros shaped like `like`."""
    refs = _leaves(tree if like is None else like)
    parts = [np.zeros(np.size(r)) if t is None else np.asarray(t, np.float64).ravel()
             for t, r in zip(_leaves(tree), refs)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _itemsize(trees) -> int:
    return min((np.result_type(x).itemsize for t in trees for x in _leaves(t) if _is_float(x)),
               default=8)


def _fmt(tree) -> str:
    def one(x):
        if x is None:
            return "None"
        x = np.asarray(x, np.float64)
        text = np.array2string(x.ravel(), precision=8, threshold=12, separator=", ",
                               max_line_width=10**6)
        return f"{text} (shape {x.shape})" if x.ndim > 1 else text
    return ", ".join(one(x) for x in _leaves(tree))


def _fail(f, what, text):
    raise AssertionError(f"check_grads({getattr(f, '__qualname__', f)}): {what}: {text}")


def _arg_names(f, n):
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind < p.VAR_POSITIONAL]
    except (TypeError, ValueError):
        params = []
    return [f"argument {params[i]!r} (position {i})" if i < len(params) else f"argument {i}"
            for i in range(n)]


def _step(args) -> float:
    norm = np.linalg.norm(_vec([a for a in _leaves(args) if _is_float(a)]))
    return _EPS64 ** (1 / 3) * max(1.0, float(norm))


def numerical_jvp(f, args, tangents, eps=None):
    """Central difference (f(x + h t) - f(x - h t)) / 2h of `f` at `args`, in float64.

    `tangents`: one per argument (None for constant ones); `eps`: the step h (default
    eps64^(1/3) max(1, ||x||)).  Float32 arguments are cast up first.  Returns float64
    values with the output's tuple structure."""
    args = _map(lambda a: a.astype(np.float64) if isinstance(a, np.ndarray) and _is_float(a)
                else np.float64(a) if isinstance(a, np.floating) else a, tuple(args))
    h = _step(args) if eps is None else float(eps)

    def at(s):
        return f(*(a if t is None else
                   _map(lambda a, t: _like(np.asarray(a, np.float64) + s * np.asarray(t, np.float64),
                                           a) if t is not None and _is_float(a) else a, a, t)
                   for a, t in zip(args, tangents)))
    return _map(lambda p, m: (np.asarray(p, np.float64) - np.asarray(m, np.float64)) / (2 * h),
                at(h), at(-h))


def _draw(rng, tree, unit=True):
    """Random normals like the float leaves of `tree` (None elsewhere); unit norm if `unit`."""
    raw = _map(lambda a: rng.standard_normal(np.shape(a)) if _is_float(a) else None, tree)
    norm = math.sqrt(sum(float(np.sum(r * r)) for r in _leaves(raw) if r is not None))
    return _map(lambda r, a: None if r is None else _like(r / (norm if unit else 1.0), a),
                raw, tree)


def _only(v, args, i):
    """The tangent `v` restricted to argument i (zeros for the other float ones)."""
    return tuple(t if j == i or t is None else
                 _map(lambda a: _like(np.zeros(np.shape(a)), a) if _is_float(a) else None, a)
                 for j, (t, a) in enumerate(zip(v, args)))


def _setup(f, args, rtol, atol, eps, seed):
    """f(*args), step, tolerances and a random direction passing the step gate."""
    args, rng = tuple(args), np.random.default_rng(seed)
    snapshot = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    if not _has_float(args):
        raise ValueError(f"check_grads: {getattr(f, '__name__', f)} has no float argument")
    fx = f(*args)
    h = _step(args) if eps is None else float(eps)
    size, scale = _itemsize([args, fx]), float(np.linalg.norm(_vec(fx)))
    rtol = _TOLS.get(size, _TOLS[2])[0] if rtol is None else rtol
    if atol is None:
        # round-off of the differences (relative to f), and an absolute floor for
        # points where f and its derivative vanish (only truncation error remains)
        atol = 50 * _EPS64 * scale / h + (1e-6 * scale if size < 8 else 0.0) + 1e-12
    for _ in range(_TRIES):
        v = _draw(rng, args)
        fd = numerical_jvp(f, args, v, h)
        d1, d4 = _vec(fd), _vec(numerical_jvp(f, args, v, h / 4))
        gap, big = float(np.linalg.norm(d1 - d4)), max(np.linalg.norm(d1), np.linalg.norm(d4))
        negligible = big <= 1e-10 * max(1.0, scale)      # a zero derivative at this point
        if negligible or gap <= _GATE_RTOL * big + 1e3 * _EPS64 * scale / h:
            return args, fx, h, size, rtol, atol, rng, v, fd, snapshot
    _fail(f, "ill-conditioned point", f"central differences at h={h:.3g} and h/4 disagree (by "
          f"{gap / max(big, 1e-300):.2g} relative) in {_TRIES} directions: a kink, branch or jump "
          f"within ~{h:.1e}, or bad scaling?  Move the point or pass eps=")


def _check_like(f, mode, what, got, ref, floats_only=True):
    """`got` has the structure of `ref`, and each leaf its shape and dtype."""
    structure = [_map(lambda _: "*", x) for x in (got, ref)]
    if structure[0] != structure[1]:
        _fail(f, mode, f"{what} has structure {structure[0]}, expected {structure[1]}")
    for k, (t, r) in enumerate(zip(_leaves(got), _leaves(ref))):
        kind = lambda x: f"shape {np.shape(x)} dtype {np.result_type(x)}"  # noqa: E731
        if (_is_float(r) or not floats_only) and (t is None or kind(t) != kind(r)):
            _fail(f, mode, f"{what} {k} has {'None' if t is None else kind(t)}, expected {kind(r)}")


def _check_primal(f, mode, out, fx, size):
    _check_like(f, mode, "primal output", out, fx, floats_only=False)
    a, b = _vec(out), _vec(fx)
    if np.linalg.norm(a - b) > _TOLS[size][2] * max(np.linalg.norm(a), np.linalg.norm(b)):
        _fail(f, mode, f"the primal output differs from f(*args)\n  transformed: {_fmt(out)}\n"
                       f"  f(*args):    {_fmt(fx)}")


def _unmutated(f, args, snapshot):
    for i, (a, s) in enumerate(zip(args, snapshot)):
        if isinstance(a, np.ndarray) and not np.array_equal(a, s, equal_nan=True):
            _fail(f, "mutation", f"{_arg_names(f, len(args))[i]} was mutated")


def _localize(f, args, mode, summary, line_of):
    """Fail with `summary` plus one line per float argument that fails on its own."""
    names = _arg_names(f, len(args))
    lines = [f"  {names[i]}: {line}" for i, a in enumerate(args) if _has_float(a)
             for line in [line_of(i)] if line]
    _fail(f, mode, summary + "\n" + ("\n".join(lines) or "  (no argument fails on its own)"))


def _check_jvp(f, jvp_fn, args, *, rtol=None, atol=None, eps=None, seed=0):
    """Forward-mode check of `jvp_fn(primals, tangents) -> (out, tangent_out)`."""
    args, fx, h, size, rtol, atol, _, v, fd, snapshot = _setup(f, args, rtol, atol, eps, seed)
    out, tan = jvp_fn(args, v)
    _check_primal(f, "forward mode", out, fx, size)
    _check_like(f, "forward mode", "tangent output", tan, fx)

    def error(t, fdt):
        a, b = _vec(t, fx), _vec(fdt)
        return np.linalg.norm(a - b), rtol * max(np.linalg.norm(a), np.linalg.norm(b)) + atol

    err, tol = error(tan, fd)
    if err > tol:
        def line_of(i):
            vi = _only(v, args, i)
            ti, fi = jvp_fn(args, vi)[1], numerical_jvp(f, args, vi, h)
            ei, toli = error(ti, fi)
            return ei > toli and (f"error {ei:.3g}\n    analytic JVP: {_fmt(ti)}\n"
                              f"    numeric JVP:  {_fmt(fi)}")
        _localize(f, args, "forward mode", f"the JVP along a random direction differs from "
                  f"central differences by {err:.3g} (norm-wise)\n  analytic JVP: {_fmt(tan)}\n"
                  f"  numeric JVP:  {_fmt(fd)}", line_of)
    _unmutated(f, args, snapshot)


def _check_cotangents(f, cts, args):
    names, mode = _arg_names(f, len(args)), "reverse mode"
    if not isinstance(cts, tuple) or len(cts) != len(args):
        _fail(f, mode, f"the pullback must return a tuple of {len(args)} cotangents (one per "
                       f"argument), got {cts!r:.200}")
    for i, (c, a) in enumerate(zip(cts, args)):
        if isinstance(a, (bool, int, np.bool_, np.integer)) and c is not None:
            _fail(f, mode, f"{names[i]} is an int/bool held constant; its cotangent must be "
                           f"None, got {c!r:.100}")
        if _has_float(a):
            _check_like(f, mode, f"cotangent of {names[i]}", c, a)


def _project(v, cts):
    """<v, cts> over the float arguments, with the two vectors."""
    vv = _vec([t for t in v if t is not None])
    cv = _vec([c for t, c in zip(v, cts) if t is not None])
    return float(vv @ cv), vv, cv


def _check_vjp(f, vjp_fn, args, *, rtol=None, atol=None, eps=None, seed=0):
    """Reverse-mode check of `vjp_fn(*primals) -> (out, pullback)` against <w, FD(v)>."""
    args, fx, h, size, rtol, atol, rng, v, fd, snapshot = _setup(f, args, rtol, atol, eps, seed)
    w = _draw(rng, fx, unit=False)
    out, pullback = vjp_fn(*args)
    _check_primal(f, "reverse mode", out, fx, size)
    cts = pullback(w)
    _check_cotangents(f, cts, args)
    wv = _vec(w, fx)
    nw = np.linalg.norm(wv)

    def compare(vs, fds):
        a, vv, cv = _project(vs, cts)
        b = float(wv @ _vec(fds))
        tol = (rtol * (nw * np.linalg.norm(_vec(fds)) + np.linalg.norm(vv) * np.linalg.norm(cv))
               + atol * nw)
        return f"<v, vjp(w)> = {a:.10g} but <w, numeric jvp(v)> = {b:.10g}", abs(a - b) > tol

    text, bad = compare(v, fd)
    if bad:
        def line_of(i):
            vi = _only(v, args, i)
            text_i, bad_i = compare(vi, numerical_jvp(f, args, vi, h))
            return bad_i and f"{text_i}\n    analytic cotangent: {_fmt(cts[i])}"
        _localize(f, args, "reverse mode", text + " for random v, w", line_of)
    _unmutated(f, args, snapshot)


def _check_dot(f, jvp_fn, vjp_fn, args, *, seed=0):
    """The dot-product test <w, Jv> = <v, J^T w> between forward and reverse mode."""
    args, rng = tuple(args), np.random.default_rng(seed)
    fx = f(*args)
    v, w = _draw(rng, args), _draw(rng, fx, unit=False)
    tan, cts = jvp_fn(args, v)[1], vjp_fn(*args)[1](w)
    _check_cotangents(f, cts, args)
    wv, tv = _vec(w, fx), _vec(tan, fx)
    b, vv, cv = _project(v, cts)
    a = float(wv @ tv)
    scale = float(np.sum(np.abs(wv * tv)) + np.sum(np.abs(vv * cv)))
    if abs(a - b) > _TOLS.get(_itemsize([args, fx]), _TOLS[2])[1] * scale + 1e-300:
        _fail(f, "forward and reverse mode disagree (dot-product test)",
              f"<w, jvp(v)> = {a:.16g} but <v, vjp(w)> = {b:.16g} for random v, w "
              f"(relative {abs(a - b) / max(scale, 1e-300):.2g})\n  jvp(v): {_fmt(tan)}\n"
              f"  vjp(w): {_fmt(cts)}")


def check_grads(f, args, modes=("forward", "reverse"), *, rtol=None, atol=None, eps=None,
                seed=0):
    """Check s2sad's derivatives of `f` at `args` in `modes` (see the module docstring).

    `rtol`/`atol` override the norm-wise tolerances, `eps` the finite-difference step,
    `seed` the random directions.  Raises AssertionError on a wrong derivative."""
    import s2sad
    modes = (modes,) if isinstance(modes, str) else tuple(modes)
    if not modes or set(modes) - {"forward", "reverse"}:
        raise ValueError(f"modes must be 'forward' and/or 'reverse', got {modes!r}")
    jvp_fn = lambda primals, tangents: s2sad.jvp(f, primals, tangents)  # noqa: E731
    vjp_fn = lambda *primals: s2sad.vjp(f, *primals)  # noqa: E731
    opts = dict(rtol=rtol, atol=atol, eps=eps, seed=seed)
    if "forward" in modes:
        _check_jvp(f, jvp_fn, args, **opts)
    if "reverse" in modes:
        _check_vjp(f, vjp_fn, args, **opts)
    if "forward" in modes and "reverse" in modes:
        _check_dot(f, jvp_fn, vjp_fn, args, seed=seed + 1)
