"""Adapters: the real frameworks train with exactly lrviz's numbers."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import require

SPEC = "linear(0, 0.1, steps=5) >> cosine(0.1, min_lr=1e-4)"
STEPS = 50


def _torch_rates(scheduler: Any, optimizer: Any, count: int) -> list[float]:
    rates = []
    for _ in range(count):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return rates


def test_torch_scheduler_and_resume() -> None:
    torch = require("torch")
    from lrviz.torch import scheduler

    expected = lrviz.evaluate(SPEC, STEPS)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = scheduler(SPEC, optimizer, steps=STEPS)
    assert _torch_rates(sched, optimizer, STEPS) == expected.tolist()
    # a run stopped at step 20 and resumed from its state continues with the same rates
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = scheduler(SPEC, optimizer, steps=STEPS)
    first = _torch_rates(sched, optimizer, 20)
    saved = sched.state_dict(), optimizer.state_dict()
    held = [v for v in saved[0].values() if isinstance(v, list | tuple) and len(v) >= STEPS]
    assert not held  # the step it is at, not every rate of the run
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    resumed = scheduler(SPEC, optimizer, steps=STEPS)
    resumed.load_state_dict(saved[0])
    optimizer.load_state_dict(saved[1])
    assert first + _torch_rates(resumed, optimizer, STEPS - 20) == expected.tolist()


def test_optax_schedule() -> None:
    jax = require("jax")
    from lrviz.optax import schedule

    sched = schedule(SPEC, steps=STEPS)
    got = np.asarray(jax.jit(jax.vmap(sched))(jax.numpy.arange(STEPS + 5)))
    expected = lrviz.evaluate(SPEC, STEPS, dtype="float32")
    np.testing.assert_array_equal(got[:STEPS], expected)
    assert got[-1] == expected[-1]


def test_keras_schedule() -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = require("keras")
    from lrviz.keras import schedule

    sched = schedule(SPEC, steps=STEPS)
    got = [float(keras.ops.convert_to_numpy(sched(step))) for step in range(STEPS + 2)]
    expected = lrviz.evaluate(SPEC, STEPS, dtype="float32")
    assert got[:STEPS] == expected.tolist()
    assert got[-1] == float(expected[-1])
    assert sched.get_config() == {"spec": SPEC, "steps": STEPS}


def test_a_missing_framework_is_named() -> None:
    from lrviz.adapters import framework

    with pytest.raises(LrvizError, match="no_such_framework is not installed: pip install no_such_framework"):
        framework("no_such_framework.schedules")


def test_adapters_refuse_bad_input() -> None:
    """Bad input is told first, framework or not."""
    from lrviz.keras import schedule as keras_schedule
    from lrviz.optax import schedule as optax_schedule
    from lrviz.torch import scheduler

    with pytest.raises(LrvizError, match="steps must be a positive integer"):
        scheduler(SPEC, object(), steps=0)
    with pytest.raises(LrvizError, match="unknown schedule"):
        scheduler("cosin(0.1)", object(), steps=10)
    for make in (optax_schedule, keras_schedule):
        with pytest.raises(LrvizError, match="steps must be a positive integer"):
            make(SPEC, steps=-1)
