"""fairseq runs as input: a ``fairseq-train`` command line (its argparse dests, as ``--cmdline`` reads
them: a literal dict Document here) and fairseq's Hydra YAML, read into the ``fairseq.`` dialect with
the run they hold; what fairseq refuses, refused in one line. No framework is needed: the numbers of
the dialect are checked against fairseq's own schedulers in tests/test_parity_fairseq.py. The
updates-an-epoch rule and the run's length (max_update, or max_epoch epochs if sooner) are written
here from fairseq_cli/train.py and trainer.py (0.12.2), which stop at ``num_updates >= max_update``
and after epoch ``max_epoch``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from lrviz.io.settings import RunSettings
from lrviz.io.training import imported, load, recognise
from lrviz.io.training.cmdline import COMMAND_LINE
from lrviz.io.training.cmdline import document as command_line
from lrviz.io.training.document import Document, TrainingConfigError
from lrviz.tools.build import build


def flags(values: dict[str, Any]) -> Document:
    """What ``--cmdline "fairseq-train …"`` reads: argparse dests, values as typed."""
    return Document(COMMAND_LINE, values, command_line=True)


def test_a_command_line_gives_its_scheduler_and_run() -> None:
    document = flags(
        {
            "arch": "transformer",
            "optimizer": "adam",
            "lr_scheduler": "inverse_sqrt",
            "lr": "5e-4",
            "warmup_updates": "4000",
            "warmup_init_lr": "1e-07",
            "max_update": "100000",
            "max_tokens": "4096",
        }
    )
    done = imported(document, RunSettings())
    assert done.kind == "fairseq"
    assert done.spec == "fairseq.inverse_sqrt(lr=[0.0005], warmup_updates=4000, warmup_init_lr=1e-07)"
    assert done.run == RunSettings(steps=100000)
    assert any("max_update = 100,000" in line for line in done.assumptions)


def test_the_words_of_a_command_line_are_read_as_fairseq() -> None:
    text = (
        "fairseq-train data-bin/wmt16 --arch transformer_wmt_en_de --optimizer adam --lr 0.0007 "
        "--lr-scheduler cosine --warmup-updates 100 --max-update 1000 --min-lr 1e-9 --t-mult 2 "
        "--lr-period-updates 300"
    )
    document = command_line(text)
    assert recognise(document).kind == "fairseq"
    done = imported(document, RunSettings())
    assert done.spec == (
        "fairseq.cosine(lr=[0.0007], warmup_updates=100, min_lr=1e-09, t_mult=2.0, "
        "lr_period_updates=300.0, max_update=1000)"
    )
    assert lrviz.evaluate(done.spec, 1000).shape == (1000,)


@pytest.mark.parametrize(
    "text",
    [
        "fairseq-train data-bin --lr 0.25,0.1 --lr-scheduler fixed --force-anneal 5 --max-epoch 8",
        "fairseq-train data-bin --arch lstm --lr-scheduler reduce_lr_on_plateau --lr-shrink 0.5",
    ],
)
def test_a_fairseq_command_line_is_told_by_its_flags(text: str) -> None:
    assert recognise(command_line(text)).kind == "fairseq"


def test_lr_is_fairseqs_comma_list() -> None:
    document = flags({"lr_scheduler": "fixed", "lr": "0.25,0.1", "max_update": "500"})
    done = imported(document, RunSettings(steps_per_epoch=100))
    assert done.spec == "fairseq.fixed(lr=[0.25, 0.1], epoch_length=100)"
    rates = lrviz.evaluate(done.spec, 500)
    assert rates[99] == 0.25
    assert (rates[100:] == 0.1).all()  # epoch 2 on: the list's last


def test_a_default_is_filled_and_said() -> None:
    done = imported(flags({"lr_scheduler": "inverse_sqrt", "max_update": "10"}), RunSettings())
    assert done.spec == "fairseq.inverse_sqrt(lr=[0.25])"
    assert "lr is not given: fairseq's default, [0.25]" in done.assumptions


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


HYDRA = """\
common:
  fp16: true
optimization:
  max_update: 20000
  lr: [0.00005]
  update_freq: [4]
checkpoint:
  maximize_best_checkpoint_metric: false
optimizer:
  _name: adam
lr_scheduler:
  _name: tri_stage
  phase_ratio: [0.1, 0.4, 0.5]
  final_lr_scale: 0.05
  max_update: ${optimization.max_update}
  lr: ${optimization.lr}
