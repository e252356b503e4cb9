"""The command line: a thin layer that reads options, calls the library and reports its errors.

Bad input ends with one line on stderr and exit status 2; a file that cannot be written, with exit
status 1 and no partial file. matplotlib is imported only by the commands that draw (plot, compare,
gallery), and yaml only when a config is read.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import io
import os
import re
import sys
import typing
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import IO, Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.text import Text

from lrviz import interrupts
from lrviz.errors import LrvizError, SpecError, WriteError, close_names
from lrviz.evaluation.lineup import Item, NoRunLength, expand, run_length, set_params
from lrviz.evaluation.lineup import evaluate as evaluate_lineup
from lrviz.evaluation.run import Curves, Run, reacts_to_metric
from lrviz.evaluation.stats import checkpoints
from lrviz.io import examples
from lrviz.io.config import LAYOUTS, RUN_KEYS, Config, is_config, locate, parse_size
from lrviz.io.config import load as load_config
from lrviz.io.files import check_suffix, ensure_disk_space, remove_temporaries, write_atomically
from lrviz.io.metric import MetricError, describe_nonfinite
from lrviz.io.settings import RunSettings
from lrviz.language.catalogue import dialects, entries, lookup
from lrviz.language.options import FALSE, TRUE, is_flag, params_named, sweep_values, unknown_option
from lrviz.language.parser import parse
from lrviz.language.tree import checked
from lrviz.limits import STEP_LIMIT, excerpt
from lrviz.progress import listening
from lrviz.render.gallery import EXAMPLE_STEPS, example_options
from lrviz.schedules.entry import Entry
from lrviz.version import __version__


class _Command(typer.core.TyperCommand):
    """A command whose help reads as people write it: ``SPEC...`` in the usage line, a metavar after
    every option that takes a value (``N``, ``TEXT``, ``FILE``) and nothing after a flag."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        arguments = [p for p in self.get_params(ctx) if p.param_type_name == "argument"]
        return [self.options_metavar or "[OPTIONS]", *(_metavar(p) for p in arguments)]

    def get_params(self, ctx: Any) -> list[Any]:
        return [_plain_help(param) for param in super().get_params(ctx)]


class _Group(typer.core.TyperGroup):
    """The top-level command, with the same help style as its commands."""

    def get_params(self, ctx: Any) -> list[Any]:
        return [_plain_help(param) for param in super().get_params(ctx)]


_METAVARS = {int: "N", float: "X", Path: "FILE"}
"""The metavar of an option that takes a value, by its type (else ``TEXT``)."""


def _metavar(argument: Any) -> str:
    name = str(argument.metavar or argument.name or "")
    return name if name.endswith("...") or argument.nargs == 1 else f"{name}..."


def _plain_help(param: Any) -> Any:
    """A parameter shown without typer's type names (``<bool>``, ``<int range> [x>=1]``)."""
    if param.param_type_name == "argument":
        param.display_type_rich = lambda ctx: None  # its name (SPEC...) says what it takes
    elif param.param_type_name == "option":
        if param.metavar is None:
            param.metavar = "" if param.is_flag else _METAVARS.get(param.type_descriptor.annotation, "TEXT")
        param._get_number_range_help_str = lambda: None  # each option's help says its range
    return param


