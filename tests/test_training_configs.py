"""Training configs as input: Hugging Face TrainingArguments and DeepSpeed configs read for the schedule
they mean, checked against the Trainer and DeepSpeed themselves; and read wrong, one line each."""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.io.settings import RunSettings
from lrviz.io.training import load
from tests.frameworks import assert_parity, require

TRAINER_CASES = [
    ({"lr_scheduler_type": "cosine", "warmup_steps": 0.1, "num_train_epochs": 2}, 10_000),
    (
        {
            "lr_scheduler_type": "linear",
            "warmup_steps": 0.05,
            "num_train_epochs": 1.5,
            "gradient_accumulation_steps": 3,
        },
        999,
    ),
    ({"lr_scheduler_type": "constant_with_warmup", "warmup_steps": 7, "max_steps": 60}, 100),
    (
        {
            "lr_scheduler_type": "polynomial",
            "lr_scheduler_kwargs": {"power": 2.0, "lr_end": 1e-7},
            "num_train_epochs": 3,
        },
        450,
    ),
    (
        {
            "lr_scheduler_type": "cosine_with_min_lr",
            "lr_scheduler_kwargs": {"min_lr_rate": 0.1},
            "num_train_epochs": 2,
            "dataloader_drop_last": True,
        },
        1001,
    ),
    (
        {
            "lr_scheduler_type": "warmup_stable_decay",
            "lr_scheduler_kwargs": {"num_decay_steps": 20},
            "warmup_steps": 10,
            "max_steps": 80,
        },
        64,
    ),
]
"""TrainingArguments fields and a dataset size."""


def _write(folder: Path, name: str, values: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def _trainer_rates(fields: dict[str, Any], samples: int) -> np.ndarray:
    """The rates the Trainer's own scheduler gives, stepped once per update over the run it computes."""
    import importlib

    torch: Any = require("torch")
    transformers: Any = require("transformers")
    require("accelerate")
    # deepspeed is installed for its scheduler module alone: the Trainer must not take it for a backend
    other: Any = importlib.import_module("accelerate.utils.other")
    other.is_deepspeed_available = lambda: False

    class Data(torch.utils.data.Dataset):  # type: ignore[misc]
        def __len__(self) -> int:
            return samples

        def __getitem__(self, i: int) -> dict[str, Any]:
            return {"x": torch.zeros(1), "labels": torch.zeros(1)}

    class Model(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.w = torch.nn.Linear(1, 1)

        def forward(self, x: Any, labels: Any) -> dict[str, Any]:
            return {"loss": (self.w(x) - labels).pow(2).mean()}

    args = transformers.TrainingArguments(
        output_dir=tempfile.mkdtemp(),
        report_to=[],
        use_cpu=True,
        learning_rate=3e-4,
        per_device_train_batch_size=16,
        **fields,
    )
    trainer = transformers.Trainer(model=Model(), args=args, train_dataset=Data())
    *_, total = trainer.set_initial_training_values(args, trainer.get_train_dataloader())
    trainer.create_optimizer_and_scheduler(num_training_steps=total)
    optimizer, scheduler = trainer.optimizer, trainer.lr_scheduler
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(total - 1):
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates)


@pytest.mark.parametrize(("fields", "samples"), TRAINER_CASES, ids=lambda x: str(x)[:50])
def test_training_arguments_give_the_trainers_schedule(
    tmp_path: Path, fields: dict[str, Any], samples: int
) -> None:
    theirs = _trainer_rates(fields, samples)
    path = _write(
        tmp_path,
        "args.json",
        {"output_dir": "out", "learning_rate": 3e-4, "per_device_train_batch_size": 16, **fields},
    )
    imported = load(path, RunSettings(dataset_size=samples))
    assert imported.kind == "hf"
    assert imported.run.steps == theirs.size
    assert_parity(imported.spec, lrviz.evaluate(imported.spec, imported.run.steps), theirs)


def _deepspeed_rates(kind: str, params: dict[str, Any], lr: float, steps: int) -> np.ndarray:
    from tests.frameworks import deepspeed_schedules

    torch: Any = require("torch")
    schedules = deepspeed_schedules()
    logging.getLogger("deepspeed").setLevel(logging.ERROR)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = getattr(schedules, kind)(optimizer, **params)
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(steps - 1):
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates)


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("WarmupDecayLR", {"total_num_steps": 300, "warmup_max_lr": 1e-3, "warmup_num_steps": 40}),
        ("WarmupCosineLR", {"total_num_steps": 300, "warmup_num_steps": 40, "warmup_type": "linear"}),
        ("WarmupLR", {"warmup_min_lr": 1e-5, "warmup_num_steps": 50}),
        (
            "OneCycle",
            {
                "cycle_min_lr": 1e-4,
                "cycle_max_lr": 1e-2,
                "cycle_first_step_size": 80,
                "decay_lr_rate": 0.1,
                "decay_step_size": 10,
            },
        ),
    ],
)
def test_a_deepspeed_config_gives_deepspeeds_schedule(
    tmp_path: Path, kind: str, params: dict[str, Any]
) -> None:
    config = {
        "train_batch_size": 32,
        "optimizer": {"type": "AdamW", "params": {"lr": 2e-3}},
        "scheduler": {"type": kind, "params": params},
    }
    imported = load(
        _write(tmp_path, "ds_config.json", config),
        RunSettings(steps=None if "total_num_steps" in params else 250),
    )
    steps = imported.run.steps
    assert steps is not None
    assert steps == params.get("total_num_steps", 250)
    assert_parity(
        imported.spec, lrviz.evaluate(imported.spec, steps), _deepspeed_rates(kind, params, 2e-3, steps)
    )


