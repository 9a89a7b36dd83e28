"""Every rule through the whole compiler: a small function calling it, differentiated.

tests/test_rule_templates.py evaluates each rule's term strings directly; here each
spec of tests/rule_specs.py becomes the source of a Python function that makes the
call the way a user writes it (tests/rule_wrappers.py), and that function goes
through parsing, lowering, the forward and reverse transforms, optimization, code
generation and the runtime:

1. `s2sad.testing.check_grads` in both modes: the JVP against central differences,
   the VJP against <w, FD(v)>, the dot-product test between the modes, primal
   outputs, derivative shapes and dtypes;
2. for specs with a float32 variant, `s2sad.grad` (reverse and forward mode) of the
   function reduced to a scalar (`np.sum` of every output) gives each float32
   argument a float32 gradient of its shape, close to the float64 gradient.

The generated functions are written to one module in a temporary directory (s2sad
reads their source from that file), with `s2sad.api.VERIFY` on, so every IR built is
also checked by s2sad.verify.
"""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import s2sad
import s2sad.api
from s2sad.testing import check_grads

try:
    import rule_specs
    import rule_wrappers
except ImportError:  # collected as part of a `tests` package
    from tests import rule_specs, rule_wrappers

SPECS = rule_specs.SPECS
WRAPPERS = [rule_wrappers.wrapper(spec, f"rule_{i}") for i, spec in enumerate(SPECS)]


def _float32_positions(w) -> tuple:
    return tuple(i for i, a in enumerate(w.args)
                 if isinstance(a, (np.ndarray, np.generic)) and np.result_type(a) == np.float32)


# the float32 variant: float64 arrays and NumPy scalars cast to float32 (Python floats stay)
F32_WRAPPERS = [w for w in (rule_wrappers.wrapper(spec, f"rule_{i}_f32", float32=True)
                            for i, spec in enumerate(SPECS) if spec.float32)
                if _float32_positions(w)]


def _ids(wrappers):
    return [w.spec.id for w in wrappers]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The module of all generated functions, with IR verification on."""
    path = tmp_path_factory.mktemp("rule_wrappers") / "generated_rule_calls.py"
    path.write_text(rule_wrappers.module_text(WRAPPERS + F32_WRAPPERS), encoding="utf-8")
    name = "generated_rule_calls"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    verify, s2sad.api.VERIFY = s2sad.api.VERIFY, True
    try:
        yield module
    finally:
        s2sad.api.VERIFY = verify
        sys.modules.pop(name, None)


def _source_note(w) -> str:
    return f"\n--- function under test ({w.spec.id}) ---\n{w.source}"


@pytest.mark.parametrize("w", WRAPPERS, ids=_ids(WRAPPERS))
def test_both_modes_against_finite_differences(generated, w):
    fn = getattr(generated, w.name)
    try:
        with np.errstate(all="ignore"):
            check_grads(fn, w.args, modes=("forward", "reverse"))
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}{_source_note(w)}") from exc


def _norm(x) -> float:
    return float(np.linalg.norm(np.ravel(np.asarray(x, dtype=np.float64))))


@pytest.mark.parametrize("w", F32_WRAPPERS, ids=_ids(F32_WRAPPERS))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_float32_gradients_stay_float32(generated, w, mode):
    fn = getattr(generated, w.name + "_sum")
    wrt = _float32_positions(w)
    up = tuple(a.astype(np.float64) if i in wrt else a for i, a in enumerate(w.args))
    try:
        with np.errstate(all="ignore"):
            grads = s2sad.grad(fn, wrt=wrt, mode=mode)(*w.args)
            reference = s2sad.grad(fn, wrt=wrt, mode="reverse")(*up)
    except Exception as exc:
        raise AssertionError(f"{type(exc).__name__}: {exc}"
                             f"{_source_note(w._replace(source=w.scalar_source))}") from exc
    for i, g, ref in zip(wrt, grads, reference):
        x = w.args[i]
        assert type(g) is type(x), f"gradient of {w.params[i]} is a {type(g).__name__}, " \
                                   f"not a {type(x).__name__}"
        assert np.result_type(g) == np.float32, \
            f"gradient of {w.params[i]} has dtype {np.result_type(g)}, not float32"
        assert np.shape(g) == np.shape(x), \
            f"gradient of {w.params[i]} has shape {np.shape(g)}, not {np.shape(x)}"
        err = _norm(np.asarray(g, np.float64) - np.asarray(ref, np.float64))
        assert err <= 2e-3 * _norm(ref) + 1e-4 * np.sqrt(np.size(x)), \
            f"float32 gradient of {w.params[i]} {g} differs from the float64 one {ref}"
