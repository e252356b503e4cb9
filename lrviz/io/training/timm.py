"""timm's ``train.py`` runs: the ``args.yaml`` it writes into every output folder (its parsed
arguments, by argparse dest), or its command line, read as train.py, ``scheduler_kwargs`` and
``create_scheduler_v2`` (timm 1.0.31) read them, into the ``timm.`` dialect.

The rate: ``lr``, else (``lr`` null or 0) ``lr_base`` × (global batch / ``lr_base_size``), its square
root with ``lr_base_scale: sqrt`` (the default for an ``opt`` naming ada or lamb), the global batch
being ``batch_size`` × ``grad_accum_steps`` × devices. The clock: train.py calls ``step(epoch + 1)``
after each epoch and ``step_update(num_updates)`` after each update, and a scheduler heeds one of them:
epochs (a row an epoch, held over its updates), or updates with ``sched_on_updates``, where every
length in epochs is multiplied by the updates an epoch. Those are ⌈batches/``grad_accum_steps``⌉, the
batches ⌊⌈N/D⌉/B⌋ (the training loader drops the last, partial batch; a distributed sampler pads to
⌈N/D⌉ a device). The run is the ``num_epochs`` the factory returns: a cyclic schedule's length with
its cycles, warm-up prefix and ``cooldown_epochs``, else ``epochs`` (+ ``warmup_epochs`` with
``warmup_prefix``). args.yaml holds no dataset size: updates an epoch come from ``--steps-per-epoch``
or ``--dataset-size``; without them an epoch-stepped schedule is shown a row an epoch. The plateau
reads the metric reported at each epoch's end, as timm steps it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from lrviz.evaluation.plan import Plan
from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.limits import excerpt

SCHEDULERS = ("cosine", "tanh", "step", "constant", "multistep", "plateau", "poly", "wsd", "rsqrt")
"""The ``sched`` names timm's create_scheduler_v2 builds a scheduler for (and ``none``, for none)."""

CYCLIC = ("cosine", "tanh", "poly")
"""The schedulers whose length the factory takes from their cycles (``get_cycle_length``)."""

FLAGS: dict[str, tuple[str, Any]] = {
    "sched": ("text", "cosine"),
    "sched_on_updates": ("flag", False),
    "lr": ("number", None),
    "lr_base": ("number", 0.1),
    "lr_base_size": ("whole", 256),
    "lr_base_scale": ("text", ""),
    "lr_noise": ("numbers", None),
    "lr_cycle_mul": ("number", 1.0),
    "lr_cycle_decay": ("number", 0.5),
    "lr_cycle_limit": ("whole", 1),
    "lr_k_decay": ("number", 1.0),
    "lr_decay_fn": ("text", None),
    "lr_stable_timescale": ("number", None),
    "warmup_lr": ("number", 1e-5),
    "min_lr": ("number", 0.0),
    "epochs": ("whole", 300),
    "decay_milestones": ("wholes", [90, 180, 270]),
    "decay_epochs": ("number", 90.0),
    "warmup_epochs": ("whole", 5),
    "warmup_prefix": ("flag", False),
    "cooldown_epochs": ("whole", 0),
    "patience_epochs": ("whole", 10),
    "decay_rate": ("number", 0.1),
    "batch_size": ("whole", 128),
    "grad_accum_steps": ("whole", 1),
    "opt": ("text", "sgd"),
    "eval_metric": ("text", "top1"),
    "val_split": ("text", "validation"),
    "val_interval": ("whole", 1),
    "start_epoch": ("whole", None),
    "aug_repeats": ("number", 0.0),
    "train_img_sizes": ("wholes", None),
}
"""train.py's flags that its schedule depends on, by argparse dest: the type argparse reads each as,
and its default."""

READS = {
    "text": "text",
    "flag": "true or false",
    "number": "a number",
    "whole": "a whole number",
    "numbers": "numbers",
    "wholes": "whole numbers",
}
"""What a value of each type must be."""

QUIET = frozenset(
    {
        "lr_cycle_mul",
        "lr_cycle_decay",
        "lr_cycle_limit",
        "lr_k_decay",
        "min_lr",
        "warmup_prefix",
        "cooldown_epochs",
        "grad_accum_steps",
        "lr_base_scale",
        "sched_on_updates",
        "val_split",
        "val_interval",
        "aug_repeats",
    }
)
"""Flags whose default leaves the schedule as its name says (one cycle, no k-decay, a floor of 0, no
cooldown, no accumulation), which an import need not list as assumed when absent."""

ALIASES = {"dr": "decay_rate", "b": "batch_size"}
"""train.py's other spellings of those flags (``--dr``, ``-b``), as a command line gives them."""

