"""Containers as users write them: loops over dicts, static and class methods, tuples
holding dicts, rows and list items taken before an update, np.append / insert / delete
and the index builders np.r_, np.c_, np.s_, and realistic programs built on them.

Derivatives are checked in both modes: with s2sad.testing.check_grads (float
arguments), and, for gradients with respect to a dict, the reverse-mode gradient and
the forward-mode JVP along a random direction against central differences.
Refusals must be S2SADErrors naming the user's file and line and what the user wrote.
"""
from __future__ import annotations

import functools
import re

import numpy as np
import pytest

import s2sad
from s2sad.testing import check_grads

HERE = __file__.rsplit("/", 1)[-1]


# ---- helpers --------------------------------------------------------------------------

def _leaves(tree):
    if isinstance(tree, dict):
        return [x for v in tree.values() for x in _leaves(v)]
    return [tree]


def _unflatten(tree, vector, start=0):
    """`tree` (nested dicts of floats and arrays) with its leaves taken from `vector`."""
    if isinstance(tree, dict):
        out = {}
        for key, value in tree.items():
            out[key], start = _unflatten(value, vector, start)
        return out, start
    size = np.size(tree)
    piece = vector[start:start + size]
    value = float(piece[0]) if isinstance(tree, float) else piece.reshape(np.shape(tree))
    return value, start + size


def _flat(tree) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(x, float)) for x in _leaves(tree)])


def _same_structure(grad, tree) -> bool:
    if isinstance(tree, dict):
        return isinstance(grad, dict) and list(grad) == list(tree) and \
            all(_same_structure(grad[k], tree[k]) for k in tree)
    return np.shape(grad) == np.shape(tree)


def check_dict_grads(f, args, argnum=0, seed=0):
    """The gradient (reverse mode) and the JVP (forward mode) of `f` with respect to
    the dict `args[argnum]` against central differences along a random direction."""
    rng = np.random.default_rng(seed)
    tree = args[argnum]
    base = _flat(tree)
    direction = rng.normal(size=base.size)

    def at(vector):
        changed = list(args)
        changed[argnum] = _unflatten(tree, vector)[0]
        return f(*changed)
    h = 1e-6 * max(1.0, np.linalg.norm(base))
    numeric = (at(base + h * direction) - at(base - h * direction)) / (2 * h)
    grad = s2sad.grad(f, wrt=argnum)(*args)
    assert _same_structure(grad, tree), f"gradient {grad!r} has not the structure of {tree!r}"
    reverse = float(_flat(grad) @ direction)
    tangents = [None] * len(args)
    tangents[argnum] = _unflatten(tree, direction)[0]
    value, forward = s2sad.jvp(f, tuple(args), tuple(tangents))
    assert np.allclose(value, f(*args))
    scale = max(1.0, abs(numeric))
    assert abs(reverse - numeric) <= 1e-5 * scale, ("reverse", reverse, numeric)
    assert abs(float(forward) - numeric) <= 1e-5 * scale, ("forward", forward, numeric)


def refused(call, *words, line=None):
    """Run `call`, which must raise an S2SADError naming this file (at `line`, a
    function of this file whose first body line is meant, or a line number) and every
    word; returns the message."""
    with pytest.raises(s2sad.S2SADError) as info:
        call()
    message = str(info.value)
    assert HERE in message, message
    if line is not None:
        assert re.search(rf"{re.escape(HERE)}:{line}\b", message), message
    for word in words:
        assert word in message, f"{word!r} not in:\n{message}"
    return message


def line_of(fn, text):
    """The line number of the first line of `fn`'s source containing `text`."""
    import inspect
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


P = {"a": 1.5, "b": -0.5, "c": 2.0}
Q = {"a": 0.1, "b": 0.2, "c": 0.3}


# ---- 1. loops over dicts ----------------------------------------------------------------

def by_name(p, x):
    s = 0.0
    for name in p:
        s = s + p[name] * x
    return s