app = typer.Typer(
    cls=_Group,
    name="lrviz",
    help="See a learning-rate schedule before you train with it.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)
SPEC_COMMAND = {"allow_extra_args": True, "ignore_unknown_options": True}
PLOT_SUFFIXES = (".png", ".svg", ".pdf")
EXPORT_SUFFIXES = (".csv", ".json")
RUN_OPTIONS = (*RUN_KEYS, "resume_at", "dtype", "step_limit")


def _complete(incomplete: str) -> Iterator[str]:
    for dialect in ("", *dialects()):
        for entry in entries(dialect):
            if entry.name.startswith(incomplete):
                yield entry.name


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lrviz {__version__}")
        raise typer.Exit()


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
StepsOption = Annotated[
    int | None, typer.Option("--steps", "-n", min=1, help="Run length in steps.", rich_help_panel="Run")
]
EpochsOption = Annotated[
    int | None, typer.Option("--epochs", "-e", min=1, help="Run length in epochs.", rich_help_panel="Run")
]
PerEpochOption = Annotated[
    int | None,
    typer.Option("--steps-per-epoch", min=1, help="Steps in an epoch (default 1).", rich_help_panel="Run"),
]


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
        help="Checkpoints to report: steps (-1 the last) or percentages, e.g. 0,25%,-1.",
        rich_help_panel="Statistics",
    ),
]
LogyOption = Annotated[
    bool | None, typer.Option("--logy/--no-logy", help="Log-scale rate axis.", rich_help_panel="Look")
]
TitleOption = Annotated[str | None, typer.Option(help="Plot title.", rich_help_panel="Look")]
DpiOption = Annotated[
    int | None, typer.Option(min=10, max=2400, help="PNG resolution (default 150).", rich_help_panel="Look")
]
SizeOption = Annotated[
    str | None,
    typer.Option(help="Figure size in inches, WxH (default 7x4).", metavar="WxH", rich_help_panel="Look"),
]
StyleOption = Annotated[
    str | None,
    typer.Option(
        metavar="NAME",
        help="dark, paper or a matplotlib style (default: matplotlib's).",
        rich_help_panel="Look",
    ),
]
LayoutOption = Annotated[
    str | None,
    typer.Option(
        metavar="overlay|grid",
        help="overlay: every curve on one axes; grid: a panel per schedule (default: panels for sweeps "
        "of several schedules).",
        rich_help_panel="Look",
    ),
]
StatsOption = Annotated[
    bool | None,
    typer.Option("--stats/--no-stats", help="Peak, mean and final in the legend.", rich_help_panel="Look"),
]
PreviewOption = Annotated[
    bool, typer.Option(help="Also draw the plot in the terminal (when it is one).", rich_help_panel="Output")
]


DtypeOption = Annotated[
    str,
    typer.Option(
        "--dtype",
        metavar="float64|float32",
        help="float64, or float32 for the rates a float32 framework holds.",
        rich_help_panel="Run",
    ),
]


DatasetOption = Annotated[
    int | None, typer.Option(min=1, help="Samples in the dataset (with --batch-size).", rich_help_panel="Run")
]
BatchOption = Annotated[
    int | None, typer.Option(min=1, help="Samples a batch on each device.", rich_help_panel="Run")
]
DropLastOption = Annotated[
    bool | None,
    typer.Option("--drop-last", help="The DataLoader drops a partial last batch.", rich_help_panel="Run"),
]
AccumOption = Annotated[
    int | None, typer.Option(min=1, help="Batches accumulated into an update.", rich_help_panel="Run")
]
DevicesOption = Annotated[
    int | None, typer.Option(min=1, help="Data-parallel devices.", rich_help_panel="Run")
]
StepOnOption = Annotated[
    str | None,
    typer.Option(
        metavar="update|epoch",
        help="update (default), or epoch: every schedule steps once an epoch.",
        rich_help_panel="Run",
    ),
]
MetricOption = Annotated[
    str | None,
    typer.Option(
        metavar="FILE|synthetic",
        help="The metric for feedback schedules: a CSV file, or synthetic.",
        rich_help_panel="Metric",
    ),
]
MetricColumnOption = Annotated[
    str | None,
    typer.Option(metavar="NAME", help="The metric's column (default: the last).", rich_help_panel="Metric"),
]
StepLimitOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        metavar="N",
        help=f"The longest run accepted, in steps (default {STEP_LIMIT:,}).",
        rich_help_panel="Run",
        show_default=False,
    ),
]
ResumeOption = Annotated[
    int | None,
    typer.Option(
        help="Mark a resume at this step and the rate a restarted run continues with.", rich_help_panel="Run"
    ),
]


RUN_OPTIONS_OF_COMMANDS = {
    "steps": (StepsOption, None),
    "epochs": (EpochsOption, None),
    "steps_per_epoch": (PerEpochOption, None),
    "dtype": (DtypeOption, "float64"),
    "dataset_size": (DatasetOption, None),
    "batch_size": (BatchOption, None),
    "drop_last": (DropLastOption, None),
    "grad_accum": (AccumOption, None),
    "devices": (DevicesOption, None),
    "step_on": (StepOnOption, None),
    "metric": (MetricOption, None),
    "metric_column": (MetricColumnOption, None),
    "step_limit": (StepLimitOption, None),
}
"""The run options, each with its annotation and default: the fields of :class:`RunSettings`."""
NO_RUN = RunSettings()


