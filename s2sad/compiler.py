"""The one door into the pipeline: function in, loaded derivative out.

A `Compiler` owns every stage call and every cache.  The stage order is written
once, in `Compiler.derivative`, for the differentiated function and for every user
function it calls (reached through a worklist, never by a transform calling back):

  lowered(fn, kinds)  parse -> fence -> lower -> kinds -> resolve -> in-place checks
                      (memoised per function and kinds; the IR is shared, so every
                      later stage works on a copy or builds new IR)
  derivative(...)     forward | reverse -> verify -> optimize -> verify -> split
                      (callees of reverse mode) -> in place -> codegen
  compiled(...)       derivative -> loader, cached per function and specialisation
                      and regenerated when a name it resolved is rebound (pins.py)

Kind inference asks `result_kind` for the kind of a call to a user function (so a
callee is lowered once per kinds, and recursion is solved as a fixed point), and the
lowerer asks `fresh_results` whether a callee returns a new object.
"""
from __future__ import annotations

import contextlib
import gc
import os
import threading
import weakref
from dataclasses import dataclass, field

from . import code_cache, codegen, compose, kinds, loader, prims, rules
from .aliasing import check_inplace
from .callables import is_user_class
from .entry_checks import check_entry_parameters, check_returns_value
from .errors import NonDifferentiableError, S2SADError, SourceUnavailableError
from .fence import check as fence
from .global_kinds import global_kind, specialised_globals, still_hold
from .ir_nodes import Const, Function, Global, walk
from .lower import lower, result_freshness
from .lower_dicts import guard_dict_loops, keys_found
from .lower_expr import NOT_FRESH
from .naming import Namer
from .pins import Pin, all_hold
from .resolve import resolve
from .parsing import parse_function, unwrap_function
from .transforms.dims import may_decide
from .transforms.forward import forward
from .transforms.inplace import make_updates_in_place
from .transforms.optimize import optimize
from .transforms.reverse import refuse_nothing_to_checkpoint, reverse
from .transforms.split import split
from .variants import PLAIN, Variant
from .verify import verify


@dataclass
class GeneratedProgram:
    """The derivative of one function: its source text, the objects that text names
    (bound when it is loaded), the entry's IR, the file name it is shown under, the
    pins every function of it rests on, and the user's Loc of each line of text."""

    text: str
    objects: dict
    entry: Function
    filename: str
    pins: list = field(default_factory=list)
    origins: list = field(default_factory=list)   # the user's Loc of each line
    output_kind: object = None    # the kind of the function's output
    shape_helpers: bool = False   # does the entry keep helpers a shape pattern may decide


@dataclass
class _Request:
    """A callee derivative a transform asked for: made after the caller's."""

    mode: str
    ir: Function
    positions: tuple
    arg_kinds: tuple
    names: tuple


# Forward mode with strong zeros (transforms/strong.py), run where the plain forward
# code gave an inf or nan tangent: returning (output, tangent), or the tangent only
# (the code hvp differentiates, so that no cotangent reaches the output's own code).
STRONG_MODES = ("strong forward", "strong tangent")