def by_items(p, x):
    s = 0.0
    for k, v in p.items():
        s = s + np.sum(v ** 2 * x)
    return s


def by_values(p, x):
    s = 0.0
    for v in p.values():
        s = s + np.sin(v) * x
    return s


def by_keys(p, x):
    s = 0.0
    for k in p.keys():
        s = s + p[k] ** 2 * x
    return s


def generator_sum(p, x):
    return sum(p[k] * x for k in p) + len(p) * x


def comprehension_sum(p, x):
    return sum([v * v * x for v in p.values()]) + sum(p.values()) * x


def with_break_and_else(p, x):
    s = 0.0
    for k in p:
        if k == "c":
            break
        s = s + p[k] * x
    else:
        s = s * 2.0
    t = 0.0
    for k in p:
        t = t + p[k] * x
    else:
        t = t * 3.0
    return s + t


def with_continue(p, x):
    s = 0.0
    for k, v in p.items():
        if k == "b":
            continue
        s = s + v ** 2 * x
    return s


def with_return(p, x):
    for k, v in p.items():
        if v * x > 1.0:
            return v * x * x
    return x


def enumerated_zipped_reversed(p, q):
    s = 0.0
    for i, (k, v) in enumerate(p.items()):
        s = s + (i + 1.0) * v * q[k]
    for a, b in zip(p.values(), q.values()):
        s = s + a * b
    for k in reversed(p):
        s = s * 0.9 + p[k]
    return s


def make_record(x):
    return {"u": x * 2.0, "w": np.sin(x)}


def from_a_helper(p, x):
    record = make_record(p["a"] * x)
    s = 0.0
    for key, value in record.items():
        s = s + value * len(key)
    return s + len(record) * p["b"]


def gradient_step(p, x):
    grads = {"a": 2.0 * p["a"], "b": p["b"] * x}
    new = {}
    for k in p:
        new[k] = p[k] - 0.1 * grads[k]
    total = 0.0
    for v in new.values():
        total = total + v * v
    return total


def training_loop(p, x):
    q = {"a": p["a"], "b": p["b"], "c": p["c"]}
    for step in range(3):
        for k in q:
            q[k] = q[k] - 0.1 * (q[k] * x - 1.0)
    return sum([v * v for v in q.values()])


def nested_layers(params, x):
    s = 0.0
    for name, layer in params.items():
        for k, v in layer.items():
            s = s + np.sum(np.tanh(v) * x)
    return s


def views_as_values(p, x):
    values = list(p.values())
    t = 0.0
    for k, v in list(p.items()):
        t = t + v * len(k)
    return values[0] * x + sum(p.values()) * x + t + np.sum(np.array(list(p.values())))


DICT_CASES = [
    (by_name, (P, 0.7)), (by_items, ({"w": np.array([1.0, -2.0]), "b": 0.5}, 0.7)),
    (by_values, (P, 0.7)), (by_keys, (P, 0.7)), (generator_sum, (P, 0.7)),
    (comprehension_sum, (P, 0.7)), (with_break_and_else, (P, 0.7)),
    (with_continue, (P, 0.7)), (with_return, (P, 0.7)),
    (with_return, ({"a": 0.5, "b": 1.5, "c": 3.0}, 0.9)),
    (enumerated_zipped_reversed, (P, Q)), (from_a_helper, (P, 0.7)),
    (gradient_step, ({"a": 1.5, "b": -0.5}, 0.7)), (training_loop, (P, 0.7)),
    (views_as_values, ({"a": 1.0, "bb": 3.0}, 2.0)),
    (nested_layers, ({"l1": {"w": np.array([1.0, 2.0]), "b": 0.5},
                      "l2": {"w": np.array([0.3, -1.0])}}, np.array([0.5, 2.0]))),
]


@pytest.mark.parametrize("fn, args", DICT_CASES, ids=[f.__name__ for f, _ in DICT_CASES])
def test_loops_over_dicts(fn, args):
    if any(isinstance(a, (float, np.ndarray)) for a in args[1:]):
        check_grads(functools.partial(fn, args[0]), args[1:])
    check_dict_grads(fn, args)


