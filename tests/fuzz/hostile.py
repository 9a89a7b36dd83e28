"""The hostile profile of the grammar: programs written to trip a source transformer.

`random_program(seed)` draws a program of grammar.py's grammar, with (each now and then):

* names: parameters and locals renamed after s2sad's own generated names (`bresult`,
  `dx`, `bx`, `tape`, `push`, `pop`, `rt`, `result`, `residuals`, `h0_fwd`, ...),
  after builtins the generated code calls (`range`, `len`, `reversed`, `zip`, ...;
  only those the program itself does not use), after `np` (the module then imports
  `numpy` under its own name), and unicode identifiers (some that NFKC folds to ASCII:
  `ｙ` is `y`);
* wrappers: a `functools.wraps` decorator that scales and shifts input and output
  (`@scaled`) or a decorator factory (`@shifted_by(c)`) on the entry function and on
  helpers; the entry as a `functools.partial` of a function with one more parameter,
  or as a callable object (`f = Model(c)`); calls of a module-level callable object
  (`scaler(e)`), of staticmethods (`Ops.damp(e)`) and, with `refused=True`, of a
  module-level `functools.partial` (s2sad refuses it: see
  tests/fuzz_corpus/hostile_findings.md);
* loop-carried values that change shape: a scalar that becomes an array in a `for`
  loop (or in one branch of an `if`), an array grown by `np.concatenate`, read after
  the loop;
* generator expressions and comprehensions with conditions inside `sum`, `min`, `max`,
  `any`, `all`, `list` and `tuple` (with `refused=True` also `max(..., default=0.0)`,
  which s2sad refuses), some whose variable shadows a local of the function;
* `raise` (ValueError, RuntimeError, a module's own exception class) and `assert` in
  branches: untaken (`e > 1e12`) or taken at some points; where the primal raises,
  the oracle (tests/fuzz/raising.py) checks that every derivative raises the same type;
* reads of module globals (`G_SCALE`, `G_VEC`, `G_TABLE[j]`) and `global` statements.

Every decision goes through the same `Chooser` as the plain grammar.
"""
from __future__ import annotations

import io
import re
import tokenize
import unicodedata

import numpy as np

from .grammar import (HEADER, NEW_ARRAY_HELPERS, SHAPES, THRESHOLDS, Chooser, Expr, Generator,
                      Program, RandomChooser, _num, _paren)

PREAMBLE = '''\
G_SCALE = 1.25
G_SHIFT = -0.5
G_VEC = np.array([0.5, -0.25, 1.0])
G_TABLE = (0.75, -1.5, 0.25)


class HostileError(Exception):
    """Raised in a branch of a generated program."""


def scaled(fn):
    @functools.wraps(fn)
    def wrapper(first, *rest):
        return 0.5 * fn(1.5 * first + 0.25, *rest) + 0.75
    return wrapper


def shifted_by(c):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs) - c
        return wrapper
    return decorate


class Scaler:
    def __init__(self, c):
        self.c = c

    def __call__(self, z):
        return self.c * np.tanh(z)


class Ops:
    @staticmethod
    def damp(z):
        return z / (1.0 + z * z)

    @staticmethod
    def sq(z):
        return z * z


def lin(a, b, z):
    return a * z + b


scaler = Scaler(0.7)
lin_half = functools.partial(lin, 0.5, 0.25)


'''
GLOBALS = ("G_SCALE", "G_SHIFT", "G_VEC", "G_TABLE")
DECORATORS = (("@scaled", 0.5, 0.75), ("@shifted_by(0.3)", 1.0, 0.3))   # text, scale, shift
# Names s2sad's generated code uses (naming.py, codegen.py, a sample of its output).
GENERATED_NAMES = ("bresult", "dx", "bx", "x", "dA", "bA", "tape", "push", "pop", "t", "g",
                   "ans", "rt", "result", "dresult", "residuals", "bt", "dt", "x_1", "bx_1",
                   "prod", "sin", "sum_1", "item", "n", "k", "h0_fwd", "h0_bwd", "h0_saved",
                   "f_vjp", "f_jvp", "v_x", "cell_G_SCALE", "b", "d", "bp", "dp")
