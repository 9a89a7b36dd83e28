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


# ---------------------------------------------------------------- --example

LOSS = """
    import numpy as np

    def loss(w, x):
        return np.sum(np.tanh(x * w) ** 2)

    def square(t):
        return t * t
"""


def test_example_specialises_array_code(capsys, tmp_path):
    import numpy as np

    import s2sad
    from s2sad.cli import load_target

    path = write(tmp_path, "arrays.py", LOSS)
    generic = run(capsys, "show", f"{path}:loss")[1]
    status, out, err = run(capsys, "show", f"{path}:loss", "--example", "np.ones(3), np.ones(3)")
    assert status == 0, err
    assert "refuse_repetition" in generic and "refuse_repetition" not in out
    expected = s2sad.source(load_target(f"{path}:loss"), example_args=(np.ones(3), np.ones(3)))
    assert out.rstrip("\n") == expected.rstrip("\n")


def test_example_of_one_argument_need_not_be_a_tuple(capsys, tmp_path):
    path = write(tmp_path, "arrays.py", LOSS)
    one = run(capsys, "show", f"{path}:square", "--example", "2.0")
    as_tuple = run(capsys, "show", f"{path}:square", "--example", "(2.0,)")
    assert one[0] == 0 and one == as_tuple


def test_example_sees_math_and_the_module(capsys, tmp_path):
    path = write(tmp_path, "consts.py", """
        import math
        SCALE = 2.0

        def f(x, y):
            return x * y * SCALE
    """)
    status, out, err = run(capsys, "show", f"{path}:f", "--example", "math.pi, SCALE")
    assert status == 0, err
    assert "def f_vjp(x, y, bresult):" in out


@pytest.mark.parametrize("expr, fragment", [
    ("np.ones(3), nope", "NameError"),
    ("np.ones((3, ", "SyntaxError"),
    ("1 / 0", "ZeroDivisionError"),
])
def test_bad_example(capsys, tmp_path, expr, fragment):
    path = write(tmp_path, "arrays.py", LOSS)
    for command in ("show", "ir", "emit"):
        extra = ["-o", str(tmp_path / "out.py")] if command == "emit" else []
        assert_refused(*run(capsys, command, f"{path}:loss", "--example", expr, *extra),
                       "bad --example", repr(expr), fragment)
    assert not (tmp_path / "out.py").exists()


def test_example_of_the_wrong_length(capsys, tmp_path):
    path = write(tmp_path, "arrays.py", LOSS)
    assert_refused(*run(capsys, "show", f"{path}:loss", "--example", "np.ones(3)"),
                   "'loss'", "do not match")


def test_ir_with_an_example(capsys, tmp_path):
    path = write(tmp_path, "arrays.py", LOSS)
    generic = run(capsys, "ir", f"{path}:loss")[1]
    status, out, err = run(capsys, "ir", f"{path}:loss", "--example", "np.ones(3), np.ones(3)")
    assert status == 0, err
    assert "unknown" in generic.splitlines()[0] and "unknown" not in out.splitlines()[0]


# ---------------------------------------------------------------- --mode hessian / hvp

@pytest.mark.parametrize("mode, name", [("hessian", "grad_of_loss_vjp(w, x, bgrads)"),
                                        ("hvp", "grad_of_loss_jvp(w, x, dw)")])
def test_second_order_modes(capsys, tmp_path, mode, name):
    path = write(tmp_path, "arrays.py", LOSS)
    status, out, err = run(capsys, "show", f"{path}:loss", "--mode", mode,
                           "--example", "np.ones(3), np.ones(3)")
    assert status == 0, err
    assert f"def {name}:" in out
    compile(out, "<s2sad show>", "exec")


def test_second_order_modes_with_several_wrt(capsys):
    status, out, err = run(capsys, "show", f"{PENDULUM}:energy", "--mode", "hessian",
                           "--wrt", "theta,omega", "--example", "0.3, 1.2")
    assert status == 0, err
    assert "def grad_of_energy_vjp(theta, omega, length, mass, bgrads):" in out


# ---------------------------------------------------------------- methods

SPRING = """
    class Spring:
        def __init__(self, k=3.0):
            self.k = k

        def energy(self, x: float) -> float:
            stretch = x - 1.0
            return 0.5 * self.k * stretch * stretch

        @staticmethod
        def free(x: float) -> float:
            return x * x
"""


def test_method_target_differentiates_the_first_parameter_after_self(capsys, tmp_path):
    path = write(tmp_path, "spring.py", SPRING)
    status, out, err = run(capsys, "show", f"{path}:Spring.energy")
    assert status == 0, err
    assert "def energy_vjp(self, x, bresult):" in out
    assert out.rstrip().splitlines()[-1].strip().startswith("return result, bx")
    assert "bself" not in out
    assert run(capsys, "show", f"{path}:Spring.energy", "--wrt", "0")[1] == out
    assert run(capsys, "show", f"{path}:Spring.energy", "--wrt", "x")[1] == out


