"""The terminal table: the rate at evenly spread steps and at the key points of each schedule."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from lrviz.errors import LrvizError
from lrviz.evaluation.run import Curves, Series

ROWS = 10
"""About this many evenly spread rows are shown by default, before the key points are added."""
TEXT_WIDTH = 20
"""Characters a column of text may fold at, when the numbers beside it need the room."""
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
    keys |= {m.step for m in curves.marks if m.step <= last}
    keys |= {curves.summary(s).peak_step for s in curves.series}
    keys |= {step for _, step in curves.checkpoints}
    if curves.resume_at is not None:
        keys.add(curves.resume_at)
    return sorted(spread | keys)


def _number(value: float) -> str:
    return f"{value:.6g}"


@dataclass(frozen=True)
class Column:
    """A column of a table: its header, its cells (a row of summary cells at the end, in bold when
    ``summary`` counts them) and how they are aligned."""

    header: str
    cells: list[str]
    justify: Literal["left", "right"] = "right"
    style: str = ""

    @property
    def least(self) -> int:
        """The narrowest the column may be: its widest cell for numbers, which are never cut; text
        (names, notes) folds from :data:`TEXT_WIDTH` characters."""
        widest = max((len(cell) for cell in self.cells), default=0)
        return widest if self.justify == "right" else min(widest, TEXT_WIDTH)


def build(
    curves: Curves, steps: list[int], *, plain: bool = False, width: int | None = None
) -> list[Table | str]:
    """Rich tables of the rates at ``steps``, with a note at each phase boundary and a summary below:
    one table, or, when the schedules' columns do not fit in ``width`` characters, several one after
    another, each with the step column, so that no number is ever cut."""
    keys, values, phase = _columns(curves, steps)
    return _tables(keys, values, phase, len(steps), plain, width)


@dataclass(frozen=True)
class RateTable:
    """The table of :func:`build` as a notebook or a Python prompt shows it: ``str()`` is the plain
    table that ``lrviz table`` prints to a pipe, ``_repr_html_()`` an HTML table with the summary rows
    in bold, both under the run's derivation (``caption``) when there is one."""

    columns: tuple[Column, ...]
    rows: int
    """The rows of rates; the cells past them are the summary."""
    caption: str | None = None

    def __str__(self) -> str:
        text = _plain(list(self.columns))
        return f"{self.caption}\n{text}" if self.caption else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        def cells(tag: str, row: int | None) -> str:
            return "".join(
                f'<{tag} style="text-align:{column.justify}">'
                f"{html.escape(column.header if row is None else column.cells[row])}</{tag}>"
                for column in self.columns
            )

        every = range(len(self.columns[0].cells))
        rates = "".join(f"<tr>{cells('td', row)}</tr>" for row in every[: self.rows])
        summary = "".join(f"<tr>{cells('td', row)}</tr>" for row in every[self.rows :])
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (
            f'<table class="lrviz">{caption}<thead><tr>{cells("th", None)}</tr></thead>'
            f'<tbody>{rates}</tbody><tbody style="font-weight:bold">{summary}</tbody></table>'
        )


def rate_table(curves: Curves, steps: list[int]) -> RateTable:
    """The rates at ``steps`` with the phase notes and the summary, as one :class:`RateTable`."""
    keys, values, phase = _columns(curves, steps)
    return RateTable((*keys, *values, *phase), len(steps), preamble(curves))


def _columns(curves: Curves, steps: list[int]) -> tuple[list[Column], list[Column], list[Column]]:
    """The columns of a table of the rates at ``steps``: the step (and epoch) columns, a column of
    rates and summary cells a schedule, and the phase notes (none when no step has one)."""
    notes: dict[int, list[str]] = {}
    if curves.resume_at is not None:
        notes[curves.resume_at] = ["resume: a restarted run continues at this rate"]
    several = len(curves.series) > 1
    for number, s in enumerate(curves.series, start=1):
        for m in s.marks:
            notes.setdefault(m.step, []).append(f"{m.what} [{number}]" if several else m.what)
    summaries = [curves.summary(s).rows(curves.run.steps_per_epoch) for s in curves.series]
    names = [name for name, _ in summaries[0]]
    keys = [Column("step", [str(step) for step in steps] + names, style="dim")]
    if curves.run.steps_per_epoch > 1:
        epochs = [_number(step / curves.run.steps_per_epoch) for step in steps]
        keys.append(Column("epoch", epochs + [""] * len(names), style="dim"))
    values = [
        Column(
            f"{s.label} [{number}]" if several and notes else s.label,
            [_number(rate) for rate in s.at(steps).tolist()] + [cell for _, cell in rows],
        )
        for number, (s, rows) in enumerate(zip(curves.series, summaries, strict=True), start=1)
    ]
    phase = [Column("phase", ["; ".join(notes.get(step, [])) for step in steps] + [""] * len(names), "left")]
    return keys, values, phase if notes else []


