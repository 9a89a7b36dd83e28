"""scipy.integrate.odeint and solve_ivp, as rules: sensitivities and adjoints.

SciPy is optional: without it nothing here registers.  The right-hand side is a
*function argument*: a rule parameter like any other, absent from the tables, so it is
not differentiated but passed, as the function value, to the helpers
(s2sad/runtime/ode_adjoint.py).  They run s2sad's own forward- and reverse-mode
derivatives of it inside the sensitivity (forward) and adjoint (reverse) solves, with
respect to y and to the float items of `args`; arrays it closes over are constants.

* `odeint(func, y0, t, args=...)`: derivatives with respect to y0, t and args.
* `solve_ivp(fun, t_span, y0, t_eval=..., args=...).y`: a call whose `.y` is read
  becomes a call of `rt.solve_ivp_y` with the same arguments (the attribute table
  RESULT_ATTRIBUTES in core.py, applied by resolve.py); its rule gives derivatives
  with respect to y0, t_eval, t_span[0] and args.

A reverse-mode call's cotangents come from one adjoint solve (the helper keeps its
last result for the next term).  Derivatives of these derivatives are refused by
`rt.ode_refuse`, which raises when such a derivative runs.
"""
from .. import runtime as rt
from .core import NOT_EVALUATED, RESULT_ATTRIBUTES, defrule, nondiff

try:
    import scipy.integrate as si
except ImportError:      # SciPy is optional
    si = None

_ODEINT = ("func, y0, t, args=(), Dfun=None, col_deriv=0, full_output=0, ml=None, mu=None, "
           "rtol=None, atol=None, tcrit=None, h0=0.0, hmax=0.0, hmin=0.0, ixpr=0, mxstep=0, "
           "mxhnil=0, mxordn=12, mxords=5, printmessg=0, tfirst=False")
_ODEINT_OPTIONS = "rtol, atol, tfirst, full_output"
_IVP = ("fun, t_span, y0, method='RK45', t_eval=None, dense_output=False, events=None, "
        "vectorized=False, args=None, rtol=0.001, atol=1e-06")
_IVP_CALL = "fun, t_span, y0, method, t_eval, args, rtol, atol"


def _refusing(fn, signature, params):
    """A helper whose own derivative is refused (when it runs) in both modes."""
    term = "rt.ode_refuse()"
    defrule(fn, signature, jvp={p: term for p in params}, vjp={p: term for p in params})


def _register():
    odeint_jvp = "rt.odeint_jvp(ans, func, y0, t, args, {}, " + _ODEINT_OPTIONS + ")"
    odeint_vjp = "rt.odeint_vjp(g, ans, func, y0, t, args, " + _ODEINT_OPTIONS + ")[{}]"
    defrule(si.odeint, _ODEINT, name="scipy.integrate.odeint",
            jvp={"y0": odeint_jvp.format("dy0, None, None"),
                 "t": odeint_jvp.format("None, dt, None"),
                 "args": odeint_jvp.format("None, None, dargs")},
            vjp={"y0": odeint_vjp.format(0), "t": odeint_vjp.format(1),
                 "args": odeint_vjp.format(2)})

    ivp_jvp = "rt.solve_ivp_y_jvp(ans, " + _IVP_CALL + ", {})"
    ivp_vjp = "rt.solve_ivp_y_vjp(g, ans, " + _IVP_CALL + ")[{}]"
    defrule(rt.solve_ivp_y, _IVP,
            jvp={"t_span": ivp_jvp.format("dt_span, None, None, None"),
                 "y0": ivp_jvp.format("None, dy0, None, None"),
                 "t_eval": ivp_jvp.format("None, None, dt_eval, None"),
                 "args": ivp_jvp.format("None, None, None, dargs")},
            vjp={p: ivp_vjp.format(i) for i, p in enumerate(("t_span", "y0", "t_eval",
                                                             "args"))})
    RESULT_ATTRIBUTES[(si.solve_ivp, "y")] = rt.solve_ivp_y
    nondiff(rt.ode_refuse)
    # they run the user's right-hand side: kinds must not call them on example values
    NOT_EVALUATED.update({si.odeint: None, rt.solve_ivp_y: None,
                          si.solve_ivp: None, rt.odeint_vjp: None, rt.odeint_jvp: None,
                          rt.solve_ivp_y_vjp: None, rt.solve_ivp_y_jvp: None})

    _refusing(rt.odeint_vjp, "g, ans, func, y0, t, args, " + _ODEINT_OPTIONS,
              ("g", "ans", "y0", "t", "args"))
    _refusing(rt.odeint_jvp, "ans, func, y0, t, args, dy0, dt, dargs, " + _ODEINT_OPTIONS,
              ("ans", "y0", "t", "args", "dy0", "dt", "dargs"))
    _refusing(rt.solve_ivp_y_vjp, "g, ans, " + _IVP_CALL,
              ("g", "ans", "t_span", "y0", "t_eval", "args"))
    _refusing(rt.solve_ivp_y_jvp, "ans, " + _IVP_CALL + ", dt_span, dy0, dt_eval, dargs",
              ("ans", "t_span", "y0", "t_eval", "args", "dt_span", "dy0", "dt_eval", "dargs"))


if si is not None:
    _register()
