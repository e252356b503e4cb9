"""fairseq's learning-rate schedulers (``fairseq.optim.lr_scheduler``, 0.12.2), reproduced.

fairseq's trainer builds the scheduler and calls ``step_update(0)`` at once; at the start of each epoch
e (from 1) it calls ``step_begin_epoch(e)`` then ``step_update(n)``; after each update it calls
``step_update(n)`` with the updates done so far, n; at the end of an epoch ``step(e, val_loss)`` then
``step_update(n)``. So row t, the rate of update t (from 0), is what ``step_update(t)`` sets, after
``step_begin_epoch`` of the epoch update t is in: the constructor's rate is never used. The names and
defaults are fairseq's dataclass fields; ``lr`` is ``optimization.lr``, a list (fairseq's default
[0.25]), of which every scheduler but fixed and polynomial_decay reads the first. Epochs are
``epoch_length`` updates, needed only where the rate changes by epoch (a list of rates, force_anneal,
the plateau's validations): ``epoch_length=E`` gives the run's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Annotated, Any

import numpy as np

from lrviz.clock.fast import count_power
from lrviz.clock.grid import WARMUP_ENDS, Grid, Metric, Time, mark_each, mark_every, steps
from lrviz.dialects.vocabulary import half_cosine, phases, warmup_then
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Count, Factor, Invalid, Kind, Number, Numbers, Steps
from lrviz.schedules.plateau import plateau_rates


def _rates(value: object) -> list[float]:
    items: list[object] = list(value) if isinstance(value, list | tuple) else [value]
    rates = [float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]
    if not items or len(rates) != len(items):
        raise TypeError
    if not all(math.isfinite(r) for r in rates):
        raise ValueError
    return rates


RATES = Kind("a learning rate or a non-empty list of them", "learning rate", _rates)
Rates = Annotated[Sequence[float], RATES]
"""fairseq's ``lr``: a list of rates (``--lr 0.25,0.1``); one rate is a list of one."""


DEFAULT_LR = [0.25]
"""fairseq's optimization.lr, which every scheduler's lr interpolates."""


def _one_rate(name: str, lr: Sequence[float]) -> float:
    """The single rate the scheduler takes; fairseq refuses a list of several."""
    if len(lr) > 1:
        raise Invalid(
            f"lr must be one rate for {name}, as fairseq says: 'Cannot use a fixed learning rate schedule "
            f"with {name}. Consider --lr-scheduler=fixed instead.'"
        )
    return lr[0]


def _epoch_length(epoch_length: int | None, why: str) -> int:
    if epoch_length is None:
        raise Invalid(f"{why} counts epochs: give epoch_length=… (the updates of an epoch; E is the run's)")
    return epoch_length


def _epochs(t: Values, epoch_length: int | None, why: str) -> Values:
    """The epoch (from 1) of each update."""
    epochs: Values = np.floor(t / _epoch_length(epoch_length, why)) + 1.0
    return epochs


def _warmup_init(warmup_init_lr: float, warmup_updates: int, otherwise: float) -> float:
    """fairseq's warmup_init_lr: as given when 0 or more, else 0 with a warm-up and ``otherwise`` without."""
    if warmup_init_lr >= 0:
        return warmup_init_lr
    return 0.0 if warmup_updates > 0 else otherwise