def test_method_target_with_self_and_an_example(capsys, tmp_path):
    path = write(tmp_path, "spring.py", SPRING)
    status, out, err = run(capsys, "show", f"{path}:Spring.energy",
                           "--example", "Spring(), 2.0")
    assert status == 0, err
    assert "refuse_repetition" not in out and "bself" not in out
    assert "k = self.k" in out


def test_static_method_target_starts_at_its_first_parameter(capsys, tmp_path):
    path = write(tmp_path, "spring.py", SPRING)
    status, out, err = run(capsys, "show", f"{path}:Spring.free")
    assert status == 0, err
    assert "def free_vjp(x, bresult):" in out


# ---------------------------------------------------------------- scripts

def test_a_script_target_does_not_run_its_main_block(capsys, tmp_path):
    path = write(tmp_path, "script.py", """
        import sys

        def f(x):
            return x * x

        if __name__ == "__main__":
            print("MAIN BLOCK RAN")
            sys.exit(7)
    """)
    for command in ("show", "ir"):
        status, out, err = run(capsys, command, f"{path}:f")
        assert status == 0, err
        assert "MAIN BLOCK RAN" not in out + err


def test_a_script_that_exits_while_imported(capsys, tmp_path):
    path = write(tmp_path, "quits.py", """
        import sys
        sys.exit("no")
    """)
    assert_refused(*run(capsys, "show", f"{path}:f"), "cannot import", "SystemExit", "quits.py:3")


# ---------------------------------------------------------------- emit

def emit(capsys, tmp_path, target, name, *options):
    out_path = tmp_path / f"{name}.py"
    status, out, err = run(capsys, "emit", target, "-o", str(out_path), *options)
    assert status == 0, err
    assert out.startswith(f"wrote {out_path}")
    return out_path.read_text()


def import_emitted(tmp_path, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"emitted_{name}", tmp_path / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def s2sad_imports(text):
    return [line for line in text.splitlines()
            if re.match(r"\s*(import|from)\s+s2sad\b", line)]


def test_emit_a_float_function_runs_without_s2sad(capsys, tmp_path):
    import s2sad
    from s2sad.cli import load_target

    text = emit(capsys, tmp_path, f"{PENDULUM}:energy", "energy_grad",
                "--wrt", "theta,omega", "--example", "0.3, 1.2")
    assert s2sad_imports(text) == []
    assert "GRAVITY = 9.81" in text and "def energy_vjp(" in text
    # a fresh interpreter, isolated (-I), in which importing s2sad fails
    program = textwrap.dedent(f"""
        import sys
        sys.modules["s2sad"] = None
        sys.path.insert(0, {str(tmp_path)!r})
        import energy_grad
        print(repr(energy_grad.energy_vjp(0.3, 1.2, 0.8, 2.0, 1.0)))
    """)
    done = subprocess.run([sys.executable, "-I", "-c", program], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    value, d_theta, d_omega = eval(done.stdout)
    energy = load_target(f"{PENDULUM}:energy")
    expected = s2sad.value_and_grad(energy, wrt=(0, 1))(0.3, 1.2, 0.8, 2.0)
    assert value == pytest.approx(expected[0], rel=1e-14)
    assert (d_theta, d_omega) == pytest.approx(expected[1], rel=1e-14)


def test_emit_array_code_imports_only_the_runtime(capsys, tmp_path):
    import numpy as np

    import s2sad
    from s2sad.cli import load_target

    path = write(tmp_path, "arrays.py", LOSS)
    text = emit(capsys, tmp_path, f"{path}:loss", "loss_grad", "--example",
                "np.ones(3), np.ones(3)")
    assert s2sad_imports(text) == ["import s2sad.runtime as rt"]
    assert "import numpy as np" in text
    w, x = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0])
    value, gw = import_emitted(tmp_path, "loss_grad").loss_vjp(w, x, 1.0)
    assert np.allclose(gw, s2sad.grad(load_target(f"{path}:loss"))(w, x), rtol=1e-14)


def test_emit_forward_mode(capsys, tmp_path):
    import s2sad
    from s2sad.cli import load_target

    emit(capsys, tmp_path, f"{PENDULUM}:energy", "energy_jvp", "--mode", "forward",
         "--example", "0.3, 1.2")
    _, tangent = import_emitted(tmp_path, "energy_jvp").energy_jvp(0.3, 1.2, 1.0, 1.0, 0.5)
    energy = load_target(f"{PENDULUM}:energy")
    assert tangent == pytest.approx(s2sad.jvp(energy, (0.3, 1.2), (0.5, 0.0))[1], rel=1e-14)


