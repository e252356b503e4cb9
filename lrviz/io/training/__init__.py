"""Training configs as input: the file a run already has (Hugging Face TrainingArguments, a DeepSpeed
config), read for the schedule it means.

An importer turns a config's values into an lrviz spec in its framework's dialect, the run's length,
and the assumptions it made (a default it filled, a count it could not know), following its
framework's own rules: a value the framework would fill is filled as it fills it, one it would refuse
is refused. A config is read, never executed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from lrviz.io import examples
from lrviz.io.metric import shown
from lrviz.io.settings import RunSettings
from lrviz.io.training import (
    deepspeed,
    detectron2,
    fairseq,
    huggingface,
    hydra,
    lightning,
    megatron,
    mmengine,
    timm,
    ultralytics,
)
from lrviz.io.training.document import SUFFIXES, Document, Imported, Importer, TrainingConfigError, read
from lrviz.limits import excerpt

__all__ = ["Document", "Imported", "TrainingConfigError", "imported", "importers", "load", "locate", "opened"]


def importers() -> dict[str, Importer]:
    """Every kind of training config lrviz reads, by the name ``--from`` gives it."""
    ordered = (  # the most particular first: each is tried in turn on a file of no named kind
        mmengine.IMPORTER,
        detectron2.IMPORTER,
        lightning.IMPORTER,
        hydra.IMPORTER,
        ultralytics.IMPORTER,
        timm.IMPORTER,
        megatron.IMPORTER,
        fairseq.IMPORTER,
        huggingface.IMPORTER,
        deepspeed.IMPORTER,
    )
    return {i.kind: i for i in ordered if i is not None}


def recognise(document: Document, kind: str | None = None) -> Importer:
    """The importer for ``document``: the one ``kind`` names, or the one its values are told by."""
    known = importers()
    if kind is not None:
        if kind not in known:
            raise TrainingConfigError(f"--from is one of {', '.join(known)}, got {excerpt(kind)}")
        return known[kind]
    for importer in known.values():
        if importer.recognises(document.values):
            return importer
    kinds = ", ".join(known)
    if document.command_line:
        raise TrainingConfigError(
            f"--cmdline: not a command line lrviz can tell the kind of ({kinds}): name it with --from KIND"
        )
    raise TrainingConfigError(
        f"{shown(document.path)}: not a config lrviz can read: neither an lrviz config ('schedules:') "
        f"nor a training config of a kind it knows ({kinds}); name the kind with --from KIND"
    )


def load(path: Path, given: RunSettings, kind: str | None = None) -> Imported:
    """What the training config at ``path`` means, over the run the command line ``given``."""
    return imported(read(path), given, kind)


def locate(text: str) -> Path | None:
    """The file a command-line argument names: one here, or an example lrviz ships (``trainer_args.json``)
    when there is none here; ``None`` for a spec."""
    if "(" in text:
        return None
    path = Path(text)
    try:
        if path.is_file():
            return path
    except (OSError, ValueError):  # a name the system refuses (too long, a NUL): no file, a spec
        return None
    return examples.named(text, SUFFIXES)


def opened(text: str, kind: str | None = None) -> Document | None:
    """The config file a command-line argument names, read once: JSON or YAML (any file when ``--from``
    names its kind), here or shipped with lrviz; ``None`` for a spec. Whether it is an lrviz config or
    a training config is then told by its content (:attr:`Document.lrviz_config`)."""
    path = locate(text)
    if path is None or (kind is None and path.suffix.lower() not in SUFFIXES):
        return None
    return read(path)


def imported(document: Document, given: RunSettings, kind: str | None = None) -> Imported:
    """What a training config, read, means over the run the command line ``given``."""
    translated = recognise(document, kind).translate(document, given)
    if not document.notes:
        return translated
    return replace(translated, assumptions=(*document.notes, *translated.assumptions))
