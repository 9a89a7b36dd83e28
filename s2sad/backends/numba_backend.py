"""The Numba backend: a derivative program compiled with `numba.njit` (nopython mode).

`Compiler.compiled` generates the program with `numba=True` (codegen writes the
forms of `numba_forms.py`) and calls `load`, which

1. looks for what Numba cannot run before compiling anything (`unsupported`): an
   argument that is a dict, list or object; a module other than NumPy and math (SciPy);
   a Python function or object the code calls; a closure variable or a module global
   read when the derivative runs (Numba would freeze its value); an `rt.` helper
   without a Numba version (`numba_runtime.SUPPORTED`); `check_finite=True`;
2. otherwise loads the text with every function of the program (the entry and the
   callee derivatives it calls) wrapped in `numba.njit`, the names the functions call
   each other by bound to the compiled functions, and `rt` bound to `numba_runtime`:
   from a file of the disk cache where it can (`numba_cache.py`: a later process
   then loads the machine code instead of compiling), else in memory;
3. returns a `NumbaDerivative`, which compiles on its first call (at LLVM's
   optimisation level `OPT_LEVEL`) and, if Numba refuses the code then (a typing or
   lowering error), runs the Python derivative from then on.

Each fallback warns once (`BackendFallbackWarning`) with the construct and the
user's file:line where known; with `backend="numba!"` it raises `S2SADError`.
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import math
import os
import re
import types
import warnings

import numpy as np
import numba
from numba.core.compiler_lock import global_compiler_lock
from numba.core.errors import NumbaError

from .. import loader, runtime
from ..errors import S2SADError
from . import BackendFallbackWarning, numba_cache, numba_runtime

NJIT = {"nogil": True}
OPT_LEVEL = 1
"""LLVM's optimisation level for derivatives: 1 compiles the benchmark's array
derivatives about a quarter faster than Numba's default 3, and runs them as fast."""
_ARG_TAGS = ("float", "int", "bool")
_MODULES = (np, math, runtime)
_LINE = re.compile(r'File "([^"]+)", line (\d+)')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NumbaDerivative:
    """A derivative compiled with Numba (`jitted`), with the Python derivative of the
    same program (`python`) it runs instead when Numba cannot compile it.  `backend`
    is "numba" while the compiled code runs and "python" after a fallback; `reason`
    says why.  `cache_file` is the file of the disk cache the code was loaded from
    (numba_cache.py), or None when it is compiled in memory only."""

    def __init__(self, jitted, python, name: str, strict: bool, cache_file=None):
        self.jitted, self.python, self.name, self.strict = jitted, python, name, strict
        self.cache_file = cache_file
        self.run = self._first_call
        self.backend, self.reason = "numba", None
        self.source = getattr(jitted, "source", None)

    def __call__(self, *args):
        return self.run(*args)

    def _first_call(self, *args):
        with warnings.catch_warnings(), optimisation_level():
            warnings.simplefilter("ignore", numba.NumbaPerformanceWarning)
            out = self._guarded(*args)
        if self.backend == "numba":
            self.run = self._guarded
        return out

    def _guarded(self, *args):
        try:
            return self.jitted(*args)
        except NumbaError as exc:      # raised while compiling, before anything ran
            why, where = _compile_error(exc)
            fall_back(self, [(why, where)], self.name, self.strict)
            return self.python(*args)


@contextlib.contextmanager
def optimisation_level():
    """LLVM's optimisation level `OPT_LEVEL` (unless $S2SAD_NUMBA_OPT or $NUMBA_OPT says
    otherwise) while a derivative compiles: under Numba's compiler lock, so that no
    other compilation runs at that level."""
    level = os.environ.get("S2SAD_NUMBA_OPT") or \
        (None if "NUMBA_OPT" in os.environ else str(OPT_LEVEL))
    if level is None:
        yield
        return
    with global_compiler_lock:
        before = numba.config.OPT
        numba.config.OPT = type(before)(level if level == "max" else int(level))
        try:
            yield
        finally:
            numba.config.OPT = before


def load(program, python, fn, arg_kinds, backend: str):
    """The derivative of `program` compiled with Numba, or `python` (the Python
    derivative of the same function) with a warning when something in it has no
    Numba form (an S2SADError with backend="numba!")."""
    strict = backend.endswith("!")
    name = getattr(fn, "__qualname__", program.entry.name)
    reasons = unsupported(program, fn, arg_kinds)
    if reasons:
        return fall_back(python, reasons, name, strict)
    objects = {k: (numba_runtime if v is runtime else v) for k, v in program.objects.items()}
    names = re.findall(r"^def (\w+)\(", program.text, re.M)
    jitted = numba_cache.load(program.text, names, program.entry.name, objects,
                              program.origins, NJIT)
    cache_file = jitted.py_func.__code__.co_filename if jitted is not None else None
    if jitted is not None:
        jitted.source = program.text
    else:
        wrap = "".join(f"{n} = _s2sad_njit({n})\n" for n in names)
        filename = program.filename[:-1] + " (numba)>"
        jitted = loader.load(program.text + wrap, program.entry.name, filename,
                             {**objects, "_s2sad_njit": numba.njit(**NJIT)}, fn.__globals__,
                             list(program.origins) + [None] * len(names))
    return NumbaDerivative(jitted, python, name, strict, cache_file)


