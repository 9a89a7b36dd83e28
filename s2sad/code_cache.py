"""Derivatives shared by functions of the same code.

`s2sad.grad(lambda w: loss(w, batch))` inside a training loop makes a new function
object on every step, of code already differentiated.  The derivative of a function
depends on its code, its globals, its specialisation (the compiler's key) and the
closure cells it reads: data cells are read when the derivative runs
(`cell_x.cell_contents`, never specialised on), static cells (functions, classes,
modules) are resolved when it is generated and pinned (pins.py).  So a derivative made
for one closure serves another of the same code and globals, with the other's cells
bound into the same compiled code, provided every pinned cell of the other holds the
same object.  A `Recipe` keeps what that takes without holding the first closure's
cells (or the data in them) alive.
"""
from __future__ import annotations

from . import loader
from .pins import Pin, all_hold


class Recipe:
    """How to bind a loaded derivative (`loader.bound`) for another function of the
    same code: which bound objects and which pins are cells of the function, by
    free-variable name."""

    __slots__ = ("globals", "factory", "objects", "cell_objects", "pins", "cell_pins",
                 "source", "output_kind", "made_for", "shape_helpers", "made_with")

    def __init__(self, fn, loaded):
        cells = _cells(fn)
        by_identity = {id(cell): name for name, cell in cells.items()}
        self.globals = fn.__globals__
        self.factory, self.source = loaded.factory, loaded.source
        self.objects = {k: v for k, v in loaded.objects.items() if id(v) not in by_identity}
        self.cell_objects = {k: by_identity[id(v)] for k, v in loaded.objects.items()
                             if id(v) in by_identity}
        self.pins = [p for p in loaded.pins if id(p.holder) not in by_identity]
        self.cell_pins = [(by_identity[id(p.holder)], p.key, p.value, p.how)
                          for p in loaded.pins if id(p.holder) in by_identity]
        self.output_kind, self.made_for = loaded.output_kind, loaded.made_for
        self.shape_helpers = getattr(loaded, "shape_helpers", False)
        self.made_with = getattr(loaded, "made_with", None)

    def bind(self, fn):
        """The derivative for `fn` (same code), or None when it does not apply: other
        globals, a pinned cell holding another object, or a broken pin."""
        if fn.__globals__ is not self.globals:
            return None
        cells = _cells(fn)
        pins = self.pins + [Pin(cells[name], key, value, how)
                            for name, key, value, how in self.cell_pins]
        if not all_hold(pins):
            return None
        objects = dict(self.objects)
        objects.update({k: cells[name] for k, name in self.cell_objects.items()})
        loaded = loader.bound(self.factory, objects, self.source)
        loaded.pins, loaded.output_kind, loaded.made_for = pins, self.output_kind, self.made_for
        loaded.shape_helpers, loaded.made_with = self.shape_helpers, self.made_with
        return loaded


class SameCode:
    """(code, the compiler's key) -> Recipes of derivatives made for functions of that
    code, newest first: a few per code (other functions in its cells), a bounded
    number of codes (the oldest forgotten)."""

    CODES_KEPT = 512
    PER_CODE = 8

    def __init__(self):
        self._recipes: dict = {}

    def find(self, fn, key):
        """The derivative made for another function of `fn`'s code bound to `fn`'s
        cells, or None."""
        for recipe in self._recipes.get((getattr(fn, "__code__", None), key), ()):
            loaded = recipe.bind(fn)
            if loaded is not None:
                return loaded
        return None

    def remember(self, fn, key, loaded) -> None:
        recipe = recipe_of(fn, loaded)
        if recipe is None:
            return
        recipes = self._recipes.setdefault((fn.__code__, key), [])
        recipes.insert(0, recipe)
        del recipes[self.PER_CODE:]
        if len(self._recipes) > self.CODES_KEPT:
            del self._recipes[next(iter(self._recipes))]


def recipe_of(fn, loaded):
    """A Recipe for `loaded`, the Python derivative of `fn`; None for a derivative that
    was not made by `loader.load` (another backend)."""
    if getattr(loaded, "factory", None) is None or not hasattr(fn, "__code__"):
        return None
    return Recipe(fn, loaded)


def _cells(fn) -> dict:
    return dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
