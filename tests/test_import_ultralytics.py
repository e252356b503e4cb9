"""Ultralytics YOLO's ``args.yaml`` as input: the rates ``lrviz export`` gives for it against YOLO's own
rule (the real ``lf``, ``LambdaLR`` and warm-up, replayed as in tests/test_parity_ultralytics.py), and
the rules the trainer applies before it, written here from ultralytics 8.4.190's source, since they
need a model and a dataset: ``optimizer: auto`` (``BaseTrainer.build_optimizer``: over 10,000
iterations ⌈images/max(batch, nbs)⌉ × epochs MuSGD at 0.01, else AdamW at round(0.002·5/(4 + nc), 6),
the bias warm-up from 0) and the loader's batches an epoch (``build_dataloader``: ⌈images a device /
(batch ÷ devices)⌉, the last batch kept). And read wrong, one line each.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz.io.settings import RunSettings
from lrviz.io.training import imported, load, recognise
from lrviz.io.training.document import Document, TrainingConfigError
from lrviz.tools.build import build
from tests.frameworks import assert_parity

ARGS: dict[str, Any] = {
    "task": "detect",
    "mode": "train",
    "model": "yolo26n.pt",
    "data": "coco8.yaml",
    "epochs": 100,
    "time": None,
    "patience": 100,
    "batch": 16,
    "imgsz": 640,
    "optimizer": "auto",
    "cos_lr": False,
    "close_mosaic": 10,
    "resume": False,
    "fraction": 1.0,
    "compile": False,
    "lr0": 0.01,
    "lrf": 0.01,
    "momentum": 0.937,
    "weight_decay": 0.0005,
    "warmup_epochs": 3.0,
    "warmup_momentum": 0.8,
    "warmup_bias_lr": 0.1,
    "nbs": 64,
}
"""What args.yaml holds of ultralytics/cfg/default.yaml's keys that matter here, as the trainer writes
them (with a model and data)."""


def _args_yaml(folder: Path, args: dict[str, Any], name: str = "args.yaml") -> Path:
    import yaml

    path = folder / name
    path.write_text(yaml.safe_dump({**ARGS, **args}, sort_keys=False), encoding="utf-8")
    return path


def _imported(args: dict[str, Any], given: RunSettings | None = None) -> Any:
    return imported(Document(Path("args.yaml"), {**ARGS, **args}), given or RunSettings())


def _rate(spec: str, key: str) -> float:
    return float(spec.split(f"{key}=")[1].split(",")[0].rstrip(")"))


CASES: list[tuple[dict[str, Any], int]] = [
    ({"optimizer": "SGD", "epochs": 12}, 20),
    ({"optimizer": "SGD", "epochs": 9, "cos_lr": True, "lrf": 0.1, "lr0": 0.02}, 15),
    ({"optimizer": "AdamW", "epochs": 5, "warmup_epochs": 0.5, "lr0": 0.001}, 7),
    ({"optimizer": "sgd", "epochs": 4, "warmup_epochs": 10, "lr0": "1e-2"}, 9),  # YAML 1.1 text
    ({"optimizer": "SGD", "epochs": 6, "warmup_epochs": 0}, 11),
]


@pytest.mark.parametrize(("args", "nb"), CASES)
def test_args_yaml_gives_yolos_rates(tmp_path: Path, args: dict[str, Any], nb: int) -> None:
    from tests.test_parity_ultralytics import run_yolo

    path = _args_yaml(tmp_path, args)
    ours = np.asarray(build([str(path)], settings=RunSettings(steps_per_epoch=nb)).curves.series[0].values)
    real = {**ARGS, **args}
    theirs = run_yolo(
        {
            key: float(real[key]) if key in ("lr0", "lrf", "warmup_epochs", "warmup_bias_lr") else real[key]
            for key in ("lr0", "lrf", "epochs", "cos_lr", "warmup_epochs", "warmup_bias_lr")
        },
        nb,
    )
    assert_parity(str(path), ours, theirs["weight"])


def test_the_run_is_epochs_of_batches() -> None:
    done = _imported({"optimizer": "SGD", "epochs": 30}, RunSettings(steps_per_epoch=250))
    assert (done.run.epochs, done.run.steps_per_epoch) == (30, 250)
    assert done.spec.startswith("ultralytics.YOLO(batches=250, lr0=0.01, lrf=0.01, epochs=30, cos_lr=False")
    assert any("weight group" in line and "group='bias'" in line for line in done.assumptions)


@pytest.mark.parametrize(
    ("images", "batch", "devices", "compile_", "batches"),
    [
        (1000, 16, None, False, 63),
        (1024, 16, None, False, 64),
        (1001, 16, 2, False, 63),
        (1000, 16, None, True, 62),
    ],
)
def test_batches_an_epoch_follow_the_loader(
    images: int, batch: int, devices: int | None, compile_: bool, batches: int
) -> None:
    """build_dataloader's rule: ⌈⌈N/D⌉/(B ÷ D)⌉, floored with compile (drop_last)."""
    given = RunSettings(dataset_size=images, devices=devices)
    done = _imported({"optimizer": "SGD", "batch": batch, "compile": compile_}, given)
    per_device = math.ceil(images / (devices or 1))
    expected = (
        per_device // (batch // (devices or 1))
        if compile_
        else math.ceil(per_device / (batch // (devices or 1)))
    )
    assert done.run.steps_per_epoch == expected == batches


def test_unknown_batches_are_assumed_and_said() -> None:
    done = _imported({"optimizer": "SGD"})
    assert done.run.steps_per_epoch == 100
    assert any("100 assumed" in line for line in done.assumptions)


def test_auto_over_ten_thousand_iterations_is_musgd_at_a_hundredth() -> None:
    given = RunSettings(dataset_size=118_287)  # ⌈118287/64⌉ × 100 iterations
    done = _imported({"lr0": 0.002}, given)
    assert math.ceil(118_287 / max(16, 64)) * 100 > 10_000
    assert _rate(done.spec, "lr0") == 0.01
    assert _rate(done.spec, "warmup_bias_lr") == 0.0
    assert any("MuSGD" in line for line in done.assumptions)


def test_auto_on_a_small_run_is_adamw_fitted_to_the_classes(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("path: ../datasets/mine\nnames:\n  0: cat\n  1: dog\n  2: fox\n")
    path = _args_yaml(tmp_path, {"data": "mine.yaml", "epochs": 50})
    done = load(path, RunSettings(dataset_size=640))
    assert math.ceil(640 / 64) * 50 <= 10_000
    assert _rate(done.spec, "lr0") == round(0.002 * 5 / (4 + 3), 6)
    assert any("AdamW" in line and "the names in mine.yaml" in line for line in done.assumptions)


def test_auto_with_unknown_classes_assumes_cocos_and_says_so() -> None:
    done = _imported({"data": "somewhere/else.yaml"}, RunSettings(steps_per_epoch=10))
    assert _rate(done.spec, "lr0") == round(0.002 * 5 / (4 + 80), 6)
    assert any("80 (COCO's) assumed" in line for line in done.assumptions)


def test_auto_decided_from_the_batches_alone_when_the_bounds_agree() -> None:
    """nb batches of 16 hold 16(nb − 1) + 1 to 16·nb images: both sides of 10,000 iterations agree."""
    done = _imported({"epochs": 300}, RunSettings(steps_per_epoch=1000))
    assert _rate(done.spec, "lr0") == 0.01


def test_time_and_patience_are_noted() -> None:
    done = _imported({"optimizer": "SGD", "time": 2.5, "patience": 20}, RunSettings(steps_per_epoch=10))
    assert any("time is 2.5 hours" in line for line in done.assumptions)
    assert any("patience is 20" in line for line in done.assumptions)


def test_args_yaml_is_recognised() -> None:
    assert recognise(Document(Path("args.yaml"), dict(ARGS))).kind == "ultralytics"


@pytest.mark.parametrize(
    ("args", "given", "message"),
    [
        ({"lr0": None}, RunSettings(), "lr0 is missing"),
        (
            {"optimizer": "Lion"},
            RunSettings(),
            "one of SGD, MuSGD, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp, auto",
        ),
        ({"epochs": 0}, RunSettings(), "epochs: must be 1 or more"),
        ({"epochs": "many"}, RunSettings(), "epochs: must be a number"),
        ({"lr0": "fast"}, RunSettings(), "lr0: must be a number"),
        ({"batch": 0}, RunSettings(), "batch: must be a batch size"),
        ({"batch": -1, "optimizer": "SGD"}, RunSettings(dataset_size=1000), "AutoBatch"),
        ({"batch": 24}, RunSettings(steps_per_epoch=267), "give --dataset-size"),  # 6385 to 6408 images
        ({"cos_lr": "sometimes"}, RunSettings(), "cos_lr: must be true or false"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(
    args: dict[str, Any], given: RunSettings, message: str
) -> None:
    with pytest.raises(TrainingConfigError) as raised:
        imported(Document(Path("args.yaml"), {**ARGS, **args}), given, "ultralytics")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
