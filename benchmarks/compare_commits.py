"""Compare two revisions of s2sad on the benchmark workloads: gradient and first-call times.

    python benchmarks/compare_commits.py OLD_REV NEW_REV [--rounds 5] [--sizes 100 1000 10000]

Each revision is checked out in a temporary git worktree (``git worktree add
--detach``; removed at the end, ``--keep`` keeps them).  A revision may also be the
path of a directory holding an ``s2sad`` package (e.g. ``.`` for the working tree,
uncommitted changes included); it is used as is.

The workloads are those of the other scripts in this folder, copied out of their
files *in this checkout* into one generated module that both revisions import, so
old and new differentiate the very same source:

* ``rk4``: ``rk4_pendulum.loss`` (1,000 RK4 steps, scalar ``for`` loop);
* ``branchy``: ``branchy_while.loss`` (291-iteration ``while`` loop, four-way ``if``);
* ``fill`` / ``recurrence``: ``array_fill``'s element-by-element loops at each size,
  with the in-place pass on and (``copying``, n <= 1000 only) off;

each as reverse mode (``s2sad.grad``) and forward mode (``mode="forward"``, or one
``s2sad.jvp`` for the array loops).  ``rk4 hvp`` (one Hessian-vector product) is an
extra row on second-order code.

How it measures.  Every round starts one fresh worker process per revision (this
file run with ``--worker``, the worktree first on ``sys.path`` and as the current
directory; the worker checks that every ``s2sad`` module it loaded comes from its
worktree).  The two workers stay idle on their stdin while the other one runs; the
driver sends them the rows one at a time, alternating which revision goes first, so
a row's old and new figures are taken seconds apart.  For each row a worker

1. clears s2sad's caches (``s2sad.clear_caches()`` where it exists, else the old
   ``s2sad.api._CACHE`` and ``s2sad.aliasing._FRESH``), makes the derivative
   (``s2sad.grad(...)``) and calls it once: the "first call" (source transformation,
   compilation and one evaluation), best of ``--transform-repeats``;
2. times the steady call (``clocks.best_time``: timeit-style, garbage collector off),
   best of ``--repeat`` loops.

Times are the worker's CPU time (``time.process_time``; see clocks.py: on a machine
shared with other work it leaves out the waits for a core), or the wall clock with
``--clock wall``.  The workers run with one BLAS/OpenMP thread.

The table reports, per revision, the best figure over all rounds and the ratio new /
old of those; ``round ratios`` gives the median and the range of the per-round
ratios (a wide range means the machine was busy; then the median of the per-round
ratios, each taken from two measurements seconds apart, is the steadier figure).
``import s2sad`` is the import time of s2sad in a fresh process (numpy already
imported; gast and astor included) and ``cold 1st call`` the first row's first call
in a fresh process (lazy imports and first-use work included).  The gradients of the
two revisions are compared too (``same``: relative difference below 1e-12).  The
worker also drops the finder of an editable install (``pip install -e``) from
``sys.meta_path``: it would fill in the modules an old revision lacks from the
install's checkout.
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# (workload module written for both workers, source file here, top-level names copied)
WORKLOAD_SOURCES = [
    ("cmp_rk4", "rk4_pendulum.py", ["PARAMS", "loss"]),
    ("cmp_branchy", "branchy_while.py", ["PARAMS", "loss"]),
    ("cmp_array_fill", "array_fill.py", ["fill", "recurrence"]),
]
_KEPT_IMPORTS = {"math", "numpy", "functools"}


# =========================================================================== the worker

def _row_specs(sizes):
    """Row names, in table order (the worker knows how to build each)."""
    rows = ["rk4 reverse", "rk4 forward", "branchy reverse", "branchy forward"]
    for loop in ("fill", "recurrence"):
        for n in sizes:
            rows += [f"{loop} n={n} reverse", f"{loop} n={n} jvp"]
            if n <= 1000:    # copying is O(n) per write: O(n^2) per call
                rows.append(f"{loop} n={n} reverse copying")
    rows += ["rk4 hvp (extra)"]
    return rows


class _Worker:
    def __init__(self, root: str, workload_dir: str, clock: str):
        # An editable install of s2sad (pip install -e) adds a finder that resolves any
        # s2sad.* module the worktree lacks from the install's checkout: drop it.
        sys.meta_path[:] = [f for f in sys.meta_path
                            if not type(f).__module__.startswith("__editable__")
                            and not getattr(f, "__module__", "").startswith("__editable__")]
        sys.path.insert(0, root)
        import numpy  # noqa: F401 -- not part of the import time of s2sad
        sys.path.append(HERE)
        import clocks
        self.clocks, self.clock = clocks, clock
        t0 = clocks.CLOCKS[clock]()
        import s2sad
        self.import_s = clocks.CLOCKS[clock]() - t0
        self.root = os.path.realpath(root)
        self.s2sad = s2sad
        self._check_origin()
        sys.path.insert(1, workload_dir)
        import cmp_rk4
        import cmp_branchy
        import cmp_array_fill
        self.w = {"rk4": cmp_rk4, "branchy": cmp_branchy, "array": cmp_array_fill}
        import common                  # it puts this checkout's root on sys.path ...
        self.common = common
        if common.REPO_ROOT in sys.path and os.path.realpath(common.REPO_ROOT) != self.root:
            sys.path.remove(common.REPO_ROOT)   # ... where no later s2sad import may look
        self.cold_done = False

    def _check_origin(self) -> None:
        for name, mod in list(sys.modules.items()):
            if name == "s2sad" or name.startswith("s2sad."):
                path = os.path.realpath(getattr(mod, "__file__", None) or self.root)
                if not path.startswith(self.root + os.sep) and path != self.root:
                    raise SystemExit(f"worker for {self.root} imported {name} from {path}")

    # ---- version differences ------------------------------------------------------
    def clear(self) -> None:
        s2sad = self.s2sad
        clear = getattr(s2sad, "clear_caches", None)
        if clear is not None:
            clear()
            return
        s2sad.api._CACHE.clear()
        fresh = getattr(sys.modules.get("s2sad.aliasing"), "_FRESH", None)
        if fresh is not None:
            fresh.clear()

    def set_in_place(self, on: bool) -> None:
        default = getattr(sys.modules.get("s2sad.compiler"), "DEFAULT", None)
        if default is None:
            api = self.s2sad.api
            if not hasattr(self, "_saved_pass"):
                self._saved_pass = api.make_updates_in_place
            api.make_updates_in_place = self._saved_pass if on else (lambda fn: None)
            return
        default.in_place = on

    # ---- rows -----------------------------------------------------------------------
    def build(self, row: str):
        """(make, args, in_place): make() returns the callable to time."""
        import numpy as np
        s2sad = self.s2sad
        name, *rest = row.split()
        if name in ("rk4", "branchy"):
            mod = self.w[name]
            wrt = (0, 1, 2)
            if rest[0] == "reverse":
                return (lambda: s2sad.grad(mod.loss, wrt=wrt)), mod.PARAMS, True
            if rest[0] == "forward":
                return (lambda: s2sad.grad(mod.loss, wrt=wrt, mode="forward")), mod.PARAMS, True
            if rest[0] == "hvp":
                def make():
                    return lambda *p: s2sad.hvp(mod.loss, p, (1.0, 0.5, -0.25))
                return make, mod.PARAMS, True
        loss = getattr(self.w["array"], name)
        n = int(rest[0].split("=")[1])
        x = np.linspace(0.1, 1.0, n)
        in_place = "copying" not in rest
        if rest[1] == "reverse":
            return (lambda: s2sad.grad(loss)), (x,), in_place
        v = np.cos(np.arange(n))
        return (lambda: (lambda x: s2sad.jvp(loss, (x,), (v,)))), (x,), in_place

    def run_row(self, row: str, transform_repeats: int, repeat: int) -> dict:
        common, clocks = self.common, self.clocks
        make, args, in_place = self.build(row)
        out: dict = {"row": row}
        self.set_in_place(in_place)
        try:
            firsts = []
            for k in range(transform_repeats):
                self.clear()
                _, first = clocks.time_once(lambda: make()(*args), self.clock)  # noqa: B023
                if k == 0 and not self.cold_done:
                    out["cold_first_s"] = first
                    self.cold_done = True
                firsts.append(first)
            fn = make()
            value = fn(*args)
            best = clocks.best_time(fn, args, repeat=repeat, clock=self.clock)
            out.update(first_s=min(firsts), grad_s=best, value=common.as_vector(value))
        except Exception as exc:   # noqa: BLE001 -- reported in the table
            lines = str(exc).strip().splitlines() or [""]
            out["error"] = f"{type(exc).__name__}: {lines[0]}"
        finally:
            self.set_in_place(True)
            self.clear()
        self._check_origin()
        return out


def worker_main(root: str, workload_dir: str, clock: str) -> None:
    w = _Worker(root, workload_dir, clock)
    reply = {"ready": True, "s2sad": w.s2sad.__file__, "import_s": w.import_s}
    print(json.dumps(reply), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("quit"):
            break
        print(json.dumps(w.run_row(req["row"], req["transform_repeats"], req["repeat"])),
              flush=True)


# =========================================================================== the driver

def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", REPO, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def write_workloads(directory: str) -> None:
    """Copy the workload functions out of this folder's scripts into modules of their own."""
    for module, filename, names in WORKLOAD_SOURCES:
        path = os.path.join(HERE, filename)
        with open(path) as fh:
            text = fh.read()
        tree = ast.parse(text)
        parts = [f'"""Copied by compare_commits.py from benchmarks/{filename}."""']
        found = set()
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                if all(m.split(".")[0] in _KEPT_IMPORTS for m in mods):
                    parts.append(ast.get_source_segment(text, node))
            elif isinstance(node, ast.FunctionDef) and node.name in names:
                parts.append("\n\n" + ast.get_source_segment(text, node))
                found.add(node.name)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in names for t in node.targets):
                parts.append(ast.get_source_segment(text, node))
                found.update(t.id for t in node.targets if isinstance(t, ast.Name))
        missing = set(names) - found
        if missing:
            raise SystemExit(f"{filename}: no top-level {sorted(missing)}")
        with open(os.path.join(directory, module + ".py"), "w") as fh:
            fh.write("\n".join(parts) + "\n")


