"""CSV and JSON exports: every step, every schedule, each number exactly as evaluated.

Floats are written in their shortest form that reads back to the same float64 (Python's ``repr``).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import IO, Any

import numpy as np

from lrviz import __version__
from lrviz.registry import Values
from lrviz.run import Curves

FORMATS = ("csv", "json")


def header(curves: Curves) -> list[str]:
    """The CSV columns: ``step``, ``epoch`` when the run is in epochs, then one per schedule."""
    columns = ["step"]
    if curves.run.in_epochs:
        columns.append("epoch")
    metric = [curves.run.metric.label] if curves.run.metric is not None else []
    return columns + [s.label for s in curves.series] + metric


ROWS_A_WRITE = 65_536
"""Rows joined into one string per write: fewer calls than a write a row, bounded memory."""


def write_csv(curves: Curves, file: IO[str]) -> None:
    """Write one row per step: the step (from 0), its epoch when epochs are in play, then the rates."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(header(curves))
    file.write(line.getvalue())
    columns: list[list[str]] = [[str(i) for i in range(curves.run.steps)]]
    if curves.run.in_epochs:
        columns.append(list(map(repr, curves.run.epoch_of(curves.steps).tolist())))
    columns += [_texts(s.values) for s in curves.series]
    metric = curves.run.metric
    if metric is not None:
        cells = [""] * curves.run.steps
        for step, value in zip(metric.steps.tolist(), metric.values.tolist(), strict=True):
            if 0 <= step < curves.run.steps:
                cells[step] = repr(value)
        columns.append(cells)
    rows = map(",".join, zip(*columns, strict=True))
    while chunk := list(itertools.islice(rows, ROWS_A_WRITE)):
        file.write("\n".join(chunk) + "\n")


def _texts(values: Values) -> list[str]:
    """Each value in its shortest form that reads back to the same number of its own precision."""
    if values.dtype == np.float32:
        return [
            np.format_float_positional(v, unique=True, trim="0")
            if 1e-4 <= abs(v) < 1e16 or v == 0
            else np.format_float_scientific(v, unique=True, trim="0")
            for v in values
        ]
    return list(map(repr, values.tolist()))


def to_data(curves: Curves) -> dict[str, Any]:
    """The numbers of a CSV export with what made them: the resolved parameters and the version."""
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
                "spec": s.spec.render(),
                "resolved": s.spec.to_data(run.steps),
                "summary": curves.summary(s).to_data(),
                "marks": [{"step": step, "what": what} for step, what in s.marks],
                "lr": s.values.tolist(),
            }
            for s in curves.series
        ],
    }


def write_json(curves: Curves, file: IO[str]) -> None:
    json.dump(to_data(curves), file, allow_nan=False)
    file.write("\n")


WRITERS = {"csv": write_csv, "json": write_json}
