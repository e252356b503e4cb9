"""Train with exactly lrviz's numbers: a PyTorch scheduler, an optax schedule, a Keras schedule.

Each adapter imports its framework only when called; lrviz itself never depends on them. Every one
evaluates the spec once over the run and then looks its rates up, so that training uses the very
numbers lrviz plots (optax and Keras hold them in float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lrviz.errors import LrvizError
from lrviz.limits import excerpt
from lrviz.schedules.entry import Values


def rates(spec: Any, steps: int, **options: Any) -> Values:
    """The rates of ``spec`` over ``steps`` steps, as lrviz evaluates them."""
    from lrviz.api import evaluate

    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise LrvizError(f"steps must be a positive integer, got {excerpt(steps)}")
    return np.asarray(evaluate(spec, steps, **options), dtype=np.float64)


def framework(module: str) -> Any:
    """Import a framework, or say plainly that it is not installed."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.partition(".")[0]
        raise LrvizError(f"{top} is not installed: pip install {top} to use this adapter") from None
