"""The hostile profile of the fuzzer (tests/fuzz/hostile.py, tests/fuzz/raising.py).

* `test_hostile_programs`: CI_HOSTILE seeded hostile programs through the first-order
  oracles: no failure, no refusal (the constructs s2sad refuses are left out), and
  programs that raise checked for derivatives raising the same exception;
* `test_hostile_programs_second_order`: CI_HOSTILE_SECOND seeded programs through the
  second-order oracles (decorated functions, a name `f_jvp` and parameters named
  after builtins included: findings 1-4 of tests/fuzz_corpus/hostile_findings.md);
* the generator (valid, deterministic, covers its constructs, renames) and the raise
  oracle (catches a derivative that returns, or raises another type, where f raises).
The long run: `python -m tests.fuzz.run_long --hostile [--second-order] [--with-refused]`.
"""
from __future__ import annotations

import collections
import io
import unicodedata

import numpy as np
import pytest

import s2sad
from tests.fuzz import run_long
from tests.fuzz.hostile import BUILTIN_NAMES, GENERATED_NAMES, UNICODE_NAMES, random_program
from tests.fuzz.oracles import Instrumented
from tests.fuzz.raising import as_refusal, check_at_hostile, check_program_hostile

CI_HOSTILE = 40             # ~6 s alone
CI_HOSTILE_SECOND = 16      # ~8 s alone

REQUIRED = {
    "h_object", "h_static", "h_global", "h_gen", "h_any", "h_all", "h_not_any",
    "h_reduce_sum", "h_reduce_sum_list", "h_reduce_max", "h_reduce_min", "h_reduce_tuple",
    "h_reduce_list", "h_shadowing_comprehension", "h_raise", "h_assert", "h_maybe_taken",
    "h_shape_change", "h_shape_branch", "h_grow", "h_global_statement", "h_global_array",
    "h_decorated_helper", "h_entry_decorated", "h_entry_partial", "h_entry_object",
    "h_entry_plain",
}


def test_hostile_programs():
    counts, bad = collections.Counter(), []
    for k in range(CI_HOSTILE):
        first, _ = check_program_hostile(random_program(f"hostile-ci:{k}"), k,
                                         float32=k % 3 == 0)
        counts[first.status] += 1
        counts["raises"] += "raises" in first.checks
        if first.status not in ("ok", "discard"):
            bad.append(first)
    assert not bad, f"{len(bad)} failed; the smallest:\n" + min(
        bad, key=lambda o: len(o.source)).report()
    assert counts["discard"] <= 0.2 * CI_HOSTILE, dict(counts)
    assert counts["raises"] >= 3, dict(counts)


def test_hostile_programs_second_order():
    counts, bad = collections.Counter(), []
    k = 0
    while counts["checked"] < CI_HOSTILE_SECOND:
        program = random_program(f"hostile-ci2:{k}")
        k += 1
        first, second = check_program_hostile(program, k, second=True, third=k % 4 == 0)
        counts["checked"] += 1
        counts[f"first {first.status}"] += 1
        if first.status not in ("ok", "discard"):
            bad.append(first)
        if second is not None:
            counts[second.status] += 1
            if second.status not in ("ok", "discard"):
                bad.append(second)
    assert not bad, f"{len(bad)} failed; the smallest:\n" + min(
        bad, key=lambda o: len(o.source)).report()
    assert counts["ok"] >= 0.7 * CI_HOSTILE_SECOND, dict(counts)


