"""OpenMMLab configs (mmengine 0.10.7's Runner): ``param_scheduler`` (a dict or a list), the optimizer's
``optim_wrapper.optimizer.lr`` (``optimizer.lr`` in old configs) and ``train_cfg``, read with ``ast``
(:mod:`lrviz.io.training.python_config`, ``_base_`` files merged) into the ``mmengine.`` dialect.

The Runner's epoch is ``len(train_dataloader)`` iterations, which the config does not hold (it is the
dataset's size over the batch size): it comes from ``--steps-per-epoch``, or from ``--dataset-size``
and the config's ``train_dataloader.batch_size`` (mmengine's default sampler keeps the last batch),
else one iteration an epoch is assumed and said so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrviz.dialects.mmengine_schedules import SCHEDULERS
from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.io.training.python_config import Symbol, Unreadable
from lrviz.limits import excerpt

TITLE = "OpenMMLab (mmengine) config"
IGNORED = ("_scope_", "_delete_")
LOOPS = ("EpochBasedTrainLoop", "IterBasedTrainLoop")


def recognises(values: Mapping[str, Any]) -> bool:
    return (
        "param_scheduler" in values
        or "optim_wrapper" in values
        or ("_base_" in values and "train_cfg" in values)
    )


def _readable(document: Document, value: Any, keys: tuple[str, ...]) -> Any:
    """The value at ``keys``, refused where only running the config would give it."""
    if isinstance(value, Unreadable):
        raise TrainingConfigError(value.refusal(".".join(keys)))
    if isinstance(value, dict):
        return {k: _readable(document, v, (*keys, str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_readable(document, v, (*keys, str(i))) for i, v in enumerate(value)]
    return value


def _lr(document: Document, assumed: list[str]) -> float:
    """The optimizer's rate: ``optim_wrapper.optimizer.lr``, or ``optimizer.lr`` in old configs."""
    values = document.values
    for keys in (("optim_wrapper", "optimizer", "lr"), ("optimizer", "lr")):
        node: Any = values
        for depth, key in enumerate(keys):
            if isinstance(node, Unreadable):
                raise TrainingConfigError(node.refusal(".".join(keys[:depth])))
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            lr = document.number(_readable(document, node, keys), *keys)
            wrapper = values.get("optim_wrapper")
            if isinstance(wrapper, dict) and wrapper.get("paramwise_cfg"):
                assumed.append(
                    "optim_wrapper.paramwise_cfg gives some parameter groups other rates (or decays): shown "
                    "is the base group's, the optimizer's lr"
                )
            return lr
    found = next(
        (
            keys
            for keys in (("optim_wrapper", "optimizer"), ("optimizer",), ("optim_wrapper",))
            if keys in document.lines
        ),
        (),
    )
    missing = (
        "lr" if found in (("optim_wrapper", "optimizer"), ("optimizer",)) else "optim_wrapper.optimizer.lr"
    )
    raise TrainingConfigError(
        f"{document.where(*found)}: has no {missing} (optimizer.lr in old configs), and the schedulers "
        "scale the optimizer's rate: give it"
    )


def _loop(document: Document, assumed: list[str]) -> tuple[str, int | None]:
    """The train loop as the Runner builds it (by ``type`` or by ``by_epoch``, not both), and its length."""
    train = document.values.get("train_cfg")
    if isinstance(train, Unreadable):
        raise TrainingConfigError(train.refusal("train_cfg"))
    if not isinstance(train, dict):
        assumed.append("the config has no train_cfg: the run's length is the command line's")
        return "EpochBasedTrainLoop", None

    def get(key: str) -> Any:
        return _readable(document, train.get(key), ("train_cfg", key))

    if "type" in train and "by_epoch" in train:
        raise TrainingConfigError(
            f"{document.where('train_cfg')}: has type and by_epoch, which mmengine refuses "
            "('Only one of `type` or `by_epoch` can exist in `loop_cfg`.'): give one"
        )
    if "type" in train:
        kind = _name(get("type"))
    elif "by_epoch" in train:
        kind = (
            "EpochBasedTrainLoop"
            if document.flag(get("by_epoch"), "train_cfg", "by_epoch")
            else "IterBasedTrainLoop"
        )
    else:
        raise TrainingConfigError(
            f"{document.where('train_cfg')}: needs type or by_epoch, as mmengine's Runner does"
        )
    if kind not in LOOPS:
        kind = "EpochBasedTrainLoop" if "max_epochs" in train else "IterBasedTrainLoop"
        assumed.append(f"train_cfg.type {_name(get('type'))!r} is read as an {kind}")
    if kind == "IterBasedTrainLoop":
        if "max_iters" not in train:
            raise TrainingConfigError(f"{document.where('train_cfg')}: an IterBasedTrainLoop needs max_iters")
        return kind, document.whole(get("max_iters"), "train_cfg", "max_iters")
    if "max_epochs" not in train:
        raise TrainingConfigError(f"{document.where('train_cfg')}: an EpochBasedTrainLoop needs max_epochs")
    return kind, document.whole(get("max_epochs"), "train_cfg", "max_epochs")


