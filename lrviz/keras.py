"""A Keras LearningRateSchedule that gives lrviz's numbers."""

from __future__ import annotations

from typing import Any

from lrviz.adapters import framework, rates


def schedule(spec: Any, steps: int, **options: Any) -> Any:
    """A ``keras.optimizers.schedules.LearningRateSchedule`` whose value at iteration t is row t of
    ``lrviz.evaluate(spec, steps)`` in float32 (the last row past the end).

    >>> optimizer = keras.optimizers.Adam(learning_rate=schedule("wsd(3e-4, warmup=1000)", steps=50_000))
    """
    values = rates(spec, steps, **options)  # bad input is told before a missing framework
    keras = framework("keras")
    text = spec if isinstance(spec, str) else spec.render()

    class LrvizSchedule(keras.optimizers.schedules.LearningRateSchedule):  # type: ignore[misc,name-defined]
        """Rates looked up from lrviz's evaluation of the spec."""

        def __init__(self) -> None:
            super().__init__()
            self.table = keras.ops.convert_to_tensor(values, dtype="float32")

        def __call__(self, step: Any) -> Any:
            index = keras.ops.clip(keras.ops.cast(step, "int32"), 0, steps - 1)
            return keras.ops.take(self.table, index)

        def get_config(self) -> dict[str, Any]:
            return {"spec": text, "steps": steps, **options}

    return LrvizSchedule()
