"""Hugging Face transformers' schedules (``transformers.optimization``, 5.23), reproduced exactly.

Every one is a PyTorch LambdaLR: row t is the optimizer's rate times the schedule's factor at step t.
The rate is ``lr=…`` in the call or ``--lr`` (transformers reads it from the optimizer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Time, steps
from lrviz.dialects.vocabulary import (
    LAST_EPOCH,
    OPTIMIZER,
    half_cosine,
    phases,
    progress,
    warmup_then,
)
from lrviz.schedules.entry import Entry, Values, entry_of, schedule
from lrviz.schedules.kinds import Count, Invalid, Keywords, Number

HF = (OPTIMIZER, LAST_EPOCH)
"""What every transformers schedule takes besides its own: the optimizer's rate and last_epoch."""


def _ramp(warmup: int) -> Callable[[Values], Values]:
    """transformers' warm-up factor, float(t)/float(max(1, W)), for t < W."""
    return lambda t: t / float(max(1, warmup))


def _decaying(warmup: int, total: int, cycles: float) -> Callable[[Values], Values]:
    """The cosine factor of transformers' cosine schedules: ½(1 + cos(π·cycles·2·p)), p the progress
    from the end of warm-up to ``total``."""
    return lambda t: half_cosine(np.pi * float(cycles) * 2.0 * progress(t, warmup, total - warmup))


@schedule(
    name="hf.get_constant_schedule", frequency="continuous", quantity="constant", optimizer=True, groups=HF
)
def get_constant_schedule(t: Values) -> Values:
    """transformers' constant schedule: the optimizer's rate throughout.

    η_t = lr

    Args:

    Example:
        hf.get_constant_schedule(optimizer, lr=3e-5)
    """
    return np.ones(t.shape)


@schedule(
    name="hf.get_constant_schedule_with_warmup",
    frequency="continuous",
    quantity="constant",
    optimizer=True,
    groups=HF,
)
def get_constant_schedule_with_warmup(t: Time, num_warmup_steps: Count) -> Values:
    """transformers' constant schedule after a linear warm-up from 0.

    η_t = lr·t/max(1, W) for t < W, then lr.

    Args:
        num_warmup_steps: the warm-up steps W.

    Example:
        hf.get_constant_schedule_with_warmup(optimizer, num_warmup_steps=100, lr=3e-5)

    Notes:
        Warm-up starts at 0: the first update has rate 0.
    """
    return warmup_then(t, num_warmup_steps, _ramp(num_warmup_steps), 1.0)


@schedule(
    name="hf.get_linear_schedule_with_warmup",
    frequency="continuous",
    quantity="linear",
    optimizer=True,
    groups=HF,
)
def get_linear_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
) -> Values:
    """transformers' linear schedule (the Trainer's default): warm up from 0, then down to 0.

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, (T − t)/max(1, T − W)).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the step T where the rate reaches 0.

    Example:
        hf.get_linear_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=1000, lr=5e-5)

    Notes:
        Warm-up starts at 0, so the first update has rate 0; a run of T steps ends one step short of 0.
    """
    span = float(max(1, num_training_steps - num_warmup_steps))
    return warmup_then(
        t,
        num_warmup_steps,
        _ramp(num_warmup_steps),
        lambda s: np.maximum(0.0, (num_training_steps - s) / span),
    )


@schedule(
    name="hf.get_cosine_schedule_with_warmup",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    groups=HF,
)
def get_cosine_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
) -> Values:
    """transformers' cosine schedule: warm up from 0, then a cosine with num_cycles waves.

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, ½(1 + cos(2π·num_cycles·p))), p = (t − W)/max(1, T − W).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay (0.5: down to 0 once).

    Example:
        hf.get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=1000, lr=5e-5)

    Notes:
        p is not clamped: past num_training_steps the rate rises again. Warm-up starts at 0.
    """
    wave = _decaying(num_warmup_steps, num_training_steps, num_cycles)
    return warmup_then(t, num_warmup_steps, _ramp(num_warmup_steps), lambda s: np.maximum(0.0, wave(s)))


