"""s2sad: source-to-source automatic differentiation for Python and NumPy."""
from .api import (clear_caches, grad, hessian, hvp, ir, jacobian, jvp, source, value_and_grad,
                  vjp)
from .extend import defjvp, defpartials, defvjp, nondiff, stop_gradient
from .errors import (MissingRuleError, NonDifferentiableError, S2SADError,
                     SourceUnavailableError, UnsupportedSyntaxError)

__all__ = ["clear_caches", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian", "hvp", "source", "ir",
           "defjvp", "defvjp", "defpartials", "nondiff", "stop_gradient",
           "S2SADError", "UnsupportedSyntaxError", "SourceUnavailableError",
           "MissingRuleError", "NonDifferentiableError"]
