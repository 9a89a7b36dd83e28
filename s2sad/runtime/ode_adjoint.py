"""Helpers of the scipy.integrate rules (s2sad/rules/scipy_integrate.py): forward
sensitivities and the continuous adjoint of an ODE solve.

The ODE is y' = f(y, t, *args) (odeint; f(t, y, *args) with tfirst=True, and always
for solve_ivp), from y0 at t0, observed at the output times t_i.  On the grid
[t0, t_1, ...] (y_0 = y0 at t0, with a zero cotangent):

* forward: s' = J_y s + J_p dp with s(t0) = dy0 - f(y0, t0) dt0; the tangent of the
  output at t_i is s(t_i) + f(y_i, t_i) dt_i;
* reverse: the adjoint a' = -a J_y, a_p' = -a J_p is solved backwards between output
  times, adding each output's cotangent g_i as it is passed: dL/dy0 = a(t0),
  dL/dargs = a_p(t0), dL/dt_i = g_i . f(y_i, t_i), dL/dt0 = -a(t0) . f(y0, t0)
  (a(t0) before the cotangent of an output at t0 itself is added).

Both restart y from the saved outputs at each output time.  The products J_y s, a J_y,
... are s2sad's own forward- and reverse-mode derivatives of f, compiled once per solve
for the kinds of (y, t, *args) and run at every step; this package imports nothing of
the compiler, so s2sad.api installs that door (`install`).  Only `args` are parameters:
arrays f closes over are constants.  The augmented systems are solved by the primal's
solver with its tolerances, but no looser than rtol=1e-6, atol=1e-9.
"""
from __future__ import annotations

import numpy as np

from ..errors import NonDifferentiableError

_DOOR = {}
_RTOL, _ATOL = 1e-6, 1e-9          # the loosest tolerances of the augmented solves
ODEINT_TOL = 1.49012e-8            # odeint's default rtol and atol


def install(derivative_at) -> None:
    """Set the door to s2sad's derivatives: `derivative_at(f, primals, mode)` returns
    `run(primals, seed)` (s2sad.api._derivative_at)."""
    _DOOR["derivative_at"] = derivative_at


def _is_float(value) -> bool:
    kind = np.asarray(value).dtype.kind if not isinstance(value, (list, tuple)) else ""
    return kind == "f" and not isinstance(value, (bool, np.bool_))


class _System:
    """The user's right-hand side with its `args`: values, and the products of its
    Jacobians (with respect to y and to the float `args`, flattened into one vector p)."""

    def __init__(self, func, args, tfirst, y0, t0):
        self.func, self.tfirst = func, tfirst
        self.args = () if args is None else tuple(args) if isinstance(args, (tuple, list)) \
            else (args,)
        for a in self.args:
            if isinstance(a, (list, tuple, dict, set)) or np.asarray(a).dtype == object:
                raise NonDifferentiableError(
                    f"the derivative of an ODE solve takes each item of args=... as one "
                    f"parameter, but an item is a {type(a).__name__}: its floats would be "
                    "held constant", fix="pass floats and arrays as separate items of args")
        self.n = np.size(y0)
        self.active = [i for i, a in enumerate(self.args) if _is_float(a)]
        self.sizes = [np.size(self.args[i]) for i in self.active]
        self.m = sum(self.sizes)
        self.list_out = isinstance(func(*self._order(np.asarray(y0, float), float(t0))),
                                   (list, tuple))
        self._run = {}

    def _order(self, y, t, args=None):
        args = self.args if args is None else args
        return (t, y, *args) if self.tfirst else (y, t, *args)

    def _door(self, mode, y, t):
        if mode not in self._run:
            self._run[mode] = _DOOR["derivative_at"](self.func, self._order(y, t), mode)
        return self._run[mode]

    def f(self, y, t) -> np.ndarray:
        return np.asarray(self.func(*self._order(y, float(t))), float).reshape(self.n)

    def vjp(self, y, t, a):
        """f(y, t), a J_y and a J_p."""
        t = float(t)
        run = self._door("reverse", y, t)
        out, grads = run(self._order(y, t), a.tolist() if self.list_out else a)
        gy = grads[1 if self.tfirst else 0]
        gy = np.zeros(self.n) if gy is None else np.asarray(gy, float).reshape(self.n)
        gargs = grads[2:]
        gp = [np.zeros(size) if gargs[i] is None else np.ravel(np.asarray(gargs[i], float))
              for i, size in zip(self.active, self.sizes)]
        return np.asarray(out, float).reshape(self.n), gy, _concat(gp)

    def jvp(self, y, t, s, dargs):
        """f(y, t) and J_y s + J_p dp (dargs: a tangent per argument of `args`)."""
        t = float(t)
        run = self._door("forward", y, t)
        out, dout = run(self._order(y, t), self._order(s, 0.0, dargs))
        return np.asarray(out, float).reshape(self.n), \
            np.asarray(dout, float).reshape(self.n)

    def arg_tangents(self, dargs):
        """One tangent per argument of `args` (zeros for missing ones), or None when
        they are all zero."""
        if dargs is None:
            return None
        dargs = tuple(dargs) if isinstance(dargs, (tuple, list)) else (dargs,)
        out, nonzero = [], False
        for i, a in enumerate(self.args):
            d = dargs[i] if i < len(dargs) else None
            if i not in self.active:
                out.append(a)           # ignored: not a differentiable position
                continue
            if d is None:
                d = np.zeros(np.shape(a)) if np.ndim(a) else 0.0
            nonzero = nonzero or bool(np.any(np.asarray(d) != 0))
            out.append(d)
        return tuple(out) if nonzero else None

    def arg_cotangents(self, gp):
        """The flat cotangent gp spread back over `args`, each like its argument."""
        out, at = [], 0
        for i, a in enumerate(self.args):
            if i not in self.active:
                out.append(None)
                continue
            size = np.size(a)
            piece = gp[at:at + size]
            at += size
            out.append(_like(piece, a))
        return tuple(out)


