"""Parity with fairseq 0.12.2: every scheduler of ``fairseq.optim.lr_scheduler`` against the real
one, stepped as fairseq's trainer steps it (``step_update(0)`` when built; each epoch
``step_begin_epoch(e)`` and ``step_update(n)``; ``step_update(n)`` after each update; at an epoch's end
``step(e, val_loss)`` and ``step_update(n)``), the rate of each update read off the optimizer.

fairseq does not install here (its build needs compilers and an old torch), so its source
distribution is read: the sdist named by ``LRVIZ_FAIRSEQ_SDIST`` (``pip download --no-deps
fairseq==0.12.2`` makes it) is unpacked to a temporary folder, and the scheduler modules, their base
class and the real ``FairseqOptimizer`` are loaded from their files with stand-ins for what they import
and do not use for the rates: ``omegaconf.II`` (which only marks a default as interpolated),
``FairseqDataclass`` (a plain dataclass), the scheduler registry, and ``fairseq.utils`` and
``fairseq.dataclass.utils`` (argument parsing). Values are given their dataclass types, as OmegaConf
would convert them. ReduceLROnPlateau is the installed torch's, which fairseq's scheduler wraps.
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import importlib.util
import os
import shutil
import sys
import tarfile
import tempfile
import types
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.clock.grid import Metric
from tests.frameworks import assert_parity, require

torch = require("torch")

SDIST = os.environ.get(
    "LRVIZ_FAIRSEQ_SDIST", os.path.join(sys.prefix, "share", "sdists", "fairseq-0.12.2.tar.gz")
)  # where .ci/frameworks puts it
if not os.path.isfile(SDIST):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must download fairseq 0.12.2's sdist to {SDIST} for the parity suite", pytrace=False)
    pytest.skip(
        "no fairseq sdist: .ci/frameworks downloads it, or set LRVIZ_FAIRSEQ_SDIST", allow_module_level=True
    )

MODULES = {
    "fixed": ("fixed_schedule", "FixedLRSchedule", "FixedLRScheduleConfig"),
    "inverse_sqrt": ("inverse_square_root_schedule", "InverseSquareRootSchedule", None),
    "polynomial_decay": ("polynomial_decay_schedule", "PolynomialDecayLRSchedule", None),
    "tri_stage": ("tri_stage_lr_scheduler", "TriStageLRSchedule", None),
    "cosine": ("cosine_lr_scheduler", "CosineLRSchedule", None),
    "triangular": ("triangular_lr_scheduler", "TriangularLRSchedule", None),
    "step": ("step_lr_scheduler", "StepLRSchedule", None),
    "reduce_lr_on_plateau": ("reduce_lr_on_plateau", "ReduceLROnPlateauLRSchedule", None),
}


def _load(name: str, path: str) -> types.ModuleType:
    found = importlib.util.spec_from_file_location(name, path)
    assert found is not None
    assert found.loader is not None
    module = importlib.util.module_from_spec(found)
    sys.modules[name] = module
    found.loader.exec_module(module)
    return module


@functools.cache
def fairseq() -> dict[str, Any]:
    """The real scheduler classes (and FairseqOptimizer), loaded from the sdist with stand-ins."""
    folder = tempfile.mkdtemp(prefix="lrviz-fairseq-")
    atexit.register(shutil.rmtree, folder, True)
    with tarfile.open(SDIST) as archive:
        members = [m for m in archive.getmembers() if "/fairseq/optim/" in m.name and m.isfile()]
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12 and later: extract only plain files
            archive.extractall(folder, members=members, filter="data")
        else:
            archive.extractall(folder, members=members)  # the optim folder's plain files only
    root = next(os.path.join(folder, d, "fairseq", "optim") for d in os.listdir(folder))

    @dataclasses.dataclass
    class FairseqDataclass:
        _name: str | None = None

    def register_lr_scheduler(name: str, dataclass: Any = None) -> Any:
        def keep(cls: Any) -> Any:
            cls.config = dataclass
            return cls

        return keep

    stand_ins: dict[str, types.ModuleType] = {}
    for name in ("omegaconf", "fairseq", "fairseq.utils", "fairseq.dataclass", "fairseq.dataclass.utils"):
        stand_ins[name] = types.ModuleType(name)
    stand_ins["omegaconf"].II = lambda key: "${" + key + "}"  # type: ignore[attr-defined]
    stand_ins["fairseq.dataclass"].FairseqDataclass = FairseqDataclass  # type: ignore[attr-defined]
    stand_ins["fairseq.dataclass.utils"].gen_parser_from_dataclass = None  # type: ignore[attr-defined]
    stand_ins["fairseq"].utils = stand_ins["fairseq.utils"]  # type: ignore[attr-defined]
    saved = {
        name: sys.modules.get(name) for name in (*stand_ins, "fairseq.optim", "fairseq.optim.lr_scheduler")
    }
    sys.modules.update(stand_ins)
    try:
        optim = types.ModuleType("fairseq.optim")
        sys.modules["fairseq.optim"] = optim
        optimizer = _load("fairseq.optim.fairseq_optimizer", os.path.join(root, "fairseq_optimizer.py"))
        optim.FairseqOptimizer = optimizer.FairseqOptimizer  # type: ignore[attr-defined]
        package = types.ModuleType("fairseq.optim.lr_scheduler")
        sys.modules["fairseq.optim.lr_scheduler"] = package
        base = _load(
            "fairseq.optim.lr_scheduler.fairseq_lr_scheduler",
            os.path.join(root, "lr_scheduler", "fairseq_lr_scheduler.py"),
        )
        package.FairseqLRScheduler = base.FairseqLRScheduler  # type: ignore[attr-defined]
        package.register_lr_scheduler = register_lr_scheduler  # type: ignore[attr-defined]
        classes: dict[str, Any] = {"FairseqOptimizer": optimizer.FairseqOptimizer}
        for kind, (module, cls, _) in MODULES.items():
            loaded = _load(
                f"fairseq.optim.lr_scheduler.{module}", os.path.join(root, "lr_scheduler", f"{module}.py")
            )
            classes[kind] = getattr(loaded, cls)
    finally:
        for name, before in saved.items():
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before
    return classes


INTERPOLATED = {
    "${optimization.lr}": [0.25],
    "${optimization.max_update}": 0,
    "${checkpoint.maximize_best_checkpoint_metric}": False,
}
"""The defaults of FairseqConfig that the schedulers' fields interpolate."""


