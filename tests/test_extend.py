"""The public extension API: user rules override source transformation."""
import math

import numpy as np

import pytest

import s2sad
from s2sad.rules import core
from s2sad.testing import check_grads


def stable_logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))




def clipped(x):
    return x




def softplus(x):
    return np.log1p(np.exp(x))


def bucket(x):
    return math.floor(x * 4.0) / 4.0


@pytest.fixture(autouse=True, scope="module")
def user_rules():
    """Register the rules of this module, and remove them afterwards (the registry
    is global; other tests check that every built-in rule has a spec)."""
    s2sad.defvjp(stable_logsumexp, "x", x="g * np.exp(x - ans)")
    s2sad.defjvp(stable_logsumexp, "x", x="np.sum(dx * np.exp(x - ans))")
    s2sad.defvjp(clipped, "x", x="np.clip(g, -1.0, 1.0)")
    s2sad.defjvp(clipped, "x", x="np.clip(dx, -1.0, 1.0)")
    s2sad.defpartials(softplus, "x", x="1.0 / (1.0 + np.exp(-x))")
    s2sad.nondiff(bucket)
    yield
    for fn in (stable_logsumexp, clipped, softplus, bucket):
        core.RULES.pop(fn, None)
        core.NONDIFF.pop(fn, None)


def uses_rules(x):
    return stable_logsumexp(x * 2.0) + np.sum(softplus(x))


def test_user_rules_in_both_modes():
    x = np.array([0.5, -1.0, 2.0])
    check_grads(uses_rules, (x,), modes=("forward", "reverse"))
    text = s2sad.source(uses_rules, example_args=(x,))
    assert "stable_logsumexp_fwd" not in text      # the rule is used, not the source


def test_user_rule_changes_the_gradient():
    def f(x):
        return 5.0 * clipped(x)

    assert s2sad.grad(f)(0.3) == 1.0        # the cotangent 5 is clipped to 1 by the rule
    assert f(0.3) == 1.5                    # the value is untouched


def test_stop_gradient_and_nondiff():
    def f(x):
        return x * s2sad.stop_gradient(x) + bucket(x)

    for mode in ("reverse", "forward"):
        assert s2sad.grad(f, mode=mode)(3.0) == 3.0


@pytest.mark.parametrize("register", [
    lambda: s2sad.defvjp(None, "x", x="g"),
    lambda: s2sad.defjvp("digamma", "x", x="dx"),
    lambda: s2sad.defpartials(3.0, "x", x="1.0"),
    lambda: s2sad.nondiff(None),
])
def test_registering_a_rule_for_something_that_is_not_a_function_fails_at_once(register):
    with pytest.raises(TypeError, match="not a function"):
        register()


def soft(x):
    return np.tanh(x)


def calls_soft(x):
    return soft(x) * 2.0


def test_a_rule_registered_later_replaces_what_was_generated():
    """Cached derivatives (and the per-call fast path, and derivatives of derivatives)
    follow a rule registered after them; a later registration wins."""
    gradient, outer = s2sad.grad(soft), s2sad.grad(calls_soft)
    second = s2sad.grad(s2sad.grad(soft))
    assert gradient(0.3) == pytest.approx(1 - np.tanh(0.3) ** 2)
    assert gradient(0.3) == pytest.approx(1 - np.tanh(0.3) ** 2)   # the fast path
    assert second(0.3) == pytest.approx(-2 * np.tanh(0.3) * (1 - np.tanh(0.3) ** 2))
    s2sad.defpartials(soft, "x", x="3.0 * x")     # deliberately not tanh's derivative
    assert gradient(0.3) == pytest.approx(0.9)
    assert outer(0.3) == pytest.approx(1.8)
    assert second(0.3) == pytest.approx(3.0)
    s2sad.defpartials(soft, "x", x="5.0 * x")
    assert gradient(0.3) == pytest.approx(1.5)
    assert s2sad.grad(soft, mode="forward")(0.3) == pytest.approx(1.5)