@schedule(
    name="hf.get_cosine_with_hard_restarts_schedule_with_warmup",
    frequency="cyclic",
    quantity="cosine",
    optimizer=True,
    groups=HF,
)
def get_cosine_with_hard_restarts_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Count = 1,
) -> Values:
    """transformers' cosine with hard restarts: num_cycles equal cosine cycles after the warm-up, then 0.

    η_t = lr·t/max(1, W) for t < W; then p = (t − W)/max(1, T − W) and lr·max(0, ½(1 + cos(π·((n·p) mod 1))))
    for p < 1, 0 after.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: the number n of cycles.

    Example:
        hf.get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, 100, 1000, num_cycles=3, lr=5e-5)
    """

    def cycling(s: Values) -> Values:
        within = float(num_cycles) * progress(s, num_warmup_steps, num_training_steps - num_warmup_steps)
        return np.maximum(0.0, half_cosine(np.pi * np.mod(within, 1.0)))

    end = max(num_training_steps, num_warmup_steps + 1)  # where p reaches 1: T, or W + 1 when T ≤ W
    return warmup_then(
        t, num_warmup_steps, _ramp(num_warmup_steps), lambda s: phases(s, [end], [cycling, 0.0])
    )


@schedule(
    name="hf.get_polynomial_decay_schedule_with_warmup",
    frequency="continuous",
    quantity="polynomial",
    optimizer=True,
    check=lambda lr_end, lr, **_: _polynomial_check(lr_end, lr),
    groups=HF,
)
def get_polynomial_decay_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    lr_end: Number = 1e-7,
    power: Number = 1.0,
    *,
    base: float,
) -> Values:
    """transformers' polynomial decay: warm up from 0, then down to lr_end along a polynomial.

    η_t = lr·t/max(1, W) for t < W; (lr − lr_end)·(1 − (t − W)/(T − W))^power + lr_end up to T; lr_end after.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the step T where lr_end is reached.
        lr_end: the final rate (an absolute rate).
        power: the degree of the polynomial.

    Example:
        hf.get_polynomial_decay_schedule_with_warmup(optimizer, 100, 1000, lr_end=1e-6, power=2.0, lr=5e-5)
    """
    span = num_training_steps - num_warmup_steps

    def decay(s: Values) -> Values:
        if span == 0:
            raise Invalid(
                f"num_training_steps equals num_warmup_steps ({num_training_steps}): transformers "
                "divides by zero at that step"
            )
        remaining: Values = 1 - (s - num_warmup_steps) / span
        factor: Values = np.where(
            s > num_training_steps, lr_end / base, ((base - lr_end) * remaining**power + lr_end) / base
        )
        return factor

    return base * warmup_then(t, num_warmup_steps, _ramp(num_warmup_steps), decay)


def _polynomial_check(lr_end: float, lr: float | None) -> None:
    if lr is not None and not lr > lr_end:
        raise Invalid(
            f"lr_end ({lr_end}) must be smaller than the initial lr ({lr}), as transformers requires"
        )


@schedule(
    name="hf.get_inverse_sqrt_schedule",
    frequency="continuous",
    quantity="inverse square root",
    optimizer=True,
    groups=HF,
)
def get_inverse_sqrt_schedule(t: Time, num_warmup_steps: Count, timescale: Count | None = None) -> Values:
    """transformers' inverse square root: warm up from 0, then 1/√((t + τ − W)/τ).

    η_t = lr·t/max(1, W) for t < W, then lr/√((t + τ − W)/τ); τ defaults to W, or 10 000 when W = 0.

    Args:
        num_warmup_steps: the warm-up steps W.
        timescale: τ; default W, or 10 000 without warm-up.

    Example:
        hf.get_inverse_sqrt_schedule(optimizer, num_warmup_steps=1000, lr=1e-3)
        --steps 10000
    """
    scale = timescale if timescale is not None else (num_warmup_steps or 10_000)
    if scale == 0:
        raise Invalid("timescale=0 divides by zero, where transformers raises ZeroDivisionError")
    return warmup_then(
        t,
        num_warmup_steps,
        _ramp(num_warmup_steps),
        lambda s: 1.0 / np.sqrt((s + (scale - num_warmup_steps)) / scale),
    )


def _floor(base: float, min_lr: float | None, min_lr_rate: float | None) -> float:
    """The floor as a fraction of the rate (the check has made sure one of them is given)."""
    return min_lr / base if min_lr is not None else float(min_lr_rate or 0.0)


