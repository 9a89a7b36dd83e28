"""autograd's differentiation API written on s2sad, for benchmarks/autograd_suite.py.

The runner copies this file next to the rewritten autograd test modules and examples
(as `_agshim`) and points every `from autograd... import name` at it.  Each name
that has an s2sad equivalent is that equivalent (autograd's `argnum` is s2sad's
`wrt`); autograd's internals (tracer, boxes, vector spaces, `primitive`) have none:
their names are placeholders raising `NoEquivalent` when used, so a test needing one
is counted apart from s2sad's own failures.  `check_grads` checks with
`s2sad.testing.check_grads` (central differences in random directions, both modes,
the dot-product test) and, for order 2, the derivative of the JVP and of the VJP
again, as autograd's does.
"""
import builtins
import hashlib
import importlib.util
import itertools
import os
import sys
import tempfile

import numpy as np

import s2sad
from s2sad.testing import check_grads as _s2_check_grads

_MODES = {"fwd": "forward", "rev": "reverse"}
_RNG = np.random.RandomState(1234)       # the checks' own draws leave np.random alone
_BINDERS = tempfile.mkdtemp(prefix="agshim_")


class NoEquivalent(Exception):
    """An autograd API with no s2sad equivalent (its tracer, boxes, vspaces...)."""


def _missing(name):
    def placeholder(*args, **kwargs):
        raise NoEquivalent(f"autograd.{name} has no s2sad equivalent")
    placeholder.__name__ = name
    return placeholder


# ---- binders: functions of the differentiated arguments only ---------------------
# s2sad reads the source of what it differentiates, so each binder is a real file
# written once per calling form (number of arguments, differentiated positions,
# keyword names), with every other argument a closure constant.

def _binder_source(nargs, argnums, kwnames, spread):
    consts = [f"c{i}" for i in range(nargs) if i not in argnums]
    pick = {p: (f"x{k}" if spread else "x" if len(argnums) == 1 else f"x[{k}]")
            for k, p in enumerate(argnums)}
    call = [pick.get(i, f"c{i}") for i in range(nargs)] + [f"{k}=k_{k}" for k in kwnames]
    params = ", ".join(["fun"] + consts + [f"k_{k}" for k in kwnames])
    xs = ", ".join(f"x{k}" for k in range(len(argnums))) if spread else "x"
    return (f"def make({params}):\n    def bound({xs}):\n"
            f"        return fun({', '.join(call)})\n    return bound\n")


def _load(source):
    name = "_agbind_" + hashlib.sha1(source.encode()).hexdigest()[:12]
    if name not in sys.modules:
        path = os.path.join(_BINDERS, name + ".py")
        with open(path, "w") as fh:
            fh.write("import numpy as np\nimport s2sad\n\n\n" + source)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def _argnums(argnum):
    return tuple(argnum) if isinstance(argnum, (tuple, list)) else (argnum,)


def _bind(fun, argnum, args, kwargs, spread=False):
    """(g, x): g(x) = fun(*args, **kwargs) as a function of the `argnum` arguments (a
    tuple of them when `argnum` is a tuple); with `spread`, g(*x), one parameter each."""
    nums = _argnums(argnum)
    make = _load(_binder_source(len(args), nums, tuple(kwargs), spread)).make
    g = make(fun, *(a for i, a in enumerate(args) if i not in nums), *kwargs.values())
    x = args[nums[0]] if len(nums) == 1 and not spread else tuple(args[i] for i in nums)
    return g, x


def _jvp_of(f, n):
    """f2(a..., v...) = the JVP of the n-argument f (differentiable again)."""
    a, v = [f"a{i}" for i in range(n)], [f"v{i}" for i in range(n)]
    src = (f"def make(f):\n    def jvp_f({', '.join(a + v)}):\n"
           f"        return s2sad.jvp(f, ({', '.join(a)},), ({', '.join(v)},))[1]\n"
           f"    return jvp_f\n")
    return _load(src).make(f)


def _vjp_of(f, n):
    """f2(a..., w) = the VJP of the n-argument f with cotangent w (for array or
    float outputs), as a gradient of <f, w>: differentiable again."""
    a = [f"a{i}" for i in range(n)]
    wrt = "0" if n == 1 else f"({', '.join(str(i) for i in range(n))})"
    src = (f"def make(f):\n    def inner({', '.join(a)}, w):\n"
           f"        return np.sum(f({', '.join(a)}) * w)\n"
           f"    return s2sad.grad(inner, wrt={wrt})\n")
    return _load(src).make(f)


