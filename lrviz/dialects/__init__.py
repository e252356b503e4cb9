"""Framework dialects: schedules written in a framework's own words give that framework's numbers.

Each module registers one dialect when it is imported, which :func:`lrviz.registry.registered` does
the first time a name of that dialect is looked up.
"""
