"""The built-in schedules and the framework dialects; importing this package registers them all."""

from lrviz import dialects
from lrviz.schedules import combinators, cycles, decays, pieces, plateau

__all__ = ["combinators", "cycles", "decays", "dialects", "pieces", "plateau"]
