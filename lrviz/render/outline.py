"""A long series reduced to the points a plot can show, without changing the picture.

A plot has a column of pixels for many steps. In each column a line through every step covers the
height from the column's lowest rate to its highest, and meets its neighbours at the column's first and
last steps. Drawing only those steps of each column (M4 aggregation, Jugel et al. 2014), at their own
positions, gives the picture of every step for a cost that does not grow with the run. With columns a
quarter of a pixel wide, each extreme is within a quarter of a pixel of where it is, so that even the
antialiased edges of a thick line move by less than a pixel.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from lrviz.schedules.entry import Values

Steps = npt.NDArray[np.int64]


def outline(
    blocks: Iterable[tuple[int, Values]], edges: Steps, positive: bool = False
) -> tuple[Steps, Values]:
    """The steps (increasing) and rates to draw for columns that start at the steps ``edges``.

    Of each column it keeps the first, lowest, highest and last step, and the step before each of
    those, so that a jump is drawn where it is. With ``positive`` (a log scale, where rates ≤ 0 are not
    drawn) the lowest is the lowest positive rate, and the steps on either side of every change between
    drawn and undrawn are kept too.
    """
    edges = np.asarray(edges, dtype=np.int64)
    picked_steps, picked_rates = [], []
    for start, values in blocks:
        stop = start + values.size
        inner = edges[(edges > start) & (edges < stop)] - start
        firsts = np.concatenate(([0], inner))
        lasts = np.append(inner, values.size) - 1
        low = np.where(values > 0, values, np.inf) if positive else values
        found = [firsts, lasts, _first_at(low, firsts, np.minimum), _first_at(values, firsts, np.maximum)]
        if positive:
            change = np.flatnonzero(np.diff(values > 0))
            found += [change, change + 1]
        kept = np.concatenate(found)
        local = np.unique(np.concatenate((kept, kept[kept > 0] - 1)))
        picked_steps.append(local + start)
        picked_rates.append(values[local])
    if not picked_steps:
        return np.empty(0, dtype=np.int64), np.empty(0)
    return np.concatenate(picked_steps), np.concatenate(picked_rates)


def staircase(steps: Steps, values: Values) -> tuple[Values, Values]:
    """The line to draw through kept steps: each rate held from its step t to t + 1, as a staircase
    holds it, and a straight line across the steps left out between two kept ones."""
    xs = np.stack((steps, steps + 1), axis=1).ravel().astype(np.float64)
    return xs, np.repeat(values, 2)


def _first_at(values: Values, firsts: Steps, extreme: np.ufunc) -> Steps:
    """The first step of each segment (starting at ``firsts``) where ``extreme`` of the segment is."""
    best = extreme.reduceat(values, firsts)
    widths = np.diff(np.append(firsts, values.size))
    hits = np.flatnonzero(values == np.repeat(best, widths))
    return hits[np.searchsorted(hits, firsts)]


def column_edges(steps: int, left: float, width: float, columns_per_unit: float = 1.0) -> Steps:
    """The first step of each column, for ``steps`` steps drawn from x = ``left`` over ``width`` display
    units (step t at left + t·width/steps), ``columns_per_unit`` columns to a unit."""
    first = np.floor(left * columns_per_unit)
    last = np.ceil((left + width) * columns_per_unit)
    bounds = np.arange(first + 1, last + 1) / columns_per_unit
    starts = np.ceil((bounds - left) / width * steps).astype(np.int64)
    return np.union1d([0], starts[(starts > 0) & (starts < steps)])
