"""Schedules: what one is (:mod:`~lrviz.schedules.entry`, :mod:`~lrviz.schedules.kinds`) and lrviz's own,
each a vectorized function of its part's steps."""
