"""Backends: other ways to run the derivative code codegen writes.

`backend="python"` (the default) loads the generated text as Python.
`backend="numba"` writes the same IR in forms Numba compiles (`numba_forms.py`, used
by codegen) and compiles the derivative and every callee derivative it calls with
`numba.njit` in nopython mode (`numba_backend.py`; the `rt.` helpers it may call have
Numba versions in `numba_runtime.py`).  Where Numba cannot compile a construct, the
derivative falls back to the Python backend with a `BackendFallbackWarning` naming
the construct and the user's line; `backend="numba!"` raises `S2SADError` instead.

Importing this package does not import Numba (the Python backend never needs it).
"""
from __future__ import annotations

import functools
import importlib.util

from ..errors import S2SADError

BACKENDS = ("python", "numba", "numba!")
INSTALL_HINT = 'pip install "s2sad[jit]"'


class BackendFallbackWarning(UserWarning):
    """A derivative asked for with backend="numba" runs on the Python backend (the
    message names the construct Numba cannot compile and the user's line)."""


@functools.lru_cache(maxsize=None)
def numba_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def check_backend(backend) -> str:
    """`backend` itself when it is a known backend that can run here; a ValueError for
    an unknown name, an S2SADError saying how to install Numba when it is missing."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, "
                         f"not {backend!r}")
    if backend != "python" and not numba_available():
        raise S2SADError(
            f'backend={backend!r} compiles derivatives with Numba, which is not installed: '
            f'{INSTALL_HINT} (or pip install numba), or use backend="python"')
    return backend


def uses_numba(backend: str) -> bool:
    return backend in ("numba", "numba!")


__all__ = ["BACKENDS", "BackendFallbackWarning", "check_backend", "numba_available",
           "uses_numba"]
