"""The `s2sad` command line (docs/cli.md): print derivative source or the IR, write a
derivative to a standalone module, or list the rules.

    s2sad show TARGET [--mode MODE] [--wrt x,y] [--example EXPR] [--no-color]
    s2sad ir TARGET [--example EXPR]
    s2sad emit TARGET -o OUT.py [--mode MODE] [--wrt x,y] [--example EXPR]
    s2sad rules

TARGET is path/to/file.py:FUNC or package.module:FUNC (FUNC may be Class.method);
MODE is reverse, forward, hessian or hvp.  `main(argv)` returns the exit status: 0,
or 2 when the target cannot be loaded, an option is wrong or s2sad refuses the
function (the message, naming the file and line, goes to stderr without a traceback).
"""
from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import math
import os
import re
import reprlib
import shlex
import sys
import types
from dataclasses import dataclass

from .errors import S2SADError

MODES = ("reverse", "forward", "hessian", "hvp")


class TargetError(Exception):
    """The TARGET argument names nothing that can be loaded, or an option is wrong."""


# ---------------------------------------------------------------- loading the target

@dataclass
class Target:
    """What TARGET names: the callable, its module, the name that module is imported by
    (a file's name without .py), and whether it is a function of a class body."""

    fn: object
    module: types.ModuleType
    stem: str
    where: str                  # the file or module part of TARGET
    name: str                   # the (dotted) name part
    method: bool = False


_FILE_MODULE_PREFIX = "_s2sad_target_"


def resolve_target(target: str) -> Target:
    """The Target named by 'path/to/file.py:NAME' or 'package.module:NAME'."""
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise TargetError(f"bad target {target!r}: expected path/to/file.py:FUNC "
                          "or package.module:FUNC")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module, stem = _import_file(where), os.path.splitext(os.path.basename(where))[0]
    else:
        module = _import_module(where)
        stem = module.__name__
    owner, obj = None, module
    for part in name.split("."):
        try:
            owner, obj = obj, getattr(obj, part)
        except AttributeError:
            detail = f" ({part!r} not found)" if part != name else ""
            raise TargetError(f"{where} has no {name!r}{detail}") from None
    if not callable(obj):
        raise TargetError(f"{where}:{name} is not a function (it is {type(obj).__name__})")
    method = inspect.isclass(owner) and isinstance(
        inspect.getattr_static(owner, name.rsplit(".", 1)[-1], None), types.FunctionType)
    return Target(obj, module, stem, where, name, method)


def load_target(target: str):
    """The callable named by 'path/to/file.py:NAME' or 'package.module:NAME' (NAME may
    be dotted).  A file is imported under a unique module name, never "__main__" (so
    its `if __name__ == "__main__":` block does not run), with its directory first on
    sys.path.  Raises TargetError saying what is wrong."""
    return resolve_target(target).fn


def _import_file(path: str):
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise TargetError(f"no such file: {path}")
    stem = os.path.splitext(os.path.basename(path))[0]
    digest = hashlib.sha1(path.encode()).hexdigest()[:10]
    unique = f"{_FILE_MODULE_PREFIX}{stem}_{digest}"
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
    except (Exception, SystemExit) as exc:
        del sys.modules[unique]
        raise TargetError(f"cannot import {path}: {_describe(exc)}") from None
    return module


def _import_module(name: str):
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except (Exception, SystemExit) as exc:
        raise TargetError(f"cannot import module {name!r}: {_describe(exc)}") from None


_IMPORTLIB = os.path.dirname(importlib.__file__)


def _describe(exc: BaseException) -> str:
    """'Type: message (file:line)' for an exception raised by the user's code."""
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


# ---------------------------------------------------------------- options

def parse_wrt(text: str | None):
    """'x' -> 'x', '0' -> 0, 'x,1' -> ('x', 1); None -> 0 (the first parameter)."""
    if text is None:
        return 0
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise TargetError(f"bad --wrt {text!r}: expected comma-separated names or positions")
    values = tuple(int(item) if item.isdigit() else item for item in items)
    return values[0] if len(values) == 1 else values


def target_wrt(target: Target, text: str | None):
    """`--wrt` for this target: for a method, positions count from the first
    parameter after `self` (as for a bound method), so the default is that parameter."""
    wrt = parse_wrt(text)
    if not target.method:
        return wrt
    shift = lambda item: item + 1 if isinstance(item, int) else item   # noqa: E731
    return tuple(shift(item) for item in wrt) if isinstance(wrt, tuple) else shift(wrt)


