"""The curves a command asks for: spec texts or a config file, parameter options (``--gamma 0.1,0.5``),
the run as given, checkpoints and a resume, made into evaluated curves — the one path from what a
user writes to what lrviz draws, tabulates, exports, checks or writes code for."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lrviz.errors import LrvizError, SpecError
from lrviz.evaluation.lineup import Item, expand, run_length, set_params
from lrviz.evaluation.lineup import evaluate as evaluate_lineup
from lrviz.evaluation.run import LEARNING_RATE, Curves, Look
from lrviz.evaluation.stats import checkpoints
from lrviz.io import examples
from lrviz.io.config import Config, is_config, locate
from lrviz.io.config import load as load_config
from lrviz.io.metric import MetricError, describe_nonfinite
from lrviz.io.settings import SETTINGS, RunSettings
from lrviz.io.training import imported, opened
from lrviz.io.training import locate as locate_training
from lrviz.io.training.cmdline import COMMAND_LINE
from lrviz.io.training.cmdline import document as command_line
from lrviz.language.catalogue import dialects, entries
from lrviz.language.options import (
    FALSE,
    TRUE,
    flag,
    is_flag,
    params_named,
    sweep_values,
    unknown_option,
)
from lrviz.language.parser import parse
from lrviz.language.tree import Spec, checked
from lrviz.limits import excerpt

Option = tuple[str, Any]
"""A parameter option as given: its name (``max_lr``) and its text (``0.1``, ``0.1,0.5``; ``None`` for
a flag on its own) or, from Python, its value (``0.1``, ``[0.1, 0.5]``)."""

MOMENTUM = "momentum"
"""The quantity ``--momentum`` shows."""
RUN_OPTIONS = (*(f.name for f in SETTINGS), "resume_at")
LENGTH = (
    "steps",
    "epochs",
    "steps_per_epoch",
    "dataset_size",
    "batch_size",
    "drop_last",
    "grad_accum",
    "devices",
)
"""The run settings a training config's importer turns into its run's length, by its framework's rule."""
"""Every option of a command that is not a schedule's parameter."""


@dataclass(frozen=True)
class Built:
    """What a command asked for, evaluated: the curves, a name for its default output files, the config
    it came from (if any) and notes for the user (a metric with NaN in it)."""

    curves: Curves
    name: str
    config: Config | None = None
    notes: tuple[str, ...] = ()


def options_of(tokens: Sequence[str]) -> tuple[list[str], list[Option]]:
    """The spec texts (or a config file) and the ``--name value`` parameter options of a command line."""
    texts: list[str] = []
    options: list[Option] = []
    tokens = list(tokens)
    while tokens:
        token = tokens.pop(0)
        if not (token.startswith("--") and len(token) > 2):
            texts.append(token)
            continue
        name, has_value, value = token[2:].partition("=")
        name = name.replace("-", "_")
        if has_value:
            options.append((name, value))
            continue
        options.append((name, tokens.pop(0) if tokens and takes_next(token, tokens[0]) else None))
    return texts, options


def takes_next(option: str, following: str) -> bool:
    """Whether the token after a parameter option given without ``=`` (``--max-lr``) is its value:
    whatever it begins with (``--start -1e3``), unless it is another long option (``--steps``); a
    True/False parameter takes only a true or false word, and otherwise stands alone."""
    if following.startswith("--"):
        return False
    return not is_flag(option[2:].replace("-", "_")) or following.lower() in TRUE + FALSE