def test_dict_loops_are_unrolled_by_key_with_constant_keys():
    text = s2sad.source(with_continue, example_args=(P, 0.7))
    assert "p['a']" in text and "p['c']" in text and "== 'b'" not in text
    assert "range(" not in text                         # no loop left


def test_analytic_gradient_of_a_dict_loop():
    grad = s2sad.grad(by_keys, wrt=(0, 1))(P, 0.7)
    assert grad[0] == pytest.approx({k: 2 * v * 0.7 for k, v in P.items()})
    assert grad[1] == pytest.approx(sum(v * v for v in P.values()))
    _, tangent = s2sad.jvp(by_keys, (P, 0.7), ({"a": 1.0, "b": 0.0, "c": 0.0}, 0.0))
    assert tangent == pytest.approx(2 * 1.5 * 0.7)


def adds_keys_while_looping(x):
    d = {"a": x}
    s = 0.0
    for i in range(2):
        for k in d:
            s = s + d[k]
        d["b" + "c" * i] = x * i
    return s


def zips_a_dict_with_a_list(p, xs):
    s = 0.0
    for v, x in zip(p.values(), xs):
        s = s + v * x
    return s


def view_of_a_dict_then_updated(x):
    d = {"a": x}
    values = d.values()
    d["a"] = 2.0 * x
    return sum(values)


def keys_not_known(x, n):
    d = {}
    for i in range(n):
        d[str(i)] = x * i
    s = 0.0
    for k, v in d.items():
        s = s + v
    return s


def test_dict_loops_that_cannot_be_unrolled_are_refused():
    refused(lambda: s2sad.grad(adds_keys_while_looping)(0.5), "changes which keys",
            line=line_of(adds_keys_while_looping, "for k in d"))
    refused(lambda: s2sad.grad(zips_a_dict_with_a_list)(P, [1.0, 2.0, 3.0]), "zip",
            line=line_of(zips_a_dict_with_a_list, "zip("))
    for mode in (lambda f: s2sad.grad(f)(0.5), lambda f: s2sad.jvp(f, (0.5,), (1.0,))):
        message = refused(lambda: mode(view_of_a_dict_then_updated), "'dict.values'",
                          line=line_of(view_of_a_dict_then_updated, "d.values()"))
        assert "ndarray" not in message
    refused(lambda: s2sad.grad(keys_not_known)(0.5, 3), "keys are not known",
            line=line_of(keys_not_known, "d.items()"))


CONFIG = {"a": 1.5, "b": -0.5}


def over_a_global_dict(x):
    return sum(CONFIG[k] * x for k in CONFIG)


def test_a_global_dict_is_unrolled_by_its_keys_when_called():
    check_grads(over_a_global_dict, (0.7,))
    CONFIG["c"] = 2.0
    try:
        assert s2sad.grad(over_a_global_dict)(0.7) == pytest.approx(3.0)
        _, tangent = s2sad.jvp(over_a_global_dict, (0.7,), (1.0,))
        assert tangent == pytest.approx(3.0)
    finally:
        del CONFIG["c"]


def test_a_loop_over_a_dict_kinds_cannot_see_is_refused_when_it_runs():
    config = {"a": 1.5, "b": -0.5}

    def over_a_closure_dict(x):
        s = 0.0
        for k in config:
            s = s + config[k] * x
        return s
    where = line_of(over_a_closure_dict, "for k in config")
    refused(lambda: s2sad.grad(over_a_closure_dict)(0.7), "keys were not known", line=where)
    refused(lambda: s2sad.jvp(over_a_closure_dict, (0.7,), (1.0,)), "keys were not known",
            line=where)


def test_methods_are_named_by_the_receivers_type():
    def index_of(x):
        items = [x, 2.0 * x]
        return items.index(x) * x + sum(items)

    message = refused(lambda: s2sad.grad(index_of)(1.0), "'list.index'")
    assert "ndarray" not in message


