"""Rendering: plots (matplotlib, loaded only to draw), the terminal preview, tables and the gallery."""

from __future__ import annotations

import os
from types import ModuleType

from lrviz.errors import LrvizError
from lrviz.limits import excerpt


def plot_module() -> ModuleType:
    """The plotting module (:mod:`lrviz.render.plot`), loaded now; :class:`LrvizError` when the
    environment names a backend matplotlib refuses to load with."""
    try:
        from lrviz.render import plot
    except ValueError:
        backend = os.environ.get("MPLBACKEND")
        if backend is None:
            raise
        raise LrvizError(
            f"MPLBACKEND={excerpt(backend)} is not a backend matplotlib knows: unset it "
            "(lrviz draws without one)"
        ) from None
    return plot
