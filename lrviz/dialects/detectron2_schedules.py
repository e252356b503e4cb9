"""fvcore's parameter schedulers (``fvcore.common.param_scheduler``, 0.1.5) and detectron2's LR
schedulers (``detectron2.solver.lr_scheduler``), reproduced.

An fvcore scheduler is a function of ``where``, the share of training done, in [0, 1). detectron2's
LRMultiplier is a PyTorch scheduler whose constructor steps once, and its trainer steps it after every
iteration: row t is ``lr·m(t/max_iter)``, row 0 the constructor's. An fvcore scheduler on its own runs
over the run as LRMultiplier would run it with ``max_iter`` the run's length: row t is m(t/T), a value
of its own (not a factor of ``lr``). Nested in another (Composite, Warmup, LRMultiplier), it is called
at the ``where`` its parent computes. The legacy WarmupMultiStepLR and WarmupCosineLR are PyTorch
schedulers on the iteration: row t is their formula at ``last_epoch = t``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import Time, steps
from lrviz.dialects.vocabulary import OPTIMIZER, half_cosine
from lrviz.schedules.entry import Schedule, Values, group, schedule
from lrviz.schedules.kinds import Anything, Count, Invalid, LastEpoch, Number, Numbers, Steps, WholeSteps

WHERE_EPSILON = 1e-6
"""fvcore's tolerance when it compares ``where`` with a boundary (ParamScheduler.WHERE_EPSILON)."""

PARAM_SCHEDULERS = (
    "ConstantParamScheduler",
    "CosineParamScheduler",
    "ExponentialParamScheduler",
    "LinearParamScheduler",
    "MultiStepParamScheduler",
    "PolynomialDecayParamScheduler",
    "StepParamScheduler",
    "StepWithFixedGammaParamScheduler",
    "CompositeParamScheduler",
    "WarmupParamScheduler",
)
"""The fvcore ParamSchedulers (detectron2's WarmupParamScheduler is one): functions of ``where``."""


@group()
def resumed(last_iter: LastEpoch = -1) -> None:
    """Where a resumed scheduler starts; lrviz runs every schedule from its start.

    Args:
        last_iter: must be -1.
    """


@group()
def resumed_epoch(last_epoch: LastEpoch = -1) -> None:
    """Where a resumed scheduler starts; lrviz runs every schedule from its start.

    Args:
        last_epoch: must be -1.
    """


def _where(t: Values, horizon: int) -> Values:
    """The share of training done at rows t of a run of ``horizon`` rows (t itself when nested: 1)."""
    done: Values = t / float(horizon)
    return done


def _param_scheduler(member: Schedule) -> bool:
    entry = getattr(member, "entry", None)
    return entry is not None and entry.name in {f"detectron2.{name}" for name in PARAM_SCHEDULERS}


def _members_check(*members: Schedule) -> None:
    for member in members:
        if not _param_scheduler(member):
            raise Invalid(
                f"{member!r} is no fvcore ParamScheduler: detectron2 takes one of "
                + ", ".join(f"detectron2.{name}" for name in PARAM_SCHEDULERS)
            )


def at(member: Schedule, where: Values) -> Values:
    """An fvcore scheduler's values at ``where``, as its parent calls it."""
    return member.evaluate(where, 1)


def _below_one(name: str, where: Values, inclusive: bool) -> None:
    """fvcore's own refusal of a ``where`` past the end (at 1 too unless ``inclusive``)."""
    past = where > 1.0 if inclusive else where >= 1.0
    if past.any():
        raise Invalid(
            f"fvcore's {name} takes where in [0, {'1]' if inclusive else '1)'}, and raises at "
            f"{float(where[np.argmax(past)])!r}: run at most max_iter steps"
        )


