"""DeepSpeed's schedulers (``deepspeed.runtime.lr_schedules``, 0.19.8), reproduced.

Row t is the rate after t calls of ``scheduler.step()``, which the DeepSpeed engine makes after each
optimizer step: row 0 is what the constructor sets, and row t ≥ 1 is DeepSpeed's formula at its
``last_batch_iteration`` i = t − 1. The configs name them in ``scheduler.type`` with their
``scheduler.params``; WarmupLR's and WarmupCosineLR's base rate is the optimizer's (``lr=…``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Time, mark_each, mark_every, steps
from lrviz.dialects.vocabulary import OPTIMIZER, half_cosine, optimizer_rate, phases
from lrviz.schedules.entry import Values, group, schedule
from lrviz.schedules.kinds import Count, Invalid, LastEpoch, Number, Rate, Steps

WarmupType = Literal["log", "linear"]


@group()
def started(last_batch_iteration: LastEpoch = -1) -> None:
    """Where a resumed scheduler starts; lrviz runs every schedule from its start.

    Args:
        last_batch_iteration: must be -1.
    """


DEEPSPEED = (OPTIMIZER, started)
"""What WarmupLR and WarmupCosineLR take besides their own parameters: the optimizer's rate, which they
read, and last_batch_iteration (the others set every rate themselves and take only the latter)."""


def _positive_warmup(warmup_num_steps: int, **_: object) -> None:
    if warmup_num_steps <= 0:
        raise Invalid(
            f"warmup_num_steps must be a positive integer, as DeepSpeed requires, got {warmup_num_steps}"
        )


def _iteration(t: Values) -> Values:
    """DeepSpeed's last_batch_iteration at row t: t − 1 (−1 at row 0, where the constructor sets the rate)."""
    return t - 1.0


def _warming(warmup_type: str, warmup: int) -> Callable[[Values], Values]:
    """The warm-up's share γ(i) of the way up at iteration i < W (W at least 2): log(i + 1)/log W, or i/W."""
    if warmup_type == "log":
        inverse = 1.0 / math.log(warmup)
        return lambda i: inverse * np.log(i + 1)
    return lambda i: i / warmup


def _top(warmup_type: str, warmup: int) -> int:
    """The first row at the warm-up's top: W for 'log' (γ(W − 1) = 1), W + 1 for 'linear'."""
    return warmup if warmup_type == "log" else warmup + 1


def _warmup_rates(
    t: Time, low: float, high: float, warmup_type: str, warmup: int, after: Callable[[Values], Values]
) -> Values:
    """min + (max − min)·γ during the warm-up (row 0 is min), then ``after`` of the iteration."""
    gamma = _warming(warmup_type, warmup)
    span = high - low
    mark_each(t, [_top(warmup_type, warmup)], WARMUP_ENDS, "warmup")
    rows = steps(t)
    i = np.maximum(_iteration(rows), 0.0)  # row 0: the constructor's rate, min (γ(0) = 0 for both types)
    return np.where(i < warmup, low + span * gamma(i), after(i))


@schedule(
    name="deepspeed.WarmupLR",
    frequency="continuous",
    quantity="log or linear, then constant",
    check=_positive_warmup,
    optimizer=True,
    groups=DEEPSPEED,
)
def warmup_lr(
    t: Time,
    warmup_min_lr: Rate = 0.0,
    warmup_max_lr: Rate | None = None,
    warmup_num_steps: Count = 1000,
    warmup_type: WarmupType = "log",
    *,
    base: float | None = None,
) -> Values:
    """DeepSpeed WarmupLR: from warmup_min_lr up to warmup_max_lr over warmup_num_steps, then held.

    With W = max(2, warmup_num_steps) and i = t − 1: η = min + (max − min)·γ(i), γ = log(i + 1)/log W
    ('log', the default) or i/W ('linear') while i < W, else 1; row 0 is min.

    Args:
        warmup_min_lr: the rate the warm-up starts from.
        warmup_max_lr: the rate it reaches (default: the optimizer's).
        warmup_num_steps: the steps of the warm-up (at least 2 are taken).
        warmup_type: 'log' (the default) or 'linear'.

    Example:
        deepspeed.WarmupLR(optimizer, warmup_min_lr=0, warmup_max_lr=1e-3, warmup_num_steps=1000)
        --steps 3000

    Notes:
        The default warm-up is logarithmic: it covers half the way in √W steps, far faster than a line.
        Rows 0 and 1 are both warmup_min_lr, so with the default of 0 the first two updates change
        nothing: the example shows L001.
    """
    top = warmup_max_lr if warmup_max_lr is not None else optimizer_rate(base)
    warmup = max(2, warmup_num_steps)
    return _warmup_rates(t, warmup_min_lr, top, warmup_type, warmup, lambda i: np.full(i.shape, top))