def parse_example(text: str | None, target: Target | None = None):
    """The tuple of example arguments EXPR gives, or None without --example.

    EXPR is evaluated with `np` (NumPy), `math` and the target module's globals in
    scope; a value that is not a tuple is one argument (`--example 2.0`)."""
    if text is None:
        return None
    import numpy as np

    namespace = dict(vars(target.module)) if target is not None else {}
    namespace.update(np=np, math=math, __builtins__=builtins)
    try:
        value = eval(compile(text, "<--example>", "eval"), namespace)
    except Exception as exc:     # anything the expression raises is the user's error
        raise TargetError(f"bad --example {text!r}: {type(exc).__name__}: {exc}") from None
    return value if isinstance(value, tuple) else (value,)


# ---------------------------------------------------------------- derivative source

def derivative_source(target: Target, mode: str, wrt, example) -> str:
    """What `s2sad show` prints: `s2sad.source` of the target, or for the modes
    hessian and hvp, of its gradient (reverse and forward mode)."""
    import s2sad

    if mode in ("hessian", "hvp"):
        gradient = s2sad.grad(target.fn, wrt=wrt)
        return s2sad.source(gradient, mode="reverse" if mode == "hessian" else "forward",
                            wrt=wrt, example_args=example)
    return s2sad.source(target.fn, mode=mode, wrt=wrt, example_args=example)


@contextlib.contextmanager
def _recording_programs():
    """Record every program the default compiler generates meanwhile, as
    (function, arg_kinds, GeneratedProgram), to find the objects its text names."""
    from .compiler import DEFAULT

    made, original, own = [], DEFAULT.derivative, vars(DEFAULT).get("derivative")

    def recording(fn, mode, wrt, arg_kinds, *args, **kwargs):
        made.append((fn, arg_kinds, original(fn, mode, wrt, arg_kinds, *args, **kwargs)))
        return made[-1][2]
    DEFAULT.derivative = recording
    try:
        yield made
    finally:
        vars(DEFAULT).pop("derivative")
        if own is not None:
            DEFAULT.derivative = own


# ---------------------------------------------------------------- emit

def _literal(value) -> bool:
    """A value whose repr is Python source for an equal value."""
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    if isinstance(value, (float, complex)) and type(value) in (float, complex):
        return math.isfinite(value.real) and math.isfinite(value.imag)
    return type(value) in (int, bool, str, bytes, type(None))


