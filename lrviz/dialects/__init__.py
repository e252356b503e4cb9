"""Framework dialects: schedules written in a framework's own words give that framework's numbers.
One module a framework (:mod:`~lrviz.dialects.frameworks`), read by the catalogue the first time a
name of that dialect is looked up."""