BUILTIN_NAMES = ("range", "len", "reversed", "zip", "sum", "enumerate", "min", "max", "list",
                 "tuple", "float", "abs", "iter", "next", "isinstance", "print", "slice")
UNICODE_NAMES = ("λ", "Δx", "ñ", "θ_1", "ｙ", "ℓ", "ﬁt", "変数", "x̃")
_RENAMED = r"^(x\d+|t\d+|u\d+|a\d+|v\d+|k\d+|lst\d+|e\d+|w\d+|s\d+|acc\d+|i\d*|p|q|c0|A)$"
HOSTILE_EXPR = 12        # percent of scalar expressions that are hostile forms
HOSTILE_STMT = 22        # percent of statements that are hostile kinds


class HostileGenerator(Generator):
    """Draws one hostile program from a Chooser (see the module docstring)."""

    def __init__(self, chooser: Chooser, helpers=(), features=None, refused=False):
        super().__init__(chooser, helpers, features)
        self.refused = refused

    # ---- expressions ------------------------------------------------------------------
    def scalar(self, depth: int = 2) -> Expr:
        if depth > 0 and self.c.chance(HOSTILE_EXPR):
            return self.hostile_scalar(depth)
        return super().scalar(depth)

    def hostile_scalar(self, depth: int) -> Expr:
        kinds = ["object", "static", "global", "global", "gen", "gen", "gen"]
        if self.refused:
            kinds.append("partial")
        kind = self.c.pick(kinds)
        self.features.add(f"h_{kind}")
        e = self.scalar(depth - 1)
        if kind == "object":
            return Expr(f"scaler({e.text})", None, 0.7)
        if kind == "static":
            v = self.scalar_var()
            if v.bound <= 30 and self.c.chance(50):
                return Expr(f"Ops.sq({v.text})", None, v.bound ** 2)
            return Expr(f"Ops.damp({e.text})", None, 0.5)
        if kind == "partial":
            return Expr(f"lin_half({e.text})", None, 0.5 * e.bound + 0.25)
        if kind == "global":
            form = self.c.pick(("scale", "shift", "table", "vec"))
            if form == "scale":
                return Expr(f"G_SCALE * {_paren(e.text)}", None, 1.25 * e.bound)
            if form == "shift":
                return Expr(f"({e.text} + G_SHIFT)", None, e.bound + 0.5)
            if form == "table":
                return Expr(f"G_TABLE[{self.c.integer(0, 2)}] * {_paren(e.text)}", None,
                            1.5 * e.bound)
            fits = [n for n in sorted(self.arrays) if _fits_vec(self.arrays[n][0])]
            a = Expr("G_VEC", (3,), 1.0)
            if fits:
                name = self.c.pick(fits)
                a = Expr(name, self.arrays[name][0], self.arrays[name][1])
            return Expr(f"np.sum(G_VEC * {_paren(a.text)})", None, 6.0 * a.bound)
        return self.reduction(depth)

    def _iterable(self) -> tuple[str, int, float]:
        """Something to iterate over: a 1-D array, G_VEC, G_TABLE or a tuple of scalars."""
        vectors = [n for n in sorted(self.arrays) if len(self.arrays[n][0]) == 1]
        form = self.c.pick(("vector", "global", "tuple", "table"))
        if form == "vector" and vectors:
            name = self.c.pick(vectors)
            return name, self.arrays[name][0][0], self.arrays[name][1]
        if form == "tuple":
            items = [self.scalar_var() for _ in range(self.c.integer(2, 3))]
            return f"({', '.join(i.text for i in items)})", len(items), max(i.bound for i in items)
        if form == "table":
            return "G_TABLE", 3, 1.5
        return "G_VEC", 3, 1.0

    def _element(self, depth: int):
        """(variable, body, condition, source text, length, body bound) of a
        comprehension over `_iterable()`; the variable sometimes shadows a local."""
        source, n, bound = self._iterable()
        shadowable = [s for s in sorted(self.scalars) if s not in source]
        if shadowable and self.c.chance(30):
            var = self.c.pick(shadowable)
            self.features.add("h_shadowing_comprehension")
        else:
            var = self.fresh("w")
        saved = self.scalars.get(var)
        self.scalars[var] = max(bound, saved or 0.0)
        body = self.scalar(max(depth - 1, 0))
        if self.c.chance(50):
            body = self.binary(Expr(var, None, bound), body)
        cond = f"{var} {self.c.pick(('>', '<'))} {_num(self.c.pick(THRESHOLDS))}"
        if saved is None:
            del self.scalars[var]
        else:
            self.scalars[var] = saved
        return var, body, cond, source, n, body.bound

    def reduction(self, depth: int) -> Expr:
        var, body, cond, source, n, bound = self._element(depth)
        forms = ("sum", "sum_list", "max", "min", "tuple", "list")
        form = self.c.pick(forms + (("max_default",) if self.refused else ()))
        self.features.add(f"h_reduce_{form}")
        loop = f"for {var} in {source}"
        if form == "sum":
            return Expr(f"sum({body.text} {loop} if {cond})", None, n * bound)
        if form == "sum_list":
            return Expr(f"sum([{body.text} {loop} if {cond}])", None, n * bound)
        if form in ("max", "min"):
            return Expr(f"{form}({body.text} {loop})", None, bound)
        if form == "max_default":
            return Expr(f"max(({body.text} {loop} if {cond}), default=0.0)", None, bound)
        j = self.c.integer(0, n - 1)
        return Expr(f"{form}({body.text} {loop})[{j}]", None, bound)

    def predicate(self, depth: int = 1) -> str:
        if self.c.chance(10):
            var, body, cond, source, n, bound = self._element(depth)
            form = self.c.pick(("any", "all", "not any"))
            self.features.add(f"h_{form.replace(' ', '_')}")
            test = self.c.pick((cond, f"{_paren(body.text)} > {_num(self.c.pick(THRESHOLDS))}"))
            return f"{form}({test} for {var} in {source})"
        return super().predicate(depth)

    def array(self, depth: int = 2) -> Expr:
        if depth > 0 and self.c.chance(8):
            a = self.array(depth - 1)
            if _fits_vec(a.shape):
                self.features.add("h_global_array")
                return self.binary(a, Expr("G_VEC", (3,), 1.0))
            return a
        return super().array(depth)

    # ---- statements -------------------------------------------------------------------
    def statement(self, budget: list, depth: int, in_loop: bool) -> list[str]:
        if not self.c.chance(HOSTILE_STMT):
            return super().statement(budget, depth, in_loop)
        kind = self.c.pick(("raise", "assert", "shape_change", "shape_branch", "grow"))
        if depth > 0 and kind in ("shape_change", "grow"):
            kind = "raise"
        budget[0] -= 1
        self.features.add(f"h_{kind}")
        if kind == "shape_change":
            return self.shape_change()
        if kind == "shape_branch":
            return self.shape_branch()
        if kind == "grow":
            return self.grow()
        taken = self.c.chance(50)        # else a threshold no point reaches
        e = self.scalar(1)
        if taken:
            self.features.add("h_maybe_taken")
            pred = self.predicate()
        else:
            pred = f"{e.text} > 1e12"
        if kind == "assert":
            return [f"assert not ({pred}), 'a hostile assertion'"]
        error = self.c.pick(("ValueError", "RuntimeError", "HostileError"))
        return [f"if {pred}:", f"    raise {error}('a hostile branch')"]

    def _loop(self, n: int, make_body) -> list[str]:
        var = self._loop_var()
        self.loop_vars.append(var)
        body = make_body()
        self.loop_vars.pop()
        return [f"for {var} in range({n}):"] + ["    " + line for line in body]

    def _some_array(self) -> Expr:
        if self.arrays and self.c.chance(60):
            return self.array(1)
        return Expr("G_VEC", (3,), 1.0)

    def shape_change(self) -> list[str]:
        """A scalar that becomes an array in its loop's first iteration."""
        s, n = self.fresh("s"), self.c.integer(1, 3)
        start = self.scalar(1)
        a = self._some_array()
        holder = {}

        def body():
            e = self.scalar(1)
            holder["e"] = e
            return [f"{s} = 0.5 * {s} + {_paren(a.text)} * {_paren(e.text)}"]
        lines = [f"{s} = {start.text}"] + self._loop(n, body)
        self.arrays[s] = (a.shape, start.bound + n * a.bound * holder["e"].bound)
        self.views.discard(s)
        return lines + self._read_after(s)

    def shape_branch(self) -> list[str]:
        """A scalar that becomes an array in one branch; summed after the `if`."""
        s, t = self.fresh("s"), self.fresh("t")
        start, a = self.scalar(1), self._some_array()
        lines = [f"{s} = {start.text}", f"if {self.predicate()}:",
                 f"    {s} = {s} * {_paren(a.text)}"]
        self.scalars[t] = start.bound * max(a.bound, 1.0) * 6
        return lines + [f"{t} = np.sum({s})"]

    def grow(self) -> list[str]:
        """An array grown with np.concatenate in a loop, read after it."""
        acc, n = self.fresh("acc"), self.c.integer(1, 3)
        vectors = [v for v in sorted(self.arrays) if len(self.arrays[v][0]) == 1]
        init, size, bound = self.c.pick((("np.zeros(0)", 0, 0.0), ("np.array([G_SHIFT])", 1, 0.5)))
        if vectors and self.c.chance(40):
            v = self.c.pick(vectors)
            init, size, bound = f"{v} * 1.0", self.arrays[v][0][0], self.arrays[v][1]
        holder = {}

        def body():
            e = self.scalar(1)
            holder["e"] = e
            if self.c.chance(30):
                e = Expr(f"{_paren(e.text)} + 0.1 * np.sum({acc})", None, e.bound)
            piece = f"np.array([{e.text}])"
            holder["size"] = 1
            if vectors and self.c.chance(40):
                v = self.c.pick(vectors)
                piece, holder["size"] = f"{v} * {_paren(e.text)}", self.arrays[v][0][0]
            first, second = (acc, piece) if self.c.chance(70) else (piece, acc)
            return [f"{acc} = np.concatenate([{first}, {second}])"]
        lines = [f"{acc} = {init}"] + self._loop(n, body)
        size += n * holder["size"]
        self.arrays[acc] = ((size,), max(bound, holder["e"].bound * 3.0))
        return lines + self._read_after(acc)

    def _read_after(self, name: str) -> list[str]:
        t = self.fresh("t")
        form = self.c.pick(("sum", "sq", "mean"))
        shape, bound = self.arrays[name]
        size = 1
        for d in shape:
            size *= d
        if form == "sq" and bound <= 30:
            self.scalars[t] = bound * bound * size
            return [f"{t} = np.sum({name} * {name})"]
        self.scalars[t] = bound * size
        return [f"{t} = np.{'mean' if form == 'mean' else 'sum'}({name})"]

    # ---- the program --------------------------------------------------------------------
    def _globals_line(self) -> list[str]:
        if not self.c.chance(30):
            return []
        self.features.add("h_global_statement")
        names = [g for g in GLOBALS if self.c.chance(50)] or ["G_SCALE"]
        return [f"global {', '.join(names)}"]

    def program(self) -> Program:
        helpers_text = ""
        for k in range(self.c.integer(0, 2) if self.c.chance(45) else 0):
            sub = HostileGenerator(self.c, self.helpers, self.features, self.refused)
            text, arity, bound, parts = sub.helper(f"h{k}")
            head, _, rest = text.partition("\n")
            text = "\n".join([head] + ["    " + g for g in sub._globals_line()] + [rest])
            if parts == 1 and self.c.chance(50):
                deco, scale, shift = self.c.pick(DECORATORS)
                self.features.add("h_decorated_helper")
                text, bound = deco + "\n" + text, scale * bound + shift
            helpers_text += text + "\n\n"
            self.helpers.append((f"h{k}", arity, min(bound, 1e6), parts))
        n_scalars = self.c.integer(1, 4)
        shape = self.c.pick(SHAPES) if self.c.chance(50) else None
        entry = self.c.pick(("plain", "plain", "decorated", "partial", "object"))
        self.features.add(f"h_entry_{entry}")
        self.params = [f"x{k}" for k in range(n_scalars)] + (["A"] if shape is not None else [])
        for k in range(n_scalars):
            self.scalars[f"x{k}"] = 2.0
        if shape is not None:
            self.arrays["A"] = (shape, 2.0)
        if entry in ("partial", "object"):
            self.scalars["c0"] = 0.8
        budget = [self.c.integer(3, 15)]
        body = self._globals_line() + self.block(budget, 0, False, top=True)
        body.append(self._returned())
        if "helper_made_array" in self.features:
            helpers_text = NEW_ARRAY_HELPERS + helpers_text
        params = ", ".join(self.params)
        indent = "    "
        if entry == "partial":
            head = f"def f_impl(c0, {params}):\n"
            tail = "\n\nf = functools.partial(f_impl, 0.8)\n"
        elif entry == "object":
            head = (f"class Model:\n    def __init__(self, c):\n        self.c = c\n\n"
                    f"    def __call__(self, {params}):\n        c0 = self.c\n")
            indent, tail = "        ", "\n\nf = Model(0.8)\n"
        else:
            head = f"def f({params}):\n"
            if entry == "decorated":
                head = self.c.pick(DECORATORS)[0] + "\n" + head
            tail = ""
        text = (HEADER.replace("import math\n", "import functools\nimport math\n") + PREAMBLE
                + helpers_text + head + "".join(f"{indent}{line}\n" for line in body) + tail)
        return Program(rename(text, self.c), n_scalars, shape, frozenset(self.features))


