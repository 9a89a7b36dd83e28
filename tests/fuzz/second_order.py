"""Second- (and third-) order oracles: s2sad differentiating its own derivatives.

`check_second_order(source, args, seed=..., third=...)` judges s2sad's higher
derivatives of the program `source` (defining `f`, scalar output) at one point, with
respect to its float and float-array arguments.  It runs after the first-order
oracles passed at that point (`check_program_both`), or alone (shrinking, corpus).
The checks (the failure category in brackets):

1. [hvp fd] `s2sad.hvp(f, args, v)` for a random unit direction v over every input
   matches the central difference of `s2sad.grad(f, wrt=all)` along v (step h =
   eps^(1/3) max(1, ||x||), Richardson from h and h/4, the two first agree to 1e-6 or
   the point is discarded; a step that changes a branch decision or loop trip count
   discards the point, exactly as the first-order FD oracle does) to 1e-5 norm-wise
   plus the FD noise and a round-off floor;
2. [symmetry] w.(H v) == v.(H w) for random v, w (two HVPs) to 1e-10 of the sum of
   the absolute terms plus a round-off floor, and the Hessian block of the array
   argument from `jacobian(grad(f))` is symmetric to round-off;
3. [compose] the compositions agree to round-off (1e-8 relative plus a floor):
   for a random scalar argument x_j, `grad(grad(f, wrt=j), wrt=j)`, the tangent of
   `jvp(grad(f, wrt=j), args, e_j)`, `hvp(f, args, e_j)[j]`, `hessian(f, wrt=j)`
   and `grad(df, wrt=j)` where `df` calls `s2sad.grad(f, wrt=j)(...)` inside (s2sad
   differentiating a call of its own operator); the mixed derivative
   `grad(grad(f, wrt=j), wrt=i)` and `hvp(f, args, e_j)[i]` for another argument i;
   for the array argument A, `jacobian(grad(f, wrt=A), wrt=A)` against
   `hessian(f, wrt=A)`, and contracted with a random direction t against
   `jvp(grad(f, wrt=A), ..., t)` and `hvp(f, ..., t)[A]`; the primal of
   `jvp(grad(f))` is `grad(f)(*args)`;
4. [third fd] (`third=True`) `grad(grad(grad(f, wrt=j), wrt=j), wrt=j)` for the
   scalar argument x_j matches central differences of `grad(grad(f, wrt=j), wrt=j)`
   (same step, gating and tolerances as 1.); the outcome is then of order 3 when
   this step fails or is refused (`Outcome.order`), else of order 2;
5. [dtype] every result has the shape and dtype its input implies; [nonfinite]
   every result is finite; [mutation] the argument arrays are left unchanged;
   [error] no exception other than an S2SADError.

An S2SADError raised by any of these (a MissingRuleError for a rule not yet closed
under differentiation, a refused construct) makes the outcome "refused", with the
error's first line (file and line stripped) as its reason: never a pass, never a
failure.  Any other exception and any disagreement is a "fail".
"""
from __future__ import annotations

import inspect
import math
import os
import re
import traceback

import numpy as np

from .oracles import (EPS, FD_RTOL, GATE_RTOL, MODES_RTOL, Discard, Failure, Instrumented,
                      Outcome, POINT_TRIES, _conditioning, _flat, _fmt, _kind, _norm, _unflat,
                      check_at, check_program, loaded)

SYM_RTOL = 1e-10          # w.(Hv) - v.(Hw), relative to the sum of |terms|
COMPOSE_RTOL = MODES_RTOL
THIRD_EVERY = 4           # the third-order check runs on every 4th program (run_long)

_HVP_PREFIX = re.compile(r"^second derivatives of '[^']*' differentiate its forward-mode "
                         r"derivative code \([^)]*\)\), and a step of it has no rule: ")
_LOCATION = re.compile(r"^(?:<[^>]*>|[^\s:]+\.py):\d+(?::\d+)?: ")


class Refused(Exception):
    """s2sad raised an S2SADError at second (or third) order."""

    def __init__(self, what: str, exc: BaseException):
        self.what = what
        self.error = type(exc).__name__
        first = (str(exc).splitlines() or [""])[0]
        self.first_line = first
        self.message = refusal_message(first)
        super().__init__(f"{what} raised {self.error}: {first}")


def refusal_message(first_line: str) -> str:
    """The first line of an S2SADError without its place in the (temporary) file
    and without the generic preamble of hvp's error."""
    text = _LOCATION.sub("", first_line.strip())
    return _HVP_PREFIX.sub("", text)


