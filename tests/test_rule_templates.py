"""Every rule's term strings, evaluated directly on the arguments of its specs.

For each spec the call is bound to the rule's signature the way the transforms bind
it, then the tangent terms and cotangent contributions are evaluated with `np`,
`math` and `rt` (s2sad.runtime) in scope, and checked:

1. the summed tangent has the output's shape and matches central finite differences
   along a random direction;
2. the dot-product test <w, J v> == <v, J^T w> holds between the two modes;
3. every cotangent contribution has its parameter's shape (tuples item by item) and
   a floating dtype (integer arguments never get integer cotangents);
4. float32 arguments give float32 tangents and cotangents.
"""
from __future__ import annotations

import numpy as np
import pytest

from s2sad.rules import RULES

try:
    import rule_specs
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs

SPECS = rule_specs.SPECS


# ---- structure helpers ---------------------------------------------------------------

def _leaves(x):
    if isinstance(x, dict):
        x = tuple(x.values())
    if isinstance(x, (tuple, list)):
        for item in x:
            yield from _leaves(item)
    else:
        yield x


def is_float(x) -> bool:
    """A float value, array, or a non-empty container of them."""
    if isinstance(x, dict):
        x = tuple(x.values())
    if isinstance(x, (tuple, list)):
        return bool(x) and all(is_float(item) for item in x)
    if isinstance(x, bool):
        return False
    if isinstance(x, float):
        return True
    return isinstance(x, (np.ndarray, np.generic)) and np.issubdtype(np.result_type(x),
                                                                     np.floating)


def flat(x) -> np.ndarray:
    """All leaves of a (nested) value as one float64 vector."""
    parts = [np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in _leaves(x)]
    return np.concatenate(parts) if parts else np.zeros(0)