@schedule(name="detectron2.ConstantParamScheduler", frequency="continuous", quantity="constant")
def constant_param_scheduler(t: Values, value: Number, *, horizon: int = 1) -> Values:
    """fvcore ConstantParamScheduler: one value throughout.

    m(where) = value

    Args:
        value: the value.

    Example:
        detectron2.ConstantParamScheduler(0.1)

    Notes:
        fvcore raises at where ≥ 1: inside an LRMultiplier, a run of at most max_iter steps.
    """
    _below_one("ConstantParamScheduler", _where(t, horizon), inclusive=False)
    return np.full(t.shape, float(value))


@schedule(name="detectron2.CosineParamScheduler", frequency="continuous", quantity="cosine")
def cosine_param_scheduler(t: Values, start_value: Number, end_value: Number, *, horizon: int = 1) -> Values:
    """fvcore CosineParamScheduler: a half cosine from start_value to end_value over the whole run.

    m(where) = end + ½(start − end)(1 + cos(π·where))

    Args:
        start_value: the value at where = 0.
        end_value: the value at where = 1.

    Example:
        detectron2.CosineParamScheduler(0.1, 0.0001)
    """
    wave: Values = end_value + 0.5 * (start_value - end_value) * (1.0 + np.cos(math.pi * _where(t, horizon)))
    return wave


@schedule(name="detectron2.ExponentialParamScheduler", frequency="continuous", quantity="exponential")
def exponential_param_scheduler(t: Values, start_value: Number, decay: Number, *, horizon: int = 1) -> Values:
    """fvcore ExponentialParamScheduler: start_value times decay to the power of the share done.

    m(where) = start·decay^where

    Args:
        start_value: the value at where = 0.
        decay: the factor the value has shrunk by at where = 1.

    Example:
        detectron2.ExponentialParamScheduler(2.0, 0.02)
    """
    rates: Values = start_value * np.power(float(decay), _where(t, horizon))
    return rates


@schedule(name="detectron2.LinearParamScheduler", frequency="continuous", quantity="linear")
def linear_param_scheduler(t: Values, start_value: Number, end_value: Number, *, horizon: int = 1) -> Values:
    """fvcore LinearParamScheduler: a line from start_value to end_value over the whole run.

    m(where) = end·where + start·(1 − where)

    Args:
        start_value: the value at where = 0.
        end_value: the value at where = 1.

    Example:
        detectron2.LinearParamScheduler(0.01, 0.0001)
    """
    where = _where(t, horizon)
    line: Values = end_value * where + start_value * (1.0 - where)
    return line


@schedule(name="detectron2.PolynomialDecayParamScheduler", frequency="continuous", quantity="polynomial")
def polynomial_decay_param_scheduler(
    t: Values, base_value: Number, power: Number, *, horizon: int = 1
) -> Values:
    """fvcore PolynomialDecayParamScheduler: base_value times the share left to a power.

    m(where) = base·(1 − where)^power

    Args:
        base_value: the value at where = 0.
        power: the power.

    Example:
        detectron2.PolynomialDecayParamScheduler(0.1, 0.9)
    """
    rates: Values = base_value * np.power(1.0 - _where(t, horizon), float(power))
    return rates


def _milestones(
    values: list[float], num_updates: int | None, milestones: list[int] | None
) -> tuple[int, list[int]]:
    """MultiStepParamScheduler's run length and milestones, as its constructor settles and checks them."""
    if num_updates is None and milestones is None:
        raise Invalid("num_updates and milestones cannot both be None, as fvcore requires")
    if milestones is None:
        assert num_updates is not None
        width = math.ceil(num_updates / float(len(values)))  # equal ranges, as fvcore spaces them
        milestones = [width * (i + 1) for i in range(len(values) - 1)]
    elif len(milestones) != len(values) - int(num_updates is not None):
        raise Invalid(
            f"MultiStepParamScheduler needs {len(values) - int(num_updates is not None)} milestones for "
            f"{len(values)} values, as fvcore requires, got {len(milestones)}"
        )
    if num_updates is None:
        num_updates, milestones = milestones[-1], milestones[:-1]
    if num_updates < len(values):
        raise Invalid(
            f"num_updates ({num_updates}) must be at least the number of values, as fvcore requires"
        )
    start = 0
    for milestone in milestones:
        if milestone >= num_updates:
            raise Invalid(
                f"every milestone must be below num_updates ({num_updates}) for fvcore, got {milestone}"
            )
        if start >= milestone:
            raise Invalid(f"milestones must increase from above 0, as fvcore requires, got {milestones}")
        start = milestone
    return num_updates, milestones


