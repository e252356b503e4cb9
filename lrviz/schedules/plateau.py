"""Reduce-on-plateau: the feedback schedule of the source article, which lowers the rate when the
metric stops improving."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import Grid, Metric, Time, steps
from lrviz.limits import excerpt
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Count, Invalid, Number, Rate


def plateau_rates(
    t: Time,
    lr: float,
    *,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> Values:
    """PyTorch ReduceLROnPlateau's rule, stepped once per reported metric.

    A report improves on the best when it is below best·(1 − threshold) ('min', 'rel'), below
    best − threshold ('abs'), or above best·(1 + threshold) / best + threshold in 'max' mode. After
    more than ``patience`` reports without improvement (none counted during cooldown) the rate becomes
    max(rate·factor, min_lr), if that lowers it by more than eps. The report at the end of step s
    changes the rate from step s + 1.
    """
    metric = _reports(t, -1)
    rate, best, bad, cooling = lr, math.inf if mode == "min" else -math.inf, 0, 0
    changes: list[tuple[int, float]] = []
    for step, value in zip(metric.steps.tolist(), metric.values.tolist(), strict=True):
        if mode == "min":
            better = value < (best * (1 - threshold) if threshold_mode == "rel" else best - threshold)
        else:
            better = value > (best * (threshold + 1) if threshold_mode == "rel" else best + threshold)
        if better:
            best, bad = value, 0
        else:
            bad += 1
        if cooling > 0:
            cooling -= 1
            bad = 0
        if bad > patience:
            lowered = max(rate * factor, min_lr)
            if rate - lowered > eps:
                rate = lowered
                changes.append((step + 1, rate))
            cooling, bad = cooldown, 0
    return _held(t, lr, changes)


def _plateau_check(factor: float, **_: Any) -> None:
    if factor >= 1.0:
        raise Invalid(f"factor must be below 1, as PyTorch requires, got {excerpt(factor)}")


@schedule(
    frequency="feedback",
    quantity="exponential",
    check=_plateau_check,
)
def plateau(
    t: Time,
    lr: Rate,
    factor: Number = 0.1,
    patience: Count = 10,
    threshold: Number = 1e-4,
    threshold_mode: Literal["rel", "abs"] = "rel",
    cooldown: Count = 0,
    min_lr: Rate = 0.0,
    mode: Literal["min", "max"] = "min",
    eps: Number = 1e-8,
) -> Values:
    """Reduce on loss plateau: multiply the rate by factor when the metric stops improving.

    After more than `patience` reports without improvement on the best (by `threshold`, relative or
    absolute), rate ← max(rate·factor, min_lr); then `cooldown` reports are not counted. A metric
    reported at the end of step s changes the rate from step s + 1 (PyTorch's ReduceLROnPlateau rule).

    Args:
        lr: the rate before any reduction.
        factor: the factor of each reduction, below 1.
        patience: reports without improvement that are tolerated; the next one reduces.
        threshold: how much better than the best a report must be to count as an improvement.
        threshold_mode: 'rel' (a fraction of the best) or 'abs'.
        cooldown: reports not counted after a reduction.
        min_lr: the floor.
        mode: 'min' (a loss) or 'max' (an accuracy).
        eps: reductions smaller than this are skipped.

    Example:
        plateau(0.1, factor=0.5, patience=2)
        --epochs 40 --steps-per-epoch 10 --metric val_loss.csv

    Notes:
        The source article's example holds: with patience=2 the first two reports without improvement
        are ignored and the rate drops after the third.
    """
    return plateau_rates(
        t,
        lr,
        mode=mode,
        factor=factor,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_lr=min_lr,
        eps=eps,
    )


def keras_plateau_rates(
    t: Time,
    lr: float,
    *,
    mode: str,
    factor: float,
    patience: int,
    min_delta: float,
    cooldown: int,
    min_lr: float,
) -> Values:
    """Keras' ReduceLROnPlateau callback, on_epoch_end by on_epoch_end, the rate held in float32.

    An improvement is current + min_delta < best ('min') or current − min_delta > best ('max'), the
    first report always one. In cooldown the count of bad reports is reset; otherwise after ``patience``
    of them (>=, where PyTorch needs more than patience) the rate becomes max(rate·factor, min_lr), if
    it is above float32(min_lr).
    """
    f32 = np.float32
    metric = _reports(t, -1)
    delta = abs(min_delta)
    rate, best, wait, cooling = float(f32(lr)), None, 0, 0
    changes: list[tuple[int, float]] = []
    for step, value in zip(metric.steps.tolist(), metric.values.tolist(), strict=True):
        if cooling > 0:
            cooling -= 1
            wait = 0
        if best is None or (value + delta < best if mode == "min" else value - delta > best):
            best, wait = value, 0
        elif cooling <= 0:
            wait += 1
            if wait >= patience and rate > f32(min_lr):
                rate = float(f32(max(rate * factor, min_lr)))
                changes.append((step + 1, rate))
                cooling, wait = cooldown, 0
    return _held(t, float(f32(lr)), changes)


def optax_plateau_scales(
    t: Time,
    *,
    factor: float,
    patience: int,
    rtol: float,
    atol: float,
    cooldown: int,
    accumulation_size: int,
    min_scale: float,
) -> Values:
    """optax.contrib.reduce_on_plateau's scale, in float32 as optax holds it.

    Values are averaged over ``accumulation_size`` calls; then an improvement is avg < (1 − rtol)·best −
    atol, and the scale is multiplied by factor when the count of bad averages reaches ``patience``
    (one report sooner than PyTorch). The update that passes the value of step t is scaled by the
    result, so the value of step t already scales step t.
    """
    f32 = np.float32
    metric = _reports(t, 0)
    best, plateau, scale, cooling, count, avg = f32(np.inf), 0, f32(1.0), 0, 0, f32(0.0)
    changes: list[tuple[int, float]] = []
    for step, value in zip(metric.steps.tolist(), metric.values.tolist(), strict=True):
        avg = f32((f32(count) * avg + f32(value)) / f32(count + 1))
        count += 1
        if count != accumulation_size:
            continue
        improved = avg < f32(f32(1 - rtol) * best) - f32(atol)
        best = avg if improved else best
        current = 0 if improved else plateau + 1
        if cooling > 0:
            plateau, cooling = 0, cooling - 1
        else:
            reached = current == patience
            plateau = 0 if reached else current
            lowered = f32(max(f32(scale * f32(factor)) if reached else scale, f32(min_scale)))
            cooling = cooldown if reached else 0
            if lowered != scale:
                scale = lowered
                changes.append((step, float(scale)))
        count, avg = 0, f32(0.0)
    return _held(t, 1.0, changes)


def _reports(t: Time, through: int) -> Metric:
    """The metric reported at the end of this part's steps from its first up to ``through`` steps
    after its last (a feedback schedule's rate depends on every report before it, so it is evaluated
    over consecutive steps from its part's start)."""
    if not isinstance(t, Grid) or t.start != 0:
        raise Invalid(
            "reacts to a metric, so it is evaluated over its part from its start, not at chosen steps"
        )
    return t.reports(0, t.stop - 1 + through)


def _held(t: Time, first: float, changes: list[tuple[int, float]]) -> Values:
    """A rate that starts at ``first`` and takes each (step, rate) change from that step on."""
    starts = np.array([0] + [s for s, _ in changes], dtype=np.float64)
    rates = np.array([first] + [r for _, r in changes])
    return rates[np.searchsorted(starts, steps(t), side="right") - 1]
