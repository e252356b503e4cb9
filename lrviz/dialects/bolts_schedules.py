"""Lightning Bolts' scheduler (``pl_bolts.optimizers.lr_scheduler``, lightning-bolts 0.7.0), reproduced
as it computes, float quirks included.

Row t is what ``get_last_lr()`` holds after t calls of ``scheduler.step()`` (``last_epoch`` = t): row 0
is what the constructor sets. Bolts steps it once an epoch in its examples, and its docstring advises
once an iteration: its unit is whichever the loop gives it, and lrviz's rows are in that unit. Its rate
comes from the optimizer: ``lr=…`` in the call or ``--lr``.

``LinearWarmupCosineAnnealingLR.get_lr`` is PyTorch's chainable form: each rate is computed from the
previous one (an increment a warm-up step, a ratio of cosines a decay step), not from the step. lrviz
follows the same recursion, so its rates drift from the closed form just as Bolts' do.
"""

from __future__ import annotations

import math

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Time, mark_each, steps
from lrviz.dialects.vocabulary import LAST_EPOCH, OPTIMIZER
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Count, Invalid, Rate, Steps

BOLTS = (OPTIMIZER, LAST_EPOCH)
"""What Bolts' scheduler takes besides its own parameters: the optimizer's rate and last_epoch."""


def _longer_than_warmup(warmup_epochs: int, max_epochs: int, **_: object) -> None:
    if max_epochs <= warmup_epochs:
        raise Invalid(
            f"max_epochs ({max_epochs}) must be greater than warmup_epochs ({warmup_epochs}): Bolts divides "
            "by max_epochs − warmup_epochs"
        )


def _chained(top: int, warmup: int, total: int, start: float, base: float, floor: float) -> Values:
    """The rates of steps 0 … top as get_lr chains them, each from the one before."""
    rates = np.empty(top + 1)
    rates[0] = start
    ramp_end = min(warmup - 1, top)
    if ramp_end >= 1:  # η_e = η_{e−1} + (lr − start)/(W − 1), added one step at a time
        increments = np.full(ramp_end + 1, (base - start) / (warmup - 1))
        increments[0] = start
        rates[: ramp_end + 1] = np.cumsum(increments)
    if warmup >= 1 and top >= warmup:
        rates[warmup] = base
    span = total - warmup
    period = 2 * span
    rise = (base - floor) * (1 - math.cos(math.pi / span)) / 2
    step = warmup + 1
    while step <= top:
        if (step - 1 - total) % period == 0:  # where the ratio's denominator would be 0: an increment
            rates[step] = rates[step - 1] + rise
            step += 1
            continue
        last = min(step + (total + 1 - step) % period - 1, top)
        k = np.arange(step, last + 1, dtype=np.float64) - warmup
        ratios = (1 + np.cos(np.pi * k / span)) / (1 + np.cos(np.pi * (k - 1) / span))
        # η_e = ratio·(η_{e−1} − η_min) + η_min: the running product, in the recursion's order
        chain = np.cumprod(np.concatenate(([rates[step - 1] - floor], ratios)))
        rates[step : last + 1] = chain[1:] + floor
        step = last + 1
    return rates


@schedule(
    name="bolts.LinearWarmupCosineAnnealingLR",
    frequency="continuous",
    quantity="linear, then cosine",
    check=_longer_than_warmup,
    optimizer=True,
    history=True,
    length=lambda args: args.get("max_epochs"),
    groups=BOLTS,
)
def linear_warmup_cosine_annealing_lr(
    t: Time,
    warmup_epochs: Count,
    max_epochs: Steps,
    warmup_start_lr: Rate = 0.0,
    eta_min: Rate = 0.0,
    *,
    base: float,
) -> Values:
    """Lightning Bolts LinearWarmupCosineAnnealingLR: a line up from warmup_start_lr, then a cosine.

    With W = warmup_epochs, M = max_epochs, P = M − W: η_0 = warmup_start_lr;
    η_e = η_{e−1} + (lr − start)/(W − 1) for 0 < e < W; η_W = lr; after it,
    η_e = η_min + (η_{e−1} − η_min)·(1 + cos(π(e − W)/P))/(1 + cos(π(e − W − 1)/P)), except that
    η_e = η_{e−1} + (lr − η_min)(1 − cos(π/P))/2 where (e − 1 − M) mod 2P = 0. In closed form:
    start + e·(lr − start)/(W − 1) while e < W, then η_min + (lr − η_min)·½(1 + cos(π(e − W)/P)).

    Args:
        warmup_epochs: the steps W of the warm-up (its top is reached at W − 1, and held at W).
        max_epochs: the step M where the cosine reaches eta_min.
        warmup_start_lr: the rate the warm-up starts from.
        eta_min: the cosine's floor (an absolute rate).

    Example:
        bolts.LinearWarmupCosineAnnealingLR(optimizer, warmup_epochs=10, max_epochs=100, lr=0.02)
        --steps 100

    Notes:
        The warm-up climbs in W − 1 steps, so lr is reached at step W − 1 and used twice (W − 1 and W),
        one step before torch.LinearLR with total_iters=W would reach it. Rates are chained, each
        from the last, so they differ from the closed form in the last bits, growing with the step.
        Past max_epochs the cosine rises again (period 2(M − W)). With the default warmup_start_lr
        of 0 the first update has rate 0 (L001).
    """
    if warmup_epochs >= 2:
        mark_each(t, [warmup_epochs - 1], WARMUP_ENDS, "warmup")
    rows = steps(t)
    top = int(rows.max(initial=0))
    rates = _chained(top, warmup_epochs, max_epochs, warmup_start_lr, base, eta_min)
    chosen: Values = rates[rows.astype(np.int64)]
    return chosen
