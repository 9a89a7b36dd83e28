"""Control-flow functions: if/elif/else, conditional expressions, for and while loops.

Branches are taken far from their boundaries (each direction of an `if` has its own
case), trip counts that depend on data are stable around the drawn point, and only
these constructs appear: if/elif/else, `a if c else b`, and/or/not, chained
comparisons, for over range/arrays/lists/tuples/enumerate/zip, while, break,
continue, return, and for/while ... else.
"""
import math

import numpy as np

from . import Case, normal, uniform


# ------------------------------------------------------------------------------ if
def if_else(x):
    if x > 0.0:
        y = math.sin(x)
    else:
        y = x * x
    return y * 2.0


def if_without_else(x, y):
    z = x * y
    if x > 1.0:
        z = z + x ** 2
    return z


def if_elif_else(x):
    if x < -1.0:
        r = math.exp(x)
    elif x < 1.0:
        r = x ** 3
    else:
        r = math.log(x)
    return r + x


def nested_if(x, y):
    if x > 0.0:
        if y > 0.0:
            r = x * y
        else:
            r = x - y
    else:
        if y > 0.0:
            r = x * x + y
        else:
            r = math.exp(x + y)
    return r


def branch_local(x, y):
    if x > 0.0:
        t = math.sin(y)
        u = t * x
        r = u + t
    else:
        r = y * 3.0
    return r


def kinds_differ_int_float(x, n):
    if n > 2:
        r = 1
    else:
        r = x
    return r * x + x


def kinds_differ_zero(x):
    if x > 0.0:
        r = x * 2.0
    else:
        r = 0
    return r + x * x


def kinds_differ_array(x):
    if np.sum(x) > 0.0:
        r = x * 2.0
    else:
        r = 1.5
    return np.sum(r * x)


def cond_expr(x, y):
    return x * y if x > y else x + y


def cond_expr_in_call(x, y):
    z = (math.sin(x) if x > 0.0 else math.cos(x)) * y
    return z + (y if y > 0.0 else -y)


def and_or(x, y):
    if x > 0.0 and y > 0.0:
        r = x * y
    elif x > 0.0 or y > 0.0:
        r = x + y
    else:
        r = -x * y
    return r


def not_cond(x):
    if not x > 1.0:
        r = x * x
    else:
        r = x
    return r


def chained_comparison(x):
    if 0.0 < x < 1.0:
        r = math.sqrt(x)
    else:
        r = x ** 2
    return r


def early_return(x):
    if x > 0.0:
        return x ** 2
    return -x


def three_returns(x, y):
    if x > y:
        return x * y
    if x > 0.0:
        return x + y
    return y - x


def branch_on_int(x, n):
    if n % 2 == 0:
        return x * n
    else:
        return x ** n


def bool_variable(x, y):
    flag = x > y
    big = flag and x > 1.0
    if big:
        r = x * y
    else:
        r = x - y
    if not flag:
        r = r * 2.0
    return r


def branch_on_mean(x):
    if np.mean(x) > 0.5:
        r = np.sum(np.exp(x))
    else:
        r = np.sum(x ** 2)
    return r


def branch_tuple_return(x, y):
    if x > 0.0:
        return x, y * x
    else:
        return y, x


def if_in_else_chain(x):
    r = x
    if x > 2.0:
        r = r * 3.0
    elif x > 1.0:
        r = r * 2.0
    if x > 1.5:
        r = r + 1.0
    return r


