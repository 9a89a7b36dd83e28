"""Render the published rule table (docs/rules.md) from the registry.

`python -m s2sad.rules.render` rewrites docs/rules.md; a test checks it is up to date.
"""
from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import numpy as np

from ..callables import LIBRARY_MODULES
from . import NONDIFF, RULES, coverage, load_deferred
from .kinks import KINKS, NOTES

ROOT = Path(__file__).resolve().parents[2]
DOC_PATH = ROOT / "docs" / "rules.md"
# Files that state the rule counts, between these markers (written by `write`).
COUNTED = (ROOT / "README.md",)
COUNT_MARKERS = ("<!-- rules-count -->", "<!-- /rules-count -->")

GROUPS = (
    ("operator", "Python operators (`operator`)"),
    ("builtins", "Python builtins"),
    ("math", "`math`"),
    ("numpy-elementwise", "NumPy elementwise functions"),
    ("numpy", "NumPy: reductions, products, shapes, indexing, constructors"),
    ("numpy.linalg", "`numpy.linalg`"),
    ("numpy.random", "`numpy.random` (pathwise derivatives)"),
    ("ndarray", "`ndarray` methods and attributes"),
    ("scipy.special", "`scipy.special` (with SciPy installed)"),
    ("scipy.stats", "`scipy.stats` (with SciPy installed)"),
    ("other", "IR primitives"),
)
NONDIFF_TITLES = {"numpy-elementwise": "NumPy", "numpy": "NumPy",
                  "numpy.random": "`numpy.random`"}


def group_of(name: str, elementwise: bool = False, key=None) -> str:
    """The documentation group of a registered function (by display name and key)."""
    if key is not None and not isinstance(key, str) and not callable(key):
        return "other"           # the IR's own primitives
    for prefix in ("ndarray", "numpy.linalg", "numpy.random", "math", "operator", "scipy.special",
                   "scipy.stats"):
        if name.startswith(prefix + "."):
            return prefix
    if name.startswith("numpy."):
        return "numpy-elementwise" if elementwise else "numpy"
    return "builtins" if "." not in name else "other"


def _code(text: str) -> str:
    return "`" + text.replace("|", "\\|") + "`"


def _number(x) -> str:
    if isinstance(x, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_number(v) for v in x) + "]"
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x - 1 / 3) < 1e-15:
        return "1/3"
    return f"{x:g}"


def _rule_row(rule) -> str:
    params = ", ".join(rule.differentiable) or "-"
    if rule.elementwise:
        derivative = "<br>".join(f"∂/∂{p} = {_code(t)}" for p, t in rule.partials.items())
    else:
        derivative = "<br>".join(f"{_code('d' + p)}: {_code(t)}" for p, t in rule.jvp.items())
    return f"| {_code(rule.name)} | {params} | {derivative} |"


def built_in(key) -> bool:
    """A rule s2sad ships (not one a user registered with s2sad.defvjp & co.)."""
    if isinstance(key, str):           # a method: "method:name"
        return True
    module = getattr(key, "__module__", None) or ""
    return not module or module.split(".")[0] in LIBRARY_MODULES


def counts() -> tuple[int, int]:
    """(functions with a rule, functions declared non-differentiable) that s2sad ships."""
    return (sum(1 for r in RULES.values() if built_in(r.fn)),
            sum(1 for key in NONDIFF if built_in(key)))


def count_text() -> str:
    """The sentence every counted file carries between COUNT_MARKERS."""
    rules, nondiff = counts()
    return (f"{rules} functions have derivative rules in both modes and {nondiff} are "
            "declared non-differentiable")


def stamp_counts(text: str) -> str:
    """`text` with the sentence between each pair of COUNT_MARKERS brought up to date."""
    start, end = COUNT_MARKERS
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _: start + count_text() + end, text)


def render() -> str:
    """The Markdown text of docs/rules.md."""
    load_deferred()
    rules = sorted((r for r in RULES.values() if built_in(r.fn)), key=lambda r: r.name)
    nondiff = sorted((name, group_of(name, key=key)) for key, name in NONDIFF.items()
                     if built_in(key))
    out = [
        "# Derivative rules",
        "",
        "<!-- Generated from the rule registry by `python -m s2sad.rules.render`; "
        "do not edit by hand. -->",
        "",
        f"{COUNT_MARKERS[0]}{count_text()}{COUNT_MARKERS[1]} (non-differentiable: "
        "derivative zero, no code emitted).",
        "",
        "Elementwise functions are given by their partial derivatives: the tangent is "
        "`sum(dx * ∂/∂x)` broadcast to the output, and the cotangent of `x` is "
        "`g * ∂/∂x` summed back to x's shape.  Other functions are given by their "
        "forward terms (`dx` is the tangent of parameter `x`, `ans` the output); their "
        "reverse contributions are written next to them in `s2sad/rules/`.  `rt` is "
        "`s2sad.runtime`.",
        "",
        "## Behaviour at non-differentiable points",
        "",
        "Values are chosen by these rules, in order:",
        "",
        "1. differentiable there: the derivative;",
        "2. convex nearby: the minimum-norm subgradient (concave: supergradient), so "
        "`abs'(0) = 0`, ties of max/min split evenly and norms have gradient 0 at 0;",
        "3. defined there: the limit of the derivative, which may be infinite "
        "(`sqrt'(0) = inf`);",
        "4. undefined there (a 0/0 limit, a NaN input): NaN, and no error.",
        "",
        "Where none applies the choice is documented below (`clip` passes the gradient "
        "on the closed interval [lo, hi], bounds included).  Each row is checked "
        "against the rules by the test suite.",
        "",
        "| At | Parameter | Derivative | Rule |",
        "| --- | --- | --- | --- |",
    ]
    for kink in KINKS:
        out.append(f"| {_code(kink.call)} | {kink.param} | {_number(kink.expected)} "
                   f"| {kink.why} |")
    out.append("")
    out.extend(f"- {note}" for note in NOTES)
    for group, title in GROUPS:
        members = [r for r in rules if group_of(r.name, r.elementwise, r.fn) == group]
        if not members:
            continue
        out += ["", f"## {title}", "", "| Function | Differentiable | Derivative |",
                "| --- | --- | --- |"]
        out += [_rule_row(r) for r in members]
    out += ["", "## Non-differentiable functions", ""]
    for group, title in GROUPS:
        members = [n for n, g in nondiff if g == group]
        if members:
            title = NONDIFF_TITLES.get(group, title)
            out.append(f"- {title}: " + ", ".join(_code(n) for n in members))
    out += [""] + coverage.render(built_in) + [""]
    return "\n".join(out)


def write(path: Path = DOC_PATH) -> None:
    """Write docs/rules.md (or `path`) and the rule counts of the COUNTED files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    for counted in COUNTED:
        text = counted.read_text(encoding="utf-8")
        if stamp_counts(text) != text:
            counted.write_text(stamp_counts(text), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else DOC_PATH)
