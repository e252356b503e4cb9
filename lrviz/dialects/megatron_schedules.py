"""Megatron's OptimizerParamScheduler (``megatron.core.optimizer_param_scheduler``, megatron-core
0.16.1), reproduced.

The scheduler counts in its own units, ``num_steps``: the constructor calls ``step(0)``, which sets the
first rate at ``num_steps = 0``, and Megatron's training loop calls ``step(increment=…)`` after each
successful update with the global batch size as the increment (micro-batches × micro-batch size ×
data-parallel ranks). So it counts samples, whether the run was sized in iterations (Megatron then
multiplies ``--lr-warmup-iters``, ``--lr-decay-iters`` and ``--lr-wsd-decay-iters`` by the global batch
size) or in samples (``--lr-warmup-samples``, ``--lr-decay-samples``, which need not be a multiple of it,
so a boundary can fall between two updates). Row t is the rate at ``num_steps = t·global_batch_size``;
with the default ``global_batch_size=1`` the steps are updates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Time, mark
from lrviz.dialects.vocabulary import Phase, half_cosine, phases
from lrviz.schedules.entry import Values, group, schedule
from lrviz.schedules.kinds import Anything, Invalid, Number, Rate, Steps

DecayStyle = Literal["constant", "linear", "cosine", "inverse-square-root", "WSD"]
WsdDecayStyle = Literal["exponential", "linear", "cosine", "minus_sqrt"]


@group()
def weight_decay(
    start_wd: Anything = None,
    end_wd: Anything = None,
    wd_incr_steps: Anything = None,
    wd_incr_style: Anything = None,
    use_checkpoint_opt_param_scheduler: Anything = True,
    override_opt_param_scheduler: Anything = False,
) -> None:
    """The weight decay the scheduler also sets, and how it resumes; lrviz shows the rate only.

    Args:
        start_wd: the weight decay at the start (not shown).
        end_wd: the weight decay at wd_incr_steps (not shown).
        wd_incr_steps: the steps over which the weight decay grows (not shown).
        wd_incr_style: 'constant', 'linear' or 'cosine' growth of the weight decay (not shown).
        use_checkpoint_opt_param_scheduler: whether a resumed run takes a checkpoint's values (ignored).
        override_opt_param_scheduler: whether a resumed run keeps the given values (ignored).
    """


def _fits(
    init_lr: float,
    max_lr: float | None,
    min_lr: float,
    lr_warmup_steps: float,
    lr_decay_steps: float | None,
    lr_decay_style: str,
    wsd_decay_steps: float | None,
    **_: object,
) -> None:
    """What Megatron's constructor asserts, and what its first decaying step would need."""
    if max_lr is None:
        raise Invalid("max_lr is missing: give the peak rate (Megatron's --lr) as max_lr=…")
    if lr_decay_steps is None:
        raise Invalid("lr_decay_steps is missing: give the steps of the decay (Megatron's --lr-decay-iters)")
    if min_lr < 0:
        raise Invalid(f"min_lr must be 0 or more, as Megatron asserts, got {min_lr}")
    if max_lr < min_lr:
        raise Invalid(f"max_lr must be at least min_lr, as Megatron asserts, got {max_lr} < {min_lr}")
    if init_lr > max_lr:
        raise Invalid(f"init_lr must be at most max_lr, as Megatron asserts, got {init_lr} > {max_lr}")
    if lr_decay_steps <= 0:
        raise Invalid(f"lr_decay_steps must be positive, as Megatron asserts, got {lr_decay_steps}")
    if lr_warmup_steps < 0:
        raise Invalid(f"lr_warmup_steps must be 0 or more, got {lr_warmup_steps}")
    if lr_warmup_steps >= lr_decay_steps:
        raise Invalid(
            "lr_warmup_steps must be below lr_decay_steps, as Megatron asserts, "
            f"got {lr_warmup_steps} ≥ {lr_decay_steps}"
        )
    if lr_decay_style == "WSD" and wsd_decay_steps is None:
        raise Invalid("the WSD style needs wsd_decay_steps=… (Megatron's --lr-wsd-decay-iters or -samples)")


def first_row_past(boundary: float, increment: int) -> int:
    """The first row t whose count t·increment is past ``boundary``: Megatron's ``num_steps > boundary``
    (t·increment is exact in float64, so the comparison is the framework's)."""
    if boundary < 0:
        return 0
    row = max(0, math.floor(boundary / increment) + 1)
    while row > 0 and (row - 1) * increment > boundary:
        row -= 1
    while row * increment <= boundary:
        row += 1
    return row


def _wsd_coefficient(style: str) -> Callable[[Values], Values]:
    """The WSD anneal's share c(r) of max − min, r its fraction done."""
    if style == "linear":
        return lambda r: 1.0 - r
    if style == "cosine":
        return lambda r: half_cosine(math.pi * r)
    if style == "exponential":
        return lambda r: 2.0 * np.power(0.5, r) - 1.0
    return lambda r: 1.0 - np.sqrt(r)