def refusal_key(outcome: Outcome) -> str:
    """How refusals are grouped: the error type and message, and the derivative that
    raised it first, e.g. "MissingRuleError: 's2sad.runtime.fdiv' is a library
    function without a derivative rule, ...  [hvp(f)]"."""
    match = re.match(r"(.*?) raised (\w+): ", outcome.detail)
    what, error = (match.group(1), match.group(2)) if match else ("?", "?")
    return f"{error}: {outcome.reason}  [{what}]"


def is_missing_rule(outcome: Outcome) -> bool:
    """A refusal because a step of s2sad's forward-mode code has no rule yet (a rule
    not yet closed under differentiation), as opposed to any other S2SADError."""
    return refusal_key(outcome).startswith("MissingRuleError: ")


def _call2(what, thunk):
    """Run a higher derivative: an S2SADError is a refusal, anything else a failure."""
    import s2sad
    try:
        return thunk()
    except s2sad.S2SADError as exc:
        raise Refused(what, exc) from None
    except Exception as exc:  # noqa: BLE001 - every other error is a finding
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" (raised at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
        raise Failure("error", f"{what} raised {type(exc).__name__}{where}: {exc}") from None


def _is_float_arg(a) -> bool:
    if isinstance(a, np.ndarray):
        return a.dtype.kind == "f"
    return isinstance(a, float)


def _zeros_like(a):
    return np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0


def _direction(rng, args, positions, unit=True) -> tuple:
    """A random direction over the float arguments at `positions` (unit norm
    over all of them), zeros elsewhere."""
    v = [np.asarray(rng.standard_normal(np.shape(a)), dtype=a.dtype)
         if isinstance(a, np.ndarray) else float(rng.standard_normal()) for a in args]
    v = [x if i in positions else _zeros_like(x) for i, x in enumerate(v)]
    norm = _norm(_flat(v))
    if unit and norm > 0:
        v = [np.asarray(x / norm, dtype=x.dtype) if isinstance(x, np.ndarray)
             else float(x / norm) for x in v]
    return tuple(v)


def _check_result_like(what, got, like):
    """`got` has the shape and dtype of `like` (an array exactly when `like` is one)."""
    ok = (got is not None and np.shape(got) == np.shape(like)
          and np.result_type(got) == np.result_type(like)
          and isinstance(got, np.ndarray) == isinstance(like, np.ndarray))
    if not ok:
        raise Failure("dtype", f"{what}: got {_kind(got) if got is not None else None}, "
                               f"expected {_kind(like)}")
    if not np.all(np.isfinite(np.asarray(got, np.float64))):
        raise Failure("nonfinite", f"{what} is not finite: {_fmt(got)}")


def _check_tuple_like(what, got, args, positions):
    if not isinstance(got, tuple) or len(got) != len(args):
        raise Failure("structure", f"{what}: expected a tuple of {len(args)}, got {got!r:.200}")
    for i, (g, a) in enumerate(zip(got, args)):
        if i in positions:
            _check_result_like(f"{what} {i}", g, a)
        elif g is not None:
            raise Failure("structure", f"{what} {i}: expected None for a non-float argument, "
                                       f"got {g!r:.100}")


def _agree(category, what_a, a, what_b, b, floor, rtol=COMPOSE_RTOL):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise Failure("dtype", f"{what_a} has {a.size} entries, {what_b} {b.size}")
    err = _norm(a - b)
    tol = rtol * max(_norm(a), _norm(b)) + floor * math.sqrt(max(a.size, 1))
    if not err <= tol:
        raise Failure(category, f"{what_a} and {what_b} differ by {err:.3g} (tolerance "
                                f"{tol:.3g})\n  {what_a}: {_fmt(a)}\n  {what_b}: {_fmt(b)}")


def _fd_along(inst, what, fn, args, trace, v, scale):
    """Central difference of the vector function `fn(args)` along the unit direction
    v (Richardson from h and h/4), with the first-order oracle's gating: Discard when
    a step changes a branch decision, or when h and h/4 disagree."""
    x, d = _flat(args), _flat(v)
    h = EPS ** (1 / 3) * max(1.0, _norm(x))

    def diff(step):
        vals = []
        for s in (step, -step):
            xs = _unflat(x + s * d, args)
            value, rec = inst(xs)
            if rec.trace != trace:
                raise Discard("second order: a branch decision changes within the FD step")
            if not rec.finite or not np.isfinite(value):
                raise Discard("second order: non-finite value within the FD step")
            vals.append(np.asarray(_call2(f"{what} within the FD step", lambda: fn(xs)),
                                   np.float64).ravel())
        return (vals[0] - vals[1]) / (2 * step)

    d1, d4 = diff(h), diff(h / 4)
    noise = 50 * EPS * scale / h * math.sqrt(max(d1.size, 1))
    if _norm(d1 - d4) > GATE_RTOL * max(_norm(d1), _norm(d4)) + 8 * noise:
        raise Discard("second order: ill-conditioned: FD at h and h/4 disagree")
    return d4 + (d4 - d1) / 15.0, noise