# ------------------------------------------------------------------------ for loops
def for_range_n(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** i
    return s


def for_start_stop_step(x):
    s = 1.0
    for i in range(2, 11, 3):
        s = s * x + i
    return s


def for_step_minus_one(x):
    s = 0.5
    for i in range(5, 0, -1):
        s = s * x + 1.0 / i
    return s


def for_range_backwards_n(x, n):
    s = x
    for i in range(n - 1, -1, -1):
        s = s * x + i
    return s


def for_trip_from_data(x):
    n = int(x * 2.0)
    s = x
    for i in range(n):
        s = s + math.sin(s + x)
    return s


def for_range_len(x):
    s = 0.0
    for i in range(len(x)):
        s = s + np.sum(x * i)
    return s


def for_rows(a):
    s = 0.0
    for row in a:
        s = s + np.sum(np.sin(row))
    return s


def for_rows_carry_array(a, v):
    acc = v
    for row in a:
        acc = acc * row + 1.0
    return acc


def for_rows_kind_change(a):
    acc = 0.0
    for row in a:
        acc = acc + row * row
    return acc


def for_list(x, y):
    s = 1.0
    for t in [x, y, 2.0]:
        s = s * t + 1.0
    return s


def for_tuple(x, y):
    s = 0.0
    for t in (x, y, x * y):
        s += math.sin(t)
    return s


def for_enumerate(a):
    s = 0.0
    for i, row in enumerate(a):
        s = s + i * np.sum(row) + np.sum(row ** 2)
    return s


def for_enumerate_list(x, y):
    s = x
    for i, t in enumerate([x, y]):
        s = s * t + i
    return s


def for_zip_rows(a, b):
    s = 0.0
    for u, v in zip(a, b):
        s += np.dot(u, v)
    return s


def for_zip_lists(x, y):
    s = 0.0
    for u, v in zip([x, y], [y, 2.0]):
        s = s + u * v
    return s


def nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(i):
            s = s * x + j
    return s + x


def nested_rows_range(a, x):
    s = x
    for row in a:
        for k in range(2):
            s = s + np.sum(row) * s * 0.1
    return s


def nested_inner_break(x):
    s = 0.0
    for i in range(4):
        for j in range(5):
            if j > i:
                break
            s = s + x * j
    return s


def nested_data_break(x, y):
    s = x
    for i in range(3):
        for j in range(10):
            s = s * y
            if s > 4.0:
                break
        s = s / 2.0
    return s


def counter_accumulates_floats(x, n):
    s = 0
    for i in range(n):
        s = s + x * i
    return s


def counter_augmented(x):
    s = 0
    for i in range(4):
        s += x
    return s


def loop_zero_trips(x):
    s = x * 0.5
    for i in range(0):
        s = s * x
    return s + x


def loop_n_zero_trips(x, n):
    s = x * 2.0
    for i in range(n):
        s = s * x
    return s


def loop_one_trip(x):
    s = x
    for i in range(1):
        s = math.sin(s) * x
    return s


def loop_carry_pair(x, y):
    a, b = x, y
    for i in range(3):
        a, b = b, a * b + 1.0
    return a + b


def loop_last_value(x):
    for i in range(3):
        t = x * i + x
    return t * t


def loop_if_on_index(x):
    s = 1.0
    for i in range(5):
        if i % 2 == 0:
            s = s * x
        else:
            s = s + x
    return s


def loop_if_on_data(x):
    s = 0.0
    for v in x:
        if v > 0.0:
            s += v * v
        else:
            s -= v * 3.0
    return s


def loop_cond_expr(x):
    s = 1.0
    for i in range(4):
        s = s * x if i < 2 else s + x
    return s


def newton_sqrt(x):
    y = x
    for i in range(6):
        y = 0.5 * (y + x / y)
    return y


# -------------------------------------------------------------- break and continue
def break_first(x):
    s = 1.0
    for i in range(5):
        s = s + x
        break
    return s


def break_middle(x):
    s = 1.0
    for i in range(6):
        if i == 3:
            break
        s = s * x + 1.0
    return s


def break_last(x):
    s = 1.0
    for i in range(4):
        s = s * x
        if i == 3:
            break
    return s


def continue_first(x):
    s = 0.0
    for i in range(5):
        if i == 0:
            continue
        s += x * i
    return s


def continue_middle(x):
    s = 1.0
    for i in range(5):
        if i == 2:
            continue
        s = s * x + i
    return s


def continue_last(x):
    s = 1.0
    for i in range(4):
        if i == 3:
            continue
        s = s * x
    return s


def continue_on_data(x):
    s = 0.0
    for v in x:
        if v < 0.0:
            continue
        s += v * v
    return s


def break_on_data(x):
    s = x
    for i in range(20):
        s = s * x
        if s > 5.0:
            break
    return s


# ------------------------------------------------------------ returns inside loops
def return_in_loop(x):
    s = 1.0
    for i in range(10):
        s = s * x
        if s > 3.0:
            return s
    return -s


def return_first_iteration(a, x):
    for row in a:
        return np.sum(row * x)
    return x


def return_last_iteration(x):
    s = 0.0
    for i in range(3):
        s += x
        if i == 2:
            return s * 2.0
    return s


def return_nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            if i * j == 2:
                return s
            s += x * (i + j)
    return -s


def return_in_while(x):
    s = x
    while True:
        s = s * 1.5
        if s > 4.0:
            return s - x
    return s


# ------------------------------------------------------------------------- while
def while_data_trips(x):
    s = 1.0
    k = 0
    while s < 10.0:
        s = s * x + 1.0
        k += 1
    return s * k


def while_true_break(x):
    s = x
    while True:
        s = s * x
        if s > 5.0:
            break
    return s


def while_true_break_first(x):
    s = x
    while True:
        s = s + x
        break
    return s


def while_counter(x, n):
    s = 0.0
    i = 0
    while i < n:
        s = s + x / (i + 1)
        i += 1
    return s


def while_zero_trips(x):
    s = x
    while s > 100.0:
        s = s / 2.0
    return s * s


def while_compound(x):
    s = 0.5
    i = 0
    while i < 10 and s < 4.0:
        s = s * x + 0.1
        i = i + 1
    return s


def while_array(x):
    v = x
    while np.sum(v) < 10.0:
        v = v * 1.5 + x
    return v


def while_in_for(x):
    s = 0.0
    for i in range(3):
        t = x
        while t < 2.0:
            t = t * 1.7
        s = s + t
    return s


def for_in_while(x):
    s = x
    n = 0
    while n < 2:
        for i in range(3):
            s = s * 0.9 + x
        n += 1
    return s


# ------------------------------------------------------------------------ ... else
def for_else_runs(x):
    s = 0.0
    for i in range(3):
        s += x
        if s > 100.0:
            break
    else:
        s = s * 2.0
    return s


def for_else_data(x):
    s = 1.0
    for i in range(4):
        s = s * x
        if s > 2.0:
            break
    else:
        s = -s
    return s


def while_else(x):
    s = x
    i = 0
    while i < 3:
        s = s * x
        if s > 10.0:
            break
        i += 1
    else:
        s = s + 1.0
    return s


# ------------------------------------------------------------------------ the cases
def _u(lo, hi, shape=None, dtype=np.float64):
    return lambda rng: uniform(rng, lo, hi, shape, dtype)


def _args(*makers):
    return lambda rng: tuple(m(rng) if callable(m) else m for m in makers)


def _n(shape=None, dtype=np.float64):
    return lambda rng: normal(rng, shape, dtype)


def _signed(lo, hi, shape):
    """Magnitudes in [lo, hi) with random signs: away from zero."""
    return lambda rng: uniform(rng, lo, hi, shape) * rng.choice([-1.0, 1.0], size=shape)


CASES = [
    Case(if_else, _args(_u(0.5, 2.0)), "if_else_then"),
    Case(if_else, _args(_u(-2.0, -0.5)), "if_else_else"),
    Case(if_without_else, _args(_u(1.5, 2.5), _n()), "if_without_else_taken"),
    Case(if_without_else, _args(_u(-1.0, 0.5), _n()), "if_without_else_skipped"),
    Case(if_elif_else, _args(_u(-3.0, -1.5)), "if_elif_else_if"),
    Case(if_elif_else, _args(_u(-0.5, 0.5)), "if_elif_else_elif"),
    Case(if_elif_else, _args(_u(1.5, 3.0)), "if_elif_else_else"),
    Case(nested_if, _args(_u(0.5, 1.5), _u(0.5, 1.5)), "nested_if_pp"),
    Case(nested_if, _args(_u(0.5, 1.5), _u(-1.5, -0.5)), "nested_if_pn"),
    Case(nested_if, _args(_u(-1.5, -0.5), _u(0.5, 1.5)), "nested_if_np"),
    Case(nested_if, _args(_u(-1.5, -0.5), _u(-1.5, -0.5)), "nested_if_nn"),
    Case(branch_local, _args(_u(0.5, 1.5), _n()), "branch_local_then"),
    Case(branch_local, _args(_u(-1.5, -0.5), _n()), "branch_local_else"),
    Case(kinds_differ_int_float, _args(_n(), 5), "kinds_differ_int_float_int"),
    Case(kinds_differ_int_float, _args(_n(), 1), "kinds_differ_int_float_float"),
    Case(kinds_differ_zero, _args(_u(0.5, 1.5)), "kinds_differ_zero_float"),
    Case(kinds_differ_zero, _args(_u(-1.5, -0.5)), "kinds_differ_zero_int"),
    Case(kinds_differ_array, _args(_u(0.5, 1.5, (3,))), "kinds_differ_array_array"),
    Case(kinds_differ_array, _args(_u(-1.5, -0.5, (3,))), "kinds_differ_array_float"),
    Case(cond_expr, _args(_u(1.0, 2.0), _u(-1.0, 0.5)), "cond_expr_true"),
    Case(cond_expr, _args(_u(-1.0, 0.5), _u(1.0, 2.0)), "cond_expr_false"),
    Case(cond_expr_in_call, _args(_u(0.5, 1.5), _u(0.5, 1.5)), "cond_expr_in_call_pos"),
    Case(cond_expr_in_call, _args(_u(-1.5, -0.5), _u(-1.5, -0.5)), "cond_expr_in_call_neg"),
    Case(and_or, _args(_u(0.5, 1.5), _u(0.5, 1.5)), "and_or_both"),
    Case(and_or, _args(_u(0.5, 1.5), _u(-1.5, -0.5)), "and_or_first"),
    Case(and_or, _args(_u(-1.5, -0.5), _u(0.5, 1.5)), "and_or_second"),
    Case(and_or, _args(_u(-1.5, -0.5), _u(-1.5, -0.5)), "and_or_neither"),
    Case(not_cond, _args(_u(-1.0, 0.5)), "not_cond_true"),
    Case(not_cond, _args(_u(1.5, 2.5)), "not_cond_false"),
    Case(chained_comparison, _args(_u(0.2, 0.8)), "chained_comparison_inside"),
    Case(chained_comparison, _args(_u(1.5, 2.5)), "chained_comparison_above"),
    Case(chained_comparison, _args(_u(-2.0, -0.5)), "chained_comparison_below"),
    Case(early_return, _args(_u(0.5, 2.0)), "early_return_taken"),
    Case(early_return, _args(_u(-2.0, -0.5)), "early_return_fallthrough"),
    Case(three_returns, _args(_u(1.5, 2.0), _u(0.0, 1.0)), "three_returns_first"),
    Case(three_returns, _args(_u(0.2, 0.8), _u(1.5, 2.0)), "three_returns_second"),
    Case(three_returns, _args(_u(-2.0, -1.0), _u(-0.5, 0.5)), "three_returns_third"),
    Case(branch_on_int, _args(_n(), 2), "branch_on_int_even"),
    Case(branch_on_int, _args(_u(0.5, 1.5), 3), "branch_on_int_odd"),
    Case(bool_variable, _args(_u(1.5, 2.5), _u(-1.0, 1.0)), "bool_variable_big"),
    Case(bool_variable, _args(_u(0.0, 0.5), _u(-1.5, -1.0)), "bool_variable_small"),
    Case(bool_variable, _args(_u(-1.0, 0.0), _u(0.5, 1.5)), "bool_variable_not"),
    Case(branch_on_mean, _args(_u(0.8, 1.5, (2, 3))), "branch_on_mean_high"),
    Case(branch_on_mean, _args(_u(-1.0, 0.2, (2, 3))), "branch_on_mean_low"),
    Case(branch_tuple_return, _args(_u(0.5, 1.5), _n()), "branch_tuple_return_then"),
    Case(branch_tuple_return, _args(_u(-1.5, -0.5), _n()), "branch_tuple_return_else"),
    Case(if_in_else_chain, _args(_u(2.5, 3.0)), "if_in_else_chain_high"),
    Case(if_in_else_chain, _args(_u(1.6, 1.9)), "if_in_else_chain_mid_high"),
    Case(if_in_else_chain, _args(_u(1.1, 1.4)), "if_in_else_chain_mid_low"),
    Case(if_in_else_chain, _args(_u(0.0, 0.9)), "if_in_else_chain_low"),
    Case(for_range_n, _args(_u(0.5, 1.5), 5), "for_range_n"),
    Case(for_start_stop_step, _args(_u(-1.0, 1.0)), "for_start_stop_step"),
    Case(for_step_minus_one, _args(_u(-1.0, 1.0)), "for_step_minus_one"),
    Case(for_range_backwards_n, _args(_u(-1.0, 1.0), 4), "for_range_backwards_n"),
    Case(for_trip_from_data, _args(_u(1.6, 1.9)), "for_trip_from_data"),
    Case(for_range_len, _args(_n((4,))), "for_range_len"),
    Case(for_rows, _args(_n((3, 2))), "for_rows"),
    Case(for_rows_carry_array, _args(_n((3, 2)), _n((2,))), "for_rows_carry_array"),
    Case(for_rows_kind_change, _args(_n((3, 2))), "for_rows_kind_change"),
    Case(for_list, _args(_n(), _n()), "for_list"),
    Case(for_tuple, _args(_n(), _n()), "for_tuple"),
    Case(for_enumerate, _args(_n((3, 2))), "for_enumerate"),
    Case(for_enumerate_list, _args(_n(), _n()), "for_enumerate_list"),
    Case(for_zip_rows, _args(_n((3, 2)), _n((3, 2))), "for_zip_rows"),
    Case(for_zip_lists, _args(_n(), _n()), "for_zip_lists"),
    Case(nested_loops, _args(_u(-1.0, 1.0)), "nested_loops"),
    Case(nested_rows_range, _args(_u(-1.0, 1.0, (2, 3)), _u(0.5, 1.5)), "nested_rows_range"),
    Case(nested_inner_break, _args(_n()), "nested_inner_break"),
    Case(nested_data_break, _args(_u(1.15, 1.25), _u(1.72, 1.78)), "nested_data_break"),
    Case(counter_accumulates_floats, _args(_n(), 4), "counter_accumulates_floats"),
    Case(counter_augmented, _args(_n()), "counter_augmented"),
    Case(loop_zero_trips, _args(_n()), "loop_zero_trips"),
    Case(loop_n_zero_trips, _args(_n(), 0), "loop_n_zero_trips"),
    Case(loop_n_zero_trips, _args(_u(0.5, 1.5), 3), "loop_n_many_trips"),
    Case(loop_one_trip, _args(_n()), "loop_one_trip"),
    Case(loop_carry_pair, _args(_u(-1.0, 1.0), _u(-1.0, 1.0)), "loop_carry_pair"),
    Case(loop_last_value, _args(_n()), "loop_last_value"),
    Case(loop_if_on_index, _args(_u(-1.0, 1.0)), "loop_if_on_index"),
    Case(loop_if_on_data, _args(_signed(0.3, 1.5, (5,))), "loop_if_on_data"),
    Case(loop_cond_expr, _args(_u(-1.0, 1.0)), "loop_cond_expr"),
    Case(newton_sqrt, _args(_u(0.5, 3.0)), "newton_sqrt"),
    Case(break_first, _args(_n()), "break_first"),
    Case(break_middle, _args(_u(-1.0, 1.0)), "break_middle"),
    Case(break_last, _args(_u(-1.0, 1.0)), "break_last"),
    Case(continue_first, _args(_n()), "continue_first"),
    Case(continue_middle, _args(_u(-1.0, 1.0)), "continue_middle"),
    Case(continue_last, _args(_u(-1.0, 1.0)), "continue_last"),
    Case(continue_on_data, _args(_signed(0.3, 1.5, (5,))), "continue_on_data"),
    Case(break_on_data, _args(_u(1.32, 1.36)), "break_on_data"),
    Case(return_in_loop, _args(_u(1.33, 1.42)), "return_in_loop_returns"),
    Case(return_in_loop, _args(_u(0.5, 0.9)), "return_in_loop_falls_through"),
    Case(return_first_iteration, _args(_n((3, 2)), _n((2,))), "return_first_iteration"),
    Case(return_last_iteration, _args(_n()), "return_last_iteration"),
    Case(return_nested_loops, _args(_n()), "return_nested_loops"),
    Case(return_in_while, _args(_u(0.55, 0.75)), "return_in_while"),
    Case(while_data_trips, _args(_u(1.5, 1.6)), "while_data_trips"),
    Case(while_true_break, _args(_u(1.32, 1.36)), "while_true_break"),
    Case(while_true_break_first, _args(_n()), "while_true_break_first"),
    Case(while_counter, _args(_n(), 4), "while_counter"),
    Case(while_counter, _args(_n(), 0), "while_counter_zero_trips"),
    Case(while_zero_trips, _args(_n()), "while_zero_trips"),
    Case(while_compound, _args(_u(1.45, 1.54)), "while_compound_value_stops"),
    Case(while_compound, _args(_u(0.3, 0.5)), "while_compound_counter_stops"),
    Case(while_array, _args(_u(0.5, 0.6, (3,))), "while_array"),
    Case(while_in_for, _args(_u(0.6, 0.65)), "while_in_for"),
    Case(for_in_while, _args(_n()), "for_in_while"),
    Case(for_else_runs, _args(_n()), "for_else_runs"),
    Case(for_else_data, _args(_u(1.3, 1.4)), "for_else_data_breaks"),
    Case(for_else_data, _args(_u(0.5, 1.0)), "for_else_data_completes"),
    Case(while_else, _args(_u(2.5, 2.6)), "while_else_breaks"),
    Case(while_else, _args(_u(0.5, 1.0)), "while_else_completes"),
]
