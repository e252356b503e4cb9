"""The command line: a thin layer that reads options, calls the library and reports its errors.

Bad input ends with one line on stderr and exit status 2; a file that cannot be written, with exit
status 1 and no partial file. matplotlib is imported only by ``lrviz plot``.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console

from lrviz import __version__
from lrviz.errors import LrvizError, SpecError, WriteError
from lrviz.files import check_suffix, write_atomically
from lrviz.params import MILESTONES, NUMBERS, POINTS
from lrviz.parser import parse, parse_value
from lrviz.registry import Entry, Param, close_names, entries, lookup
from lrviz.run import Curves, Run, series
from lrviz.spec import PEAK_NAMES, Call, Spec

app = typer.Typer(
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
RUN_OPTIONS = ("steps", "epochs", "steps_per_epoch")
EXAMPLE_STEPS = 1000
COMMANDS = ("plot", "table", "export", "list", "describe")
TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


def _complete(incomplete: str) -> Iterator[str]:
    for entry in entries():
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
    """Separate spec texts from ``--name value`` parameter options."""
    flags = {p.name for e in entries() for p in e.params if p.is_flag}
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
            takes_next = tokens and not tokens[0].startswith("--")
            if name in flags and takes_next and tokens[0].lower() not in TRUE + FALSE:
                takes_next = False
            options.append((name, tokens.pop(0) if takes_next else None))
        else:
            options.append((name, value))
    return specs, options


def _params(trees: Sequence[Spec], name: str) -> list[Param]:
    """The parameters ``name`` sets in the given specs (either peak name sets the peak)."""
    names = PEAK_NAMES if name in PEAK_NAMES else (name,)
    found = []
    for tree in trees:
        for node in tree.walk():
            if isinstance(node, Call):
                found += [p for p in node.entry.params if p.name in names and not p.is_schedule]
    return found


def _option_values(name: str, raw: str | None, params: list[Param]) -> list[Any]:
    """The value(s) of one option: a comma list of numbers is a sweep, one curve per value."""
    flag = f"--{name.replace('_', '-')}"
    param = params[0]
    if param.is_flag:
        if raw is None or raw.lower() in TRUE:
            return [True]
        if raw.lower() in FALSE:
            return [False]
        raise SpecError(f"{flag} is True or False, got {raw!r}")
    if raw is None:
        raise SpecError(f"{flag} needs a value")
    if param.choices:
        return [raw.strip("'\"")]
    if param.kind in (MILESTONES, NUMBERS, POINTS):
        text = raw if raw.strip().startswith(("[", "(", "{")) else f"[{raw}]"
        return [parse_value(text)]
    values = []
    for part in raw.split(","):
        value = parse_value(part) if part.strip() else ""
        if isinstance(value, Spec) or value == "":
            raise SpecError(f"{flag} takes a number or a comma list of numbers, got {raw!r}")
        values.append(value)
    return values


def _sweeps(trees: Sequence[Spec], options: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """One options mapping per curve: the product of every swept value."""
    seen: set[str] = set()
    axes: list[list[tuple[str, Any]]] = []
    for name, raw in options:
        if name in seen:
            raise SpecError(f"--{name.replace('_', '-')} is given twice")
        seen.add(name)
        params = _params(trees, name)
        if not params:
            raise SpecError(_unknown_option(name, trees))
        axes.append([(name, value) for value in _option_values(name, raw, params)])
    return [dict(combo) for combo in itertools.product(*axes)]


def _unknown_option(name: str, trees: Sequence[Spec]) -> str:
    known = sorted(
        {p.name for t in trees for n in t.walk() if isinstance(n, Call) for p in n.entry.params}
        | set(RUN_OPTIONS)
    )
    close = close_names(name, known)
    flag = f"--{name.replace('_', '-')}"
    if close:
        return f"no such option {flag}; did you mean --{close[0].replace('_', '-')}?"
    return f"no such option {flag}: no schedule given takes {name}"


def _label(text: str, combo: dict[str, Any], swept: list[str], several: bool, tree: Spec) -> str:
    if swept:
        values = ", ".join(f"{name}={combo[name]!r}" for name in swept)
        return f"{text}, {values}" if several else values
    return tree.source or tree.render()


def _curves(
    tokens: Sequence[str], steps: int | None, epochs: int | None, steps_per_epoch: int | None
) -> tuple[Curves, list[str]]:
    """Parse, set options, size the run and evaluate: the curves, and the spec texts given."""
    texts, options = _split(tokens)
    if not texts:
        raise SpecError("give at least one schedule, such as 'cosine(0.1)' (see 'lrviz list')")
    trees = [parse(text) for text in texts]
    combos = _sweeps(trees, options)
    swept = [name for name, raw in options if len({repr(c[name]) for c in combos}) > 1]
    built: list[tuple[str, Spec]] = []
    for text, tree in zip(texts, trees, strict=True):
        for combo in combos:
            new, _used = tree.with_params(combo)
            built.append((_label(text.strip(), combo, swept, len(texts) > 1, new), new))
    if steps is None and epochs is None:
        lengths = [tree.length for _, tree in built if tree.length is not None]
        if not lengths:
            raise LrvizError("say how long the run is: --steps N, or --epochs E (with --steps-per-epoch)")
        steps = max(lengths)
    run = Run.of(steps, epochs, steps_per_epoch)
    run.check_memory(len(built))
    labels = _unique([label for label, _ in built])
    return Curves(
        run, tuple(series(tree, run, label) for label, (_, tree) in zip(labels, built, strict=True))
    ), texts


def _unique(labels: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    unique = []
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
        unique.append(label if counts[label] == 1 else f"{label} ({counts[label]})")
    return unique


def _slug(texts: Sequence[str]) -> str:
    slug = "_".join(re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") for text in texts)
    return slug[:80].strip("-_.") or "schedule"


def _write(path: Path, write: Any, *, binary: bool = False) -> None:
    try:
        write_atomically(path, write, binary=binary)
    except OSError as error:
        reason = error.strerror or str(error)
        raise WriteError(f"cannot write {str(path)!r}: {reason}") from None


def _stdout() -> Console:
    """Standard output: a terminal's width, or unlimited (no wrapping) when piped."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=100_000)
    return console


