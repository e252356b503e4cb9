"""The terminal table: the rate at evenly spread steps and at the key points of each schedule."""

from __future__ import annotations

import math

import numpy as np
from rich import box
from rich.table import Table

from lrviz.errors import LrvizError
from lrviz.run import Curves, Series

ROWS = 10
"""About this many evenly spread rows are shown by default, before the key points are added."""
ROW_LIMIT = 100_000
"""The most rows a table shows (``--all``, ``--every``): every step of a longer run is an export's."""


def round_interval(steps: int, rows: int = ROWS) -> int:
    """The smallest interval of 1, 2 or 5 times a power of ten that gives at most ``rows`` rows."""
    target = max(steps / rows, 1)
    scale = 1
    while True:
        for base in (1, 2, 5):
            if base * scale >= target:
                return base * scale
        scale *= 10


def row_steps(curves: Curves, every: int | None = None, show_all: bool = False) -> list[int]:
    """The steps a table shows: evenly spread ones (or every ``every``-th, or all), the first and last,
    each phase boundary, and each schedule's peak."""
    last = curves.run.steps - 1
    interval = 1 if show_all else every or round_interval(curves.run.steps)
    if curves.run.steps / interval > ROW_LIMIT:
        asked = "--all" if show_all else f"--every {interval}"
        raise LrvizError(
            f"{asked} makes {math.ceil(curves.run.steps / interval):,} rows, and a table shows at most "
            f"{ROW_LIMIT:,}: give a larger --every, or use lrviz export for every step"
        )
    if show_all:
        return list(range(curves.run.steps))
    spread = set(range(0, curves.run.steps, interval))
    keys = {0, last}
    keys |= {int(np.ceil(step)) for step, _ in curves.marks if step <= last}
    keys |= {curves.summary(s).peak_step for s in curves.series}
    keys |= {step for _, step in curves.checkpoints}
    if curves.resume_at is not None:
        keys.add(curves.resume_at)
    return sorted(spread | keys)


def _number(value: float) -> str:
    return f"{value:.6g}"


def build(curves: Curves, steps: list[int], *, plain: bool = False) -> Table:
    """A rich table of the rates at ``steps``, with a note at each phase boundary and a summary below."""
    notes: dict[int, list[str]] = {}
    if curves.resume_at is not None:
        notes[curves.resume_at] = ["resume: a restarted run continues at this rate"]
    several = len(curves.series) > 1
    for number, s in enumerate(curves.series, start=1):
        for step, what in s.marks:
            notes.setdefault(int(np.ceil(step)), []).append(f"{what} [{number}]" if several else what)
    epochs = curves.run.steps_per_epoch > 1
    table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("step", justify="right", style="dim")
    if epochs:
        table.add_column("epoch", justify="right", style="dim")
    for number, s in enumerate(curves.series, start=1):
        table.add_column(f"{s.label} [{number}]" if several and notes else s.label, justify="right")
    if notes:
        table.add_column("phase", style="italic dim")
    rates = [s.at(steps).tolist() for s in curves.series]
    for row, step in enumerate(steps):
        cells = [str(step)]
        if epochs:
            cells.append(_number(step / curves.run.steps_per_epoch))
        cells += [_number(column[row]) for column in rates]
        if notes:
            cells.append("; ".join(notes.get(step, [])))
        table.add_row(*cells, end_section=step == steps[-1])
    summaries = [curves.summary(s).rows() for s in curves.series]
    padding = [""] * epochs
    for index, (name, _) in enumerate(summaries[0]):
        cells = [rows[index][1] for rows in summaries]
        table.add_row(name, *padding, *cells, *([""] if notes else []), style="bold")
    return table


def preamble(curves: Curves) -> str | None:
    """How the run's epochs were worked out, and how it is stepped, when that is not plain steps."""
    parts = []
    if curves.run.plan is not None:
        parts.append(curves.run.plan.derivation())
    if curves.run.step_on == "epoch":
        parts.append("every schedule steps once an epoch")
    return "; ".join(parts) or None


def comparison(curves: Curves, *, plain: bool = False) -> Table:
    """A rich table of every schedule's summary statistics, a column per schedule."""
    table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("")
    for s in curves.series:
        table.add_column(s.label, justify="right")
    summaries = [curves.summary(s).rows() for s in curves.series]
    for index, (name, _) in enumerate(summaries[0]):
        table.add_row(name, *(rows[index][1] for rows in summaries))
    if len(curves.series) > 1:
        first = curves.series[0]
        cells = ["", *(_first_difference(first, s) for s in curves.series[1:])]
        table.add_row(f"differs from {first.label} at step", *cells)
    return table


def _first_difference(reference: Series, other: Series) -> str:
    """The first step where two runs differ beyond float64 rounding, or — where they never do."""
    scale = max(max(abs(v) for v in s.extent()) for s in (reference, other))
    for (start, mine), (_, theirs) in zip(reference.blocks(), other.blocks(), strict=True):
        differs = np.flatnonzero(np.abs(mine - theirs) > 1e-12 * max(scale, 1e-300))
        if differs.size:
            return str(start + int(differs[0]))
    return "—"
