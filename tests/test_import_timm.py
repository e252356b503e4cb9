"""timm's train.py arguments as input (``args.yaml``, or the command line): the rates ``lrviz export``
gives for them against timm's own scheduler, made by ``create_scheduler_v2`` from ``scheduler_kwargs``
of the same arguments and driven as train.py drives it (``step_update(num_updates)`` after each
update, ``step(epoch + 1, metric)`` after each epoch, for the ``num_epochs`` the factory returns).

train.py itself needs a model and a dataset, so two of its rules are written here from its source
(timm's train.py): the rate scaled from ``lr_base`` by the global batch, and updates an epoch as
⌈len(loader)/grad_accum_steps⌉, the loader's length taken from torch's own DataLoader (drop_last, as
timm's training loader) over a DistributedSampler. The rest is timm's. And read wrong, one line each.
"""

from __future__ import annotations

import argparse
import importlib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz.io.settings import RunSettings
from lrviz.io.training import imported, load
from lrviz.io.training.document import Document, TrainingConfigError
from lrviz.tools.build import build
from tests.frameworks import assert_parity, require, timm_schedulers

TRAIN_DEFAULTS: dict[str, Any] = {
    "model": "resnet50",
    "sched": "cosine",
    "sched_on_updates": False,
    "lr": None,
    "lr_base": 0.1,
    "lr_base_size": 256,
    "lr_base_scale": "",
    "lr_noise": None,
    "lr_noise_pct": 0.67,
    "lr_noise_std": 1.0,
    "lr_cycle_mul": 1.0,
    "lr_cycle_decay": 0.5,
    "lr_cycle_limit": 1,
    "lr_k_decay": 1.0,
    "warmup_lr": 1e-5,
    "min_lr": 0,
    "epochs": 300,
    "decay_milestones": [90, 180, 270],
    "decay_epochs": 90,
    "warmup_epochs": 5,
    "warmup_prefix": False,
    "cooldown_epochs": 0,
    "patience_epochs": 10,
    "decay_rate": 0.1,
    "batch_size": 128,
    "grad_accum_steps": 1,
    "opt": "sgd",
    "eval_metric": "top1",
    "val_split": "validation",
    "seed": 42,
}
"""train.py's argparse defaults for what its schedule reads: what its args.yaml holds unless given."""


def _train_py(
    args: dict[str, Any], samples: int | None, devices: int = 1, metrics: list[float] | None = None
) -> np.ndarray:
    """The rate of every update of train.py's run (of every epoch, with no dataset size)."""
    torch: Any = require("torch")
    timm_schedulers()
    factory: Any = importlib.import_module("timm.scheduler.scheduler_factory")
    cfg = argparse.Namespace(**{**TRAIN_DEFAULTS, **args})
    per_epoch = 1
    if samples is not None:
        data = list(range(samples))
        sampler = (
            torch.utils.data.DistributedSampler(data, num_replicas=devices, rank=0) if devices > 1 else None
        )
        loader = torch.utils.data.DataLoader(data, batch_size=cfg.batch_size, drop_last=True, sampler=sampler)
        per_epoch = (len(loader) + cfg.grad_accum_steps - 1) // cfg.grad_accum_steps
    lr = cfg.lr
    if not lr:  # train.py: the rate from lr_base and the global batch
        ratio = cfg.batch_size * devices * cfg.grad_accum_steps / cfg.lr_base_size
        scale = cfg.lr_base_scale or (
            "sqrt" if any(o in cfg.opt.lower() for o in ("ada", "lamb")) else "linear"
        )
        lr = cfg.lr_base * (ratio**0.5 if scale == "sqrt" else ratio)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the plateau scheduler is deprecated
        scheduler, epochs = factory.create_scheduler_v2(
            optimizer,
            **factory.scheduler_kwargs(cfg, decreasing_metric=cfg.eval_metric == "loss"),
            updates_per_epoch=per_epoch,
        )
    rates, updates = [], 0
    for epoch in range(epochs):
        for _ in range(per_epoch):
            rates.append(optimizer.param_groups[0]["lr"])
            updates += 1
            scheduler.step_update(num_updates=updates)
        scheduler.step(epoch + 1, None if metrics is None else metrics[epoch])
    return np.array(rates)


def _args_yaml(folder: Path, args: dict[str, Any]) -> Path:
    """args.yaml as train.py writes it: every argument, by yaml.safe_dump."""
    import yaml

    path = folder / "args.yaml"
    path.write_text(yaml.safe_dump({**TRAIN_DEFAULTS, **args}, default_flow_style=False), encoding="utf-8")
    return path


def _exported(path: Path, given: RunSettings) -> np.ndarray:
    """The rates ``lrviz export PATH`` writes."""
    return np.asarray(build([str(path)], settings=given).curves.series[0].values)


