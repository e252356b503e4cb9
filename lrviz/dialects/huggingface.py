"""Hugging Face transformers' schedules (``transformers.optimization``, 5.23), reproduced exactly.

Every one is a PyTorch LambdaLR: row t is the optimizer's rate times the schedule's factor at step t.
The rate is ``lr=…`` in the call or ``--lr`` (transformers reads it from the optimizer).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import Time, steps
from lrviz.dialects.vocabulary import optimizer_rate
from lrviz.schedules.entry import Entry, Values, entry_of, schedule
from lrviz.schedules.kinds import Count, Invalid, Keywords, LastEpoch, Number, Rate

DECAYS = ("linear", "cosine", "1-sqrt")


def _warmup(t: Values, warmup: int) -> Values:
    """transformers' warm-up factor, float(t)/float(max(1, W)), where t < W."""
    return t / float(max(1, warmup))


def _progress(t: Values, warmup: int, total: int) -> Values:
    progress: Values = (t - warmup) / float(max(1, total - warmup))
    return progress


@schedule(name="hf.get_constant_schedule", frequency="continuous", quantity="constant", optimizer=True)
def get_constant_schedule(t: Values, last_epoch: LastEpoch = -1, *, lr: Rate | None = None) -> Values:
    """transformers' constant schedule: the optimizer's rate throughout.

    η_t = lr

    Args:
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_constant_schedule(optimizer, lr=3e-5)
    """
    return np.full(t.shape, optimizer_rate(lr))


@schedule(
    name="hf.get_constant_schedule_with_warmup", frequency="continuous", quantity="constant", optimizer=True
)
def get_constant_schedule_with_warmup(
    t: Values, num_warmup_steps: Count, last_epoch: LastEpoch = -1, *, lr: Rate | None = None
) -> Values:
    """transformers' constant schedule after a linear warm-up from 0.

    η_t = lr·t/max(1, W) for t < W, then lr.

    Args:
        num_warmup_steps: the warm-up steps W.
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_constant_schedule_with_warmup(optimizer, num_warmup_steps=100, lr=3e-5)

    Notes:
        Warm-up starts at 0: the first update has rate 0.
    """
    return optimizer_rate(lr) * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), 1.0)


@schedule(
    name="hf.get_linear_schedule_with_warmup", frequency="continuous", quantity="linear", optimizer=True
)
def get_linear_schedule_with_warmup(
    t: Values,
    num_warmup_steps: Count,
    num_training_steps: Count,
    last_epoch: LastEpoch = -1,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' linear schedule (the Trainer's default): warm up from 0, then down to 0.

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, (T − t)/max(1, T − W)).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the step T where the rate reaches 0.
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_linear_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=1000, lr=5e-5)

    Notes:
        Warm-up starts at 0, so the first update has rate 0; a run of T steps ends one step short of 0.
    """
    decay = np.maximum(0.0, (num_training_steps - t) / float(max(1, num_training_steps - num_warmup_steps)))
    return optimizer_rate(lr) * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), decay)


@schedule(
    name="hf.get_cosine_schedule_with_warmup", frequency="continuous", quantity="cosine", optimizer=True
)
def get_cosine_schedule_with_warmup(
    t: Values,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
    last_epoch: LastEpoch = -1,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' cosine schedule: warm up from 0, then a cosine with num_cycles waves.

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, ½(1 + cos(2π·num_cycles·p))), p = (t − W)/max(1, T − W).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay (0.5: down to 0 once).
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=1000, lr=5e-5)

    Notes:
        p is not clamped: past num_training_steps the rate rises again. Warm-up starts at 0.
    """
    decay = np.maximum(
        0.0,
        0.5
        * (
            1.0 + np.cos(np.pi * float(num_cycles) * 2.0 * _progress(t, num_warmup_steps, num_training_steps))
        ),
    )
    return optimizer_rate(lr) * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), decay)


