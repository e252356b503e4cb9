"""detectron2 yacs configs (``configs/**/*.yaml``): ``SOLVER.*``, with ``_BASE_`` files followed as
fvcore's ``CfgNode.load_yaml_with_base`` follows them (relative to the file that names them; a list is
merged in order; the file's own mappings merged into its bases' key by key), over the defaults of
``detectron2/config/defaults.py``, read into the ``detectron2.`` dialect as ``build_lr_scheduler``
builds the scheduler: an fvcore multiplier (MultiStep, Cosine or StepWithFixedGamma) under a
WarmupParamScheduler, in an LRMultiplier over ``MAX_ITER`` iterations of ``BASE_LR``.

yacs reads a text value as a Python literal (``STEPS: (60000, 80000)`` is a tuple): so does lrviz,
with ``ast.literal_eval``, which evaluates nothing. The trainer steps the scheduler after every
iteration, and the run is ``MAX_ITER`` iterations. With ``REFERENCE_WORLD_SIZE`` set and ``--devices``
given, the config is scaled to the devices as DefaultTrainer.auto_scale_workers scales it.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lrviz.io.metric import shown
from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, Imported, Importer, TrainingConfigError, read
from lrviz.limits import excerpt

SCHEDULERS = ("WarmupMultiStepLR", "WarmupCosineLR", "WarmupStepWithFixedGammaLR")
"""The ``SOLVER.LR_SCHEDULER_NAME`` values detectron2's build_lr_scheduler builds."""

WARMUP_METHODS = ("linear", "constant")

DEFAULTS: dict[str, Any] = {
    "LR_SCHEDULER_NAME": "WarmupMultiStepLR",
    "MAX_ITER": 40000,
    "BASE_LR": 0.001,
    "BASE_LR_END": 0.0,
    "GAMMA": 0.1,
    "STEPS": (30000,),
    "NUM_DECAYS": 3,
    "WARMUP_FACTOR": 1.0 / 1000,
    "WARMUP_ITERS": 1000,
    "WARMUP_METHOD": "linear",
    "RESCALE_INTERVAL": False,
    "IMS_PER_BATCH": 16,
    "REFERENCE_WORLD_SIZE": 0,
    "BIAS_LR_FACTOR": 1.0,
}
"""detectron2's ``_C.SOLVER`` defaults (detectron2/config/defaults.py) that the schedule reads."""

BASE_KEY = "_BASE_"
DEEPEST = 32
"""The longest chain of ``_BASE_`` files followed."""


def _words(value: Any) -> list[str]:
    if value is True:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def recognises(values: Mapping[str, Any]) -> bool:
    """A top-level ``SOLVER`` mapping (or ``_BASE_`` with ``MODEL``), or train_net.py's ``--config-file``
    naming a YAML file."""
    config = _words(values.get("config_file", []))
    return (
        isinstance(values.get("SOLVER"), dict)
        or (isinstance(values.get(BASE_KEY), str | list) and isinstance(values.get("MODEL"), dict))
        or (bool(config) and config[0].lower().endswith((".yaml", ".yml")))
    )


@dataclass
class Solver:
    """The merged ``SOLVER`` mapping, and the document each key was last set in (for its line)."""

    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, Document] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def where(self, key: str) -> str:
        document = self.origin.get(key)
        return document.where("SOLVER", key) if document is not None else f"SOLVER.{key}"


def _decoded(value: Any) -> Any:
    """A value as yacs decodes it: text that is a Python literal is that literal."""
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return value


def _load(document: Document, solver: Solver, chain: tuple[Path, ...]) -> None:
    """Merge ``document``'s bases into ``solver``, then its own ``SOLVER`` over them."""
    if len(chain) > DEEPEST:
        raise TrainingConfigError(f"{document.where(BASE_KEY)}: _BASE_ files nest more than {DEEPEST} deep")
    bases = document.values.get(BASE_KEY)
    if bases is not None:
        for base in bases if isinstance(bases, list) else [bases]:
            if not isinstance(base, str):
                raise TrainingConfigError(f"{document.where(BASE_KEY)}: must be a path or a list of paths")
            if base.startswith(("https://", "http://")):
                raise TrainingConfigError(
                    f"{document.where(BASE_KEY)}: {excerpt(base)} is on the web: lrviz reads local files only"
                )
            path = Path(os.path.expanduser(base))
            if not path.is_absolute():
                path = document.path.parent / path
            if not path.is_file():
                raise TrainingConfigError(
                    f"{document.where(BASE_KEY)}: {excerpt(base)} does not exist ({shown(path)})"
                )
            if path.resolve() in chain:
                raise TrainingConfigError(f"{document.where(BASE_KEY)}: {excerpt(base)} includes itself")
            _load(read(path), solver, (*chain, path.resolve()))
    if "SOLVER" not in document.values:
        return
    own = document.values["SOLVER"]
    if not isinstance(own, dict):
        raise TrainingConfigError(f"{document.where('SOLVER')}: must be a mapping")
    solver.files.append(document.path)
    for key, value in own.items():
        solver.values[key] = value
        solver.origin[key] = document


