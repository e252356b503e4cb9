"""Parity with Ultralytics YOLO (8.4.190): its own ``_setup_scheduler`` (the real ``lf``, linear or
``one_cycle``, and the real ``LambdaLR``) and ``_get_warmup_iterations``, taken from
``ultralytics/engine/trainer.py`` and ``ultralytics/utils/torch_utils.py`` as they are written,
driven by a replay of ``_do_train``'s loop written here from that file: ``scheduler.last_epoch =
start_epoch − 1`` after setup, ``scheduler.step()`` at each epoch's start, then for each batch the
warm-up's ``np.interp`` of ni over [0, nw] per parameter group (bias from warmup_bias_lr, the others
from 0, to ``initial_lr·lf(epoch)``). The trainer module itself needs cv2 and torchvision to import,
so its functions are compiled from its source on their own, with torch's ``optim`` and ``math``.
"""

from __future__ import annotations

import ast
import functools
import math
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from tests.frameworks import _package_folder, assert_parity, require

torch = require("torch")


def _functions(path: Path, names: set[str], scope: dict[str, Any]) -> dict[str, Any]:
    """The functions (or methods) named ``names`` in the file at ``path``, compiled on their own."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name in names]
    assert {node.name for node in found} == names, f"{path} no longer defines {names}"
    module = ast.Module(body=list(found), type_ignores=[])
    exec(compile(module, str(path), "exec"), scope)
    return {name: scope[name] for name in names}


@functools.cache
def yolo() -> types.SimpleNamespace:
    root = Path(_package_folder("ultralytics"))
    (one_cycle,) = _functions(root / "utils" / "torch_utils.py", {"one_cycle"}, {"math": math}).values()
    scope = {"math": math, "optim": torch.optim, "one_cycle": one_cycle}
    methods = _functions(
        root / "engine" / "trainer.py", {"_setup_scheduler", "_get_warmup_iterations"}, scope
    )
    return types.SimpleNamespace(**methods)


def run_yolo(args: dict[str, Any], nb: int) -> dict[str, np.ndarray]:
    """The rate each parameter group has at each batch of the run, as _do_train sets it."""
    real = yolo()
    lr0 = args["lr0"]
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(3)]
    groups = [
        {"params": [params[2]], "lr": lr0, "param_group": "bias"},
        {"params": [params[0]], "lr": lr0, "param_group": "weight"},
        {"params": [params[1]], "lr": lr0, "param_group": "bn"},
    ]
    trainer = types.SimpleNamespace(
        args=types.SimpleNamespace(**args), epochs=args["epochs"], optimizer=torch.optim.SGD(groups, lr=lr0)
    )
    real._setup_scheduler(trainer)
    trainer.scheduler.last_epoch = -1  # start_epoch - 1, "do not move"
    nw = real._get_warmup_iterations(trainer, nb)
    rates: dict[str, list[float]] = {"bias": [], "weight": [], "bn": []}
    for epoch in range(args["epochs"]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # as the trainer: "lr_scheduler.step() before optimizer.step()"
            trainer.scheduler.step()
        for i in range(nb):
            ni = i + nb * epoch
            if nw and ni <= nw:
                xi = [0, nw]
                for x in trainer.optimizer.param_groups:
                    start = args["warmup_bias_lr"] if x.get("param_group") == "bias" else 0.0
                    x["lr"] = float(np.interp(ni, xi, [start, x["initial_lr"] * trainer.lf(epoch)]))
            for x in trainer.optimizer.param_groups:
                rates[x["param_group"]].append(x["lr"])
    return {name: np.array(values, dtype=np.float64) for name, values in rates.items()}


def spec(args: dict[str, Any], nb: int, group: str) -> str:
    given = "".join(f", {key}={value!r}" for key, value in args.items())
    return f"ultralytics.YOLO(batches={nb}{given}, group={group!r})"


def _cases() -> list[tuple[dict[str, Any], int]]:
    rng = np.random.default_rng(8190)
    cases: list[tuple[dict[str, Any], int]] = [
        (
            {
                "lr0": 0.01,
                "lrf": 0.01,
                "epochs": 10,
                "cos_lr": False,
                "warmup_epochs": 3.0,
                "warmup_bias_lr": 0.1,
            },
            7,
        ),
        (
            {
                "lr0": 0.01,
                "lrf": 0.01,
                "epochs": 10,
                "cos_lr": True,
                "warmup_epochs": 3.0,
                "warmup_bias_lr": 0.1,
            },
            7,
        ),
        (
            {
                "lr0": 0.002,
                "lrf": 0.1,
                "epochs": 3,
                "cos_lr": False,
                "warmup_epochs": 5.0,
                "warmup_bias_lr": 0.0,
            },
            4,
        ),
        (
            {
                "lr0": 0.01,
                "lrf": 0.2,
                "epochs": 1,
                "cos_lr": False,
                "warmup_epochs": 3.0,
                "warmup_bias_lr": 0.1,
            },
            9,
        ),
        (
            {
                "lr0": 0.05,
                "lrf": 0.01,
                "epochs": 6,
                "cos_lr": True,
                "warmup_epochs": 0.0,
                "warmup_bias_lr": 0.1,
            },
            5,
        ),
        (
            {
                "lr0": 0.01,
                "lrf": 0.01,
                "epochs": 5,
                "cos_lr": False,
                "warmup_epochs": 0.5,
                "warmup_bias_lr": 0.1,
            },
            3,
        ),
        (
            {
                "lr0": 0.01,
                "lrf": 0.01,
                "epochs": 8,
                "cos_lr": False,
                "warmup_epochs": 1.25,
                "warmup_bias_lr": 0.1,
            },
            2,
        ),
        (
            {
                "lr0": 0.01,
                "lrf": 1.5,
                "epochs": 4,
                "cos_lr": True,
                "warmup_epochs": 1.0,
                "warmup_bias_lr": 0.3,
            },
            6,
        ),
    ]
    for _ in range(16):
        cases.append(
            (
                {
                    "lr0": float(10 ** rng.uniform(-4, -1)),
                    "lrf": float(rng.choice([0.01, 0.1, rng.uniform(0, 1)])),
                    "epochs": int(rng.integers(1, 25)),
                    "cos_lr": bool(rng.integers(0, 2)),
                    "warmup_epochs": float(rng.choice([0.0, 3.0, round(float(rng.uniform(0, 6)), 2)])),
                    "warmup_bias_lr": float(rng.choice([0.0, 0.1, rng.uniform(0, 0.5)])),
                },
                int(rng.integers(1, 40)),
            )
        )
    return cases


@pytest.mark.parametrize(("args", "nb"), _cases())
def test_every_group_matches_yolos_trainer(args: dict[str, Any], nb: int) -> None:
    theirs = run_yolo(args, nb)
    steps = args["epochs"] * nb
    for group, rates in theirs.items():
        text = spec(args, nb, group)
        assert_parity(text, lrviz.evaluate(text, steps), rates)


def test_the_rows_past_the_epochs_hold_the_last_factor() -> None:
    """lf past the epochs (a run shown longer than its ``epochs``): the real lf at those epochs."""
    args = {
        "lr0": 0.01,
        "lrf": 0.05,
        "epochs": 4,
        "cos_lr": False,
        "warmup_epochs": 1.0,
        "warmup_bias_lr": 0.1,
    }
    trainer = types.SimpleNamespace(
        args=types.SimpleNamespace(**args),
        epochs=4,
        optimizer=torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01),
    )
    yolo()._setup_scheduler(trainer)
    expected = np.repeat([0.01 * trainer.lf(e) for e in range(7)], 3)
    ours = lrviz.evaluate(spec(args, 3, "weight"), 21)
    assert_parity("past the epochs", ours[3:], expected[3:])
