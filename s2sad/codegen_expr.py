"""Expressions of generated code: the text of atoms, constants and equations, with
Python's precedence, and names for the objects the code refers to.

Used by `codegen.py`, which lays out the statements.
"""
from __future__ import annotations

import builtins
import math
import operator
import sys
import types

import numpy as np

from . import prims, runtime
from .backends import numba_forms
from .callables import call_arguments, is_user_function
from .ir_nodes import Const, Eqn, Function, Global, Var
from .naming import Namer

INFIX = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/",
         operator.floordiv: "//", operator.mod: "%", operator.pow: "**", operator.matmul: "@",
         operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">=",
         operator.eq: "==", operator.ne: "!=", operator.is_: "is", operator.is_not: "is not",
         operator.and_: "&", operator.or_: "|", operator.xor: "^", operator.lshift: "<<",
         operator.rshift: ">>", prims.AND: "and", prims.OR: "or"}
PREFIX = {operator.neg: "-", operator.pos: "+", operator.not_: "not ", operator.invert: "~"}

# Binding strength of Python's operators, loosest first (the levels of the table in
# the language reference, "Operator precedence").  An operand whose level is below
# the one its place asks for is parenthesised.
COMPARISON = 4      # <, ==, in, is, ...: chain rather than nest, so both operands bind tighter
ATOMIC = 14         # names, calls, subscripts, displays: above every operator (** is 12)
PRECEDENCE = {prims.OR: 1, prims.AND: 2, operator.not_: 3, operator.lt: COMPARISON,
              operator.le: COMPARISON, operator.gt: COMPARISON, operator.ge: COMPARISON,
              operator.eq: COMPARISON, operator.ne: COMPARISON, operator.is_: COMPARISON,
              operator.is_not: COMPARISON, operator.contains: COMPARISON, operator.or_: 5,
              operator.xor: 6, operator.and_: 7, operator.lshift: 8, operator.rshift: 8,
              operator.add: 9, operator.sub: 9, operator.mul: 10, operator.truediv: 10,
              operator.floordiv: 10, operator.mod: 10, operator.matmul: 10, operator.neg: 11,
              operator.pos: 11, operator.invert: 11, operator.pow: 12}
PREFERRED_ALIAS = {"numpy": "np", "math": "math", "s2sad.runtime": "rt", "operator": "operator"}


class Objects:
    """Names of the objects the generated functions of one program refer to."""

    def __init__(self, function_names=(), globals_=None):
        self.objects: dict[str, object] = {}     # factory parameter name -> object
        self.names: dict[int, str] = {}          # id(object) -> name
        self.function_names = set(function_names)
        self.globals = globals_     # the globals the program is loaded with (None: any)


