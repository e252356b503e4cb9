"""Hugging Face TrainingArguments (as ``TrainingArguments.to_json_string()`` writes them, or any JSON or
YAML of its fields), read as the Trainer reads them (transformers 5.23, and 4.x's ``warmup_ratio``).

The run: ``max_steps`` when it is above 0; else ``num_train_epochs`` epochs of the updates an epoch
has, which need the dataset's size (``--dataset-size``, or ``--steps-per-epoch``): the Trainer's
dataloader is sharded by whole batches, so each of D devices runs ⌈⌈N/B⌉/D⌉ batches (⌊N/B⌋ with
``dataloader_drop_last``), and an epoch has ⌈batches/A⌉ updates with A accumulated; the run is
⌈epochs × updates⌉. The warm-up is ``warmup_steps`` (a fraction of the run when below 1), else
⌈run × warmup_ratio⌉. With a ``deepspeed`` config that has a scheduler, DeepSpeed's scheduler is the
one that runs, its ``"auto"`` values filled as the Trainer fills them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError, ceil_div, read

DEFAULTS = {
    "learning_rate": 5e-5,
    "lr_scheduler_type": "linear",
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "per_device_train_batch_size": 8,
    "gradient_accumulation_steps": 1,
    "warmup_steps": 0,
    "warmup_ratio": 0.0,
}
"""TrainingArguments' defaults for the fields its schedule depends on."""

TELLING = ("lr_scheduler_type", "lr_scheduler_kwargs", "per_device_train_batch_size", "num_train_epochs")
"""Fields only TrainingArguments has: a config with one of them is one."""


def recognises(values: Mapping[str, Any]) -> bool:
    return any(key in values for key in TELLING)


class _Read(dict[str, Any]):
    """The config's fields, each default the Trainer would take recorded as an assumption when used."""

    def __init__(self, document: Document, assumed: list[str]) -> None:
        super().__init__(document.values)
        self.assumed = assumed

    def __missing__(self, key: str) -> Any:
        if key not in ("warmup_ratio", "max_steps", "warmup_steps"):  # absent means none of it
            self.assumed.append(f"{key} is not given: the Trainer's default, {DEFAULTS[key]!r}")
        return DEFAULTS[key]


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    values = _Read(document, assumed)
    lr = document.number(values["learning_rate"], "learning_rate")
    total, per_epoch = _run_length(document, values, given, assumed)
    warmup = _warmup(document, values, total, assumed)
    speed = _deepspeed(document, values)
    if speed is not None and "scheduler" in speed.values:
        from lrviz.io.training.deepspeed import scheduler_spec

        filled = {"warmup_min_lr": 0, "warmup_max_lr": lr, "warmup_num_steps": max(1, warmup), "lr": lr}
        spec = scheduler_spec(speed, {**filled, "total_num_steps": total}, assumed)
        assumed.append(f"DeepSpeed's scheduler in {speed.path} runs, not lr_scheduler_type")
    else:
        kind = str(values["lr_scheduler_type"]).removeprefix("SchedulerType.").lower()
        extra = values.get("lr_scheduler_kwargs") or {}
        if isinstance(extra, str):  # as a command line gives it: JSON text
            import json

            try:
                extra = json.loads(extra)
            except json.JSONDecodeError:
                raise TrainingConfigError(
                    f"{document.where('lr_scheduler_kwargs')}: must be a mapping (or its JSON text)"
                ) from None
        if not isinstance(extra, dict):
            raise TrainingConfigError(f"{document.where('lr_scheduler_kwargs')}: must be a mapping")
        kwargs = f", scheduler_specific_kwargs={extra!r}" if extra else ""
        spec = (
            f"hf.get_scheduler({kind!r}, optimizer, num_warmup_steps={warmup}, num_training_steps={total}"
            f"{kwargs}, lr={lr!r})"
        )
    run = RunSettings(steps=total, steps_per_epoch=per_epoch)
    return Imported("hf", TITLE, document.path, spec, run, tuple(assumed))


