"""Tests of check_grads' own logic, with hand-written derivatives (no transforms)."""
import numpy as np
import pytest

from s2sad import testing
from s2sad.testing import _check_dot, _check_jvp, _check_vjp, check_grads, numerical_jvp

M = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0], [4.0, 0.0, 1.5]])


def rng():
    return np.random.default_rng(42)


# ---------------------------------------------------------------- f(x, y) = sin(x) y + x^2
def sinmul(x, y):
    return np.sin(x) * y + x ** 2


def sinmul_jvp(primals, tangents, factor=1.0):
    x, y = primals
    dx, dy = tangents
    return sinmul(x, y), factor * (np.cos(x) * y * dx + 2 * x * dx) + np.sin(x) * dy


def sinmul_vjp(x, y, factor=1.0):
    def pullback(g):
        return factor * g * (np.cos(x) * y + 2 * x), float(np.sum(g * np.sin(x)))
    return sinmul(x, y), pullback


def sinmul_args():
    return rng().normal(size=(2, 3)), 0.7


def test_correct_jvp_vjp_and_dot_pass():
    args = sinmul_args()
    _check_jvp(sinmul, sinmul_jvp, args)
    _check_vjp(sinmul, sinmul_vjp, args)
    _check_dot(sinmul, sinmul_jvp, sinmul_vjp, args)


def test_jvp_off_by_factor_is_caught_and_named():
    def bad(p, t):
        return sinmul_jvp(p, t, factor=1.5)
    with pytest.raises(AssertionError) as info:
        _check_jvp(sinmul, bad, sinmul_args())
    msg = str(info.value)
    assert "forward mode" in msg and "sinmul" in msg
    assert "argument 'x'" in msg and "argument 'y'" not in msg
    assert "analytic JVP" in msg and "numeric JVP" in msg


def test_vjp_off_by_factor_is_caught_and_named():
    def bad(x, y):
        return sinmul_vjp(x, y, factor=0.5)
    with pytest.raises(AssertionError) as info:
        _check_vjp(sinmul, bad, sinmul_args())
    msg = str(info.value)
    assert "reverse mode" in msg and "sinmul" in msg and "argument 'x'" in msg
    assert "argument 'y'" not in msg


def test_dot_test_catches_inconsistent_modes():
    def bad(x, y):
        return sinmul_vjp(x, y, factor=1.0 + 1e-6)
    with pytest.raises(AssertionError, match="dot-product test"):
        _check_dot(sinmul, sinmul_jvp, bad, sinmul_args())


def test_dot_test_alone_cannot_see_a_shared_mistake():
    """Consistency is not correctness: the same wrong factor in both modes passes."""
    def jvp(p, t):
        return sinmul_jvp(p, t, factor=3.0)

    def vjp(x, y):
        return sinmul_vjp(x, y, factor=3.0)
    args = sinmul_args()
    _check_dot(sinmul, jvp, vjp, args)
    with pytest.raises(AssertionError):
        _check_jvp(sinmul, jvp, args)
    with pytest.raises(AssertionError):
        _check_vjp(sinmul, vjp, args)


# --------------------------------------------------------------------- f(x) = M @ x
def matvec(x):
    return M @ x


def test_transposed_matrix_is_caught():
    x = rng().normal(size=3)
    _check_jvp(matvec, lambda p, t: (M @ p[0], M @ t[0]), (x,))
    _check_vjp(matvec, lambda x: (M @ x, lambda g: (M.T @ g,)), (x,))
    with pytest.raises(AssertionError, match="forward mode"):
        _check_jvp(matvec, lambda p, t: (M @ p[0], M.T @ t[0]), (x,))
    with pytest.raises(AssertionError, match="reverse mode"):
        _check_vjp(matvec, lambda x: (M @ x, lambda g: (M @ g,)), (x,))
    with pytest.raises(AssertionError, match="dot-product"):
        _check_dot(matvec, lambda p, t: (M @ p[0], M @ t[0]),
                   lambda x: (M @ x, lambda g: (M @ g,)), (x,))


# ------------------------------------------------------------ broadcasting: x + b * s
def bcast(x, b, s):
    return x + b * s


def bcast_jvp(p, t):
    (x, b, s), (dx, db, ds) = p, t
    return bcast(x, b, s), dx + db * s + b * ds


def bcast_args():
    r = rng()
    return r.normal(size=(2, 3)), r.normal(size=(1, 3)), 1.3


def test_broadcast_correct_passes():
    def vjp(x, b, s):
        return bcast(x, b, s), lambda g: (g, np.sum(g * s, axis=0, keepdims=True),
                                          float(np.sum(g * b)))
    _check_jvp(bcast, bcast_jvp, bcast_args())
    _check_vjp(bcast, vjp, bcast_args())
    _check_dot(bcast, bcast_jvp, vjp, bcast_args())


