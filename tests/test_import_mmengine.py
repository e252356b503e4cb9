"""OpenMMLab Python configs: read with ``ast`` (never run), ``_base_`` chains merged as mmengine merges
them, translated into the ``mmengine.`` dialect; bad input refused in one line. The parity test at the
end builds the real mmengine schedulers from the scheduler dicts that mmengine's Config would give for
these files (written here by hand from mmengine's merge rule: mmengine's Config needs yapf and addict,
which are not installed) and drives them as ParamSchedulerHook does."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz.errors import LrvizError
from lrviz.io.settings import RunSettings
from lrviz.io.training.document import Document, read
from lrviz.io.training.mmengine import IMPORTER

SCHEDULE_1X = """
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
auto_scale_lr = dict(enable=False, base_batch_size=16)
"""

FASTER_2X = """
_base_ = ['../_base_/schedules/schedule_1x.py']
from mmdet.models import FasterRCNN
model = dict(type=FasterRCNN, backbone=dict(depth=50))
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 22], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02 * 2), paramwise_cfg=dict(norm_decay_mult=0.))
"""

YOLOX = """
_base_ = '../_base_/schedules/schedule_1x.py'
max_epochs = 10
num_last_epochs = 2
base_lr = 0.01
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, nesterov=True))
param_scheduler = [
    dict(type='mmdet.QuadraticWarmupLR', by_epoch=True, begin=0, end=2, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.05, begin=2, T_max=max_epochs - num_last_epochs,
         end=max_epochs - num_last_epochs, by_epoch=True, convert_to_iter_based=True),
    dict(type='ConstantLR', by_epoch=True, factor=1, begin=max_epochs - num_last_epochs, end=max_epochs),
]
"""

SWIN = """
_base_ = ['../_base_/schedules/schedule_1x.py']
optim_wrapper = dict(_delete_=True, optimizer=dict(type='AdamW', lr=5e-4 * 1024 / 512, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=2, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=2)
]
train_cfg = dict(max_epochs=9)
"""

SEG = """
_base_ = ['../_base_/schedules/schedule_1x.py']
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=300, by_epoch=False)]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=300, val_interval=100)
"""

NEW_STYLE = """
from mmengine.config import read_base
with read_base():
    from .._base_.schedules.schedule_1x import *
