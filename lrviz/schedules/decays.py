"""Schedules that start at a peak and decay: the source article's families and today's variants.

Conventions shared by all: ``t`` counts from 0; a schedule with a horizon ``steps`` (S) reaches its end
value at ``t = S`` — one past the last row of an S-step run, as in PyTorch, optax, Keras, HF and
timm — and holds it afterwards.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import cos_pi, power
from lrviz.clock.grid import Grid, Time, held, mark, per_cycle
from lrviz.clock.grid import steps as steps_of
from lrviz.limits import excerpt
from lrviz.schedules.entry import Values, schedule
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

DECAY = "decay"
"""The mark of a step where a step-wise schedule lowers the rate."""


def _floor_below_peak(peak: str) -> Any:
    def check(min_lr: float, **args: Any) -> None:
        if min_lr > args[peak]:
            raise Invalid(f"min_lr ({excerpt(min_lr)}) must not exceed {peak} ({excerpt(args[peak])})")

    return check


@schedule(frequency="continuous", quantity="constant", warmup=True, matches=("optax.constant_schedule",))
def constant(t: Values, lr: Rate) -> Values:
    """The same rate at every step.

    η_t = lr

    Args:
        lr: the rate.

    Example:
        constant(3e-4, warmup=500)
    """
    return np.full(t.shape, lr)


@schedule(
    frequency="continuous",
    quantity="linear",
    warmup=True,
    matches=(
        "torch.LinearLR (as factors of lr)",
        "optax.linear_schedule",
        "hf.get_linear_schedule_with_warmup (after warm-up)",
    ),
)
def linear(t: Values, start: Rate, end: Rate, steps: Steps | None = None) -> Values:
    """A straight line from start to end over steps, then end.

    η_t = start + (end − start)·min(t, S)/S

    Args:
        start: the rate at step 0.
        end: the rate from step `steps` on.
        steps: the length of the ramp; default the rest of the run.

    Example:
        linear(0, 0.1, steps=500) >> cosine(0.1)
    """
    assert steps is not None
    return start + (end - start) * (np.minimum(t, steps) / steps)


@schedule(
    frequency="stepwise",
    quantity="exponential",
    warmup=True,
    matches=("torch.StepLR", "optax.exponential_decay (staircase=True)", "timm.StepLRScheduler"),
)
def step(t: Time, lr: Rate, step_size: Steps, gamma: Factor = 0.1) -> Values:
    """Multiply the rate by gamma every step_size steps (step-wise decay).

    η_t = lr·γ^⌊t/k⌋ — at 1-based epoch n that is lr·γ^(⌈n/k⌉−1), the article's form.

    Args:
        lr: the rate before the first decay.
        step_size: the steps between decays (k).
        gamma: the factor applied at each decay (γ).

    Example:
        step(0.1, step_size=30, gamma=0.1)
        --epochs 100
    """
    if isinstance(t, Grid):
        return per_cycle(t, step_size, lambda k: lr * gamma**k, DECAY)
    return lr * gamma ** np.floor(t / step_size)


@schedule(
    frequency="stepwise",
    quantity="exponential",
    warmup=True,
    matches=("torch.MultiStepLR", "optax.piecewise_constant_schedule"),
)
def multistep(t: Time, lr: Rate, milestones: Milestones, gamma: Factor = 0.1) -> Values:
    """Multiply the rate by gamma at each milestone.

    η_t = lr·γ^#{m ∈ milestones : m ≤ t}

    Args:
        lr: the rate before the first milestone.
        milestones: the steps where the rate is multiplied by gamma, increasing.
        gamma: the factor applied at each milestone.

    Example:
        multistep(0.1, milestones=[30, 60, 90])
        --epochs 100
    """
    return held(t, milestones, lr * gamma ** np.arange(len(milestones) + 1, dtype=np.float64), DECAY)


@schedule(
    frequency="continuous",
    quantity="exponential",
    warmup=True,
    matches=("torch.ExponentialLR", "optax.exponential_decay (transition_steps=1)"),
)
def exponential(t: Time, lr: Rate, gamma: Factor) -> Values:
    """Multiply the rate by gamma at every step.

    η_t = lr·γ^t

    Args:
        lr: the rate at step 0.
        gamma: the factor per step, in (0, 1] to decay.

    Example:
        exponential(0.1, gamma=0.95)
        --steps 100
    """
    rates = power(gamma, t)
    rates *= lr
    return rates


@schedule(
    frequency="continuous",
    quantity="polynomial",
    warmup=True,
    matches=("torch.PolynomialLR (min_lr=0)", "optax.polynomial_schedule", "keras.PolynomialDecay"),
    check=_floor_below_peak("lr"),
)
def polynomial(
    t: Values,
    lr: Rate,
    power: Factor = 1.0,
    min_lr: Rate = 0.0,
    steps: Steps | None = None,
    cycle: bool = False,
) -> Values:
    """Polynomial decay from lr to min_lr over steps (the article's max_update).

    η_t = min_lr + (lr − min_lr)·(1 − min(t, S)/S)^p; with cycle=True the horizon grows to
    S·⌈t/S⌉ instead of holding, as Keras and Paddle do.

    Args:
        lr: the rate at step 0.
        power: the degree p of the polynomial; below 1 decays slowly at first.
        min_lr: the rate reached at step `steps`.
        steps: the length of the decay; default the rest of the run.
        cycle: stretch the horizon to the next multiple of `steps` rather than hold min_lr.

    Example:
        polynomial(0.1, power=2, steps=1000)
    """
    assert steps is not None
    if cycle:
        horizon = steps * np.maximum(1.0, np.ceil(t / steps))
        fraction = t / horizon
    else:
        fraction = np.minimum(t, steps) / steps
    remaining: Values = 1 - fraction
    return (lr - min_lr) * remaining**power + min_lr


@schedule(
    frequency="continuous",
    quantity="cosine",
    warmup=True,
    matches=(
        "torch.CosineAnnealingLR (up to T_max; torch rises again after it)",
        "optax.cosine_decay_schedule",
        "keras.CosineDecay",
        "timm.CosineLRScheduler",
    ),
    check=_floor_below_peak("max_lr"),
)
def cosine(t: Time, max_lr: Rate, min_lr: Rate = 0.0, steps: Steps | None = None) -> Values:
    """Half a cosine from max_lr down to min_lr over steps (the cycle length), then min_lr.

    η_t = min_lr + (max_lr − min_lr)·(1 + cos(π·min(t, S)/S))/2

    Args:
        max_lr: the rate at step 0.
        min_lr: the rate reached at step `steps`.
        steps: the length of the decay; default the rest of the run.

    Example:
        cosine(0.1, min_lr=1e-5, warmup=0.05)
    """
    assert steps is not None
    rates = cos_pi(t, 0, steps)  # in place from here: a cosine over a long run is a few array passes
    rates += 1
    rates *= max_lr - min_lr
    rates /= 2
    rates += min_lr
    return rates


@schedule(frequency="continuous", quantity="logarithmic", warmup=True, check=_floor_below_peak("max_lr"))
def log_annealing(t: Values, max_lr: Rate, min_lr: Rate = 0.0, steps: Steps | None = None) -> Values:
    """Decay along log(1/x), the article's custom schedule, from max_lr to min_lr over steps.

    η_t = min_lr + (max_lr − min_lr)·ln((S + 1)/(t + 1))/ln(S + 1) for t ≤ S, then min_lr: log(1/x) at
    x = (t + 1)/(S + 1), scaled so that step 0 has max_lr. It falls fast at first and flattens out.

    Args:
        max_lr: the rate at step 0.
        min_lr: the rate reached at step `steps`.
        steps: the length of the decay; default the rest of the run.

    Example:
        log_annealing(0.1, steps=100)
        --steps 100
    """
    assert steps is not None
    x: Values = (np.minimum(t, steps) + 1) / (steps + 1)
    return min_lr + (max_lr - min_lr) * (np.log(1 / x) / math.log(steps + 1))


@schedule(frequency="continuous", quantity="inverse", warmup=True, matches=("keras.InverseTimeDecay",))
def inverse_time(t: Values, lr: Rate, gamma: Factor, step_size: Steps = 1, staircase: bool = False) -> Values:
    """Inverse-time decay: the rate falls as 1/(1 + γ·t/k).

    η_t = lr/(1 + γ·p), p = t/k (⌊t/k⌋ with staircase=True)

    Args:
        lr: the rate at step 0.
        gamma: the decay rate γ.
        step_size: the steps k over which γ applies once.
        staircase: decay in whole steps of k.

    Example:
        inverse_time(0.1, gamma=0.5, step_size=100)
    """
    progress = t / step_size
    if staircase:
        progress = np.floor(progress)
    return lr / (1 + gamma * progress)


@schedule(
    frequency="continuous",
    quantity="inverse square root",
    warmup=True,
    matches=("hf.get_inverse_sqrt_schedule (timescale=warmup)",),
)
def inverse_sqrt(t: Values, lr: Rate, timescale: Steps | None = None, *, warmup: Warmup = 0) -> Values:
    """Inverse square-root decay after an optional warm-up, as in T5 and HF's inverse_sqrt.

    η_t = lr·1/√((t' + τ)/τ), t' = t − W the steps since warm-up; τ defaults to W (then η = lr·√(W/t),
    smooth at the end of warm-up), or 1 without warm-up.

    Args:
        lr: the rate when warm-up ends (the peak).
        timescale: τ, in steps; default the warm-up length, or 1 without one.
        warmup: linear warm-up steps from warmup_start to lr, or a fraction of the schedule below 1.

    Example:
        inverse_sqrt(1e-3, warmup=4000)
        --steps 40000
    """
    scale = timescale or max(int(warmup), 1)
    return lr * (1.0 / np.sqrt((t + scale) / scale))


@schedule(frequency="continuous", quantity="inverse square root", warmup=True)
def noam(t: Values, d_model: Steps = 512, warmup: Warmup = 4000, scale: Factor = 1.0) -> Values:
    """The Transformer schedule of "Attention Is All You Need": warm up, then decay as 1/√t.

    η_t = scale·d_model^−½·min(t^−½, t·W^−3/2) — a linear ramp to scale·(d_model·W)^−½ at t = W, then
    that peak times √(W/t). Step 0 has rate 0, as Paddle's NoamDecay gives with 0-based steps.

    Args:
        d_model: the model width; the peak falls as its inverse square root.
        warmup: the warm-up steps W (the paper uses 4000), or a fraction of the schedule below 1.
        scale: a multiplier on the whole schedule.

    Example:
        noam(512, warmup=4000)
        --steps 40000
    """
    if warmup < 1:
        raise Invalid("noam needs warmup of at least 1 step")
    peak = scale / math.sqrt(d_model * warmup)
    since: Values = t + warmup
    return peak * np.sqrt(warmup / since)


@schedule(
    frequency="continuous",
    quantity="tanh",
    warmup=True,
    matches=("timm.TanhLRScheduler",),
    check=_floor_below_peak("max_lr"),
)
def tanh(
    t: Values,
    max_lr: Rate,
    min_lr: Rate = 0.0,
    steps: Steps | None = None,
    lb: Number = -7.0,
    ub: Number = 3.0,
) -> Values:
    """Hyperbolic-tangent decay (Hsueh et al. 2019), as timm's TanhLRScheduler.

    η_t = min_lr + (max_lr − min_lr)·(1 − tanh(lb·(1 − r) + ub·r))/2, r = t/S, for t < S; min_lr from
    t = S. Step 0 is 0.999999·max_lr, not max_lr, since tanh(−7) ≠ −1.

    Args:
        max_lr: the rate the curve starts from.
        min_lr: the rate from step `steps` on.
        steps: the length of the decay; default the rest of the run.
        lb: the tanh argument at step 0 (lower bound).
        ub: the tanh argument at step `steps` (upper bound).

    Example:
        tanh(0.1, steps=100)
        --steps 100
    """
    assert steps is not None
    ratio = t / steps
    curve = min_lr + 0.5 * (max_lr - min_lr) * (1 - np.tanh(lb * (1.0 - ratio) + ub * ratio))
    return np.where(t < steps, curve, min_lr)


@schedule(frequency="continuous", quantity="rex", warmup=True, check=_floor_below_peak("max_lr"))
def rex(t: Values, max_lr: Rate, min_lr: Rate = 0.0, steps: Steps | None = None) -> Values:
    """REX, the reflected exponential schedule (Chen, Wolfe & Kyrillidis 2022).

    η_t = min_lr + (max_lr − min_lr)·z/(½ + ½z), z = 1 − min(t, S)/S: it stays high longer than linear
    and falls steeply at the end.

    Args:
        max_lr: the rate at step 0.
        min_lr: the rate reached at step `steps`.
        steps: the length of the decay; default the rest of the run.

    Example:
        rex(0.1, steps=1000)
    """
    assert steps is not None
    z = 1 - np.minimum(t, steps) / steps
    return min_lr + (max_lr - min_lr) * (z / (0.5 + 0.5 * z))


def _wsd_decay_steps(decay: float, steps: int, warmup: int) -> int:
    return fraction_of(decay, steps + warmup)


@schedule(
    frequency="continuous",
    quantity="constant, then decay",
    warmup=True,
    matches=("hf.get_wsd_schedule (with its warm-up linear)", "timm.WSDLRScheduler"),
    check=_floor_below_peak("lr"),
)
def wsd(
    t: Time,
    lr: Rate,
    decay: StepsOrFraction = 0.1,
    decay_type: Literal["linear", "cosine", "1-sqrt", "exp"] = "linear",
    min_lr: Rate = 0.0,
    steps: Steps | None = None,
    *,
    warmup: Warmup = 0,
) -> Values:
    """Warm-up, stable, decay (MiniCPM): hold lr, then decay to min_lr over the last `decay` steps.

    With D decay steps ending at S (the schedule's end) and q = clip((t − (S − D))/D, 0, 1):
    η_t = min_lr + (lr − min_lr)·f(q), f = 1 − q (linear), (1 + cos πq)/2 (cosine), 1 − √q (1-sqrt,
    Hägele et al. 2024) or 2·0.5^q − 1 (exp, Megatron-LM's default WSD decay).

    Args:
        lr: the stable rate.
        decay: the decay length: whole steps, or a fraction of the whole schedule (warm-up included).
        decay_type: the shape of the decay: 'linear', 'cosine', '1-sqrt' or 'exp'.
        min_lr: the rate reached at the end.
        steps: the schedule's length; default the rest of the run.
        warmup: linear warm-up steps from warmup_start to lr, or a fraction of the schedule below 1.

    Example:
        wsd(3e-4, decay=0.2, decay_type='1-sqrt', warmup=100)
    """
    assert steps is not None
    decay_steps = _wsd_decay_steps(decay, steps, int(warmup))
    if decay_steps > steps:
        raise Invalid(f"decay ({decay_steps} steps) must fit in the {steps} steps after warm-up")
    mark(t, steps - decay_steps, "decay starts")
    q = np.clip((steps_of(t) - (steps - decay_steps)) / decay_steps, 0.0, 1.0)
    if decay_type == "linear":
        shape = 1 - q
    elif decay_type == "cosine":
        shape = (1 + np.cos(np.pi * q)) / 2
    elif decay_type == "exp":
        shape = 2.0 * np.power(0.5, q) - 1.0
    else:
        shape = 1 - np.sqrt(q)
    return min_lr + (lr - min_lr) * shape