def _tables(
    keys: list[Column], values: list[Column], after: list[Column], rows: int, plain: bool, width: int | None
) -> list[Table | str]:
    """The columns as tables (as plain text when piped): the key columns and the columns after in
    each, the value columns split among them so that each table fits in ``width`` (a number is never
    cut; a header may wrap). The cells past the first ``rows`` are the summary, in bold."""
    gap = 2 if plain else 3  # a space either side of each column, and a box's divider between
    if plain and width is None:  # piped: the text rich would lay out, at a tenth of the cost a row
        return [_plain(keys + values + after)]
    groups = _groups(keys + after, values, width, gap) if width is not None else [values]
    tables: list[Table | str] = []
    for group in groups:
        columns = keys + group + after
        widths = _widths(columns, width, gap) if width is not None else [None] * len(columns)
        table = Table(box=None if plain else box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column, fixed in zip(columns, widths, strict=True):
            header = Text(column.header, overflow="fold")
            table.add_column(header, justify=column.justify, style=column.style or None, width=fixed)
        for row in range(len(keys[0].cells)):
            cells = [Text(column.cells[row], overflow="fold") for column in columns]
            table.add_row(*cells, style="bold" if row >= rows else None, end_section=row == rows - 1)
        tables.append(table)
    return tables


def _plain(columns: list[Column]) -> str:
    """Columns as plain text, laid out as a borderless table of unlimited width: each column as wide
    as its widest text, two spaces apart, aligned as it says, no spaces at the ends of lines."""
    widths = [max(len(column.header), *map(len, column.cells)) for column in columns]

    def line(texts: list[str]) -> str:
        cells = (
            text.rjust(wide) if column.justify == "right" else text.ljust(wide)
            for text, column, wide in zip(texts, columns, widths, strict=True)
        )
        return "  ".join(cells).rstrip()

    rows = zip(*(column.cells for column in columns), strict=True)
    return "\n".join([line([column.header for column in columns]), *(line(list(row)) for row in rows)])


def _widths(columns: list[Column], width: int, gap: int) -> list[int]:
    """Each column's width in a table ``width`` wide (``gap`` between columns): at least its least
    (:attr:`Column.least`), the room left shared among the headers and texts that would wrap."""
    widths = [column.least for column in columns]
    wanted = [max(len(column.header), *map(len, column.cells)) for column in columns]
    spare = width - sum(widths) - gap * (len(columns) - 1)
    while spare > 0 and (short := [i for i, w in enumerate(widths) if w < wanted[i]]):
        for index in short[:spare]:  # a character each in turn, so that every header gets room
            widths[index] += 1
        spare -= min(len(short), spare)
    return widths


def _groups(fixed: list[Column], values: list[Column], width: int, gap: int) -> list[list[Column]]:
    """The value columns in consecutive groups that fit in ``width`` beside the fixed columns (each
    column at least its least, ``gap`` characters between columns)."""
    room = width - sum(column.least + gap for column in fixed)
    groups: list[list[Column]] = [[]]
    used = 0
    for column in values:
        if groups[-1] and used + column.least + gap > room:
            groups.append([])
            used = 0
        groups[-1].append(column)
        used += column.least + gap
    return groups


def preamble(curves: Curves) -> str | None:
    """How the run's epochs were worked out, and how it is stepped, when that is not plain steps."""
    parts = []
    if curves.run.plan is not None:
        parts.append(curves.run.plan.derivation())
    if curves.run.step_on == "epoch":
        parts.append("every schedule steps once an epoch")
    return "; ".join(parts) or None


def comparison(curves: Curves, *, plain: bool = False, width: int | None = None) -> list[Table | str]:
    """Rich tables of every schedule's summary statistics, a column per schedule (split into
    several tables where they do not fit in ``width``, as :func:`build` does)."""
    summaries = [curves.summary(s).rows(curves.run.steps_per_epoch) for s in curves.series]
    names = [name for name, _ in summaries[0]]
    several = len(curves.series) > 1
    values = [
        Column(f"{s.label} [{number}]" if several else s.label, [cell for _, cell in rows])
        for number, (s, rows) in enumerate(zip(curves.series, summaries, strict=True), start=1)
    ]
    if several:
        first = curves.series[0]
        names.append("differs from [1] at step")
        values[0].cells.append("")
        for s, column in zip(curves.series[1:], values[1:], strict=True):
            column.cells.append(_first_difference(first, s))
    return _tables([Column("", names, "left")], values, [], len(names), plain, width)


def _first_difference(reference: Series, other: Series) -> str:
    """The first step where two runs differ beyond float64 rounding, or — where they never do."""
    scale = max(max(abs(v) for v in s.extent()) for s in (reference, other))
    for (start, mine), (_, theirs) in zip(reference.blocks(), other.blocks(), strict=True):
        differs = np.flatnonzero(np.abs(mine - theirs) > 1e-12 * max(scale, 1e-300))
        if differs.size:
            return str(start + int(differs[0]))
    return "—"
