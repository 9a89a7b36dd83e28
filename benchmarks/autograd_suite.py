"""Run autograd's own test modules and example programs against s2sad.

    pip install autograd            # the oracle for the examples (the `bench` extra)
    pip download autograd --no-binary :all: --no-deps -d /tmp/ag && tar xzf ...
    python benchmarks/autograd_suite.py /tmp/ag/autograd-1.9.1 [--tests] [--examples]
        [--only NAME ...] [--timeout SECONDS] [--wrong]

Each module is rewritten on the fly into a temporary directory: `autograd.numpy` and
`autograd.scipy` become NumPy and SciPy, every other `autograd` import points at
`benchmarks/autograd_shim.py` (autograd's API on s2sad; its `check_grads` checks
against central differences).  Test modules run under pytest, one subprocess each,
with a per-test time limit; example programs run under autograd (the oracle) and
then rewritten under s2sad, and the first gradients each computes are compared at
the same points (`autograd_examples.py`).  Nothing from autograd is stored in this
repository.  The table gives, per module, the tests passed and the failures by
class: s2sad's own refusals (S2SADError kinds), raw exceptions, wrong values
(listed one by one: the worst kind), autograd internals with no s2sad equivalent.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
_ALIAS = re.compile(r"^(\s*)import autograd\.([\w.]+) as (\w+)", re.M)
_FROM = re.compile(r"^(\s*)from autograd((?:\.[\w]+)*) import", re.M)
_PLAIN = re.compile(r"^(\s*)import autograd((?:\.[\w]+)*)\s*$", re.M)

PLUGIN = '''
import json, os, re, signal
import pytest

OUT, LIMIT = os.environ["AGSUITE_OUT"], float(os.environ["AGSUITE_TIMEOUT"])


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout(f"over {LIMIT:g} s")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _record(nodeid, outcome, names, message):
    with open(OUT, "a") as fh:
        fh.write(json.dumps({"id": nodeid, "outcome": outcome, "mro": names,
                             "message": message[:600]}) + "\\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    rep = (yield).get_result()
    if rep.when == "call" or (rep.failed and rep.when == "setup") or rep.skipped:
        exc = call.excinfo
        names = [c.__name__ for c in type(exc.value).__mro__] if exc and not rep.skipped else []
        message = str(exc.value) if exc else ""
        _record(item.nodeid, rep.outcome, names, message)


def pytest_collectreport(report):
    if report.failed:
        text = str(report.longrepr)
        found = re.findall(r"^E\\s+([\\w.]+(?:Error|Exception|Equivalent)):(.*)$", text, re.M)
        name, message = found[-1] if found else ("CollectionError", text[-300:])
        _record(report.nodeid, "error", [name.split(".")[-1], "collection"], message)
'''


def rewrite(source):
    """autograd's imports → NumPy/SciPy and the shim (see the module docstring)."""
    from importlib.util import find_spec

    def spec(name):
        try:
            return find_spec(name)
        except (ImportError, ValueError):
            return None

    def alias(m):
        indent, target, name = m.groups()
        if target.split(".")[0] not in ("numpy", "scipy"):
            return f"{indent}import _agshim as {name}"
        if spec(target):
            return f"{indent}import {target} as {name}"
        parent, _, last = target.rpartition(".")
        return f"{indent}from {parent} import {last} as {name}"

    def numeric(dotted):
        """The NumPy/SciPy module autograd's `dotted` wraps, or None (autograd's own)."""
        target = dotted.lstrip(".")
        return target if target.split(".")[0] in ("numpy", "scipy") and spec(target) else None

    def from_(m):
        indent, dotted = m.groups()
        return f"{indent}from {numeric(dotted) or '_agshim'} import"

    def plain(m):
        indent, dotted = m.groups()
        target = numeric(dotted)
        return f"{indent}import {target}" if target else f"{indent}import _agshim as autograd"
    source = _PLAIN.sub(plain, _FROM.sub(from_, _ALIAS.sub(alias, source)))
    source = re.sub(r"\bargnum=", "wrt=", source)
    return re.sub(r"\bautograd\.(numpy|scipy)\.", r"\1.", source)