def _batch_size(document: Document, given: RunSettings) -> int | None:
    """The batch on each device: --batch-size, else the config's ``train_dataloader.batch_size``."""
    if given.batch_size is not None:
        return given.batch_size
    loader = document.values.get("train_dataloader")
    batch = loader.get("batch_size") if isinstance(loader, dict) else None
    if batch is None:
        return None
    return document.whole(
        _readable(document, batch, ("train_dataloader", "batch_size")), "train_dataloader", "batch_size"
    )


def _epoch_length(document: Document, given: RunSettings, assumed: list[str]) -> int:
    """len(train_dataloader): --steps-per-epoch, or from the dataset's size by mmengine's DefaultSampler
    (⌈N/devices⌉ samples on each, padded) and the DataLoader (its last short batch kept unless drop_last)."""
    if given.steps_per_epoch is not None:
        assumed.append(f"an epoch is {given.steps_per_epoch:,} iterations (--steps-per-epoch)")
        return given.steps_per_epoch
    batch = _batch_size(document, given)
    if given.dataset_size is not None and batch is not None:
        devices = given.devices or 1
        loader = document.values.get("train_dataloader")
        drop = given.drop_last
        if drop is None and isinstance(loader, dict) and "drop_last" in loader:
            drop = document.flag(_readable(document, loader["drop_last"], ("train_dataloader", "drop_last")))
        each = math.ceil(given.dataset_size / devices)
        length = each // batch if drop else math.ceil(each / batch)
        rounding = "⌊" if drop else "⌈"
        assumed.append(
            f"an epoch is {rounding}⌈{given.dataset_size:,} samples / {devices} devices⌉ / {batch} a batch"
            f"{'⌋' if drop else '⌉'} = {length:,} iterations (mmengine's DefaultSampler pads each device's "
            f"share; the last short batch is {'dropped' if drop else 'kept'})"
        )
        if length < 1:
            raise TrainingConfigError(
                f"{document.where('train_dataloader')}: an epoch of these sizes has no batch"
            )
        return length
    assumed.append(
        "an epoch's iterations (len(train_dataloader), the dataset's size over the batch) are not in the "
        "config: 1 is assumed; give --steps-per-epoch N, or --dataset-size N (and --devices N)"
    )
    return 1


def _scaled(document: Document, lr: float, given: RunSettings, assumed: list[str]) -> float:
    """The rate after the Runner's ``scale_lr``: × devices·batch/base_batch_size when auto_scale_lr is
    enabled in the config (mmdet's --auto-scale-lr writes enable=True there)."""
    scale = _readable(document, document.values.get("auto_scale_lr"), ("auto_scale_lr",))
    if not isinstance(scale, dict):
        return lr
    if scale.get("enable", False) is not True:
        assumed.append(
            f"auto_scale_lr (base_batch_size={scale.get('base_batch_size')!r}) is not enabled: lr as written "
            "(mmdet's --auto-scale-lr would scale it)"
        )
        return lr
    if "base_batch_size" not in scale:
        raise TrainingConfigError(f"{document.where('auto_scale_lr')}: is enabled, and needs base_batch_size")
    base = document.number(scale["base_batch_size"], "auto_scale_lr", "base_batch_size")
    batch = _batch_size(document, given)
    if batch is None:
        raise TrainingConfigError(
            f"{document.where('train_dataloader', 'batch_size')}: is missing, and auto_scale_lr scales the "
            "rate by it: give it, or --batch-size N"
        )
    devices = given.devices or 1
    if given.devices is None:
        assumed.append("auto_scale_lr counts the devices: 1 is assumed; give --devices N")
    ratio = float(devices * batch) / float(base)
    assumed.append(f"auto_scale_lr is enabled: lr {lr!r} × ({devices} × {batch})/{base:g} = {lr * ratio!r}")
    return lr * ratio


