"""timm's schedulers (``timm.scheduler``, 1.0.31), reproduced.

Row t is the rate timm's training loop uses at t, counted in the scheduler's own unit (epochs with
``t_in_epochs=True``, updates without): ``_get_lr(t)``, except that row 0 is what the constructor sets
(the base rate, or ``warmup_lr_init`` with a warm-up). The base rate is the optimizer's: ``lr=…`` or
``--lr``. Noise (``noise_range_t``) is drawn from torch's random generator and is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import count_power
from lrviz.clock.grid import MARKS_OF_A_KIND, Grid, Time, mark_each, mark_every
from lrviz.dialects.vocabulary import (
    OPTIMIZER,
    TIMM_INITIALIZE,
    TIMM_NOISE,
    held_after,
    no_noise,
    warmup_then,
)
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Anything, Count, Invalid, Number, Steps, WholeSteps

TIMM = (OPTIMIZER, TIMM_NOISE, TIMM_INITIALIZE)
"""What a timm scheduler takes besides its own parameters: the optimizer's rate, the noise and clock
parameters after warmup_prefix, and initialize."""


def _cycles(t: Values, t_initial: float, cycle_mul: float) -> tuple[Values, Values | float, Values]:
    """timm's cycle index i, cycle length t_i and place in the cycle, with timm's float logs."""
    if cycle_mul != 1:
        with np.errstate(all="ignore"):
            i = np.floor(np.log(1 - t / t_initial * (1 - cycle_mul)) / math.log(cycle_mul))
        grown = count_power(cycle_mul, i)
        t_i = grown * t_initial
        t_curr = t - (1 - grown) / (1 - cycle_mul) * t_initial
        return i, t_i, t_curr
    i = np.floor(t / t_initial)
    return i, float(t_initial), t - t_initial * i


def _after_warmup(t: Time, warmup_t: int, prefix: bool) -> tuple[Time, float]:
    """The steps of ``t`` from the warm-up's end on (where a schedule's own phases can show), and the
    step the schedule's clock starts at: the warm-up's end with a ``prefix`` warm-up, else 0."""
    later = t.clip(warmup_t, math.inf) if isinstance(t, Grid) else t
    return later, float(warmup_t) if prefix else 0.0


def _mark_cycles(t: Time, start: float, t_initial: float, cycle_mul: float, cycle_limit: int) -> None:
    """Mark the restarts of timm's cycles on a clock from ``start``, and where the last ends: from
    the cycle the grid starts in, as many as a run keeps."""
    if not isinstance(t, Grid) or t.marks is None or not t.size:
        return
    first, _, _ = _cycles(np.array([max(t.start - start, 0.0)]), t_initial, cycle_mul)
    if not np.isfinite(first[0]):  # past where shrinking cycles converge: every cycle has ended
        return
    for i in range(max(int(first[0]), 0) + 1, cycle_limit + 1)[: MARKS_OF_A_KIND + 1]:
        edge = start + t_initial * (i if cycle_mul == 1 else (1 - cycle_mul**i) / (1 - cycle_mul))
        if edge >= t.stop:
            return
        mark_each(t, [edge], "restart" if i < cycle_limit else "decay ends")


def _cycling(
    s: Values,
    t_initial: float,
    cycle_mul: float,
    cycle_limit: int,
    lr_min: float,
    curve: Callable[[Values, Values | float, Values], Values],
) -> Values:
    """timm's cycles: curve(i, t_i, t_curr) in the first cycle_limit cycles, lr_min after them; only
    the steps still cycling are computed."""
    i, t_i, t_curr = _cycles(s, t_initial, cycle_mul)
    live = i < cycle_limit
    if live.all():
        return curve(i, t_i, t_curr)
    out = np.full(s.shape, lr_min, dtype=np.float64)
    if live.any():
        out[live] = curve(i[live], t_i if isinstance(t_i, float) else t_i[live], t_curr[live])
    return out


def _ratio(t_curr: Values, t_i: Values | float, k: float) -> Values:
    """(t_curr/t_i)^k as timm takes it, t_curr^k/t_i^k (x^1 is x: no powers then)."""
    return t_curr / t_i if k == 1 else t_curr**k / np.power(t_i, k)


def _timm(
    t: Time,
    base: float,
    warmup_t: int,
    warmup_lr_init: float,
    prefix: bool,
    after: Callable[[Values], Values],
    ramp_to: float | None = None,
) -> Values:
    """timm's frame: a warm-up of warmup_t steps up from warmup_lr_init by (lr − warmup_lr_init)/W a
    step (to ``ramp_to`` in place of lr), then the schedule, counted from the warm-up's end with a
    ``prefix`` warm-up or from 0 under it; without a warm-up row 0 is lr (what the constructor sets)."""
    step_up = ((ramp_to if ramp_to is not None else base) - warmup_lr_init) / warmup_t if warmup_t else 1.0

    def later(s: Values) -> Values:
        rates = after(s - warmup_t if prefix else s)
        return rates if warmup_t else np.where(s == 0, base, rates)

    return warmup_then(t, warmup_t, lambda s: warmup_lr_init + s * step_up, later)


def _cyclic_check(t_initial: int, lr_min: float, **_: Any) -> None:
    if lr_min < 0:
        raise Invalid(f"lr_min must be 0 or more, as timm asserts, got {lr_min!r}")


@schedule(
    name="timm.CosineLRScheduler",
    frequency="cyclic",
    quantity="cosine",
    optimizer=True,
    check=_cyclic_check,
    groups=TIMM,
)
def cosine_lr_scheduler(
    t: Time,
    t_initial: Steps,
    lr_min: Number = 0.0,
    cycle_mul: Number = 1.0,
    cycle_decay: Number = 1.0,
    cycle_limit: Count = 1,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    warmup_prefix: bool = False,
    k_decay: Number = 1.0,
    *,
    base: float,
) -> Values:
    """timm's CosineLRScheduler: cosine cycles (with restarts, decay and k-decay) after a warm-up.

    In cycle i of length t_i, at t_c within it: lr_min + ½(lr·cycle_decay^i − lr_min)(1 + cos(π·t_c^k/t_i^k));
    lr_min after cycle_limit cycles. The warm-up rises from warmup_lr_init by (lr − warmup_lr_init)/W a step.

    Args:
        t_initial: the first cycle's length.
        lr_min: the floor.
        cycle_mul: the factor each cycle grows by.
        cycle_decay: the factor each cycle's peak shrinks by.
        cycle_limit: how many cycles run before the rate stays at lr_min.
        warmup_t: the warm-up steps W.
        warmup_lr_init: the rate the warm-up starts from.
        warmup_prefix: run the cosine after the warm-up (True) or under it (False).
        k_decay: the k of k-decay (Zhang et al. 2020): t^k/T^k in place of t/T.

    Example:
        timm.CosineLRScheduler(optimizer, t_initial=300, warmup_t=5, warmup_lr_init=1e-5, lr=0.1)

    Notes:
        With warmup_prefix=False (the default) the warm-up replaces the first steps of the cosine
        rather than delaying it, so the rate drops from lr·cos(…) at the end of warm-up and never
        reaches lr. lr_min comes at t_initial, one step past a t_initial-step run. With cycle_mul ≠ 1
        the cycle index comes from a float log, which can misplace a restart, as in timm.
    """

    def curve(i: Values, t_i: Values | float, t_curr: Values) -> Values:
        peak = base * count_power(cycle_decay, i)
        with np.errstate(all="ignore"):
            rates: Values = lr_min + 0.5 * (peak - lr_min) * (
                1 + np.cos(math.pi * _ratio(t_curr, t_i, k_decay))
            )
        return rates

    def after(s: Values) -> Values:
        return _cycling(s, t_initial, cycle_mul, cycle_limit, lr_min, curve)

    _mark_cycles(*_after_warmup(t, warmup_t, warmup_prefix), t_initial, cycle_mul, cycle_limit)
    return _timm(t, base, warmup_t, warmup_lr_init, warmup_prefix, after)


def _tanh_check(lb: float, ub: float, **args: Any) -> None:
    _cyclic_check(**args)
    if not lb < ub:
        raise Invalid(f"lb must be below ub, as timm asserts, got lb={lb!r}, ub={ub!r}")


@schedule(
    name="timm.TanhLRScheduler",
    frequency="cyclic",
    quantity="tanh",
    optimizer=True,
    check=_tanh_check,
    groups=TIMM,
)
def tanh_lr_scheduler(
    t: Time,
    t_initial: Steps,
    lb: Number = -7.0,
    ub: Number = 3.0,
    lr_min: Number = 0.0,
    cycle_mul: Number = 1.0,
    cycle_decay: Number = 1.0,
    cycle_limit: Count = 1,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    warmup_prefix: bool = False,
    *,
    base: float,
) -> Values:
    """timm's TanhLRScheduler: hyperbolic-tangent decay cycles (Hsueh et al. 2019) after a warm-up.

    In cycle i, with r = t_c/t_i: lr_min + ½(lr·cycle_decay^i − lr_min)(1 − tanh(lb(1 − r) + ub·r)).

    Args:
        t_initial: the first cycle's length.
        lb: the tanh argument at the start of a cycle.
        ub: the tanh argument at its end.
        lr_min: the floor.
        cycle_mul: the factor each cycle grows by.
        cycle_decay: the factor each cycle's peak shrinks by.
        cycle_limit: how many cycles run before the rate stays at lr_min.
        warmup_t: the warm-up steps W.
        warmup_lr_init: the rate the warm-up starts from.
        warmup_prefix: run the decay after the warm-up (True) or under it (False).

    Example:
        timm.TanhLRScheduler(optimizer, t_initial=100, lr=0.1)

    Notes:
        Unlike the others, a warm-up that is not a prefix ramps to the decay's value at warmup_t, so
        it joins the curve without a jump. The first rate of a run is lr itself (what the constructor
        sets), the next 0.9999…·lr, since tanh(−7) ≠ −1.
    """

    def curve(i: Values, t_i: Values | float, t_curr: Values) -> Values:
        peak = base * count_power(cycle_decay, i)
        r: Values = t_curr / t_i
        rates: Values = lr_min + 0.5 * (peak - lr_min) * (1 - np.tanh(lb * (1.0 - r) + ub * r))
        return rates

    def after(s: Values) -> Values:
        return _cycling(s, t_initial, cycle_mul, cycle_limit, lr_min, curve)

    ramp_to = None if warmup_prefix or not warmup_t else float(after(np.array([float(warmup_t)]))[0])
    _mark_cycles(*_after_warmup(t, warmup_t, warmup_prefix), t_initial, cycle_mul, cycle_limit)
    return _timm(t, base, warmup_t, warmup_lr_init, warmup_prefix, after, ramp_to)


@schedule(
    name="timm.StepLRScheduler", frequency="stepwise", quantity="exponential", optimizer=True, groups=TIMM
)
def step_lr_scheduler(
    t: Time,
    decay_t: Number,
    decay_rate: Number = 1.0,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    warmup_prefix: bool = True,
    *,
    base: float,
) -> Values:
    """timm's StepLRScheduler: the rate times decay_rate every decay_t steps, after a warm-up.

    η_t = lr·decay_rate^⌊t/decay_t⌋ (t counted after the warm-up when it is a prefix).

    Args:
        decay_t: the steps between decays (may be fractional).
        decay_rate: the factor of each decay.
        warmup_t: the warm-up steps W.
        warmup_lr_init: the rate the warm-up starts from.
        warmup_prefix: count the decays after the warm-up (the default here).

    Example:
        timm.StepLRScheduler(optimizer, decay_t=30, decay_rate=0.1, lr=0.1)
    """
    if decay_t <= 0:
        raise Invalid(f"decay_t must be above 0, got {decay_t!r}")
    later, start = _after_warmup(t, warmup_t, warmup_prefix)
    mark_every(later, decay_t, "decay", start=start)
    return _timm(
        t,
        base,
        warmup_t,
        warmup_lr_init,
        warmup_prefix,
        lambda s: base * count_power(decay_rate, np.floor(s / decay_t)),
    )


@schedule(
    name="timm.MultiStepLRScheduler",
    frequency="stepwise",
    quantity="exponential",
    optimizer=True,
    groups=TIMM,
)
def multistep_lr_scheduler(
    t: Time,
    decay_t: WholeSteps,
    decay_rate: Number = 1.0,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    warmup_prefix: bool = True,
    *,
    base: float,
) -> Values:
    """timm's MultiStepLRScheduler: the rate times decay_rate at each milestone, one step early.

    η_t = lr·decay_rate^#{m ∈ decay_t : m ≤ t + 1}

    Args:
        decay_t: the milestones.
        decay_rate: the factor at each milestone.
        warmup_t: the warm-up steps W.
        warmup_lr_init: the rate the warm-up starts from.
        warmup_prefix: count the milestones after the warm-up (the default here).

    Example:
        timm.MultiStepLRScheduler(optimizer, decay_t=[30, 60], decay_rate=0.1, lr=0.1)

    Notes:
        Each decay comes at m − 1, one step before PyTorch's MultiStepLR and timm's own StepLRScheduler
        would put it (bisect_right(decay_t, t + 1), a convention timm keeps on purpose).
    """
    milestones = np.asarray(decay_t, dtype=np.float64)
    later, start = _after_warmup(t, warmup_t, warmup_prefix)
    mark_each(later, [start + m - 1 for m in decay_t], "decay")

    def after(s: Values) -> Values:
        passed = np.searchsorted(milestones, s + 1, side="right").astype(np.float64)
        return base * decay_rate**passed

    return _timm(t, base, warmup_t, warmup_lr_init, warmup_prefix, after)


@schedule(
    name="timm.PolyLRScheduler",
    frequency="cyclic",
    quantity="polynomial",
    optimizer=True,
    check=_cyclic_check,
    groups=TIMM,
)
def poly_lr_scheduler(
    t: Time,
    t_initial: Steps,
    power: Number = 0.5,
    lr_min: Number = 0.0,
    cycle_mul: Number = 1.0,
    cycle_decay: Number = 1.0,
    cycle_limit: Count = 1,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    warmup_prefix: bool = False,
    k_decay: Number = 1.0,
    *,
    base: float,
) -> Values:
    """timm's PolyLRScheduler: polynomial decay cycles after a warm-up.

    In cycle i: lr_min + (lr·cycle_decay^i − lr_min)·(1 − t_c^k/t_i^k)^power; lr_min after cycle_limit.

    Args:
        t_initial: the first cycle's length.
        power: the degree (0.5 by default).
        lr_min: the floor.
        cycle_mul: the factor each cycle grows by.
        cycle_decay: the factor each cycle's peak shrinks by.
        cycle_limit: how many cycles run before the rate stays at lr_min.
        warmup_t: the warm-up steps W.
        warmup_lr_init: the rate the warm-up starts from.
        warmup_prefix: run the decay after the warm-up (True) or under it (False).
        k_decay: the k of k-decay.

    Example:
        timm.PolyLRScheduler(optimizer, t_initial=100, power=1.0, lr=0.1)
    """

    def curve(i: Values, t_i: Values | float, t_curr: Values) -> Values:
        peak = base * count_power(cycle_decay, i)
        with np.errstate(all="ignore"):
            remaining: Values = 1 - _ratio(t_curr, t_i, k_decay)
            return lr_min + (peak - lr_min) * remaining**power

    def after(s: Values) -> Values:
        return _cycling(s, t_initial, cycle_mul, cycle_limit, lr_min, curve)

    _mark_cycles(*_after_warmup(t, warmup_t, warmup_prefix), t_initial, cycle_mul, cycle_limit)
    return _timm(t, base, warmup_t, warmup_lr_init, warmup_prefix, after)


def _wsd_check(
    t_initial: int,
    decay_t: int,
    lr_min: float,
    stable_fn: str,
    stable_timescale: float | None,
    warmup_t: int,
    decay_ratio: float,
    decay_power: float,
    stable_power: float,
    **_: Any,
) -> None:
    rules = [
        (0 < decay_t <= t_initial, f"decay_t must be in (0, t_initial], got {decay_t!r}"),
        (lr_min >= 0, f"lr_min must be 0 or more, got {lr_min!r}"),
        (0.0 < decay_ratio < 1.0, f"decay_ratio must be in (0, 1), got {decay_ratio!r}"),
        (decay_power > 0, f"decay_power must be above 0, got {decay_power!r}"),
        (stable_power > 0, f"stable_power must be above 0, got {stable_power!r}"),
    ]
    if stable_fn != "constant":
        scale = warmup_t if stable_timescale is None else stable_timescale
        rules.append(
            (scale > 0, f"stable_fn={stable_fn!r} needs a positive stable_timescale (default warmup_t)")
        )
    for ok, message in rules:
        if not ok:
            raise Invalid(f"{message}, as timm requires")


@schedule(
    name="timm.WSDLRScheduler",
    frequency="continuous",
    quantity="constant, then decay",
    optimizer=True,
    check=_wsd_check,
    groups=(OPTIMIZER, TIMM_NOISE.placed("warmup_lr_init"), TIMM_INITIALIZE),
)
def wsd_lr_scheduler(
    t: Time,
    t_initial: Steps,
    decay_t: Count,
    lr_min: Number = 0.0,
    stable_fn: Literal["constant", "rsqrt", "power"] = "constant",
    stable_timescale: Number | None = None,
    stable_power: Number = 0.5,
    decay_fn: Literal["linear", "1-sqrt", "cosine", "power", "exp"] = "1-sqrt",
    decay_power: Number = 0.5,
    decay_ratio: Number = 0.1,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    *,
    base: float,
) -> Values:
    """timm's WSDLRScheduler: warm-up, a stable phase, then a decay over the last decay_t steps.

    After the warm-up W, with t_s = t − W: stable = max(lr·S(t_s), lr_min), S = 1, (1 + t_s/τ)^−½ or
    (1 + t_s/τ)^−p; from t_s = t_initial − decay_t: lr_min + (stable − lr_min)·D(min(t_d/decay_t, 1)),
    D = 1 − f, 1 − √f, ½(1 + cos πf), 1 − f^q or (r^f − r)/(1 − r).

    Args:
        t_initial: the stable and decay steps together (after the warm-up).
        decay_t: the decay steps.
        lr_min: the floor.
        stable_fn: 'constant', 'rsqrt' or 'power'.
        stable_timescale: τ of rsqrt or power; default warmup_t.
        stable_power: p of power.
        decay_fn: 'linear', '1-sqrt', 'cosine', 'power' or 'exp'.
        decay_power: q of power.
        decay_ratio: r of exp.
        warmup_t: the warm-up steps W (always before the rest).
        warmup_lr_init: the rate the warm-up starts from.

    Example:
        timm.WSDLRScheduler(optimizer, t_initial=900, decay_t=200, warmup_t=100, lr=3e-4)

    Notes:
        lr_min is reached at warmup_t + t_initial, one step past a run of that length.
    """
    scale = warmup_t if stable_timescale is None else stable_timescale

    def after(t_s: Values) -> Values:
        if stable_fn == "constant":
            stable = np.full(t_s.shape, base)
        else:
            exponent = 0.5 if stable_fn == "rsqrt" else stable_power
            stable = base * (1.0 + t_s / scale) ** -exponent
        stable = np.maximum(stable, lr_min)
        t_decay = t_s - (t_initial - decay_t)
        f = np.minimum(np.maximum(t_decay, 0.0) / decay_t, 1.0) if decay_t else np.ones(t_s.shape)
        if decay_fn == "linear":
            shape = 1.0 - f
        elif decay_fn == "1-sqrt":
            shape = 1.0 - np.sqrt(f)
        elif decay_fn == "cosine":
            shape = 0.5 * (1.0 + np.cos(math.pi * f))
        elif decay_fn == "power":
            shape = 1.0 - f**decay_power
        else:
            shape = (decay_ratio**f - decay_ratio) / (1.0 - decay_ratio)
        decayed: Values = np.where(t_decay <= 0, stable, lr_min + (stable - lr_min) * shape)
        return decayed

    if decay_t:  # every decay shape ends at 0: lr_min from t_initial on, computed once
        later, start = _after_warmup(t, warmup_t, True)
        mark_each(later, [start + t_initial - decay_t], "decay starts")
        return _timm(t, base, warmup_t, warmup_lr_init, True, lambda t_s: held_after(t_s, t_initial, after))
    return _timm(t, base, warmup_t, warmup_lr_init, True, after)


def _timm_plateau_rates(
    t: Time,
    base: float,
    decay_rate: float,
    patience_t: int,
    threshold: float,
    cooldown_t: int,
    warmup_t: int,
    warmup_lr_init: float,
    lr_min: float,
    mode: str,
) -> Values:
    """timm's PlateauLRScheduler: a warm-up (inclusive of warmup_t), then PyTorch's plateau rule on the
    metrics of the epochs after it."""
    from lrviz.schedules.plateau import plateau_rates

    assert isinstance(t, Grid)
    steps = t.array()
    step_up = (base - warmup_lr_init) / warmup_t if warmup_t else 1.0
    ramp = warmup_lr_init + steps * step_up
    first = warmup_lr_init if warmup_t else base
    # timm steps the plateau with the metric of epoch e at the end of it (step(e + 1, metric)), and
    # ignores it while e + 1 <= warmup_t: the plateau's clock starts at warmup_t
    after = plateau_rates(
        replace(t, start=warmup_t, stop=max(t.stop, warmup_t + 1)) - warmup_t,
        base,
        mode=mode,
        factor=decay_rate,
        patience=patience_t,
        threshold=threshold,
        threshold_mode="rel",
        cooldown=cooldown_t,
        min_lr=lr_min,
        eps=1e-8,
    )
    later = after[np.maximum(steps - warmup_t, 0).astype(np.int64)]
    return np.where(steps == 0, first, np.where(steps <= warmup_t, ramp, later))


def _timm_plateau_check(decay_rate: float, noise_range_t: Any = None, **_: Any) -> None:
    no_noise(noise_range_t)
    if decay_rate >= 1.0:
        raise Invalid(
            f'decay_rate must be below 1 (PyTorch\'s "Factor should be < 1.0."), got {decay_rate!r}'
        )


@schedule(
    name="timm.PlateauLRScheduler",
    frequency="feedback",
    quantity="exponential",
    optimizer=True,
    check=_timm_plateau_check,
    groups=(OPTIMIZER, TIMM_INITIALIZE),
)
def plateau_lr_scheduler(
    t: Time,
    decay_rate: Number = 0.1,
    patience_t: Count = 10,
    threshold: Number = 1e-4,
    cooldown_t: Count = 0,
    warmup_t: Count = 0,
    warmup_lr_init: Number = 0.0,
    lr_min: Number = 0.0,
    mode: Literal["min", "max"] = "max",
    noise_range_t: Anything = None,
    noise_type: Literal["normal", "uniform"] = "normal",
    noise_pct: Number = 0.67,
    noise_std: Number = 1.0,
    noise_seed: Anything = None,
    *,
    base: float,
) -> Values:
    """timm's PlateauLRScheduler: a linear warm-up, then PyTorch's ReduceLROnPlateau on epoch metrics.

    Row e ≤ warmup_t is warmup_lr_init + e·(lr − warmup_lr_init)/warmup_t; after it the plateau rule
    (decay_rate, patience_t, threshold, cooldown_t, lr_min) on the metrics of the epochs from warmup_t
    on, each changing the rate of the next epoch.

    Args:
        decay_rate: the factor of each reduction.
        patience_t: bad epochs tolerated; the next one reduces.
        threshold: the relative margin an improvement must beat.
        cooldown_t: epochs not counted after a reduction.
        warmup_t: the warm-up epochs (the last of them included).
        warmup_lr_init: the rate the warm-up starts from.
        lr_min: the floor.
        mode: 'max' by default (an accuracy), or 'min'.
        noise_range_t: must be None: timm's noise needs torch's random generator.
        noise_type: ignored without noise.
        noise_pct: ignored without noise.
        noise_std: ignored without noise.
        noise_seed: ignored without noise.

    Example:
        timm.PlateauLRScheduler(optimizer, decay_rate=0.5, patience_t=3, mode='min', lr=0.1)

    Notes:
        mode defaults to 'max', unlike PyTorch's 'min'; metrics during the warm-up are ignored, and the
        warm-up's last epoch is warmup_t itself (inclusive). timm deprecates this scheduler in 1.0.31.
    """
    return _timm_plateau_rates(
        t,
        base,
        decay_rate,
        patience_t,
        threshold,
        cooldown_t,
        warmup_t,
        warmup_lr_init,
        lr_min,
        mode,
    )
