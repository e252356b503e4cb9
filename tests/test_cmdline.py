"""Training command lines as input (``--cmdline``): read as the script's argparse reads them, the
launcher left out, and imported like the config file the flags stand for."""

from __future__ import annotations

from typing import Any

import pytest

from lrviz.io.training import TrainingConfigError
from lrviz.io.training.cmdline import document


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("python train.py --lr 0.1 --epochs 90", {"lr": "0.1", "epochs": "90"}),
        (
            "CUDA_VISIBLE_DEVICES=0 torchrun --nproc_per_node 8 --master-port=29500 train.py /data --lr 0.1",
            {"lr": "0.1"},
        ),
        ("python -m torch.distributed.run --nproc_per_node=2 train.py --sched cosine", {"sched": "cosine"}),
        ("accelerate launch --num_processes 2 run_clm.py --learning_rate=3e-4", {"learning_rate": "3e-4"}),
        ("python -m timm_train --warmup-epochs 5", {"warmup_epochs": "5"}),
        (
            "fairseq-train data-bin/wmt16 --arch transformer --lr 5e-4 --lr-scheduler inverse_sqrt",
            {"arch": "transformer", "lr": "5e-4", "lr_scheduler": "inverse_sqrt"},
        ),
        ("train.py --decay-milestones 30 60 90 --amp", {"decay_milestones": ["30", "60", "90"], "amp": True}),
        ("train.py --min-lr -1 --warmup-lr -.5e-3", {"min_lr": "-1", "warmup_lr": "-.5e-3"}),
        ("train.py --lr 0.1 --lr 0.2", {"lr": "0.2"}),  # argparse: the later wins
        ("train.py --lr 0.1 \\\n  --epochs 3  # the rest is a comment --x 1", {"lr": "0.1", "epochs": "3"}),
        ("train.py --lr_scheduler_kwargs '{\"min_lr\": 0.1}'", {"lr_scheduler_kwargs": '{"min_lr": 0.1}'}),
        ("train.py -b 256 --lr 0.1", {"b": "256", "lr": "0.1"}),
        (
            "CUDA_VISIBLE_DEVICES=0 yolo detect train data=coco8.yaml epochs=50 lr0=0.01 cos_lr=True",
            {"data": "coco8.yaml", "epochs": "50", "lr0": "0.01", "cos_lr": "True"},
        ),
        ("python train.py optimizer.lr=3e-4 --max-steps 10", {"optimizer.lr": "3e-4", "max_steps": "10"}),
    ],
)
def test_flags_become_the_values_of_the_scripts_argparse(line: str, expected: dict[str, Any]) -> None:
    read = document(line)
    assert dict(read.values) == expected
    assert read.command_line
    assert not read.notes


def test_a_variable_left_to_the_shell_is_said() -> None:
    read = document("torchrun $DISTRIBUTED_ARGS pretrain_gpt.py ${GPT_ARGS} --lr 3e-4 $MORE")
    assert dict(read.values) == {"lr": "3e-4"}
    assert read.notes == (
        "left to the shell, so not read: ${GPT_ARGS}, $MORE",
    )  # the launcher's are not the script's


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("python train.py", "gives no flags"),
        ("", "gives no flags"),
        ('python train.py --lr "0.1', "not a command line a shell reads"),
        ("train.py --=3", "is no flag"),
        ("x" * 100_001, "longer than"),
    ],
)
def test_what_is_no_command_line_is_refused_in_one_line(line: str, message: str) -> None:
    with pytest.raises(TrainingConfigError, match=message):
        document(line)


HF = "python train.py --learning_rate 3e-4 --lr_scheduler_type linear --max_steps 5 --warmup_steps 1"


def test_every_command_takes_a_command_line(cli: Any) -> None:
    result = cli("export", "--cmdline", HF)
    assert result.code == 0, result.err
    rates = [float(line.split(",")[1]) for line in result.out.splitlines()[1:]]
    assert rates == pytest.approx([0.0, 3e-4, 2.25e-4, 1.5e-4, 0.75e-4], rel=1e-12)
    assert "read the command line as Hugging Face TrainingArguments" in result.err
    for command in (["table"], ["check"], ["code", "--to", "torch"]):
        assert cli(*command, "--cmdline", HF).code == 0


def test_import_explains_a_command_line(cli: Any) -> None:
    result = cli("import", "--cmdline", f"{HF} $MORE", "--from", "hf")
    assert result.code == 0, result.err
    assert "read as: Hugging Face TrainingArguments" in result.out
    assert "run: --steps 5" in result.out
    assert "left to the shell, so not read: $MORE" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import"], "give a training config FILE or --cmdline"),
        (["import", "x.json", "--cmdline", HF], "give a training config FILE or --cmdline"),
        (["table", "cosine(0.1)", "--cmdline", HF], "give a spec, a config or --cmdline, not more than one"),
        (["table", "--cmdline", "python train.py --foo 1"], "--cmdline: not a command line lrviz can tell"),
        (["table", "--cmdline", "python train.py --foo 1", "--from", "nothing"], "--from is one of"),
    ],
)
def test_a_command_line_given_wrong_is_one_line_and_status_2(cli: Any, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.code == 2
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(("typed", "drops"), [("False", False), ("true", True), ("", True)])
def test_a_true_or_false_flag_is_read_as_argparse_reads_it(cli: Any, typed: str, drops: bool) -> None:
    line = f"{HF} --num_train_epochs 1 --per_device_train_batch_size 4 --dataloader_drop_last {typed}"
    result = cli("import", "--cmdline", line.replace("--max_steps 5", ""), "--dataset-size", "10")
    assert result.code == 0, result.err
    assert f"run: --steps {2 if drops else 3}" in result.out  # 10 samples in batches of 4
