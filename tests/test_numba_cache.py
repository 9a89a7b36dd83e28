"""The Numba backend's disk cache and its cheaper helpers: a second process loads the
compiled derivative from the cache (Numba's own counters say so), an unwritable
cache directory falls back to compiling in memory, the cache key follows every value
the code was generated with, and the array derivatives of the benchmark's RNN and MLP
(which go through the loop helpers of numba_kernels.py) equal the Python backend's.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import threading

import numba
import numpy as np
import pytest

import s2sad
from s2sad.backends import numba_backend, numba_cache
from s2sad.backends import numba_runtime as rt
from s2sad.compiler import DEFAULT
from s2sad.runtime import unbroadcast

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import numba_backend as bench  # noqa: E402


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=1e-12, atol=1e-14)


# ---- array derivatives through the loop helpers ------------------------------------------

@pytest.mark.parametrize("loss, args, wrt", [
    (bench.rnn_loss, bench.rnn_args(), (0, 1, 3)),
    (bench.mlp_loss, bench.mlp_args(), (0, 1, 2, 3)),
], ids=["rnn", "mlp"])
def test_array_gradients_equal_python(loss, args, wrt):
    got = s2sad.grad(loss, wrt, backend="numba!")(*args)
    want = s2sad.grad(loss, wrt)(*args)
    for a, b in zip(got, want, strict=True):
        assert np.shape(a) == np.shape(b)
        close(a, b)
    kinds = tuple(s2sad.kinds.of_value(v) for v in args)
    assert DEFAULT.compiled(loss, "reverse", wrt, kinds, backend="numba").backend == "numba"


@numba.njit
def _unbroadcast(g, x):
    return rt.unbroadcast(g, x)


@numba.njit
def _outer(a, b):
    return rt.outer(a, b)


@pytest.mark.parametrize("g_shape, x", [
    ((3, 4), np.ones(4)), ((3, 4), np.ones((1, 4))), ((3, 4), np.ones((3, 1))),
    ((3, 4), np.ones((1, 1))), ((3, 4), np.ones((3, 4))), ((5,), np.ones(1)),
    ((5,), np.ones(5)), ((5,), 2.0)])
def test_unbroadcast_sums_back_as_numpy(g_shape, x):
    g = np.random.default_rng(len(g_shape)).normal(size=g_shape)
    got, want = _unbroadcast(g, x), unbroadcast(g, x)
    assert np.shape(got) == np.shape(want)
    close(got, want)
    if np.shape(g) == np.shape(x):
        assert np.shares_memory(got, g)        # returned as it is, as the Python helper does


def test_unbroadcast_of_float32_and_outer_are_numpys():
    g = np.linspace(-1.0, 2.0, 7).astype(np.float32) / 3
    np.testing.assert_allclose(_unbroadcast(g, np.float32(1.0)), unbroadcast(g, np.float32(1.0)),
                               rtol=1e-6)
    u, v = np.arange(3.0) - 1.0, np.linspace(0.5, 2.0, 4)
    close(_outer(u, v), np.outer(u, v))
    m = np.arange(6.0).reshape(2, 3)
    close(_outer(m, v), np.outer(m, v))        # not 1-d: NumPy's (flattening) outer


# ---- the cache key -----------------------------------------------------------------------

def test_key_follows_values_and_refuses_what_it_cannot_follow():
    base = numba_cache.key("text", {"np": np, "c": 1.0})
    assert base == numba_cache.key("text", {"np": np, "c": 1.0})
    assert base != numba_cache.key("text", {"np": np, "c": 1.0000000000000002})
    assert base != numba_cache.key("text!", {"np": np, "c": 1.0})
    a = np.arange(3.0)
    b = a.copy()
    b[2] = 7.0
    assert numba_cache.key("t", {"a": a}) != numba_cache.key("t", {"a": b})
    assert numba_cache.key("t", {"a": a}) != numba_cache.key("t", {"a": a.astype(np.float32)})
    assert numba_cache.key("t", {"f": numba.njit(lambda x: x)}) is None   # code not followed


def test_concurrent_writers_leave_one_whole_file(tmp_path):
    path = tmp_path / "deep" / "s2sad_x.py"
    source = "def f(x):\n    return x\n" * 2000
    threads = [threading.Thread(target=numba_cache._write_once, args=(path, source))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert path.read_text() == source
    assert [p.name for p in path.parent.iterdir()] == ["s2sad_x.py"]   # no temporary left


# ---- in this process: where the cache cannot be written ------------------------------------

def damped(x, y):
    s = x
    for i in range(5):
        s = s * 0.9 + y * s * 0.01
    return s * s


def damped_again(x, y):
    s = x
    for i in range(4):
        s = s * 0.8 + y * s * 0.02
    return s * s


@pytest.mark.parametrize("fn, setting", [(damped, "file"), (damped_again, "")],
                         ids=["unwritable", "turned off"])
def test_no_cache_directory_compiles_in_memory(fn, setting, tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(numba_cache.ENV, str(blocker / "cache") if setting == "file" else "")
    got = s2sad.grad(fn, (0, 1), backend="numba!")(1.3, 0.7)
    close(got, s2sad.grad(fn, (0, 1))(1.3, 0.7))
    derivative = DEFAULT.compiled(fn, "reverse", (0, 1), (s2sad.kinds.FLOAT,) * 2,
                                  backend="numba!")
    assert derivative.backend == "numba" and derivative.cache_file is None
    assert derivative.jitted.stats.cache_path is None      # an in-memory dispatcher
    assert blocker.read_text() == "not a directory"


# ---- a second process --------------------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import json, math, sys
    import s2sad
    from s2sad.compiler import DEFAULT

    def pendulum(k, theta0):
        theta, omega = theta0, 0.0
        for i in range(50):
            omega = omega - 0.01 * k * math.sin(theta)
            theta = theta + 0.01 * omega
        return theta * theta

    grads = s2sad.grad(pendulum, (0, 1), backend="numba!")(9.81, 1.2)
    d = DEFAULT.compiled(pendulum, "reverse", (0, 1), (s2sad.kinds.FLOAT,) * 2,
                         backend="numba!")
    print(json.dumps({"grads": list(grads), "file": d.cache_file,
                      "hits": sum(d.jitted.stats.cache_hits.values()),
                      "misses": sum(d.jitted.stats.cache_misses.values()),
                      "python": list(s2sad.grad(pendulum, (0, 1))(9.81, 1.2))}))
""")


