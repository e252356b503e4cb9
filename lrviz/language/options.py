"""Parameter values given outside a spec — command-line options and config entries — read the way the
spec grammar reads them, so that ``--gamma 1/3``, ``gamma: 3e-4`` and ``gamma=3e-4`` agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from lrviz.errors import SpecError, close_names
from lrviz.language.catalogue import entries
from lrviz.language.parser import parse_value
from lrviz.language.tree import PEAK_NAMES, Call, Spec
from lrviz.limits import CURVES, excerpt
from lrviz.schedules.entry import Param
from lrviz.schedules.kinds import MILESTONES, NUMBERS, POINTS

TRUE, FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")
LIST_KINDS = (MILESTONES, NUMBERS, POINTS)


def params_named(trees: Iterable[Spec], name: str) -> list[Param]:
    """The parameters ``name`` sets in these specs (either peak name sets the peak)."""
    names = PEAK_NAMES if name in PEAK_NAMES else (name,)
    return [
        p
        for tree in trees
        for node in tree.walk()
        if isinstance(node, Call)
        for p in node.entry.params
        if p.name in names and not p.is_schedule
    ]


def known_params(trees: Iterable[Spec]) -> list[str]:
    """Every parameter name the schedules of these specs take."""
    return sorted({p.name for t in trees for n in t.walk() if isinstance(n, Call) for p in n.entry.params})


def is_flag(name: str) -> bool:
    """Whether ``name`` is a True/False parameter of some schedule (so it may stand alone as an option)."""
    return any(p.name == name and p.is_flag for e in entries() for p in e.params)


def coerce(param: Param, raw: Any, where: str) -> Any:
    """One value for ``param`` from text or a config value; the schedule checks its range later."""
    if param.is_flag:
        if isinstance(raw, bool):
            return raw
        if raw is None or str(raw).lower() in TRUE:
            return True
        if str(raw).lower() in FALSE:
            return False
        raise SpecError(f"{where} is True or False, got {excerpt(raw)}")
    if raw is None or raw == "":
        raise SpecError(f"{where} needs a value")
    if param.choices or not isinstance(raw, str):
        return raw.strip("'\"") if isinstance(raw, str) else raw
    text = raw.strip()
    if param.kind in LIST_KINDS and not text.startswith(("[", "(", "{")):
        text = f"[{text}]"
    value = parse_value(text)
    if isinstance(value, Spec):
        raise SpecError(f"{where} takes a plain value, got the expression {excerpt(raw)}")
    return value


def flag(name: str) -> str:
    """An option as the command line spells it: ``--max-lr``."""
    return f"--{name.replace('_', '-')}"


def keyword(name: str) -> str:
    """An option as a Python call spells it: ``max_lr``."""
    return name


def sweep_values(param: Param, raw: Any, where: str) -> list[Any]:
    """The values of one option: a comma list of numbers (from Python, a list or tuple) is a sweep, one
    curve each; for a list parameter it is the list itself."""
    if isinstance(raw, np.ndarray | np.generic):  # numpy's values as Python's own
        raw = raw.tolist()
    if raw is None or param.is_flag or param.choices or param.kind in LIST_KINDS:
        return [coerce(param, raw, where)]
    if isinstance(raw, list | tuple):
        if not raw:
            raise SpecError(f"{where} sweeps no values: give at least one")
        if len(raw) > CURVES:
            raise SpecError(f"{where} sweeps {len(raw):,} values; a sweep has at most {CURVES}")
        return [coerce(param, value, where) for value in raw]
    if not isinstance(raw, str):
        return [coerce(param, raw, where)]
    parts = raw.split(",")
    if len(parts) > CURVES:
        raise SpecError(f"{where} sweeps {len(parts):,} values; a sweep has at most {CURVES}")
    if any(not part.strip() for part in parts):
        raise SpecError(f"{where} takes a number or a comma list of numbers, got {excerpt(raw)}")
    return [coerce(param, part, where) for part in parts]


def unknown_option(
    name: str, trees: Sequence[Spec], also: Iterable[str] = (), spelled: Callable[[str], str] = flag
) -> str:
    """The message for an option no schedule takes, naming the closest one, each ``spelled`` as the
    caller writes options (:func:`flag` or :func:`keyword`)."""
    known = sorted(set(known_params(trees)) | set(also))
    close = close_names(name, known)
    if name in also and name not in known_params(trees):
        return f"{spelled(name)} does not apply to this command"
    if close:
        return f"no such option {spelled(name)}; did you mean {spelled(close[0])}?"
    return f"no such option {spelled(name)}: no schedule given takes {name}"