def fall_back(target, reasons, name: str, strict: bool):
    """Warn (or raise, when `strict`) that the derivative of `name` runs on the Python
    backend because of `reasons` [(construct, where or None)]; `target` is the Python
    derivative or the NumbaDerivative switching to it.  Returns the function to run."""
    found = "; ".join(f"{why} at {where}" if where else why for why, where in reasons)
    if strict:
        raise S2SADError(
            f"backend='numba!': Numba cannot compile the derivative of '{name}': {found}. "
            "Use backend='numba' to run the Python derivative there instead (with a "
            "warning), or backend='python'")
    warnings.warn(
        f"backend='numba': the derivative of '{name}' runs on the Python backend, because "
        f"Numba cannot compile {found} (backend='numba!' makes this an error)",
        BackendFallbackWarning, stacklevel=2)
    if isinstance(target, NumbaDerivative):
        target.run, target.backend, target.reason = target.python, "python", found
        return target.python
    return target


# ---- before compiling ------------------------------------------------------------------

def unsupported(program, fn, arg_kinds) -> list:
    """[(construct, the user's file:line or None)] of what Numba cannot compile or
    would run differently, found in the program before compiling it."""
    reasons = []
    params = program.entry.param_names
    for name, kind in zip(params, arg_kinds):
        if not _numba_kind(kind):
            reasons.append((f"the argument '{name}' (a {kind.tag if kind.tag != 'listof' else 'list'}"
                            f" of kind {kind})", None))
    lines = program.text.splitlines()
    for key, value in program.objects.items():
        if isinstance(value, types.ModuleType) and value not in _MODULES and \
                not value.__name__.startswith("numpy"):
            for attr in dict.fromkeys(re.findall(rf"\b{re.escape(key)}\.(\w+)", program.text)):
                what = "the Python function" if callable(getattr(value, attr, None)) else "the name"
                reasons.append((f"{what} '{value.__name__}.{attr}'",
                                _where(program, lines, rf"\b{re.escape(key)}\.{attr}\b")))
            continue
        why = _object_reason(key, value)
        if why:
            reasons.append((why, _where(program, lines, rf"\b{re.escape(key)}\b")))
    rt_name = next((k for k, v in program.objects.items() if v is runtime), None)
    if rt_name is not None:
        seen = set()
        for helper in re.findall(rf"\b{re.escape(rt_name)}\.(\w+)", program.text):
            if helper not in numba_runtime.SUPPORTED and helper not in seen:
                seen.add(helper)
                reasons.append((f"the helper rt.{helper} (it has no Numba version)",
                                _where(program, lines, rf"\b{rt_name}\.{helper}\b")))
    for name in _globals_read(program, fn):
        reasons.append((f"the module global '{name}' (read when the derivative runs; Numba "
                        "would freeze its value; pass it as an argument)",
                        _where(program, lines, rf"\b{re.escape(name)}\b")))
    return reasons


def _numba_kind(kind) -> bool:
    if kind.tag in _ARG_TAGS:
        return True
    if kind.tag == "array":
        return kind.ndim is not None and np.dtype(kind.dtype).kind in "fiub"
    if kind.tag == "tuple":
        return all(_numba_kind(k) for k in kind.items)
    return False


def _object_reason(key: str, value):
    """Why the factory object `value` (named `key` in the text) keeps the program out
    of Numba, or None."""
    if isinstance(value, types.ModuleType):
        if value in _MODULES or value.__name__.startswith("numpy"):
            return None
        return f"a call into the module '{value.__name__}' ({key})"
    if isinstance(value, types.CellType):
        return f"the closure variable '{key.removeprefix('cell_')}' (read when it runs)"
    if isinstance(value, numba.core.dispatcher.Dispatcher):
        return None            # the user's own njit function
    if isinstance(value, (bool, int, float, complex, str, np.ndarray, np.generic)):
        return None
    if callable(value):
        what = getattr(value, "__qualname__", type(value).__name__)
        return f"a call of the Python function '{what}'"
    return f"the Python object '{key}' of type {type(value).__name__}"


def _globals_read(program, fn) -> list:
    """The names the generated functions read from the user's module globals."""
    tree = ast.parse(program.text)
    local = set(program.objects) | set(dir(builtins))
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        local.add(node.name)
        bound = {a.arg for a in node.args.args}
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
                bound.add(sub.id)
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and \
                    sub.id not in bound and sub.id not in local and \
                    sub.id in fn.__globals__ and sub.id not in found:
                found.append(sub.id)
    names = re.findall(r"^def (\w+)\(", program.text, re.M)
    return [n for n in found if n not in names]


def _where(program, lines, pattern):
    """The user's file:line of the first generated line matching `pattern`."""
    rx = re.compile(pattern)
    for n, line in enumerate(lines):
        code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        if rx.search(code) and n < len(program.origins) and program.origins[n] is not None:
            loc = program.origins[n]
            return f"{loc.filename}:{loc.line}"
    return None


# ---- when compiling --------------------------------------------------------------------

def _compile_error(exc):
    """(what Numba refused, the user's file:line or None) from a Numba error."""
    text = _ANSI.sub("", str(exc))
    where = None
    for filename, line in _LINE.findall(text):      # a cached file: relative to the cwd
        loc = loader.origin(filename, int(line)) or \
            loader.origin(os.path.abspath(filename), int(line))
        if loc is not None:
            where = f"{loc.filename}:{loc.line}"
            break
    first = next((ln.strip() for ln in text.splitlines()
                  if ln.strip() and not ln.startswith(("Failed in", "During:"))),
                 type(exc).__name__)
    if len(first) > 200:
        first = first[:197] + "..."
    return f"the code there (Numba: {first})", where
