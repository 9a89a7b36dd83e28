"""Realistic programs: calls, recursion, closures, methods, containers, in-place updates.

Each is checked in both modes with check_grads (finite differences and the
dot-product test between forward and reverse mode).
"""
import functools
import math

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads


def helper(u, w=2.0):
    return math.sin(u) * w


def pair(u, v):
    return u * v, u + v


def calls_helpers(x, y):
    a = helper(x)
    b = helper(y, w=x)
    p, q = pair(a, b)
    s = 0.0
    for i in range(3):
        s = s + helper(s + p, q)
    return s


def polynomial(x, *coefs):
    acc = 0.0
    for i in range(len(coefs)):
        acc = acc * x + coefs[len(coefs) - 1 - i]
    return acc


def scaled_polynomial(x, *coefs, scale=1.0):
    return scale * polynomial(x, *coefs)


def varargs_and_keyword_only(x, a, b):
    coefs = (a, b, 1.0)
    fixed = scaled_polynomial(2.0, 1.0, 3.0, scale=4.0)     # no differentiable argument
    return scaled_polynomial(x, *coefs, scale=a) + polynomial(x, a, *[b, x]) * fixed


def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def even_steps(x, n):
    if n == 0:
        return x
    return odd_steps(x * 1.1, n - 1)


def odd_steps(x, n):
    if n == 0:
        return -x
    return even_steps(math.sin(x), n - 1)


def closures(x, y):
    def scaled(u, k=2.0):
        if u > 0:
            return u * u * k
        return -u * y

    g = lambda v: math.sin(v) * y  # noqa: E731
    s = 0.0
    for i in range(3):
        s = s + scaled(x + i) + g(s)
    return s + (lambda w: w * w)(y)


def logistic_regression(params, x, labels):
    logits = x @ params["w"] + params["b"]
    p = 1.0 / (1.0 + np.exp(-logits))
    return -np.mean(labels * np.log(p) + (1.0 - labels) * np.log(1.0 - p))


def mlp(params, x):
    h = np.tanh(x @ params["W1"] + params["b1"])
    out = h @ params["W2"] + params["b2"]
    return np.sum(out ** 2)


def rnn_states(x, w, n):
    h = np.zeros(3)
    states = []
    for t in range(n):
        h = np.tanh(w * h + x[t])
        states.append(h)
    stacked = np.stack(states)
    squares = [s * s for s in states if np.sum(s) > -10.0]
    return np.sum(stacked) + sum([np.sum(q) for q in squares])


def rnn_prealloc(x, w):
    n = x.shape[0]
    h = np.zeros((n + 1, 3))
    for t in range(n):
        h[t + 1, :] = np.tanh(w * h[t] + x[t])
    return np.sum(h[1:] ** 2)


def fill_and_dict(x):
    y = np.zeros(4)
    for i in range(4):
        y[i] = x[i] * x[(i + 1) % 4]
    y[0] += 2.0 * x[3]
    d = {"a": y, "b": x}
    return np.sum(d["a"] * d["b"])


def euler_step(state, k):
    pos, vel = state
    return pos + 0.1 * vel, vel - 0.1 * k * pos


def integrate(k, x0):
    state = (x0, 0.0)
    for i in range(20):
        state = euler_step(state, k)
    return state[0] ** 2 + state[1] ** 2


def squared_in_place(p):
    p *= p
    return p


def list_of_any_length(x, n):
    points = []
    for i in range(n):
        points.append(x * (i + 1.0))
    last = tuple(points)[-1]
    return squared_in_place(np.mean(points)) + np.sum(last) / len(points)


class Model:
    def __init__(self, scale):
        self.scale = scale

    def predict(self, params, x):
        return np.tanh(x @ params["W"] + params["b"]) * self.scale

    def loss(self, params, x, y):
        return np.mean((self.predict(params, x) - y) ** 2)

    def penalty(self, *terms, weight=1.0):
        total = 0.0
        for t in terms:
            total = total + np.sum(t * t)
        return total * weight * self.scale

    def regularised(self, w, b):
        return np.sum(np.tanh(w) * b) + self.penalty(w, b, w * b, weight=0.1)


def polynomial_features(x):
    """Lists joined with + and repeated with *: concatenation, not arithmetic."""
    powers = [x[0], x[0] ** 2]
    features = powers + [x[1] * x[2]] + list((x[2],))
    weights = (0.5,) + (1.5, -1.0) + 2 * (0.25,)
    padded = [0.0] * 2 + features
    total = 0.0
    for w, f in zip(weights, padded[2:]):
        total = total + w * f
    return total * padded[-1]