CASES: list[tuple[dict[str, Any], int | None, int]] = [
    ({"epochs": 30, "warmup_epochs": 3, "lr": 0.4, "min_lr": 1e-5}, 1000, 1),
    ({"epochs": 40, "warmup_epochs": 4, "cooldown_epochs": 5, "min_lr": 1e-4}, None, 1),
    ({"epochs": 20, "warmup_epochs": 2, "warmup_prefix": True, "cooldown_epochs": 2, "lr": 0.1}, 777, 2),
    ({"epochs": 12, "lr_cycle_limit": 3, "lr_cycle_mul": 1.5, "lr_cycle_decay": 0.7, "lr": 0.2}, None, 1),
    ({"epochs": 25, "lr_k_decay": 2.0, "warmup_epochs": 0, "lr": 0.05}, 300, 1),
    ({"sched": "step", "epochs": 30, "decay_epochs": 7, "decay_rate": 0.5, "lr": 0.1}, 640, 1),
    (
        {"sched": "step", "epochs": 30, "decay_epochs": 2.5, "sched_on_updates": True, "batch_size": 16},
        200,
        1,
    ),
    ({"sched": "multistep", "epochs": 30, "decay_milestones": [10, 20], "warmup_prefix": True}, 500, 1),
    (
        {
            "sched": "multistep",
            "epochs": 12,
            "decay_milestones": [4, 8],
            "sched_on_updates": True,
            "batch_size": 8,
        },
        400,
        3,
    ),
    ({"sched": "tanh", "epochs": 20, "warmup_epochs": 2, "lr": 0.3}, 256, 1),
    ({"sched": "poly", "epochs": 20, "decay_rate": 2.0, "min_lr": 1e-3, "lr": 0.3}, None, 1),
    ({"sched": "constant", "epochs": 10, "warmup_epochs": 3, "lr": 0.01}, None, 1),
    ({"sched": "cosine", "epochs": 10, "warmup_epochs": 2, "sched_on_updates": True, "lr": 0.5}, 999, 1),
    (
        {"sched": "poly", "epochs": 8, "sched_on_updates": True, "grad_accum_steps": 3, "batch_size": 16},
        1000,
        1,
    ),
    ({"sched": "wsd", "epochs": 20, "decay_epochs": 0.25, "warmup_epochs": 2, "lr": 3e-4}, None, 1),
    (
        {
            "sched": "rsqrt",
            "epochs": 10,
            "decay_epochs": 2,
            "sched_on_updates": True,
            "lr": 3e-4,
            "batch_size": 32,
        },
        330,
        1,
    ),
    # cycles that grow on updates: their length is no whole number of epochs, and the run floors it
    (
        {"epochs": 3, "lr_cycle_mul": 1.5, "lr_cycle_limit": 2, "sched_on_updates": True, "batch_size": 16},
        112,
        1,
    ),
    # lr_base scaling: linear for sgd, sqrt for adamw, with accumulation and devices
    ({"epochs": 10, "batch_size": 64, "grad_accum_steps": 2}, 2000, 4),
    ({"epochs": 10, "opt": "adamw", "lr_base": 1e-3, "lr_base_size": 512}, 2000, 2),
    ({"epochs": 10, "lr_base_scale": "sqrt", "lr": 0}, None, 1),
]
"""train.py arguments, a dataset size (or none: a row an epoch) and the devices."""


@pytest.mark.parametrize(("args", "samples", "devices"), CASES, ids=lambda x: str(x)[:60])
def test_args_yaml_gives_timms_schedule(
    tmp_path: Path, args: dict[str, Any], samples: int | None, devices: int
) -> None:
    theirs = _train_py(args, samples, devices)
    path = _args_yaml(tmp_path, args)
    given = RunSettings(dataset_size=samples, devices=devices if devices > 1 else None)
    found = load(path, given)
    assert found.kind == "timm"
    assert_parity(found.spec, _exported(path, given), theirs)


def test_a_plateau_reads_the_metric_of_each_epoch_end(tmp_path: Path) -> None:
    """sched plateau: eval_metric 'loss' makes train.py's mode 'min'; the metric of each epoch is
    reported at its end."""
    args = {"sched": "plateau", "epochs": 40, "warmup_epochs": 3, "patience_epochs": 2, "decay_rate": 0.5}
    args |= {"eval_metric": "loss", "lr": 0.1}
    walk = np.random.default_rng(3).normal(0, 0.05, 40).cumsum() + np.linspace(2, 1, 40)
    metrics = [round(float(v), 6) for v in walk]
    theirs = _train_py(args, None, metrics=metrics)
    csv = tmp_path / "metric.csv"
    csv.write_text("epoch,loss\n" + "".join(f"{e},{v!r}\n" for e, v in enumerate(metrics)), encoding="utf-8")
    path = _args_yaml(tmp_path, args)
    found = load(path, RunSettings(dataset_size=5000))
    assert "mode='min'" in found.spec
    assert found.run.steps_per_epoch == 39  # 5,000 samples in batches of 128, the last dropped
    each_update = np.repeat(np.asarray(theirs), 39)  # each epoch's rate over its updates
    assert_parity(found.spec, _exported(path, RunSettings(dataset_size=5000, metric=str(csv))), each_update)


