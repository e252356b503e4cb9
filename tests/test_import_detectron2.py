"""detectron2 yacs configs: ``SOLVER.*`` over detectron2's defaults, ``_BASE_`` files merged as fvcore's
``CfgNode.load_yaml_with_base`` merges them, translated into the ``detectron2.`` dialect as
``build_lr_scheduler`` builds the scheduler; bad input refused in one line.

detectron2 does not install here: the parity test at the end builds the scheduler from the real fvcore
classes exactly as detectron2's ``build_lr_scheduler`` and ``WarmupParamScheduler`` do (written here
from detectron2's source, facebookresearch/detectron2 02b5c4e, for the SOLVER values these files
mean), and steps it as its LRMultiplier and the trainer's LRScheduler hook do. The other tests need no
framework."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import pytest

import lrviz
from lrviz.errors import LrvizError
from lrviz.io.settings import RunSettings
from lrviz.io.training import cmdline, recognise
from lrviz.io.training.cmdline import COMMAND_LINE
from lrviz.io.training.detectron2 import IMPORTER
from lrviz.io.training.document import Document, read

BASE_RCNN_FPN = """
MODEL:
  META_ARCHITECTURE: "GeneralizedRCNN"
  RPN:
    IN_FEATURES: ["p2", "p3", "p4", "p5", "p6"]
DATASETS:
  TRAIN: ("coco_2017_train",)
SOLVER:
  IMS_PER_BATCH: 16
  BASE_LR: 0.02
  STEPS: (60000, 80000)
  MAX_ITER: 90000
INPUT:
  MIN_SIZE_TRAIN: (640, 672, 704, 736, 768, 800)
VERSION: 2
"""

FASTER_3X = """
_BASE_: "../Base-RCNN-FPN.yaml"
MODEL:
  WEIGHTS: "detectron2://ImageNetPretrained/MSRA/R-50.pkl"
  MASK_ON: False
SOLVER:
  STEPS: (210000, 250000)
  MAX_ITER: 270000