def _check_fd(category, what, got, ref, noise, floor):
    gv = np.asarray(got, np.float64).ravel()
    err = _norm(gv - ref)
    tol = FD_RTOL * max(_norm(gv), _norm(ref)) + 10 * noise + floor * math.sqrt(max(gv.size, 1))
    if not err <= tol:
        raise Failure(category, f"{what} differs from finite differences by {err:.3g} "
                                f"(tolerance {tol:.3g})\n  s2sad: {_fmt(gv)}\n  FD:    {_fmt(ref)}")


def _unit(args, i):
    """The tangent tuple e_i of the scalar argument i."""
    return tuple(1.0 if k == i else _zeros_like(a) for k, a in enumerate(args))


# ---- the checks --------------------------------------------------------------------------

def _judge2(ad, f, inst, args, seed, third, source=None) -> list:
    positions = [i for i, a in enumerate(args) if _is_float_arg(a)]
    if not positions:
        raise Discard("second order: no float argument")
    fx, rec = _conditioning(inst, args)
    if np.ndim(fx) != 0:
        raise Discard("second order: the output is not a scalar")
    scale = max(abs(float(fx)), rec.max_abs, 1e-300)
    rng = np.random.default_rng([seed, 2])
    wrt_all = tuple(positions)
    grad_all = _call2("grad(f)", lambda: ad.grad(f, wrt=wrt_all))
    g0 = _call2("grad(f)", lambda: grad_all(*args))
    g0 = _flat(g0)
    # Round-off of second derivatives: values and first derivatives of size ~scale
    # that cancel (the first-order floor, 16 eps max(1, scale)), times a derivative's
    # own scale.
    gscale = max(scale, float(np.max(np.abs(g0))) if g0.size else 0.0, 1.0)
    floor = 16 * EPS * gscale
    checks = []

    # 1. hvp against FD of the gradient along v
    v = _direction(rng, args, positions)
    hv = _call2("hvp(f)", lambda: ad.hvp(f, args, v))
    _check_tuple_like("hvp", hv, args, positions)
    hv_flat = _flat([hv[i] for i in positions])
    fd, noise = _fd_along(inst, "grad(f)", lambda xs: _flat(grad_all(*xs)), args, rec.trace, v,
                          gscale)
    _check_fd("hvp fd", "hvp(f, args, v)", hv_flat, fd, noise, floor)
    checks.append("hvp fd")

    # 2. symmetry: w.(Hv) == v.(Hw)
    w = _direction(rng, args, positions)
    hw = _call2("hvp(f)", lambda: ad.hvp(f, args, w))
    _check_tuple_like("hvp", hw, args, positions)
    hw_flat = _flat([hw[i] for i in positions])
    vf, wf = _flat([v[i] for i in positions]), _flat([w[i] for i in positions])
    ta, tb = wf * hv_flat, vf * hw_flat
    a, b = float(np.sum(ta)), float(np.sum(tb))
    tol = SYM_RTOL * float(np.sum(np.abs(ta)) + np.sum(np.abs(tb))) + floor
    if not abs(a - b) <= tol:
        raise Failure("symmetry", f"w.(Hv) = {a!r} but v.(Hw) = {b!r} (difference "
                                  f"{abs(a - b):.3g}, tolerance {tol:.3g})\n  v  = {_fmt(vf)}\n"
                                  f"  w  = {_fmt(wf)}\n  Hv = {_fmt(hv_flat)}\n"
                                  f"  Hw = {_fmt(hw_flat)}")
    checks.append("symmetry")

    # 3. compositions, for one scalar argument and for the array argument
    scalars = [i for i in positions if not isinstance(args[i], np.ndarray)]
    arrays = [i for i in positions if isinstance(args[i], np.ndarray)]
    j = int(rng.choice(scalars)) if scalars else None
    if j is not None:
        g2 = _compose_scalar(ad, f, args, positions, j, rng, floor, source)
    for k in arrays:
        _compose_array(ad, f, args, k, rng, floor)
    checks.append("compose")

    # 4. third order
    if third and j is not None:
        try:
            _third_order(ad, inst, args, rec, j, g2, gscale)
        except (Failure, Refused, Discard) as exc:
            exc.third = True            # the outcome is of order 3 (see check_second_order)
            raise
        checks.append("third fd")
    return checks


