"""A run (how many steps, in how many epochs) and the evaluation of specs over it."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from lrviz.clock import grid
from lrviz.clock.grid import Grid, Mark, Marks, Metric
from lrviz.errors import RunError, SpecError, close_names
from lrviz.evaluation.plan import Plan
from lrviz.evaluation.stats import Checkpoint, Summary, Tally
from lrviz.language.tree import Call, Spec
from lrviz.limits import LARGEST_STEP, LARGEST_STEP_TEXT, STEP_LIMIT, ensure_memory, excerpt
from lrviz.progress import report
from lrviz.schedules.entry import Values

DTYPES = ("float64", "float32")
STEP_ON = ("update", "epoch")
BYTES_PER_STEP = 8 * 8
"""A generous bound on the float64 arrays a step needs while a spec is evaluated and drawn."""


@dataclass(frozen=True)
class Run:
    """The run a schedule is evaluated over: ``steps`` optimizer updates, ``steps_per_epoch`` an epoch.

    ``epochs`` is set when the run was given in epochs. ``dtype`` is float64, or float32 to get the
    rates rounded to what a float32 framework (optax, Keras) holds. ``step_on="epoch"`` steps every
    schedule once an epoch: its step t is the epoch, held for the epoch's updates. ``plan`` is the
    data side the updates of an epoch came from, when given that way.
    """

    steps: int
    steps_per_epoch: int = 1
    epochs: int | None = None
    dtype: str = "float64"
    step_on: str = "update"
    plan: Plan | None = None
    metric: Metric | None = field(default=None, compare=False)
    step_limit: int = field(default=STEP_LIMIT, compare=False)
    """The longest run accepted: a longer one is refused before any work."""

    def __post_init__(self) -> None:
        if not isinstance(self.dtype, str) or self.dtype not in DTYPES:
            raise RunError(f"dtype is float64 or float32, got {excerpt(self.dtype)}")
        if not isinstance(self.step_on, str) or self.step_on not in STEP_ON:
            raise RunError(f"step-on is update or epoch, got {excerpt(self.step_on)}")
        for name in ("steps", "steps_per_epoch", "step_limit", "epochs"):  # numpy's integers become Python's
            if name != "epochs" or self.epochs is not None:
                object.__setattr__(self, name, positive(getattr(self, name), name.replace("_", " ")))
        if self.steps > self.step_limit:
            raise RunError(
                f"a run of {self.steps:,} steps is longer than the limit of {self.step_limit:,} (no "
                "training run takes more than about 10^9 updates): shorten it, or give --step-limit N "
                "to allow a longer one"
            )
        if self.steps > LARGEST_STEP:
            raise RunError(
                f"a run of {self.steps:,} steps is longer than lrviz can count: at most "
                f"{LARGEST_STEP_TEXT} steps, up to which every step is exact in float64"
            )

    @classmethod
    def of(
        cls,
        steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        dtype: str = "float64",
        step_on: str = "update",
        plan: Plan | None = None,
        step_limit: int = STEP_LIMIT,
    ) -> Run:
        """A run from ``steps``, or from ``epochs`` × updates an epoch: ``steps_per_epoch`` (default 1)
        or what ``plan`` derives."""
        if steps is not None and epochs is not None:
            raise RunError("give the run length as steps or as epochs, not both")
        if plan is not None and steps_per_epoch is not None:
            raise RunError("give steps per epoch, or dataset size and batch size, not both")
        per_epoch = plan.updates if plan is not None else steps_per_epoch
        if step_on == "epoch" and per_epoch is None and epochs is None:
            raise RunError("stepping on epochs needs to know the epochs: give --epochs or --steps-per-epoch")
        if epochs is not None:
            if epochs < 1:
                raise RunError(f"epochs must be a positive integer, got {excerpt(epochs)}")
            per_epoch = per_epoch or 1
            return cls(epochs * per_epoch, per_epoch, epochs, dtype, step_on, plan, step_limit=step_limit)
        if steps is None:
            raise RunError("say how long the run is: give steps, or epochs (with steps per epoch)")
        return cls(steps, per_epoch or 1, None, dtype, step_on, plan, step_limit=step_limit)

    @property
    def in_epochs(self) -> bool:
        """Whether epochs are in play (given, or steps per epoch set): outputs then show them."""
        return self.epochs is not None or self.steps_per_epoch > 1 or self.plan is not None

    def epoch_of(self, steps: Values) -> Values:
        """The fractional epoch of each step: step / steps_per_epoch."""
        return steps / self.steps_per_epoch

    def check_memory(self, series: int = 1) -> None:
        """Refuse, before allocating, a run whose arrays would not fit in the memory that is free."""
        ensure_memory(
            self.steps * BYTES_PER_STEP * max(series, 1),
            f"a run of {self.steps:,} steps",
            "shorten the run or use fewer schedules",
        )


def positive(value: object, name: str) -> int:
    """``value`` as a Python int (a numpy integer converted, so that no arithmetic on it wraps
    around), or :class:`RunError` when it is no whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise RunError(f"{name} must be a positive integer, got {excerpt(value)}")
    return int(value)


