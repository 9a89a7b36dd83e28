"""Shared helpers for the benchmark scripts in this folder.

The scripts are plain programs (``python benchmarks/<name>.py``), not tests.  This
module gives them:

* ``time_call``: timeit-style timing (auto-ranged loops, best of several repeats),
  reported as the median and the minimum time of one call, in microseconds;
* ``print_table``: a plain-text table printer;
* ``load_s2sad`` / ``load_autograd`` / ``load_jax``: optional loaders that return
  None (and remember why in ``LOAD_ERRORS``) when a package is missing or broken;
* ``run_gradient_rows``: the common driver that times the primal, the hand-written
  gradient and every automatic gradient, checks each gradient against the
  hand-written one and prints the table.  A row whose import, construction or call
  fails prints ``n/a (reason)`` instead of stopping the script.
"""
from __future__ import annotations

import argparse
import ast
import gc
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import torch_peer

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Benchmark the working tree's s2sad, ahead of any installed copy.
if REPO_ROOT not in sys.path:
    sys.path.insert(1, REPO_ROOT)

#: Why an optional package could not be loaded, by package name.
LOAD_ERRORS: dict[str, str] = {}


# --------------------------------------------------------------------------- timing

@dataclass
class Timing:
    """Time of one call, in microseconds."""

    median_us: float
    min_us: float
    first_call_us: float      # the very first call (includes one-time work such as tracing)
    number: int               # calls per timed loop
    repeats: int              # timed loops

    @property
    def runs(self) -> str:
        return f"{self.repeats}x{self.number}"


def time_call(fn: Callable, args: Sequence = (), *, repeat: int = 9,
              min_loop_s: float = 0.05, slow_call_s: float = 1.0,
              slow_repeat: int = 1, setup_us: float = 0.0,
              first_call_s: float | None = None) -> Timing:
    """Time ``fn(*args)`` the way ``timeit`` does, with a cap for slow callables.

    One warm-up call is made first (its time is kept as ``first_call_us``, plus
    ``setup_us``); pass ``first_call_s`` when the caller already made that call.  If
    it and the next call both took at least ``slow_call_s``, the callable is run
    ``slow_repeat`` times in all after the warm-up, one call per loop.  Otherwise the
    number of calls per loop grows 1, 2, 5, 10, 20, 50, ... until a loop would last
    at least ``min_loop_s`` at the best time per call seen so far, and ``repeat``
    such loops are timed.  As in ``timeit``, the
    garbage collector is off while timing (with autograd and jax loaded, its full
    collections otherwise dominate and make tape-based rows grow faster than
    linearly with the loop length).
    """
    clock = time.perf_counter
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        if first_call_s is None:
            t0 = clock()
            fn(*args)
            first = clock() - t0
        else:
            first = first_call_s

        if first >= slow_call_s:
            # Slow, or only a slow first call (one-time work such as a lazy transform)?
            samples = []
            for _ in range(max(1, slow_repeat)):
                t0 = clock()
                fn(*args)
                samples.append(clock() - t0)
                if samples[0] < slow_call_s:
                    break
            if samples[0] >= slow_call_s:
                return Timing(statistics.median(samples) * 1e6, min(samples) * 1e6,
                              first * 1e6 + setup_us, 1, len(samples))

        def loop(number: int) -> float:
            t0 = clock()
            for _ in range(number):
                fn(*args)
            return clock() - t0

        # Auto-range on the best time per call seen so far, so that one stall (other
        # processes on the machine) does not leave loops of a couple of calls.
        number = 1
        best = loop(1)
        while number * best < min_loop_s:
            # the next of 1, 2, 5, 10, 20, 50, ...
            base = 10 ** int(math.floor(math.log10(number)))
            lead = number // base
            number = (2 if lead == 1 else 5 if lead == 2 else 10) * base
            best = min(best, loop(number) / number)
        samples = [loop(number) / number for _ in range(repeat)]
        return Timing(statistics.median(samples) * 1e6, min(samples) * 1e6,
                      first * 1e6 + setup_us, number, len(samples))
    finally:
        if gc_was_enabled:
            gc.enable()
        gc.collect()


