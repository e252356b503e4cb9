"""Metrics for feedback schedules: read from a CSV file, or made up to explore with.

A metric value belongs to a step and is reported at its end, so it can change the rate from the
next step on. A step column says which step each value belongs to; an epoch column puts each value
at the last step of its epoch (epochs from 0); with neither, row i is step i.

A metric file is input lrviz may be pointed at by anyone (``metric:`` in a config is a path relative
to it, and CI runs lrviz as root), so it either reads correctly or is refused with one line that says
what is wrong with the file, never what is in it:

- It must be a regular file (a pipe, a device, a socket or a folder is refused before any read) of at
  most :data:`~lrviz.limits.METRIC_BYTES` (checked before reading, and again while reading, in case it
  grows); reading stops at the first row past the end of the run, whose values could change nothing.
- It must be UTF-8 text (a byte-order mark is skipped), without control characters other than tab and
  line ends (so binary files, NUL bytes and UTF-16 are refused with their line); CRLF line ends work.
- The delimiter is the one of comma, semicolon and tab that occurs most often in the header line
  outside quotes (comma on a tie, and for a one-column file). With a semicolon, a decimal comma
  (``0,5``) reads as 0.5. Every row has as many cells as the header; blank rows are skipped; a line
  has at most about :data:`LINE_BYTES`.
- A cell is never quoted. Column names are shown only when the header looks like a header of names
  (:func:`names_like`); otherwise a column is "column 3" and the metric is labelled "metric".
- Steps and epochs are whole numbers, 0 or more, below 2**63, written in digits (``100.0`` is 100),
  and strictly increasing. Values are numbers (NaN and infinities are kept: they never count as an
  improvement); with a step or epoch column, an empty value cell means no report at that step.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import os
import re
import stat
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from lrviz.clock.grid import Metric
from lrviz.errors import LrvizError
from lrviz.io import examples
from lrviz.limits import EXCERPT, METRIC_BYTES, SPEC_LENGTH, cut, ensure_memory, excerpt, size

STEP_COLUMNS = ("trainer/global_step", "global_step", "step", "Step", "_step")
"""Headers of a step column, the most trusted first: a trainer's own counter before a logger's."""
EPOCH_COLUMNS = ("epoch", "Epoch")
"""Headers of an epoch column, used when there is no step column."""
PLACES = (*STEP_COLUMNS, *EPOCH_COLUMNS)
DELIMITERS = (",", ";", "\t")
NAMES_SHOWN = 20
"""Column names a message lists at most, each cut to :data:`NAME_SHOWN` characters."""
NAME_SHOWN = 32
PATH_SHOWN = EXCERPT
"""Characters of a file's path a message shows at most: an excerpt's."""
LARGEST = 2**63 - 1
CHUNK = 1 << 20
"""Bytes read at a time."""
LINE_BYTES = 1 << 20
"""Bytes in one line of a metric file at most (a row of a thousand columns is some 20 KB)."""

_NAME = re.compile(r"[^\W\d][\w .()\[\]/%-]{0,63}")
_TOKEN = re.compile(r"[^\W_]{25}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WHOLE = re.compile(r"\+?0*([0-9]+?)(?:\.0*)?")
_QUOTED = re.compile(r'"[^"]*"')
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class MetricError(LrvizError):
    """A metric file that cannot be read or does not fit the run."""


def shown(path: str | Path) -> str:
    """A path as a message shows it: as it is when printable and not too long, else a short excerpt."""
    text = str(path)
    if text.isprintable():
        return cut(text, PATH_SHOWN)
    return excerpt(text, PATH_SHOWN)


@contextlib.contextmanager
def open_input(path: Path, limit: int, what: str, error: type[LrvizError]) -> Iterator[tuple[IO[bytes], int]]:
    """Open an input file to read, with its size, or raise ``error``: a missing or unreadable path, a
    folder, anything but a regular file (a pipe, a device, a socket: never read), or a file over
    ``limit`` bytes. The type is checked on the path before opening it (without blocking on a pipe) and
    on the open file after."""
    name = shown(path)

    def check(info: os.stat_result) -> None:
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{name}: is a folder, not a {what} file")
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a pipe" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else ""
            )
            raise error(f"{name}: is not a regular file but {kind or 'a device'}: give a {what} file")
        if info.st_size > limit:
            raise error(too_large(name, what, limit, info.st_size))

    try:
        check(os.stat(path))
        handle = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise error(f"{name}: no such {what} file") from None
    except OSError as problem:
        raise error(f"{name}: cannot read it: {_reason(problem)}") from None
    except ValueError:  # a NUL character in the name
        raise error(f"{name}: cannot read it: the name holds a NUL character") from None
    with os.fdopen(handle, "rb") as file:
        info = os.fstat(handle)
        check(info)
        yield file, info.st_size


def _reason(problem: OSError) -> str:
    return problem.strerror or "the system refuses"


def too_large(name: str, what: str, limit: int, found: int | None = None) -> str:
    """The message for a file over its limit of ``limit`` bytes."""
    got = f"is {found:,} bytes" if found is not None else f"holds more than {limit:,} bytes once read"
    return f"{name}: {got}; a {what} file may have at most {limit:,} bytes ({size(limit)})"


def read_input(path: Path, limit: int, what: str, error: type[LrvizError]) -> bytes:
    """The bytes of an input file of at most ``limit`` bytes (see :func:`open_input`): at most
    ``limit`` + 1 are read, in case the file grows."""
    with open_input(path, limit, what, error) as (file, _):
        try:
            data = file.read(limit + 1)
        except OSError as problem:
            raise error(f"{shown(path)}: cannot read it: {_reason(problem)}") from None
    if len(data) > limit:
        raise error(too_large(shown(path), what, limit))
    return data


def names_like(header: list[str]) -> bool:
    """Whether a header line looks like a header of column names, so that messages may show them.

    Every cell (stripped) is empty or a plausible name: at most 64 characters, starting with a letter
    or an underscore, made of letters, digits, spaces and ``_ - . / ( ) [ ] %`` only, and with no run of
    25 letters and digits (a token, a hash or base64 is one long run). So ``step``, ``val/loss``,
    ``trainer/global_step`` and ``Wall time`` are names, while a line of ``/etc/passwd`` (``:``), an
    environment variable (``=``), a key (``-----BEGIN``) or a number is not. A one-line file that looks
    like a name (a short password, say) cannot be told from a header.
    """
    return all(
        not cell or (_NAME.fullmatch(cell) is not None and _TOKEN.search(cell) is None) for cell in header
    )


def _listed(header: list[str]) -> str:
    cut = [name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + "…" for name in header]
    more = f" and {len(cut) - NAMES_SHOWN} more" if len(cut) > NAMES_SHOWN else ""
    return ", ".join(name or "''" for name in cut[:NAMES_SHOWN]) + more


def delimiter(header_line: str) -> str:
    """The delimiter of a CSV file from its header line: the one of comma, semicolon and tab that occurs
    most often outside quotes; comma on a tie and when none occurs."""
    bare = _QUOTED.sub("", header_line)
    return max(DELIMITERS, key=bare.count)


def _pieces(file: IO[bytes], name: str, limit: int) -> Iterator[str]:
    """The text of a file in pieces of whole lines, each decoded and checked (UTF-8, no control
    characters), reading at most ``limit`` + 1 bytes, and refusing a line once it grows past about
    :data:`LINE_BYTES`."""
    total, line, rest = 0, 1, b""
    while True:
        try:
            chunk = file.read(min(CHUNK, limit + 1 - total))
        except OSError as problem:
            raise MetricError(f"{name}: cannot read it: {_reason(problem)}") from None
        total += len(chunk)
        if total > limit:
            raise MetricError(too_large(name, "metric", limit))
        end = chunk.rfind(b"\n") + 1 if chunk else 0
        if chunk and not end:
            rest += chunk
            if len(rest) > LINE_BYTES:
                raise MetricError(
                    f"{name}:{line}: is not a CSV file lrviz reads: a line of over {LINE_BYTES:,} bytes"
                )
            continue
        piece, rest = (rest + chunk[:end], chunk[end:]) if chunk else (rest, b"")
        if not piece:
            return
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError as error:
            _text_only(piece[: error.start].decode("utf-8"), name, line)
            at = line + piece.count(b"\n", 0, error.start)
            raise MetricError(f"{name}:{at}: is not a text CSV file: not UTF-8 text") from None
        _text_only(text, name, line)
        yield text.removeprefix("\ufeff") if line == 1 else text
        line += piece.count(b"\n")


def _text_only(text: str, name: str, line: int) -> None:
    """Refuse a control character in ``text``, which starts at ``line``."""
    if control := _CONTROL.search(text):
        at = line + text.count("\n", 0, control.start())
        raise MetricError(f"{name}:{at}: is not a text CSV file: it holds a control character")


def read_csv(
    path: str | Path, column: str | None, steps: int, steps_per_epoch: int, in_epochs: bool = False
) -> Metric:
    """The metric of a CSV file with a header, for a run of ``steps`` steps (the rules are the
    module's). ``column`` names the value column; by default it is the last. ``in_epochs`` says the
    run was given in epochs: a file too short for it says how many epochs it fits."""
    path = Path(path)
    name = shown(path)
    with open_input(path, METRIC_BYTES, "metric", MetricError) as (file, length):
        rows = max(length // 2, 1) if length else steps  # /proc files say 0
        ensure_memory(16 * min(steps, rows), f"reading {name}", "give a shorter run, or a shorter file")
        pieces = _pieces(file, name, METRIC_BYTES)
        lines = itertools.chain.from_iterable(io.StringIO(piece, newline="\n") for piece in pieces)
        first = next(lines, "")
        if not first.strip():
            raise MetricError(f"{name}: the file is empty: give a header line, then one value a row")
        split = delimiter(first)
        reader = csv.reader(itertools.chain([first], lines), delimiter=split)
        try:
            found = _read_rows(reader, name, column, steps, steps_per_epoch, split == ";")
        except csv.Error as error:
            reason = str(error).split(" - ")[0]  # a fixed text of the csv module, never the file's
            raise MetricError(f"{name}:{reader.line_num}: is not a CSV file lrviz reads: {reason}") from None
    if isinstance(found, Metric):
        return found
    longest = f"--epochs {found.fits // steps_per_epoch}" if in_epochs else f"--steps {found.fits}"
    raise MetricError(f"{name}: {found.problem}: give more values, or {longest} to fit")


@dataclass(frozen=True)
class _Short:
    """A metric file too short for the run: what it lacks, and the longest run (in steps) it fits."""

    problem: str
    fits: int


def _read_rows(
    reader: Any, name: str, column: str | None, steps: int, steps_per_epoch: int, decimal_comma: bool
) -> Metric | _Short:
    header = [cell.strip() for cell in next(reader)]
    names = names_like(header)
    if column is not None and column not in header:
        hint = (
            f"the columns are {_listed(header)}"
            if names
            else "the first line does not look like a header of column names, so they are not shown"
        )
        raise MetricError(f"{name}: no column {excerpt(column, 40)}; {hint}")
    width = len(header)
    where = header.index(column) if column is not None else width - 1
    label = column if column is not None else header[where] if names and header[where] else None
    what = f"the {_named(label)} column" if label else f"column {where + 1}"
    others = [i for i in range(width) if i != where]
    position = next((i for want in PLACES for i in others if header[i] == want), None)
    kind = header[position] if position is not None else "step"
    by_epoch = kind in EPOCH_COLUMNS
    unit = steps_per_epoch if by_epoch else 1
    values, found = array("d"), array("q")
    previous = -1
    for row in reader:
        if len(row) != width:
            if not "".join(row).strip():
                continue  # a blank line
            raise MetricError(
                f"{name}:{reader.line_num}: the row has {len(row)} cells and the header {width}"
            )
        cell = row[where].strip()
        if not cell and not "".join(row).strip():
            continue  # a row of empty cells
        if position is None:
            if len(values) >= steps:
                break
            step = len(values)
        else:
            place = _whole(row[position], name, reader.line_num, kind)
            if place <= previous:
                order = "is given twice" if place == previous else f"comes after {kind} {previous}"
                raise MetricError(
                    f"{name}:{reader.line_num}: {kind} {place} {order}: the {kind} column must increase"
                )
            previous = place
            step = (place + 1) * unit - 1 if by_epoch else place
            if step >= steps:
                break
            if not cell:
                continue  # no report at this step
        try:
            values.append(float(cell.replace(",", ".") if decimal_comma else cell))
        except ValueError:
            raise MetricError(f"{name}:{reader.line_num}: {what} is not a number") from None
        found.append(step)
    needed = (steps - 1) // unit  # the reports that can still change a rate of this run
    last = needed * unit - 1  # where the last of them lands
    of = f"{_named(label)} values" if label else f"values in {what}"
    if needed > 0 and (not found or found[-1] < last):
        if position is not None and not by_epoch:
            end = found[-1] if found else -1
            problem = f"the run needs {of} reported up to step {last} and the file stops at step {end}"
            return _Short(problem, end + 2)
        problem = (
            f"the run needs {needed} {of} ({'one an epoch' if by_epoch else 'one a step'} before its last) "
            "and "
            f"the file has {len(values)}"
        )
        return _Short(problem, (len(values) + 1) * unit)
    return Metric(np.array(found, dtype=np.int64), np.array(values, dtype=np.float64), label or "metric")


def _named(name: str) -> str:
    """A column name as a message shows it: as it is when short and printable, else an excerpt."""
    return name if name.isprintable() and len(name) <= 40 else excerpt(name, 40)


def _whole(cell: str, name: str, line: int, kind: str) -> int:
    """A step or epoch: a whole number, 0 or more, below 2**63, in digits (``100.0`` too)."""
    if cell.isascii() and cell.isdigit() and len(cell) < 19:
        return int(cell)
    match = _WHOLE.fullmatch(cell.strip())
    digits = match.group(1) if match else ""
    if not digits:
        raise MetricError(f"{name}:{line}: the {kind} column is not a whole number, 0 or more, in digits")
    if len(digits) > 19 or int(digits) > LARGEST:
        raise MetricError(f"{name}:{line}: the {kind} column holds a number past 2**63 - 1, the largest step")
    return int(digits)


SEEDS = 2**64
"""Seeds of the synthetic metric: 0 to 2**64 − 1."""
LARGEST_RATE = 1e6
"""The synthetic metric's largest decay and noise (exp(−10⁶) is already 0)."""


def synthetic(
    steps: int, seed: int = 0, decay: float = 0.05, noise: float = 0.02, plateaus: Any = (0.3, 0.6)
) -> Metric:
    """A made-up loss to explore with: exp(−decay·t) over a floor, a flat stretch a tenth of the run
    long at each plateau (given as fractions of the run, or steps), and seeded Gaussian noise.

    loss_t = 0.5 + 2·exp(−decay·t') + noise·N(0, 1), t' the step with the plateaus' lengths taken out.

    ``seed`` is a whole number from 0 to 2**64 − 1; ``decay`` and ``noise`` numbers from 0 to 10⁶;
    ``plateaus`` a list of fractions of the run (floats, 0 ≤ p < 1) or steps (integers from 0 to
    2**63 − 1; past the run they change nothing). Anything else raises :class:`MetricError`, and a run
    too long for the free memory is refused before anything is allocated.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEEDS:
        raise MetricError("synthetic: seed must be a whole number from 0 to 2**64 - 1")
    for key, number in (("decay", decay), ("noise", noise)):
        if (given := _finite(number)) is None or not 0 <= given <= LARGEST_RATE:
            raise MetricError(f"synthetic: {key} must be a number from 0 to 1,000,000")
    starts = _plateaus(plateaus, steps)
    ensure_memory(10 * 8 * steps, "the synthetic metric", "give a shorter run")
    rng = np.random.default_rng(seed)
    t = np.arange(steps, dtype=np.float64)
    # each plateau holds the clock for ``length`` steps: the clock is t less Σ clip(t − start, 0, length),
    # summed as a count of the plateaus running at each step
    length = max(1, steps // 10)
    edges = np.zeros(steps + 2, dtype=np.int64)
    begins = np.minimum(np.array(starts, dtype=np.int64) + 1, steps + 1)
    ends = np.minimum(np.array(starts, dtype=np.int64) + length + 1, steps + 1)
    np.add.at(edges, begins, 1)
    np.add.at(edges, ends, -1)
    clock = t - np.cumsum(np.cumsum(edges[:steps])).astype(np.float64)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        values = 0.5 + 2.0 * np.exp(-float(decay) * clock) + float(noise) * rng.standard_normal(steps)
    return Metric(np.arange(steps, dtype=np.int64), values, "synthetic loss")


def _finite(value: Any) -> float | None:
    """``value`` as a finite float, when it is a number (not a bool) that is one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _plateaus(plateaus: Any, steps: int) -> list[int]:
    """The steps where the plateaus start, each at most ``steps``."""
    wrong = "synthetic: plateaus must be a list of fractions of the run (floats below 1) or steps (integers)"
    if not isinstance(plateaus, list | tuple):
        raise MetricError(wrong)
    starts = []
    for start in plateaus:
        if isinstance(start, float) and 0 <= start < 1:
            starts.append(int(start * steps))
        elif isinstance(start, int) and not isinstance(start, bool) and 0 <= start <= LARGEST:
            starts.append(min(start, steps))
        else:
            raise MetricError(wrong)
    return starts


def describe_nonfinite(metric: Metric) -> str | None:
    """A note when the metric has NaN or infinite values, which frameworks count as no improvement."""
    bad = ~np.isfinite(metric.values)
    if not bad.any():
        return None
    first = int(metric.steps[np.argmax(bad)])
    return (
        f"the {metric.label} is not finite at step {first} (and {int(bad.sum()) - 1} more): it never "
        "counts as an improvement, as in PyTorch"
    )


def load(
    source: str,
    column: str | None,
    steps: int,
    steps_per_epoch: int,
    base: Path | None = None,
    in_epochs: bool = False,
) -> Metric:
    """The metric named by ``--metric`` (or a config's ``metric:``): a CSV path, relative to ``base`` when
    given, or ``synthetic`` / ``synthetic(seed=1, decay=0.02, noise=0.05, plateaus=[0.3, 0.6])``
    (``in_epochs``: see :func:`read_csv`)."""
    text = source.strip()
    if text == "synthetic" or text.startswith("synthetic("):
        return synthetic(steps, **_synthetic_args(text))
    path = Path(text)
    path = base / path if base is not None and not path.is_absolute() else path
    if not examples.exists(path):  # the example lrviz ships, by its name, from any folder
        path = examples.named(text, (".csv",)) or path
    return read_csv(path, column, steps, steps_per_epoch, in_epochs)


SYNTHETIC = ("seed", "decay", "noise", "plateaus")
USAGE = "write synthetic(seed=0, decay=0.05, noise=0.02, plateaus=[0.3, 0.6])"


def _synthetic_args(text: str) -> dict[str, Any]:
    """The keywords of ``synthetic(…)``: literals only, read with ``ast`` (never evaluated), from a text
    of at most :data:`~lrviz.limits.SPEC_LENGTH` characters. The values are checked by :func:`synthetic`."""
    import ast

    if text == "synthetic":
        return {}
    if len(text) > SPEC_LENGTH:
        raise MetricError(f"the metric is {len(text):,} characters long; at most {SPEC_LENGTH:,} are read")
    try:
        call = ast.parse(text, mode="eval").body
        if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
            raise ValueError
        keywords = [(str(k.arg), k.value) for k in call.keywords]
        args = {key: ast.literal_eval(value) for key, value in keywords}
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        raise MetricError(f"cannot read {excerpt(text)}: {USAGE}") from None
    unknown = [key for key, _ in keywords if key not in SYNTHETIC]
    if unknown:
        raise MetricError(f"synthetic takes {', '.join(SYNTHETIC)}, not {excerpt(unknown[0], 40)}")
    if len(args) < len(keywords):
        raise MetricError(f"cannot read {excerpt(text)}: each keyword once; {USAGE}")
    return args