@schedule(
    name="hf.get_cosine_with_min_lr_schedule_with_warmup",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    check=lambda min_lr, min_lr_rate, **_: _both_check(min_lr, min_lr_rate),
    groups=(OPTIMIZER, LAST_EPOCH.placed("num_cycles")),
)
def get_cosine_with_min_lr_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
    min_lr: Number | None = None,
    min_lr_rate: Number | None = None,
    *,
    base: float,
) -> Values:
    """transformers' cosine down to a floor: the cosine schedule, scaled into [min_lr, lr].

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, c·(1 − m) + m), c = ½(1 + cos(2π·num_cycles·p)),
    p = (t − W)/max(1, T − W), m = min_lr/lr or min_lr_rate.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay.
        min_lr: the floor as a rate (give this or min_lr_rate).
        min_lr_rate: the floor as a fraction of lr.

    Example:
        hf.get_cosine_with_min_lr_schedule_with_warmup(optimizer, 100, 1000, min_lr_rate=0.1, lr=5e-5)

    Notes:
        Like the plain cosine, it rises again past num_training_steps.
    """
    floor = _floor(base, min_lr, min_lr_rate)
    wave = _decaying(num_warmup_steps, num_training_steps, num_cycles)
    return base * warmup_then(
        t, num_warmup_steps, _ramp(num_warmup_steps), lambda s: np.maximum(0, wave(s) * (1 - floor) + floor)
    )


def _both_check(min_lr: float | None, min_lr_rate: float | None) -> None:
    if min_lr is not None and min_lr_rate is not None:
        raise Invalid("give min_lr or min_lr_rate, not both, as transformers requires")
    if min_lr is None and min_lr_rate is None:
        raise Invalid("give min_lr or min_lr_rate, as transformers requires")


@schedule(
    name="hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    check=lambda min_lr, min_lr_rate, **_: _both_check(min_lr, min_lr_rate),
    groups=(OPTIMIZER, LAST_EPOCH.placed("num_cycles")),
)
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
    min_lr: Number | None = None,
    min_lr_rate: Number | None = None,
    warmup_lr_rate: Number | None = None,
    *,
    base: float,
) -> Values:
    """transformers' cosine_warmup_with_min_lr: a warm-up from above 0, and a cosine one step earlier.

    Warm-up: (t + 1)/max(1, W), or w + (1 − w)·t/max(1, W − 1) with warmup_lr_rate w; then
    p = (t − W + 1)/max(1, T − W) and max(0, c·(1 − m) + m), c = ½(1 + cos(2π·num_cycles·p)).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay.
        min_lr: the floor as a rate (give this or min_lr_rate).
        min_lr_rate: the floor as a fraction of lr.
        warmup_lr_rate: the warm-up's first factor; default 1/W.

    Example:
        hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(optimizer, 100, 1000, min_lr_rate=0.1, lr=5e-5)

    Notes:
        Everything is one step ahead of the other HF schedules: the peak comes at W − 1 and the floor at
        T − 1.
    """
    floor = _floor(base, min_lr, min_lr_rate)
    warm, total = float(num_warmup_steps), float(num_training_steps)

    def ramp(s: Values) -> Values:
        if warmup_lr_rate is None:
            return (s + 1.0) / max(1.0, warm)
        return float(warmup_lr_rate) + (1.0 - float(warmup_lr_rate)) * s / max(1, warm - 1)

    def decay(s: Values) -> Values:
        wave = half_cosine(np.pi * num_cycles * 2.0 * ((s - warm + 1.0) / max(1.0, total - warm)))
        return np.maximum(0, wave * (1 - floor) + floor)

    return base * warmup_then(t, warm, ramp, decay)


def _wsd_shape(through: Values, kind: str, cycles: float, rising: bool) -> Values:
    """transformers' WSD warm-up (``rising``) or decay shape of the progress through its phase."""
    if kind == "linear":
        return through if rising else 1.0 - through
    if kind == "cosine":
        if rising:
            return 0.5 * (1.0 - np.cos(np.pi * through))
        return half_cosine(np.pi * float(cycles) * 2.0 * through)
    return 1.0 - np.sqrt(1.0 - through) if rising else 1.0 - np.sqrt(through)


def _wsd_check(num_training_steps: int | None, num_stable_steps: int | None, **_: Any) -> None:
    if num_training_steps is None and num_stable_steps is None:
        raise Invalid("give num_training_steps or num_stable_steps, as transformers requires")


