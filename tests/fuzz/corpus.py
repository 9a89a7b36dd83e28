"""The kept fuzz programs in tests/fuzz_corpus/: save failing programs, run saved ones.

A corpus file is a plain module: the program's `def f(...)`, then `ARGS` (the point,
written so it round-trips exactly), `FLOAT32` (also run the float32 variant) and
`SEED` (the seed of the dot-product test's random directions).  Its docstring says
what failed when it was saved.  Files saved automatically are named by the hash of
their program and point (`fuzz_<hash>.py`); hand-written ones have descriptive names.
"""
from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from .oracles import Outcome, check_at, format_args

CORPUS_DIR = Path(__file__).resolve().parent.parent / "fuzz_corpus"


def entries(directory: Path = CORPUS_DIR) -> list[Path]:
    """The corpus files, sorted by name."""
    return sorted(p for p in Path(directory).glob("*.py") if not p.name.startswith("_"))


def render(outcome: Outcome) -> str:
    """The text of a corpus file for a failed outcome."""
    lines = outcome.detail.strip().splitlines()
    first = (lines[0] if lines else "").replace('"""', "'''").replace("\\", "/")[:300]
    return (f'"""Fuzz regression ({outcome.reason}).\n\nWhen saved: {first}\n"""\n'
            + outcome.source.rstrip() + "\n\n\n"
            + f"ARGS = {format_args(outcome.args)}\n"
            + f"FLOAT32 = {bool(outcome.float32)}\nSEED = {outcome.seed}\n")


def save(outcome: Outcome, directory: Path = CORPUS_DIR) -> Path:
    """Write a failed outcome to the corpus (once per program and point)."""
    key = outcome.source + format_args(outcome.args) + str(outcome.float32)
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    path = Path(directory) / f"fuzz_{digest}.py"
    Path(directory).mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(render(outcome))
    return path


def run_entry(path: Path) -> Outcome:
    """Import a corpus file and run its program through the oracles at its point."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(f"s2sad_fuzz_corpus_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return check_at(path.read_text(), module.ARGS, f=module.f,
                    seed=getattr(module, "SEED", 0), float32=getattr(module, "FLOAT32", False))