def _concat(pieces) -> np.ndarray:
    return np.concatenate(pieces) if pieces else np.zeros(0)


def _like(value, x):
    """`value` (a flat float64 array) shaped and typed like the primal `x`."""
    if isinstance(x, (float, int)) and not isinstance(x, bool):
        return float(value[0])
    dtype = np.asarray(x).dtype
    dtype = dtype if dtype.kind == "f" else np.dtype(float)
    out = np.asarray(value, dtype).reshape(np.shape(x))
    return out if out.ndim else dtype.type(out)


def _adjoint(system, solve, grid, states, cotangents):
    """Reverse sweep over `grid` (states and cotangents one row per grid time, row 0
    at t0 with a zero cotangent): (dL/dy0, dL/dp flat, dL/d(grid times))."""
    n = system.n
    a, ap = np.zeros(n), np.zeros(system.m)
    gt = np.array([cotangents[k] @ system.f(states[k], grid[k]) if k else 0.0
                   for k in range(len(grid))])

    def augmented(t, z):
        out, gy, gp = system.vjp(z[:n], t, z[n:2 * n])
        return np.concatenate([out, -gy, -gp])

    for k in range(len(grid) - 1, 0, -1):
        a = a + cotangents[k]
        if grid[k] != grid[k - 1]:
            z = solve(augmented, np.concatenate([states[k], a, ap]), grid[k], grid[k - 1])
            a, ap = z[n:2 * n], z[2 * n:]
    gt[0] -= a @ system.f(states[0], grid[0])
    return a + cotangents[0], ap, gt


def _sensitivity(system, solve, grid, states, dy0, dgrid, dargs):
    """Forward sweep: the tangents of the states at grid[1:] (dgrid: the tangents of the
    grid times, or None)."""
    n = system.n
    s = np.zeros(n) if dy0 is None else np.asarray(dy0, float).reshape(n).copy()
    if dgrid is not None:
        s -= system.f(states[0], grid[0]) * dgrid[0]
    out = np.zeros((len(grid) - 1, n))
    if dargs is not None or np.any(s != 0):
        zero_args = tuple(np.zeros(np.shape(a)) if i in system.active else a
                          for i, a in enumerate(system.args))
        dargs = zero_args if dargs is None else dargs

        def augmented(t, z):
            return np.concatenate(system.jvp(z[:n], t, z[n:], dargs))

        for k in range(1, len(grid)):
            if grid[k] != grid[k - 1]:
                s = solve(augmented, np.concatenate([states[k - 1], s]), grid[k - 1],
                          grid[k])[n:]
            out[k - 1] = s
    if dgrid is not None:
        for k in range(1, len(grid)):
            out[k - 1] += system.f(states[k], grid[k]) * dgrid[k]
    return out