def _third_order(ad, inst, args, rec, j, g2, gscale):
    """grad(grad(grad(f))) for the scalar argument j against FD of g2 = grad(grad(f))."""
    g3 = _call2("grad(grad(grad(f)))", lambda: ad.grad(g2, wrt=j))
    d3 = _call2("grad(grad(grad(f)))", lambda: g3(*args))
    _check_result_like("grad(grad(grad(f)))", d3, args[j])
    d2 = _call2("grad(grad(f))", lambda: g2(*args))
    s3 = max(gscale, abs(float(d2)))
    e = _unit(args, j)
    fd3, noise3 = _fd_along(inst, "grad(grad(f))", lambda xs: g2(*xs), args, rec.trace, e,
                            s3)
    _check_fd("third fd", "grad(grad(grad(f)))", d3, fd3, noise3, 16 * EPS * s3)


def _compose_scalar(ad, f, args, positions, j, rng, floor, source):
    g = _call2("grad(f)", lambda: ad.grad(f, wrt=j))
    g2 = _call2("grad(grad(f))", lambda: ad.grad(g, wrt=j))
    g1 = _call2("grad(f)", lambda: g(*args))
    d2 = _call2("grad(grad(f))", lambda: g2(*args))
    _check_result_like("grad(grad(f))", d2, args[j])
    e = _unit(args, j)
    out, jv = _call2("jvp(grad(f))", lambda: ad.jvp(g, args, e))
    _check_result_like("jvp(grad(f)) primal", out, args[j])
    _check_result_like("jvp(grad(f)) tangent", jv, args[j])
    _agree("compose", "grad(f)", g1, "primal of jvp(grad(f))", out, floor)
    hv = _call2("hvp(f)", lambda: ad.hvp(f, args, e))
    _check_tuple_like("hvp", hv, args, positions)
    hess = _call2("hessian(f)", lambda: ad.hessian(f, wrt=j)(*args))
    _check_result_like("hessian(f)", hess, args[j])
    _agree("compose", "grad(grad(f))", d2, "jvp(grad(f))", jv, floor)
    _agree("compose", "grad(grad(f))", d2, "hvp(f)", hv[j], floor)
    _agree("compose", "grad(grad(f))", d2, "hessian(f)", hess, floor)
    others = [i for i in positions if i != j]
    if others:
        i = int(rng.choice(others))
        mixed = _call2("grad(grad(f)) mixed", lambda: ad.grad(g, wrt=i)(*args))
        _check_result_like(f"grad(grad(f, wrt={j}), wrt={i})", mixed, args[i])
        _agree("compose", f"grad(grad(f, wrt={j}), wrt={i})", mixed, f"hvp(f, e_{j})[{i}]",
               hv[i], floor)
    if source is not None:      # s2sad.grad(f)(...) called inside a differentiated function
        params = ", ".join(inspect.signature(f).parameters)
        text = (source.rstrip() + "\n\n\nimport s2sad as s2sad_of_the_fuzzer\n\n\n"
                f"def df_inside({params}):\n"
                f"    return s2sad_of_the_fuzzer.grad(f, wrt={j})({params})\n")
        with loaded(text, "df_inside") as df:
            inside = _call2("grad(df), df calling grad(f)",
                            lambda: ad.grad(df, wrt=j)(*args))
        _check_result_like("grad(df), df calling grad(f)", inside, args[j])
        _agree("compose", "grad(grad(f))", d2, "grad(df), df calling grad(f)", inside, floor)
    return g2


