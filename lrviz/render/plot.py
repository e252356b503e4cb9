"""Plots of evaluated schedules, drawn on matplotlib's object-oriented API (never pyplot's state).

The only module that imports matplotlib; the CLI imports it inside the commands that draw.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import matplotlib as mpl
import matplotlib.cbook
import matplotlib.colors
import matplotlib.mathtext
import matplotlib.style
import matplotlib.ticker
import numpy as np
import numpy.typing as npt
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lrviz.clock.grid import MARKS_OF_A_KIND, Metric
from lrviz.errors import LrvizError
from lrviz.evaluation.run import LEARNING_RATE, Curves, Series
from lrviz.io.config import Config
from lrviz.limits import PIXELS, TITLE_LENGTH, excerpt
from lrviz.render.outline import column_edges, outline, staircase
from lrviz.schedules.entry import Values
from lrviz.version import __version__

MARK_SPACING = 12
"""The fewest pixels a plot leaves, on average, between the phase lines it draws."""
OUTLINE_ABOVE = 4
"""A run of more steps than this many to each pixel of the figure's width is drawn from its outline."""
SWEEP_COLORMAP = "viridis"
LINESTYLES = ("-", "--", "-.", ":", "solid", "dashed", "dashdot", "dotted")

STYLES: dict[str, dict[str, Any]] = {
    "dark": {
        "figure.facecolor": "#15181e",
        "axes.facecolor": "#15181e",
        "savefig.facecolor": "#15181e",
        "axes.edgecolor": "#8b93a1",
        "axes.labelcolor": "#d8dee9",
        "text.color": "#d8dee9",
        "xtick.color": "#8b93a1",
        "ytick.color": "#8b93a1",
        "grid.color": "#3b4252",
        "axes.prop_cycle": cycler(
            color=["#88c0d0", "#ebcb8b", "#a3be8c", "#d08770", "#b48ead", "#81a1c1", "#bf616a"]
        ),
    },
    "paper": {
        "font.family": "serif",
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "lines.linewidth": 1.0,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(
            color=["#000000", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"]
        ),
    },
}
"""lrviz's own styles, on top of matplotlib's: ``dark`` for dark screens, ``paper`` for print."""


DPI = (10, 2400)
"""The resolutions a PNG may have."""
LABEL_LENGTH = 120
"""Characters of a label drawn in a legend or over a panel; a longer one is cut in the middle."""


class StyleError(LrvizError):
    """A plot setting that cannot be drawn; ``key`` names the setting (``dpi``, ``title``, …)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Style:
    """How a plot looks: everything but the curves. Checked when made: a style that exists can be
    drawn, in at most :data:`~lrviz.limits.PIXELS` pixels."""

    title: str | None = None
    logy: bool = False
    size: tuple[float, float] = (7.0, 4.0)
    dpi: int = 150
    style: str = "default"
    layout: str | None = None
    """``overlay`` (every curve on one axes), ``grid`` (a panel per schedule) or ``None``: panels
    where the line-up has them (a sweep of several schedules), else one axes."""
    stats: bool = False

    def __post_init__(self) -> None:
        for key, kind in (("title", str), ("logy", bool), ("dpi", int), ("style", str), ("stats", bool)):
            value = getattr(self, key)
            if isinstance(value, np.bool_ | np.integer):  # numpy's values as Python's own
                value = value.item()
                object.__setattr__(self, key, value)
            if value is not None and (
                not isinstance(value, kind) or (kind is int and isinstance(value, bool))
            ):
                what = {str: "text", bool: "True or False", int: "a whole number"}[kind]
                raise StyleError(key, f"{key} is {what}, got {excerpt(value)}")
        if self.title is not None and len(self.title) > TITLE_LENGTH:
            raise StyleError(
                "title",
                f"the title is {len(self.title):,} characters long; at most {TITLE_LENGTH:,} are drawn",
            )
        low, high = DPI
        if not low <= self.dpi <= high:
            raise StyleError("dpi", f"dpi must be between {low} and {high}, got {self.dpi!r}")
        width, height = self.size
        pixels = round(width * self.dpi) * round(height * self.dpi)
        if pixels > PIXELS:
            raise StyleError(
                "size",
                f"a {width:g}x{height:g}-inch figure at {self.dpi} dpi has {pixels:,} pixels, and a plot has "
                f"at most {PIXELS:,}: give a smaller --size or --dpi",
            )
        check_style(self.style)


def style_names() -> list[str]:
    return ["default", *STYLES, *matplotlib.style.available]


def check_style(name: str) -> None:
    """Raise :class:`LrvizError` for a style neither lrviz nor matplotlib knows, naming the closest."""
    available = style_names()
    if name not in available:
        close = difflib.get_close_matches(name, available, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else f"; choose from {', '.join(available)}"
        raise StyleError("style", f"unknown plot style {excerpt(name)}{hint}")


def style_for(config: Config | None, given: Mapping[str, Any]) -> Style:
    """The style of a plot: a config's plot settings (if any) under the ones given (the command line's);
    a setting that cannot be drawn is told at its place in the config, when it came from there."""
    try:
        return Style(**{**(config.plot if config else {}), **given})
    except StyleError as error:
        if config is None or error.key in given or error.key not in config.plot:
            raise
        raise LrvizError(f"{config.where('plot', error.key)}: {error}") from None


def check_looks(curves: Curves) -> None:
    """Raise :class:`LrvizError` for a colour or line style of the curves that matplotlib cannot draw."""
    for series in curves.series:
        look = series.look
        check_look(look.color, look.linestyle, look.given_at or series.label)


def check_look(color: str | None, linestyle: str | None, where: str) -> None:
    """Raise :class:`LrvizError` for a colour or line style matplotlib cannot draw."""
    if color is not None and not matplotlib.colors.is_color_like(color):
        raise LrvizError(
            f"{where}: color {excerpt(color)} is not a colour: give a name (red, tab:blue) or #rrggbb"
        )
    if linestyle is not None and linestyle not in LINESTYLES:
        styles = ", ".join(LINESTYLES)
        raise LrvizError(f"{where}: linestyle must be one of {styles}, got {excerpt(linestyle)}")


@contextlib.contextmanager
def styled(name: str) -> Iterator[None]:
    """Draw in a style; settings that keep output deterministic are applied after it."""
    with matplotlib.style.context(STYLES.get(name, name)), mpl.rc_context({"svg.hashsalt": "lrviz"}):
        yield


def drawn(text: str, limit: int = TITLE_LENGTH) -> str:
    """``text`` as it can be drawn: characters no font or file format holds (lone surrogates from
    undecodable arguments, control characters) become U+FFFD, a text longer than ``limit`` is cut
    in the middle, and ``$…$`` that is not valid math text is drawn as the dollars it is."""
    text = "".join("\ufffd" if _undrawable(c) else c for c in text)
    if len(text) > limit:
        half = (limit - 1) // 2
        text = f"{text[:half]}…{text[-half:]}"
    if matplotlib.cbook.is_math_text(text):
        try:
            matplotlib.mathtext.MathTextParser("path").parse(text)
        except ValueError:
            return text.replace("$", r"\$")
    return text


def _undrawable(character: str) -> bool:
    code = ord(character)
    return 0xD800 <= code <= 0xDFFF or (code < 32 and character != "\n") or 0x7F <= code < 0xA0


def _label(curves: Curves, series: Series, stats: bool, panel: str) -> str:
    """The legend text: the label less the title of the panel it is drawn in, with the statistics
    when asked for."""
    label = series.label.removeprefix(f"{panel}, ") if panel else series.label
    label = drawn(label, LABEL_LENGTH)
    if not stats:
        return label
    summary = curves.summary(series)
    return f"{label}  (peak {summary.peak:.3g}, mean {summary.mean:.3g}, final {summary.final:.3g})"


def draw(
    ax: Axes,
    curves: Curves,
    series: Sequence[Series] | None = None,
    *,
    logy: bool = False,
    stats: bool = False,
    panel: str = "",
    vector: bool = False,
    palette: Mapping[Series, Any] | None = None,
) -> Axes:
    """Draw ``series`` (default: all of ``curves``) on ``ax`` with their phase boundaries; return ``ax``.
    ``panel`` is the title of the panel ``ax`` is, which the legend's labels leave out.

    Each rate holds for its whole update, so a curve is a staircase: step t's value spans [t, t + 1).
    A run of many more steps than the figure has pixels is drawn from its outline (see
    :func:`outline_columns`), taken in the same read of the run as its summary and marks; ``vector``
    output gets the finer columns a drawing without pixels needs.
    """
    chosen = list(curves.series if series is None else series)
    run = curves.run
    outlined = run.steps > OUTLINE_ABOVE * ax.figure.bbox.width  # the figure's width in pixels
    edges = column_edges(run.steps, 0.0, outline_columns(ax, vector)) if outlined else None
    lines = [_line(s, edges, logy) for s in chosen]  # first: the outline's read is the run's first
    colors: list[Any] = []
    coinciding = _coinciding(chosen)
    for s, (steps, values) in zip(chosen, lines, strict=True):
        label = _label(curves, s, stats, panel)
        linestyle: Any = s.look.linestyle or "-"
        if s in coinciding:
            label += f" (the same as {drawn(coinciding[s].label, LABEL_LENGTH)})"
            linestyle = s.look.linestyle or (0, (4, 3))  # dashed over the curve it covers
        drawstyle = "steps-post" if edges is None else "default"
        (line,) = ax.plot(
            steps,
            values,
            label=label,
            color=(palette or {}).get(s, _color(s)),
            linestyle=linestyle,
            drawstyle=drawstyle,
        )
        colors.append(line.get_color())
    marks = sorted({m.step for s in chosen for m in s.marks if m.kind != "reduced"})
    crowded = len(marks) > _mark_room(ax)  # every line, or none: lines a few pixels apart are a grey band
    for step in [] if crowded else marks:
        ax.axvline(step, color="0.6", linewidth=0.6, linestyle=":", zorder=0)
    if curves.resume_at is not None:
        resume = curves.resume_at
        ax.axvline(resume, color="0.25", linewidth=0.8, linestyle="--", zorder=1)
        for color, s in zip(colors, chosen, strict=True):
            ax.plot([resume + 0.5], s.at([resume]), marker="o", markersize=4, color=color, zorder=3)
    if curves.run.metric is not None:
        _draw_metric(ax, curves.run.metric)
    for color, s in zip(colors, chosen, strict=True):
        drops = np.array([m.step for m in s.marks if m.kind == "reduced"], dtype=np.int64)
        if drops.size:
            ax.plot(
                drops + 0.5,
                s.at(drops.tolist()),
                linestyle="none",
                marker="v",
                markersize=5,
                color=color,
                zorder=3,
            )
    if logy:
        ax.set_yscale("log")
    per_epoch = curves.run.steps_per_epoch
    if per_epoch > 1:

        def to_epochs(x: Any) -> Any:
            return np.asarray(x) / per_epoch

        def to_steps(x: Any) -> Any:
            return np.asarray(x) * per_epoch

        if run.step_on == "epoch":  # the bottom axis counts epochs, the unit the schedule steps in
            ax.secondary_xaxis("top").set_xlabel("step")
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x / per_epoch:g}"))
            ax.xaxis.set_major_locator(_EpochLocator(per_epoch))
        else:
            ax.secondary_xaxis("top", functions=(to_epochs, to_steps)).set_xlabel("epoch")
    more = "+" if len(marks) >= MARKS_OF_A_KIND else ""
    left_out = f" ({len(marks):,}{more} phase lines, too close to draw)" if crowded else ""
    ax.set_xlabel(_x_label(curves) + left_out)
    ax.set_ylabel(chosen[0].look.quantity if chosen else LEARNING_RATE)
    ax.set_xlim(0, curves.run.steps)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    return ax


def _mark_room(ax: Axes) -> int:
    """How many phase lines fit across ``ax``, :data:`MARK_SPACING` pixels apart on average."""
    return max(int(outline_columns(ax) / 4 / MARK_SPACING), 1)


def _line(series: Series, edges: npt.NDArray[np.int64] | None, logy: bool) -> tuple[Values, Values]:
    """The points a curve is drawn through: each step and the end of the last, drawn as steps, or the
    outline of columns that start at ``edges`` (:func:`~lrviz.render.outline.staircase`); rates ≤ 0
    left out on a log scale."""
    if edges is not None:
        steps, values = staircase(*outline(series.blocks(), edges, positive=logy))
    else:
        steps = np.arange(series.run.steps + 1, dtype=np.float64)
        values = np.append(series.values, series.values[-1])
    return steps, np.where(values > 0, values, np.nan) if logy else values


def _x_label(curves: Curves) -> str:
    return "epoch" if curves.run.step_on == "epoch" and curves.run.steps_per_epoch > 1 else "step"


class _EpochLocator(matplotlib.ticker.MaxNLocator):
    """Ticks at round numbers of epochs on an axis that counts steps."""

    def __init__(self, per_epoch: int) -> None:
        super().__init__(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True)
        self.per_epoch = per_epoch

    def tick_values(self, vmin: float, vmax: float) -> Any:
        return np.asarray(super().tick_values(vmin / self.per_epoch, vmax / self.per_epoch)) * self.per_epoch


def _color(series: Series) -> Any:
    """A curve's colour: its own, a shade of it along a sweep, or the sweep's colour map."""
    shade = series.look.shade
    if shade is None:
        return series.look.color
    if series.look.color is None:
        return mpl.colormaps[SWEEP_COLORMAP](0.9 * shade)
    strength = 0.3 + 0.7 * shade  # from a pale tint to the colour itself
    rgb = np.array(matplotlib.colors.to_rgb(series.look.color))
    return tuple(rgb * strength + (1 - strength))


def _coinciding(chosen: Sequence[Series]) -> dict[Series, Series]:
    """Each curve that another, drawn before it, covers exactly: the later one is drawn dashed."""
    found: dict[Series, Series] = {}
    for index, later in enumerate(chosen):
        for earlier in chosen[:index]:
            if earlier not in found and later.extent() == earlier.extent() and _same(earlier, later):
                found[later] = earlier
                break
    return found


def _same(a: Series, b: Series) -> bool:
    return all(np.array_equal(x, y) for (_, x), (_, y) in zip(a.blocks(), b.blocks(), strict=True))


def outline_columns(ax: Axes, vector: bool = False) -> int:
    """How many columns of steps the outline of a run drawn across ``ax`` has: four to a pixel (sixteen
    to a point for ``vector`` output, which has no pixels) of the widest the axes can be once laid out,
    its columns' share of the figure's width, so that each column's extremes are drawn within a
    quarter of a pixel of where they are. Known before the layout, the columns let the outline be
    taken in the first read of a long run, with its summary and marks."""
    fig = ax.figure
    inches = fig.bbox.width / fig.dpi
    spec = ax.get_subplotspec()
    if spec is not None:  # panels share the figure's width in the ratios of their columns
        layout = spec.get_gridspec()
        ratios = np.asarray(layout.get_width_ratios() or [1] * layout.ncols, dtype=np.float64)
        inches *= float(ratios[spec.colspan.start : spec.colspan.stop].sum() / ratios.sum())
    saved = mpl.rcParams["savefig.dpi"]
    dpi = max(fig.dpi, 0.0 if saved == "figure" else float(saved))
    return math.ceil(inches * (16.0 * 72 if vector else 4.0 * dpi))


def _draw_metric(ax: Axes, metric: Metric) -> None:
    """The metric on a second y-axis, behind the rates."""
    other = ax.twinx()
    label = drawn(metric.label, LABEL_LENGTH)
    other.plot(metric.steps + 1, metric.values, color="0.55", linewidth=0.8, alpha=0.8, label=label)
    other.set_ylabel(label, color="0.45")
    other.tick_params(axis="y", colors="0.45")
    ax.set_zorder(other.get_zorder() + 1)
    ax.patch.set_visible(False)


DRAWN_LARGEST = 1e300
"""The largest rate a plot draws: matplotlib's axes cannot place ticks near float64's largest."""


@dataclass(frozen=True)
class Logged:
    """A training log's rates, drawn over the plan: each at the update it was the rate of, and the first
    update where the log departs from the plan, if it does."""

    steps: npt.NDArray[np.int64]
    rates: Values
    label: str
    departure: int | None = None


LOGGED_MARKERS = 2000
"""The most logged points drawn one by one; more are drawn as a line."""


def draw_logged(ax: Axes, logged: Logged) -> None:
    """The log's points over what ``ax`` shows, and a mark at its first departure from the plan."""
    label = f"logged: {drawn(logged.label, LABEL_LENGTH)}"
    if logged.steps.size <= LOGGED_MARKERS:
        ax.plot(
            logged.steps + 0.5,
            logged.rates,
            linestyle="none",
            marker="o",
            markersize=3,
            markerfacecolor="none",
            color="black",
            label=label,
            zorder=4,
        )
    else:
        ax.plot(
            logged.steps,
            logged.rates,
            drawstyle="steps-post",
            linestyle=(0, (2, 2)),
            linewidth=1.0,
            color="black",
            label=label,
            zorder=4,
        )
    if logged.departure is not None:
        ax.axvline(logged.departure, color="tab:red", linewidth=1.0, zorder=3)
        ax.annotate(
            f" departs at {logged.departure:,}",
            (logged.departure, 1.0),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize="small",
            color="tab:red",
        )


