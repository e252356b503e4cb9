"""Summary statistics of an evaluated schedule, and the checkpoints a user asks about."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrviz import grid
from lrviz.errors import LrvizError
from lrviz.limits import excerpt
from lrviz.registry import Values

Checkpoint = tuple[str, int]
"""A checkpoint as the user wrote it ("25%", "-1", "300") and the step it falls on."""


def checkpoints(points: str | Sequence[Any], steps: int) -> list[Checkpoint]:
    """Steps from a comma list or a list: whole steps (negative ones count back from the end, -1 being
    the last step) and percentages of the run (``50%`` of 100 steps is step 50)."""
    items = [p.strip() for p in points.split(",")] if isinstance(points, str) else [str(p) for p in points]
    found = []
    for item in items:
        try:
            if item.endswith("%"):
                share = float(item[:-1])
                if not 0 <= share <= 100:
                    raise ValueError
                step = min(math.floor(share / 100 * steps), steps - 1)
            else:
                step = int(item)
                step = step + steps if step < 0 else step
                if not 0 <= step < steps:
                    raise ValueError
        except ValueError:
            raise LrvizError(
                f"checkpoint {excerpt(item)} is not a step of this {steps}-step run: give whole steps "
                "(-1 is the last) or percentages such as 25%"
            ) from None
        found.append((item, step))
    return found


@dataclass(frozen=True)
class Summary:
    """The numbers that describe a whole run of a schedule.

    ``mean`` is the area under the curve divided by its length: the average rate of an update. The
    ``above`` counts are steps at 90% and 50% of the peak or more; ``warmup_end`` is the first step at
    the peak when the schedule starts below it (``None`` when it starts at its peak).
    """

    peak: float
    peak_step: int
    final: float
    minimum: float
    mean: float
    above_90: int
    above_50: int
    warmup_end: int | None
    at: tuple[tuple[str, int, float], ...] = ()

    @classmethod
    def of(cls, values: Values, points: Sequence[Checkpoint] = ()) -> Summary:
        """The summary of a whole array of rates."""

        def blocks() -> Iterator[tuple[int, Values]]:  # in the chunks a long run comes in
            for start in range(0, values.size, grid.CHUNK):
                yield start, values[start : start + grid.CHUNK]

        return cls.of_blocks(blocks, values.size, points)

    @classmethod
    def of_blocks(
        cls, blocks: Callable[[], Iterable[tuple[int, Values]]], steps: int, points: Sequence[Checkpoint] = ()
    ) -> Summary:
        """The summary of rates read in blocks, each with the step it starts at: twice, since the steps
        near the peak are counted once the peak is known. The same rates in the same blocks give the
        same summary, to the last bit."""
        peak, peak_step, minimum, first, final = -math.inf, 0, math.inf, 0.0, 0.0
        sums: list[float] = []
        wanted = dict(points)
        at: dict[str, float] = {}
        for start, values in blocks():
            top = int(np.argmax(values))
            if values[top] > peak:
                peak, peak_step = float(values[top]), start + top
            minimum = min(minimum, float(values.min()))
            sums.append(float(values.sum(dtype=np.float64)))
            if start == 0:
                first = float(values[0])
            if start + values.size == steps:
                final = float(values[-1])
            for label, step in wanted.items():
                if start <= step < start + values.size:
                    at[label] = float(values[step - start])
        above_90 = above_50 = 0
        for _, values in blocks():
            above_90 += int(np.count_nonzero(values >= 0.9 * peak))
            above_50 += int(np.count_nonzero(values >= 0.5 * peak))
        return cls(
            peak=peak,
            peak_step=peak_step,
            final=final,
            minimum=minimum,
            mean=math.fsum(sums) / steps,
            above_90=above_90,
            above_50=above_50,
            warmup_end=peak_step if first < peak else None,
            at=tuple((label, step, at[label]) for label, step in points),
        )

    def rows(self) -> list[tuple[str, str]]:
        """(name, value) pairs as tables show them."""
        rows = [
            ("peak", _number(self.peak)),
            ("peak step", str(self.peak_step)),
            ("final", _number(self.final)),
            ("minimum", _number(self.minimum)),
            ("mean", _number(self.mean)),
            ("steps ≥ 90% peak", str(self.above_90)),
            ("steps ≥ 50% peak", str(self.above_50)),
            ("warm-up ends", "—" if self.warmup_end is None else str(self.warmup_end)),
        ]
        return rows + [
            (f"at step {step}" if label == str(step) else f"at {label} (step {step})", _number(value))
            for label, step, value in self.at
        ]

    def to_data(self) -> dict[str, Any]:
        return {
            "peak": self.peak,
            "peak_step": self.peak_step,
            "final": self.final,
            "minimum": self.minimum,
            "mean": self.mean,
            "steps_above_90_percent_of_peak": self.above_90,
            "steps_above_50_percent_of_peak": self.above_50,
            "warmup_end": self.warmup_end,
            "at": [{"checkpoint": label, "step": step, "lr": value} for label, step, value in self.at],
        }


def _number(value: float) -> str:
    return f"{value:.6g}"
