"""The built-in schedules; importing this package registers them all."""

from lrviz.schedules import combinators, cycles, decays, pieces

__all__ = ["combinators", "cycles", "decays", "pieces"]
