"""The public API: grad, value_and_grad, jvp, vjp, jacobian, hessian, hvp, source, ir.

This module binds arguments, checks them and shapes the results; the derivatives
themselves come from the compiler (compiler.py), which generates each once per
function, mode, `wrt` and signature of argument kinds and caches it.
"""
from __future__ import annotations

import functools
import inspect

import numpy as np

from . import arguments, compose, loader, matrices, rules, runtime
from .callables import signature
from .compiler import DEFAULT as COMPILER
from .backends import check_backend
from .compose import Spec, call_adapter, needs_adapter
from .dispatch import Derived, FastPath
from .errors import MissingRuleError, NonDifferentiableError
from .printer import print_function
from .runtime import ode_adjoint
from .transforms.checkpoint import checkpoint_option
from .variants import GRAD, PLAIN
from .runtime.strong import all_finite
from .parsing import unwrap_function

def _made_by_s2sad(call, op: str, f, wrt=(), single=True, primals=(), call_signature=None,
                   remake=None, adapter=None) -> Derived:
    """The function an API operator returns for `f` (see dispatch.Derived): `call`
    with f's name, docstring and signature (so wrt and argument binding follow f, or
    `call_signature`) and the Spec that lets s2sad differentiate it again
    (compose.py); `remake` is (operator name, arguments, keywords) to pickle it;
    `adapter` is `needs_adapter(f)` when known."""
    name = getattr(f, "__name__", op)
    if call_signature is None and op != "pullback" and \
            not (needs_adapter(f) if adapter is None else adapter):
        try:                        # (else (*args, **kwargs): as the function is called)
            call_signature = signature(f)
        except (TypeError, ValueError):   # a builtin without a signature
            pass
    if op in ("pullback", "jvp", "hvp"):
        name = f"{op}_of_{name}"
    spec = Spec(op, f, tuple(wrt), single, tuple(primals))
    return Derived(call, spec, (_remake, remake or (op, (f,), {})), name,
                   getattr(f, "__doc__", None), getattr(f, "__module__", None), call_signature)


def _remake(op: str, args: tuple, kwargs: dict):
    """An operator's result made again (how a Derived unpickles)."""
    if op == "pullback":
        return vjp(*args[:1], *args[1], **kwargs)[1]
    return globals()[op](*args, **kwargs)


def _for_call(f, args, kwargs):
    """What is differentiated for this call of `f`: `f`, or for a function taking
    *args/**kwargs or a function with a rule (`np.tanh`), a function of exactly these
    arguments that calls it (compose.call_adapter)."""
    if rules.lookup(f) == "nondiff":
        raise NonDifferentiableError(
            f"'{rules.display_name(f)}' is declared non-differentiable (its derivative is "
            "zero everywhere it is defined), so s2sad does not differentiate it",
            fix="differentiate a function that computes a float from float inputs")
    if needs_adapter(f):
        return call_adapter(f, len(args), tuple(kwargs))
    return f


def _visible_positions(f, wrt, adapter) -> tuple:
    """The `wrt` positions counted from the first argument the caller passes (a Spec's
    `wrt`); for a function taking *args (`adapter`) they are only known at each call."""
    if adapter:
        return tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,), \
            not isinstance(wrt, (tuple, list))
    positions, single = arguments.positions(f, wrt)
    offset = len(arguments.bound_self(f))
    return tuple(i - offset for i in positions), single


def _bound_call(f, wrt, args, kwargs):
    """(the function differentiated for this call, wrt positions, single, the number of
    leading bound arguments, all bound values): the common start of an operator's call."""
    g = _for_call(f, args, kwargs)
    positions, single = arguments.positions(g, wrt)
    values = arguments.bind(g, args, kwargs)
    arguments.check_wrt(g, values, positions)
    return g, positions, single, len(arguments.bound_self(g)), values


def clear_caches() -> None:
    """Forget every derivative generated so far (they are generated again when next
    called): for benchmarks of generation time, or to free memory."""
    COMPILER.clear()