def _multi_step_check(
    values: list[float], num_updates: int | None, milestones: list[int] | None, **_: Any
) -> None:
    _milestones(values, num_updates, milestones)


@schedule(
    name="detectron2.MultiStepParamScheduler",
    frequency="stepwise",
    quantity="piecewise constant",
    check=_multi_step_check,
)
def multi_step_param_scheduler(
    t: Values,
    values: Numbers,
    num_updates: Steps | None = None,
    milestones: WholeSteps | None = None,
    *,
    horizon: int = 1,
) -> Values:
    """fvcore MultiStepParamScheduler: values[i] from milestone i − 1 on, milestones in updates.

    With e = ⌊(where + 10⁻⁶)·num_updates⌋: m = values[number of milestones ≤ e]. Without milestones,
    num_updates is cut into len(values) ranges of ⌈num_updates/len(values)⌉; without num_updates, the
    last milestone is it.

    Args:
        values: the value in each range.
        num_updates: the updates of the whole run, the scale of the milestones.
        milestones: the update each next range starts at.

    Example:
        detectron2.MultiStepParamScheduler([1, 0.1, 0.01], num_updates=90000, milestones=[60000, 80000])
        --steps 90000

    Notes:
        ``where`` is scaled by num_updates, not by the run: on its own over a run of another length the
        milestones fall at their share of it. fvcore raises at where > 1.
    """
    updates, edges = _milestones(values, num_updates, milestones)
    where = _where(t, horizon)
    _below_one("MultiStepParamScheduler", where, inclusive=True)
    update = np.floor((where + WHERE_EPSILON) * updates)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), update, side="right")
    picked: Values = np.asarray(values, dtype=np.float64)[index]
    return picked


def _stepped(name: str, values: Sequence[float], where: Values) -> Values:
    """values[⌊(where + 10⁻⁶)·n⌋], refused where fvcore's index runs past the list."""
    index = np.floor((where + WHERE_EPSILON) * len(values))
    if (index >= len(values)).any():
        raise Invalid(
            f"fvcore's {name} has no value at where = {float(where[np.argmax(index >= len(values))])!r} "
            "(it indexes past its values from where ≥ 1 − 10⁻⁶): run at most max_iter steps"
        )
    picked: Values = np.asarray(values, dtype=np.float64)[index.astype(np.intp)]
    return picked


def _step_check(num_updates: float, **_: Any) -> None:
    if num_updates <= 0:
        raise Invalid(f"num_updates must be larger than 0, as fvcore requires, got {num_updates}")


@schedule(
    name="detectron2.StepParamScheduler",
    frequency="stepwise",
    quantity="piecewise constant",
    check=_step_check,
)
def step_param_scheduler(t: Values, num_updates: Number, values: Numbers, *, horizon: int = 1) -> Values:
    """fvcore StepParamScheduler: the values in turn, each for an equal share of the run.

    m(where) = values[⌊(where + 10⁻⁶)·len(values)⌋]

    Args:
        num_updates: the run's updates (fvcore checks it is positive, and uses it no further).
        values: the values, in order.

    Example:
        detectron2.StepParamScheduler(120, [0.1, 0.01, 0.001, 0.0001])
    """
    return _stepped("StepParamScheduler", values, _where(t, horizon))


def _fixed_gamma_check(base_value: float, num_decays: int, gamma: float, num_updates: int, **_: Any) -> None:
    if base_value <= 0 or gamma <= 0:
        raise Invalid("base_value and gamma must be positive numbers, as fvcore requires")
    if num_decays <= 0:
        raise Invalid("num_decays and num_updates must be positive integers, as fvcore requires")


