"""An optax schedule that gives lrviz's numbers."""

from __future__ import annotations

from typing import Any

from lrviz.adapters import framework, rates


def schedule(spec: Any, steps: int, **options: Any) -> Any:
    """An optax schedule (``count → rate``, jit-compatible) whose value at step count t is row t of
    ``lrviz.evaluate(spec, steps)`` in float32 (the last row past the end).

    >>> optimizer = optax.adam(schedule("cosine(1e-3, warmup=500)", steps=20_000))
    """
    values = rates(spec, steps, **options)  # bad input is told before a missing framework
    jnp = framework("jax.numpy")
    table = jnp.asarray(values, dtype=jnp.float32)

    def lrviz_schedule(count: Any) -> Any:
        return table[jnp.clip(count, 0, steps - 1)]

    return lrviz_schedule
