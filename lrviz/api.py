"""The Python face of lrviz, in the command line's vocabulary: every option of a command is a keyword
argument of the same name — the run (``epochs``, ``steps_per_epoch``, ``dataset_size``, ``batch_size``,
``grad_accum``, ``devices``, ``step_on``, ``metric``, ``dtype``, …), the looks of a plot (``logy``,
``title``, ``size``, …), the rows of a table (``every``, ``all``, ``at``) — and every other keyword
sets a schedule parameter, as ``--max-lr 0.1`` does (a list sweeps it, as ``--max-lr 0.1,0.2`` does).

:func:`plot` and :func:`compare` return a matplotlib figure that a notebook shows as a picture with
no setup, and :func:`table` a table that shows as HTML there and as text at a prompt; none of them
touches pyplot's global state.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from lrviz.clock.grid import Metric, Values
from lrviz.errors import LrvizError, SpecError
from lrviz.evaluation.run import evaluate_spec, metric_of, rates_at, with_options
from lrviz.io.config import PLOT_KEYS, looks_given
from lrviz.io.settings import CONFIG_KEYS, SETTINGS, RunSettings, count_problem
from lrviz.language.options import keyword
from lrviz.language.parser import parse
from lrviz.language.tree import Spec, checked
from lrviz.limits import LARGEST_STEP, excerpt

if TYPE_CHECKING:
    from lrviz.render.plot import Picture
    from lrviz.render.table import RateTable
    from lrviz.tools.build import Built

RUN_KEYWORDS = tuple(
    f.name
    for f in SETTINGS
    if (f.name in CONFIG_KEYS or f.name in ("dtype", "step_limit")) and f.metadata["group"] != "Quantity"
)
"""The run options :func:`evaluate` takes by name: the command line's, less the ones that name an
input (``--from``, ``--cmdline``) and the ones that say what a picture or table shows (``--quantity``,
``--momentum``), which one array of rates has no place for."""
SHOWN_KEYWORDS = tuple(f.name for f in SETTINGS)
"""The run options :func:`plot`, :func:`compare` and :func:`table` take by name: every one of the
command line's (``source_kind`` is ``--from``, ``command_line`` is ``--cmdline``)."""
COMMAND_KEYWORDS = (*SHOWN_KEYWORDS, *PLOT_KEYS, "at", "resume_at", "every", "all")
"""Every keyword some function here takes that is not a schedule parameter: one given to a function
that has no use for it is told so, rather than looked for among the parameters."""

Source = str | os.PathLike[str] | Spec
"""What a function here draws from: a spec's text, a parsed spec, or a config file."""


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
    settings = _settings(steps, options, RUN_KEYWORDS)
    if at is not None and settings.step_limit is None:
        settings = replace(settings, step_limit=LARGEST_STEP)  # only the chosen steps are read
    run = settings.run()
    per_epoch = settings.per_epoch()
    if isinstance(spec, str):
        tree = parse(spec, {"E": float(per_epoch)} if per_epoch is not None else {}, complete=False)
    elif isinstance(spec, Spec):
        tree = spec
    else:
        raise SpecError(f"a spec must be text or a parsed spec, got {type(spec).__name__}")
    tree = checked(with_options(tree, options))
    return evaluate_spec(tree, run) if at is None else rates_at(tree, run, at)


def plot(
    spec: Source | Sequence[Source] | None = None,
    steps: int | None = None,
    *,
    at: str | Sequence[int | str] | None = None,
    resume_at: int | None = None,
    **options: Any,
) -> Picture:
    """The plot ``lrviz plot`` draws of ``spec`` (several specs overlay; a config draws its line-up), as
    a :class:`matplotlib.figure.Figure` that a notebook shows as a picture, with no pyplot backend
    needed: ``plot("cosine", epochs=100, steps_per_epoch=50, max_lr=0.1, logy=True)``.

    The run is given as to :func:`evaluate`; the looks as the command line's: ``title``, ``logy``,
    ``size`` (inches, ``(7, 4)`` or ``"7x4"``), ``dpi``, ``style`` (``dark``, ``paper`` or a
    matplotlib style), ``layout`` (``overlay`` or ``grid``) and ``stats``; ``at`` marks checkpoints
    (steps, ``"25%"``, ``"45e"``) and ``resume_at`` a resume. A list given to a parameter sweeps it,
    one curve a value: ``plot("cosine(0.1)", 100, warmup=[0, 10, 20])``. Save the figure with
    ``savefig``; it is drawn in its style whenever it is shown.
    """
    from lrviz.render.plot import Style, check_looks, picture, style_for

    looks = _looks(options)
    Style(**looks)  # a look that cannot be drawn is told before any work
    built = _built(spec, steps, options, at, resume_at)
    check_looks(built.curves)
    return picture(built.curves, style_for(built.config, looks))


