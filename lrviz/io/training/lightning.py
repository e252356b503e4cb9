"""LightningCLI configs (``config.yaml``, as ``--print_config`` writes them): ``optimizer:`` and
``lr_scheduler:`` as ``class_path``/``init_args``, the run in ``trainer:``, read as LightningCLI
(lightning 2.x) builds them, into the ``torch.`` dialect (``bolts.`` for Bolts' scheduler).

The clock: LightningCLI hands Lightning the scheduler alone, which Lightning then steps once an epoch
(``interval: "epoch"``, which the YAML cannot change), OneCycleLR included: each epoch's rate holds
over its updates, and a scheduler sized in updates barely moves (``lrviz check`` says so). The run is
``trainer.max_epochs`` (1000 when neither it nor ``max_steps`` is set) × the updates an epoch, cut at
``trainer.max_steps``; an epoch's updates are ⌈batches/``accumulate_grad_batches``⌉ (Lightning steps
the optimizer at an epoch's last batch), its batches ⌈⌈N/D⌉/B⌉ (the loader keeps its partial batch; a
distributed sampler pads to ⌈N/D⌉ a device). The YAML holds no dataset size: the updates an epoch come
from ``--steps-per-epoch`` or ``--dataset-size``; without them each row is an epoch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz.evaluation.plan import Plan
from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.limits import excerpt

OPTIMIZER_RATES = {
    "SGD": 0.001,
    "Adam": 0.001,
    "AdamW": 0.001,
    "RMSprop": 0.01,
    "Adagrad": 0.01,
    "Adadelta": 1.0,
    "Adamax": 0.002,
    "NAdam": 0.002,
    "RAdam": 0.001,
    "ASGD": 0.01,
    "Rprop": 0.01,
    "LBFGS": 1.0,
    "SparseAdam": 0.001,
    "Adafactor": 0.01,
}
"""The default ``lr`` of each ``torch.optim`` optimizer (torch 2.13), for one whose config leaves it out."""

SCHEDULER_DIALECTS = ("torch", "bolts")
"""The dialects whose names are scheduler classes LightningCLI can build (LRScheduler subclasses)."""

DROPPED = ("monitor",)
"""LightningCLI's own init_args of its ReduceLROnPlateau (the metric to watch), not the scheduler's."""


def recognises(values: Mapping[str, Any]) -> bool:
    node = values.get("lr_scheduler")
    if isinstance(node, dict) and "class_path" in node:
        return True
    optimizer = values.get("optimizer")
    return (
        isinstance(optimizer, dict) and "class_path" in optimizer and isinstance(values.get("trainer"), dict)
    )


def coerced(value: Any) -> Any:
    """A value as jsonargparse reads it into a number-typed parameter: numeric text (YAML 1.1's
    ``3e-4``) as a number, whole numbers as ints; lists and mappings item by item."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return value
        return number if number == number and abs(number) != float("inf") else value
    if isinstance(value, list):
        return [coerced(item) for item in value]
    if isinstance(value, dict):
        return {key: coerced(item) for key, item in value.items()}
    return value


def scheduler_name(
    document: Document, class_path: Any, keys: tuple[str, ...], dialects: tuple[str, ...]
) -> str:
    """The dialect's name of a scheduler class (``torch.optim.lr_scheduler.OneCycleLR``, or the short
    ``OneCycleLR`` LightningCLI also takes); an unknown one is refused, listing the known."""
    from lrviz.language.catalogue import canonical, find, registered

    if not isinstance(class_path, str) or not class_path.strip():
        raise document.wrong("a scheduler's class path", class_path, keys)
    path = class_path.strip()
    candidates = [path] if "." in path else [f"{d}.{path}" for d in dialects]
    for candidate in candidates:
        entry = find(candidate)
        if entry is not None and entry.dialect in dialects:
            return entry.name
    known = [
        name.partition(".")[2]
        for dialect in dialects
        for name, entry in registered(dialect).items()
        if entry.dialect == dialect
    ]
    raise TrainingConfigError(
        f"{document.where(*keys)}: {excerpt(canonical(path))} is no scheduler lrviz knows: one of "
        f"{', '.join(known)}"
    )