def run_options(*leave_out: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the run options (all but ``leave_out``): it receives them as ``settings``, one
    :class:`RunSettings`, and the command line sees them as options of their own."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(command).parameters.values()
            if p.name != "settings"
        ]
        options = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, (annotation, default) in RUN_OPTIONS_OF_COMMANDS.items()
            if name not in leave_out
        ]

        @functools.wraps(command)
        def with_settings(**given: Any) -> None:
            settings = RunSettings(**{p.name: given.pop(p.name) for p in options})
            command(settings=settings, **given)

        parameters = own + options
        with_settings.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        with_settings.__annotations__ = {p.name: p.annotation for p in parameters}
        return with_settings

    return decorate


def _look(
    logy: bool | None,
    title: str | None,
    dpi: int | None,
    size: str | None,
    style: str | None,
    layout: str | None,
    stats: bool | None,
) -> dict[str, Any]:
    """Plot settings given on the command line (``None`` where not given), checked before any work."""
    if layout is not None and layout not in LAYOUTS:
        raise LrvizError(f"--layout is overlay or grid, got {excerpt(layout)}")
    figure_size = parse_size(size) if size is not None else None
    return {
        "title": title,
        "logy": logy,
        "size": figure_size,
        "dpi": dpi,
        "style": style,
        "layout": layout,
        "stats": stats,
    }


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """See a learning-rate schedule before you train with it.

    Row t of every output is the rate used for update t, counting from 0.
    """


def _split(tokens: Sequence[str]) -> tuple[list[str], list[tuple[str, str | None]]]:
    """Separate spec texts (or a config file) from ``--name value`` parameter options."""
    specs: list[str] = []
    options: list[tuple[str, str | None]] = []
    tokens = list(tokens)
    while tokens:
        token = tokens.pop(0)
        if not (token.startswith("--") and len(token) > 2):
            specs.append(token)
            continue
        name, has_value, value = token[2:].partition("=")
        name = name.replace("-", "_")
        if not has_value:
            takes_next = bool(tokens) and not tokens[0].startswith("--")
            if takes_next and is_flag(name) and tokens[0].lower() not in TRUE + FALSE:
                takes_next = False
            options.append((name, tokens.pop(0) if takes_next else None))
        else:
            options.append((name, value))
    return specs, options


def _lineup(
    tokens: Sequence[str],
    run: RunSettings,
    at: str | None,
    resume_at: int | None = None,
) -> tuple[Curves, str, Config | None]:
    """Parse the specs or load the config, set options, expand sweeps, size the run and evaluate.

    Returns the curves, a name for default output files and the config, if one was given.
    """
    texts, options = _split(tokens)
    given_metric = run.metric
    config: Config | None = None
    if any(is_config(text) for text in texts):
        if len(texts) > 1:
            raise LrvizError("give one config file, or specs, not both")
        path = locate(texts[0])
        assert path is not None
        config = load_config(path, run.per_epoch())
        items, sweeps = list(config.items), list(config.sweeps)
        name = path.stem
        run = run.over(config.run)
    elif texts:
        per_epoch = run.per_epoch()
        constants = {"E": float(per_epoch)} if per_epoch is not None else {}
        items = [Item(text.strip(), parse(text, constants, complete=False)) for text in texts]
        sweeps = []
        name = _slug(texts)
    else:
        raise SpecError("give at least one schedule, such as 'cosine(0.1)' (see 'lrviz list')")
    specs = [item.spec for item in items]
    seen: set[str] = set()
    for option, raw in options:
        flag = f"--{option.replace('_', '-')}"
        if option in seen:
            raise SpecError(f"{flag} is given twice")
        seen.add(option)
        params = params_named(specs, option)
        if not params:
            raise SpecError(unknown_option(option, specs, RUN_OPTIONS))
        values = sweep_values(params[0], raw, flag)
        if len(values) > 1:
            sweeps = [s for s in sweeps if s[0] != option] + [(option, values)]
            continue
        sweeps = [s for s in sweeps if s[0] != option]
        items = set_params(items, {option: values[0]})
        if config is None:  # a spec's label is its text: show what the option made of it
            items = [replace(item, label=item.spec.render()) for item in items]
    for item in items:  # complete now: options have had their say
        try:
            checked(item.spec)
        except SpecError as error:
            if config is None:
                raise
            raise SpecError(f"{config.where('schedules', item.label)}: {error}") from None
    items = expand(items, sweeps)
    for item in items:
        checked(item.spec)
    try:
        length = run.run(None if run.steps is not None or run.epochs is not None else run_length(items))
    except MetricError as error:  # a metric the config names is told at its key
        if config is None or config.run.metric is None or given_metric is not None:
            raise
        raise MetricError(f"{config.where('metric')}: {error}") from None
    if resume_at is not None and not 0 <= resume_at < length.steps:
        raise LrvizError(f"--resume-at {resume_at} is not a step of this {length.steps}-step run")
    points = at if at is not None else (config.checkpoints if config else None)
    if length.metric is not None and (note := describe_nonfinite(length.metric)) is not None:
        _say(f"note: {note}")
    found = checkpoints(points, length.steps, length.steps_per_epoch) if points else []
    curves = evaluate_lineup(items, length, found)
    return replace(curves, resume_at=resume_at), name, config


