"""Parity with diffusers 0.42.1's ``diffusers/optimization.py``: every SchedulerType through
get_scheduler, the get_*_schedule* functions with their own arguments, and the piecewise_constant rule
string as diffusers parses it, stepped once an update and compared at every step to float64 rounding.

diffusers' top level needs packages the environment lacks (requests), so optimization.py is loaded
alone from its file, with a stand-in for the ``.utils`` logging it imports."""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import sys
import types
import warnings
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import _package_folder, assert_parity, require

torch = require("torch")


@functools.cache
def diffusers_optimization() -> types.ModuleType:
    """diffusers/optimization.py on its own, under a package of stand-ins that is gone afterwards."""
    root = _package_folder("diffusers")
    package = types.ModuleType("lrviz_tests_diffusers")
    package.__path__ = []
    utils = types.ModuleType("lrviz_tests_diffusers.utils")
    utils.logging = types.SimpleNamespace(get_logger=logging.getLogger)  # type: ignore[attr-defined]
    stand_ins = {"lrviz_tests_diffusers": package, "lrviz_tests_diffusers.utils": utils}
    sys.modules.update(stand_ins)
    try:
        found = importlib.util.spec_from_file_location(
            "lrviz_tests_diffusers.optimization", os.path.join(root, "optimization.py")
        )
        assert found is not None
        assert found.loader is not None
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
    finally:
        for name in stand_ins:
            sys.modules.pop(name, None)
    return module


def run_diffusers(function: str, lr: float, steps: int, *args: Any, **kwargs: Any) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = getattr(diffusers_optimization(), function)(*args[:1], optimizer, *args[1:], **kwargs)
        rates = []
        for _ in range(steps):
            rates.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
    return np.array(rates, dtype=np.float64)


