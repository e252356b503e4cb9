"""Metrics for feedback schedules: read from a CSV file, or made up to explore with.

A metric value belongs to a step and is reported at its end, so it can change the rate from the
next step on. A ``step`` column says which step each value belongs to; an ``epoch`` column puts each
value at the last step of its epoch (epochs from 0); with neither, row i is step i.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from lrviz.errors import LrvizError
from lrviz.feedback import Metric


class MetricError(LrvizError):
    """A metric file that cannot be read or does not fit the run."""


def read_csv(path: str | Path, column: str | None, steps: int, steps_per_epoch: int) -> Metric:
    """The metric of a CSV file with a header, for a run of ``steps`` steps."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
    except FileNotFoundError:
        raise MetricError(f"{path}: no such metric file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise MetricError(
            f"{path}: cannot read it: {getattr(error, 'strerror', None) or 'not UTF-8 text'}"
        ) from None
    if not rows or not any(rows[0]):
        raise MetricError(f"{path}: the file is empty: give a header line, then one value a row")
    header = [name.strip() for name in rows[0]]
    name = column if column is not None else header[-1]
    if name not in header:
        raise MetricError(f"{path}: no column {name!r}; the columns are {', '.join(header)}")
    where = header.index(name)
    position = next((header.index(k) for k in ("step", "epoch") if k in header and k != name), None)
    values, places = [], []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values.append(_number(path, line, name, row, where))
        if position is not None:
            places.append(_number(path, line, header[position], row, position))
    if position is None:
        found = np.arange(len(values), dtype=np.int64)
    elif header[position] == "step":
        found = np.array(places, dtype=np.int64)
    else:
        found = (np.array(places, dtype=np.int64) + 1) * steps_per_epoch - 1
    if np.any(np.diff(found) <= 0):
        raise MetricError(f"{path}: the {header[position or 0]} column must increase")
    by_epoch = position is not None and header[position] == "epoch"
    unit = steps_per_epoch if by_epoch else 1
    needed = (steps - 1) // unit  # the reports that can still change a rate of this run
    last = needed * unit - 1  # where the last of them lands
    if needed and (found.size == 0 or found.max() < last):
        if position is not None and not by_epoch:
            end = int(found.max()) if found.size else -1
            raise MetricError(
                f"{path}: the run needs {name} reported up to step {last} and the file stops at step {end}: "
                f"give more values, or --steps {end + 2} to fit"
            )
        kind = "epoch" if by_epoch else "step"
        raise MetricError(
            f"{path}: the run needs {needed} {name} values (one a {kind} before its last) and the file has "
            f"{len(values)}: give more values, or --steps {(len(values) + 1) * unit} to fit"
        )
    return Metric(found, np.array(values, dtype=np.float64), name)


def _number(path: Path, line: int, name: str, row: list[str], where: int) -> float:
    try:
        return float(row[where])
    except (ValueError, IndexError):
        cell = row[where] if where < len(row) else ""
        raise MetricError(f"{path}:{line}: {name} is not a number: {cell!r}") from None


def synthetic(
    steps: int, seed: int = 0, decay: float = 0.05, noise: float = 0.02, plateaus: Any = (0.3, 0.6)
) -> Metric:
    """A made-up loss to explore with: exp(−decay·t) over a floor, a flat stretch at each plateau
    (given as fractions of the run, or steps), and seeded Gaussian noise.

    loss_t = 0.5 + 2·exp(−decay·t') + noise·N(0, 1), t' the step with the plateaus' lengths taken out.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(steps, dtype=np.float64)
    clock = t.copy()
    for start in plateaus:
        at = int(start * steps) if isinstance(start, float) and start < 1 else int(start)
        length = max(1, steps // 10)
        clock[at:] -= np.clip(t[at:] - at, 0, length)
    values = 0.5 + 2.0 * np.exp(-decay * clock) + noise * rng.standard_normal(steps)
    return Metric(np.arange(steps, dtype=np.int64), values, "synthetic loss")


def describe_nonfinite(metric: Metric) -> str | None:
    """A note when the metric has NaN or infinite values, which frameworks count as no improvement."""
    bad = ~np.isfinite(metric.values)
    if not bad.any():
        return None
    first = int(metric.steps[np.argmax(bad)])
    return (
        f"the {metric.label} is not finite at step {first} (and {int(bad.sum()) - 1} more): it never "
        "counts as an improvement, as in PyTorch"
    )


def load(
    source: str, column: str | None, steps: int, steps_per_epoch: int, base: Path | None = None
) -> Metric:
    """The metric named by ``--metric`` (or a config's ``metric:``): a CSV path, relative to ``base`` when
    given, or ``synthetic`` / ``synthetic(seed=1, decay=0.02, noise=0.05, plateaus=[0.3, 0.6])``."""
    text = source.strip()
    if text == "synthetic" or text.startswith("synthetic("):
        return synthetic(steps, **_synthetic_args(text))
    path = Path(text)
    return read_csv(
        base / path if base is not None and not path.is_absolute() else path, column, steps, steps_per_epoch
    )


SYNTHETIC = ("seed", "decay", "noise", "plateaus")


def _synthetic_args(text: str) -> dict[str, Any]:
    import ast

    if text == "synthetic":
        return {}
    try:
        call = ast.parse(text, mode="eval").body
        if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
            raise ValueError
        args = {str(k.arg): ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        raise MetricError(
            f"cannot read {text!r}: write synthetic(seed=0, decay=0.05, noise=0.02, plateaus=[0.3, 0.6])"
        ) from None
    unknown = set(args) - set(SYNTHETIC)
    if unknown:
        raise MetricError(f"synthetic takes {', '.join(SYNTHETIC)}, not {', '.join(sorted(unknown))}")
    return args
