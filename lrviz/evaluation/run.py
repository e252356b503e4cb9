"""A run (how many steps, in how many epochs) and the evaluation of specs over it."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from lrviz.clock import grid
from lrviz.clock.grid import Grid, Mark, Marks, Metric
from lrviz.errors import RunError, SpecError, close_names
from lrviz.evaluation.plan import Plan
from lrviz.evaluation.stats import Checkpoint, Summary
from lrviz.language.tree import Call, Spec, checked
from lrviz.limits import STEP_LIMIT, ensure_memory, excerpt
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
        if self.dtype not in DTYPES:
            raise RunError(f"dtype is float64 or float32, got {excerpt(self.dtype)}")
        if self.step_on not in STEP_ON:
            raise RunError(f"step-on is update or epoch, got {excerpt(self.step_on)}")
        for name in ("steps", "steps_per_epoch", "step_limit"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise RunError(f"{name.replace('_', ' ')} must be a positive integer, got {excerpt(value)}")
        if self.steps > self.step_limit:
            raise RunError(
                f"a run of {self.steps:,} steps is longer than the limit of {self.step_limit:,} (no "
                "training run takes more than about 10^9 updates): shorten it, or give --step-limit N "
                "to allow a longer one"
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
    _extents: dict[bool, tuple[float, float]] = field(default_factory=dict, init=False, repr=False)
    _recorded: dict[str, list[Mark]] = field(default_factory=dict, init=False, repr=False)

    @property
    def marks(self) -> list[Mark]:
        """Where the schedule's phases begin (warm-up ends, decays, restarts, reductions), as its
        evaluation records them: read with the rates when they are evaluated whole, else in one pass."""
        if "marks" not in self._recorded:
            if self.held or needs_history(self.spec):
                self.values  # noqa: B018 (records the marks)
            else:
                found = Marks()
                for _ in chunks(self.spec, self.run, self.label, marks=found):
                    pass
                self._keep(found)
        return self._recorded["marks"]

    def _keep(self, found: Marks) -> None:
        self._recorded.setdefault("marks", [m for m in found.sorted() if 0 < m.step < self.run.steps])

    def extent(self, positive: bool = False) -> tuple[float, float]:
        """The lowest and highest rate (of the positive ones with ``positive``: NaN if none), read once."""
        if positive not in self._extents:
            self._extents[positive] = extent(self.blocks(), positive)
        return self._extents[positive]

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
        :data:`lrviz.clock.grid.CHUNK`; the last may be shorter), each with the step it starts at."""
        size = size or grid.CHUNK
        if self.held:
            values = self.values
            for first in range(start, values.size, size):
                yield first, values[first : first + size]
        elif needs_history(self.spec):
            self.values  # noqa: B018 (evaluated whole once, then held)
            yield from self.blocks(size, start)
        else:
            yield from chunks(self.spec, self.run, self.label, size, start)

    def first(self, start: int, test: Callable[[Values], npt.NDArray[np.bool_]]) -> int | None:
        """The first step from ``start`` on whose rate passes ``test`` (applied to blocks of rates),
        or ``None``."""
        for first, values in self.blocks(start=start):
            hits = np.flatnonzero(test(values))
            if hits.size:
                return first + int(hits[0])
        return None

    def lowest(self, start: int) -> tuple[int, float]:
        """The first step from ``start`` on where the rate is lowest, and that rate."""
        best_step, best = start, math.inf
        for first, values in self.blocks(start=start):
            where = int(np.argmin(values))
            if values[where] < best:
                best_step, best = first + where, float(values[where])
        return best_step, best

    def at(self, steps: Sequence[int]) -> Values:
        """The rates at the given steps (each a step of the run)."""
        if self.held:
            return self.values[np.asarray(steps, dtype=np.int64)]
        return rates_at(self.spec, self.run, steps, self.label)


def extent(blocks: Iterable[tuple[int, Values]], positive: bool = False) -> tuple[float, float]:
    """The lowest and highest rate (of the positive ones with ``positive``; NaN if there are none)."""
    low, high = np.inf, -np.inf
    for _, values in blocks:
        if positive:
            values = values[values > 0]
        if values.size:
            low, high = min(low, float(values.min())), max(high, float(values.max()))
    return (low, high) if low <= high else (np.nan, np.nan)


def reacts_to_metric(spec: Spec) -> bool:
    """Whether some schedule of ``spec`` is a feedback schedule: its rates follow a metric."""
    return any(isinstance(node, Call) and node.reacts for node in spec.walk())


