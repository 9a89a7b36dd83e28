"""Hygiene: user names never collide with the names generated code uses.

Programs whose parameters and locals are named from the generator's own vocabulary
(`bresult`, `dx`, `tape`, `push`, `pop`, `rt`, `np`, `residuals`, `n_iter`, ...) and
after the builtins generated code calls (`range`, `len`, `reversed`, `float`, ...)
are generated at random, written to a module, and differentiated in both modes; the
derivatives are checked against central differences."""
from __future__ import annotations

import importlib.util
import random

import pytest

import s2sad

GENERATED = ["bresult", "result", "residuals", "tape", "push", "pop", "rt", "np", "n_iter",
             "cond", "checked", "dx", "bx", "dy", "by", "db", "bd", "ddx", "bbx", "g", "ans",
             "sum_1", "prod", "power", "quot", "diff", "neg", "item", "index", "t", "t_1",
             "value", "retval", "dresult", "bresult_1", "saved", "f_jvp", "f_vjp", "grads",
             "_s2sad_factory", "unit_like", "target", "primals", "tangents", "cotangent"]
BUILTINS = ["range", "len", "reversed", "float", "int", "tuple", "list", "zip", "enumerate",
            "abs", "min", "max", "sum", "isinstance", "print"]


def _program(rng: random.Random, n: int) -> tuple[str, int]:
    """A function named `f` of 2-3 float parameters (and its number of parameters),
    with locals and parameters named from the vocabularies above; it calls only
    `math` and the loop builtin `range`, which are therefore never used as names."""
    names = [v for v in GENERATED + BUILTINS if v not in ("range", "np")]
    rng.shuffle(names)
    params, locals_ = names[:rng.randint(2, 3)], names[3:8]
    lines = [f"def f({', '.join(params)}):"]
    live = list(params)
    for target in locals_:
        a, b = rng.choice(live), rng.choice(live)
        expr = rng.choice([f"{a} * {b} + 0.5", f"math.sin({a}) * {b}", f"{a} - 0.3 * {b}",
                           f"math.exp(0.1 * {a}) + {b} * {b}", f"{a} / (1.5 + {b} * {b})"])
        lines.append(f"    {target} = {expr}")
        live.append(target)
    a, b = rng.choice(live), rng.choice(live)
    lines += [f"    if {a} > {b}:", f"        {a} = {a} * 0.9 + {b}",
              f"    for _ in range({n}):", f"        {b} = {b} * 0.8 + math.cos({a}) * 0.1",
              f"    return {a} * {b} + {live[-1]}"]
    return "\n".join(lines) + "\n", len(params)


def _load(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.py"
    path.write_text("import math\n\n\n" + text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _central(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


@pytest.mark.parametrize("seed", range(30))
def test_programs_named_like_generated_code(seed, tmp_path):
    rng = random.Random(seed)
    text, arity = _program(rng, rng.randint(0, 3))
    f = _load(tmp_path, f"hygiene_{seed}", text).f
    args = [rng.uniform(0.2, 1.2) for _ in range(arity)]
    wrt = tuple(range(arity))
    expected = [_central(f, args, i) for i in wrt]
    for mode in ("reverse", "forward"):
        got = s2sad.grad(f, wrt=wrt, mode=mode)(*args)
        assert got == pytest.approx(expected, rel=1e-5, abs=1e-6), (mode, text)


def test_builtin_names_as_parameters(tmp_path):
    text = ("def f(range, len, reversed, np):\n"
            "    total = range * len + reversed\n"
            "    return total * np + math.sin(range)\n")
    f = _load(tmp_path, "builtin_names", text).f
    args = (0.3, 1.7, -0.4, 2.0)
    expected = [_central(f, args, i) for i in range(4)]
    for mode in ("reverse", "forward"):
        assert s2sad.grad(f, wrt=(0, 1, 2, 3), mode=mode)(*args) == \
            pytest.approx(expected, rel=1e-6)
    source = s2sad.source(f, wrt=(0, 1, 2, 3), example_args=args)
    compile(source, "<hygiene>", "exec")


def test_a_parameter_named_like_a_tangent_of_another(tmp_path):
    """`x` and `dx` are both parameters: the tangent of x must not be `dx`."""
    text = "def f(x, dx, bx):\n    return x * x * dx + bx * x\n"
    f = _load(tmp_path, "tangent_names", text).f
    args = (1.5, 2.0, 3.0)
    expected = [_central(f, args, i) for i in range(3)]
    for mode in ("reverse", "forward"):
        assert s2sad.grad(f, wrt=(0, 1, 2), mode=mode)(*args) == pytest.approx(expected)
    assert s2sad.hessian(f)(*args) == pytest.approx(2 * args[1])
