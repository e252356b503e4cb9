"""The version of lrviz."""

__version__ = "0.1.0"