def log_figure(logged: Logged, style: Style, steps_per_epoch: int = 1) -> Figure:
    """A figure of what a run logged, with no plan to hold it against."""
    fig = Figure(figsize=style.size, dpi=style.dpi, layout="constrained")
    ax = fig.subplots()
    draw_logged(ax, logged)
    if style.logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(LEARNING_RATE)
    ax.set_xlim(0, int(logged.steps[-1]) + 1 if logged.steps.size else 1)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    title = style.title if style.title is not None else logged.label
    if title:
        fig.suptitle(_wrapped(drawn(title), fig))
    return fig


def figure(
    curves: Curves,
    style: Style,
    vector: bool = False,
    logged: Logged | None = None,
    kind: type[Figure] = Figure,
) -> Figure:
    """A new figure of ``curves`` (a ``kind`` of figure): one panel, or a grid of panels on the same
    scales (for ``vector`` output: see :func:`draw`), with a training log's rates over the first
    (``logged``)."""
    for s in curves.series:
        largest = max(abs(x) for x in s.extent())
        if largest > DRAWN_LARGEST:
            raise LrvizError(
                f"{excerpt(s.label)} reaches {largest:.3g}, beyond what a plot's axes can scale "
                f"(about {DRAWN_LARGEST:.0e}): see it with table or export"
            )
    fig = kind(figsize=style.size, dpi=style.dpi, layout="constrained")
    panels = {"": list(curves.series)} if style.layout == "overlay" else curves.panels()
    if style.layout == "grid" and len(panels) == 1:
        panels = {s.label: [s] for s in curves.series}
    stacked = len(panels) == 1 and len(_by_quantity(next(iter(panels.values())))) > 1
    panels = {
        (f"{title} · {quantity}" if title else quantity) if len(kinds) > 1 else title: members
        for title, together in panels.items()
        for kinds in [_by_quantity(together)]
        for quantity, members in kinds.items()
    }
    if len(panels) == 1:
        ((title, members),) = panels.items()
        ax = draw(
            fig.subplots(), curves, members, logy=style.logy, stats=style.stats, panel=title, vector=vector
        )
        if logged is not None:
            draw_logged(ax, logged)
        if len(members) > 1 or style.stats or logged is not None:
            _legend(fig, members, *ax.get_legend_handles_labels())
    else:
        columns = 1 if stacked else math.ceil(math.sqrt(len(panels)))  # one quantity above another
        rows = math.ceil(len(panels) / columns)
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        palette = _shared_colors(curves.series) if stacked else None
        for index, (ax, (title, members)) in enumerate(zip(axes, panels.items(), strict=False)):
            draw(
                ax,
                curves,
                members,
                logy=style.logy,
                stats=style.stats,
                panel=title,
                vector=vector,
                palette=palette,
            )
            ax.set_title(drawn(title, LABEL_LENGTH), fontsize="small")
            ax.label_outer()
            if index + columns >= len(panels):  # nothing drawn below it: its x axis is the bottom one
                ax.xaxis.set_tick_params(labelbottom=True)
                ax.set_xlabel(_x_label(curves))
            if style.stats:  # each panel's own numbers
                ax.legend(fontsize="x-small", frameon=False)
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        if logged is not None:
            draw_logged(axes[0], logged)
        for quantity in {s.look.quantity for s in curves.series}:  # each quantity on its own scale
            _same_scales(
                [
                    ax
                    for ax, members in zip(axes, panels.values(), strict=False)
                    if members[0].look.quantity == quantity
                ]
            )
        first = next(iter(panels.values()))
        if stacked and len(curves.series) > 1 and not style.stats:  # every curve, once
            handles: dict[str, Any] = {}
            for ax in axes[: len(panels)]:
                for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                    handles.setdefault(label, handle)
            _legend(fig, list(curves.series), list(handles.values()), list(handles))
        elif len(first) > 1 and not style.stats:  # the same overlaid values in every panel: one legend
            _legend(fig, first, *axes[0].get_legend_handles_labels())
    title = style.title if style.title is not None else _default_title(curves)
    if title:
        fig.suptitle(_wrapped(drawn(title), fig))
    return fig


