"""The `s2sad` command line, run in-process through main() and once as `python -m s2sad`."""
import os
import re
import subprocess
import sys
import textwrap

import pytest

from s2sad.cli import TargetError, main, parse_wrt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PENDULUM = os.path.join(ROOT, "examples", "pendulum.py")
ENERGY_LINE = "height = length * (1.0 - math.cos(theta))"


def run(capsys, *argv):
    """(status, stdout, stderr) of `s2sad argv...`."""
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def assert_refused(status, out, err, *fragments):
    assert status == 2
    assert out == ""
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


# ---------------------------------------------------------------- bad input: exit 2

@pytest.mark.parametrize("target", ["energy", ":energy", f"{PENDULUM}:", "pendulum.py"])
def test_bad_target_syntax(capsys, target):
    assert_refused(*run(capsys, "show", target), "bad target", "FUNC")


def test_missing_file(capsys, tmp_path):
    missing = str(tmp_path / "nowhere.py")
    assert_refused(*run(capsys, "show", f"{missing}:f"), "no such file", missing)


def test_missing_function(capsys):
    assert_refused(*run(capsys, "ir", f"{PENDULUM}:kinetic"), "has no 'kinetic'")


def test_missing_method(capsys, tmp_path):
    path = write(tmp_path, "model.py", """
        class Model:
            def energy(self, x):
                return x
    """)
    assert_refused(*run(capsys, "show", f"{path}:Model.power"), "'power' not found")


def test_target_that_is_not_a_function(capsys):
    assert_refused(*run(capsys, "show", f"{PENDULUM}:GRAVITY"), "not a function")


def test_missing_module(capsys):
    assert_refused(*run(capsys, "show", "no_such_module_s2sad:f"),
                   "cannot import module 'no_such_module_s2sad'", "ModuleNotFoundError")


def test_file_that_fails_to_import(capsys, tmp_path):
    path = write(tmp_path, "broken.py", """
        import math
        RATE = 1 / 0
    """)
    assert_refused(*run(capsys, "show", f"{path}:f"), "ZeroDivisionError", f"{path}:3")


def test_file_with_a_syntax_error(capsys, tmp_path):
    path = write(tmp_path, "typo.py", "def f(x:\n    return x\n")
    assert_refused(*run(capsys, "ir", f"{path}:f"), "SyntaxError", "typo.py")


def test_bad_wrt(capsys):
    assert_refused(*run(capsys, "show", f"{PENDULUM}:energy", "--wrt", "theta,,omega"),
                   "bad --wrt")


def test_usage_errors(capsys):
    assert run(capsys)[0] == 2
    status, _, err = run(capsys, "show", f"{PENDULUM}:energy", "--mode", "sideways")
    assert status == 2 and "invalid choice" in err


def test_help(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for command in ("show", "ir", "rules"):
        assert command in out


def test_unsupported_syntax_is_refused_with_its_location(capsys, tmp_path):
    path = write(tmp_path, "guarded.py", """
        import math

        def guarded(x: float) -> float:
            try:
                return math.log(x)
            except ValueError:
                return 0.0
    """)
    assert_refused(*run(capsys, "show", f"{path}:guarded"), f"{path}:5:5", "try/except")


@pytest.mark.parametrize("text, wrt", [(None, 0), ("x", "x"), ("2", 2), ("x,1", ("x", 1)),
                                       (" x , y ", ("x", "y"))])
def test_parse_wrt(text, wrt):
    assert parse_wrt(text) == wrt


def test_parse_wrt_rejects_empty_items():
    with pytest.raises(TargetError):
        parse_wrt("x,")


# ---------------------------------------------------------------- rules

def test_rules_lists_every_rule_sorted(capsys):
    from s2sad.rules import NONDIFF, RULES

    status, out, err = run(capsys, "rules")
    assert status == 0 and err == ""
    header, rule, *lines = out.splitlines()
    assert header.split() == ["function", "modes"] and set(rule) == {"-", " "}
    rows = [tuple(re.split(r"\s{2,}", line.strip(), maxsplit=1)) for line in lines]
    assert rows == sorted(rows)
    expected = [(r.name, ", ".join(r.modes)) for r in RULES.values()]
    expected += [(name, "non-differentiable") for name in NONDIFF.values()]
    assert sorted(rows) == sorted(expected)


# ---------------------------------------------------------------- show and ir

def test_show_prints_reverse_mode_source(capsys):
    status, out, err = run(capsys, "show", f"{PENDULUM}:energy")
    assert status == 0, err
    assert "def " in out
    assert ENERGY_LINE in out
    compile(out, "<s2sad show>", "exec")


@pytest.mark.parametrize("options", [["--mode", "forward"], ["--wrt", "theta,omega"],
                                     ["--wrt", "1"], ["--mode", "forward", "--wrt", "omega"]])
def test_show_options(capsys, options):
    status, out, err = run(capsys, "show", f"{PENDULUM}:energy", *options)
    assert status == 0, err
    assert ENERGY_LINE in out
    compile(out, "<s2sad show>", "exec")


def test_show_differs_by_mode(capsys):
    reverse = run(capsys, "show", f"{PENDULUM}:energy", "--mode", "reverse")[1]
    forward = run(capsys, "show", f"{PENDULUM}:energy", "--mode", "forward")[1]
    assert reverse != forward


def test_ir_prints_the_wengert_list(capsys):
    status, out, err = run(capsys, "ir", f"{PENDULUM}:energy")
    assert status == 0, err
    assert "energy" in out.splitlines()[0]
    assert "cos" in out
    assert ENERGY_LINE in out


def test_method_in_a_module_target(capsys, tmp_path, monkeypatch):
    write(tmp_path, "clipkg/__init__.py", "")
    write(tmp_path, "clipkg/springs.py", """
        class Spring:
            def energy(self, x: float) -> float:
                stretch = x - 1.0
                return 0.5 * stretch * stretch
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        status, out, err = run(capsys, "show", "clipkg.springs:Spring.energy", "--wrt", "x")
    finally:
        for name in ("clipkg", "clipkg.springs"):
            sys.modules.pop(name, None)
    assert status == 0, err
    assert "stretch = x - 1.0" in out


def python_m_s2sad(*argv):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "s2sad", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_python_dash_m_show():
    done = python_m_s2sad("show", "examples/pendulum.py:energy")
    assert done.returncode == 0, done.stderr
    assert ENERGY_LINE in done.stdout


def test_python_dash_m_refuses_without_traceback():
    done = python_m_s2sad("show", "examples/pendulum.py:nope")
    assert done.returncode == 2
    assert "has no 'nope'" in done.stderr and "Traceback" not in done.stderr
