"""Read a function's source and parse it with gast, keeping positions in the user's file.

This is the only module that reads source text with `inspect`/`linecache`, and the
only one that prints gast back to text (`to_source`).
"""
from __future__ import annotations

import functools
import inspect
import linecache
import types
from dataclasses import dataclass

import gast

from . import deep_ast
from .errors import Loc, SourceUnavailableError
from .loader import origin

_HOW_TO_FIX = ("define the function with `def` in a .py file (or in a notebook cell), "
               "or give it a derivative rule with s2sad.defvjp/defjvp, "
               "or declare it non-differentiable with s2sad.nondiff")


@dataclass
class ParsedFunction:
    """A user function parsed with gast.

    `node` is a gast.FunctionDef (a lambda is turned into one whose body returns the
    lambda's expression) without decorators.  Positions of its nodes are relative to
    the parsed text; `loc(node)` maps them to the user's real file.
    """

    fn: types.FunctionType
    node: gast.FunctionDef
    filename: str
    line_offset: int
    text: str = ""      # the lines parsed (syntax checks look for keywords in it first)

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def first_line(self) -> int:
        return self.node.lineno + self.line_offset

    def loc(self, node) -> Loc:
        line = getattr(node, "lineno", None) or self.node.lineno
        col = getattr(node, "col_offset", None) or 0
        real_line = line + self.line_offset
        # a line of generated code stands for the user's line it was generated from
        return origin(self.filename, real_line) or \
            Loc(self.filename, real_line, col, linecache.getline(self.filename, real_line))


def unwrap_function(fn) -> types.FunctionType:
    """The plain Python function behind a method, a partial or a callable object."""
    while isinstance(fn, functools.partial):   # the API passes its bound arguments
        fn = fn.func
    if getattr(fn, "__s2sad__", None) is not None:
        return fn       # a function s2sad made: differentiated through its Spec
    # `__wrapped__` is not followed: a decorator's wrapper is what runs (it calls the
    # wrapped function through its closure), so it is what is differentiated
    if not isinstance(fn, (types.FunctionType, types.MethodType, type)) and \
            isinstance(getattr(type(fn), "__call__", None), types.FunctionType):
        fn = fn.__call__   # a callable object: differentiate its __call__ method
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        kind = ("a builtin or C-extension function" if callable(fn) else "not a function")
        raise SourceUnavailableError(
            f"cannot read the source of {fn!r}: it is {kind}, so s2sad has no Python source to "
            f"transform; {_HOW_TO_FIX}")
    return fn


def parse_function(fn) -> ParsedFunction:
    """Parse `fn` (a def or a lambda) into a ParsedFunction.

    Raises SourceUnavailableError saying why the source cannot be read and what to do.
    """
    fn = unwrap_function(fn)
    filename = fn.__code__.co_filename
    for quick in (True, False):
        try:
            # the code object's lines: `inspect.getsourcelines(fn)` would follow
            # `__wrapped__` to the function a decorator wraps, not the wrapper that runs
            lines, first_line = _source_lines(fn, quick)
        except (OSError, TypeError) as exc:
            where = ("it was defined in an interactive session or with exec/eval"
                     if filename.startswith("<") else f"{filename} cannot be read ({exc})")
            raise SourceUnavailableError(
                f"cannot read the source of function '{fn.__name__}' ({filename}): {where}; "
                f"{_HOW_TO_FIX}") from None
        first_line = max(first_line, 1)
        text = "".join(lines)
        # An indented def (a method, a nested function) is parsed under `if 1:` so that
        # columns stay those of the real file.
        wrapped = bool(lines) and lines[0][:1] in (" ", "\t")
        if wrapped:
            text = "if 1:\n" + text
        line_offset = first_line - 1 - (1 if wrapped else 0)
        try:
            module = deep_ast.parse(text)   # expressions may nest to any depth
            break
        except SyntaxError:
            if quick:
                continue        # the lines by indentation were not the block: tokenize
            raise SourceUnavailableError(
                f"cannot parse the source of '{fn.__name__}' at {filename}:{first_line}: the "
                f"lines around it do not form a complete statement; define it with `def` on "
                f"lines of its own") from None
    body = module.body[0].body if wrapped else module.body
    node = _find_function(body, fn, filename, first_line)
    return ParsedFunction(fn, node, filename, line_offset, text)


def _source_lines(fn, quick: bool = False) -> tuple:
    """(the lines of the def or lambda whose code `fn` runs, its first line number), as
    `inspect.getsourcelines(fn.__code__)` gives them, read through `linecache` with
    the function's own module globals (so without searching every loaded module for
    the one that defines it, which costs milliseconds when many are loaded).  The
    cached lines of a file changed since they were read are read again (a module
    edited and reloaded: its new functions must not be paired with its old text)."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    start = code.co_firstlineno - 1
    if not lines or not 0 <= start < len(lines):
        raise OSError("could not get source code")
    block = _block_by_indentation(lines, start) if quick and code.co_name != "<lambda>" \
        else None
    return block or inspect.getblock(lines[start:]), start + 1


def _block_by_indentation(lines, start):
    """The lines of the def at `start` up to the next line, not blank or a comment,
    indented no deeper than the def; None for a decorated def or indentation that is
    not plain spaces.  Quicker than tokenizing; a line that ends it too early (in a
    string or in brackets) leaves text that does not parse, and the caller then asks
    `inspect.getblock` (a line can end it neither later nor early otherwise)."""
    first = lines[start]
    stripped = first.lstrip(" ")
    if not stripped.startswith(("def ", "async def ")):
        return None
    indent, end = len(first) - len(stripped), start + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.lstrip(" ")
        if stripped[:1] in ("\t", "\f"):
            return None
        if stripped.strip() and not stripped.startswith("#") and \
                len(line) - len(stripped) <= indent:
            break
        end += 1
    return lines[start:end]


def _find_function(body, fn, filename, first_line) -> gast.FunctionDef:
    name = fn.__code__.co_name   # the name in the source, even if __name__ was changed
    if name == "<lambda>":
        lambdas = [n for stmt in body for n in gast.walk(stmt) if isinstance(n, gast.Lambda)]
        if len(lambdas) != 1:
            raise SourceUnavailableError(
                f"cannot tell which lambda to differentiate: {len(lambdas)} lambdas at "
                f"{filename}:{first_line}; put the lambda alone on its line or use `def`")
        lam = lambdas[0]
        ret = gast.Return(value=lam.body)
        gast.copy_location(ret, lam.body)
        node = gast.FunctionDef(name="<lambda>", args=lam.args, body=[ret], decorator_list=[],
                                returns=None, type_comment=None, type_params=[])
        return gast.copy_location(node, lam)
    for stmt in body:
        if isinstance(stmt, (gast.FunctionDef, gast.AsyncFunctionDef)) and stmt.name == name:
            stmt.decorator_list = []
            return stmt
    raise SourceUnavailableError(
        f"the source of '{fn.__name__}' at {filename}:{first_line} is not a plain function "
        f"definition; {_HOW_TO_FIX}")


def to_source(node) -> str:
    """Python source text for a gast node."""
    import astor

    return astor.to_source(gast.gast_to_ast(node))
