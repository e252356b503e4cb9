"""The gallery: one image per built-in schedule (its documented example) and one per config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from lrviz.evaluation.lineup import Item, expand, run_length
from lrviz.evaluation.lineup import evaluate as evaluate_lineup
from lrviz.evaluation.run import Curves
from lrviz.evaluation.stats import checkpoints
from lrviz.io import config as configs
from lrviz.io.settings import RunSettings
from lrviz.language.catalogue import entries
from lrviz.language.parser import parse
from lrviz.progress import report
from lrviz.schedules.entry import Entry

EXAMPLE_STEPS = 1000
"""The run length of a schedule's example that does not give its own."""

Writer = Callable[..., None]


def example_options(entry: Entry) -> str:
    """The run a schedule's example is drawn over, as command-line options: its own (the Example
    section's ``--`` line), or :data:`EXAMPLE_STEPS` steps; a feedback schedule's gets a made-up
    metric to react to."""
    options = entry.doc.example_run or f"--steps {EXAMPLE_STEPS}"
    if entry.frequency == "feedback" and "--metric" not in options:
        options += " --metric synthetic"
    return options


def schedule_curves(entry: Entry) -> Curves:
    """The example of a schedule over its run (:func:`example_options`)."""
    example = entry.doc.example
    settings = RunSettings.parse(example_options(entry))
    per_epoch = settings.per_epoch()
    item = Item(example, parse(example, {"E": float(per_epoch)} if per_epoch else {}))
    return evaluate_lineup([item], settings.run())


def config_curves(config: configs.Config) -> Curves:
    """Every schedule of a config over its run."""
    items = expand(config.items, config.sweeps)
    given = config.run.steps is not None or config.run.epochs is not None
    run = config.run.run(None if given else run_length(items))
    points = checkpoints(config.checkpoints, run.steps, run.steps_per_epoch) if config.checkpoints else ()
    return evaluate_lineup(items, run, points)


def render_all(out: Path, config_folder: Path, write: Writer) -> list[Path]:
    """Draw every built-in schedule and every config of ``config_folder`` into ``out`` as SVG files."""
    from lrviz.render import plot

    out.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[Path, Curves, plot.Style]] = []
    for entry in entries():
        style = plot.Style(title=f"{entry.name}: {entry.doc.example}", size=(6.0, 3.4))
        jobs.append((out / f"{entry.name}.svg", schedule_curves(entry), style))
    for path in sorted(config_folder.glob("*.y*ml")):
        config = configs.load(path)
        settings: dict[str, Any] = {"size": (7.0, 4.2), **config.plot}
        jobs.append((out / f"{path.stem}.svg", config_curves(config), plot.Style(**settings)))
    for done, (path, curves, style) in enumerate(jobs, 1):
        write(path, lambda file, c=curves, s=style: _save(plot, c, file, s), binary=True)
        report("drawing the gallery", done, len(jobs))
    return [path for path, _, _ in jobs]


def _save(plot: Any, curves: Curves, file: IO[bytes], style: Any) -> None:
    plot.save(curves, file, ".svg", style)
