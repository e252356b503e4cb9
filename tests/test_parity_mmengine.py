"""Parity with mmengine 0.10.7: its schedulers (``mmengine/optim/scheduler``, loaded on their own from
their files, since mmengine's top level needs yapf and addict) on a torch SGD optimizer, driven as
ParamSchedulerHook drives them: built in the list's order, the ones with by_epoch=False stepped after
every iteration, those with by_epoch=True after every epoch, convert_to_iter_based ones built with
``build_iter_from_epoch``. mmdet's QuadraticWarmupLR (mmdet is not installed) is written here from its
documented rule, on the real ``_ParamScheduler``."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import types
from typing import Any

import numpy as np
import pytest

import lrviz
from tests.frameworks import _package_folder, assert_parity, require

torch = require("torch")


@functools.cache
def mmengine_schedulers() -> types.ModuleType:
    """mmengine.optim.scheduler.lr_scheduler (with momentum_scheduler's classes), loaded from its file
    with stand-ins for the registry, the logger and the optimizer wrapper it imports (removed again
    afterwards)."""
    root = _package_folder("mmengine")

    class Registry:
        def register_module(self, *args: Any, **kwargs: Any) -> Any:
            return lambda cls: cls

    names = (
        "mmengine",
        "mmengine.logging",
        "mmengine.optim",
        "mmengine.registry",
        "mmengine.optim.scheduler",
    )
    stand_ins = {name: types.ModuleType(name) for name in names}
    stand_ins["mmengine.logging"].print_log = print  # type: ignore[attr-defined]
    stand_ins["mmengine.optim"].BaseOptimWrapper = type("BaseOptimWrapper", (), {})  # type: ignore[attr-defined]
    stand_ins["mmengine.registry"].PARAM_SCHEDULERS = Registry()  # type: ignore[attr-defined]
    stand_ins["mmengine.optim.scheduler"].__path__ = [os.path.join(root, "optim", "scheduler")]
    saved = {name: sys.modules.get(name) for name in names}
    sys.modules.update(stand_ins)
    try:
        for part in ("param_scheduler", "lr_scheduler", "momentum_scheduler"):
            name = f"mmengine.optim.scheduler.{part}"
            found = importlib.util.spec_from_file_location(
                name, os.path.join(root, "optim", "scheduler", f"{part}.py")
            )
            assert found is not None
            assert found.loader is not None
            module = importlib.util.module_from_spec(found)
            sys.modules[name] = module
            found.loader.exec_module(module)
        module = sys.modules["mmengine.optim.scheduler.lr_scheduler"]
        moving = sys.modules["mmengine.optim.scheduler.momentum_scheduler"]
        for name in [n for n in vars(moving) if n.endswith("Momentum")]:  # the momentum schedulers too
            setattr(module, name, getattr(moving, name))
        module.INF = sys.modules["mmengine.optim.scheduler.param_scheduler"].INF  # type: ignore[attr-defined]
        module._ParamScheduler = sys.modules["mmengine.optim.scheduler.param_scheduler"]._ParamScheduler  # type: ignore[attr-defined]
    finally:
        for name, before in saved.items():
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before
        sys.modules.pop("mmengine.optim.scheduler.param_scheduler", None)
        sys.modules.pop("mmengine.optim.scheduler.lr_scheduler", None)
        sys.modules.pop("mmengine.optim.scheduler.momentum_scheduler", None)
    return module


schedulers = mmengine_schedulers()
INF = schedulers.INF


class QuadraticWarmupLR(schedulers._ParamScheduler):  # type: ignore[misc,name-defined]
    """mmdet's QuadraticWarmupLR, from its documented rule: X_t = X_{t−1} + (2t + 1)/(end − begin)²·X_base."""

    def __init__(self, optimizer: Any, begin: int = 0, end: int = INF, **kwargs: Any) -> None:
        assert end < INF
        self.total_iters = end - begin
        super().__init__(optimizer, "lr", begin=begin, end=end, **kwargs)

    @classmethod
    def build_iter_from_epoch(
        cls, *args: Any, begin: int = 0, end: int = INF, epoch_length: int, **kw: Any
    ) -> Any:
        kw.pop("by_epoch", None)
        kw |= {"begin": begin * epoch_length, "end": end * epoch_length, "by_epoch": False}
        return cls(*args, **kw)

    def _get_value(self) -> list[float]:
        if self.last_step == 0:
            return [b * (2 * self.last_step + 1) / self.total_iters**2 for b in self.base_values]
        return [
            g["lr"] + b * (2 * self.last_step + 1) / self.total_iters**2
            for b, g in zip(self.base_values, self.optimizer.param_groups, strict=True)
        ]


def build(config: dict[str, Any], optimizer: Any, epoch_length: int, max_epochs: int, max_iters: int) -> Any:
    """A scheduler from its config dict, as the Runner builds it (its end filled from the train loop)."""
    args = dict(config)
    kind = args.pop("type")
    args.setdefault("end", max_epochs if args.get("by_epoch", True) else max_iters)
    cls = QuadraticWarmupLR if kind == "QuadraticWarmupLR" else getattr(schedulers, kind)
    if args.pop("convert_to_iter_based", False):
        return cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length, **args)
    return cls(optimizer, **args)


