"""Test-suite settings: every IR built by the tests is checked by the verifier; the
rules loaded on first use (scipy.stats) are loaded now, so that every test sees the
whole table whatever runs before it (tests/test_scipy_stats.py checks the deferred
loading in fresh processes); and the Numba backend's disk cache is a fresh directory
of this run (not the user's)."""
import os
import tempfile

import s2sad.compiler
import s2sad.rules

s2sad.compiler.DEFAULT.verify = True
s2sad.rules.load_deferred()
os.environ.setdefault("S2SAD_CACHE_DIR", tempfile.mkdtemp(prefix="s2sad-test-cache-"))