@schedule(
    name="hf.get_wsd_schedule",
    frequency="continuous",
    quantity="constant, then decay",
    optimizer=True,
    check=_wsd_check,
    groups=HF,
)
def get_wsd_schedule(
    t: Time,
    num_warmup_steps: Count,
    num_decay_steps: Count,
    num_training_steps: Count | None = None,
    num_stable_steps: Count | None = None,
    warmup_type: Literal["linear", "cosine", "1-sqrt"] = "linear",
    decay_type: Literal["linear", "cosine", "1-sqrt"] = "cosine",
    min_lr_ratio: Number = 0,
    num_cycles: Number = 0.5,
) -> Values:
    """transformers' warmup-stable-decay: warm up from min_lr_ratio, hold, decay, then hold the floor.

    S = num_stable_steps, or T − W − D. Warm-up: f(t/max(1, W))·(1 − m) + m; stable: 1; decay over D:
    g((t − W − S)/max(1, D))·(1 − m) + m; then m. f, g: linear, cosine or 1-sqrt.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_decay_steps: the decay steps D.
        num_training_steps: the run length T (or give num_stable_steps).
        num_stable_steps: the stable steps S; wins over num_training_steps.
        warmup_type: 'linear', 'cosine' or '1-sqrt'.
        decay_type: 'linear', 'cosine' or '1-sqrt'.
        min_lr_ratio: the floor m, as a fraction of lr (also where warm-up starts).
        num_cycles: cosine waves of a cosine decay.

    Example:
        hf.get_wsd_schedule(optimizer, num_warmup_steps=100, num_decay_steps=200,
                            num_training_steps=1000, lr=3e-4)

    Notes:
        The default decay is cosine, and warm-up starts at min_lr_ratio, not at 0.
    """
    if num_stable_steps is not None:
        stable = num_stable_steps
    else:
        assert num_training_steps is not None
        stable = num_training_steps - num_warmup_steps - num_decay_steps
    floor = float(min_lr_ratio)

    def warm(s: Values) -> Values:
        rising = _wsd_shape(s / float(max(1, num_warmup_steps)), warmup_type, num_cycles, True)
        return np.maximum(0.0, rising * (1.0 - floor) + floor)

    def decay(s: Values) -> Values:
        through = (s - num_warmup_steps - stable) / float(max(1, num_decay_steps))
        return np.maximum(0.0, _wsd_shape(through, decay_type, num_cycles, False) * (1.0 - floor) + floor)

    ends = [num_warmup_steps, num_warmup_steps + stable, num_warmup_steps + stable + num_decay_steps]
    return phases(
        t, ends, [warm, 1.0, decay, floor], [WARMUP_ENDS, "decay", "floor"], ["warmup"] + ["phase"] * 2
    )


@schedule(
    name="hf.get_reduce_on_plateau_schedule",
    frequency="feedback",
    quantity="exponential",
    optimizer=True,
    check=lambda factor, **_: _factor_check(factor),
    groups=(OPTIMIZER,),
)
def get_reduce_on_plateau_schedule(
    t: Time,
    mode: Literal["min", "max"] = "min",
    factor: Number = 0.1,
    patience: Count = 10,
    threshold: Number = 1e-4,
    threshold_mode: Literal["rel", "abs"] = "rel",
    cooldown: Count = 0,
    min_lr: Number = 0,
    eps: Number = 1e-8,
    *,
    base: float,
) -> Values:
    """transformers' reduce-on-plateau schedule: PyTorch's ReduceLROnPlateau with these arguments.

    See torch.ReduceLROnPlateau: after more than patience bad reports the rate is multiplied by factor.

    Args:
        mode: 'min' or 'max'.
        factor: the factor of each reduction, below 1.
        patience: bad reports tolerated; the next one reduces.
        threshold: the margin an improvement must beat.
        threshold_mode: 'rel' or 'abs'.
        cooldown: reports not counted after a reduction.
        min_lr: the floor.
        eps: reductions smaller than this are skipped.

    Example:
        hf.get_scheduler('reduce_lr_on_plateau', optimizer,
                         scheduler_specific_kwargs={'patience': 2}, lr=5e-5)
    """
    from lrviz.schedules.plateau import plateau_rates

    return plateau_rates(
        t,
        base,
        mode=mode,
        factor=factor,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_lr=min_lr,
        eps=eps,
    )


