"""The syntax fence: reject what s2sad cannot differentiate, before lowering.

`check(parsed)` walks a `ParsedFunction` and raises one `UnsupportedSyntaxError`
that lists *every* unsupported construct, each with the user's file, line and
column, what is unsupported and what to write instead.  It returns None when the
function is inside the supported subset.

The subset is data: `SUPPORTED` maps each accepted gast node class to None, or to a
checker for the cases where acceptance depends on context (an assignment target,
the parameters of the function); `REJECTED` maps known unsupported classes to a
message and a fix.  Any class in neither table is rejected with a generic message.

Not walked, because they are not part of the differentiated computation:
annotations, the return annotation and the default values of the parameters
(Python evaluates defaults once, when the `def` runs).
"""
from __future__ import annotations

from dataclasses import dataclass

import gast

from .errors import UnsupportedSyntaxError


@dataclass(frozen=True)
class Reject:
    """An unsupported construct: what it is, what to do instead, and whether the
    fence looks for further problems inside it."""

    what: str
    fix: str
    descend: bool = True

    def message(self) -> str:
        return f"{self.what} is not supported; {self.fix}"


_IN_PLACE = ("item assignment into an expression (`f(x)[...] = ...`, `x.a[...] = ...`) "
             "is not supported; assign the array to a local name first")
_ITEM_IN_TUPLE = ("an item assignment inside a tuple target is not supported; assign the "
                  "values to names first, then each item in a statement of its own")
_ATTRIBUTE_WRITE = ("assignment to an attribute is not supported: s2sad does not track "
                    "writes into objects; keep the value in a local variable and return it")
_HELPER = "define the helper at module level and call it"
_COMPREHENSION = "write a for loop that appends to a list, or accumulates the result"


def _problem(node, message):
    return [(node, message)]


def _check_target(target, top=True) -> list:
    """Assignment and loop targets: a name, (nested) tuples/lists of names, or, as a
    whole assignment target, an item of a local name (`y[i] = v`)."""
    if isinstance(target, gast.Name):
        return []
    if isinstance(target, (gast.Tuple, gast.List)):
        return [p for elt in target.elts for p in _check_target(elt, top=False)]
    if isinstance(target, gast.Subscript):
        if isinstance(target.value, gast.Name) and top:
            return []   # a write into a local array or list; lowering checks ownership
        return _problem(target, _IN_PLACE if top else _ITEM_IN_TUPLE)
    if isinstance(target, gast.Attribute):
        return _problem(target, _ATTRIBUTE_WRITE)
    if isinstance(target, gast.Starred):
        return _problem(target, "a starred assignment target (`a, *rest = t`) is not "
                                "supported; index the items explicitly (`a, rest = t[0], t[1:]`)")
    return _problem(target, f"assignment to a {type(target).__name__} is not supported; "
                            "assign to a plain variable name")


def _check_assign(node) -> list:
    return [p for target in node.targets for p in _check_target(target)]


def _check_augassign(node) -> list:
    return _check_target(node.target)


def _check_annassign(node) -> list:
    problems = _check_target(node.target)
    if node.value is None:
        problems += _problem(node, "an annotation without a value is not supported; "
                                   "assign a value (`x: float = 0.0`) or remove the line")
    return problems


def _check_for(node) -> list:
    if isinstance(node.target, (gast.Name, gast.Tuple, gast.List)):
        return _check_target(node.target, top=False)
    return _problem(node.target, f"a for loop whose target is a {type(node.target).__name__} "
                                 "is not supported; loop over a plain name (or a tuple of "
                                 "names) and assign from it inside the body")


def _check_store(node) -> list:
    """Subscript and Attribute: reading is fine, writing (however reached) is not."""
    if isinstance(node.ctx, gast.Store):
        if isinstance(node, gast.Subscript):
            return []   # reported (or accepted) by the statement's target check
        return _problem(node, _ATTRIBUTE_WRITE)
    return []


def _check_call(node) -> list:
    """`f(**d)` is lowered when d's keys are known then (a **kwargs parameter)."""
    return []


def _check_signature(node) -> list:
    """A function s2sad lowers: positional, defaulted and keyword-only parameters,
    *args (one tuple) and **kwargs (one dict) are accepted."""
    problems = []
    if isinstance(node, gast.AsyncFunctionDef):
        problems += _problem(node, "async functions are not supported; differentiate a "
                                   "plain `def` function")
    return problems


def _check_nested(node) -> list:
    """A nested def or a lambda: inlined where it is called, so no *args or **kwargs."""
    problems = _check_signature(node)
    if node.args.kwarg is not None:
        problems += _problem(node.args.kwarg, "a **kwargs parameter of a nested function or "
                                              "lambda is not supported; define it at module "
                                              "level, or list the parameters explicitly")
    if node.args.vararg is not None:
        problems += _problem(node.args.vararg, "a *args parameter of a nested function or "
                                               "lambda is not supported; define it at module "
                                               "level, or list the parameters explicitly")
    if isinstance(node, gast.Lambda):
        return problems
    if node.decorator_list:
        problems += _problem(node.decorator_list[0], "a decorator on a nested function is "
                                                     "not supported; define it at module level")
    return problems


