"""The ``lightning`` and ``hydra`` importers: realistic configs (a LightningCLI config with OneCycleLR,
a Hydra config, torchtune recipe excerpts) translated, their rates held against the real scheduler
stepped as the framework steps it (once an epoch for Lightning, once an update in a torchtune recipe,
whose num_training_steps follows the recipe's rule written out here from torchtune 0.6.1's
full_finetune_single_device.py: ⌊len(dataloader)/A⌋ capped at max_steps_per_epoch, the loader dropping
its last batch); bad inputs; and check's L012. Translation and bad-input tests need no framework."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz.io.settings import RunSettings
from lrviz.io.training import load, recognise
from lrviz.io.training.document import Document, TrainingConfigError
from lrviz.tools.build import build
from lrviz.tools.check import check

LIGHTNING = """\
# lightning.pytorch==2.5.0
seed_everything: 42
trainer:
  accelerator: gpu
  devices: 1
  max_epochs: 30
  accumulate_grad_batches: 2
model:
  class_path: mypkg.LitClassifier
  init_args:
    hidden: 256
data:
  class_path: mypkg.ImageData
  init_args:
    batch_size: 64
optimizer:
  class_path: torch.optim.AdamW
  init_args:
    lr: 3e-4
    weight_decay: 0.05
lr_scheduler:
  class_path: torch.optim.lr_scheduler.OneCycleLR
  init_args:
    max_lr: 1e-3
    total_steps: 30
    pct_start: 0.1
"""

TORCHTUNE = """\
output_dir: /tmp/torchtune/llama3_2_1B/lora
model:
  _component_: torchtune.models.llama3_2.lora_llama3_2_1b
  lora_rank: 64
dataset:
  _component_: torchtune.datasets.alpaca_cleaned_dataset
  packed: False
batch_size: 4
epochs: 2
max_steps_per_epoch: null
gradient_accumulation_steps: 8
lr: 3e-4
optimizer:
  _component_: torch.optim.AdamW
  fused: True
  lr: ${lr}
lr_scheduler:
  _component_: torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup
  num_warmup_steps: 100
metric_logger:
  _component_: torchtune.training.metric_logging.DiskLogger
  log_dir: ${output_dir}/logs
"""

HYDRA = """\
defaults:
  - _self_
optim:
  lr: 0.1
model:
  horizon: 1000
  optimizer:
    _target_: torch.optim.SGD
    lr: ${optim.lr}
    momentum: 0.9
  scheduler:
    _target_: torch.optim.lr_scheduler.CosineAnnealingLR
    _partial_: true
    T_max: ${model.horizon}
    eta_min: 1e-5