def _compiled(fn, mode: str, wrt: tuple, arg_kinds: tuple, check_finite: bool = False,
              backend: str = "python", checkpoint=None, variant=PLAIN):
    return COMPILER.compiled(fn, mode, wrt, arg_kinds, check_finite, backend, checkpoint,
                             variant)


def _checkpoint(checkpoint, mode: str, backend: str):
    """The `checkpoint=` option checked and normalised (transforms/checkpoint.py)."""
    option = checkpoint_option(checkpoint)
    if option is not None and mode != "reverse":
        raise ValueError("checkpoint= applies to reverse mode (forward mode keeps no tape)")
    if option is not None and backend != "python":
        raise ValueError("checkpoint= runs with the Python backend only (backend='python')")
    return option


# ---- public API ---------------------------------------------------------------------

def value_and_grad(f=None, wrt=0, *, mode="reverse", check_finite=False, backend="python",
                   checkpoint=None):
    """Return a function computing `(f(*args), gradient)` of a scalar-output `f`.

    `wrt` is a parameter position or name, or a tuple of them (then the gradient is a
    tuple); for a function taking *args, positions count the positional arguments of
    the call (as JAX's argnums).  `mode` is "reverse" (one sweep for all gradients) or "forward" (one
    tangent sweep per input element).  Each gradient has its input's shape and dtype.
    With `check_finite=True` the first non-finite value computed by the derivative
    code raises NonDifferentiableError naming the user's line it comes from.
    `backend="numba"` compiles the derivative code with Numba (the optional extra
    `s2sad[jit]`), running the Python derivative, with a warning, where Numba cannot
    compile it; `backend="numba!"` raises S2SADError there instead (docs/numba.md).
    `checkpoint=True` (or a number of snapshots, or ("revolve", c) for the binomial
    schedule) bounds the tape of long `for` loops by recomputing them in segments
    (docs/api.md, "Checkpointing").
    """
    options = {"mode": mode, "check_finite": check_finite, "backend": backend,
               "checkpoint": checkpoint}
    if f is None:
        return functools.partial(value_and_grad, wrt=wrt, **options)
    adapter = needs_adapter(f)
    return _made_by_s2sad(_value_and_grad_call(f, wrt, **options), "value_and_grad", f,
                          *_visible_positions(f, wrt, adapter),
                          remake=("value_and_grad", (f, wrt), options), adapter=adapter)


def _value_and_grad_call(f, wrt, mode, check_finite, backend, checkpoint, grads_only=False):
    """The plain function behind value_and_grad(f, ...); with `grads_only`, the one
    behind grad(f, ...), returning the gradients alone (its code need not compute
    the value: variants.py)."""
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    check_backend(backend)
    snapshots = _checkpoint(checkpoint, mode, backend)
    reverse, single = mode == "reverse", not isinstance(wrt, (tuple, list))
    variant = GRAD if grads_only else PLAIN
    share = (tuple(wrt) if not single else wrt, check_finite, backend, snapshots, variant)
    fast = FastPath(COMPILER, f, share if reverse and _hashable(share) else None)

    def value_and_grad_f(*args, **kwargs):
        g, positions, _, n_leading, values = _bound_call(f, wrt, args, kwargs)
        if reverse:
            derivative = _compiled(g, "reverse", positions, arguments.kinds_of(values),
                                   check_finite, backend, snapshots, variant)
            if derivative.output_kind.tag in ("tuple", "list", "listof", "tupleof", "dict") or (
                    derivative.output_kind.tag == "array" and derivative.output_kind.ndim):
                arguments.check_scalar_output(g, unwrap_function(g)(*values))
            if g is f and compose.spec_of(f) is None and \
                    not arguments.holds_named_tuple(values):   # plain functions: per call kinds
                derivative = fast.remember(args, kwargs, derivative, values, n_leading)
            out, *grads = derivative(*values, 1.0)
            arguments.check_scalar_output(g, out)
        else:
            out, grads = _forward_gradient(g, values, positions, check_finite, backend)
        if arguments.holds_named_tuple(values):
            grads = [arguments.restructure(d, values[i]) for d, i in zip(grads, positions)]
        grads = grads[0] if single else tuple(grads)
        return grads if grads_only else (out, grads)
    return fast.caller(value_and_grad_f, single, grads_only) if reverse else value_and_grad_f


