"""Framework dialects: schedules written in a framework's own words give that framework's numbers."""

from lrviz.dialects import huggingface, keras_schedules, optax_schedules, pytorch, timm_schedulers

__all__ = ["huggingface", "keras_schedules", "optax_schedules", "pytorch", "timm_schedulers"]