def stage(src_dir, dest, names):
    """Copy `names` (.py files of src_dir) rewritten into dest, with the shim."""
    os.makedirs(dest, exist_ok=True)
    shutil.copy(os.path.join(HERE, "autograd_shim.py"), os.path.join(dest, "_agshim.py"))
    for name in names:
        with open(os.path.join(src_dir, name)) as fh:
            text = rewrite(fh.read())
        with open(os.path.join(dest, name), "w") as fh:
            fh.write(text)


def classify(row):
    """The failure class of one recorded outcome."""
    names, message = row["mro"], row["message"]
    if row["outcome"] in ("passed", "skipped"):
        return row["outcome"]
    if "NoEquivalent" in names or "ModuleNotFoundError" in names and "autograd" in message:
        return "no s2sad equivalent (autograd internals)"
    if "S2SADError" in names or any(n in names for n in _S2SAD_ERRORS):
        return f"S2SADError: {names[0]}"
    if "Timeout" in names or "TimeoutError" in names:
        return "timeout"
    if "AssertionError" in names:
        return "ill-conditioned point" if "ill-conditioned" in message else "WRONG VALUE"
    return f"raw exception: {names[0]}"


_S2SAD_ERRORS = ("UnsupportedSyntaxError", "SourceUnavailableError", "MissingRuleError",
                 "NonDifferentiableError", "LocatedError")


def run_tests(ag_dir, work, only, timeout):
    src = os.path.join(ag_dir, "tests")
    names = sorted(n for n in os.listdir(src) if n.endswith(".py"))
    dest = os.path.join(work, "tests")
    stage(src, dest, names)
    with open(os.path.join(dest, "_agrecord.py"), "w") as fh:
        fh.write(PLUGIN)
    rows = {}
    for name in names:
        if not name.startswith("test_") or (only and not any(o in name for o in only)):
            continue
        out = os.path.join(work, name + ".jsonl")
        env = dict(os.environ, AGSUITE_OUT=out, AGSUITE_TIMEOUT=str(timeout),
                   PYTHONPATH=os.pathsep.join([dest, ROOT]))
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "_agrecord", "-p",
                        "no:cacheprovider", "-p", "no:warnings", "--rootdir", dest, name],
                       cwd=dest, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows[name] = [json.loads(line) for line in open(out)] if os.path.exists(out) else []
        print(f"  ran {name}: {len(rows[name])} outcomes", file=sys.stderr, flush=True)
    return rows


def table(rows):
    """Print per module: passed / failed, and the failures by class."""
    total = collections.Counter()
    print(f"{'module':32} {'pass':>5} {'fail':>5}  failure classes")
    for name, results in rows.items():
        classes = collections.Counter(classify(r) for r in results)
        total.update(classes)
        passed = classes.pop("passed", 0)
        classes.pop("skipped", 0)
        detail = ", ".join(f"{k} x{v}" for k, v in classes.most_common())
        print(f"{name:32} {passed:5d} {sum(classes.values()):5d}  {detail}")
    passed = total.pop("passed", 0)
    total.pop("skipped", 0)
    print(f"{'TOTAL':32} {passed:5d} {sum(total.values()):5d}")
    for k, v in total.most_common():
        print(f"    {v:4d}  {k}")
    wrong = [(n, r) for n, rs in rows.items() for r in rs if classify(r) == "WRONG VALUE"]
    print(f"\nwrong values: {len(wrong)}")
    for name, r in wrong:
        print(f"  {r['id']}: {r['message'][:300]!r}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("autograd_dir", help="autograd's source tree (with tests/, examples/)")
    parser.add_argument("--tests", action="store_true", help="the test modules only")
    parser.add_argument("--examples", action="store_true", help="the examples only")
    parser.add_argument("--only", nargs="*", default=(), help="modules whose name has this")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per test")
    parser.add_argument("--keep", help="stage into this directory (default: a temporary one)")
    parser.add_argument("--json", help="also write every outcome to this file")
    args = parser.parse_args(argv)
    both = not (args.tests or args.examples)
    work = args.keep or tempfile.mkdtemp(prefix="agsuite_")
    rows = {}
    if args.tests or both:
        rows.update(run_tests(args.autograd_dir, work, args.only, args.timeout))
    if args.examples or both:
        from autograd_examples import run_examples
        rows.update(run_examples(args.autograd_dir, work, args.only, args.timeout, stage))
    table(rows)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