@schedule(
    name="detectron2.StepWithFixedGammaParamScheduler",
    frequency="stepwise",
    quantity="exponential steps",
    check=_fixed_gamma_check,
)
def step_with_fixed_gamma_param_scheduler(
    t: Values, base_value: Number, num_decays: Count, gamma: Number, num_updates: Steps, *, horizon: int = 1
) -> Values:
    """fvcore StepWithFixedGammaParamScheduler: num_decays drops by gamma, at equal shares of the run.

    m(where) = v[⌊(where + 10⁻⁶)·(num_decays + 1)⌋], v₀ = base, v_{k+1} = v_k·γ

    Args:
        base_value: the first value.
        num_decays: how many times it drops.
        gamma: the factor of each drop.
        num_updates: the run's updates (checked to be positive, and used no further).

    Example:
        detectron2.StepWithFixedGammaParamScheduler(base_value=0.1, num_decays=3, gamma=0.1, num_updates=120)
    """
    values = [float(base_value)]
    for _ in range(num_decays):
        values.append(values[-1] * gamma)  # a running product, as fvcore builds its list
    return _stepped("StepWithFixedGammaParamScheduler", values, _where(t, horizon))


Scaling = Literal["rescaled", "fixed"]


def _composite_lengths(lengths: Sequence[float]) -> list[float]:
    """The lengths as fvcore keeps them: the last made 1 − the others when they do not sum to 1."""
    kept = list(lengths)
    if sum(kept) != 1.0:
        kept[-1] = 1.0 - sum(kept[:-1])
    return kept


def _composite_check(
    schedulers: Sequence[Schedule], lengths: list[float], interval_scaling: Any, **_: Any
) -> None:
    _members_check(*schedulers)
    if len(schedulers) != len(lengths):
        raise Invalid("schedulers and lengths must be the same length, as fvcore requires")
    if abs(sum(lengths) - 1.0) >= 1e-3:
        raise Invalid(f"the lengths must sum to 1, as fvcore requires, got {sum(lengths)!r}")
    if not isinstance(interval_scaling, list | tuple) or len(interval_scaling) != len(schedulers):
        raise Invalid("interval_scaling must be a list of 'rescaled' or 'fixed', one for each scheduler")
    for scaling in interval_scaling:
        if scaling not in ("rescaled", "fixed"):
            raise Invalid(f"interval_scaling is 'rescaled' or 'fixed', got {scaling!r}")


def composite(
    where: Values,
    parts: Sequence[Callable[[Values], Values]],
    lengths: Sequence[float],
    scaling: Sequence[str],
) -> Values:
    """CompositeParamScheduler's rule: part i where ``where + 10⁻⁶`` first stays within the running
    total of the lengths (the last part past them all), at its own where when 'rescaled'."""
    kept = _composite_lengths(lengths)
    totals: list[float] = []
    running = 0.0
    for i, length in enumerate(kept):
        running = length if i == 0 else running + length  # summed in order, as fvcore's loop sums
        totals.append(running)
    which = np.full(where.shape, len(kept) - 1)
    for i in reversed(range(len(kept) - 1)):
        which = np.where(where + WHERE_EPSILON > totals[i], which, i)
    out = np.empty(where.shape)
    for i, part in enumerate(parts):
        mine = which == i
        if not mine.any():
            continue
        local = where[mine]
        if scaling[i] == "rescaled":
            local = (local - (totals[i] - kept[i])) / kept[i]
        out[mine] = part(local)
    return out


