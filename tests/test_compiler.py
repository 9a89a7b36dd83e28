"""The compiler owns the pipeline: one lowering per (function, kinds), one stage order
for the entry and every callee (each verified), caches that belong to the instance."""
from __future__ import annotations

import collections

import numpy as np
import pytest

import s2sad
import s2sad.compiler
from s2sad import kinds
from s2sad.compiler import Compiler
from s2sad.printer import print_function
from s2sad.testing import check_grads


def leaf(y, w):
    return np.sin(y) * w


def middle(y, w):
    return leaf(y, w) * y + leaf(w, y)


def chain(x, w):
    return middle(x, w) + middle(w, x)


def looped(x, n):
    y = x
    for _ in range(n):
        y = leaf(y, 0.5) + y
    return y


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


FLOATS = (kinds.FLOAT, kinds.FLOAT)


@pytest.fixture
def lowerings(monkeypatch):
    """Counts of `lower.lower` and `parse_function` calls, per function name."""
    counts = {"lower": collections.Counter(), "parse": collections.Counter()}
    real_lower, real_parse = s2sad.compiler.lower, s2sad.compiler.parse_function

    def counting_lower(parsed, *args, **kwargs):
        counts["lower"][(parsed.fn.__name__, tuple(args[0]) if args else ())] += 1
        return real_lower(parsed, *args, **kwargs)

    def counting_parse(fn):
        counts["parse"][fn.__name__] += 1
        return real_parse(fn)
    monkeypatch.setattr(s2sad.compiler, "lower", counting_lower)
    monkeypatch.setattr(s2sad.compiler, "parse_function", counting_parse)
    return counts


@pytest.mark.parametrize("fn, arg_kinds", [(chain, FLOATS), (looped, (kinds.FLOAT, kinds.INT))])
def test_each_function_is_lowered_once_per_kinds(lowerings, fn, arg_kinds):
    compiler = Compiler(verify=True)
    for mode in ("reverse", "forward"):
        compiler.derivative(fn, mode, (0,), arg_kinds)
    repeated = {key: n for key, n in lowerings["lower"].items() if n > 1}
    assert not repeated, repeated
    assert max(lowerings["parse"].values()) == 1, lowerings["parse"]


def test_a_recursive_function_is_lowered_at_most_twice_for_its_fixed_point(lowerings):
    """Recursion needs the kind of the function's own result: BOTTOM first, then the
    kind found; the derivatives reuse that IR."""
    compiler = Compiler()
    for mode in ("reverse", "forward"):
        compiler.derivative(power, mode, (0,), (kinds.FLOAT, kinds.INT))
    assert lowerings["lower"][("power", (kinds.FLOAT, kinds.INT))] == 2
    assert lowerings["parse"]["power"] == 1


def test_every_callee_derivative_goes_through_the_verifier(monkeypatch):
    verified = []
    real = s2sad.compiler.verify
    monkeypatch.setattr(s2sad.compiler, "verify",
                        lambda fn, **kw: (verified.append(fn.name), real(fn, **kw))[1])
    Compiler(verify=True).derivative(chain, "reverse", (0, 1), FLOATS)
    assert {"middle_vjp", "leaf_vjp"} <= set(verified), verified
    verified.clear()
    Compiler(verify=True).derivative(chain, "forward", (0,), FLOATS)
    assert {"middle_jvp", "leaf_jvp"} <= set(verified), verified


@pytest.mark.parametrize("fn, arg_kinds", [(chain, FLOATS), (looped, (kinds.FLOAT, kinds.INT)),
                                           (power, (kinds.FLOAT, kinds.INT))])
def test_generating_derivatives_leaves_the_shared_ir_unchanged(fn, arg_kinds):
    compiler = Compiler(verify=True)
    shared = {f: compiler.lowered(f, arg_kinds) for f in (fn,)}
    before = {f: print_function(ir) for f, ir in shared.items()}
    for mode in ("reverse", "forward", "reverse"):
        compiler.derivative(fn, mode, (0,), arg_kinds)
    assert {f: print_function(ir) for f, ir in shared.items()} == before
    assert all(compiler.lowered(f, arg_kinds) is ir for f, ir in shared.items())


def test_clear_makes_the_next_call_generate_again(lowerings):
    compiler = Compiler()
    first = compiler.compiled(chain, "reverse", (0,), FLOATS)
    assert compiler.compiled(chain, "reverse", (0,), FLOATS) is first
    compiler.clear()
    again = compiler.compiled(chain, "reverse", (0,), FLOATS)
    assert again is not first
    assert again(0.3, 0.7, 1.0) == pytest.approx(first(0.3, 0.7, 1.0))


def test_compilers_do_not_share_caches():
    one, two = Compiler(), Compiler()
    assert one.compiled(chain, "reverse", (0,), FLOATS) is not \
        two.compiled(chain, "reverse", (0,), FLOATS)


def test_the_public_clear_caches_regenerates(lowerings):
    s2sad.grad(chain)(0.3, 0.7)
    s2sad.clear_caches()
    before = sum(lowerings["lower"].values())
    s2sad.grad(chain)(0.3, 0.7)
    assert sum(lowerings["lower"].values()) > before


@pytest.mark.parametrize("fn, args", [(chain, (0.3, 0.7)), (looped, (0.4, 5)), (power, (1.3, 4))])
def test_derivatives_through_the_worklist_are_right(fn, args):
    check_grads(fn, args, modes=("forward", "reverse"))