@schedule(
    name="deepspeed.WarmupDecayLR",
    frequency="continuous",
    quantity="log or linear, then linear",
    check=_positive_warmup,
    optimizer=True,
    length=lambda args: args.get("total_num_steps"),
    groups=(started,),
)
def warmup_decay_lr(
    t: Time,
    total_num_steps: Steps,
    warmup_min_lr: Rate = 0.0,
    warmup_max_lr: Rate = 0.001,
    warmup_num_steps: Count = 1000,
    warmup_type: WarmupType = "log",
) -> Values:
    """DeepSpeed WarmupDecayLR: WarmupLR's warm-up, then a line down to 0 at total_num_steps.

    After the warm-up, with i = t − 1: η = min + (max − min)·max(0, (T − i)/max(1, T − W)).

    Args:
        total_num_steps: the steps T of the whole schedule.
        warmup_min_lr: the rate the warm-up starts from (and the decay's floor).
        warmup_max_lr: the rate it reaches (0.001 by default, not the optimizer's).
        warmup_num_steps: the steps W of the warm-up (at least 2 are taken).
        warmup_type: 'log' (the default) or 'linear'.

    Example:
        deepspeed.WarmupDecayLR(optimizer, total_num_steps=10000, warmup_max_lr=1e-3, warmup_num_steps=500)

    Notes:
        The decay reaches warmup_min_lr one row past total_num_steps (at iteration T), and its slope
        is (max − min)/(T − W) although it starts one step after the warm-up's last. As with WarmupLR,
        rows 0 and 1 are warmup_min_lr: the example shows L001.
    """
    warmup = max(2, warmup_num_steps)
    span = float(max(1.0, total_num_steps - warmup))
    return _warmup_rates(
        t,
        warmup_min_lr,
        warmup_max_lr,
        warmup_type,
        warmup,
        lambda i: (
            warmup_min_lr + (warmup_max_lr - warmup_min_lr) * np.maximum(0.0, (total_num_steps - i) / span)
        ),
    )


@schedule(
    name="deepspeed.WarmupCosineLR",
    frequency="continuous",
    quantity="log or linear, then cosine",
    check=_positive_warmup,
    optimizer=True,
    length=lambda args: args.get("total_num_steps"),
    groups=DEEPSPEED,
)
def warmup_cosine_lr(
    t: Time,
    total_num_steps: Steps,
    warmup_min_ratio: Number = 0.0,
    warmup_num_steps: Count = 1000,
    cos_min_ratio: Number = 0.0001,
    warmup_type: WarmupType = "log",
    *,
    base: float,
) -> Values:
    """DeepSpeed WarmupCosineLR: a warm-up of the optimizer's rate from a ratio of it, then a cosine.

    With i = t − 1 and W = max(2, warmup_num_steps): while i < W the ratio is m + (1 − m)·γ(i); after,
    with p = min(1, (i − W + 1)/max(1, T − W)), it is max(0, c + (1 − c)·½(1 + cos πp)); η = lr·ratio.
    Row 0 is 0.

    Args:
        total_num_steps: the steps T of the whole schedule.
        warmup_min_ratio: the warm-up's start, as a ratio m of the optimizer's rate.
        warmup_num_steps: the steps of the warm-up (at least 2 are taken).
        cos_min_ratio: the cosine's floor, as a ratio c of the optimizer's rate.
        warmup_type: 'log' (the default) or 'linear'.

    Example:
        deepspeed.WarmupCosineLR(optimizer, total_num_steps=10000, warmup_num_steps=500, lr=3e-4)

    Notes:
        The constructor sets the rate to 0, so the first update has rate 0 whatever warmup_min_ratio
        is, and with its default of 0 the second too: the example shows L001.
    """
    warmup = max(2, warmup_num_steps)
    span = max(1, total_num_steps - warmup)

    def cosine(i: Values) -> Values:
        ratio = cos_min_ratio + (1.0 - cos_min_ratio) * half_cosine(
            math.pi * np.minimum(1.0, (i - warmup + 1) / span)
        )
        return np.maximum(0.0, ratio)

    ratios = _warmup_rates(t, warmup_min_ratio, 1.0, warmup_type, warmup, cosine)  # WarmupLR's, in ratios
    return np.where(steps(t) == 0, 0.0, base * ratios)


def _one_cycle_check(cycle_first_step_size: float, cycle_second_step_size: float | None, **_: object) -> None:
    if cycle_first_step_size <= 0:
        raise Invalid(
            f"cycle_first_step_size must be positive, as DeepSpeed requires, got {cycle_first_step_size}"
        )
    if cycle_second_step_size is not None and cycle_second_step_size < 0:
        raise Invalid(
            f"cycle_second_step_size must be 0 or more, as DeepSpeed requires, got {cycle_second_step_size}"
        )