def _factor_check(factor: float) -> None:
    if factor >= 1.0:
        raise Invalid(f'factor must be below 1 (PyTorch\'s "Factor should be < 1.0."), got {factor!r}')


TRAINER_NAMES = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "inverse_sqrt": "get_inverse_sqrt_schedule",
    "cosine_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup",
    "cosine_warmup_with_min_lr": "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "warmup_stable_decay": "get_wsd_schedule",
    "reduce_lr_on_plateau": "get_reduce_on_plateau_schedule",
}
"""The Trainer's ``lr_scheduler_type`` names and the functions they call."""


def _scheduler_args(
    name: str, num_warmup_steps: int | None, num_training_steps: int | None, kwargs: dict[str, Any] | None
) -> dict[str, Any]:
    """The arguments get_scheduler passes on, with its rules about which it ignores."""
    if name == "greedy":
        raise Invalid("'greedy' (GreedyLR) is not reproduced by lrviz: it raises as well as lowers the rate")
    if name == "constant":
        return {}
    if name == "reduce_lr_on_plateau":
        return dict(kwargs or {})
    if num_warmup_steps is None:
        raise Invalid(f"{name} requires num_warmup_steps, as transformers says")
    if name == "constant_with_warmup":
        return {"num_warmup_steps": num_warmup_steps}
    args = {"num_warmup_steps": num_warmup_steps, **(kwargs or {})}
    if name == "inverse_sqrt":
        return args
    if num_training_steps is None and name != "warmup_stable_decay":
        raise Invalid(f"{name} requires num_training_steps, as transformers says")
    return {**args, "num_training_steps": num_training_steps}


@schedule(
    name="hf.get_scheduler",
    frequency="composite",
    quantity="any",
    optimizer=1,
    reacts=lambda args: args.get("name") == "reduce_lr_on_plateau",
    check=lambda name, num_warmup_steps, num_training_steps, scheduler_specific_kwargs, **_: _scheduler_check(
        name, num_warmup_steps, num_training_steps, scheduler_specific_kwargs
    ),
    groups=(OPTIMIZER,),
)
def get_scheduler(
    t: Time,
    name: Literal[
        "linear",
        "cosine",
        "cosine_with_restarts",
        "polynomial",
        "constant",
        "constant_with_warmup",
        "inverse_sqrt",
        "reduce_lr_on_plateau",
        "cosine_with_min_lr",
        "cosine_warmup_with_min_lr",
        "warmup_stable_decay",
        "greedy",
    ],
    num_warmup_steps: Count | None = None,
    num_training_steps: Count | None = None,
    scheduler_specific_kwargs: Keywords | None = None,
    *,
    base: float | None = None,
    horizon: int = 1,
) -> Values:
    """transformers' get_scheduler: the schedule the Trainer builds for an lr_scheduler_type name.

    It calls the get_*_schedule* function of that name (see each), passing scheduler_specific_kwargs.

    Args:
        name: the Trainer's lr_scheduler_type: 'linear', 'cosine', 'cosine_with_restarts', …
        num_warmup_steps: the warm-up steps.
        num_training_steps: the run length.
        scheduler_specific_kwargs: more arguments for the function, as a dict.

    Example:
        hf.get_scheduler('cosine', optimizer, num_warmup_steps=100, num_training_steps=1000, lr=5e-5)

    Notes:
        For 'constant' and 'constant_with_warmup' scheduler_specific_kwargs are silently ignored, as
        transformers ignores them.
    """
    entry, args = _scheduler_call(name, num_warmup_steps, num_training_steps, scheduler_specific_kwargs, base)
    return entry.invoke(t if entry.takes_grid else steps(t), args)


def _scheduler_call(
    name: str,
    num_warmup_steps: int | None,
    num_training_steps: int | None,
    kwargs: dict[str, Any] | None,
    lr: float | None,
) -> tuple[Entry, dict[str, Any]]:
    """The function get_scheduler calls for ``name``, and its arguments, checked."""
    args = _scheduler_args(name, num_warmup_steps, num_training_steps, kwargs)
    entry = entry_of(globals()[TRAINER_NAMES[name]])
    assert entry is not None
    return entry, entry.arguments({**args, "lr": lr})


def _scheduler_check(
    name: str, num_warmup_steps: int | None, num_training_steps: int | None, kwargs: dict[str, Any] | None
) -> None:
    _scheduler_call(name, num_warmup_steps, num_training_steps, kwargs, None)
