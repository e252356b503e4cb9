"""A line-up of schedules to compare: labelled specs with their looks, parameters set on them, sweeps
expanded into one curve per value, evaluated over one run."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from lrviz.clock import grid
from lrviz.errors import LrvizError, SpecError
from lrviz.evaluation.run import Curves, Look, Run, series
from lrviz.evaluation.stats import Checkpoint
from lrviz.language.options import params_named, unknown_option
from lrviz.language.tree import Spec
from lrviz.limits import CURVES


@dataclass(frozen=True)
class Item:
    """One schedule of a line-up: its label, its spec and how it is drawn."""

    label: str
    spec: Spec
    look: Look = field(default_factory=Look)


Sweep = tuple[str, list[Any]]
"""A swept parameter and its values."""


def set_params(
    items: Sequence[Item], values: Mapping[str, Any], *, fill: bool = False, also: Sequence[str] = ()
) -> list[Item]:
    """Set parameters in every schedule of every item that takes them (``fill``: only where the spec
    leaves them out). A name no schedule takes is an error naming the closest one."""
    used: set[str] = set()
    result = []
    for item in items:
        spec, names = item.spec.with_params(values, fill=fill)
        used |= names
        result.append(replace(item, spec=spec) if names else item)
    unused = [name for name in values if name not in used]
    if unused and not fill:
        raise SpecError(unknown_option(unused[0], [i.spec for i in items], also))
    return result


def expand(items: Sequence[Item], sweeps: Sequence[Sweep]) -> list[Item]:
    """One item per schedule and combination of the swept values it takes (a schedule that takes
    none of the swept parameters is drawn once).

    A schedule's last sweep is overlaid, labelled by value and shaded along a sequential colour map;
    each schedule (when there are several) and each value of its other sweeps gets a panel of its own.
    """
    if not sweeps:
        return list(items)
    for name, values in sweeps:
        if not values:
            raise LrvizError(f"the sweep over {name} has no values")
    own = [[(name, values) for name, values in sweeps if params_named([item.spec], name)] for item in items]
    check_count(sum(math.prod(len(values) for _, values in mine) for mine in own))
    several = len(items) > 1
    result = []
    for item, mine in zip(items, own, strict=True):
        if not mine:
            result.append(replace(item, look=replace(item.look, panel=item.label if several else "")))
            continue
        overlaid_name, overlaid = mine[-1]
        for combo in itertools.product(*(values for _, values in mine)):
            settings = dict(zip((name for name, _ in mine), combo, strict=True))
            (swept,) = set_params([item], settings)
            value = settings[overlaid_name]
            panels = [item.label] if several else []
            panels += [f"{name}={settings[name]!r}" for name, _ in mine[:-1]]
            panel = ", ".join(panels)
            label = ", ".join([*panels, f"{overlaid_name}={value!r}"])
            shade = overlaid.index(value) / max(len(overlaid) - 1, 1)
            look = replace(item.look, shade=shade, panel=panel or item.look.panel)
            result.append(Item(label, swept.spec, look))
    return result


def evaluate(items: Sequence[Item], run: Run, points: Sequence[Checkpoint] = ()) -> Curves:
    """Evaluate every item over ``run``; repeated labels get a number. Curves of more than
    :data:`~lrviz.clock.grid.WHOLE` steps in all are not evaluated now but read a chunk at a time whenever
    they are needed, so that every command works in flat memory."""
    check_count(len(items))
    whole = run.steps * len(items) <= grid.WHOLE
    if whole:
        run.check_memory(len(items))
    labels = _unique([item.label for item in items])
    evaluated = tuple(
        series(item.spec, run, label, item.look, whole) for label, item in zip(labels, items, strict=True)
    )
    return Curves(run, evaluated, tuple(points))


def check_count(curves: int) -> None:
    """Refuse a line-up of more curves than :data:`~lrviz.limits.CURVES`, before any is made."""
    if curves > CURVES:
        raise LrvizError(
            f"{curves:,} curves are too many to compare (at most {CURVES}): use fewer schedules or "
            "fewer sweep values"
        )


class NoRunLength(LrvizError):
    """Neither the run nor any of its schedules says how long it is."""


def run_length(items: Sequence[Item]) -> int:
    """The length of the longest item that has one, for a run whose length was not given."""
    lengths = [item.spec.length for item in items if item.spec.length is not None]
    if not lengths:
        raise NoRunLength("say how long the run is: --steps N, or --epochs E (with --steps-per-epoch)")
    return max(lengths)


def _unique(labels: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    unique = []
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
        unique.append(label if counts[label] == 1 else f"{label} ({counts[label]})")
    return unique