@schedule(
    name="fairseq.fixed",
    frequency="stepwise",
    quantity="exponential",
)
def fixed(
    t: Time,
    force_anneal: Count | None = None,
    lr_shrink: Number = 0.1,
    warmup_updates: Count = 0,
    epoch_length: Steps | None = None,
    lr: Rates = DEFAULT_LR,
) -> Values:
    """fairseq fixed: lr[e − 1] in epoch e (the last for later epochs), shrunk from force_anneal on.

    lr_e = lr[min(e − 1, n − 1)] before force_anneal, lr[−1]·lr_shrink^(e + 1 − force_anneal) from it;
    η_t = lr_e·(t + 1)/W for t < W (warmup_updates), else lr_e.

    Args:
        force_anneal: the epoch from which the rate shrinks by lr_shrink each epoch (None: never).
        lr_shrink: the factor of each epoch's shrink.
        warmup_updates: the updates W of a linear warm-up, (t + 1)/W of the rate.
        epoch_length: the updates of an epoch, for a list of rates or force_anneal.
        lr: the rate, or a rate for each epoch (the last for later ones).

    Example:
        fairseq.fixed(lr=[0.25], warmup_updates=100)
        --steps 500

    Notes:
        The warm-up's first update already has 1/W of the rate, and its last the whole rate. With
        force_anneal, the epoch force_anneal itself already has lr[−1]·lr_shrink.
    """
    if force_anneal is not None or len(lr) > 1:
        mark_every(t, _epoch_length(epoch_length, "a list of rates or force_anneal"), "epoch")

    def epoch_rate(s: Values) -> Values:
        if force_anneal is None and len(lr) == 1:
            return np.full(s.shape, lr[0])
        epoch = _epochs(s, epoch_length, "a list of rates or force_anneal")
        listed: Values = np.asarray(lr)[np.minimum(epoch - 1, len(lr) - 1).astype(np.intp)]
        if force_anneal is None:
            return listed
        annealed = lr[-1] * np.power(lr_shrink, epoch + 1 - force_anneal)
        return np.where(epoch < force_anneal, listed, annealed)

    if warmup_updates <= 0:
        return epoch_rate(steps(t))
    return warmup_then(
        t, warmup_updates, lambda s: (s + 1) / float(warmup_updates) * epoch_rate(s), epoch_rate
    )


def _positive_warmup(warmup_updates: int, **_: Any) -> None:
    if warmup_updates <= 0:
        raise Invalid(f"warmup_updates must be at least 1: fairseq divides by it, got {warmup_updates}")


@schedule(
    name="fairseq.inverse_sqrt",
    frequency="continuous",
    quantity="inverse square root",
    check=_positive_warmup,
)
def inverse_sqrt(
    t: Time, warmup_updates: Count = 4000, warmup_init_lr: Number = -1, lr: Rates = DEFAULT_LR
) -> Values:
    """fairseq inverse_sqrt: a linear warm-up to lr, then lr·√W/√t.

    η_t = init + t·(lr − init)/W for t < W, else lr·√W·t^−½ (W = warmup_updates; init =
    warmup_init_lr, 0 when below 0).

    Args:
        warmup_updates: the updates W of the warm-up.
        warmup_init_lr: the rate the warm-up starts from (below 0: 0).
        lr: the peak rate, as a list of one (fairseq's default [0.25]).

    Example:
        fairseq.inverse_sqrt(lr=[5e-4], warmup_updates=4000, warmup_init_lr=1e-7)
        --steps 100000

    Notes:
        The warm-up reaches lr only at update W, where the decay begins: row W − 1 is
        init + (W − 1)/W of the way.
    """
    peak = _one_rate("inverse_sqrt", lr)
    start = _warmup_init(warmup_init_lr, warmup_updates, peak)
    step = (peak - start) / warmup_updates
    decay = peak * warmup_updates**0.5
    return warmup_then(t, warmup_updates, lambda s: start + s * step, lambda s: decay * s**-0.5)