def merged(document: Document) -> Solver:
    """The config's ``SOLVER``: its ``_BASE_`` chain merged as detectron2 merges it."""
    solver = Solver()
    _load(document, solver, (document.path.resolve(),))
    return solver


VALUED = ("config_file", "num_gpus", "num_machines", "machine_rank", "dist_url")
"""The flags of detectron2's default_argument_parser that take a value (``--resume`` and
``--eval-only`` take none); what follows them is ``opts``, KEY VALUE pairs."""


def from_command_line(
    document: Document, given: RunSettings, assumed: list[str]
) -> tuple[Solver, RunSettings]:
    """``train_net.py --config-file F [--num-gpus N] KEY VALUE …``: F's SOLVER (relative to the current
    folder) with the ``opts`` merged over it, as merge_from_list merges them."""
    config = document.values.get("config_file")
    words = {name: _words(value) for name, value in document.values.items()}
    if config is None or not words["config_file"]:
        raise TrainingConfigError("--cmdline: gives no --config-file: detectron2's train_net.py needs one")
    opts: list[str] = []
    for name, said in words.items():
        opts += said[1:] if name in VALUED else said
    if len(opts) % 2:
        raise TrainingConfigError(f"--cmdline: {excerpt(' '.join(opts))}: opts are KEY VALUE pairs")
    path = Path(words["config_file"][0])
    if not path.is_file():
        raise TrainingConfigError(f"--cmdline: --config-file {excerpt(str(path))} does not exist")
    solver = merged(read(path))
    for key, value in zip(opts[::2], opts[1::2], strict=True):
        if key.startswith("SOLVER."):
            solver.values[key.removeprefix("SOLVER.")] = value
            solver.origin[key.removeprefix("SOLVER.")] = document
            assumed.append(f"{key} {value} from the command line's opts")
    if given.devices is None and ("num_gpus" in words or "num_machines" in words):
        gpus = document.whole(words.get("num_gpus", ["1"])[0], "num_gpus")
        machines = document.whole(words.get("num_machines", ["1"])[0], "num_machines")
        given = replace(given, devices=gpus * machines)
    return solver, given


class Reader:
    """SOLVER's values as detectron2 would hold them, the defaults filled (each said)."""

    def __init__(self, solver: Solver, assumed: list[str]) -> None:
        self.solver, self.assumed = solver, assumed
        self.filled: set[str] = set()

    def raw(self, key: str) -> Any:
        if key in self.solver.values:
            return _decoded(self.solver.values[key])
        default = DEFAULTS[key]
        if key not in self.filled:
            self.filled.add(key)
            self.assumed.append(f"SOLVER.{key} is not set: detectron2's default {default!r}")
        return default

    def _document(self, key: str) -> Document:
        return self.solver.origin.get(key) or Document(Path("SOLVER"), {})

    def number(self, key: str) -> float:
        return self._document(key).number(self.raw(key), "SOLVER", key)

    def whole(self, key: str) -> int:
        return self._document(key).whole(self.raw(key), "SOLVER", key)

    def flag(self, key: str) -> bool:
        return self._document(key).flag(self.raw(key), "SOLVER", key)

    def text(self, key: str, choices: tuple[str, ...], what: str) -> str:
        value = self.raw(key)
        if value not in choices:
            raise TrainingConfigError(
                f"{self.solver.where(key)}: {excerpt(value)} is no {what}: one of {', '.join(choices)}"
            )
        return str(value)

    def wholes(self, key: str) -> list[int]:
        value = self.raw(key)
        if not isinstance(value, list | tuple):
            raise TrainingConfigError(
                f"{self.solver.where(key)}: must be a list of iterations, got {excerpt(value)}"
            )
        return [self._document(key).whole(v, "SOLVER", key) for v in value]


def _scaled(reader: Reader, devices: int | None, assumed: list[str]) -> tuple[float, int, int, list[int]]:
    """BASE_LR, MAX_ITER, WARMUP_ITERS and STEPS, scaled to ``devices`` as auto_scale_workers scales
    them when REFERENCE_WORLD_SIZE is set."""
    base_lr, max_iter = reader.number("BASE_LR"), reader.whole("MAX_ITER")
    warmup_iters, steps = reader.whole("WARMUP_ITERS"), reader.wholes("STEPS")
    reference = reader.whole("REFERENCE_WORLD_SIZE") if "REFERENCE_WORLD_SIZE" in reader.solver.values else 0
    if reference == 0:
        return base_lr, max_iter, warmup_iters, steps
    if devices is None:
        assumed.append(
            f"SOLVER.REFERENCE_WORLD_SIZE is {reference}: detectron2 rescales the rate and the iterations to "
            f"the devices it trains on; shown for {reference} (give --devices N for another number)"
        )
        return base_lr, max_iter, warmup_iters, steps
    if devices == reference:
        return base_lr, max_iter, warmup_iters, steps
    batch = reader.whole("IMS_PER_BATCH")
    if batch % reference:
        raise TrainingConfigError(
            f"{reader.solver.where('IMS_PER_BATCH')}: {batch} is no multiple of SOLVER.REFERENCE_WORLD_SIZE "
            f"{reference}, which detectron2 requires to scale the config"
        )
    scale = devices / reference
    assumed.append(
        f"SOLVER.REFERENCE_WORLD_SIZE is {reference} and --devices {devices}: scaled as detectron2's "
        f"auto_scale_workers scales it (BASE_LR × {scale!r}, iterations ÷ {scale!r})"
    )
    return (
        base_lr * scale,
        round(max_iter / scale),
        round(warmup_iters / scale),
        [round(s / scale) for s in steps],
    )


