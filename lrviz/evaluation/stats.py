"""Summary statistics of an evaluated schedule, and the checkpoints a user asks about."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from lrviz.clock import grid
from lrviz.errors import LrvizError
from lrviz.limits import excerpt
from lrviz.schedules.entry import Values

Checkpoint = tuple[str, int]
"""A checkpoint as the user wrote it ("25%", "-1", "300") and the step it falls on."""


def checkpoints(points: str | int | Sequence[Any], steps: int, per_epoch: int = 1) -> list[Checkpoint]:
    """Steps from a comma list or a list: whole steps (negative ones count back from the end, -1 being
    the last step), percentages of the run (``50%`` of 100 steps is step 50) and, with ``per_epoch``
    updates an epoch, epochs (``45e`` is the first step of epoch 45)."""
    if isinstance(points, int) or not isinstance(points, str | Sequence):
        points = [points]  # one checkpoint, from Python
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


class Blocks(Protocol):
    """Rates read in blocks, each with the step it starts at: the whole run, or its steps from
    ``start`` on (which a summary reads again to recount a few blocks)."""

    def __call__(self, *, start: int = 0) -> Iterable[tuple[int, Values]]: ...


@dataclass(frozen=True)
class Extremes:
    """The lowest and highest rate of each block a run was read in (block ``k`` holds steps
    ``starts[k]`` to ``stops[k] - 1``): a search for a rate past a bound need only read the blocks
    whose extremes reach it."""

    starts: npt.NDArray[np.int64]
    stops: npt.NDArray[np.int64]
    lows: Values
    highs: Values

    def after(self, step: int) -> range:
        """The blocks that hold ``step`` and the steps after it."""
        return range(int(np.searchsorted(self.stops, step, side="right")), self.starts.size)


@dataclass(frozen=True)
class Summary:
    """The numbers that describe a whole run of a schedule.

    ``mean`` is the area under the curve divided by its length: the average rate of an update. The
    ``above`` counts are steps at 90% and 50% of the peak or more; ``warmup_end`` is the first step at
    the peak when the schedule starts below it (``None`` when it starts at its peak). ``extremes``
    are the lowest and highest rate of each block the run was read in, for searches that follow.
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
    extremes: Extremes | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, values: Values, points: Sequence[Checkpoint] = ()) -> Summary:
        """The summary of a whole array of rates."""

        def blocks(*, start: int = 0) -> Iterator[tuple[int, Values]]:  # in the chunks a long run comes in
            for first in range(start, values.size, grid.CHUNK):
                yield first, values[first : first + grid.CHUNK]

        return cls.of_blocks(blocks, values.size, points)

    @classmethod
    def of_blocks(cls, blocks: Blocks, steps: int, points: Sequence[Checkpoint] = ()) -> Summary:
        """The summary of rates read in blocks: once (see :class:`Tally`). The same rates in the same
        blocks give the same summary, to the last bit."""
        tally = Tally(steps, points)
        for start, values in blocks():
            tally.add(start, values)
        return tally.summary(blocks)

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