def _fits_vec(shape) -> bool:
    """Whether an array of `shape` broadcasts with G_VEC to one of the grammar's shapes."""
    try:
        return tuple(np.broadcast_shapes(shape, (3,))) in SHAPES
    except ValueError:
        return False


def _names(source: str) -> list[tuple]:
    return [tok for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.NAME]


def rename(source: str, chooser: Chooser) -> str:
    """`source` with some of the generator's names (parameters, locals, loop variables)
    renamed after s2sad's generated names, builtins, `np` and unicode identifiers."""
    tokens = _names(source)
    present = {unicodedata.normalize("NFKC", t.string) for t in tokens}
    mapping = {}
    if chooser.chance(25):            # `import numpy`: `np` is free for a local
        mapping["np"] = "numpy"
        present = (present - {"np"}) | {"numpy"}
    keys = sorted({t.string for t in tokens if re.match(_RENAMED, t.string)})
    pool = [n for n in GENERATED_NAMES + BUILTIN_NAMES + UNICODE_NAMES
            + (("np",) if mapping else ()) if unicodedata.normalize("NFKC", n) not in present]
    for key in keys:
        if pool and chooser.chance(45):
            target = pool.pop(chooser.integer(0, len(pool) - 1))
            mapping[key] = target
    if not mapping:
        return source
    lines = source.splitlines(keepends=True)
    for tok in reversed(tokens):            # right to left: columns stay valid
        new = mapping.get(tok.string)
        if new is None:
            continue
        (row, col), (_, end) = tok.start, tok.end
        line = lines[row - 1]
        prev = line[:col].rstrip()
        if prev.endswith(".") and tok.string != "np":
            continue                        # an attribute (self.c), not a variable
        lines[row - 1] = line[:col] + new + line[end:]
    text = "".join(lines)
    if "np" in mapping:
        text = text.replace("import numpy as numpy\n", "import numpy\n")
    return text


def generate(chooser: Chooser, refused: bool = False) -> Program:
    """One hostile program drawn from `chooser` (with `refused`, also the constructs
    s2sad refuses with an S2SADError: see the module docstring)."""
    return HostileGenerator(chooser, refused=refused).program()


def random_program(seed, refused: bool = False) -> Program:
    """The hostile program of a given seed, drawn with a `random.Random`."""
    return generate(RandomChooser(seed), refused)