def _slug(texts: Sequence[str]) -> str:
    slug = "_".join(re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") for text in texts)
    return slug[:80].strip("-_.") or "schedule"


def _write(path: Path, write: Any, *, binary: bool = False) -> None:
    """Write ``path`` whole or not at all (:func:`lrviz.io.files.write_atomically`); a failure is a
    :class:`WriteError` (exit status 1) that names the path."""
    try:
        write_atomically(path, write, binary=binary)
    except OSError as error:
        reason = error.strerror or str(error)
        raise WriteError(f"cannot write {excerpt(str(path))}: {_one_line(reason)}") from None


def _csv_bytes(curves: Curves) -> int:
    """About the bytes of a CSV export of ``curves``: each row its step and 24 characters a column."""
    from lrviz.io.export import header

    steps = curves.run.steps
    return steps * (len(str(steps)) + 1 + (len(header(curves)) - 1) * 24)


def _stdout(piped_width: int = 100_000) -> Console:
    """Standard output, once any progress bar is cleared: a terminal's width, or ``piped_width``
    when piped (by default unlimited: nothing wraps)."""
    _BAR.close()
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=piped_width)
    return console


def _say(text: str) -> None:
    """A line on standard error (``wrote FILE``, a note), as it is: never wrapped, never markup."""
    _BAR.close()
    sys.stderr.write(text + "\n")


def _width(console: Console) -> int | None:
    """The width tables must fit in: a terminal's; none when piped (nothing wraps there)."""
    return console.width if console.is_terminal else None


def _plotting() -> ModuleType:
    """The plotting module, or the environment setting that keeps matplotlib from loading."""
    try:
        from lrviz.render import plot
    except ValueError:
        backend = os.environ.get("MPLBACKEND")
        if backend is None:
            raise
        raise LrvizError(
            f"MPLBACKEND={excerpt(backend)} is not a backend matplotlib knows: unset it (lrviz draws "
            "without one)"
        ) from None
    return plot


def _draw(curves: Curves, config: Config | None, path: Path, look: dict[str, Any], preview: bool) -> None:
    """Write the plot of ``curves`` to ``path``, with the config's plot settings under ``look``'s."""
    plotting = _plotting()
    given = {k: v for k, v in look.items() if v is not None}
    try:
        style = plotting.Style(**{**(config.plot if config else {}), **given})
    except plotting.StyleError as error:
        if config is None or error.key in given or error.key not in config.plot:
            raise
        raise LrvizError(f"{config.where('plot', error.key)}: {error}") from None
    for s in curves.series:
        where = config.where("schedules", s.label.split(", ")[0]) if config else s.label
        plotting.check_look(s.look.color, s.look.linestyle, where)
    _write(path, lambda file: plotting.save(curves, file, path.suffix.lower(), style), binary=True)
    console = _stdout()
    if preview and console.is_terminal:
        from lrviz.render.preview import render

        colored = console.color_system is not None and not console.no_color
        console.print(render(curves, width=min(console.width, 120), logy=style.logy, color=colored))
    _say(f"wrote {path}")


@app.command(cls=_Command, context_settings=SPEC_COMMAND)
@run_options()
def plot(
    specs: Specs,
    output: OutputImage = None,
    settings: RunSettings = NO_RUN,
    resume_at: ResumeOption = None,
    logy: LogyOption = None,
    title: TitleOption = None,
    dpi: DpiOption = None,
    size: SizeOption = None,
    style: StyleOption = None,
    layout: LayoutOption = None,
    stats: StatsOption = None,
    preview: PreviewOption = True,
) -> None:
    """Plot schedules (or a config) to an image; several specs overlay.

    [dim]lrviz plot cosine --max-lr 0.1 --epochs 100[/]
    """
    if output is not None:
        check_suffix(output, PLOT_SUFFIXES)
    look = _look(logy, title, dpi, size, style, layout, stats)
    curves, name, config = _lineup(specs, settings, None, resume_at)
    _draw(curves, config, output or Path(name + ".png"), look, preview)