def _hashable(key) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def grad(f=None, wrt=0, *, mode="reverse", check_finite=False, backend="python",
         checkpoint=None):
    """Return a function computing the gradient of scalar-output `f` (see value_and_grad).

    Usable as `grad(f)`, `grad(f, wrt=(0, "y"))`, `@grad` and `@grad(wrt=1)`.
    """
    options = {"mode": mode, "check_finite": check_finite, "backend": backend,
               "checkpoint": checkpoint}
    if f is None:
        return functools.partial(grad, wrt=wrt, **options)
    adapter = needs_adapter(f)
    return _made_by_s2sad(_value_and_grad_call(f, wrt, **options, grads_only=True), "grad", f,
                          *_visible_positions(f, wrt, adapter),
                          remake=("grad", (f, wrt), options), adapter=adapter)


def _forward_code(f, positions, arg_kinds, check_finite=False, backend="python"):
    """The forward-mode derivative of `f` to call: its code, and where a tangent it
    returns has an inf or nan entry, its code with strong zeros run again (a zero
    tangent times inf or nan is 0: a non-finite input entry reaches only the tangent
    entries that depend on it, see transforms/strong.py).  check_finite keeps IEEE
    products, to name the first line whose tangent is not finite."""
    plain = _compiled(f, "forward", positions, arg_kinds, check_finite, backend)
    if check_finite:
        return plain

    def forward_code(*args):
        out, dout = plain(*args)
        if all_finite(dout):
            return out, dout
        return _compiled(f, "strong forward", positions, arg_kinds)(*args)
    return forward_code


def _forward_gradient(f, values, positions, check_finite=False, backend="python"):
    """Gradient by forward mode: one tangent sweep per input element."""
    derivative = _forward_code(f, positions, arguments.kinds_of(values), check_finite, backend)
    zeros = [runtime.zeros_like(values[i]) for i in positions]
    grads, out = [], None
    for k, i in enumerate(positions):
        leaves = matrices.leaves(values[i])
        grad_leaves = []
        for j, leaf in enumerate(leaves):
            floating = arguments.differentiable(leaf)
            grad_leaf = runtime.zeros_like(leaf) if np.ndim(leaf) else 0.0
            if np.ndim(leaf):
                grad_leaf = np.array(grad_leaf)
            for index in (np.ndindex(np.shape(leaf)) if np.ndim(leaf) else [None]):
                if not floating:
                    break
                seed = [runtime.zeros_like(v) for v in leaves]
                if index is None:
                    seed[j] = type(leaf)(1.0) if isinstance(leaf, np.generic) else 1.0
                else:
                    seed[j] = np.array(seed[j])
                    seed[j][index] = 1.0
                tangents = list(zeros)
                tangents[k] = matrices.rebuild(values[i], seed)
                out, dout = derivative(*values, *tangents)
                arguments.check_scalar_output(f, out)
                if index is None:
                    grad_leaf = runtime.cast_like(dout, leaf) if floating else grad_leaf
                else:
                    grad_leaf[index] = dout
            grad_leaves.append(grad_leaf)
        grads.append(runtime.cast_like(matrices.rebuild(values[i], grad_leaves), values[i]))
    return out, grads


def jvp(f, primals, tangents, *, check_finite=False, backend="python"):
    """Forward mode: `(f(*primals), J @ tangents)`; int/bool arguments are held constant.
    `backend` as for value_and_grad."""
    check_backend(backend)
    arguments.check_tangents("jvp", f, primals, tangents)
    f = _for_call(f, primals, {})
    offset = len(arguments.bound_self(f))
    given = len(primals)
    primals = tuple(arguments.bind(f, primals, {}))
    tangents = (None,) * offset + tuple(tangents) + (None,) * (len(primals) - given - offset)
    positions = tuple(i for i, v in enumerate(primals) if i >= offset and arguments.differentiable(v))
    derivative = _forward_code(f, positions, arguments.kinds_of(primals), check_finite, backend)
    ts = []
    for i in positions:
        t = tangents[i]
        ts.append(runtime.zeros_like(primals[i]) if t is None else t)
    try:
        out, dout = derivative(*primals, *ts)
    except Exception as exc:       # name the user's line the failing code came from
        raise loader.with_user_line(exc)
    return out, arguments.as_tangent(dout, out)


