"""Training command lines as input: ``python train.py --sched cosine --lr 0.4 --epochs 300``, read as
the script's argparse would read it, into the values its config file would hold.

The launcher is left out: what follows the last script (``train.py``, ``python -m module``; else
the whole command after its environment, ``fairseq-train data --lr …``) is the script's own.
``--name value`` and ``--name=value`` give ``name`` (dashes become underscores, as argparse makes its
dests), a flag with several values gives their list, a bare flag is ``True``, and a word ``key=value``
gives ``key`` (YOLO's ``yolo train lr0=0.01``, Hydra's overrides); values stay the text typed, for the
importer to read by its framework's types. A later flag wins over an earlier one, as in argparse.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from lrviz.io.training.document import Document, TrainingConfigError
from lrviz.limits import excerpt

COMMAND_LINE = Path("--cmdline")
"""What a command line's document is called in messages."""

LONGEST = 100_000
"""The longest command line read, in characters."""

_NUMBER = re.compile(r"-(\d|\.\d|inf\b|nan\b)", re.IGNORECASE)
_SHELL = re.compile(r"\$\{?\w+\}?")
_ASSIGNMENT = re.compile(r"[A-Za-z_][\w.]*=")


def document(text: str) -> Document:
    """The values a training command line gives its script."""
    if len(text) > LONGEST:
        raise TrainingConfigError(f"--cmdline: longer than {LONGEST:,} characters: no command line is")
    try:
        words = shlex.split(text.replace("\\\n", " "), comments=True)
    except ValueError as error:
        raise TrainingConfigError(f"--cmdline: not a command line a shell reads: {error}") from None
    values: dict[str, Any] = {}
    unexpanded: list[str] = []
    name: str | None = None
    for word in _script_words(words):
        if _SHELL.fullmatch(word):
            unexpanded.append(word)
            name = None
        elif _ASSIGNMENT.match(word):  # key=value, as YOLO's and Hydra's command lines give them
            key, _, value = word.partition("=")
            values[key] = value
            name = None
        elif word.startswith("-") and not _NUMBER.match(word) and word not in ("-", "--"):
            key, given, value = word.lstrip("-").partition("=")
            name = key.replace("-", "_")
            if not name:
                raise TrainingConfigError(f"--cmdline: {excerpt(word)} is no flag")
            values[name] = value if given else True
            if given:
                name = None
        elif name is not None:
            held = values[name]
            values[name] = word if held is True else [*held, word] if isinstance(held, list) else [held, word]
        # else: a positional argument (a dataset folder), which holds no schedule
    if not values:
        raise TrainingConfigError(
            "--cmdline: gives no flags: give the whole command, as in "
            '--cmdline "python train.py --lr 0.1 --epochs 90"'
        )
    notes = (f"left to the shell, so not read: {', '.join(unexpanded)}",) if unexpanded else ()
    return Document(COMMAND_LINE, values, notes=notes, command_line=True)


def _script_words(words: list[str]) -> list[str]:
    """The words that follow the last script of a launch (``torchrun … train.py``, ``python -m pkg``),
    or, with none, the command's words after the environment it is given (``CUDA_VISIBLE_DEVICES=0``)."""
    last = -1
    for i, word in enumerate(words):
        if word.endswith(".py") and not word.startswith("-"):
            last = i
        elif word == "-m" and i + 1 < len(words):
            last = i + 1
    if last >= 0:
        return words[last + 1 :]
    first = next((i for i, word in enumerate(words) if not _ASSIGNMENT.match(word)), len(words))
    return words[first:]