def _compose_array(ad, f, args, k, rng, floor):
    a = args[k]
    shape = np.shape(a)
    g = _call2("grad(f)", lambda: ad.grad(f, wrt=k))
    g1 = _call2("grad(f)", lambda: g(*args))
    jac = _call2("jacobian(grad(f))", lambda: ad.jacobian(g, wrt=k)(*args))
    _check_result_like("jacobian(grad(f))", jac, np.zeros(shape + shape, a.dtype))
    m = int(np.size(a))
    square = np.asarray(jac, np.float64).reshape(m, m)
    _agree("symmetry", "jacobian(grad(f))", square, "its transpose", square.T, floor)
    hess = _call2("hessian(f)", lambda: ad.hessian(f, wrt=k)(*args))
    _check_result_like("hessian(f)", hess, np.zeros(shape + shape, a.dtype))
    _agree("compose", "jacobian(grad(f))", jac, "hessian(f)", hess, floor)
    t = tuple(np.asarray(rng.standard_normal(shape), a.dtype) if i == k else _zeros_like(x)
              for i, x in enumerate(args))
    want = square @ np.asarray(t[k], np.float64).ravel()
    out, jv = _call2("jvp(grad(f))", lambda: ad.jvp(g, args, t))
    _check_result_like("jvp(grad(f)) primal", out, a)
    _check_result_like("jvp(grad(f)) tangent", jv, a)
    _agree("compose", "grad(f)", g1, "primal of jvp(grad(f))", out, floor)
    tn = _norm(t[k])
    _agree("compose", "jacobian(grad(f)) @ t", want, "jvp(grad(f), t)", jv, floor * tn)
    hv = _call2("hvp(f)", lambda: ad.hvp(f, args, t))
    _agree("compose", "jacobian(grad(f)) @ t", want, "hvp(f, t)", hv[k], floor * tn)


def check_second_order(source, args, *, f=None, seed=0, third=False, ad=None) -> Outcome:
    """Judge s2sad's second (and, with `third`, third) derivatives of the program
    `source` at `args`.  Status "ok", "discard", "refused" (reason: the S2SADError's
    first line), "fail" (reason: the category) or "invalid"."""
    if ad is None:
        import s2sad as ad
    args = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
    outcome = Outcome("ok", source=source, args=args, seed=seed, order=2)
    try:
        inst = Instrumented(source)
    except Exception as exc:  # noqa: BLE001
        outcome.status, outcome.reason, outcome.detail = "invalid", "does not compile", repr(exc)
        return outcome
    work = tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args)
    try:
        if f is None:
            with loaded(source) as fn:
                outcome.checks = _judge2(ad, fn, inst, work, seed, third, source)
        else:
            outcome.checks = _judge2(ad, f, inst, work, seed, third, source)
        if any(not np.array_equal(a, b) for a, b in zip(work, args)):
            raise Failure("mutation", "s2sad's higher derivatives wrote into an argument array")
        outcome.order = 3 if "third fd" in outcome.checks else 2
    except (Discard, Refused, Failure) as exc:
        outcome.order = 3 if getattr(exc, "third", False) else 2
        _record(outcome, exc)
    except Exception as exc:  # noqa: BLE001 - the checks themselves broke on s2sad's results
        outcome.status, outcome.reason = "fail", "error"
        outcome.detail = (f"checking s2sad's higher derivatives raised {type(exc).__name__}: "
                          f"{exc}")
    return outcome


def _record(outcome, exc) -> None:
    """Set the outcome's status, reason and detail from a Discard, Refused or Failure."""
    if isinstance(exc, Discard):
        outcome.status, outcome.reason = "discard", str(exc)
    elif isinstance(exc, Refused):
        outcome.status, outcome.reason = "refused", exc.message
        outcome.detail = f"{exc.what} raised {exc.error}: {exc.first_line}"
    else:
        outcome.status, outcome.reason, outcome.detail = "fail", exc.category, exc.detail


def check_program_both(program, seed: int, *, float32=False, third=False, ad=None,
                       judge1=check_at, judge2=check_second_order, second=True):
    """(first-order outcome, second-order outcome or None) of a generated program:
    the first-order oracles at up to POINT_TRIES random points (as `check_program`),
    then (if `second`) the second-order ones at the point where the first-order ones
    passed (the same function object, so s2sad's first-order code is reused).
    `judge1`, `judge2`: the oracles, with the signatures of `check_at` and
    `check_second_order` (the hostile profile passes its own: raising.py)."""
    try:
        compile(program.source, "<program>", "exec")
    except SyntaxError:
        return check_program(program, seed, float32=float32, ad=ad), None
    with loaded(program.source) as fn:
        first = None
        for attempt in range(POINT_TRIES):
            rng = np.random.default_rng([seed, attempt])
            first = judge1(program.source, program.make_args(rng), f=fn, seed=seed,
                           float32=float32, ad=ad)
            if first.status != "discard":
                break
        if first.status != "ok" or not second:
            return first, None
        return first, judge2(program.source, first.args, f=fn, seed=seed, third=third, ad=ad)