def with_options(spec: Spec, options: Mapping[str, Any], label: str | None = None) -> Spec:
    """``spec`` with each option set in every schedule of it that has that parameter.

    An option no schedule of the spec takes is an error that names the closest parameter.
    """
    if not options:
        return spec
    result, used = spec.with_params(options)
    unused = [name for name in options if name not in used]
    if unused:
        known = sorted({p.name for node in spec.walk() if isinstance(node, Call) for p in node.entry.params})
        name = unused[0]
        close = close_names(name, known)
        hint = f"; did you mean {close[0]}?" if close else (f"; it has {', '.join(known)}" if known else "")
        raise SpecError(f"no schedule in {excerpt(label or spec.source or spec.render())} takes {name}{hint}")
    return result


LEARNING_RATE = "learning rate"
"""The quantity a schedule gives unless told otherwise."""
QUANTITY_LENGTH = 60
"""The longest name of a quantity: an axis label."""


def quantity_problem(name: str) -> str | None:
    """What is wrong with ``name`` as the name of a quantity (an axis label), or ``None``."""
    if not name.strip() or not name.isprintable() or len(name) > QUANTITY_LENGTH:
        return (
            f"must be a name of 1 to {QUANTITY_LENGTH} printable characters on one line, got {excerpt(name)}"
        )
    return None


@dataclass(frozen=True)
class Look:
    """How one curve is drawn and where: its colour and line style (matplotlib's names; ``None`` for the
    defaults), its place in a sweep's colour map (0 to 1), the panel it belongs to, and where in a
    config the colour and line style were given, for messages about them."""

    color: str | None = None
    linestyle: str | None = None
    shade: float | None = None
    panel: str = ""
    given_at: str = ""
    quantity: str = LEARNING_RATE
    """What the curve's values are: the learning rate, or another hyper-parameter a schedule is
    drawn as (its axis label and export column say so)."""
    of: str = ""
    """The label of the curve this one goes with (a scheduler's momentum, with its rate): drawn in
    its colour."""