def test_the_trainer_fills_a_deepspeed_configs_auto_values(tmp_path: Path) -> None:
    """As the Trainer fills them: the warm-up from its arguments (at least 1), the peak from its
    learning rate, the length from its run, the floor 0."""
    transformers = require("transformers")
    auto = dict.fromkeys(("total_num_steps", "warmup_max_lr", "warmup_num_steps", "warmup_min_lr"), "auto")
    _write(tmp_path, "ds.json", {"scheduler": {"type": "WarmupDecayLR", "params": auto}})
    fields = {"learning_rate": 2e-5, "lr_scheduler_type": "linear", "max_steps": 500, "warmup_steps": 0.06}
    imported = load(_write(tmp_path, "args.json", {**fields, "deepspeed": "ds.json"}), RunSettings())
    warmup = max(1, transformers.TrainingArguments(output_dir="out", **fields).get_warmup_steps(500))
    expected = {"total_num_steps": 500, "warmup_max_lr": 2e-5, "warmup_num_steps": warmup, "warmup_min_lr": 0}
    assert_parity(
        imported.spec,
        lrviz.evaluate(imported.spec, 500),
        _deepspeed_rates("WarmupDecayLR", expected, 2e-5, 500),
    )
    assert any('"auto": the Trainer fills 30' in line for line in imported.assumptions)


def test_a_4x_warmup_ratio_is_read_as_4x_read_it(tmp_path: Path) -> None:
    """transformers 5 took warmup_ratio into warmup_steps (a fraction below 1); 4.x configs still carry
    it, and the Trainer of 4.x warmed up for ⌈run × ratio⌉ steps when warmup_steps was 0."""
    fields = {"lr_scheduler_type": "cosine", "max_steps": 333}
    old = load(_write(tmp_path, "old.json", {**fields, "warmup_ratio": 0.1}), RunSettings())
    new = load(_write(tmp_path, "new.json", {**fields, "warmup_steps": 0.1}), RunSettings())
    assert old.spec == new.spec
    assert "num_warmup_steps=34" in old.spec


def test_yaml_reads_numbers_where_the_trainer_does(tmp_path: Path) -> None:
    """YAML 1.1 reads 3e-4 as text; the Trainer's argument parser reads a number."""
    path = tmp_path / "args.yaml"
    path.write_text(
        "learning_rate: 3e-4\nlr_scheduler_type: cosine\nmax_steps: 100\nwarmup_steps: 10\n", encoding="utf-8"
    )
    imported = load(path, RunSettings())
    assert "lr=0.0003" in imported.spec
    assert imported.run.steps == 100


