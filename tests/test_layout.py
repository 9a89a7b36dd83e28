"""The package layout: `s2sad.rules` holds rule tables, `s2sad.runtime` the helpers.

Runtime helpers (what generated code calls as `rt.<name>`) live in the package
`s2sad.runtime`; none are left in `s2sad/rules/` as `rt_*.py` modules, and every
`rt.<name>` that a rule's terms mention exists there.
"""
from __future__ import annotations

import pathlib
import re

import s2sad.rules
import s2sad.runtime as rt
from s2sad.rules import RULES

RULES_DIR = pathlib.Path(s2sad.rules.__file__).parent


def test_rules_holds_no_runtime_helper_modules():
    helpers = sorted(p.name for p in RULES_DIR.glob("rt_*.py"))
    assert not helpers, f"runtime helpers belong in s2sad/runtime/, not s2sad/rules/: {helpers}"


def test_runtime_is_a_package():
    assert hasattr(rt, "__path__"), "s2sad.runtime must be a package (s2sad/runtime/)"
    assert pathlib.Path(rt.__file__).name == "__init__.py"
    for path in pathlib.Path(rt.__file__).parent.glob("[!_]*.py"):
        value = getattr(rt, path.stem, None)
        assert value is None or type(value).__name__ == "module", \
            f"rt.{path.stem} is a {type(value).__name__}, shadowing s2sad/runtime/{path.name}"


def _rule_texts():
    for rule in RULES.values():
        yield from ((rule.name, text) for table in (rule.jvp, rule.vjp, rule.partials)
                    for text in table.values())


def test_every_rt_name_in_a_rule_exists():
    texts = list(_rule_texts())
    mentioned = {(name, attr) for name, text in texts for attr in re.findall(r"\brt\.(\w+)", text)}
    assert mentioned, "no rule mentions rt: the search is broken"
    missing = sorted((name, f"rt.{attr}") for name, attr in mentioned
                     if not callable(getattr(rt, attr, None)))   # a helper, not a submodule
    assert not missing, missing
