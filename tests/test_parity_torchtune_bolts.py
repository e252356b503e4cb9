"""Parity with torchtune's and Lightning Bolts' schedulers: each against the real one, stepped as a
loop steps it (the constructor's rate for the first row, then step() after each update or epoch), over
hand-picked edge cases and seeded random parameter sets. Neither package imports here on its own
(torchtune wants torchao, Bolts pytorch_lightning): each scheduler module is loaded from its file,
with stand-ins for the few names it imports from its package (see tests/frameworks.py)."""

from __future__ import annotations

import functools
import os
import types
import warnings
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import _package_folder, assert_parity, load_alone, require

torch = require("torch")


def _load_alone(package: str, path: tuple[str, ...], stand_ins: dict[str, types.ModuleType]) -> Any:
    """The module at ``path`` in ``package``'s folder, run with ``stand_ins`` for its package's modules,
    which are gone again afterwards."""
    root = _package_folder(package)
    return load_alone(f"lrviz_tests_{package}_schedules", os.path.join(root, *path), stand_ins)


@functools.cache
def torchtune_schedulers() -> Any:
    """torchtune/training/lr_schedulers.py: it imports OptimizerInBackwardWrapper (for get_lr) only."""
    memory = types.ModuleType("torchtune.training.memory")
    memory.OptimizerInBackwardWrapper = type("OptimizerInBackwardWrapper", (), {})  # type: ignore[attr-defined]
    names = ("torchtune", "torchtune.training")
    stand_ins = {name: types.ModuleType(name) for name in names} | {"torchtune.training.memory": memory}
    return _load_alone("torchtune", ("training", "lr_schedulers.py"), stand_ins)


@functools.cache
def bolts_schedulers() -> Any:
    """pl_bolts/optimizers/lr_scheduler.py: it imports the under_review decorator, here one that
    leaves the class as it is."""
    stability = types.ModuleType("pl_bolts.utils.stability")
    stability.under_review = lambda: lambda cls: cls  # type: ignore[attr-defined]
    names = ("pl_bolts", "pl_bolts.utils")
    stand_ins = {name: types.ModuleType(name) for name in names} | {"pl_bolts.utils.stability": stability}
    return _load_alone("pl_bolts", ("optimizers", "lr_scheduler.py"), stand_ins)


def stepped(build: Any, lr: float, steps: int) -> np.ndarray:
    """The rate of each of ``steps`` rows: the constructor's, then after each step()."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = build(optimizer)
    rates = [optimizer.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(1, steps):
            scheduler.step()
            rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates, dtype=np.float64)


def call(name: str, kwargs: dict[str, Any], lr: float) -> str:
    return f"{name}(optimizer{''.join(f', {k}={v!r}' for k, v in kwargs.items())}, lr={lr!r})"


TORCHTUNE_CASES: list[tuple[dict[str, Any], float, int]] = [
    ({"num_warmup_steps": 10, "num_training_steps": 100}, 2e-5, 120),  # past the end: it rises again
    ({"num_warmup_steps": 0, "num_training_steps": 50}, 0.1, 60),
    ({"num_warmup_steps": 1, "num_training_steps": 1}, 0.1, 8),  # max(1, T − W)
    ({"num_warmup_steps": 30, "num_training_steps": 10}, 0.1, 40),  # warm-up longer than the run
    ({"num_warmup_steps": 5, "num_training_steps": 40, "num_cycles": 2.0}, 3e-4, 45),
    ({"num_warmup_steps": 5, "num_training_steps": 40, "num_cycles": 0.8}, 3e-4, 45),  # clamped at 0
]


def _random_torchtune() -> list[tuple[dict[str, Any], float, int]]:
    rng = np.random.default_rng(2026)
    cases = []
    for _ in range(20):
        total = int(rng.integers(1, 400))
        kwargs = {
            "num_warmup_steps": int(rng.integers(0, total + 5)),
            "num_training_steps": total,
            "num_cycles": float(rng.choice([0.5, 0.5, 1.0, float(rng.uniform(0.1, 3))])),
        }
        cases.append((kwargs, float(rng.uniform(1e-6, 1.0)), total + int(rng.integers(1, 50))))
    return cases


@pytest.mark.parametrize(("kwargs", "lr", "steps"), TORCHTUNE_CASES + _random_torchtune())
def test_torchtune_cosine(kwargs: dict[str, Any], lr: float, steps: int) -> None:
    module = torchtune_schedulers()
    theirs = stepped(lambda o: module.get_cosine_schedule_with_warmup(o, **kwargs), lr, steps)
    spec = call("torchtune.get_cosine_schedule_with_warmup", kwargs, lr)
    assert_parity(spec, lrviz.evaluate(spec, steps), theirs)


def test_torchtune_module_paths() -> None:
    """The names a recipe writes in _component_ are the dialect's."""
    module = torchtune_schedulers()
    kwargs = {"num_warmup_steps": 4, "num_training_steps": 20}
    theirs = stepped(lambda o: module.get_cosine_schedule_with_warmup(o, **kwargs), 1e-3, 24)
    for name in (
        "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup",
        "torchtune.training.get_cosine_schedule_with_warmup",
        "torchtune.modules.get_cosine_schedule_with_warmup",
    ):
        spec = call(name, kwargs, 1e-3)
        assert_parity(spec, lrviz.evaluate(spec, 24), theirs)