TELLING = ("epochs", "warmup_epochs", "model", "lr_base", "sched_on_updates", "decay_epochs", "warmup_lr")
"""Keys that, with ``sched``, only timm's train.py arguments have."""


def recognises(values: Mapping[str, Any]) -> bool:
    return "sched" in values and any(key in values for key in TELLING)


class _Args:
    """train.py's arguments, read by their argparse types; each default filled is an assumption."""

    def __init__(self, document: Document, assumed: list[str]) -> None:
        self.document = document
        self.assumed = assumed
        self.values = dict(document.values)
        for alias, dest in ALIASES.items():
            if alias in self.values and dest not in self.values:
                self.values[dest] = self.values.pop(alias)

    def given(self, key: str) -> bool:
        return key in self.values

    def __getitem__(self, key: str) -> Any:
        return self.read(key, key not in QUIET)

    def read(self, key: str, say: bool = False) -> Any:
        """The value of ``key`` by its type, or its default (said to be assumed when ``say``)."""
        kind, default = FLAGS[key]
        if key not in self.values:
            if default is not None and say:
                self.assumed.append(f"{key} is not given: train.py's default, {default!r}")
            return default
        value = self.values[key]
        read = self.document
        if value is None:
            if default is None:  # a flag whose default is None: unset
                return None
            raise read.wrong(READS[kind], value, (key,))
        if kind == "number":
            return read.number(value, key)
        if kind == "whole":
            return read.whole(value, key)
        if kind == "flag":
            return read.flag(value, key)
        if kind in ("numbers", "wholes"):
            each: Callable[..., Any] = read.number if kind == "numbers" else read.whole
            items = value if isinstance(value, list | tuple) else [value]
            return [each(item, key) for item in items]
        if not isinstance(value, str):
            raise read.wrong("text", value, (key,))
        return value


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    args = _Args(document, assumed)
    sched = args["sched"]
    if sched == "none":
        raise TrainingConfigError(
            f"{document.where('sched')}: is 'none': timm builds no scheduler and trains at the optimizer's "
            "rate throughout: there is no schedule to show"
        )
    if sched not in SCHEDULERS:
        raise TrainingConfigError(
            f"{document.where('sched')}: {excerpt(sched)} is no timm scheduler: timm 1.0.31's factory "
            "refuses it (earlier ones built none, and trained at the optimizer's rate throughout): "
            f"one of {', '.join(SCHEDULERS)}"
        )
    if args["lr_noise"] is not None:
        raise TrainingConfigError(
            f"{document.where('lr_noise')}: timm draws its noise from torch's random generator, which lrviz "
            "does not reproduce: leave out lr_noise"
        )
    for key in ("epochs", "batch_size", "grad_accum_steps", "lr_base_size"):
        if args.read(key) < 1:
            raise TrainingConfigError(f"{document.where(key)}: must be 1 or more, got {args.read(key)!r}")
    on_updates = bool(args["sched_on_updates"])
    if sched == "plateau" and on_updates:
        raise TrainingConfigError(
            f"{document.where('sched_on_updates')}: timm's plateau scheduler steps per epoch only "
            "('Plateau LR only supports step per epoch.')"
        )
    per_epoch = _updates_per_epoch(document, args, given, assumed)
    if on_updates and per_epoch is None:
        raise TrainingConfigError(
            f"{document.where('sched_on_updates')}: the schedule steps every update, and its lengths are "
            "epochs × updates an epoch, which depend on the dataset: give --steps-per-epoch N, or "
            "--dataset-size N (the batch size is the config's)"
        )
    lr = _rate(document, args, given, assumed)
    scale = per_epoch if on_updates and per_epoch is not None else 1
    spec, length = _scheduler(document, args, sched, scale, lr, assumed)
    epochs = length // scale if on_updates else length
    assumed.append(
        f"timm's factory returns {epochs:,} epochs to train"
        + (f" ({length:,} updates // {scale:,})" if on_updates else "")
    )
    if args["start_epoch"]:
        assumed.append(f"start_epoch is {args['start_epoch']}: training resumed there; the rows start at 0")
    return Imported(
        "timm",
        TITLE,
        document.path,
        spec,
        _run(epochs, per_epoch, on_updates, given, assumed),
        tuple(assumed),
    )