def call_text(name: str, args: Mapping[str, Any], lr: float | None) -> str:
    """``name(optimizer, key=value, …, lr=…)``: the spec of a scheduler built on the optimizer."""
    text = "".join(f", {key}={value!r}" for key, value in args.items())
    return f"{name}(optimizer{text}{'' if lr is None else f', lr={lr!r}'})"


def _node(document: Document, key: str) -> tuple[str, dict[str, Any]]:
    """A class_path/init_args node (or a bare class path) at the top-level ``key``."""
    node = document.values.get(key)
    if isinstance(node, str):
        return node, {}
    if not isinstance(node, dict) or "class_path" not in node:
        raise TrainingConfigError(f"{document.where(key)}: must be a class_path with its init_args")
    init_args = node.get("init_args") or {}
    if not isinstance(init_args, dict):
        raise TrainingConfigError(f"{document.where(key, 'init_args')}: must be a mapping")
    return node["class_path"], init_args


def _rate(document: Document, assumed: list[str]) -> float:
    if "optimizer" not in document.values:
        raise TrainingConfigError(
            f"{document.where('optimizer')}: is missing: the scheduler scales the optimizer's rate, its "
            "init_args.lr"
        )
    class_path, init_args = _node(document, "optimizer")
    if "lr" in init_args:
        return document.number(init_args["lr"], "optimizer", "init_args", "lr")
    short = str(class_path).rpartition(".")[2]
    if short not in OPTIMIZER_RATES:
        raise TrainingConfigError(
            f"{document.where('optimizer', 'init_args')}: gives no lr, and {excerpt(class_path)} is no "
            "torch.optim optimizer whose default lrviz knows: give init_args.lr"
        )
    assumed.append(f"optimizer.init_args.lr is not given: {short}'s default, {OPTIMIZER_RATES[short]!r}")
    return OPTIMIZER_RATES[short]


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    if "lr_scheduler" not in document.values:
        raise TrainingConfigError(
            f"{document.where('lr_scheduler')}: is missing: LightningCLI then builds no scheduler and "
            "trains at the optimizer's rate throughout: there is no schedule to show"
        )
    class_path, init_args = _node(document, "lr_scheduler")
    name = scheduler_name(document, class_path, ("lr_scheduler", "class_path"), SCHEDULER_DIALECTS)
    args = {key: coerced(value) for key, value in init_args.items() if key not in DROPPED}
    for key in DROPPED:
        if key in init_args:
            assumed.append(f"lr_scheduler.init_args.{key} is LightningCLI's, not the scheduler's: left out")
    spec = call_text(name, args, _rate(document, assumed))
    return Imported("lightning", TITLE, document.path, spec, _run(document, given, assumed), tuple(assumed))


def _trainer(document: Document, key: str) -> Any:
    trainer = document.values.get("trainer")
    return trainer.get(key) if isinstance(trainer, dict) else None


