"""Every limit lrviz puts on its input, in one place: the README's Errors section lists them.

Each keeps a hostile or mistaken input from taking unbounded time, memory or disk, and each is far
above what a real schedule, run, config or metric file needs. Input past a limit is refused before any
work, with a message that names the limit (and, for the run length, the option that lifts it).
"""

from __future__ import annotations

import ast
import os

from lrviz.errors import RunError

SPEC_LENGTH = 10_000
"""Characters in one spec."""
SPEC_DEPTH = 100
"""Nesting depth of a spec's tree: calls, operators and brackets inside one another."""
STEP_LIMIT = 1_000_000_000
"""Steps in a run (no training run takes more than about 10^9 updates); ``--step-limit N`` lifts it."""
LARGEST_STEP = 1 << 53
"""The size of a whole number of steps (a period, a warm-up, a milestone) and the steps of any run, even
one evaluated at chosen steps only: 2^53, far beyond any run, and the most up to which every whole
number is a float64, so that steps counted in float64 and int64 stay exact."""
LARGEST_STEP_TEXT = "2^53 = 9,007,199,254,740,992"
""":data:`LARGEST_STEP` as messages write it."""
CURVES = 256
"""Curves in one command: schedules times the values of their sweeps."""
CONFIG_BYTES = 1 << 20
"""Bytes in a YAML config (1 MiB)."""
CONFIG_VALUES = 100_000
"""Values in a YAML config once its aliases are expanded (a YAML alias bomb expands to billions)."""
CONFIG_DEPTH = 64
"""Nesting depth of a YAML config's mappings and lists."""
METRIC_BYTES = 1 << 30
"""Bytes in a metric CSV file (1 GiB: tens of millions of rows)."""
TITLE_LENGTH = 1_000
"""Characters in a plot title or a label drawn on a plot."""
PIXELS = 1 << 26
"""Pixels in a PNG (about 67 million: 8192 × 8192), whatever the size and dpi."""
EXCERPT = 80
"""Characters of the input a message quotes at most."""


def excerpt(value: object, limit: int = EXCERPT) -> str:
    """``value`` as a message quotes it: its ``repr`` (a spec's is its text), cut to about ``limit``
    characters with an ellipsis in the middle (the start and end of a long text say most about it)."""
    shown = repr(value)
    if len(shown) <= limit:
        return shown
    half = max((limit - 3) // 2, 1)
    return f"{shown[:half]}…{shown[-half:]}"


def cut(text: str, limit: int = EXCERPT) -> str:
    """A text of the input (a spec's, a path) as a message shows it: as it is, or cut to about
    ``limit`` characters with an ellipsis in the middle."""
    if len(text) <= limit:
        return text
    half = max((limit - 1) // 2, 1)
    return f"{text[:half]}…{text[-half:]}"


SURELY_FREE = 1 << 26
"""Bytes any machine lrviz runs on has free: a need below this is not checked."""


def available_memory() -> int | None:
    """Bytes of memory available now, where the system says."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def ensure_memory(need: int, what: str, fix: str) -> None:
    """Refuse, before allocating, work that needs ``need`` bytes when less memory than that is free:
    the message says ``what`` needs it and ``fix`` says what to change."""
    if need < SURELY_FREE:
        return
    free = available_memory()
    if free is not None and need > free:
        raise RunError(f"{what} needs about {size(need)} of memory and {size(free)} is free: {fix}")


def size(count: float) -> str:
    """A number of bytes as people read it: 512 bytes, 1.5 MB, 60.0 GB."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if count < 1024 or unit == "TB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError


def nesting(root: ast.AST, most: int) -> int:
    """How deeply the nodes under ``root`` nest (counted without recursion), or a number above ``most``
    as soon as they nest deeper: a spec's or a script's bound on depth, told before it is walked."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > most:
            break
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