class Tally:
    """A summary taken block by block, as the blocks of a run go by: in the one pass over a long run
    that every other use of it shares.

    Each block gives its lowest and highest rate, its sum and, when it holds a new peak, the peak's
    step. The steps at 90% and 50% of the peak are counted against the peak so far; a block counted
    before the final peak was found is settled by its extremes (all of it at the bound or above, or
    none of it), and only a block that straddles the final bound is read again (see
    :meth:`summary`). A schedule whose peak comes in its first block is read once; one that climbs
    all run long reads again the few blocks where it crosses 50% and 90% of its peak, and only one
    that swings across them all the while it climbs is read twice.
    """

    def __init__(self, steps: int, points: Sequence[Checkpoint] = ()) -> None:
        self.steps = steps
        self.peak, self.peak_step, self.first, self.final = -math.inf, 0, 0.0, 0.0
        self.dtype: np.dtype[Any] = np.dtype(np.float64)
        self.wanted = dict(points)
        self.points = tuple(points)
        self.found: dict[str, float] = {}
        self.starts: list[int] = []
        self.stops: list[int] = []
        self.lows: list[float] = []
        self.highs: list[float] = []
        self.sums: list[float] = []
        self.counted: list[tuple[float, int, int]] = []
        """Each block's peak so far, and its steps at 90% and 50% of that peak or more."""

    def add(self, start: int, values: Values) -> None:
        """Take in the block of rates that starts at step ``start``."""
        self.dtype = values.dtype
        low, high = float(values.min()), float(values.max())
        if high > self.peak:
            self.peak, self.peak_step = high, start + int(np.argmax(values))
        with np.errstate(all="ignore"):
            self.sums.append(float(values.sum(dtype=np.float64)))
        if start == 0:
            self.first = float(values[0])
        stop = start + values.size
        if stop == self.steps:
            self.final = float(values[-1])
        for label, step in self.wanted.items():
            if start <= step < stop:
                self.found[label] = float(values[step - start])
        self.starts.append(start)
        self.stops.append(stop)
        self.lows.append(low)
        self.highs.append(high)
        bound_90, bound_50 = self._bounds(self.peak)
        self.counted.append(
            (self.peak, _above(values, low, high, bound_90), _above(values, low, high, bound_50))
        )

    def _bounds(self, peak: float) -> tuple[float, float]:
        """90% and 50% of ``peak`` as the rates are compared with them: in the rates' own precision."""
        return float(self.dtype.type(0.9 * peak)), float(self.dtype.type(0.5 * peak))

    def summary(self, blocks: Blocks) -> Summary:
        """The summary of every block taken in. The blocks counted against an earlier peak that
        straddle a final bound are read again from ``blocks``; nothing else is."""
        peak = self.peak
        bounds = self._bounds(peak)
        above_90 = above_50 = 0
        again: list[int] = []
        for index, (counted_at, count_90, count_50) in enumerate(self.counted):
            if counted_at != peak:  # counted against an earlier peak: settled by its extremes, or read again
                low, high = self.lows[index], self.highs[index]
                size = self.stops[index] - self.starts[index]
                settled_90, settled_50 = (_settled(size, low, high, bound) for bound in bounds)
                if settled_90 is None or settled_50 is None:
                    again.append(index)
                    continue
                count_90, count_50 = settled_90, settled_50
            above_90 += count_90
            above_50 += count_50
        for first, last in _stretches(again):
            start, stop = self.starts[first], self.stops[last]
            for block_start, values in blocks(start=start):
                part = values[max(start - block_start, 0) : stop - block_start]
                above_90 += int(np.count_nonzero(part >= bounds[0]))
                above_50 += int(np.count_nonzero(part >= bounds[1]))
                if block_start + values.size >= stop:
                    break
        return Summary(
            peak=peak,
            peak_step=self.peak_step,
            final=self.final,
            minimum=min(self.lows, default=math.inf),
            mean=_mean(self.sums, blocks, self.steps),
            above_90=above_90,
            above_50=above_50,
            warmup_end=self.peak_step if self.first < peak else None,
            at=tuple((label, step, self.found[label]) for label, step in self.points),
            extremes=Extremes(
                np.array(self.starts, dtype=np.int64),
                np.array(self.stops, dtype=np.int64),
                np.array(self.lows, dtype=np.float64),
                np.array(self.highs, dtype=np.float64),
            ),
        )


def _settled(size: int, low: float, high: float, bound: float) -> int | None:
    """How many of a block's ``size`` rates are at ``bound`` or above, when its extremes tell: all
    of them or none; ``None`` when the block straddles the bound."""
    if low >= bound:
        return size
    if high < bound:
        return 0
    return None


def _above(values: Values, low: float, high: float, bound: float) -> int:
    """How many of ``values`` (lowest ``low``, highest ``high``) are at ``bound`` or above: counted
    only when the block straddles it."""
    settled = _settled(values.size, low, high, bound)
    return int(np.count_nonzero(values >= bound)) if settled is None else settled


def _stretches(indices: list[int]) -> Iterator[tuple[int, int]]:
    """The first and last of each run of consecutive numbers in ``indices`` (increasing)."""
    for _, group in itertools.groupby(enumerate(indices), key=lambda pair: pair[1] - pair[0]):
        members = [index for _, index in group]
        yield members[0], members[-1]


def _mean(sums: list[float], blocks: Blocks, steps: int) -> float:
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
