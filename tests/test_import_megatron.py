"""Megatron-LM's arguments as input (a command line's argparse dests, or a YAML or JSON of the same
keys): the spec an import gives, and its rates against megatron-core's own OptimizerParamScheduler
built as Megatron-LM's ``get_optimizer_param_scheduler`` builds it and stepped as its training loop
steps it. ``megatron/training`` is not part of the megatron-core package, so that function's rules
(lr_decay_iters defaulting to train_iters, every iteration count × the global batch size, the warm-up
fraction × the decay's steps, train_samples // global_batch_size updates) are written here from
Megatron-LM's ``training.py`` and ``arguments.py``; the scheduler is megatron-core's. The translation
and bad-input tests need no framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import lrviz
from lrviz.io.settings import RunSettings
from lrviz.io.training import imported, load
from lrviz.io.training.document import Document, TrainingConfigError
from lrviz.io.training.megatron import recognises
from tests.frameworks import assert_parity


def command_line(**values: Any) -> Document:
    """A command line's document, as ``--cmdline`` reads one: text values by argparse dest."""
    return Document(
        Path("--cmdline"), {k: v if v is True else str(v) for k, v in values.items()}, command_line=True
    )


def megatron_scheduler_args(args: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
    """What Megatron-LM's get_optimizer_param_scheduler passes the scheduler, the increment its loop
    steps it by and the updates the run makes, for parsed arguments with argparse's defaults."""
    a = {
        "min_lr": 0.0,
        "lr_decay_style": "linear",
        "lr_wsd_decay_style": "exponential",
        "lr_decay_iters": None,
        "lr_decay_samples": None,
        "lr_wsd_decay_iters": None,
        "lr_wsd_decay_samples": None,
        "lr_warmup_fraction": None,
        "lr_warmup_iters": 0,
        "lr_warmup_samples": 0,
        "lr_warmup_init": 0.0,
        "train_iters": None,
        "train_samples": None,
        **args,
    }
    batch = a["global_batch_size"]
    if a["train_iters"]:
        decay_iters = a["lr_decay_iters"] if a["lr_decay_iters"] is not None else a["train_iters"]
        decay = decay_iters * batch
        wsd = a["lr_wsd_decay_iters"] * batch if a["lr_wsd_decay_iters"] is not None else None
        warmup = (
            a["lr_warmup_fraction"] * decay
            if a["lr_warmup_fraction"] is not None
            else a["lr_warmup_iters"] * batch
        )
        updates = a["train_iters"]
    else:
        decay = a["lr_decay_samples"] if a["lr_decay_samples"] is not None else a["train_samples"]
        wsd = a["lr_wsd_decay_samples"]
        warmup = (
            a["lr_warmup_fraction"] * decay if a["lr_warmup_fraction"] is not None else a["lr_warmup_samples"]
        )
        updates = a["train_samples"] // batch
    kwargs = {
        "init_lr": a["lr_warmup_init"],
        "max_lr": a["lr"],
        "min_lr": a["min_lr"],
        "lr_warmup_steps": warmup,
        "lr_decay_steps": decay,
        "lr_decay_style": a["lr_decay_style"],
        "wsd_decay_steps": wsd,
        "lr_wsd_decay_style": a["lr_wsd_decay_style"],
    }
    return kwargs, batch, updates


RUNS: list[dict[str, Any]] = [
    {"lr": 3e-4, "train_iters": 500, "global_batch_size": 8},
    {
        "lr": 3e-4,
        "min_lr": 3e-5,
        "lr_decay_style": "cosine",
        "lr_warmup_fraction": 0.013,
        "train_iters": 400,
        "lr_decay_iters": 350,
        "global_batch_size": 256,
    },
    {
        "lr": 1e-3,
        "min_lr": 1e-5,
        "lr_decay_style": "inverse-square-root",
        "lr_warmup_iters": 40,
        "train_iters": 300,
        "lr_decay_iters": 250,
        "global_batch_size": 3,
    },
    {
        "lr": 1e-3,
        "lr_decay_style": "constant",
        "lr_warmup_iters": 10,
        "lr_warmup_init": 1e-5,
        "train_iters": 60,
        "global_batch_size": 64,
    },
    {
        "lr": 6e-4,
        "min_lr": 6e-5,
        "lr_decay_style": "WSD",
        "lr_wsd_decay_iters": 100,
        "lr_warmup_iters": 20,
        "train_iters": 500,
        "global_batch_size": 32,
    },
    {
        "lr": 6e-4,
        "lr_decay_style": "WSD",
        "lr_wsd_decay_style": "cosine",
        "lr_wsd_decay_samples": 7001,
        "lr_warmup_samples": 999,
        "train_samples": 50_000,
        "global_batch_size": 96,
    },
    {
        "lr": 6e-4,
        "lr_decay_style": "WSD",
        "lr_wsd_decay_style": "minus_sqrt",
        "lr_wsd_decay_samples": 7001,
        "lr_warmup_fraction": 0.0137,
        "train_samples": 50_000,
        "lr_decay_samples": 40_003,
        "global_batch_size": 96,
    },
    {
        "lr": 2e-4,
        "lr_decay_style": "cosine",
        "lr_warmup_samples": 12_345,
        "train_samples": 300_001,
        "global_batch_size": 1536,
    },
    {
        "lr": 2e-4,
        "lr_decay_style": "WSD",
        "lr_wsd_decay_style": "linear",
        "lr_wsd_decay_iters": 50,
        "train_iters": 200,
        "global_batch_size": 5,
    },
]


@pytest.mark.parametrize("args", RUNS)
def test_a_command_line_gives_megatrons_schedule(args: dict[str, Any]) -> None:
    from tests.test_parity_megatron import run_megatron  # skips where megatron-core is not installed

    result = imported(command_line(**args), RunSettings(), "megatron")
    kwargs, batch, updates = megatron_scheduler_args(args)
    assert result.run.steps == updates
    theirs = run_megatron({k: v for k, v in kwargs.items() if v is not None}, batch, updates)
    assert_parity(result.spec, lrviz.evaluate(result.spec, updates), theirs)


def test_the_command_line_is_recognised_and_read_as_megatron_reads_it() -> None:
    document = command_line(
        lr="3e-4",
        min_lr="3e-5",
        lr_decay_style="cosine",
        lr_warmup_fraction="0.01",
        train_iters="5000",
        global_batch_size="256",
        micro_batch_size="4",
        tensor_model_parallel_size="2",
    )
    result = imported(document, RunSettings())
    assert result.kind == "megatron"
    assert result.spec == (
        "megatron.OptimizerParamScheduler(optimizer, init_lr=0.0, max_lr=0.0003, min_lr=3e-05, "
        "lr_warmup_steps=12800.0, lr_decay_steps=1280000, lr_decay_style='cosine', global_batch_size=256)"
    )
    assert result.run.steps == 5000
    said = "\n".join(result.assumptions)
    assert "lr_decay_iters is not given: train_iters, 5,000" in said
    assert "lr_warmup_fraction" in said
    assert "lr_warmup_init is not given" in said


def test_samples_runs_count_updates_by_the_global_batch() -> None:
    document = command_line(
        lr="3e-4",
        lr_decay_style="WSD",
        lr_warmup_samples="100000",
        train_samples="2000000",
        lr_wsd_decay_samples="400000",
        global_batch_size="192",
    )
    result = imported(document, RunSettings())
    assert result.spec == (
        "megatron.OptimizerParamScheduler(optimizer, init_lr=0.0, max_lr=0.0003, min_lr=0.0, "
        "lr_warmup_steps=100000, lr_decay_steps=2000000, lr_decay_style='WSD', wsd_decay_steps=400000, "
        "lr_wsd_decay_style='exponential', global_batch_size=192)"
    )
    assert result.run.steps == 2_000_000 // 192
    assert any("lr_wsd_decay_style is not given" in line for line in result.assumptions)


def test_the_global_batch_defaults_to_micro_batches_over_the_data_parallel_ranks() -> None:
    document = command_line(lr="0.1", train_iters="10", micro_batch_size="4", lr_warmup_iters="2")
    alone = imported(document, RunSettings(), "megatron")
    assert alone.spec.endswith("global_batch_size=4)")
    assert "lr_warmup_steps=8, lr_decay_steps=40" in alone.spec
    assert any("1 data-parallel rank" in line for line in alone.assumptions)
    spread = imported(document, RunSettings(devices=8), "megatron")
    assert spread.spec.endswith("global_batch_size=32)")


def test_options_given_override_the_run_length() -> None:
    document = command_line(lr="0.1", train_iters="100", global_batch_size="2", lr_decay_style="cosine")
    assert imported(document, RunSettings(steps=30), "megatron").run.steps == 30
    # with no train_iters, --steps stands in for it
    bare = imported(
        command_line(lr="0.1", global_batch_size="2", lr_decay_style="cosine"), RunSettings(steps=30)
    )
    assert bare.run.steps == 30
    assert "lr_decay_steps=60" in bare.spec


def test_a_yaml_of_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "megatron.yaml"
    path.write_text(
        "lr: 3e-4\nmin-lr: 3.0e-5\nlr-decay-style: cosine\nlr-warmup-iters: 10\ntrain-iters: 100\n"
        "global-batch-size: 16\n",
        encoding="utf-8",
    )
    result = load(path, RunSettings())
    assert result.kind == "megatron"
    assert result.spec == (
        "megatron.OptimizerParamScheduler(optimizer, init_lr=0.0, max_lr=0.0003, min_lr=3e-05, "
        "lr_warmup_steps=160, lr_decay_steps=1600, lr_decay_style='cosine', global_batch_size=16)"
    )
    underscored = tmp_path / "args.json"
    underscored.write_text(
        json.dumps(
            {
                "lr": 1e-3,
                "lr_decay_style": "WSD",
                "train_iters": 10,
                "lr_wsd_decay_iters": 2,
                "global_batch_size": 1,
            }
        ),
        encoding="utf-8",
    )
    assert "wsd_decay_steps=2" in load(underscored, RunSettings()).spec


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"lr_decay_style": "cosine", "lr": 0.1}, True),
        ({"lr_warmup_iters": 5}, True),
        ({"train_samples": 100}, True),
        ({"train-iters": 100, "global-batch-size": 8}, True),
        ({"train_iters": 100}, False),
        (
            {
                "lr_decay_style": "cosine",
                "train_iters": 100,
                "optimizer": {"type": "Adam", "params": {"lr": 1e-4}},
            },
            False,
        ),
        ({"lr_scheduler_type": "cosine", "learning_rate": 0.1}, False),
        ({"sched": "cosine", "epochs": 10, "lr": 0.1}, False),
        ({"lr_scheduler": "inverse_sqrt", "warmup_updates": 4000, "max_update": 10}, False),
    ],
)
def test_recognises_only_megatrons_keys(values: dict[str, Any], expected: bool) -> None:
    assert recognises(values) is expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"train_iters": "10", "global_batch_size": "2", "lr_decay_style": "cosine"}, "lr: is missing"),
        (
            {"lr": "0.1", "train_iters": "10", "global_batch_size": "2", "lr_decay_style": "poly"},
            "'poly' is no Megatron decay style: one of constant, linear, cosine, inverse-square-root, WSD",
        ),
        (
            {
                "lr": "0.1",
                "train_iters": "10",
                "global_batch_size": "2",
                "lr_decay_style": "WSD",
                "lr_wsd_decay_iters": "2",
                "lr_wsd_decay_style": "square",
            },
            "one of exponential, linear, cosine, minus_sqrt",
        ),
        (
            {"lr": "0.1", "train_iters": "10", "global_batch_size": "2", "lr_decay_style": "WSD"},
            "lr_wsd_decay_iters: is missing",
        ),
        (
            {"lr": "0.1", "train_iters": "10", "global_batch_size": "2", "lr_decay_samples": "20"},
            "lr_decay_samples: is given with train_iters",
        ),
        (
            {"lr": "0.1", "train_samples": "10", "global_batch_size": "2", "lr_warmup_iters": "2"},
            "lr_warmup_iters: is given with train_samples",
        ),
        (
            {"lr": "0.1", "train_iters": "10", "train_samples": "20", "global_batch_size": "2"},
            "Megatron takes one of the two",
        ),
        (
            {
                "lr": "0.1",
                "train_iters": "10",
                "global_batch_size": "2",
                "lr_warmup_fraction": "0.1",
                "lr_warmup_iters": "2",
            },
            "only one of lr_warmup_fraction and lr_warmup_iters",
        ),
        (
            {
                "lr": "0.1",
                "train_samples": "100",
                "global_batch_size": "2",
                "rampup_batch_size": ["2", "2", "10"],
            },
            "rampup_batch_size: Megatron steps its scheduler by the batch size of the time",
        ),
        (
            {"lr": "0.1", "train_iters": "10", "global_batch_size": "2", "warmup": "2"},
            "use --lr-warmup-fraction",
        ),
        (
            {"lr": "0.1", "train_iters": "10", "global_batch_size": "6", "micro_batch_size": "4"},
            "6 is no multiple of micro_batch_size 4",
        ),
        (
            {
                "lr": "0.1",
                "train_samples": "100",
                "global_batch_size": "2",
                "step_batch_size_schedule": "0:2",
            },
            "step_batch_size_schedule: Megatron steps its scheduler by the batch size of the time",
        ),
        ({"lr": "0.1", "lr_decay_style": "cosine", "global_batch_size": "2"}, "train_iters: is missing"),
        ({"lr": "0.1", "lr_decay_style": "cosine", "train_iters": "10"}, "give --global-batch-size"),
        (
            {"lr": "0.1", "train_iters": "10", "global_batch_size": "2", "lr_warmup_iters": "10"},
            "the warm-up must end before the decay does",
        ),
        (
            {"lr": "0.1", "min_lr": "0.2", "train_iters": "10", "global_batch_size": "2"},
            "lr must be at least",
        ),
        ({"lr": "fast", "train_iters": "10", "global_batch_size": "2"}, "lr: must be a number, got 'fast'"),
        ({"lr": "0.1", "train_samples": "10", "global_batch_size": "20"}, "less than one global batch"),
    ],
)
def test_bad_arguments_are_one_line(values: dict[str, Any], message: str) -> None:
    with pytest.raises(TrainingConfigError) as error:
        imported(command_line(**values), RunSettings(), "megatron")
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_gpt_neox_config_is_refused_with_the_reason() -> None:
    neox = {
        "lr_decay_style": "cosine",
        "train_iters": 100,
        "optimizer": {"type": "Adam", "params": {"lr": 1e-4}},
    }
    with pytest.raises(TrainingConfigError, match="as GPT-NeoX writes it"):
        imported(Document(Path("neox.yml"), neox), RunSettings(), "megatron")


def test_a_bad_yaml_names_the_line(cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(
        "lr: 0.1\ntrain-iters: 10\nglobal-batch-size: 2\nlr-decay-style: poly\n", encoding="utf-8"
    )
    result = cli("table", "m.yaml")
    assert result.code == 2, result.out
    assert "m.yaml:4: lr-decay-style: 'poly' is no Megatron decay style" in result.err
    assert result.err.count("\n") == 1


def test_the_command_line_tool_reads_a_megatron_command_line(cli: Any) -> None:
    shown = cli(
        "import",
        "--cmdline",
        "torchrun pretrain_gpt.py --lr 0.1 --lr-decay-style linear --train-iters 10 --global-batch-size 4 "
        "--lr-warmup-iters 2 --min-lr 0.01",
        "--from",
        "megatron",
    )
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[:3] == [
        "read as: Megatron-LM arguments",
        "spec: megatron.OptimizerParamScheduler(optimizer, init_lr=0.0, max_lr=0.1, min_lr=0.01, "
        "lr_warmup_steps=8, lr_decay_steps=40, lr_decay_style='linear', global_batch_size=4)",
        "run: --steps 10",
    ]
