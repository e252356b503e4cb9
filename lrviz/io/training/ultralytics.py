"""Ultralytics YOLO runs: the ``args.yaml`` the trainer writes into every ``runs/<task>/<name>/`` folder
(its arguments, ``ultralytics/cfg/default.yaml`` filled in), read as ``BaseTrainer`` (ultralytics
8.4.190) reads it into the ``ultralytics.`` dialect.

The rate: ``lr0``, except with ``optimizer: auto`` (the default), where the trainer picks its own: over
10,000 iterations (⌈images/max(batch, nbs)⌉ × epochs) MuSGD at 0.01, else AdamW at
round(0.002·5/(4 + nc), 6) with nc the dataset's classes, and the bias warm-up then starts at 0.
args.yaml keeps the ``auto`` and the lr0 it ignored (it is written before the optimizer is built).
The rows are batches: epochs × the training loader's batches an epoch, ⌈images a device/(batch ÷
devices)⌉ (the loader keeps the last, partial batch, unless ``compile``). args.yaml holds no dataset
size: the batches come from ``--steps-per-epoch`` or ``--dataset-size``, else 100 are assumed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError, ceil_div, read
from lrviz.limits import excerpt

DEFAULTS: dict[str, Any] = {
    "lrf": 0.01,
    "cos_lr": False,
    "epochs": 100,
    "warmup_epochs": 3.0,
    "warmup_bias_lr": 0.1,
    "batch": 16,
    "nbs": 64,
    "optimizer": "auto",
}
"""The keys the rate depends on besides lr0, with ultralytics/cfg/default.yaml's values."""

OPTIMIZERS = ("SGD", "MuSGD", "Adam", "Adamax", "AdamW", "NAdam", "RAdam", "RMSProp", "auto")
"""The ``optimizer`` names the trainer builds (in any case)."""

ASSUMED_BATCHES = 100
"""The batches an epoch shown when neither the file nor the command line says."""

AUTO_ITERATIONS = 10_000
"""Above this many iterations ``optimizer: auto`` takes MuSGD at 0.01, at or below it AdamW."""

TITLE = "Ultralytics YOLO arguments"


def recognises(values: Mapping[str, Any]) -> bool:
    return "lr0" in values and "lrf" in values


class _Args:
    """The trainer's arguments, each default filled said to be assumed."""

    def __init__(self, document: Document, assumed: list[str]) -> None:
        self.document = document
        self.assumed = assumed

    def raw(self, key: str) -> Any:
        if key not in self.document.values or self.document.values[key] is None:
            self.assumed.append(f"{key} is not given: ultralytics' default, {DEFAULTS[key]!r}")
            return DEFAULTS[key]
        return self.document.values[key]

    def number(self, key: str) -> float:
        return self.document.number(self.raw(key), key)

    def whole(self, key: str, least: int) -> int:
        value = self.document.whole(self.raw(key), key)
        if value < least:
            raise TrainingConfigError(f"{self.document.where(key)}: must be {least} or more, got {value}")
        return value


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    args = _Args(document, assumed)
    values = document.values
    if values.get("lr0") is None:
        raise TrainingConfigError(
            f"{document.where()}: lr0 is missing: a YOLO args.yaml always holds it (the initial rate)"
        )
    lr0 = document.number(values["lr0"], "lr0")
    lrf = args.number("lrf")
    epochs = args.whole("epochs", 1)
    cos_lr = document.flag(args.raw("cos_lr"), "cos_lr")
    warmup_epochs = args.number("warmup_epochs")
    warmup_bias_lr = args.number("warmup_bias_lr")
    nbs = args.whole("nbs", 1)
    batch = _batch(document, args, given)
    nb = _batches(document, batch, given, assumed)
    optimizer = args.raw("optimizer")
    known = {name.lower(): name for name in OPTIMIZERS}
    if not isinstance(optimizer, str) or optimizer.lower() not in known:
        raise TrainingConfigError(
            f"{document.where('optimizer')}: {excerpt(optimizer)} is no optimizer the trainer builds: one of "
            f"{', '.join(OPTIMIZERS)}"
        )
    if known[optimizer.lower()] == "auto":
        lr0, warmup_bias_lr = _auto(document, lr0, epochs, batch, nbs, nb, given, assumed), 0.0
    spec = (
        f"ultralytics.YOLO(batches={nb}, lr0={lr0!r}, lrf={lrf!r}, epochs={epochs}, cos_lr={cos_lr!r}, "
        f"warmup_epochs={warmup_epochs!r}, warmup_bias_lr={warmup_bias_lr!r})"
    )
    assumed.append(
        "YOLO's parameter groups differ: shown is the weight group (the bn group's rates are the same); "
        + (
            f"the bias group's warm-up falls from warmup_bias_lr {warmup_bias_lr!r} instead of rising "
            "from 0: add group='bias' to the spec to see it"
            if warmup_bias_lr != 0
            else "the bias group's too, its warm-up starting at 0 here"
        )
    )
    assumed.append(
        "a row a batch (the trainer sets the rate each batch); the optimizer steps every "
        f"round(nbs/batch) = {max(round(nbs / batch), 1) if batch else '?'} batches, fewer during the warm-up"
    )
    _notes(document, epochs, assumed)
    return Imported(
        "ultralytics", TITLE, document.path, spec, _run(epochs, nb, given, assumed), tuple(assumed)
    )