def _spec(function: str, lr: float, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    before = "".join(f"{a!r}, " for a in args[:1])
    after = "".join(f", {a!r}" for a in args[1:]) + "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"diffusers.{function}({before}optimizer{after}, lr={lr!r})"


RULES = [
    "1:10,0.1:20,0.01:30,0.005",
    "0.5",  # only the last factor: constant
    "0.1:20,1:10,0.005",  # unsorted: diffusers sorts the steps
    "1:10,0.3:10,0.2",  # a step twice: the last factor wins
    "2:0,0.5:3,0.25",  # a rule at step 0 is never used
    "1:-4,0.7:5,0.1",  # nor one below 0
    " 1 : 1_0 , 0.1:+20,1e-2",  # Python's float() and int() of each text
    "1e-3:2,2.5:4,0",
]

GET_SCHEDULER: list[tuple[str, dict[str, Any], int]] = [
    ("linear", {"num_warmup_steps": 3, "num_training_steps": 20}, 25),
    ("linear", {"num_warmup_steps": 0, "num_training_steps": 7}, 10),
    ("cosine", {"num_warmup_steps": 3, "num_training_steps": 20, "num_cycles": 3}, 30),  # num_cycles unused
    ("cosine_with_restarts", {"num_warmup_steps": 2, "num_training_steps": 30}, 34),  # num_cycles=1
    ("cosine_with_restarts", {"num_warmup_steps": 2, "num_training_steps": 30, "num_cycles": 3}, 34),
    ("cosine_with_restarts", {"num_warmup_steps": 5, "num_training_steps": 5, "num_cycles": 2}, 9),
    ("polynomial", {"num_warmup_steps": 4, "num_training_steps": 20, "power": 2.0}, 25),
    ("polynomial", {"num_warmup_steps": 4, "num_training_steps": 20, "power": 0.5, "num_cycles": 4}, 25),
    ("constant", {"num_warmup_steps": 9, "num_training_steps": 3, "power": 3.0}, 6),
    ("constant_with_warmup", {"num_warmup_steps": 4, "num_training_steps": 5}, 8),
    ("constant_with_warmup", {"num_warmup_steps": 0}, 4),
    *[("piecewise_constant", {"step_rules": rules, "num_warmup_steps": 99}, 40) for rules in RULES],
]


@pytest.mark.parametrize(
    ("name", "kwargs", "steps"),
    GET_SCHEDULER,
    ids=[_spec("get_scheduler", 0.1, (c[0],), c[1]) for c in GET_SCHEDULER],
)
def test_get_scheduler(name: str, kwargs: dict[str, Any], steps: int) -> None:
    text = _spec("get_scheduler", 0.1, (name,), kwargs)
    theirs = run_diffusers("get_scheduler", 0.1, steps, name, **kwargs)
    assert_parity(text, lrviz.evaluate(text, steps), theirs)


FUNCTIONS: list[tuple[str, tuple[Any, ...], dict[str, Any], int]] = [
    ("get_constant_schedule", (), {}, 5),
    ("get_constant_schedule_with_warmup", (7,), {}, 12),
    ("get_piecewise_constant_schedule", (), {"step_rules": "1:10,0.1:20,0.01:30,0.005"}, 40),
    ("get_linear_schedule_with_warmup", (10, 50), {}, 60),
    ("get_linear_schedule_with_warmup", (10, 50), {"f_min": 0.1, "f_max": 2.0}, 60),
    ("get_linear_schedule_with_warmup", (0, 30), {"f_min": 0.25}, 40),
    ("get_cosine_schedule_with_warmup", (10, 50), {}, 70),
    ("get_cosine_schedule_with_warmup", (10, 50), {"num_cycles": 1.5}, 70),
    ("get_cosine_with_hard_restarts_schedule_with_warmup", (10, 50), {"num_cycles": 4}, 60),
    ("get_polynomial_decay_schedule_with_warmup", (10, 50), {"lr_end": 1e-3, "power": 3.0}, 60),
    ("get_polynomial_decay_schedule_with_warmup", (0, 50), {}, 55),
]


@pytest.mark.parametrize(
    ("function", "args", "kwargs", "steps"),
    FUNCTIONS,
    ids=[_spec(c[0], 0.1, (None, *c[1]), c[2]).replace("None, ", "") for c in FUNCTIONS],
)
def test_functions(function: str, args: tuple[Any, ...], kwargs: dict[str, Any], steps: int) -> None:
    positional = "".join(f", {a!r}" for a in args) + "".join(f", {k}={v!r}" for k, v in kwargs.items())
    text = f"diffusers.optimization.{function}(optimizer{positional}, lr=0.1)"
    optimizer_first = run_diffusers_positional(function, 0.1, steps, args, kwargs)
    assert_parity(text, lrviz.evaluate(text, steps), optimizer_first)


def run_diffusers_positional(
    function: str, lr: float, steps: int, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = getattr(diffusers_optimization(), function)(optimizer, *args, **kwargs)
    rates = []
    for _ in range(steps):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return np.array(rates, dtype=np.float64)


def test_every_scheduler_type_is_covered() -> None:
    types_ = {member.value for member in diffusers_optimization().SchedulerType}
    assert types_ == {c[0] for c in GET_SCHEDULER}
    functions = {
        name for name in dir(diffusers_optimization()) if name.startswith("get_") and "schedule" in name
    }
    assert functions == {c[0] for c in FUNCTIONS} | {"get_scheduler"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("diffusers.get_scheduler('piecewise_constant', optimizer, lr=0.1)", "requires step_rules"),
        (
            "diffusers.get_scheduler('linear', optimizer, num_training_steps=9)",
            "requires num_warmup_steps",
        ),
        (
            "diffusers.get_scheduler('cosine', optimizer, num_warmup_steps=9)",
            "requires num_training_steps",
        ),
        ("diffusers.get_scheduler('greedy', optimizer, lr=0.1)", "piecewise_constant"),
        ("diffusers.get_piecewise_constant_schedule(optimizer, '1:10:3,0.1', lr=0.1)", "is not factor:step"),
        ("diffusers.get_piecewise_constant_schedule(optimizer, '1:10.0,0.1', lr=0.1)", "whole step"),
        ("diffusers.get_piecewise_constant_schedule(optimizer, '1:10,', lr=0.1)", "the last rule"),
        ("diffusers.get_piecewise_constant_schedule(optimizer, 'inf:2,0.1', lr=0.1)", "finite"),
        ("diffusers.get_polynomial_decay_schedule_with_warmup(optimizer, 1, 9, lr=1e-8)", "lr_end"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 12)