def compare(
    config: str | os.PathLike[str],
    steps: int | None = None,
    *,
    at: str | Sequence[int | str] | None = None,
    resume_at: int | None = None,
    **options: Any,
) -> Picture:
    """The plot ``lrviz compare`` draws of every schedule of a config (a YAML file, a training config,
    or the name of one lrviz ships), taking the keywords :func:`plot` takes; :func:`table` gives the
    numbers."""
    from lrviz.tools.build import check_config_name

    check_config_name(_text(config), "compare")
    return plot(config, steps, at=at, resume_at=resume_at, **options)


def table(
    spec: Source | Sequence[Source] | None = None,
    steps: int | None = None,
    *,
    every: int | None = None,
    all: bool = False,
    at: str | Sequence[int | str] | None = None,
    resume_at: int | None = None,
    **options: Any,
) -> RateTable:
    """The table ``lrviz table`` prints: the rates at evenly spread steps and the key points, with a
    summary of each schedule (``every=N``: a row every N steps; ``all=True``: a row every step; ``at``:
    checkpoints). It shows as an HTML table in a notebook; ``str()`` of it is the plain table. The run
    and the parameters are given as to :func:`plot`."""
    from lrviz.render.table import rate_table, row_steps

    if every is not None and (problem := count_problem(every)) is not None:
        raise LrvizError(f"every {problem}")
    if isinstance(all, np.bool_):
        all = bool(all)
    if not isinstance(all, bool):
        raise LrvizError(f"all is True or False, got {excerpt(all)}")
    curves = _built(spec, steps, options, at, resume_at).curves
    return rate_table(curves, row_steps(curves, every=every, show_all=all))


def _settings(steps: int | None, options: dict[str, Any], names: Sequence[str]) -> RunSettings:
    """The run settings among ``options`` (taken out of them), with ``steps``; a metric given as
    values rather than a file is kept as they are."""
    given = {name: options.pop(name) for name in names if name in options}
    metric = given.get("metric")
    if metric is not None and not isinstance(metric, str):
        del given["metric"]
        given["metric_values"] = metric if isinstance(metric, Metric) else metric_of(metric, LARGEST_STEP)
    return RunSettings(steps=steps, **given)


def _looks(options: dict[str, Any]) -> dict[str, Any]:
    """The plot settings among ``options`` (taken out of them), read as the command line's are."""
    return looks_given({name: options.pop(name) for name in PLOT_KEYS if name in options}, keyword)


def _built(
    spec: Source | Sequence[Source] | None,
    steps: int | None,
    options: dict[str, Any],
    at: str | Sequence[int | str] | None,
    resume_at: int | None,
) -> Built:
    """The curves of ``spec`` over the run the options give, the rest of the options set as parameters."""
    from lrviz.tools.build import build

    if resume_at is not None and (isinstance(resume_at, bool) or not isinstance(resume_at, int)):
        raise LrvizError(f"resume_at is a step of the run, got {excerpt(resume_at)}")
    settings = _settings(steps, options, SHOWN_KEYWORDS)
    sources: Sequence[object] = spec if isinstance(spec, list | tuple) else [] if spec is None else [spec]
    texts = [_text(source) for source in sources]
    return build(texts, list(options.items()), settings, at, resume_at, COMMAND_KEYWORDS, keyword)


def _text(source: object) -> str:
    if isinstance(source, Spec):
        return source.source or source.render()
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    raise LrvizError(f"a spec is text, a parsed spec or a config file, got {excerpt(source)}")
