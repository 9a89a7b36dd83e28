"""The `s2sad` command line: print derivative source or the IR, write a derivative
to a module, or list the rules.

    s2sad show path/to/file.py:func [--mode MODE] [--wrt x,y] [--example EXPR]
    s2sad show package.module:Class.method
    s2sad ir path/to/file.py:func [--example EXPR]
    s2sad emit path/to/file.py:func -o OUT.py [--mode MODE] [--wrt x,y] [--example EXPR]
    s2sad rules

MODE is `reverse` (default), `forward`, `hessian` (the reverse-mode derivative of the
gradient: `s2sad.source(s2sad.grad(f))`) or `hvp` (the forward-mode derivative of the
gradient, whose output tangent is the Hessian times the input tangent).

`main(argv)` returns the exit status: 0 on success, 2 when the target cannot be
loaded, an option is wrong, or s2sad refuses the function (the message goes to
stderr, naming the file and line, without a traceback).
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
    """What TARGET names: the callable, the module it was found in, and whether it
    is a function defined in a class body (called with the object as `self`)."""

    fn: object
    module: types.ModuleType
    where: str                  # the file or module part of TARGET
    name: str                   # the (dotted) name part
    method: bool = False

    @property
    def stem(self) -> str:
        """The name the target's module is imported by (a file's name without .py)."""
        file = getattr(self.module, "__file__", None)
        if self.module.__name__.startswith(_FILE_MODULE_PREFIX) and file:
            return os.path.splitext(os.path.basename(file))[0]
        return self.module.__name__


_FILE_MODULE_PREFIX = "_s2sad_target_"


def resolve_target(target: str) -> Target:
    """The Target named by 'path/to/file.py:NAME' or 'package.module:NAME'."""
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise TargetError(f"bad target {target!r}: expected path/to/file.py:FUNC "
                          "or package.module:FUNC")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(where)
    else:
        module = _import_module(where)
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
    return Target(obj, module, where, name, method)


def load_target(target: str):
    """The callable named by 'path/to/file.py:NAME' or 'package.module:NAME'.

    NAME may be dotted (`Class.method`).  A file is imported as a module registered
    in sys.modules under a unique name that is not "__main__" (so its source can be
    read back, and its `if __name__ == "__main__":` block does not run), with its
    directory put first on sys.path.  Raises TargetError saying what is wrong.
    """
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

    made: list = []
    original = DEFAULT.derivative
    had_own = "derivative" in vars(DEFAULT)

    def recording(fn, mode, wrt, arg_kinds, *args, **kwargs):
        program = original(fn, mode, wrt, arg_kinds, *args, **kwargs)
        made.append((fn, arg_kinds, program))
        return program
    DEFAULT.derivative = recording
    try:
        yield made
    finally:
        if had_own:
            DEFAULT.derivative = original
        else:
            del DEFAULT.derivative


# ---------------------------------------------------------------- emit

_LITERALS = (float, int, bool, str, bytes, complex, type(None))


def _literal(value) -> bool:
    """A value whose repr is Python source for an equal value."""
    if isinstance(value, tuple):
        return all(_literal(v) for v in value)
    if type(value) not in _LITERALS:
        return False
    return not isinstance(value, (float, complex)) or (
        all(math.isfinite(part) for part in (value.real, value.imag)))


def _free_names(text: str) -> list:
    """Names the program reads but never binds, in order of first use."""
    tree = ast.parse(text)
    bound, read = set(), {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                read.setdefault(node.id, node.lineno)
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
    return [name for name in sorted(read, key=read.get) if name not in bound]


class _Module:
    """The import section of an emitted module, and what could not be imported."""

    def __init__(self, target: Target):
        self.target = target
        self.imports: list = []
        self.assignments: list = []
        self.refused: list = []
        self.renames: dict = {}
        self.needs_target_module = False

    def _module_name(self, module: types.ModuleType) -> str | None:
        if module is self.target.module:
            return self.target.stem
        if module.__name__ == "__main__" or module.__name__.startswith(_FILE_MODULE_PREFIX):
            return None
        return module.__name__

    def add_import(self, name: str, module: types.ModuleType) -> bool:
        """`import module as name`; a generated name of the target's module is renamed
        to the module's own name when nothing else uses it."""
        real = self._module_name(module)
        if real is None:
            return False
        if module is self.target.module and name != real and real.isidentifier():
            self.renames[name] = real
            name = real
        line = f"import {real}" if name == real else f"import {real} as {name}"
        if module is self.target.module:
            self.needs_target_module = True
        if line not in self.imports:
            self.imports.append(line)
        return True

    def add_from(self, name: str, module_name: str, qualname: str) -> None:
        head, _, rest = qualname.partition(".")
        if not rest:
            self.imports.append(f"from {module_name} import {head}" if head == name else
                                f"from {module_name} import {head} as {name}")
        else:
            self.imports.append(f"from {module_name} import {head}")
            self.assignments.append(f"{name} = {qualname}")

    def add_object(self, name: str, obj, closures: dict) -> None:
        """An object the loader would bind as `name`: a module, or something imported
        from the module defining it; else (a closure variable, an array) refused."""
        if isinstance(obj, types.ModuleType):
            if not self.add_import(name, obj):
                self.refused.append(f"{name!r}: module {obj.__name__!r} cannot be imported "
                                    "by name")
            return
        if isinstance(obj, types.CellType):
            owner = closures.get(id(obj))
            what = (f"{owner[1]!r}, a variable of the closure of {owner[0]}" if owner else
                    f"{name!r}, a closure variable")
            self.refused.append(f"{what} (read as {name}.cell_contents)")
            return
        module_name = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if isinstance(module_name, str) and isinstance(qualname, str) and "<" not in qualname:
            module = sys.modules.get(module_name)
            found = module
            for part in qualname.split("."):
                found = getattr(found, part, None)
            if module is not None and found is obj:
                real = self._module_name(module)
                if real is not None:
                    self.needs_target_module |= module is self.target.module
                    self.add_from(name, real, qualname)
                    return
        self.refused.append(f"{name!r} ({_short(obj)}), which is not importable by name")

    def add_global(self, name: str, globals_: dict) -> None:
        """A data global the derivative reads by name when it runs."""
        if name not in globals_:
            if not hasattr(builtins, name):
                self.refused.append(f"{name!r}, which is not defined")
            return
        value = globals_[name]
        owner = sys.modules.get(globals_.get("__name__", ""))
        real = self._module_name(owner) if owner is not None and vars(owner) is globals_ \
            else None
        if isinstance(value, types.ModuleType):
            if not self.add_import(name, value):
                self.refused.append(f"{name!r}: module {value.__name__!r} cannot be imported")
        elif _literal(value):
            where = f"{real}.{name}" if real else name
            self.assignments.append(f"{name} = {value!r}    # the value of {where} when "
                                    "this module was written")
        elif real is not None:
            self.needs_target_module |= owner is self.target.module
            self.imports.append(f"from {real} import {name}")
        else:
            self.refused.append(f"{name!r} ({_short(value)}), a global that cannot be "
                                "imported by name")


