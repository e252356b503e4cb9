"""lrviz check: each finding with one spec that shows it and one that does not; exit codes; JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

RUN = ["--steps", "1000"]


@pytest.mark.parametrize(
    ("code", "bad", "good"),
    [
        (
            "L001",
            "hf.get_linear_schedule_with_warmup(optimizer, 100, 1000, lr=0.1)",
            "cosine(0.1, warmup=100, warmup_start=0.001)",
        ),
        (
            "L002",
            "timm.CosineLRScheduler(optimizer, t_initial=1000, warmup_t=500, warmup_lr_init=0.01, lr=0.1)",
            "timm.CosineLRScheduler(optimizer, t_initial=500, warmup_t=500, warmup_lr_init=0.01,"
            " warmup_prefix=True, lr=0.1)",
        ),
        (
            "L003",
            "torch.CosineAnnealingLR(optimizer, T_max=800, lr=0.1)",
            "torch.CosineAnnealingLR(optimizer, T_max=1000, lr=0.1)",
        ),
        ("L004", "torch.CosineAnnealingLR(optimizer, T_max=100, lr=0.1)", "cosine(0.1)"),
        (
            "L005",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=100)",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=999)",
        ),
        ("L006", "multistep(0.1, [300, 3000])", "multistep(0.1, [300, 600])"),
        (
            "L006",
            "torch.MultiStepLR(optimizer, milestones=[600, 300], lr=0.1)",
            "torch.MultiStepLR(optimizer, [300, 600], lr=0.1)",
        ),
        ("L007", "cosine(0.1, min_lr=0.001, steps=2000)", "cosine(0.1, min_lr=0.001)"),
        (
            "L008",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=999, anneal_strategy='linear')",
            "onecycle(0.1)",
        ),
        ("L009", "constant(0.1, warmup=10, warmup_start=0.5)", "constant(0.1, warmup=10, warmup_start=0.05)"),
        (
            "L009",
            "keras.CosineDecay(0.1, 900, warmup_target=0.01, warmup_steps=100)",
            "keras.CosineDecay(0.01, 900, warmup_target=0.1, warmup_steps=100)",
        ),
    ],
)
def test_each_finding(cli: Any, code: str, bad: str, good: str) -> None:
    found = cli("check", bad, *RUN, "--json")
    assert found.code == 1, found.err
    assert code in {f["code"] for f in json.loads(found.out)["findings"]}
    clean = cli("check", good, *RUN, "--json")
    assert code not in {f["code"] for f in json.loads(clean.out)["findings"]}, clean.out


def test_clean_run_is_status_0(cli: Any) -> None:
    result = cli("check", "cosine(0.1, warmup=50, warmup_start=0.001)", *RUN)
    assert (result.code, result.out.strip()) == (0, "no problems found")


def test_text_output_names_code_step_and_fix(cli: Any) -> None:
    result = cli("check", "torch.CosineAnnealingLR(optimizer, T_max=800, lr=0.1)", *RUN)
    assert result.code == 1
    line = next(line for line in result.out.splitlines() if line.startswith("L003"))
    assert "rises-after-horizon" in line
    assert "at step" in line
    assert "fix:" in line


def test_ignore(cli: Any) -> None:
    result = cli(
        "check", "hf.get_linear_schedule_with_warmup(optimizer, 100, 1000, lr=0.1)", *RUN, "--ignore", "l001"
    )
    assert result.code == 0
    bad = cli("check", "cosine(0.1)", *RUN, "--ignore", "L042")
    assert bad.code == 2
    assert "--ignore takes a finding's code" in bad.err


def test_bad_input_is_status_2(cli: Any) -> None:
    assert cli("check", "cosin(0.1)", *RUN).code == 2
    assert cli("check", "cosine(0.1)").code == 2
