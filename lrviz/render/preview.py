"""A plot drawn with characters, for the terminal: braille dots, 2 × 4 to a character cell.

Each column of dots covers a range of steps and is drawn from that range's exact minimum to its
maximum, so that no spike or drop of the curve is lost however long the run.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text

from lrviz.evaluation.run import Curves, Series
from lrviz.render.outline import outline
from lrviz.schedules.entry import Values

COLORS = ("cyan", "magenta", "yellow", "green", "red", "blue", "bright_white")
MARKERS = ("•", "+", "x", "o", "*", "#", "%")
"""What marks the curves after the first where there is no colour to tell them apart (NO_COLOR)."""
_BRAILLE = 0x2800
_DOT = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
"""Bit of the dot at (row within the cell, column within the cell)."""


def envelope(series: Series, columns: int, positive: bool = False) -> tuple[Values, Values]:
    """The lowest and highest rate in each of ``columns`` equal ranges of steps, from the series'
    outline (of the positive rates with ``positive``: NaN where there are none).

    With fewer steps than columns, a step spans several columns and each shows its value.
    """
    edges = np.arange(columns, dtype=np.int64) * series.run.steps // columns
    kept, rates = outline(series.blocks(), np.unique(edges), positive)
    if positive:
        rates = np.where(rates > 0, rates, np.nan)
    starts = np.searchsorted(kept, edges)  # every column's first step is kept
    return np.fmin.reduceat(rates, starts), np.fmax.reduceat(rates, starts)


def _format(value: float) -> str:
    return f"{value:.3g}"


def render(curves: Curves, width: int = 72, height: int = 12, logy: bool = False, color: bool = True) -> Text:
    """The curves as ``height`` lines of text, ``width`` characters wide with the axis labels.

    With ``color`` each curve has a colour; without, the first is drawn in dots and each other one
    with a glyph of its own (:data:`MARKERS`), which the legend shows.
    """
    bounds = _bounds(curves, logy)
    labels = [_format(v) for v in bounds]
    gutter = max(len(label) for label in labels) + 1
    cells_x, cells_y = max(width - gutter - 1, 8), max(height, 3)
    dots_x, dots_y = cells_x * 2, cells_y * 4
    grid = np.zeros((cells_y, cells_x), dtype=np.int64)
    owner = np.full((cells_y, cells_x), -1)
    low, high = (np.log10(v) for v in bounds) if logy else bounds
    span = (high - low) or 1.0
    for index, series in enumerate(curves.series):
        lows, highs = envelope(series, dots_x, positive=logy)
        if logy:
            lows, highs = np.log10(lows), np.log10(highs)
        xs = np.arange(dots_x)
        top = np.round((high - highs) / span * (dots_y - 1))
        bottom = np.round((high - lows) / span * (dots_y - 1))
        # reach back to the previous column so that a steep rise or fall is drawn as a line, not dots
        upper, lower = np.fmin(top, np.roll(bottom, 1)), np.fmax(bottom, np.roll(top, 1))
        upper[0], lower[0] = top[0], bottom[0]
        for x, y0, y1 in zip(xs, upper, lower, strict=True):
            if np.isnan(y0) or np.isnan(y1):
                continue
            for y in range(int(min(y0, y1)), int(max(y0, y1)) + 1):
                grid[y // 4, x // 2] |= _DOT[y % 4][x % 2]
                owner[y // 4, x // 2] = index
    text = Text()
    for row in range(cells_y):
        label = labels[1] if row == 0 else labels[0] if row == cells_y - 1 else ""
        text.append(label.rjust(gutter - 1) + " ┤" if label else " " * gutter + "│", style="dim")
        for col in range(cells_x):
            bits, index = int(grid[row, col]), int(owner[row, col])
            if not bits:
                text.append(" ")
            elif color:
                text.append(chr(_BRAILLE + bits), style=COLORS[index % len(COLORS)])
            else:
                text.append(_glyph(index, bits))
        text.append("\n")
    last = str(curves.run.steps - 1)
    axis = " " * gutter + "└" + "─" * cells_x
    text.append(axis + "\n", style="dim")
    text.append(" " * gutter + "0" + f"step {last}".rjust(cells_x), style="dim")
    if len(curves.series) > 1:
        text.append("\n")
        for index, series in enumerate(curves.series):
            if color:
                text.append(" " * gutter + "━━ ", style=COLORS[index % len(COLORS)])
            else:
                text.append(" " * gutter + _glyph(index, 0x12) * 2 + " ")
            text.append(series.label + ("\n" if index < len(curves.series) - 1 else ""))
    return text


def _glyph(index: int, bits: int) -> str:
    """The character a curve draws a cell with when there is no colour: dots for the first."""
    return chr(_BRAILLE + bits) if index == 0 else MARKERS[(index - 1) % len(MARKERS)]


def _bounds(curves: Curves, logy: bool) -> tuple[float, float]:
    found = [s.extent(positive=logy) for s in curves.series]
    low, high = np.fmin.reduce([f[0] for f in found]), np.fmax.reduce([f[1] for f in found])
    return (1.0, 1.0) if np.isnan(low) else (float(low), float(high))
