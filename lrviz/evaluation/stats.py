"""Summary statistics of an evaluated schedule, and the checkpoints a user asks about."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrviz.clock import grid
from lrviz.errors import LrvizError
from lrviz.limits import excerpt
from lrviz.schedules.entry import Values

Checkpoint = tuple[str, int]
"""A checkpoint as the user wrote it ("25%", "-1", "300") and the step it falls on."""


def checkpoints(points: str | Sequence[Any], steps: int, per_epoch: int = 1) -> list[Checkpoint]:
    """Steps from a comma list or a list: whole steps (negative ones count back from the end, -1 being
    the last step), percentages of the run (``50%`` of 100 steps is step 50) and, with ``per_epoch``
    updates an epoch, epochs (``45e`` is the first step of epoch 45)."""
    items = [p.strip() for p in points.split(",")] if isinstance(points, str) else [str(p) for p in points]
    found = []
    for item in items:
        try:
            if item.endswith("%"):
                share = float(item[:-1])
                if not 0 <= share <= 100:
                    raise ValueError
                step = min(math.floor(share / 100 * steps), steps - 1)
            elif item.lower().endswith("e") and item[:-1].strip().isdigit():
                step = int(item[:-1]) * per_epoch
                if not 0 <= step < steps:
                    raise ValueError
            else:
                step = int(item)
                step = step + steps if step < 0 else step
                if not 0 <= step < steps:
                    raise ValueError
        except ValueError:
            epochs = f", epochs such as {min(45, max(steps // per_epoch - 1, 0))}e" if per_epoch > 1 else ""
            raise LrvizError(
                f"checkpoint {excerpt(item)} is not a step of this {steps}-step run: give whole steps "
                f"(-1 is the last), percentages such as 25%{epochs}"
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
            with np.errstate(all="ignore"):
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
            mean=_mean(sums, blocks, steps),
            above_90=above_90,
            above_50=above_50,
            warmup_end=peak_step if first < peak else None,
            at=tuple((label, step, at[label]) for label, step in points),
        )

    def rows(self, per_epoch: int = 1) -> list[tuple[str, str]]:
        """(name, value) pairs as tables show them; with ``per_epoch`` updates an epoch, each
        checkpoint says both its step and its epoch."""
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
            (f"at {_place(label, step, per_epoch)}", _number(value)) for label, step, value in self.at
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


def _mean(sums: list[float], blocks: Callable[[], Iterable[tuple[int, Values]]], steps: int) -> float:
    """The mean rate from the blocks' sums; when rates near float64's largest make the sum overflow
    (their mean does not), the blocks are read again and summed at a scale of a power of two that
    keeps it finite."""
    try:
        total = math.fsum(sums)
    except (OverflowError, ValueError):  # partial sums past float64's largest, of both signs
        total = math.inf
    if math.isfinite(total):
        return total / steps
    scale = 2.0 ** -steps.bit_length()
    with np.errstate(all="ignore"):
        scaled = math.fsum(float((values * scale).sum(dtype=np.float64)) for _, values in blocks())
    return scaled / (steps * scale)


def _place(label: str, step: int, per_epoch: int) -> str:
    """Where a checkpoint is, in the words of a table row: ``step 45 (epoch 4.5)``, ``epoch 45 (step
    450)``, ``25% (step 250)``."""
    if label.lower().endswith("e") and label[:-1].strip().isdigit():
        return f"epoch {int(label[:-1])} (step {step})"
    epoch = f"epoch {step / per_epoch:g}" if per_epoch > 1 else ""
    if label == str(step):
        return f"step {step}" + (f" ({epoch})" if epoch else "")
    return f"{label} (step {step}" + (f", {epoch}" if epoch else "") + ")"


def _number(value: float) -> str:
    return f"{value:.6g}"