@schedule(
    name="fairseq.polynomial_decay",
    frequency="continuous",
    quantity="polynomial",
    length=lambda args: args.get("total_num_update"),
)
def polynomial_decay(
    t: Time,
    warmup_updates: Count = 0,
    force_anneal: Count | None = None,
    end_learning_rate: Number = 0.0,
    power: Number = 1.0,
    total_num_update: Steps | None = None,
    epoch_length: Steps | None = None,
    lr: Rates = DEFAULT_LR,
    *,
    horizon: int = 1,
) -> Values:
    """fairseq polynomial_decay: a linear warm-up, then a polynomial down to end_learning_rate.

    η_t = L·t/W for t ≤ W; end + (L − end)·(1 − (t − W)/(T − W))^power for W < t < T; end from T on
    (T = total_num_update, L = lr[min(e, n − 1)] in epoch e).

    Args:
        warmup_updates: the updates W of the warm-up.
        force_anneal: the epoch from which each epoch restarts the decay from the rate it finds.
        end_learning_rate: the rate it decays to.
        power: the decay's exponent.
        total_num_update: the update T where it ends (default: the run, fairseq's max_update).
        epoch_length: the updates of an epoch, for a list of rates or force_anneal.
        lr: the peak, or a peak for each epoch from the second entry on.

    Example:
        fairseq.polynomial_decay(lr=[1e-4], warmup_updates=1000, total_num_update=20000)
        --steps 20000

    Notes:
        The warm-up starts at 0 and reaches L at update W itself. With a list of rates, epoch e takes
        lr[e] (not lr[e − 1], as fixed does). From force_anneal on, each epoch's L is the rate the
        epoch finds, so the decay steps down at each epoch's start.
    """
    total = float(total_num_update if total_num_update is not None else horizon)
    rows = steps(t)
    warmup = warmup_updates

    def rate(n: Values, peak: Values | float) -> Values:
        with np.errstate(divide="ignore", invalid="ignore"):
            remaining = 1 - (n - warmup) / (total - warmup)
            decayed = (peak - end_learning_rate) * remaining**power + end_learning_rate
        out = np.where(n >= total, end_learning_rate, decayed)
        if warmup > 0:
            out = np.where(n <= warmup, n / float(warmup) * peak, out)
        return np.asarray(out, dtype=np.float64)

    mark_each(t, [warmup + 1] if warmup else [], WARMUP_ENDS, "warmup")
    mark_each(t, [total], "decay ends")
    if force_anneal is None and len(lr) == 1:
        return rate(rows, lr[0])
    epoch = _epochs(rows, epoch_length, "a list of rates or force_anneal")
    assert epoch_length is not None
    if force_anneal is None:
        mark_every(t, epoch_length, "epoch")
        return rate(rows, np.asarray(lr)[np.minimum(epoch, len(lr) - 1).astype(np.intp)])
    last = int(epoch.max()) if rows.size else 1
    peaks = np.empty(last + 1)  # L of each epoch, by fairseq's step_begin_epoch
    current = float(rate(np.array([0.0]), lr[0])[0])  # what step_update(0) set when built
    for e in range(1, last + 1):
        if force_anneal is None or e < force_anneal:
            peaks[e] = lr[min(e, len(lr) - 1)]
        else:
            peaks[e] = current
        current = float(rate(np.array([float(e * epoch_length)]), peaks[e])[0])  # its end's step_update
    mark_every(t, epoch_length, "epoch")
    return rate(rows, peaks[epoch.astype(np.intp)])


def _tri_stage_check(
    phase_ratio: list[float] | None, warmup_steps: int, hold_steps: int, decay_steps: int, **_: Any
) -> None:
    if phase_ratio is not None:
        if len(phase_ratio) != 3:
            raise Invalid(f"phase_ratio must be three ratios (warm-up, hold, decay), got {phase_ratio}")
        if sum(phase_ratio) != 1:
            raise Invalid(f"phase_ratio must add up to 1, as fairseq asserts, got {phase_ratio}")
    elif decay_steps <= 0:
        raise Invalid(f"decay_steps must be at least 1: fairseq divides by it, got {decay_steps}")


@schedule(
    name="fairseq.tri_stage",
    frequency="continuous",
    quantity="linear, constant, exponential",
    check=_tri_stage_check,
)
def tri_stage(
    t: Time,
    warmup_steps: Count = 0,
    hold_steps: Count = 0,
    decay_steps: Count = 0,
    phase_ratio: Numbers | None = None,
    init_lr_scale: Number = 0.01,
    final_lr_scale: Factor = 0.01,
    max_update: Steps | None = None,
    lr: Rates = DEFAULT_LR,
    *,
    horizon: int = 1,
) -> Values:
    """fairseq tri_stage: a linear warm-up from lr·init_lr_scale, a hold at lr, an exponential decay.

    With W, H, D the stages' updates (from phase_ratio: ⌊max_update·r⌋ each): η_t = lr·i + t·lr(1 − i)/W
    for t < W; lr for t < W + H; lr·exp(ln(f)·(t − W − H)/D) for t ≤ W + H + D; lr·f after.

    Args:
        warmup_steps: the updates W of the warm-up.
        hold_steps: the updates H of the hold.
        decay_steps: the updates D of the decay.
        phase_ratio: the three stages as fractions of max_update, adding up to 1 (in place of the steps).
        init_lr_scale: the warm-up's start, as a fraction i of lr.
        final_lr_scale: the decay's end, as a fraction f of lr.
        max_update: the run's updates, for phase_ratio (default: the run).
        lr: the peak rate, as a list of one (fairseq's default [0.25]).

    Example:
        fairseq.tri_stage(lr=[5e-5], phase_ratio=[0.1, 0.4, 0.5], max_update=20000)
        --steps 20000

    Notes:
        The decay's last update, W + H + D, is lr·f up to rounding; the constant lr·f follows.
    """
    peak = _one_rate("tri_stage", lr)
    if phase_ratio is not None:
        total = max_update if max_update is not None else horizon
        warmup, hold, decay = (int(total * r) for r in phase_ratio)
    else:
        warmup, hold, decay = warmup_steps, hold_steps, decay_steps
    if decay <= 0:
        raise Invalid(f"the decay stage has {decay} updates: fairseq divides by them; give a longer one")
    start = init_lr_scale * peak
    final = final_lr_scale * peak
    rise = (peak - start) / warmup if warmup != 0 else 0.0
    factor = -math.log(final_lr_scale) / decay
    held = warmup + hold
    return phases(
        t,
        [warmup, held, held + decay + 1],
        [
            lambda s: start + rise * s,
            peak,
            lambda s: peak * np.exp(-factor * (s - held)),
            final,
        ],
        [WARMUP_ENDS, "decay", "decay ends"],
        ["warmup", "phase", "phase"],
    )


