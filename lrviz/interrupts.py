"""Signals that stop lrviz (Ctrl-C's SIGINT, SIGTERM, SIGHUP) as an exception, so that cleanup runs.

Only the command line installs the handlers (:func:`install`); the library merely holds signals back
(:func:`deferred`) for the few steps between creating a temporary file and recording it, which does
nothing unless a handler is waiting for them.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
"""The signals that ask lrviz to stop (SIGHUP is not on every system)."""


class Interrupted(BaseException):
    """A signal asked lrviz to stop. A ``BaseException``, like ``KeyboardInterrupt``, so that no
    ``except Exception`` takes it for an error: it runs every ``finally`` and cleanup on its way out."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def status(self) -> int:
        """The exit status of a process ended by this signal, as shells report it: 128 + its number."""
        return 128 + self.signum


_HELD: list[int] = []
"""How deep in :func:`deferred` blocks the main thread is (one entry a block)."""
_WAITING: list[int] = []
"""Signals that arrived in a deferred block, handled when the outermost one ends."""
_HANDLER: list[Callable[[int], None]] = []


def install(stop_now: Callable[[int], object]) -> None:
    """Handle :data:`SIGNALS`: the first to arrive raises :class:`Interrupted` in the main thread; any
    later one (the cleanup of the first hangs, or its exception was lost in a finalizer) calls
    ``stop_now`` with the first's exit status, which must end the process at once."""

    first: list[int] = []

    def act(signum: int) -> None:
        if first:
            stop_now(128 + first[0])
            return
        first.append(signum)
        raise Interrupted(signum)

    def handle(signum: int, frame: FrameType | None) -> None:
        if _HELD:  # in a deferred block: acted on as it ends
            _WAITING.append(signum)
            return
        act(signum)

    _HANDLER[:] = [act]
    for signum in SIGNALS:
        signal.signal(signum, handle)


def ignore() -> None:
    """Ignore :data:`SIGNALS` from now on, even one that has arrived and not yet been handled: for
    the last steps of an exit."""
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    _WAITING.clear()


def stop_if_asked() -> None:
    """Act now on a signal that arrived in the deferred block this is called in: for a step that must
    not happen once a stop was asked (renaming a finished file over an earlier one)."""
    if _WAITING and _HANDLER:
        _HANDLER[0](_WAITING.pop(0))


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold :data:`SIGNALS` back while the block runs; one that arrives meanwhile is acted on as the
    block ends. For steps that must happen together, such as creating a file and recording it.

    The signal is noted, not blocked: a process-wide signal may be delivered to any thread (numpy's,
    a BLAS library's), and Python runs its handler in the main thread whichever caught it."""
    _HELD.append(1)
    try:
        yield
    finally:
        _HELD.pop()
        if not _HELD and _WAITING and _HANDLER:
            signum = _WAITING.pop(0)
            _HANDLER[0](signum)