class Revision:
    def __init__(self, label: str, rev: str, tmp: str):
        self.label, self.rev = label, rev
        self.made_worktree = False
        if os.path.isdir(rev) and os.path.isdir(os.path.join(rev, "s2sad")):
            self.root = os.path.abspath(rev)
            self.commit = "working tree " + self.root
        else:
            self.commit = _git("rev-parse", "--verify", rev + "^{commit}")
            self.root = os.path.join(tmp, label)
            _git("worktree", "add", "--detach", self.root, self.commit)
            self.made_worktree = True
        self.proc = None
        self.samples: dict[str, list[dict]] = {}
        self.import_s: list[float] = []

    def start(self, workload_dir: str, clock: str) -> None:
        env = dict(os.environ, PYTHONPATH=self.root, PYTHONHASHSEED="0",
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", self.root, workload_dir,
             clock],
            cwd=self.root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = self._read()
        self.s2sad_file = hello["s2sad"]
        self.import_s.append(hello["import_s"])

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.label} worker died (see its stderr above)")
        return json.loads(line)

    def ask(self, row: str, opts) -> dict:
        self.proc.stdin.write(json.dumps({"row": row, "repeat": opts.repeat,
                                          "transform_repeats": opts.transform_repeats}) + "\n")
        self.proc.stdin.flush()
        result = self._read()
        self.samples.setdefault(row, []).append(result)
        return result

    def stop(self) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
                self.proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            self.proc.wait(timeout=60)
            self.proc = None

    def remove(self) -> None:
        if self.made_worktree:
            subprocess.run(["git", "-C", REPO, "worktree", "remove", "--force", self.root],
                           capture_output=True)


