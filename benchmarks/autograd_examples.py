"""autograd's example programs under s2sad, with autograd itself as the oracle
(used by autograd_suite.py; `python benchmarks/autograd_examples.py --child ...` is
the program each run executes in its own subprocess).

Each example runs twice as `__main__`, plotting stubbed out: as shipped, under
autograd, recording the arguments and result of its first `CALLS` top-level gradient
calls (calls of what `grad`, `value_and_grad`, `elementwise_grad`, `jacobian`,
`hessian` returned); then rewritten, under s2sad, where the same calls are compared
with the oracle's: the arguments must agree (else the runs diverged and comparing
stops) and the results to rtol 1e-6.  Either run stops after `CALLS` calls or
`--timeout` seconds.  An example whose oracle run records nothing (it needs data
from the network, or fails under autograd too) is listed as "no oracle".
"""
import json
import os
import pickle
import signal
import subprocess
import sys
from unittest import mock

import numpy as np

CALLS = 3
SKIP = {"__init__.py", "data.py", "data_mnist.py"}
OPERATORS = ("grad", "value_and_grad", "elementwise_grad", "jacobian", "hessian")


class StopExample(BaseException):
    """Ends an example run (a BaseException: the example's own `except` passes it)."""


def _stub_plotting():
    """matplotlib (not installed, and not wanted) as a module of do-nothing mocks."""
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.cm", "matplotlib.image",
                 "matplotlib.colors", "matplotlib.animation"):
        sys.modules[name] = mock.MagicMock(name=name)


def _leaves(x):
    if isinstance(x, dict):
        x = [x[k] for k in sorted(x, key=repr)]
    if isinstance(x, (tuple, list)):
        return [y for v in x for y in _leaves(v)]
    return [x]


def _close(a, b, rtol):
    la, lb = _leaves(a), _leaves(b)
    if len(la) != len(lb):
        return False
    for u, v in zip(la, lb):
        if callable(u) or callable(v):
            continue
        u, v = np.asarray(u), np.asarray(v)
        if u.shape != v.shape:
            return False
        if u.dtype.kind in "fciub" and not np.allclose(
                u, v, rtol=rtol, atol=rtol * max(1e-300, float(np.max(np.abs(v), initial=0))),
                equal_nan=True):
            return False
    return True


def _snapshot(value):
    try:
        return pickle.loads(pickle.dumps(value))
    except Exception:
        return None


def _oracle(path, out):
    """Run the example under autograd, recording its first top-level gradient calls."""
    import autograd
    records, depth = [], [0]

    def recording(op):
        def made(fun, *a, **k):
            derived = op(fun, *a, **k)

            def call(*args, **kwargs):
                if depth[0]:
                    return derived(*args, **kwargs)
                state = np.random.get_state()[1][:8].tolist()
                snap = _snapshot((args, kwargs))
                depth[0] += 1
                try:
                    result = derived(*args, **kwargs)
                finally:
                    depth[0] -= 1
                records.append({"args": snap, "result": _snapshot(result), "state": state})
                if len(records) >= CALLS:
                    raise StopExample
                return result
            return call
        return made
    for name in OPERATORS:
        setattr(autograd, name, recording(getattr(autograd, name)))
    _run(path, out, records, pickle, "wb")


def _under_s2sad(path, oracle_file, out):
    """Run the rewritten example under s2sad, comparing its gradient calls."""
    from s2sad import dispatch
    with open(oracle_file, "rb") as fh:
        oracle = pickle.load(fh)
    results, depth, original = [], [0], dispatch.Derived.__call__

    def call(self, *args, **kwargs):
        if depth[0] or self.__s2sad__.op not in OPERATORS:
            return original(self, *args, **kwargs)
        k = len(results)
        expected = oracle[k] if k < len(oracle) else None
        state = np.random.get_state()[1][:8].tolist()
        depth[0] += 1
        try:
            result = original(self, *args, **kwargs)
        finally:
            depth[0] -= 1
        if expected is None:
            raise StopExample
        if expected["args"] is not None and not (
                _close(_snapshot((args, kwargs)), expected["args"], 1e-8)
                and state == expected["state"]):
            results.append("diverged")
            raise StopExample
        results.append("passed" if _close(result, expected["result"], 1e-6) else
                       f"wrong value at gradient call {k + 1}")
        if len(results) >= len(oracle):
            raise StopExample
        return result
    dispatch.Derived.__call__ = call
    sys.path.insert(0, os.path.dirname(path))
    import _agshim                  # its check_grads calls are not the example's own
    check = _agshim._check

    def unrecorded(*args):
        depth[0] += 1
        try:
            return check(*args)
        finally:
            depth[0] -= 1
    _agshim._check = unrecorded
    _run(path, out, results, json, "w")


