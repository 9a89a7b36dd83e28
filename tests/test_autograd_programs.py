"""Programs written the way autograd users write them: functions over pytrees that
branch on the kind of their argument, layer lists of different shapes, random draws
inside the objective, `zip(*helper())`, `map`, `functools.partial`, `functools.reduce`.

Each is checked with check_grads (central differences in random directions in
both modes, and the dot-product test between them) and, where it reaches
derivatives of derivatives, the Hessian against differences of the gradient.
"""
import functools

import numpy as np
import pytest

import s2sad
from s2sad import kinds
from s2sad.errors import NonDifferentiableError, S2SADError
from s2sad.lower_types import decide_hasattr, decide_isinstance, decide_type_is
from s2sad.testing import check_grads
from tests.test_hessian import fd_hessian

RS = np.random.RandomState(0)
SIZES = [3, 5, 4, 2]
LAYERS = [(0.5 * RS.randn(m, n), 0.5 * RS.randn(n)) for m, n in zip(SIZES[:-1], SIZES[1:])]
INPUTS = RS.randn(6, 3)
X3 = np.array([0.3, -0.5, 0.8])


def check_hessian(f, args, i):
    h = s2sad.hessian(f, wrt=i)(*args)
    np.testing.assert_allclose(h, fd_hessian(f, args, i), rtol=1e-5, atol=1e-7)


# ---- 1. branches on the kind of an argument ------------------------------------------

def sum_of_squares(tree):
    """The squared norm of a pytree, by recursion on the kind of each node."""
    if isinstance(tree, dict):
        return sum(sum_of_squares(v) for v in tree.values())
    elif isinstance(tree, (list, tuple)):
        total = 0.0
        for t in tree:
            total = total + sum_of_squares(t)
        return total
    return np.sum(tree ** 2)


def scaled_energy(x, scale):
    if type(scale) is list:
        s = scale[0] * scale[1]
    elif type(scale) == dict:
        s = scale["a"] / scale["b"]
    else:
        s = scale
    if not isinstance(x, np.ndarray):
        return s * np.sin(x) * x
    if hasattr(x, "shape"):
        return s * np.sum(np.sin(x) * x)
    return x.undefined_method()


def as_matrix(x):
    if isinstance(x, float):
        return x * np.eye(2)
    if x.ndim == 1:
        return np.outer(x, x)
    return x


def scalar_kinds(x):
    """np.float64 and float share a kind: the test stays a branch when it runs."""
    if isinstance(x, np.floating):
        return x * x * 3.0
    return x * x


@pytest.mark.parametrize("tree", [
    {"W": RS.randn(3, 2), "b": 0.7},
    [RS.randn(3), (0.5, RS.randn(2))],
    (RS.randn(2, 2), {"a": RS.randn(3), "c": [1.5, RS.randn(2)]}),
    RS.randn(4)])
def test_a_pytree_recursion_takes_the_arm_of_each_kind(tree):
    check_grads(sum_of_squares, (tree,))


def test_the_pytree_recursion_has_a_hessian():
    check_hessian(sum_of_squares, (X3,), 0)


@pytest.mark.parametrize("x, scale", [(0.7, [1.5, 2.0]), (X3, {"a": 1.5, "b": 2.0}),
                                      (0.7, 1.3), (X3, [0.5, -2.0])])
def test_type_tests_pick_the_arm(x, scale):
    check_grads(scaled_energy, (x, scale))


def test_type_tests_pick_the_arm_at_second_order():
    check_hessian(scaled_energy, (X3, {"a": 1.5, "b": 2.0}), 0)


class Scales(list):
    pass


def test_a_subclass_where_the_type_was_decided_is_refused_where_it_is_tested():
    s2sad.grad(scaled_energy)(0.7, [1.5, 2.0])
    with pytest.raises(NonDifferentiableError, match=r"(?s)test_autograd_programs.py:\d+.*isinstance"):
        s2sad.grad(scaled_energy)(0.7, Scales([1.5, 2.0]))


@pytest.mark.parametrize("x", [0.7, X3, RS.randn(2, 2)])
def test_a_test_on_the_number_of_dimensions_follows_isinstance(x):
    check_grads(as_matrix, (x,))


@pytest.mark.parametrize("x", [0.7, np.float64(0.7)])
def test_a_test_the_kind_does_not_decide_stays_a_branch(x):
    _, tangent = s2sad.jvp(scalar_kinds, (x,), (1.0,))
    assert tangent == pytest.approx(6 * 0.7 if isinstance(x, np.floating) else 2 * 0.7)