def vjp(f, *primals, check_finite=False, backend="python", checkpoint=None):
    """Reverse mode: `(f(*primals), pullback)`; `pullback(cotangent)` returns one
    cotangent per positional argument (None for int/bool arguments).  `backend` and
    `checkpoint` as for value_and_grad."""
    check_backend(backend)
    snapshots = _checkpoint(checkpoint, "reverse", backend)
    f = _for_call(f, primals, {})
    offset = len(arguments.bound_self(f))
    given = len(primals)
    primals = tuple(arguments.bind(f, primals, {}))
    positions = tuple(i for i, v in enumerate(primals) if i >= offset and arguments.differentiable(v))
    if not positions:
        foreign = any(arguments.foreign_array(leaf) for v in primals
                      for leaf in matrices.leaves(v))
        raise NonDifferentiableError(
            f"s2sad.vjp of '{getattr(f, '__name__', 'f')}': no argument is a float or a float "
            "array, so there is nothing to pull back"
            + (f"; {arguments.FOREIGN_HINT}" if foreign else ""))
    derivative = _compiled(f, "reverse", positions, arguments.kinds_of(primals), check_finite,
                           backend, snapshots)
    out = unwrap_function(f)(*primals)

    def pullback(cotangent):
        if isinstance(out, (np.ndarray, np.generic)):   # (the derivative is specialised
            cotangent = runtime.cast_like(cotangent, out)  # on cotangents of out's dtype)
        _, *grads = derivative(*primals, cotangent)
        result = [None] * given
        for i, g in zip(positions, grads):
            if i - offset < given:
                result[i - offset] = arguments.restructure(g, primals[i])
        return tuple(result)
    visible = primals[offset:offset + given]
    return out, _made_by_s2sad(pullback, "pullback", f, primals=visible,
                               remake=("pullback", (f, visible),
                                       {"check_finite": check_finite, "backend": backend,
                                        "checkpoint": checkpoint}))


def hvp(f, primals, tangents, *, backend="python"):
    """Hessian-vector product of a scalar-output `f`: `H @ tangents`, one entry per
    argument of `primals` (None for int/bool arguments), like a pullback's result.

    Computed reverse-over-forward: s2sad differentiates, in reverse mode, the
    forward-mode derivative code it generated for `f` (so every step of that code
    needs a rule: Python float code and most NumPy code; a helper without one is
    named in the error)."""
    given = len(primals)
    arguments.check_tangents("hvp", f, primals, tangents)
    f = _for_call(f, primals, {})
    offset = len(arguments.bound_self(f))
    values = tuple(arguments.bind(f, primals, {}))
    tangents = (None,) * offset + tuple(tangents) + (None,) * (len(values) - given - offset)
    positions = tuple(i for i, v in enumerate(values) if i >= offset and arguments.differentiable(v))
    arg_kinds = arguments.kinds_of(values)
    forward_code = _compiled(f, "forward", positions, arg_kinds)
    ts = [runtime.zeros_like(values[i]) if tangents[i] is None else tangents[i]
          for i in positions]
    inputs = tuple(values) + tuple(ts)      # the forward code's parameters
    active = tuple(i for i, v in enumerate(inputs) if arguments.differentiable(v))
    try:
        reverse = _compiled(forward_code, "reverse", active, arguments.kinds_of(inputs),
                            backend=backend)
        # one reverse sweep of the forward code, seeded on the tangent output only (the
        # output must be a scalar, so 0.0 and 1.0 are seeds of the right shape)
        (out, dout), *grads = reverse(*inputs, (0.0, 1.0))
        arguments.check_scalar_output(f, out)
        if not all_finite(grads):   # again with strong zeros, see _forward_code
            tangent_code = _compiled(f, "strong tangent", positions, arg_kinds)
            dout, *grads = _compiled(tangent_code, "reverse", active,
                                     arguments.kinds_of(inputs))(*inputs, 1.0)
        cotangents = dict(zip(active, grads, strict=True))
    except MissingRuleError as exc:
        raise MissingRuleError(
            f"second derivatives of '{unwrap_function(f).__name__}' differentiate its "
            f"forward-mode derivative code (s2sad.source(f, mode='forward')), and a step "
            f"of it has no rule: {exc.reason}", exc.loc,
            fix="give that function a rule (s2sad.defvjp/defjvp), or take finite "
                "differences of s2sad.grad(f) for this Hessian") from None
    result = [None] * given
    for i in positions:
        if i - offset < given:
            result[i - offset] = runtime.cast_like(cotangents[i], values[i])
    return tuple(result)