def _updates_per_epoch(document: Document, given: RunSettings, assumed: list[str]) -> int | None:
    """Lightning's updates an epoch, from what the command line gives: ⌈⌈⌈N/D⌉/B⌉/A⌉."""
    if given.steps_per_epoch is not None:
        assumed.append(f"{given.steps_per_epoch:,} updates an epoch, as --steps-per-epoch gives")
        return given.steps_per_epoch
    if given.dataset_size is None:
        return None
    batch = given.batch_size
    if batch is None:
        data = document.values.get("data")
        init_args = data.get("init_args") if isinstance(data, dict) else None
        found = init_args.get("batch_size") if isinstance(init_args, dict) else None
        if found is None:
            raise TrainingConfigError(
                f"{document.where('data', 'init_args', 'batch_size')}: is missing, and the updates an epoch "
                "of --dataset-size depend on it: give --batch-size N"
            )
        batch = document.whole(found, "data", "init_args", "batch_size")
    accumulate = given.grad_accum
    if accumulate is None:
        found = _trainer(document, "accumulate_grad_batches")
        accumulate = 1 if found is None else document.whole(found, "trainer", "accumulate_grad_batches")
    devices = given.devices
    if devices is None:
        found = _trainer(document, "devices")
        if isinstance(found, list):
            devices = len(found)
        elif isinstance(found, int | str) and str(found).strip().isdigit():
            devices = int(str(found).strip())
        else:
            devices = 1
            assumed.append(
                f"trainer.devices is {excerpt(found if found is not None else 'auto')}: one device assumed; "
                "give --devices N"
            )
    plan = Plan(
        given.dataset_size, batch, drop_last=bool(given.drop_last), grad_accum=accumulate, devices=devices
    )
    assumed.append(
        f"{plan.derivation()} (Lightning's rule: the loader keeps its partial batch unless --drop-last, "
        "and the optimizer steps at an epoch's last batch)"
    )
    return plan.updates


def _run(document: Document, given: RunSettings, assumed: list[str]) -> RunSettings:
    """The run: the trainer's epochs of the updates an epoch has (cut at max_steps), a row an epoch
    when those are not known, the scheduler stepped once an epoch."""
    per_epoch = _updates_per_epoch(document, given, assumed)
    assumed.append(
        "LightningCLI's scheduler steps once an epoch (interval 'epoch', which the YAML cannot set): "
        "each epoch's rate holds over its updates"
    )
    if given.steps is not None:
        assumed.append(f"the run is --steps {given.steps:,}, as given")
        return RunSettings(steps=given.steps, steps_per_epoch=per_epoch, step_on="epoch")
    raw_steps = _trainer(document, "max_steps")
    max_steps = None if raw_steps is None else document.whole(raw_steps, "trainer", "max_steps")
    max_steps = None if max_steps == -1 else max_steps
    raw_epochs = _trainer(document, "max_epochs")
    epochs = None if raw_epochs is None else document.whole(raw_epochs, "trainer", "max_epochs")
    epochs = None if epochs == -1 else epochs
    if given.epochs is not None:
        assumed.append(f"the run is --epochs {given.epochs:,}, as given")
        epochs, max_steps = given.epochs, None
    elif epochs is None and max_steps is None:
        epochs = 1000
        assumed.append("trainer.max_epochs and max_steps are not set: Lightning's default, 1000 epochs")
    if per_epoch is None:
        if epochs is None:
            raise TrainingConfigError(
                f"{document.where('trainer', 'max_steps')}: the run is {max_steps:,} updates, and the "
                "scheduler steps once an epoch, whose updates depend on the dataset: give "
                "--steps-per-epoch N, or --dataset-size N (the batch size is the config's)"
            )
        assumed.append(
            "the updates an epoch are not known (the config holds no dataset size): a row an epoch, the "
            "rate Lightning sets for it; give --steps-per-epoch N or --dataset-size N for a row an update"
        )
        if max_steps is not None:
            assumed.append(f"trainer.max_steps {max_steps:,} may end the run before {epochs:,} epochs")
        return RunSettings(epochs=epochs, step_on="epoch")
    if epochs is not None and (max_steps is None or epochs * per_epoch <= max_steps):
        return RunSettings(epochs=epochs, steps_per_epoch=per_epoch, step_on="epoch")
    assert max_steps is not None
    assumed.append(f"the run ends at trainer.max_steps, {max_steps:,} updates")
    return RunSettings(steps=max_steps, steps_per_epoch=per_epoch, step_on="epoch")


TITLE = "LightningCLI config"
IMPORTER = Importer("lightning", TITLE, recognises, translate)
