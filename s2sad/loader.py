"""Compile generated source into a live function, registered in `linecache` so that
tracebacks, `inspect.getsource` and pdb show the generated lines."""
from __future__ import annotations

import linecache
import textwrap

FACTORY = "_s2sad_factory"


def load(source: str, name: str, filename: str, objects: dict, globals_: dict):
    """Compile `source` (defs; `name` is the entry point) under `filename`; return it.

    The function's globals are the user's module globals (data globals are read when
    it runs); `objects` (modules, functions, constants) are bound as closure cells.
    """
    params = ", ".join(sorted(objects))
    text = f"def {FACTORY}({params}):\n{textwrap.indent(source, '    ')}    return {name}\n"
    filename = _unique(filename, text)
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    code = compile(text, filename, "exec")
    namespace: dict = {}
    exec(code, globals_, namespace)
    fn = namespace[FACTORY](**objects)
    fn.source = source
    return fn


def _unique(filename: str, text: str) -> str:
    """`filename`, or `filename` with a number when another text already holds it
    (another specialisation of the same function), so each keeps its own lines."""
    candidate, n = filename, 1
    while candidate in linecache.cache and "".join(linecache.cache[candidate][2]) != text:
        n += 1
        candidate = f"{filename[:-1]} #{n}>" if filename.endswith(">") else f"{filename} #{n}"
    return candidate
