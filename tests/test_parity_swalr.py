"""Parity with PyTorch's SWALR (``torch.optim.swa_utils``): the real scheduler stepped once a step, as
its examples step it once an epoch, compared at every step to float64 rounding."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require

torch = require("torch")


def run_torch(lr: float, steps: int, **kwargs: object) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = torch.optim.swa_utils.SWALR(optimizer, **kwargs)
        rates = []
        for _ in range(steps):
            rates.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
    return np.array(rates, dtype=np.float64)


CASES: list[tuple[float, int, dict[str, object]]] = [
    (0.1, 20, {"swa_lr": 0.05}),
    (0.1, 20, {"swa_lr": 0.05, "anneal_epochs": 5, "anneal_strategy": "linear"}),
    (0.1, 12, {"swa_lr": 0.5, "anneal_epochs": 3}),
    (0.03, 8, {"swa_lr": 0.001, "anneal_epochs": 0}),
    (0.03, 8, {"swa_lr": 0.001, "anneal_epochs": 0, "anneal_strategy": "linear"}),
    (0.2, 6, {"swa_lr": 0.01, "anneal_epochs": 1}),
    (0.2, 40, {"swa_lr": 0.0, "anneal_epochs": 33}),
    (1.0, 30, {"swa_lr": 0.1, "anneal_epochs": 7, "anneal_strategy": "cos"}),
]


def _spec(lr: float, kwargs: dict[str, object]) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"torch.optim.swa_utils.SWALR(optimizer{args}, lr={lr!r})"


@pytest.mark.parametrize(("lr", "steps", "kwargs"), CASES, ids=[_spec(c[0], c[2]) for c in CASES])
def test_swalr_parity(lr: float, steps: int, kwargs: dict[str, object]) -> None:
    text = _spec(lr, kwargs)
    assert_parity(text, lrviz.evaluate(text, steps), run_torch(lr, steps, **kwargs))


def test_seeded_parity() -> None:
    rng = np.random.default_rng(7)
    for _ in range(25):
        kwargs: dict[str, object] = {
            "swa_lr": float(rng.uniform(0.0, 0.2)),
            "anneal_epochs": int(rng.integers(0, 15)),
            "anneal_strategy": str(rng.choice(["cos", "linear"])),
        }
        lr = float(rng.uniform(0.01, 1.0))
        text = _spec(lr, kwargs)
        assert_parity(text, lrviz.evaluate(text, 24), run_torch(lr, 24, **kwargs))


def test_short_name() -> None:
    np.testing.assert_array_equal(
        lrviz.evaluate("torch.SWALR(optimizer, 0.05, lr=0.1)", 15),
        lrviz.evaluate("torch.optim.swa_utils.SWALR(optimizer, swa_lr=0.05, lr=0.1)", 15),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "torch.SWALR(optimizer, 0.05, anneal_epochs=-1, lr=0.1)",
            "whole number, 0 or more",
        ),
        ("torch.SWALR(optimizer, 0.05, anneal_strategy='exp', lr=0.1)", "cos"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 5)