@pytest.mark.parametrize("mode", ["hessian", "hvp"])
def test_emit_second_order_code(capsys, tmp_path, mode):
    import numpy as np

    import s2sad
    from s2sad.cli import load_target

    path = write(tmp_path, "arrays.py", LOSS)
    emit(capsys, tmp_path, f"{path}:loss", f"loss_{mode}", "--mode", mode, "--example",
         "np.ones(3), np.ones(3)")
    module = import_emitted(tmp_path, f"loss_{mode}")
    entry = getattr(module, module.__all__[0])
    w, x, v = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.3, -2.0])
    gradient, product = entry(w, x, v)
    loss = load_target(f"{path}:loss")
    assert np.allclose(gradient, s2sad.grad(loss)(w, x), rtol=1e-12)
    assert np.allclose(product, s2sad.hessian(loss)(w, x) @ v, rtol=1e-10)


def test_emit_imports_what_the_target_module_defines(capsys, tmp_path, monkeypatch):
    import numpy as np

    import s2sad
    from s2sad.cli import load_target

    path = write(tmp_path, "model.py", """
        import numpy as np

        WEIGHTS = np.array([1.0, -2.0, 0.5])
        RATE = 0.25

        def count(n):
            return n + 1

        def predict(x):
            return np.sum(WEIGHTS * x) * RATE * count(2)
    """)
    text = emit(capsys, tmp_path, f"{path}:predict", "predict_grad",
                "--example", "np.ones(3)")
    assert "from model import WEIGHTS" in text and "RATE = 0.25" in text
    monkeypatch.syspath_prepend(str(tmp_path))
    x = np.array([0.1, 0.2, 0.3])
    _, g = import_emitted(tmp_path, "predict_grad").predict_vjp(x, 1.0)
    assert np.allclose(g, s2sad.grad(load_target(f"{path}:predict"))(x), rtol=1e-14)


def test_emit_refuses_closure_constants(capsys, tmp_path):
    path = write(tmp_path, "closure.py", """
        import numpy as np

        def make(scale):
            weights = np.array([1.0, 2.0])

            def model(x):
                return np.sum(weights * x) * scale
            return model

        model = make(2.0)
    """)
    out_path = tmp_path / "model_grad.py"
    status, out, err = run(capsys, "emit", f"{path}:model", "-o", str(out_path))
    assert_refused(status, out, err, "'weights'", "'scale'", "closure of 'model'",
                   f"{path}:7")
    assert not out_path.exists()


def test_emit_refuses_what_s2sad_refuses(capsys, tmp_path):
    path = write(tmp_path, "guarded.py", """
        def guarded(x):
            try:
                return 1.0 / x
            except ZeroDivisionError:
                return 0.0
    """)
    assert_refused(*run(capsys, "emit", f"{path}:guarded", "-o", str(tmp_path / "g.py")),
                   f"{path}:3", "try/except")


def test_emit_to_an_unwritable_place(capsys, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "out.py"
    assert_refused(*run(capsys, "emit", f"{PENDULUM}:energy", "-o", str(missing)),
                   "cannot write", str(missing))


def test_emit_needs_an_output(capsys):
    status, _, err = run(capsys, "emit", f"{PENDULUM}:energy")
    assert status == 2 and "-o" in err


# ---------------------------------------------------------------- colour

class FakeTerminal:
    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_colour_only_on_a_terminal(monkeypatch):
    from s2sad.cli import wants_colour

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(FakeTerminal())
    assert not wants_colour(FakeTerminal(), no_color=True)
    assert not wants_colour(open(os.devnull, "w"))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(FakeTerminal())


def test_show_colours_a_terminal_and_not_a_pipe(capsys, monkeypatch):
    import pygments  # noqa: F401  (pytest depends on it, so the test extra has it)
    monkeypatch.delenv("NO_COLOR", raising=False)
    piped = run(capsys, "show", f"{PENDULUM}:energy")[1]
    assert "\x1b[" not in piped
    for options, coloured in (([], True), (["--no-color"], False)):
        terminal = FakeTerminal()
        monkeypatch.setattr(sys, "stdout", terminal)
        assert main(["show", f"{PENDULUM}:energy", *options]) == 0
        monkeypatch.undo()
        text = "".join(terminal.parts)
        assert ("\x1b[" in text) is coloured
        assert re.sub(r"\x1b\[[0-9;]*m", "", text) == piped


def test_help_lists_emit(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "emit" in out
    status, out, _ = run(capsys, "show", "--help")
    assert status == 0
    for word in ("--example", "hessian", "hvp", "--no-color"):
        assert word in out
