"""Writing output files whole or not at all, and never over what is not a file."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from lrviz import interrupts
from lrviz.errors import LrvizError, RunError, WriteError
from lrviz.limits import excerpt, size


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn a failure to write ``path`` (the disk, a permission, a missing folder) into a
    :class:`~lrviz.errors.WriteError`: one line and exit status 1."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        raise WriteError(f"cannot write {excerpt(str(path))}: {reason}") from None


_IN_PROGRESS: set[str] = set()
"""The temporary files being written now: what :func:`remove_temporaries` removes."""


def write_atomically(path: Path, write: Callable[[IO[Any]], None], *, binary: bool = False) -> None:
    """Write ``path`` with ``write``, whole or not at all; any failure propagates (an
    :class:`OSError` for the disk, a permission, a missing folder).

    - A regular file, or a new one, is written to a temporary file in the same folder (so that the
      rename is atomic), renamed over ``path`` only once complete: a failure or an interruption leaves
      no temporary file and an earlier file untouched, and two writers at once leave one's whole file.
      The temporary file is recorded from the moment it exists until it is renamed, so that
      :func:`remove_temporaries` can remove it whatever stopped its writer. A replaced file keeps its
      permission bits (and its owner and group, where the system lets lrviz set them); a new one gets
      0666 less the umask.
    - A symbolic link is followed, as a shell's ``>`` does: the file it points to is replaced (in that
      file's folder) and the link stays a link; a dangling link creates the file it names, if that
      file's folder exists.
    - A character device, a FIFO or a socket is written to in place (``/dev/null``, a named pipe): it
      is never replaced by a regular file. A directory, or any other kind of file, is refused.
    """
    try:
        status: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        status = None
    if status is not None and not stat.S_ISREG(status.st_mode):
        _write_in_place(path, status, write, binary)
        return
    target = Path(os.path.realpath(path))
    with interrupts.deferred():  # no signal between creating the file and recording it
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name[:100]}.", suffix=".part", dir=target.parent
        )
        _IN_PROGRESS.add(temporary)
    try:
        with _opened(handle, binary) as file:
            _take_over(temporary, status)
            write(file)
        with interrupts.deferred():
            interrupts.stop_if_asked()  # a stop asked while the file was written keeps the earlier one
            os.replace(temporary, target)
            _IN_PROGRESS.discard(temporary)
    except BaseException:
        _remove(temporary)
        raise


def _write_in_place(
    path: Path, status: os.stat_result, write: Callable[[IO[Any]], None], binary: bool
) -> None:
    """Write to a device, a FIFO or a socket as it is; refuse a directory or anything else."""
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder: give a file name in it", str(path))
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        raise OSError(errno.EINVAL, "it is not a regular file, a character device or a FIFO", str(path))
    handle = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    with _opened(handle, binary) as file:
        write(file)


def _opened(handle: int, binary: bool) -> IO[Any]:
    """A file to write to: text in UTF-8, where a character UTF-8 cannot hold (a lone surrogate from a
    YAML ``"\\ud800"``) is written as its escape, ``\\ud800``, rather than failing the write."""
    if binary:
        return os.fdopen(handle, "wb")
    return os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="")


def _take_over(temporary: str, replaced: os.stat_result | None) -> None:
    """Give the temporary file the permission bits of the file it replaces (0666 less the umask for a
    new one) and, where the system allows it (as root), its owner and group."""
    if replaced is None:
        os.chmod(temporary, 0o666 & ~_umask())
        return
    if hasattr(os, "chown") and (replaced.st_uid, replaced.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):
            os.chown(temporary, replaced.st_uid, replaced.st_gid)
    os.chmod(temporary, stat.S_IMODE(replaced.st_mode))


def _remove(temporary: str) -> None:
    """Remove a temporary file and forget it; one that cannot be removed stays recorded."""
    with contextlib.suppress(OSError):
        Path(temporary).unlink(missing_ok=True)
        _IN_PROGRESS.discard(temporary)


def remove_temporaries() -> None:
    """Remove every temporary file still being written: whatever stopped its writer (a signal between
    two steps, a second signal during the cleanup of the first), nothing is left behind."""
    for temporary in list(_IN_PROGRESS):
        _remove(temporary)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def ensure_disk_space(path: Path, need: int, fix: str = "write less, or write it elsewhere") -> None:
    """Refuse, before writing, a file of about ``need`` bytes at ``path`` when its disk has less free:
    a :class:`RunError` (the input asks for too much) that says how much is needed and free, and ``fix``
    what to change. Output that is not a regular file (``/dev/null``, a FIFO), and a disk the system
    cannot be asked about, are not checked: the write says what goes wrong."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return
    except FileNotFoundError:
        pass
    except OSError:
        return
    folder = Path(os.path.realpath(path)).parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if need > free:
        raise RunError(
            f"writing {excerpt(str(path))} needs about {size(need)} of disk space and {size(free)} is free "
            f"there: {fix}"
        )


def check_suffix(path: Path, allowed: Sequence[str]) -> str:
    """The output format of ``path`` (its suffix), checked before any work is done."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        given = f"{suffix!r}" if suffix else "no suffix"
        shown = excerpt(str(path))
        raise LrvizError(f"cannot tell the format of {shown} ({given}): end it in {', '.join(allowed)}")
    return suffix
