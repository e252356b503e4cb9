"""The exceptions lrviz raises for input a user can fix; the CLI turns them into one-line messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class LrvizError(Exception):
    """Bad input: a spec, a parameter, a run length, an option. The CLI exits with status 2."""


class SpecError(LrvizError):
    """A spec that cannot be parsed or bound: syntax, an unknown name, a bad parameter value.

    ``code`` names the ``lrviz check`` finding it is, when it is one (L005: OneCycleLR stepped past its
    end), with its ``problem`` and ``fix``."""

    code: str | None = None
    problem: str = ""
    fix: str = ""


class RunError(LrvizError):
    """A run that cannot be evaluated: a bad length, too little memory, a non-finite rate."""


class WriteError(Exception):
    """An output file could not be written (the disk, a permission, a missing folder): exit status 1."""


def close_names(name: str, known: Iterable[str]) -> list[str]:
    """The known names closest to ``name``, best first: what a message's "did you mean" offers."""
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[c] for c in close]
