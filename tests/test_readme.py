"""The README, the docs and the examples run as written.

* Every ```python block of README.md and of docs/*.md runs without error.  Each block is
  self-contained: it is written to a .py file of its own in a temporary directory
  (so s2sad can read the source of the functions it defines) and run there in a
  fresh namespace.
* Every `s2sad ...` command of the README's ```bash blocks (and of the examples'
  docstrings) that names a file under examples/ runs and exits with status 0.
* Every example in examples/*.py runs as a script, and each function it defines
  with float parameters passes `check_grads` in both modes at a random point.
"""
from __future__ import annotations

import importlib.util
import inspect
import runpy
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import s2sad
from s2sad import cli
from s2sad.testing import check_grads

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


DOCS = [README] + sorted((ROOT / "docs").glob("*.md"))


def code_blocks(language: str, path: Path = README) -> list[tuple[int, str]]:
    """(line, text) of every fenced block of `language` in `path`."""
    blocks, current, start = [], None, 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if current is None and stripped.startswith("```") and stripped[3:].strip() == language:
            current, start = [], number + 1
        elif current is not None and stripped.startswith("```"):
            blocks.append((start, "\n".join(current) + "\n"))
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, f"unclosed code block starting at {path.name}:{start}"
    return blocks


PYTHON_BLOCKS = [(doc.name, line, code) for doc in DOCS for line, code in code_blocks("python", doc)]


def test_readme_has_python_examples():
    assert any(name == "README.md" for name, _, _ in PYTHON_BLOCKS), "README.md has no ```python block"


@pytest.mark.parametrize("name, line, code", PYTHON_BLOCKS,
                         ids=[f"{name}:{line}" for name, line, _ in PYTHON_BLOCKS])
def test_readme_python_block_runs(name, line, code, tmp_path, monkeypatch, capsys):
    path = tmp_path / f"{name.replace('.', '_')}_block_{line}.py"
    path.write_text(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        runpy.run_path(str(path), run_name="__main__")
    except Exception as exc:
        raise AssertionError(f"the ```python block at {name}:{line} raised "
                             f"{type(exc).__name__}: {exc}") from exc


def readme_commands() -> list[str]:
    """The `s2sad ...` commands of the README's bash blocks that use examples/."""
    commands = []
    for _, block in code_blocks("bash"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("s2sad ") and "examples/" in part:
                    commands.append(part)
    return commands


def run_cli(command: str, monkeypatch, capsys) -> str:
    """Run an `s2sad ...` command line in-process from the repository root."""
    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    status = cli.main(shlex.split(command)[1:])
    out, err = capsys.readouterr()
    assert status == 0, f"{command} exited with {status}\n{out}\n{err}"
    assert out.strip(), f"{command} printed nothing"
    return out


@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs(command, monkeypatch, capsys):
    run_cli(command, monkeypatch, capsys)


# ------------------------------------------------------------------------------ examples

def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"s2sad_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _example_functions():
    found = []
    for path in EXAMPLES:
        module = _load(path)
        if hasattr(module, "main"):     # a worked example: tests/test_examples.py runs it
            continue
        for name, fn in vars(module).items():
            if (inspect.isfunction(fn) and fn.__module__ == module.__name__
                    and not name.startswith("_")):
                found.append((path, name, fn))
    return found


FUNCTIONS = _example_functions()


def test_there_are_examples():
    assert EXAMPLES and FUNCTIONS


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_as_a_script(path):
    result = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def _float_args(fn, rng):
    """Values in (0.5, 1.5) for the parameters without defaults (a float, or an array
    of shape (3,) when annotated as an array); None when a parameter is not numeric."""
    args = []
    for p in inspect.signature(fn).parameters.values():
        if p.default is not inspect.Parameter.empty or p.kind not in (
                p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            continue
        ann = p.annotation if not isinstance(p.annotation, str) else p.annotation.split(".")[-1]
        if ann in (np.ndarray, "ndarray", "np.ndarray"):
            args.append(rng.uniform(0.5, 1.5, size=3))
        elif ann in (float, "float", inspect.Parameter.empty):
            args.append(float(rng.uniform(0.5, 1.5)))
        else:
            return None
    return tuple(args)


@pytest.mark.parametrize("path, name, fn", FUNCTIONS,
                         ids=[f"{p.name}:{n}" for p, n, _ in FUNCTIONS])
def test_example_function_gradients(path, name, fn):
    args = _float_args(fn, np.random.default_rng(0))
    assert args, f"{name}: every example function takes float parameters"
    value = fn(*args)
    assert np.all(np.isfinite(value)), f"{name} is not finite at the test point"
    check_grads(fn, args, modes=("forward", "reverse"))
    if np.ndim(value) == 0 and not isinstance(value, tuple):
        for mode in ("reverse", "forward"):
            grads = s2sad.grad(fn, wrt=tuple(range(len(args))), mode=mode)(*args)
            assert len(grads) == len(args)
            for g, a in zip(grads, args):
                assert np.shape(g) == np.shape(a)
                assert np.all(np.isfinite(g))


def test_example_docstring_commands_run(monkeypatch, capsys):
    """The `s2sad ...` lines in the examples' docstrings run (they document the CLI)."""
    commands = []
    for path in EXAMPLES:
        doc = _load(path).__doc__ or ""
        for line in doc.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("s2sad ") and "examples/" in line:
                commands.append(line)
    for command in commands:
        run_cli(command, monkeypatch, capsys)
