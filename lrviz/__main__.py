"""The ``lrviz`` command (and ``python -m lrviz``), started so that even a Ctrl-C while it loads ends
with one line and status 130, as one during its work does."""

from __future__ import annotations

import sys


def main() -> None:
    """Load the command line and run it."""
    try:
        from lrviz.cli.main import main as run
    except KeyboardInterrupt:
        sys.stderr.write("lrviz: interrupted\n")
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