@schedule(
    name="deepspeed.OneCycle",
    frequency="cyclic",
    quantity="linear",
    check=_one_cycle_check,
    optimizer=True,
    groups=(started,),
)
def one_cycle(
    t: Time,
    cycle_min_lr: Rate,
    cycle_max_lr: Rate,
    decay_lr_rate: Number = 0.0,
    cycle_first_step_size: Number = 2000,
    cycle_second_step_size: Number | None = None,
    cycle_first_stair_count: Count = 0,
    cycle_second_stair_count: Count | None = None,
    decay_step_size: Number = 0,
    cycle_momentum: bool = True,
    cycle_min_mom: Number = 0.8,
    cycle_max_mom: Number = 0.9,
    decay_mom_rate: Number = 0.0,
) -> Values:
    """DeepSpeed OneCycle: one triangle from cycle_min_lr up to cycle_max_lr and back, then a decay.

    With b = t (DeepSpeed's last_batch_iteration + 1) and L = up + down: x = 1 + b/L − ⌊1 + b/L⌋,
    s = x/r if x ≤ r else (x − 1)/(r − 1), r = up/L; with a stair count n, s = ⌊position·n⌋/n;
    η = min + (max − min)·s while t ≤ L; after, min/(1 + decay_lr_rate·(t − L)/decay_step_size).

    Args:
        cycle_min_lr: the rate at the cycle's ends.
        cycle_max_lr: the rate at its top.
        decay_lr_rate: the decay's rate after the cycle (0: hold cycle_min_lr).
        cycle_first_step_size: the steps up.
        cycle_second_step_size: the steps down (default: as many as up).
        cycle_first_stair_count: stairs on the way up (0: a line).
        cycle_second_stair_count: stairs on the way down (default: as many as up).
        decay_step_size: the steps over which the decay's factor grows by decay_lr_rate (0: no decay).
        cycle_momentum: momentum cycling, which lrviz does not show.
        cycle_min_mom: momentum at the top (not shown).
        cycle_max_mom: momentum at the ends (not shown).
        decay_mom_rate: momentum's decay (not shown).

    Example:
        deepspeed.OneCycle(optimizer, cycle_min_lr=1e-4, cycle_max_lr=1e-2, cycle_first_step_size=1000)
        --steps 3000

    Notes:
        The stair counts are honoured from DeepSpeed 0.19.8 on (earlier versions ignored them).
    """
    up = float(cycle_first_step_size)
    down = float(cycle_second_step_size) if cycle_second_step_size is not None else up
    total = up + down
    second_stairs = cycle_first_stair_count if cycle_second_stair_count is None else cycle_second_stair_count
    mark_each(t, [up], "peak")
    ratio = up / total

    def cycling(b: Values) -> Values:
        cycle = np.floor(1 + b / total)
        x = 1.0 + b / total - cycle
        rising = x <= ratio
        scale = np.where(rising, x / ratio, (x - 1) / (ratio - 1))
        stairs = np.where(rising, cycle_first_stair_count, second_stairs)
        if (stairs > 0).any():
            within = np.mod(b, total)
            position = np.where(within <= up, within * stairs / up, (total - within) * stairs / down)
            stepped = np.floor(position) / np.where(stairs > 0, stairs, 1)
            scale = np.where(stairs > 0, stepped, scale)
        rates: Values = cycle_min_lr + (cycle_max_lr - cycle_min_lr) * scale
        return rates

    held = math.isclose(decay_lr_rate, 0) or math.isclose(decay_step_size, 0)

    def decaying(b: Values) -> Values:
        decayed: Values = cycle_min_lr / (1 + decay_lr_rate * ((b - total) / decay_step_size))
        return decayed

    # DeepSpeed cycles while its last_batch_iteration t − 1 is below L
    return phases(t, [total + 1], [cycling, cycle_min_lr if held else decaying], None if held else ["decay"])


@schedule(
    name="deepspeed.LRRangeTest",
    frequency="continuous",
    quantity="linear",
    optimizer=True,
    groups=(started,),
)
def lr_range_test(
    t: Time,
    lr_range_test_min_lr: Rate = 1e-3,
    lr_range_test_step_size: Steps = 2000,
    lr_range_test_step_rate: Number = 1.0,
    lr_range_test_staircase: bool = False,
) -> Values:
    """DeepSpeed LRRangeTest: a rate that grows linearly (or in stairs) from lr_range_test_min_lr.

    η_t = min·(1 + rate·t/step_size) (⌊t/step_size⌋ with staircase)

    Args:
        lr_range_test_min_lr: the rate at step 0.
        lr_range_test_step_size: the steps over which the rate grows by rate·min once.
        lr_range_test_step_rate: how much it grows every step_size steps, as a multiple of min.
        lr_range_test_staircase: grow in whole steps of step_size.

    Example:
        deepspeed.LRRangeTest(optimizer, lr_range_test_min_lr=1e-5, lr_range_test_step_size=100)

    Notes:
        A range test rises all run long by design: the example shows L011.
    """
    interval = steps(t) / lr_range_test_step_size
    if lr_range_test_staircase:
        mark_every(t, lr_range_test_step_size, "step up")
        interval = np.floor(interval)
    rates: Values = lr_range_test_min_lr * (1 + lr_range_test_step_rate * interval)
    return rates
