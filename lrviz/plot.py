"""Plots of evaluated schedules, drawn on matplotlib's object-oriented API (never pyplot's state).

The only module that imports matplotlib; the CLI imports it inside the ``plot`` command.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import IO, Any

import matplotlib as mpl
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lrviz import __version__
from lrviz.errors import LrvizError
from lrviz.run import Curves

SUFFIXES = (".png", ".svg", ".pdf")
MAX_MARK_LINES = 50


@dataclass(frozen=True)
class Style:
    """How a plot looks: everything but the curves."""

    title: str | None = None
    logy: bool = False
    size: tuple[float, float] = (7.0, 4.0)
    dpi: int = 150
    style: str = "default"


def check_style(name: str) -> None:
    """Raise :class:`LrvizError` for a style matplotlib does not know, naming the closest."""
    available = ["default", *matplotlib.style.available]
    if name not in available:
        close = difflib.get_close_matches(name, available, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; choose from {', '.join(available)}"
        raise LrvizError(f"unknown plot style {name!r}{hint}")


def draw(ax: Axes, curves: Curves, *, logy: bool = False) -> Axes:
    """Draw every schedule of ``curves`` on ``ax``, with its phase boundaries, and return ``ax``."""
    steps = curves.steps
    for series in curves.series:
        values = np.where(series.values > 0, series.values, np.nan) if logy else series.values
        # a rate holds for its whole update: step t's value spans [t, t + 1)
        ax.plot(
            np.append(steps, steps[-1] + 1),
            np.append(values, values[-1]),
            label=series.label,
            linewidth=1.5,
            drawstyle="steps-post",
        )
    for step, _what in curves.marks[:MAX_MARK_LINES]:
        ax.axvline(step, color="0.6", linewidth=0.6, linestyle=":", zorder=0)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.set_xlim(0, curves.run.steps)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    if len(curves.series) > 1:
        # below the axes, so that it never hides a curve
        columns = 1 if max(len(s.label) for s in curves.series) > 40 else 2
        ax.figure.legend(loc="outside lower center", ncols=columns, fontsize="small", frameon=False)
    return ax


def figure(curves: Curves, style: Style) -> Figure:
    """A new figure of ``curves``, drawn in the current matplotlib style."""
    fig = Figure(figsize=style.size, dpi=style.dpi, layout="constrained")
    ax = draw(fig.subplots(), curves, logy=style.logy)
    if style.title:
        ax.set_title(style.title)
    return fig


def _metadata(suffix: str) -> dict[str, Any]:
    software = f"lrviz {__version__}"
    if suffix == ".png":
        return {"Software": software}
    if suffix == ".svg":
        return {"Date": None, "Creator": software}
    return {"CreationDate": None, "ModDate": None, "Creator": software, "Producer": software}


def save(curves: Curves, file: IO[bytes], suffix: str, style: Style | None = None) -> None:
    """Write the plot of ``curves`` to ``file`` in the format of ``suffix`` (.png, .svg or .pdf).

    The same curves and style give byte-identical files.
    """
    style = style or Style()
    # the style first: it resets every setting, the ones that make output deterministic included
    with matplotlib.style.context(style.style), mpl.rc_context({"svg.hashsalt": "lrviz"}):
        figure(curves, style).savefig(file, format=suffix.lstrip("."), metadata=_metadata(suffix))
