"""Derivative rules, grouped by topic.  Importing this package registers them all."""
from . import (calculus, constructors, containers, covariance, elementwise,  # noqa: F401
               fft, linalg, nondiff, operators, python_builtins, reductions, runtime_rules,
               runtime_rules_linalg, runtime_rules_reductions, runtime_rules_shape,
               scalar_math, shape, signal)
from . import scipy_special  # noqa: F401,E402  (registers only if SciPy is installed)
from .core import (NONDIFF, RULES, Rule, defpartials, defrule, display_name, lookup, method,
                   nondiff, version)

__all__ = ["RULES", "NONDIFF", "Rule", "defpartials", "defrule", "display_name", "lookup",
           "method", "nondiff", "version"]
