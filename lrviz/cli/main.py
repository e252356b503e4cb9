"""The ``lrviz`` process: the command line run with every failure turned into its one line and exit
status, standard output guarded, and SIGINT, SIGTERM and SIGHUP ending it cleanly."""

from __future__ import annotations

import contextlib
import io
import os
import sys
import typing
from collections.abc import Sequence
from typing import IO

import typer

from lrviz import interrupts
from lrviz.cli import terminal
from lrviz.cli.app import app
from lrviz.errors import LrvizError, WriteError
from lrviz.io.files import remove_temporaries


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
    guarded = terminal.GuardedStdout(stdout if stdout is not None else terminal.ClosedStdout())
    sys.stdout = typing.cast(typing.TextIO, guarded)
    try:
        status = _dispatch(args, prefix, err)
        sys.stdout.flush()
        return status
    except terminal.StdoutFailed as failed:
        terminal.silence(stdout)
        if not isinstance(failed.error, BrokenPipeError):
            reason = failed.error.strerror or str(failed.error)
            err.write(f"{prefix}: cannot write to standard output: {terminal.one_line(reason)}\n")
        return 1
    finally:
        sys.stdout = stdout


def _dispatch(args: list[str], prefix: str, err: IO[str]) -> int:
    """Run the app on ``args``, turning each kind of failure into its one line on ``err`` and its exit
    status."""
    try:
        with terminal.BAR.listening():
            result = app(args=args, prog_name="lrviz", standalone_mode=False)
    except LrvizError as error:
        err.write(f"{prefix}: {terminal.one_line(str(error))}\n")
        return 2
    except WriteError as error:
        err.write(f"{prefix}: {terminal.one_line(str(error))}\n")
        return 1
    except typer.TyperException as error:
        message = error.format_message()
        if type(error).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(message + "\n")
            return 0
        line = f"{prefix}: {terminal.one_line(message)} (see 'lrviz {_command(args)} --help')"
        err.write(line.replace("  ", " ") + "\n")
        return getattr(error, "exit_code", 2)
    except typer.Abort:
        err.write("lrviz: aborted\n")
        return 1
    except typer.Exit as ended:
        return ended.exit_code
    except terminal.StdoutFailed:
        raise
    except Exception as error:  # the last resort: a bug, or MemoryError, RecursionError
        if os.environ.get("LRVIZ_DEBUG", "") not in ("", "0"):
            raise
        err.write(f"{prefix}: {terminal.internal(error)}\n")
        return 1
    return result if isinstance(result, int) else 0


def _command(args: Sequence[str]) -> str:
    return next((a for a in args if not a.startswith("-")), "")


def _prefix(args: Sequence[str]) -> str:
    """What every message starts with: ``lrviz COMMAND``, or ``lrviz`` before a command is known."""
    command = _command(args)
    commands = {c.name or getattr(c.callback, "__name__", "") for c in app.registered_commands}
    return f"lrviz {command}" if command in commands else "lrviz"


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
            terminal.silence(sys.stdout)
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