def _check_comprehension(node) -> list:
    return [p for gen in node.generators for p in _check_target(gen.target)] + \
        [p for gen in node.generators if getattr(gen, "is_async", 0)
         for p in _problem(gen, "an async comprehension is not supported")]


def _check_dict(node) -> list:
    return [(k or node, "a dict display needs string constant keys (`{'w': w}`)")
            for k in node.keys
            if not (isinstance(k, gast.Constant) and isinstance(k.value, str))]


def _check_raise(node) -> list:
    if node.exc is None:
        return _problem(node, "a bare `raise` (re-raising the exception being handled) is "
                              "not supported; raise an exception object (`raise ValueError(...)`)")
    return []


def _outer_writes(scope, loc) -> list:
    """Writes to names a function (or a nested def of it) declares `global` or
    `nonlocal`: refused at the declaration (reads of them are read when the derivative
    runs).  `loc` maps a node to its Loc in the user's file."""
    problems, scopes_ = [], [scope]
    while scopes_:
        fn = scopes_.pop()
        declared, stores, stack = {}, [], list(fn.body) if isinstance(fn.body, list) else [fn.body]
        while stack:
            node = stack.pop()
            if isinstance(node, (gast.FunctionDef, gast.Lambda)):
                scopes_.append(node)
                if isinstance(node, gast.FunctionDef):
                    stores.append((node, node.name))
                continue
            if isinstance(node, (gast.Global, gast.Nonlocal)):
                declared.update(dict.fromkeys(node.names, node))
            elif isinstance(node, gast.Name) and isinstance(node.ctx, (gast.Store, gast.Del)):
                stores.append((node, node.id))
            stack.extend(child for field, child in gast.iter_fields(node)
                         if isinstance(child, gast.AST) and not
                         (isinstance(node, gast.comprehension) and field == "target"))
            stack.extend(child for _, value in gast.iter_fields(node) if isinstance(value, list)
                         for child in value if isinstance(child, gast.AST))
        problems += [(declared[name], f"'{name}' is declared "
                      f"{type(declared[name]).__name__.lower()} here and assigned at line "
                      f"{loc(node).line}; writing a variable outside the function is not "
                      "supported (reading it is); pass the value in as an argument and return "
                      "the new value") for node, name in stores if name in declared]
    return problems


MAX_CONDITIONALS = 100


def _nesting(top) -> list:
    """A conditional nested deeper than MAX_CONDITIONALS (an `elif` nests in the `if`
    before it, `a if c else b if d else e` likewise): refused, each level is a region
    the compiler's passes recurse into."""
    stack = [(stmt, 0) for stmt in top.body]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (gast.If, gast.IfExp)):
            depth += 1
            if depth > MAX_CONDITIONALS:
                return _problem(node, f"conditionals nested more than {MAX_CONDITIONALS} deep "
                                      "(each `elif`, and each `else` of a conditional "
                                      "expression, nests in the one before) are not "
                                      "supported; split the chain into helper functions, or "
                                      "select with np.select/np.piecewise or a loop")
        stack.extend((child, depth) for child in gast.iter_child_nodes(node))
    return []


def _classes(*names):
    """The gast classes of these names that exist in the installed gast version."""
    return [getattr(gast, n) for n in names if hasattr(gast, n)]


