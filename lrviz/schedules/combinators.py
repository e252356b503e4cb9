"""Schedules built from other schedules: sequences, warm-up and restarts.

A child schedule is evaluated only on its own steps, on its own clock (local time from 0) and with its
own horizon, so that nothing outside its part can overflow or leak into it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from lrviz.clock.grid import Grid, Time, join, per_cycle, tiled, warmed_up
from lrviz.limits import excerpt
from lrviz.schedules.entry import Schedule, Values, schedule
from lrviz.schedules.kinds import Factor, Invalid, Milestones, Rate, Steps, Warmup, fraction_of

RESTART = "restart"
"""The mark of a cycle's start."""


def _starts(parts: tuple[Schedule, ...], at: list[int] | None) -> list[int]:
    """Where each part starts: ``at`` as given, or each part after the previous one's length."""
    if at is not None:
        return [0, *at]
    starts = [0]
    for part in parts[:-1]:
        if part.length is None:
            raise Invalid(
                f"the left side of >> must have a length, and {excerpt(part.source)} runs to the end of "
                "the run: give it steps=…, or use seq(…, at=[…]) to say where the next part starts"
            )
        starts.append(starts[-1] + part.length)
    return starts


def _seq_check(parts: tuple[Schedule, ...], at: list[int] | None, **_: Any) -> None:
    if not parts:
        raise Invalid("seq needs at least one schedule")
    if at is not None and len(at) != len(parts) - 1:
        raise Invalid(f"at needs {len(parts) - 1} switch steps for {len(parts)} schedules, got {len(at)}")
    _starts(parts, at)


def _seq_length(args: Mapping[str, Any]) -> int | None:
    if args.get("steps") is not None:
        return int(args["steps"])
    parts = args["parts"]
    last = parts[-1].length if parts else None
    if last is None:
        return None
    try:
        return int(_starts(parts, args.get("at"))[-1] + last)
    except Invalid:
        return None


def _segments(horizon: int, parts: tuple[Schedule, ...], at: list[int] | None) -> list[tuple[int, int]]:
    """(start, horizon) of each part; a part's horizon runs to the next part's start."""
    starts = _starts(parts, at)
    ends = [*starts[1:], horizon]
    return [(start, end - start) for start, end in zip(starts, ends, strict=True)]


@schedule(frequency="composite", quantity="any", length=_seq_length, check=_seq_check)
def seq(t: Time, *parts: Schedule, at: Milestones | None = None, steps: Steps | None = None) -> Values:
    """Run schedules one after another, each on its own clock: ``a >> b`` is ``seq(a, b)``.

    Part i runs from its start s_i on local time t − s_i, with a horizon up to the next start (the last
    part: to the end). Without ``at`` each part starts where the previous one's length ends.

    Args:
        parts: the schedules, in order.
        at: the steps where each later part starts (PyTorch SequentialLR's milestones).
        steps: the length of the whole sequence; default the rest of the run.

    Example:
        seq(linear(0, 0.1), cosine(0.1), at=[500])
    """
    assert steps is not None
    segments = _segments(steps, parts, at)
    return join(
        t,
        [start for start, _ in segments],
        [
            functools.partial(part.evaluate, horizon=max(length, 1))
            for part, (_, length) in zip(parts, segments, strict=True)
        ],
        [f"part {i + 1} starts" for i in range(1, len(parts))],
    )


def _warmup_length(args: Mapping[str, Any]) -> int | None:
    if args.get("steps") is not None:
        return int(args["steps"])
    schedule = args.get("schedule")
    warmup, length = args.get("warmup"), schedule.length if schedule is not None else None
    return warmup + length if isinstance(warmup, int) and length is not None else None


