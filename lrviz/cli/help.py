"""Help as people read it: ``SPEC...`` in the usage line, a metavar after every option that takes a
value (``N``, ``TEXT``, ``FILE``) and nothing after a flag, rather than typer's type names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.core


class Command(typer.core.TyperCommand):
    """A command whose help reads as people write it: ``SPEC...`` in the usage line, a metavar after
    every option that takes a value (``N``, ``TEXT``, ``FILE``) and nothing after a flag."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        arguments = [p for p in self.get_params(ctx) if p.param_type_name == "argument"]
        return [self.options_metavar or "[OPTIONS]", *(_metavar(p) for p in arguments)]

    def get_params(self, ctx: Any) -> list[Any]:
        return [_plain_help(param) for param in super().get_params(ctx)]


class Group(typer.core.TyperGroup):
    """The top-level command, with the same help style as its commands."""

    def get_params(self, ctx: Any) -> list[Any]:
        return [_plain_help(param) for param in super().get_params(ctx)]


_METAVARS = {int: "N", float: "X", Path: "FILE"}
"""The metavar of an option that takes a value, by its type (else ``TEXT``)."""


def _metavar(argument: Any) -> str:
    name = str(argument.metavar or argument.name or "")
    return name if name.endswith("...") or argument.nargs == 1 else f"{name}..."


def _plain_help(param: Any) -> Any:
    """A parameter shown without typer's type names (``<bool>``, ``<int range> [x>=1]``)."""
    if param.param_type_name == "argument":
        param.display_type_rich = lambda ctx: None  # its name (SPEC...) says what it takes
    elif param.param_type_name == "option":
        if param.metavar is None:
            param.metavar = "" if param.is_flag else _METAVARS.get(param.type_descriptor.annotation, "TEXT")
        param._get_number_range_help_str = lambda: None  # each option's help says its range
    return param
