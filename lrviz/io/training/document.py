"""What every training-config importer shares: the file's values read within lrviz's limits, where
each came from, numbers read as the frameworks read them, and what an import comes to."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lrviz.errors import LrvizError
from lrviz.io.metric import shown
from lrviz.io.settings import RunSettings
from lrviz.limits import excerpt

SUFFIXES = (".json", ".yaml", ".yml", ".py")
"""The files a training config is read from (a Python config is read, never executed)."""


class TrainingConfigError(LrvizError):
    """A training config that cannot be read for its schedule."""


@dataclass(frozen=True)
class Imported:
    """What a training config means: a spec, the run it runs over, and what was assumed to say so."""

    kind: str
    title: str
    """What the config was read as: "Hugging Face TrainingArguments"."""
    path: Path
    spec: str
    run: RunSettings = field(default_factory=RunSettings)
    assumptions: tuple[str, ...] = ()
    settings: tuple[tuple[str, str], ...] = ()
    """The specs of other hyper-parameters the config schedules (``("momentum", spec)``)."""

    def options(self) -> str:
        """The run as command-line options (``--steps 1000``), or "" when the config gives no length."""
        given = [
            ("steps", self.run.steps),
            ("epochs", self.run.epochs),
            ("steps-per-epoch", self.run.steps_per_epoch),
            ("step-on", self.run.step_on),
        ]
        return " ".join(f"--{name} {value}" for name, value in given if value is not None)

    def explained(self) -> str:
        """What the config means and what was assumed to read it, as ``lrviz import`` prints it."""
        lines = [
            f"read as: {self.title}",
            f"spec: {self.spec}",
            f"run: {self.options() or 'not in the config: give --steps N'}",
            "assumed:" if self.assumptions else "assumed: nothing",
            *(f"  - {assumption}" for assumption in self.assumptions),
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class Document:
    """A config's values, where it came from, and the line of each key path (YAML only)."""

    path: Path
    values: Mapping[str, Any]
    lines: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    tree: Any = None
    """The document as read, when it is no mapping (which no training config is)."""
    notes: tuple[str, ...] = ()
    """What reading it left out, for the import to say (a command line's unexpanded ``$ARGS``)."""
    command_line: bool = False

    @property
    def lrviz_config(self) -> bool:
        """Whether the file is an lrviz config: YAML with ``schedules:``, or YAML that is no mapping."""
        yaml = self.path.suffix.lower() in (".yaml", ".yml")
        return yaml and (self.tree is not None or "schedules" in self.values)

    def where(self, *keys: str) -> str:
        """``file:line: a.b`` (or ``file: a.b``) for a message about the value at ``keys``."""
        line = self.lines.get(tuple(keys))
        place = f"{shown(self.path)}:{line}" if line else shown(self.path)
        return f"{place}: {'.'.join(keys)}" if keys else place

    def wrong(self, what: str, value: Any, keys: tuple[str, ...]) -> TrainingConfigError:
        """The error of a value at ``keys`` that is not ``what`` it must be."""
        return TrainingConfigError(f"{self.where(*keys)}: must be {what}, got {excerpt(value)}")

    def number(self, value: Any, *keys: str) -> float:
        """A number as the framework reads it: numeric text too (YAML 1.1 reads ``3e-4`` as text, where
        argparse, Hydra and the Trainer read a number)."""
        if isinstance(value, bool):
            raise self.wrong("a number", value, keys)
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise TrainingConfigError(
                    f"{self.where(*keys)}: must be a number, got {excerpt(value)}"
                ) from None
        else:
            raise self.wrong("a number", value, keys)
        if not math.isfinite(number):
            raise self.wrong("a finite number", value, keys)
        return number

    def flag(self, value: Any, *keys: str) -> bool:
        """A true-or-false value as argparse-driven frameworks read it: ``true``/``false``, ``yes``/``no``,
        ``1``/``0`` in any case as text (a command line's ``--flag False``), or a bare flag."""
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower() if isinstance(value, str | int) else None
        if text in ("true", "yes", "y", "t", "1"):
            return True
        if text in ("false", "no", "n", "f", "0"):
            return False
        raise self.wrong("true or false", value, keys)

    def whole(self, value: Any, *keys: str) -> int:
        """A whole number, as the framework reads it (``1000.0`` and ``"1000"`` are 1000)."""
        number = self.number(value, *keys)
        if number != int(number) or abs(number) > 2**53:
            raise self.wrong("a whole number", value, keys)
        return int(number)


@dataclass(frozen=True)
class Importer:
    """One kind of training config: how to tell it from its values, and what it means."""

    kind: str
    title: str
    recognises: Callable[[Mapping[str, Any]], bool]
    translate: Callable[[Document, RunSettings], Imported]


def read(path: Path) -> Document:
    """The values of a JSON, YAML or Python config (a mapping at the top), within lrviz's config limits."""
    from lrviz.io.config import config_text, read_yaml

    text = config_text(path, TrainingConfigError)
    if path.suffix.lower() == ".py":
        from lrviz.io.training.python_config import read_python

        return Document(path, *read_python(path, text))
    if path.suffix.lower() == ".json":
        try:
            values = json.loads(text, object_pairs_hook=_unique(path))
        except json.JSONDecodeError as error:
            raise TrainingConfigError(f"{shown(path)}:{error.lineno}: not valid JSON: {error.msg}") from None
        except RecursionError:
            raise TrainingConfigError(
                f"{shown(path)}: nested too deep: a config is flatter than that"
            ) from None
        lines: Mapping[tuple[str, ...], int] = {}
    else:
        values, lines = read_yaml(path, text, EMPTY)
        if not isinstance(values, dict):  # an lrviz config's reader says what a config must be
            return Document(path, {}, lines, tree=values)
    if not isinstance(values, dict):
        raise TrainingConfigError(f"{shown(path)}: a training config is a mapping of keys to values")
    return Document(path, values, lines)


EMPTY = "an lrviz config holds 'schedules:', and a training config its framework's fields"
"""What an empty file lacks, when it could have been either."""


def _unique(path: Path) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        made: dict[str, Any] = {}
        for key, value in items:
            if key in made:
                raise TrainingConfigError(f"{shown(path)}: {excerpt(key)} is given twice")
            made[key] = value
        return made

    return pairs


def ceil_div(a: int, b: int) -> int:
    """⌈a/b⌉ in whole numbers."""
    return -(-a // b)