def test_what_kinds_decide():
    f64, arr2, lst = kinds.FLOAT, kinds.array(2, "float64"), kinds.Kind("list", items=())
    assert decide_isinstance(arr2, (np.ndarray,)) is True
    assert decide_isinstance(arr2, (list, tuple)) is False
    assert decide_isinstance(f64, (float,)) is True
    assert decide_isinstance(f64, (np.floating,)) is None     # float or np.float64
    assert decide_isinstance(lst, (dict,)) is False
    assert decide_isinstance(lst, (Scales,)) is None          # a subclass has kind list
    assert decide_isinstance(kinds.UNKNOWN, (dict,)) is None
    assert decide_type_is(lst, list) == (True, True)          # checked when it runs
    assert decide_type_is(lst, dict) == (False, False)
    assert decide_type_is(f64, float) is None
    assert decide_hasattr(arr2, "shape") is True
    assert decide_hasattr(kinds.Kind("tuple", items=()), "shape") is None   # a namedtuple


# ---- 2. `*` unpacking of values of known length ------------------------------------

def weights_and_biases(params):
    return [W for W, b in params], [b for W, b in params]


def zipped_net(params, inputs):
    for W, b in zip(*weights_and_biases(params)):
        inputs = np.tanh(inputs @ W + b)
    return np.sum(inputs ** 2)


def polar(r, theta):
    return r * np.cos(theta), r * np.sin(theta)


def area(x, y):
    return 0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1])


def star_calls(r, theta):
    corners = polar(r, theta)
    noise = np.random.RandomState(1).randn(*r.shape)
    return area(*corners) + np.sum(noise * r)


def test_zip_of_a_helpers_lists():
    check_grads(zipped_net, (LAYERS, INPUTS))
    check_hessian(zipped_net, (LAYERS, INPUTS[:2]), 1)


def test_a_call_unpacks_a_helpers_tuple():
    r, theta = np.array([1.0, 1.5, 0.8, 1.2]), np.array([0.1, 1.7, 3.3, 4.9])
    check_grads(star_calls, (r, theta))
    check_hessian(star_calls, (r, theta), 1)


def test_unpacking_a_value_of_unknown_length_is_refused_where_it_is_written():
    def unknown_length(x, n):
        parts = [x * i for i in range(n)]
        return np.sum(np.stack([*parts]))
    with pytest.raises(S2SADError, match="(?s)test_autograd_programs.py.*length is not known"):
        s2sad.grad(unknown_length)(X3, 3)


# ---- 3. random draws inside the objective --------------------------------------------

def elbo_estimate(mean, log_std):
    """A reparameterised Monte Carlo estimate: the draws are constants."""
    rs = np.random.RandomState(0)
    samples = mean + rs.randn(8, *mean.shape) * np.exp(log_std)
    log_density = -0.5 * np.sum(samples ** 2 + np.sin(samples), axis=1)
    return np.mean(log_density) + np.sum(log_std)


def generator_draws(w):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 3))
    b = rng.standard_normal(3)
    c = rng.uniform(0.5, 1.0, size=3)
    k = rng.integers(0, 3)
    return np.sum(np.tanh(a @ (w * b * c))) + w[k] ** 2


NOISE = np.random.RandomState(5)


def closed_over_noise(w):
    return np.sum(np.tanh(w * NOISE.randn(*w.shape)))


@pytest.mark.parametrize("f, args", [(elbo_estimate, (X3, 0.1 * X3)), (generator_draws, (X3,))])
def test_random_draws_are_constants(f, args):
    check_grads(f, args)
    check_hessian(f, args, 0)


def test_a_closed_over_random_state_draws_once_per_call():
    state = NOISE.get_state()
    g = s2sad.grad(closed_over_noise)(X3)
    after_grad = NOISE.randn(3)
    NOISE.set_state(state)
    noise = NOISE.randn(*X3.shape)
    np.testing.assert_array_equal(NOISE.randn(3), after_grad)   # the same draws as f
    np.testing.assert_allclose(g, noise / np.cosh(X3 * noise) ** 2, rtol=1e-12)


# ---- 5. layer lists ----------------------------------------------------------------

def mlp_loss(params, inputs, targets):
    for W, b in params[:-1]:
        inputs = np.tanh(inputs @ W + b)
    W, b = params[-1]
    outputs = inputs @ W + b
    log_probs = outputs - np.log(np.sum(np.exp(outputs), axis=1, keepdims=True))
    return -np.sum(log_probs * targets)