@schedule(frequency="composite", quantity="linear, then any", length=_warmup_length)
def warmup(
    t: Time,
    schedule: Schedule,
    warmup: Warmup,
    warmup_start: Rate = 0.0,
    steps: Steps | None = None,
) -> Values:
    """A linear warm-up from warmup_start to where the schedule starts, then the schedule.

    η_t = s + (η'_0 − s)·t/W for t < W, then η'_{t−W}: the schedule η' runs after the warm-up with the
    rest of the horizon. ``cosine(0.1, warmup=5)`` is ``warmup(cosine(0.1), 5)``.

    Args:
        schedule: the schedule to warm up into.
        warmup: the warm-up length: whole steps, or a fraction of `steps` below 1.
        warmup_start: the rate at step 0.
        steps: the length of warm-up and schedule together; default the rest of the run.

    Example:
        warmup(restarts(cosine(0.1), period=1000), 500)
        --steps 2500
    """
    assert steps is not None
    steps_up = fraction_of(warmup, steps)
    return warmed_up(
        t, steps_up, warmup_start, lambda local: schedule.evaluate(local, max(steps - steps_up, 1))
    )


def _restart_period(schedule: Schedule, period: int | None) -> int:
    period = period or schedule.length
    if period is None:
        raise Invalid(
            f"restarts needs period=…, or a schedule with steps=… ({excerpt(schedule.source)} has none)"
        )
    return period


def _cycle_starts(period: int, mult: int, until: float) -> Values:
    """The step where each cycle starts, up to the first past ``until``: cycle k is period·mult^k long
    (mult > 1)."""
    starts = [0]
    while starts[-1] <= until:
        starts.append(starts[-1] + period * mult ** (len(starts) - 1))
    return np.array(starts, dtype=np.float64)


def _restarts_check(schedule: Schedule, period: int | None, **_: Any) -> None:
    _restart_period(schedule, period)
    if any(getattr(node, "reacts", False) for node in schedule.walk()):
        raise Invalid("restarts cannot repeat a feedback schedule: its metric runs on, it does not restart")


@schedule(
    frequency="cyclic",
    quantity="any",
    matches=(
        "torch.CosineAnnealingWarmRestarts (restarts(cosine(lr, min_lr), period=T_0, mult=T_mult))",
        "keras.CosineDecayRestarts (with decay=m_mul)",
    ),
    length=lambda args: None,
    check=_restarts_check,
)
def restarts(
    t: Time, schedule: Schedule, period: Steps | None = None, mult: Steps = 1, decay: Factor = 1.0
) -> Values:
    """Restart a schedule every cycle (SGDR, when the schedule is a cosine): warm restarts.

    Cycle k lasts P·mult^k steps and starts at P·(mult^k − 1)/(mult − 1) (k·P when mult = 1); in it the
    schedule runs on local time with that cycle length as its horizon, scaled by decay^k.

    Args:
        schedule: the schedule each cycle runs.
        period: the first cycle's length P; default the schedule's own steps.
        mult: the factor each cycle grows by (PyTorch's T_mult), a whole number.
        decay: the factor each cycle's rates shrink by.

    Example:
        restarts(cosine(0.1, min_lr=1e-4), period=10, mult=2)
        --steps 310
    """
    period = _restart_period(schedule, period)
    if mult == 1:
        if isinstance(t, Grid):
            return _repeated(t, schedule, period, decay)
        cycle = np.floor(t / period)
        out = schedule.evaluate(t - cycle * period, period)
        return out * decay**cycle if decay != 1 else out
    top = t.stop - 1 if isinstance(t, Grid) else float(t.max())
    starts = _cycle_starts(period, mult, top).tolist()

    def scaled(k: int) -> Any:
        return lambda local: schedule.evaluate(local, period * mult**k) * (decay ** float(k))

    return join(t, starts, [scaled(k) for k in range(len(starts))], RESTART)


def _repeated(t: Grid, schedule: Schedule, period: int, decay: float) -> Values:
    """The cycles of ``restarts`` with a fixed period over a grid: one cycle evaluated, then repeated."""
    out = tiled(t, period, lambda local: schedule.evaluate(local, period), RESTART)
    return out * per_cycle(t, period, lambda k: decay**k) if decay != 1 else out