def _run(tmp_path, cache):
    env = {**os.environ, numba_cache.ENV: str(cache),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    script = tmp_path / "second.py"
    script.write_text(SCRIPT)
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_second_process_loads_the_compiled_code(tmp_path):
    cache = tmp_path / "cache"
    first = _run(tmp_path, cache)
    assert first["file"] is not None and pathlib.Path(first["file"]).parent == cache
    assert first["misses"] == 1 and first["hits"] == 0          # compiled, then saved
    assert list((cache / "__pycache__").glob("*.nbi"))          # Numba's index beside it
    second = _run(tmp_path, cache)
    assert second["file"] == first["file"]
    assert second["hits"] == 1 and second["misses"] == 0        # loaded, not compiled
    close(second["grads"], second["python"])
    close(first["grads"], second["grads"])


# ---- the optimisation level of derivative compiles ---------------------------------------

@pytest.mark.parametrize("s2sad_opt, numba_opt, inside", [
    (None, None, numba_backend.OPT_LEVEL), ("2", None, 2), (None, "3", "unchanged"),
    ("0", "3", 0)])
def test_optimisation_level_is_set_while_compiling_and_restored(s2sad_opt, numba_opt, inside,
                                                                monkeypatch):
    for name, value in (("S2SAD_NUMBA_OPT", s2sad_opt), ("NUMBA_OPT", numba_opt)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    before = numba.config.OPT
    with numba_backend.optimisation_level():
        during = numba.config.OPT
    assert numba.config.OPT is before
    assert during == (before if inside == "unchanged" else inside)