def build(
    texts: Sequence[str],
    options: Sequence[Option] = (),
    settings: RunSettings | None = None,
    at: str | Sequence[Any] | None = None,
    resume_at: int | None = None,
    known: Sequence[str] = RUN_OPTIONS,
    spelled: Callable[[str], str] = flag,
    complete: Callable[[Spec], tuple[Spec, list[str]]] | None = None,
) -> Built:
    """Parse the specs or load the config, set the options (a comma list sweeps, one curve a value),
    size the run and evaluate. ``known`` are the other options of the command, which an option that no
    schedule takes is told apart from; messages name options ``spelled`` as the caller writes them.
    ``complete`` gives a spec the arguments it still lacks once the options are set, with a note of
    each."""
    run = settings or RunSettings()
    given_metric = run.metric
    config: Config | None = None
    notes: list[str] = []
    document = opened(texts[0], run.source_kind) if len(texts) == 1 else None  # read once, told apart
    if run.command_line is not None:
        if texts:
            raise LrvizError("give a spec, a config or --cmdline, not more than one")
        document = command_line(run.command_line)
        texts = [COMMAND_LINE.name]
    if document is not None and (run.source_kind is not None or not document.lrviz_config):
        training = imported(document, run, run.source_kind)
        label = "command line" if document.command_line else document.path.name  # its spec: lrviz import
        items = [Item(label, parse(training.spec, complete=False))]
        items += [
            Item(f"{label} ({quantity})", parse(text, complete=False), Look(quantity=quantity, of=label))
            for quantity, text in training.settings
            if quantity == MOMENTUM and run.momentum
        ]
        sweeps = []
        name = document.path.stem
        run = replace(run, **dict.fromkeys(LENGTH, None)).over(training.run)  # the importer's length
        if document.command_line:
            name = "cmdline"
            notes.append(
                f"note: read the command line as {training.title} ('lrviz import --cmdline …' says how)"
            )
        else:
            shipped = "" if document.path == Path(texts[0]) else "lrviz's example "
            how = f"'lrviz import {texts[0]}' says how"
            notes.append(f"note: read {shipped}{texts[0]} as {training.title} ({how})")
    elif run.source_kind is not None:
        given = excerpt(texts[0]) if texts else "nothing"
        raise LrvizError(f"--from {run.source_kind} reads a training config file: {given} is none")
    elif document is not None or any(is_config(text) for text in texts):
        if len(texts) > 1:
            raise LrvizError("give one config file, or specs, not both")
        if document is not None:  # read already: its tree, as the config's reader takes it
            config_path: Path | None = document.path
            tree = document.tree if document.tree is not None else document.values
            config = load_config(document.path, run.per_epoch(), (tree, dict(document.lines)))
        else:
            config_path = locate(texts[0])
            assert config_path is not None
            config = load_config(config_path, run.per_epoch())
        assert config_path is not None
        items, sweeps = list(config.items), list(config.sweeps)
        name = config_path.stem
        run = run.over(config.run)
    elif texts:
        per_epoch = run.per_epoch()
        constants = {"E": float(per_epoch)} if per_epoch is not None else {}
        items = [Item(text.strip(), parse(text, constants, complete=False)) for text in texts]
        sweeps = []
        name = slug(texts)
    else:
        raise SpecError(
            "give at least one schedule, such as 'cosine(0.1)' (see 'lrviz list'), a config file, "
            'or --cmdline "python train.py …"'
        )
    specs = [item.spec for item in items]
    seen: set[str] = set()
    for option, raw in options:
        if option in seen:
            raise SpecError(f"{spelled(option)} is given twice")
        seen.add(option)
        params = params_named(specs, option)
        if not params:
            raise SpecError(unknown_option(option, specs, known, spelled))
        values = sweep_values(params[0], raw, spelled(option))
        sweeps = [s for s in sweeps if s[0] != option]
        if len(values) > 1:
            sweeps.append((option, values))
            continue
        changed = {id(item) for item in items if params_named([item.spec], option)}
        items = [
            replace(item, label=f"{item.label}, {option}={values[0]!r}")  # a config's label says so
            if config is not None and id(before) in changed
            else item
            for item, before in zip(set_params(items, {option: values[0]}), items, strict=True)
        ]
        if config is None:  # a spec's label is its text: show what the option made of it
            items = [replace(item, label=item.spec.render()) for item in items]
    if complete is not None:  # what the options left out, from the caller
        for number, item in enumerate(items):
            spec, said = complete(item.spec)
            if spec is not item.spec:
                label = item.label if config is not None else spec.render()
                items[number] = replace(item, spec=spec, label=label)
                notes += [f"note: {note}" for note in said]
    for item in items:  # complete now: the options have had their say
        try:
            checked(item.spec)
        except SpecError as error:
            if config is None:
                raise
            raise SpecError(f"{config.where('schedules', item.label)}: {error}") from None
    items = quantities(expand(items, sweeps), run, spelled)
    for item in items:
        checked(item.spec)
    try:
        length = run.run(None if run.steps is not None or run.epochs is not None else run_length(items))
    except MetricError as error:  # a metric the config names is told at its key
        if config is None or config.run.metric is None or given_metric is not None:
            raise
        raise MetricError(f"{config.where('metric')}: {error}") from None
    if resume_at is not None and not 0 <= resume_at < length.steps:
        raise LrvizError(f"{spelled('resume_at')} {resume_at} is not a step of this {length.steps}-step run")
    points = at if at is not None else (config.checkpoints if config else None)
    if length.metric is not None:
        notes += [f"note: {n}" for n in [describe_nonfinite(length.metric)] if n]
        if run.metric is not None and _shipped(run.metric, run.metric_base):
            notes.append(f"note: no {run.metric} here: the metric is lrviz's example file of that name")
    found = checkpoints(points, length.steps, length.steps_per_epoch) if points else []
    swept = config is None and len(texts) == 1 and len(items) > 1  # one spec, a curve a value
    curves = evaluate_lineup(items, length, found)
    title = texts[0].strip() if swept else ""
    return Built(replace(curves, resume_at=resume_at, title=title), name, config, tuple(notes))