@dataclass
class _Read:
    """What reading a series has found out (the series itself is frozen): its marks, its summary,
    its extents and the lowest rate from chosen steps on."""

    marks: list[Mark] | None = None
    summary: Summary | None = None
    extents: dict[bool, tuple[float, float]] = field(default_factory=dict)
    lowest: dict[int, tuple[int, float]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Series:
    """One schedule over a run: its label, its spec, its phase boundaries and how it is drawn.

    Its rates are held whole (``values``) when the run is short enough; a longer run is read a chunk at
    a time (``blocks``), which plots, previews, summaries and CSV exports do, so that a billion steps
    take as little memory as a thousand.
    """

    label: str
    spec: Spec
    run: Run
    look: Look = field(default_factory=Look)
    _read: _Read = field(default_factory=lambda: _Read(), init=False, repr=False)

    @property
    def marks(self) -> list[Mark]:
        """Where the schedule's phases begin (warm-up ends, decays, restarts, reductions), as its
        evaluation records them: read with the rates when they are evaluated whole, else in the first
        pass over the run (see :meth:`blocks`)."""
        if self._read.marks is None:
            if self.held or needs_history(self.spec):
                self.values  # noqa: B018 (records the marks)
            else:
                for _ in self.blocks():
                    pass
        assert self._read.marks is not None
        return self._read.marks

    def _keep(self, found: Marks) -> None:
        if self._read.marks is None:
            self._read.marks = [m for m in found.sorted() if 0 < m.step < self.run.steps]

    @property
    def summary(self) -> Summary:
        """The statistics of the whole run (no checkpoints), with the extremes of each block: read in
        the first pass over the run (see :meth:`blocks`), which its marks come from too."""
        if self._read.summary is None:
            if self.held or needs_history(self.spec):
                self._read.summary = Summary.of_blocks(self.blocks, self.run.steps)
            else:
                for _ in self.blocks():
                    pass
        assert self._read.summary is not None
        return self._read.summary

    def extent(self, positive: bool = False) -> tuple[float, float]:
        """The lowest and highest rate (of the positive ones with ``positive``: NaN if none), from the
        summary: the lowest positive rate reads again only the blocks that hold rates ≤ 0 and > 0."""
        if positive not in self._read.extents:
            summary = self.summary
            self._read.extents[positive] = (
                self._positive_extent(summary) if positive else (summary.minimum, summary.peak)
            )
        return self._read.extents[positive]

    def _positive_extent(self, summary: Summary) -> tuple[float, float]:
        known = summary.extremes
        assert known is not None
        if not (known.highs > 0).any():
            return np.nan, np.nan
        low = math.inf
        for k in range(known.starts.size):
            if known.lows[k] > 0:
                low = min(low, float(known.lows[k]))
            elif known.highs[k] > 0:
                values = self._stretch(int(known.starts[k]), int(known.stops[k]))
                low = min(low, float(values[values > 0].min()))
        return low, float(known.highs.max())

    @functools.cached_property
    def values(self) -> Values:
        """The rate at every step, evaluated whole (memory permitting)."""
        found = Marks()
        values = evaluate_spec(self.spec, self.run, self.label, found)
        self._keep(found)
        return values

    @property
    def held(self) -> bool:
        """Whether the rates are in memory, whole."""
        return "values" in self.__dict__

    def blocks(self, size: int | None = None, start: int = 0) -> Iterator[tuple[int, Values]]:
        """The rates from step ``start`` on in consecutive blocks of ``size`` steps (default
        :data:`lrviz.clock.grid.CHUNK`; the last may be shorter), each with the step it starts at.

        The first read of a long run from step 0 in chunks of the default size, whatever it is read
        for, also records its marks and takes its summary (:class:`~lrviz.evaluation.stats.Tally`),
        so that a command reads the run once however many of them it needs.
        """
        size = size or grid.CHUNK
        if self.held or needs_history(self.spec):  # evaluated whole once, then held
            values = self.values
            for first in range(start, values.size, size):
                yield first, values[first : first + size]
            return
        whole = start == 0 and size == grid.CHUNK
        found = Marks() if whole and self._read.marks is None else None
        tally = Tally(self.run.steps) if whole and self._read.summary is None else None
        for first, values in chunks(self.spec, self.run, self.label, size, start, marks=found):
            if tally is not None:
                tally.add(first, values)
            yield first, values
        if found is not None:
            self._keep(found)
        if tally is not None and self._read.summary is None:
            self._read.summary = tally.summary(self._again)

    def _again(self, *, start: int = 0) -> Iterator[tuple[int, Values]]:
        """The chunks from ``start`` on, read again for the summary: nothing else taken from them."""
        return chunks(self.spec, self.run, self.label, start=start)

    def _stretch(self, start: int, stop: int) -> Values:
        """The rates of steps ``start`` to ``stop`` - 1, as one block."""
        if self.held or needs_history(self.spec):
            return self.values[start:stop]
        ((_, values),) = chunks(self.spec, self.run, self.label, stop - start, start, stop)
        return values

    def first(
        self, start: int, test: Callable[[Values], npt.NDArray[np.bool_]], monotone: bool = False
    ) -> int | None:
        """The first step from ``start`` on whose rate passes ``test`` (applied to blocks of rates),
        or ``None``.

        A ``monotone`` test (one that, passed by a rate, is passed by every higher rate, or by every
        lower one) is first applied to each block's extremes from the summary, and reads only the
        blocks where one of them passes.
        """
        if not monotone:
            for first, values in self.blocks(start=start):
                hits = np.flatnonzero(test(values))
                if hits.size:
                    return first + int(hits[0])
            return None
        known = self.summary.extremes
        assert known is not None
        for k in known.after(start):
            extremes = np.array([known.lows[k], known.highs[k]], dtype=self.run.dtype)
            if not test(extremes).any():
                continue
            first = max(start, int(known.starts[k]))
            hits = np.flatnonzero(test(self._stretch(first, int(known.stops[k]))))
            if hits.size:
                return first + int(hits[0])
        return None

    def lowest(self, start: int) -> tuple[int, float]:
        """The first step from ``start`` on where the rate is lowest, and that rate: from the summary's
        extremes, reading the block that holds ``start`` and the first block with the lowest rate."""
        if start in self._read.lowest:
            return self._read.lowest[start]
        known = self.summary.extremes
        assert known is not None
        best_step, best = start, math.inf
        after = known.after(start)
        if after and known.starts[after[0]] < start:  # the steps of the first block from start on
            values = self._stretch(start, int(known.stops[after[0]]))
            where = int(np.argmin(values))
            best_step, best = start + where, float(values[where])
            after = after[1:]
        if after:
            lows = known.lows[after.start :]
            k = after.start + int(np.argmin(lows))
            if lows.min() < best:
                values = self._stretch(int(known.starts[k]), int(known.stops[k]))
                where = int(np.argmin(values))
                best_step, best = int(known.starts[k]) + where, float(values[where])
        self._read.lowest[start] = (best_step, best)
        return best_step, best

    def at(self, steps: Sequence[int]) -> Values:
        """The rates at the given steps (each a step of the run)."""
        if self.held:
            return self.values[np.asarray(steps, dtype=np.int64)]
        return rates_at(self.spec, self.run, steps, self.label)


def reacts_to_metric(spec: Spec) -> bool:
    """Whether some schedule of ``spec`` is a feedback schedule: its rates follow a metric."""
    return any(isinstance(node, Call) and node.reacts for node in spec.walk())


def needs_history(spec: Spec) -> bool:
    """Whether some schedule of ``spec`` reads the steps before a step (feedback, running products)."""
    return any(isinstance(node, Call) and node.history for node in spec.walk())


def _check_finite(values: Values, first_step: int, spec: Spec, label: str) -> None:
    with np.errstate(all="ignore"):
        total = float(values.sum())
    if math.isfinite(total):  # one pass; a sum that overflows is checked step by step
        return
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.argmax(bad))
        name = label or spec.source or spec.render()
        raise RunError(
            f"{excerpt(name)} gives {values[first]} at step {first_step + first}: a rate must be a finite "
            "number (check for a division by zero, a log of zero or an overflow there)"
        )