def _short(obj) -> str:
    text = repr(obj).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def _closure_cells(fn) -> dict:
    """id(cell) -> (function description, variable name) for fn's closure."""
    found = {}
    code = getattr(fn, "__code__", None)
    for var, cell in zip(getattr(code, "co_freevars", ()), getattr(fn, "__closure__", None)
                         or ()):
        where = f"'{fn.__name__}' ({code.co_filename}:{code.co_firstlineno})"
        found[id(cell)] = (where, var)
    return found


_CALLS = {
    "reverse": "{call} returns the value of {name} and the cotangent of each argument "
               "differentiated (the gradient, with a last argument of 1.0)",
    "forward": "{call} returns the value of {name} and its tangent along the tangents given "
               "for the arguments differentiated",
    "hessian": "{call} returns the gradient of {name} and the Hessian times the last "
               "argument (reverse mode over the gradient)",
    "hvp": "{call} returns the gradient of {name} and the Hessian times the tangents given "
           "(forward mode over the gradient)",
}


def emit_module(target: Target, mode: str, wrt, example, command: str) -> str:
    """The text of a standalone module holding the derivative of `target` (and the
    derivatives of the functions it calls) with the imports it needs."""
    from .compiler import DEFAULT

    with _recording_programs() as made:
        text = derivative_source(target, mode, wrt, example)
    found = [(fn, kinds, program) for fn, kinds, program in made if program.text == text]
    if not found:
        raise TargetError("cannot find the generated program to write (s2sad.source "
                          "changed?)")
    fn, arg_kinds, program = found[-1]
    plain = DEFAULT.source_function(fn, arg_kinds)
    module = _Module(target)
    closures = _closure_cells(plain)
    closures.update(_closure_cells(inspect.unwrap(target.fn)))
    for name, obj in program.objects.items():
        module.add_object(name, obj, closures)
    for name in _free_names(text):
        if name not in program.objects:
            module.add_global(name, plain.__globals__)
    if module.refused:
        raise TargetError(
            "cannot write a standalone module: the derivative refers to "
            + "; ".join(module.refused)
            + ". Make it a module-level global (or pass it as an argument) and emit again")
    for old, new in module.renames.items():
        if re.search(rf"\b{re.escape(new)}\b", text) is None:
            text = re.sub(rf"\b{re.escape(old)}\b", new, text)
        else:           # the module's own name is taken: keep the generated one
            module.imports = [line.replace(f"import {new}", f"import {new} as {old}")
                              if line == f"import {new}" else line for line in module.imports]
    entry = program.entry.name
    params = next(node for node in ast.parse(text).body
                  if isinstance(node, ast.FunctionDef) and node.name == entry).args
    call = f"{entry}({', '.join(a.arg for a in params.args)})"
    name = getattr(inspect.unwrap(target.fn), "__name__", target.name)
    lines = [f'"""Derivative of {target.name} ({target.where}) written by `s2sad emit`:',
             "", f"    {command}", "",
             _wrap(_CALLS[mode].format(call=call, name=name) + "."), '"""']
    if module.needs_target_module:
        lines += [f"# imports {target.stem}, the target's module: it must be importable "
                  "(its directory on sys.path)"]
    imports = sorted(set(module.imports), key=lambda line: (line.startswith("from"), line))
    lines += imports
    if module.assignments:
        lines += [""] + module.assignments
    lines += ["", f"__all__ = [{entry!r}]", "", "", ""]
    return "\n".join(lines) + text.rstrip("\n") + "\n"


