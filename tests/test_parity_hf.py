"""Parity with Hugging Face transformers: every get_*_schedule* function and get_scheduler with the
Trainer's names, against the real LambdaLR stepped as the Trainer steps it."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import lrviz
import lrviz.language.catalogue
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require

torch = require("torch")
optimization = require("transformers.optimization")


def run_hf(function: str, args: tuple[Any, ...], kwargs: dict[str, Any], lr: float, steps: int) -> np.ndarray:
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if function == "get_scheduler":
            scheduler = optimization.get_scheduler(args[0], optimizer, *args[1:], **kwargs)
        else:
            scheduler = getattr(optimization, function)(optimizer, *args, **kwargs)
        rates = [scheduler.get_last_lr()[0]]
        for _ in range(steps - 1):
            optimizer.step()
            scheduler.step()
            rates.append(scheduler.get_last_lr()[0])
    return np.array(rates)


def spec_of(function: str, args: tuple[Any, ...], kwargs: dict[str, Any], lr: float) -> str:
    positional = (
        [repr(args[0]), "optimizer", *map(repr, args[1:])]
        if function == "get_scheduler"
        else ["optimizer", *map(repr, args)]
    )
    keywords = [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"transformers.{function}({', '.join(positional + keywords)}, lr={lr!r})"


def _cases() -> list[tuple[str, tuple[Any, ...], dict[str, Any], float, int]]:
    rng = np.random.default_rng(5230)
    cases: list[tuple[str, tuple[Any, ...], dict[str, Any], float, int]] = [
        # frameworks.md's traces
        ("get_linear_schedule_with_warmup", (2, 6), {}, 1.0, 8),
        ("get_cosine_schedule_with_warmup", (2, 6), {}, 1.0, 9),  # rises again after T
        ("get_cosine_schedule_with_warmup", (0, 4), {"num_cycles": 1}, 1.0, 6),
        ("get_cosine_with_hard_restarts_schedule_with_warmup", (0, 8), {"num_cycles": 2}, 1.0, 10),
        ("get_polynomial_decay_schedule_with_warmup", (2, 6), {"lr_end": 0.1, "power": 2}, 1.0, 9),
        ("get_constant_schedule_with_warmup", (3,), {}, 1.0, 6),
        ("get_inverse_sqrt_schedule", (4,), {}, 1.0, 10),
        ("get_inverse_sqrt_schedule", (0,), {}, 1.0, 4),
        ("get_cosine_with_min_lr_schedule_with_warmup", (2, 6), {"min_lr_rate": 0.1}, 1.0, 8),
        ("get_cosine_with_min_lr_schedule_with_warmup_lr_rate", (2, 6), {"min_lr_rate": 0.1}, 1.0, 8),
        (
            "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
            (3, 6),
            {"min_lr_rate": 0.0, "warmup_lr_rate": 0.1},
            1.0,
            5,
        ),
        ("get_wsd_schedule", (2, 2, 7), {}, 1.0, 9),
        ("get_wsd_schedule", (2, 2, 7), {"decay_type": "linear", "min_lr_ratio": 0.1}, 1.0, 9),
        ("get_wsd_schedule", (2, 2, 7), {"warmup_type": "1-sqrt", "decay_type": "1-sqrt"}, 1.0, 9),
        ("get_constant_schedule", (), {}, 0.3, 4),
        ("get_scheduler", ("constant", 5, 10), {"scheduler_specific_kwargs": {"num_cycles": 3}}, 0.3, 4),
    ]
    for _ in range(10):
        lr = float(rng.uniform(1e-5, 1e-2))
        total = int(rng.integers(1, 500))
        warmup = int(rng.integers(0, total + 1))
        steps = int(rng.integers(1, total + 50))
        cycles = float(rng.uniform(0.25, 3))
        floor = float(rng.uniform(0, 0.5))
        decay = int(rng.integers(0, max(1, total - warmup)))
        shape = str(rng.choice(["linear", "cosine", "1-sqrt"]))
        cases += [
            ("get_linear_schedule_with_warmup", (warmup, total), {}, lr, steps),
            ("get_cosine_schedule_with_warmup", (warmup, total), {"num_cycles": cycles}, lr, steps),
            (
                "get_cosine_with_hard_restarts_schedule_with_warmup",
                (warmup, total),
                {"num_cycles": int(cycles) + 1},
                lr,
                steps,
            ),
            (
                "get_polynomial_decay_schedule_with_warmup",
                (warmup, total + warmup + 1),
                {"lr_end": lr * floor, "power": float(rng.uniform(0.3, 3))},
                lr,
                steps,
            ),
            ("get_constant_schedule_with_warmup", (warmup,), {}, lr, steps),
            (
                "get_inverse_sqrt_schedule",
                (warmup,),
                {"timescale": [None, int(rng.integers(1, 100))][int(rng.integers(0, 2))]},
                lr,
                steps,
            ),
            (
                "get_cosine_with_min_lr_schedule_with_warmup",
                (warmup, total),
                {"num_cycles": cycles, "min_lr": lr * floor},
                lr,
                steps,
            ),
            (
                "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
                (warmup, total),
                {"min_lr_rate": floor, "warmup_lr_rate": [None, floor][int(rng.integers(0, 2))]},
                lr,
                steps,
            ),
            (
                "get_wsd_schedule",
                (warmup, decay, total),
                {"warmup_type": shape, "decay_type": shape, "min_lr_ratio": floor, "num_cycles": cycles},
                lr,
                steps,
            ),
            ("get_wsd_schedule", (warmup, decay), {"num_stable_steps": int(rng.integers(0, 100))}, lr, steps),
            (
                "get_scheduler",
                (
                    str(
                        rng.choice(
                            [
                                "linear",
                                "cosine",
                                "cosine_with_restarts",
                                "inverse_sqrt",
                                "constant_with_warmup",
                            ]
                        )
                    ),
                    warmup,
                    total,
                ),
                {},
                lr,
                steps,
            ),
            (
                "get_scheduler",
                ("cosine_with_min_lr", warmup, total),
                {"scheduler_specific_kwargs": {"min_lr_rate": floor, "num_cycles": cycles}},
                lr,
                steps,
            ),
            (
                "get_scheduler",
                ("warmup_stable_decay", warmup, total),
                {"scheduler_specific_kwargs": {"num_decay_steps": decay, "decay_type": shape}},
                lr,
                steps,
            ),
        ]
    return cases


CASES = _cases()


@pytest.mark.parametrize(
    ("function", "args", "kwargs", "lr", "steps"),
    CASES,
    ids=[spec_of(*c[:4]) + f" over {c[4]}" for c in CASES],
)
def test_parity(function: str, args: tuple[Any, ...], kwargs: dict[str, Any], lr: float, steps: int) -> None:
    spec = spec_of(function, args, kwargs, lr)
    assert_parity(spec, lrviz.evaluate(spec, steps), run_hf(function, args, kwargs, lr, steps))


def test_every_function_is_covered() -> None:
    ours = {e.name.removeprefix("hf.") for e in lrviz.language.catalogue.entries("hf")}
    theirs = {name for name in dir(optimization) if name.startswith("get_") and "schedule" in name}
    assert ours == theirs - {"get_greedy_schedule", "get_adafactor_schedule"}
    # the plateau schedule reacts to a metric: tests/test_feedback.py checks it against transformers
    assert ours - {"get_reduce_on_plateau_schedule"} == {c[0] for c in CASES}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "hf.get_polynomial_decay_schedule_with_warmup(optimizer, 1, 10, lr_end=0.5, lr=0.1)",
            "lr_end (0.5) must be smaller",
        ),
        (
            "hf.get_cosine_with_min_lr_schedule_with_warmup(optimizer, 1, 10, lr=0.1)",
            "give min_lr or min_lr_rate",
        ),
        (
            "hf.get_cosine_with_min_lr_schedule_with_warmup(optimizer, 1, 10, min_lr=0, min_lr_rate=0, lr=1)",
            "not both",
        ),
        ("hf.get_wsd_schedule(optimizer, 1, 2, lr=1)", "give num_training_steps or num_stable_steps"),
        ("hf.get_scheduler('cosine', optimizer, lr=1)", "cosine requires num_warmup_steps"),
        ("hf.get_scheduler('cosine', optimizer, 10, lr=1)", "cosine requires num_training_steps"),
        ("hf.get_scheduler('greedy', optimizer, lr=1)", "is not reproduced by lrviz"),
        (
            "hf.get_scheduler('cosine', optimizer, 1, 10, scheduler_specific_kwargs={'cycles': 2}, lr=1)",
            "no parameter 'cycles'",
        ),
        ("hf.get_scheduler('cosinus', optimizer, 1, 10, lr=1)", "did you mean 'cosine'"),
        ("hf.get_linear_schedule_with_warmup(optimizer, 1, 10)", "lr is missing"),
    ],
)
def test_refusals(spec: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lrviz.evaluate(spec, 20)
