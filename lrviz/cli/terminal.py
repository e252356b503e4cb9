"""The terminal: standard output that reports its failures, one-line messages on standard error, and
the progress bar of long work, which appears only when something is reported and is cleared before
anything else is printed."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from rich.console import Console

from lrviz.progress import listening


def stdout(piped_width: int = 100_000) -> Console:
    """Standard output, once any progress bar is cleared: a terminal's width, or ``piped_width``
    when piped (by default unlimited: nothing wraps), with no spaces at the ends of lines."""
    BAR.close()
    console = Console(highlight=False)
    if not console.is_terminal:
        console = _Piped(highlight=False, width=piped_width)
    return console


class _Piped(Console):
    """A console writing to a file or a pipe: rich pads a table's last column to its width, which
    leaves spaces at the ends of lines that a file, a diff or a test should not see."""

    def _render_buffer(self, buffer: Iterable[Any]) -> str:  # rich's one path from segments to text
        text = super()._render_buffer(buffer)
        return "\n".join(line.rstrip() for line in text.split("\n"))


def columns(default: int) -> int:
    """The width piped text that wraps is laid out in: ``COLUMNS`` where the environment gives it."""
    given = os.environ.get("COLUMNS", "")
    return int(given) if given.isdigit() and 20 <= int(given) <= 10_000 else default


def show(console: Console, part: object) -> None:
    """Print a rich renderable, or plain text as it is (rich lays a long text out in quadratic time)."""
    if isinstance(part, str):
        console.file.write(part + "\n")
    else:
        console.print(part)


def say(text: str) -> None:
    """A line on standard error (``wrote FILE``, a note), as it is: never wrapped, never markup."""
    BAR.close()
    sys.stderr.write(text + "\n")


def width(console: Console) -> int | None:
    """The width tables must fit in: a terminal's; none when piped (nothing wraps there)."""
    return console.width if console.is_terminal else None


class ProgressBar:
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


BAR = ProgressBar()


INTERNAL_MESSAGE = 200
"""Characters of an internal error's own message that its line shows at most."""


def internal(error: Exception) -> str:
    """The line for an exception lrviz did not expect: its type and message, and how to see more."""
    text = one_line(str(error))
    if len(text) > INTERNAL_MESSAGE:
        text = text[: INTERNAL_MESSAGE - 1] + "…"
    what = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return f"internal error: {what} (please report it; LRVIZ_DEBUG=1 shows the traceback)"


class StdoutFailed(Exception):
    """Standard output could not be written or flushed; ``error`` says why."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class GuardedStdout:
    """Standard output that reports a failure to write or flush as :class:`StdoutFailed`, whoever
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
            raise StdoutFailed(error) from error
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise StdoutFailed(error) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class ClosedStdout(io.TextIOBase):
    """Standard output when there is none (its descriptor closed: ``>&-``): every write fails."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "it is closed")


def silence(stream: IO[str] | None) -> None:
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


def one_line(text: str) -> str:
    return " ".join(text.split())
