"""Schedules that go up as well as down: one-cycle and cyclical learning rates."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import power
from lrviz.clock.grid import Grid, Time, per_cycle, tiled
from lrviz.limits import excerpt
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Factor, Invalid, OpenFraction, Rate, Steps
from lrviz.schedules.pieces import through


def _onecycle_knots(
    max_lr: float, steps: int, pct_start: float, div_factor: float, final_div_factor: float, three_phase: bool
) -> tuple[list[float], list[float]]:
    initial = max_lr / div_factor
    final = initial / final_div_factor
    peak = pct_start * steps
    if three_phase:
        return [0.0, peak, 2 * peak, float(steps)], [initial, max_lr, initial, final]
    return [0.0, peak, float(steps)], [initial, max_lr, final]


def _onecycle_check(pct_start: float, three_phase: bool, **_: Any) -> None:
    if three_phase and pct_start >= 0.5:
        raise Invalid(f"pct_start must be below 0.5 with three_phase=True, got {excerpt(pct_start)}")


@schedule(
    frequency="cyclic",
    quantity="cosine or linear",
    matches=(
        "optax.cosine_onecycle_schedule / linear_onecycle_schedule's first phases",
        "torch.OneCycleLR, which peaks one step earlier (at pct_start·S − 1)",
    ),
    check=_onecycle_check,
)
def onecycle(
    t: Time,
    max_lr: Rate,
    steps: Steps | None = None,
    pct_start: OpenFraction = 0.3,
    anneal: Literal["cos", "linear"] = "cos",
    div_factor: Factor = 25.0,
    final_div_factor: Factor = 1e4,
    three_phase: bool = False,
) -> Values:
    """The one-cycle policy (Smith & Topin 2017): up from max_lr/div_factor to max_lr, then far down.

    Knots at t = 0 (max_lr/div_factor), t = pct_start·S (max_lr) and t = S
    (max_lr/(div_factor·final_div_factor)); with three_phase, back to max_lr/div_factor at
    2·pct_start·S first. Between knots the rate anneals along a half cosine ('cos') or a line.

    Args:
        max_lr: the peak rate.
        steps: the length of the cycle; default the rest of the run.
        pct_start: the fraction of the cycle spent rising.
        anneal: 'cos' or 'linear' between the knots.
        div_factor: the start rate is max_lr/div_factor.
        final_div_factor: the end rate is the start rate/final_div_factor.
        three_phase: fall back to the start rate symmetrically before the final descent.

    Example:
        onecycle(0.1, pct_start=0.25)
    """
    assert steps is not None
    knots, rates = _onecycle_knots(max_lr, steps, pct_start, div_factor, final_div_factor, three_phase)
    return through(t, knots, rates, "linear" if anneal == "linear" else "cosine", ["peak", "back to start"])


def _cyclic_check(min_lr: float, max_lr: float, **_: Any) -> None:
    if min_lr > max_lr:
        raise Invalid(f"min_lr ({excerpt(min_lr)}) must not exceed max_lr ({excerpt(max_lr)})")


@schedule(
    frequency="cyclic",
    quantity="linear",
    matches=("torch.CyclicLR",),
    check=_cyclic_check,
)
def cyclic(
    t: Time,
    min_lr: Rate,
    max_lr: Rate,
    step_size: Steps,
    step_size_down: Steps | None = None,
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
    gamma: Factor = 1.0,
) -> Values:
    """Cyclical learning rates (Smith 2017): a triangle wave between min_lr and max_lr.

    With cycle length L = up + down, the cycle c = ⌊t/L⌋ and x = (t − c·L)/L, the wave is
    s = x/r for x ≤ r, else (x − 1)/(r − 1), r = up/L; η_t = min_lr + (max_lr − min_lr)·s·a, with the
    amplitude a = 1 (triangular), 1/2^c (triangular2) or γ^t (exp_range).

    Args:
        min_lr: the rate at the bottom of each cycle.
        max_lr: the rate at the top of the first cycle.
        step_size: steps from bottom to top.
        step_size_down: steps from top to bottom; default step_size.
        mode: how the amplitude shrinks: 'triangular', 'triangular2' or 'exp_range'.
        gamma: the per-step amplitude factor of exp_range.

    Example:
        cyclic(0.001, 0.1, step_size=500, mode='triangular2')
        --steps 4000
    """
    total = step_size + (step_size_down or step_size)
    ratio = step_size / total

    def wave(local: Values) -> Values:  # over one cycle, 0 ≤ local < L
        x = local / total
        return np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))

    def halving(cycle: Values) -> Values:
        return 1 / 2.0**cycle

    if isinstance(t, Grid):
        scale = tiled(t, total, lambda local: wave(local.array()), "cycle starts")
        halved = per_cycle(t, total, halving) if mode == "triangular2" else None
    else:
        cycle = np.floor(t / total)
        scale = wave(t - cycle * total)
        halved = halving(cycle) if mode == "triangular2" else None
    height = (max_lr - min_lr) * scale
    if halved is not None:
        height *= halved
    elif mode == "exp_range":
        height *= power(gamma, t)
    return min_lr + height