def check_config_name(text: str, command: str) -> None:
    """Raise :class:`LrvizError` unless ``text`` names a config: a YAML file, a training config, or
    one lrviz ships (``command`` takes nothing else)."""
    if not is_config(text) and locate_training(text) is None:
        shipped = ", ".join(p.stem for p in examples.configs())
        raise LrvizError(
            f"{command} takes a config file ending in .yaml or .yml (or a training config), or the name "
            f"of one lrviz ships ({shipped}), got {excerpt(text)}"
        )


def quantities(items: Sequence[Item], run: RunSettings, spelled: Callable[[str], str] = flag) -> list[Item]:
    """The items as the quantity the run gives them (a schedule's own in a config wins), each followed,
    with ``momentum``, by the momentum its scheduler sets (in a panel of its own)."""
    given = run.quantity.strip() if run.quantity is not None else None
    made: list[Item] = []
    for item in items:
        if given is not None and item.look.quantity == LEARNING_RATE:
            item = replace(item, look=replace(item.look, quantity=given))
        made.append(item)
        momentum = item.spec.setting(MOMENTUM) if run.momentum else None
        if momentum is not None:
            look = replace(item.look, quantity=MOMENTUM, of=item.label)
            made.append(Item(f"{item.label} ({MOMENTUM})", momentum, look))
    if run.momentum and not any(item.look.quantity == MOMENTUM for item in made):
        setters = ", ".join(sorted({e.name for d in ("", *dialects()) for e in entries(d) if e.also}))
        raise SpecError(
            f"{spelled(MOMENTUM)}: no schedule here sets a momentum; {setters} do (with cycle_momentum=True)"
        )
    return made


def _shipped(metric: str, base: Path | None) -> bool:
    """Whether a metric path names lrviz's example file, there being no such file where it points."""
    path = Path(metric.strip())
    path = base / path if base is not None and not path.is_absolute() else path
    return not examples.exists(path) and examples.named(metric.strip(), (".csv",)) is not None


def slug(texts: Sequence[str]) -> str:
    """A file name for what the texts draw: ``cosine.png`` for ``cosine``."""
    joined = "_".join(re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") for text in texts)
    return joined[:80].strip("-_.") or "schedule"