@schedule(
    name="megatron.OptimizerParamScheduler",
    frequency="continuous",
    quantity="linear, cosine, inverse square root or WSD",
    check=_fits,
    optimizer=True,
    groups=(weight_decay,),
)
def optimizer_param_scheduler(
    t: Time,
    init_lr: Rate = 0.0,
    max_lr: Rate | None = None,
    min_lr: Rate = 0.0,
    lr_warmup_steps: Number = 0,
    lr_decay_steps: Number | None = None,
    lr_decay_style: DecayStyle = "linear",
    wsd_decay_steps: Number | None = None,
    lr_wsd_decay_style: WsdDecayStyle = "exponential",
    global_batch_size: Steps = 1,
) -> Values:
    """Megatron OptimizerParamScheduler: a linear warm-up from init_lr to max_lr, then a decay to min_lr.

    With n = t·global_batch_size, W = lr_warmup_steps, D = lr_decay_steps: while W > 0 and n ≤ W,
    η = init + (max − init)·n/W. After it, 'constant' holds max; past D (n > D) every other style holds
    min; before D, with r = (n − W)/(D − W): 'linear' η = min + (max − min)(1 − r), 'cosine'
    min + (max − min)·½(1 + cos πr), 'inverse-square-root' max(min, max·√max(W, 1)/√max(n, 1)), and
    'WSD' holds min + (max − min) until n > D − S (S = wsd_decay_steps), then anneals with
    r' = (n − D + S)/S: c = 2·0.5^r' − 1 ('exponential'), 1 − r' ('linear'), ½(1 + cos πr')
    ('cosine') or 1 − √r' ('minus_sqrt'); η = min + (max − min)·c.

    Args:
        init_lr: the rate the warm-up starts from (--lr-warmup-init).
        max_lr: the peak rate (--lr).
        min_lr: the rate the decay ends at (--min-lr).
        lr_warmup_steps: the warm-up's length W, in the scheduler's steps (samples, in Megatron's runs).
        lr_decay_steps: where the decay ends, D, counted from the start (not from the warm-up's end).
        lr_decay_style: 'constant', 'linear', 'cosine', 'inverse-square-root' or 'WSD'.
        wsd_decay_steps: the anneal's length S at the end of a WSD decay.
        lr_wsd_decay_style: the WSD anneal's shape: 'exponential', 'linear', 'cosine' or 'minus_sqrt'.
        global_batch_size: what Megatron's training loop adds to the scheduler's count after each update
            (lrviz's own parameter: 1 counts updates; the run's global batch size counts samples, as
            Megatron does).

    Example:
        megatron.OptimizerParamScheduler(optimizer, init_lr=0.0, max_lr=3e-4, min_lr=3e-5,
        lr_warmup_steps=100, lr_decay_steps=1000, lr_decay_style='cosine')
        --steps 1200

    Notes:
        The warm-up starts at init_lr, 0 by default, so the first update has rate 0 then: the example
        shows L001. The warm-up holds its end, n = W, where it reaches max; the decay starts after it.
        'inverse-square-root' drops to min_lr past D, where its own formula would still be above it;
        'constant' ignores D. The WSD anneal's default, exponential, comes from Megatron's command line
        (the constructor's default, None, fails at the anneal's first step); an exponential anneal ends
        at min, as 2·0.5¹ − 1 = 0. Updates that Megatron skips (a loss-scale overflow) do not step the
        scheduler, and a batch-size ramp-up (--rampup-batch-size) steps by the batch size of the time:
        lrviz steps every update by global_batch_size. Parameter groups with their own max_lr/min_lr
        (--decoupled-lr) follow the same shape with their own rates: lrviz shows one group.
    """
    assert max_lr is not None  # _fits refuses either missing
    assert lr_decay_steps is not None
    top, bottom, warmup, decay = max_lr, min_lr, lr_warmup_steps, lr_decay_steps
    increment = global_batch_size
    delta = top - bottom

    def count(rows: Values) -> Values:
        samples: Values = rows * float(increment)
        return samples

    def warming(rows: Values) -> Values:
        rates: Values = init_lr + (top - init_lr) * count(rows) / float(warmup)
        return rates

    def decaying(coefficient: Callable[[Values], Values]) -> Phase:
        span = float(decay - warmup)
        return lambda rows: bottom + coefficient((count(rows) - warmup) / span) * delta

    def inverse_square_root(rows: Values) -> Values:
        scaled = top * np.power(float(max(warmup, 1)), 0.5) / np.power(np.maximum(count(rows), 1.0), 0.5)
        rates: Values = np.maximum(bottom, scaled)
        return rates

    edges: list[float] = []
    parts: list[Phase] = []
    marks: list[tuple[float, str, str]] = []
    if warmup > 0:
        edges.append(first_row_past(warmup, increment))
        parts.append(warming)
        # the warm-up's last row, n = W, reaches max: the warm-up ends there, not a row later
        marks.append((warmup / increment, WARMUP_ENDS, "warmup"))
    if lr_decay_style == "constant":
        parts.append(top)
    else:
        if lr_decay_style == "linear":
            parts.append(decaying(lambda r: 1.0 - r))
        elif lr_decay_style == "cosine":
            parts.append(decaying(lambda r: half_cosine(math.pi * r)))
        elif lr_decay_style == "inverse-square-root":
            parts.append(inverse_square_root)
        else:
            assert wsd_decay_steps is not None  # _fits asks for it
            anneal_start = decay - wsd_decay_steps
            stable = bottom + 1.0 * delta
            coefficient = _wsd_coefficient(lr_wsd_decay_style)

            def annealing(rows: Values) -> Values:
                rates: Values = (
                    bottom + coefficient((count(rows) - anneal_start) / float(wsd_decay_steps)) * delta
                )
                return rates

            edges.append(first_row_past(anneal_start, increment))
            parts += [stable, annealing]
            marks.append((max(edges), "anneal", "phase"))
        edges.append(first_row_past(decay, increment))
        parts.append(bottom)
        # the decay reaches min at n = D, except inverse-square-root's, which drops to it a row later
        ends = edges[-1] if lr_decay_style == "inverse-square-root" else decay / increment
        marks.append((ends, "decay ends", "phase"))
    rates = phases(t, edges, parts)
    for step, what, kind in marks:
        if step > 0:
            mark(t, step, what, kind)
    return rates