class _Requests:
    """What the transforms are given to call other derivatives: `jvp_call` and
    `vjp_calls` name the callee's derivative at once (its IR gives the kinds) and
    queue it; the compiler generates the queue after the caller."""

    def __init__(self, compiler: "Compiler"):
        self.compiler = compiler
        self.calls: dict = {}
        self.todo: list[_Request] = []
        self.pins: list = []
        self.fresh_name = Namer().fresh     # unique names for the generated functions
        self.strong_zeros = False   # forward mode: a zero tangent times inf/nan gives 0
        self.checkpointed = 0       # loops checkpointed (reverse mode with checkpoint=)

    def _callee(self, fn, arg_kinds, loc) -> Function:
        try:
            ir = self.compiler.lowered(fn, arg_kinds)
        except SourceUnavailableError as exc:
            raise SourceUnavailableError(
                f"{loc}: '{fn.__name__}' is called here with a differentiable argument, so "
                f"its derivative is needed, but {exc}") from None
        self.pins.extend(ir.pins)
        check_returns_value(self.compiler.parsed(self.compiler.source_function(fn, arg_kinds)),
                             ir)
        return ir

    def jvp_call(self, fn, positions, arg_kinds, loc=None) -> prims.DerivativeCall:
        key = ("forward", fn, tuple(positions), tuple(arg_kinds))
        if key not in self.calls:
            ir = self._callee(fn, tuple(arg_kinds), loc)
            out_kind = kinds.kind_of(ir.body.results[0])
            call = prims.DerivativeCall(self.fresh_name(f"{ir.name}_jvp"), (out_kind, out_kind))
            self.calls[key] = call
            self.todo.append(_Request("forward", ir, tuple(positions), tuple(arg_kinds),
                                      (call.name,)))
        return self.calls[key]

    def vjp_calls(self, fn, positions, arg_kinds, loc=None):
        """(forward half, backward half) of the VJP of `fn` w.r.t. `positions`."""
        key = ("reverse", fn, tuple(positions), tuple(arg_kinds))
        if key not in self.calls:
            ir = self._callee(fn, tuple(arg_kinds), loc)
            out_kind = kinds.kind_of(ir.body.results[0])
            fwd = prims.DerivativeCall(self.fresh_name(f"{ir.name}_fwd"),
                                       (out_kind, kinds.UNKNOWN))
            bwd = prims.DerivativeCall(self.fresh_name(f"{ir.name}_bwd"),
                                       tuple(arg_kinds[i] for i in positions))
            self.calls[key] = (fwd, bwd)
            self.todo.append(_Request("reverse", ir, tuple(positions), tuple(arg_kinds),
                                      (fwd.name, bwd.name)))
        return self.calls[key]


class _Solving(threading.local):
    """Per thread: the lowerings under way (a recursive call meets its own key here)
    and the kind assumed so far for each."""

    def __init__(self):
        self.stack: list = []         # keys being lowered, outermost first
        self.assumed: dict = {}       # key -> kind assumed for its recursive calls
        self.tainted: set = set()     # keys whose IR rests on an assumption
        self.recursed: set = set()    # keys whose assumption was used
        self.fresh_active: set = set()


