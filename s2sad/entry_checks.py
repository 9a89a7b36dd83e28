"""What the compiler checks of a function before differentiating it: the entry's
parameters are named (no *args), and a differentiated function returns a value."""
from __future__ import annotations

from . import kinds, scopes
from .errors import NonDifferentiableError, UnsupportedSyntaxError


def check_entry_parameters(parsed) -> None:
    """The differentiated function names its parameters: `wrt` and the gradients'
    structure follow them, so a *args parameter there is refused (callees may have one)."""
    star = parsed.node.args.vararg
    if star is not None:
        raise UnsupportedSyntaxError(
            [(parsed.loc(star), f"the differentiated function takes *{star.id}; derivatives "
                                "are taken with respect to named parameters")],
            fix=f"give it named parameters (helpers it calls may take *{star.id}), or take "
                f"one tuple parameter `{star.id}` and differentiate with respect to it")


def check_returns_value(parsed, ir) -> None:
    """A function whose result is differentiated (the entry, or a callee whose result
    depends on the arguments differentiated) must return a value on every path."""
    if scopes.falls_off(parsed.node.body):
        why = "can reach the end of its body without a `return`, and then returns None"
    elif kinds.kind_of(ir.body.results[0]) == kinds.NONE and not scopes.raises(parsed.node.body):
        why = "returns None"     # (a function that only raises raises, as in Python)
    else:
        return
    raise NonDifferentiableError(
        f"'{parsed.name}' {why}, which has no derivative", parsed.loc(parsed.node),
        fix="return the value to differentiate on every path (`return ...` at the end)")