def evaluate_spec(spec: Spec, run: Run, label: str = "", marks: Marks | None = None) -> Values:
    """The rate at every step of ``run``: a float64 array of ``run.steps`` finite values (its phase
    marks recorded in ``marks``)."""
    run.check_memory()
    ((_, values),) = chunks(spec, run, label, run.steps, marks=marks)
    return values if values.flags.writeable else values.copy()  # a constant is a read-only view


def rates_at(spec: Spec, run: Run, steps: Sequence[int], label: str = "") -> Values:
    """The rates of ``spec`` at the given steps of ``run`` (negative ones count back from its end),
    without evaluating the steps between: the very numbers :func:`evaluate_spec` gives there, since
    each stretch of consecutive steps asked for is evaluated as a chunk of the run. A spec whose rates
    depend on the steps before them (feedback) is evaluated whole."""
    wanted = _steps_of(run, steps)
    if needs_history(spec):
        return evaluate_spec(spec, run, label)[wanted]
    unique, back = np.unique(wanted, return_inverse=True)
    breaks = np.flatnonzero(np.diff(unique) != 1) + 1
    found = [
        values
        for stretch in np.split(unique, breaks)
        if stretch.size
        for _, values in chunks(spec, run, label, stretch.size, int(stretch[0]), int(stretch[-1]) + 1)
    ]
    rates = np.concatenate(found) if found else np.empty(0, dtype=run.dtype)
    return rates[back.reshape(-1)]