class Compiler:
    """Owns the pipeline and its caches (see the module docstring).  `verify=True`
    checks every IR built, entry and callee derivatives alike (the tests turn it on);
    `in_place=False` skips the pass that makes functional updates in place (for
    benchmarks of that pass).  One compiler serves all threads; `clear()` forgets
    everything generated."""

    def __init__(self, verify: bool = False, in_place: bool = True):
        self.verify, self.in_place = verify, in_place
        self._lock = threading.RLock()
        self._solving = _Solving()
        self.clear()

    def clear(self) -> None:
        """Forget every lowered IR and generated derivative (they are made again on
        the next call)."""
        with self._lock:
            self._irs: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
            self._failures: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
            self._fresh: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
            self._compiled: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
            self._parsed: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
            self._same_code = code_cache.SameCode()     # closures made again
            self._rules_version = rules.version()

    def _forget_if_rules_changed(self) -> None:
        """A rule registered (or replaced, or a function declared non-differentiable)
        after derivatives were generated makes them stale: forget them all."""
        if self._rules_version != rules.version():
            self.clear()

    # ---- lowering ---------------------------------------------------------------------

    def lowered(self, fn, arg_kinds, global_kinds=None) -> Function:
        """`fn`'s IR with kinds for `arg_kinds`, calls resolved and in-place updates
        checked.  With `global_kinds` (from `specialised_globals`), data globals get
        those kinds.  Shared: callers must not change it."""
        fn = self.source_function(fn, arg_kinds)
        key = (tuple(arg_kinds), global_kinds or None)   # no specialised global: a callee's
        with self._lock:
            if not self._solving.stack:
                self._forget_if_rules_changed()
            per_fn = self._irs.setdefault(fn, {})
            ir = per_fn.get(key)
            if ir is not None and all_hold(ir.pins):
                return ir
            return self._solve(fn, key)

    def _solve(self, fn, key) -> Function:
        """Lower `fn` for `key`; a recursive call's kind is found as a fixed point (the
        recursion first sees BOTTOM, then the kind found last)."""
        solving, full_key = self._solving, (fn, key)
        solving.stack.append(full_key)
        solving.assumed[full_key] = kinds.BOTTOM
        try:
            for _ in range(3):
                solving.recursed.discard(full_key)
                ir = self._lower(fn, *key)
                kind = kinds.kind_of(ir.body.results[0])
                if full_key not in solving.recursed or kind == solving.assumed[full_key]:
                    break
                solving.assumed[full_key] = kind
            else:
                raise NonDifferentiableError(
                    f"the kind of value the recursive function '{fn.__name__}' returns does "
                    "not settle", fix="make each return of the function give the same kind "
                                      "of value (a float, or an array of one shape and dtype)")
        finally:
            solving.stack.pop()
            solving.assumed.pop(full_key, None)
            solving.recursed.discard(full_key)
            tainted = full_key in solving.tainted
            solving.tainted.discard(full_key)
        if not tainted:
            self._irs.setdefault(fn, {})[key] = ir
        return ir

    def _lower(self, fn, arg_kinds, global_kinds) -> Function:
        parsed = self.parsed(fn)
        dict_keys: dict = {}
        while True:       # again while kinds find the keys of dicts loops iterate
            ir = lower(parsed, arg_kinds, self.fresh_results, dict_keys, self.result_kind)
            self._kind_globals(ir, global_kinds)
            if self.verify:
                verify(ir)

            def infer(fresh=False, ir=ir):
                kinds.infer(ir, arg_kinds, fresh=fresh, result_kind=self.result_kind)
            infer()
            resolve(ir, infer, self.source_function)
            found = keys_found(ir, dict_keys)
            if not found:
                break
            dict_keys = {**dict_keys, **found}
        guard_dict_loops(ir)
        check_inplace(ir)
        return ir

    def parsed(self, fn):
        """`fn`'s parsed source, through the fence (memoised: a function object's
        code never changes)."""
        parsed = self._parsed.get(fn)
        if parsed is None:
            parsed = parse_function(fn)
            fence(parsed)
            self._parsed[fn] = parsed
        return parsed

    @staticmethod
    def _kind_globals(ir: Function, global_kinds) -> None:
        """Data globals read by `ir`: with `global_kinds` they take those kinds; else a
        global instance of a user class is specialised on its class, which is pinned
        (the cache key covers only the differentiated function's globals)."""
        given = dict(global_kinds or ())
        for stmt in walk(ir.body):
            for atom in list(getattr(stmt, "args", ())) + list(getattr(stmt, "inits", ())):
                if not isinstance(atom, Global) or atom.cell is not None:
                    continue
                if global_kinds is not None:
                    atom.kind = given.get(atom.name)
                elif is_user_class(type(atom.value)):
                    atom.kind = kinds.of_value(atom.value)
                    ir.pins.append(Pin(ir.globals, atom.name, type(atom.value), "type"))
                elif global_kind(atom.value) is not None:     # a dict
                    atom.kind = kinds.of_value(atom.value)
                    ir.pins.append(Pin(ir.globals, atom.name, atom.kind, "kind"))

    def result_kind(self, fn, arg_kinds) -> kinds.Kind:
        """The kind of `fn(*args)` for arguments of `arg_kinds` (kinds.infer's hook);
        UNKNOWN when the callee cannot be lowered (the error is reported when its
        derivative is needed)."""
        full_key = (fn, (tuple(arg_kinds), None))
        solving = self._solving
        if full_key in solving.assumed:          # a recursive call being solved
            solving.recursed.add(full_key)
            start = solving.stack.index(full_key)
            solving.tainted.update(solving.stack[start + 1:])
            return solving.assumed[full_key]
        failures = self._failures.setdefault(fn, set())
        if full_key[1] in failures:
            return kinds.UNKNOWN
        try:
            ir = self.lowered(fn, arg_kinds)
        except S2SADError:
            failures.add(full_key[1])
            return kinds.UNKNOWN
        return kinds.kind_of(ir.body.results[0])

    def fresh_results(self, fn) -> tuple:
        """((does `fn` always return a new object that nothing else holds, positions of
        the tuple it returns that do), the pins that answer rests on); not fresh when
        that cannot be shown (no source, unsupported code, a recursion under way)."""
        with self._lock:
            known = self._fresh.get(fn)
            if known is not None and all_hold(known[1]):
                return known
            active = self._solving.fresh_active
            if fn in active:
                return NOT_FRESH
            active.add(fn)
            try:
                answer = result_freshness(self.parsed(fn), self.fresh_results)
            except Exception:   # noqa: BLE001 -- "not fresh" is always a safe answer
                answer = NOT_FRESH
            finally:
                active.discard(fn)
            self._fresh[fn] = answer
            return answer

    # ---- derivatives ------------------------------------------------------------------

    def derivative(self, fn, mode: str, wrt: tuple, arg_kinds: tuple,
                   check_finite: bool = False, global_kinds=None,
                   backend: str = "python", checkpoint=None,
                   variant: Variant = PLAIN) -> GeneratedProgram:
        """The derivative program of `fn` (mode "forward" or "reverse", or a forward
        mode of STRONG_MODES; w.r.t. the parameter positions `wrt`, for arguments of
        `arg_kinds`): the entry's derivative and those of the user functions it calls,
        each through the same stages.  The data globals it reads are specialised on
        `global_kinds` (default: their kinds now, see `specialised_globals`).  With a
        Numba `backend`, the text takes the forms Numba compiles.  `checkpoint`
        (reverse mode, transforms/checkpoint.py) checkpoints the range loops outside
        other loops of the entry and its callees (refused if there is none).
        `variant` (variants.py) may drop the value and name a shape pattern."""
        fn = self.source_function(fn, arg_kinds)
        if global_kinds is None:
            global_kinds = specialised_globals(fn)
        entry = self.lowered(fn, arg_kinds, global_kinds)
        parsed = self.parsed(fn)
        check_entry_parameters(parsed)
        check_returns_value(parsed, entry)
        requests = _Requests(self)
        requests.strong_zeros = mode in STRONG_MODES
        # the entry's own name (forward.py, reverse.py): no callee's derivative takes it
        requests.fresh_name(f"{entry.name}_{'vjp' if mode == 'reverse' else 'jvp'}")
        deriv = self._transform(entry, mode, wrt, arg_kinds, requests, checkpoint,
                                variant.applied(mode, entry, backend))
        where = f"{os.path.basename(parsed.filename)}:{parsed.first_line}"
        title = (f"{'Reverse' if mode == 'reverse' else 'Forward'}-mode derivative of "
                 f"{entry.name} ({where}){' with strong zeros' * requests.strong_zeros}, "
                 "generated by s2sad.")
        functions = []
        while requests.todo:
            request = requests.todo.pop(0)
            callee = self._transform(request.ir, request.mode, request.positions,
                                     request.arg_kinds, requests, checkpoint)
            name = request.ir.name
            if request.mode == "forward":
                callee.name = request.names[0]
                functions.append((callee, f"Forward-mode derivative of {name}, called from "
                                          "the function above."))
            else:
                forward_half, backward_half = split(callee, *request.names)
                functions.append((forward_half, f"Forward sweep of {name}: its value and "
                                                f"what {request.names[1]} needs."))
                functions.append((backward_half, f"Reverse sweep of {name}."))
        if checkpoint is not None and not requests.checkpointed:
            raise refuse_nothing_to_checkpoint(entry)
        functions.append((deriv, title))
        for function, _ in functions:
            if self.in_place:
                make_updates_in_place(function)
        origins: list = []
        text, objects = codegen.generate_program(functions, check_finite=check_finite,
                                                 origins=origins, numba=backend != "python")
        return GeneratedProgram(text, objects, deriv, f"<s2sad {mode} of {entry.name} at {where}>",
                                list(entry.pins) + requests.pins, origins,
                                kinds.kind_of(entry.body.results[0]),
                                any(may_decide(s) for s in walk(deriv.body)))

    def _transform(self, ir: Function, mode: str, wrt, arg_kinds, requests,
                   checkpoint=None, variant: Variant = PLAIN) -> Function:
        """forward | reverse, then optimize, verified before and after; `variant` as
        for `derivative` (applied to the entry only)."""
        if mode != "reverse":
            deriv = forward(ir, list(wrt), requests)
            if mode == "strong tangent":
                deriv.body.results = deriv.body.results[1:]
            param_kinds = list(arg_kinds) + [arg_kinds[i] for i in wrt]
        else:
            deriv = reverse(ir, list(wrt), requests, checkpoint)
            param_kinds = list(arg_kinds) + [kinds.kind_of(ir.body.results[0])]
            if variant.drop_value:
                deriv.body.results[0] = Const(None)
        if self.verify:
            verify(deriv, scoped=False)
        optimize(deriv, param_kinds, variant.pattern)
        if self.verify:
            verify(deriv, scoped=False)
        return deriv

    def source_function(self, fn, arg_kinds, keywords=()):
        """The Python function whose source is transformed for `fn` called with
        arguments of `arg_kinds`: the plain function of a function s2sad made
        (compose.py; `keywords` name the last arguments), else the function behind a
        method, partial or callable object."""
        spec = compose.spec_of(fn)
        if spec is not None:
            return compose.plain_function(spec, arg_kinds, self, keywords)
        return unwrap_function(fn)

    def compiled(self, fn, mode: str, wrt: tuple, arg_kinds: tuple, check_finite: bool = False,
                 backend: str = "python", checkpoint=None, variant: Variant = PLAIN):
        """The loaded derivative of `fn` (see `derivative`), cached per specialisation
        and backend and generated again when a name it rests on was rebound.  A Numba
        `backend` compiles the program with numba.njit (backends/numba_backend.py),
        falling back to the Python derivative where Numba cannot compile it.
        `checkpoint` and `variant` as for `derivative`."""
        fn = self.source_function(fn, arg_kinds)
        global_kinds = specialised_globals(fn)
        key = (mode, wrt, arg_kinds, check_finite, global_kinds, backend, checkpoint, variant)
        with self._lock:
            self._forget_if_rules_changed()
            per_fn = self._compiled.setdefault(fn, {})
            loaded = per_fn.get(key)
            if loaded is None or not all_hold(loaded.pins):
                loaded = self._same_code.find(fn, key)
            if loaded is not None:
                per_fn[key] = loaded
            else:
                with _collector_paused():
                    program = self.derivative(fn, mode, wrt, arg_kinds, check_finite,
                                              global_kinds, backend, checkpoint, variant)
                generic = self._without_pattern(fn, mode, wrt, arg_kinds, check_finite,
                                                backend, checkpoint, variant)
                if generic is not None and generic.source == program.text:
                    loaded = per_fn[key] = generic      # the pattern changes nothing
                    self._same_code.remember(fn, key, loaded)
                    return loaded
                if backend == "python":
                    loaded = loader.load(program.text, program.entry.name, program.filename,
                                         program.objects, fn.__globals__, program.origins)
                else:
                    from .backends import numba_backend
                    loaded = numba_backend.load(program, self.compiled(
                        fn, mode, wrt, arg_kinds, check_finite), fn, arg_kinds, backend)
                loaded.output_kind = program.output_kind
                loaded.shape_helpers = program.shape_helpers
                loaded.made_with = (wrt, arg_kinds, check_finite, variant) if \
                    mode == "reverse" and backend == "python" and checkpoint is None else None
                loaded.pins = program.pins
                loaded.made_for = (self._rules_version, global_kinds)
                per_fn[key] = loaded
                self._same_code.remember(fn, key, loaded)
            return loaded

    def shared_derivative(self, fn, key):
        """The derivative shared under `key` (`share_derivative`) by another function of
        `fn`'s code, bound to fn's cells, when it still holds for fn; else None."""
        with self._lock:
            loaded = self._same_code.find(fn, key)
        return loaded if loaded is not None and self.still_valid(fn, loaded) else None

    def share_derivative(self, fn, key, loaded) -> None:
        """Let other functions of `fn`'s code find `loaded` under `key` (the dispatch's
        summary of an operator's options and argument kinds, dispatch.FastPath)."""
        with self._lock:
            self._same_code.remember(fn, key, loaded)

    def _without_pattern(self, fn, mode, wrt, arg_kinds, check_finite, backend, checkpoint,
                         variant):
        """For a variant with a shape pattern, the loaded code made without it."""
        if variant.pattern is None:
            return None
        return self.compiled(fn, mode, wrt, arg_kinds, check_finite, backend, checkpoint,
                             Variant(variant.drop_value))

    @staticmethod
    def still_valid(fn, loaded) -> bool:
        """Does the derivative `loaded` that `compiled` gave for the plain function
        `fn` still hold: no rule registered since, no pin broken, the same kinds of
        data globals (global_kinds.still_hold)?"""
        if loaded.made_for[0] != rules.version() or loaded.pins and not all_hold(loaded.pins):
            return False
        return not loaded.made_for[1] or still_hold(fn, loaded.made_for[1])


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector paused while a derivative is generated: the
    passes make many small objects, most freed again when generation ends, and the
    collections they would trigger walk every object of the process (a long function's
    first call spent a sixth of its time there).  Restarted only if it was running."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


DEFAULT = Compiler()
"""The compiler behind the public API."""

__all__ = ["Compiler", "GeneratedProgram", "DEFAULT", "specialised_globals"]