def _rate(document: Document, args: _Args, given: RunSettings, assumed: list[str]) -> float:
    """train.py's rate: ``lr``, else ``lr_base`` scaled by the global batch (see the module)."""
    lr = args["lr"]
    if lr:
        return float(lr)
    if args["train_img_sizes"] is not None:
        raise TrainingConfigError(
            f"{document.where('lr')}: is not given, and train.py scales lr_base by the scheduled loader's "
            "average batch size, which lrviz does not compute: give lr"
        )
    batch = given.batch_size or args["batch_size"]
    accumulated = given.grad_accum or args["grad_accum_steps"]
    devices = given.devices or 1
    if given.devices is None:
        assumed.append("one device (world size 1): give --devices N for distributed training")
    base, size = args["lr_base"], args["lr_base_size"]
    how = args["lr_base_scale"]
    if not how:
        opt = str(args["opt"]).lower()
        how = "sqrt" if any(name in opt for name in ("ada", "lamb")) else "linear"
    ratio = batch * devices * accumulated / size
    if how == "sqrt":
        ratio = ratio**0.5
    rate = base * ratio
    assumed.append(
        f"lr is not set: lr_base {base!r} × ({batch} × {devices} × {accumulated} / {size})"
        f"{'^½' if how == 'sqrt' else ''} = {rate!r} ({how} scaling with the global batch, as train.py does)"
    )
    return float(rate)


def _updates_per_epoch(document: Document, args: _Args, given: RunSettings, assumed: list[str]) -> int | None:
    """timm's updates an epoch, from what the command line gives: ⌈⌊⌈N/D⌉/B⌋/A⌉."""
    if given.steps_per_epoch is not None:
        assumed.append(f"{given.steps_per_epoch:,} updates an epoch, as --steps-per-epoch gives")
        return given.steps_per_epoch
    if given.dataset_size is None:
        return None
    devices = given.devices or 1
    if args["train_img_sizes"] is not None:
        raise TrainingConfigError(
            f"{document.where('train_img_sizes')}: the scheduled-resolution loader sets its own batches an "
            "epoch: give --steps-per-epoch N"
        )
    if args["aug_repeats"] and devices > 1:
        raise TrainingConfigError(
            f"{document.where('aug_repeats')}: timm's repeated-augmentation sampler sets its own samples an "
            "epoch: give --steps-per-epoch N"
        )
    plan = Plan(
        given.dataset_size,
        given.batch_size or args["batch_size"],
        drop_last=True,
        grad_accum=given.grad_accum or args["grad_accum_steps"],
        devices=devices,
    )
    assumed.append(f"{plan.derivation()} (timm's training loader drops the last, partial batch)")
    return plan.updates


def _scheduler(
    document: Document, args: _Args, sched: str, scale: int, lr: float, assumed: list[str]
) -> tuple[str, int]:
    """The dialect's spec of what create_scheduler_v2 builds, and the length it counts, in the
    scheduler's own unit (epochs, or updates: every length × ``scale``)."""
    t_initial = args["epochs"] * scale
    warmup_t = args["warmup_epochs"] * scale
    cooldown_t = args["cooldown_epochs"] * scale
    prefix = bool(args["warmup_prefix"])
    warmup = {"warmup_t": warmup_t, "warmup_lr_init": args["warmup_lr"], "warmup_prefix": prefix}
    length = t_initial + (warmup_t if prefix else 0)
    if sched in CYCLIC:
        cycles = {
            "cycle_mul": args["lr_cycle_mul"],
            "cycle_decay": args["lr_cycle_decay"],
            "cycle_limit": args["lr_cycle_limit"],
        }
        name = {"cosine": "CosineLRScheduler", "tanh": "TanhLRScheduler", "poly": "PolyLRScheduler"}[sched]
        params: dict[str, Any] = {"t_initial": t_initial}
        if sched == "poly":
            params["power"] = args["decay_rate"]
        params.update({"lr_min": args["min_lr"], **cycles, **warmup})
        if sched != "tanh":
            params["k_decay"] = args["lr_k_decay"]
        try:
            length = _cycle_length(t_initial, cycles["cycle_mul"], cycles["cycle_limit"])
        except (OverflowError, ValueError):
            raise TrainingConfigError(
                f"{document.where('lr_cycle_limit')}: {cycles['cycle_limit']} cycles growing "
                f"{cycles['cycle_mul']!r}-fold are longer than any run"
            ) from None
        length += (warmup_t if prefix else 0) + cooldown_t
    elif sched == "step":
        name, params = (
            "StepLRScheduler",
            {
                "decay_t": args["decay_epochs"] * scale,
                "decay_rate": args["decay_rate"],
                **warmup,
            },
        )
    elif sched == "constant":
        name, params = "StepLRScheduler", {"decay_t": 1, "decay_rate": 1.0, **warmup}
    elif sched == "multistep":
        name, params = (
            "MultiStepLRScheduler",
            {
                "decay_t": [m * scale for m in args["decay_milestones"]],
                "decay_rate": args["decay_rate"],
                **warmup,
            },
        )
    elif sched == "plateau":
        name, params = "PlateauLRScheduler", _plateau(args, warmup, assumed)
    else:
        name, params, length = _wsd(document, args, sched, scale, t_initial, warmup_t, cooldown_t)
    text = "".join(f", {key}={value!r}" for key, value in params.items())
    return f"timm.{name}(optimizer{text}, lr={lr!r})", length


