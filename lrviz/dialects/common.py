"""What the framework dialects share."""

from __future__ import annotations

from lrviz.params import Invalid


def optimizer_rate(lr: float | None) -> float:
    """The optimizer's learning rate a framework scheduler scales, which the spec must give."""
    if lr is None:
        raise Invalid("lr is missing: give the optimizer's learning rate as lr=… or with --lr")
    return lr
