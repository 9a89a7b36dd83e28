"""Tape economy (transforms/tape_economy.py): a value the reverse sweep reads only for
its shape is not taped when another value proved to have its shape can be read."""
import numpy as np

from s2sad import kinds, prims, runtime
from s2sad.ir_nodes import Loop
from s2sad.kinds import FLOAT, INT, array
from s2sad.transforms.optimize import optimize
from s2sad.transforms.reverse import reverse
from s2sad.verify import verify
from tests.test_invariant_loops import rk4_array

from .helpers import compiled, eqns, lowered, only, stmts_of

VECTOR = array(1, "float64")


def reverse_optimized(fn, wrt, *arg_kinds):
    deriv = reverse(lowered(fn, *arg_kinds), wrt, None)
    optimize(deriv, list(arg_kinds) + [FLOAT])
    verify(deriv, scoped=False)
    return deriv


def taped(deriv) -> list:
    """The hints of the values pushed in the (one) forward loop."""
    return [v.hint for v in only(e for e in eqns(deriv.body) if e.prim is prims.TAPE_PUSH).args]


def shape_readers(deriv) -> list:
    return [e for e in eqns(deriv.body) if e.prim is runtime.unbroadcast]


def projected(A, x, w, n):
    h = x
    for i in range(n):
        z = x * w[i]            # z has x's shape: the adjoint reads x instead of taping z
        h = np.tanh(A @ h + z)
    return np.sum(h)


def test_a_shape_reference_proved_equal_to_a_parameter_reads_the_parameter():
    deriv = reverse_optimized(projected, [0, 1, 2], array(2, "float64"), VECTOR, VECTOR, INT)
    assert "z" not in taped(deriv)
    x = deriv.params[1]
    assert any(e.args[1] is x for e in shape_readers(deriv))
    A = np.array([[0.3, -1.2, 0.4], [0.8, 0.1, -0.6], [0.2, 0.5, 0.9]])
    x0, w0 = np.array([0.3, -0.2, 0.5]), np.array([0.7, 1.1, -0.4, 0.9])
    out, gA, gx, gw = compiled(deriv)(A, x0, w0, 4, 1.0)
    eps = 1e-6
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        fd = (projected(A, x0 + e, w0, 4) - projected(A, x0 - e, w0, 4)) / (2 * eps)
        assert abs(gx[i] - fd) < 1e-7


def carried(x, w, n):
    h = x
    for i in range(n):
        h = np.tanh(h + x * w[i])     # h keeps x's shape in every iteration
    return np.sum(h)


def test_a_carried_value_that_keeps_its_shape_needs_no_shape_reference():
    deriv = reverse_optimized(carried, [0, 1], VECTOR, VECTOR, INT)
    assert sorted(taped(deriv)) == ["h", "t"]          # tanh's output and w[i]
    assert [e.args[1].hint for e in shape_readers(deriv)] == ["t"]     # w[i]'s cotangent


def widened(h0, b, n):
    h = h0
    for i in range(n):
        h = h * 0.5 + b           # h0 of shape (1,) takes b's shape (3,) in the loop
    return np.sum(h * h)


def test_a_carried_value_that_changes_shape_keeps_its_shape_references():
    deriv = reverse_optimized(widened, [0, 1], VECTOR, VECTOR, INT)
    assert shape_readers(deriv)
    h0, b = np.array([0.4]), np.array([0.3, -0.5, 1.2])
    out, gh0, gb = compiled(deriv)(h0, b, 3, 1.0)
    assert gh0.shape == (1,) and gb.shape == (3,)
    eps = 1e-6
    fd = (widened(h0 + eps, b, 3) - widened(h0 - eps, b, 3)) / (2 * eps)
    assert abs(gh0[0] - fd) < 1e-7
    for i in range(3):
        e = np.zeros(3)
        e[i] = eps
        assert abs(gb[i] - (widened(h0, b + e, 3) - widened(h0, b - e, 3)) / (2 * eps)) < 1e-7


def recurrent(W, U, b, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t] + b)
    return np.sum(h ** 2)


def test_a_shape_reference_proved_equal_to_a_value_taped_anyway_reads_that_value():
    kinds = (array(2, "float64"), array(2, "float64"), VECTOR, array(2, "float64"))
    deriv = reverse_optimized(recurrent, [0, 1, 2], *kinds)
    # tanh's input has the shape of its output h, which the adjoint reads anyway; the
    # products' shapes are not proved equal to anything taped, so they stay
    pushed = taped(deriv)
    assert len(pushed) == 6 and pushed.count("h") == 2
    reverse_loop = stmts_of(deriv.body, Loop)[1]
    pop = only(e for e in eqns(reverse_loop.body) if e.prim is prims.TAPE_POP)
    first = shape_readers(deriv)[0]
    assert first.args[1] is pop.outs[pushed.index("h")]
    rng = np.random.default_rng(3)
    args = (rng.normal(size=(4, 4)) * 0.5, rng.normal(size=(4, 2)), rng.normal(size=4),
            rng.normal(size=(3, 2)))
    out, gW, gU, gb = compiled(deriv)(*args, 1.0)
    eps = 1e-6
    for i in range(4):
        e = np.zeros(4)
        e[i] = eps
        fd = (recurrent(args[0], args[1], args[2] + e, args[3]) -
              recurrent(args[0], args[1], args[2] - e, args[3])) / (2 * eps)
        assert abs(gb[i] - fd) < 1e-7


def reduced(x, n):
    s = 0.0
    for i in range(n):
        z = x * (i + 1.0)
        s = s + np.sum(np.sin(z))
    return s


def test_a_value_read_for_more_than_its_shape_stays_taped():
    deriv = reverse_optimized(reduced, [0], VECTOR, INT)
    assert "z" in taped(deriv)                # np.cos(z) reads its values


def test_an_array_state_loop_sums_back_only_to_its_scalar_parameters():
    deriv = reverse_optimized(rk4_array, [0, 1, 2], VECTOR, FLOAT, FLOAT)
    # theta and omega keep theta0's shape in every iteration: no cotangent of an array
    # is summed back, so no array is taped only for its shape
    assert {kinds.kind_of(e.args[1]).tag for e in shape_readers(deriv)} == {"float"}
    pop = only(e for e in eqns(deriv.body) if e.prim is prims.TAPE_POP)
    reads = [a for e in eqns(deriv.body) if e.prim is not runtime.unbroadcast for a in e.args]
    assert all(v in reads for v in pop.outs)
