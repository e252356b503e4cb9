"""The gallery: one image per built-in schedule (its documented example) and one per config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lrviz.evaluation.run import Curves
from lrviz.io.settings import RunSettings
from lrviz.language.catalogue import entries
from lrviz.progress import report
from lrviz.schedules.entry import Entry
from lrviz.tools.build import build
from lrviz.tools.describe import example_options

Writer = Callable[..., None]


def schedule_curves(entry: Entry) -> Curves:
    """The example of a schedule over its run (:func:`~lrviz.tools.describe.example_options`)."""
    return build([entry.doc.example], [], RunSettings.parse(example_options(entry))).curves


def render_all(out: Path, config_folder: Path, write: Writer) -> list[Path]:
    """Draw every built-in schedule and every config of ``config_folder`` into ``out`` as SVG files."""
    from lrviz.render import plot

    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[Path, Curves, plot.Style]] = []
    for entry in entries():
        style = plot.Style(title=f"{entry.name}: {entry.doc.example}", size=(6.0, 3.4))
        jobs.append((out / f"{entry.name}.svg", schedule_curves(entry), style))
    for path in sorted(config_folder.glob("*.y*ml")):
        built = build([str(path)])
        assert built.config is not None
        settings: dict[str, Any] = {"size": (7.0, 4.2), **built.config.plot}
        jobs.append((out / f"{path.stem}.svg", built.curves, plot.Style(**settings)))
    for done, (path, curves, style) in enumerate(jobs, 1):
        write(path, lambda file, c=curves, s=style: _save(plot, c, file, s), binary=True)
        report("drawing the gallery", done, len(jobs))
    return [path for path, _, _ in jobs]


def _save(plot: Any, curves: Curves, file: IO[bytes], style: Any) -> None:
    plot.save(curves, file, ".svg", style)
