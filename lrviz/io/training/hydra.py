"""Hydra configs and torchtune recipes: any YAML with a node whose ``_target_`` (torchtune's
``_component_``) names a scheduler of torch, transformers, torchtune, timm or Lightning Bolts, read
as ``hydra.utils.instantiate`` (torchtune's ``config.instantiate``) would build it, never executed.

The node's other keys are its arguments; the rate is the ``lr`` of the optimizer node (the one at
``optimizer:``, else the only ``_target_``/``_component_`` node with an ``lr``). ``${key.path}``
interpolations are resolved within the file (OmegaConf's absolute and ``${.sibling}`` forms); any
other (a resolver such as ``${oc.env:…}``, text around one) is refused. Numeric text is a number.

torchtune's recipes fill ``num_training_steps`` themselves: ``epochs`` × the updates an epoch, those
⌊batches/``gradient_accumulation_steps``⌋ (accumulation floors: a partial group is not an update),
capped at ``max_steps_per_epoch``, the batches ⌊⌈N/D⌉/``batch_size``⌋ (the loader drops its last,
partial batch). A plain Hydra config holds no run length: it is the command line's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError
from lrviz.io.training.lightning import call_text, coerced
from lrviz.limits import excerpt

TARGETS = ("_target_", "_component_")
"""The keys that name what a node builds: Hydra's, torchtune's."""

META = frozenset({"_target_", "_component_", "_partial_", "_recursive_", "_convert_", "_args_", "optimizer"})
"""A node's keys that are Hydra's (or the optimizer the recipe passes), not the scheduler's arguments."""

PREFIXES = (
    "torch.optim.lr_scheduler.",
    "transformers.optimization.",
    "transformers.",
    "torchtune.training.lr_schedulers.",
    "torchtune.training.",
    "torchtune.modules.",
    "timm.scheduler.",
    "pl_bolts.optimizers.lr_scheduler.",
)
"""The module paths of the schedulers a node may name."""

DIALECTS = ("torch", "hf", "torchtune", "timm", "bolts")

RECIPE = ("epochs", "max_steps_per_epoch", "gradient_accumulation_steps", "batch_size")
"""A torchtune recipe's run keys, at the top of its config."""

REFERENCE = re.compile(r"^\$\{(\.?[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\}$")


