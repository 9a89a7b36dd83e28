"""Every corpus function through every mode.

* `check_grads` in forward and reverse mode (finite differences, dot-product test);
* for scalar-output functions, `grad` and `value_and_grad` in both modes over every
  form of `wrt` (position, name, tuple of positions, tuple of names): each gradient
  has its input's shape and dtype, matches finite differences, and the two modes agree.
"""
import inspect

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads, numerical_jvp

try:
    import corpus
except ImportError:  # collected as part of a `tests` package
    from tests import corpus

CASES = corpus.all_cases()
MODES = ("reverse", "forward")


def _is_float(a):
    return isinstance(a, (float, np.floating)) or (
        isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating))


def _scalar_output(case):
    out = case.fn(*case.args())
    return not isinstance(out, tuple) and np.ndim(out) == 0 and _is_float(out)


SCALAR_CASES = [c for c in CASES if _scalar_output(c)]


def _positions(case, args):
    if case.wrt is None:
        return tuple(i for i, a in enumerate(args) if _is_float(a))
    return (case.wrt,) if isinstance(case.wrt, int) else tuple(case.wrt)


def _names(case):
    return list(inspect.signature(case.fn).parameters)


def _rtol(args):
    return 1e-4 if any(_is_float(a) and np.result_type(a) != np.float64 for a in args) else 1e-9


def _assert_like_input(g, x, what):
    assert g is not None, f"{what}: gradient is None"
    assert np.shape(g) == np.shape(x), f"{what}: shape {np.shape(g)} != input's {np.shape(x)}"
    assert np.result_type(g) == np.result_type(x), \
        f"{what}: dtype {np.result_type(g)} != input's {np.result_type(x)}"
    assert isinstance(g, np.ndarray) == isinstance(x, np.ndarray), \
        f"{what}: gradient type {type(g).__name__} for an input of type {type(x).__name__}"
    assert np.all(np.isfinite(g)), f"{what}: non-finite gradient {g!r}"


def _assert_close(a, b, rtol, what):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    err = np.linalg.norm((a - b).ravel())
    tol = rtol * max(np.linalg.norm(a.ravel()), np.linalg.norm(b.ravel())) + 1e-12
    assert err <= tol, f"{what}: {a!r} vs {b!r} (error {err:.3g} > {tol:.3g})"


def _assert_matches_numerics(case, args, positions, grads, what):
    """<g, v> over the wrt arguments equals the directional finite difference along v."""
    rng = np.random.default_rng(7)
    tangents = [None] * len(args)
    for p in positions:
        tangents[p] = rng.standard_normal(np.shape(args[p]))
    analytic = sum(float(np.sum(np.asarray(g, np.float64) * tangents[p]))
                   for p, g in zip(positions, grads))
    numeric = float(numerical_jvp(case.fn, args, tangents))
    scale = sum(np.linalg.norm(np.ravel(g)) * np.linalg.norm(np.ravel(tangents[p]))
                for p, g in zip(positions, grads))
    tol = (1e-5 if _rtol(args) < 1e-6 else 2e-3) * scale + 1e-8
    assert abs(analytic - numeric) <= tol, \
        f"{what}: <grad, v> = {analytic!r} but finite differences give {numeric!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_check_grads(case):
    check_grads(case.fn, case.args(), modes=("forward", "reverse"))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", SCALAR_CASES, ids=[c.id for c in SCALAR_CASES])
def test_grad_every_wrt_form(case, mode):
    args = case.args()
    positions, names = _positions(case, args), _names(case)
    expected = f"{case.fn.__name__}{args!r}"
    singles = {}
    for p in positions:
        for wrt in (p, names[p]):
            what = f"grad(wrt={wrt!r}, mode={mode!r}) of {expected}"
            g = s2sad.grad(case.fn, wrt=wrt, mode=mode)(*args)
            _assert_like_input(g, args[p], what)
            if p in singles:
                _assert_close(g, singles[p], 1e-14, what + " vs the positional wrt")
            singles[p] = g
            _assert_matches_numerics(case, args, (p,), (g,), what)
    for wrt in (tuple(positions), tuple(names[p] for p in positions)):
        what = f"grad(wrt={wrt!r}, mode={mode!r}) of {expected}"
        value, grads = s2sad.value_and_grad(case.fn, wrt=wrt, mode=mode)(*args)
        _assert_close(value, case.fn(*args), 1e-12, what + ": the value")
        assert isinstance(grads, tuple) and len(grads) == len(positions), \
            f"{what}: expected a tuple of {len(positions)} gradients, got {grads!r}"
        for p, g in zip(positions, grads):
            _assert_like_input(g, args[p], f"{what}, argument {names[p]!r}")
            _assert_close(g, singles[p], _rtol(args), f"{what}, argument {names[p]!r} vs wrt={p}")
        _assert_matches_numerics(case, args, positions, grads, what)


@pytest.mark.parametrize("case", SCALAR_CASES, ids=[c.id for c in SCALAR_CASES])
def test_grad_forward_and_reverse_agree(case):
    args = case.args()
    positions, names = _positions(case, args), _names(case)
    reverse = s2sad.grad(case.fn, wrt=positions, mode="reverse")(*args)
    forward = s2sad.grad(case.fn, wrt=positions, mode="forward")(*args)
    for p, r, f in zip(positions, reverse, forward):
        _assert_close(f, r, _rtol(args),
                      f"{case.fn.__name__}: gradient w.r.t. {names[p]!r}, forward vs reverse")


def test_corpus_ids_are_unique_and_large_enough():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert len({c.fn for c in corpus.straight_line.CASES}) >= 40
    assert len({c.fn for c in corpus.control_flow.CASES}) >= 55