# ---- 2. static and class methods through an instance -----------------------------------

class Layer:
    SCALE = 2.0
    squash = np.tanh                     # a function stored on the class: no binding

    def __init__(self, w):
        self.w = w

    @staticmethod
    def act(z):
        return np.tanh(z)

    @classmethod
    def scaled(cls, z):
        return cls.SCALE * cls.act(z)

    @classmethod
    def make(cls, w):
        return cls(w)

    def __call__(self, x):
        return self.act(self.w @ x) + self.scaled(x) + self.squash(x)


def through_instances(layer, x):
    return np.sum(layer.act(x) + layer.scaled(x) + layer(x) + Layer.scaled(x) + Layer.act(x))


def test_static_and_class_methods_resolve_to_their_functions():
    x = np.array([0.3, -0.7, 1.1])
    check_grads(through_instances, (Layer(0.5 * np.eye(3)), x))
    text = s2sad.source(through_instances, wrt=1, example_args=(Layer(np.eye(3)), x))
    assert "act(x)" in text and "scaled(" in text


# ---- 3. tuples holding containers --------------------------------------------------------

def pair_with_record(x):
    y = np.sin(x)
    return y, {"a": y * 2.0, "b": [y, 3.0 * y]}


def drops_the_record(x):
    y, _ = pair_with_record(x)
    return np.sum(y)


def uses_the_record(x):
    y, record = pair_with_record(x)
    return np.sum(y * record["a"]) + np.sum(record["b"][1])


@pytest.mark.parametrize("fn", [drops_the_record, uses_the_record])
def test_tuples_holding_dicts_returned_by_helpers(fn):
    check_grads(fn, (np.array([0.3, -0.7, 1.1]),))


def test_dropped_record_gradient_is_analytic():
    x = np.array([0.3, -0.7, 1.1])
    assert np.allclose(s2sad.grad(drops_the_record)(x), np.cos(x))


# ---- 4. rows unpacked from an array written later; 5. items of a list ---------------------

class Spring:
    def __init__(self, k):
        self.k = k

    def force(self, x, v):
        return -self.k * x - 0.1 * v


def oscillator(spring, x0):
    traj = np.zeros((6, 2))
    traj[0, 0] = x0
    for k in range(5):
        x, v = traj[k]
        traj[k + 1, 0] = x + 0.1 * v
        traj[k + 1, 1] = v + 0.1 * spring.force(x, v)
    return np.sum(traj ** 2)


def writes_while_a_row_is_named(x0):
    traj = np.zeros((3, 2))
    traj[0] = x0
    for k in range(2):
        row = traj[k]
        traj[k + 1] = row * 2.0
        traj[k + 1, 0] = row[0] + 1.0
    return np.sum(traj)


def last_of_a_list(x):
    path = [x]
    for i in range(4):
        x = path[-1]
        path.append(x * 1.1 + 0.5 * np.sin(x))
    return sum(path)


def test_unpacked_row_items_are_numbers_not_views():
    check_grads(oscillator, (Spring(2.0), 0.5))


def test_a_named_row_is_still_a_view():
    refused(lambda: s2sad.grad(writes_while_a_row_is_named)(np.ones(2)), "'row' views",
            line=line_of(writes_while_a_row_is_named, "traj[k + 1] = row"))


def test_an_item_taken_from_a_list_is_no_view():
    check_grads(last_of_a_list, (0.3,))


# ---- 6. np.append, np.insert, np.delete, np.r_, np.c_, np.s_ ----------------------------

def appends(x):
    y = np.append(x, x[:2] * 3.0)
    m = np.append(np.outer(x, x), np.ones((3, 1)) * x[0], axis=1)
    return np.sum(y ** 3) + np.sum(np.sin(m))


def inserts(x):
    y = np.insert(x, [1, 2], x[0] * x[1])
    m = np.insert(np.outer(x, x), 1, np.cos(x), axis=0)
    return np.sum(y ** 3) + np.sum(np.sin(m))