@schedule(
    name="detectron2.CompositeParamScheduler",
    frequency="composite",
    quantity="any",
    check=_composite_check,
)
def composite_param_scheduler(
    t: Values,
    schedulers: list[Schedule],
    lengths: Numbers,
    interval_scaling: Anything,
    *,
    horizon: int = 1,
) -> Values:
    """fvcore CompositeParamScheduler: the schedulers in turn, each for its length's share of the run.

    Scheduler i runs while where + 10⁻⁶ ≤ l₀ + … + lᵢ, at (where − start)/lᵢ when 'rescaled' (its own
    whole course in its share) or at where itself when 'fixed'.

    Args:
        schedulers: the fvcore schedulers, in order.
        lengths: their shares of the run, summing to 1.
        interval_scaling: 'rescaled' or 'fixed', for each scheduler.

    Example:
        detectron2.CompositeParamScheduler([detectron2.ConstantParamScheduler(0.42),
                                            detectron2.CosineParamScheduler(0.42, 1e-4)],
                                           lengths=[0.3, 0.7], interval_scaling=['rescaled', 'rescaled'])
    """
    parts = [functools.partial(at, member) for member in schedulers]
    return composite(_where(t, horizon), parts, lengths, interval_scaling)


def _warmup_check(scheduler: Schedule, warmup_method: str, **_: Any) -> None:
    _members_check(scheduler)


@schedule(
    name="detectron2.WarmupParamScheduler",
    frequency="composite",
    quantity="linear or constant, then any",
    check=_warmup_check,
)
def warmup_param_scheduler(
    t: Values,
    scheduler: Schedule,
    warmup_factor: Number,
    warmup_length: Number,
    warmup_method: Literal["linear", "constant"] = "linear",
    rescale_interval: bool = False,
    *,
    horizon: int = 1,
) -> Values:
    """detectron2 WarmupParamScheduler: a warm-up over the run's first warmup_length, on a scheduler.

    With s the scheduler: while where + 10⁻⁶ ≤ w, a line from warmup_factor·s(0) to s(w) (to s(0) with
    rescale_interval) at where/w, or warmup_factor·s(0) throughout with 'constant'; after it, s(where)
    — or s((where − w)/(1 − w)) with rescale_interval.

    Args:
        scheduler: the fvcore scheduler the warm-up goes before.
        warmup_factor: the warm-up's start, as a factor of the scheduler's value at 0.
        warmup_length: the warm-up's share of the whole run, in [0, 1].
        warmup_method: 'linear' (the default) or 'constant'.
        rescale_interval: whether the scheduler runs its whole course after the warm-up.

    Example:
        detectron2.WarmupParamScheduler(detectron2.CosineParamScheduler(1, 0), 0.001, 0.05)

    Notes:
        The warm-up is overlaid, not carved out: without rescale_interval the scheduler's clock starts
        at the run's start, and the warm-up ends at the scheduler's value there.
    """
    first = float(at(scheduler, np.zeros(1))[0])
    end = first if rescale_interval else float(at(scheduler, np.array([float(warmup_length)]))[0])
    start = warmup_factor * first

    def ramp(local: Values) -> Values:
        if warmup_method == "constant":
            return np.full(local.shape, start)
        line: Values = end * local + start * (1.0 - local)
        return line

    return composite(
        _where(t, horizon),
        [ramp, functools.partial(at, scheduler)],
        [float(warmup_length), 1.0 - warmup_length],
        ["rescaled", "rescaled" if rescale_interval else "fixed"],
    )


def _multiplier_check(multiplier: Schedule, **_: Any) -> None:
    _members_check(multiplier)


@schedule(
    name="detectron2.LRMultiplier",
    frequency="composite",
    quantity="any",
    check=_multiplier_check,
    optimizer=True,
    length=lambda args: args.get("max_iter"),
    groups=(OPTIMIZER, resumed),
)
def lr_multiplier(t: Values, multiplier: Schedule, max_iter: Steps, *, base: float) -> Values:
    """detectron2 LRMultiplier: the optimizer's rate times an fvcore scheduler of the share done.

    η_t = lr·m(t/max_iter)

    Args:
        multiplier: the fvcore scheduler of the factor.
        max_iter: the iterations of the whole run.

    Example:
        detectron2.LRMultiplier(optimizer, detectron2.WarmupParamScheduler(
            detectron2.MultiStepParamScheduler([1, 0.1, 0.01], milestones=[60000, 80000], num_updates=90000),
            0.001, 100 / 90000), max_iter=90000, lr=0.02)
        --steps 90000

    Notes:
        This is what detectron2's build_lr_scheduler builds from a yacs config's SOLVER.
    """
    rates: Values = base * at(multiplier, t / float(max_iter))
    return rates