def _config(cls: Any, values: dict[str, Any]) -> Any:
    """The scheduler's dataclass with ``values``, each of its field's type as OmegaConf makes it."""
    fields = {f.name: f for f in dataclasses.fields(cls.config)}
    typed: dict[str, Any] = {}
    for name, field in fields.items():  # an interpolated default takes the value FairseqConfig gives it
        if isinstance(field.default, str) and field.default.startswith("${") and name not in values:
            typed[name] = INTERPOLATED[field.default]
    for key, value in values.items():
        kind = fields[key].type
        if kind is float and value is not None:
            value = float(value)
        elif key == "lr":
            value = [float(v) for v in value]
        typed[key] = value
    return cls.config(**typed)


def run_fairseq(
    kind: str, values: dict[str, Any], steps: int, epoch_length: int, metric: list[float] | None = None
) -> np.ndarray:
    """The rate of each update as fairseq's trainer (fairseq_cli/train.py, trainer.py) sets it."""
    classes = fairseq()
    cls = classes[kind]

    base: Any = classes["FairseqOptimizer"]

    class Optimizer(base):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(None)
            self._optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)

    optimizer = Optimizer()
    scheduler = cls(_config(cls, values), optimizer)
    scheduler.step_update(0)
    rates: list[float] = []
    n, epoch = 0, 1
    while n < steps:
        scheduler.step_begin_epoch(epoch)
        scheduler.step_update(n)
        for _ in range(epoch_length):
            if n == steps:
                break
            rates.append(optimizer.get_lr())
            n += 1
            scheduler.step_update(n)
        scheduler.step(epoch, None if metric is None else metric[epoch - 1])
        scheduler.step_update(n)
        epoch += 1
    return np.array(rates, dtype=np.float64)


def spec(kind: str, values: dict[str, Any], epoch_length: int | None) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in values.items())
    length = f", epoch_length={epoch_length}" if epoch_length is not None else ""
    return f"fairseq.{kind}({args}{length})"


EPOCHS = ("fixed", "polynomial_decay")

