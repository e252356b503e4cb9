"""What the framework dialects share."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lrviz.schedules.entry import Values
from lrviz.schedules.kinds import Invalid


def optimizer_rate(lr: float | None) -> float:
    """The optimizer's learning rate a framework scheduler scales, which the spec must give."""
    if lr is None:
        raise Invalid("lr is missing: give the optimizer's learning rate as lr=… or with --lr")
    return lr


def held_after(t: Values, limit: float, rate: Callable[[Values], Values]) -> Values:
    """rate(min(t, limit)) for a rate that holds from ``limit`` on: computed on the steps before it
    only, and once at it for all the steps after."""
    late = t >= limit
    if not late.any():
        return rate(t)
    out = np.empty(t.shape)
    out[late] = rate(np.array([float(limit)]))[0]
    early = ~late
    if early.any():
        out[early] = rate(t[early])
    return out
