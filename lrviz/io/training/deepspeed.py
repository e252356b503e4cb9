"""DeepSpeed configs (``ds_config.json``): ``scheduler: {type, params}`` with the optimizer's
``optimizer.params.lr``, read as DeepSpeed 0.19.8 reads them, into the ``deepspeed.`` dialect.

A value of ``"auto"`` is the Hugging Face Trainer's to fill (the warm-up from its arguments, the
peak from its learning rate, the length from its run): read alone, a config with one is refused.
The run's length is ``total_num_steps`` where the scheduler has one; else it is the command line's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.limits import excerpt

SCHEDULERS = ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR", "OneCycle", "LRRangeTest")
"""The scheduler types DeepSpeed builds from a config."""

READS_OPTIMIZER = ("WarmupLR", "WarmupCosineLR")
"""The schedulers whose rates start from the optimizer's (``optimizer.params.lr``)."""

TELLING = ("zero_optimization", "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_clipping")


def recognises(values: Mapping[str, Any]) -> bool:
    scheduler = values.get("scheduler")
    return (isinstance(scheduler, dict) and "type" in scheduler) or any(key in values for key in TELLING)


def scheduler_spec(document: Document, fill: Mapping[str, Any], assumed: list[str]) -> str:
    """The spec of the config's scheduler, its ``"auto"`` values taken from ``fill`` (the Trainer's);
    one with nothing to fill it is refused."""
    scheduler = document.values.get("scheduler")
    if not isinstance(scheduler, dict) or "type" not in scheduler:
        raise TrainingConfigError(f"{document.where('scheduler')}: needs a type and its params")
    kind = scheduler["type"]
    if kind not in SCHEDULERS:
        raise TrainingConfigError(
            f"{document.where('scheduler', 'type')}: {excerpt(kind)} is no DeepSpeed scheduler: "
            f"one of {', '.join(SCHEDULERS)}"
        )
    params = scheduler.get("params") or {}
    if not isinstance(params, dict):
        raise TrainingConfigError(f"{document.where('scheduler', 'params')}: must be a mapping")
    args: dict[str, Any] = {}
    for key, value in params.items():
        if value == "auto":
            if key not in fill:
                raise TrainingConfigError(
                    f'{document.where("scheduler", "params", key)}: is "auto", which only the Hugging Face '
                    "Trainer fills: give its value, or import the TrainingArguments that name this config"
                )
            value = fill[key]
            assumed.append(f'scheduler.params.{key} is "auto": the Trainer fills {value!r}')
        args[key] = value
    text = "".join(f", {key}={value!r}" for key, value in args.items())
    if kind in READS_OPTIMIZER and args.get("warmup_max_lr") is None:  # WarmupLR's peak, when not its own
        text += f", lr={_optimizer_rate(document, fill, assumed)!r}"
    return f"deepspeed.{kind}(optimizer{text})"


def _optimizer_rate(document: Document, fill: Mapping[str, Any], assumed: list[str]) -> float:
    optimizer = document.values.get("optimizer")
    params = optimizer.get("params") if isinstance(optimizer, dict) else None
    lr = params.get("lr") if isinstance(params, dict) else None
    if lr is None or lr == "auto":
        if "lr" not in fill:
            raise TrainingConfigError(
                f"{document.where('optimizer', 'params', 'lr')}: is missing, and the scheduler's rates are "
                "the optimizer's: give it, or import the TrainingArguments that name this config"
            )
        if lr == "auto":
            assumed.append(f'optimizer.params.lr is "auto": the Trainer fills {fill["lr"]!r}')
        return float(fill["lr"])
    return document.number(lr, "optimizer", "params", "lr")


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    if "scheduler" not in document.values:
        raise TrainingConfigError(
            f"{document.where()}: has no scheduler: DeepSpeed keeps the optimizer's rate throughout "
            "(with the Hugging Face Trainer, its lr_scheduler_type runs: import the TrainingArguments)"
        )
    spec = scheduler_spec(document, {}, assumed)
    params = document.values["scheduler"].get("params") or {}
    steps = given.steps
    if steps is None and "total_num_steps" in params:
        steps = document.whole(params["total_num_steps"], "scheduler", "params", "total_num_steps")
        assumed.append(f"the run is total_num_steps = {steps:,} updates")
    if steps is None:
        assumed.append("the config holds no run length: give --steps N")
    assumed.append("the engine steps the scheduler after every optimizer update")
    return Imported("deepspeed", TITLE, document.path, spec, RunSettings(steps=steps), tuple(assumed))


TITLE = "DeepSpeed config"
IMPORTER = Importer("deepspeed", TITLE, recognises, translate)