"""

SMALL = {
    "multistep.yaml": """
        _BASE_: "../Base-RCNN-FPN.yaml"
        SOLVER:
          BASE_LR: 0.01
          STEPS: (200, 250, 400)
          MAX_ITER: 300
          WARMUP_ITERS: 40
          GAMMA: 0.5
    """,
    "cosine.yaml": """
        SOLVER:
          LR_SCHEDULER_NAME: WarmupCosineLR
          BASE_LR: 0.04
          BASE_LR_END: 0.0004
          MAX_ITER: 250
          WARMUP_ITERS: 30
          WARMUP_FACTOR: 0.01
          WARMUP_METHOD: constant
    """,
    "rescaled.yaml": """
        SOLVER:
          LR_SCHEDULER_NAME: WarmupCosineLR
          BASE_LR: 0.1
          MAX_ITER: 200
          WARMUP_ITERS: 50
          RESCALE_INTERVAL: True
    """,
    "fixed_gamma.yaml": """
        SOLVER:
          LR_SCHEDULER_NAME: WarmupStepWithFixedGammaLR
          BASE_LR: 0.02
          MAX_ITER: 120
          NUM_DECAYS: 2
          GAMMA: 0.3
          WARMUP_ITERS: 10
    """,
    "long_warmup.yaml": """
        SOLVER:
          BASE_LR: 0.02
          STEPS: [50]
          MAX_ITER: 80
          WARMUP_ITERS: 500
    """,
}


def configs(tmp_path: Path) -> Path:
    (tmp_path / "configs" / "COCO-Detection").mkdir(parents=True, exist_ok=True)
    (tmp_path / "configs" / "Base-RCNN-FPN.yaml").write_text(BASE_RCNN_FPN)
    (tmp_path / "configs" / "COCO-Detection" / "faster_rcnn_R_50_FPN_3x.yaml").write_text(FASTER_3X)
    for name, text in SMALL.items():
        (tmp_path / "configs" / "COCO-Detection" / name).write_text(textwrap.dedent(text))
    return tmp_path / "configs" / "COCO-Detection"


def imported(path: Path, **given: Any) -> Any:
    return IMPORTER.translate(read(path), RunSettings(**given))


def test_base_chain_merged(tmp_path: Path) -> None:
    result = imported(configs(tmp_path) / "faster_rcnn_R_50_FPN_3x.yaml")
    assert result.spec == (
        "detectron2.LRMultiplier(optimizer, detectron2.WarmupParamScheduler("
        f"detectron2.MultiStepParamScheduler([1.0, 0.1, {0.1**2!r}], milestones=[210000, 250000], "
        "num_updates=270000), warmup_factor=0.001, "
        f"warmup_length={1000 / 270000!r}), max_iter=270000, lr=0.02)"
    )
    assert result.run.steps == 270000
    said = "\n".join(result.assumptions)
    assert "Base-RCNN-FPN.yaml ← " in said
    assert "SOLVER.WARMUP_ITERS is not set: detectron2's default 1000" in said
    assert "SOLVER.BASE_LR is not set" not in said  # the base sets it


def test_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = configs(tmp_path)
    for name in ("cosine.yaml", "faster_rcnn_R_50_FPN_3x.yaml"):
        assert recognise(read(folder / name)).kind == "detectron2"
    monkeypatch.chdir(folder)
    line = cmdline.document(
        "python tools/train_net.py --config-file cosine.yaml --num-gpus 2 SOLVER.MAX_ITER 90"
    )
    assert recognise(line).kind == "detectron2"
    result = IMPORTER.translate(line, RunSettings())
    assert result.run.steps == 90
    assert "SOLVER.MAX_ITER 90 from the command line's opts" in result.assumptions


def test_steps_past_max_iter_dropped(tmp_path: Path) -> None:
    result = imported(configs(tmp_path) / "multistep.yaml")
    assert "milestones=[200, 250]" in result.spec
    assert any("SOLVER.STEPS 400 are past SOLVER.MAX_ITER 300" in a for a in result.assumptions)


def test_warmup_longer_than_the_run(tmp_path: Path) -> None:
    result = imported(configs(tmp_path) / "long_warmup.yaml")
    assert "warmup_length=1.0" in result.spec


def test_cosine_end_and_options(tmp_path: Path) -> None:
    folder = configs(tmp_path)
    result = imported(folder / "cosine.yaml")
    assert f"detectron2.CosineParamScheduler(1, {0.0004 / 0.04!r})" in result.spec
    assert "warmup_method='constant'" in result.spec
    assert "rescale_interval=True" in imported(folder / "rescaled.yaml").spec


def test_command_line_wins_over_the_file(tmp_path: Path) -> None:
    folder = configs(tmp_path)
    document = Document(
        COMMAND_LINE,
        {
            "config_file": [str(folder / "faster_rcnn_R_50_FPN_3x.yaml"), "SOLVER.BASE_LR", "0.0025"],
            "num_gpus": "8",
        },
        command_line=True,
    )
    result = IMPORTER.translate(document, RunSettings())
    assert result.spec.endswith("max_iter=270000, lr=0.0025)")
    document = Document(
        COMMAND_LINE,
        {"config_file": str(folder / "cosine.yaml"), "eval_only": ["SOLVER.MAX_ITER", "500"]},
        command_line=True,
    )
    assert IMPORTER.translate(document, RunSettings()).run.steps == 500


def test_reference_world_size_scaled(tmp_path: Path) -> None:
    path = tmp_path / "scaled.yaml"
    path.write_text(
        "SOLVER:\n  IMS_PER_BATCH: 16\n  BASE_LR: 0.1\n  REFERENCE_WORLD_SIZE: 8\n  MAX_ITER: 5000\n"
        "  STEPS: (4000,)\n  WARMUP_ITERS: 100\n"
    )
    result = imported(path, devices=16)  # detectron2's own example: 8 → 16 devices
    assert "milestones=[2000], num_updates=2500" in result.spec
    assert result.spec.endswith("max_iter=2500, lr=0.2)")
    assert f"warmup_length={50 / 2500!r}" in result.spec
    assert any("REFERENCE_WORLD_SIZE is 8" in a for a in imported(path).assumptions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SOLVER:\n  LR_SCHEDULER_NAME: WarmupPolyLR\n",
            "no detectron2 LR scheduler: one of WarmupMultiStepLR, ",
        ),
        (
            "_BASE_: ../missing.yaml\nSOLVER:\n  MAX_ITER: 10\n",
            "cfg.yaml:1: _BASE_: '../missing.yaml' does not exist",
        ),
        (
            "SOLVER:\n  WARMUP_METHOD: exp\n",
            "SOLVER.WARMUP_METHOD: 'exp' is no warm-up method: one of linear",
        ),
        (
            "SOLVER:\n  LR_SCHEDULER_NAME: WarmupCosineLR\n  BASE_LR: 0.01\n  BASE_LR_END: 0.1\n",
            "BASE_LR_END / BASE_LR must be in",
        ),
        ("SOLVER:\n  MAX_ITER: many\n", "cfg.yaml:2: SOLVER.MAX_ITER: must be a number"),
        ("SOLVER:\n  STEPS: 100\n", "SOLVER.STEPS: must be a list of iterations"),
        ("SOLVER: 3\n", "SOLVER: must be a mapping"),
        ("_BASE_: cfg.yaml\nSOLVER:\n  MAX_ITER: 10\n", "includes itself"),
    ],
)
def test_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cfg.yaml"
    path.write_text(text)
    with pytest.raises(LrvizError, match=message.replace("(", r"\(").replace(".", r"\.")) as caught:
        imported(path)
    assert "\n" not in str(caught.value)


def test_command_line_needs_a_config(tmp_path: Path) -> None:
    document = Document(COMMAND_LINE, {"num_gpus": "8"}, command_line=True)
    with pytest.raises(LrvizError, match="no --config-file"):
        IMPORTER.translate(document, RunSettings())


def build_lr_scheduler(solver: dict[str, Any]) -> Any:
    """detectron2's build_lr_scheduler (its multiplier), from its source, on the real fvcore classes."""
    from tests.frameworks import require

    fv = require("fvcore.common.param_scheduler")
    name = solver["LR_SCHEDULER_NAME"]
    if name == "WarmupMultiStepLR":
        steps = [x for x in solver["STEPS"] if x <= solver["MAX_ITER"]]
        sched = fv.MultiStepParamScheduler(
            values=[solver["GAMMA"] ** k for k in range(len(steps) + 1)],
            milestones=steps,
            num_updates=solver["MAX_ITER"],
        )
    elif name == "WarmupCosineLR":
        sched = fv.CosineParamScheduler(1, solver["BASE_LR_END"] / solver["BASE_LR"])
    else:
        sched = fv.StepWithFixedGammaParamScheduler(
            base_value=1.0,
            gamma=solver["GAMMA"],
            num_decays=solver["NUM_DECAYS"],
            num_updates=solver["MAX_ITER"],
        )
    length = min(solver["WARMUP_ITERS"] / solver["MAX_ITER"], 1.0)
    rescale = solver["RESCALE_INTERVAL"]
    # WarmupParamScheduler's constructor
    end_value = sched(0.0) if rescale else sched(length)
    start_value = solver["WARMUP_FACTOR"] * sched(0.0)
    if solver["WARMUP_METHOD"] == "constant":
        warmup = fv.ConstantParamScheduler(start_value)
    else:
        warmup = fv.LinearParamScheduler(start_value, end_value)
    return fv.CompositeParamScheduler(
        [warmup, sched],
        interval_scaling=["rescaled", "rescaled" if rescale else "fixed"],
        lengths=[length, 1 - length],
    )


