"""Progress of long work, reported by the library to whoever listens: the command line draws a bar.

The library never prints. Work that takes many chunks reports each one through :func:`report`; with
no listener (a script, a test, output that is not a terminal) a report costs a lookup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

Listener = Callable[[str, int, int], None]
"""Called with what is being done, how much of it is done and how much there is in all."""

_LISTENER: ContextVar[Listener | None] = ContextVar("listener", default=None)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every report made inside the block to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)


def report(what: str, done: int, total: int) -> None:
    """Say that ``done`` of ``total`` units of ``what`` are done."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(what, done, total)
