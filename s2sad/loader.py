"""Compile generated source into a live function, registered in `linecache` so that
tracebacks, `inspect.getsource` and pdb show the generated lines."""
from __future__ import annotations

import linecache
import textwrap

FACTORY = "_s2sad_factory"
_ORIGINS: dict = {}     # file name of loaded code -> the user's Loc of each line (or None)


def load(source: str, name: str, filename: str, objects: dict, globals_: dict, origins=None):
    """Compile `source` (defs; `name` is the entry point) under `filename`; return it.

    The function's globals are the user's module globals (data globals are read when
    it runs); `objects` (modules, functions, constants) are bound as closure cells.
    `origins` gives, for each line of `source`, the user's Loc it was generated from
    (or None): errors about this code, when it is differentiated again or fails,
    name the user's line (see `origin`).
    """
    params = ", ".join(sorted(objects))
    text = f"def {FACTORY}({params}):\n{textwrap.indent(source, '    ')}    return {name}\n"
    filename = _unique(filename, text)
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    if origins is not None:
        _ORIGINS[filename] = [None, None] + list(origins)     # 1-based, after the factory
    code = compile(text, filename, "exec")
    namespace: dict = {}
    exec(code, globals_, namespace)
    return bound(namespace[FACTORY], objects, source)


def bound(factory, objects: dict, source: str):
    """The entry point `factory` (the compiled code of `load`) makes with `objects`
    bound: the same code serves closures of the same user code with their own cells."""
    fn = factory(**objects)
    fn.source, fn.factory, fn.objects = source, factory, objects
    return fn


def _unique(filename: str, text: str) -> str:
    """`filename`, or `filename` with a number when another text already holds it
    (another specialisation of the same function), so each keeps its own lines."""
    candidate, n = filename, 1
    while candidate in linecache.cache and "".join(linecache.cache[candidate][2]) != text:
        n += 1
        candidate = f"{filename[:-1]} #{n}>" if filename.endswith(">") else f"{filename} #{n}"
    return candidate


def register_origins(filename: str, lines: list) -> None:
    """Record the user's Loc (or None) of each line of the file `filename` (index 0
    unused), for code loaded from a real file (backends/numba_cache.py)."""
    _ORIGINS[filename] = lines


def origin(filename: str, line: int):
    """The user's Loc that line `line` of loaded code `filename` was generated from,
    or None (not generated code, or a line of no user statement)."""
    lines = _ORIGINS.get(filename)
    return lines[line] if lines is not None and 0 <= line < len(lines) else None


def user_line_note(exc: BaseException):
    """'in the derivative of <the user's file:line: source>' for the innermost frame
    of `exc`'s traceback that runs generated code, or None."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        loc = origin(tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        if loc is not None:
            found = loc
        tb = tb.tb_next
    if found is None:
        return None
    return (f"(raised by the derivative s2sad generated for {found.filename}:{found.line}: "
            f"{found.source_line.strip()})")


def with_user_line(exc: BaseException) -> BaseException:
    """`exc` with a note naming the user's line its derivative code came from."""
    note = user_line_note(exc)
    if note and hasattr(exc, "add_note") and note not in getattr(exc, "__notes__", ()):
        exc.add_note(note)
    return exc