SOLVERS: dict[str, dict[str, Any]] = {  # what detectron2's defaults and merge make of SMALL's files
    "multistep.yaml": {
        "BASE_LR": 0.01,
        "STEPS": (200, 250, 400),
        "MAX_ITER": 300,
        "WARMUP_ITERS": 40,
        "GAMMA": 0.5,
    },
    "cosine.yaml": {
        "LR_SCHEDULER_NAME": "WarmupCosineLR",
        "BASE_LR": 0.04,
        "BASE_LR_END": 0.0004,
        "MAX_ITER": 250,
        "WARMUP_ITERS": 30,
        "WARMUP_FACTOR": 0.01,
        "WARMUP_METHOD": "constant",
    },
    "rescaled.yaml": {
        "LR_SCHEDULER_NAME": "WarmupCosineLR",
        "BASE_LR": 0.1,
        "MAX_ITER": 200,
        "WARMUP_ITERS": 50,
        "RESCALE_INTERVAL": True,
    },
    "fixed_gamma.yaml": {
        "LR_SCHEDULER_NAME": "WarmupStepWithFixedGammaLR",
        "BASE_LR": 0.02,
        "MAX_ITER": 120,
        "NUM_DECAYS": 2,
        "GAMMA": 0.3,
        "WARMUP_ITERS": 10,
    },
    "long_warmup.yaml": {"BASE_LR": 0.02, "STEPS": (50,), "MAX_ITER": 80, "WARMUP_ITERS": 500},
}

DEFAULTS: dict[str, Any] = {  # detectron2/config/defaults.py
    "LR_SCHEDULER_NAME": "WarmupMultiStepLR",
    "BASE_LR_END": 0.0,
    "GAMMA": 0.1,
    "NUM_DECAYS": 3,
    "WARMUP_FACTOR": 1.0 / 1000,
    "WARMUP_METHOD": "linear",
    "RESCALE_INTERVAL": False,
}


@pytest.mark.parametrize("name", sorted(SOLVERS))
def test_parity_with_build_lr_scheduler(tmp_path: Path, name: str) -> None:
    from tests.frameworks import assert_parity

    solver = {**DEFAULTS, **SOLVERS[name]}
    multiplier = build_lr_scheduler(solver)
    max_iter, lr = solver["MAX_ITER"], solver["BASE_LR"]
    # LRMultiplier as the trainer drives it: its constructor's step, then one after every iteration
    theirs = [lr * multiplier(last_iter / max_iter) for last_iter in range(max_iter)]
    result = imported(configs(tmp_path) / name)
    assert result.run.steps == max_iter
    assert_parity(result.spec, lrviz.evaluate(result.spec, max_iter), theirs)
    assert all(math.isfinite(r) for r in theirs)