def run_mmengine(
    configs: list[dict[str, Any]], lr: float, epoch_length: int, rows: int, metric: list[float] | None = None
) -> np.ndarray:
    """The rate of each iteration, ParamSchedulerHook stepping the schedulers (and the validation's
    ``step(metrics)`` after each epoch, with the metric of its last iteration)."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    max_epochs = -(-rows // epoch_length)
    built = [build(c, optimizer, epoch_length, max_epochs, max_epochs * epoch_length) for c in configs]
    rates = [optimizer.param_groups[0]["lr"]]
    for t in range(rows - 1):
        optimizer.step()
        for s in built:
            if not s.by_epoch:
                s.step()
        if (t + 1) % epoch_length == 0:
            for s in built:
                if s.by_epoch:
                    s.step()
            if metric is not None:
                for s in built:
                    if getattr(s, "need_val_args", False):
                        s.step({"loss": metric[t]})
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates, dtype=np.float64)


def spec_of(configs: list[dict[str, Any]], lr: float, epoch_length: int) -> str:
    members = [
        f"mmengine.{c['type']}({', '.join(f'{k}={v!r}' for k, v in c.items() if k != 'type')})"
        for c in configs
    ]
    return f"mmengine.param_scheduler([{', '.join(members)}], epoch_length={epoch_length}, lr={lr!r})"


SINGLE: list[dict[str, Any]] = [
    {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 50},
    {"type": "LinearLR", "start_factor": 0.5, "end_factor": 0.1, "begin": 2, "end": 9},
    {"type": "ConstantLR", "factor": 0.25, "by_epoch": False, "begin": 3, "end": 17},
    {"type": "CosineAnnealingLR", "T_max": 13, "eta_min": 1e-4, "by_epoch": False},
    {"type": "CosineAnnealingLR", "by_epoch": False, "eta_min_ratio": 0.05, "begin": 4},
    {"type": "CosineAnnealingLR", "T_max": 3, "convert_to_iter_based": True, "eta_min": 1e-3},
    {"type": "ExponentialLR", "gamma": 0.93, "begin": 1, "end": 7},
    {"type": "MultiStepLR", "milestones": [2, 4, 4], "gamma": 0.5, "begin": 1},
    {"type": "MultiStepLR", "milestones": [3, 5], "convert_to_iter_based": True},
    {"type": "StepLR", "step_size": 7, "gamma": 0.7, "by_epoch": False},
    {"type": "PolyLR", "eta_min": 1e-4, "power": 0.9, "by_epoch": False},
    {"type": "PolyLR", "power": 2.0, "begin": 1, "end": 6},
    {"type": "OneCycleLR", "eta_max": 0.3, "total_steps": 99, "by_epoch": False},
    {
        "type": "OneCycleLR",
        "eta_max": 0.2,
        "by_epoch": False,
        "three_phase": True,
        "anneal_strategy": "linear",
    },
    {
        "type": "CosineRestartLR",
        "periods": [10, 20],
        "restart_weights": [1.0, 0.5],
        "eta_min": 1e-4,
        "by_epoch": False,
    },
    {"type": "CosineRestartLR", "periods": [2, 3], "restart_weights": [1.0, 0.3], "eta_min_ratio": 0.1},
    {"type": "QuadraticWarmupLR", "by_epoch": False, "end": 20},
    {"type": "QuadraticWarmupLR", "end": 2, "convert_to_iter_based": True},
]

LISTS: list[list[dict[str, Any]]] = [
    # mmdet's Faster R-CNN 1x: a linear warm-up by iteration under a step decay by epoch
    [
        {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 25},
        {"type": "MultiStepLR", "begin": 0, "end": 12, "by_epoch": True, "milestones": [8, 11], "gamma": 0.1},
    ],
    # YOLOX: a quadratic warm-up, a cosine converted to iterations, then a constant tail
    [
        {"type": "QuadraticWarmupLR", "by_epoch": True, "begin": 0, "end": 2, "convert_to_iter_based": True},
        {
            "type": "CosineAnnealingLR",
            "eta_min": 0.0005,
            "begin": 2,
            "T_max": 8,
            "end": 10,
            "by_epoch": True,
            "convert_to_iter_based": True,
        },
        {"type": "ConstantLR", "by_epoch": True, "factor": 1, "begin": 10, "end": 12},
    ],
    # mmpretrain's Swin: a warm-up by iteration (converted), then a cosine by epoch
    [
        {"type": "LinearLR", "start_factor": 1e-3, "by_epoch": True, "end": 2, "convert_to_iter_based": True},
        {"type": "CosineAnnealingLR", "eta_min": 1e-5, "by_epoch": True, "begin": 2},
    ],
    # RTMDet: a warm-up by iteration, then a cosine by epoch over the second half, eta_min_ratio
    [
        {"type": "LinearLR", "start_factor": 1.0e-5, "by_epoch": False, "begin": 0, "end": 30},
        {
            "type": "CosineAnnealingLR",
            "eta_min_ratio": 0.05,
            "begin": 6,
            "end": 12,
            "T_max": 6,
            "by_epoch": True,
            "convert_to_iter_based": True,
        },
    ],
    # overlapping schedulers that chain: a constant factor under an exponential and a cosine with a floor
    [
        {"type": "ConstantLR", "factor": 0.5, "by_epoch": False, "end": 40},
        {"type": "ExponentialLR", "gamma": 0.97, "by_epoch": False},
        {"type": "CosineAnnealingLR", "T_max": 25, "eta_min": 1e-3, "by_epoch": False},
    ],
    # OneCycleLR after a warm-up: it sets the rate outright, and resets the initial rate
    [
        {"type": "LinearLR", "start_factor": 0.1, "by_epoch": False, "end": 10},
        {"type": "OneCycleLR", "eta_max": 0.5, "by_epoch": False, "begin": 10, "total_steps": 110},
        {"type": "PolyLR", "eta_min": 1e-5, "by_epoch": False, "begin": 5, "power": 1.5},
    ],
]


@pytest.mark.parametrize("config", SINGLE, ids=lambda c: c["type"])
@pytest.mark.parametrize("epoch_length", [1, 5])
def test_each_scheduler(config: dict[str, Any], epoch_length: int) -> None:
    rows = 100
    if config["type"] == "QuadraticWarmupLR" and epoch_length == 1 and config.get("convert_to_iter_based"):
        rows = 10
    theirs = run_mmengine([config], 0.1, epoch_length, rows)
    ours = lrviz.evaluate(spec_of([config], 0.1, epoch_length), rows)
    assert_parity(str(config), ours, theirs)


@pytest.mark.parametrize("configs", LISTS, ids=[f"list{i}" for i in range(len(LISTS))])
@pytest.mark.parametrize("epoch_length", [1, 7, 10])
def test_lists(configs: list[dict[str, Any]], epoch_length: int) -> None:
    rows = 12 * epoch_length + (60 if epoch_length == 1 else 0)
    theirs = run_mmengine(configs, 0.02, epoch_length, rows)
    ours = lrviz.evaluate(spec_of(configs, 0.02, epoch_length), rows)
    assert_parity(str(configs), ours, theirs)


def test_random_cases() -> None:
    rng = np.random.default_rng(2207)
    for _ in range(40):
        kind = str(
            rng.choice(["LinearLR", "CosineAnnealingLR", "ExponentialLR", "StepLR", "PolyLR", "MultiStepLR"])
        )
        by_epoch = bool(rng.integers(2))
        begin = int(rng.integers(0, 4))
        config: dict[str, Any] = {
            "type": kind,
            "by_epoch": by_epoch,
            "begin": begin,
            "end": begin + int(rng.integers(2, 30)),
        }
        if kind == "LinearLR":
            config |= {"start_factor": float(rng.uniform(0.01, 1)), "end_factor": float(rng.uniform(0, 1))}
        elif kind == "CosineAnnealingLR":
            config |= {"T_max": int(rng.integers(1, 20)), "eta_min": float(rng.uniform(0, 0.01))}
        elif kind == "ExponentialLR":
            config["gamma"] = float(rng.uniform(0.8, 1))
        elif kind == "StepLR":
            config |= {"step_size": int(rng.integers(1, 6)), "gamma": float(rng.uniform(0.1, 0.9))}
        elif kind == "PolyLR":
            config |= {"power": float(rng.uniform(0.5, 3)), "eta_min": float(rng.uniform(0, 0.001))}
        else:
            config["milestones"] = sorted(int(m) for m in rng.integers(0, 20, size=3))
        if by_epoch and rng.integers(2):
            config["convert_to_iter_based"] = True
        warmup = {
            "type": "LinearLR",
            "start_factor": 0.01,
            "by_epoch": False,
            "end": int(rng.integers(2, 20)),
        }
        epoch_length = int(rng.integers(1, 6))
        lr = float(rng.uniform(0.001, 1))
        rows = 40 * epoch_length
        for configs in ([config], [warmup, config]):
            assert_parity(
                str(configs),
                lrviz.evaluate(spec_of(configs, lr, epoch_length), rows),
                run_mmengine(configs, lr, epoch_length, rows),
            )


def test_reduce_on_plateau() -> None:
    from lrviz.clock.grid import Metric
    from lrviz.evaluation.run import Run, evaluate_spec
    from lrviz.language.parser import parse

    rng = np.random.default_rng(5)
    epoch_length, rows = 4, 160
    metric: list[float] = list(np.repeat(1.0 + rng.uniform(0, 0.2, size=rows // epoch_length), epoch_length))
    config = {"type": "ReduceOnPlateauLR", "factor": 0.5, "patience": 2, "cooldown": 1, "min_value": 1e-3}
    theirs = run_mmengine([config], 0.1, epoch_length, rows, metric)
    run = Run(steps=rows, metric=Metric(np.arange(rows), np.array(metric)))
    ours = evaluate_spec(parse(spec_of([config], 0.1, epoch_length)), run)
    assert theirs[-1] < 0.1
    assert_parity("ReduceOnPlateauLR", ours, theirs)