def _shared_colors(series: Sequence[Series]) -> dict[Series, Any]:
    """One colour a schedule, in every panel: a curve that goes with another (its momentum) takes the
    other's, the rest the colour cycle's in turn (or their own)."""
    cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    by_label: dict[str, Any] = {}
    for s in series:
        if not s.look.of:
            by_label[s.label] = _color(s) or cycle[len(by_label) % len(cycle)]
    return {s: by_label.get(s.look.of, _color(s)) if s.look.of else by_label[s.label] for s in series}


def _by_quantity(series: Sequence[Series]) -> dict[str, list[Series]]:
    """The series of each quantity (the learning rate, the momentum, …), in order."""
    kinds: dict[str, list[Series]] = {}
    for s in series:
        kinds.setdefault(s.look.quantity, []).append(s)
    return kinds


def _wrapped(title: str, fig: Figure) -> str:
    """A title broken into lines (at spaces, as after a spec's commas) that fit the figure's width: at
    about 7 points a character of the title's font, rather than cut off at both edges."""
    import textwrap

    fits = max(int(fig.get_figwidth() * 72 / 7), 20)
    return "\n".join(textwrap.fill(line, fits) for line in title.split("\n"))


def _same_scales(axes: Sequence[Axes]) -> None:
    """Give every panel the y-limits that axes shared between them would have, each autoscaled over
    the data of all (their x-limits are the run's already). matplotlib keeps shared axes in step one
    sibling at a time, a cost that grows with the square of the panels: 256 panels took minutes."""
    ys = [y for ax in axes for y in ax.dataLim.intervaly if np.isfinite(y)]
    if not ys:
        return
    first = axes[0]
    lowest_positive = min(ax.dataLim.minposy for ax in axes)
    corners = [(0.0, min(ys)), (0.0, max(ys))]
    first.update_datalim([*corners, (0.0, lowest_positive)] if np.isfinite(lowest_positive) else corners)
    first.autoscale_view(scalex=False)
    limits = first.get_ylim()
    for ax in axes[1:]:
        ax.set_ylim(limits)