"""


def _file(tmp_path: Path, text: str, name: str = "config.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _rates(path: Path, given: RunSettings) -> np.ndarray:
    return np.asarray(build([str(path)], settings=given).curves.series[0].values)


def test_lightning_translation(tmp_path: Path) -> None:
    found = load(_file(tmp_path, LIGHTNING), RunSettings(dataset_size=50_000))
    assert found.kind == "lightning"
    assert found.spec == "torch.OneCycleLR(optimizer, max_lr=0.001, total_steps=30, pct_start=0.1, lr=0.0003)"
    # ⌈⌈50000/64⌉/2⌉ = ⌈782/2⌉ = 391: Lightning steps the optimizer at an epoch's last batch
    assert found.run == RunSettings(epochs=30, steps_per_epoch=391, step_on="epoch")
    assert any("once an epoch" in line for line in found.assumptions)


def test_lightning_without_the_dataset_is_a_row_an_epoch(tmp_path: Path) -> None:
    found = load(_file(tmp_path, LIGHTNING), RunSettings())
    assert found.run == RunSettings(epochs=30, step_on="epoch")
    assert any("not known" in line for line in found.assumptions)


def test_lightning_short_names_defaults_and_max_steps() -> None:
    values = {
        "trainer": {"max_steps": 1000},
        "optimizer": {"class_path": "torch.optim.SGD"},
        "lr_scheduler": {"class_path": "CosineAnnealingLR", "init_args": {"T_max": "10"}},
    }
    found = load_values(values, RunSettings(steps_per_epoch=100))
    assert found.spec == "torch.CosineAnnealingLR(optimizer, T_max=10, lr=0.001)"
    assert found.run == RunSettings(steps=1000, steps_per_epoch=100, step_on="epoch")
    assert any("SGD's default, 0.001" in line for line in found.assumptions)
    bolts = {
        **values,
        "lr_scheduler": {
            "class_path": "pl_bolts.optimizers.lr_scheduler.LinearWarmupCosineAnnealingLR",
            "init_args": {"warmup_epochs": 2, "max_epochs": 10},
        },
    }
    assert load_values(bolts, RunSettings(steps_per_epoch=100)).spec.startswith(
        "bolts.LinearWarmupCosineAnnealingLR(optimizer, warmup_epochs=2"
    )


def load_values(values: dict[str, Any], given: RunSettings, name: str = "config.yaml") -> Any:
    document = Document(Path(name), values)
    return recognise(document).translate(document, given)


def test_lightning_gives_torchs_rates_stepped_once_an_epoch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = _file(tmp_path, LIGHTNING)
    ours = _rates(path, RunSettings(dataset_size=50_000))
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=3e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-3, total_steps=30, pct_start=0.1)
    theirs = []
    for _epoch in range(30):
        theirs += [optimizer.param_groups[0]["lr"]] * 391  # each update of the epoch
        with warnings.catch_warnings():  # "step() before optimizer.step()": no training here
            warnings.simplefilter("ignore")
            scheduler.step()  # Lightning: at the epoch's end
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


def test_torchtune_recipe_translation(tmp_path: Path) -> None:
    found = load(_file(tmp_path, TORCHTUNE), RunSettings(dataset_size=51_760))
    assert found.kind == "hydra"
    # ⌊51760/4⌋ = 12940 batches, ⌊12940/8⌋ = 1617 updates an epoch, × 2 epochs
    assert found.spec == (
        "torchtune.get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=100, "
        "num_training_steps=3234, lr=0.0003)"
    )
    assert found.run == RunSettings(epochs=2, steps_per_epoch=1617)
    capped = load(
        _file(tmp_path, TORCHTUNE.replace("max_steps_per_epoch: null", "max_steps_per_epoch: 500")),
        RunSettings(),
    )
    assert "num_training_steps=1000" in capped.spec
    assert any("max_steps_per_epoch" in line for line in capped.assumptions)


def test_torchtune_recipe_gives_torchtunes_rates(tmp_path: Path) -> None:
    from tests.test_parity_torchtune_bolts import stepped, torchtune_schedulers

    module = torchtune_schedulers()
    ours = _rates(_file(tmp_path, TORCHTUNE), RunSettings(dataset_size=51_760))
    build_it = lambda o: module.get_cosine_schedule_with_warmup(o, 100, 2 * (51_760 // 4 // 8))  # noqa: E731
    theirs = stepped(build_it, 3e-4, 2 * 1617)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_hydra_translation_and_torchs_rates(tmp_path: Path) -> None:
    path = _file(tmp_path, HYDRA)
    found = load(path, RunSettings(steps=1200))
    assert found.spec == "torch.CosineAnnealingLR(optimizer, T_max=1000, eta_min=1e-05, lr=0.1)"
    assert found.run.steps == 1200
    torch = pytest.importorskip("torch")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=1000, eta_min=1e-5)
    theirs = []
    for _ in range(1200):
        theirs.append(optimizer.param_groups[0]["lr"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scheduler.step()
    np.testing.assert_allclose(_rates(path, RunSettings(steps=1200)), theirs, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(
    ("target", "name"),
    [
        ("transformers.get_cosine_schedule_with_warmup", "hf.get_cosine_schedule_with_warmup"),
        ("transformers.optimization.get_cosine_schedule_with_warmup", "hf.get_cosine_schedule_with_warmup"),
        ("torchtune.modules.get_cosine_schedule_with_warmup", "torchtune.get_cosine_schedule_with_warmup"),
        ("timm.scheduler.CosineLRScheduler", "timm.CosineLRScheduler"),
    ],
)
def test_hydra_targets_map_to_dialects(target: str, name: str) -> None:
    values = {"sched": {"_target_": target, "num_warmup_steps": "10", "num_training_steps": 100}}
    if name.startswith("timm"):
        values = {"sched": {"_target_": target, "t_initial": 100}}
    found = load_values({**values, "optim": {"_target_": "torch.optim.AdamW", "lr": "3e-4"}}, RunSettings())
    assert found.spec.startswith(f"{name}(optimizer, ")
    assert found.spec.endswith("lr=0.0003)")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {
                "lr_scheduler": {"class_path": "torch.optim.lr_scheduler.CosineLR"},
                "optimizer": {"class_path": "SGD"},
            },
            r"config.yaml: lr_scheduler.class_path: 'torch.CosineLR' is no scheduler lrviz knows: "
            r"one of .*OneCycleLR",
        ),
        (
            {
                "lr_scheduler": {"class_path": "OneCycleLR", "init_args": {"max_lr": 0.1}},
                "trainer": {"max_steps": 9},
            },
            r"optimizer: is missing",
        ),
        (
            {
                "lr_scheduler": {"class_path": "StepLR", "init_args": {"step_size": 3}},
                "optimizer": {"class_path": "SGD"},
                "trainer": {"max_steps": 100},
            },
            r"trainer.max_steps: the run is 100 updates.*--steps-per-epoch",
        ),
        (
            {
                "scheduler": {"_target_": "torch.optim.lr_scheduler.StepLR", "step_size": "${oc.env:STEP}"},
                "optimizer": {"_target_": "torch.optim.SGD", "lr": 0.1},
            },
            r"scheduler.step_size: '\$\{oc.env:STEP\}' is an interpolation lrviz does not resolve",
        ),
        (
            {
                "scheduler": {"_target_": "torch.optim.lr_scheduler.StepLR", "step_size": 3},
                "optimizer": {"_target_": "torch.optim.SGD", "lr": "${train.lr}"},
            },
            r"optimizer.lr: '\$\{train.lr\}' names train.lr, which the file does not hold",
        ),
        (
            {"scheduler": {"_target_": "torch.optim.lr_scheduler.WarmupLR"}},
            r"'torch.optim.lr_scheduler.WarmupLR' is no scheduler lrviz knows: one of .*StepLR",
        ),
        (
            {
                "lr_scheduler": {"_component_": "torchtune.training.get_cosine_schedule_with_warmup"},
                "epochs": 1,
                "batch_size": 2,
            },
            r"max_steps_per_epoch: is not set.*--dataset-size",
        ),
    ],
)
def test_bad_configs_are_refused_in_one_line(values: dict[str, Any], message: str) -> None:
    with pytest.raises(TrainingConfigError, match=message) as error:
        load_values(values, RunSettings())
    assert "\n" not in str(error.value)


def test_recognition() -> None:
    from lrviz.io.training import importers

    hydra, lightning = importers()["hydra"], importers()["lightning"]
    assert lightning.recognises({"lr_scheduler": {"class_path": "OneCycleLR"}})
    assert hydra.recognises({"a": [{"b": {"_target_": "torch.optim.lr_scheduler.StepLR"}}]})
    assert hydra.recognises(
        {"s": {"_component_": "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup"}}
    )
    assert not hydra.recognises({"model": {"_target_": "mypkg.Model", "lr": 0.1}})
    assert not lightning.recognises({"model": {"class_path": "mypkg.Model"}})


def _findings(spec: str, run: RunSettings) -> list[str]:
    return [f.code for f in check(build([spec], settings=run).curves)]


def test_check_warns_of_an_epoch_stepped_schedule_sized_in_updates() -> None:
    epoch = RunSettings(epochs=30, step_on="epoch")
    assert "L012" in _findings("torch.CosineAnnealingLR(optimizer, T_max=11730, lr=0.1)", epoch)
    assert "L012" in _findings(
        "torch.OneCycleLR(optimizer, max_lr=0.1, epochs=30, steps_per_epoch=391)", epoch
    )
    assert "L012" not in _findings("torch.CosineAnnealingLR(optimizer, T_max=30, lr=0.1)", epoch)
    every_update = RunSettings(steps=11730)
    assert "L012" not in _findings("torch.CosineAnnealingLR(optimizer, T_max=11730, lr=0.1)", every_update)
    known = RunSettings(epochs=30, steps_per_epoch=391, step_on="epoch")  # L004 tells this one
    codes = _findings("torch.CosineAnnealingLR(optimizer, T_max=11730, lr=0.1)", known)
    assert "L004" in codes
    assert "L012" not in codes


def test_check_on_a_lightning_config(tmp_path: Path) -> None:
    path = _file(tmp_path, LIGHTNING.replace("total_steps: 30", "total_steps: 11730"))
    found = check(build([str(path)], settings=RunSettings()).curves)
    assert any(f.code == "L012" and "once an epoch, but sized in updates" in f.message for f in found)
