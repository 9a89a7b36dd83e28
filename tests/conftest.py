"""Test-suite settings: every IR built by the tests is checked by the verifier, and the
Numba backend's disk cache is a fresh directory of this run (not the user's)."""
import os
import tempfile

import s2sad.compiler

s2sad.compiler.DEFAULT.verify = True
os.environ.setdefault("S2SAD_CACHE_DIR", tempfile.mkdtemp(prefix="s2sad-test-cache-"))
