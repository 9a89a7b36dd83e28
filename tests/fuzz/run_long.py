"""The long fuzzing run: many random programs through every oracle.

From the root of the repository:

    python -m tests.fuzz.run_long --programs 10000

Options: `--seed S` (default 0) picks the programs (the same seed gives the same
programs and points); `--float32-every K` runs the float32 variant on every K-th
program that has an array argument (default 3); `--second-order` also runs the
second-order oracles (tests/fuzz/second_order.py) on every program that passed the
first-order ones, at the same point, and the third-order check on every K-th of them
(`--third-every K`, default 4; 0: never); `--save` writes each shrunk failing
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
from .oracles import Outcome, check_at, check_program, format_args
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


def shrunk(outcome: Outcome, budget: int = 400) -> Outcome:
    """The outcome of the smallest variant of the program that fails the same way."""
    sig = signature(outcome)

    def check(source):
        with warnings.catch_warnings():       # variants may take the mean of nothing
            warnings.simplefilter("ignore", RuntimeWarning)
            if outcome.order > 1:
                return check_second_order(source, outcome.args, seed=outcome.seed,
                                          third=outcome.order > 2)
            return check_at(source, outcome.args, seed=outcome.seed, float32=outcome.float32)

    source = shrink(outcome.source, lambda source: signature(check(source)) == sig,
                    budget=budget)
    return check(source)


def run(programs: int, seed: int = 0, float32_every: int = 3, minutes: float | None = None,
        out=sys.stdout, progress_every: int = 500, second_order: bool = False,
        third_every: int = THIRD_EVERY):
    """Run the programs; return (counts, failures by signature -> [outcomes]).  With
    `second_order`, counts["refused2"] is a Counter of the refusals at second order
    by message and counts["refused2 example"] the smallest program of each."""
    counts = collections.Counter()
    failures: dict[tuple, list] = collections.defaultdict(list)
    refusals, examples = collections.Counter(), {}
    if second_order:
        counts["refused2"], counts["refused2 example"] = refusals, examples
    second_checked = 0
    start = time.monotonic()
    with_array = 0
    for k in range(programs):
        if minutes is not None and time.monotonic() - start > 60 * minutes:
            print(f"stopping after {minutes} minutes", file=out)
            break
        program = random_program(f"{seed}:{k}")
        float32 = False
        if program.shape is not None:
            with_array += 1
            float32 = float32_every > 0 and with_array % float32_every == 0
        second = None
        if second_order:
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
        else:
            if outcome.status != "ok":
                failures[signature(outcome)].append(outcome)
        if second is not None:
            counts[f"2: {second.status}"] += 1
            if second.status == "ok" and "third fd" in second.checks:
                counts["3: ok"] += 1
            elif second.status == "refused":
                key = refusal_key(second)
                refusals[key] += 1
                if key not in examples or len(second.source) < len(examples[key].source):
                    examples[key] = second
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


def summary(counts, failures, *, do_shrink=True, out=sys.stdout, save_to_corpus=False) -> int:
    print(f"programs run: {counts['run']}", file=out)
    print(f"  checked (all oracles passed): {counts['ok']} "
          f"(float32 variant also checked: {counts['float32 checked']})", file=out)
    print(f"  discarded (no well-conditioned point): {counts['discard']}", file=out)
    for key in sorted(k for k in counts if isinstance(k, str) and k.startswith("discard: ")):
        print(f"    {key[9:]}: {counts[key]}", file=out)
    print(f"  failed: {counts['fail']}, invalid programs: {counts['invalid']}", file=out)
    if "refused2" in counts:
        second_order_summary(counts, out=out, do_shrink=do_shrink)
    print(f"  time: {counts['seconds']} s", file=out)
    for sig, outcomes in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        print("\n" + "=" * 78, file=out)
        print(f"{len(outcomes)} program(s): {' / '.join(s for s in sig if s)}", file=out)
        smallest = min(outcomes, key=lambda o: len(o.source))
        shown = shrunk(smallest) if do_shrink and smallest.status == "fail" else smallest
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
    opts = parser.parse_args(argv)
    print(f"fuzzing s2sad: {opts.programs} programs, seed {opts.seed}"
          f"{', second order' if opts.second_order else ''}", flush=True)
    counts, failures = run(opts.programs, opts.seed, opts.float32_every, opts.minutes,
                           second_order=opts.second_order, third_every=opts.third_every)
    return summary(counts, failures, do_shrink=not opts.no_shrink, save_to_corpus=opts.save)


if __name__ == "__main__":
    sys.exit(main())
