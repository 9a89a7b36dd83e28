"""Oracles: run one program at one point and judge s2sad's derivatives.

`check_at(source, args)` loads the program from a real .py file (so its source can
be read), checks that the point is well-conditioned, then checks (the failure
category in brackets):

1. [primal] the value returned by `value_and_grad` (reverse and forward mode) and
   by `jvp` equals `f(*args)` to 1e-12 relative (plus 1e-14 of the largest
   intermediate value, for reassociation);
2. [fd] each gradient (both modes) matches the central-difference gradient
   norm-wise to 1e-5 (step h = eps^(1/3) max(1, ||x||), Richardson extrapolated
   from h and h/4; the two must first agree to 1e-6, else the point is discarded
   as ill-conditioned), plus the round-off floor 16 eps max(1, largest value) sqrt(n)
   (an exactly cancelling `x*x*x - x*x*x` has gradient 0 and s2sad's is 4e-16);
3. [modes] the two modes agree: ||g_rev - g_fwd|| <= 1e-8 max(||g_rev||, ||g_fwd||)
   (float32: 1e-3 relative plus 1e-5 of the largest recorded value);
4. [dot] dot-product test: |w Jv - <v, J^T w>| <= 1e-10 (|w Jv| + sum |v_j (J^T w)_j|)
   for random v (all inputs) and w, Jv from `jvp` and J^T w from `vjp`;
5. [dtype] every gradient and cotangent has its input's shape and dtype (and is an
   array exactly when the input is one);
6. [float32] float32 variant (`float32=True`): the array argument in float32, and
   the same checks with float32 tolerances; the gradient of A is float32 and matches
   the float64 gradient to 2e-3 norm-wise;
7. [mutation] the derivatives leave the argument arrays unchanged;
8. [error] no derivative raises (every construct of the grammar is supported).

Points are discarded (not failed) when an intermediate value is non-finite or above
1e6, when a comparison in an `if`/`while`/conditional expression is within 1e-3 of
its threshold, or when a finite-difference step changes any branch decision or loop
trip count: the program is run instrumented (an AST rewrite) to record every
assigned value and every comparison.  A program that itself fails (or writes into
its argument) is "invalid": a bug of the generator.  `check_program(program, seed)`
tries up to POINT_TRIES random points of a generated program.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import itertools
import linecache
import math
import os
import tempfile
import traceback
from dataclasses import dataclass, field

import numpy as np

EPS = float(np.finfo(np.float64).eps)
MARGIN = 1e-3            # minimum distance of a compared value from its threshold
MAX_ABS = 1e6            # largest intermediate value allowed
MAX_COMPARISONS = 10**5  # an instrumented run stops there (a loop that never ends)
PRIMAL_RTOL = 1e-12
FD_RTOL, GATE_RTOL = 1e-5, 1e-6
MODES_RTOL = 1e-8
DOT_RTOL = 1e-10
F32 = dict(primal=1e-5, modes=1e-3, dot=1e-4, vs64=2e-3)
POINT_TRIES = 4

# ---- outcome --------------------------------------------------------------------------

@dataclass
class Outcome:
    """`status` is "ok", "discard" (the point or program is not a fair test), "invalid"
    (the program itself is broken: a grammar bug) or "fail" (s2sad is wrong).  `reason`
    is the discard reason or the failure category."""

    status: str
    reason: str = ""
    detail: str = ""
    source: str = ""
    args: tuple = ()
    float32: bool = False
    seed: int = 0
    checks: list = field(default_factory=list)
    order: int = 1              # 2, 3: the outcome of the second-order oracles (second_order.py)

    def report(self) -> str:
        order = f"ORDER = {self.order}\n" if self.order > 1 else ""
        return (f"{self.status}: {self.reason}\n{self.detail}\n--- program ---\n{self.source}"
                f"--- at ---\nARGS = {format_args(self.args)}\nFLOAT32 = {self.float32}\n"
                f"SEED = {self.seed}\n{order}")


class Failure(Exception):
    def __init__(self, category: str, detail: str):
        super().__init__(f"{category}: {detail}")
        self.category, self.detail = category, detail


class Discard(Exception):
    pass


def format_args(args) -> str:
    """Python source for `args` that round-trips exactly."""
    def one(a):
        if isinstance(a, np.ndarray):
            flat = ", ".join(repr(float(v)) for v in a.ravel())
            if a.ndim == 0:
                return f"np.array({flat})"
            return f"np.array([{flat}]).reshape({tuple(a.shape)!r})"
        return repr(float(a))
    return "(" + ", ".join(one(a) for a in args) + ("," if len(args) == 1 else "") + ")"


# ---- instrumentation -------------------------------------------------------------------

class Recorder:
    """What an instrumented run saw: every comparison outcome (the trace), the smallest
    distance of a compared float from its threshold, the largest |value| and whether
    every value was finite."""

    def __init__(self):
        self.trace: list[bool] = []
        self.margin = math.inf
        self.max_abs = 0.0
        self.finite = True

    def value(self, x):
        if isinstance(x, (int, bool, np.integer)) and not isinstance(x, np.floating):
            return x
        arr = np.asarray(x)
        if arr.dtype.kind in "fc" and arr.size:
            if not np.all(np.isfinite(arr)):
                self.finite = False
            else:
                self.max_abs = max(self.max_abs, float(np.max(np.abs(arr))))
        return x

    def compare(self, a, op, b):
        if len(self.trace) > MAX_COMPARISONS:
            raise RuntimeError(f"runaway loop: more than {MAX_COMPARISONS} comparisons")
        result = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        ints = (int, np.integer)
        if not (isinstance(a, ints) and isinstance(b, ints)):
            self.margin = min(self.margin, abs(float(a) - float(b)))
        self.value(a)
        self.trace.append(bool(result))
        return result


_OPS = {ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">="}


class _Instrument(ast.NodeTransformer):
    @staticmethod
    def _call(name, *args):
        return ast.Call(ast.Name(name, ast.Load()), list(args), [])

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in _OPS:
            return self._call("_fuzz_cmp", node.left, ast.Constant(_OPS[type(node.ops[0])]),
                              node.comparators[0])
        return node

    def visit_Assign(self, node):
        self.generic_visit(node)
        node.value = self._call("_fuzz_val", node.value)
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if isinstance(node.target, ast.Name):
            return [node, ast.Expr(self._call("_fuzz_val", ast.Name(node.target.id, ast.Load())))]
        return node

    def visit_Return(self, node):
        self.generic_visit(node)
        if node.value is not None:
            node.value = self._call("_fuzz_val", node.value)
        return node


class Instrumented:
    """The function `name` of `source` (and every other function of the module),
    rewritten to report to a Recorder."""

    def __init__(self, source: str, name: str = "f"):
        tree = ast.parse(source)
        for k, node in enumerate(tree.body):          # f and the helpers it may call
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):   # methods too
                tree.body[k] = _Instrument().visit(node)
        ast.fix_missing_locations(tree)
        self.namespace: dict = {"__name__": "s2sad_fuzz_instrumented"}
        self.namespace["_fuzz_val"] = lambda x: self.namespace["_fuzz_rec"].value(x)
        self.namespace["_fuzz_cmp"] = \
            lambda a, op, b: self.namespace["_fuzz_rec"].compare(a, op, b)
        self.namespace["_fuzz_rec"] = Recorder()      # decorators run while the module loads
        exec(compile(tree, "<instrumented fuzz program>", "exec"), self.namespace)
        self.fn = self.namespace[name]

    def __call__(self, args):
        rec = self.namespace["_fuzz_rec"] = Recorder()
        with np.errstate(all="ignore"):
            value = self.fn(*args)
        rec.value(value)
        return value, rec


# ---- loading ----------------------------------------------------------------------------

_COUNTER = itertools.count()


@contextlib.contextmanager
def loaded(source: str, name: str = "f"):
    """Import `source` from a temporary .py file (so `inspect.getsource` works) and
    yield its function `name`; the file is removed afterwards."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    with tempfile.TemporaryDirectory(prefix="s2sad_fuzz_") as tmp:
        path = os.path.join(tmp, f"fuzz_{digest}.py")
        with open(path, "w") as fh:
            fh.write(source)
        spec = importlib.util.spec_from_file_location(f"s2sad_fuzz_{digest}_{next(_COUNTER)}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            yield getattr(module, name)
        finally:
            linecache.cache.pop(path, None)


# ---- helpers -----------------------------------------------------------------------------

def _flat(values) -> np.ndarray:
    return np.concatenate([np.asarray(v, np.float64).ravel() for v in values]) if values \
        else np.zeros(0)


def _unflat(vec, like) -> tuple:
    out, k = [], 0
    for a in like:
        n = int(np.size(a))
        part = vec[k:k + n]
        k += n
        out.append(np.asarray(part, dtype=a.dtype).reshape(a.shape) if isinstance(a, np.ndarray)
                   else float(part[0]))
    return tuple(out)


def _norm(x) -> float:
    return float(np.linalg.norm(np.ravel(x)))


def _kind(x) -> str:
    return (f"{'array' if isinstance(x, np.ndarray) else type(x).__name__} shape "
            f"{np.shape(x)} dtype {np.result_type(x) if x is not None else None}")


def _check_like(what, got, inputs):
    if not isinstance(got, tuple) or len(got) != len(inputs):
        raise Failure("structure", f"{what}: expected a tuple of {len(inputs)}, got {got!r:.200}")
    for j, (g, x) in enumerate(zip(got, inputs)):
        ok = (g is not None and np.shape(g) == np.shape(x)
              and np.result_type(g) == np.result_type(x)
              and isinstance(g, np.ndarray) == isinstance(x, np.ndarray))
        if not ok:
            raise Failure("dtype", f"{what} {j}: got {_kind(g) if g is not None else None}, "
                                   f"input is {_kind(x)}")


def _fmt(v) -> str:
    return np.array2string(np.asarray(v, np.float64), precision=12, separator=", ",
                           max_line_width=10**6)


def _call(what, thunk):
    """Run a derivative; any exception is a failure (the grammar is all supported)."""
    try:
        return thunk()
    except Exception as exc:  # noqa: BLE001 - every error is a finding here
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (raised at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
        raise Failure("error", f"{what} raised {type(exc).__name__}{where}: {exc}") from None


# ---- the checks -----------------------------------------------------------------------

def _conditioning(inst, args):
    """(f value, recorder) at args, or Discard."""
    try:
        value, rec = inst(args)
    except ArithmeticError as exc:          # math.exp overflow and the like
        raise Discard(f"program raised {type(exc).__name__}") from None
    except ValueError as exc:
        if "math domain error" not in str(exc):
            raise
        raise Discard("math domain error (a non-finite value)") from None
    if not rec.finite or not np.all(np.isfinite(value)):
        raise Discard("non-finite value")
    if rec.max_abs > MAX_ABS:
        raise Discard("large value")
    if rec.margin < MARGIN:
        raise Discard("near a branch boundary")
    return value, rec


def _fd_gradient(inst, args, trace, scale):
    """Central-difference gradient (Richardson from h and h/4), or Discard."""
    x = _flat(args)
    h = EPS ** (1 / 3) * max(1.0, _norm(x))

    def grad_at(step):
        g = np.empty_like(x)
        for j in range(x.size):
            vals = []
            for s in (step, -step):
                xp = x.copy()
                xp[j] += s
                try:
                    val, rec = inst(_unflat(xp, args))
                except Exception as exc:  # noqa: BLE001 - a raise taken within the step
                    raise Discard(f"the program raises {type(exc).__name__} within the FD "
                                  f"step") from None
                if rec.trace != trace:
                    raise Discard("a branch decision changes within the FD step")
                if not rec.finite:
                    raise Discard("non-finite value within the FD step")
                vals.append(float(val))
            g[j] = (vals[0] - vals[1]) / (2 * step)
        return g

    d1, d4 = grad_at(h), grad_at(h / 4)
    noise = 50 * EPS * scale / h * math.sqrt(max(x.size, 1))
    if _norm(d1 - d4) > GATE_RTOL * max(_norm(d1), _norm(d4)) + 8 * noise:
        raise Discard("ill-conditioned: FD at h and h/4 disagree")
    return d4 + (d4 - d1) / 15.0, noise


def _check_primal(what, got, want, scale, rtol):
    if not isinstance(got, (float, int, np.number, np.ndarray)) or np.ndim(got) != 0:
        raise Failure("primal", f"{what} returned the value {got!r:.200} where f(*args) = "
                                f"{float(want)!r}")
    err = abs(float(got) - float(want))
    if not err <= rtol * abs(float(want)) + rtol * 1e-2 * scale:
        raise Failure("primal", f"{what} returned {float(got)!r}, f(*args) = {float(want)!r} "
                                f"(difference {err:.3g})")


def _check_fd(what, g, ref, noise, floor):
    gv = _flat(g)
    err = _norm(gv - ref)
    tol = FD_RTOL * max(_norm(gv), _norm(ref)) + 10 * noise + floor
    if not err <= tol:
        raise Failure("fd", f"{what} gradient differs from finite differences by {err:.3g} "
                            f"(tolerance {tol:.3g})\n  s2sad: {_fmt(gv)}\n  FD:    {_fmt(ref)}")


def _check_modes(gr, gf, rtol, tiny):
    a, b = _flat(gr), _flat(gf)
    err = _norm(a - b)
    tol = rtol * max(_norm(a), _norm(b)) + tiny
    if not err <= tol:
        raise Failure("modes", f"reverse and forward gradients differ by {err:.3g}\n"
                               f"  reverse: {_fmt(a)}\n  forward: {_fmt(b)}")


def _check_dot(ad, f, args, fx, scale, rng, rtol, primal_rtol, floor):
    v = tuple(np.asarray(rng.standard_normal(np.shape(a)), dtype=a.dtype)
              if isinstance(a, np.ndarray) else float(rng.standard_normal()) for a in args)
    w = float(rng.standard_normal())
    out, jv = _call("jvp", lambda: ad.jvp(f, args, v))
    _check_primal("jvp", out, fx, scale, primal_rtol)
    if np.ndim(jv) != 0:
        raise Failure("dtype", f"jvp returned a tangent of shape {np.shape(jv)} for a scalar "
                               f"output")
    _, pullback = _call("vjp", lambda: ad.vjp(f, *args))
    cts = _call("vjp pullback", lambda: pullback(w))
    _check_like("vjp cotangent", cts, args)
    a = w * float(jv)
    terms = _flat(v) * _flat(cts)
    b = float(np.sum(terms))
    tol = rtol * (abs(a) + float(np.sum(np.abs(terms)))) + floor * abs(w) * _norm(_flat(v))
    if not abs(a - b) <= tol:
        raise Failure("dot", f"w*Jv = {a!r} but <v, J^T w> = {b!r} (difference {abs(a - b):.3g}, "
                             f"tolerance {tol:.3g})\n  Jv = {float(jv)!r}, "
                             f"J^T w = {_fmt(_flat(cts))}")


def _gradients(ad, f, args, mode, fx, scale, primal_rtol):
    wrt = tuple(range(len(args)))
    value, grads = _call(f"value_and_grad(mode={mode!r})",
                         lambda: ad.value_and_grad(f, wrt=wrt, mode=mode)(*args))
    _check_primal(f"value_and_grad(mode={mode!r})", value, fx, scale, primal_rtol)
    _check_like(f"{mode}-mode gradient", grads, args)
    if not np.all(np.isfinite(_flat(grads))):
        raise Failure("nonfinite", f"{mode}-mode gradient is not finite: {_fmt(_flat(grads))}")
    return grads


def _judge(ad, f, inst, args, seed, float32):
    """Raise Failure or Discard; return the list of checks done."""
    before = [np.copy(a) for a in args]
    fx, rec = _conditioning(inst, args)
    scale = max(abs(float(fx)), rec.max_abs, 1e-300)
    fd, noise = _fd_gradient(inst, args, rec.trace, scale)
    plain = f(*args)
    if any(not np.array_equal(a, b) for a, b in zip(args, before)):
        raise RuntimeError("the program writes into its array argument")
    if float(plain) != float(fx):
        raise RuntimeError(f"the instrumented program disagrees with f: {fx!r} vs {plain!r}")
    try:
        checks = _judge_derivatives(ad, f, inst, args, seed, float32, fx, rec, scale, fd, noise)
        if any(not np.array_equal(a, b) for a, b in zip(args, before)):
            raise Failure("mutation", "s2sad's derivatives wrote into an argument array")
        return checks
    except (Failure, Discard):
        raise
    except Exception as exc:  # noqa: BLE001 - s2sad returned something unusable
        raise Failure("error", f"checking s2sad's results raised {type(exc).__name__}: "
                               f"{exc}") from None


def _judge_derivatives(ad, f, inst, args, seed, float32, fx, rec, scale, fd, noise):
    # Round-off floor of the absolute errors: contributions of size ~max(1, |values|)
    # that cancel leave about this much behind.
    floor = 16 * EPS * max(1.0, scale)
    gr = _gradients(ad, f, args, "reverse", fx, scale, PRIMAL_RTOL)
    gf = _gradients(ad, f, args, "forward", fx, scale, PRIMAL_RTOL)
    floor_n = floor * math.sqrt(len(_flat(gr)))
    _check_fd("reverse-mode", gr, fd, noise, floor_n)
    _check_fd("forward-mode", gf, fd, noise, floor_n)
    _check_modes(gr, gf, MODES_RTOL, floor_n)
    rng = np.random.default_rng(seed)
    _check_dot(ad, f, args, fx, scale, rng, DOT_RTOL, PRIMAL_RTOL, floor)
    checks = ["primal", "fd", "modes", "dot", "dtype"]
    if float32 and any(isinstance(a, np.ndarray) for a in args):
        checks += _judge_float32(ad, f, inst, args, rec, gr, rng)
    return checks


def _judge_float32(ad, f, inst, args, rec64, g64, rng):
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    try:
        fx, rec = inst(args32)
    except (ArithmeticError, ValueError):
        return []
    if rec.trace != rec64.trace or not rec.finite or not np.isfinite(fx):
        return []                     # float32 takes other branches: not comparable
    scale = max(abs(float(fx)), rec.max_abs, 1e-30)
    gr = _gradients(ad, f, args32, "reverse", fx, scale, F32["primal"])
    gf = _gradients(ad, f, args32, "forward", fx, scale, F32["primal"])
    # Roundoff floor as for the float64 comparison below: `scale` sees assigned values
    # only, not the larger products inside one expression (float32 eps is 6e-8).
    _check_modes(gr, gf, F32["modes"], 1e-5 * scale)
    ref = _flat(g64)
    for name, g in (("reverse", gr), ("forward", gf)):
        err = _norm(_flat(g) - ref)
        tol = F32["vs64"] * _norm(ref) + 1e-5 * scale
        if not err <= tol:
            raise Failure("float32", f"{name}-mode float32 gradient differs from the float64 one "
                                     f"by {err:.3g} (tolerance {tol:.3g})\n"
                                     f"  float32: {_fmt(_flat(g))}\n  float64: {_fmt(ref)}")
    _check_dot(ad, f, args32, fx, scale, rng, F32["dot"], F32["primal"], 1e-6 * max(1.0, scale))
    return ["float32"]


def check_at(source, args, *, f=None, seed=0, float32=False, ad=None) -> Outcome:
    """Judge s2sad on the program `source` (defining `f`) at one point `args`."""
    if ad is None:
        import s2sad as ad
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)  # never shared
    outcome = Outcome("ok", source=source, args=args, float32=float32, seed=seed)
    try:
        inst = Instrumented(source)
    except Exception as exc:  # noqa: BLE001
        outcome.status, outcome.reason, outcome.detail = "invalid", "does not compile", repr(exc)
        return outcome
    try:
        work = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
        if f is None:
            with loaded(source) as fn:
                outcome.checks = _judge(ad, fn, inst, work, seed, float32)
        else:
            outcome.checks = _judge(ad, f, inst, work, seed, float32)
    except Discard as exc:
        outcome.status, outcome.reason = "discard", str(exc)
    except Failure as exc:
        outcome.status, outcome.reason, outcome.detail = "fail", exc.category, exc.detail
    except Exception as exc:  # noqa: BLE001 - the program itself misbehaves
        outcome.status, outcome.reason = "invalid", f"program raised {type(exc).__name__}"
        outcome.detail = "".join(traceback.format_exception_only(exc))
    return outcome


def check_program(program, seed: int, *, float32=False, ad=None) -> Outcome:
    """Judge a generated `Program` at up to POINT_TRIES random points drawn from
    `seed`; the first point that is not discarded decides."""
    outcome = None
    for attempt in range(POINT_TRIES):
        rng = np.random.default_rng([seed, attempt])
        args = program.make_args(rng)
        outcome = check_at(program.source, args, seed=seed, float32=float32, ad=ad)
        if outcome.status != "discard":
            return outcome
    return outcome