def hessian(f=None, wrt=0, *, backend="python"):
    """Return a function computing the Hessian of scalar-output `f`, one Hessian-vector
    product per element of the `wrt` arguments.  For one array argument x its shape is
    `x.shape + x.shape`; with `wrt=(0, 1)` it is the nested tuple of blocks `H[i][j]`;
    for pytree arguments each block nests the argument's structure twice (as in JAX).
    Usable as `hessian(f)`, `@hessian` and `@hessian(wrt=1)`."""
    if f is None:
        return functools.partial(hessian, wrt=wrt, backend=backend)
    check_backend(backend)

    def hessian_f(*args, **kwargs):
        g, positions, single, offset, values = _bound_call(f, wrt, args, kwargs)
        given = values[offset:]

        def product(j, tangent):
            tangents = [None] * len(given)
            tangents[j - offset] = tangent
            return (None,) * offset + hvp(g, given, tangents, backend=backend)
        blocks = matrices.hessian_blocks(values, positions, product)
        if single:
            return blocks[positions[0], positions[0]]
        return tuple(tuple(blocks[i, j] for j in positions) for i in positions)
    return _made_by_s2sad(hessian_f, "hessian", f, *_visible_positions(f, wrt, needs_adapter(f)),
                          remake=("hessian", (f, wrt), {"backend": backend}))


def jacobian(f=None, wrt=0, *, mode="reverse", backend="python"):
    """Return a function computing the Jacobian of `f`: for one array argument x, of
    shape `out.shape + x.shape`; with a tuple `wrt`, a tuple of them; for a pytree
    argument, its structure with `out.shape + leaf.shape` at each leaf.  Reverse
    mode takes one sweep per output element, forward mode one per input element.
    Usable as `jacobian(f)`, `@jacobian` and `@jacobian(wrt=1)`."""
    if f is None:
        return functools.partial(jacobian, wrt=wrt, mode=mode, backend=backend)
    check_backend(backend)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")

    def jacobian_f(*args, **kwargs):
        g, positions, single, offset, values = _bound_call(f, wrt, args, kwargs)
        given = values[offset:]
        if mode == "forward":
            def column(i, tangent):
                tangents = [None] * len(given)
                tangents[i - offset] = tangent
                return jvp(g, given, tangents, backend=backend)
            parts = [matrices.jacobian_forward(values[i], functools.partial(column, i))
                     for i in positions]
        else:
            out, pullback = vjp(g, *given, backend=backend)
            parts = [matrices.jacobian_reverse(values[i], out,
                                               lambda ct, i=i: pullback(ct)[i - offset])
                     for i in positions]
        return matrices.assemble(parts[0][0], [p[1] for p in parts], single)
    return _made_by_s2sad(jacobian_f, "jacobian", f, *_visible_positions(f, wrt, needs_adapter(f)),
                          remake=("jacobian", (f, wrt), {"mode": mode, "backend": backend}))


