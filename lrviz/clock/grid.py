"""Time as schedules see it: a run of consecutive whole steps, kept as its ends until an array is needed.

A schedule whose ``t`` is annotated :data:`Time` takes a :class:`Grid` as it is and can use what it
knows (consecutive whole steps) to do less work: split it into its phases without searching, repeat
a cycle instead of evaluating it again, or take the cosine of every step from a few hundred cosines
(:func:`lrviz.clock.fast.cos_pi`). Any other schedule gets the grid's steps as an array.

Every shortcut gives the same bits as the array path, step for step: a step evaluated alone, in a
chunk of a long run or in the whole run has one value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

Values = npt.NDArray[np.float64]

CHUNK = 1 << 22
"""The steps evaluated (and summed) at a time when a run is read in chunks: 32 MB of float64."""
WHOLE = 1 << 24
"""The longest run evaluated whole up front for work that can read it in chunks (plots, summaries, CSV):
a longer one is evaluated a chunk at a time each time it is read, so that its memory stays flat."""


@dataclass(frozen=True)
class Metric:
    """Values reported at the end of steps: ``values[i]`` at step ``steps[i]`` (increasing)."""

    steps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    label: str = "metric"


MARKS_OF_A_KIND = 1000
"""The most phase marks of one kind a run records (a restart every step would be a million): more than
a plot can draw apart, so that it draws every mark it draws at all."""


@dataclass(frozen=True)
class Mark:
    """A phase boundary: the first step of a phase, and what happens there ("warm-up ends").
    ``kind`` is what tools look for: ``"phase"``, ``"warmup"`` (a warm-up's end) or ``"reduced"``
    (a feedback schedule lowered the rate)."""

    step: int
    what: str
    kind: str = "phase"


class Marks:
    """Where a run's phases begin, recorded while it is evaluated: every cut of time into pieces
    that names what its pieces are (:func:`pieces`) records the steps where a later piece starts.

    ``scale`` turns the steps of the grids evaluated into the run's (its epochs' updates)."""

    def __init__(self, scale: int = 1) -> None:
        self.scale = scale
        self.found: dict[int, Mark] = {}
        self._kinds: dict[str, int] = {}

    def record(self, step: int, what: str, kind: str = "phase") -> None:
        step *= self.scale
        if step in self.found or self._kinds.get(what, 0) >= MARKS_OF_A_KIND:
            return
        self._kinds[what] = self._kinds.get(what, 0) + 1
        self.found[step] = Mark(step, what, kind)

    def sorted(self) -> list[Mark]:
        return [self.found[step] for step in sorted(self.found)]


@dataclass(frozen=True)
class Grid:
    """The steps ``start``, ``start + 1``, …, ``stop − 1`` (``stop ≥ start``) of a part of a run, on
    the part's own clock: its step 0 is step ``offset`` of the run.

    The clock travels with the time: a join that gives a part its steps from its own start (``grid -
    start``) moves the offset with them, so that whatever a part reads by run step — the ``metric`` a
    feedback schedule reacts to — and every phase mark it records in ``marks`` land at the run's own
    steps.
    """

    start: int
    stop: int
    offset: int = 0
    metric: Metric | None = field(default=None, compare=False)
    marks: Marks | None = field(default=None, compare=False)

    @property
    def size(self) -> int:
        return self.stop - self.start

    @property
    def shape(self) -> tuple[int]:
        return (self.size,)

    def array(self) -> Values:
        """The steps as a float64 array."""
        return np.arange(self.start, self.stop, dtype=np.float64)

    def clip(self, low: float, high: float) -> Grid:
        """The steps t of this grid with low ≤ t < high (possibly none)."""
        start = self.start if low <= self.start else min(math.ceil(low), self.stop)
        stop = self.stop if high >= self.stop else max(math.ceil(high), start)
        return replace(self, start=start, stop=stop)

    def __sub__(self, shift: float) -> Grid:
        """The same steps on the clock of a part that starts ``shift`` (whole) steps later."""
        whole = int(shift)
        assert whole == shift, "a part of a grid starts at a whole step"
        return replace(self, start=self.start - whole, stop=self.stop - whole, offset=self.offset + whole)

    def reports(self, first: int, last: int) -> Metric:
        """The metric reported at the end of this part's steps ``first`` … ``last`` (on its clock),
        with those steps on its clock."""
        if self.metric is None:
            raise NoMetric(
                "reacts to a metric and there is none: give --metric FILE (a CSV with a header), "
                "or --metric synthetic to explore"
            )
        metric = self.metric
        mine = (metric.steps >= first + self.offset) & (metric.steps <= last + self.offset)
        return Metric(metric.steps[mine] - self.offset, metric.values[mine], metric.label)

    def record(self, step: int, what: str, kind: str = "phase") -> None:
        """Note that a phase begins at this part's ``step``, when the run records its marks."""
        if self.marks is not None:
            self.marks.record(step + self.offset, what, kind)


class NoMetric(ValueError):
    """A feedback schedule was evaluated without a metric to react to."""


Time = Values | Grid
"""Local steps: an array of them, or a grid of consecutive whole steps."""


def steps(t: Time) -> Values:
    """``t`` as a float64 array."""
    return t.array() if isinstance(t, Grid) else t


Where = slice | npt.NDArray[np.bool_]
"""Which entries of ``t`` a piece of it holds: a slice of a grid, a mask of an array."""