@app.command(cls=_Command, context_settings=SPEC_COMMAND)
@run_options()
def compare(
    ctx: typer.Context,
    config_file: Annotated[
        Path,
        typer.Argument(
            metavar="CONFIG", help="A config file, or the name of one lrviz ships: see the README."
        ),
    ],
    output: OutputImage = None,
    settings: RunSettings = NO_RUN,
    resume_at: ResumeOption = None,
    at: AtOption = None,
    logy: LogyOption = None,
    title: TitleOption = None,
    dpi: DpiOption = None,
    size: SizeOption = None,
    style: StyleOption = None,
    layout: LayoutOption = None,
    stats: StatsOption = None,
    preview: PreviewOption = True,
) -> None:
    """Draw every schedule of a config and print their statistics side by side."""
    from lrviz.render.table import comparison

    if not is_config(str(config_file)):
        raise LrvizError(
            f"compare takes a config file ending in .yaml or .yml, or the name of one lrviz ships "
            f"({', '.join(p.stem for p in examples.configs())}), got {excerpt(str(config_file))}"
        )
    if output is not None:
        check_suffix(output, PLOT_SUFFIXES)
    look = _look(logy, title, dpi, size, style, layout, stats)
    curves, name, config = _lineup([str(config_file), *ctx.args], settings, at, resume_at)
    console = _stdout()
    for part in comparison(curves, plain=not console.is_terminal, width=_width(console)):
        console.print(part)
    _draw(curves, config, output or Path(name + ".png"), look, preview)


@app.command(cls=_Command, context_settings=SPEC_COMMAND)
@run_options()
def table(
    specs: Specs,
    settings: RunSettings = NO_RUN,
    resume_at: ResumeOption = None,
    at: AtOption = None,
    every: Annotated[
        int | None, typer.Option(min=1, help="A row every K steps.", rich_help_panel="Rows")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="A row for every step.", rich_help_panel="Rows")
    ] = False,
) -> None:
    """Print the rates at evenly spread steps and key points, with a summary of each schedule."""
    from lrviz.render.table import build, preamble, row_steps

    curves, _, _ = _lineup(specs, settings, at, resume_at)
    console = _stdout()
    rows = row_steps(curves, every=every, show_all=show_all)
    if (derivation := preamble(curves)) is not None:
        console.print(derivation, style="dim")
    for part in build(curves, rows, plain=not console.is_terminal, width=_width(console)):
        console.print(part)


@app.command(cls=_Command, context_settings=SPEC_COMMAND)
@run_options()
def export(
    specs: Specs,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write, .csv or .json (default: standard output).",
            rich_help_panel="Output",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="csv|json",
            help="csv or json (default: from the file, else csv).",
            rich_help_panel="Output",
        ),
    ] = None,
    settings: RunSettings = NO_RUN,
    at: AtOption = None,
) -> None:
    """Write the rate at every step as CSV or JSON: exact values, one column per schedule."""
    from lrviz.io.export import FORMATS, WRITERS

    if format is not None and format.lower() not in FORMATS:
        raise LrvizError(f"--format is csv or json, got {excerpt(format)}")
    chosen = format.lower() if format else None
    if output is not None:
        chosen = chosen or check_suffix(output, EXPORT_SUFFIXES).lstrip(".")
    curves, _, _ = _lineup(specs, settings, at)
    writer = WRITERS[chosen or "csv"]
    if output is None:
        writer(curves, sys.stdout)
    else:
        if chosen == "csv":
            ensure_disk_space(output, _csv_bytes(curves), "shorten the run (--steps) or write it elsewhere")
        _write(output, lambda file: writer(curves, file))


@app.command(cls=_Command)
def gallery(
    out: Annotated[Path, typer.Option("--out", metavar="FOLDER", help="Folder for the images.")] = Path(
        "gallery"
    ),
    configs: Annotated[
        Path | None,
        typer.Option("--configs", metavar="FOLDER", help="Folder of configs to draw (default: lrviz's own)."),
    ] = None,
) -> None:
    """Draw every built-in schedule (its example) and every config of a folder, as SVG files."""
    from lrviz.render.gallery import render_all

    _plotting()
    if configs is not None and not configs.is_dir():
        raise LrvizError(f"--configs {excerpt(str(configs))} is not a folder of configs")
    written = render_all(out, configs or examples.folder(), _write)
    _say(f"wrote {len(written)} images to {out}")


