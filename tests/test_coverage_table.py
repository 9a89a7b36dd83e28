"""The coverage section of docs/rules.md and the rule counts quoted in the README: both
are computed from the rule table, so they cannot drift from it."""
from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.special

from s2sad.rules import NONDIFF, RULES, coverage, defrule, peers, render

ALL_SHIPPED = render.built_in


def _row(section, name, shipped=ALL_SHIPPED):
    found = [r for r in coverage.rows(section, shipped) if r.name == name]
    assert len(found) == 1, (section, name, found)
    return found[0]


def test_counts_in_counted_files_equal_the_table():
    rules = sum(1 for key in RULES if render.built_in(key))
    nondiff = sum(1 for key in NONDIFF if render.built_in(key))
    start, end = render.COUNT_MARKERS
    for path in render.COUNTED + (render.DOC_PATH,):
        text = path.read_text(encoding="utf-8")
        stated = re.findall(re.escape(start) + "(.*?)" + re.escape(end), text, re.S)
        assert stated, f"{path.name} has no {start} marker"
        for sentence in stated:
            numbers = [int(n) for n in re.findall(r"\d+", sentence)]
            assert numbers == [rules, nondiff], \
                f"{path.name} says {sentence!r}: run python -m s2sad.rules.render"


def test_no_rule_count_outside_the_markers():
    """A number of rules or functions written by hand would go stale."""
    start, end = render.COUNT_MARKERS
    docs = [render.ROOT / "README.md"] + sorted((render.ROOT / "docs").glob("*.md"))
    pattern = re.compile(r"~?\b\d+\+?\s+(?:[\w-]+\s+){0,3}?(?:rules|functions)\b")
    for path in docs:
        if path == render.DOC_PATH:
            continue
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), "", path.read_text(), flags=re.S)
        assert not pattern.findall(text), (path.name, pattern.findall(text))


def test_stamp_counts_rewrites_a_stale_sentence():
    start, end = render.COUNT_MARKERS
    stale = f"before {start}12 functions have rules{end} after"
    assert render.stamp_counts(stale) == f"before {start}{render.count_text()}{end} after"


def test_s2sad_column_is_the_rule_table():
    assert _row("numpy", "numpy.sin").s2sad == "forward, reverse"
    assert _row("numpy", RULES[np.absolute].name).s2sad == "forward, reverse"
    assert _row("numpy", NONDIFF[np.floor]).s2sad == "zero"
    assert _row("math", "math.sin").s2sad == "forward, reverse"
    assert _row("numpy.linalg", "numpy.linalg.solve").s2sad == "forward, reverse"
    for section in coverage.SECTIONS:
        for row in coverage.rows(section, ALL_SHIPPED):
            if row.name in {r.name for r in RULES.values()}:
                assert row.s2sad, row.name
            assert row.s2sad or row.peers, f"{row.name}: a row with no coverage at all"


def test_every_shipped_rule_of_a_namespace_has_a_row():
    for key, rule in RULES.items():
        section = coverage.section_of(rule.name)
        if render.built_in(key) and section:
            assert any(r.name == rule.name for r in coverage.rows(section, ALL_SHIPPED))


def test_aliases_are_one_row():
    names = [r.name for r in coverage.rows("numpy", ALL_SHIPPED)]
    assert len(names) == len(set(names))
    assert "numpy.abs" not in names and RULES[np.absolute].name in names
    row = _row("numpy", RULES[np.absolute].name)
    assert row.peers == {"autograd": "yes", "JAX": "yes"}
    special = [r.name for r in coverage.rows("scipy.special", ALL_SHIPPED)]
    assert scipy.special.psi is scipy.special.digamma
    assert "scipy.special.psi" not in special and "scipy.special.digamma" in special


def test_peer_columns_come_from_the_peer_table():
    assert _row("numpy", NONDIFF[np.argmax]).peers == {"autograd": "zero", "JAX": "yes"}
    assert _row("numpy.fft", "numpy.fft.rfft").peers == {"autograd": "yes", "JAX": "yes"}
    assert _row("numpy.fft", "numpy.fft.hfft").peers == {"JAX": "yes"}
    assert all(not r.peers for r in coverage.rows("math", ALL_SHIPPED))


def test_a_rule_registered_later_moves_off_the_to_do_list():
    """The table is read when the document is rendered, so new rules show up."""
    fn = np.fft.hfft                    # (a function with no rule that JAX covers)
    assert fn not in RULES
    before = coverage.summary(coverage.rows("numpy.fft", ALL_SHIPPED))
    assert _row("numpy.fft", "numpy.fft.hfft").s2sad == ""
    defrule(fn, "a, n=None, axis=-1, norm=None", jvp={"a": "np.fft.hfft(da, n, axis, norm)"},
            vjp={"a": "rt.zeros_like(a)"})
    try:
        after = coverage.summary(coverage.rows("numpy.fft", lambda key: True))
        assert RULES[fn].name == "numpy.fft.hfft"      # named by its namespace
        assert _row("numpy.fft", "numpy.fft.hfft", lambda key: True).s2sad == \
            "forward, reverse"
        assert not [r for r in coverage.rows("numpy", lambda key: True) if "hfft" in r.name]
    finally:
        del RULES[fn]
    assert after["s2sad"] == before["s2sad"] + 1
    assert after["missing"] == before["missing"] - 1
    assert after["functions"] == before["functions"]


def test_summary_counts_add_up():
    for section in coverage.SECTIONS:
        table = coverage.rows(section, ALL_SHIPPED)
        counts = coverage.summary(table)
        assert counts["functions"] == len(table)
        covered_by_peer = sum(1 for r in table if r.peers)
        assert counts["s2sad"] + counts["missing"] == counts["s2sad only"] + covered_by_peer


def test_to_do_list_in_the_document():
    text = render.DOC_PATH.read_text(encoding="utf-8")
    todo = text.split("### To do")[1].split("\n### ")[0]
    for section in coverage.SECTIONS:
        for row in coverage.rows(section, ALL_SHIPPED):
            listed = f"`{row.name}`" in todo
            assert listed == (not row.s2sad and bool(row.peers)), row.name


# Names a peer exports that the installed NumPy/SciPy lack (removed or renamed there)
# or that are classes, not functions: left out of the table.
ABSENT = {"msort", "vectorize", "lpmn", "lpmn_values", "sph_harm"}


@pytest.mark.parametrize("peer, table", peers.PEERS + (("nograd", peers.AUTOGRAD_NOGRAD),))
def test_peer_names_resolve(peer, table):
    """A misspelt name in peers.py would silently drop a row."""
    for section, names in table.items():
        module = coverage._module(section)
        unresolved = {n for n in names if coverage._resolve(module, n) is None}
        assert unresolved <= ABSENT, (peer, section, sorted(unresolved - ABSENT))