@schedule(
    name="hf.get_cosine_with_hard_restarts_schedule_with_warmup",
    frequency="cyclic",
    quantity="cosine",
    optimizer=True,
)
def get_cosine_with_hard_restarts_schedule_with_warmup(
    t: Values,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Count = 1,
    last_epoch: LastEpoch = -1,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' cosine with hard restarts: num_cycles equal cosine cycles after the warm-up, then 0.

    η_t = lr·t/max(1, W) for t < W; then p = (t − W)/max(1, T − W) and lr·max(0, ½(1 + cos(π·((n·p) mod 1))))
    for p < 1, 0 after.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: the number n of cycles.
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, 100, 1000, num_cycles=3, lr=5e-5)
    """
    progress = _progress(t, num_warmup_steps, num_training_steps)
    live = progress < 1.0  # the rate is 0 from the end of training on: no waves computed there
    decay = np.zeros(t.shape)
    within = float(num_cycles) * progress[live]
    decay[live] = np.maximum(0.0, 0.5 * (1.0 + np.cos(np.pi * np.mod(within, 1.0))))
    return optimizer_rate(lr) * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), decay)


@schedule(
    name="hf.get_polynomial_decay_schedule_with_warmup",
    frequency="continuous",
    quantity="polynomial",
    optimizer=True,
    check=lambda lr_end, lr, **_: _polynomial_check(lr_end, lr),
)
def get_polynomial_decay_schedule_with_warmup(
    t: Values,
    num_warmup_steps: Count,
    num_training_steps: Count,
    lr_end: Number = 1e-7,
    power: Number = 1.0,
    last_epoch: LastEpoch = -1,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' polynomial decay: warm up from 0, then down to lr_end along a polynomial.

    η_t = lr·t/max(1, W) for t < W; (lr − lr_end)·(1 − (t − W)/(T − W))^power + lr_end up to T; lr_end after.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the step T where lr_end is reached.
        lr_end: the final rate (an absolute rate).
        power: the degree of the polynomial.
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_polynomial_decay_schedule_with_warmup(optimizer, 100, 1000, lr_end=1e-6, power=2.0, lr=5e-5)
    """
    init = optimizer_rate(lr)
    span = num_training_steps - num_warmup_steps
    if span == 0 and t.max(initial=0) >= num_warmup_steps:
        raise Invalid(
            f"num_training_steps equals num_warmup_steps ({span + num_warmup_steps}): transformers "
            "divides by zero at that step"
        )
    remaining: Values = 1 - (t - num_warmup_steps) / (span or 1)
    decay = np.where(
        t > num_training_steps, lr_end / init, ((init - lr_end) * remaining**power + lr_end) / init
    )
    return init * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), decay)


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
)
def get_inverse_sqrt_schedule(
    t: Values,
    num_warmup_steps: Count,
    timescale: Count | None = None,
    last_epoch: LastEpoch = -1,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' inverse square root: warm up from 0, then 1/√((t + τ − W)/τ).

    η_t = lr·t/max(1, W) for t < W, then lr/√((t + τ − W)/τ); τ defaults to W, or 10 000 when W = 0.

    Args:
        num_warmup_steps: the warm-up steps W.
        timescale: τ; default W, or 10 000 without warm-up.
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_inverse_sqrt_schedule(optimizer, num_warmup_steps=1000, lr=1e-3)
    """
    scale = timescale if timescale is not None else (num_warmup_steps or 10_000)
    if scale == 0:
        raise Invalid("timescale=0 divides by zero, where transformers raises ZeroDivisionError")
    decay = 1.0 / np.sqrt((t + (scale - num_warmup_steps)) / scale)
    return optimizer_rate(lr) * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), decay)


def _min_lr_rate(lr: float | None, min_lr: float | None, min_lr_rate: float | None) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise Invalid("give min_lr or min_lr_rate, not both, as transformers requires")
    if min_lr is not None:
        return min_lr / optimizer_rate(lr)
    if min_lr_rate is None:
        raise Invalid("give min_lr or min_lr_rate, as transformers requires")
    return min_lr_rate


@schedule(
    name="hf.get_cosine_with_min_lr_schedule_with_warmup",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    check=lambda min_lr, min_lr_rate, **_: _both_check(min_lr, min_lr_rate),
)
def get_cosine_with_min_lr_schedule_with_warmup(
    t: Values,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
    last_epoch: LastEpoch = -1,
    min_lr: Number | None = None,
    min_lr_rate: Number | None = None,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' cosine down to a floor: the cosine schedule, scaled into [min_lr, lr].

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, c·(1 − m) + m), c = ½(1 + cos(2π·num_cycles·p)),
    p = (t − W)/max(1, T − W), m = min_lr/lr or min_lr_rate.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay.
        last_epoch: must be -1.
        min_lr: the floor as a rate (give this or min_lr_rate).
        min_lr_rate: the floor as a fraction of lr.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_cosine_with_min_lr_schedule_with_warmup(optimizer, 100, 1000, min_lr_rate=0.1, lr=5e-5)

    Notes:
        Like the plain cosine, it rises again past num_training_steps.
    """
    floor = _min_lr_rate(lr, min_lr, min_lr_rate)
    wave = 0.5 * (
        1.0 + np.cos(np.pi * float(num_cycles) * 2.0 * _progress(t, num_warmup_steps, num_training_steps))
    )
    decay = np.maximum(0, wave * (1 - floor) + floor)
    return optimizer_rate(lr) * np.where(t < num_warmup_steps, _warmup(t, num_warmup_steps), decay)


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
)
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    t: Values,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
    last_epoch: LastEpoch = -1,
    min_lr: Number | None = None,
    min_lr_rate: Number | None = None,
    warmup_lr_rate: Number | None = None,
    *,
    lr: Rate | None = None,
) -> Values:
    """transformers' cosine_warmup_with_min_lr: a warm-up from above 0, and a cosine one step earlier.

    Warm-up: (t + 1)/max(1, W), or w + (1 − w)·t/max(1, W − 1) with warmup_lr_rate w; then
    p = (t − W + 1)/max(1, T − W) and max(0, c·(1 − m) + m), c = ½(1 + cos(2π·num_cycles·p)).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay.
        last_epoch: must be -1.
        min_lr: the floor as a rate (give this or min_lr_rate).
        min_lr_rate: the floor as a fraction of lr.
        warmup_lr_rate: the warm-up's first factor; default 1/W.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_cosine_with_min_lr_schedule_with_warmup_lr_rate(optimizer, 100, 1000, min_lr_rate=0.1, lr=5e-5)

    Notes:
        Everything is one step ahead of the other HF schedules: the peak comes at W − 1 and the floor at
        T − 1.
    """
    floor = _min_lr_rate(lr, min_lr, min_lr_rate)
    warm, total = float(num_warmup_steps), float(num_training_steps)
    if warmup_lr_rate is None:
        ramp = (t + 1.0) / max(1.0, warm)
    else:
        ramp = float(warmup_lr_rate) + (1.0 - float(warmup_lr_rate)) * t / max(1, warm - 1)
    progress = (t - warm + 1.0) / max(1.0, total - warm)
    wave = 0.5 * (1.0 + np.cos(np.pi * num_cycles * 2.0 * progress))
    decay = np.maximum(0, wave * (1 - floor) + floor)
    return optimizer_rate(lr) * np.where(t < warm, ramp, decay)


