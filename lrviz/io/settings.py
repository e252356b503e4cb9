"""A run as a command or a config gives it: steps or epochs, the data side, the stepping, the metric
file, each ``None`` where not given, until :meth:`RunSettings.run` makes the run."""

from __future__ import annotations

import numbers
import typing
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from lrviz.clock.grid import Metric
from lrviz.errors import RunError
from lrviz.evaluation.plan import Plan
from lrviz.evaluation.run import Run, quantity_problem
from lrviz.io.metric import load
from lrviz.limits import LARGEST_STEP, LARGEST_STEP_TEXT, STEP_LIMIT, excerpt

LARGEST_COUNT = LARGEST_STEP
"""The most a whole-number run setting may be (steps, epochs, steps an epoch, samples, a batch,
accumulated batches, devices, the step limit): 2^53, far above any real run, so that every count and
what lrviz computes from it (the updates of an epoch, ``E`` in a spec) stays exact in float64, and a
number with hundreds of digits is refused where it is read rather than overflowing where it is used."""


def count_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a whole-number run setting, or ``None``: it must be a whole
    number from 1 to :data:`LARGEST_COUNT`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return f"must be a positive whole number, got {excerpt(value)}"
    whole = int(value)
    if not 1 <= whole <= LARGEST_COUNT:
        shown = excerpt(whole) if abs(whole).bit_length() < 10_000 else "a number of thousands of digits"
        return f"must be a whole number from 1 to {LARGEST_STEP_TEXT} (far beyond any run), got {shown}"
    return None


def _option(
    help: str, metavar: str = "", short: str = "", config: bool = True, group: str = "Run", flag: str = ""
) -> Any:
    """A run setting, ``None`` until given, with what the command line and configs show of it: its
    help, its metavar and short flag, whether a config may set it, its panel in ``--help``, and its
    long flag when it is not the name's (``--from``)."""
    return field(
        default=None,
        metadata={
            "help": help,
            "metavar": metavar,
            "short": short,
            "config": config,
            "group": group,
            "flag": flag,
        },
    )


