"""Coverage of library namespaces: s2sad's rules (read from the rule table when the
document is rendered) against what autograd and JAX differentiate (peers.py).

A row is one function object: aliases (`np.abs` and `np.absolute`, `psi` and
`digamma`) are one row, named as s2sad's table names it, else by its first name.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from . import NONDIFF, RULES, lookup
from .peers import AUTOGRAD_NOGRAD, PEERS

# (section, the module its names are looked up in); a rule belongs to the section
# whose name is the longest prefix of the rule's name.
SECTIONS = ("numpy", "numpy.linalg", "numpy.fft", "scipy.special", "scipy.stats",
            "scipy.linalg", "math")
EXCLUDED = ("numpy.random.",)      # pathwise random draws: no peer counterpart


@dataclass
class Row:
    name: str
    s2sad: str          # "forward, reverse", "zero" (non-differentiable) or ""
    peers: dict         # peer -> "yes", "zero" or ""


def _module(section: str):
    try:
        return importlib.import_module(section)
    except ImportError:
        return None


def _resolve(module, name: str):
    """The function `name` ("f" or "dist.method") of `module`, or None."""
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj if callable(obj) and not isinstance(obj, type) else None


def section_of(name: str):
    """The coverage section of a rule's display name, or None."""
    if name.startswith(EXCLUDED):
        return None
    best = None
    for section in SECTIONS:
        if name.startswith(section + ".") and (best is None or len(section) > len(best)):
            best = section
    return best


def _status(key) -> str:
    try:
        found = lookup(key)
    except TypeError:
        return ""
    if found == "nondiff":
        return "zero"
    return ", ".join(found.modes) if found is not None else ""


def _key(obj):
    try:
        hash(obj)
        return obj
    except TypeError:
        return id(obj)


def rows(section: str, shipped) -> list:
    """The rows of one section, sorted by name.  `shipped(key)` says whether a
    registered rule is one s2sad ships (not a user's)."""
    table = {}
    module = _module(section)
    for peer, names in PEERS:      # first: a look-up may register a deferred table
        nograd = AUTOGRAD_NOGRAD.get(section, frozenset()) if peer == "autograd" else ()
        for name in sorted(names.get(section, frozenset()) | frozenset(nograd)):
            obj = _resolve(module, name) if module is not None else None
            if obj is None:
                continue
            row = table.setdefault(_key(obj), Row(f"{section}.{name}", _status(obj), {}))
            row.peers[peer] = "zero" if name in nograd else "yes"
    named = [(key, rule.name) for key, rule in list(RULES.items())] + list(NONDIFF.items())
    for key, name in named:       # s2sad's own names, and its rules no peer has
        if shipped(key) and section_of(name) == section:
            row = table.setdefault(_key(key), Row(name, _status(key), {}))
            row.name = name
    return sorted(table.values(), key=lambda r: r.name)


def summary(table: list) -> dict:
    """Counts of one section's rows."""
    peers = [p for p, _ in PEERS]
    return {
        "functions": len(table),
        "s2sad": sum(1 for r in table if r.s2sad),
        **{p: sum(1 for r in table if r.peers.get(p)) for p in peers},
        "s2sad only": sum(1 for r in table if r.s2sad and not r.peers),
        "missing": sum(1 for r in table if not r.s2sad and r.peers),
    }


def _cell(text: str) -> str:
    return text or "—"


def render(shipped) -> list:
    """The Markdown lines of the coverage section."""
    peers = [p for p, _ in PEERS]
    tables = {s: rows(s, shipped) for s in SECTIONS}
    out = [
        "## Coverage against autograd and JAX",
        "",
        "Function by function: whether s2sad has a rule (and in which modes; `zero`: "
        "declared non-differentiable), and whether autograd and JAX differentiate it "
        "(`zero`: declared to have a zero derivative).  The s2sad column is read from "
        "the rule table; the peers' columns from `s2sad/rules/peers.py`, compiled from "
        "their public API lists.  Neither peer differentiates Python's `math` "
        "functions, which need a float rather than a traced value.",
        "",
        "| Namespace | Functions | s2sad | " + " | ".join(peers) +
        " | s2sad only | Missing in s2sad |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in peers) + " | ---: | ---: |",
    ]
    for section in SECTIONS:
        counts = summary(tables[section])
        cells = [counts["functions"], counts["s2sad"], *(counts[p] for p in peers),
                 counts["s2sad only"], counts["missing"]]
        out.append(f"| `{section}` | " + " | ".join(str(c) for c in cells) + " |")
    out += ["", "### To do: functions a peer differentiates and s2sad does not", ""]
    for section in SECTIONS:
        missing = [r.name for r in tables[section] if not r.s2sad and r.peers]
        if missing:
            out.append(f"- `{section}` ({len(missing)}): " +
                       ", ".join(f"`{n}`" for n in missing))
    for section in SECTIONS:
        if not tables[section]:
            continue
        out += ["", f"### `{section}`", "", "| Function | s2sad | " + " | ".join(peers) +
                " |", "| --- | --- | " + " | ".join("---" for _ in peers) + " |"]
        out += [f"| `{r.name}` | {_cell(r.s2sad)} | " +
                " | ".join(_cell(r.peers.get(p, "")) for p in peers) + " |"
                for r in tables[section]]
    return out