def _batch(document: Document, args: _Args, given: RunSettings) -> int | None:
    """The batch size over all devices: ``batch``, or --batch-size; None for AutoBatch (-1, or a memory
    fraction), which sizes it on the GPU."""
    if given.batch_size is not None:
        return given.batch_size
    value = args.raw("batch")
    number = document.number(value, "batch")
    if number == -1 or 0 < number < 1:
        return None
    whole = document.whole(value, "batch")
    if whole < 1:
        raise TrainingConfigError(
            f"{document.where('batch')}: must be a batch size of 1 or more, -1 (AutoBatch) or a memory "
            f"fraction below 1, got {excerpt(value)}"
        )
    return whole


def _batches(document: Document, batch: int | None, given: RunSettings, assumed: list[str]) -> int:
    """The training loader's batches an epoch (nb), by ultralytics' build_dataloader."""
    if given.steps_per_epoch is not None:
        assumed.append(f"{given.steps_per_epoch:,} batches an epoch, as --steps-per-epoch gives")
        return given.steps_per_epoch
    if given.dataset_size is None:
        assumed.append(
            "the batches an epoch are not known (args.yaml holds no dataset size): "
            f"{ASSUMED_BATCHES} assumed; give --steps-per-epoch N or --dataset-size N"
        )
        return ASSUMED_BATCHES
    if batch is None:
        raise TrainingConfigError(
            f"{document.where('batch')}: AutoBatch sizes the batch on the GPU: give --batch-size N or "
            "--steps-per-epoch N"
        )
    images, devices = given.dataset_size, given.devices or 1
    fraction = document.values.get("fraction", 1.0)
    if fraction not in (None, 1, 1.0):
        assumed.append(
            f"fraction is {excerpt(fraction)}: --dataset-size is taken as the images the trainer keeps of it"
        )
    per_device = max(batch // devices, 1)
    samples = ceil_div(images, devices) if devices > 1 else images  # a DistributedSampler pads
    size = min(per_device, images)
    drop = bool(document.flag(document.values.get("compile", False), "compile"))
    drop = drop and samples > size and samples % size != 0
    nb = samples // size if drop else ceil_div(samples, size)
    assumed.append(
        f"{nb:,} batches an epoch: ⌈{samples:,} images{' a device' if devices > 1 else ''} / {size}⌉"
        + (
            " (compile drops the last, partial batch)"
            if drop
            else " (the loader keeps the last, partial batch)"
        )
    )
    return nb


def _auto(
    document: Document,
    lr0: float,
    epochs: int,
    batch: int | None,
    nbs: int,
    nb: int,
    given: RunSettings,
    assumed: list[str],
) -> float:
    """The rate ``optimizer: auto`` picks (see the module)."""
    divisor = max(batch or 0, nbs)
    if given.dataset_size is not None and batch is not None:
        low = high = math.ceil(given.dataset_size / divisor) * epochs
    elif batch is not None and (given.devices or 1) == 1:
        fewest = (nb - 1) * batch + 1  # the images nb batches of `batch` can hold
        low, high = math.ceil(fewest / divisor) * epochs, math.ceil(nb * batch / divisor) * epochs
    else:
        low, high = 0, AUTO_ITERATIONS + 1
    if low > AUTO_ITERATIONS:
        assumed.append(
            f"optimizer is auto: over {AUTO_ITERATIONS:,} iterations (⌈images / {divisor}⌉ × {epochs} ≥ "
            f"{low:,}) the trainer takes MuSGD at 0.01{_ignoring(lr0, 0.01)}, and starts the bias "
            "warm-up at 0; MuSGD's head groups run at 3× (not shown)"
        )
        return 0.01
    if high > AUTO_ITERATIONS:
        raise TrainingConfigError(
            f"{document.where('optimizer')}: is auto, which picks MuSGD at 0.01 over {AUTO_ITERATIONS:,} "
            f"iterations (⌈images / {divisor}⌉ × {epochs}) and AdamW at a rate from the classes below: give "
            "--dataset-size N (and --batch-size N for AutoBatch), or set lr0 and an optimizer"
        )
    nc, source = _classes(document, assumed)
    rate = round(0.002 * 5 / (4 + nc), 6)
    assumed.append(
        f"optimizer is auto: at most {AUTO_ITERATIONS:,} iterations (⌈images / {divisor}⌉ × {epochs} ≤ "
        f"{high:,}), so the trainer takes AdamW at round(0.002·5/(4 + nc), 6) = {rate!r} with nc {nc} "
        f"({source}){_ignoring(lr0, rate)}, and starts the bias warm-up at 0"
    )
    return rate


def _classes(document: Document, assumed: list[str]) -> tuple[int, str]:
    """The dataset's classes: ``nc`` (or the count of ``names``) in the ``data`` file where it can be
    read (beside the config, else from here), else 80, COCO's, assumed."""
    data = document.values.get("data")
    if isinstance(data, str) and data.lower().endswith((".yaml", ".yml")):
        for folder in (document.path.parent, Path.cwd()):
            path = folder / data
            if path.is_file():
                values = read(path).values
                if isinstance(values.get("nc"), int) and not isinstance(values["nc"], bool):
                    return values["nc"], f"nc in {data}"
                names = values.get("names")
                if isinstance(names, list | dict) and names:
                    return len(names), f"the names in {data}"
    assumed.append(
        f"the dataset's classes are not known (data {excerpt(data)} cannot be read here): "
        "80 (COCO's) assumed; the rate is 0.002·5/(4 + nc) rounded to 6 places, so set lr0 and an "
        "optimizer to be sure"
    )
    return 80, "assumed"


def _notes(document: Document, epochs: int, assumed: list[str]) -> None:
    """What the run may do that the file cannot say."""
    values = document.values
    hours = values.get("time")
    if hours not in (None, 0, False, ""):
        assumed.append(
            f"time is {excerpt(hours)} hours: the trainer re-estimates the epochs from the wall clock after "
            f"each epoch and rebuilds lf over them; shown are the {epochs} epochs given"
        )
    patience = values.get("patience")
    if isinstance(patience, int) and not isinstance(patience, bool) and 0 < patience < epochs:
        assumed.append(
            f"patience is {patience}: training stops early after {patience} epochs without improvement; "
            "shown is the whole run"
        )
    if values.get("resume") not in (None, False, "", "False", "false"):
        assumed.append("resume is set: training restarts from a checkpoint; the rows start at 0")


def _run(epochs: int, nb: int, given: RunSettings, assumed: list[str]) -> RunSettings:
    if given.steps is not None:
        assumed.append(f"the run is --steps {given.steps:,}, as given")
        return RunSettings(steps=given.steps, steps_per_epoch=nb)
    if given.epochs is not None:
        assumed.append(f"the run is --epochs {given.epochs:,}, as given")
        epochs = given.epochs
    return RunSettings(epochs=epochs, steps_per_epoch=nb)


IMPORTER = Importer("ultralytics", TITLE, recognises, translate)


def _ignoring(lr0: float, rate: float) -> str:
    """The words that say the trainer ignores lr0, where its choice is not lr0."""
    return "" if lr0 == rate else f", ignoring lr0 {lr0!r}"
