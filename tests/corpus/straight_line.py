"""Straight-line functions: no if, for or while.

Only arithmetic operators, unary +/-, augmented assignment, tuple packing and
unpacking, comparisons used as non-differentiable 0/1 factors, and calls to
`math`/`np` elementary functions, `abs`, `np.sum`, `np.mean`, `np.dot`, `np.power`
and `@`.  Argument domains keep log/sqrt arguments positive and stay away from
the kinks of abs, %, // and comparisons.
"""
import math

import numpy as np

from . import Case, normal, uniform

# Module-level data the functions read (constants, never differentiated).
W = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
BIAS = np.array([0.1, -0.2, 0.3])
SCALE = 0.75
POWER = 3


# ------------------------------------------------------------------ scalar functions
def add_mul(x, y):
    return x * y + x - y


def poly(x):
    return 3.0 * x ** 3 - 2.0 * x ** 2 + x - 5.0


def rational(x, y):
    return (x + 1.0) / (y * y + 1.0)


def trig_mix(x, y):
    return math.sin(x) * math.cos(y) + math.tan(0.3 * x)


def exp_log(x):
    return math.exp(-x) + math.log(x)


def sqrt_tanh(x, y):
    return math.sqrt(x * x + y * y) + math.tanh(x - y)


def nested_calls(x):
    return math.sin(math.cos(math.exp(0.5 * x)))


def pow_both(x, y):
    return x ** y + y ** 2.5


def floordiv_mod(x):
    return x % 1.5 + x // 0.5 + 2.0 * x


def unary_ops(x, y):
    return -x + (+y) * -(x - y)


def augmented(x, y):
    z = x
    z += y
    z *= x
    z -= 1.0
    z /= y
    z **= 2
    return z


def tuple_swap(x, y):
    a, b = y, x
    c, d = a * b, a - b
    a, b = b, a
    return c * d + a / b


def abs_scalar(x):
    return abs(x) * x + abs(x - 3.0)


def comparison_factor(x, y):
    s = (x > y) * 2.0 - 1.0
    return s * (x - y) + (x >= 0.0) * y


def int_exponent(x, n):
    return x ** n + n * x


def int_multiplier(x, k):
    return k * math.sin(x) + x / k


def global_constants(x):
    return SCALE * x ** POWER + SCALE


def default_used(x, y=2.0, n=3):
    return x ** n * y


def default_overridden(x, c=0.5):
    return math.exp(c * x)


def scalar_tuple_out(x, y):
    return x * y, x + y, math.sin(x)


def four_args(a, b, c, d):
    return a * b - c * d + a / d


def int_literals(x):
    return x * 2 + 3 - 1 / (x + 4)


def fan_out(x):
    y = x * x
    z = y * y
    return z * y + y


def ignores_input(x, n):
    return n * 2.5 + 1.0


def long_chain(x, y):
    return ((x + y) * (x - y) / (x * y + 2.0)) ** 2 - x / y * 0.5 + y


# ------------------------------------------------------------------- array functions
def arr_sin_sum(x):
    return np.sum(np.sin(x) * x)


def arr_mean_exp(x):
    return np.mean(np.exp(0.3 * x))


def arr_log_sqrt(x):
    return np.sum(np.log(x) + np.sqrt(x))


def arr_tanh(x):
    return np.tanh(x) * 2.0 - x


def arr_trig(x):
    return np.sum(np.cos(x) + np.tan(0.5 * x))


def arr_abs(x):
    return np.sum(np.abs(x) * x)


def arr_power(x, y):
    return np.sum(np.power(x, 3.0)) + np.sum(np.power(x, y))


def arr_power_int(x, n):
    return np.power(x, n) * n


