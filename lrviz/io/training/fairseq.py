"""fairseq runs: a ``fairseq-train`` command line (its argparse dests: ``--lr-scheduler inverse_sqrt
--lr 5e-4 --warmup-updates 4000 --max-update 100000``), or fairseq's Hydra YAML (``lr_scheduler:
{_name: inverse_sqrt, warmup_updates: 4000}``, ``optimization: {lr: [0.0005], max_update: 100000}``),
read as fairseq 0.12.2 reads them, into the ``fairseq.`` dialect.

The rate is ``optimization.lr`` (``--lr``, a comma list: ``0.25,0.1``; fairseq's default [0.25]),
which every scheduler's ``lr`` interpolates, as ``max_update`` interpolates polynomial_decay's
``total_num_update`` and tri_stage's and cosine's ``max_update``. The run: ``max_update`` updates
(0: no limit), or ``max_epoch`` epochs if that comes first. fairseq batches by tokens (``--max-tokens``)
and groups ``update_freq`` batches into an update, so the updates of an epoch depend on the data and
are never in the config: ``--steps-per-epoch`` gives them, where the run or the schedule needs them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.limits import excerpt

FIELDS: dict[str, tuple[str, ...]] = {
    "fixed": ("force_anneal", "lr_shrink", "warmup_updates"),
    "inverse_sqrt": ("warmup_updates", "warmup_init_lr"),
    "polynomial_decay": ("warmup_updates", "force_anneal", "end_learning_rate", "power", "total_num_update"),
    "tri_stage": (
        "warmup_steps",
        "hold_steps",
        "decay_steps",
        "phase_ratio",
        "init_lr_scale",
        "final_lr_scale",
        "max_update",
    ),
    "cosine": (
        "warmup_updates",
        "warmup_init_lr",
        "min_lr",
        "t_mult",
        "lr_period_updates",
        "lr_shrink",
        "max_update",
    ),
    "triangular": ("max_lr", "lr_period_updates", "lr_shrink", "shrink_min"),
    "step": ("warmup_updates", "warmup_init_lr", "min_lr", "lr_deacy_period", "lr_decay"),
    "reduce_lr_on_plateau": (
        "lr_shrink",
        "lr_threshold",
        "lr_patience",
        "warmup_updates",
        "warmup_init_lr",
        "maximize_best_checkpoint_metric",
    ),
}
"""The schedulers lrviz reproduces, each with its dataclass's fields (``lr`` besides), in their order."""

UNREPRODUCED = ("manual", "pass_through")
"""fairseq 0.12.2's other schedulers: a rate from a dict of epochs or updates, and the optimizer's own."""

WHOLE = frozenset(
    {"force_anneal", "warmup_updates", "warmup_steps", "hold_steps", "decay_steps", "lr_patience"}
    | {"lr_deacy_period", "total_num_update", "max_update", "max_epoch"}
)
FLAGS = frozenset({"shrink_min", "maximize_best_checkpoint_metric"})
INTERPOLATED = {
    "total_num_update": "optimization.max_update",
    "max_update": "optimization.max_update",
    "lr": "optimization.lr",
    "maximize_best_checkpoint_metric": "checkpoint.maximize_best_checkpoint_metric",
}
"""The fields whose default is another part of the config (``II("optimization.max_update")``)."""

BY_EPOCH = ("fixed", "polynomial_decay")
"""The schedulers whose rate changes by epoch with a list of rates or force_anneal."""

TELLING = ("max_update", "warmup_updates", "max_epoch", "max_tokens", "update_freq", "arch", "force_anneal")
"""fairseq-train's flags that, with ``--lr-scheduler``, tell its command line."""

_INTERPOLATION = re.compile(r"\$\{([\w.]+)\}")


def recognises(values: Mapping[str, Any]) -> bool:
    scheduler, optimization = values.get("lr_scheduler"), values.get("optimization")
    if isinstance(scheduler, dict) and "_name" in scheduler:
        return True
    if isinstance(optimization, dict) and "max_update" in optimization:
        return True
    return isinstance(values.get("lr_scheduler"), str) and any(key in values for key in TELLING)