@app.command(cls=_Command, context_settings=SPEC_COMMAND)
@run_options()
def check(
    specs: Specs,
    settings: RunSettings = NO_RUN,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="CODE", help="A finding's code to leave out (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The findings as JSON, for tools.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Notes count as problems too.")] = False,
) -> None:
    """Find the classic schedule mistakes: exit 0 when clean, 1 for an error or a warning."""
    import json

    from rich.markup import escape

    from lrviz.tools.check import NAMES, counts, overrun
    from lrviz.tools.check import check as find

    unknown = [code for code in ignore or [] if code.upper() not in NAMES]
    if unknown:
        codes = ", ".join(sorted(NAMES))
        raise LrvizError(f"--ignore takes a finding's code ({codes}), got {excerpt(unknown[0])}")
    skipped = {code.upper() for code in ignore or []}
    try:
        curves, _, _ = _lineup(specs, settings, None)
        findings = find(curves, skipped)
    except SpecError as error:
        if error.code != "L005":
            raise
        findings = [] if "L005" in skipped else [overrun(" ".join(specs), str(error))]
    failed = any(counts(f, strict) for f in findings)
    if as_json:
        data = {"findings": [f.to_data() for f in findings], "problems": failed}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        console = _stdout()
        for f in findings:
            where = f" at step {f.step}" if f.step is not None else ""
            text = f"{f.label}{where}: {f.message}; fix: {f.fix}"
            console.print(f"[bold]{f.code}[/] {f.severity} {f.name} in {escape(text)}", soft_wrap=True)
        if not failed:
            console.print("no problems found" + (" (notes count with --strict)" if findings else ""))
    if failed:
        raise typer.Exit(1)


@app.command(cls=_Command, context_settings=SPEC_COMMAND)
@run_options("dtype", "metric", "metric_column")
def code(
    specs: Specs,
    to: Annotated[
        str, typer.Option("--to", metavar="torch|hf|optax|keras", help="The framework to write code for.")
    ],
    settings: RunSettings = NO_RUN,
) -> None:
    """Print code that builds the schedule in a framework, giving exactly the rates lrviz draws."""
    from lrviz.tools.code import target_named, training_code

    target_named(to)  # before any work
    # the code does not depend on the metric: a synthetic one lets feedback schedules be checked
    settings = replace(settings, metric="synthetic")
    try:
        curves, _, _ = _lineup(specs, settings, None)
        given: Run | None = curves.run
    except NoRunLength:  # a framework's own call needs no run length: check it over an example run
        curves, _, _ = _lineup(specs, replace(settings, steps=EXAMPLE_STEPS), None)
        given = None
    if len(curves.series) != 1:
        raise LrvizError(f"lrviz code writes one schedule, got {len(curves.series)}")
    spec = curves.series[0].spec
    sys.stdout.write(training_code(spec, given, to, feedback=reacts_to_metric(spec)))


@app.command("list", cls=_Command)
def list_(
    markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table, as in the README.")] = False,
    dialect: Annotated[
        str, typer.Option("--dialect", metavar="NAME", help="A framework's schedules instead: torch, hf, …")
    ] = "",
) -> None:
    """List every built-in schedule (or a framework dialect's) with its family and parameters."""
    from rich.table import Table

    from lrviz.tools.describe import family, parameters
    from lrviz.tools.describe import markdown as markdown_table

    if dialect and dialect not in dialects():
        raise LrvizError(f"--dialect is one of {', '.join(dialects())}, got {excerpt(dialect)}")
    if markdown:
        sys.stdout.write(markdown_table(dialect))
        return
    console = _stdout(piped_width=100)
    listing = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("schedule", "family", "parameters", "what it does"):
        listing.add_column(column, overflow="fold")
    for entry in entries(dialect):
        cells = (entry.name, family(entry), parameters(entry), entry.summary)
        listing.add_row(*(Text(cell, style="bold" if cell is entry.name else "") for cell in cells))
    console.print(listing)
    console.print(
        "\nCustom schedules are expressions in t (the step) and T (the horizon), such as "
        "[bold]0.1 * 0.95 ** t[/]; [bold]a >> b[/] runs b after a. 'lrviz describe NAME' tells more."
    )