def _steps_of(run: Run, steps: Sequence[int]) -> npt.NDArray[np.int64]:
    """``steps`` as steps of ``run``: whole numbers (no bools), negative ones counted back from the
    end. A step outside the run is refused before any conversion, so that none wraps around into it
    (2^64 − 1 as an int64 is −1). More steps than the run has, or than memory holds, are refused
    before any is read."""
    count = len(steps) if hasattr(steps, "__len__") else 0
    if count > run.steps:
        raise RunError(f"at names {count:,} steps, more than the run's {run.steps:,}: name each step once")
    ensure_memory(count * 32, f"the rates at {count:,} chosen steps", "choose fewer steps")
    try:
        given = np.asarray(steps)
        if given.ndim != 1:
            raise TypeError
        listed = given.dtype == object or not isinstance(steps, np.ndarray)
        if listed and not all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in given):
            raise TypeError
        if given.size and given.dtype.kind not in "iuO":
            raise TypeError
    except (TypeError, ValueError, OverflowError):
        raise RunError(f"at must be a list of whole steps, got {excerpt(steps)}") from None
    if given.dtype == object:  # whole numbers too large for any integer dtype: none is a step
        outside = np.array([not -run.steps <= s < run.steps for s in given], dtype=bool)
    elif given.dtype.kind == "u":
        outside = given >= run.steps
    else:
        outside = (given < -run.steps) | (given >= run.steps)
    if outside.any():
        raise RunError(f"at: step {int(given[outside][0])} is not a step of a {run.steps:,}-step run")
    wanted = given.astype(np.int64)
    return np.where(wanted < 0, wanted + run.steps, wanted)


def chunks(
    spec: Spec,
    run: Run,
    label: str = "",
    size: int | None = None,
    start: int = 0,
    stop: int | None = None,
    marks: Marks | None = None,
) -> Iterator[tuple[int, Values]]:
    """The rates of steps ``start`` to ``stop`` (default: the whole run) evaluated ``size`` steps at a
    time, each block with the step it starts at: the very numbers :func:`evaluate_spec` gives. The
    grids the spec gets carry the run's metric, and ``marks`` to record its phases in."""
    stop = run.steps if stop is None else stop
    size = size or grid.CHUNK
    per_epoch = run.steps_per_epoch if run.step_on == "epoch" else None
    horizon = math.ceil(run.steps / run.steps_per_epoch) if per_epoch else run.steps
    if marks is not None and per_epoch:
        marks.scale = per_epoch  # marks recorded in epochs land at the epoch's first update
    for first in range(start, stop, size):
        last = min(first + size, stop)
        values = _evaluated(spec, run, first, last, horizon, marks)
        _check_finite(values, first, spec, label)
        if stop - start > size:
            report(f"evaluating {label or spec.source}", last - start, stop - start)
        yield first, values.astype(run.dtype, copy=False)