def test_hostile_programs_are_valid_deterministic_and_cover_the_profile():
    seen, statuses, names = set(), collections.Counter(), set()
    for seed in range(200):
        program = random_program(f"hostile-grammar:{seed}")
        assert program.source == random_program(f"hostile-grammar:{seed}").source
        seen |= program.features
        compile(program.source, "<program>", "exec")
        names |= {unicodedata.normalize("NFKC", w) for w in _identifiers(program.source)}
        try:
            value, _ = Instrumented(program.source)(
                program.make_args(np.random.default_rng(seed)))
            assert np.ndim(value) == 0, program.source
            statuses["returned"] += 1
        except ArithmeticError:
            statuses["overflow"] += 1
        except Exception as exc:  # noqa: BLE001 - ValueError, RuntimeError, HostileError
            assert "hostile" in str(exc), program.source
            statuses["raised"] += 1
    assert REQUIRED <= seen, f"never generated: {sorted(REQUIRED - seen)}"
    assert 0.05 * 200 <= statuses["raised"] <= 0.3 * 200, dict(statuses)
    for pool in (GENERATED_NAMES, BUILTIN_NAMES, UNICODE_NAMES):
        used = names & {unicodedata.normalize("NFKC", n) for n in pool}
        assert len(used) >= len(pool) // 2, (pool, used)
    assert {"np", "range", "tape", "bresult", "dx", "bx"} <= names


def _identifiers(source):
    import io as io_
    import tokenize
    return {tok.string for tok in tokenize.generate_tokens(io_.StringIO(source).readline)
            if tok.type == tokenize.NAME}


RAISING = """\
class Refusal(Exception):
    pass


def f(x, A):
    y = x * x
    if x > 0.5:
        raise Refusal('taken')
    assert y < 100.0, 'never'
    return y + sum(a * x for a in A if a > 0.0)
"""


class _NoRaise:
    """s2sad, but a derivative that returns where f raises (or raises another type)."""

    def __init__(self, other=False):
        self.other = other

    def _guard(self, thunk):
        try:
            return thunk()
        except Exception:
            if self.other:
                raise KeyError("not the same type") from None
            return 0.0, (0.0, np.zeros(3))

    def value_and_grad(self, f, wrt, mode):
        inner = s2sad.value_and_grad(f, wrt=wrt, mode=mode)
        return lambda *args: self._guard(lambda: inner(*args))

    def jvp(self, f, primals, tangents):
        return s2sad.jvp(f, primals, tangents)

    def vjp(self, f, *primals):
        return s2sad.vjp(f, *primals)


def test_a_raising_program_is_checked_for_derivatives_that_raise_the_same():
    args = (0.7, np.array([0.5, -1.0, 1.5]))
    outcome = check_at_hostile(RAISING, args)
    assert (outcome.status, outcome.checks) == ("ok", ["raises"]), outcome.report()
    below = check_at_hostile(RAISING, (0.2, args[1]))
    assert below.status == "ok" and "fd" in below.checks, below.report()


@pytest.mark.parametrize("other", [False, True])
def test_the_raise_oracle_catches_a_derivative_that_does_not_raise_the_same(other):
    args = (0.7, np.array([0.5, -1.0, 1.5]))
    outcome = check_at_hostile(RAISING, args, ad=_NoRaise(other))
    assert (outcome.status, outcome.reason) == ("fail", "raises"), outcome.report()
    assert ("KeyError" if other else "returned a value") in outcome.detail


def test_an_s2sad_error_at_first_order_is_a_refusal():
    source = ("import functools\n\n\ndef lin(a, z):\n    return a * z\n\n\n"
              "half = functools.partial(lin, 0.5)\n\n\ndef f(x):\n    return half(x)\n")
    outcome = check_at_hostile(source, (0.3,))
    assert outcome.status == "refused", outcome.report()
    assert outcome.detail.startswith("value_and_grad(mode='reverse') raised MissingRuleError: ")
    plain = as_refusal(check_at_hostile("def f(x):\n    return x * x\n", (0.3,)))
    assert plain.status == "ok"


def test_long_run_driver_hostile():
    out = io.StringIO()
    counts, failures = run_long.run(5, seed=3, out=out, hostile=True, with_refused=True)
    status = run_long.summary(counts, failures, do_shrink=False, out=out, hostile=True)
    text = out.getvalue()
    assert "refused at first order (an S2SADError): " in text, text
    assert counts["run"] == 5 and status == (1 if failures else 0)
