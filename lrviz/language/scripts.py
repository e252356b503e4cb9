"""``FILE.py:FUNCTION`` in a spec: the rate function of a training script, read with :mod:`ast` by
:mod:`lrviz.language.pyfunction` (never run), as a schedule whose parameters are the function's own
and the module's numeric constants it reads (``--warmup-iters 200`` sets one)."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from lrviz.language.pyfunction import PyFunction, load
from lrviz.schedules.entry import Docstring, Entry, Param, Values
from lrviz.schedules.kinds import NUMBER, Kind

WHOLE_BELOW = 2.0**53
"""Numbers a script's constants show as whole numbers when they are whole: ``2000``, not ``2000.0``."""


def _as_written(value: object) -> float | int:
    """A number as a script would write it: whole numbers whole, as ``warmup_iters = 2000`` is."""
    number = NUMBER.convert(value)
    return int(number) if number.is_integer() and abs(number) < WHOLE_BELOW else number


CONSTANT = Kind("a finite number", "", _as_written)

SCRIPT = re.compile(r"(?<![\w.:/\\-])((?:[^\s'\"(),:]*[/\\])?[\w.-]*\w\.py):([A-Za-z_]\w*)")
"""A script's function in a spec: a path ending in ``.py``, a colon and the function's name."""


def stand_ins(source: str) -> tuple[str, dict[str, str]]:
    """``source`` with each ``FILE.py:FUNCTION`` replaced by a name the grammar can read, and what each
    such name stands for."""
    found: dict[str, str] = {}

    def stand_in(match: re.Match[str]) -> str:
        name = f"__script_{len(found)}__"
        found[name] = match.group(0)
        return name

    return SCRIPT.sub(stand_in, source), found


def entry(text: str, folder: str | None = None) -> Entry:
    """The schedule of ``FILE.py:FUNCTION``, its file found from ``folder`` when relative (a config's
    folder; else the working directory)."""
    path, _, name = text.rpartition(":")
    where = Path(path)
    if folder is not None and not where.is_absolute():
        where = Path(folder) / where
    info = os.stat(where) if where.is_file() else None
    return _entry(text, str(where), name, info.st_mtime_ns if info else 0, info.st_size if info else 0)


@functools.lru_cache(maxsize=64)
def _entry(text: str, path: str, name: str, mtime: int, size: int) -> Entry:
    """The entry of a script's function, made once for each version of its file."""
    function = load(path, name)
    params = tuple(
        Param(
            p.name,
            None,
            p.default is None,
            kind=CONSTANT,
            optional=p.default is not None,
            keyword_only=True,
            description=f"{name}'s {p.name} (line {p.line}): one of its parameters, or a module constant it "
            "reads; left out, the file's value (computed from the others it is written with).",
            shown_default="" if p.default is None else repr(_as_written(p.default)),
        )
        for p in function.parameters
    )
    summary = function.summary or f"The rate {name} computes, read from {Path(path).name} (never run)."
    return Entry(
        name=text,
        func=functools.partial(_evaluated, function),
        frequency="continuous",
        quantity="a Python function",
        params=params,
        generic_warmup=False,
        matches=(),
        length_rule=None,
        check_rule=None,
        doc=Docstring(
            summary=summary,
            formula=f"η_t = {name}(t), line {function.line} of {path}, evaluated over the run's steps.",
            args={p.name: p.description for p in params},
            example=text,
            notes="",
        ),
    )


def _evaluated(function: PyFunction, t: Values, **values: Any) -> Values:
    given: Mapping[str, float] = {k: float(v) for k, v in values.items() if v is not None}
    return np.asarray(function.evaluate(t, given), dtype=np.float64)
