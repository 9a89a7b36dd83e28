"""Functional updates of containers the differentiated function creates itself.

Lowering turns `y[i] = v` into `y = rt.setitem(y, i, v)`, `items.append(v)` into
`items = rt.appended(items, v)` and `{'w': w}` into `rt.build_dict(('w',), w)`;
`+` and `*` on lists and tuples become `rt.concat_items` and `rt.repeat_items` (sequences.py).
"""
import builtins

from .. import runtime
from .core import defrule

defrule(runtime.setitem, "a, index, value",
        jvp={"a": "rt.setitem(da, index, 0.0)",
             "value": "rt.setitem(rt.zeros_like(a), index, dvalue)"},
        vjp={"a": "rt.setitem(g, index, 0.0)", "value": "rt.setitem_value_vjp(g, index, value)"})
defrule(runtime.appended, "items, item",
        jvp={"items": "rt.appended(ditems, rt.zeros_like(item))",
             "item": "rt.appended(rt.zeros_like(items), ditem)"},
        vjp={"items": "rt.without_last(g)", "item": "g[-1]"})
defrule(runtime.build_dict, "keys, *values",
        jvp={"values": "rt.build_dict_from(keys, dvalues)"},
        vjp={"values": "rt.dict_values(g, keys)"})
for _convert in (builtins.list, builtins.tuple):
    defrule(_convert, "iterable",
            jvp={"iterable": f"{_convert.__name__}(diterable)"},
            vjp={"iterable": "rt.list_cotangent(g, iterable)"})
defrule(runtime.concat_items, "a, b",
        jvp={"a": "rt.concat_items(da, rt.zeros_like(b))", "b": "rt.concat_items(rt.zeros_like(a), db)"},
        vjp={"a": "g[:len(a)]", "b": "g[len(a):]"})
defrule(runtime.repeat_items, "items, n",
        jvp={"items": "rt.repeat_items(ditems, n)"},
        vjp={"items": "rt.repeat_items_vjp(g, items, n)"})
defrule(runtime.plus, "a, b",
        jvp={"a": "rt.plus_jvp(da, a, b, ans, True)", "b": "rt.plus_jvp(db, a, b, ans, False)"},
        vjp={"a": "rt.plus_vjp(g, a, b, True)", "b": "rt.plus_vjp(g, a, b, False)"})