class Expressions:
    """Writes the expressions of one generated function.

    `name(var)` follows `alias` (Vars printed with another Var's name) to the Var
    whose name `namer` assigns.  `folded` holds the text of equations written into
    the place their value is used, from when the equation is reached until that
    use takes it (mutable).  Objects without a literal form are named once per
    program in `table` (shared, mutable).  With `numba`, calls take the forms of
    backends/numba_forms.py."""

    numba = False

    def __init__(self, fn: Function, table: Objects, namer: Namer, alias: dict):
        self.fn, self.namer, self.alias = fn, namer, alias
        self.objects = table.objects
        self.object_names = table.names
        self.globals = table.globals
        self.folded: dict = {}                   # Var -> (text, precedence)

    # ---- names and atoms ---------------------------------------------------------

    def name(self, var: Var) -> str:
        root = var
        while root in self.alias:
            root = self.alias[root]
        return self.namer(root)

    def atom(self, a, min_prec=0) -> str:
        """Text of an atom, parenthesised when its precedence is below `min_prec`."""
        if isinstance(a, Var):
            if a in self.folded:
                text, prec = self.folded.pop(a)
                return f"({text})" if prec < min_prec else text
            return self.name(a)
        if isinstance(a, Global):
            return self.global_read(a)
        text = self.const(a.value)
        return f"({text})" if min_prec > PRECEDENCE[operator.neg] and text.startswith("-") \
            else text

    def global_read(self, a: Global) -> str:
        """A data global read when the code runs: from its closure cell, by name in the
        program's globals, or from the globals of the (callee's) module it belongs to."""
        if a.cell:
            return f"{self.ref(a.cell, 'cell_' + a.name)}.cell_contents"
        if a.namespace is None or self.globals is None or a.namespace is self.globals:
            return a.name
        name = str(a.namespace.get("__name__", "module"))
        owner = sys.modules.get(name)
        if owner is not None and vars(owner) is a.namespace and a.name.isidentifier():
            return f"{self.ref(owner)}.{a.name}"     # an imported module's attribute
        return f"{self.ref(a.namespace, name.rpartition('.')[2] + '_globals')}[{a.name!r}]"

    def const(self, value) -> str:
        if value is prims.UNDEFINED:
            return "None"     # a value never read on the path that assigns it
        if value is None or isinstance(value, (bool, int, str)) and not isinstance(value, np.generic):
            return repr(value)
        if isinstance(value, float) and not isinstance(value, np.generic):
            if math.isfinite(value):
                return repr(value)
            return ("-" if value < 0 else "") + f"{self.ref(math)}.inf" if not math.isnan(value) \
                else f"{self.ref(math)}.nan"
        if value is Ellipsis:
            return "..."
        if isinstance(value, tuple):
            items = [self.const(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if isinstance(value, slice):
            return f"slice({self.const(value.start)}, {self.const(value.stop)}, {self.const(value.step)})"
        return self.ref(value)

    def ref(self, obj, hint: str | None = None) -> str:
        """A name for an object without literal form (module, function, array...)."""
        key = id(obj)
        if key in self.object_names:
            return self.object_names[key]
        text = self._public_path(obj)
        if text is None and isinstance(obj, types.MethodType) and hint is None and \
                not isinstance(obj.__self__, (type, types.ModuleType)):
            owner = obj.__self__        # `norm.logpdf`: the object, named, then its method
            label = getattr(owner, "name", None)
            label = label if isinstance(label, str) and label.isidentifier() else \
                type(owner).__name__.removesuffix("_gen")
            text = f"{self.ref(owner, label)}.{obj.__name__}"
        if text is None:
            base = hint or getattr(obj, "__name__", None) or type(obj).__name__.lower()
            text = self.namer.fresh(base if base.isidentifier() else "const")
            self.objects[text] = obj
        self.object_names[key] = text
        return text

    def _public_path(self, obj):
        if isinstance(obj, types.ModuleType):
            name = PREFERRED_ALIAS.get(obj.__name__)
            for user_name, value in self.fn.globals.items():
                if value is obj and name is None and user_name.isidentifier():
                    name = user_name
            if obj.__name__ == "numpy.linalg":
                return f"{self.ref(np)}.linalg"
            name = self.namer.fresh(name or obj.__name__.replace(".", "_"))
            self.objects[name] = obj
            return name
        if obj is runtime or obj is np or obj is math:
            return None
        name = getattr(obj, "__name__", None)
        if name is None:
            return None
        if getattr(builtins, name, None) is obj:
            return name
        for module in (np, np.linalg, math, runtime, operator):
            if getattr(module, name, None) is obj:
                return f"{self.ref(module)}.{name}"
        module = sys.modules.get(getattr(obj, "__module__", None) or "")
        if module is not None and getattr(module, name, None) is obj:
            return f"{self.ref(module)}.{name}"
        return None

    # ---- equations ---------------------------------------------------------------

    def render(self, eqn: Eqn):
        """(text, precedence) of the expression computing the eqn's output."""
        prim, args = eqn.prim, eqn.args
        method = prims.method_name(prim)
        if method is not None:
            obj = self.atom(args[0], ATOMIC)
            if eqn.params.get("attribute"):
                return f"{obj}.{method}", ATOMIC
            return f"{obj}.{method}({self.call_args(args[1:], eqn.kwargs)})", ATOMIC
        if prim in INFIX and len(args) == 2 and not eqn.kwargs:
            prec = PRECEDENCE[prim]
            if prim is operator.pow:       # right-associative
                left, right = self.atom(args[0], prec + 1), self.atom(args[1], prec - 1)
            elif prec == COMPARISON:
                left, right = self.atom(args[0], prec + 1), self.atom(args[1], prec + 1)
            else:
                left, right = self.atom(args[0], prec), self.atom(args[1], prec + 1)
            return f"{left} {INFIX[prim]} {right}", prec
        if prim in PREFIX and len(args) == 1:
            prec = PRECEDENCE[prim]
            return f"{PREFIX[prim]}{self.atom(args[0], prec)}", prec
        if prim is operator.getitem:
            if eqn.params.get("field"):          # a named tuple's field (resolve.py)
                return f"{self.atom(args[0], ATOMIC)}.{eqn.params['field']}", ATOMIC
            return f"{self.atom(args[0], ATOMIC)}[{self.index(args[1])}]", ATOMIC
        if prim is operator.contains:
            return (f"{self.atom(args[1], COMPARISON + 1)} in "
                    f"{self.atom(args[0], COMPARISON + 1)}", COMPARISON)
        if prim is prims.BUILD_TUPLE:
            items = [self.atom(a) for a in args]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")", ATOMIC
        if prim is prims.BUILD_LIST:
            return "[" + ", ".join(self.atom(a) for a in args) + "]", ATOMIC
        if prim is prims.BUILD_SLICE:
            return f"slice({self.call_args(args, {})})", ATOMIC
        if prim is prims.FORMAT:
            # an f-string: `str.format` of its template (see lower_forms.py)
            return f"{self.atom(args[0], ATOMIC)}.format({self.call_args(args[1:], {})})", ATOMIC
        if isinstance(prim, prims.DerivativeCall):
            return f"{prim.name}({self.call_args(args, eqn.kwargs)})", ATOMIC
        helper = numba_forms.helper_for(prim) if self.numba and not eqn.kwargs else None
        if helper is not None:
            return f"{self.ref(runtime)}.{helper}({self.call_args(args, {})})", ATOMIC
        if is_user_function(prim) and not eqn.kwargs:   # arguments bound by lowering
            parts = [prefix + self.atom(a, ATOMIC if prefix == "*" else 0)
                     for prefix, a in call_arguments(prim, args)]
            return f"{self.ref(prim)}({', '.join(parts)})", ATOMIC
        return f"{self.ref(prim)}({self.call_args(args, eqn.kwargs)})", ATOMIC

    def call_args(self, args, kwargs) -> str:
        parts = [self.atom(a) for a in args] + [f"{k}={self.atom(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    def index(self, atom) -> str:
        if isinstance(atom, Const) and not isinstance(atom, Global):
            value = atom.value
            parts = value if isinstance(value, tuple) and value else (value,)
            if all(isinstance(p, (slice, int, type(None), type(Ellipsis))) and
                   not isinstance(p, bool) for p in parts):
                text = ", ".join(self._index_part(p) for p in parts)
                return text + ("," if isinstance(value, tuple) and len(value) == 1 else "")
        return self.atom(atom)

    def _index_part(self, p) -> str:
        if isinstance(p, slice):
            text = ":".join("" if v is None else repr(v) for v in (p.start, p.stop))
            return text + (f":{p.step}" if p.step is not None else "")
        if p is None:
            return "None"
        return "..." if p is Ellipsis else repr(p)
