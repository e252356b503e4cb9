"""Megatron-LM runs: the command line of ``pretrain_gpt.py`` and its kin (argparse dests, as
``--cmdline`` gives them), or a YAML or JSON of the same keys (``lr_decay_style`` or
``lr-decay-style``), read as Megatron-LM's ``arguments.py`` and ``get_optimizer_param_scheduler``
(``megatron/training``, with megatron-core 0.16.1's OptimizerParamScheduler) read them, into the
``megatron.`` dialect.

Megatron counts the scheduler in samples: after each update its training loop calls
``step(increment=global batch size)``. A run sized in iterations (``train_iters``) has its warm-up,
decay and WSD anneal in iterations, which it multiplies by the global batch size; one sized in samples
(``train_samples``) has them in samples, and runs ``train_samples // global_batch_size`` updates.
``lr_decay_iters`` (``lr_decay_samples``) defaults to the run's length, and ``lr_warmup_fraction``,
when given, makes the warm-up that fraction of the decay's steps. The global batch size defaults to
``micro_batch_size`` × the data-parallel ranks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.limits import excerpt

DECAY_STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
"""``--lr-decay-style``'s choices."""

WSD_DECAY_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")
"""``--lr-wsd-decay-style``'s choices."""

FLAGS: dict[str, tuple[str, Any]] = {
    "lr": ("number", None),
    "min_lr": ("number", 0.0),
    "lr_decay_style": ("text", "linear"),
    "lr_wsd_decay_style": ("text", "exponential"),
    "lr_decay_iters": ("whole", None),
    "lr_decay_samples": ("whole", None),
    "lr_wsd_decay_iters": ("whole", None),
    "lr_wsd_decay_samples": ("whole", None),
    "lr_warmup_fraction": ("number", None),
    "lr_warmup_iters": ("whole", 0),
    "lr_warmup_samples": ("whole", 0),
    "lr_warmup_init": ("number", 0.0),
    "train_iters": ("whole", None),
    "train_samples": ("whole", None),
    "global_batch_size": ("whole", None),
    "micro_batch_size": ("whole", None),
}
"""Megatron's flags that its schedule depends on, by argparse dest: the type argparse reads each as,
and its default."""

TELLING = (
    "lr_decay_style",
    "lr_decay_iters",
    "lr_decay_samples",
    "lr_warmup_iters",
    "lr_warmup_samples",
    "lr_warmup_fraction",
    "lr_warmup_init",
    "lr_wsd_decay_style",
    "lr_wsd_decay_iters",
    "lr_wsd_decay_samples",
    "train_samples",
)
"""Keys that only Megatron's arguments have (``train_iters`` too, with a global or micro batch size)."""

RETIRED = {
    "warmup": "--warmup is no longer valid in Megatron: use --lr-warmup-fraction or --lr-warmup-iters",
    "batch_size": "--batch-size is no longer valid in Megatron: use --micro-batch-size",
}
"""Old flags that Megatron's validate_args refuses."""

TITLE = "Megatron-LM arguments"


def _keys(values: Mapping[str, Any]) -> dict[str, str]:
    """The values' keys as argparse dests (``lr-decay-style`` is ``lr_decay_style``), to the key given."""
    return {str(key).replace("-", "_"): str(key) for key in values}


def recognises(values: Mapping[str, Any]) -> bool:
    keys = _keys(values)
    if isinstance(values.get("optimizer"), dict):  # GPT-NeoX's configs share the names, not the rules
        return False
    return any(key in keys for key in TELLING) or (
        "train_iters" in keys and ("global_batch_size" in keys or "micro_batch_size" in keys)
    )