def _run(path, out, found, codec, mode):
    """Run the example at `path` as __main__; then save `found` to `out`."""
    import runpy
    _stub_plotting()
    os.chdir(os.path.dirname(path))
    sys.path.insert(0, os.path.dirname(path))
    sys.argv = [path]
    try:
        runpy.run_path(path, run_name="__main__")
    except StopExample:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        with open(out, mode) as fh:
            codec.dump(found, fh)


def _child(argv):
    mode, path, *files = argv
    limit = float(os.environ.get("AGSUITE_TIMEOUT", "60"))

    def alarm(signum, frame):
        raise TimeoutError(f"over {limit:g} s")
    signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    (_oracle if mode == "oracle" else _under_s2sad)(path, *files)


def _row(name, outcome, exc_name="", message=""):
    return {"id": name, "outcome": outcome, "mro": [exc_name] if exc_name else [],
            "message": message}


def _last_error(stderr):
    """(exception class name, message) of the traceback ending `stderr`."""
    lines = [line for line in stderr.strip().splitlines() if line and not line.startswith(" ")]
    last = lines[-1] if lines else "error: (no output)"
    name, _, message = last.partition(":")
    return name.split(".")[-1].strip(), message.strip()


def _load(path, codec, mode):
    try:
        with open(path, mode) as fh:
            return codec.load(fh)
    except (OSError, EOFError, ValueError, pickle.UnpicklingError):
        return []


def run_examples(ag_dir, work, only, timeout, stage):
    """Rows (as autograd_suite's table reads them) for every example program."""
    src = os.path.join(ag_dir, "examples")
    names = sorted(n for n in os.listdir(src) if n.endswith(".py"))
    dest = os.path.join(work, "examples")
    stage(src, dest, names)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = {}
    for name in names:
        if name in SKIP or (only and not any(o in name for o in only)):
            continue
        stem = os.path.join(work, "example_" + name)
        env = dict(os.environ, AGSUITE_TIMEOUT=str(timeout), PYTHONPATH=root)
        me = os.path.abspath(__file__)
        ran = subprocess.run([sys.executable, me, "--child", "oracle", os.path.join(src, name),
                              stem + ".oracle"], env=env, capture_output=True, text=True)
        records = _load(stem + ".oracle", pickle, "rb")
        if not records:
            rows["ex:" + name] = [_row(name, "skipped", *_last_error(ran.stderr))]
            print(f"  example {name}: no oracle ({_last_error(ran.stderr)[0]})", file=sys.stderr)
            continue
        ran = subprocess.run([sys.executable, me, "--child", "s2sad", os.path.join(dest, name),
                              stem + ".oracle", stem + ".json"], env=env, capture_output=True,
                             text=True)
        results = _load(stem + ".json", json, "r")
        row = [_row(f"{name}#{k + 1}", "passed") if r == "passed" else
               _row(f"{name}#{k + 1}", "failed", "AssertionError", r)
               for k, r in enumerate(results) if r != "diverged"]
        if ran.returncode and len(results) < len(records):
            row.append(_row(f"{name}#{len(results) + 1}", "failed", *_last_error(ran.stderr)))
        rows["ex:" + name] = row
        print(f"  example {name}: {results} rc={ran.returncode}", file=sys.stderr, flush=True)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2:])
    else:
        sys.exit("run benchmarks/autograd_suite.py; this is its example runner")