def scheduler_spec(solver: Solver, given: RunSettings, assumed: list[str]) -> tuple[str, int]:
    """The spec build_lr_scheduler makes of ``solver``, and its MAX_ITER."""
    reader = Reader(solver, assumed)
    name = reader.text("LR_SCHEDULER_NAME", SCHEDULERS, "detectron2 LR scheduler")
    base_lr, max_iter, warmup_iters, steps = _scaled(reader, given.devices, assumed)
    if max_iter < 1:
        raise TrainingConfigError(f"{solver.where('MAX_ITER')}: must be at least 1, got {max_iter}")
    if name == "WarmupMultiStepLR":
        kept = [s for s in steps if s <= max_iter]
        if len(kept) != len(steps):
            dropped = ", ".join(str(s) for s in steps if s > max_iter)
            assumed.append(
                f"SOLVER.STEPS {dropped} are past SOLVER.MAX_ITER {max_iter}: detectron2 warns and drops them"
            )
        gamma = reader.number("GAMMA")
        values = [gamma**k for k in range(len(kept) + 1)]
        inner = f"detectron2.MultiStepParamScheduler({values!r}, milestones={kept!r}, num_updates={max_iter})"
    elif name == "WarmupCosineLR":
        if base_lr == 0:
            raise TrainingConfigError(
                f"{solver.where('BASE_LR')}: is 0, and WarmupCosineLR divides BASE_LR_END by it"
            )
        end = reader.number("BASE_LR_END") / base_lr
        if not 0.0 <= end <= 1.0:
            raise TrainingConfigError(
                f"{solver.where('BASE_LR_END')}: BASE_LR_END / BASE_LR must be in [0, 1], as detectron2 "
                f"asserts, got {end!r}"
            )
        inner = f"detectron2.CosineParamScheduler(1, {end!r})"
    else:
        gamma, decays = reader.number("GAMMA"), reader.whole("NUM_DECAYS")
        if gamma <= 0 or decays <= 0:
            raise TrainingConfigError(
                f"{solver.where('GAMMA')}: GAMMA and NUM_DECAYS must be positive, as fvcore requires"
            )
        inner = (
            f"detectron2.StepWithFixedGammaParamScheduler(base_value=1.0, num_decays={decays}, "
            f"gamma={gamma!r}, num_updates={max_iter})"
        )
    if name != "WarmupMultiStepLR" and "STEPS" in solver.values:
        assumed.append(f"SOLVER.STEPS is set, and {name} does not use it")
    factor = reader.number("WARMUP_FACTOR")
    length = min(warmup_iters / max_iter, 1.0)
    method = reader.text("WARMUP_METHOD", WARMUP_METHODS, "warm-up method")
    rescale = reader.flag("RESCALE_INTERVAL")
    options = "" if method == "linear" else f", warmup_method={method!r}"
    options += ", rescale_interval=True" if rescale else ""
    options = f"warmup_factor={factor!r}, warmup_length={length!r}{options}"
    warmup = f"detectron2.WarmupParamScheduler({inner}, {options})"
    if "BIAS_LR_FACTOR" in solver.values and reader.number("BIAS_LR_FACTOR") != 1.0:
        assumed.append(
            f"SOLVER.BIAS_LR_FACTOR is {reader.number('BIAS_LR_FACTOR')!r}: biases train at that multiple of "
            "the rate; shown is the base parameter group"
        )
    return f"detectron2.LRMultiplier(optimizer, {warmup}, max_iter={max_iter}, lr={base_lr!r})", max_iter


def translate(document: Document, given: RunSettings) -> Imported:
    assumed: list[str] = []
    if document.command_line:
        solver, given = from_command_line(document, given, assumed)
    else:
        solver = merged(document)
    if len(solver.files) > 1:
        home = solver.files[-1].parent  # the bases as the config names them, from its folder
        chain = (shown(os.path.relpath(path, home)) for path in solver.files)
        assumed.append("SOLVER merged from " + " ← ".join(chain))
    spec, max_iter = scheduler_spec(solver, given, assumed)
    steps = given.steps if given.steps is not None else max_iter
    assumed.append(
        f"the run is SOLVER.MAX_ITER = {max_iter:,} iterations: detectron2's trainer steps the scheduler "
        "after each"
    )
    return Imported("detectron2", TITLE, document.path, spec, RunSettings(steps=steps), tuple(assumed))


TITLE = "detectron2 yacs config"
IMPORTER = Importer("detectron2", TITLE, recognises, translate)
