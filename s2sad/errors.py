"""The errors s2sad raises.  Every one subclasses `S2SADError`.

Errors about the user's code carry a `Loc` so the message names the user's file,
line and construct, and says what to do instead.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A place in the user's source: real file, 1-based line, 0-based column."""

    filename: str
    line: int
    col: int
    source_line: str = ""

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col + 1}"

    def excerpt(self) -> str:
        """The source line with a caret under the column, or '' when unknown."""
        text = self.source_line.rstrip("\n")
        if not text:
            return ""
        return f"    {text}\n    {' ' * self.col}^"


def located(loc: Loc | None, message: str, fix: str | None = None) -> str:
    """Compose 'file:line:col: message', the source excerpt and a 'fix:' hint."""
    parts = [f"{loc}: {message}" if loc else message]
    if loc and loc.excerpt():
        parts.append(loc.excerpt())
    if fix:
        parts.append(f"fix: {fix}")
    return "\n".join(parts)


class S2SADError(Exception):
    """Base class of every error raised by s2sad."""


class LocatedError(S2SADError):
    """An error at a place in the user's code."""

    def __init__(self, message: str, loc: Loc | None = None, fix: str | None = None):
        self.loc = loc
        self.reason = message
        self.fix = fix
        super().__init__(located(loc, message, fix))


class UnsupportedSyntaxError(S2SADError, SyntaxError):
    """Syntax s2sad cannot differentiate, found at transform time.

    Carries `filename`, `lineno`, `offset` and `text` of the first offending
    construct so Python draws a caret; `problems` lists every one as (Loc, message).
    """

    def __init__(self, problems: list[tuple[Loc, str]], fix: str | None = None):
        self.problems = list(problems)
        first_loc, _ = self.problems[0]
        lines = [located(loc, msg) for loc, msg in self.problems]
        if fix:
            lines.append(f"fix: {fix}")
        message = "\n".join(lines)
        SyntaxError.__init__(
            self, message,
            (first_loc.filename, first_loc.line, first_loc.col + 1,
             first_loc.source_line.rstrip("\n")))
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class SourceUnavailableError(S2SADError):
    """The source of a function cannot be read (REPL, exec, builtin, C extension)."""


class MissingRuleError(LocatedError):
    """A call to a function that has no derivative rule and no readable source."""


class NonDifferentiableError(LocatedError):
    """A derivative was asked of something that has none (an int argument, a
    non-scalar output to `grad`, a non-finite derivative under `check_finite`)."""
