"""Calls that change an array, list or dict in place, as data.

s2sad's IR treats every value as immutable: `y[i] = v` and `lst.append(v)` become new
values of `y` and `lst` (see lower.py), and the derivative follows them.  Any other
call that changes its receiver or an argument behind the IR's back (`y.fill(v)`,
`lst.extend(t)`, `np.copyto(y, x)`, `np.exp(x, out=y)`) would leave the derivative
following the old value: a silently wrong derivative.  Lowering refuses them, each
with the functional form to write instead.
"""
from __future__ import annotations

import bisect
import heapq
import random

import numpy as np

from . import runtime

# Methods of arrays, lists and dicts that change the receiver: name -> what to write
# (a template; {y} is the receiver's name).
MUTATING_METHODS = {
    "fill": "`{y} = np.full_like({y}, v)`",
    "sort": "`{y} = np.sort({y})` (arrays) or `{y} = sorted({y})` (lists)",
    "reverse": "`{y} = {y}[::-1]`",
    "resize": "`{y} = np.resize({y}, shape)`",
    "put": "`{y}[idx] = v` on an array the function created",
    "itemset": "`{y}[idx] = v` on an array the function created",
    "partition": "`{y} = np.partition({y}, k)`",
    "setfield": "item assignment on a copy",
    "extend": "`{y} = {y} + list(t)`",
    "insert": "`{y} = {y}[:i] + [v] + {y}[i:]`",
    "pop": "read the item and rebind: `v = {y}[-1]; {y} = {y}[:-1]`",
    "remove": "build a new list without the item",
    "clear": "`{y} = []` (or `{y} = {{}}`)",
    "update": "`{y} = {{**{y}, **other}}`",
    "popitem": "build a new dict",
    "setdefault": "`{y} = {{**{y}, k: {y}.get(k, v)}}`",
    "append": "`{y} = {y} + [v]`",
    "shuffle": "`y = rng.permutation(y)`",
}

# Of those, methods that change an argument, whatever the receiver (`rng.shuffle(y)`).
ARGUMENT_WRITING_METHODS = {"shuffle"}

# Functions that write into one of their arguments: function -> what to write.
WRITING_FUNCTIONS = {
    np.copyto: "`y = np.array(x)` (or `y[...] = x` on an array the function created)",
    np.put: "`y[idx] = v` on an array the function created",
    np.place: "`y = np.where(mask, v, y)`",
    np.putmask: "`y = np.where(mask, v, y)`",
    np.fill_diagonal: "`y = y + np.diag(v - np.diag(y))`",
    np.random.shuffle: "`y = np.random.permutation(y)`",
    random.shuffle: "`y = random.sample(y, len(y))`",
    heapq.heappush: "`h = sorted(h + [v])`",
    heapq.heappop: "`v = min(h); h = sorted(h)[1:]`",
    heapq.heapify: "`h = sorted(h)`",
    heapq.heappushpop: "sort a new list",
    heapq.heapreplace: "sort a new list",
    bisect.insort: "`y = sorted(y + [v])`",
    bisect.insort_left: "`y = sorted(y + [v])`",
}
# The snapshots of checkpointed loops (runtime/snapshots.py): derivative code with
# checkpoint= is not differentiated again; differentiate the function itself.
WRITING_FUNCTIONS.update(dict.fromkeys(
    (runtime.checkpoint_save, runtime.checkpoint_final, runtime.checkpoint_verify),
    "differentiate the original function (derivative code generated with checkpoint= "
    "keeps snapshots in an object it changes)"))

# Receiver kinds whose mutating methods are refused (user objects keep their methods).
MUTABLE_KIND_TAGS = ("array", "list", "listof", "dict", "unknown")


def writes_into_argument(fn, has_out: bool) -> str | None:
    """What to write instead, when calling `fn` (with an `out=` argument?) changes an
    argument in place; None when it does not."""
    if has_out:
        return "drop `out=` and bind the result: `y = f(x)`"
    try:
        return WRITING_FUNCTIONS.get(fn)
    except TypeError:          # an unhashable callable
        return None
