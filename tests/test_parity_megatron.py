"""Parity with Megatron: OptimizerParamScheduler against the real one (megatron-core's
``optimizer_param_scheduler.py``, loaded on its own from its file: ``megatron.core``'s package import
pulls in the optimizers, which warn without Transformer Engine or Apex), driven as Megatron's training
loop drives it: the constructor's ``step(0)`` sets the rate of the first update, then
``step(increment=global batch size)`` after each update. Every decay style and WSD anneal, counted in
updates (increment 1), in samples of iteration-sized runs (every boundary a multiple of the batch) and in
samples of sample-sized runs (boundaries that fall between updates, a warm-up fraction of the decay),
over seeded random parameter sets."""

from __future__ import annotations

import importlib.util
import logging
import math
import os
import types
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, load_alone

STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
WSD_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")


def _scheduler_module() -> types.ModuleType:
    """megatron/core/optimizer_param_scheduler.py with a stand-in for the one name it imports
    (``megatron.core.utils.log_single_rank``), which is gone again afterwards."""
    spec = importlib.util.find_spec("megatron")
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install megatron-core for the parity suite", pytrace=False)
        pytest.skip("megatron-core is not installed", allow_module_level=True)
    path = os.path.join(next(iter(spec.submodule_search_locations)), "core", "optimizer_param_scheduler.py")
    if not os.path.exists(path):
        pytest.skip("megatron-core is not installed", allow_module_level=True)
    utils = types.ModuleType("megatron.core.utils")
    utils.log_single_rank = lambda logger, level, message: None  # type: ignore[attr-defined]
    stand_ins = {"megatron.core": types.ModuleType("megatron.core"), "megatron.core.utils": utils}
    return load_alone("lrviz_tests_megatron_scheduler", path, stand_ins)


megatron = _scheduler_module()
logging.getLogger("lrviz_tests_megatron_scheduler").setLevel(logging.ERROR)


class Optimizer:
    """What the scheduler touches of Megatron's optimizer: its param_groups."""

    def __init__(self) -> None:
        self.param_groups: list[dict[str, Any]] = [{}]


def run_megatron(kwargs: dict[str, Any], increment: int, updates: int) -> np.ndarray:
    optimizer = Optimizer()
    scheduler = megatron.OptimizerParamScheduler(
        optimizer, start_wd=0.01, end_wd=0.01, wd_incr_steps=1, wd_incr_style="constant", **kwargs
    )
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(1, updates):
        scheduler.step(increment=increment)
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates, dtype=np.float64)


def spec(kwargs: dict[str, Any], increment: int) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"megatron.OptimizerParamScheduler(optimizer{args}, global_batch_size={increment})"


def _random_case(
    rng: np.random.Generator, style: str, wsd: str, mode: str
) -> tuple[dict[str, Any], int, int]:
    """One parameter set: 'updates' (increment 1), 'iterations' (boundaries × the batch), or
    'samples' (boundaries in samples, a warm-up sometimes a fraction of the decay)."""
    top = float(rng.uniform(1e-4, 1.0))
    bottom = float(top * rng.uniform(0.0, 0.5)) if rng.random() < 0.8 else 0.0
    init = float(top * rng.uniform(0.0, 0.5)) if rng.random() < 0.5 else 0.0
    batch = 1 if mode == "updates" else int(rng.integers(2, 512))
    decay_iters = int(rng.integers(3, 200))
    warmup_iters = int(rng.integers(0, decay_iters)) if rng.random() < 0.8 else 0
    if mode == "samples":
        decay = int(rng.integers(3 * batch, 200 * batch))
        warmup: float = (
            float(rng.uniform(0.0, 0.5)) * decay if rng.random() < 0.5 else int(rng.integers(0, decay))
        )
        wsd_steps: float = int(rng.integers(0, decay + 1))
    else:
        decay, warmup = decay_iters * batch, warmup_iters * batch
        wsd_steps = int(rng.integers(0, decay_iters + 1)) * batch
    kwargs: dict[str, Any] = {
        "init_lr": init,
        "max_lr": top,
        "min_lr": bottom,
        "lr_warmup_steps": warmup,
        "lr_decay_steps": decay,
        "lr_decay_style": style,
    }
    if style == "WSD":
        kwargs |= {"wsd_decay_steps": wsd_steps, "lr_wsd_decay_style": wsd}
    updates = math.ceil(decay / batch) + int(rng.integers(2, 30))
    return kwargs, batch, updates


