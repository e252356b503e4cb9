"""lrviz's own schedules; importing this package registers them (the dialects register on first use:
see :func:`lrviz.registry.registered`)."""

from lrviz.schedules import combinators, cycles, decays, pieces, plateau

__all__ = ["combinators", "cycles", "decays", "pieces", "plateau"]
