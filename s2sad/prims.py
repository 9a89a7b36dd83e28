"""Structural primitives of the IR that are not plain Python callables.

Most equations apply a real function (`operator.mul`, `numpy.sin`, ...) found by
identity in the rule tables; these tags name the few operations that need one.
"""
from __future__ import annotations


class Prim:
    """A named structural primitive; identity is the object."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


BUILD_TUPLE = Prim("tuple")        # tuple(args)
BUILD_LIST = Prim("list")          # list(args)
BUILD_SLICE = Prim("slice")        # slice(lo, hi, step)
AND = Prim("and")                  # `a and b` of already evaluated atoms
OR = Prim("or")                    # `a or b` of already evaluated atoms


def method(name: str) -> str:
    """Key of the array method or attribute `name` (`x.sum()` -> 'method:sum')."""
    return f"method:{name}"


def method_name(prim) -> str | None:
    """The method name of a method key, or None."""
    if isinstance(prim, str) and prim.startswith("method:"):
        return prim[len("method:"):]
    return None


class Undefined:
    """The value of a variable not assigned on the path taken (never observed)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()

ASSERT = Prim("assert")            # assert args[0], args[1:]
RAISE = Prim("raise")              # raise args[0] (from args[1]): an effect, like ASSERT
FORMAT = Prim("format")            # an f-string: args[0].format(*args[1:])
TAPE_PUSH = Prim("push")           # push(args) onto the reverse-mode tape
TAPE_POP = Prim("pop")             # outs = pop() from the tape
UNPACK = Prim("unpack")            # outs = args[0] (a tuple unpacked into several values)


class DerivativeCall(Prim):
    """A call to another generated derivative function of the same program
    (the JVP of a callee, or the forward or backward half of its VJP)."""

    __slots__ = ("out_kinds",)

    def __init__(self, name: str, out_kinds=()):
        super().__init__(name)
        self.out_kinds = tuple(out_kinds)