def needs_history(spec: Spec) -> bool:
    """Whether some schedule of ``spec`` reads the steps before a step (feedback, running products)."""
    return any(isinstance(node, Call) and node.history for node in spec.walk())


def _check_finite(values: Values, first_step: int, spec: Spec, label: str) -> None:
    if math.isfinite(float(values.sum())):  # one pass; a sum that overflows is checked step by step
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
    """``steps`` as steps of ``run``: whole numbers, negative ones counted back from the end."""
    try:
        wanted = np.asarray(steps)
        if wanted.ndim != 1 or (wanted.size and wanted.dtype.kind not in "iu"):
            raise TypeError
        wanted = wanted.astype(np.int64)
    except (TypeError, ValueError, OverflowError):
        raise RunError(f"at must be a list of whole steps, got {excerpt(steps)}") from None
    wanted = np.where(wanted < 0, wanted + run.steps, wanted)
    outside = (wanted < 0) | (wanted >= run.steps)
    if outside.any():
        step = int(np.asarray(steps)[outside][0])
        raise RunError(f"at: step {step} is not a step of a {run.steps:,}-step run")
    return wanted


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
        if per_epoch:  # the epochs of these steps, each epoch's rate held over its updates
            epochs = Grid(first // per_epoch, (last - 1) // per_epoch + 1, metric=run.metric, marks=marks)
            rates = np.asarray(spec.evaluate(epochs, horizon), dtype=np.float64)
            values = rates[np.arange(first, last) // per_epoch - epochs.start]
        else:
            time = Grid(first, last, metric=run.metric, marks=marks)
            values = np.asarray(spec.evaluate(time, horizon), dtype=np.float64)
        _check_finite(values, first, spec, label)
        if stop - start > size:
            report(f"evaluating {label or spec.source}", last - start, stop - start)
        yield first, values.astype(run.dtype, copy=False)


def series(spec: Spec, run: Run, label: str, look: Look | None = None, whole: bool = True) -> Series:
    """``spec`` over ``run``, evaluated now (with its phase marks) when ``whole``, else read a chunk at
    a time whenever it is needed."""
    made = Series(label, spec, run, look or Look())
    if whole:
        made.values  # noqa: B018 (evaluated now, its marks with it)
    return made


def evaluate(
    spec: str | Spec,
    steps: int,
    *,
    dtype: str = "float64",
    metric: Any = None,
    at: Sequence[int] | None = None,
    step_limit: int = STEP_LIMIT,
    **options: Any,
) -> Values:
    """The rate of ``spec`` at each of ``steps`` steps, as an array of shape ``(steps,)``: float64, or
    float32 with ``dtype="float32"``.

    ``at`` asks for chosen steps of the run only (negative ones count back from its end): an array of
    their rates, the same numbers, without evaluating the steps between, so that
    ``evaluate(spec, 10**12, at=[-1])`` is immediate; the limit on the run's length, which bounds the
    work of evaluating every step, does not apply then. ``metric`` feeds feedback schedules: a
    :class:`~lrviz.clock.grid.Metric`, or one value a step, each reported at the end of its step.
    ``options`` set parameters wherever the spec's schedules take them, as command-line options do:
    ``evaluate("cosine", 100, max_lr=0.1)``.
    """
    from lrviz.language.parser import parse

    if metric is not None and not isinstance(metric, Metric):
        metric = _metric_values(metric)
    chosen = at is not None and isinstance(steps, int) and steps > step_limit
    run = Run(steps, dtype=dtype, metric=metric, step_limit=steps if chosen else step_limit)
    tree = checked(
        with_options(parse(spec, complete=False) if isinstance(spec, str) else _spec(spec), options)
    )
    return evaluate_spec(tree, run) if at is None else rates_at(tree, run, at)


def _spec(value: object) -> Spec:
    if not isinstance(value, Spec):
        raise SpecError(f"a spec must be text or a parsed spec, got {excerpt(value)}")
    return value


def _metric_values(values: object) -> Metric:
    """A metric given as one value a step."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise RunError(f"metric must be one number a step, got {excerpt(values)}") from None
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
    _summaries: dict[Series, Summary] = field(default_factory=dict, compare=False, repr=False)

    def summary(self, series: Series) -> Summary:
        """The statistics of one series, with this line-up's checkpoints (read once)."""
        if series not in self._summaries:
            self._summaries[series] = Summary.of_blocks(series.blocks, self.run.steps, self.checkpoints)
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