def _size(text: str) -> tuple[float, float]:
    match = re.fullmatch(r"\s*([0-9.]+)\s*[x×,]\s*([0-9.]+)\s*", text)
    try:
        width, height = (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)
    except ValueError:
        width = height = 0.0
    if not (0 < width <= 100 and 0 < height <= 100):
        raise LrvizError(f"--size takes WIDTHxHEIGHT in inches, such as 7x4, got {text!r}")
    return width, height


@app.command(context_settings=SPEC_COMMAND)
def plot(
    specs: Specs,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Image file: .png, .svg or .pdf (default: SPEC.png here).",
            rich_help_panel="Output",
        ),
    ] = None,
    steps: StepsOption = None,
    epochs: EpochsOption = None,
    steps_per_epoch: PerEpochOption = None,
    logy: Annotated[
        bool, typer.Option("--logy", help="Log-scale rate axis.", rich_help_panel="Look")
    ] = False,
    title: Annotated[str | None, typer.Option(help="Plot title.", rich_help_panel="Look")] = None,
    dpi: Annotated[int, typer.Option(min=10, max=2400, help="PNG resolution.", rich_help_panel="Look")] = 150,
    size: Annotated[str, typer.Option(help="Figure size in inches, WxH.", rich_help_panel="Look")] = "7x4",
    style: Annotated[str, typer.Option(help="A matplotlib style.", rich_help_panel="Look")] = "default",
    preview: Annotated[
        bool,
        typer.Option(help="Also draw the plot in the terminal (when it is one).", rich_help_panel="Output"),
    ] = True,
) -> None:
    """Plot schedules to an image; several specs overlay.

    [dim]lrviz plot cosine --max-lr 0.1 --epochs 100[/]
    """
    from lrviz import plot as plotting

    if output is not None:
        suffix = check_suffix(output, PLOT_SUFFIXES)
    figure_size = _size(size)
    plotting.check_style(style)
    curves, texts = _curves(specs, steps, epochs, steps_per_epoch)
    path = output if output is not None else Path(_slug(texts) + ".png")
    suffix = path.suffix.lower()
    look = plotting.Style(title=title, logy=logy, size=figure_size, dpi=dpi, style=style)
    _write(path, lambda file: plotting.save(curves, file, suffix, look), binary=True)
    console = _stdout()
    if preview and console.is_terminal:
        from lrviz.preview import render

        console.print(render(curves, width=min(console.width, 120), logy=logy))
    Console(stderr=True, highlight=False).print(f"wrote {path}")