@app.command(cls=_Command)
def describe(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A schedule name.", autocompletion=_complete)],
) -> None:
    """Explain one schedule: its formula, parameters, an example and the framework schedules it matches."""
    try:
        entry = lookup(name)
    except KeyError as error:
        close = error.args[0] or close_names(name, [e.name for e in entries()])
        hint = f"; did you mean {close[0]!r}?" if close else " (see 'lrviz list')"
        raise LrvizError(f"unknown schedule {excerpt(name)}{hint}") from None
    _stdout().print(_description(entry), markup=False)


def _description(entry: Entry) -> str:
    from lrviz.tools.describe import family

    lines = [f"{entry.signature_text()}", "", entry.summary, "", entry.doc.formula, "", "Parameters:"]
    width = max(len(p.name) for p in entry.params) + 1 if entry.params else 0
    for p in entry.params:
        default = "required" if p.required else f"default {p.signature_text().partition('=')[2]}"
        if p.variadic:
            default = "any number"
        unit = f" [{p.unit}]" if p.unit else ""
        lines.append(f"  {p.name.ljust(width)} {p.description}{unit} ({default})")
    lines += ["", f"Family: {family(entry)}"]
    if entry.doc.example:
        lines += ["", "Example:", f'  lrviz plot "{entry.doc.example}" {example_options(entry)}']
    if entry.matches:
        lines += ["", "Matches:", *(f"  {m}" for m in entry.matches)]
    if entry.doc.notes:
        lines += ["", "Notes:", *(f"  {line}" for line in entry.doc.notes.splitlines())]
    return "\n".join(lines)


