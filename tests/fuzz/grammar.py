"""The grammar of random programs: a generator of Python source text.

A program is `def f(x0, ..., x{k-1}[, A])` with 1-4 float scalars and optionally one
small array `A` (shape (), (3,), (1,3), (2,3) or (2,1)), 3-15 statements and a
scalar return, sometimes preceded by one or two helper functions of one or two
scalars (returning a number, or a pair that callers index) that f and later helpers
call.  Statements:

* assignments and augmented assignments (+=, -=, *=) of domain-safe expressions,
  to new variables, to loop-carried ones, to block-local temporaries and now and
  then to a parameter; array assignments and in-place `+=` on local arrays;
* if/elif/else on a scalar predicate `e > theta`, conditional expressions;
* `for i in range(n)` (n <= 4) with loop-carried values, loops over the elements or
  rows of an array (`for e in a`, `for i, e in enumerate(a)`), bounded
  `while k < n and t < theta` loops, nested up to two deep;
* an early `return` inside an `if`, `break`/`continue` inside an `if` in a loop;
* `lst.append(e)` (or `lst = lst + [e]`) in a loop, then np.stack/np.array/sum of
  the list;
* `a[i] = e` / `a[i] += e` in a loop into a local array (np.zeros, a copy, or one
  that a helper made and returned).

Expressions are domain-safe (valid at every input): sin, cos, tanh, exp(tanh(e)),
log(1 + v*v), sqrt(1 + v*v), 1/(1 + v*v), e/(1.5 + sin(v)), v*v, v*v*v, +, -, *,
const*e, const*i, helper calls, and on arrays np.sum/np.mean/np.dot, axis
reductions, `.T`, np.cumsum, np.expand_dims and broadcasting between the shapes
above.  Every random decision goes through a `Chooser`, so the same grammar is
driven by hypothesis (which can shrink a failing program) or by a seeded
`random.Random` (the long run).  A rough magnitude bound is kept for every value so
that powers are only taken of small values; values that still grow too large are
filtered out at run time by the oracles.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

SHAPES = ((3,), (), (1, 3), (2, 3), (2, 1))
CONSTS = (0.5, 2.0, -0.7, 1.5, 0.3, -1.2, 0.9, -0.4, 1.1, 0.25)
THRESHOLDS = (0.5, 0.0, -0.5, 0.25, 1.0, -1.0, 0.1, 2.0)
HEADER = "import math\n\nimport numpy as np\n\n\n"
# Helpers that return a new array (the caller then fills it in place).
NEW_ARRAY_HELPERS = ("def new_zeros(n):\n    return np.zeros(n)\n\n\n"
                     "def new_copy(a):\n    b = a * 1.0\n    return b\n\n\n")

# Statement kinds, simplest first (hypothesis shrinks a choice towards the first).
_TOP_KINDS = ("assign", "assign", "aug", "if", "for", "while", "return_if", "assign_array",
              "append", "fill", "for_each")
_LOOP_KINDS = _TOP_KINDS + ("break", "continue")
_TOP_LEVEL_ONLY = ("append", "fill", "for_each")


class Chooser:
    """Where the random decisions come from.  `integer` is inclusive at both ends."""

    def integer(self, lo: int, hi: int) -> int:
        raise NotImplementedError

    def pick(self, options):
        return options[self.integer(0, len(options) - 1)]

    def chance(self, percent: int) -> bool:
        """True with probability percent/100 (False is the simpler outcome)."""
        return self.integer(0, 99) >= 100 - percent


class RandomChooser(Chooser):
    """Decisions from a seeded `random.Random`."""

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def integer(self, lo, hi):
        return self.rng.randint(lo, hi)


@dataclass(frozen=True)
class Expr:
    """An expression: its text, its shape (None for a scalar) and a magnitude bound."""

    text: str
    shape: tuple | None
    bound: float
    view: bool = False          # may share memory with another array (`.T`)
    base: str | None = None     # the variable it is a view of, if any

    @property
    def is_name(self) -> bool:
        return self.text.isidentifier()


@dataclass
class Program:
    """A generated program: its source text and what its arguments look like."""

    source: str
    n_scalars: int
    shape: tuple | None          # the shape of A, or None when there is no array
    features: frozenset = field(default_factory=frozenset)

    @property
    def params(self) -> list:
        return [f"x{i}" for i in range(self.n_scalars)] + (["A"] if self.shape is not None else [])

    def make_args(self, rng: np.random.Generator, dtype=np.float64) -> tuple:
        """A point: scalars and the entries of A uniform in (-2, 2)."""
        scalars = tuple(float(rng.uniform(-2.0, 2.0)) for _ in range(self.n_scalars))
        if self.shape is None:
            return scalars
        return scalars + (np.asarray(rng.uniform(-2.0, 2.0, size=self.shape), dtype=dtype),)


def _is_atom(text: str) -> bool:
    """A name, a non-negative number, or one call `name(...)` / attribute `name.attr`."""
    if text.replace(".", "").isidentifier():
        return True
    try:
        return float(text) >= 0 and not text.startswith(("+", "-"))
    except ValueError:
        pass
    return _balanced_call(text) or (text.startswith("(") and _closes_at_end(text))


def _closes_at_end(text: str) -> bool:
    """True if the '(' opening `text` is closed by its last character."""
    depth = 0
    for k, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0:
            return k == len(text) - 1
    return False


def _paren(text: str) -> str:
    return text if _is_atom(text) else f"({text})"


def _balanced_call(text: str) -> bool:
    """True if `text` is a single call `name(...)` (its first '(' closes at the end)."""
    if not text.endswith(")") or "(" not in text:
        return False
    head = text[:text.index("(")]
    if not head.replace(".", "").isidentifier():
        return False
    depth = 0
    for k, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and k != len(text) - 1:
                return False
    return True


def _num(c: float) -> str:
    return repr(c)


class Generator:
    """Draws one program from a Chooser."""

    MAX_DEPTH = 2

    def __init__(self, chooser: Chooser, helpers=(), features=None):
        self.c = chooser
        self.scalars: dict[str, float] = {}       # name -> magnitude bound
        self.arrays: dict[str, tuple] = {}        # name -> (shape, bound)
        self.params: list[str] = []
        self.counter = 0
        self.features: set[str] = set() if features is None else features
        self.loop_vars: list[str] = []
        self.indexable: list[tuple] = []          # (array name, index name) usable as a[i]
        self.views: set[str] = set()
        self.returns_pair = False                 # every return gives two values
        self.helpers: list[tuple] = list(helpers)  # (name, arity, result bound, parts)

    # ---- names --------------------------------------------------------------------
    def fresh(self, prefix: str) -> str:
        name = f"{prefix}{self.counter}"
        self.counter += 1
        return name

    # ---- expressions ----------------------------------------------------------------
    def scalar_var(self) -> Expr:
        names = sorted(self.scalars)
        name = self.c.pick(names)
        return Expr(name, None, self.scalars[name])

    def const(self) -> Expr:
        c = self.c.pick(CONSTS)
        return Expr(_num(c), None, abs(c))

    def scalar(self, depth: int = 2) -> Expr:
        """A scalar expression."""
        kinds = ["var", "var", "unary", "unary", "binary", "binary", "const_mul", "div"]
        if self.arrays:
            kinds += ["reduce", "reduce", "reduce"]
        if self.loop_vars:
            kinds.append("index")
        if depth >= 2:
            kinds.append("ifexp")
        if self.helpers and depth >= 1:
            kinds.append("call")
        if self.indexable:
            kinds.append("getitem")
        kind = self.c.pick(kinds) if depth > 0 else "var"
        if kind == "var":
            return self.scalar_var()
        if kind == "index":
            i = self.c.pick(self.loop_vars)
            c = self.const()
            self.features.add("loop_index")
            return Expr(f"{_paren(c.text)} * {i}", None, c.bound * 4)
        if kind == "unary":
            lib = self.c.pick(("np", "math"))
            return self.unary(self.scalar(depth - 1), self.scalar_var(), lib=lib)
        if kind == "binary":
            a, b = self.scalar(depth - 1), self.scalar(depth - 1)
            return self.binary(a, b)
        if kind == "const_mul":
            c, e = self.const(), self.scalar(depth - 1)
            return Expr(f"{_paren(c.text)} * {_paren(e.text)}", None, c.bound * e.bound)
        if kind == "div":
            e, w = self.scalar(depth - 1), self.scalar_var()
            lib = self.c.pick(("math", "np"))
            return Expr(f"{_paren(e.text)} / (1.5 + {lib}.sin({w.text}))", None, 2 * e.bound)
        if kind == "reduce":
            return self.reduce(depth - 1)
        if kind == "call":
            name, arity, bound, parts = self.c.pick(self.helpers)
            args = ", ".join(self.scalar(depth - 1).text for _ in range(arity))
            self.features.add("call")
            pick = f"[{self.c.integer(0, parts - 1)}]" if parts > 1 else ""
            return Expr(f"{name}({args}){pick}", None, bound)
        if kind == "getitem":
            array, index = self.c.pick(self.indexable)
            self.features.add("getitem")
            return Expr(f"{array}[{index}]", None, self.arrays[array][1])
        # ifexp
        self.features.add("ifexp")
        a, b = self.scalar(depth - 1), self.scalar(depth - 1)
        pred = self.predicate(0)
        return Expr(f"({_paren(a.text)} if {pred} else {_paren(b.text)})", None,
                    max(a.bound, b.bound))

    def unary(self, e: Expr, v: Expr, lib: str) -> Expr:
        """An elementwise function of `e` (or of the variable `v` for the v*v forms)."""
        forms = ["sin", "cos", "tanh", "exp_tanh", "log1p_sq", "sqrt1p_sq", "recip1p_sq"]
        if v.bound <= 30:
            forms.append("sq")
        if v.bound <= 6:
            forms.append("cube")
        form = self.c.pick(forms)
        self.features.add(form)
        t, s = e.text, v.text
        if form in ("sin", "cos", "tanh"):
            return Expr(f"{lib}.{form}({t})", e.shape, 1.0)
        if form == "exp_tanh":
            return Expr(f"{lib}.exp({lib}.tanh({t}))", e.shape, 2.72)
        if form == "log1p_sq":
            return Expr(f"{lib}.log(1.0 + {s} * {s})", v.shape, float(np.log1p(v.bound ** 2)))
        if form == "sqrt1p_sq":
            return Expr(f"{lib}.sqrt(1.0 + {s} * {s})", v.shape, 1.0 + v.bound)
        if form == "recip1p_sq":
            return Expr(f"1.0 / (1.0 + {s} * {s})", v.shape, 1.0)
        if form == "sq":
            return Expr(f"{s} * {s}", v.shape, v.bound ** 2)
        return Expr(f"{s} * {s} * {s}", v.shape, v.bound ** 3)

    def binary(self, a: Expr, b: Expr) -> Expr:
        ops = ["+", "-"]
        if a.bound * b.bound <= 1e3:
            ops.append("*")
        op = self.c.pick(ops)
        shape = None
        if a.shape is not None or b.shape is not None:
            shape = tuple(np.broadcast_shapes(a.shape or (), b.shape or ()))
        bound = a.bound * b.bound if op == "*" else a.bound + b.bound
        return Expr(f"{_paren(a.text)} {op} {_paren(b.text)}", shape, bound)

    # ---- arrays -----------------------------------------------------------------------
    def array_var(self) -> Expr:
        name = self.c.pick(sorted(self.arrays))
        shape, bound = self.arrays[name]
        return Expr(name, shape, bound)

    def array(self, depth: int = 2) -> Expr:
        """An array expression (an array of one of the shapes in play)."""
        kinds = ["var", "unary", "binary", "scalar_op", "const_mul", "axis", "broadcast"] \
            if depth > 0 else ["var"]
        kind = self.c.pick(kinds)
        if kind == "var":
            return self.array_var()
        if kind == "unary":
            v = self.array_var()
            return self.unary(self.array(depth - 1), v, lib="np")
        if kind == "binary":
            a, b = self.array(depth - 1), self.array(depth - 1)
            try:
                np.broadcast_shapes(a.shape, b.shape)
            except ValueError:
                b = self.scalar(depth - 1)
            else:
                if a.shape != b.shape:
                    self.features.add("broadcast")
            return self.binary(a, b)
        if kind == "scalar_op":
            a, s = self.array(depth - 1), self.scalar(depth - 1)
            return self.binary(a, s) if self.c.chance(50) else self.binary(s, a)
        if kind == "const_mul":
            c, e = self.const(), self.array(depth - 1)
            return Expr(f"{_paren(c.text)} * {_paren(e.text)}", e.shape, c.bound * e.bound)
        if kind == "broadcast":
            return self.broadcast(self.array(depth - 1))
        return self.axis_op(self.array(depth - 1))

    def broadcast(self, a: Expr) -> Expr:
        """`a` combined with a differently shaped array derived from it."""
        if len(a.shape) == 2:
            b = self.c.pick((Expr(f"np.sum({a.text}, axis=0)", a.shape[1:], a.bound * a.shape[0]),
                             Expr(f"np.mean({a.text}, axis=1, keepdims=True)", (a.shape[0], 1),
                                  a.bound),
                             Expr(f"{_paren(a.text)}.T", a.shape[::-1], a.bound)))
            if b.text.endswith(".T") and a.shape[0] != 1 and a.shape[1] != 1:
                b = Expr(f"np.sum({a.text}, axis=0)", a.shape[1:], a.bound * a.shape[0])
        elif len(a.shape) == 1:
            b = Expr(f"np.expand_dims({a.text}, 1)", a.shape + (1,), a.bound)
        else:
            return self.binary(a, self.scalar_var())
        self.features.add("broadcast")
        return self.binary(a, b) if self.c.chance(50) else self.binary(b, a)

    def axis_op(self, e: Expr) -> Expr:
        """A shape-changing op on `e`: an axis reduction, a matrix-vector product, `.T`."""
        shape = e.shape
        if len(shape) == 2:
            form = self.c.pick(("sum0", "mean1", "T", "matvec"))
            self.features.add(f"axis_{form}")
            if form == "sum0":
                return Expr(f"np.sum({e.text}, axis=0)", shape[1:], e.bound * shape[0])
            if form == "mean1":
                return Expr(f"np.mean({e.text}, axis=1, keepdims=True)", (shape[0], 1), e.bound)
            if form == "T":
                return Expr(f"{_paren(e.text)}.T", shape[::-1], e.bound, view=True,
                            base=e.text if e.is_name else None)
            vec = f"np.sin(np.sum({e.text}, axis=0))"
            return Expr(f"np.dot({e.text}, {vec})", (shape[0],), e.bound * shape[1])
        if len(shape) == 1:
            self.features.add("axis_cumsum")
            return Expr(f"np.cumsum({e.text})", shape, e.bound * shape[0])
        return e

    def reduce(self, depth: int) -> Expr:
        """A scalar from arrays: np.sum, np.mean or np.dot."""
        a = self.array(depth)
        form = self.c.pick(("sum", "mean", "dot"))
        self.features.add(f"reduce_{form}")
        size = int(np.prod(a.shape)) if a.shape else 1
        if form == "sum":
            return Expr(f"np.sum({a.text})", None, a.bound * size)
        if form == "mean":
            return Expr(f"np.mean({a.text})", None, a.bound)
        b = self.array(depth)
        if len(a.shape) == 1 and a.shape == b.shape:
            return Expr(f"np.dot({a.text}, {b.text})", None, a.bound * b.bound * size)
        if len(a.shape) == 0 and len(b.shape) == 0:
            return Expr(f"np.dot({a.text}, {b.text})", None, a.bound * b.bound)
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            return Expr(f"np.sum({a.text})", None, a.bound * size)
        return Expr(f"np.sum({_paren(a.text)} * {_paren(b.text)})", None,
                    a.bound * b.bound * int(np.prod(shape)))

    def predicate(self, depth: int = 1) -> str:
        """`e > theta` or `e < theta` on a scalar expression."""
        e = self.scalar(depth)
        theta = self.c.pick(THRESHOLDS)
        op = self.c.pick((">", "<"))
        return f"{e.text} {op} {_num(theta)}"

    # ---- statements -------------------------------------------------------------------
    def block(self, budget: list, depth: int, in_loop: bool, top: bool = False) -> list[str]:
        """Statements (as lists of lines) until the budget runs out (top level) or for a
        few statements (nested blocks).  `budget` is a one-element list, shared."""
        lines: list[str] = []
        count = 0
        limit = None if top else self.c.integer(1, 3)
        while budget[0] > 0 and (limit is None or count < limit):
            lines += self.statement(budget, depth, in_loop)
            count += 1
        if not lines:
            lines = ["pass"]
        return lines

    def statement(self, budget: list, depth: int, in_loop: bool) -> list[str]:
        budget[0] -= 1
        kinds = _LOOP_KINDS if in_loop else _TOP_KINDS
        kind = self.c.pick(kinds)
        if depth >= self.MAX_DEPTH and kind in ("if", "for", "while"):
            kind = "assign"
        if kind in _TOP_LEVEL_ONLY and depth > 0:
            kind = "assign"
        if kind in ("assign_array", "for_each") and not self.arrays:
            kind = "assign"
        self.features.add(kind)
        if kind == "assign":
            return self.assign(depth)
        if kind == "aug":
            return self.augassign()
        if kind == "assign_array":
            return self.assign_array(depth)
        if kind == "if":
            return self.if_stmt(budget, depth, in_loop)
        if kind == "for":
            return self.for_stmt(budget, depth)
        if kind == "while":
            return self.while_stmt(budget, depth)
        if kind == "append":
            return self.append_loop(budget, depth)
        if kind == "fill":
            return self.fill_loop(budget, depth)
        if kind == "for_each":
            return self.for_each(budget, depth)
        if kind == "return_if":
            pred = self.predicate()
            second = f", {self.scalar(1).text}" if self.returns_pair else ""
            return [f"if {pred}:", f"    return {self.scalar(2).text}{second}"]
        return [f"if {self.predicate()}:", f"    {kind}"]       # break / continue

    def _target(self, depth: int) -> str:
        """A new variable at top level; in nested blocks usually an existing one (so
        values are carried across iterations and merged after branches), sometimes a
        block-local temporary; now and then a parameter is rebound."""
        locals_ = sorted(n for n in self.scalars if n.startswith("t"))
        roll = self.c.integer(0, 9)
        if roll == 9:
            return self.c.pick([p for p in self.params if p in self.scalars])
        if depth == 0:
            return self.c.pick(locals_) if locals_ and roll >= 6 else self.fresh("t")
        return self.c.pick(locals_) if locals_ and roll < 7 else self.fresh("u")

    def assign(self, depth: int) -> list[str]:
        e = self.scalar(2)
        target = self._target(depth)
        self.scalars[target] = max(e.bound, self.scalars.get(target, 0.0))
        return [f"{target} = {e.text}"]

    def augassign(self) -> list[str]:
        names = sorted(self.scalars)
        target = self.c.pick(names)
        op = self.c.pick(("+=", "-=", "*="))
        if op == "*=":
            e = self.c.pick((lambda: self.unary(self.scalar(1), self.scalar_var(), "math"),
                             self.const))()
            if e.bound > 3:
                e = Expr(f"math.tanh({e.text})", None, 1.0)
            self.scalars[target] *= max(e.bound, 1.0)
        else:
            e = self.scalar(2)
            self.scalars[target] += e.bound
        self.features.add(f"aug{op}")
        return [f"{target} {op} {e.text}"]

    def assign_array(self, depth: int) -> list[str]:
        e = self.array(2)
        if e.is_name:                                   # never alias an argument
            e = Expr(f"1.0 * {e.text}", e.shape, e.bound)
        same = [n for n in sorted(self.arrays) if n != "A" and self.arrays[n][0] == e.shape]
        owned = [n for n in same if n not in self.views]
        if owned and self.c.chance(30):
            # in-place += on a locally created array (never an argument or a view)
            self.features.add("aug_array")
            target = self.c.pick(owned)
            shape, bound = self.arrays[target]
            self.arrays[target] = (shape, bound + e.bound)
            return [f"{target} += {e.text}"]
        if depth > 0:
            target = self.c.pick(same) if same and self.c.chance(70) else self.fresh("v")
        else:
            target = self.fresh("a")
        self.arrays[target] = (e.shape, max(e.bound, self.arrays.get(target, (0, 0.0))[1]))
        if e.view:
            self.views.add(target)
            if e.base:              # no in-place update of an array with a live view
                self.views.add(e.base)
        elif depth == 0:          # after a branch it may still be the old (view) value
            self.views.discard(target)
        return [f"{target} = {e.text}"]

    def _nested(self, budget, depth, in_loop) -> list[str]:
        """A nested block; names created inside it are dropped afterwards."""
        saved_s, saved_a = set(self.scalars), set(self.arrays)
        body = self.block(budget, depth + 1, in_loop)
        for name in set(self.scalars) - saved_s:
            del self.scalars[name]
        for name in set(self.arrays) - saved_a:
            del self.arrays[name]
            self.views.discard(name)
        return ["    " + line for line in body]

    def if_stmt(self, budget, depth, in_loop) -> list[str]:
        lines = [f"if {self.predicate()}:"] + self._nested(budget, depth, in_loop)
        shape = self.c.pick(("if", "else", "elif"))
        if shape == "else" and budget[0] > 0:
            lines += ["else:"] + self._nested(budget, depth, in_loop)
        elif shape == "elif" and budget[0] > 0:
            self.features.add("elif")
            lines += [f"elif {self.predicate()}:"] + self._nested(budget, depth, in_loop)
            if budget[0] > 0:
                lines += ["else:"] + self._nested(budget, depth, in_loop)
        return lines

    def for_stmt(self, budget, depth) -> list[str]:
        n = self.c.integer(1, 4)
        var = self._loop_var()
        self.loop_vars.append(var)
        body = self._nested(budget, depth, True)
        self.loop_vars.pop()
        self._grow_bounds(n)
        return [f"for {var} in range({n}):"] + body

    def while_stmt(self, budget, depth) -> list[str]:
        n = self.c.integer(1, 4)
        k = self.fresh("k")
        watched = self.scalar_var()
        theta = self.c.pick(THRESHOLDS)
        op = self.c.pick(("<", ">"))
        head = [f"{k} = 0", f"while {k} < {n} and {watched.text} {op} {_num(theta)}:",
                f"    {k} += 1"]
        body = self._nested(budget, depth, True)
        self._grow_bounds(n)
        return head + body

    def append_loop(self, budget, depth) -> list[str]:
        """Append to a new list in a loop, then reduce the stacked list."""
        n = self.c.integer(1, 4)
        lst = self.fresh("lst")
        var = self._loop_var()
        self.loop_vars.append(var)
        arrays = self.arrays and self.c.chance(30)
        e = self.array(1) if arrays else self.scalar(2)
        grow = f"{lst}.append({e.text})"
        if self.c.chance(25):
            self.features.add("list_concatenation")
            grow = f"{lst} = {lst} + [{e.text}]"
        head = [f"{lst} = []", f"for {var} in range({n}):", f"    {grow}"]
        if e.is_name:
            self.views.add(e.text)    # the list holds it: no in-place update after this
        body = self._nested(budget, depth, True) if budget[0] > 0 and self.c.chance(50) else []
        self.loop_vars.pop()
        self._grow_bounds(n)
        stack = self.c.pick(("np.stack", "np.array"))
        if self.c.chance(25):     # iterate over the list (cotangents of its items)
            self.features.add("iterate_list")
            target, item = self.fresh("t"), self.fresh("e")
            self.scalars[target] = e.bound * e.bound * n
            return head + body + [f"{target} = 0.0", f"for {item} in {lst}:",
                                  f"    {target} = {target} + np.sum({item} * {item})"]
        if arrays:
            self.features.add("append_array")
            target = self.fresh("a")
            self.arrays[target] = (e.shape, e.bound * n)
            return head + body + [f"{target} = np.sum({stack}({lst}), axis=0)"]
        target = self.fresh("t")
        reduce = self.c.pick(("np.sum", "np.mean", "sum"))
        self.scalars[target] = e.bound * n
        if reduce == "sum":
            return head + body + [f"{target} = sum({lst})"]
        return head + body + [f"{target} = {reduce}({stack}({lst}))"]

    def fill_loop(self, budget, depth) -> list[str]:
        """Item assignments into a locally created 1-D array, in a loop over its indices."""
        vectors = [n for n in sorted(self.arrays) if len(self.arrays[n][0]) == 1]
        target = self.fresh("a")
        if vectors and self.c.chance(70):
            source = self.c.pick(vectors)
            n = self.arrays[source][0][0]
            init = self.c.pick((f"{source}.copy()", f"np.array({source})", f"new_copy({source})"))
            bound = self.arrays[source][1]
        else:
            n = self.c.integer(1, 4)
            init, bound = self.c.pick((f"np.zeros({n})", f"new_zeros({n})")), 0.0
        if init.startswith("new_"):
            self.features.add("helper_made_array")
        var = self._loop_var()
        self.loop_vars.append(var)
        readable = [(name, var) for name in vectors if self.arrays[name][0] == (n,)]
        self.indexable += readable
        e = self.scalar(2)
        value, e_bound = e.text, e.bound
        if self.c.chance(40):     # a recurrence: read an element written before or after
            self.features.add("setitem_reads_itself")
            value = f"{value} + 0.5 * {target}[({var} + {self.c.integer(1, n)}) % {n}]"
            e_bound = 2.0 * (bound + e.bound)
        op = self.c.pick(("=", "+="))
        self.features.add(f"setitem{op}")
        head = [f"{target} = {init}", f"for {var} in range({n}):",
                f"    {target}[{var}] {op} {value}"]
        body = self._nested(budget, depth, True) if budget[0] > 0 and self.c.chance(40) else []
        del self.indexable[len(self.indexable) - len(readable):]
        self.loop_vars.pop()
        self.arrays[target] = ((n,), bound + e_bound)
        return head + body

    def for_each(self, budget, depth) -> list[str]:
        """A loop over the elements (or rows) of an array, maybe with enumerate."""
        name = self.c.pick(sorted(self.arrays))
        shape, bound = self.arrays[name]
        if len(shape) == 0:
            return self.assign(depth)
        item = self.fresh("e")
        if len(shape) == 1:
            self.scalars[item] = bound
        else:
            self.arrays[item] = (shape[1:], bound)
            self.views.add(item)              # a row: writing into it writes into `name`
        if self.c.chance(40):
            self.features.add("enumerate")
            var = self._loop_var()
            self.loop_vars.append(var)
            head = f"for {var}, {item} in enumerate({name}):"
        else:
            var = None
            head = f"for {item} in {name}:"
        frozen = name not in self.views       # not updated in place while iterated
        self.views.add(name)
        body = self._nested(budget, depth, True)
        if var:
            self.loop_vars.pop()
        self.scalars.pop(item, None)
        self.arrays.pop(item, None)
        self.views.discard(item)
        if frozen and len(shape) == 1:        # rows of a 2-D array stay bound to `item`
            self.views.discard(name)
        self._grow_bounds(shape[0])
        return [head] + body

    def _loop_var(self) -> str:
        return "i" if not self.loop_vars else f"i{len(self.loop_vars)}"

    def _grow_bounds(self, n: int) -> None:
        """A loop may repeat its updates: widen the bounds of the local values."""
        for name in self.scalars:
            if name.startswith("t") or name in self.params:
                self.scalars[name] = min(self.scalars[name] * (1 + 0.5 * n), 1e9)

    # ---- the program --------------------------------------------------------------------
    def _returned(self) -> str:
        """The final return: a sum of 1-3 values, mostly local ones."""
        locals_ = sorted(n for n in self.scalars if n.startswith("t"))
        terms = [self.c.pick(locals_) if locals_ and not self.c.chance(20)
                 else self.scalar_var().text for _ in range(self.c.integer(1, 3))]
        local_arrays = sorted(n for n in self.arrays if n not in self.params)
        if local_arrays and self.c.chance(60):
            terms.append(f"np.sum({self.c.pick(local_arrays)})")
        elif self.arrays and self.c.chance(30):
            terms.append(f"np.sum({self.c.pick(sorted(self.arrays))})")
        return "return " + " + ".join(dict.fromkeys(terms))

    def helper(self, name: str) -> tuple[str, int, float, int]:
        """A helper function of one or two scalars (it may call earlier helpers):
        its source, arity, result bound and number of results (2: a tuple)."""
        self.params = ["p", "q"][:self.c.integer(1, 2)]
        self.scalars = dict.fromkeys(self.params, 2.0)
        self.returns_pair = self.c.chance(30)     # a tuple: callers index the result
        body = self.block([self.c.integer(1, 4)], 0, False, top=True)
        ret, parts = self._returned(), 1
        if self.returns_pair:
            self.features.add("tuple_return")
            ret, parts = f"{ret}, {self.scalar(1).text}", 2
        bound = max(self.scalars.values())
        lines = body + [ret]
        text = (f"def {name}({', '.join(self.params)}):\n"
                + "".join(f"    {line}\n" for line in lines))
        return text, len(self.params), bound, parts

    def program(self) -> Program:
        helpers_text = ""
        for k in range(self.c.integer(0, 2) if self.c.chance(35) else 0):
            sub = Generator(self.c, self.helpers, self.features)
            text, arity, bound, parts = sub.helper(f"h{k}")
            helpers_text += text + "\n\n"
            self.helpers.append((f"h{k}", arity, min(bound, 1e6), parts))
        n_scalars = self.c.integer(1, 4)
        shape = self.c.pick(SHAPES) if self.c.chance(50) else None
        self.params = [f"x{k}" for k in range(n_scalars)] + (["A"] if shape is not None else [])
        for k in range(n_scalars):
            self.scalars[f"x{k}"] = 2.0
        if shape is not None:
            self.arrays["A"] = (shape, 2.0)
        budget = [self.c.integer(3, 15)]
        body = self.block(budget, 0, False, top=True)
        body.append(self._returned())
        if "helper_made_array" in self.features:
            helpers_text = NEW_ARRAY_HELPERS + helpers_text
        text = (HEADER + helpers_text + f"def f({', '.join(self.params)}):\n"
                + "".join(f"    {line}\n" for line in body))
        return Program(text, n_scalars, shape, frozenset(self.features))


def generate(chooser: Chooser) -> Program:
    """One random program drawn from `chooser`."""
    return Generator(chooser).program()


def random_program(seed) -> Program:
    """The program of a given seed, drawn with a `random.Random`."""
    return generate(RandomChooser(seed))