class _Config:
    """A fairseq config read as one: each value with its place (``optimization.lr``, or ``lr`` on a
    command line), Hydra's interpolations of the three values schedulers interpolate resolved."""

    def __init__(self, document: Document) -> None:
        self.document = document
        values = document.values
        self.hydra = any(isinstance(values.get(key), dict) for key in ("lr_scheduler", "optimization"))

    def place(self, key: str) -> tuple[str, ...]:
        """Where a run-wide value is: ``optimization.max_update`` in Hydra's YAML, ``max_update`` flat."""
        if not self.hydra:
            return (key,)
        section = "checkpoint" if key == "maximize_best_checkpoint_metric" else "optimization"
        return (section, key)

    def get(self, keys: tuple[str, ...]) -> Any:
        node: Any = self.document.values
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def scheduler(self) -> tuple[str, dict[str, Any], tuple[str, ...]]:
        """The scheduler's name, its fields as given, and where they are."""
        values = self.document.values
        node = values.get("lr_scheduler")
        if self.hydra:
            if node is None:
                return "fixed", {}, ("lr_scheduler",)
            if not isinstance(node, dict):
                raise self.document.wrong("a mapping with _name", node, ("lr_scheduler",))
            name = node.get("_name")
            return _name(self.document, name, ("lr_scheduler", "_name")), dict(node), ("lr_scheduler",)
        name = "fixed" if node is None else _name(self.document, node, ("lr_scheduler",))
        return name, dict(values), ()

    def read(self, key: str, value: Any, keys: tuple[str, ...], depth: int = 0) -> Any:
        """A field's value by its type (argparse's text too), an interpolation followed."""
        document = self.document
        if isinstance(value, str) and (found := _INTERPOLATION.fullmatch(value.strip())):
            target = tuple(found.group(1).split("."))
            if depth or target not in {tuple(p.split(".")) for p in INTERPOLATED.values()}:
                raise TrainingConfigError(
                    f"{document.where(*keys)}: {excerpt(value)} interpolates a value lrviz does not "
                    "follow: give the value itself"
                )
            held = self.get(target)
            return None if held is None else self.read(key, held, target, depth + 1)
        if value is None:
            return None
        if key == "lr":
            return _rates(document, value, keys)
        if key == "phase_ratio":
            return _rates(document, value, keys)
        if key in FLAGS:
            return document.flag(value, *keys)
        if key in WHOLE:
            return document.whole(value, *keys)
        return document.number(value, *keys)


def _name(document: Document, name: Any, keys: tuple[str, ...]) -> str:
    known = ", ".join(FIELDS)
    if name is None:
        raise TrainingConfigError(f"{document.where(*keys)}: is missing: name the scheduler, one of {known}")
    if not isinstance(name, str):
        raise document.wrong(f"a scheduler's name, one of {known}", name, keys)
    if name in UNREPRODUCED:
        raise TrainingConfigError(
            f"{document.where(*keys)}: fairseq's {name} scheduler is not one lrviz reproduces: one of {known}"
        )
    if name not in FIELDS:
        raise TrainingConfigError(
            f"{document.where(*keys)}: {excerpt(name)} is no fairseq scheduler: one of {known}"
        )
    return str(name)


