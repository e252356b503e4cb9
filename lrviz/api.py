"""The Python face of lrviz, in the command line's vocabulary: every run option of a command is a
keyword argument of the same name (``epochs``, ``steps_per_epoch``, ``dataset_size``, ``batch_size``,
``grad_accum``, ``devices``, ``step_on``, ``metric``, ``dtype``, …), and every other keyword sets a
schedule parameter, as ``--max-lr 0.1`` does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lrviz.clock.grid import Metric, Values
from lrviz.errors import SpecError
from lrviz.evaluation.run import evaluate_spec, metric_of, rates_at, with_options
from lrviz.io.settings import CONFIG_KEYS, SETTINGS, RunSettings
from lrviz.language.parser import parse
from lrviz.language.tree import Spec, checked
from lrviz.limits import LARGEST_STEP

RUN_KEYWORDS = tuple(
    f.name
    for f in SETTINGS
    if (f.name in CONFIG_KEYS or f.name in ("dtype", "step_limit")) and f.metadata["group"] != "Quantity"
)
"""The run options a Python call takes by name: the command line's, less the ones that name an input
(``--from``, ``--cmdline``) and the ones that say what a picture or table shows (``--quantity``,
``--momentum``), which one array of rates has no place for."""


def evaluate(
    spec: str | Spec, steps: int | None = None, *, at: Sequence[int] | None = None, **options: Any
) -> Values:
    """The rate of ``spec`` at each step of the run, as an array of shape ``(steps,)``: float64, or
    float32 with ``dtype="float32"``.

    The run is given as on the command line: ``steps``, or ``epochs`` with ``steps_per_epoch`` (or
    ``dataset_size`` and ``batch_size``, with ``drop_last``, ``grad_accum``, ``devices``), so that ``E``
    in the spec is the updates of an epoch: ``evaluate("cosine(0.1, warmup=2*E)", 1000,
    steps_per_epoch=100)``. ``step_on="epoch"`` steps every schedule once an epoch. ``metric`` feeds
    feedback schedules: a CSV file (with ``metric_column``), ``"synthetic"``, a
    :class:`~lrviz.clock.grid.Metric`, or one value a step. ``at`` asks for chosen steps only (negative
    ones count back from the end), without evaluating the steps between, so that
    ``evaluate(spec, 10**12, at=[-1])`` is immediate: the limit on a run's length does not apply then.
    Every other keyword sets a parameter wherever the spec's schedules take it: ``evaluate("cosine",
    100, max_lr=0.1)``.
    """
    given = {name: options.pop(name) for name in RUN_KEYWORDS if name in options}
    metric = given.pop("metric", None)
    if isinstance(metric, str):
        given["metric"] = metric
    if at is not None and "step_limit" not in given:
        given["step_limit"] = LARGEST_STEP  # only the chosen steps are read
    settings = RunSettings(steps=steps, **given)
    run = settings.run()
    if metric is not None and not isinstance(metric, str):
        run = replace(run, metric=metric if isinstance(metric, Metric) else metric_of(metric, run.steps))
    per_epoch = settings.per_epoch()
    if isinstance(spec, str):
        tree = parse(spec, {"E": float(per_epoch)} if per_epoch is not None else {}, complete=False)
    elif isinstance(spec, Spec):
        tree = spec
    else:
        raise SpecError(f"a spec must be text or a parsed spec, got {type(spec).__name__}")
    tree = checked(with_options(tree, options))
    return evaluate_spec(tree, run) if at is None else rates_at(tree, run, at)
