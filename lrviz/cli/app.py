"""The command line: it parses arguments, calls the library, prints, and turns errors into messages.

Bad input ends with one line on stderr and exit status 2; a file that cannot be written, with exit
status 1 and no partial file. matplotlib is imported only by the commands that draw (plot, compare,
gallery), and yaml only when a config is read.
"""

from __future__ import annotations

import errno
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lrviz import interrupts
from lrviz.cli import terminal
from lrviz.cli.help import Command, Group
from lrviz.cli.options import (
    EXPORT_SUFFIXES,
    PLOT_SUFFIXES,
    SPEC_COMMAND,
    AtOption,
    LogColumnOption,
    LogOption,
    Name,
    OutputImage,
    PreviewOption,
    ResumeOption,
    SpecCommand,
    Specs,
    with_options,
)
from lrviz.errors import LrvizError
from lrviz.evaluation.lineup import NoRunLength
from lrviz.evaluation.run import reacts_to_metric
from lrviz.io import examples
from lrviz.io.files import check_suffix, write_atomically, writing
from lrviz.io.settings import LARGEST_COUNT, RunSettings
from lrviz.limits import excerpt
from lrviz.render import plot_module
from lrviz.tools import describe as describing
from lrviz.tools.build import RUN_OPTIONS, Built, build, check_config_name, options_of
from lrviz.version import __version__

