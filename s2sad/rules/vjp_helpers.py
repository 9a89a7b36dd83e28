"""Runtime helpers called by the generated code of rules (as `rt.<name>`).

`s2sad.runtime` re-exports every name listed in `__all__` here; the helpers live in
the `rt_*` modules of this package, grouped like the rules that call them.
"""
from __future__ import annotations

from . import rt_common, rt_constructors, rt_elementwise, rt_linalg, rt_norms, rt_reductions
from . import rt_shape
from .rt_common import *  # noqa: F401,F403
from .rt_constructors import *  # noqa: F401,F403
from .rt_elementwise import *  # noqa: F401,F403
from .rt_linalg import *  # noqa: F401,F403
from .rt_norms import *  # noqa: F401,F403
from .rt_reductions import *  # noqa: F401,F403
from .rt_shape import *  # noqa: F401,F403

__all__ = [name for module in (rt_common, rt_constructors, rt_elementwise, rt_linalg,
                               rt_norms, rt_reductions, rt_shape)
           for name in module.__all__]