def test_the_command_line_reads_a_training_config(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        "args.json",
        {"learning_rate": 1e-3, "lr_scheduler_type": "linear", "max_steps": 10, "warmup_steps": 2},
    )
    exported = cli("export", "args.json")
    assert exported.code == 0, exported.err
    rows = [float(line.split(",")[1]) for line in exported.out.splitlines()[1:]]
    assert rows == pytest.approx([0.0, 5e-4, 1e-3, 8.75e-4, 7.5e-4, 6.25e-4, 5e-4, 3.75e-4, 2.5e-4, 1.25e-4])
    assert "read args.json as Hugging Face TrainingArguments" in exported.err
    shown = cli("import", "args.json")
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[:3] == [
        "read as: Hugging Face TrainingArguments",
        "spec: hf.get_scheduler('linear', optimizer, num_warmup_steps=2, num_training_steps=10, lr=0.001)",
        "run: --steps 10",
    ]
    assert cli("export", "args.json", "--steps", "5").out.count("\n") == 6  # the command line wins
    compared = cli("compare", "args.json", "-o", "args.png")
    assert compared.code == 0, compared.err
    assert (tmp_path / "args.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({"x.json": {"a": 1}}, ["table", "x.json"], "not a config lrviz can read"),
        ({"x.json": {"a": 1}}, ["table", "x.json", "--from", "keras"], "--from is one of mmengine, "),
        (
            {"ds.json": {"scheduler": {"type": "Cosine", "params": {}}}},
            ["table", "ds.json"],
            "one of WarmupLR, WarmupDecayLR",
        ),
        (
            {"ds.json": {"scheduler": {"type": "WarmupDecayLR", "params": {"total_num_steps": "auto"}}}},
            ["table", "ds.json"],
            "only the Hugging Face Trainer fills",
        ),
        ({"ds.json": {"train_batch_size": 8}}, ["table", "ds.json"], "has no scheduler"),
        (
            {"ds.json": {"scheduler": {"type": "WarmupLR", "params": {"warmup_num_steps": 10}}}},
            ["table", "ds.json", "-n", "20"],
            "optimizer.params.lr: is missing, and the scheduler's rates are the optimizer's",
        ),
        (
            {"a.json": {"lr_scheduler_type": "cosine", "learning_rate": 1e-3}},
            ["table", "a.json"],
            "give --dataset-size N",
        ),
        (
            {"a.json": {"lr_scheduler_type": "cosine", "learning_rate": "fast", "max_steps": 5}},
            ["table", "a.json"],
            "learning_rate: must be a number, got 'fast'",
        ),
        (
            {"a.json": {"lr_scheduler_type": "cosine", "max_steps": 5, "deepspeed": "missing.json"}},
            ["table", "a.json"],
            "'missing.json' is not a file",
        ),
        ({"a.json": "[1, 2"}, ["table", "a.json"], "not valid JSON"),
        ({}, ["table", "gone.json", "--from", "hf"], "is none"),
    ],
)
def test_a_training_config_read_wrong_is_one_line(
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: dict[str, Any],
    args: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        (tmp_path / name).write_text(
            content if isinstance(content, str) else json.dumps(content), encoding="utf-8"
        )
    result = cli(*args)
    assert result.code == 2, result.out
    assert message in result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err


def test_a_warmup_lr_with_its_own_peak_needs_no_optimizer_rate(tmp_path: Path) -> None:
    """WarmupLR reads the optimizer's rate only when warmup_max_lr is not given."""
    params: dict[str, Any] = {"warmup_max_lr": 0.01, "warmup_num_steps": 10}
    imported = load(
        _write(tmp_path, "ds.json", {"scheduler": {"type": "WarmupLR", "params": params}}),
        RunSettings(steps=20),
    )
    assert "lr=" not in imported.spec.replace("warmup_max_lr=", "")
    theirs = _deepspeed_rates("WarmupLR", params, 0.5, 20)
    assert_parity(imported.spec, lrviz.evaluate(imported.spec, 20), theirs)