CASES: list[tuple[str, dict[str, Any], int, int | None]] = [
    ("fixed", {"lr": [0.25]}, 20, None),
    ("fixed", {"lr": [0.25], "warmup_updates": 7}, 20, None),
    ("fixed", {"lr": [0.3, 0.2, 0.1], "warmup_updates": 5}, 40, 6),
    ("fixed", {"lr": [0.3, 0.2], "force_anneal": 3, "lr_shrink": 0.5, "warmup_updates": 2}, 50, 7),
    ("fixed", {"lr": [0.3], "force_anneal": 1, "lr_shrink": 0.5}, 30, 4),
    ("inverse_sqrt", {"lr": [5e-4]}, 9000, None),
    ("inverse_sqrt", {"lr": [5e-4], "warmup_updates": 40, "warmup_init_lr": 1e-7}, 200, None),
    ("inverse_sqrt", {"lr": [1e-3], "warmup_updates": 1}, 20, None),
    ("polynomial_decay", {"lr": [1e-4], "total_num_update": 50}, 60, None),
    (
        "polynomial_decay",
        {"lr": [1e-4], "warmup_updates": 10, "total_num_update": 50, "power": 2.0},
        60,
        None,
    ),
    (
        "polynomial_decay",
        {"lr": [1e-4], "warmup_updates": 10, "total_num_update": 50, "end_learning_rate": 1e-6, "power": 0.5},
        60,
        None,
    ),
    ("polynomial_decay", {"lr": [1e-4], "warmup_updates": 60, "total_num_update": 50}, 70, None),
    ("polynomial_decay", {"lr": [3e-4, 2e-4, 1e-4], "warmup_updates": 4, "total_num_update": 40}, 50, 6),
    ("polynomial_decay", {"lr": [3e-4], "force_anneal": 3, "total_num_update": 40}, 50, 6),
    (
        "polynomial_decay",
        {"lr": [3e-4], "force_anneal": 2, "warmup_updates": 8, "total_num_update": 40},
        50,
        5,
    ),
    ("tri_stage", {"lr": [5e-5], "warmup_steps": 10, "hold_steps": 20, "decay_steps": 30}, 80, None),
    ("tri_stage", {"lr": [5e-5], "phase_ratio": [0.1, 0.4, 0.5], "max_update": 200}, 220, None),
    (
        "tri_stage",
        {"lr": [2e-3], "decay_steps": 17, "init_lr_scale": 0.5, "final_lr_scale": 0.05},
        30,
        None,
    ),
    ("cosine", {"lr": [1e-3], "warmup_updates": 10, "max_update": 100}, 110, None),
    ("cosine", {"lr": [1e-3], "lr_period_updates": 20, "min_lr": 1e-5, "lr_shrink": 0.5}, 90, None),
    (
        "cosine",
        {"lr": [1e-3], "warmup_updates": 5, "warmup_init_lr": 1e-6, "lr_period_updates": 10, "t_mult": 2.0},
        160,
        None,
    ),
    ("cosine", {"lr": [1e-3], "lr_period_updates": 30, "t_mult": 0.5, "lr_shrink": 0.9}, 55, None),
    ("triangular", {"lr": [1e-4], "max_lr": 1e-3, "lr_period_updates": 10}, 60, None),
    ("triangular", {"lr": [1e-4], "max_lr": 1e-3, "lr_period_updates": 7, "shrink_min": True}, 60, None),
    ("triangular", {"lr": [1e-4], "max_lr": 1e-3, "lr_period_updates": 9.0, "lr_shrink": 0.7}, 60, None),
    ("step", {"lr": [1e-3], "lr_deacy_period": 7}, 50, None),
    (
        "step",
        {"lr": [1e-3, 5e-4], "warmup_updates": 6, "lr_deacy_period": 5, "lr_decay": 0.3, "min_lr": 2e-5},
        60,
        None,
    ),
    ("step", {"lr": [1e-3], "warmup_updates": 6, "warmup_init_lr": 1e-4, "lr_deacy_period": 5}, 40, None),
]


