"""Parity with DeepSpeed: every scheduler against the real one, stepped as the DeepSpeed engine steps
it (the constructor's rate for the first update, then step() after each optimizer step), over
seeded random parameter sets. The scheduler module is loaded on its own (see tests/frameworks.py)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, deepspeed_schedules, require

torch = require("torch")
schedules = deepspeed_schedules()
logging.getLogger("deepspeed").setLevel(logging.ERROR)  # its "before it has started" warning at row 0


def run_deepspeed(name: str, kwargs: dict[str, Any], lr: float, steps: int) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = getattr(schedules, name)(optimizer, **kwargs)
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(1, steps):
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates, dtype=np.float64)


def spec(name: str, kwargs: dict[str, Any], lr: float) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return (
        f"deepspeed.{name}(optimizer{args}, lr={lr!r})"
        if name in {"WarmupLR", "WarmupCosineLR"}
        else (f"deepspeed.{name}(optimizer{args})")
    )


def _cases() -> list[tuple[str, dict[str, Any], float, int]]:
    rng = np.random.default_rng(1907)
    cases: list[tuple[str, dict[str, Any], float, int]] = [
        ("WarmupLR", {"warmup_num_steps": 10}, 0.1, 20),
        ("WarmupLR", {"warmup_num_steps": 1, "warmup_max_lr": 0.01}, 0.1, 6),  # W is at least 2
        ("WarmupLR", {"warmup_num_steps": 7, "warmup_type": "linear", "warmup_min_lr": 1e-4}, 0.1, 15),
        ("WarmupDecayLR", {"total_num_steps": 30, "warmup_num_steps": 10}, 0.1, 40),
        ("WarmupDecayLR", {"total_num_steps": 5, "warmup_num_steps": 8, "warmup_type": "linear"}, 0.1, 14),
        ("WarmupCosineLR", {"total_num_steps": 30, "warmup_num_steps": 10}, 0.1, 40),
        ("WarmupCosineLR", {"total_num_steps": 4, "warmup_num_steps": 9, "warmup_type": "linear"}, 1.0, 14),
        ("OneCycle", {"cycle_min_lr": 1e-3, "cycle_max_lr": 0.1, "cycle_first_step_size": 5}, 1.0, 25),
        (
            "OneCycle",
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 0.1,
                "cycle_first_step_size": 6,
                "cycle_second_step_size": 4,
                "cycle_first_stair_count": 3,
                "cycle_second_stair_count": 2,
                "decay_lr_rate": 0.5,
                "decay_step_size": 3,
            },
            1.0,
            30,
        ),
        (
            "OneCycle",
            {
                "cycle_min_lr": 0.01,
                "cycle_max_lr": 0.1,
                "cycle_first_step_size": 4,
                "cycle_second_step_size": 0,
            },
            1.0,
            12,
        ),
        ("LRRangeTest", {"lr_range_test_min_lr": 1e-4, "lr_range_test_step_size": 3}, 1.0, 20),
        (
            "LRRangeTest",
            {"lr_range_test_step_size": 4, "lr_range_test_staircase": True, "lr_range_test_step_rate": 2.5},
            1.0,
            20,
        ),
    ]
    for _ in range(8):
        warmup = int(rng.integers(1, 60))
        total = int(rng.integers(1, 200))
        kind = str(rng.choice(["log", "linear"]))
        low, high = float(rng.uniform(0, 1e-3)), float(rng.uniform(1e-3, 1.0))
        steps = total + int(rng.integers(1, 50))
        cases += [
            (
                "WarmupLR",
                {
                    "warmup_min_lr": low,
                    "warmup_max_lr": high,
                    "warmup_num_steps": warmup,
                    "warmup_type": kind,
                },
                0.5,
                steps,
            ),
            (
                "WarmupDecayLR",
                {
                    "total_num_steps": total,
                    "warmup_min_lr": low,
                    "warmup_max_lr": high,
                    "warmup_num_steps": warmup,
                    "warmup_type": kind,
                },
                0.5,
                steps,
            ),
            (
                "WarmupCosineLR",
                {
                    "total_num_steps": total,
                    "warmup_min_ratio": low,
                    "warmup_num_steps": warmup,
                    "cos_min_ratio": float(rng.uniform(0, 0.1)),
                    "warmup_type": kind,
                },
                high,
                steps,
            ),
            (
                "OneCycle",
                {
                    "cycle_min_lr": low,
                    "cycle_max_lr": high,
                    "cycle_first_step_size": int(rng.integers(1, 40)),
                    "cycle_second_step_size": int(rng.integers(0, 40)),
                    "cycle_first_stair_count": int(rng.integers(0, 5)),
                    "decay_lr_rate": float(rng.uniform(0, 1)),
                    "decay_step_size": int(rng.integers(1, 20)),
                },
                1.0,
                steps,
            ),
        ]
    return cases


@pytest.mark.parametrize(("name", "kwargs", "lr", "steps"), _cases(), ids=lambda x: str(x)[:60])
def test_deepspeed_parity(name: str, kwargs: dict[str, Any], lr: float, steps: int) -> None:
    text = spec(name, kwargs, lr)
    assert_parity(text, lrviz.evaluate(text, steps), run_deepspeed(name, kwargs, lr, steps))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "deepspeed.WarmupLR(optimizer, warmup_num_steps=0, lr=0.1)",
            "warmup_num_steps must be a positive integer",
        ),
        ("deepspeed.WarmupCosineLR(optimizer, total_num_steps=10)", "lr is missing"),
        (
            "deepspeed.OneCycle(optimizer, 0.01, 0.1, cycle_first_step_size=0)",
            "cycle_first_step_size must be positive",
        ),
        ("deepspeed.WarmupLR(optimizer, lr=0.1, last_batch_iteration=5)", "last_batch_iteration"),
    ],
)
def test_deepspeed_refusals(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 10)
