"""gast expressions -> IR equations: the expression half of the lowerer.

`ExpressionLowerer` holds the lowerer's state (the environment from user names to
atoms, the statement list being filled, pins, deferred checks) and lowers every
expression to atoms, emitting one primitive per equation.  Names are resolved here:
parameters and locals from the environment, closure cells and module globals as
constants (functions, modules, classes: pinned, see pins.py) or as `Global`s read
when the derivative runs (data).  Statements and control flow are lowered by the
subclass `lower._Lowerer`, which provides `branch`, `lower_stmt` and `inline` (used
here for conditional expressions, `and`/`or`, comprehensions and local functions).
Calls are lowered by its base `lower_calls.CallLowering`, and a few syntax forms
(`raise`, `assert`, generator expressions, f-strings, deep chains) by
`lower_forms.SyntaxForms`.
"""
from __future__ import annotations

import builtins
import operator
import types

import gast
import numpy as np

from . import prims, runtime, scopes
from .aliasing import AliasTracking
from .lower_calls import CallLowering, _named
from .lower_forms import SyntaxForms
from .callables import is_library_method, is_user_namespace
from .compose import made_by_s2sad
from .errors import UnsupportedSyntaxError
from .ir_nodes import Const, Eqn, Global, Var
from .pins import Pin, attribute_pin
from .prims import UNDEFINED

BINOPS = {gast.Add: operator.add, gast.Sub: operator.sub, gast.Mult: operator.mul,
          gast.Div: operator.truediv, gast.FloorDiv: operator.floordiv, gast.Mod: operator.mod,
          gast.Pow: operator.pow, gast.MatMult: operator.matmul, gast.BitAnd: operator.and_,
          gast.BitOr: operator.or_, gast.BitXor: operator.xor, gast.LShift: operator.lshift,
          gast.RShift: operator.rshift}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_,
            gast.Invert: operator.invert}
CMPOPS = {gast.Lt: operator.lt, gast.LtE: operator.le, gast.Gt: operator.gt,
          gast.GtE: operator.ge, gast.Eq: operator.eq, gast.NotEq: operator.ne,
          gast.Is: operator.is_, gast.IsNot: operator.is_not}
HINTS = {operator.add: "sum", operator.sub: "diff", operator.mul: "prod",
         operator.truediv: "quot", operator.pow: "power", operator.matmul: "mm",
         operator.neg: "neg"}


def is_static(value) -> bool:
    """Objects resolved at transform time (found by identity in rule tables)."""
    return isinstance(value, (types.ModuleType, type, types.FunctionType,
                              types.BuiltinFunctionType, np.ufunc)) or (
        callable(value) and not isinstance(value, np.ndarray))


def _complex(value) -> bool:
    """Complex data, taken as a constant of its object (pinned): the derivative must
    know it is complex (rules that hold only for real values are refused there), and a
    global read when the derivative runs has no known dtype."""
    return isinstance(value, complex) or isinstance(value, (np.ndarray, np.generic)) and \
        np.iscomplexobj(value)


class LocalFunction:
    """A function defined inside the differentiated one (a nested def or a lambda);
    it is inlined where it is called, seeing the enclosing variables at that point."""

    def __init__(self, node, defaults: list):
        self.node, self.defaults = node, defaults
        self.name = getattr(node, "name", "<lambda>")

    def __repr__(self) -> str:
        return f"<local function {self.name}>"


NOT_FRESH = ((False, frozenset()), [])


def nothing_is_fresh(fn):
    """The `fresh_results` of a lowering that cannot look into callees."""
    return NOT_FRESH