def deletes(x):
    return np.sum(np.delete(x, 1) ** 3) + np.sum(np.delete(np.outer(x, x), [0, 2], axis=1) ** 2)


def index_builders(x):
    r = np.r_[x, 2.0, np.sin(x[:2])]
    c = np.c_[x, x ** 2]
    s = x[np.s_[1:]]
    return np.sum(r ** 3) + np.sum(np.cos(c)) + np.sum(s ** 2)


def all_together(x):
    y = np.delete(np.insert(np.append(x, x[:2] * 3.0), [1, 2], x[0] * x[1]), 0)
    return np.sum(np.r_[y, x[2]] ** 3) + np.sum(np.c_[x, x ** 2] ** 3)


X = np.array([0.3, -0.4, 0.8])


@pytest.mark.parametrize("fn", [appends, inserts, deletes, index_builders, all_together])
def test_insertion_rules_in_both_modes(fn):
    check_grads(fn, (X,))


@pytest.mark.parametrize("fn", [appends, inserts, deletes, index_builders])
def test_insertion_rules_are_closed_under_differentiation(fn):
    hessian = s2sad.hessian(fn)(X)
    eps = 1e-5
    numeric = np.array([(s2sad.grad(fn)(X + eps * e) - s2sad.grad(fn)(X - eps * e)) / (2 * eps)
                        for e in np.eye(3)])
    assert np.allclose(hessian, numeric, atol=1e-6)


def r_with_a_range(x):
    return np.sum(np.r_[0:2, x] ** 2)


def test_an_index_that_depends_on_the_input_is_refused_in_both_modes():
    where = line_of(r_with_a_range, "np.r_")
    for mode in (lambda: s2sad.grad(r_with_a_range)(X),
                 lambda: s2sad.jvp(r_with_a_range, (X,), (X,))):
        refused(mode, "index", "np.arange", line=where)


def test_a_numpy_function_without_a_rule_is_named_by_its_module():
    def unruled(x):
        return np.sum(np.unwrap(x))

    message = refused(lambda: s2sad.grad(unruled)(X), "'numpy.unwrap'")
    assert "ndarray" not in message


# ---- 7. realistic programs ---------------------------------------------------------------

def kf_predict(state, model):
    F = model["F"]
    return {"x": F @ state["x"], "P": F @ state["P"] @ F.T + model["Q"]}


def kf_update(state, z, model):
    H = model["H"]
    y = z - H @ state["x"]
    S = H @ state["P"] @ H.T + model["R"]
    K = state["P"] @ H.T @ np.linalg.inv(S)
    x = state["x"] + K @ y
    P = (np.eye(2) - K @ H) @ state["P"]
    return {"x": x, "P": P}, y, S


def kalman_nll(model, x0, zs):
    state = {"x": x0, "P": np.eye(2)}
    nll = 0.0
    for z in zs:
        state = kf_predict(state, model)
        state, y, S = kf_update(state, z, model)
        nll = nll + 0.5 * (y @ np.linalg.solve(S, y) + np.log(np.linalg.det(S)))
    penalty = 0.0
    for name, matrix in model.items():
        penalty = penalty + 1e-3 * np.sum(matrix ** 2)
    return nll + penalty


def kalman_by_noise(q, r, x0, zs):
    model = {"F": np.array([[1.0, 0.1], [0.0, 1.0]]), "H": np.array([[1.0, 0.0]]),
             "Q": q * np.eye(2), "R": r * np.eye(1)}
    return kalman_nll(model, x0, zs)


ZS = [np.array([0.1]), np.array([0.35]), np.array([0.3]), np.array([0.55])]
MODEL = {"F": np.array([[1.0, 0.1], [0.0, 1.0]]), "H": np.array([[1.0, 0.0]]),
         "Q": 0.05 * np.eye(2), "R": 0.2 * np.eye(1)}


def test_kalman_filter():
    check_grads(functools.partial(kalman_by_noise, zs=ZS), (0.05, 0.2, np.array([0.0, 1.0])))
    check_dict_grads(kalman_nll, (MODEL, np.array([0.0, 1.0]), ZS))