def _scheduled(kind: str, config: dict[str, Any]) -> str:
    """What a scheduler sets: ``lr``, ``momentum`` (its *Momentum schedulers) or a ParamScheduler's
    param_name."""
    if kind.endswith("Momentum"):
        return "momentum"
    if kind.endswith("ParamScheduler"):
        return str(config.get("param_name", "lr"))
    return "lr"


def _member(
    document: Document, config: Any, keys: tuple[str, ...], assumed: list[str], param: str = "lr"
) -> str | None:
    if not isinstance(config, dict):
        raise TrainingConfigError(f"{document.where(*keys)}: must be a dict(type=..., ...)")
    kind = _name(config.get("type"))
    sets = _scheduled(kind, config)
    if sets != param:
        if param == "lr":
            shown = " (shown with --momentum)" if sets == "momentum" else ""
            assumed.append(f"{'.'.join(keys)} ({kind}) schedules {sets}, not the rate{shown}")
        return None
    if kind.endswith("Momentum"):  # the rate's scheduler of the same name, over the momentum
        kind = kind.removesuffix("Momentum") + "LR"
    if kind.endswith("ParamScheduler"):
        kind = GENERIC.get(kind, kind)
    if kind not in SCHEDULERS:
        raise TrainingConfigError(
            f"{document.where(*keys, 'type')}: {excerpt(config.get('type'))} is no mmengine scheduler lrviz "
            f"knows: one of {', '.join(SCHEDULERS)}"
        )
    args = {
        k: _readable(document, v, (*keys, str(k)))
        for k, v in config.items()
        if k not in ("type", "param_name") and k not in IGNORED
    }
    text = ", ".join(f"{k}={v!r}" for k, v in args.items())
    return f"mmengine.{kind}({text})"


def _name(kind: Any) -> str:
    """A scheduler's type as mmengine's registry reads it: a class name, its scope (``mmdet.``) dropped."""
    if isinstance(kind, Symbol):
        return kind.name
    return str(kind).rpartition(".")[2]


GENERIC = {
    "StepParamScheduler": "StepLR",
    "MultiStepParamScheduler": "MultiStepLR",
    "ConstantParamScheduler": "ConstantLR",
    "ExponentialParamScheduler": "ExponentialLR",
    "CosineAnnealingParamScheduler": "CosineAnnealingLR",
    "LinearParamScheduler": "LinearLR",
    "PolyParamScheduler": "PolyLR",
    "OneCycleParamScheduler": "OneCycleLR",
    "CosineRestartParamScheduler": "CosineRestartLR",
    "ReduceOnPlateauParamScheduler": "ReduceOnPlateauLR",
    "QuadraticWarmupParamScheduler": "QuadraticWarmupLR",
}
"""The generic schedulers, with ``param_name='lr'``, as their LR names."""


