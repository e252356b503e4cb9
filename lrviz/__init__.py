"""lrviz: see a learning-rate schedule before you train with it.

>>> import lrviz
>>> lrviz.evaluate("cosine(0.1)", 5).round(4).tolist()
[0.1, 0.0905, 0.0655, 0.0345, 0.0095]

The names below are loaded on first use, so that ``import lrviz`` (and the ``lrviz`` command's
start, which Ctrl-C may interrupt) costs almost nothing until a schedule is parsed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lrviz.errors import LrvizError, RunError, SpecError
from lrviz.version import __version__

if TYPE_CHECKING:
    from lrviz.api import compare, evaluate, plot, table
    from lrviz.evaluation.run import Run
    from lrviz.language.parser import parse
    from lrviz.language.tree import Spec


__all__ = [
    "LrvizError",
    "Run",
    "RunError",
    "Spec",
    "SpecError",
    "__version__",
    "compare",
    "evaluate",
    "parse",
    "plot",
    "table",
]

_LAZY = {
    "parse": "lrviz.language.parser",
    "Run": "lrviz.evaluation.run",
    "evaluate": "lrviz.api",
    "plot": "lrviz.api",
    "compare": "lrviz.api",
    "table": "lrviz.api",
    "Spec": "lrviz.language.tree",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lrviz' has no attribute {name!r}")