from mmengine.optim.scheduler.lr_scheduler import LinearLR, CosineAnnealingLR
from mmdet.models import RetinaNet
model = dict(type=RetinaNet, neck=dict(num_outs=5))
param_scheduler = [
    dict(type=LinearLR, start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type=CosineAnnealingLR, by_epoch=True, begin=0, end=12, eta_min_ratio=0.01),
]
"""


def configs(tmp_path: Path) -> Path:
    (tmp_path / "_base_" / "schedules").mkdir(parents=True)
    (tmp_path / "_base_" / "schedules" / "schedule_1x.py").write_text(SCHEDULE_1X)
    (tmp_path / "configs").mkdir()
    for name, text in (
        ("faster_2x", FASTER_2X),
        ("yolox", YOLOX),
        ("swin", SWIN),
        ("seg", SEG),
        ("new", NEW_STYLE),
    ):
        (tmp_path / "configs" / f"{name}.py").write_text(textwrap.dedent(text))
    return tmp_path / "configs"


def imported(path: Path, **given: Any) -> Any:
    document = read(path)
    assert IMPORTER is not None
    assert IMPORTER.recognises(document.values)
    return IMPORTER.translate(document, RunSettings(**given))


def test_base_chain_merged(tmp_path: Path) -> None:
    folder = configs(tmp_path)
    document = read(folder / "faster_2x.py")
    assert document.values["train_cfg"] == {
        "type": "EpochBasedTrainLoop",
        "max_epochs": 24,
        "val_interval": 1,
    }
    assert document.values["optim_wrapper"]["optimizer"] == {"type": "SGD", "lr": 0.04, "momentum": 0.9}
    assert document.lines[("param_scheduler", "1", "milestones")] == 9
    result = imported(folder / "faster_2x.py", steps_per_epoch=10)
    assert result.spec == (
        "mmengine.param_scheduler([mmengine.LinearLR(start_factor=0.001, by_epoch=False, begin=0, end=50), "
        "mmengine.MultiStepLR(begin=0, end=24, by_epoch=True, milestones=[16, 22], gamma=0.1)], "
        "epoch_length=10, lr=0.04)"
    )
    assert (result.run.epochs, result.run.steps_per_epoch) == (24, 10)
    assert any("paramwise_cfg" in a for a in result.assumptions)
    assert any("auto_scale_lr" in a for a in result.assumptions)


def test_delete_replaces(tmp_path: Path) -> None:
    document = read(configs(tmp_path) / "swin.py")
    assert document.values["optim_wrapper"] == {
        "optimizer": {"type": "AdamW", "lr": 0.001, "weight_decay": 0.05}
    }
    assert document.values["train_cfg"]["max_epochs"] == 9


def test_epoch_length_unknown_is_said(tmp_path: Path) -> None:
    result = imported(configs(tmp_path) / "swin.py")
    assert "epoch_length=1" in result.spec
    assert any("--steps-per-epoch" in a for a in result.assumptions)


def test_iteration_loop(tmp_path: Path) -> None:
    result = imported(configs(tmp_path) / "seg.py")
    assert result.run.steps == 300


def test_new_style_read_base(tmp_path: Path) -> None:
    result = imported(configs(tmp_path) / "new.py", steps_per_epoch=5)
    assert "mmengine.LinearLR(start_factor=0.1" in result.spec
    assert (result.run.epochs, result.run.steps_per_epoch) == (12, 5)


def test_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "cfg.py"
    path.write_text(
        f"import os\nos.system('touch {marker}')\nlr = __import__('os').getcwd()\n"
        "param_scheduler = dict(type='StepLR', step_size=3)\noptimizer = dict(type='SGD', lr=0.1)\n"
    )
    result = imported(path)
    assert not marker.exists()
    assert result.spec.startswith("mmengine.param_scheduler([mmengine.StepLR(step_size=3)]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("_base_ = './missing.py'\nparam_scheduler = dict(type='StepLR', step_size=3)\n", "does not exist"),
        ("param_scheduler = dict(type='WarmupLR')\noptimizer = dict(lr=0.1)\n", "one of StepLR, MultiStepLR"),
        ("param_scheduler = dict(type='StepLR', step_size=3)\n", "has no optim_wrapper.optimizer.lr"),
        (
            "import math\nparam_scheduler = dict(type='StepLR', step_size=math.ceil(2.5))\n"
            "optimizer = dict(lr=0.1)\n",
            "cfg.py:2: param_scheduler.step_size is 'math.ceil(2.5)'",
        ),
        (
            "param_scheduler = [dict(type='StepLR', step_size=3)]\nparam_scheduler[0]['gamma'] = 0.5\n"
            "optimizer = dict(lr=0.1)\n",
            "only running the config",
        ),
    ],
)
def test_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cfg.py"
    path.write_text(text)
    with pytest.raises(LrvizError, match=re.escape(message)) as raised:
        imported(path)
    assert "\n" not in str(raised.value)


def test_dict_document() -> None:
    document = Document(
        Path("cfg.py"),
        {
            "param_scheduler": {"type": "ExponentialLR", "gamma": 0.9},
            "optimizer": {"lr": 0.1},
            "train_cfg": {"by_epoch": True, "max_epochs": 5},
        },
    )
    assert IMPORTER is not None
    result = IMPORTER.translate(document, RunSettings())
    assert (
        result.spec == "mmengine.param_scheduler([mmengine.ExponentialLR(gamma=0.9)], epoch_length=1, lr=0.1)"
    )
    assert (result.run.epochs, result.run.steps_per_epoch) == (5, 1)


# what mmengine's Config gives for param_scheduler, lr and the loop of each file, by its merge rule
EXPECTED: dict[str, tuple[list[dict[str, Any]], float, int]] = {
    "faster_2x": (
        [
            {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 50},
            {
                "type": "MultiStepLR",
                "begin": 0,
                "end": 24,
                "by_epoch": True,
                "milestones": [16, 22],
                "gamma": 0.1,
            },
        ],
        0.04,
        24,
    ),
    "yolox": (
        [
            {
                "type": "QuadraticWarmupLR",
                "by_epoch": True,
                "begin": 0,
                "end": 2,
                "convert_to_iter_based": True,
            },
            {
                "type": "CosineAnnealingLR",
                "eta_min": 0.01 * 0.05,
                "begin": 2,
                "T_max": 8,
                "end": 8,
                "by_epoch": True,
                "convert_to_iter_based": True,
            },
            {"type": "ConstantLR", "by_epoch": True, "factor": 1, "begin": 8, "end": 10},
        ],
        0.01,
        10,
    ),
    "swin": (
        [
            {
                "type": "LinearLR",
                "start_factor": 1e-3,
                "by_epoch": True,
                "end": 2,
                "convert_to_iter_based": True,
            },
            {"type": "CosineAnnealingLR", "eta_min": 1e-5, "by_epoch": True, "begin": 2},
        ],
        0.001,
        9,
    ),
    "new": (
        [
            {"type": "LinearLR", "start_factor": 0.1, "by_epoch": False, "begin": 0, "end": 20},
            {"type": "CosineAnnealingLR", "by_epoch": True, "begin": 0, "end": 12, "eta_min_ratio": 0.01},
        ],
        0.02,
        12,
    ),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_parity_with_mmengine(tmp_path: Path, name: str) -> None:
    from tests.frameworks import assert_parity, require

    require("torch")
    from lrviz.evaluation.run import Run, evaluate_spec
    from lrviz.language.parser import parse
    from tests.test_parity_mmengine import run_mmengine

    epoch_length = 7
    result = imported(configs(tmp_path) / f"{name}.py", steps_per_epoch=epoch_length)
    schedulers, lr, epochs = EXPECTED[name]
    assert (result.run.epochs, result.run.steps_per_epoch) == (epochs, epoch_length)
    theirs = run_mmengine(schedulers, lr, epoch_length, epochs * epoch_length)
    ours = evaluate_spec(parse(result.spec), Run(steps=epochs * epoch_length))
    assert_parity(name, ours, theirs)
    assert np.isfinite(ours).all()


RTM_BASE = """
max_epochs = 20
base_lr = 0.004
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.05),
                     paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
