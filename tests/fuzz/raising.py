"""The oracles for hostile programs (tests/fuzz/hostile.py).

`check_at_hostile(source, args)` is `oracles.check_at` with two differences:

* where the program itself raises at `args` (a `raise` or `assert` in a taken branch;
  not an ArithmeticError or a math domain error, which discard the point), every
  derivative must raise an exception of the same type: `value_and_grad` in both modes,
  `jvp` and `vjp` (and at second order `grad(grad(f))` and `hvp`).  A derivative that
  returns instead, or raises another type, fails [raises]; the checks are then
  `["raises"]`;
* an S2SADError raised by a first-order derivative makes the outcome "refused" (its
  reason the error's first line without its place, as at second order): s2sad
  declined a construct loudly, which is allowed; anything else is judged as usual.

`check_program_hostile(program, seed, second=...)` tries up to POINT_TRIES points like
`check_program`, then (with `second`) runs the second-order oracles at the point that
passed: the raise check at second order where f raises there.
"""
from __future__ import annotations

import re

import numpy as np

from .oracles import Failure, Instrumented, Outcome, check_at, loaded
from .second_order import (Refused, _call2, _direction, check_program_both, check_second_order,
                           refusal_message)


def _s2sad_error_names() -> set:
    import s2sad.errors as errors
    names, todo = set(), [errors.S2SADError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += cls.__subclasses__()
    return names


def primal_exception(source: str, args) -> BaseException | None:
    """The exception the program raises at `args` on purpose, or None (also for an
    arithmetic error or a math domain error: those discard the point)."""
    try:
        inst = Instrumented(source)
    except Exception:  # noqa: BLE001 - the module does not load: check_at says invalid
        return None
    try:
        inst(tuple(np.copy(a) if isinstance(a, np.ndarray) else a for a in args))
    except ArithmeticError:
        return None
    except ValueError as exc:
        return None if "math domain error" in str(exc) else exc
    except Exception as exc:  # noqa: BLE001 - the program's own raise or assert
        return exc
    return None


def _derivatives(ad, f, args, order: int) -> list:
    """(what, thunk) for each derivative whose raising is checked."""
    wrt = tuple(range(len(args)))
    if order == 1:
        v = _direction(np.random.default_rng(0), args, set(wrt), unit=False)
        return [(f"value_and_grad(mode={m!r})",
                 lambda m=m: ad.value_and_grad(f, wrt=wrt, mode=m)(*args))
                for m in ("reverse", "forward")] + [
            ("jvp", lambda: ad.jvp(f, args, v)), ("vjp", lambda: ad.vjp(f, *args)[1](1.0))]
    v = _direction(np.random.default_rng(1), args, set(wrt))
    return [("grad(grad(f))", lambda: ad.grad(ad.grad(f, wrt=0), wrt=0)(*args)),
            ("hvp(f)", lambda: ad.hvp(f, args, v))]


def check_raises(ad, f, args, expected: BaseException, order: int = 1) -> list:
    """Every derivative raises `type(expected)`; raise Failure("raises", ...) or
    Refused otherwise."""
    want = type(expected).__name__
    for what, thunk in _derivatives(ad, f, args, order):
        try:
            _call2(what, thunk)
        except Refused:
            raise
        except Failure as exc:
            match = re.search(r"raised (\w+)", exc.detail)
            if match and match.group(1) == want:
                continue
            raise Failure("raises", f"f raises {want} ({expected}) but {exc.detail}") from None
        raise Failure("raises", f"f raises {want} ({expected}) but {what} returned a value")
    return ["raises"]


def _raises_outcome(ad, f, source, args, expected, order, seed, float32=False) -> Outcome:
    outcome = Outcome("ok", source=source, args=args, seed=seed, float32=float32, order=order)
    try:
        outcome.checks = check_raises(ad, f, args, expected, order)
    except Refused as exc:
        outcome.status, outcome.reason = "refused", exc.message
        outcome.detail = f"{exc.what} raised {exc.error}: {exc.first_line}"
    except Failure as exc:
        outcome.status, outcome.reason, outcome.detail = "fail", exc.category, exc.detail
    return outcome


def as_refusal(outcome: Outcome) -> Outcome:
    """A first-order "error" failure whose exception is an S2SADError, as "refused"."""
    if outcome.status != "fail" or outcome.reason != "error":
        return outcome
    first = outcome.detail.splitlines()[0] if outcome.detail else ""
    match = re.match(r"(.*?) raised (\w+)(?: \(raised at [^)]*\))?: (.*)", first)
    if match and match.group(2) in _s2sad_error_names():
        what, error, message = match.groups()
        outcome.status, outcome.reason = "refused", refusal_message(message)
        outcome.detail = f"{what} raised {error}: {message}"   # as second_order.Refused
    return outcome


def check_at_hostile(source, args, *, f=None, seed=0, float32=False, ad=None) -> Outcome:
    """`check_at`, with the raise check and S2SADErrors as refusals (module docstring)."""
    if ad is None:
        import s2sad as ad
    expected = primal_exception(source, args)
    if expected is None:
        return as_refusal(check_at(source, args, f=f, seed=seed, float32=float32, ad=ad))
    if f is not None:
        return _raises_outcome(ad, f, source, args, expected, 1, seed, float32)
    with loaded(source) as fn:
        return _raises_outcome(ad, fn, source, args, expected, 1, seed, float32)


def check_second_hostile(source, args, *, f=None, seed=0, third=False, ad=None) -> Outcome:
    """The second-order oracles, or the raise check at second order where f raises."""
    if ad is None:
        import s2sad as ad
    expected = primal_exception(source, args)
    if expected is None:
        return check_second_order(source, args, f=f, seed=seed, third=third, ad=ad)
    if f is not None:
        return _raises_outcome(ad, f, source, args, expected, 2, seed)
    with loaded(source) as fn:
        return _raises_outcome(ad, fn, source, args, expected, 2, seed)


def check_program_hostile(program, seed: int, *, float32=False, second=False, third=False,
                          ad=None):
    """(first-order outcome, second-order outcome or None) of a hostile program."""
    return check_program_both(program, seed, float32=float32, third=third, ad=ad,
                              judge1=check_at_hostile, judge2=check_second_hostile,
                              second=second)
