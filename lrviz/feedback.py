"""What feedback schedules (reduce-on-plateau) react to: a metric, and where in the run a part starts.

Most schedules are functions of the step alone. A feedback schedule also reads the metric reported at
the end of earlier steps. The run being evaluated sets the metric here, and combinators that start a
part later in the run (``>>``, warm-up, restarts) say by how much, so that a feedback schedule deep in
a spec reads the metric of its own global steps.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lrviz.params import Invalid


@dataclass(frozen=True)
class Metric:
    """Values reported at the end of steps: ``values[i]`` at step ``steps[i]`` (increasing)."""

    steps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    label: str = "metric"


_METRIC: ContextVar[Metric | None] = ContextVar("metric", default=None)
_OFFSET: ContextVar[int] = ContextVar("offset", default=0)
_READS: ContextVar[list[int] | None] = ContextVar("reads", default=None)


@contextlib.contextmanager
def reporting(metric: Metric | None) -> Iterator[None]:
    """Evaluate with ``metric`` as what feedback schedules read."""
    token = _METRIC.set(metric)
    try:
        yield
    finally:
        _METRIC.reset(token)


@contextlib.contextmanager
def shifted(steps: float) -> Iterator[None]:
    """Evaluate a part that starts ``steps`` later in the run than its parent."""
    token = _OFFSET.set(_OFFSET.get() + int(steps))
    try:
        yield
    finally:
        _OFFSET.reset(token)


@contextlib.contextmanager
def watching() -> Iterator[list[int]]:
    """Note every read of the metric: the list is empty after an evaluation that needed none."""
    reads: list[int] = []
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def reports(first: int, last: int) -> Metric:
    """The metric reported at the end of the global steps ``first`` … ``last`` of the running part,
    with the steps made local to it."""
    metric = _METRIC.get()
    if (reads := _READS.get()) is not None:
        reads.append(first)
    if metric is None:
        raise Invalid(
            "reacts to a metric and there is none: give --metric FILE (a CSV with a header), "
            "or --metric synthetic to explore"
        )
    offset = _OFFSET.get()
    mine = (metric.steps >= first + offset) & (metric.steps <= last + offset)
    return Metric(metric.steps[mine] - offset, metric.values[mine], metric.label)