@schedule(
    name="fairseq.cosine",
    frequency="cyclic",
    quantity="cosine",
)
def cosine(
    t: Time,
    warmup_updates: Count = 0,
    warmup_init_lr: Number = -1,
    min_lr: Number = 0.0,
    t_mult: Factor = 1.0,
    lr_period_updates: Number = -1,
    lr_shrink: Number = 0.1,
    max_update: Steps | None = None,
    lr: Rates = DEFAULT_LR,
    *,
    horizon: int = 1,
) -> Values:
    """fairseq cosine: a linear warm-up, then cosine periods (SGDR), grown by t_mult, shrunk by lr_shrink.

    η_t = init + t·(lr − init)/W for t < W; after, in period i of length P·t_mult^i at t_c within it:
    m_i + ½(M_i − m_i)(1 + cos(π·t_c/t_i)), M_i = lr·lr_shrink^i, m_i = min_lr·lr_shrink^i.

    Args:
        warmup_updates: the updates W of the warm-up.
        warmup_init_lr: the rate the warm-up starts from (below 0: min_lr).
        min_lr: each period's floor.
        t_mult: the factor each period grows by.
        lr_period_updates: the first period's updates P (0 or below: max_update − W).
        lr_shrink: the factor of each later period's peak and floor.
        max_update: the run's updates, for the period (default: the run).
        lr: the peak rate, as a list of one (fairseq's default [0.25]).

    Example:
        fairseq.cosine(lr=[1e-3], warmup_updates=1000, max_update=50000)
        --steps 50000

    Notes:
        One period is the default (P = max_update − W), which ends one update past the run at min_lr.
        With t_mult ≠ 1 the period comes from a float log, as in fairseq; with t_mult < 1 the periods
        end after P/(1 − t_mult) updates, past which fairseq fails.
    """
    peak = _one_rate("cosine", lr)
    if not peak > min_lr:
        raise Invalid(f"lr must be more than min_lr, as fairseq asserts: lr {peak!r}, min_lr {min_lr!r}")
    start = warmup_init_lr if warmup_init_lr >= 0 else min_lr
    period = float(lr_period_updates)
    if period <= 0:
        period = float((max_update if max_update is not None else horizon) - warmup_updates)
    if period <= 0:
        raise Invalid(
            f"the period is {period:g} updates (max_update − warmup_updates): fairseq divides by it; give "
            "lr_period_updates or a longer max_update"
        )
    step = (peak - start) / warmup_updates if warmup_updates > 0 else 1.0

    def periods(s: Values) -> Values:
        curr = s - warmup_updates
        if t_mult != 1:
            with np.errstate(invalid="ignore", divide="ignore"):
                inside = 1 - curr / period * (1 - t_mult)
            if (inside <= 0).any():
                first = int(s[np.argmax(inside <= 0)])
                raise Invalid(
                    f"with t_mult {t_mult!r} the periods end: fairseq fails (a math domain error) from "
                    f"update {first}: give a shorter run or t_mult ≥ 1"
                )
            i = np.floor(np.log(inside) / math.log(t_mult))
            grown = count_power(t_mult, i) if (i >= 0).all() else np.power(t_mult, i)
            t_i = grown * period
            t_curr = curr - (1 - grown) / (1 - t_mult) * period
        else:
            i = np.floor(curr / period)
            t_i = np.full(curr.shape, period)
            t_curr = curr - period * i
        shrink = count_power(lr_shrink, i) if (i >= 0).all() else np.power(lr_shrink, i)
        low, high = min_lr * shrink, peak * shrink
        cycled: Values = low + (high - low) * half_cosine(math.pi * t_curr / t_i)
        return cycled

    if t_mult == 1:
        mark_every(t, period, "restart", start=warmup_updates)
    return warmup_then(t, warmup_updates, lambda s: start + s * step, periods)


