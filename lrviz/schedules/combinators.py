"""Schedules built from other schedules: sequences, warm-up and restarts.

A child schedule is evaluated only on its own steps, on its own clock (local time from 0) and with its
own horizon, so that nothing outside its part can overflow or leak into it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import Grid, Time, join, per_cycle, tiled
from lrviz.clock.grid import steps as steps_of
from lrviz.clock.ramps import RampError, cooled_down, warmed_up
from lrviz.clock.ramps import Warmup as Warmup_
from lrviz.limits import excerpt
from lrviz.schedules.entry import Schedule, Values, schedule
from lrviz.schedules.kinds import (
    Factor,
    Invalid,
    Milestones,
    Number,
    Rate,
    Steps,
    StepsOrFraction,
    Warmup,
    fraction_of,
)

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
    if length is None or not isinstance(warmup, int):
        return None
    return int(warmup + length if args.get("warmup_mode", "prefix") == "prefix" else length)


@schedule(frequency="composite", quantity="any, warmed up", length=_warmup_length)
def warmup(
    t: Time,
    schedule: Schedule,
    warmup: Warmup,
    warmup_start: Rate = 0.0,
    warmup_shape: Literal["linear", "power", "log", "exp", "constant"] = "linear",
    warmup_power: Factor = 2.0,
    warmup_mode: Literal["prefix", "overlay", "meet", "multiply"] = "prefix",
    steps: Steps | None = None,
) -> Values:
    """A warm-up from warmup_start into the schedule: before it, over its first steps, or multiplying it.

    With u = t/W: η_t = s + (η'_0 − s)·r(u) for t < W, then η'_{t−W} ('prefix': the schedule runs after
    the warm-up with the rest of the horizon); 'overlay' rises to the schedule's first rate η'_0 and
    'meet' to its rate where the warm-up ends η'_W, then both give η'_t, the schedule on the run's
    clock; 'multiply' gives η'_t·(s/η'_0 + (1 − s/η'_0)·r(u)). r(u) = u ('linear'), u^k ('power'),
    log(t + 1)/log W ('log'), 0 ('constant'); 'exp' rises s·(η'_0/s)^u.
    ``cosine(0.1, warmup=5)`` is ``warmup(cosine(0.1), 5)``.

    Args:
        schedule: the schedule to warm up into.
        warmup: the warm-up length: whole steps, or a fraction of `steps` below 1.
        warmup_start: the rate at step 0.
        warmup_shape: how the warm-up rises: 'linear', 'power', 'log' (DeepSpeed's), 'exp' or
            'constant' (held at warmup_start).
        warmup_power: the power k of a 'power' warm-up (2: quadratic).
        warmup_mode: 'prefix', 'overlay' (timm's non-prefix warm-up, BERT's), 'meet'
            (detectron2's WarmupParamScheduler) or 'multiply' (detectron2's WarmupMultiStepLR).
        steps: the length of warm-up and schedule together; default the rest of the run.

    Example:
        warmup(multistep(0.1, [600, 800]), 100, warmup_mode='multiply', warmup_start=0.001)
        --steps 1000
    """
    assert steps is not None
    ramp = Warmup_(fraction_of(warmup, steps), warmup_start, warmup_shape, warmup_power, warmup_mode)
    rest = max(steps - ramp.steps, 1) if ramp.carved else steps
    try:
        return warmed_up(t, ramp, lambda local: schedule.evaluate(local, rest))
    except RampError as error:
        raise Invalid(str(error)) from None


@schedule(frequency="composite", quantity="any, cooled down")
def cooldown(
    t: Time,
    schedule: Schedule,
    cooldown: StepsOrFraction,
    cooldown_shape: Literal["linear", "cosine", "1-sqrt"] = "linear",
    steps: Steps | None = None,
) -> Values:
    """End a schedule with a cool-down: its last C steps multiplied by a factor falling to 0.

    With S = steps and q = (t − (S − C))/C: η_t = η'_t·f, f = min(1, (S − t)/C) ('linear', big_vision's
    rsqrt with cool-down), (1 + cos πq)/2 ('cosine') or 1 − √q ('1-sqrt'); f = 0 from S on.

    Args:
        schedule: the schedule to cool down.
        cooldown: the cool-down's length C: whole steps, or a fraction of `steps`.
        cooldown_shape: how the factor falls: 'linear', 'cosine' or '1-sqrt'.
        steps: the length of the schedule, cool-down included; default the rest of the run.

    Example:
        cooldown(noam(512, warmup=4000), 0.1)
        --steps 40000
    """
    assert steps is not None
    length = fraction_of(cooldown, steps)
    if length > steps:
        raise Invalid(f"cooldown ({length} steps) must fit in the schedule ({steps} steps)")
    return cooled_down(t, schedule.evaluate(t, steps), steps, length, cooldown_shape)


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
        "timm.CosineLRScheduler's cycles (with decay=cycle_decay, keep_end=True, cycles=cycle_limit)",
    ),
    length=lambda args: None,
    check=_restarts_check,
)
def restarts(
    t: Time,
    schedule: Schedule,
    period: Steps | None = None,
    mult: Steps = 1,
    decay: Factor = 1.0,
    keep_end: bool = False,
    cycles: Steps | None = None,
) -> Values:
    """Restart a schedule every cycle (SGDR, when the schedule is a cosine): warm restarts.

    Cycle k lasts P·mult^k steps and starts at P·(mult^k − 1)/(mult − 1) (k·P when mult = 1); in it the
    schedule runs on local time with that cycle length as its horizon, scaled by decay^k — or, with
    keep_end, only its excursion above its end rate e: e + (η − e)·(p·decay^k − e)/(p − e), p its first
    rate, so that each cycle starts decay^k lower and ends where the first does. After ``cycles``
    cycles the last cycle's end rate holds.

    Args:
        schedule: the schedule each cycle runs.
        period: the first cycle's length P; default the schedule's own steps.
        mult: the factor each cycle grows by (PyTorch's T_mult), a whole number.
        decay: the factor each cycle's rates shrink by.
        keep_end: shrink only each cycle's rise above its end rate (timm's cycle_decay keeps lr_min).
        cycles: the number of cycles, after which the end rate holds (timm's cycle_limit).

    Example:
        restarts(cosine(0.1, min_lr=1e-4), period=10, mult=2)
        --steps 310
    """
    period = _restart_period(schedule, period)
    if cycles is not None:
        end = period * cycles if mult == 1 else period * (mult**cycles - 1) // (mult - 1)
        last = period * mult ** (cycles - 1)
        settled = float(_cycle_rate(schedule, last, cycles - 1, decay, keep_end, np.array([float(last)]))[0])
        return join(
            t,
            [0, end],
            [
                lambda local: restarts(local, schedule, period, mult, decay, keep_end),
                lambda local: np.full(local.shape, settled),
            ],
            "cycles end",
        )
    if mult == 1:
        if isinstance(t, Grid) and not keep_end:
            return _repeated(t, schedule, period, decay)
        if isinstance(t, Grid):
            rates = tiled(t, period, lambda local: schedule.evaluate(local, period), RESTART)
            cycle = per_cycle(t, period, lambda k: k)
        else:
            cycle = np.floor(t / period)
            rates = schedule.evaluate(t - cycle * period, period)
        return rates if decay == 1 else _decayed(schedule, period, rates, decay**cycle, keep_end)
    top = t.stop - 1 if isinstance(t, Grid) else float(t.max(initial=0))
    starts = _cycle_starts(period, mult, top).tolist()

    def scaled(k: int) -> Any:
        return lambda local: _cycle_rate(schedule, period * mult**k, k, decay, keep_end, local)

    return join(t, starts, [scaled(k) for k in range(len(starts))], RESTART)


def _cycle_rate(schedule: Schedule, length: int, k: int, decay: float, keep_end: bool, local: Time) -> Values:
    """The rates of cycle ``k`` (``length`` steps) at its local steps."""
    rates = schedule.evaluate(local, length)
    return _decayed(schedule, length, rates, decay ** float(k), keep_end)  # an overflow raises here


def _decayed(
    schedule: Schedule, length: int, rates: Values, factor: Values | float, keep_end: bool
) -> Values:
    """A cycle's rates shrunk by ``factor`` (decay^k, k its number): all of them, or (``keep_end``)
    their rise above the cycle's end rate."""
    if not keep_end:
        return rates if isinstance(factor, float) and factor == 1 else rates * factor
    first, end = (float(x) for x in schedule.evaluate(np.array([0.0, float(length)]), length))
    if first == end:
        return rates
    kept: Values = end + (rates - end) * ((first * factor - end) / (first - end))
    return kept


def _repeated(t: Grid, schedule: Schedule, period: int, decay: float) -> Values:
    """The cycles of ``restarts`` with a fixed period over a grid: one cycle evaluated, then repeated."""
    out = tiled(t, period, lambda local: schedule.evaluate(local, period), RESTART)
    return out * per_cycle(t, period, lambda k: decay**k) if decay != 1 else out


def _ticks(value: float) -> int:
    """A count of a clock's units, rounded up (to 9 decimals first, as :func:`fraction_of` does)."""
    return max(math.ceil(round(value, 9)), 0)


def _clock_length(args: Mapping[str, Any]) -> int | None:
    if args.get("steps") is not None:
        return int(args["steps"])
    schedule = args.get("schedule")
    length = schedule.length if schedule is not None else None
    if length is None:
        return None
    if args.get("time") is not None:
        return None  # the steps a clock of any shape takes to reach the length: not known in advance
    per, every, shift = args.get("per", 1.0), args.get("every", 1.0), args.get("shift", 0.0)
    return _ticks(every * _ticks((length - shift) / per))


def _clock_check(
    schedule: Schedule, per: float, every: float, shift: float, time: Schedule | None, **_: Any
) -> None:
    if time is not None and (per != 1 or every != 1 or shift != 0):
        raise Invalid("give time=… alone: it is the whole clock, and per, every and shift would be ignored")
    moved = per != 1 or every != 1 or shift != int(shift) or time is not None
    if moved and any(getattr(node, "reacts", False) for node in schedule.walk()):
        raise Invalid(
            "clock can only shift a feedback schedule by whole steps: its metric is reported once an update"
        )


@schedule(frequency="composite", quantity="any, on its own clock", length=_clock_length, check=_clock_check)
def clock(
    t: Time,
    schedule: Schedule,
    per: Factor = 1.0,
    every: Factor = 1.0,
    shift: Number = 0.0,
    time: Schedule | None = None,
    steps: Steps | None = None,
) -> Values:
    """Run a schedule on another clock: samples, tokens, whole or fractional epochs, a 1-based count.

    The schedule's time at update t is τ_t = max(shift + per·⌊t/every⌋, 0), and its horizon is τ at the
    end of the part. per=512: its steps count samples at 512 a batch (Megatron's --lr-decay-samples);
    every=E: it steps once an epoch inside a run of updates (E is the updates in an epoch); per=1/E:
    fractional epochs (PyTorch's scheduler.step(epoch + i/iters)); shift=1: a 1-based clock. ``time``
    gives τ_t outright, as an expression in t, for a clock no other setting describes (a batch that
    grows, accumulation that restarts every epoch).

    Args:
        schedule: the schedule, with its lengths in its own clock's units.
        per: how far its clock advances each tick.
        every: the updates a tick takes (a fraction too: 781.25).
        shift: where its clock starts, in its own units.
        time: τ_t as an expression in t, instead of per, every and shift (its horizon: τ at the end).
        steps: the length of the part in updates; default the schedule's length on this clock, or
            the rest of the run.

    Example:
        linear(0, 0.1, steps=500) >> clock(cosine(0.1, steps=9), every=500)
        --steps 5000
    """
    assert steps is not None
    if time is not None:
        times = time.evaluate(steps_of(t), steps)
        end = float(time.evaluate(np.array([float(steps)]), steps)[0])
        return schedule.evaluate(times, max(_ticks(end), 1) if math.isfinite(end) else 1)
    horizon = max(_ticks(shift + per * math.floor(round(steps / every, 9))), 1)
    if isinstance(t, Grid) and per == 1 and every == 1 and shift == int(shift) and shift >= 0:
        return schedule.evaluate(t - (-int(shift)), horizon)  # the same steps later: marks stay aligned
    at = steps_of(t)
    ticks = np.floor(at / every) if every != 1 else at
    if every != 1 and at.size:
        ticks, back = np.unique(ticks, return_inverse=True)
        times = np.maximum(shift + per * ticks, 0.0)
        return schedule.evaluate(times, horizon)[back.reshape(-1)]
    return schedule.evaluate(np.maximum(shift + per * ticks, 0.0), horizon)
