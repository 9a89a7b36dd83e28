"""The long fuzzing run: many random programs through every oracle.

From the root of the repository:

    python -m tests.fuzz.run_long --programs 10000

Options: `--seed S` (default 0) picks the programs (the same seed gives the same
programs and points); `--float32-every K` runs the float32 variant on every K-th
program that has an array argument (default 3); `--second-order` also runs the
second-order oracles (tests/fuzz/second_order.py) on every program that passed the
first-order ones, at the same point, and the third-order check on every K-th of them
(`--third-every K`, default 4; 0: never); `--hostile` draws the programs of the
hostile profile (tests/fuzz/hostile.py: names like s2sad's own, decorators, partials,
callable objects, shape changes, comprehensions, raise/assert, globals) and judges
them with tests/fuzz/raising.py (an S2SADError at first order is a refusal, counted
and grouped by message; where f raises, every derivative must raise the same type);
`--with-refused` adds the constructs s2sad is known to refuse; `--save` writes each shrunk failing
program to tests/fuzz_corpus/; `--no-shrink` reports failures as found; `--minutes M`
stops early after M minutes.

Prints progress, then a summary: programs run, checked, discarded (by reason), with
`--second-order` a line counting passed / refused at second order / failed /
discarded and the refusals grouped by the S2SADError's message, and every distinct
failure (by order, category and error) with its shrunk program and point.
Exits with status 1 when a program failed (or was invalid), 0 otherwise; a refusal
at second order is not a failure.
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import time
import warnings

from .corpus import save
from .grammar import random_program
from .hostile import random_program as hostile_program
from .oracles import Outcome, check_at, check_program, format_args
from .raising import check_at_hostile, check_program_hostile, check_second_hostile
from .second_order import THIRD_EVERY, check_program_both, check_second_order, refusal_key
from .shrink import shrink


def signature(outcome: Outcome) -> tuple:
    """What identifies a kind of failure: its category, and for errors the
    exception type and where it was raised (second and third order are kept apart)."""
    sig = _signature(outcome)
    if outcome.order > 1:
        return (sig[0], f"order {outcome.order}: {sig[1]}") + sig[2:]
    return sig


def _signature(outcome: Outcome) -> tuple:
    if outcome.reason == "error":
        match = re.search(r"raised (\w+)(?: \(raised at ([^)]*)\))?", outcome.detail)
        if not match:
            return (outcome.status, outcome.reason, "")
        where = re.sub(r"fuzz_\w+\.py", "fuzz.py", match.group(2) or "")
        where = re.sub(r":\d+", "", where)                  # not the line numbers
        # what the message says, without places, names and numbers
        said = outcome.detail.split("\n")[0][match.end():]
        said = re.sub(r"^\S*:\d+:\d+: ", "", said.lstrip(": "))
        said = re.sub(r"\d+", "#", re.sub(r"'[^']*'", "'_'", said))[:60]
        return (outcome.status, outcome.reason,
                f"{match.group(1)} in {where}: {said}" if where else f"{match.group(1)}: {said}")
    return (outcome.status, outcome.reason)


def shrunk(outcome: Outcome, budget: int = 400, hostile: bool = False) -> Outcome:
    """The outcome of the smallest variant of the program that fails the same way
    (`hostile`: judged by tests/fuzz/raising.py)."""
    sig = signature(outcome)
    first, second = (check_at_hostile, check_second_hostile) if hostile \
        else (check_at, check_second_order)

    def check(source):
        with warnings.catch_warnings():       # variants may take the mean of nothing
            warnings.simplefilter("ignore", RuntimeWarning)
            if outcome.order > 1:
                return second(source, outcome.args, seed=outcome.seed, third=outcome.order > 2)
            return first(source, outcome.args, seed=outcome.seed, float32=outcome.float32)

    # the entry may be a partial or an object: shrink the functions of the module
    names = re.findall(r"^def (\w+)\(", outcome.source, re.M)
    if not names:
        return outcome
    source = shrink(outcome.source, lambda source: signature(check(source)) == sig,
                    name="f" if "f" in names else names[-1], budget=budget)
    return check(source)


def _keep_refusal(refusals, examples, outcome) -> None:
    """Count a refused outcome by its key and keep the smallest program of each key."""
    key = refusal_key(outcome)
    refusals[key] += 1
    if key not in examples or len(outcome.source) < len(examples[key].source):
        examples[key] = outcome


def run(programs: int, seed: int = 0, float32_every: int = 3, minutes: float | None = None,
        out=sys.stdout, progress_every: int = 500, second_order: bool = False,
        third_every: int = THIRD_EVERY, hostile: bool = False, with_refused: bool = False):
    """Run the programs; return (counts, failures by signature -> [outcomes]).  With
    `second_order`, counts["refused2"] is a Counter of the refusals at second order
    by message and counts["refused2 example"] the smallest program of each; with
    `hostile` (the hostile profile), counts["refused1"] and counts["refused1 example"]
    the same for the refusals at first order."""
    counts = collections.Counter()
    failures: dict[tuple, list] = collections.defaultdict(list)
    refusals, examples = collections.Counter(), {}
    if second_order:
        counts["refused2"], counts["refused2 example"] = refusals, examples
    refusals1, examples1 = collections.Counter(), {}
    if hostile:
        counts["refused1"], counts["refused1 example"] = refusals1, examples1
    second_checked = 0
    start = time.monotonic()
    with_array = 0
    for k in range(programs):
        if minutes is not None and time.monotonic() - start > 60 * minutes:
            print(f"stopping after {minutes} minutes", file=out)
            break
        program = hostile_program(f"{seed}:{k}", with_refused) if hostile \
            else random_program(f"{seed}:{k}")
        float32 = False
        if program.shape is not None:
            with_array += 1
            float32 = float32_every > 0 and with_array % float32_every == 0
        second = None
        if hostile:
            third = second_order and third_every > 0 and second_checked % third_every == 0
            outcome, second = check_program_hostile(program, seed * 1_000_003 + k,
                                                    float32=float32, second=second_order,
                                                    third=third)
            second_checked += second is not None
        elif second_order:
            third = third_every > 0 and second_checked % third_every == 0
            outcome, second = check_program_both(program, seed * 1_000_003 + k,
                                                 float32=float32, third=third)
            second_checked += second is not None
        else:
            outcome = check_program(program, seed * 1_000_003 + k, float32=float32)
        counts["run"] += 1
        counts[outcome.status] += 1
        if outcome.status == "discard":
            counts[f"discard: {outcome.reason}"] += 1
        elif outcome.status == "ok" and "float32" in outcome.checks:
            counts["float32 checked"] += 1
        elif outcome.status == "ok" and "raises" in outcome.checks:
            counts["raises checked"] += 1
        elif outcome.status == "refused":
            _keep_refusal(refusals1, examples1, outcome)
        else:
            if outcome.status != "ok":
                failures[signature(outcome)].append(outcome)
        if second is not None:
            counts[f"2: {second.status}"] += 1
            if second.status == "ok" and "third fd" in second.checks:
                counts["3: ok"] += 1
            elif second.status == "refused":
                _keep_refusal(refusals, examples, second)
            elif second.status == "discard":
                counts[f"2 discard: {second.reason}"] += 1
            elif second.status != "ok":
                failures[signature(second)].append(second)
        if progress_every and (k + 1) % progress_every == 0:
            more = (f", second order: {counts['2: ok']} passed, {counts['2: refused']} refused, "
                    f"{counts['2: fail'] + counts['2: invalid']} failed" if second_order else "")
            print(f"  {k + 1} programs, {counts['ok']} passed, {counts['discard']} discarded, "
                  f"{counts['fail'] + counts['invalid']} failed{more} "
                  f"({time.monotonic() - start:.0f} s)", file=out, flush=True)
    counts["seconds"] = int(time.monotonic() - start)
    return counts, failures


def summary(counts, failures, *, do_shrink=True, out=sys.stdout, save_to_corpus=False,
            hostile=False) -> int:
    print(f"programs run: {counts['run']}", file=out)
    print(f"  checked (all oracles passed): {counts['ok']} "
          f"(float32 variant also checked: {counts['float32 checked']}"
          f"{'; f raised, and so did every derivative: ' if hostile else ''}"
          f"{counts['raises checked'] if hostile else ''})", file=out)
    print(f"  discarded (no well-conditioned point): {counts['discard']}", file=out)
    for key in sorted(k for k in counts if isinstance(k, str) and k.startswith("discard: ")):
        print(f"    {key[9:]}: {counts[key]}", file=out)
    print(f"  failed: {counts['fail']}, invalid programs: {counts['invalid']}", file=out)
    if "refused1" in counts:
        print(f"  refused at first order (an S2SADError): {counts['refused']}", file=out)
        for message, n in counts["refused1"].most_common():
            example = counts["refused1 example"][message]
            print(f"    {n:5d}  {message}\n{example.source}  ARGS = "
                  f"{format_args(example.args)}", file=out)
    if "refused2" in counts:
        second_order_summary(counts, out=out, do_shrink=do_shrink)
    print(f"  time: {counts['seconds']} s", file=out)
    for sig, outcomes in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        print("\n" + "=" * 78, file=out)
        print(f"{len(outcomes)} program(s): {' / '.join(s for s in sig if s)}", file=out)
        smallest = min(outcomes, key=lambda o: len(o.source))
        shown = shrunk(smallest, hostile=hostile) if do_shrink and smallest.status == "fail" \
            else smallest
        if shown.status != "fail":      # shrinking lost the failure: show the original
            shown = smallest
        print(shown.report(), file=out)
        if save_to_corpus and shown.status == "fail":
            print(f"saved to {save(shown)}", file=out)
    return 1 if failures else 0


def shrunk_refusal(outcome: Outcome, budget: int = 150) -> Outcome:
    """The smallest variant of a program refused at second order with the same
    message (at the same point)."""
    def check(source):
        with warnings.catch_warnings():       # variants may take the mean of nothing
            warnings.simplefilter("ignore", RuntimeWarning)
            return check_second_order(source, outcome.args, seed=outcome.seed,
                                      third=outcome.order > 2)
    source = shrink(outcome.source, lambda source: (lambda o: (o.status, o.reason))(
        check(source)) == ("refused", outcome.reason), budget=budget)
    again = check(source)
    return again if again.status == "refused" else outcome


def second_order_summary(counts, out=sys.stdout, examples: bool = True,
                         do_shrink: bool = True) -> None:
    """The second-order line of the summary and the refusals grouped by message."""
    total = sum(counts[f"2: {s}"] for s in ("ok", "refused", "fail", "invalid", "discard"))
    print(f"  second order: {total} checked (the programs that passed first order): "
          f"{counts['2: ok']} passed ({counts['3: ok']} with the third-order check), "
          f"{counts['2: refused']} refused at second order, "
          f"{counts['2: fail'] + counts['2: invalid']} failed, "
          f"{counts['2: discard']} discarded", file=out)
    for key in sorted(k for k in counts if isinstance(k, str) and k.startswith("2 discard: ")):
        print(f"    discarded: {key[11:]}: {counts[key]}", file=out)
    refusals = counts["refused2"]
    if refusals:
        print("  refused at second order, by error and message [the first derivative that "
              "refused]:", file=out)
        for message, n in refusals.most_common():
            print(f"    {n:5d}  {message}", file=out)
    if examples and refusals:
        print("  the smallest program of each refusal (at its point):", file=out)
        for message, _ in refusals.most_common():
            example = counts["refused2 example"][message]
            if do_shrink:
                example = shrunk_refusal(example)
            print(f"\n  -- {message}\n{example.source}  ARGS = {format_args(example.args)}",
                  file=out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run_long",
                                     description="Fuzz s2sad with random programs.")
    parser.add_argument("--programs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--float32-every", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--save", action="store_true", help="save failures to tests/fuzz_corpus")
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--second-order", action="store_true",
                        help="also run the second-order oracles (hvp, symmetry, compositions)")
    parser.add_argument("--third-every", type=int, default=THIRD_EVERY,
                        help="with --second-order: the third-order check on every K-th program")
    parser.add_argument("--hostile", action="store_true",
                        help="the hostile profile (tests/fuzz/hostile.py)")
    parser.add_argument("--with-refused", action="store_true",
                        help="with --hostile: also the constructs s2sad refuses")
    opts = parser.parse_args(argv)
    print(f"fuzzing s2sad: {opts.programs} programs, seed {opts.seed}"
          f"{', second order' if opts.second_order else ''}"
          f"{', hostile' if opts.hostile else ''}", flush=True)
    counts, failures = run(opts.programs, opts.seed, opts.float32_every, opts.minutes,
                           second_order=opts.second_order, third_every=opts.third_every,
                           hostile=opts.hostile, with_refused=opts.with_refused)
    return summary(counts, failures, do_shrink=not opts.no_shrink,
                   save_to_corpus=opts.save and not opts.hostile, hostile=opts.hostile)


if __name__ == "__main__":
    sys.exit(main())
