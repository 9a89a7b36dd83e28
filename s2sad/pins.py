"""Names resolved while a derivative is generated, checked again when it is called.

Lowering resolves a call's function by name at generation time (`helper(x)`,
`mymodule.helper(x)`, a closure cell, a method found on a class) and generates the
derivative of the function found.  If the name is later rebound, the cached
derivative would silently differentiate the old function, so each resolution is
kept as a `Pin` and a derivative whose pins no longer hold is generated again.
"""
from __future__ import annotations

import inspect

from .kinds import of_value

_MISSING = object()


class Pin:
    """`holder[key]` (a namespace dict), `holder.cell_contents` (a closure cell) or the
    attribute `key` of `holder` (a module or class) was `value` when lowered; with
    `how="type"`, `holder[key]` was an instance of the class `value`, with `how="kind"`
    a value of the kind `value` (a dict of functions: the same functions)."""

    __slots__ = ("holder", "key", "value", "how")

    def __init__(self, holder, key, value, how: str):
        self.holder, self.key, self.value, self.how = holder, key, value, how

    def holds(self) -> bool:
        if self.how == "dict":
            current = self.holder.get(self.key, _MISSING)
        elif self.how == "type":
            current = type(self.holder.get(self.key, _MISSING))
        elif self.how == "kind":
            return of_value(self.holder.get(self.key, _MISSING)) == self.value
        elif self.how == "cell":
            try:
                current = self.holder.cell_contents
            except ValueError:
                return False
        else:
            current = inspect.getattr_static(self.holder, self.key, _MISSING)
        return current is self.value


def attribute_pin(holder, key) -> Pin:
    """The attribute `key` of a module or class as it is now."""
    return Pin(holder, key, inspect.getattr_static(holder, key, _MISSING), "attr")


def all_hold(pins) -> bool:
    """Does every name still resolve to what the derivative was generated for?"""
    for pin in pins:          # (a loop: checked before every call of a derivative)
        if not pin.holds():
            return False
    return True
