"""lrviz check: each finding with one spec that shows it and one that does not; exit codes; JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest

RUN = ["--steps", "1000"]
IMAGENET = "--epochs 90 --dataset-size 1281167 --batch-size 256 --devices 8"


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
        (
            "L004",
            "torch.CosineAnnealingLR(optimizer, T_max=100, lr=0.1) --epochs 100 --steps-per-epoch 391",
            "torch.CosineAnnealingLR(optimizer, T_max=100, lr=0.1) --epochs 100 --steps-per-epoch 391 "
            "--step-on epoch",
        ),
        (
            "L004",
            "torch.CosineAnnealingLR(optimizer, T_max=39100, lr=0.1) --epochs 100 --steps-per-epoch 391 "
            "--step-on epoch",
            "torch.CosineAnnealingLR(optimizer, T_max=39100, lr=0.1) --epochs 100 --steps-per-epoch 391",
        ),
        (
            "L005",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=100)",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)",
        ),
        (  # the loop's step() after the last update raises
            "L005",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=999)",
            "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)",
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
            "L010",
            f"torch.MultiStepLR(optimizer, milestones=[30, 60, 80], lr=0.1) {IMAGENET}",
            f"torch.MultiStepLR(optimizer, milestones=[30, 60, 80], lr=0.1) {IMAGENET} --step-on epoch",
        ),
        (
            "L010",
            f"torch.StepLR(optimizer, step_size=30, lr=0.1) {IMAGENET}",
            f"torch.StepLR(optimizer, step_size=30 * E, lr=0.1) {IMAGENET}",
        ),
        (
            "L009",
            "keras.CosineDecay(0.1, 900, warmup_target=0.01, warmup_steps=100)",
            "keras.CosineDecay(0.01, 900, warmup_target=0.1, warmup_steps=100)",
        ),
        (
            "L011",
            "timm.CosineLRScheduler(optimizer, t_initial=100, warmup_t=150, lr=0.1) --epochs 100",
            "timm.CosineLRScheduler(optimizer, t_initial=100, warmup_t=5, lr=0.1) --epochs 100",
        ),
        ("L011", "linear(0, 0.1, steps=2000) >> cosine(0.1)", "linear(0, 0.1, steps=200) >> cosine(0.1)"),
        (
            "L009",
            "timm.CosineLRScheduler(optimizer, t_initial=900, warmup_t=100, warmup_lr_init=0.5, lr=0.1)",
            "timm.CosineLRScheduler(optimizer, t_initial=900, warmup_t=100, warmup_lr_init=0.01, lr=0.1)",
        ),
    ],
)
def test_each_finding(cli: Any, code: str, bad: str, good: str) -> None:
    found = cli("check", *_args(bad), "--json", "--strict")
    assert found.code == 1, found.err
    assert code in {f["code"] for f in json.loads(found.out)["findings"]}
    clean = cli("check", *_args(good), "--json", "--strict")
    assert code not in {f["code"] for f in json.loads(clean.out)["findings"]}, clean.out


def _args(case: str) -> list[str]:
    """A spec and the run it is checked over: the options after it, or 1,000 steps."""
    spec, _, options = case.partition(" --")
    return [spec, *(f"--{options}".split() if options else RUN)]


def test_a_warm_up_from_zero_is_a_note(cli: Any) -> None:
    """HF's warm-up starts at 0: worth knowing, not a failure (unless --strict)."""
    spec = "hf.get_linear_schedule_with_warmup(optimizer, 100, 1000, lr=0.1)"
    result = cli("check", spec, *RUN)
    assert result.code == 0, result.out
    assert result.out.startswith("L001 note zero-first-step")
    assert cli("check", spec, *RUN, "--strict").code == 1
    (finding,) = json.loads(cli("check", spec, *RUN, "--json").out)["findings"]
    assert finding["severity"] == "note"
    jump = cli("check", "0 * (t < 5) + 0.1 * (t >= 5)", *RUN, "--json")  # zero, then a jump: no warm-up
    assert {(f["code"], f["severity"]) for f in json.loads(jump.out)["findings"]} >= {("L001", "warning")}


def test_the_horizon_of_a_rate_that_rose_again_is_shorter(cli: Any) -> None:
    spec = "torch.CosineAnnealingLR(optimizer, T_max=800, eta_min=0.001, lr=0.1)"
    found = json.loads(cli("check", spec, *RUN, "--json").out)["findings"]
    (l007,) = [f for f in found if f["code"] == "L007"]
    assert "shorter than the run" in l007["message"]
    long = json.loads(cli("check", "cosine(0.1, min_lr=0.001, steps=2000)", *RUN, "--json").out)["findings"]
    assert "longer than the run" in long[0]["message"]


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


def _examples() -> list[Any]:
    from lrviz.language.catalogue import dialects, entries

    return [entry for dialect in ("", *dialects()) for entry in entries(dialect)]


@pytest.mark.parametrize("entry", _examples(), ids=lambda entry: entry.name)
def test_every_example_is_clean_or_says_what_it_shows(cli: Any, entry: Any) -> None:
    """The example ``lrviz describe`` gives passes ``lrviz check`` over its run, unless its notes say
    which mistake it shows."""
    import shlex

    from lrviz.tools.describe import example_options

    result = cli("check", entry.doc.example, *shlex.split(example_options(entry)), "--json")
    codes = {f["code"] for f in json.loads(result.out)["findings"] if f["severity"] != "note"}
    shown = {code for code in codes if f"shows {code}" in entry.doc.notes}
    assert codes == shown, result.out


@pytest.mark.parametrize(
    ("spec", "fix"),
    [
        ("timm.CosineLRScheduler(optimizer, t_initial=1000, warmup_t=10, lr=0.1)", "warmup_lr_init=…"),
        ("cosine(0.1, warmup=10)", "warmup_start=…"),
        ("optax.warmup_cosine_decay_schedule(0.0, 0.1, 10, 1000)", "init_value=…"),
        (
            "hf.get_cosine_schedule_with_warmup(optimizer, 10, 1000, lr=0.1)",
            "transformers' warm-ups start at 0",
        ),
    ],
)
def test_a_fix_names_the_parameter_of_the_schedule_at_hand(cli: Any, spec: str, fix: str) -> None:
    (finding,) = [
        f for f in json.loads(cli("check", spec, *RUN, "--json").out)["findings"] if f["code"] == "L001"
    ]
    assert fix in finding["fix"]


def test_a_rise_is_reported_where_it_begins(cli: Any) -> None:
    """CosineAnnealingLR rises from step T_max + 1 on, by less than 1% of the peak for a few steps."""
    found = json.loads(
        cli("check", "torch.CosineAnnealingLR(optimizer, T_max=100, lr=0.1)", "-n", "200", "--json").out
    )
    (rise,) = [f for f in found["findings"] if f["code"] == "L003"]
    assert rise["step"] == 101


def test_notes_alone_are_counted_and_pass(cli: Any) -> None:
    result = cli("check", "hf.get_linear_schedule_with_warmup(optimizer, 100, 1000, lr=0.1)", *RUN)
    assert result.code == 0
    assert result.out.splitlines()[-1] == "1 note, no problems found (notes count with --strict)"