def time_once(fn: Callable, args: Sequence = ()) -> tuple[Any, float]:
    """``(fn(*args), seconds)`` for one call, with the garbage collector off."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn(*args)
        return out, time.perf_counter() - t0
    finally:
        if gc_was_enabled:
            gc.enable()


# --------------------------------------------------------------------------- tables

def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
                align: str | None = None, file=None) -> None:
    """Print rows as a plain-text table.

    ``align`` holds one character per column: ``l`` (left) or ``r`` (right); by
    default the first column is left-aligned and the others right-aligned.
    """
    file = file or sys.stdout
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    ncols = len(headers)
    for row in cells:
        row.extend([""] * (ncols - len(row)))
    widths = [max(len(row[i]) for row in cells) for i in range(ncols)]
    align = align or ("l" + "r" * (ncols - 1))

    def fmt(row):
        parts = []
        for i, cell in enumerate(row):
            parts.append(cell.ljust(widths[i]) if align[i] == "l" else cell.rjust(widths[i]))
        return "  ".join(parts).rstrip()

    print(fmt(cells[0]), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for row in cells[1:]:
        print(fmt(row), file=file)


def fmt_us(us: float) -> str:
    """A time in microseconds with about four significant digits."""
    if us >= 1e5:
        return f"{us:,.0f}"
    if us >= 100:
        return f"{us:.1f}"
    return f"{us:.2f}"


def fmt_ratio(x: float) -> str:
    return f"{x:.3g}x" if x < 1000 else f"{x:,.0f}x"


def format_error(exc: BaseException, limit: int = 90) -> str:
    """``ExcType: first line of the message``, shortened to ``limit`` characters."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- optional packages

def load_s2sad():
    """The s2sad package of this repository, or None (reason in ``LOAD_ERRORS``)."""
    try:
        import s2sad
        if not hasattr(s2sad, "grad"):
            raise ImportError("s2sad has no attribute 'grad' yet")
        return s2sad
    except Exception as exc:  # a half-written package may raise anything on import
        LOAD_ERRORS["s2sad"] = format_error(exc)
        return None


def load_autograd():
    """``(autograd, autograd.numpy)``, or None when autograd is not installed."""
    try:
        import autograd
        import autograd.numpy as anp
        return autograd, anp
    except Exception as exc:
        LOAD_ERRORS["autograd"] = ("autograd not installed" if isinstance(exc, ImportError)
                                   else format_error(exc))
        return None


def load_jax():
    """``(jax, jax.numpy)`` on the CPU with float64 enabled, or None when missing."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        return jax, jnp
    except Exception as exc:
        LOAD_ERRORS["jax"] = ("jax not installed" if isinstance(exc, ImportError)
                              else format_error(exc))
        return None


def package_version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return "not installed"


# --------------------------------------------------------------------------- numerics

def as_vector(value) -> list[float]:
    """A gradient (tuple/list of scalars, 0-d or 1-d arrays, jax arrays) as floats."""
    if isinstance(value, (tuple, list)):
        out: list[float] = []
        for v in value:
            out.extend(as_vector(v))
        return out
    try:
        import numpy as np
        return [float(v) for v in np.asarray(value, dtype=float).ravel()]
    except Exception:
        return [float(value)]


def rel_err(a: Sequence[float], b: Sequence[float]) -> float:
    """Norm-wise relative error ``||a - b|| / ||b||`` (absolute when ``b`` is 0)."""
    a, b = as_vector(a), as_vector(b)
    if len(a) != len(b):
        return math.inf
    diff = math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    scale = math.sqrt(sum(y * y for y in b))
    return diff / scale if scale > 0 else diff


def central_fd(f: Callable, args: Sequence[float], rel_step: float = 1e-6) -> list[float]:
    """Central finite differences of the scalar ``f`` with respect to each argument."""
    grads = []
    for i, x in enumerate(args):
        h = rel_step * max(1.0, abs(x))
        up = list(args)
        down = list(args)
        up[i] = x + h
        down[i] = x - h
        grads.append((f(*up) - f(*down)) / ((x + h) - (x - h)))
    return grads


def fmt_vec(v: Sequence[float]) -> str:
    return "(" + ", ".join(f"{x: .15e}" for x in v) + ")"


# --------------------------------------------------------------------------- generated source

_TAPE_METHODS = {"append", "push", "extend"}


def _is_tape_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr in _TAPE_METHODS or "push" in func.attr
    if isinstance(func, ast.Name):
        return "push" in func.id
    return False


def _values_pushed(call: ast.Call) -> int:
    """How many values one tape call stores: the length of a literal tuple, else 1."""
    total = 0
    for arg in call.args:
        total += len(arg.elts) if isinstance(arg, (ast.Tuple, ast.List)) else 1
    return max(total, 1)


_NESTED = (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
           ast.ClassDef, ast.Lambda)


def _walk_no_nested(node: ast.AST):
    """``node`` and its descendants, without entering nested loops or functions."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(child for child in ast.iter_child_nodes(current)
                     if not isinstance(child, _NESTED))


