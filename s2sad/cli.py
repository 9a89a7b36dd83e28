"""The `s2sad` command line: print derivative source, the IR, or the rule table.

    s2sad show path/to/file.py:func [--mode reverse|forward] [--wrt x,y]
    s2sad show package.module:Class.method
    s2sad ir path/to/file.py:func
    s2sad rules

`main(argv)` returns the exit status: 0 on success, 2 when the target cannot be
loaded or s2sad refuses the function (the message goes to stderr, no traceback).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import os
import sys

from .errors import S2SADError


class TargetError(Exception):
    """The TARGET argument names nothing that can be loaded."""


def load_target(target: str):
    """The callable named by 'path/to/file.py:NAME' or 'package.module:NAME'.

    NAME may be dotted (`Class.method`).  A file is imported as a module registered
    in sys.modules under a unique name (so its source can be read back), with its
    directory put first on sys.path.  Raises TargetError saying what is wrong.
    """
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise TargetError(f"bad target {target!r}: expected path/to/file.py:FUNC "
                          "or package.module:FUNC")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(where)
    else:
        module = _import_module(where)
    obj = module
    for part in name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            detail = f" ({part!r} not found)" if part != name else ""
            raise TargetError(f"{where} has no {name!r}{detail}") from None
    if not callable(obj):
        raise TargetError(f"{where}:{name} is not a function (it is {type(obj).__name__})")
    return obj


def _import_file(path: str):
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise TargetError(f"no such file: {path}")
    stem = os.path.splitext(os.path.basename(path))[0]
    digest = hashlib.sha1(path.encode()).hexdigest()[:10]
    unique = f"_s2sad_target_{stem}_{digest}"
    if unique in sys.modules:
        return sys.modules[unique]
    directory = os.path.dirname(path)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[unique]
        raise TargetError(f"cannot import {path}: {_describe(exc)}") from None
    return module


def _import_module(name: str):
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except Exception as exc:
        raise TargetError(f"cannot import module {name!r}: {_describe(exc)}") from None


_IMPORTLIB = os.path.dirname(importlib.__file__)


def _describe(exc: BaseException) -> str:
    """'Type: message (file:line)' for an exception raised by the user's module."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        filename = frame.f_code.co_filename
        if filename != __file__ and not filename.startswith(("<frozen", _IMPORTLIB)):
            where = f" ({filename}:{tb.tb_lineno})"
        tb = tb.tb_next
    if isinstance(exc, SyntaxError):
        where = ""    # its message names the file and line already
    return f"{type(exc).__name__}: {exc}{where}"


def parse_wrt(text: str | None):
    """'x' -> 'x', '0' -> 0, 'x,1' -> ('x', 1); None -> 0 (the first parameter)."""
    if text is None:
        return 0
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise TargetError(f"bad --wrt {text!r}: expected comma-separated names or positions")
    values = tuple(int(item) if item.isdigit() else item for item in items)
    return values[0] if len(values) == 1 else values


def rules_table() -> str:
    """Every function with a derivative rule or declared non-differentiable, sorted by
    name, with the modes it supports."""
    from .rules import NONDIFF, RULES

    rows = [(rule.name, ", ".join(rule.modes)) for rule in RULES.values()]
    rows += [(str(name), "non-differentiable") for name in NONDIFF.values()]
    rows.sort()
    width = max([len("function")] + [len(name) for name, _ in rows])
    lines = [f"{'function':<{width}}  modes", f"{'-' * width}  {'-' * 18}"]
    lines += [f"{name:<{width}}  {modes}" for name, modes in rows]
    return "\n".join(lines)


def _show(args) -> str:
    import s2sad

    fn, wrt = load_target(args.target), parse_wrt(args.wrt)
    return s2sad.source(fn, mode=args.mode, wrt=wrt)


def _ir(args) -> str:
    import s2sad

    fn = load_target(args.target)
    return str(s2sad.ir(fn))


def _rules(args) -> str:
    return rules_table()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sad", description="Source-to-source automatic differentiation for Python.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    target_help = "path/to/file.py:FUNC or package.module:FUNC (FUNC may be Class.method)"

    show = commands.add_parser("show", help="print the derivative source of a function")
    show.add_argument("target", metavar="TARGET", help=target_help)
    show.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    show.add_argument("--wrt", metavar="ARGS",
                      help="comma-separated parameter names or positions (default: 0)")
    show.set_defaults(run=_show)

    ir = commands.add_parser("ir", help="print the Wengert list (IR) of a function")
    ir.add_argument("target", metavar="TARGET", help=target_help)
    ir.set_defaults(run=_ir)

    rules = commands.add_parser("rules", help="list the functions s2sad can differentiate")
    rules.set_defaults(run=_rules)
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        text = args.run(args)
    except (TargetError, S2SADError) as exc:
        print(f"s2sad {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(text if text.endswith("\n") else text + "\n", end="")
    return 0