@app.command(context_settings=SPEC_COMMAND)
def table(
    specs: Specs,
    steps: StepsOption = None,
    epochs: EpochsOption = None,
    steps_per_epoch: PerEpochOption = None,
    every: Annotated[
        int | None, typer.Option(min=1, help="A row every K steps.", rich_help_panel="Rows")
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="A row for every step.", rich_help_panel="Rows")
    ] = False,
) -> None:
    """Print the rates at evenly spread steps and key points, with a summary of each schedule."""
    from lrviz.table import build, row_steps

    curves, _ = _curves(specs, steps, epochs, steps_per_epoch)
    console = _stdout()
    rows = row_steps(curves, every=every, show_all=show_all)
    console.print(build(curves, rows, plain=not console.is_terminal))


@app.command(context_settings=SPEC_COMMAND)
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
            "--format", "-f", help="csv or json (default: from the file, else csv).", rich_help_panel="Output"
        ),
    ] = None,
    steps: StepsOption = None,
    epochs: EpochsOption = None,
    steps_per_epoch: PerEpochOption = None,
) -> None:
    """Write the rate at every step as CSV or JSON: exact values, one column per schedule."""
    from lrviz.export import FORMATS, WRITERS

    if format is not None and format.lower() not in FORMATS:
        raise LrvizError(f"--format is csv or json, got {format!r}")
    chosen = format.lower() if format else None
    if output is not None:
        from_suffix = check_suffix(output, EXPORT_SUFFIXES).lstrip(".")
        chosen = chosen or from_suffix
    curves, _ = _curves(specs, steps, epochs, steps_per_epoch)
    writer = WRITERS[chosen or "csv"]
    if output is None:
        writer(curves, sys.stdout)
    else:
        _write(output, lambda file: writer(curves, file))


@app.command("list")
def list_(
    markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table, as in the README.")] = False,
) -> None:
    """List every built-in schedule with its family and parameters."""
    from rich.table import Table

    from lrviz.catalog import family, parameters
    from lrviz.catalog import markdown as markdown_table

    if markdown:
        sys.stdout.write(markdown_table())
        return
    console = _stdout()
    listing = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("schedule", "family", "parameters", "what it does"):
        listing.add_column(column, overflow="fold")
    for entry in entries():
        listing.add_row(f"[bold]{entry.name}[/]", family(entry), parameters(entry), entry.summary)
    console.print(listing)
    console.print(
        "\nCustom schedules are expressions in t (the step) and T (the horizon), such as "
        "[bold]0.1 * 0.95 ** t[/]; [bold]a >> b[/] runs b after a. 'lrviz describe NAME' tells more."
    )


@app.command()
def describe(name: Annotated[str, typer.Argument(help="A schedule name.", autocompletion=_complete)]) -> None:
    """Explain one schedule: its formula, parameters, an example and the framework schedules it matches."""
    try:
        entry = lookup(name)
    except KeyError as error:
        close = error.args[0] or close_names(name, [e.name for e in entries()])
        hint = f"; did you mean {close[0]!r}?" if close else " (see 'lrviz list')"
        raise LrvizError(f"unknown schedule {name!r}{hint}") from None
    _stdout().print(_description(entry), markup=False)


def _description(entry: Entry) -> str:
    from lrviz.catalog import family

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
        lines += ["", "Example:", f'  lrviz plot "{entry.doc.example}" --steps {EXAMPLE_STEPS}']
    if entry.matches:
        lines += ["", "Matches:", *(f"  {m}" for m in entry.matches)]
    if entry.doc.notes:
        lines += ["", entry.doc.notes]
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None, *, stderr: IO[str] | None = None) -> int:
    """Run the command line on ``argv`` and return its exit status."""
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args if not a.startswith("-")), "")
    prefix = f"lrviz {command}" if command in COMMANDS else "lrviz"
    try:
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
    return result if isinstance(result, int) else 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    """The ``lrviz`` command."""
    sys.exit(run())