def _cases() -> list[tuple[dict[str, Any], int, int]]:
    rng = np.random.default_rng(2016)
    cases: list[tuple[dict[str, Any], int, int]] = [
        # the defaults of a short run: no warm-up, a linear decay to 0
        (
            {
                "init_lr": 0.0,
                "max_lr": 0.1,
                "min_lr": 0.0,
                "lr_warmup_steps": 0,
                "lr_decay_steps": 10,
                "lr_decay_style": "linear",
            },
            1,
            15,
        ),
        # boundaries between updates: warm-up ends after 2.5 updates, the decay after 7.25
        (
            {
                "init_lr": 1e-3,
                "max_lr": 0.1,
                "min_lr": 1e-2,
                "lr_warmup_steps": 10,
                "lr_decay_steps": 29,
                "lr_decay_style": "cosine",
            },
            4,
            12,
        ),
        # inverse square root drops to min_lr past the decay's end
        (
            {
                "init_lr": 0.0,
                "max_lr": 0.5,
                "min_lr": 0.1,
                "lr_warmup_steps": 3,
                "lr_decay_steps": 6,
                "lr_decay_style": "inverse-square-root",
            },
            1,
            10,
        ),
        # a WSD anneal longer than the decay: it starts before 0
        (
            {
                "init_lr": 0.0,
                "max_lr": 0.5,
                "min_lr": 0.0,
                "lr_warmup_steps": 2,
                "lr_decay_steps": 8,
                "lr_decay_style": "WSD",
                "wsd_decay_steps": 12,
                "lr_wsd_decay_style": "minus_sqrt",
            },
            1,
            12,
        ),
        # a WSD anneal of 0 steps: stable to the end, then min_lr
        (
            {
                "init_lr": 0.0,
                "max_lr": 0.5,
                "min_lr": 0.05,
                "lr_warmup_steps": 0,
                "lr_decay_steps": 8,
                "lr_decay_style": "WSD",
                "wsd_decay_steps": 0,
                "lr_wsd_decay_style": "exponential",
            },
            1,
            12,
        ),
    ]
    for mode in ("updates", "iterations", "samples"):
        for style in STYLES:
            for wsd in WSD_STYLES if style == "WSD" else ("exponential",):
                for _ in range(4):
                    cases.append(_random_case(rng, style, wsd, mode))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("kwargs", "increment", "updates"), CASES)
def test_optimizer_param_scheduler(kwargs: dict[str, Any], increment: int, updates: int) -> None:
    text = spec(kwargs, increment)
    assert_parity(text, lrviz.evaluate(text, updates), run_megatron(kwargs, increment, updates))


@pytest.mark.parametrize("style", STYLES)
def test_a_sample_sized_run_read_in_chunks_is_megatrons(style: str) -> None:
    """Boundaries between updates, read whole and in chunks of every size: the same bits, Megatron's."""
    from lrviz.evaluation.run import Run, series

    kwargs: dict[str, Any] = {
        "init_lr": 1e-5,
        "max_lr": 3e-4,
        "min_lr": 3e-5,
        "lr_warmup_steps": 1000.5,
        "lr_decay_steps": 20_003,
        "lr_decay_style": style,
    }
    if style == "WSD":
        kwargs |= {"wsd_decay_steps": 4001, "lr_wsd_decay_style": "exponential"}
    text, updates = spec(kwargs, 96), 300
    whole = lrviz.evaluate(text, updates)
    assert_parity(text, whole, run_megatron(kwargs, 96, updates))
    for size in (1, 7, 64):
        blocks = series(lrviz.parse(text), Run(updates), "chunked", whole=False).blocks(size)
        assert np.array_equal(np.concatenate([values for _, values in blocks]), whole), size


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("max_lr=0.1, lr_decay_steps=10, lr_decay_style='poly'", "lr_decay_style"),
        ("max_lr=0.1, lr_decay_steps=10, lr_decay_style='WSD'", "wsd_decay_steps"),
        (
            "max_lr=0.1, lr_decay_steps=10, lr_decay_style='WSD', wsd_decay_steps=2, "
            "lr_wsd_decay_style='square'",
            "lr_wsd_decay_style",
        ),
        ("lr_decay_steps=10", "max_lr"),
        ("max_lr=0.1", "lr_decay_steps"),
        ("max_lr=0.1, lr_decay_steps=10, lr_warmup_steps=10", "lr_warmup_steps"),
        ("max_lr=0.1, min_lr=0.2, lr_decay_steps=10", "max_lr"),
        ("max_lr=0.1, init_lr=0.2, lr_decay_steps=10", "init_lr"),
        ("max_lr=0.1, lr_decay_steps=0", "lr_decay_steps"),
        ("max_lr=0.1, lr_decay_steps=10, global_batch_size=0", "global_batch_size"),
    ],
)
def test_refuses_what_megatron_refuses(args: str, expected: str) -> None:
    with pytest.raises(LrvizError, match=expected):
        lrviz.evaluate(f"megatron.OptimizerParamScheduler({args})", 10)