def random_like(rng, x):
    """A random direction with x's structure, shapes and (float) dtypes."""
    if isinstance(x, dict):
        return {k: random_like(rng, v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return tuple(random_like(rng, item) for item in x)
    if isinstance(x, float) and not isinstance(x, np.generic):
        return float(rng.normal())
    dtype = np.result_type(x) if np.issubdtype(np.result_type(x), np.floating) else np.float64
    value = np.asarray(rng.normal(size=np.shape(x)), dtype=dtype)
    return value if isinstance(x, np.ndarray) else value[()]


def axpy(x, h, v):
    """x + h * v over a (nested) value, keeping containers and dtypes."""
    if isinstance(x, dict):
        return {k: axpy(x[k], h, v[k]) for k in x}
    if isinstance(x, (tuple, list)):
        return type(x)(axpy(a, h, b) for a, b in zip(x, v))
    if isinstance(x, np.ndarray):
        out = np.empty_like(x)          # same memory layout (ravel(order='A'/'K') reads it)
        out[...] = x + h * v
        return out
    out = x + h * v
    return out.astype(np.result_type(x)) if isinstance(x, np.generic) else out


def shapes(x):
    if isinstance(x, dict):
        return {k: shapes(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return tuple(shapes(item) for item in x)
    return np.shape(x)


def as_float32(x):
    if isinstance(x, dict):
        return {k: as_float32(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(as_float32(item) for item in x)
    if isinstance(x, (np.ndarray, np.generic)) and np.result_type(x) == np.float64:
        return x.astype(np.float32)
    return x


def _has_float32(x) -> bool:
    return any(isinstance(leaf, (np.ndarray, np.generic)) and np.result_type(leaf) == np.float32
               for leaf in _leaves(x))


# ---- evaluating a rule -------------------------------------------------------------------

class Case:
    """One spec, bound to its rule, with the active parameters and a primal function."""

    def __init__(self, spec, args):
        self.spec, self.rule = spec, RULES[spec.fn_key]
        self.args = args
        self.bound = rule_specs.bind(self.rule, args, spec.kwargs)
        names = spec.wrt or self.rule.differentiable
        self.active = [p for p in names if p in self.rule.differentiable
                       and is_float(self.bound[p])]
        self.ans = spec.call(*args)

    def with_params(self, values: dict):
        """The primal output with some parameters replaced (positional or keyword)."""
        args, kwargs = list(self.args), dict(self.spec.kwargs)
        position = {name: i for i, name in enumerate(self.rule.positional)}
        for name, value in values.items():
            if name == self.rule.varargs:
                args[len(self.rule.positional):] = list(value)
            elif name not in position:        # a keyword-only parameter
                kwargs[name] = value
            elif position[name] < len(args):
                args[position[name]] = value
            else:
                kwargs[name] = value
        return self.spec.call(*args, **kwargs)

    def jvp(self, tangents: dict):
        return rule_specs.eval_jvp(self.rule, self.bound, self.ans, tangents)

    def vjp(self, g) -> dict:
        return rule_specs.eval_vjp(self.rule, self.bound, self.ans, g, self.active)


def _case(spec, seed=0, float32=False):
    rng = np.random.default_rng(seed)
    args = spec.make_args(rng)
    if float32:
        args = as_float32(args)
    return Case(spec, args), rng


def _ids(specs):
    return [s.id for s in specs]


# Specs with a parameter to differentiate: a differentiable parameter bound to a float
# value or to a container of floats only (the specs mixing ints and floats in one list,
# `-int`, are checked end to end in tests/test_rules_end_to_end.py).
ACTIVE_SPECS = [s for s in SPECS if _case(s)[0].active]


@pytest.mark.parametrize("spec", ACTIVE_SPECS, ids=_ids(ACTIVE_SPECS))
def test_jvp_matches_finite_differences(spec):
    case, rng = _case(spec)
    v = {p: random_like(rng, case.bound[p]) for p in case.active}
    tangent = case.jvp(v)
    assert shapes(tangent) == shapes(case.ans), "tangent shape differs from the output's"
    h = 1e-6
    plus = case.with_params({p: axpy(case.bound[p], h, v[p]) for p in case.active})
    minus = case.with_params({p: axpy(case.bound[p], -h, v[p]) for p in case.active})
    fd = (flat(plus) - flat(minus)) / (2 * h)
    an = flat(tangent)
    finite = np.isfinite(fd)
    assert np.array_equal(finite, np.isfinite(an)), (fd, an)
    err = np.linalg.norm(an[finite] - fd[finite])
    scale = max(np.linalg.norm(an[finite]), np.linalg.norm(fd[finite]))
    assert err <= 1e-6 * scale + 1e-8 * (1.0 + np.linalg.norm(flat(case.ans)[finite])), \
        f"forward rule differs from finite differences: {an} vs {fd}"


@pytest.mark.parametrize("spec", ACTIVE_SPECS, ids=_ids(ACTIVE_SPECS))
def test_dot_product_and_shapes(spec):
    case, rng = _case(spec)
    v = {p: random_like(rng, case.bound[p]) for p in case.active}
    w = random_like(rng, case.ans)
    contribs = case.vjp(w)
    for p in case.active:
        # a list argument may get one array cotangent (BUILD_LIST's rule indexes it)
        array_for_list = isinstance(contribs[p], np.ndarray) and isinstance(case.bound[p], list)
        assert shapes(contribs[p]) == shapes(case.bound[p]) or (
            array_for_list and contribs[p].shape == np.shape(case.bound[p])), \
            f"cotangent of {p!r} has shape {shapes(contribs[p])}"
        assert all(np.issubdtype(np.result_type(c), np.floating) for c in _leaves(contribs[p])), \
            f"cotangent of {p!r} is not floating: {contribs[p]!r}"
    lhs = float(np.dot(flat(w), flat(case.jvp(v))))
    rhs = sum(float(np.dot(flat(v[p]), flat(contribs[p]))) for p in case.active)
    scale = np.linalg.norm(flat(w)) * np.linalg.norm(flat(case.jvp(v))) + sum(
        np.linalg.norm(flat(v[p])) * np.linalg.norm(flat(contribs[p])) for p in case.active)
    assert abs(lhs - rhs) <= 1e-10 * scale + 1e-300, f"<w, Jv> = {lhs}, <J^T w, v> = {rhs}"


def _float32_applies(spec) -> bool:
    """The float32 variant casts some argument of a parameter to differentiate (specs of
    Python floats only keep float64 and have nothing to check)."""
    case, _ = _case(spec, float32=True)
    return _has_float32([case.bound[p] for p in case.active])


F32_SPECS = [s for s in ACTIVE_SPECS if s.float32 and _float32_applies(s)]


@pytest.mark.parametrize("spec", F32_SPECS, ids=_ids(F32_SPECS))
def test_float32_is_preserved(spec):
    case, rng = _case(spec, float32=True)
    v = {p: random_like(rng, case.bound[p]) for p in case.active}
    w = random_like(rng, case.ans)
    tangent = case.jvp(v)
    for out, t in zip(_leaves(case.ans), _leaves(tangent)):
        if np.issubdtype(np.result_type(out), np.floating):
            assert np.result_type(t) == np.result_type(out), \
                f"tangent dtype {np.result_type(t)} for output dtype {np.result_type(out)}"
    # runtime.unbroadcast (applied to elementwise rules) gives NumPy scalars back as
    # Python floats, so NumPy-scalar parameters are checked for structural rules only
    kinds = np.ndarray if case.rule.elementwise else (np.ndarray, np.generic)
    for p, contrib in case.vjp(w).items():
        for x, c in zip(_leaves(case.bound[p]), _leaves(contrib)):
            if isinstance(x, kinds) and np.result_type(x) == np.float32:
                assert np.result_type(c) == np.float32, \
                    f"cotangent of {p!r} is {np.result_type(c)}, not float32"
