"""In-place updates (transforms/inplace.py): used where nobody can tell, never elsewhere.

Derivatives are checked numerically (check_grads in both modes); the generated source
shows which form each update took.  Hand-built IR pins down the safety conditions.
"""
import numpy as np
import pytest

import s2sad
from s2sad import kinds, prims, runtime
from s2sad.ir_nodes import Block, Const, Eqn, Function, Loop, Var
from s2sad.testing import check_grads
from s2sad.transforms.inplace import make_updates_in_place


def fill(x):
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = np.sin(x[i]) * x[i]
        y[i] += x[(i + 1) % n] ** 2
    return np.sum(y * y)


def reads_the_old_array_later(x):
    y = np.zeros(4)
    y[0] = x[0]
    z = y * x            # the adjoint of this product needs y as it is here
    y[1] = x[1] * 2.0
    return np.sum(z) + np.sum(y * y)


def loop_after_a_read(x):
    y = x.copy()
    s = np.sum(y * y)
    for i in range(3):
        y[i] = y[i] * x[i]
    return s + np.sum(y ** 3)


def conditional_appends(x):
    kept = [x[0]]
    for i in range(4):
        if x[i] > 0.0:
            kept.append(x[i] * x[i])
    first = np.stack(kept)
    kept.append(np.sum(x))
    return np.sum(first) + np.sum(np.stack(kept) ** 2)


def norm_times(a, w):
    return np.sum(a * a) * w


def write_after_a_call(x):
    y = np.zeros(3)
    y[0] = x[0]
    s = norm_times(y, x[1])          # the callee's residuals hold this y
    y[1] = x[1] * x[2]
    return s + norm_times(y, x[0])


def fill_until(x):
    y = np.zeros(4)
    i = 0
    while i < 4:
        y[i] = x[i] * x[(i + 1) % 4]
        if y[i] > 0.5:
            break
        i += 1
    return np.sum(y ** 2) + i


def fill_rows_from_the_previous_row(x):
    m = np.zeros((3, 4))
    for i in range(3):
        for j in range(4):
            m[i, j] = x[j] * (i + 1) + m[i - 1, j]
    return np.sum(m * m)


def writes_in_branches(x):
    y = x.copy()
    for i in range(4):
        if x[i] > 0:
            y[i] = y[i] * 2.0
        else:
            z = y * 1.0
            y[(i + 1) % 4] = np.sum(z)
    return np.sum(y * y)


def iterates_over_a_built_list(x):
    states = []
    h = 0.0
    for i in range(6):
        h = np.tanh(0.9 * h + x[i % 4])
        states.append(h)
    total = 0.0
    for v in states:
        total = total + v * v
    return total


def writes_a_repeated_index(x):
    y = x.copy()
    y[np.array([0, 2, 0])] += x[1:] * x[0]     # NumPy: the last write to y[0] wins
    z = np.zeros(4)
    z[[1, 1]] = x[:2]
    return np.sum(y * x) + np.sum(z * z)


def fills_a_dict(x):
    params = dict(w=x[0])
    params["b"] = x[1] * params["w"]
    params["w"] = params["w"] + x[2]
    return params["w"] * params["b"] + x[3]


X = np.array([0.3, -0.7, 1.1, 0.4])


@pytest.mark.parametrize("fn", [fill, reads_the_old_array_later, loop_after_a_read,
                                conditional_appends, write_after_a_call, fill_until,
                                fill_rows_from_the_previous_row, writes_in_branches,
                                iterates_over_a_built_list, writes_a_repeated_index,
                                fills_a_dict])
def test_derivatives_are_right_with_in_place_updates(fn):
    check_grads(fn, (X,))


def test_filling_an_array_updates_it_in_place_in_both_modes():
    reverse = s2sad.source(fill, example_args=(X,))
    forward = s2sad.source(fill, mode="forward", example_args=(X,))
    assert "rt.setitem_inplace(" in reverse and "rt.setitem(" not in reverse
    assert "rt.add_at_inplace(" in reverse and "getitem_vjp" not in reverse
    assert "rt.setitem_inplace(" in forward and "rt.setitem(" not in forward


def test_cotangents_of_list_items_are_added_in_place():
    reverse = s2sad.source(iterates_over_a_built_list, example_args=(X,))
    assert "rt.add_at_inplace(bstates" in reverse and "getitem_vjp" not in reverse
    assert "rt.without_last_inplace(" in reverse