@dataclass(frozen=True)
class RunSettings:
    """A run as given, from options or a config: ``None`` where not given. Each field is declared once
    here, for the command line (every command's run options) and for configs (their run keys)."""

    steps: int | None = _option("Run length in steps.", "N", "-n")
    epochs: int | None = _option("Run length in epochs.", "N", "-e")
    steps_per_epoch: int | None = _option("Steps in an epoch (default 1).", "N")
    dtype: str | None = _option(
        "float64, or float32 for the rates a float32 framework holds.", "float64|float32", config=False
    )
    dataset_size: int | None = _option("Samples in the dataset (with --batch-size).", "N")
    batch_size: int | None = _option("Samples a batch on each device.", "N")
    drop_last: bool | None = _option("The DataLoader drops a partial last batch.")
    grad_accum: int | None = _option("Batches accumulated into an update.", "N")
    devices: int | None = _option("Data-parallel devices.", "N")
    step_on: str | None = _option(
        "update (default), or epoch: every schedule steps once an epoch.", "update|epoch"
    )
    metric: str | None = _option(
        "The metric for feedback schedules: a CSV file, or synthetic.", "FILE|synthetic", group="Metric"
    )
    metric_column: str | None = _option("The metric's column (default: the last).", "NAME", group="Metric")
    step_limit: int | None = _option(
        f"The longest run accepted, in steps (default {STEP_LIMIT:,}).", "N", config=False
    )
    quantity: str | None = _option(
        "What the schedules give, for the axis and the columns: learning rate (default), weight decay, …",
        "NAME",
        group="Quantity",
    )
    momentum: bool | None = _option(
        "Also show the momentum (Adam's β1) the schedulers set: OneCycleLR and CyclicLR cycle it.",
        group="Quantity",
    )
    source_kind: str | None = _option(
        "The kind of training config or command line given: told from its content by default.",
        "KIND",
        config=False,
        group="Input",
        flag="--from",
    )
    command_line: str | None = _option(
        "A training command line to read for its schedule, as a config is read.",
        "TEXT",
        config=False,
        group="Input",
        flag="--cmdline",
    )
    metric_base: Path | None = None
    """The folder a metric path is relative to: the config's."""
    metric_values: Metric | None = None
    """A metric given as values (from Python) rather than a file to read."""

    def __post_init__(self) -> None:
        for name, kind in _KINDS.items():  # what the command line's own parsing ensures, from Python too
            value = getattr(self, name)
            if isinstance(value, np.bool_):  # numpy's values as Python's own
                value = bool(value)
                object.__setattr__(self, name, value)
            if value is not None and kind is not int and name not in CHOSEN and not isinstance(value, kind):
                what = "True or False" if kind is bool else "text"
                raise RunError(f"{name.replace('_', ' ')} is {what}, got {excerpt(value)}")
        if self.quantity is not None and (problem := quantity_problem(self.quantity)) is not None:
            raise RunError(f"quantity {problem}")
        for name in COUNTS:
            value = getattr(self, name)
            if value is None:
                continue
            if (problem := count_problem(value)) is not None:
                raise RunError(f"{name.replace('_', ' ')} {problem}")
            object.__setattr__(self, name, int(value))  # numpy's integers become Python's

    @classmethod
    def parse(cls, options: str) -> RunSettings:
        """Settings from their command-line form, ``--epochs 100 --steps-per-epoch 10`` (a flag such as
        ``--drop-last`` stands alone)."""
        tokens, given = options.split(), dict[str, Any]()
        hints = typing.get_type_hints(cls)
        while tokens:
            name = tokens.pop(0).removeprefix("--").replace("-", "_")
            if name not in hints or name in ("metric_base", "metric_values"):
                raise RunError(f"--{name.replace('_', '-')} is not a run option")
            if hints[name] == bool | None:
                given[name] = True
            elif not tokens:
                raise RunError(f"--{name.replace('_', '-')} needs a value")
            else:
                given[name] = int(tokens.pop(0)) if hints[name] == int | None else tokens.pop(0)
        return cls(**given)

    def over(self, other: RunSettings) -> RunSettings:
        """These settings, with ``other``'s where these are not given; a length given here (steps or
        epochs) replaces the other's length whole."""
        merged = {
            name: getattr(self, name) if getattr(self, name) is not None else getattr(other, name)
            for name in self.__dataclass_fields__
        }
        if self.steps is not None or self.epochs is not None:
            merged["steps"], merged["epochs"] = self.steps, self.epochs
        return RunSettings(**merged)

    def plan(self) -> Plan | None:
        """The data-side plan, when the run is given by dataset and batch size."""
        if self.dataset_size is None and self.batch_size is None:
            loose = [n for n in ("drop_last", "grad_accum", "devices") if getattr(self, n) is not None]
            if loose:
                raise RunError(f"{loose[0].replace('_', ' ')} goes with dataset size and batch size")
            return None
        if self.dataset_size is None or self.batch_size is None:
            raise RunError("give dataset size and batch size together")
        return Plan(
            self.dataset_size, self.batch_size, bool(self.drop_last), self.grad_accum or 1, self.devices or 1
        )

    def per_epoch(self) -> int | None:
        """The updates in an epoch (``E`` in specs), where the settings say."""
        plan = self.plan()
        return plan.updates if plan is not None else self.steps_per_epoch

    def run(self, default_steps: int | None = None) -> Run:
        """The run; ``default_steps`` is the length used when neither steps nor epochs is given."""
        steps = self.steps if self.steps is not None or self.epochs is not None else default_steps
        run = Run.of(
            steps,
            self.epochs,
            self.steps_per_epoch,
            self.dtype if self.dtype is not None else "float64",
            self.step_on if self.step_on is not None else "update",
            self.plan(),
            self.step_limit if self.step_limit is not None else STEP_LIMIT,
        )
        if self.metric_values is not None:
            return replace(run, metric=self.metric_values)
        if self.metric is None:
            if self.metric_column is not None:
                raise RunError("metric column goes with --metric FILE")
            return run
        metric = load(
            self.metric,
            self.metric_column,
            run.steps,
            run.steps_per_epoch,
            self.metric_base,
            run.epochs is not None,
        )
        return replace(run, metric=metric)


SETTINGS = tuple(f for f in fields(RunSettings) if f.metadata)
"""The run settings a user gives: the command line's run options, and (where ``config``) a config's run
keys."""
CONFIG_KEYS = tuple(f.name for f in SETTINGS if f.metadata["config"])
"""The run keys of a config."""
CHOSEN = ("dtype", "step_on")
"""The settings that are one of a few words: the run checks them, naming the words."""
_KINDS = {f.name: typing.get_args(typing.get_type_hints(RunSettings)[f.name])[0] for f in SETTINGS}
"""Each setting's kind of value: ``int``, ``str`` or ``bool``."""
COUNTS = tuple(name for name, kind in _KINDS.items() if kind is int)
"""The whole-number run settings, each from 1 to :data:`LARGEST_COUNT`."""