def _tolerances(rtol, atol, default_rtol, default_atol):
    rtol = default_rtol if rtol is None else float(np.min(rtol))
    atol = default_atol if atol is None else float(np.min(atol))
    return min(rtol, _RTOL), min(atol, _ATOL)


# ---- odeint -------------------------------------------------------------------------

def _odeint_setup(func, y0, t, args, rtol, atol, tfirst, full_output):
    if full_output:
        raise NonDifferentiableError(
            "derivative of scipy.integrate.odeint(..., full_output=True) is not supported",
            fix="call odeint without full_output where it is differentiated")
    from scipy.integrate import odeint
    rtol, atol = _tolerances(rtol, atol, ODEINT_TOL, ODEINT_TOL)
    t = np.asarray(t, float)
    system = _System(func, args, tfirst, np.ravel(np.asarray(y0, float)), t[0])

    def solve(augmented, z0, ta, tb):
        return odeint(augmented, z0, [ta, tb], rtol=rtol, atol=atol, tfirst=True)[-1]
    return system, solve, np.concatenate([t[:1], t])


def odeint_vjp(g, ans, func, y0, t, args=(), rtol=None, atol=None, tfirst=False,
               full_output=0):
    """The cotangents (of y0, of t, of args) of `ans = odeint(func, y0, t, args, ...)`
    for the output's cotangent `g` (shape (len(t), n))."""
    key = (g, ans, func, y0, t, args, rtol, atol, tfirst, full_output)
    cached = _cached(key)
    if cached is not None:
        return cached
    system, solve, grid = _odeint_setup(func, y0, t, args, rtol, atol, tfirst, full_output)
    ans = np.asarray(ans, float).reshape(len(grid) - 1, system.n)
    states = np.concatenate([ans[:1], ans])
    cotangents = np.concatenate([np.zeros((1, system.n)),
                                 np.asarray(g, float).reshape(ans.shape)])
    gy0, gp, gt = _adjoint(system, solve, grid, states, cotangents)
    gt_out = gt[1:].copy()
    gt_out[0] += gt[0]
    result = (_like(gy0, y0), _like(gt_out, t), system.arg_cotangents(gp))
    _remember(key, result)
    return result


def odeint_jvp(ans, func, y0, t, args, dy0, dt, dargs, rtol=None, atol=None, tfirst=False,
               full_output=0):
    """The tangent of `ans = odeint(func, y0, t, args, ...)` for the tangents dy0, dt
    and dargs of y0, t and args (None: zero)."""
    system, solve, grid = _odeint_setup(func, y0, t, args, rtol, atol, tfirst, full_output)
    ans = np.asarray(ans, float).reshape(len(grid) - 1, system.n)
    dgrid = None if dt is None else np.concatenate([np.ravel(dt)[:1], np.ravel(dt)])
    tangent = _sensitivity(system, solve, grid, np.concatenate([ans[:1], ans]), dy0, dgrid,
                           system.arg_tangents(dargs))
    return tangent.reshape(np.shape(ans))


# ---- solve_ivp ----------------------------------------------------------------------

def solve_ivp_y(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False,
                events=None, vectorized=False, args=None, rtol=1e-3, atol=1e-6):
    """`scipy.integrate.solve_ivp(...).y`: the solution at `t_eval`, shape (n, len(t_eval))
    (what `sol.y` is in differentiated code; t_eval is required, events are refused)."""
    if t_eval is None or events is not None:
        raise NonDifferentiableError(
            "derivative of scipy.integrate.solve_ivp(...).y without t_eval, or with events, "
            "is not supported: the output times would be chosen by the solver",
            fix="pass the output times as t_eval=... and no events")
    from scipy.integrate import solve_ivp
    sol = solve_ivp(fun, t_span, y0, method=method, t_eval=t_eval, vectorized=vectorized,
                    args=args, rtol=rtol, atol=atol)
    if sol.status != 0:
        raise NonDifferentiableError(f"scipy.integrate.solve_ivp failed: {sol.message}")
    return sol.y


