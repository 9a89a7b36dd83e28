"""Derivative rules, grouped by topic.  Importing this package registers them all, but
the scipy.stats rules, registered when first looked up (`load_deferred()` loads them)."""
from . import (calculus, constructors, containers, covariance, decompositions,  # noqa: F401
               elementwise, fft, linalg, nondiff, operators, order_stats, python_builtins,
               reductions,
               runtime_rules, runtime_rules_linalg, runtime_rules_reductions,
               runtime_rules_shape, scalar_math, shape, signal)
from . import numpy_more  # noqa: F401,E402  (aliases: after the rules they copy)
from . import scipy_integrate, scipy_linalg, scipy_special  # noqa: F401,E402  (need SciPy)
from .core import (GENERATOR_METHODS, NONDIFF, NOT_EVALUATED, RESULT_ATTRIBUTES, RULES, Rule,
                   defer, defpartials, defrule, display_name, load_deferred, lookup, method,
                   nondiff, not_evaluated, version)

if scipy_special.sc is not None:    # scipy.stats is slow to import: its rules load on first use
    defer(("scipy.stats", "s2sad.runtime.scipy_stats"), "s2sad.rules.scipy_stats")

__all__ = ["RULES", "NONDIFF", "GENERATOR_METHODS", "NOT_EVALUATED", "RESULT_ATTRIBUTES",
           "Rule", "defpartials", "defrule", "display_name", "load_deferred", "lookup",
           "method", "nondiff", "not_evaluated", "version"]
