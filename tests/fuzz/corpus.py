"""The kept fuzz programs in tests/fuzz_corpus/: save failing programs, run saved ones.

A corpus file is a plain module: the program's `def f(...)`, then `ARGS` (the point,
written so it round-trips exactly), `FLOAT32` (also run the float32 variant) and
`SEED` (the seed of the dot-product test's random directions) and, for a failure of
the second-order oracles (tests/fuzz/second_order.py), `ORDER = 2` (or 3: with the
third-order check); such a file is run through the first-order oracles and then
the second-order ones.  Its docstring says what failed when it was saved.  Files
saved automatically are named by the hash of their program and point
(`fuzz_<hash>.py`); hand-written ones have descriptive names.
"""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from .oracles import Outcome, check_at, format_args
from .second_order import check_second_order

CORPUS_DIR = Path(__file__).resolve().parent.parent / "fuzz_corpus"


def entries(directory: Path = CORPUS_DIR) -> list[Path]:
    """The corpus files, sorted by name."""
    return sorted(p for p in Path(directory).glob("*.py") if not p.name.startswith("_"))


def render(outcome: Outcome) -> str:
    """The text of a corpus file for a failed outcome."""
    lines = outcome.detail.strip().splitlines()
    first = (lines[0] if lines else "").replace('"""', "'''").replace("\\", "/")[:300]
    what = outcome.reason if outcome.order == 1 else f"order {outcome.order}: {outcome.reason}"
    return (f'"""Fuzz regression ({what}).\n\nWhen saved: {first}\n"""\n'
            + outcome.source.rstrip() + "\n\n\n"
            + f"ARGS = {format_args(outcome.args)}\n"
            + f"FLOAT32 = {bool(outcome.float32)}\nSEED = {outcome.seed}\n"
            + (f"ORDER = {outcome.order}\n" if outcome.order > 1 else ""))


def save(outcome: Outcome, directory: Path = CORPUS_DIR) -> Path:
    """Write a failed outcome to the corpus (once per program and point)."""
    key = outcome.source + format_args(outcome.args) + str(outcome.float32) \
        + (f"order {outcome.order}" if outcome.order > 1 else "")
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    path = Path(directory) / f"fuzz_{digest}.py"
    Path(directory).mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(render(outcome))
    return path


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"s2sad_fuzz_corpus_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_entry(path: Path) -> Outcome:
    """Import a corpus file and run its program through the oracles at its point: the
    first-order ones, and for a file with `ORDER` >= 2 then the second-order ones."""
    path = Path(path)
    module = _load(path)
    outcome = check_at(path.read_text(), module.ARGS, f=module.f,
                       seed=getattr(module, "SEED", 0), float32=getattr(module, "FLOAT32", False))
    order = getattr(module, "ORDER", 1)
    if order < 2 or outcome.status != "ok":
        return outcome
    return check_second_order(path.read_text(), module.ARGS, f=module.f,
                              seed=getattr(module, "SEED", 0), third=order > 2)


def run_entry_second_order(path: Path, third: bool = True) -> Outcome:
    """The second-order oracles (and the third-order check) on a corpus file's
    program at its point, whatever its `ORDER`."""
    path = Path(path)
    module = _load(path)
    return check_second_order(path.read_text(), module.ARGS, f=module.f,
                              seed=getattr(module, "SEED", 0), third=third)
