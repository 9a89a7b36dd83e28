"""The documentation pages are reachable, complete and in step with the code.

* Every docs/*.md page is linked from the README's Documentation list.
* Every public name (`s2sad.__all__`, and `s2sad.testing.check_grads`) is documented in
  docs/api.md, and the signatures written there match the functions'.
* The ```python blocks of the pages are collected by tests/test_readme.py (which runs
  them): every block fenced as python is found, and no block uses another spelling.
* Links between the pages point to files and headings that exist.
* The `s2sad ...` commands of docs/cli.md's ```bash blocks run from the root of the
  repository (files written by `emit` go to a temporary directory, and import).
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import shlex
from pathlib import Path

import pytest

import s2sad
import s2sad.testing
from s2sad import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
API = ROOT / "docs" / "api.md"
CLI_DOC = ROOT / "docs" / "cli.md"
NEWCOMER_PAGES = [ROOT / "docs" / name for name in
                  ("tutorial.md", "api.md", "coming_from.md", "cli.md")]
FENCE_LANGUAGES = {"", "python", "text", "bash"}


def _test_readme():
    """tests/test_readme.py as a module (it defines how blocks are collected)."""
    spec = importlib.util.spec_from_file_location("_s2sad_test_readme_for_docs",
                                                  ROOT / "tests" / "test_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fences(path: Path) -> list[tuple[int, str]]:
    """(line, language) of every opening ``` fence of `path`."""
    found, inside = [], False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            if not inside:
                found.append((number, stripped[3:].strip()))
            inside = not inside
    return found


# ---------------------------------------------------------------- reachable

def documentation_section() -> str:
    text = README.read_text()
    start = text.index("## Documentation")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def test_the_newcomer_pages_exist():
    for page in NEWCOMER_PAGES:
        assert page.is_file(), page


@pytest.mark.parametrize("page", DOCS, ids=[p.name for p in DOCS])
def test_every_page_is_linked_from_the_readme(page):
    assert f"`docs/{page.name}`" in documentation_section(), (
        f"docs/{page.name} is not in README.md's Documentation list")


# ---------------------------------------------------------------- complete

PUBLIC = list(s2sad.__all__) + ["testing.check_grads"]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_in_the_api_reference(name):
    assert f"s2sad.{name}" in API.read_text(), f"s2sad.{name} is not in docs/api.md"


def documented_signatures() -> list[tuple[str, str]]:
    """(dotted name, parameter text) of each `s2sad.NAME(...)` line of the ```text
    blocks of docs/api.md (continuation lines joined)."""
    lines, inside, language = [], False, ""
    for line in API.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            inside, language = not inside, stripped[3:].strip()
            continue
        if not inside or language != "text":
            continue
        if lines and line.startswith(" ") and lines[-1].count("(") > lines[-1].count(")"):
            lines[-1] += " " + stripped
        else:
            lines.append(stripped)
    found = []
    for line in lines:
        match = re.match(r"^s2sad\.([\w.]+)\((.*)\)(\s*->.*)?$", line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def _parameters(text: str) -> list[tuple]:
    """(name, kind, default) of a parameter list written as in a def."""
    args = ast.parse(f"def _({text}): pass").body[0].args
    result = []
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + args.defaults
    for arg, default in zip(positional, defaults):
        result.append((arg.arg, "positional",
                       inspect.Parameter.empty if default is None else ast.literal_eval(default)))
    if args.vararg:
        result.append((args.vararg.arg, "*", inspect.Parameter.empty))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        result.append((arg.arg, "keyword",
                       inspect.Parameter.empty if default is None else ast.literal_eval(default)))
    if args.kwarg:
        result.append((args.kwarg.arg, "**", inspect.Parameter.empty))
    return result


_KINDS = {inspect.Parameter.POSITIONAL_ONLY: "positional",
          inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
          inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.KEYWORD_ONLY: "keyword",
          inspect.Parameter.VAR_KEYWORD: "**"}


def test_the_api_reference_gives_every_function_a_signature():
    documented = {name for name, _ in documented_signatures()}
    functions = {name for name in s2sad.__all__ if not isinstance(getattr(s2sad, name), type)}
    assert functions | {"testing.check_grads"} <= documented


@pytest.mark.parametrize("name, text", documented_signatures(),
                         ids=[name for name, _ in documented_signatures()])
def test_documented_signatures_match_the_code(name, text):
    obj = s2sad
    for part in name.split("."):
        obj = getattr(obj, part)
    actual = [(p.name, _KINDS[p.kind], p.default)
              for p in inspect.signature(obj).parameters.values()]
    assert _parameters(text) == actual, f"docs/api.md: s2sad.{name}({text})"


# ---------------------------------------------------------------- the blocks run

@pytest.mark.parametrize("page", [README] + DOCS, ids=[p.name for p in [README] + DOCS])
def test_code_fences_use_known_languages(page):
    for line, language in fences(page):
        assert language in FENCE_LANGUAGES, (
            f"{page.name}:{line}: ```{language} is neither run (```python) nor a listing "
            f"(```text, ```bash)")


def test_the_python_blocks_of_the_pages_are_collected():
    test_readme = _test_readme()
    collected = {(name, line) for name, line, _ in test_readme.PYTHON_BLOCKS}
    for page in NEWCOMER_PAGES:
        python = [line + 1 for line, language in fences(page) if language == "python"]
        assert python or page == CLI_DOC, f"{page.name} has no ```python block"
        missing = [line for line in python if (page.name, line) not in collected]
        assert not missing, f"{page.name}: blocks at lines {missing} are not run"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set:
    anchors, inside = set(), False
    for line in page.read_text().splitlines():
        if line.strip().startswith("```"):
            inside = not inside
        elif not inside and line.startswith("#"):
            anchors.add(_slug(line.lstrip("#")))
    return anchors


@pytest.mark.parametrize("page", NEWCOMER_PAGES, ids=[p.name for p in NEWCOMER_PAGES])
def test_links_between_pages_resolve(page):
    text = re.sub(r"`[^`\n]*`", "", page.read_text())        # not inside code spans
    links = re.findall(r"\]\(((?:[\w./-]+\.md)?)(?:#([\w-]+))?\)", text)
    for target, anchor in links:
        path = (page.parent / target) if target else page
        assert path.is_file(), f"{page.name}: link to missing {target}"
        if anchor:
            assert anchor in _anchors(path), f"{page.name}: no heading #{anchor} in {path.name}"


# ---------------------------------------------------------------- docs/cli.md

def cli_doc_commands() -> list[str]:
    commands = []
    for line, language in fences(CLI_DOC):
        if language != "bash":
            continue
        body = CLI_DOC.read_text().splitlines()[line:]
        for text in body[:body.index("```")]:
            text = text.split(" #", 1)[0].strip()
            if text.startswith("s2sad "):
                commands.append(text)
    return commands


def test_cli_doc_covers_every_command_and_mode():
    text = CLI_DOC.read_text()
    for command in ("show", "ir", "emit", "rules"):
        assert f"## {command}" in text
    for mode in cli.MODES:
        assert f"| `{mode}`" in text
    assert "--example" in text and "--no-color" in text and "--wrt" in text


@pytest.mark.parametrize("command", cli_doc_commands())
def test_cli_doc_commands_run(command, tmp_path, monkeypatch, capsys):
    argv = shlex.split(command)[1:]
    written = None
    if "-o" in argv:
        at = argv.index("-o") + 1
        written = tmp_path / Path(argv[at]).name
        argv[at] = str(written)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status == 0, f"{command} exited with {status}\n{err}"
    assert out.strip()
    if written is not None:
        monkeypatch.syspath_prepend(str(ROOT / "examples"))
        spec = importlib.util.spec_from_file_location(f"emitted_{written.stem}", written)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert callable(getattr(module, module.__all__[0]))