def _ivp_setup(fun, t_span, y0, method, t_eval, args, rtol, atol):
    from scipy.integrate import solve_ivp
    rtol, atol = _tolerances(rtol, atol, 1e-3, 1e-6)
    system = _System(fun, args, True, np.ravel(np.asarray(y0, float)), t_span[0])

    def solve(augmented, z0, ta, tb):
        sol = solve_ivp(augmented, (ta, tb), z0, method=method, rtol=rtol, atol=atol,
                        t_eval=[tb])
        if sol.status != 0:
            raise NonDifferentiableError(
                f"the sensitivity solve of scipy.integrate.solve_ivp failed: {sol.message}")
        return sol.y[:, -1]
    grid = np.concatenate([[float(t_span[0])], np.asarray(t_eval, float)])
    return system, solve, grid


def solve_ivp_y_vjp(g, ans, fun, t_span, y0, method="RK45", t_eval=None, args=None,
                    rtol=1e-3, atol=1e-6):
    """The cotangents (of t_span, y0, t_eval, args) of `ans = solve_ivp_y(...)` for the
    cotangent `g` of shape (n, len(t_eval))."""
    key = (g, ans, fun, t_span, y0, method, t_eval, args, rtol, atol)
    cached = _cached(key)
    if cached is not None:
        return cached
    system, solve, grid = _ivp_setup(fun, t_span, y0, method, t_eval, args, rtol, atol)
    y0 = np.asarray(y0)
    states = np.concatenate([np.ravel(np.asarray(y0, float))[None], np.asarray(ans, float).T])
    cotangents = np.concatenate([np.zeros((1, system.n)), np.asarray(g, float).T])
    gy0, gp, gt = _adjoint(system, solve, grid, states, cotangents)
    g_span = type(t_span)((_like(gt[:1], t_span[0]), _like(np.zeros(1), t_span[1]))) \
        if isinstance(t_span, (tuple, list)) else _like(np.array([gt[0], 0.0]), t_span)
    result = (g_span, _like(gy0, y0), _like(gt[1:], t_eval),
              None if args is None else system.arg_cotangents(gp))
    _remember(key, result)
    return result


def solve_ivp_y_jvp(ans, fun, t_span, y0, method, t_eval, args, rtol, atol, dt_span, dy0,
                    dt_eval, dargs):
    """The tangent of `ans = solve_ivp_y(...)` for the tangents of t_span, y0, t_eval and
    args (None: zero)."""
    system, solve, grid = _ivp_setup(fun, t_span, y0, method, t_eval, args, rtol, atol)
    states = np.concatenate([np.ravel(np.asarray(y0, float))[None], np.asarray(ans, float).T])
    dgrid = None
    if dt_span is not None or dt_eval is not None:
        d0 = 0.0 if dt_span is None or dt_span[0] is None else float(dt_span[0])
        rest = np.zeros(len(grid) - 1) if dt_eval is None else np.ravel(dt_eval)
        dgrid = np.concatenate([[d0], rest])
    tangent = _sensitivity(system, solve, grid, states, dy0, dgrid,
                           system.arg_tangents(dargs))
    return tangent.T.copy()


def ode_refuse(*values):
    """The derivative of an ODE rule's derivative: refused, never a wrong value."""
    raise NonDifferentiableError(
        "a second derivative through scipy.integrate.odeint or solve_ivp is not supported "
        "(its first derivative is an adjoint or sensitivity solve, which s2sad does not "
        "differentiate again)",
        fix="take second derivatives by finite differences of s2sad's gradient, or write "
            "the integration as a fixed-step loop (e.g. RK4) that s2sad differentiates")


# ---- one reverse solve for every cotangent of a call ----------------------------------
#
# A rule's reverse terms are one per parameter; they call the *_vjp helper with the
# same arguments in a row.  The last result is kept, keyed on the identity of every
# argument (held, so no id is reused) and on copies of the arrays g and ans.

_LAST: list = []


def _same(a, b) -> bool:
    if a is b:
        return True
    return isinstance(a, (float, int, str, type(None))) and type(a) is type(b) and a == b


def _cached(key):
    if not _LAST:
        return None
    old, copies, result = _LAST[0]
    if len(old) == len(key) and all(_same(a, b) for a, b in zip(old, key)) and all(
            np.array_equal(c, k) for c, k in zip(copies, key[:2])):
        return result
    return None


def _remember(key, result) -> None:
    _LAST[:] = [(key, tuple(np.array(k, copy=True) for k in key[:2]), result)]
