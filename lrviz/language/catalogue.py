"""The catalogue: every schedule a spec can name, collected from the modules that define them.

lrviz's own schedules are read at once; a framework dialect's module the first time one of its names
is looked up, so that a command using lrviz's own schedules does not load five frameworks' worth.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

from lrviz.dialects.frameworks import FRAMEWORKS, framework
from lrviz.errors import close_names
from lrviz.schedules import combinators, cycles, decays, pieces, plateau
from lrviz.schedules.entry import FREQUENCIES, Entry, entry_of

SCHEDULES: dict[str, Entry] = {}
"""Every schedule read so far, by the name a spec calls it."""
_READ: set[str] = set()


def _read(module: ModuleType) -> None:
    """Add the schedules a module defines."""
    for value in vars(module).values():
        entry = entry_of(value)
        if entry is not None:
            SCHEDULES.setdefault(entry.name, entry)


for _module in (pieces, decays, combinators, cycles, plateau):
    _read(_module)

MODULE_PATHS = {path: f"{f.prefix}." for f in FRAMEWORKS for path in f.paths}
"""Full module paths a pasted name may carry, and the dialect prefix each stands for."""


def canonical(name: str) -> str:
    """A name with a framework's module path shortened to its dialect prefix."""
    for path, prefix in MODULE_PATHS.items():
        if name.startswith(path):
            rest = name.removeprefix(path)
            # timm's classes live one module further down: timm.scheduler.cosine_lr.CosineLRScheduler
            return prefix + (rest.rpartition(".")[2] if prefix == "timm." else rest)
    return name


def registered(dialect: str | None = None) -> dict[str, Entry]:
    """Every schedule, once lrviz's own and ``dialect``'s (``None``: every dialect's) are read."""
    for f in FRAMEWORKS if dialect is None else filter(None, [framework(dialect)]):
        if f.prefix not in _READ:
            _read(importlib.import_module(f"lrviz.dialects.{f.module}"))
            _READ.add(f.prefix)
    return SCHEDULES


def find(name: str) -> Entry | None:
    """The entry for ``name``, or ``None``."""
    name = canonical(name)
    prefix, dot, _ = name.partition(".")
    schedules = registered(prefix if dot else "")
    return schedules.get(name) or schedules.get(f"{name}_schedule")


def lookup(name: str) -> Entry:
    """The entry for ``name``; a :class:`KeyError` carries the closest names for the message."""
    entry = find(name)
    if entry is None:
        raise KeyError(close_names(canonical(name), registered()))
    return entry


def entries(dialect: str = "") -> Iterator[Entry]:
    """The schedules of a dialect ("" for lrviz's own): by frequency (the article's first criterion),
    then as defined."""
    chosen = [e for e in registered(dialect).values() if e.dialect == dialect]
    yield from sorted(chosen, key=lambda e: FREQUENCIES.index(e.frequency))


def dialects() -> list[str]:
    """The framework dialects lrviz speaks."""
    return sorted(f.prefix for f in FRAMEWORKS)