def _wrap(text: str, width: int = 88) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


# ---------------------------------------------------------------- commands

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
    target = resolve_target(args.target)
    wrt = target_wrt(target, args.wrt)
    return derivative_source(target, args.mode, wrt, parse_example(args.example, target))


def _ir(args) -> str:
    import s2sad

    target = resolve_target(args.target)
    return str(s2sad.ir(target.fn, example_args=parse_example(args.example, target)))


def _emit(args) -> str:
    target = resolve_target(args.target)
    wrt = target_wrt(target, args.wrt)
    example = parse_example(args.example, target)
    argv = ["s2sad", "emit", args.target, "-o", args.output]
    for option in ("mode", "wrt", "example"):
        value = getattr(args, option)
        if value is not None and not (option == "mode" and value == "reverse"):
            argv += [f"--{option}", value]
    text = emit_module(target, args.mode, wrt, example, shlex.join(argv))
    try:
        with open(args.output, "w") as out:
            out.write(text)
    except OSError as exc:
        raise TargetError(f"cannot write {args.output}: {exc.strerror}") from None
    entry = re.search(r"^__all__ = \['(\w+)'\]", text, re.M).group(1)
    return f"wrote {args.output}: {entry}"


def _rules(args) -> str:
    return rules_table()


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
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:            # a closed stream
        return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2sad", description="Source-to-source automatic differentiation for Python.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    target_help = "path/to/file.py:FUNC or package.module:FUNC (FUNC may be Class.method)"
    mode_help = ("reverse (default), forward, hessian (reverse mode over the gradient) or "
                 "hvp (forward mode over the gradient)")
    wrt_help = ("comma-separated parameter names or positions (default: 0, the first "
                "parameter; for a method, positions count after self)")
    example_help = ("a Python expression giving the tuple of example arguments, with np, "
                    "math and the target module's globals in scope "
                    "(e.g. \"np.ones((2, 3)), np.ones(3)\"); the derivative is specialised "
                    "on their kinds")

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
        description="Write the derivative source (and the derivatives of the functions it "
                    "calls) to a module with the imports it needs.  It imports s2sad only "
                    "when the code calls a runtime helper (rt.), and refuses objects that "
                    "cannot be imported by name, such as closure variables.")
    derivative_options(emit)
    emit.add_argument("-o", "--output", metavar="OUT.py", required=True,
                      help="the module to write")
    emit.set_defaults(run=_emit)

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
    text = text if text.endswith("\n") else text + "\n"
    if getattr(args, "python_output", False) and wants_colour(sys.stdout, args.no_color):
        text = highlight(text)
    print(text, end="")
    return 0
