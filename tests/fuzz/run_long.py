"""The long fuzzing run: many random programs through every oracle.

From the root of the repository:

    python -m tests.fuzz.run_long --programs 10000

Options: `--seed S` (default 0) picks the programs (the same seed gives the same
programs and points); `--float32-every K` runs the float32 variant on every K-th
program that has an array argument (default 3); `--save` writes each shrunk failing
program to tests/fuzz_corpus/; `--no-shrink` reports failures as found; `--minutes M`
stops early after M minutes.

Prints progress, then a summary: programs run, checked, discarded (by reason), and
every distinct failure (by category and error) with its shrunk program and point.
Exits with status 1 when a program failed (or was invalid), 0 otherwise.
"""
from __future__ import annotations

import argparse
import collections
import re
import sys
import time

from .corpus import save
from .grammar import random_program
from .oracles import Outcome, check_at, check_program
from .shrink import shrink


def signature(outcome: Outcome) -> tuple:
    """What identifies a kind of failure: its category, and for errors the
    exception type and where it was raised."""
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

    def fails(source):
        again = check_at(source, outcome.args, seed=outcome.seed, float32=outcome.float32)
        return signature(again) == sig

    source = shrink(outcome.source, fails, budget=budget)
    return check_at(source, outcome.args, seed=outcome.seed, float32=outcome.float32)


def run(programs: int, seed: int = 0, float32_every: int = 3, minutes: float | None = None,
        out=sys.stdout, progress_every: int = 500):
    """Run the programs; return (counts, failures by signature -> [outcomes])."""
    counts = collections.Counter()
    failures: dict[tuple, list] = collections.defaultdict(list)
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
        if progress_every and (k + 1) % progress_every == 0:
            print(f"  {k + 1} programs, {counts['ok']} passed, {counts['discard']} discarded, "
                  f"{counts['fail'] + counts['invalid']} failed "
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run_long",
                                     description="Fuzz s2sad with random programs.")
    parser.add_argument("--programs", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--float32-every", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--save", action="store_true", help="save failures to tests/fuzz_corpus")
    parser.add_argument("--no-shrink", action="store_true")
    opts = parser.parse_args(argv)
    print(f"fuzzing s2sad: {opts.programs} programs, seed {opts.seed}", flush=True)
    counts, failures = run(opts.programs, opts.seed, opts.float32_every, opts.minutes)
    return summary(counts, failures, do_shrink=not opts.no_shrink, save_to_corpus=opts.save)


if __name__ == "__main__":
    sys.exit(main())
