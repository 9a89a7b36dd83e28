"""The public extension API: give a function a derivative rule, or none.

A rule given here overrides source transformation of a user's own function (a
numerically stable logsumexp, a clipped gradient), with the same machinery as the
built-in rules (`s2sad.rules`).  Terms are Python expressions over the parameter
names, `ans` (the function's output), `np`, `math` and `rt` (`s2sad.runtime`):

* a forward term for parameter `p` uses `dp`, the tangent of `p`;
* a reverse term for `p` uses `g`, the cotangent of the output, and gives p's
  cotangent (with p's shape);
* an elementwise function can be given once, by its partial derivatives.

Example::

    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    s2sad.defvjp(logsumexp, "x", x="g * np.exp(x - ans)")
    s2sad.defjvp(logsumexp, "x", x="np.sum(dx * np.exp(x - ans))")
"""
from __future__ import annotations

from .rules import core


def _merged(fn, signature: str, jvp=None, vjp=None):
    existing = core.RULES.get(fn)
    jvp = dict(jvp if jvp is not None else (existing.jvp if existing else {}))
    vjp = dict(vjp if vjp is not None else (existing.vjp if existing else {}))
    return core.defrule(fn, signature, jvp=jvp, vjp=vjp, override=True)


def defjvp(fn, signature: str, **terms):
    """Forward-mode rule of `fn`: one tangent term per differentiable parameter
    (`defjvp(f, "x, y", x="dx * y", y="x * dy")`); the terms are summed."""
    return _merged(fn, signature, jvp=terms)


def defvjp(fn, signature: str, **terms):
    """Reverse-mode rule of `fn`: each differentiable parameter's cotangent from the
    output's cotangent `g` (`defvjp(f, "x, y", x="g * y", y="g * x")`)."""
    return _merged(fn, signature, vjp=terms)


def defpartials(fn, signature: str, **partials):
    """Both modes of an elementwise `fn` from its partial derivatives
    (`defpartials(softplus, "x", x="1.0 / (1.0 + np.exp(-x))")`)."""
    return core.defpartials(fn, signature, override=True, **partials)


def nondiff(fn):
    """Declare `fn` non-differentiable: its derivative is zero and no code is emitted.
    Usable as a decorator."""
    core.nondiff(fn)
    return fn


def stop_gradient(x):
    """`x` itself, but treated as a constant by differentiation."""
    return x


core.nondiff(stop_gradient)
