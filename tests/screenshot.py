"""The README's picture of ``lrviz explore``: the app run in a real terminal (tmux, 100 × 30), a few keys
pressed, the screen captured with its colours and written as an SVG by rich.

    python -m tests.screenshot [OUTPUT]     # default: gallery/explore.svg
"""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.text import Text

WIDTH, HEIGHT = 100, 30
SPEC = "cosine(0.1, warmup=100)"
KEYS = ("Down", "Down", "Down", "+", "+", "Up", "Up", "Up", "PageDown", "PageDown", "PageDown", "Right")
"""warmup 100 → 102, back to max_lr, the cursor three jumps and a step in."""
OUTPUT = Path(__file__).parent.parent / "gallery" / "explore.svg"


def capture(keys: tuple[str, ...] = KEYS, spec: str = SPEC, steps: int = 1000) -> str:
    """The screen of ``lrviz explore SPEC --steps STEPS`` after ``keys``, as ANSI text."""
    tmux = ["tmux", "-L", f"lrviz-shot-{uuid.uuid4().hex[:12]}"]
    command = shlex.join([sys.executable, "-m", "lrviz", "explore", spec, "--steps", str(steps)])

    def screen(*flags: str) -> str:
        found = subprocess.run(
            [*tmux, "capture-pane", "-p", *flags, "-t", "shot"], capture_output=True, text=True
        )
        return found.stdout

    try:
        subprocess.run(
            [
                *tmux,
                "new-session",
                "-d",
                "-s",
                "shot",
                "-x",
                str(WIDTH),
                "-y",
                str(HEIGHT),
                command + "; sleep 5",
            ],
            check=True,
        )
        deadline = time.monotonic() + 30
        while "pick a parameter" not in screen():  # the app is ready for keys
            if time.monotonic() > deadline:
                raise SystemExit(f"the app did not start; the screen:\n{screen()}")
            time.sleep(0.1)
        for key in keys:
            subprocess.run([*tmux, "send-keys", "-t", "shot", key], check=True)
            time.sleep(0.2)
        time.sleep(0.5)
        return screen("-e")
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)


def svg(ansi: str) -> str:
    """The terminal's text as an SVG, as rich draws a console."""
    console = Console(record=True, width=WIDTH, file=io.StringIO(), force_terminal=True)
    console.print(Text.from_ansi(ansi.rstrip("\n")), soft_wrap=True)
    return console.export_svg(title="lrviz explore")


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    output.write_text(svg(capture()), encoding="utf-8")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
