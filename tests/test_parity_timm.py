"""Parity with timm: every scheduler against the real one, stepped as timm's train.py steps it (the
constructor's rate for the first epoch, then step(epoch) at the end of each), over seeded random
parameter sets. timm's scheduler modules are loaded on their own: timm/__init__ needs torchvision."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lrviz
import lrviz.language.catalogue
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require, timm_schedulers

torch = require("torch")


timm = timm_schedulers()
CLASSES = {
    "CosineLRScheduler": timm.cosine_lr,
    "TanhLRScheduler": timm.tanh_lr,
    "StepLRScheduler": timm.step_lr,
    "MultiStepLRScheduler": timm.multistep_lr,
    "PolyLRScheduler": timm.poly_lr,
    "WSDLRScheduler": timm.wsd_lr,
}


def run_timm(name: str, kwargs: dict[str, Any], lr: float, steps: int) -> np.ndarray:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = getattr(CLASSES[name], name)(optimizer, **kwargs)
    rates = [optimizer.param_groups[0]["lr"]]
    for epoch in range(1, steps):
        scheduler.step(epoch)
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates)


def spec(name: str, kwargs: dict[str, Any], lr: float) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"timm.{name}(optimizer{args}, lr={lr!r})"


def _cases() -> list[tuple[str, dict[str, Any], float, int]]:
    rng = np.random.default_rng(1031)
    cases: list[tuple[str, dict[str, Any], float, int]] = [
        ("CosineLRScheduler", {"t_initial": 4}, 1.0, 7),
        ("CosineLRScheduler", {"t_initial": 6, "warmup_t": 2}, 1.0, 8),
        ("CosineLRScheduler", {"t_initial": 6, "warmup_t": 2, "warmup_prefix": True}, 1.0, 10),
        ("CosineLRScheduler", {"t_initial": 3, "cycle_limit": 3, "cycle_decay": 0.5}, 1.0, 11),
        ("CosineLRScheduler", {"t_initial": 2, "cycle_mul": 2.0, "cycle_limit": 3}, 1.0, 16),
        (
            "CosineLRScheduler",
            {"t_initial": 1, "cycle_mul": 3.0, "cycle_limit": 10},
            1.0,
            130,
        ),  # float-log quirk
        ("CosineLRScheduler", {"t_initial": 4, "k_decay": 2.0}, 1.0, 5),
        ("TanhLRScheduler", {"t_initial": 4}, 1.0, 6),
        ("TanhLRScheduler", {"t_initial": 6, "warmup_t": 2}, 1.0, 8),
        ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.1}, 1.0, 8),
        ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.1, "warmup_t": 2}, 1.0, 9),
        ("StepLRScheduler", {"decay_t": 2.5, "decay_rate": 0.5}, 1.0, 9),
        ("MultiStepLRScheduler", {"decay_t": [2, 5], "decay_rate": 0.1}, 1.0, 7),
        ("PolyLRScheduler", {"t_initial": 4}, 1.0, 6),
        ("PolyLRScheduler", {"t_initial": 4, "power": 1.0}, 1.0, 6),
        ("WSDLRScheduler", {"t_initial": 6, "decay_t": 2, "warmup_t": 2}, 1.0, 10),
        ("WSDLRScheduler", {"t_initial": 6, "decay_t": 2, "warmup_t": 2, "decay_fn": "linear"}, 1.0, 10),
    ]
    for _ in range(12):
        lr = float(rng.uniform(1e-4, 1.0))
        steps = int(rng.integers(2, 300))
        t_initial = int(rng.integers(1, 120))
        warm = int(rng.integers(0, 20))
        cycles = {
            "cycle_mul": float(rng.choice([1.0, 1.5, 2.0])),
            "cycle_decay": float(rng.uniform(0.3, 1.0)),
            "cycle_limit": int(rng.integers(1, 5)),
        }
        common = {
            "warmup_t": warm,
            "warmup_lr_init": float(rng.uniform(0, lr)),
            "warmup_prefix": bool(rng.integers(0, 2)),
        }
        lr_min = float(rng.uniform(0, lr / 10))
        cases += [
            (
                "CosineLRScheduler",
                {
                    "t_initial": t_initial,
                    "lr_min": lr_min,
                    **cycles,
                    **common,
                    "k_decay": float(rng.uniform(0.5, 2)),
                },
                lr,
                steps,
            ),
            ("TanhLRScheduler", {"t_initial": t_initial, "lr_min": lr_min, **cycles, **common}, lr, steps),
            (
                "StepLRScheduler",
                {"decay_t": float(rng.uniform(1, 50)), "decay_rate": float(rng.uniform(0.1, 1)), **common},
                lr,
                steps,
            ),
            (
                "MultiStepLRScheduler",
                {
                    "decay_t": sorted(int(v) for v in rng.integers(0, steps, 3)),
                    "decay_rate": float(rng.uniform(0.1, 1)),
                    **common,
                },
                lr,
                steps,
            ),
            (
                "PolyLRScheduler",
                {
                    "t_initial": t_initial,
                    "power": float(rng.uniform(0.2, 3)),
                    "lr_min": lr_min,
                    **cycles,
                    **common,
                },
                lr,
                steps,
            ),
            (
                "WSDLRScheduler",
                {
                    "t_initial": t_initial,
                    "decay_t": int(rng.integers(1, t_initial + 1)),
                    "lr_min": lr_min,
                    "stable_fn": str(rng.choice(["constant", "rsqrt", "power"])),
                    "stable_timescale": float(rng.uniform(1, 50)),
                    "decay_fn": str(rng.choice(["linear", "1-sqrt", "cosine", "power", "exp"])),
                    "warmup_t": warm,
                    "warmup_lr_init": common["warmup_lr_init"],
                },
                lr,
                steps,
            ),
        ]
    return cases


CASES = _cases()


@pytest.mark.parametrize(
    ("name", "kwargs", "lr", "steps"), CASES, ids=[spec(*c[:3]) + f" over {c[3]}" for c in CASES]
)
def test_parity(name: str, kwargs: dict[str, Any], lr: float, steps: int) -> None:
    text = spec(name, kwargs, lr)
    assert_parity(text, lrviz.evaluate(text, steps), run_timm(name, kwargs, lr, steps))


def test_every_scheduler_is_covered() -> None:
    # PlateauLRScheduler reacts to a metric: tests/test_feedback.py checks it against timm
    ours = {e.name.removeprefix("timm.") for e in lrviz.language.catalogue.entries("timm")}
    assert ours - {"PlateauLRScheduler"} == set(CLASSES)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "timm.CosineLRScheduler(optimizer, t_initial=10, noise_range_t=5, lr=1)",
            "torch's random generator",
        ),
        ("timm.TanhLRScheduler(optimizer, t_initial=10, lb=3, ub=-7, lr=1)", "lb must be below ub"),
        (
            "timm.WSDLRScheduler(optimizer, t_initial=10, decay_t=20, lr=1)",
            "decay_t must be in (0, t_initial]",
        ),
        (
            "timm.WSDLRScheduler(optimizer, t_initial=10, decay_t=2, stable_fn='rsqrt', lr=1)",
            "positive stable_timescale",
        ),
        ("timm.CosineLRScheduler(optimizer, t_initial=0, lr=1)", "t_initial must be a positive integer"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(
        LrvizError,
        match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]"),
    ):
        lrviz.evaluate(text, 12)