def _cycle_length(t_initial: int, cycle_mul: float, cycle_limit: int) -> int:
    """timm's get_cycle_length: the cycles' steps, ⌊t_initial·(mul^n − 1)/(mul − 1)⌋ when they grow."""
    cycles = max(1, cycle_limit)
    if cycle_mul == 1.0:
        return t_initial * cycles
    return math.floor(-t_initial * (cycle_mul**cycles - 1) / (1 - cycle_mul))


def _plateau(args: _Args, warmup: dict[str, Any], assumed: list[str]) -> dict[str, Any]:
    """The plateau scheduler's parameters; its mode is train.py's: 'min' for a loss, else 'max'."""
    metric = args["eval_metric"] if args["val_split"] else "loss"
    mode = "min" if metric == "loss" else "max"
    assumed.append(
        f"the plateau reads {metric!r} each epoch (mode {mode!r}): give its values with --metric FILE"
    )
    if args["val_interval"] > 1:
        assumed.append(
            f"val_interval is {args['val_interval']}: timm steps the plateau only on evaluated epochs, "
            "which lrviz does not model: the metric is read every epoch"
        )
    return {
        "decay_rate": args["decay_rate"],
        "patience_t": args["patience_epochs"],
        "cooldown_t": 0,
        "warmup_t": warmup["warmup_t"],
        "warmup_lr_init": warmup["warmup_lr_init"],
        "lr_min": args["min_lr"],
        "mode": mode,
    }


def _wsd(
    document: Document, args: _Args, sched: str, scale: int, t_initial: int, warmup_t: int, cooldown_t: int
) -> tuple[str, dict[str, Any], int]:
    """wsd and rsqrt: stable and decay fit in ``epochs`` (after the warm-up, with warmup_prefix), the
    decay ``decay_epochs`` long (a fraction of that below 1), rounded to a whole step."""
    t_sched = t_initial if args["warmup_prefix"] else t_initial - warmup_t
    decay = args["decay_epochs"]
    decay_t = decay * t_sched if 0 < decay < 1 else decay * scale
    decay_t = round(decay_t)  # Python's rounding, half to even, as timm's
    if not 0 < decay_t <= t_sched:
        raise TrainingConfigError(
            f"{document.where('decay_epochs')}: timm's {sched} schedule needs 0 < decay_epochs <= epochs"
            f"{'' if args['warmup_prefix'] else ' - warmup_epochs'}: the decay is {decay_t} steps and the "
            f"stable and decay phases {t_sched}"
        )
    timescale = args["lr_stable_timescale"]
    params: dict[str, Any] = {
        "t_initial": t_sched,
        "decay_t": decay_t,
        "lr_min": args["min_lr"],
        "stable_fn": "rsqrt" if sched == "rsqrt" else "constant",
        "stable_timescale": None if timescale is None else timescale * scale,
        "decay_fn": args["lr_decay_fn"] or ("linear" if sched == "rsqrt" else "1-sqrt"),
        "warmup_t": warmup_t,
        "warmup_lr_init": args["warmup_lr"],
    }
    return "WSDLRScheduler", params, warmup_t + t_sched + cooldown_t


def _run(
    epochs: int, per_epoch: int | None, on_updates: bool, given: RunSettings, assumed: list[str]
) -> RunSettings:
    """The run: the factory's epochs of the updates an epoch has, stepped as the scheduler is."""
    step_on = "epoch" if per_epoch is not None and not on_updates else None  # a row an epoch without them
    if given.steps is not None:
        assumed.append(f"the run is --steps {given.steps:,}, as given")
        return RunSettings(steps=given.steps, steps_per_epoch=per_epoch, step_on=step_on)
    if given.epochs is not None:
        assumed.append(f"the run is --epochs {given.epochs:,}, as given")
        epochs = given.epochs
    if epochs < 1:
        raise TrainingConfigError("the schedule timm's factory builds trains no epoch: give --epochs N")
    if per_epoch is None:
        assumed.append(
            "the updates an epoch are not known (timm's arguments hold no dataset size): a row an epoch, the "
            "rate timm sets for it; give --steps-per-epoch N or --dataset-size N for a row an update"
        )
    elif on_updates:
        assumed.append(f"the scheduler steps every update (sched_on_updates): {epochs * per_epoch:,} updates")
    else:
        assumed.append(
            "the scheduler steps once an epoch (step(epoch + 1)): each epoch's rate holds over its updates"
        )
    return RunSettings(epochs=epochs, steps_per_epoch=per_epoch, step_on=step_on)


TITLE = "timm train.py arguments"
IMPORTER = Importer("timm", TITLE, recognises, translate)