class _ProgressBar:
    """The progress long work reports (a long run's chunks, a large export, the gallery), drawn on
    standard error when it is a terminal: started by the first report, so that a command with nothing
    to report writes nothing there, and closed before anything else is printed."""

    def __init__(self, console: Callable[[], Console] = lambda: Console(stderr=True)) -> None:
        self._console = console
        self._progress: Any = None
        self._task: Any = None

    @contextlib.contextmanager
    def listening(self) -> Iterator[None]:
        """Show the reports made inside the block, then close the bar."""
        try:
            with listening(self.show):
                yield
        finally:
            self.close()

    def show(self, what: str, done: int, total: int) -> None:
        if self._progress is None:
            console = self._console()
            if not console.is_terminal:
                return
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
            )
            self._progress = Progress(*columns, console=console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(what, total=total)
        if self._progress.tasks[0].description != what:
            self._progress.reset(self._task, description=what)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        """Clear the bar off the terminal, if there is one."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


_BAR = _ProgressBar()


def run(argv: Sequence[str] | None = None, *, stderr: IO[str] | None = None) -> int:
    """Run the command line on ``argv`` and return its exit status.

    Every failure ends as one line on ``stderr``, never a traceback: bad input with status 2, a file or
    standard output that cannot be written with 1, anything else as an internal error with 1
    (``LRVIZ_DEBUG=1`` raises it instead, for its traceback). A pipe closed early (``| head``) ends
    quietly with 1. Standard output is flushed here, so that its failures are reported here; after one,
    its file descriptor points at /dev/null, so that the interpreter's final flush cannot fail again.
    :class:`~lrviz.interrupts.Interrupted` goes through (see :func:`main`).
    """
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    prefix = _prefix(args)
    stdout = sys.stdout
    for stream in (stdout, err):  # a terminal that cannot show ≥ or … gets ? instead of an error
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    sys.stdout = typing.cast(typing.TextIO, _GuardedStdout(stdout if stdout is not None else _ClosedStdout()))
    try:
        status = _dispatch(args, prefix, err)
        sys.stdout.flush()
        return status
    except _StdoutFailed as failed:
        _silence(stdout)
        if not isinstance(failed.error, BrokenPipeError):
            reason = failed.error.strerror or str(failed.error)
            err.write(f"{prefix}: cannot write to standard output: {_one_line(reason)}\n")
        return 1
    finally:
        sys.stdout = stdout


def _dispatch(args: list[str], prefix: str, err: IO[str]) -> int:
    """Run the app on ``args``, turning each kind of failure into its one line on ``err`` and its exit
    status."""
    command = _command(args)
    try:
        with _BAR.listening():
            result = app(args=args, prog_name="lrviz", standalone_mode=False)
    except LrvizError as error:
        err.write(f"{prefix}: {_one_line(str(error))}\n")
        return 2
    except WriteError as error:
        err.write(f"{prefix}: {_one_line(str(error))}\n")
        return 1
    except typer.TyperException as error:
        message = error.format_message()
        if type(error).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(message + "\n")
            return 0
        err.write(f"{prefix}: {_one_line(message)} (see 'lrviz {command} --help')\n".replace("  ", " "))
        return getattr(error, "exit_code", 2)
    except typer.Abort:
        err.write("lrviz: aborted\n")
        return 1
    except typer.Exit as ended:
        return ended.exit_code
    except _StdoutFailed:
        raise
    except Exception as error:  # the last resort: a bug, or MemoryError, RecursionError
        if os.environ.get("LRVIZ_DEBUG", "") not in ("", "0"):
            raise
        err.write(f"{prefix}: {_internal(error)}\n")
        return 1
    return result if isinstance(result, int) else 0


INTERNAL_MESSAGE = 200
"""Characters of an internal error's own message that its line shows at most."""


def _internal(error: Exception) -> str:
    """The line for an exception lrviz did not expect: its type and message, and how to see more."""
    text = _one_line(str(error))
    if len(text) > INTERNAL_MESSAGE:
        text = text[: INTERNAL_MESSAGE - 1] + "…"
    what = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return f"internal error: {what} (please report it; LRVIZ_DEBUG=1 shows the traceback)"


def _command(args: Sequence[str]) -> str:
    return next((a for a in args if not a.startswith("-")), "")


def _prefix(args: Sequence[str]) -> str:
    """What every message starts with: ``lrviz COMMAND``, or ``lrviz`` before a command is known."""
    command = _command(args)
    commands = {c.name or getattr(c.callback, "__name__", "") for c in app.registered_commands}
    return f"lrviz {command}" if command in commands else "lrviz"


class _StdoutFailed(Exception):
    """Standard output could not be written or flushed; ``error`` says why."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _GuardedStdout:
    """Standard output that reports a failure to write or flush as :class:`_StdoutFailed`, whoever
    writes (rich, typer, an exporter): so that :func:`run` tells it from any other ``OSError``, and no
    library on the way (click, rich) turns it into an exit of its own.

    A long text is written in pieces of :data:`PIECE` characters: CPython (3.11) can report one large
    write to a pipe closed part-way through as a success, the rest lost; pieces that fit its buffer
    are written whole or fail."""

    PIECE = 8192

    def __init__(self, stream: IO[str] | io.TextIOBase) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            if len(text) <= self.PIECE:
                return self._stream.write(text)
            for start in range(0, len(text), self.PIECE):
                self._stream.write(text[start : start + self.PIECE])
        except OSError as error:
            raise _StdoutFailed(error) from error
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _StdoutFailed(error) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStdout(io.TextIOBase):
    """Standard output when there is none (its descriptor closed: ``>&-``): every write fails."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def _silence(stream: IO[str] | None) -> None:
    """Point the file descriptor under ``stream`` (if it has one) at /dev/null: what is left in its
    buffer goes nowhere, and the interpreter's final flush cannot fail again."""
    if stream is None:
        return
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    """The ``lrviz`` command: :func:`run`, ended cleanly by SIGINT (Ctrl-C), SIGTERM or SIGHUP.

    The first of those signals raises :class:`~lrviz.interrupts.Interrupted` wherever the work is, and
    the cleanup on its way out removes the temporary file being written (an earlier output file is
    untouched); then any temporary file still recorded is removed (the signal came between two steps),
    one line says ``interrupted`` and the exit status is 128 + the signal's number: 130, 143, 129. A
    second signal during that cleanup removes them at once and exits (:func:`_stop_now`).
    """
    interrupts.install(_stop_now)
    try:
        try:
            status = run()
        finally:
            interrupts.ignore()
    except interrupts.Interrupted as interrupted:
        status = interrupted.status
        try:
            if sys.stdout is not None:
                sys.stdout.flush()
        except OSError:
            _silence(sys.stdout)
        sys.stderr.write(f"{_prefix(sys.argv[1:])}: interrupted\n")
    remove_temporaries()
    sys.exit(status)


def _stop_now(status: int) -> None:
    """A second signal while the first is being handled: remove every temporary file, say so and exit
    at once with ``status`` (the first signal's)."""
    remove_temporaries()
    with contextlib.suppress(OSError):
        os.write(2, f"{_prefix(sys.argv[1:])}: interrupted\n".encode())
    os._exit(status)