def _rates(document: Document, value: Any, keys: tuple[str, ...]) -> list[float]:
    """A list of numbers as fairseq's ``eval_str_list`` reads ``--lr 0.25,0.1``, or YAML's list."""
    if isinstance(value, str):
        items: list[Any] = [part for part in value.strip().strip("[]()").split(",") if part.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    if not items:
        raise document.wrong("a number or a list of numbers", value, keys)
    return [document.number(item, *keys) for item in items]


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    config = _Config(document)
    name, node, at = config.scheduler()
    if name == "fixed" and config.get(("lr_scheduler",)) is None:
        assumed.append("lr_scheduler is not given: fairseq's default, 'fixed'")
    fields = FIELDS[name]
    if config.hydra:
        for key in node:
            if key not in (*fields, "lr", "_name"):
                raise TrainingConfigError(
                    f"{document.where(*at, key)}: {name} has no field {excerpt(key)}: it takes "
                    f"{', '.join((*fields, 'lr'))}"
                )

    def value(key: str) -> Any:
        """A field of the scheduler, else the run-wide value it interpolates (None if neither)."""
        if key in node:
            held = config.read(key, node[key], (*at, key))
            if held is not None or key not in INTERPOLATED:
                return held
        if key in INTERPOLATED:
            place = config.place(INTERPOLATED[key].split(".")[1])
            return config.read(key, config.get(place), place)
        return None

    lr = value("lr")
    if lr is None:
        lr = [0.25]
        assumed.append("lr is not given: fairseq's default, [0.25]")
    max_update = value("max_update") or 0
    args: dict[str, Any] = {}
    for key in fields:
        held = value(key)
        unset = key in ("total_num_update", "max_update", "maximize_best_checkpoint_metric") and not held
        if held is not None and not unset:  # max_update 0 is no limit, and no length
            args[key] = held
    _needs_max_update(document, config, name, args, max_update)
    defaults = _defaults(name, [key for key in fields if key not in args and key not in INTERPOLATED])
    if defaults:
        assumed.append(f"not given, so fairseq's defaults (lrviz describe fairseq.{name}): {defaults}")
    per_epoch = given.steps_per_epoch
    by_epoch = name == "reduce_lr_on_plateau" or (
        name in BY_EPOCH and (len(lr) > 1 or args.get("force_anneal") is not None)
    )
    if by_epoch:
        if per_epoch is None:
            why = "reads a validation each epoch" if name == "reduce_lr_on_plateau" else "changes by epoch"
            raise TrainingConfigError(
                f"{document.where(*config.place('lr') if len(lr) > 1 else (*at, 'force_anneal'))}: "
                f"{name}'s rate {why}, and the updates of an epoch depend on the data (fairseq batches by "
                "tokens): give --steps-per-epoch N"
            )
        args["epoch_length"] = per_epoch
    if name == "reduce_lr_on_plateau":
        assumed.append(
            "the plateau reads the first validation loss at each epoch's end (an accuracy with "
            "maximize_best_checkpoint_metric): give it with --metric FILE (an epoch column)"
        )
    text = ", ".join(f"{key}={held!r}" for key, held in {"lr": lr, **args}.items())
    spec = f"fairseq.{name}({text})"
    run = _run(document, config, max_update, per_epoch, given, assumed)
    assumed.append(
        "fairseq's trainer calls step_update(n) after each update n: each row is the rate of an update"
    )
    return Imported("fairseq", TITLE, document.path, spec, run, tuple(assumed))


def _defaults(name: str, keys: list[str]) -> str:
    """The dialect's (fairseq's) defaults of ``keys``, as ``warmup_updates=4000, …``."""
    from lrviz.language.catalogue import find

    entry = find(f"fairseq.{name}")
    assert entry is not None
    params = [entry.param(key) for key in keys]
    return ", ".join(f"{p.name}={p.default!r}" for p in params if p is not None)


def _needs_max_update(
    document: Document, config: _Config, name: str, args: dict[str, Any], max_update: int
) -> None:
    """Refuse, as fairseq asserts, a schedule that needs a length from max_update without one."""
    place = document.where(*config.place("max_update"))
    if name == "polynomial_decay" and "total_num_update" not in args:
        raise TrainingConfigError(
            f"{place}: is not given, and polynomial_decay decays over it (total_num_update): fairseq "
            "asserts total_num_update > 0: give --max-update N or --total-num-update N"
        )
    if name == "tri_stage" and args.get("phase_ratio") is not None and not max_update:
        raise TrainingConfigError(f"{place}: is not given, and tri_stage's phase_ratio divides it: give it")
    if name == "cosine" and (args.get("lr_period_updates") or -1) <= 0 and not max_update:
        raise TrainingConfigError(
            f"{place}: is not given, and cosine's period is max_update − warmup_updates: fairseq asserts "
            "'Either --max_update or --lr-period-updates must be set'"
        )


def _run(
    document: Document,
    config: _Config,
    max_update: int,
    per_epoch: int | None,
    given: RunSettings,
    assumed: list[str],
) -> RunSettings:
    """max_update updates, or max_epoch epochs of the updates an epoch has, whichever ends first."""
    max_epoch = (
        config.read("max_epoch", config.get(config.place("max_epoch")), config.place("max_epoch")) or 0
    )
    if config.get(config.place("stop_min_lr")) is not None:
        assumed.append(
            "stop_min_lr ends training at an epoch whose rate is at most it, which lrviz does not cut"
        )
    if per_epoch is not None:
        assumed.append(f"{per_epoch:,} updates an epoch, as --steps-per-epoch gives (batches ÷ update_freq)")
    if given.steps is not None or given.epochs is not None:
        what = f"--steps {given.steps:,}" if given.steps is not None else f"--epochs {given.epochs:,}"
        assumed.append(f"the run is {what}, as given")
        return RunSettings(steps=given.steps, epochs=given.epochs, steps_per_epoch=per_epoch)
    steps = max_update or None
    if max_epoch:
        if per_epoch is not None:
            by_epochs = max_epoch * per_epoch
            if steps is None or by_epochs < steps:
                assumed.append(f"the run is max_epoch = {max_epoch:,} epochs of {per_epoch:,} updates")
                return RunSettings(epochs=max_epoch, steps_per_epoch=per_epoch)
        elif steps is None:
            raise TrainingConfigError(
                f"{document.where(*config.place('max_epoch'))}: the run is {max_epoch:,} epochs, and the "
                "updates of an epoch depend on the data (fairseq batches by tokens): give "
                "--steps-per-epoch N, or --steps N"
            )
        else:
            assumed.append(
                f"max_epoch = {max_epoch:,} may end the run before max_update: the updates of an epoch "
                "are not known (give --steps-per-epoch N)"
            )
    if steps is None:
        assumed.append(
            "neither max_update nor max_epoch is set: fairseq trains until stopped: give --steps N"
        )
        return RunSettings(steps_per_epoch=per_epoch)
    assumed.append(f"the run is max_update = {steps:,} updates")
    return RunSettings(steps=steps, steps_per_epoch=per_epoch)


TITLE = "fairseq (fairseq-train flags or Hydra YAML)"
IMPORTER: Importer | None = Importer("fairseq", TITLE, recognises, translate)