def softplus(z):
    return np.log1p(np.exp(z))


ACTIVATIONS = {"tanh": np.tanh, "softplus": softplus, "sin": np.sin}


def mlp(params, x):
    h = x
    for name, layer in params.items():
        h = ACTIVATIONS[layer_activation(name)](layer["W"] @ h + layer["b"])
    return np.sum(h ** 2)


def layer_activation(name):
    return {"hidden": "tanh", "out": "softplus"}[name]


def mlp_by_argument(params, x, activations):
    h = x
    for name, layer in params.items():
        h = activations[name](layer["W"] @ h + layer["b"])
    return np.sum(h ** 2)


def mlp_by_global(params, x):
    h = ACTIVATIONS["tanh"](params["hidden"]["W"] @ x + params["hidden"]["b"])
    return np.sum(ACTIVATIONS["softplus"](params["out"]["W"] @ h + params["out"]["b"]) ** 2)


def _mlp_params(rng):
    return {"hidden": {"W": rng.normal(size=(4, 3)), "b": rng.normal(size=4)},
            "out": {"W": rng.normal(size=(2, 4)), "b": rng.normal(size=2)}}


def test_mlp_with_activations_picked_from_a_dict():
    params, x = _mlp_params(np.random.default_rng(0)), np.array([0.3, -0.7, 1.1])
    acts = {"hidden": np.tanh, "out": softplus}
    check_grads(functools.partial(mlp_by_argument, params, activations=acts), (x,))
    check_dict_grads(mlp_by_argument, (params, x, acts))
    check_grads(functools.partial(mlp_by_global, params), (x,))
    check_dict_grads(mlp_by_global, (params, x))


def test_a_global_dict_of_functions_is_followed_when_rebound():
    params, x = _mlp_params(np.random.default_rng(1)), np.array([0.3, -0.7, 1.1])
    before = s2sad.grad(mlp_by_global, wrt=1)(params, x)
    ACTIVATIONS["tanh"] = np.sin
    try:
        after = s2sad.grad(mlp_by_global, wrt=1)(params, x)
        check_grads(functools.partial(mlp_by_global, params), (x,))
    finally:
        ACTIVATIONS["tanh"] = np.tanh
    assert not np.allclose(before, after)


class Dense:
    def __init__(self, w, b):
        self.w, self.b = w, b

    @staticmethod
    def activation(z):
        return np.tanh(z)

    def __call__(self, x):
        return self.activation(self.w @ x + self.b)


class Residual(Dense):
    @staticmethod
    def activation(z):
        return softplus(z) - np.log(2.0)

    def __call__(self, x):
        return x + Dense.__call__(self, x)


def network(layers, x):
    for layer in layers:
        x = layer(x)
    return np.sum(x ** 2)


def test_home_made_layer_classes():
    rng = np.random.default_rng(2)
    layers = (Dense(rng.normal(size=(3, 3)), rng.normal(size=3)),
              Residual(0.5 * rng.normal(size=(3, 3)), rng.normal(size=3)))
    check_grads(functools.partial(network, layers), (np.array([0.3, -0.7, 1.1]),))
    text = s2sad.source(network, wrt=1, example_args=(layers, np.array([0.3, -0.7, 1.1])))
    assert "call___fwd_1(" in text and "activation_fwd_1(" in text   # each class's own


def sir(beta, gamma, s0, days=20.0, dt=0.5):
    s, i, r = s0, 1.0 - s0, 0.0
    path = [(s, i, r)]
    for step in range(int(days / dt)):
        s, i, r = path[-1]
        infections = beta * s * i
        recoveries = gamma * i
        path.append((s - dt * infections, i + dt * (infections - recoveries),
                     r + dt * recoveries))
    infected = [state[1] for state in path]
    return sum(infected) * dt + path[-1][2]


def test_sir_epidemic():
    check_grads(sir, (0.6, 0.2, 0.97))