def arr_floordiv_mod(x):
    return np.sum(x % 2.0 + x // 1.0 * x)


def relu_like(x):
    return np.sum((x > 0.0) * x * x)


def arr_sum_axis(x):
    return np.sum(np.sin(x), axis=0) * 2.0


def arr_tuple_out(x, y):
    return np.sum(x * y), x - y, np.mean(x)


def dot_vec(x, y):
    return np.dot(x, y)


def dot_self(x):
    return np.dot(x, x)


def matvec(a, x):
    return a @ x


def matmat_loss(a, b):
    return np.sum((a @ b) ** 2)


def dot_matvec(a, x):
    return np.tanh(np.dot(a, x))


def global_matvec(x):
    return np.tanh(W @ x + np.sum(BIAS)) * SCALE


def global_dot(x):
    return np.dot(W, x * BIAS)


def bcast_row(x, b):
    return np.sum(np.sin(x + b) * b)


def bcast_col(x, c):
    return x * c - c


def bcast_scalar(s, v):
    return s * v + s ** 2


def bcast_outer(r, c):
    return np.exp(0.1 * r) * c + r


def bcast_0d(a0, x):
    return np.sum(a0 * x ** 2)


def bcast_all(s, v, r, m, c):
    return np.sum((s + v) * r * m / (c * c + 1.0))


def unused_array(x, y):
    return x * 2.0


def identity(x):
    return x


def swap_out(x, y):
    return y, x


def arr_aug(x, y):
    z = x * 1.0
    z += y
    z *= y
    z /= 2.0
    return np.mean(z)


def softplus_sum(x):
    return np.sum(np.log(np.exp(x) + 1.0))


def logistic(x, w):
    z = np.dot(x, w)
    return 1.0 / (1.0 + np.exp(-z))


def sin_scalar_math_mix(s, x):
    return math.sin(s) * np.sum(np.cos(x)) + math.sqrt(s) * np.mean(x)


# ------------------------------------------------------------------------ the cases
def _u(lo, hi, shape=None, dtype=np.float64):
    return lambda rng: uniform(rng, lo, hi, shape, dtype)


def _args(*makers):
    return lambda rng: tuple(m(rng) if callable(m) else m for m in makers)


def _signed(lo, hi, shape):
    """Magnitudes in [lo, hi) with random signs: away from zero."""
    return lambda rng: uniform(rng, lo, hi, shape) * rng.choice([-1.0, 1.0], size=shape)


def _n(shape=None, dtype=np.float64):
    return lambda rng: normal(rng, shape, dtype)


F32 = np.float32

CASES = [
    Case(add_mul, _args(_n(), _n()), "add_mul"),
    Case(poly, _args(_u(-2, 2)), "poly"),
    Case(rational, _args(_n(), _n()), "rational"),
    Case(trig_mix, _args(_u(-1, 1), _u(-2, 2)), "trig_mix"),
    Case(exp_log, _args(_u(0.5, 2)), "exp_log"),
    Case(sqrt_tanh, _args(_u(0.5, 1.5), _u(-1.5, -0.5)), "sqrt_tanh"),
    Case(nested_calls, _args(_u(-1, 1)), "nested_calls"),
    Case(pow_both, _args(_u(0.5, 2), _u(0.5, 2)), "pow_both"),
    Case(floordiv_mod, _args(_u(0.6, 0.9)), "floordiv_mod"),
    Case(unary_ops, _args(_n(), _n()), "unary_ops"),
    Case(augmented, _args(_u(0.5, 1.5), _u(1.0, 2.0)), "augmented"),
    Case(tuple_swap, _args(_u(0.5, 1.5), _u(1.0, 2.0)), "tuple_swap"),
    Case(abs_scalar, _args(_u(0.5, 2.0)), "abs_scalar"),
    Case(abs_scalar, _args(_u(-2.0, -0.5)), "abs_scalar_negative"),
    Case(comparison_factor, _args(_u(1.0, 2.0), _u(-1.0, 0.5)), "comparison_factor_gt"),
    Case(comparison_factor, _args(_u(-2.0, -1.0), _u(0.0, 1.0)), "comparison_factor_lt"),
    Case(int_exponent, _args(_u(0.5, 1.5), 4), "int_exponent"),
    Case(int_multiplier, _args(_n(), 3), "int_multiplier"),
    Case(int_multiplier, _args(_n(), -2), "int_multiplier_negative"),
    Case(global_constants, _args(_u(-1.5, 1.5)), "global_constants"),
    Case(default_used, _args(_u(0.5, 1.5)), "default_used"),
    Case(default_overridden, _args(_n(), _n()), "default_overridden"),
    Case(scalar_tuple_out, _args(_n(), _n()), "scalar_tuple_out"),
    Case(four_args, _args(_n(), _n(), _n(), _u(1.0, 2.0)), "four_args", wrt=(0, 3)),
    Case(int_literals, _args(_u(-1, 1)), "int_literals"),
    Case(fan_out, _args(_u(-1.2, 1.2)), "fan_out"),
    Case(ignores_input, _args(_n(), 3), "ignores_input"),
    Case(long_chain, _args(_u(0.5, 1.5), _u(0.5, 1.5)), "long_chain"),
    Case(arr_sin_sum, _args(_n((3,))), "arr_sin_sum"),
    Case(arr_sin_sum, _args(_n((2, 3), F32)), "arr_sin_sum_f32"),
    Case(arr_mean_exp, _args(_n((2, 3))), "arr_mean_exp"),
    Case(arr_log_sqrt, _args(_u(0.5, 2.0, (3,))), "arr_log_sqrt"),
    Case(arr_log_sqrt, _args(_u(0.5, 2.0, (3,), F32)), "arr_log_sqrt_f32"),
    Case(arr_tanh, _args(_n((2, 3))), "arr_tanh"),
    Case(arr_tanh, _args(_n((3,), F32)), "arr_tanh_f32"),
    Case(arr_trig, _args(_u(-1, 1, (3,))), "arr_trig"),
    Case(arr_abs, _args(_signed(0.5, 2.0, (2, 3))), "arr_abs"),
    Case(arr_power, _args(_u(0.5, 2, (3,)), _u(0.5, 2, (3,))), "arr_power"),
    Case(arr_power_int, _args(_n((2, 3)), 3), "arr_power_int"),
    Case(arr_floordiv_mod, _args(_u(1.2, 1.8, (3,))), "arr_floordiv_mod"),
    Case(relu_like, _args(_signed(0.3, 2.0, (2, 3))), "relu_like"),
    Case(arr_sum_axis, _args(_n((2, 3))), "arr_sum_axis"),
    Case(arr_tuple_out, _args(_n((3,)), _n((3,))), "arr_tuple_out"),
    Case(dot_vec, _args(_n((3,)), _n((3,))), "dot_vec"),
    Case(dot_self, _args(_n((3,))), "dot_self"),
    Case(matvec, _args(_n((2, 3)), _n((3,))), "matvec"),
    Case(matvec, _args(_n((2, 3), F32), _n((3,), F32)), "matvec_f32"),
    Case(matmat_loss, _args(_n((2, 3)), _n((3, 2))), "matmat_loss"),
    Case(dot_matvec, _args(_n((2, 3)), _n((3,))), "dot_matvec"),
    Case(global_matvec, _args(_n((3,))), "global_matvec"),
    Case(global_dot, _args(_n((3,))), "global_dot"),
    Case(bcast_row, _args(_n((2, 3)), _n((3,))), "bcast_row"),
    Case(bcast_row, _args(_n((2, 3), F32), _n((1, 3), F32)), "bcast_row_f32"),
    Case(bcast_col, _args(_n((2, 3)), _n((2, 1))), "bcast_col"),
    Case(bcast_scalar, _args(_n(), _n((3,))), "bcast_scalar"),
    Case(bcast_outer, _args(_n((1, 3)), _n((2, 1))), "bcast_outer"),
    Case(bcast_0d, _args(lambda rng: np.array(rng.uniform(0.5, 1.5)), _n((2, 3))), "bcast_0d"),
    Case(bcast_all, _args(_n(), _n((3,)), _n((1, 3)), _n((2, 3)), _n((2, 1))), "bcast_all"),
    Case(unused_array, _args(_n(), _n((3,))), "unused_array"),
    Case(identity, _args(_n((2, 3))), "identity"),
    Case(swap_out, _args(_n((3,)), _n()), "swap_out"),
    Case(arr_aug, _args(_n((2, 3)), _n((3,))), "arr_aug"),
    Case(softplus_sum, _args(_n((3,))), "softplus_sum"),
    Case(softplus_sum, _args(_n((2, 3), F32)), "softplus_sum_f32"),
    Case(logistic, _args(_n((3,)), _n((3,))), "logistic"),
    Case(sin_scalar_math_mix, _args(_u(0.5, 1.5), _n((3,))), "sin_scalar_math_mix"),
    Case(sin_scalar_math_mix, _args(lambda rng: np.float32(rng.uniform(0.5, 1.5)),
                                    _n((3,), F32)), "sin_scalar_math_mix_f32"),
]