def _random_cases() -> list[tuple[str, dict[str, Any], int, int | None]]:
    rng = np.random.default_rng(1907)
    cases: list[tuple[str, dict[str, Any], int, int | None]] = []
    for _ in range(6):
        lr = [float(rng.uniform(1e-5, 1e-2))]
        warmup = int(rng.integers(0, 30))
        total = int(rng.integers(10, 150))
        steps = total + int(rng.integers(1, 40))
        period = int(rng.integers(2, 40))
        cases += [
            ("fixed", {"lr": lr, "warmup_updates": warmup}, steps, None),
            ("inverse_sqrt", {"lr": lr, "warmup_updates": warmup + 1}, steps, None),
            (
                "polynomial_decay",
                {
                    "lr": lr,
                    "warmup_updates": warmup,
                    "total_num_update": total,
                    "power": float(rng.uniform(0.3, 3)),
                    "end_learning_rate": lr[0] * float(rng.uniform(0, 0.1)),
                },
                steps,
                None,
            ),
            (
                "tri_stage",
                {
                    "lr": lr,
                    "warmup_steps": warmup,
                    "hold_steps": int(rng.integers(0, 30)),
                    "decay_steps": int(rng.integers(1, 60)),
                    "init_lr_scale": float(rng.uniform(0, 0.5)),
                    "final_lr_scale": float(rng.uniform(0.001, 0.5)),
                },
                steps,
                None,
            ),
            (
                "cosine",
                {
                    "lr": lr,
                    "warmup_updates": warmup,
                    "lr_period_updates": period,
                    "t_mult": float(rng.choice([1.0, 1.5, 2.0])),
                    "lr_shrink": float(rng.uniform(0.1, 1)),
                    "min_lr": lr[0] * float(rng.uniform(0, 0.1)),
                },
                steps,
                None,
            ),
            (
                "triangular",
                {
                    "lr": lr,
                    "max_lr": lr[0] * float(rng.uniform(1.5, 10)),
                    "lr_period_updates": period,
                    "lr_shrink": float(rng.uniform(0.1, 1)),
                    "shrink_min": bool(rng.integers(0, 2)),
                },
                steps,
                None,
            ),
            (
                "step",
                {
                    "lr": lr,
                    "warmup_updates": warmup,
                    "lr_deacy_period": period,
                    "lr_decay": float(rng.uniform(0.1, 1)),
                },
                steps,
                None,
            ),
        ]
    return cases


@pytest.mark.parametrize(("kind", "values", "steps", "epoch_length"), CASES + _random_cases(), ids=str)
def test_fairseq_parity(kind: str, values: dict[str, Any], steps: int, epoch_length: int | None) -> None:
    text = spec(kind, values, epoch_length)
    theirs = run_fairseq(kind, values, steps, epoch_length or steps)
    assert_parity(text, lrviz.evaluate(text, steps), theirs)


def _validations(epochs: int, seed: int) -> list[float]:
    """A validation loss an epoch that falls, then stalls and rises, so that the plateau reduces."""
    rng = np.random.default_rng(seed)
    falling = 2.0 * np.exp(-0.3 * np.arange(epochs)) + 0.5
    return [float(v) for v in falling + 0.05 * rng.standard_normal(epochs)]


PLATEAUS: list[tuple[dict[str, Any], int, int]] = [
    ({"lr": [0.1]}, 30, 5),
    ({"lr": [0.1], "lr_patience": 2, "lr_shrink": 0.5}, 40, 4),
    ({"lr": [0.1], "lr_patience": 1, "warmup_updates": 9}, 40, 4),
    ({"lr": [0.1], "warmup_updates": 8, "warmup_init_lr": 1e-3, "lr_threshold": 0.01}, 40, 4),
    ({"lr": [0.1], "maximize_best_checkpoint_metric": True, "lr_patience": 1}, 30, 3),
]


@pytest.mark.parametrize(("values", "epochs", "epoch_length"), PLATEAUS, ids=str)
def test_fairseq_plateau_parity(values: dict[str, Any], epochs: int, epoch_length: int) -> None:
    losses = _validations(epochs, epochs * epoch_length)
    text = spec("reduce_lr_on_plateau", values, epoch_length)
    steps = epochs * epoch_length
    ends = np.arange(1, epochs + 1, dtype=np.int64) * epoch_length - 1  # a validation at each epoch's end
    ours = lrviz.evaluate(text, steps, metric=Metric(ends, np.array(losses)))
    theirs = run_fairseq("reduce_lr_on_plateau", values, steps, epoch_length, losses)
    assert (np.diff(theirs) < 0).sum() > 1  # the validations do reduce the rate
    assert_parity(text, ours, theirs)