def _schedulers(
    document: Document, assumed: list[str], param: str = "lr"
) -> list[tuple[dict[str, Any], str]]:
    """The configs of the schedulers of ``param`` (the rate, or the momentum), each with its spec, in
    the list's order."""
    values = document.values
    if "param_scheduler" not in values:
        raise TrainingConfigError(
            f"{document.where()}: has no param_scheduler: mmengine then keeps the optimizer's rate throughout"
        )
    schedulers = values["param_scheduler"]
    if isinstance(schedulers, Unreadable):
        raise TrainingConfigError(schedulers.refusal("param_scheduler"))
    if isinstance(schedulers, dict) and "type" not in schedulers:
        raise TrainingConfigError(
            f"{document.where('param_scheduler')}: gives schedulers for several optimizers "
            f"({', '.join(map(str, schedulers))}): lrviz shows one; import a config with that "
            "optimizer's list"
        )
    listed = list(schedulers) if isinstance(schedulers, list | tuple) else [schedulers]
    places = (
        [("param_scheduler", str(i)) for i in range(len(listed))]
        if len(listed) > 1 or isinstance(schedulers, list | tuple)
        else [("param_scheduler",)]
    )
    kept = []
    for config, keys in zip(listed, places, strict=True):
        spec = _member(document, config, keys, assumed, param)
        if spec is not None:
            kept.append((config, spec))
    return kept


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    kept = _schedulers(document, assumed)
    lr = _scaled(document, _lr(document, assumed), given, assumed)
    loop, length = _loop(document, assumed)
    configs = [config for config, _ in kept]
    converted = any(c.get("convert_to_iter_based") for c in configs)
    by_epoch = any(c.get("by_epoch", True) and not c.get("convert_to_iter_based") for c in configs)
    wrapper = document.values.get("optim_wrapper")
    if isinstance(wrapper, dict) and wrapper.get("accumulative_counts", 1) not in (1, None):
        assumed.append(
            f"optim_wrapper.accumulative_counts = {wrapper['accumulative_counts']!r}: the schedulers "
            "still step every iteration, so a row is an iteration, not an optimizer update"
        )
    if any(_name(c.get("type")) in ("ReduceOnPlateauLR", "ReduceOnPlateauParamScheduler") for c in configs):
        train = document.values.get("train_cfg")
        interval = train.get("val_interval", 1) if isinstance(train, dict) else 1
        assumed.append(
            "ReduceOnPlateauLR reads the metric reported at each epoch's last iteration (--metric)"
            + (f"; lrviz validates every epoch, the config every {interval!r}" if interval != 1 else "")
        )
    run: RunSettings
    if loop == "IterBasedTrainLoop":
        steps = given.steps or length
        epoch_length = given.steps_per_epoch or 1
        if by_epoch:
            if converted:
                raise TrainingConfigError(
                    f"{document.where('param_scheduler')}: mixes by_epoch and convert_to_iter_based "
                    "schedulers under an IterBasedTrainLoop, whose epochs lrviz cannot place: "
                    "make them by_epoch=False"
                )
            assumed.append(
                "an IterBasedTrainLoop runs one epoch: a by_epoch scheduler is stepped only after its last "
                "iteration, so only its first step shows"
            )
            epoch_length = steps or 1
        elif converted:
            epoch_length = _epoch_length(document, given, assumed)
        assumed.append(
            f"the run is max_iters = {steps:,} iterations" if steps else "the run's length: give --steps N"
        )
        run = RunSettings(steps=steps)
    else:
        epoch_length = _epoch_length(document, given, assumed)
        epochs = given.epochs or length
        if given.steps is None and epochs:
            assumed.append(f"the run is max_epochs = {epochs:,} epochs of {epoch_length:,} iterations")
            run = RunSettings(epochs=epochs, steps_per_epoch=epoch_length)
        else:
            run = RunSettings(steps=given.steps)
    assumed.append(
        "ParamSchedulerHook steps by_epoch schedulers after each epoch, the others after each iteration"
    )
    members = ", ".join(spec for _, spec in kept)
    spec = (
        f"mmengine.param_scheduler([{members}], epoch_length={epoch_length}, lr={lr!r})" if kept else repr(lr)
    )
    settings: tuple[tuple[str, str], ...] = ()
    moving = [spec for _, spec in _schedulers(document, [], "momentum")]
    momentum = _momentum(document) if moving else None
    if moving and momentum is None:
        assumed.append("the momentum schedulers have no optimizer momentum (or betas) to scale: not shown")
    elif momentum is not None:
        listed = ", ".join(moving)
        settings = (
            (
                "momentum",
                f"mmengine.param_scheduler([{listed}], epoch_length={epoch_length}, lr={momentum!r})",
            ),
        )
    return Imported("mmengine", TITLE, document.path, spec, run, tuple(assumed), settings)


def _momentum(document: Document) -> float | None:
    """The optimizer's momentum, which mmengine's momentum schedulers scale: its ``momentum``, or the
    first of its ``betas``; ``None`` when it has neither."""
    for keys in (("optim_wrapper", "optimizer"), ("optimizer",)):
        node: Any = document.values
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if node.get("momentum") is not None:
            return document.number(
                _readable(document, node["momentum"], (*keys, "momentum")), *keys, "momentum"
            )
        betas = node.get("betas")
        if isinstance(betas, list | tuple) and betas:
            return document.number(_readable(document, betas[0], (*keys, "betas")), *keys, "betas")
    return None


IMPORTER = Importer("mmengine", TITLE, recognises, translate)