app = typer.Typer(
    cls=Group,
    name="lrviz",
    help="See a learning-rate schedule before you train with it.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)
NO_RUN = RunSettings()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lrviz {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """See a learning-rate schedule before you train with it.

    Row t of every output is the rate used for update t, counting from 0.
    """


def _built(
    tokens: Sequence[str], settings: RunSettings, at: str | None = None, resume_at: int | None = None
) -> Built:
    """The curves a command's specs (or config) and options ask for; notes go to standard error."""
    texts, options = options_of(tokens)
    built = build(texts, options, settings, at, resume_at, RUN_OPTIONS)
    for note in built.notes:
        terminal.say(note)
    return built


def _write(path: Path, write: Any, *, binary: bool = False) -> None:
    with writing(path):
        write_atomically(path, write, binary=binary)


def _folder(path: Path) -> None:
    """Make the folder ``path`` (and its parents) for output, before any work: a file in the way, a
    permission or a path through a file (``/dev/null/x``) is a :class:`WriteError`."""
    with writing(path):
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is not a folder", str(path))
        path.mkdir(parents=True, exist_ok=True)


def _draw(built: Built, output: Path | None, look: dict[str, Any], preview: bool, logged: Any = None) -> None:
    """Write the plot of what was built, with the config's plot settings under the command line's (and
    a training log's rates over it)."""
    plotting = plot_module()
    style = plotting.style_for(built.config, look)
    plotting.check_looks(built.curves)
    path = output or Path(built.name + ".png")
    _write(
        path, lambda file: plotting.save(built.curves, file, path.suffix.lower(), style, logged), binary=True
    )
    console = terminal.stdout()
    if preview and console.is_terminal:
        from lrviz.render.preview import render

        colored = console.color_system is not None and not console.no_color
        console.print(render(built.curves, width=min(console.width, 120), logy=style.logy, color=colored))
    terminal.say(f"wrote {path}")


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options(looks=True)
def plot(
    specs: Specs = None,
    output: OutputImage = None,
    settings: RunSettings = NO_RUN,
    look: dict[str, Any] | None = None,
    resume_at: ResumeOption = None,
    preview: PreviewOption = True,
    log: LogOption = None,
    log_column: LogColumnOption = None,
) -> None:
    """Plot schedules (or a config) to an image; several specs overlay; --log draws what a run logged
    over them, or alone.

    [dim]lrviz plot cosine --max-lr 0.1 --epochs 100[/]
    """
    if output is not None:
        check_suffix(output, PLOT_SUFFIXES)
    if log is None:
        _draw(_built(specs or [], settings, None, resume_at), output, look or {}, preview)
        return
    logged, verdict, built = _held(specs or [], settings, log, log_column)
    plotting = plot_module()
    drawn = plotting.Logged(
        logged.steps, logged.rates, log.name, verdict.first_departure if verdict else None
    )
    if built is None:
        style = plotting.style_for(None, look or {})
        path = output or Path(f"{log.stem or 'log'}.png")
        _write(path, lambda file: plotting.save(None, file, path.suffix.lower(), style, drawn), binary=True)
        terminal.say(f"wrote {path}")
        return
    _draw(built, output, look or {}, preview, drawn)


def _held(
    tokens: Sequence[str], settings: RunSettings, log: Path, column: str | None
) -> tuple[Any, Any, Any]:
    """A log read and, when specs (or a config) are given, held against them: the log, the verdict and
    the plan (sized to the log when nothing else gives its length)."""
    from lrviz.io.logs import read
    from lrviz.tools.verify import plan_of, verify

    logged = read(log, column)
    for note in logged.notes:
        terminal.say(f"note: {note}")
    if not tokens and settings.command_line is None:
        return logged, None, None
    texts, options = options_of(tokens)
    plan = plan_of(texts, options, settings, logged)
    for note in plan[0].notes:
        terminal.say(note)
    return logged, verify(texts, options, settings, logged, plan), plan[0]


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options(looks=True)
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
    look: dict[str, Any] | None = None,
    resume_at: ResumeOption = None,
    at: AtOption = None,
    preview: PreviewOption = True,
) -> None:
    """Draw every schedule of a config and print their statistics side by side."""
    from lrviz.render.table import comparison

    check_config_name(str(config_file), "compare")
    if output is not None:
        check_suffix(output, PLOT_SUFFIXES)
    built = _built([str(config_file), *ctx.args], settings, at, resume_at)
    console = terminal.stdout()
    for part in comparison(built.curves, plain=not console.is_terminal, width=terminal.width(console)):
        terminal.show(console, part)
    _draw(built, output, look or {}, preview)


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options()
def table(
    specs: Specs = None,
    settings: RunSettings = NO_RUN,
    resume_at: ResumeOption = None,
    at: AtOption = None,
    every: Annotated[
        int | None,
        typer.Option(
            min=1, max=LARGEST_COUNT, help="A row every N steps.", metavar="N", rich_help_panel="Rows"
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="A row for every step.", rich_help_panel="Rows")
    ] = False,
) -> None:
    """Print the rates at evenly spread steps and key points, with a summary of each schedule."""
    from lrviz.render.table import build as tables
    from lrviz.render.table import preamble, row_steps

    curves = _built(specs or [], settings, at, resume_at).curves
    rows = row_steps(curves, every=every, show_all=show_all)
    console = terminal.stdout()
    if (derivation := preamble(curves)) is not None:
        console.print(derivation, style="dim")
    for part in tables(curves, rows, plain=not console.is_terminal, width=terminal.width(console)):
        terminal.show(console, part)


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options()
def explore(specs: Specs = None, settings: RunSettings = NO_RUN) -> None:
    """Tune a schedule's parameters live in the terminal; on quit, print the specs as tuned.

    [dim]SPEC=$(lrviz explore "cosine(0.1, warmup=10)" --steps 1000)[/]
    """
    from lrviz.tools.explore import completed

    texts, options = options_of(specs or [])
    built = build(texts, options, settings, complete=completed)  # a bare name starts at its example
    streams = (sys.__stdin__, sys.__stderr__)  # the app reads keys from one and draws on the other
    if not all(stream is not None and stream.isatty() for stream in streams):
        raise LrvizError(
            "the app needs a terminal on standard input and standard error; use 'lrviz table' or "
            "'lrviz plot' to see a schedule without one"
        )
    try:
        from lrviz.cli.explorer import ABORTED, Explorer
    except ModuleNotFoundError as missing:
        if missing.name != "textual":
            raise
        raise LrvizError("the app needs textual, which is not installed: pip install textual") from None
    from lrviz.progress import listening
    from lrviz.tools.explore import Exploration

    explorer = Explorer(Exploration.of(built.curves, built.name, built.config), built.notes)
    with listening(lambda what, done, total: None):  # no progress bar over the app's screen
        tuned = explorer.run()
    if explorer.return_code == ABORTED:  # Ctrl+C, which the app reads as a key
        raise interrupts.Interrupted(signal.SIGINT)
    if explorer.return_code:  # a failure inside the app, which textual has shown as it closed
        raise typer.Exit(explorer.return_code)
    for spec in tuned or []:
        sys.stdout.write(spec + "\n")


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options()
def export(
    specs: Specs = None,
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
    from lrviz.io.export import FORMATS, WRITERS, size_of
    from lrviz.io.files import ensure_disk_space

    if format is not None and format.lower() not in FORMATS:
        raise LrvizError(f"--format is csv or json, got {excerpt(format)}")
    chosen = format.lower() if format else None
    if output is not None:
        chosen = chosen or check_suffix(output, EXPORT_SUFFIXES).lstrip(".")
    curves = _built(specs or [], settings, at).curves
    writer = WRITERS[chosen or "csv"]
    if output is None:
        writer(curves, sys.stdout)
        return
    ensure_disk_space(output, size_of(curves), "shorten the run (--steps) or write it elsewhere")
    _write(output, lambda file: writer(curves, file))


@app.command(cls=Command)
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

    plot_module()
    if configs is not None and not configs.is_dir():
        raise LrvizError(f"--configs {excerpt(str(configs))} is not a folder of configs")
    _folder(out)
    written = render_all(out, configs or examples.folder(), _write)
    terminal.say(f"wrote {len(written)} images to {out}")


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options()
def check(
    specs: Specs = None,
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

    from lrviz.tools.check import NAMES, counts, findings

    unknown = [code for code in ignore or [] if code.upper() not in NAMES]
    if unknown:
        raise LrvizError(
            f"--ignore takes a finding's code ({', '.join(sorted(NAMES))}), got {excerpt(unknown[0])}"
        )
    skipped = {code.upper() for code in ignore or []}
    found = findings(lambda: _built(specs or [], settings).curves, " ".join(specs or []), skipped)
    failed = any(counts(f, strict) for f in found)
    if as_json:
        sys.stdout.write(
            json.dumps({"findings": [f.to_data() for f in found], "problems": failed}, indent=2) + "\n"
        )
    else:
        console = terminal.stdout()
        for f in found:
            where = f" at step {f.step}" if f.step is not None else ""
            text = f"{f.label}{where}: {f.message}; fix: {f.fix}"
            console.print(f"[bold]{f.code}[/] {f.severity} {f.name} in {escape(text)}", soft_wrap=True)
        if not failed:
            notes = f"{len(found)} note{'s' if len(found) > 1 else ''}, " if found else ""
            console.print(f"{notes}no problems found" + (" (notes count with --strict)" if found else ""))
    if failed:
        raise typer.Exit(1)


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options()
def verify(
    specs: Specs = None,
    settings: RunSettings = NO_RUN,
    log: LogOption = None,
    log_column: LogColumnOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The verdict as JSON, for tools.")] = False,
) -> None:
    """Hold a training log against the schedule planned: exit 0 when the run did what was planned, 1
    when it departs (and why); without a plan, the spec that reproduces the log.

    [dim]lrviz verify "cosine(3e-4, warmup=100)" --steps 1000 --log trainer_state.json[/]
    """
    import json

    if log is None:
        raise LrvizError("give the run's log: --log PATH (trainer_state.json, TensorBoard events, a CSV)")
    logged, verdict, _ = _held(specs or [], settings, log, log_column)
    console = terminal.stdout()
    if verdict is None:
        from lrviz.tools.fit import fit

        found = fit(logged)
        if as_json:
            data = {"spec": found.spec, "steps": found.steps, "exact": found.exact, "error": found.error}
            sys.stdout.write(json.dumps(data, indent=2) + "\n")
        else:
            how = (
                "reproduces the log"
                if found.exact
                else f"is the closest (max error {found.error:.3g} of the peak)"
            )
            console.print(f"{escape(found.spec)}", soft_wrap=True)
            terminal.say(f"{how}, over --steps {found.steps}")
        if not found.exact:
            raise typer.Exit(1)
        return
    if as_json:
        sys.stdout.write(json.dumps(verdict.to_data(), indent=2) + "\n")
    else:
        if verdict.match:
            rates = "rate is" if verdict.compared == 1 else f"{verdict.compared:,} rates are"
            console.print(f"match: the log's {rates} the plan's ({logged.convention})")
        else:
            console.print(
                f"departs at update {verdict.first_departure:,} ({logged.convention})", soft_wrap=True
            )
        for finding in verdict.findings:
            console.print(f"[bold]{finding.code}[/]: {escape(finding.detail)}", soft_wrap=True)
    if not verdict.match:
        raise typer.Exit(1)


@app.command(cls=SpecCommand, context_settings=SPEC_COMMAND)
@with_options("dtype", "metric", "metric_column")
def code(
    to: Annotated[
        str, typer.Option("--to", metavar="torch|hf|optax|keras", help="The framework to write code for.")
    ],
    specs: Specs = None,
    settings: RunSettings = NO_RUN,
) -> None:
    """Print code that builds the schedule in a framework, giving exactly the rates lrviz draws."""
    from lrviz.tools.code import target_named, training_code
    from lrviz.tools.describe import EXAMPLE_STEPS

    target_named(to)  # before any work
    # the code does not depend on the metric: a synthetic one lets feedback schedules be checked
    settings = replace(settings, metric="synthetic")
    try:
        curves = _built(specs or [], settings).curves
        given = curves.run
    except NoRunLength as missing:  # a framework's own call needs no run length: checked over an example
        try:
            curves, given = _built(specs or [], replace(settings, steps=EXAMPLE_STEPS)).curves, None
        except LrvizError:  # it needs the run after all (its warm-up is longer than the example's)
            raise missing from None
    if len(curves.series) != 1:
        raise LrvizError(f"lrviz code writes one schedule, got {len(curves.series)}")
    spec = curves.series[0].spec
    sys.stdout.write(training_code(spec, given, to, feedback=reacts_to_metric(spec)))


@app.command("list", cls=Command)
def list_(
    markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table, as in the README.")] = False,
    dialect: Annotated[
        str, typer.Option("--dialect", metavar="NAME", help="A framework's schedules instead: torch, hf, …")
    ] = "",
) -> None:
    """List every built-in schedule (or a framework dialect's) with its family and parameters."""
    rows = describing.listing(dialect)
    if markdown:
        sys.stdout.write(describing.markdown(dialect))
        return
    listing = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("schedule", "family", "parameters", "what it does"):
        listing.add_column(column, overflow="fold")
    for row in rows:
        listing.add_row(Text(row[0], style="bold"), *map(Text, row[1:]))
    console = terminal.stdout(piped_width=terminal.columns(100))
    console.print(listing)
    console.print(
        "\nCustom schedules are expressions in t (the step) and T (the horizon), such as "
        "[bold]0.1 * 0.95 ** t[/]; [bold]a >> b[/] runs b after a. 'lrviz describe NAME' tells more."
    )


@app.command("import", cls=Command)
@with_options("dtype", "step_on", "metric", "metric_column", "step_limit")
def import_(
    config_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[FILE]",
            help=(
                "A training config (Hugging Face, DeepSpeed, mmengine, timm, Lightning, Hydra, detectron2, "
                "Ultralytics, fairseq, Megatron), or none with --cmdline."
            ),
            show_default=False,
        ),
    ] = None,
    settings: RunSettings = NO_RUN,
) -> None:
    """Show the spec and run a training config or command line means, and everything assumed to read it."""
    from lrviz.io.training import imported, load, locate
    from lrviz.io.training.cmdline import document

    if (config_file is None) == (settings.command_line is None):
        raise LrvizError('give a training config FILE or --cmdline "…", one of them')
    if config_file is None:
        assert settings.command_line is not None
        meant = imported(document(settings.command_line), settings, settings.source_kind)
    else:
        meant = load(locate(str(config_file)) or config_file, settings, settings.source_kind)
    terminal.stdout().print(meant.explained(), markup=False, soft_wrap=True)


@app.command(cls=Command)
def describe(name: Name) -> None:
    """Explain one schedule: its formula, parameters, an example and the framework schedules it matches."""
    terminal.stdout().print(describing.description(describing.named(name)), markup=False)