def _nodes(values: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every mapping in the document with a target, and its key path, in document order."""
    if isinstance(values, dict):
        if any(isinstance(values.get(key), str) for key in TARGETS):
            yield path, values
        for key, value in values.items():
            yield from _nodes(value, (*path, str(key)))
    elif isinstance(values, list):
        for index, item in enumerate(values):
            yield from _nodes(item, (*path, str(index)))


def _target(node: Mapping[str, Any]) -> tuple[str, str]:
    key = next(k for k in TARGETS if isinstance(node.get(k), str))
    return key, str(node[key]).strip()


def _is_scheduler(name: str) -> bool:
    return name.startswith(PREFIXES)


def recognises(values: Mapping[str, Any]) -> bool:
    return any(_is_scheduler(_target(node)[1]) for _, node in _nodes(values))


def _resolved(document: Document, value: Any, keys: tuple[str, ...], seen: tuple[str, ...] = ()) -> Any:
    """A value with its ``${key.path}`` interpolation resolved within the file (refused otherwise)."""
    if not isinstance(value, str) or "${" not in value:
        return value
    match = REFERENCE.match(value.strip())
    if match is None:
        raise TrainingConfigError(
            f"{document.where(*keys)}: {excerpt(value)} is an interpolation lrviz does not resolve (only "
            "${key.path} within the file): give the value itself"
        )
    reference = match.group(1)
    if reference.startswith("."):
        parts = (*keys[:-1], *reference[1:].split("."))
    else:
        parts = tuple(reference.split("."))
    if ".".join(parts) in seen:
        raise TrainingConfigError(f"{document.where(*keys)}: {excerpt(value)} refers to itself")
    node: Any = document.values
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            raise TrainingConfigError(
                f"{document.where(*keys)}: {excerpt(value)} names {'.'.join(parts)}, which the file does not "
                "hold: give the value itself"
            )
        node = node[part]
    return _resolved(document, node, parts, (*seen, ".".join(keys)))


def _scheduler(document: Document) -> tuple[tuple[str, ...], dict[str, Any], str]:
    """The scheduler node, its path and its dialect name; an unknown scheduler is refused."""
    from lrviz.language.catalogue import canonical, find, registered

    found = [(path, node) for path, node in _nodes(document.values) if _is_scheduler(_target(node)[1])]
    if not found:
        raise TrainingConfigError(
            f"{document.where()}: no node's _target_ or _component_ names a scheduler "
            f"({', '.join(p.rstrip('.') for p in PREFIXES)})"
        )
    path, node = found[0]
    key, target = _target(node)
    entry = find(target)
    if entry is None or entry.dialect not in DIALECTS:
        dialect = canonical(target).partition(".")[0]
        known = [n.partition(".")[2] for n, e in registered(dialect).items() if e.dialect == dialect]
        raise TrainingConfigError(
            f"{document.where(*path, key)}: {excerpt(target)} is no scheduler lrviz knows"
            + (f": one of {', '.join(known)}" if known else "")
        )
    return path, node, entry.name


def _optimizer_lr(document: Document, scheduler: tuple[str, ...], assumed: list[str]) -> float | None:
    """The optimizer node's rate: the node at ``optimizer:`` (the scheduler's sibling first), else
    the only node with a target and an ``lr``."""
    places = [(*scheduler[:-1], "optimizer"), ("optimizer",)]
    nodes = dict(_nodes(document.values))
    for place in places:
        node = nodes.get(place)
        if node is not None and "lr" in node:
            return document.number(_resolved(document, node["lr"], (*place, "lr")), *place, "lr")
    with_lr = [(path, node) for path, node in nodes.items() if "lr" in node and path != scheduler]
    if len(with_lr) == 1:
        path, node = with_lr[0]
        return document.number(_resolved(document, node["lr"], (*path, "lr")), *path, "lr")
    assumed.append("no optimizer node gives lr: give the rate with --lr")
    return None


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    path, node, name = _scheduler(document)
    args: dict[str, Any] = {}
    for key, value in node.items():
        if key in META:
            continue
        args[str(key)] = coerced(_resolved(document, value, (*path, str(key))))
    recipe = name.startswith("torchtune.") and any(key in document.values for key in RECIPE)
    if recipe:
        per_epoch = _torchtune_updates(document, given, assumed)
        epochs = given.epochs or _top_whole(document, "epochs", 1, assumed)
        if given.steps is not None:
            total = given.steps
            assumed.append(f"the run is --steps {total:,}, as given")
        else:
            total = epochs * per_epoch
        if "num_training_steps" in args:
            assumed.append("num_training_steps in the config is ignored: the recipe passes its own")
        args["num_training_steps"] = total
        assumed.append(
            f"num_training_steps is the recipe's: {epochs:,} epoch(s) × {per_epoch:,} updates = {total:,}"
        )
        run = RunSettings(steps=total, steps_per_epoch=per_epoch)
        if given.steps is None:
            run = RunSettings(epochs=epochs, steps_per_epoch=per_epoch)
    else:
        run = RunSettings(steps=given.steps, epochs=given.epochs, steps_per_epoch=given.steps_per_epoch)
        if given.steps is None and given.epochs is None:
            assumed.append("a Hydra config holds no run length: give --steps N")
        if name.startswith(("torch.", "bolts.")):
            assumed.append("the loop's scheduler.step() is not in the config: once an update assumed")
    lr = _optimizer_lr(document, path, assumed)
    spec = call_text(name, args, lr)
    title = TORCHTUNE if recipe else TITLE
    return Imported("hydra", title, document.path, spec, run, tuple(assumed))


def _top_whole(document: Document, key: str, default: int | None, assumed: list[str]) -> int:
    value = _resolved(document, document.values.get(key), (key,))
    if value is None:
        if default is None:
            raise TrainingConfigError(f"{document.where(key)}: is missing")
        assumed.append(f"{key} is not given: {default}")
        return default
    return document.whole(value, key)


def _torchtune_updates(document: Document, given: RunSettings, assumed: list[str]) -> int:
    """The recipe's updates an epoch: ⌊⌊⌈N/D⌉/B⌋/A⌋, capped at max_steps_per_epoch."""
    cap_value = _resolved(document, document.values.get("max_steps_per_epoch"), ("max_steps_per_epoch",))
    cap = None if cap_value is None else document.whole(cap_value, "max_steps_per_epoch")
    if given.steps_per_epoch is not None:
        assumed.append(f"{given.steps_per_epoch:,} updates an epoch, as --steps-per-epoch gives")
        return given.steps_per_epoch
    if given.dataset_size is None:
        if cap is not None:
            assumed.append(
                f"the dataset size is not known: max_steps_per_epoch, {cap:,} updates an epoch (the dataset "
                "is taken to have at least that many); give --dataset-size N to check"
            )
            return cap
        raise TrainingConfigError(
            f"{document.where('max_steps_per_epoch')}: is not set, and the recipe's run is epochs × the "
            "updates an epoch, which depend on the dataset: give --dataset-size N or --steps-per-epoch N"
        )
    batch = given.batch_size or _top_whole(document, "batch_size", None, assumed)
    accumulate = given.grad_accum or _top_whole(document, "gradient_accumulation_steps", 1, assumed)
    for key, value in (("batch_size", batch), ("gradient_accumulation_steps", accumulate)):
        if value < 1:
            raise document.wrong("a whole number of 1 or more", value, (key,))
    devices = given.devices or 1
    if given.devices is None:
        assumed.append("one device (world size 1): give --devices N for distributed training")
    per_device = -(-given.dataset_size // devices)
    batches = per_device // batch
    updates = batches // accumulate
    spread = f" over {devices} devices is {per_device:,} each" if devices > 1 else ""
    how = (
        f"{given.dataset_size:,} samples{spread}"
        f" in full batches of {batch} is {batches:,} batches (the loader drops the last); "
        f"⌊{batches:,} / {accumulate}⌋ = {updates:,} updates (torchtune floors accumulation)"
    )
    if cap is not None and cap < updates:
        how += f", capped at max_steps_per_epoch {cap:,}"
        updates = cap
    if updates < 1:
        raise TrainingConfigError(f"{document.where('batch_size')}: an epoch would have no update: {how}")
    assumed.append(f"{updates:,} updates an epoch: {how}")
    return updates


TITLE = "Hydra config"
TORCHTUNE = "torchtune recipe config"
IMPORTER = Importer("hydra", TITLE, recognises, translate)
