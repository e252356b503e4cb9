"""The options of the commands: the run options, made from :class:`~lrviz.io.settings.RunSettings` where
each is declared once, and the options of output and looks."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from lrviz.errors import LrvizError
from lrviz.io.config import LAYOUTS, parse_size
from lrviz.io.settings import SETTINGS, RunSettings
from lrviz.language.catalogue import dialects, entries
from lrviz.limits import excerpt

SPEC_COMMAND = {"allow_extra_args": True, "ignore_unknown_options": True}
"""A command whose options that are not its own set schedule parameters."""
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
EXPORT_SUFFIXES = (".csv", ".json")


def _complete(incomplete: str) -> Iterator[str]:
    for dialect in ("", *dialects()):
        for entry in entries(dialect):
            if entry.name.startswith(incomplete):
                yield entry.name


Specs = Annotated[
    list[str],
    typer.Argument(
        metavar="SPEC...",
        help="Schedules such as [bold]cosine(0.1)[/] or [bold]'linear(0, 0.1, steps=5) >> cosine(0.1)'[/]; "
        "options that are not lrviz's own set schedule parameters: [bold]--max-lr 0.1[/], "
        "[bold]--gamma 0.1,0.5[/] (one curve per value).",
        autocompletion=_complete,
        show_default=False,
    ),
]
Name = Annotated[str, typer.Argument(metavar="NAME", help="A schedule name.", autocompletion=_complete)]
OutputImage = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Image file: .png, .svg or .pdf (default: NAME.png here).",
        rich_help_panel="Output",
    ),
]
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        metavar="STEPS",
        help="Checkpoints to report: steps (-1 the last), percentages or epochs, e.g. 0,25%,45e,-1.",
        rich_help_panel="Statistics",
    ),
]
ResumeOption = Annotated[
    int | None,
    typer.Option(
        metavar="STEP",
        help="Mark a resume at this step and the rate a restarted run continues with.",
        rich_help_panel="Run",
    ),
]
PreviewOption = Annotated[
    bool, typer.Option(help="Also draw the plot in the terminal (when it is one).", rich_help_panel="Output")
]

LOOKS = {
    "logy": (bool | None, typer.Option("--logy/--no-logy", help="Log-scale rate axis.")),
    "title": (str | None, typer.Option(help="Plot title.")),
    "dpi": (int | None, typer.Option(min=10, max=2400, help="PNG resolution (default 150).")),
    "size": (str | None, typer.Option(metavar="WxH", help="Figure size in inches, WxH (default 7x4).")),
    "style": (str | None, typer.Option(metavar="NAME", help="dark, paper or a matplotlib style.")),
    "layout": (
        str | None,
        typer.Option(
            metavar="overlay|grid",
            help="overlay: every curve on one axes; grid: a panel per schedule (default: panels for "
            "sweeps of several schedules).",
        ),
    ),
    "stats": (bool | None, typer.Option("--stats/--no-stats", help="Peak, mean and final in the legend.")),
}
"""The options of how a plot looks, by the name :class:`~lrviz.render.plot.Style` gives them."""


def _run_option(name: str) -> tuple[Any, Any]:
    """The command-line option of a run setting, as its field declares it."""
    setting = next(f for f in SETTINGS if f.name == name)
    meta = setting.metadata
    kind = typing.get_type_hints(RunSettings)[name]
    flags = [f"--{name.replace('_', '-')}", *([meta["short"]] if meta["short"] else [])]
    extra: dict[str, Any] = {"min": 1} if kind == int | None else {}
    option = typer.Option(
        *flags, help=meta["help"], metavar=meta["metavar"] or None, rich_help_panel=meta["group"], **extra
    )
    return Annotated[kind, option], None


def with_options(
    *leave_out: str, looks: bool = False
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the run options (all but ``leave_out``), and with ``looks`` the options of how
    a plot looks: it receives them as ``settings``, one :class:`RunSettings`, and ``look``, a dict of
    the looks given; the command line sees each as an option of its own."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(command).parameters.values()
            if p.name not in ("settings", "look")
        ]
        runs = {f.name: _run_option(f.name) for f in SETTINGS if f.name not in leave_out}
        shown = {
            name: (Annotated[kind, _in_panel(option, "Look")], None) for name, (kind, option) in LOOKS.items()
        }
        added = {**runs, **(shown if looks else {})}
        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, (annotation, default) in added.items()
        ]

        @functools.wraps(command)
        def given(**values: Any) -> None:
            settings = RunSettings(**{name: values.pop(name) for name in runs})
            if looks:
                values["look"] = look_of({name: values.pop(name) for name in LOOKS})
            command(settings=settings, **values)

        parameters = own + extra
        given.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        given.__annotations__ = {p.name: p.annotation for p in parameters}
        return given

    return decorate


def _in_panel(option: Any, panel: str) -> Any:
    option.rich_help_panel = panel
    return option


def look_of(given: dict[str, Any]) -> dict[str, Any]:
    """The plot settings given on the command line, checked before any work (the size read)."""
    layout = given.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise LrvizError(f"--layout is overlay or grid, got {excerpt(layout)}")
    if given.get("size") is not None:
        given = {**given, "size": parse_size(given["size"])}
    return {name: value for name, value in given.items() if value is not None}
