"""CSV and JSON exports: every step, every schedule, each number exactly as evaluated.

Floats are written in their shortest form that reads back to the same number: Python's ``repr`` in
JSON; in CSV the same digits from ujson's double-conversion, a few times faster (``1e-5`` for
``1e-05``). A CSV export reads its schedules a chunk at a time, so a run of any length fits.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import IO, Any

import numpy as np
import ujson

from lrviz.evaluation.run import LEARNING_RATE, Curves, Series
from lrviz.progress import report
from lrviz.schedules.entry import Values
from lrviz.version import __version__

FORMATS = ("csv", "json")


def header(curves: Curves) -> list[str]:
    """The CSV columns: ``step``, ``epoch`` when the run is in epochs, then one per schedule."""
    columns = ["step"]
    if curves.run.in_epochs:
        columns.append("epoch")
    metric = [curves.run.metric.label] if curves.run.metric is not None else []
    return columns + [_column(s) for s in curves.series] + metric


def _column(series: Series) -> str:
    """A curve's column: its label, and what it is when that is not the learning rate and its label
    does not say so already."""
    quantity = series.look.quantity
    if quantity == LEARNING_RATE or series.label.endswith(f"({quantity})"):
        return series.label
    return f"{series.label} ({quantity})"


ROWS_A_WRITE = 65_536
"""Rows joined into one string per write: fewer calls than a write a row, bounded memory."""
REPORTED_ABOVE = 1 << 20
"""An export of more rows than this reports its progress."""


def write_csv(curves: Curves, file: IO[str]) -> None:
    """Write one row per step: the step (from 0), its epoch when epochs are in play, then the rates."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(header(curves))
    file.write(line.getvalue())
    run = curves.run
    metric = run.metric
    reported = {}
    if metric is not None:
        reported = dict(zip(metric.steps.tolist(), map(repr, metric.values.tolist()), strict=True))
    for chunk in zip(*(s.blocks() for s in curves.series), strict=True):
        start, size = chunk[0][0], chunk[0][1].size
        for first in range(0, size, ROWS_A_WRITE):
            stop = min(first + ROWS_A_WRITE, size)
            steps = range(start + first, start + stop)
            columns: list[Iterable[str]] = [map(str, steps)]
            if run.in_epochs:
                columns.append(_texts(run.epoch_of(np.arange(steps.start, steps.stop, dtype=np.float64))))
            columns += [_texts(values[first:stop]) for _, values in chunk]
            if metric is not None:
                columns.append([reported.get(step, "") for step in steps])
            file.write("\n".join(map(",".join, zip(*columns, strict=True))) + "\n")
            if run.steps > REPORTED_ABOVE:
                report("writing CSV rows", steps.stop, run.steps)


def _texts(values: Values) -> list[str]:
    """Each value in its shortest form that reads back to the same number of its own precision."""
    if values.dtype == np.float32:
        return [
            np.format_float_positional(v, unique=True, trim="0")
            if 1e-4 <= abs(v) < 1e16 or v == 0
            else np.format_float_scientific(v, unique=True, trim="0")
            for v in values
        ]
    return str(ujson.dumps(values.tolist()))[1:-1].split(",")


def size_of(curves: Curves) -> int:
    """About the bytes an export of ``curves`` takes: each row its step and 24 characters a column."""
    steps = curves.run.steps
    return steps * (len(str(steps)) + 1 + (len(header(curves)) - 1) * 24)


def to_data(curves: Curves, rates: bool = True) -> dict[str, Any]:
    """The numbers of a CSV export with what made them: the resolved parameters and the version
    (each schedule's ``lr`` left out without ``rates``)."""
    run = curves.run
    return {
        "lrviz_version": __version__,
        "run": {
            "steps": run.steps,
            "epochs": run.epochs,
            "steps_per_epoch": run.steps_per_epoch,
            "dtype": run.dtype,
        },
        "metric": None
        if run.metric is None
        else {
            "label": run.metric.label,
            "steps": run.metric.steps.tolist(),
            "values": [v if np.isfinite(v) else None for v in run.metric.values.tolist()],
        },
        "schedules": [
            {
                "label": s.label,
                "quantity": s.look.quantity,
                "spec": s.spec.render(),
                "resolved": s.spec.to_data(run.steps),
                "summary": curves.summary(s).to_data(),
                "marks": [{"step": m.step, "what": m.what} for m in s.marks],
                **({"lr": s.values.tolist()} if rates else {}),
            }
            for s in curves.series
        ],
    }


def write_json(curves: Curves, file: IO[str]) -> None:
    """The JSON document of :func:`to_data`, each schedule's rates written a chunk at a time: a long
    run takes no more memory than a short one."""
    data = to_data(curves, rates=False)
    schedules = data.pop("schedules")
    head = json.dumps(data, allow_nan=False)
    file.write(head[:-1] + ', "schedules": [')
    for number, (entry, series) in enumerate(zip(schedules, curves.series, strict=True)):
        described = json.dumps(entry, allow_nan=False)
        file.write((", " if number else "") + described[:-1] + ', "lr": [')
        for start, values in series.blocks():
            for first in range(0, values.size, ROWS_A_WRITE):
                comma = ", " if start or first else ""
                file.write(comma + ujson.dumps(values[first : first + ROWS_A_WRITE].tolist())[1:-1])
        file.write("]}")
    file.write("]}\n")


WRITERS = {"csv": write_csv, "json": write_json}