def _free_names(text: str) -> list:
    """Names the program reads but never binds, in order of first use."""
    bound, read = set(), {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            read.setdefault(node.id, (node.lineno, node.col_offset))
        elif isinstance(node, (ast.Name, ast.arg, ast.FunctionDef)):
            bound.add(getattr(node, "id", None) or getattr(node, "arg", None) or node.name)
    return [name for name in sorted(read, key=read.get) if name not in bound]


def _closure_cells(*functions) -> dict:
    """id(cell) -> "'var' of the closure of 'fn' (file:line)" for the functions' cells."""
    found = {}
    for fn in functions:
        code = getattr(fn, "__code__", None)
        for var, cell in zip(getattr(code, "co_freevars", ()), getattr(fn, "__closure__", ())
                             or ()):
            found[id(cell)] = (f"{var!r}, a variable of the closure of '{fn.__name__}' "
                               f"({code.co_filename}:{code.co_firstlineno})")
    return found


class _Imports:
    """The imports and copied constants of an emitted module, and what cannot be
    imported by name (refused)."""

    def __init__(self, target: Target):
        self.target, self.lines, self.copies, self.refused = target, set(), [], []
        self.renames: dict = {}       # generated name of the target's module -> its name

    def _name(self, module) -> str | None:
        """The name `module` is imported by, or None (`__main__`, another file's)."""
        if module is self.target.module:
            return self.target.stem
        name = getattr(module, "__name__", "__main__")
        return None if name == "__main__" or name.startswith(_FILE_MODULE_PREFIX) else name

    def _add(self, module, line: str) -> None:
        group = 2 if module is self.target.module else \
            1 if module.__name__.split(".")[0] == "s2sad" else 0
        self.lines.add((group, line.startswith("from"), line))

    def module(self, name: str, module) -> None:
        real = self._name(module)
        if real is None:
            self.refused.append(f"{name!r} (module {module.__name__!r})")
            return
        if module is self.target.module and name != real and real.isidentifier():
            self.renames[name], name = real, real
        self._add(module, f"import {real}" if name == real else f"import {real} as {name}")

    def object(self, name: str, obj, closures: dict) -> None:
        """An object the loader binds as `name`: a module, or a function or class
        imported from the module defining it; a closure cell or anything else is refused."""
        if isinstance(obj, types.ModuleType):
            return self.module(name, obj)
        if isinstance(obj, types.CellType):
            return self.refused.append(closures.get(id(obj), f"{name!r}, a closure variable"))
        module = sys.modules.get(getattr(obj, "__module__", None) or "")
        qualname, found = getattr(obj, "__qualname__", ""), module
        for part in str(qualname).split("."):
            found = getattr(found, part, None)
        real = self._name(module)
        from .callables import instance_home
        home = instance_home(obj, name) if found is not obj else None
        if home is not None:                  # `from scipy.stats import norm`
            return self._add(home, f"from {home.__name__} import {name}")
        if found is not obj or real is None or "<" in qualname:
            return self.refused.append(f"{name!r} ({_short(obj)}), not importable by name")
        head, _, rest = qualname.partition(".")
        self._add(module, f"from {real} import {head}" + (f" as {name}" if not rest and
                                                            head != name else ""))
        if rest:
            self.copies.append(f"{name} = {qualname}")

    def data(self, name: str, globals_: dict) -> None:
        """A data global the code reads by name when it runs: imported, or copied when
        it is a literal."""
        if name not in globals_:
            if not hasattr(builtins, name):
                self.refused.append(f"{name!r}, which is not defined")
            return
        value, owner = globals_[name], sys.modules.get(globals_.get("__name__", ""))
        real = self._name(owner) if owner is not None and vars(owner) is globals_ else None
        if isinstance(value, types.ModuleType):
            self.module(name, value)
        elif _literal(value):
            self.copies.append(f"{name} = {value!r}    # the value of "
                               f"{real + '.' if real else ''}{name} when this was written")
        elif real is not None:
            self._add(owner, f"from {real} import {name}")
        else:
            self.refused.append(f"{name!r} ({_short(value)}), not importable by name")

    def section(self) -> list:
        lines, previous = [], None
        for group, _, line in sorted(self.lines):
            if previous is not None and group != previous:
                lines.append("")
            if group == 2 and previous != 2:
                lines.append(f"# {self.target.stem} is the target's module: it must be "
                             "importable (its directory on sys.path)")
            lines.append(line)
            previous = group
        return lines + ([""] + self.copies if self.copies else [])


def _short(obj) -> str:
    return reprlib.repr(obj).replace("\n", " ")


_RETURNS = {
    "reverse": "the value of {name} and the cotangent of each argument differentiated "
               "(the gradient when the last argument is 1.0)",
    "forward": "the value of {name} and its tangent along the tangents given",
    "hessian": "the gradient of {name} and the Hessian times the last argument "
               "(reverse mode over the gradient)",
    "hvp": "the gradient of {name} and the Hessian times the tangents given (forward "
           "mode over the gradient)",
}


def emit_module(target: Target, mode: str, wrt, example, command: str) -> str:
    """The text of a standalone module holding the derivative of `target` (and the
    derivatives of the functions it calls) with the imports it needs."""
    import textwrap

    from .compiler import DEFAULT

    with _recording_programs() as made:
        text = derivative_source(target, mode, wrt, example)
    found = [(fn, kinds, program) for fn, kinds, program in made if program.text == text]
    if not found:
        raise TargetError("cannot find the program s2sad.source generated")
    fn, arg_kinds, program = found[-1]
    plain = DEFAULT.source_function(fn, arg_kinds)
    imports = _Imports(target)
    closures = _closure_cells(plain, inspect.unwrap(target.fn))
    for name, obj in program.objects.items():
        imports.object(name, obj, closures)
    for name in _free_names(text):
        if name not in program.objects:
            imports.data(name, plain.__globals__)
    if imports.refused:
        raise TargetError("cannot write a standalone module: the derivative refers to "
                          + "; ".join(imports.refused) + ". Make it a module-level global "
                          "(or pass it as an argument) and emit again")
    for old, new in imports.renames.items():
        if re.search(rf"\b{new}\b", text) is None:
            text = re.sub(rf"\b{old}\b", new, text)
        else:            # the module's name is used for something else: keep `old`
            imports.lines = {(g, f, f"import {new} as {old}" if line == f"import {new}"
                              else line) for g, f, line in imports.lines}
    entry = program.entry.name
    params = next(node.args.args for node in ast.parse(text).body
                  if isinstance(node, ast.FunctionDef) and node.name == entry)
    name = getattr(inspect.unwrap(target.fn), "__name__", target.name)
    returns = f"{entry}({', '.join(a.arg for a in params)}) returns " + \
        _RETURNS[mode].format(name=name) + "."
    lines = [f'"""Derivative of {target.name} ({target.where}) written by `s2sad emit`:',
             "", f"    {command}", "", textwrap.fill(returns, 88), '"""',
             *imports.section(), "", f"__all__ = [{entry!r}]", "", "", ""]
    return "\n".join(lines) + text.rstrip("\n") + "\n"


# ---------------------------------------------------------------- commands

def rules_table() -> str:
    """Every function with a derivative rule or declared non-differentiable, sorted by
    name, with the modes it supports."""
    from .rules import NONDIFF, RULES, load_deferred

    load_deferred()
    rows = [(rule.name, ", ".join(rule.modes)) for rule in RULES.values()]
    rows += [(str(name), "non-differentiable") for name in NONDIFF.values()]
    rows.sort()
    width = max([len("function")] + [len(name) for name, _ in rows])
    lines = [f"{'function':<{width}}  modes", f"{'-' * width}  {'-' * 18}"]
    lines += [f"{name:<{width}}  {modes}" for name, modes in rows]
    return "\n".join(lines)


def _show(args) -> str:
    target = resolve_target(args.target)
    return derivative_source(target, args.mode, target_wrt(target, args.wrt),
                             parse_example(args.example, target))


def _ir(args) -> str:
    import s2sad

    target = resolve_target(args.target)
    return str(s2sad.ir(target.fn, example_args=parse_example(args.example, target)))


def _emit(args) -> str:
    target = resolve_target(args.target)
    text = emit_module(target, args.mode, target_wrt(target, args.wrt),
                       parse_example(args.example, target), shlex.join(["s2sad", *args.argv]))
    try:
        with open(args.output, "w") as out:
            out.write(text)
    except OSError as exc:
        raise TargetError(f"cannot write {args.output}: {exc.strerror}") from None
    entry = re.search(r"^__all__ = \['(\w+)'\]", text, re.M).group(1)
    return f"wrote {args.output}: {entry}"


def highlight(text: str) -> str:
    """`text` as Python with terminal colours, or unchanged without Pygments."""
    try:
        from pygments import highlight as pygmentize
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return text
    return pygmentize(text, PythonLexer(), TerminalFormatter())


def wants_colour(stream, no_color: bool = False) -> bool:
    """Colour only on a terminal, unless --no-color or the NO_COLOR variable is set."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    with contextlib.suppress(AttributeError, ValueError):     # no isatty, a closed stream
        return bool(stream.isatty())
    return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sad", description="Source-to-source automatic differentiation for Python.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    target_help = "path/to/file.py:FUNC or package.module:FUNC (FUNC may be Class.method)"
    mode_help = ("reverse (default), forward, hessian (reverse mode over the gradient) or hvp "
                 "(forward mode over the gradient)")
    wrt_help = "comma-separated parameter names or positions (default 0; a method: after self)"
    example_help = ("a Python expression giving the example arguments, with np, math and the "
                    "target's module in scope: \"np.ones((2, 3)), np.ones(3)\"")

    def derivative_options(command):
        command.add_argument("target", metavar="TARGET", help=target_help)
        command.add_argument("--mode", choices=MODES, default="reverse", help=mode_help)
        command.add_argument("--wrt", metavar="ARGS", help=wrt_help)
        command.add_argument("--example", metavar="EXPR", help=example_help)

    show = commands.add_parser("show", help="print the derivative source of a function")
    derivative_options(show)
    show.add_argument("--no-color", action="store_true",
                      help="no colours (the default when stdout is not a terminal)")
    show.set_defaults(run=_show, python_output=True)

    ir = commands.add_parser("ir", help="print the Wengert list (IR) of a function")
    ir.add_argument("target", metavar="TARGET", help=target_help)
    ir.add_argument("--example", metavar="EXPR", help=example_help)
    ir.set_defaults(run=_ir)

    emit = commands.add_parser(
        "emit", help="write the derivative as a standalone module",
        description="Write the derivative source, with the derivatives it calls and the "
                    "imports it needs, to a module (s2sad only for rt. helpers).")
    derivative_options(emit)
    emit.add_argument("-o", "--output", metavar="OUT.py", required=True,
                      help="the module to write")
    emit.set_defaults(run=_emit)

    rules = commands.add_parser("rules", help="list the functions s2sad can differentiate")
    rules.set_defaults(run=lambda args: rules_table())
    return parser


def main(argv=None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        text = args.run(args)
    except (TargetError, S2SADError) as exc:
        print(f"s2sad {args.command}: error: {exc}", file=sys.stderr)
        return 2
    text = text if text.endswith("\n") else text + "\n"
    if getattr(args, "python_output", False) and wants_colour(sys.stdout, args.no_color):
        text = highlight(text)
    print(text, end="")
    return 0