def test_a_command_line_is_read_by_train_pys_types(tmp_path: Path) -> None:
    """Values as a command line gives them: text, lists of text for nargs='+', True for a bare flag."""
    values = {
        "sched": "multistep",
        "lr": "0.4",
        "epochs": "30",
        "warmup_epochs": "5",
        "decay_milestones": ["10", "20"],
        "dr": "0.5",
        "b": "256",
        "warmup_prefix": True,
        "min_lr": "1e-6",
    }
    found = imported(Document(Path("--cmdline"), values, command_line=True), RunSettings(), "timm")
    assert found.spec == (
        "timm.MultiStepLRScheduler(optimizer, decay_t=[10, 20], decay_rate=0.5, warmup_t=5, "
        "warmup_lr_init=1e-05, warmup_prefix=True, lr=0.4)"
    )
    assert found.run.epochs == 35


def test_a_command_line_gives_timms_schedule() -> None:
    """The same run, as the parsed arguments train.py hands the factory."""
    text = "python train.py --sched multistep --lr 0.4 --epochs 30 --warmup-epochs 5 "
    text += "--decay-milestones 10 20 --dr 0.5 -b 256 --warmup-prefix --min-lr 1e-6"
    given = RunSettings(command_line=text, source_kind="timm", dataset_size=3000)
    ours = np.asarray(build([], settings=given).curves.series[0].values)  # lrviz export --cmdline …
    args = {
        "sched": "multistep",
        "lr": 0.4,
        "epochs": 30,
        "warmup_epochs": 5,
        "decay_milestones": [10, 20],
        "decay_rate": 0.5,
        "batch_size": 256,
        "warmup_prefix": True,
        "min_lr": 1e-6,
    }
    assert_parity(text, ours, _train_py(args, 3000))


def test_the_issues_command_line() -> None:
    from lrviz.io.training.cmdline import document

    text = "python train.py --sched cosine --lr 0.4 --epochs 300 --warmup-epochs 5"
    found = imported(document(text), RunSettings(), "timm")
    assert found.spec.startswith("timm.CosineLRScheduler(optimizer, t_initial=300, lr_min=0.0,")
    assert found.spec.endswith("warmup_t=5, warmup_lr_init=1e-05, warmup_prefix=False, k_decay=1.0, lr=0.4)")
    assert found.run.epochs == 300
    assert any("a row an epoch" in line for line in found.assumptions)
    assert any(line.startswith("warmup_lr is not given") for line in found.assumptions)
    assert not any("batch_size" in line for line in found.assumptions)  # lr is given: no scaling


def test_args_yaml_is_recognised() -> None:
    from lrviz.io.training import recognise

    values = {**TRAIN_DEFAULTS}
    assert recognise(Document(Path("args.yaml"), values)).kind == "timm"


@pytest.mark.parametrize(
    ("args", "given", "message"),
    [
        ({"sched": "cosine_annealing"}, RunSettings(), "no timm scheduler"),
        ({"sched": "none"}, RunSettings(), "builds no scheduler"),
        ({"sched_on_updates": True}, RunSettings(), "give --steps-per-epoch"),
        ({"sched": "plateau", "sched_on_updates": True}, RunSettings(steps_per_epoch=10), "per epoch only"),
        ({"lr_noise": [0.4, 0.9]}, RunSettings(), "noise"),
        ({"sched": "wsd", "epochs": 10, "decay_epochs": 30}, RunSettings(), "0 < decay_epochs"),
        ({"epochs": "ten"}, RunSettings(), "epochs: must be a number"),
        ({"epochs": 0}, RunSettings(), "epochs: must be 1 or more"),
        ({"lr_base_size": 0}, RunSettings(), "lr_base_size: must be 1 or more"),
        ({"lr_cycle_limit": 5000, "lr_cycle_mul": 2.0}, RunSettings(), "longer than any run"),
        ({"sched": 3}, RunSettings(), "sched: must be text"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(
    args: dict[str, Any], given: RunSettings, message: str
) -> None:
    with pytest.raises(TrainingConfigError) as raised:
        imported(Document(Path("args.yaml"), {**TRAIN_DEFAULTS, **args}), given, "timm")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_an_unknown_scheduler_lists_the_known_ones() -> None:
    with pytest.raises(TrainingConfigError, match="one of cosine, tanh, step, constant, multistep"):
        imported(Document(Path("args.yaml"), {"sched": "onecycle", "epochs": 3}), RunSettings())