def test_missing_broadcast_sum_is_caught_by_shape():
    def vjp(x, b, s):
        return bcast(x, b, s), lambda g: (g, g * s, float(np.sum(g * b)))
    with pytest.raises(AssertionError, match=r"cotangent of argument 'b'.*shape \(2, 3\)"):
        _check_vjp(bcast, vjp, bcast_args())


def test_missing_scalar_sum_is_caught_by_shape():
    def vjp(x, b, s):
        return bcast(x, b, s), lambda g: (g, np.sum(g * s, axis=0, keepdims=True), g * b)
    with pytest.raises(AssertionError, match="cotangent of argument 's'"):
        _check_vjp(bcast, vjp, bcast_args())


def test_wrong_broadcast_sum_with_right_shape_is_caught():
    def vjp(x, b, s):   # keeps only the first row instead of summing the rows
        return bcast(x, b, s), lambda g: (g, g[:1] * s, float(np.sum(g * b)))
    with pytest.raises(AssertionError, match="argument 'b'"):
        _check_vjp(bcast, vjp, bcast_args())


# --------------------------------------------------------------------------- dtypes
def cube(x):
    return x * x * x


def test_float32_correct_passes_with_float32_derivatives():
    x = rng().normal(size=4).astype(np.float32)
    _check_jvp(cube, lambda p, t: (cube(p[0]), 3 * p[0] * p[0] * t[0]), (x,))
    _check_vjp(cube, lambda x: (cube(x), lambda g: (3 * x * x * g,)), (x,))
    _check_dot(cube, lambda p, t: (cube(p[0]), 3 * p[0] * p[0] * t[0]),
               lambda x: (cube(x), lambda g: (3 * x * x * g,)), (x,))


def test_tangent_dtype_mismatch_is_caught():
    x = rng().normal(size=4).astype(np.float32)
    with pytest.raises(AssertionError, match="tangent output 0 has shape .* dtype float64"):
        _check_jvp(cube, lambda p, t: (cube(p[0]), (3 * p[0] * p[0] * t[0]).astype(np.float64)),
                   (x,))


def test_cotangent_dtype_mismatch_is_caught():
    x = rng().normal(size=4).astype(np.float32)
    expected = "dtype float64, expected shape \\(4,\\) dtype float32"
    with pytest.raises(AssertionError, match=expected):
        _check_vjp(cube, lambda x: (cube(x), lambda g: ((3 * x * x * g).astype(np.float64),)),
                   (x,))


def test_python_float_scalars_and_int_constants():
    def power(x, n, y):
        return x ** n * y

    def jvp(p, t):
        (x, n, y), (dx, _, dy) = p, t
        return power(x, n, y), n * x ** (n - 1) * y * dx + x ** n * dy

    def vjp(x, n, y):
        return power(x, n, y), lambda g: (g * n * x ** (n - 1) * y, None, g * x ** n)

    args = (1.3, 3, -0.4)
    _check_jvp(power, jvp, args)
    _check_vjp(power, vjp, args)
    _check_dot(power, jvp, vjp, args)

    def bad(x, n, y):
        return power(x, n, y), lambda g: (g * n * x ** (n - 1) * y, 0.0, g * x ** n)
    with pytest.raises(AssertionError, match="argument 'n' .*must be None"):
        _check_vjp(power, bad, args)


def test_tuple_outputs():
    def pair(x, y):
        return np.tanh(x) * y, np.sum(x) ** 2

    def jvp(p, t):
        (x, y), (dx, dy) = p, t
        return pair(x, y), ((1 - np.tanh(x) ** 2) * y * dx + np.tanh(x) * dy,
                            2 * np.sum(x) * np.sum(dx))

    def vjp(x, y, wrong=False):
        def pullback(g):
            g0, g1 = g
            gx = g0 * (1 - np.tanh(x) ** 2) * y + (0.0 if wrong else 2 * np.sum(x) * g1)
            return gx, float(np.sum(g0 * np.tanh(x)))
        return pair(x, y), pullback

    args = (rng().normal(size=3), 0.8)
    _check_jvp(pair, jvp, args)
    _check_vjp(pair, vjp, args)
    _check_dot(pair, jvp, vjp, args)
    with pytest.raises(AssertionError, match="reverse mode"):
        _check_vjp(pair, lambda x, y: vjp(x, y, wrong=True), args)
    with pytest.raises(AssertionError, match="structure"):
        _check_jvp(pair, lambda p, t: (pair(*p), jvp(p, t)[1][0]), args)