def _evaluated(spec: Spec, run: Run, first: int, last: int, horizon: int, marks: Marks | None) -> Values:
    """The rates of steps ``first`` to ``last`` of ``run``, with numpy's floating-point warnings off:
    a rate that overflows or is undefined is refused by the finiteness check, with its step, and
    arithmetic that does not reach the rates (a comparison with a NaN) is no concern of the user's."""
    with np.errstate(all="ignore"):
        if run.step_on == "epoch":  # the epochs of these steps, each epoch's rate held over its updates
            per_epoch = run.steps_per_epoch
            metric = _at_epoch_ends(run.metric, per_epoch)
            epochs = Grid(first // per_epoch, (last - 1) // per_epoch + 1, metric=metric, marks=marks)
            rates = np.asarray(spec.evaluate(epochs, horizon), dtype=np.float64)
            return rates[np.arange(first, last) // per_epoch - epochs.start]
        time = Grid(first, last, metric=run.metric, marks=marks)
        return np.asarray(spec.evaluate(time, horizon), dtype=np.float64)


def _at_epoch_ends(metric: Metric | None, per_epoch: int) -> Metric | None:
    """The reports a scheduler stepped once an epoch sees: those at the end of an epoch's last update,
    on the epochs' clock (a report in the middle of an epoch reaches no step of it)."""
    if metric is None or per_epoch == 1:
        return metric
    ends = (metric.steps + 1) % per_epoch == 0
    return Metric(metric.steps[ends] // per_epoch, metric.values[ends], metric.label)


def series(spec: Spec, run: Run, label: str, look: Look | None = None, whole: bool = True) -> Series:
    """``spec`` over ``run``, evaluated now (with its phase marks) when ``whole``, else read a chunk at
    a time whenever it is needed."""
    made = Series(label, spec, run, look or Look())
    if whole:
        made.values  # noqa: B018 (evaluated now, its marks with it)
    return made


def metric_of(values: object, steps: int) -> Metric:
    """A metric given as one value a step: real numbers, of which only the run's steps are read (the
    reports past its end could change nothing)."""
    if isinstance(values, np.ndarray):
        values = values[:steps] if values.ndim == 1 else values
    elif isinstance(values, Sequence) and not isinstance(values, str):
        values = values[:steps]
    try:
        given = np.asarray(values)
        if given.dtype.kind not in "iuf" and not (given.dtype == object and given.size):
            raise TypeError
        array = given.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise RunError(f"metric must be one real number a step, got {excerpt(values)}") from None
    if array.ndim != 1:
        raise RunError(f"metric must be one number a step (a flat list), got an array of shape {array.shape}")
    return Metric(np.arange(array.size, dtype=np.int64), array)


@dataclass(frozen=True)
class Curves:
    """Every evaluated schedule of one run: what the plot, the table and the exports are made from."""

    run: Run
    series: tuple[Series, ...]
    checkpoints: tuple[Checkpoint, ...] = ()
    resume_at: int | None = None
    title: str = ""
    """What the line-up shows as a whole, where its labels do not say it: the spec a sweep varies."""
    _summaries: dict[Series, Summary] = field(default_factory=dict, compare=False, repr=False)

    def summary(self, series: Series) -> Summary:
        """The statistics of one series, with this line-up's checkpoints (read once)."""
        if series not in self._summaries:
            summary = series.summary
            if self.checkpoints:
                rates = series.at([step for _, step in self.checkpoints]).tolist()
                at = tuple(
                    (label, step, rate) for (label, step), rate in zip(self.checkpoints, rates, strict=True)
                )
                summary = replace(summary, at=at)
            self._summaries[series] = summary
        return self._summaries[series]

    def panels(self) -> dict[str, list[Series]]:
        """The series of each panel, in order; a single overlay is the one panel ``""``."""
        panels: dict[str, list[Series]] = {}
        for s in self.series:
            panels.setdefault(s.look.panel, []).append(s)
        return panels

    @property
    def marks(self) -> list[Mark]:
        """The phase boundaries of every schedule, by step, each step once."""
        seen: dict[int, Mark] = {}
        for s in self.series:
            for mark in s.marks:
                seen.setdefault(mark.step, mark)
        return [seen[step] for step in sorted(seen)]
