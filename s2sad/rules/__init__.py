"""Derivative rules, grouped by topic.  Importing this package registers them all."""
from . import (constructors, elementwise, linalg, nondiff, operators,  # noqa: F401
               python_builtins, reductions, scalar_math, shape)
from .core import NONDIFF, RULES, Rule, defpartials, defrule, display_name, lookup, method, nondiff

__all__ = ["RULES", "NONDIFF", "Rule", "defpartials", "defrule", "display_name", "lookup",
           "method", "nondiff"]
