"""Array constructors: from values (np.array of a list of numbers), from fill values
and ranges (np.full, np.linspace, np.arange), and random draws.

Draws of location-scale families are differentiated pathwise (the draw is
`loc + scale * noise`, and the noise is recovered from the result), whether from the
global generator (`np.random.normal`) or a generator object (`rs.normal`, through the
helpers GENERATOR_METHODS names); draws with no floating parameter are
non-differentiable (see nondiff.py).
"""
import numpy as np

from .. import runtime as rt
from .core import GENERATOR_METHODS, NOT_EVALUATED, defpartials, defrule

defrule(np.array, "object, dtype=None, copy=True, order='K', subok=False, ndmin=0",
        jvp={"object": "rt.array_jvp(dobject, ans)"},
        vjp={"object": "rt.array_vjp(g, object)"})
for _fn in (np.asarray, np.asanyarray):
    defrule(_fn, "a, dtype=None, order=None",
            jvp={"a": "rt.array_jvp(da, ans)"},
            vjp={"a": "rt.array_vjp(g, a)"})
for _fn in (np.ascontiguousarray, np.asfortranarray):
    defrule(_fn, "a, dtype=None",
            jvp={"a": "rt.array_jvp(da, ans)"},
            vjp={"a": "rt.array_vjp(g, a)"})

defrule(np.full, "shape, fill_value, dtype=None, order='C'",
        jvp={"fill_value": "np.full(np.shape(ans), dfill_value, dtype=rt.float_dtype(ans))"},
        vjp={"fill_value": "rt.reduce_to(g, fill_value)"})
defrule(np.full_like, "a, fill_value, dtype=None, order='K', subok=True, shape=None",
        jvp={"fill_value": "np.full(np.shape(ans), dfill_value, dtype=rt.float_dtype(ans))"},
        vjp={"fill_value": "rt.reduce_to(g, fill_value)"})

_LINSPACE = "num, endpoint, retstep, axis"
defrule(np.linspace, "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0",
        jvp={"start": f"rt.linspace_jvp(dstart, ans, {_LINSPACE}, 'start')",
             "stop": f"rt.linspace_jvp(dstop, ans, {_LINSPACE}, 'stop')"},
        vjp={"start": f"rt.linspace_vjp(g, start, ans, {_LINSPACE}, 'start')",
             "stop": f"rt.linspace_vjp(g, stop, ans, {_LINSPACE}, 'stop')"})
defrule(np.arange, "start, stop=None, step=1, dtype=None",
        jvp={"start": "rt.arange_start_jvp(dstart, ans, stop)",
             "step": "rt.arange_step_jvp(dstep, ans)"},
        vjp={"start": "rt.arange_start_vjp(g, start, stop)",
             "step": "rt.arange_step_vjp(g, step)"})

_LOC_SCALE = {"loc": "1", "scale": "(ans - loc) / scale"}
_LOC_SCALE_SIGNATURE = "loc=0.0, scale=1.0, size=None"
# name -> (signature, partials) of the draws differentiated pathwise.
DRAWS = {
    **{name: (_LOC_SCALE_SIGNATURE, _LOC_SCALE)
       for name in ("normal", "laplace", "logistic", "gumbel")},
    "uniform": ("low=0.0, high=1.0, size=None",
                {"low": "(high - ans) / (high - low)", "high": "(ans - low) / (high - low)"}),
    "exponential": ("scale=1.0, size=None", {"scale": "ans / scale"}),
    "lognormal": ("mean=0.0, sigma=1.0, size=None",
                  {"mean": "ans", "sigma": "ans * (np.log(ans) - mean) / sigma"}),
}
for _name, (_signature, _partials) in DRAWS.items():
    # np.random.normal(...): the global generator's draw
    defpartials(getattr(np.random, _name), _signature, name=f"numpy.random.{_name}",
                **_partials)
    # rs.normal(...) of a RandomState or Generator `rs` (resolve.py calls the helper)
    _helper = getattr(rt, f"generator_{_name}")
    defpartials(_helper, "generator, " + _signature, **_partials)
    NOT_EVALUATED[_helper] = None       # kinds must not draw from the user's generator
    for _cls in (np.random.RandomState, np.random.Generator):
        GENERATOR_METHODS[(_cls, _name)] = _helper