def _fmt_ms(s: float) -> str:
    return f"{s * 1e3:.3g}"


def _fmt_us(s: float) -> str:
    return f"{s * 1e6:,.0f}" if s >= 1e-4 else f"{s * 1e6:.3g}"


def _rel_diff(a, b) -> float:
    if len(a) != len(b):
        return math.inf
    diff = math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    scale = math.sqrt(sum(y * y for y in b))
    return diff / scale if scale > 0 else diff


def _spread(ratios) -> str:
    """'median (min-max)' of the per-round ratios."""
    return (f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
            if ratios else "")


def report(old: Revision, new: Revision, rows) -> None:
    sys.path.insert(0, HERE)
    from common import print_table
    table = []
    grad_ratios, first_ratios, grad_medians, first_medians = [], [], [], []
    for row in rows:
        o, n = old.samples.get(row, []), new.samples.get(row, [])
        o_err = next((s["error"] for s in o if "error" in s), None)
        n_err = next((s["error"] for s in n if "error" in s), None)
        if o_err or n_err:
            note = "; ".join(f"{lab}: {e}" for lab, e in (("old", o_err), ("new", n_err)) if e)
            table.append([row, "", "", "", "", "", "", "", "", note[:110]])
            continue
        og, ng = min(s["grad_s"] for s in o), min(s["grad_s"] for s in n)
        of, nf = min(s["first_s"] for s in o), min(s["first_s"] for s in n)
        per_round = [b["grad_s"] / a["grad_s"] for a, b in zip(o, n)]
        per_round_f = [b["first_s"] / a["first_s"] for a, b in zip(o, n)]
        grad_ratios.append(ng / og)
        first_ratios.append(nf / of)
        grad_medians.append(statistics.median(per_round))
        first_medians.append(statistics.median(per_round_f))
        d = _rel_diff(n[0]["value"], o[0]["value"])
        table.append([row, _fmt_us(og), _fmt_us(ng), f"{ng / og:.2f}", _spread(per_round),
                      _fmt_ms(of), _fmt_ms(nf), f"{nf / of:.2f}", _spread(per_round_f),
                      "same" if d < 1e-12 else f"DIFFER {d:.1e}"])
    cold_o = [s.get("cold_first_s") for s in old.samples.get(rows[0], []) if "cold_first_s" in s]
    cold_n = [s.get("cold_first_s") for s in new.samples.get(rows[0], []) if "cold_first_s" in s]
    if cold_o and cold_n:
        table.append([f"cold 1st call ({rows[0]})", "", "", "", "", _fmt_ms(min(cold_o)),
                      _fmt_ms(min(cold_n)), f"{min(cold_n) / min(cold_o):.2f}", "", ""])
    table.append(["import s2sad", "", "", "", "", _fmt_ms(min(old.import_s)),
                  _fmt_ms(min(new.import_s)), f"{min(new.import_s) / min(old.import_s):.2f}",
                  "", ""])
    if grad_ratios:
        def geomean(xs):
            return math.exp(sum(math.log(x) for x in xs) / len(xs))
        table.append([f"geometric mean ({len(grad_ratios)} rows)", "", "",
                      f"{geomean(grad_ratios):.3f}", f"{geomean(grad_medians):.3f}", "", "",
                      f"{geomean(first_ratios):.3f}", f"{geomean(first_medians):.3f}", ""])
    print_table(["row", "old us", "new us", "new/old", "round ratios",
                 "old 1st ms", "new 1st ms", "new/old 1st", "round ratios", "gradients"],
                table, align="lrrrrrrrrl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=5,
                        help="fresh worker pairs, each timing every row (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed loops of the steady call per row and round "
                             "(default: %(default)s)")
    parser.add_argument("--transform-repeats", type=int, default=3,
                        help="first calls (after clearing the caches) per row and round "
                             "(default: %(default)s)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000],
                        help="sizes of the array_fill loops (default: %(default)s)")
    parser.add_argument("--rows", nargs="+", metavar="PREFIX",
                        help="only the rows whose name starts with one of these")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="time on the process's CPU time (default; insensitive to "
                             "waiting for a core on a busy machine) or on the wall clock")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees")
    opts = parser.parse_args()

    rows = _row_specs(opts.sizes)
    if opts.rows:
        rows = [r for r in rows if any(r.startswith(p) for p in opts.rows)]
    tmp = tempfile.mkdtemp(prefix="s2sad_compare_")
    revs: list[Revision] = []
    try:
        workload_dir = os.path.join(tmp, "workloads")
        os.mkdir(workload_dir)
        write_workloads(workload_dir)
        revs.append(Revision("old", opts.old, tmp))
        revs.append(Revision("new", opts.new, tmp))
        old, new = revs
        print(f"old = {opts.old} ({old.commit})\nnew = {opts.new} ({new.commit})")
        print(f"python {sys.version.split()[0]}; {opts.rounds} rounds; rows alternate "
              f"old/new; times are the best over all rounds, on the {opts.clock} clock")
        t_start = time.perf_counter()
        for r in range(opts.rounds):
            pair = (old, new) if r % 2 == 0 else (new, old)
            for rev in pair:
                rev.start(workload_dir, opts.clock)
            if r == 0:
                for rev in revs:
                    print(f"  {rev.label}: s2sad from {rev.s2sad_file}")
            for i, row in enumerate(rows):
                for rev in (pair if i % 2 == 0 else pair[::-1]):
                    rev.ask(row, opts)
            for rev in revs:
                rev.stop()
            print(f"  round {r + 1}/{opts.rounds} done ({time.perf_counter() - t_start:.0f} s)",
                  flush=True)
        print()
        report(old, new, rows)
    finally:
        for rev in revs:
            if rev.proc is not None:
                rev.proc.kill()
            if not opts.keep:
                rev.remove()
        if opts.keep:
            print(f"worktrees kept under {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