def initial_state(x):
    return np.zeros(x.shape[0]), [x[0]]


def uses_a_global_model(x):
    """A method of a global model instance; state made by a helper, filled in place."""
    state, trace = initial_state(x)
    for i in range(x.shape[0]):
        state[i] = GLOBAL_MODEL.penalty(x[i], trace[-1])
        trace.append(state[i] * 0.5)
    return np.sum(state) + trace[-1]


def backwards(x):
    """Loops over reversed sequences (lowered by index, backwards)."""
    s = 0.0
    for v in reversed([x[0], x[1] * 2.0, x[2]]):
        s = s * 0.5 + v * v
    for i, v in enumerate(reversed(x)):
        s = s + i * v
    return s


def decay(t, y, k=0.7):
    return -k * y + np.sin(t)


def rk4_with(f, y, h, n):
    """An integrator that takes the right-hand side as an argument."""
    t = 0.0
    for i in range(n):
        k1 = f(t, y)
        k2 = f(t + h / 2, y + h / 2 * k1)
        k3 = f(t + h / 2, y + h / 2 * k2)
        k4 = f(t + h, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = t + h
    return y


def integrates_a_passed_function(y0):
    return np.sum(rk4_with(decay, y0, 0.1, 5) ** 2)


def applies(x, activation):
    return np.sum(activation(x) * x)


class Squash:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.tanh(self.w * x)


SQUASH = Squash(0.5)


def applies_two_activations(x):
    return applies(x, np.tanh) * applies(x, np.sin)


def calls_callable_objects(x, squash):
    return np.sum(SQUASH(x) ** 2) + np.sum(squash(x) * x)


RNG = np.random.default_rng(7)
MODEL = Model(1.5)
GLOBAL_MODEL = Model(0.8)
CASES = [
    (calls_helpers, (0.3, 0.8)),
    (power, (1.3, 5)),
    (even_steps, (0.4, 5)),
    (closures, (0.3, 0.7)),
    (closures, (-2.5, 0.7)),
    (logistic_regression, ({"w": RNG.normal(size=3), "b": 0.1}, RNG.normal(size=(5, 3)),
                           (RNG.random(5) > 0.5).astype(float))),
    (mlp, ({"W1": RNG.normal(size=(3, 4)), "b1": RNG.normal(size=4),
            "W2": RNG.normal(size=(4, 2)), "b2": RNG.normal(size=2)}, RNG.normal(size=(5, 3)))),
    (rnn_states, (np.linspace(0.1, 0.5, 12).reshape(4, 3), 0.7, 4)),
    (rnn_prealloc, (np.linspace(0.1, 0.5, 12).reshape(4, 3), 0.7)),
    (fill_and_dict, (np.linspace(0.1, 0.9, 4),)),
    (integrate, (2.0, 1.0)),
    (list_of_any_length, (np.array([0.3, -0.2, 0.5]), 4)),
    (varargs_and_keyword_only, (0.6, -0.4, 1.3)),
    (MODEL.regularised, (np.array([0.2, -0.5, 0.9]), 0.7)),
    (MODEL.loss, ({"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)},
                  RNG.normal(size=(4, 3)), RNG.normal(size=(4, 2)))),
    (polynomial_features, (np.array([0.7, -1.1, 0.4]),)),
    (uses_a_global_model, (np.array([0.7, -1.1, 0.4]),)),
    (backwards, (np.array([0.7, -1.1, 0.4]),)),
    (integrates_a_passed_function, (np.array([0.7, -1.1, 0.4]),)),
    (applies_two_activations, (np.array([0.7, -1.1, 0.4]),)),
    (calls_callable_objects, (np.array([0.7, -1.1]), Squash(-1.5))),
]


@pytest.mark.parametrize("fn,args", CASES, ids=[f"{c[0].__name__}-{i}" for i, c in
                                                 enumerate(CASES)])
def test_program_gradients(fn, args):
    check_grads(fn, args, modes=("forward", "reverse"))


@pytest.mark.parametrize("fn,args", CASES[:5], ids=[c[0].__name__ for c in CASES[:5]])
def test_callee_derivatives_are_separate_functions(fn, args):
    text = s2sad.source(fn, example_args=args)
    if fn is closures:
        assert "def closures_vjp" in text    # local functions are inlined where called
    else:
        callee = {calls_helpers: "helper", power: "power", even_steps: "odd_steps"}[fn]
        assert f"def {callee}_fwd(" in text and f"def {callee}_bwd(" in text


def test_star_args_reach_the_callee_as_one_tuple():
    text = s2sad.source(varargs_and_keyword_only, wrt=(0, 1, 2), example_args=(0.6, -0.4, 1.3))
    assert "def scaled_polynomial_fwd(x, coefs, scale):" in text
    assert "scaled_polynomial(2.0, *coefs_1, scale=4.0)" in text   # the primal call


def test_gradient_of_dict_parameters_has_their_structure():
    params, x = CASES[6][1]
    grads = s2sad.grad(mlp)(params, x)
    assert set(grads) == set(params)
    for key in params:
        assert grads[key].shape == params[key].shape


def test_write_into_an_argument_is_refused_at_its_line():
    def writes_argument(x):
        x[0] = 1.0
        return np.sum(x)

    with pytest.raises(s2sad.UnsupportedSyntaxError) as info:
        s2sad.grad(writes_argument)(np.ones(3))
    assert "x = x.copy()" in str(info.value)
    assert info.value.lineno == writes_argument.__code__.co_firstlineno + 1


def test_write_into_a_view_is_refused():
    def writes_view(x):
        y = x[1:]
        y[0] = 2.0
        return np.sum(y)

    with pytest.raises(s2sad.UnsupportedSyntaxError, match="share memory"):
        s2sad.grad(writes_view)(np.ones(3))


def test_write_into_an_array_bound_to_two_names_is_refused():
    def two_names(x):
        y = np.zeros(3)
        z = y
        y[0] = x
        return np.sum(z)

    with pytest.raises(s2sad.UnsupportedSyntaxError, match="same object"):
        s2sad.grad(two_names)(0.5)


def test_augmented_assignment_on_a_new_array_is_allowed():
    def fresh(x):
        t = np.tanh(x * 2.0)
        t -= 1.0
        return np.sum(t)

    check_grads(fresh, (np.array([0.3, -0.2, 0.1]),), modes=("forward", "reverse"))


def test_callee_through_a_local_alias_and_a_module_attribute():
    import math as m

    def f(x):
        h = helper
        return h(x, 3.0) + m.sin(x)

    check_grads(f, (0.4,), modes=("forward", "reverse"))


def test_changing_the_iterated_array_in_place_is_refused():
    # found by fuzzing: NumPy's iterator sees `a += e`, a functional update would not
    def iterates_while_adding(x):
        a = np.zeros(4) + x
        for e in a:
            a += e
        return np.sum(a)

    with pytest.raises(s2sad.UnsupportedSyntaxError, match="while iterating over it"):
        s2sad.grad(iterates_while_adding)(1.5)


def test_augmented_assignment_to_an_array_with_two_names_is_refused():
    def two_names(x):
        a = np.zeros(3) + x
        b = a
        a += 1.0
        return np.sum(b)

    with pytest.raises(s2sad.UnsupportedSyntaxError, match="'b' also names"):
        s2sad.grad(two_names)(0.5)


def test_methods_with_star_args_and_source_of_a_bound_method():
    text = s2sad.source(MODEL.regularised, wrt=(0, 1),
                        example_args=(np.array([0.2, -0.5]), 0.7))
    assert "def regularised_vjp(self, w, b, bresult):" in text
    assert "def penalty_fwd(self, terms, weight):" in text


def test_a_function_argument_specialises_the_derivative():
    x = np.array([0.7, -1.1, 0.4])
    for activation, derivative in ((np.tanh, lambda v: 1.0 - np.tanh(v) ** 2),
                                   (np.sin, np.cos), (decay_of_one, lambda v: -0.7 + 0.0 * v)):
        for mode in ("reverse", "forward"):
            got = s2sad.grad(applies, mode=mode)(x, activation)
            np.testing.assert_allclose(got, derivative(x) * x + activation(x), rtol=1e-12)


def decay_of_one(y):
    return decay(0.0, y)


def uses_a_configured_activation(x, config):
    activation = config["activation"]
    return np.sum(activation(x * config["scale"]))


def test_a_function_in_a_dict_argument_specialises_the_derivative():
    x = np.array([0.7, -1.1, 0.4])
    for activation in (np.tanh, np.sin, decay_of_one):
        config = {"activation": activation, "scale": 2.0}
        check_grads(functools.partial(uses_a_configured_activation, config=config), (x,))
        grads = s2sad.grad(uses_a_configured_activation, wrt=("x", "config"))(x, config)
        assert grads[1]["activation"] is None and isinstance(grads[1]["scale"], float)
