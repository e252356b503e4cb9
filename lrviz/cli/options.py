"""The options of the commands: the run options, made from :class:`~lrviz.io.settings.RunSettings` where
each is declared once, and the options of output and looks."""

from __future__ import annotations

import functools
import inspect
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from lrviz.cli.help import Command
from lrviz.errors import LrvizError
from lrviz.io.config import looks_given
from lrviz.io.settings import LARGEST_COUNT, SETTINGS, RunSettings
from lrviz.language.catalogue import dialects, entries
from lrviz.tools.build import takes_next

SPEC_COMMAND = {"allow_extra_args": True, "ignore_unknown_options": True}
"""A command whose options that are not its own set schedule parameters."""
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
EXPORT_SUFFIXES = (".csv", ".json")


class SpecCommand(Command):
    """A command that takes specs, and options that set their parameters (``--max-lr 0.1``) besides its
    own. Its arguments are sorted out (:func:`arrange`) before typer reads them: typer would read any
    token that begins with '-' as a cluster of short options, so that ``--start -1e3`` became
    ``--start -1 -e 3`` and the spec ``-0.5 * cosine(0.1)`` became options."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        arranged, mistyped = arrange(args, own_options(self.get_params(ctx)))
        rest = super().parse_args(ctx, arranged)
        if mistyped is not None and not ctx.resilient_parsing:  # after --help has had its say
            raise LrvizError(f"no such option -{mistyped}; did you mean --{mistyped}?")
        return rest


def own_options(params: Iterable[Any]) -> dict[str, bool]:
    """Each option name of a command's parameters (``--steps``, ``-n``, ``--no-preview``), and whether it
    takes a value."""
    names: dict[str, bool] = {}
    for param in params:
        if param.param_type_name == "option":
            takes = not (param.is_flag or param.count)
            names.update(dict.fromkeys([*param.opts, *param.secondary_opts], takes))
    return names


_DASHED_NAME = re.compile(r"-([^\W\d][\w-]*)(=.*)?", re.DOTALL)
"""A token that looks like an option written with one dash: ``-steps``, ``-max-lr=0.1``."""


def arrange(args: Sequence[str], own: Mapping[str, bool]) -> tuple[list[str], str | None]:
    """A spec command's arguments in the order typer reads them right: the command's own options and
    their values first, then ``--``, then the specs and the parameter options in the order given (for
    :func:`~lrviz.tools.build.options_of`). Also the name of an option mistyped with one dash
    (``-steps``), if any.

    - An option of the command that takes a value takes the next token, whatever it begins with; so
      does a parameter option, unless that token is another long option (:func:`takes_next`) or one of
      the command's options (``--gamma -n 5`` is ``--gamma`` without its value).
    - A token that begins with a single '-' is an option of the command when it is one of its short
      options alone (``-n``), or one that takes a value with its value attached (``-n5``). Anything else
      is a spec: a '-' followed by a digit, '.', '(' or a name (``-0.5 * cosine(0.1)``, ``-t + 1``,
      ``-exp(-t)``), unless that name, dashed once, is an option: ``-steps`` is a typo for ``--steps``.
    - After ``--`` every token is a spec or a parameter option.
    """
    ours: list[str] = []
    theirs: list[str] = []
    mistyped: str | None = None
    tokens = list(args)
    while tokens:
        token = tokens.pop(0)
        if token == "--":
            theirs += tokens
            break
        if token.startswith("--"):
            name, attached, _ = token.partition("=")
            if name in own:
                ours.append(token)
                if own[name] and not attached and tokens:
                    ours.append(tokens.pop(0))
            else:
                theirs.append(token)
                if not attached and tokens and tokens[0] not in own and takes_next(token, tokens[0]):
                    theirs.append(tokens.pop(0))
        elif _is_short_option(token, own):
            ours.append(token)
            if len(token) == 2 and own[token] and tokens:
                ours.append(tokens.pop(0))
        else:
            found = _DASHED_NAME.fullmatch(token)
            if mistyped is None and found and _is_option_name(found[1], own):
                mistyped = found[1]
            theirs.append(token)
    return ours + (["--", *theirs] if theirs else []), mistyped


def _is_short_option(token: str, own: Mapping[str, bool]) -> bool:
    """Whether ``token`` is a short option of the command, alone or with its value attached: ``-n``,
    ``-n5``, but not ``-noam(…)`` or ``-h(…)``, where a longer name or a spec follows the dash."""
    if token[:2] not in own or token.startswith("--"):
        return False
    return len(token) == 2 or (own[token[:2]] and not (token[2].isalpha() or token[2] == "_"))


def _is_option_name(name: str, own: Mapping[str, bool]) -> bool:
    """Whether ``--name`` is an option: the command's, or the parameter of a schedule."""
    return f"--{name}" in own or name.replace("-", "_") in _parameter_names()


@functools.cache
def _parameter_names() -> frozenset[str]:
    return frozenset(p.name for dialect in ("", *dialects()) for e in entries(dialect) for p in e.params)


def _complete(incomplete: str) -> Iterator[str]:
    for dialect in ("", *dialects()):
        for entry in entries(dialect):
            if entry.name.startswith(incomplete):
                yield entry.name


Specs = Annotated[
    list[str] | None,
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
LogOption = Annotated[
    Path | None,
    typer.Option(
        "--log",
        metavar="PATH",
        help="A training log: trainer_state.json, TensorBoard events (a file or folder), Lightning's "
        "metrics.csv, or any CSV with a step and a rate column.",
        rich_help_panel="Log",
    ),
]
LogColumnOption = Annotated[
    str | None,
    typer.Option(
        "--log-column",
        metavar="NAME",
        help="The log's rate column or tag (default: found).",
        rich_help_panel="Log",
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
        min=-LARGEST_COUNT,
        max=LARGEST_COUNT,
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
    flags = [meta["flag"] or f"--{name.replace('_', '-')}", *([meta["short"]] if meta["short"] else [])]
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
                values["look"] = looks_given({name: values.pop(name) for name in LOOKS})
            command(settings=settings, **values)

        parameters = own + extra
        given.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        given.__annotations__ = {p.name: p.annotation for p in parameters}
        return given

    return decorate


def _in_panel(option: Any, panel: str) -> Any:
    option.rich_help_panel = panel
    return option
