"""Framework dialects: schedules written in a framework's own words give that framework's numbers."""

from lrviz.dialects import huggingface, pytorch

__all__ = ["huggingface", "pytorch"]