class ExpressionLowerer(CallLowering, SyntaxForms, AliasTracking):
    """Lowers expressions of one function (see the module docstring); the state below
    is shared with the statement half, `lower._Lowerer`.  `fresh_results(callee)`
    answers whether a user function returns a new object (AliasTracking)."""

    def __init__(self, parsed, arg_kinds=(), fresh_results=None):
        self.parsed = parsed
        self.arg_kinds = tuple(arg_kinds)
        self.fresh_results = fresh_results or nothing_is_fresh
        fn = parsed.fn
        self.globals = fn.__globals__
        self.cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        self.env: dict = {}
        self.stmts: list = []
        self.library_calls: dict = {}     # result -> its call of a library object (frozen dists)
        self.loc = parsed.loc(parsed.node)
        self.loop_depth = 0
        self.inline_depth = 0
        self.loop_return = None      # `.ret` out of the loop lowered last, if it may return
        self.mutated_in_loop: set = set()
        self.checks: list = []       # () -> problem or None, run once kinds are known
        self.live: set = set()       # names read after the statement being lowered
        self.loop_reads: list = []   # names read in each enclosing loop (read again later)
        self.comprehensions = 0
        self.pins: list = []         # names resolved at generation time (pins.py)
        self.pinned: set = set()
        self.init_alias_tracking()


    # ---- provided by the statement half (lower._Lowerer) --------------------------

    def branch(self, cond, then_fn, else_fn, live) -> bool:
        raise NotImplementedError

    def lower_stmt(self, stmt, live) -> bool:
        raise NotImplementedError

    def inline(self, local, args, kwargs, node):
        raise NotImplementedError

    # ---- expressions ---------------------------------------------------------

    def emit(self, prim, args, kwargs=None, hint="t", params=None, node=None) -> Var:
        out = Var(hint)
        loc = self.parsed.loc(node) if node is not None else self.loc
        self.stmts.append(Eqn([out], prim, list(args), kwargs or {}, params or {}, loc))
        self.track(prim, args, out)
        return out

    def expr(self, node, hint="t"):
        if (ahead := self.lowered_ahead(node)) is not None:   # part of a deep chain
            return ahead
        handler = getattr(self, "expr_" + type(node).__name__, None)
        if handler is None:
            raise UnsupportedSyntaxError([(self.parsed.loc(node),
                                           f"'{type(node).__name__}' expression is not supported")])
        return handler(node, hint)

    def expr_Constant(self, node, hint):
        return Const(node.value)

    def expr_Starred(self, node, hint):
        raise UnsupportedSyntaxError([(self.parsed.loc(node), "`*` unpacking is supported in "
                                       "calls and in tuple and list displays, not here")],
                                     fix="index the items explicitly (`x[0], x[1]`)")

    def expr_Name(self, node, hint):
        value = self.name(node)
        if isinstance(value, Const) and isinstance(value.value, LocalFunction):
            made = f" ({value.value.name})" if value.value.name != node.id else ""
            raise UnsupportedSyntaxError([(self.parsed.loc(node), f"the local function "
                                           f"'{node.id}'{made} is used as a value; local "
                                           "functions (nested defs, lambdas, functools.partial "
                                           "objects) can only be called")],
                                         fix="call it directly, or define it at module level")
        return value

    def name(self, node):
        name = node.id
        if name in self.env:
            value = self.env[name]
            if isinstance(value, Const) and value.value is UNDEFINED:
                raise UnsupportedSyntaxError([(self.parsed.loc(node),
                                               f"'{name}' may be used before it is assigned")])
            return value
        if name in self.cells:
            try:
                value = self.cells[name].cell_contents
            except ValueError:
                raise UnsupportedSyntaxError([(self.parsed.loc(node), f"free variable '{name}' "
                                               "is not assigned yet")]) from None
            if not is_static(value) and not _complex(value):
                return Global(name, value, self.cells[name])
            self.pin(Pin(self.cells[name], name, value, "cell"))
            return Const(value)
        if name in self.globals:
            value = self.globals[name]
            if not is_static(value) and not _complex(value):
                return Global(name, value, namespace=self.globals)
            self.pin(Pin(self.globals, name, value, "dict"))
            return Const(value)
        if hasattr(builtins, name):
            return Const(getattr(builtins, name))
        raise UnsupportedSyntaxError([(self.parsed.loc(node), f"name '{name}' is not defined "
                                       "(not a parameter, local, global or builtin)")])

    def pin(self, pin: Pin) -> None:
        """Keep a name resolved now (see pins.py); global modules are not rebound in
        practice and library internals not monkeypatched, so they are not pinned (a
        module in a closure cell is: a closure made again may hold another)."""
        if isinstance(pin.value, types.ModuleType) and pin.how != "cell" or \
                (id(pin.holder), pin.key) in self.pinned:
            return
        self.pinned.add((id(pin.holder), pin.key))
        self.pins.append(pin)

    def local_callee(self, node):
        """The LocalFunction a call's function expression names, or None."""
        if isinstance(node, gast.Lambda):
            return self.local_function(node)
        if isinstance(node, gast.Name) and node.id in self.env:
            value = self.env[node.id]
            if isinstance(value, Const) and isinstance(value.value, LocalFunction):
                return value.value
        return None

    def static_value(self, node):
        """(True, object) when `node` names a module/class attribute chain, else (False, None)."""
        if isinstance(node, gast.Name):
            try:
                atom = self.name(node)        # a global, builtin, or a local alias of one
            except UnsupportedSyntaxError:
                return False, None
            if isinstance(atom, Const) and not isinstance(atom, Global) and \
                    not isinstance(atom.value, LocalFunction):
                return True, atom.value
        if isinstance(node, gast.Attribute):
            ok, base = self.static_value(node.value)
            if ok and isinstance(base, (types.ModuleType, type)) and hasattr(base, node.attr):
                if is_user_namespace(base):
                    self.pin(attribute_pin(base, node.attr))
                return True, getattr(base, node.attr)
            if ok and is_library_method(base, node.attr):
                return True, getattr(base, node.attr)   # `scipy.stats.norm.logpdf`
        if isinstance(node, gast.Call):      # `s2sad.grad(f, wrt=1)`: made now
            ok, operator_fn = self.static_value(node.func)
            if ok and getattr(operator_fn, "__s2sad_operator__", None) == "transform":
                parts = [self.literal(a) for a in node.args] + \
                    [self.literal(k.value) for k in node.keywords]
                if all(ok for ok, _ in parts):
                    values = [value for _, value in parts]
                    keywords = {k.arg: v for k, v in zip(node.keywords, values[len(node.args):])}
                    return True, made_by_s2sad(operator_fn, values[:len(node.args)], keywords)
        return False, None

    def literal(self, node):
        """(True, value) for a constant, a static name or a tuple of them."""
        if isinstance(node, gast.Constant):
            return True, node.value
        if isinstance(node, (gast.Tuple, gast.List)):
            parts = [self.literal(e) for e in node.elts]
            return all(ok for ok, _ in parts), tuple(value for _, value in parts)
        return self.static_value(node)

    def expr_Attribute(self, node, hint):
        ok, value = self.static_value(node)
        if ok:
            return Const(value)
        obj = self.expr(node.value)
        return self.emit(prims.method(node.attr), [obj], hint=node.attr,
                         params={"attribute": True}, node=node)

    def expr_BinOp(self, node, hint):
        left, right = self.expr(node.left), self.expr(node.right)
        prim = BINOPS[type(node.op)]
        return self.emit(prim, [left, right], hint=hint if hint != "t" else HINTS.get(prim, "t"))

    def expr_UnaryOp(self, node, hint):
        operand = self.expr(node.operand)
        return self.emit(UNARYOPS[type(node.op)], [operand], hint=hint)

    def expr_Compare(self, node, hint):
        left, result = self.expr(node.left), None
        for op, comparator in zip(node.ops, node.comparators):
            right = self.expr(comparator)
            if isinstance(op, (gast.In, gast.NotIn)):
                test = self.emit(operator.contains, [right, left], hint=hint)
                if isinstance(op, gast.NotIn):
                    test = self.emit(operator.not_, [test], hint=hint)
            else:
                test = self.emit(CMPOPS[type(op)], [left, right], hint=hint)
            result = test if result is None else self.emit(prims.AND, [result, test], hint=hint)
            left = right
        return result

    def expr_BoolOp(self, node, hint):
        is_and = isinstance(node.op, gast.And)
        result = self.expr(node.values[0], hint)
        for value_node in node.values[1:]:
            if _is_simple(value_node):
                value = self.expr(value_node, hint)
                result = self.emit(prims.AND if is_and else prims.OR, [result, value], hint=hint)
                continue
            # Short-circuit: the right operand is evaluated only when needed.
            first = result

            def right(value_node=value_node):
                self.env[".value"] = self.expr(value_node, hint)
                return False

            def left(first=first):
                self.env[".value"] = first
                return False
            self.branch(first, right if is_and else left, left if is_and else right, {".value"})
            result = _named(self.env.pop(".value"), hint)
        return result

    def expr_IfExp(self, node, hint):
        cond = self.expr(node.test, "cond")

        def side(value_node):
            def lower_side():
                self.env[".value"] = self.expr(value_node, hint)
                return False
            return lower_side
        self.branch(cond, side(node.body), side(node.orelse), {".value"})
        return _named(self.env.pop(".value"), hint)

    def expr_Tuple(self, node, hint):
        return self.emit(prims.BUILD_TUPLE, self.items(node.elts), hint=hint)

    def expr_List(self, node, hint):
        return self.emit(prims.BUILD_LIST, self.items(node.elts), hint=hint)

    def expr_Dict(self, node, hint):
        keys = tuple(k.value for k in node.keys)
        values = [self.expr(v) for v in node.values]
        return self.emit(runtime.build_dict, [Const(keys)] + values, hint=hint)

    def expr_ListComp(self, node, hint):
        """`[elt for t in it if c]` is lowered as the loop that appends to a new list."""
        self.comprehensions += 1
        name = f".comp{self.comprehensions}"
        self.env[name] = self.emit(prims.BUILD_LIST, [], hint=hint if hint != "t" else "items")
        append = gast.Expr(value=gast.Call(
            func=gast.Attribute(value=gast.Name(id=name, ctx=gast.Load(), annotation=None,
                                                type_comment=None), attr="append", ctx=gast.Load()),
            args=[node.elt], keywords=[]))
        body = [append]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [gast.If(test=cond, body=body, orelse=[])]
            body = [gast.For(target=gen.target, iter=gen.iter, body=body, orelse=[],
                             type_comment=None)]
        for stmt in gast.walk(body[0]):
            if isinstance(stmt, gast.stmt):
                gast.copy_location(stmt, node)
        targets = scopes.names_assigned([g.target for g in node.generators])
        saved = {t: self.env[t] for t in targets if t in self.env}
        self.lower_stmt(body[0], {name})
        for t in targets:   # comprehension variables do not leak (Python 3)
            self.env.pop(t, None)
        self.env.update(saved)
        return _named(self.env.pop(name), hint)

    def expr_Slice(self, node, hint):
        parts = [self.expr(p) if p is not None else Const(None)
                 for p in (node.lower, node.upper, node.step)]
        if all(isinstance(p, Const) and not isinstance(p, Global) for p in parts):
            return Const(slice(*(p.value for p in parts)))
        return self.emit(prims.BUILD_SLICE, parts, hint="slice")

    def index(self, index):
        if isinstance(index, gast.Tuple):
            parts = [self.expr(e) for e in index.elts]
            if all(isinstance(p, Const) and not isinstance(p, Global) for p in parts):
                return Const(tuple(p.value for p in parts))
            return self.emit(prims.BUILD_TUPLE, parts, hint="index")
        return self.expr(index, "index")

    def expr_Subscript(self, node, hint):
        value = self.expr(node.value)
        key = self.index(node.slice)
        if hint == "t" and isinstance(key, Const) and isinstance(key.value, str) and \
                key.value.isidentifier():
            hint = key.value
        parts = self._tuple_parts(value) if isinstance(key, Const) and \
            isinstance(key.value, int) else None
        if parts is not None and -len(parts) <= key.value < len(parts):
            return parts[key.value]
        return self.emit(operator.getitem, [value, key], hint=hint, node=node)

def _is_simple(node) -> bool:
    """Expressions safe to evaluate eagerly: names, constants and comparisons of them."""
    if isinstance(node, (gast.Name, gast.Constant)):
        return True
    if isinstance(node, gast.Compare):
        return all(_is_simple(n) for n in [node.left] + node.comparators)
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not):
        return _is_simple(node.operand)
    return False