def dict_layers(layers, inputs):
    for layer in layers:
        inputs = np.tanh(inputs @ layer["W"] + layer["b"])
    return np.sum(inputs ** 2)


def skip_connections(params, inputs):
    hidden = inputs @ params[0][0] + params[0][1]
    for (W, b), (scale, _) in zip(params[1:-1], params[2:]):
        hidden = hidden + scale[0, 0] * np.tanh(hidden @ W + b)
    return np.sum(hidden @ params[-1][0])


TARGETS = np.eye(2)[RS.randint(0, 2, size=6)]


def test_a_list_of_layers_of_different_shapes():
    check_grads(mlp_loss, (LAYERS, INPUTS, TARGETS))
    grads = s2sad.grad(mlp_loss)(LAYERS, INPUTS, TARGETS)
    assert type(grads) is list and all(type(g) is tuple for g in grads)
    assert [tuple(p.shape for p in g) for g in grads] == \
        [tuple(p.shape for p in layer) for layer in LAYERS]
    check_hessian(mlp_loss, (LAYERS, INPUTS[:2], TARGETS[:2]), 1)


def test_a_list_of_dict_layers():
    layers = [{"W": W, "b": b} for W, b in LAYERS]
    check_grads(dict_layers, (layers, INPUTS))
    grads = s2sad.grad(dict_layers)(layers, INPUTS)
    assert [sorted(g) for g in grads] == [["W", "b"]] * 3


def test_slices_and_zips_of_a_layer_list():
    params = [(RS.randn(3, 4), RS.randn(4)), (RS.randn(4, 4), RS.randn(4)),
              (RS.randn(4, 4), RS.randn(4)), (RS.randn(4, 1), RS.randn(1))]
    check_grads(skip_connections, (params, INPUTS))


# ---- 4. map, functools.partial, functools.reduce ----------------------------------------

def scaled_sine(a, x, power=1.0):
    return a * np.sin(x) ** power


def chained(acc, z):
    return acc + np.sum(z * z)


def mapped_losses(a, xs, ys):
    preds = list(map(functools.partial(scaled_sine, a), xs))
    errors = list(map(lambda p, y: (p - y) ** 2, preds, ys))
    return functools.reduce(lambda acc, e: acc + np.sum(e), errors, 0.0)


def partials_by_name(a, x):
    squared = functools.partial(scaled_sine, power=2.0)
    twice = functools.partial(squared, 2.0)
    total = 0.0
    for v in map(twice, [x, a * x]):
        total = total + np.sum(v)
    return total + sum(map(np.sum, map(functools.partial(scaled_sine, a), (x, x * x))))


def matrix_chain(mats):
    return np.sum(functools.reduce(np.dot, mats))


def apply_to_all(f, xs):
    return list(map(f, xs))


def reduced_without_init(x):
    terms = apply_to_all(np.tanh, [x, 2.0 * x, x * x])
    return np.sum(functools.reduce(chained, terms[1:], np.sum(terms[0])))


@pytest.mark.parametrize("f, args", [
    (mapped_losses, (0.8, [RS.randn(3), RS.randn(2)], [RS.randn(3), RS.randn(2)])),
    (partials_by_name, (0.6, X3)),
    (matrix_chain, ([RS.randn(2, 3), RS.randn(3, 3), RS.randn(3, 2)],)),
    (reduced_without_init, (X3,))])
def test_map_partial_and_reduce(f, args):
    check_grads(f, args)


def test_map_partial_and_reduce_at_second_order():
    check_hessian(partials_by_name, (0.6, X3), 1)
    check_hessian(reduced_without_init, (X3,), 0)


def test_a_partial_used_as_a_value_is_refused_where_it_is_used():
    def returns_partial(a, x):
        g = functools.partial(scaled_sine, a)
        return apply_to_all(g, [x])[0]
    with pytest.raises(S2SADError, match="(?s)test_autograd_programs.py.*partial"):
        s2sad.grad(returns_partial)(0.5, 0.3)


def test_a_map_object_that_is_not_iterated_keeps_the_refusal_of_map():
    def map_object(x):
        return np.sum(np.array(list(np.array(map(np.sin, [x, x])).item())))
    with pytest.raises(S2SADError, match="(?s)test_autograd_programs.py.*map"):
        s2sad.grad(map_object)(0.3)