class _Args:
    """Megatron's arguments, read by their argparse types; each default filled is an assumption."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.keys = _keys(document.values)

    def given(self, key: str) -> bool:
        return key in self.keys and self.document.values[self.keys[key]] is not None

    def where(self, key: str) -> str:
        return self.document.where(self.keys.get(key, key))

    def __getitem__(self, key: str) -> Any:
        kind, default = FLAGS[key]
        if not self.given(key):
            return default
        original = self.keys[key]
        value = self.document.values[original]
        if kind == "number":
            return self.document.number(value, original)
        if kind == "whole":
            return self.document.whole(value, original)
        if not isinstance(value, str):
            raise self.document.wrong("text", value, (original,))
        return value


def _refuse_mixed(args: _Args, by_samples: bool) -> None:
    """What validate_args asserts of a run sized in iterations or in samples."""
    if by_samples:
        wrong = [("lr_decay_iters", None), ("lr_warmup_iters", 0), ("lr_wsd_decay_iters", None)]
        sized, fraction_with = "train_samples", "lr_warmup_samples"
    else:
        wrong = [("lr_decay_samples", None), ("lr_warmup_samples", 0), ("lr_wsd_decay_samples", None)]
        sized, fraction_with = "train_iters", "lr_warmup_iters"
    for key, unset in wrong:
        if args[key] != unset:
            raise TrainingConfigError(
                f"{args.where(key)}: is given with {sized}, and Megatron expects a run sized in "
                f"{'samples' if by_samples else 'iterations'} to give its schedule so too"
            )
    if args["lr_warmup_fraction"] is not None and args[fraction_with]:
        raise TrainingConfigError(
            f"{args.where('lr_warmup_fraction')}: Megatron takes only one of lr_warmup_fraction and "
            f"{fraction_with}"
        )


def _global_batch(args: _Args, given: RunSettings, assumed: list[str]) -> int:
    """``global_batch_size``, else ``micro_batch_size`` × the data-parallel ranks (validate_args' rule)."""
    micro: int | None = args["micro_batch_size"]
    if micro is not None and micro < 1:
        raise TrainingConfigError(f"{args.where('micro_batch_size')}: must be 1 or more, got {micro}")
    ranks = given.devices or 1
    if args.given("global_batch_size"):
        batch: int = args["global_batch_size"]
        if batch < 1:
            raise TrainingConfigError(f"{args.where('global_batch_size')}: must be 1 or more, got {batch}")
        if micro is not None and batch % (micro * ranks):
            raise TrainingConfigError(
                f"{args.where('global_batch_size')}: {batch} is no multiple of micro_batch_size {micro} × "
                f"{ranks} data-parallel rank{'s' if ranks > 1 else ''}, as Megatron requires"
            )
        return batch
    if micro is None:
        raise TrainingConfigError(
            f"{args.where('global_batch_size')}: is missing, and so is micro_batch_size: Megatron steps its "
            "scheduler by the global batch size: give --global-batch-size"
        )
    if given.devices is None:
        assumed.append(
            "global_batch_size is not given: micro_batch_size × 1 data-parallel rank, as Megatron sets it "
            "(give --devices N for N data-parallel ranks)"
        )
    else:
        assumed.append(
            f"global_batch_size is not given: micro_batch_size {micro} × {ranks} data-parallel ranks "
            "(--devices), as Megatron sets it"
        )
    return micro * ranks


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    args = _Args(document)
    if isinstance(document.values.get("optimizer"), dict):
        raise TrainingConfigError(
            f"{document.where('optimizer')}: is a mapping, as GPT-NeoX writes it: Megatron's --optimizer is "
            "a name, and lrviz does not read GPT-NeoX's configs, whose warm-up and rates follow its own rules"
        )
    for key, why in RETIRED.items():
        if args.given(key):
            raise TrainingConfigError(f"{args.where(key)}: {why}")
    if not args.given("lr"):
        raise TrainingConfigError(f"{args.where('lr')}: is missing: Megatron's peak rate is --lr")
    style = args["lr_decay_style"]
    if style not in DECAY_STYLES:
        raise TrainingConfigError(
            f"{args.where('lr_decay_style')}: {excerpt(style)} is no Megatron decay style: "
            f"one of {', '.join(DECAY_STYLES)}"
        )
    if not args.given("lr_decay_style"):
        assumed.append("lr_decay_style is not given: Megatron's default, 'linear'")
    wsd_style = args["lr_wsd_decay_style"]
    if style == "WSD" and wsd_style not in WSD_DECAY_STYLES:
        raise TrainingConfigError(
            f"{args.where('lr_wsd_decay_style')}: {excerpt(wsd_style)} is no Megatron WSD decay style: "
            f"one of {', '.join(WSD_DECAY_STYLES)}"
        )
    for ramp in ("rampup_batch_size", "step_batch_size_schedule"):
        if args.given(ramp):
            raise TrainingConfigError(
                f"{args.where(ramp)}: Megatron steps its scheduler by the batch size of the time, which "
                "this changes, and lrviz steps by one global batch size: leave it out"
            )
    if args.given("train_iters") and args.given("train_samples"):
        raise TrainingConfigError(
            f"{args.where('train_samples')}: is given with train_iters: Megatron takes one of the two"
        )
    batch = _global_batch(args, given, assumed)
    by_samples = args.given("train_samples")
    _refuse_mixed(args, by_samples)
    unit, scale = ("samples", 1) if by_samples else ("iters", batch)
    length_key = "train_samples" if by_samples else "train_iters"
    length: int | None = args[length_key]
    if length is None and given.steps is not None:
        length = given.steps
        assumed.append(f"train_iters is not given: the --steps {given.steps:,} given")
    if length is None:
        raise TrainingConfigError(
            f"{args.where('train_iters')}: is missing, and so is train_samples: Megatron needs one "
            "(or give --steps N)"
        )
    if length < 1:
        raise TrainingConfigError(f"{args.where(length_key)}: must be 1 or more, got {length}")
    updates = length // batch if by_samples else length
    if by_samples:
        assumed.append(
            f"the run is train_samples // global_batch_size = {length:,} // {batch:,} = {updates:,} updates"
        )
        if updates < 1:
            raise TrainingConfigError(
                f"{args.where('train_samples')}: {length:,} samples are less than one global batch "
                f"({batch:,})"
            )

    decay_key = f"lr_decay_{unit}"
    decay = args[decay_key]
    if decay is None:
        decay = length
        assumed.append(f"{decay_key} is not given: {length_key}, {length:,}, as Megatron sets it")
    decay_steps = decay * scale
    warmup_steps: float
    fraction = args["lr_warmup_fraction"]
    if fraction is not None:
        warmup_steps = fraction * decay_steps
        assumed.append(
            f"the warm-up is lr_warmup_fraction × the decay's {decay_steps:,} samples = {warmup_steps!r}"
        )
    else:
        warmup_steps = args[f"lr_warmup_{unit}"] * scale
    if decay_steps <= 0:
        raise TrainingConfigError(f"{args.where(decay_key)}: must be 1 or more, got {decay}")
    if warmup_steps >= decay_steps:
        raise TrainingConfigError(
            f"{args.where('lr_warmup_fraction' if fraction is not None else f'lr_warmup_{unit}')}: the "
            "warm-up must end before the decay does, as Megatron asserts"
        )
    min_lr, init_lr, top = args["min_lr"], args["lr_warmup_init"], args["lr"]
    if not args.given("min_lr") and style != "constant":
        assumed.append("min_lr is not given: Megatron's default, 0.0")
    if warmup_steps > 0 and not args.given("lr_warmup_init"):
        assumed.append("lr_warmup_init is not given: Megatron's default, 0.0 (the first update's rate)")
    for bad, why in (
        (min_lr < 0, "min_lr must be 0 or more"),
        (top < min_lr, "lr must be at least min_lr"),
        (init_lr > top, "lr_warmup_init must be at most lr"),
    ):
        if bad:
            raise TrainingConfigError(f"{args.where(why.split()[0])}: {why}, as Megatron asserts")

    text = (
        f"megatron.OptimizerParamScheduler(optimizer, init_lr={init_lr!r}, max_lr={top!r}, "
        f"min_lr={min_lr!r}, lr_warmup_steps={warmup_steps!r}, lr_decay_steps={decay_steps!r}, "
        f"lr_decay_style={style!r}"
    )
    if style == "WSD":
        wsd_key = f"lr_wsd_decay_{unit}"
        wsd = args[wsd_key]
        if wsd is None:
            raise TrainingConfigError(
                f"{args.where(wsd_key)}: is missing: the WSD style needs the anneal's length, "
                f"--lr-wsd-decay-{unit}"
            )
        if not args.given("lr_wsd_decay_style"):
            assumed.append("lr_wsd_decay_style is not given: Megatron's default, 'exponential'")
        text += f", wsd_decay_steps={wsd * scale!r}, lr_wsd_decay_style={wsd_style!r}"
    text += f", global_batch_size={batch!r})"

    assumed.append(
        f"the training loop steps the scheduler by the global batch size ({batch:,} samples) after each "
        "update; an update skipped for a loss-scale overflow does not step it"
    )
    if args.given("decoupled_lr") or args.given("decoupled_min_lr"):
        assumed.append(
            "decoupled_lr gives the embedding and output layers their own rates on the same schedule: "
            "the base group is shown"
        )
    if any(args.given(key) for key in ("start_weight_decay", "end_weight_decay", "weight_decay_incr_style")):
        assumed.append("the scheduler also sets the weight decay, which lrviz does not show")
    steps = given.steps if given.steps is not None else updates
    return Imported("megatron", TITLE, document.path, text, RunSettings(steps=steps), tuple(assumed))


IMPORTER = Importer("megatron", TITLE, recognises, translate)
