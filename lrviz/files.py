"""Writing output files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from lrviz.errors import LrvizError


def write_atomically(path: Path, write: Callable[[IO[Any]], None], *, binary: bool = False) -> None:
    """Write ``path`` through a temporary file beside it, renamed into place only once complete.

    Any failure, an :class:`OSError` included, leaves no file behind and propagates.
    """
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~_umask())
        file: IO[Any] = (
            os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8", newline="")
        )
        with file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_suffix(path: Path, allowed: Sequence[str]) -> str:
    """The output format of ``path`` (its suffix), checked before any work is done."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        given = f"{suffix!r}" if suffix else "no suffix"
        raise LrvizError(f"cannot tell the format of {str(path)!r} ({given}): end it in {', '.join(allowed)}")
    return suffix