BOLTS_CASES: list[tuple[dict[str, Any], float, int]] = [
    ({"warmup_epochs": 10, "max_epochs": 40}, 0.02, 40),  # the docstring's example
    ({"warmup_epochs": 10, "max_epochs": 40}, 0.02, 200),  # past the end: several more waves
    ({"warmup_epochs": 5, "max_epochs": 30, "warmup_start_lr": 1e-4, "eta_min": 1e-5}, 0.1, 150),
    ({"warmup_epochs": 1, "max_epochs": 10}, 0.1, 40),  # no warm-up step: start, then lr
    ({"warmup_epochs": 0, "max_epochs": 10}, 0.1, 40),  # decays from warmup_start_lr
    ({"warmup_epochs": 0, "max_epochs": 10, "warmup_start_lr": 0.05}, 0.1, 40),
    ({"warmup_epochs": 2, "max_epochs": 3}, 0.1, 30),  # a period of 2
    ({"warmup_epochs": 3, "max_epochs": 4, "eta_min": 0.01}, 0.1, 30),
    ({"warmup_epochs": 50, "max_epochs": 2000, "eta_min": 1e-6}, 3e-4, 2100),
]


def _random_bolts() -> list[tuple[dict[str, Any], float, int]]:
    rng = np.random.default_rng(7)
    cases = []
    for _ in range(20):
        warmup = int(rng.integers(0, 30))
        total = warmup + int(rng.integers(1, 300))
        kwargs = {
            "warmup_epochs": warmup,
            "max_epochs": total,
            "warmup_start_lr": float(rng.choice([0.0, float(rng.uniform(0, 1e-3))])),
            "eta_min": float(rng.choice([0.0, float(rng.uniform(0, 1e-3))])),
        }
        cases.append((kwargs, float(rng.uniform(1e-3, 1.0)), total + int(rng.integers(1, 3 * total))))
    return cases


@pytest.mark.parametrize(("kwargs", "lr", "steps"), BOLTS_CASES + _random_bolts())
def test_bolts_warmup_cosine(kwargs: dict[str, Any], lr: float, steps: int) -> None:
    """The chained get_lr, step by step, to 1e-12 of the rate (the recursion's drift included)."""
    module = bolts_schedulers()
    theirs = stepped(lambda o: module.LinearWarmupCosineAnnealingLR(o, **kwargs), lr, steps)
    spec = call("bolts.LinearWarmupCosineAnnealingLR", kwargs, lr)
    ours = lrviz.evaluate(spec, steps)
    peak = float(np.max(np.abs(theirs)))
    bad = np.abs(ours - theirs) > 1e-12 * np.abs(theirs) + 1e-14 * peak
    assert not bad.any(), f"{spec}: step {int(np.argmax(bad))}"
    full = call("pl_bolts.optimizers.lr_scheduler.LinearWarmupCosineAnnealingLR", kwargs, lr)
    assert_parity(full, lrviz.evaluate(full, steps), theirs)


def test_bolts_chunks_keep_their_bits() -> None:
    """A step read alone has the bits of the same step read in a whole run."""
    spec = (
        "bolts.LinearWarmupCosineAnnealingLR(optimizer, warmup_epochs=7, max_epochs=90, eta_min=1e-4, lr=0.1)"
    )
    whole = lrviz.evaluate(spec, 400)
    alone = [lrviz.evaluate(spec, step + 1)[step] for step in (0, 5, 6, 7, 89, 91, 173, 399)]
    assert alone == [whole[s] for s in (0, 5, 6, 7, 89, 91, 173, 399)]


@pytest.mark.parametrize(
    "kwargs", [{"warmup_epochs": 10, "max_epochs": 10}, {"warmup_epochs": 10, "max_epochs": 5}]
)
def test_bolts_refuses_no_cosine(kwargs: dict[str, Any]) -> None:
    with pytest.raises(LrvizError, match="max_epochs"):
        lrviz.evaluate(call("bolts.LinearWarmupCosineAnnealingLR", kwargs, 0.1), 20)