def pieces(
    t: Time,
    edges: Sequence[float],
    what: str | Sequence[str] | None = None,
    kind: str | Sequence[str] = "phase",
) -> Iterator[tuple[int, Time, Where]]:
    """The steps of ``t`` in each piece that ``edges`` (increasing) cut time into, with where they are.

    Piece 0 is t < edges[0], piece i is edges[i−1] ≤ t < edges[i], the last is t ≥ edges[−1]; empty
    pieces are left out. A grid's pieces are grids; when ``what`` names the boundaries ("decay", or one
    name for each, with one ``kind`` for each or for all), the first step of each later piece the grid
    holds is recorded as a mark, unless it is the part's own start (where nothing new begins).
    """
    bounds = [-math.inf, *edges, math.inf]
    if isinstance(t, Grid):
        for i in range(len(bounds) - 1):
            part = t.clip(bounds[i], bounds[i + 1])
            if part.size:
                if what is not None and i and bounds[i] > 0 and math.ceil(bounds[i]) == part.start:
                    name = what if isinstance(what, str) else what[i - 1]
                    t.record(part.start, name, kind if isinstance(kind, str) else kind[i - 1])
                yield i, part, slice(part.start - t.start, part.stop - t.start)
        return
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), t, side="right")
    for i in np.unique(index).tolist():
        where = index == i
        yield i, t[where], where


Part = Callable[[Time], Values]
"""A part of a join: its rates at steps on its own clock (0 where it starts)."""


def join(
    t: Time,
    starts: Sequence[float],
    parts: Sequence[Part],
    what: str | Sequence[str] | None = None,
    kind: str = "phase",
) -> Values:
    """The one way time is handed to the parts of a sequence: ``parts[i]`` from ``starts[i]`` (the
    first at 0) up to the next start, on its own clock — its step 0 is where it starts, and a grid's
    offset moves with it, so that a part reads the run's metric and records its marks at the run's
    own steps. ``what`` names the marks (of ``kind``) of the starts after the first.

    Each step is evaluated by its own part only.
    """
    out = np.empty(t.shape)
    for i, piece, where in pieces(t, starts[1:], what, kind):
        out[where] = parts[i](piece - starts[i])
    return out


def tiled(t: Grid, period: int, cycle: Callable[[Grid], Values], what: str | None = None) -> Values:
    """cycle(t mod period) at each step of a grid: a function of the steps of one cycle, repeated;
    ``what`` names the mark of each cycle's start.

    A cycle no longer than the grid is evaluated once, whole, and tiled; a longer one only on the
    steps the grid has of it (at most two cycles' pieces), so that memory follows the grid, never the
    period.
    """
    _every(t, period, what)
    first, last = t.start // period, (t.stop - 1) // period
    if period <= t.size:
        whole = cycle(replace(t, start=0, stop=period, marks=None))
        return np.tile(whole, last - first + 1)[t.start - first * period : t.stop - first * period]
    out = np.empty(t.size)
    for k in range(first, last + 1):
        part = t.clip(k * period, (k + 1) * period)
        out[part.start - t.start : part.stop - t.start] = cycle(part - k * period)
    return out


def per_cycle(t: Grid, period: int, value: Callable[[Values], Values], what: str | None = None) -> Values:
    """value(k) at each step of a grid, k = ⌊t/period⌋ its cycle: one value a cycle, repeated; ``what``
    names the mark of each cycle's start."""
    _every(t, period, what)
    first, last = t.start // period, (t.stop - 1) // period
    each = value(np.arange(first, last + 1, dtype=np.float64))
    counts = np.full(last - first + 1, period, dtype=np.int64)
    counts[0] = min((first + 1) * period, t.stop) - t.start
    if last > first:
        counts[-1] = t.stop - last * period
    return np.repeat(each, counts)


def _every(t: Grid, period: int, what: str | None) -> None:
    """Record the start of each cycle of ``period`` steps the grid holds (as many as a run keeps)."""
    if what is not None:
        mark_every(t, period, what)


def mark_every(t: Time, period: float, what: str, kind: str = "phase", start: float = 0.0) -> None:
    """Record the first whole step of each cycle of ``period`` steps (a float period too) that begins
    at ``start`` + k·period, k ≥ 1, where the grid holds it (as many as a run keeps): for a schedule
    whose cycles are in its formula."""
    if not isinstance(t, Grid) or t.marks is None or not period > 0:
        return
    first = max(math.floor((t.start - start) / period), 1)
    last = min(math.floor((t.stop - start) / period), first + MARKS_OF_A_KIND)
    for k in range(first, last + 1):
        mark(t, start + k * period, what, kind)


def mark_each(t: Time, edges: Iterable[float], what: str, kind: str = "phase") -> None:
    """Record the first whole step of each of ``edges`` above 0 that the grid holds (as many as a run
    keeps): the milestones of a schedule whose phases are in its formula."""
    if not isinstance(t, Grid) or t.marks is None:
        return
    held = 0
    for edge in edges:
        if edge > 0 and t.start <= math.ceil(edge) < t.stop:
            t.record(math.ceil(edge), what, kind)
            held += 1
            if held == MARKS_OF_A_KIND:
                return


def held(t: Time, edges: Sequence[float], rates: Values, what: str | None = None) -> Values:
    """rates[i] on piece i of ``t`` as ``edges`` cut it (see :func:`pieces`): a rate held between edges,
    ``what`` naming the mark of each edge."""
    if not isinstance(t, Grid):
        return rates[np.searchsorted(np.asarray(edges, dtype=np.float64), t, side="right")]
    out = np.empty(t.size)
    for i, _, where in pieces(t, edges, what):
        out[where] = rates[i]
    return out


def mark(t: Time, step: float, what: str, kind: str = "phase") -> None:
    """Record that a phase begins at ``step`` (its first whole step), if the grid holds it: for a
    schedule whose phases are in its formula rather than in pieces of time."""
    first = math.ceil(step)
    if isinstance(t, Grid) and t.start <= first < t.stop:
        t.record(first, what, kind)


WARMUP_ENDS = "warm-up ends"
"""The mark of the step where a warm-up ends (of kind ``"warmup"``)."""
