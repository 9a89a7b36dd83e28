"""The on-disk cache of Numba derivatives: a second process does not compile again.

Numba caches compiled code on disk (`njit(cache=True)`) only for functions defined
in a real file.  `load` writes the Numba text of a derivative program to a file of
the cache directory and imports it from there with every function wrapped in
`njit(cache=True)`; Numba keeps the machine code beside it (`__pycache__`), and a
later process loading the same file finds it there.

* The directory is `$S2SAD_CACHE_DIR` when set (an empty value turns the cache off),
  else `$XDG_CACHE_HOME/s2sad/numba` or `~/.cache/s2sad/numba`.
* The file is named by a hash of everything the compiled code depends on: the text,
  the values it was generated with (`program.objects`: modules by name, numbers and
  arrays by value), the source of the Numba helpers it calls (numba_runtime.py,
  numba_kernels.py) and the versions of Python, NumPy and Numba.  A program that
  refers to anything else (a user's njit function, whose code the hash cannot
  follow) is not cached on disk.
* The file is written to a temporary name and renamed, so a process never imports
  a half-written file; two processes writing at once write the same bytes.
* When the directory cannot be written (or Numba refuses to cache), `load` returns
  None and the derivative is compiled in memory as before; `logging` notes why at
  debug level (logger "s2sad").

Deleting the directory is always safe.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import pathlib
import sys
import tempfile
import types

import numba
import numpy as np

from .. import loader

ENV = "S2SAD_CACHE_DIR"
_LOG = logging.getLogger("s2sad")
_HELPERS = ("numba_runtime.py", "numba_kernels.py")


def cache_dir():
    """The cache directory (a Path), or None when $S2SAD_CACHE_DIR is set empty."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return pathlib.Path(chosen).expanduser() if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "s2sad" / "numba"


def _token(value):
    """A text standing for `value` in the cache key, or None when the key cannot
    follow it (the program is then not cached on disk)."""
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, (bool, int, float, complex, str)):
        return f"{type(value).__name__} {value!r}"
    if isinstance(value, (np.ndarray, np.generic)):
        data = np.ascontiguousarray(value)
        return f"array {data.dtype.str} {data.shape} {hashlib.sha256(data.tobytes()).hexdigest()}"
    return None


def _helpers_digest() -> str:
    here = pathlib.Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in _HELPERS)).hexdigest()


def key(text: str, objects: dict):
    """The hash naming the cache file of `text` run with `objects`, or None when an
    object cannot be part of the key."""
    parts = [text, sys.version, np.__version__, numba.__version__, _helpers_digest()]
    for name in sorted(objects):
        token = _token(objects[name])
        if token is None:
            _LOG.debug("s2sad: no Numba disk cache: %s is a %s", name,
                       type(objects[name]).__name__)
            return None
        parts.append(f"{name} = {token}")
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def load(text: str, names: list, entry: str, objects: dict, origins: list, njit: dict):
    """The entry function `entry` of the program `text` (defining the functions
    `names`), loaded from a file of the cache directory with `objects` as its
    globals and each function wrapped in `numba.njit(**njit, cache=True)`; None when
    the cache is off, cannot be written or Numba refuses to cache (module doc)."""
    digest = key(text, objects)
    directory = cache_dir()
    if digest is None or directory is None:
        return None
    body = text + "".join(f"{n} = _s2sad_njit({n})\n" for n in names)
    source = f"# s2sad: a Numba derivative, cached; safe to delete\n{body}"
    path = directory / f"s2sad_{digest}.py"
    try:
        _write_once(path, source)
        module = _import(path, {**objects, "_s2sad_njit": numba.njit(**njit, cache=True)})
    except (OSError, RuntimeError, numba.core.errors.NumbaError) as exc:
        _LOG.debug("s2sad: no Numba disk cache in %s: %s", directory, exc)
        return None
    loader.register_origins(str(path), [None, None] + list(origins) + [None] * len(names))
    return module.__dict__[entry]


def _write_once(path: pathlib.Path, source: str) -> None:
    """Write `source` to `path` unless it holds it: to a temporary file of the same
    directory, renamed into place (atomic; a concurrent writer writes the same)."""
    try:
        if path.read_text() == source:
            return
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".py")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(source)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _import(path: pathlib.Path, objects: dict):
    """The module of `path`, run with `objects` as globals, and kept in sys.modules
    (Numba finds the globals of cached code by module name)."""
    name = f"s2sad._numba_cache.{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(objects)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module


__all__ = ["ENV", "cache_dir", "key", "load"]