SUPPORTED: dict = {
    # statements
    gast.Assign: _check_assign, gast.AugAssign: _check_augassign,
    gast.AnnAssign: _check_annassign, gast.For: _check_for,
    gast.Return: None, gast.Expr: None, gast.If: None, gast.While: None,
    gast.Break: None, gast.Continue: None, gast.Pass: None, gast.Assert: None,
    gast.Raise: lambda node: _check_raise(node),   # raised when the derivative runs there
    gast.Global: None, gast.Nonlocal: None,         # reads only (see _outer_writes)
    # expressions
    gast.BinOp: None, gast.UnaryOp: None, gast.BoolOp: None, gast.Compare: None,
    gast.IfExp: None, gast.Call: _check_call, gast.keyword: None, gast.Name: None,
    gast.Constant: None, gast.Attribute: _check_store, gast.Subscript: _check_store,
    gast.Slice: None, gast.Tuple: None, gast.List: None,
    gast.Starred: None,   # `*t` in calls and displays (lowering needs t's length)
    # helpers defined inside the function (called there; inlined where they are called)
    gast.FunctionDef: lambda node: _check_nested(node),
    gast.Lambda: lambda node: _check_nested(node),
    gast.arguments: None,
    # containers: list comprehensions (lowered to loops) and dict displays
    gast.ListComp: lambda node: _check_comprehension(node), gast.comprehension: None,
    gast.Dict: lambda node: _check_dict(node),
    gast.JoinedStr: None, gast.FormattedValue: None,
    # contexts and operators
    **dict.fromkeys(_classes(
        "Load", "Store", "Del", "Param",
        "Add", "Sub", "Mult", "MatMult", "Div", "FloorDiv", "Mod", "Pow",
        "LShift", "RShift", "BitOr", "BitXor", "BitAnd",
        "And", "Or", "Invert", "Not", "UAdd", "USub",
        "Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "Is", "IsNot", "In", "NotIn")),
    # parts of rejected constructs, so the problems inside them are reported too
    **dict.fromkeys(_classes("ExceptHandler", "withitem")),
}

_TRY = Reject("try/except", "check the condition with `if` before the computation")
_WITH = Reject("a `with` block", "enter the context outside the differentiated function "
                                 "and call the function inside it")
_GENERATOR = Reject("a generator (`yield`)", "build a list in a loop and return it")
_ASYNC = Reject("async code", "differentiate a plain synchronous function")
_IMPORT = Reject("an import inside the function", "move the import to module level",
                 descend=False)

REJECTED: dict = {
    gast.Try: _TRY,
    **dict.fromkeys(_classes("TryStar"), _TRY),
    gast.With: _WITH, gast.AsyncWith: _WITH,
    gast.ClassDef: Reject("a class definition inside the function",
                          "define the class at module level", descend=False),
    gast.AsyncFunctionDef: Reject("a nested async function definition", _HELPER,
                                  descend=False),
    gast.Yield: _GENERATOR, gast.YieldFrom: _GENERATOR,
    gast.Await: _ASYNC, gast.AsyncFor: _ASYNC,
    gast.SetComp: Reject("a set comprehension", _COMPREHENSION),
    gast.DictComp: Reject("a dict comprehension", _COMPREHENSION),
    gast.GeneratorExp: Reject("a generator expression outside the arguments of a call",
                              "pass it to the call that consumes it (`sum(v * v for v in xs)`), "
                              "or write a for loop that appends to a list"),
    **dict.fromkeys(_classes("NamedExpr"), Reject(
        "an assignment expression (`:=`)", "assign the value in a statement of its own first")),
    gast.Delete: Reject("`del`", "stop using the variable, or rebind it to a new value",
                        descend=False),
    gast.Import: _IMPORT, gast.ImportFrom: _IMPORT,
    **dict.fromkeys(_classes("Match"), Reject("a `match` statement", "use if/elif/else",
                                              descend=False)),
    gast.Set: Reject("a set literal", "use a tuple or a list"),
}

# Fields that are not part of the computation, per node class.
_SKIPPED_FIELDS = {gast.AnnAssign: ("annotation",), gast.Name: ("annotation",)}


def check(parsed) -> None:
    """Raise UnsupportedSyntaxError listing every unsupported construct of `parsed`
    (a ParsedFunction); return None when the whole function is supported."""
    found: dict[int, tuple] = {}   # id(node) -> (node, message): one problem per node
    top = parsed.node
    problems = _check_signature(top)
    # (quicker: a declaration needs its keyword in the text, each conditional an `if`)
    if not parsed.text or "global" in parsed.text or "nonlocal" in parsed.text:
        problems += _outer_writes(top, parsed.loc)
    if not parsed.text or parsed.text.count("if") > MAX_CONDITIONALS:
        problems += _nesting(top)
    for node, message in problems:
        found.setdefault(id(node), (node, message))
    for stmt in top.body:
        _visit(stmt, found)
    if not found:
        return
    problems = [(parsed.loc(node), message) for node, message in found.values()]
    problems.sort(key=lambda p: (p[0].line, p[0].col))
    raise UnsupportedSyntaxError(problems)


def _visit(root, found: dict) -> None:
    """Check `root` and what it contains, in source order (an explicit stack: user
    expressions nest to any depth)."""
    stack = [(root, None)]
    while stack:
        node, parent = stack.pop()
        cls = type(node)
        if cls in SUPPORTED:
            checker = SUPPORTED[cls]
            for bad, message in (checker(node) if checker else ()):
                found.setdefault(id(bad), (bad, message))
            descend = True
        elif cls is gast.GeneratorExp and isinstance(parent, gast.Call) and node in parent.args:
            # `sum(v * v for v in xs)`: lowered as a list comprehension
            for bad, message in _check_comprehension(node):
                found.setdefault(id(bad), (bad, message))
            descend = True
        else:
            reject = REJECTED.get(cls) or Reject(
                f"the construct `{cls.__name__}`",
                "rewrite it with assignments, calls, if and for/while loops", descend=False)
            found.setdefault(id(node), (node, reject.message()))
            descend = reject.descend
        if not descend:
            continue
        skipped = _SKIPPED_FIELDS.get(cls, ())
        inner = [child for field, value in gast.iter_fields(node) if field not in skipped
                 for child in (value if isinstance(value, list) else [value])
                 if isinstance(child, gast.AST)]
        stack.extend((child, node) for child in reversed(inner))