def _like(x):
    if isinstance(x, dict):
        return {k: _like(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(_like(v) for v in x)
    if isinstance(x, np.ndarray):
        return _RNG.randn(*x.shape).astype(x.dtype) if x.ndim else x.dtype.type(_RNG.randn())
    return float(_RNG.randn())


def _has_float(x):
    return any(np.issubdtype(np.result_type(leaf), np.floating) for leaf in _leaves(x)
               if not callable(leaf) and leaf is not None)


def _check(f, args, modes, order):
    if not _has_float(args):        # complex or int: s2sad says what it makes of them
        s2sad.vjp(f, *args)
    _s2_check_grads(f, args, tuple(_MODES[m] for m in modes))
    if order > 1 and "fwd" in modes:
        _check(_jvp_of(f, len(args)), tuple(args) + tuple(_like(a) for a in args), modes,
               order - 1)
    if order > 1 and "rev" in modes:
        out = f(*args)
        if isinstance(out, (float, np.floating, np.ndarray)):
            _check(_vjp_of(f, len(args)), tuple(args) + (_like(out),), modes, order - 1)


# ---- autograd.test_util ------------------------------------------------------------

def check_grads(fun, wrt=0, modes=("fwd", "rev"), order=2):
    """autograd's `check_grads(fun, argnum, modes, order)(*args, **kwargs)`
    (`argnum` rewritten to `wrt`)."""
    def checker(*args, **kwargs):
        g, xs = _bind(fun, wrt, args, kwargs, spread=True)
        _check(g, xs, tuple(modes), order)
    return checker


def combo_check(fun, *check_args, **check_kwargs):
    """Check `fun` at every combination of the listed argument and keyword values."""
    def run(*arg_lists, **kwarg_lists):
        names = list(kwarg_lists)
        for values in itertools.product(*arg_lists):
            for chosen in itertools.product(*(kwarg_lists[k] for k in names)):
                check_grads(fun, *check_args, **check_kwargs)(*values, **dict(zip(names, chosen)))
    return run


def scalar_close(a, b, tol=1e-6):
    return abs(a - b) < tol or abs(a - b) / abs(a + b) < tol


def _leaves(x):
    if isinstance(x, dict):
        x = list(x.values())
    return [y for v in x for y in _leaves(v)] if isinstance(x, (tuple, list)) else [x]


def check_equivalent(x, y):
    lx, ly = _leaves(x), _leaves(y)
    assert len(lx) == len(ly), f"structures differ: {x} vs {y}"
    for a, b in zip(lx, ly):
        assert np.shape(a) == np.shape(b), f"shapes differ: {np.shape(a)} vs {np.shape(b)}"
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# ---- autograd's differential operators ----------------------------------------------

# s2sad's own operators, so that a call of one inside a differentiated function is
# seen by s2sad (the runner rewrites autograd's `argnum=` to `wrt=`)
grad, value_and_grad = s2sad.grad, s2sad.value_and_grad
jacobian, hessian = s2sad.jacobian, s2sad.hessian


def grad_named(fun, argname):
    return s2sad.grad(fun, wrt=argname)


def _summed(fun):
    def summed(*args, **kwargs):
        return np.sum(fun(*args, **kwargs))
    return summed


def elementwise_grad(fun, wrt=0):
    """The VJP with a cotangent of ones: the gradient of the sum of the output."""
    return s2sad.grad(_summed(fun), wrt=wrt)


def deriv(fun, wrt=0):
    """The JVP with a tangent of ones."""
    def derivative(*args, **kwargs):
        g, x = _bind(fun, wrt, args, kwargs)
        return s2sad.jvp(g, (x,), (np.ones_like(x) if np.ndim(x) else 1.0,))[1]
    return derivative


def make_vjp(fun, wrt=0):
    def at(*args, **kwargs):
        g, x = _bind(fun, wrt, args, kwargs)
        ans, pullback = s2sad.vjp(g, x)
        return (lambda w: pullback(w)[0]), ans
    return at


def make_jvp(fun, wrt=0):
    def at(*args, **kwargs):
        g, x = _bind(fun, wrt, args, kwargs)
        return lambda v: s2sad.jvp(g, (x,), (v,))
    return at


def make_hvp(fun, wrt=0):
    def at(*args, **kwargs):
        g, x = _bind(fun, wrt, args, kwargs)
        return (lambda v: s2sad.hvp(g, (x,), (v,))[0]), s2sad.grad(g)(x)
    return at


def hessian_tensor_product(fun, wrt=0):
    def product(*args, **kwargs):
        g, x = _bind(fun, wrt, args[:-1], kwargs)
        return s2sad.hvp(g, (x,), (args[-1],))[0]
    return product


def tensor_jacobian_product(fun, wrt=0):
    def product(*args, **kwargs):
        g, x = _bind(fun, wrt, args[:-1], kwargs)
        return s2sad.vjp(g, x)[1](args[-1])[0]
    return product


def make_jvp_reversemode(fun, wrt=0):
    return make_jvp(fun, wrt)


def checkpoint(fun):
    return fun


hessian_vector_product = hessian_tensor_product
vector_jacobian_product = tensor_jacobian_product
isinstance = builtins.isinstance    # noqa: A001 (autograd.builtins re-exports)
type, tuple, list, dict = builtins.type, builtins.tuple, builtins.list, builtins.dict  # noqa: A001


def _utility(module, name):
    """autograd's plain utilities (optimizers, flatten): no differentiation in them
    beyond the gradient function they are handed."""
    return getattr(importlib.import_module(module), name)


def __getattr__(name):
    utilities = {"adam": "autograd.misc.optimizers", "sgd": "autograd.misc.optimizers",
                 "rmsprop": "autograd.misc.optimizers", "flatten": "autograd.misc.flatten"}
    if name in utilities:
        return _utility(utilities[name], name)
    if name.startswith("__"):
        raise AttributeError(name)
    return _missing(name)