def _path_counts(stmts: Sequence[ast.stmt]) -> tuple[int, int, int, int]:
    """(fewest calls, most calls, fewest values, most values) over the paths of ``stmts``.

    An ``if`` contributes the fewest / most of its two branches; nested loops and
    functions contribute nothing (they are counted on their own).
    """
    lo_c = hi_c = lo_v = hi_v = 0
    for st in stmts:
        if isinstance(st, _NESTED):
            continue
        if isinstance(st, ast.If):
            body, orelse = _path_counts(st.body), _path_counts(st.orelse)
            in_test = [n for n in _walk_no_nested(st.test) if _is_tape_call(n)]
            test_values = sum(_values_pushed(c) for c in in_test)
            lo_c += min(body[0], orelse[0]) + len(in_test)
            hi_c += max(body[1], orelse[1]) + len(in_test)
            lo_v += min(body[2], orelse[2]) + test_values
            hi_v += max(body[3], orelse[3]) + test_values
            continue
        calls = [n for n in _walk_no_nested(st) if _is_tape_call(n)]
        lo_c += len(calls)
        hi_c += len(calls)
        lo_v += sum(_values_pushed(c) for c in calls)
        hi_v += sum(_values_pushed(c) for c in calls)
    return lo_c, hi_c, lo_v, hi_v


def count_tape_sites(source: str) -> list[dict]:
    """Static count of tape pushes in each loop body of generated source.

    A tape push is a call of ``.append(``/``.extend(``/``.push*(`` or of a function
    whose name contains ``push``.  Returns one entry per ``for``/``while`` loop whose
    body holds at least one, in source order: ``{"line", "kind", "sites", "calls",
    "values"}``, where ``sites`` is the number of call sites in the body (all branches,
    nested loops excluded), and ``calls`` / ``values`` are (fewest, most) pairs over
    the paths one iteration can take through the body's ``if``s: calls made and
    values stored (a literal tuple argument counts as its number of elements).
    """
    tree = ast.parse(source)
    loops = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While)):
            sites = sum(1 for st in node.body if not isinstance(st, _NESTED)
                        for n in _walk_no_nested(st) if _is_tape_call(n))
            if sites:
                lo_c, hi_c, lo_v, hi_v = _path_counts(node.body)
                loops.append({"line": node.lineno,
                              "kind": "for" if isinstance(node, ast.For) else "while",
                              "sites": sites, "calls": (lo_c, hi_c),
                              "values": (lo_v, hi_v)})
    return sorted(loops, key=lambda d: d["line"])


# --------------------------------------------------------------------------- the driver

def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--full", action="store_true",
                        help="time every row on the whole problem, however long one call "
                             "takes (jax.grad without jit can take a minute per call)")
    parser.add_argument("--budget", type=float, default=8.0, metavar="SECONDS",
                        help="a peer whose gradient call is projected to take more than "
                             "half of this is timed on the first iterations of the loop "
                             "only and its time scaled up (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=11,
                        help="timed loops per fast row (default: %(default)s)")
    return parser.parse_args()


@dataclass
class Candidate:
    """An automatic gradient to benchmark.

    ``make`` returns the gradient callable of the loss (it may raise; then the row
    is n/a); ``unavailable`` is a reason to skip the row without calling ``make``.
    ``scaled(n)``, when given, returns the gradient callable of the same loss cut
    to its first ``n`` loop iterations: it lets a slow row be estimated from a
    shorter run instead of blowing the time budget.  ``tolerance`` is the largest
    relative error against the hand-written gradient that passes the check.
    """

    name: str
    make: Callable[[], Callable] | None
    unavailable: str | None = None
    tolerance: float = 1e-8
    repeat: int = 3
    slow_call_s: float = 1.0
    scaled: Callable[[int], Callable] | None = None


@dataclass
class RowResult:
    name: str
    timing: Timing | None = None
    grad: list[float] | None = None
    err: float | None = None
    ok: bool | None = None
    reason: str | None = None
    cut: tuple[int, int] | None = None     # (iterations run, iterations of the full loop)


def header(title: str, lines: Sequence[str] = ()) -> None:
    print("=" * 78)
    print(title)
    print("=" * 78)
    print(f"python {platform.python_version()}, numpy {package_version('numpy')}, "
          f"s2sad (working tree), autograd {package_version('autograd')}, "
          f"jax {package_version('jax')}, jaxlib {package_version('jaxlib')}, "
          f"torch {package_version('torch')}")
    for line in lines:
        print(line)
    print()