def _warmup_factor(t: Values, method: str, warmup_iters: int, warmup_factor: float) -> Values:
    """detectron2's _get_warmup_factor_at_iter: 1 from warmup_iters on; before, warmup_factor
    ('constant') or a line from it to 1 ('linear')."""
    if method == "constant":
        early: Values | float = warmup_factor
    else:
        alpha = t / float(warmup_iters) if warmup_iters else t
        early = warmup_factor * (1.0 - alpha) + alpha
    factor: Values = np.where(t >= warmup_iters, 1.0, early)
    return factor


@schedule(
    name="detectron2.WarmupMultiStepLR",
    frequency="stepwise",
    quantity="linear or constant, then steps",
    optimizer=True,
    groups=(OPTIMIZER, resumed_epoch),
)
def warmup_multi_step_lr(
    t: Time,
    milestones: WholeSteps,
    gamma: Number = 0.1,
    warmup_factor: Number = 0.001,
    warmup_iters: Count = 1000,
    warmup_method: Literal["linear", "constant"] = "linear",
    *,
    base: float,
) -> Values:
    """detectron2 WarmupMultiStepLR (legacy): the rate times γ at each milestone, under a warm-up.

    η_t = lr·w_t·γ^(number of milestones ≤ t), w_t = f + (1 − f)·t/W before W ('linear'), f ('constant'),
    1 after.

    Args:
        milestones: the iterations the rate drops at.
        gamma: the factor of each drop.
        warmup_factor: the warm-up's start f, as a factor of the rate.
        warmup_iters: the warm-up's iterations W.
        warmup_method: 'linear' (the default) or 'constant'.

    Example:
        detectron2.WarmupMultiStepLR(optimizer, milestones=[6000, 8000], lr=0.02)
        --steps 9000

    Notes:
        The warm-up multiplies the steps, so a milestone inside it drops the rate during it.
    """
    rows = steps(t)
    drops = np.searchsorted(np.asarray(milestones, dtype=np.float64), rows, side="right")
    rates: Values = (
        base
        * _warmup_factor(rows, warmup_method, warmup_iters, warmup_factor)
        * gamma ** drops.astype(np.float64)
    )
    return rates


@schedule(
    name="detectron2.WarmupCosineLR",
    frequency="continuous",
    quantity="linear or constant, then cosine",
    optimizer=True,
    length=lambda args: args.get("max_iters"),
    groups=(OPTIMIZER, resumed_epoch),
)
def warmup_cosine_lr(
    t: Time,
    max_iters: Steps,
    warmup_factor: Number = 0.001,
    warmup_iters: Count = 1000,
    warmup_method: Literal["linear", "constant"] = "linear",
    *,
    base: float,
) -> Values:
    """detectron2 WarmupCosineLR (legacy): a half cosine over max_iters, times a warm-up.

    η_t = lr·w_t·½(1 + cos(π·t/max_iters)), w_t as in WarmupMultiStepLR.

    Args:
        max_iters: the iterations of the cosine.
        warmup_factor: the warm-up's start f, as a factor of the rate.
        warmup_iters: the warm-up's iterations W.
        warmup_method: 'linear' (the default) or 'constant'.

    Example:
        detectron2.WarmupCosineLR(optimizer, max_iters=9000, lr=0.02)
        --steps 9000

    Notes:
        The cosine spans the whole run from step 0, and the warm-up scales it: it does not start after
        the warm-up. Past max_iters the cosine rises again.
    """
    rows = steps(t)
    factor = _warmup_factor(rows, warmup_method, warmup_iters, warmup_factor)
    rates: Values = base * factor * half_cosine(math.pi * rows / max_iters)
    return rates
