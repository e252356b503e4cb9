"""The ``lrviz`` command (and ``python -m lrviz``), started so that even a signal while it loads (Ctrl-C,
SIGTERM, SIGHUP) ends with one line and 128 + its number, as one during its work does."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from lrviz import interrupts


def _loading(signum: int, frame: FrameType | None) -> None:
    raise interrupts.Interrupted(signum)


def main() -> None:
    """Load the command line and run it (which installs its own handlers)."""
    for signum in interrupts.SIGNALS:
        signal.signal(signum, _loading)
    try:
        from lrviz.cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("lrviz: interrupted\n")
        sys.exit(130)
    except interrupts.Interrupted as stopped:
        sys.stderr.write("lrviz: interrupted\n")
        sys.exit(stopped.status)
    run()


if __name__ == "__main__":
    main()