def _default_title(curves: Curves) -> str:
    """A plot of one schedule is titled by its spec, and so is one of a sweep of it."""
    return curves.series[0].label if len(curves.series) == 1 else curves.title


def _legend(fig: Figure, series: Sequence[Series], handles: list[Any], labels: list[str]) -> None:
    # below the axes, so that it never hides a curve
    columns = 1 if max(len(label) for label in labels) > 40 else min(len(series), 2 if len(series) < 5 else 3)
    fig.legend(handles, labels, loc="outside lower center", ncols=columns, fontsize="small", frameon=False)


def _metadata(suffix: str) -> dict[str, Any]:
    software = f"lrviz {__version__}"
    if suffix == ".png":
        return {"Software": software}
    if suffix == ".svg":
        return {"Date": None, "Creator": software}
    return {"CreationDate": None, "ModDate": None, "Creator": software, "Producer": software}


def save(
    curves: Curves | None,
    file: IO[bytes],
    suffix: str,
    style: Style | None = None,
    logged: Logged | None = None,
) -> None:
    """Write the plot of ``curves`` (with a log's rates over them; or the log's alone) to ``file`` in
    the format of ``suffix`` (.png, .svg or .pdf).

    The same curves and style give byte-identical files.
    """
    style = style or Style()
    with _drawing(style):
        vector = suffix != ".png"
        if curves is None:
            assert logged is not None
            made = log_figure(logged, style)
        else:
            made = figure(curves, style, vector, logged)
        made.savefig(file, format=suffix.lstrip("."), metadata=_metadata(suffix))


@contextlib.contextmanager
def _drawing(style: Style) -> Iterator[None]:
    """Draw in ``style``, quietly: what matplotlib warns of while drawing leaves the picture right (a
    layout that does not fit every label, a glyph drawn as a box), and is no text for a user."""
    with styled(style.style), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class Picture(Figure):
    """A figure that shows itself as a picture wherever rich display is (a Jupyter notebook, IPython's
    terminal with an image viewer): a PNG drawn in its style, with no pyplot backend switched on and
    nothing of pyplot's global state touched."""

    style: Style = Style()

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        with _drawing(self.style):
            self.savefig(buffer, format="png", metadata=_metadata(".png"))
        return buffer.getvalue()


def picture(curves: Curves, style: Style) -> Picture:
    """The plot of ``curves`` as a :class:`Picture`, which a notebook shows as :func:`save` draws it."""
    with _drawing(style):
        made = figure(curves, style, kind=Picture)
    assert isinstance(made, Picture)
    made.style = style
    return made