def source(f, mode="reverse", wrt=0, *, example_args=None, backend="python",
           checkpoint=None) -> str:
    """The generated derivative source of `f` (`mode="grad"`: the reverse-mode code
    `grad(f)` runs, which may leave out the value), specialised on the kinds of
    `example_args` (or on the parameter annotations float/int/bool); with
    `backend="numba"`, in the forms the Numba backend compiles; `checkpoint` as for
    value_and_grad.  A function with an elementwise rule (`np.tanh`) given no examples
    is shown for float arguments."""
    if example_args is None and rules.lookup(f) is not None:
        example_args = arguments.rule_examples(f)
    if example_args is not None:     # *args, **kwargs, a rule's function: as when called
        f = _for_call(f, tuple(example_args), {})
    positions, _ = arguments.positions(f, wrt)
    variant = PLAIN
    if mode == "grad":     # what s2sad.grad(f)(*example_args) runs
        mode, variant = "reverse", GRAD.for_values(example_args or ())
    return COMPILER.derivative(unwrap_function(f), mode, positions,
                               arguments.example_kinds(f, example_args), backend=backend,
                               checkpoint=_checkpoint(checkpoint, mode, backend),
                               variant=variant).text


class IRView:
    """The IR of a function; `str()` prints the Wengert list."""

    def __init__(self, function):
        self.function = function

    def __str__(self) -> str:
        return print_function(self.function)

    __repr__ = __str__


def ir(f, *, example_args=None) -> IRView:
    """The lowered IR (structured SSA Wengert list) of `f`."""
    return IRView(COMPILER.lowered(unwrap_function(f), arguments.example_kinds(f, example_args)))


def _jvp_function(f):
    """`(primals, tangents) -> jvp(f, primals, tangents)`, differentiable again."""
    def jvp_of_f(primals, tangents):
        return jvp(f, primals, tangents)
    return _made_by_s2sad(jvp_of_f, "jvp", f, call_signature=_TWO_TUPLES,
                          remake=("_jvp_function", (f,), {}))


def _hvp_function(f):
    """`(primals, tangents) -> hvp(f, primals, tangents)`, differentiable again."""
    def hvp_of_f(primals, tangents):
        return hvp(f, primals, tangents)
    return _made_by_s2sad(hvp_of_f, "hvp", f, call_signature=_TWO_TUPLES,
                          remake=("_hvp_function", (f,), {}))


def _derivative_at(f, primals: tuple, mode: str):
    """`f`'s derivative compiled once for arguments of the kinds of `primals`, as
    `run(primals, seed)`: in reverse mode `(f(*primals), cotangents)` (one per primal,
    None for a non-float one) for the output cotangent `seed`; in forward mode
    `(f(*primals), tangent)` for the tangents `seed`, one per primal (those of non-float
    primals unused).  The door of s2sad.runtime.ode_adjoint to s2sad's derivatives."""
    f = _for_call(f, primals, {})
    offset = len(arguments.bound_self(f))
    full = tuple(arguments.bind(f, primals, {}))
    lead, tail, given = full[:offset], full[offset + len(primals):], len(primals)
    positions = tuple(i for i, v in enumerate(full)
                      if i >= offset and arguments.differentiable(v))
    derivative = _compiled(f, mode, positions, arguments.kinds_of(full))

    def run(values, seed):
        values = lead + tuple(values) + tail
        try:
            if mode == "forward":
                return derivative(*values, *(seed[i - offset] if i - offset < given else
                                              runtime.zeros_like(values[i]) for i in positions))
            out, *grads = derivative(*values, seed)
        except Exception as exc:       # name the user's line the failing code came from
            raise loader.with_user_line(exc)
        result = [None] * given
        for i, g in zip(positions, grads):
            if i - offset < given:
                result[i - offset] = g
        return out, result
    return run


ode_adjoint.install(_derivative_at)

_TWO_TUPLES = inspect.Signature([inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                 for name in ("primals", "tangents")])

# How the lowerer treats calls of the API inside a differentiated function: a
# transform with known arguments is made when the function is lowered; a value
# operator becomes a call of the function `__s2sad_function_of__(f)` (compose.py).
for _transform in (grad, value_and_grad, jacobian, hessian):
    _transform.__s2sad_operator__ = "transform"
for _operator, _function_of in ((jvp, _jvp_function), (hvp, _hvp_function), (vjp, None)):
    _operator.__s2sad_operator__ = "value"
    _operator.__s2sad_function_of__ = _function_of