"""


def test_hydra_yaml_gives_its_scheduler_and_run(tmp_path: Path) -> None:
    done = load(_yaml(tmp_path, HYDRA), RunSettings())
    assert done.kind == "fairseq"
    assert done.spec == (
        "fairseq.tri_stage(lr=[5e-05], phase_ratio=[0.1, 0.4, 0.5], final_lr_scale=0.05, max_update=20000)"
    )
    assert done.run.steps == 20000
    rates = lrviz.evaluate(done.spec, 20000)
    assert rates[2000:10000].min() == rates[2000:10000].max() == 5e-05  # the hold stage


def test_the_run_is_max_epoch_when_it_comes_first(tmp_path: Path) -> None:
    text = "optimization:\n  max_update: 5000\n  max_epoch: 3\nlr_scheduler:\n  _name: fixed\n"
    done = load(_yaml(tmp_path, text), RunSettings(steps_per_epoch=1000))
    assert done.run == RunSettings(epochs=3, steps_per_epoch=1000)
    later = load(_yaml(tmp_path, text), RunSettings(steps_per_epoch=2000))
    assert later.run == RunSettings(steps=5000, steps_per_epoch=2000)


def test_options_given_override_the_config() -> None:
    document = flags({"lr_scheduler": "step", "lr": "1e-3", "max_update": "100000"})
    assert imported(document, RunSettings(steps=300)).run.steps == 300


def test_the_plateau_reads_a_validation_each_epoch(tmp_path: Path) -> None:
    text = "fairseq-train data --lr-scheduler reduce_lr_on_plateau --lr 0.1 --lr-patience 1 --max-epoch 6"
    done = imported(command_line(text), RunSettings(steps_per_epoch=5), "fairseq")
    assert done.spec == "fairseq.reduce_lr_on_plateau(lr=[0.1], lr_patience=1, epoch_length=5)"
    assert done.run == RunSettings(epochs=6, steps_per_epoch=5)
    metric = tmp_path / "valid.csv"
    metric.write_text("epoch,valid_loss\n0,3.0\n1,2.0\n2,2.5\n3,2.5\n4,1.0\n5,1.0\n")
    given = RunSettings(steps_per_epoch=5, metric=str(metric), command_line=text, source_kind="fairseq")
    rates = np.asarray(build([], settings=given).curves.series[0].values)  # lrviz export --cmdline …
    # epochs 3 and 4 do not improve on epoch 2's 2.0: with patience 1 the second reduces from epoch 5
    assert rates.shape == (30,)
    assert (rates[:20] == 0.1).all()
    np.testing.assert_allclose(rates[20:], 0.01, rtol=1e-12)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"lr_scheduler": "cosinus", "max_update": "10"},
            "'cosinus' is no fairseq scheduler: one of fixed, inverse_sqrt",
        ),
        ({"lr_scheduler": "manual", "max_update": "10"}, "manual scheduler is not one lrviz reproduces"),
        (
            {"lr_scheduler": "polynomial_decay", "warmup_updates": "10"},
            "fairseq asserts total_num_update > 0",
        ),
        ({"lr_scheduler": "cosine", "warmup_updates": "10"}, "Either --max_update or --lr-period-updates"),
        ({"lr_scheduler": "fixed", "lr": "0.2,0.1", "max_update": "9"}, "give --steps-per-epoch N"),
        ({"lr_scheduler": "inverse_sqrt", "max_epoch": "10", "warmup_updates": "1"}, "the run is 10 epochs"),
        (
            {"lr_scheduler": "inverse_sqrt", "lr": "fast", "max_update": "10"},
            "lr: must be a number, got 'fast'",
        ),
        ({"lr_scheduler": "reduce_lr_on_plateau", "max_update": "10"}, "reads a validation each epoch"),
    ],
)
def test_a_command_line_read_wrong_is_one_line(values: dict[str, Any], message: str) -> None:
    with pytest.raises(TrainingConfigError, match=message) as error:
        imported(flags(values), RunSettings(), "fairseq")
    assert "\n" not in str(error.value)


def test_a_hydra_field_the_scheduler_lacks_is_named_with_its_line(tmp_path: Path) -> None:
    text = "optimization:\n  max_update: 100\nlr_scheduler:\n  _name: inverse_sqrt\n  warmup_update: 10\n"
    with pytest.raises(
        TrainingConfigError, match=r"config.yaml:5: lr_scheduler.warmup_update: inverse_sqrt has"
    ):
        load(_yaml(tmp_path, text), RunSettings())


def test_an_unknown_hydra_scheduler_lists_the_known_ones(tmp_path: Path) -> None:
    text = "optimization:\n  max_update: 100\nlr_scheduler:\n  _name: linear\n"
    with pytest.raises(
        TrainingConfigError, match=r"config.yaml:4: lr_scheduler._name: 'linear' is no fairseq"
    ):
        load(_yaml(tmp_path, text), RunSettings())


def test_export_of_a_hydra_yaml_gives_the_dialects_rates(tmp_path: Path) -> None:
    path = _yaml(
        tmp_path,
        "optimization:\n  max_update: 50\n  lr: 0.001\nlr_scheduler:\n  _name: polynomial_decay\n"
        "  warmup_updates: 10\n  power: 2\n",
    )
    ours = np.asarray(build([str(path)], settings=RunSettings()).curves.series[0].values)
    # fairseq's rule: t/W·lr up to W, then lr·(1 − (t − W)/(T − W))^power
    t = np.arange(50.0)
    expected = np.where(t <= 10, t / 10 * 0.001, 0.001 * (1 - (t - 10) / 40) ** 2)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "fairseq.inverse_sqrt(lr=[0.1, 0.2])",
            "Cannot use a fixed learning rate schedule with inverse_sqrt",
        ),
        ("fairseq.inverse_sqrt(lr=[0.1], warmup_updates=0)", "fairseq divides by it"),
        ("fairseq.tri_stage(lr=[0.1])", "decay_steps must be at least 1"),
        ("fairseq.tri_stage(lr=[0.1], phase_ratio=[0.7, 0.2, 0.1], max_update=100)", "must add up to 1"),
        ("fairseq.cosine(lr=[0.1], min_lr=0.2)", "lr must be more than min_lr"),
        ("fairseq.cosine(lr=[0.1], lr_period_updates=10, t_mult=0.5)", "fairseq fails"),
        ("fairseq.triangular(lr=[0.1], max_lr=0.05)", "max_lr must be more than lr"),
        ("fairseq.triangular(lr=[0.1], max_lr=1.0, lr_period_updates=1)", "at least 2"),
        ("fairseq.fixed(lr=[0.1, 0.2])", "give epoch_length"),
        ("fairseq.step(lr=[0.1], lr_decay=2)", "at most 1"),
        ("fairseq.reduce_lr_on_plateau(lr=[0.1])", "give epoch_length"),
    ],
)
def test_what_fairseq_refuses(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 100)