def _measure(row: RowResult, fn: Callable, args: Sequence, ref: Sequence[float],
             cand: Candidate, setup_s: float = 0.0) -> None:
    """Check ``fn`` against ``ref`` (the call doubles as the warm-up), then time it."""
    g, first = time_once(fn, args)
    row.grad = as_vector(g)
    row.err = rel_err(row.grad, ref)
    row.ok = row.err < cand.tolerance
    row.timing = time_call(fn, args, repeat=cand.repeat, slow_call_s=cand.slow_call_s,
                           setup_us=setup_s * 1e6, first_call_s=first)


def _run_candidate(cand: Candidate, args: Sequence, ref: Sequence[float], n_iter: int,
                   hand_scaled: Callable[[int], Callable] | None,
                   opts: argparse.Namespace) -> RowResult:
    row = RowResult(cand.name)
    if cand.unavailable is not None or cand.make is None:
        row.reason = cand.unavailable or "not available"
        return row
    try:
        if cand.scaled is not None and hand_scaled is not None and not opts.full:
            # Probe on 2% of the iterations (at least 10).  If the whole loop might
            # blow the budget (the projection is doubled: per-iteration costs can grow
            # with the loop), report the probe's times scaled linearly to the loop.
            n_cut = min(n_iter, max(10, n_iter // 50))
            probe = RowResult(cand.name)
            probe_cand = Candidate(cand.name, None, tolerance=cand.tolerance, repeat=3,
                                   slow_call_s=math.inf)
            _measure(probe, cand.scaled(n_cut), args,
                     as_vector(hand_scaled(n_cut)(*args)), probe_cand)
            scale = n_iter / n_cut
            if 2.0 * probe.timing.min_us * 1e-6 * scale > opts.budget:
                t = probe.timing
                # the first call is mostly one-time work: it is not scaled (nor shown)
                probe.timing = Timing(t.median_us * scale, t.min_us * scale,
                                      t.first_call_us, t.number, t.repeats)
                probe.cut = (n_cut, n_iter)
                return probe
        t0 = time.perf_counter()
        fn = cand.make()
        setup = time.perf_counter() - t0
        _measure(row, fn, args, ref, cand, setup)
    except Exception as exc:
        row.reason = format_error(exc)
        row.timing = None
    return row


def run_gradient_rows(primal: Callable, hand_grad: Callable, args: Sequence[float],
                      candidates: Sequence[Candidate], opts: argparse.Namespace, *,
                      grad_names: Sequence[str], n_iter: int,
                      hand_scaled: Callable[[int], Callable] | None = None
                      ) -> list[RowResult]:
    """Time every row, check every gradient, print the table; return the results.

    ``n_iter`` is the number of loop iterations of the full problem and
    ``hand_scaled(n)`` the hand-written gradient of the loss cut to ``n`` iterations
    (the reference for rows estimated on a cut loop).
    """
    results: list[RowResult] = []
    t_primal = time_call(primal, args, repeat=opts.repeat)
    results.append(RowResult("primal", t_primal))
    ref = as_vector(hand_grad(*args))
    t_hand = time_call(hand_grad, args, repeat=opts.repeat)
    results.append(RowResult("hand-written reverse", t_hand, ref, 0.0, True))
    for cand in candidates:
        results.append(_run_candidate(cand, args, ref, n_iter, hand_scaled, opts))

    base_p = t_primal.min_us
    base_h = t_hand.min_us
    table = []
    for row in results:
        check = ""
        if row.name == "hand-written reverse":
            check = "reference"
        elif row.err is not None:
            check = f"{'ok' if row.ok else 'MISMATCH'} {row.err:.1e}"
            if row.cut:
                check += f" (cut loop, {row.cut[0]} it.)"
        if row.timing is None:
            note = f"n/a ({row.reason})" + (f"; {check}" if check else "")
            table.append([row.name, "n/a", "n/a", "", "", "", "", note])
            continue
        t = row.timing
        mark = "~" if row.cut else ""
        table.append([row.name + (" *" if row.cut else ""),
                      mark + fmt_us(t.median_us), mark + fmt_us(t.min_us),
                      mark + fmt_ratio(t.min_us / base_p), mark + fmt_ratio(t.min_us / base_h),
                      "-" if row.cut else f"{t.first_call_us / 1e3:.3g}", t.runs, check])
    print_table(["row", "median us", "min us", "min/primal", "min/hand", "1st call ms",
                 "repeats x calls", "grad rel err vs hand / note"], table,
                align="lrrrrrrl")
    for row in results:
        if row.cut:
            print(f"* {row.name}: estimated: one call on the whole loop was projected at more "
                  f"than half the {opts.budget:g} s budget, so it ran the first {row.cut[0]} of "
                  f"{row.cut[1]} loop iterations and its times were multiplied by "
                  f"{row.cut[1] / row.cut[0]:.3g}\n  (a lower bound if its cost per "
                  "iteration grows with the loop; --full measures the whole loop)")
    print()
    print("gradients " + "(" + ", ".join(grad_names) + "):")
    width = max(len(r.name) for r in results)
    for row in results[1:]:
        if row.grad is None:
            text = "n/a"
        elif row.cut:
            text = f"{fmt_vec(row.grad)}  (of the cut loop)"
        else:
            text = fmt_vec(row.grad)
        print(f"  {row.name.ljust(width)}  {text}")
    return results


def s2sad_candidates(s2sad, loss: Callable, nargs: int) -> list[Candidate]:
    """The s2sad reverse and forward rows (n/a when s2sad could not be loaded)."""
    wrt = tuple(range(nargs))
    why = None if s2sad is not None else LOAD_ERRORS.get("s2sad", "s2sad not importable")
    return [
        Candidate("s2sad reverse", (lambda: s2sad.grad(loss, wrt=wrt)) if s2sad else None,
                  unavailable=why, repeat=9),
        Candidate("s2sad forward",
                  (lambda: s2sad.grad(loss, wrt=wrt, mode="forward")) if s2sad else None,
                  unavailable=why, repeat=9),
    ]


def peer_candidates(nargs: int, make_peer_loss: Callable[..., Callable],
                    cut_keyword: str) -> list[Candidate]:
    """The autograd, (non-jitted) jax.grad and eager PyTorch rows.

    ``make_peer_loss(np)`` builds the loss written with the peer's numpy module
    (autograd.numpy or jax.numpy); ``make_peer_loss(np, **{cut_keyword: n})`` the
    same loss cut to ``n`` loop iterations.
    """
    wrt = tuple(range(nargs))
    rows = []
    ag = load_autograd()
    if ag is None:
        rows.append(Candidate("autograd", None, unavailable=LOAD_ERRORS.get("autograd")))
    else:
        autograd, anp = ag
        rows.append(Candidate(
            "autograd", lambda: autograd.grad(make_peer_loss(anp), wrt),
            scaled=lambda n: autograd.grad(make_peer_loss(anp, **{cut_keyword: n}), wrt)))
    jx = load_jax()
    if jx is None:
        rows.append(Candidate("jax.grad (no jit)", None, unavailable=LOAD_ERRORS.get("jax")))
    else:
        jax, jnp = jx
        rows.append(Candidate(
            "jax.grad (no jit)", lambda: jax.grad(make_peer_loss(jnp), argnums=wrt),
            scaled=lambda n: jax.grad(make_peer_loss(jnp, **{cut_keyword: n}), argnums=wrt)))
    torch = torch_peer.load_torch()
    if torch is None:
        rows.append(Candidate("torch (eager)", None, unavailable="torch not installed"))
    else:
        tnp = torch_peer.TorchNumpy(torch)
        rows.append(Candidate(
            "torch (eager)", lambda: torch_peer.torch_grad(torch, make_peer_loss(tnp), wrt),
            scaled=lambda n: torch_peer.torch_grad(
                torch, make_peer_loss(tnp, **{cut_keyword: n}), wrt)))
    return rows


def print_tape_count(s2sad, loss: Callable, nargs: int, args: Sequence | None = None) -> None:
    """Print the static count of tape pushes per loop iteration in s2sad's reverse code
    (the code specialised to `args`, the code that runs, when they are given)."""
    label = "s2sad tape entries per iteration (static count in generated reverse source)"
    if s2sad is None:
        print(f"{label}: n/a ({LOAD_ERRORS.get('s2sad', 's2sad not importable')})")
        return
    try:
        src = s2sad.source(loss, mode="reverse", wrt=tuple(range(nargs)),
                           example_args=None if args is None else tuple(args))
        if not isinstance(src, str):
            src = str(src)
        loops = count_tape_sites(src)
    except Exception as exc:
        print(f"{label}: n/a ({format_error(exc)})")
        return
    if not loops:
        print(f"{label}: 0 (no .append/.push call sites inside any loop body)")
        return
    print(f"{label}:")

    def span(pair):
        return f"{pair[0]}" if pair[0] == pair[1] else f"{pair[0]}-{pair[1]}"

    for lp in loops:
        print(f"  {lp['kind']} loop at generated line {lp['line']}: {span(lp['calls'])} "
              f"push call(s) per iteration storing {span(lp['values'])} value(s)"
              + (" depending on the branch taken" if lp["calls"][0] != lp["calls"][1]
                 or lp["values"][0] != lp["values"][1] else "")
              + f" ({lp['sites']} call site(s) in the loop body)")