def _run_length(
    document: Document, values: Mapping[str, Any], given: RunSettings, assumed: list[str]
) -> tuple[int, int | None]:
    """The updates the Trainer runs (see the module), and its updates an epoch where they are known."""
    if given.steps is not None:
        assumed.append(f"the run is --steps {given.steps}, as given")
        return given.steps, given.steps_per_epoch
    max_steps = document.whole(values["max_steps"], "max_steps")
    if max_steps > 0:
        assumed.append(f"the run is max_steps = {max_steps:,} updates")
        return max_steps, given.steps_per_epoch
    epochs = document.number(values["num_train_epochs"], "num_train_epochs")
    if epochs <= 0:
        raise TrainingConfigError(
            f"{document.where('num_train_epochs')}: must be above 0 when max_steps is not"
        )
    if given.steps_per_epoch is not None:
        updates = given.steps_per_epoch
        how = f"--steps-per-epoch {updates:,}"
    elif given.dataset_size is not None:
        batch = given.batch_size or document.whole(
            values["per_device_train_batch_size"], "per_device_train_batch_size"
        )
        accumulated = given.grad_accum or document.whole(
            values["gradient_accumulation_steps"], "gradient_accumulation_steps"
        )
        devices = given.devices or 1
        if given.devices is None:
            assumed.append("one device: give --devices N for data-parallel training")
        drop = given.drop_last
        if drop is None:
            drop = document.flag(values.get("dataloader_drop_last", False), "dataloader_drop_last")
        if batch < 1 or accumulated < 1:
            raise TrainingConfigError(f"{document.where()}: batch sizes and accumulation must be 1 or more")
        batches = given.dataset_size // batch if drop else ceil_div(given.dataset_size, batch)
        each = ceil_div(batches, devices)
        updates = max(ceil_div(each, accumulated), 1)
        how = (
            f"{given.dataset_size:,} samples in {'full ' if drop else ''}batches of {batch} are {batches:,} "
            f"batches, {each:,} on each of {devices} device{'s' if devices > 1 else ''} (the Trainer shards "
            f"whole batches), {updates:,} updates accumulating {accumulated}"
        )
    else:
        raise TrainingConfigError(
            f"{document.where('num_train_epochs')}: the run is {epochs:g} epochs, whose updates depend on "
            "the dataset: give --dataset-size N (the batch sizes are the config's) or --steps-per-epoch N, "
            "or --steps N"
        )
    total = math.ceil(epochs * updates)
    assumed.append(f"the run is ⌈{epochs:g} epochs × {updates:,} updates⌉ = {total:,} updates: {how}")
    return total, updates


def _warmup(document: Document, values: Mapping[str, Any], total: int, assumed: list[str]) -> int:
    """The Trainer's warm-up: warmup_steps (a fraction of the run below 1), else 4.x's warmup_ratio."""
    steps = document.number(values["warmup_steps"], "warmup_steps")
    if steps >= 1:
        return int(steps)
    share, field = (
        (steps, "warmup_steps")
        if steps > 0
        else (
            document.number(values["warmup_ratio"], "warmup_ratio"),
            "warmup_ratio (transformers 4's; 5 reads a fraction from warmup_steps)",
        )
    )
    if share <= 0:
        return 0
    warmup = math.ceil(total * share)
    assumed.append(f"the warm-up is ⌈{total:,} × {share:g}⌉ = {warmup:,} updates, from {field}")
    return warmup


def _deepspeed(document: Document, values: Mapping[str, Any]) -> Document | None:
    """The DeepSpeed config the ``deepspeed`` field names (a path, tried from the config's folder, then
    from the current one, as training was launched from somewhere) or holds."""
    given = values.get("deepspeed")
    if not given:
        return None
    if isinstance(given, dict):
        return Document(document.path, given)
    if not isinstance(given, str):
        raise TrainingConfigError(
            f"{document.where('deepspeed')}: must be a path to a DeepSpeed config, or one"
        )
    for folder in (document.path.parent, Path.cwd()):
        candidate = folder / given
        if candidate.is_file():
            return read(candidate)
    raise TrainingConfigError(
        f"{document.where('deepspeed')}: {given!r} is not a file, from the config's folder or this one"
    )


TITLE = "Hugging Face TrainingArguments"
IMPORTER = Importer("hf", TITLE, recognises, translate)