def test_an_update_whose_old_value_the_reverse_sweep_reads_copies():
    reverse = s2sad.source(reads_the_old_array_later, example_args=(X,))
    assert "rt.setitem(" in reverse


def test_appends_to_a_list_are_in_place_unless_the_reverse_sweep_reads_the_list():
    forward = s2sad.source(conditional_appends, mode="forward", example_args=(X,))
    assert "rt.appended_inplace(kept" in forward and "rt.appended(kept" not in forward
    reverse = s2sad.source(conditional_appends, example_args=(X,))
    loop, after = reverse.split("first = np.stack", 1)
    assert "rt.appended_inplace(" in loop and "rt.appended(" not in loop
    assert "rt.appended(" in after      # np.stack's adjoint reads `kept` as it was


# ---- the safety conditions, on hand-built IR -------------------------------------

def one_update(read_after=False, on_param=False, pushed=False):
    """f(x): y = zeros(3); y2 = setitem(y, 0, x); return y2 (+ the variations)."""
    x = Var("x")
    y = x if on_param else Var("y")
    y2 = Var("y2")
    stmts = [] if on_param else [Eqn([y], np.zeros, [Const(3)])]
    update = Eqn([y2], runtime.setitem, [y, Const(0), x])
    stmts.append(update)
    results = [y2]
    if read_after:
        total = Var("total")
        stmts.append(Eqn([total], np.sum, [y]))
        results = [total]
    if pushed:
        stmts.insert(1, Eqn([], prims.TAPE_PUSH, [y]))
    make_updates_in_place(Function("f", [x], Block(stmts, results)))
    return update.prim


def test_an_update_of_a_fresh_array_nobody_reads_again_is_in_place():
    assert one_update() is runtime.setitem_inplace


@pytest.mark.parametrize("variation", ["read_after", "on_param", "pushed"])
def test_an_update_is_a_copy_when_the_old_value_is_observable(variation):
    assert one_update(**{variation: True}) is runtime.setitem


def test_an_update_in_a_loop_of_an_array_made_before_the_loop_is_a_copy():
    """for i in range(3): z = setitem(y, i, x) reads y again in the next iteration."""
    x, y, i, s, s_next, z, total = (Var(n) for n in ("x", "y", "i", "s", "s2", "z", "t"))
    update = Eqn([z], runtime.setitem, [y, i, x])
    body = Block([update, Eqn([total], np.sum, [z]), Eqn([s_next], np.add, [s, total])],
                 [s_next])
    out = Var("out")
    loop = Loop("range", [s], [Const(0.0)], body, [out], bounds=[Const(0), Const(3), Const(1)],
                index=i)
    fn = Function("f", [x], Block([Eqn([y], np.zeros, [Const(3)]), loop], [out]))
    make_updates_in_place(fn)
    assert update.prim is runtime.setitem


def test_a_read_moved_by_code_generation_stays_before_the_update():
    """`n = len(y)` is used only after the update; it must not be folded past it."""
    x, y, y2, n, out = Var("x"), Var("y"), Var("y2"), Var("n", kinds.INT), Var("out")
    read = Eqn([n], len, [y])
    fn = Function("f", [x], Block([Eqn([y], prims.BUILD_LIST, [x]), read,
                                   Eqn([y2], runtime.appended, [y, x]),
                                   Eqn([out], prims.BUILD_TUPLE, [y2, n])], [out]))
    make_updates_in_place(fn)
    assert fn.body.stmts[2].prim is runtime.appended_inplace
    assert read.params.get("pinned")


# ---- the runtime helpers ------------------------------------------------------------

def test_in_place_helpers_fall_back_to_copies_when_they_cannot_write():
    frozen = np.broadcast_to(np.zeros(3), (3,))
    out = runtime.setitem_inplace(frozen, 1, 5.0)
    assert out is not frozen and out[1] == 5.0 and frozen[1] == 0.0
    assert runtime.appended_inplace((1.0,), 2.0) == (1.0, 2.0)
    acc = np.zeros(4)
    assert runtime.add_at_inplace(acc, np.array([1, 1, 3]), np.array([1.0, 2.0, 4.0])) is acc
    np.testing.assert_array_equal(acc, [0.0, 3.0, 0.0, 4.0])
    copy = runtime.add_at(acc, slice(0, 2), 1.0)
    np.testing.assert_array_equal(copy, [1.0, 4.0, 0.0, 4.0])
    np.testing.assert_array_equal(acc, [0.0, 3.0, 0.0, 4.0])