def test_wrong_primal_is_caught():
    x = rng().normal(size=3)
    with pytest.raises(AssertionError, match="primal output differs"):
        _check_jvp(cube, lambda p, t: (cube(p[0]) + 1e-6, 3 * p[0] ** 2 * t[0]), (x,))
    with pytest.raises(AssertionError, match="primal output"):
        _check_vjp(cube, lambda x: (cube(x)[:2], lambda g: (3 * x * x * g,)), (x,))


def test_mutated_argument_is_caught():
    def jvp(p, t):
        out = cube(p[0])
        p[0][0] += 1.0
        return out, 3 * p[0] ** 2 * t[0]
    x = np.array([0.5, 1.0, 1.5])
    with pytest.raises(AssertionError, match="mutated"):
        _check_jvp(cube, jvp, (x,), rtol=1.0, atol=1e9)


def test_ill_conditioned_point_is_reported():
    def wiggle(x):
        return np.sin(1e9 * x)
    with pytest.raises(AssertionError, match="ill-conditioned"):
        _check_jvp(wiggle, lambda p, t: (wiggle(p[0]), 1e9 * np.cos(1e9 * p[0]) * t[0]),
                   (np.array([0.3, 0.4]),))


def test_constant_output_along_inputs_passes():
    def const(x, n):
        return n * 2.5 + 0.0 * x

    _check_jvp(const, lambda p, t: (const(*p), 0.0 * t[0]), (1.7, 4))
    _check_vjp(const, lambda x, n: (const(x, n), lambda g: (0.0 * g, None)), (1.7, 4))


# ---------------------------------------------------------------- numerical_jvp itself
def test_numerical_jvp_matches_known_derivatives():
    x, y = rng().normal(size=(2, 3)), 0.7
    dx, dy = rng().normal(size=(2, 3)), -0.3
    expected = sinmul_jvp((x, y), (dx, dy))[1]
    got = numerical_jvp(sinmul, (x, y), (dx, dy))
    assert got.dtype == np.float64 and got.shape == (2, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)


def test_numerical_jvp_float32_runs_in_float64_and_keeps_structure():
    seen = []

    def f(x, n):
        seen.append(x.dtype)
        return x * n, np.sum(x)

    x = np.array([1.0, 2.0], dtype=np.float32)
    out = numerical_jvp(f, (x, 3), (np.ones(2, np.float32), None), eps=1e-3)
    assert set(seen) == {np.dtype(np.float64)}
    assert isinstance(out, tuple) and len(out) == 2
    np.testing.assert_allclose(out[0], [3.0, 3.0], rtol=1e-10)
    np.testing.assert_allclose(out[1], 2.0, rtol=1e-10)


def test_check_grads_rejects_unknown_modes_and_no_float_args():
    with pytest.raises(ValueError, match="modes"):
        check_grads(cube, (1.0,), modes=("sideways",))
    with pytest.raises(ValueError, match="no float argument"):
        testing._check_jvp(lambda n: n * 2, lambda p, t: (p[0] * 2, None), (3,))


def dict_and_list(params, xs):
    return params["w"] * np.sin(xs[0]) + params["b"] * xs[1]


def test_dicts_and_lists_in_arguments_are_checked_leaf_by_leaf():
    args = ({"w": np.array([0.5, -1.0]), "b": 0.3}, [np.array([0.2, 0.4]), 1.5])

    def jvp(p, t, wrong=1.0):
        (pw, pb), (tw, tb) = [(q[0]["w"], q[0]["b"]) for q in (p, t)]
        (x0, x1), (t0, t1) = p[1], t[1]
        return dict_and_list(*p), tw * np.sin(x0) + wrong * pw * np.cos(x0) * t0 + tb * x1 + pb * t1

    def vjp(params, xs, wrong=1.0):
        w, b, (x0, x1) = params["w"], params["b"], xs
        return dict_and_list(params, xs), lambda g: (
            {"w": g * np.sin(x0), "b": float(np.sum(g * x1))},
            [wrong * g * w * np.cos(x0), float(np.sum(g * b))])
    _check_jvp(dict_and_list, jvp, args)
    _check_vjp(dict_and_list, vjp, args)
    with pytest.raises(AssertionError, match="forward mode"):
        _check_jvp(dict_and_list, lambda p, t: jvp(p, t, wrong=2.0), args)
    with pytest.raises(AssertionError, match="reverse mode"):
        _check_vjp(dict_and_list, lambda *a: vjp(*a, wrong=-1.0), args)
    check_grads(dict_and_list, args)      # s2sad's own derivatives keep the structure