def _triangular_check(lr_period_updates: float, **_: Any) -> None:
    if lr_period_updates // 2 <= 0:
        raise Invalid(
            f"lr_period_updates must be at least 2: fairseq divides by half of it, got {lr_period_updates!r}"
        )


@schedule(
    name="fairseq.triangular",
    frequency="cyclic",
    quantity="linear",
    check=_triangular_check,
)
def triangular(
    t: Time,
    max_lr: Number,
    lr_period_updates: Number = 5000,
    lr_shrink: Number = 0.1,
    shrink_min: bool = False,
    lr: Rates = DEFAULT_LR,
) -> Values:
    """fairseq triangular: triangles from lr up to max_lr and back, each period's peak shrunk by lr_shrink.

    With s = ⌊lr_period_updates/2⌋ and cycle c = ⌊t/2s⌋: x = |t/s − 2(c + 1) + 1|;
    η_t = m + (max_lr·lr_shrink^c − m)·max(0, 1 − x), m = lr (times lr_shrink^c with shrink_min).

    Args:
        max_lr: the first triangle's peak, above lr.
        lr_period_updates: the updates of a period, up and down.
        lr_shrink: the factor each period's peak shrinks by.
        shrink_min: shrink the floor lr as well.
        lr: the floor, as a list of one (fairseq's default [0.25]).

    Example:
        fairseq.triangular(lr=[1e-4], max_lr=1e-3, lr_period_updates=2000)
        --steps 10000
    """
    low = _one_rate("triangular", lr)
    if not max_lr > low:
        raise Invalid(f"max_lr must be more than lr, as fairseq asserts: max_lr {max_lr!r}, lr {low!r}")
    half = lr_period_updates // 2
    rows = steps(t)
    cycle = np.floor(rows / (2 * half))
    shrink = count_power(lr_shrink, cycle)
    high = max_lr * shrink
    floor = low * shrink if shrink_min else low
    x = np.abs(rows / half - 2 * (cycle + 1) + 1)
    mark_every(t, 2 * half, "restart")
    rates: Values = floor + (high - floor) * np.maximum(0, 1 - x)
    return rates


def _step_check(lr_deacy_period: int, lr_decay: float, min_lr: float, **_: Any) -> None:
    if lr_decay > 1:
        raise Invalid(f"lr_decay must be at most 1, as fairseq asserts, got {lr_decay!r}")
    if min_lr < 0:
        raise Invalid(f"min_lr must be 0 or more, as fairseq asserts, got {min_lr!r}")


@schedule(
    name="fairseq.step",
    frequency="stepwise",
    quantity="exponential",
    check=_step_check,
)
def step(
    t: Time,
    warmup_updates: Count = 0,
    warmup_init_lr: Number = -1,
    min_lr: Number = 0.0,
    lr_deacy_period: Steps = 25000,
    lr_decay: Number = 0.5,
    lr: Rates = DEFAULT_LR,
) -> Values:
    """fairseq step: a linear warm-up, then lr times lr_decay every lr_deacy_period updates.

    η_t = init + t·(lr − init)/W for t < W, else max(lr·lr_decay^⌊(t − W)/period⌋, min_lr).

    Args:
        warmup_updates: the updates W of the warm-up.
        warmup_init_lr: the rate the warm-up starts from (below 0: min_lr).
        min_lr: the floor.
        lr_deacy_period: the updates between decays (fairseq's spelling).
        lr_decay: the factor of each decay, at most 1.
        lr: the peak rate, as a list of one (fairseq's default [0.25]).

    Example:
        fairseq.step(lr=[1e-3], lr_deacy_period=10000, lr_decay=0.5)
        --steps 50000

    Notes:
        lr may be a list, of which only the first is read.
    """
    peak = lr[0]
    if not peak > min_lr:
        raise Invalid(f"lr must be more than min_lr, as fairseq asserts: lr {peak!r}, min_lr {min_lr!r}")
    start = warmup_init_lr if warmup_init_lr >= 0 else min_lr
    rise = (peak - start) / warmup_updates if warmup_updates > 0 else 1.0

    def decayed(s: Values) -> Values:
        times = np.floor((s - warmup_updates) / lr_deacy_period)
        return np.maximum(peak * count_power(lr_decay, times), min_lr)

    mark_every(t, lr_deacy_period, "decay", start=warmup_updates)
    return warmup_then(t, warmup_updates, lambda s: start + s * rise, decayed)