train_dataloader = dict(batch_size=32, num_workers=10, dataset=dict(type='CocoDataset'))
"""

RTM = """
_base_ = '../rtm_base.py'
import os.path as osp
def helper(x):
    return x * 2
data_root = osp.join('data', 'coco')
stage2_num_epochs = 5
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0e-5, by_epoch=False, begin=0, end=100),
    dict(
        # use cosine lr from 10 to 20 epoch
        type='CosineAnnealingLR',
        eta_min='{{_base_.base_lr}}',
        begin=_base_.max_epochs // 2,
        end=_base_.max_epochs,
        T_max=_base_.max_epochs // 2,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(type='CosineAnnealingMomentum', T_max=20, by_epoch=True),
]
train_pipeline = [dict(type='LoadImageFromFile') for _ in range(2)]
custom_hooks = [dict(type='PipelineSwitchHook', switch_epoch=_base_.max_epochs - stage2_num_epochs)]
auto_scale_lr = dict(enable=True, base_batch_size=16)
"""


def rtm(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "rtm_base.py").write_text(textwrap.dedent(RTM_BASE))
    (tmp_path / "configs").mkdir()
    path = tmp_path / "configs" / "rtm.py"
    path.write_text(textwrap.dedent(RTM))
    return path


def test_base_references_and_unrelated_code(tmp_path: Path) -> None:
    document = read(rtm(tmp_path))
    cosine = document.values["param_scheduler"][1]
    assert (cosine["eta_min"], cosine["begin"], cosine["end"], cosine["T_max"]) == (0.004, 10, 20, 10)
    assert document.values["custom_hooks"][0]["switch_epoch"] == 15
    assert document.values["max_epochs"] == 20  # the base's names are the config's too


def test_sizes_scaling_and_momentum(tmp_path: Path) -> None:
    result = imported(rtm(tmp_path), dataset_size=117266, devices=8)
    # DefaultSampler: ⌈117266/8⌉ = 14659 samples a device, ⌈14659/32⌉ = 459 batches
    assert (result.run.epochs, result.run.steps_per_epoch) == (20, 459)
    assert "epoch_length=459" in result.spec
    assert "lr=0.064)" in result.spec  # 0.004 × (8 × 32)/16
    assert "Momentum" not in result.spec
    assert any("CosineAnnealingMomentum" in a and "--momentum" in a for a in result.assumptions)
    dropped = imported(rtm(tmp_path / "again"), dataset_size=117266, devices=8, drop_last=True)
    assert dropped.run.steps_per_epoch == 458


def test_generic_scheduler_and_loop_by_epoch(tmp_path: Path) -> None:
    path = tmp_path / "cfg.py"
    path.write_text(
        "param_scheduler = dict(type='LinearParamScheduler', param_name='lr', start_factor=0.5, end=3)\n"
        "optimizer = dict(type='SGD', lr=0.1)\ntrain_cfg = dict(by_epoch=False, max_iters=30)\n"
    )
    result = imported(path)
    assert result.spec == (
        "mmengine.param_scheduler([mmengine.LinearLR(start_factor=0.5, end=3)], epoch_length=30, lr=0.1)"
    )
    assert result.run.steps == 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "param_scheduler = dict(generator=[dict(type='StepLR', step_size=2)])\n"
            "optimizer = dict(lr=0.1)\n",
            "schedulers for several optimizers",
        ),
        (
            "param_scheduler = dict(type='StepLR', step_size=2)\noptimizer = dict(lr=0.1)\n"
            "train_cfg = dict(type='EpochBasedTrainLoop', by_epoch=True, max_epochs=3)\n",
            "Only one of `type` or `by_epoch`",
        ),
        (
            "param_scheduler = dict(type='StepLR', step_size=2)\noptimizer = dict(lr=0.1)\n"
            "auto_scale_lr = dict(enable=True, base_batch_size=16)\n",
            "train_dataloader.batch_size: is missing",
        ),
        ("param_scheduler = [dict(type='StepLR', step_size=2)\n", "not valid Python"),
    ],
)
def test_more_bad_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cfg.py"
    path.write_text(text)
    with pytest.raises(LrvizError, match=re.escape(message)):
        imported(path)


def test_parity_rtm_with_mmengine(tmp_path: Path) -> None:
    from tests.frameworks import assert_parity, require

    require("torch")
    from lrviz.evaluation.run import Run, evaluate_spec
    from lrviz.language.parser import parse
    from tests.test_parity_mmengine import run_mmengine

    result = imported(rtm(tmp_path), dataset_size=700, devices=2)  # ⌈⌈700/2⌉/32⌉ = 11 iterations an epoch
    schedulers = [
        {"type": "LinearLR", "start_factor": 1.0e-5, "by_epoch": False, "begin": 0, "end": 100},
        {
            "type": "CosineAnnealingLR",
            "eta_min": 0.004,
            "begin": 10,
            "end": 20,
            "T_max": 10,
            "by_epoch": True,
            "convert_to_iter_based": True,
        },
    ]
    rows = 20 * 11
    theirs = run_mmengine(schedulers, 0.004 * (2 * 32) / 16, 11, rows)
    ours = evaluate_spec(parse(result.spec), Run(steps=rows))
    assert_parity("rtm", ours, theirs)