def _wsd_shape(progress: Values, kind: str, cycles: float, rising: bool) -> Values:
    if kind == "linear":
        return progress if rising else 1.0 - progress
    if kind == "cosine":
        if rising:
            return 0.5 * (1.0 - np.cos(np.pi * progress))
        return 0.5 * (1.0 + np.cos(np.pi * float(cycles) * 2.0 * progress))
    return 1.0 - np.sqrt(1.0 - progress) if rising else 1.0 - np.sqrt(progress)


def _wsd_check(num_training_steps: int | None, num_stable_steps: int | None, **_: Any) -> None:
    if num_training_steps is None and num_stable_steps is None:
        raise Invalid("give num_training_steps or num_stable_steps, as transformers requires")


@schedule(
    name="hf.get_wsd_schedule",
    frequency="continuous",
    quantity="constant, then decay",
    optimizer=True,
    check=_wsd_check,
)
def get_wsd_schedule(
    t: Values,
    num_warmup_steps: Count,
    num_decay_steps: Count,
    num_training_steps: Count | None = None,
    num_stable_steps: Count | None = None,
    warmup_type: Literal["linear", "cosine", "1-sqrt"] = "linear",
    decay_type: Literal["linear", "cosine", "1-sqrt"] = "cosine",
    min_lr_ratio: Number = 0,
    num_cycles: Number = 0.5,
    last_epoch: LastEpoch = -1,
    *,
    lr: Rate | None = None,
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
        last_epoch: must be -1.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

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
    warm = np.maximum(
        0.0,
        _wsd_shape(t / float(max(1, num_warmup_steps)), warmup_type, num_cycles, True) * (1.0 - min_lr_ratio)
        + min_lr_ratio,
    )
    decay_progress = (t - num_warmup_steps - stable) / float(max(1, num_decay_steps))
    decay = np.maximum(
        0.0, _wsd_shape(decay_progress, decay_type, num_cycles, False) * (1.0 - min_lr_ratio) + min_lr_ratio
    )
    with np.errstate(invalid="ignore"):
        factor = np.select(
            [
                t < num_warmup_steps,
                t < num_warmup_steps + stable,
                t < num_warmup_steps + stable + num_decay_steps,
            ],
            [warm, 1.0, decay],
            float(min_lr_ratio),
        )
    return optimizer_rate(lr) * factor


@schedule(
    name="hf.get_reduce_on_plateau_schedule",
    frequency="feedback",
    quantity="exponential",
    optimizer=True,
    check=lambda factor, **_: _factor_check(factor),
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
    lr: Rate | None = None,
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
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_scheduler('reduce_lr_on_plateau', optimizer,
                         scheduler_specific_kwargs={'patience': 2}, lr=5e-5)
    """
    from lrviz.schedules.plateau import plateau_rates

    return plateau_rates(
        t,
        optimizer_rate(lr),
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
    lr: Rate | None = None,
    horizon: int = 1,
) -> Values:
    """transformers' get_scheduler: the schedule the Trainer builds for an lr_scheduler_type name.

    It calls the get_*_schedule* function of that name (see each), passing scheduler_specific_kwargs.

    Args:
        name: the Trainer's lr_scheduler_type: 'linear', 'cosine', 'cosine_with_restarts', …
        num_warmup_steps: the warm-up steps.
        num_training_steps: the run length.
        scheduler_specific_kwargs: more arguments for the function, as a dict.
        lr: the optimizer's learning rate: lr=… in the call, or --lr.

    Example:
        hf.get_scheduler('cosine', optimizer, num_warmup_steps=100, num_training_steps=1000, lr=5e-5)

    Notes:
        For 'constant' and 'constant_with_warmup' scheduler_specific_kwargs are silently ignored, as
        transformers ignores them.
    """
    entry, args = _scheduler_call(name, num_warmup_steps, num_training_steps, scheduler_specific_kwargs, lr)
    rates: Values = entry.func(t if entry.takes_grid else steps(t), **args)
    return rates


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