def _plateau_check(lr_shrink: float, **_: Any) -> None:
    if lr_shrink >= 1.0:
        raise Invalid(
            f"lr_shrink must be below 1, as PyTorch's ReduceLROnPlateau requires, got {lr_shrink!r}"
        )


@schedule(
    name="fairseq.reduce_lr_on_plateau",
    frequency="feedback",
    quantity="exponential",
    check=_plateau_check,
)
def reduce_lr_on_plateau(
    t: Time,
    lr_shrink: Number = 0.1,
    lr_threshold: Number = 1e-4,
    lr_patience: Count = 0,
    warmup_updates: Count = 0,
    warmup_init_lr: Number = -1,
    maximize_best_checkpoint_metric: bool = False,
    epoch_length: Steps | None = None,
    lr: Rates = DEFAULT_LR,
) -> Values:
    """fairseq reduce_lr_on_plateau: a warm-up, then PyTorch's ReduceLROnPlateau on each validation.

    η_t = init + t·(lr − init)/W for t ≤ W; after, the rate times lr_shrink after more than lr_patience
    validations without an improvement on the best by lr_threshold (relative), each validation (the
    metric at an epoch's last update) setting the rate of the next epoch.

    Args:
        lr_shrink: the factor of each reduction, below 1.
        lr_threshold: the relative margin an improvement must beat.
        lr_patience: validations without improvement tolerated; the next one reduces.
        warmup_updates: the updates W of the warm-up.
        warmup_init_lr: the rate the warm-up starts from (below 0: 0 with a warm-up).
        maximize_best_checkpoint_metric: the metric is an accuracy (mode 'max'), not a loss.
        epoch_length: the updates of an epoch: a validation follows each.
        lr: the peak rate, as a list of one (fairseq's default [0.25]).

    Example:
        fairseq.reduce_lr_on_plateau(lr=[0.1], lr_patience=2, lr_shrink=0.5, epoch_length=10)
        --epochs 40 --steps-per-epoch 10 --metric synthetic

    Notes:
        fairseq's default patience is 0: the first validation that does not improve reduces the rate.
        Validations that end an epoch before the warm-up's end (update W + 1) are not counted.
    """
    peak = _one_rate("reduce_lr_on_plateau", lr)
    if epoch_length is None:
        raise Invalid("the plateau reads a validation each epoch: give epoch_length=… (E is the run's)")
    start = _warmup_init(warmup_init_lr, warmup_updates, peak)
    rise = (peak - start) / warmup_updates if warmup_updates > 0 else 0.0
    after = start + warmup_updates * rise if warmup_updates > 0 else peak  # what the warm-up left
    if not isinstance(t, Grid) or t.start != 0:
        raise Invalid(
            "reacts to a metric, so it is evaluated over its part from its start, not at chosen steps"
        )
    reports = t.reports(0, t.stop - 2)
    counted = ((reports.steps + 1) % epoch_length == 0) & (
        (reports.steps + 1 > warmup_updates) | (warmup_updates <= 0)
    )
    validations = Metric(reports.steps[counted] + t.offset, reports.values[counted], reports.label)
    reduced = plateau_rates(
        replace(t, metric=validations),
        after,
        mode="max" if maximize_best_checkpoint_metric else "min",
        factor=lr_shrink,
        patience=lr_patience,
        threshold=lr_threshold,
    )
    if warmup_updates <= 0:
        return reduced
    mark_each(t, [warmup_updates + 1], WARMUP_ENDS, "warmup")
    rows = steps(t)
    return np.where(rows <= warmup_updates, start + rows * rise, reduced)
