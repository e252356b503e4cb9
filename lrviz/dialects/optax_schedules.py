"""optax's schedules (``optax.schedules``, 0.2.8), reproduced.

Row t is the schedule at step count t, as ``scale_by_schedule`` feeds it. optax computes in float32:
lrviz computes in float64, within float32 precision of optax; ``--dtype float32`` rounds the result.
The ``_schedule`` suffix of a name is optional: ``optax.cosine_decay`` is ``optax.cosine_decay_schedule``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import cos_pi, count_power, float32_power
from lrviz.clock.grid import WARMUP_ENDS, Grid, Time, join, mark_each, mark_every, pieces
from lrviz.clock.grid import steps as as_array
from lrviz.dialects.vocabulary import held_after
from lrviz.schedules.entry import Schedule, Values, entry_of, schedule
from lrviz.schedules.kinds import Count, Dicts, Integer, Invalid, Milestones, Number, Rate, StepFactors, Steps

Scales = StepFactors
"""optax's boundaries_and_scales: {step: factor}."""


def _polynomial(
    time: Time, init: float, end: float, power: float, steps: int, begin: int, in_float32: bool = False
) -> Values:
    t = as_array(time)
    if steps <= 0:
        return np.full(t.shape, init)

    def rate(t: Values) -> Values:
        count = np.clip(t - max(begin, 0), 0, steps)
        if in_float32:
            return _polynomial_float32(count, init, end, power, steps)
        frac: Values = 1 - count / steps
        return (init - end) * (frac**power) + end

    return held_after(t, max(begin, 0) + steps, rate)


def _polynomial_float32(count: Values, init: float, end: float, power: float, steps: int) -> Values:
    """optax's polynomial in float32 as XLA runs it: ``count / steps`` becomes ``count * (1 / steps)``,
    each product rounded to float32, so where 1/steps rounds down, ``1 − steps·(1/steps)`` is a few
    ulp above 0 and, raised to a power below 1, leaves the rate short of end_value for good."""
    f32 = np.float32
    with np.errstate(invalid="ignore", over="ignore"):
        reciprocal = f32(1) / f32(steps)
        frac = f32(1) - count.astype(f32) * reciprocal
        value = (f32(init) - f32(end)) * frac ** f32(power) + f32(end)
    return value.astype(np.float64)


@schedule(name="optax.constant_schedule", frequency="continuous", quantity="constant")
def constant_schedule(t: Values, value: Rate) -> Values:
    """optax's constant schedule.

    η_t = value

    Args:
        value: the rate.

    Example:
        optax.constant_schedule(1e-3)
    """
    return np.full(t.shape, value)


@schedule(name="optax.polynomial_schedule", frequency="continuous", quantity="polynomial")
def polynomial_schedule(
    t: Time,
    init_value: Rate,
    end_value: Rate,
    power: Number,
    transition_steps: Integer,
    transition_begin: Integer = 0,
) -> Values:
    """optax's polynomial schedule: from init_value to end_value along a polynomial, after a delay.

    c = clip(t − B, 0, T); η_t = (I − E)·(1 − c/T)^power + E.

    Args:
        init_value: the rate up to transition_begin.
        end_value: the rate from transition_begin + transition_steps on.
        power: the degree of the polynomial (no default in optax).
        transition_steps: the steps T of the transition.
        transition_begin: the steps B before it starts.

    Example:
        optax.polynomial_schedule(1e-3, 1e-5, power=2, transition_steps=1000)

    Notes:
        As in optax, transition_steps ≤ 0 gives a constant init_value and a negative
        transition_begin counts as 0: optax only logs these. Computed in float32 as XLA computes it,
        with c/T taken as c·(1/T): where 1/T rounds down (T = 41, 47, 55, 82, …) 1 − c/T stays a few
        ulp above 0 at the end, so with power < 1 the rate never reaches end_value
        (optax.polynomial_schedule(0.1, 0.0, 0.3, 82) ends at 0.00068, not 0).
    """
    return _polynomial(t, init_value, end_value, power, transition_steps, transition_begin, in_float32=True)


@schedule(name="optax.linear_schedule", frequency="continuous", quantity="linear")
def linear_schedule(
    t: Time, init_value: Rate, end_value: Rate, transition_steps: Integer, transition_begin: Integer = 0
) -> Values:
    """optax's linear schedule: a straight line from init_value to end_value, after a delay.

    c = clip(t − B, 0, T); η_t = (I − E)·(1 − c/T) + E.

    Args:
        init_value: the rate up to transition_begin.
        end_value: the rate from transition_begin + transition_steps on.
        transition_steps: the steps T of the line.
        transition_begin: the steps B before it starts.

    Example:
        optax.linear_schedule(0.0, 1e-3, transition_steps=500)
    """
    return _polynomial(t, init_value, end_value, 1, transition_steps, transition_begin)


def _scales(boundaries_and_scales: dict[Any, Any] | None) -> list[tuple[float, float]]:
    items = []
    for step, scale in (boundaries_and_scales or {}).items():
        if isinstance(step, bool) or not isinstance(step, int | float) or isinstance(scale, bool):
            raise Invalid(f"boundaries_and_scales maps steps to factors, got {step!r}: {scale!r}")
        items.append((float(step), float(scale)))
    if any(scale < 0 for _, scale in items):
        raise Invalid("boundaries_and_scales needs non-negative scale factors, as optax requires")
    return sorted(items)


def _scales_check(boundaries_and_scales: dict[Any, Any] | None) -> None:
    _scales(boundaries_and_scales)


@schedule(
    name="optax.piecewise_constant_schedule",
    frequency="stepwise",
    quantity="piecewise constant",
    check=lambda boundaries_and_scales, **_: _scales_check(boundaries_and_scales),
)
def piecewise_constant_schedule(
    t: Time, init_value: Rate, boundaries_and_scales: Scales | None = None
) -> Values:
    """optax's piecewise constant schedule: multiply the rate by each scale from its boundary on.

    η_t = I·Π_{b ≤ t} s_b

    Args:
        init_value: the rate before the first boundary.
        boundaries_and_scales: {step: factor}; the factors are cumulative.

    Example:
        optax.piecewise_constant_schedule(0.1, {30: 0.1, 60: 0.1})

    Notes:
        The scales multiply: {30: 0.1, 60: 0.1} ends at 0.001·I, not 0.1·I.
    """
    scales = _scales(boundaries_and_scales)
    mark_each(t, [threshold for threshold, _ in scales], "switch")
    t = as_array(t)
    value = np.full(t.shape, float(init_value))
    for threshold, scale in scales:
        value = np.where(t < threshold, value, scale * value)
    return value


@schedule(
    name="optax.piecewise_interpolate_schedule",
    frequency="continuous",
    quantity="linear or cosine",
    check=lambda boundaries_and_scales, **_: _scales_check(boundaries_and_scales),
)
def piecewise_interpolate_schedule(
    t: Time,
    interpolate_type: Literal["linear", "cosine"],
    init_value: Rate,
    boundaries_and_scales: Scales | None = None,
) -> Values:
    """optax's piecewise interpolation: between boundaries, from one accumulated rate to the next.

    Rates v_0 = I, v_i = v_{i−1}·s_i at boundaries b_i (b_0 = 0); between b_i and b_{i+1}, with
    p = (t − b_i)/max(b_{i+1} − b_i, 1): (v_{i+1} − v_i)·p + v_i ('linear') or
    v_{i+1} + (v_i − v_{i+1})/2·(cos πp + 1) ('cosine'); v_last after the last boundary.

    Args:
        interpolate_type: 'linear' or 'cosine'.
        init_value: the rate at step 0.
        boundaries_and_scales: {step: factor}; each factor multiplies the previous rate.

    Example:
        optax.piecewise_interpolate_schedule('cosine', 0.1, {100: 0.5, 1000: 0.01})
    """
    return _interpolated(t, interpolate_type, init_value, boundaries_and_scales, "knot")


def _interpolated(
    t: Time,
    interpolate_type: str,
    init_value: float,
    boundaries_and_scales: dict[Any, Any] | None,
    what: str | list[str],
) -> Values:
    """piecewise_interpolate_schedule, its boundaries after 0 marked as ``what`` names them."""
    items = _scales(boundaries_and_scales)
    bounds = [0.0, *(float(b) for b, _ in items)]
    values = np.cumprod([float(init_value), *(s for _, s in items)])
    out = np.empty(t.shape)
    names = what if isinstance(what, str) else ["", *what]  # no mark at 0
    for piece, part, where in pieces(t, bounds, names):  # piece i + 1 is bounds[i] ≤ t < bounds[i + 1]
        if piece == 0 or piece == len(bounds):
            out[where] = 0.0 if piece == 0 else values[-1]
            continue
        low, high = bounds[piece - 1], bounds[piece]
        pct = (as_array(part) - low) / max(high - low, 1.0)
        start, end = values[piece - 1], values[piece]
        if interpolate_type == "linear":
            out[where] = (end - start) * pct + start
        else:
            out[where] = end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
    return out


def _exponential(
    time: Time, init: float, steps: int, rate: float, begin: int, staircase: bool, end: float | None
) -> Values:
    t = as_array(time)
    if steps <= 0 or rate == 0:
        return np.full(t.shape, init)
    if staircase:
        mark_every(time, steps, "decay", start=max(begin, 0))
    decreased = t - max(begin, 0)
    p = decreased / steps
    with np.errstate(all="ignore"):
        raised = count_power(rate, np.floor(p)) if staircase else float32_power(rate, p)
        value = np.where(decreased <= 0, init, init * raised)
    if end is not None:
        value = np.maximum(value, end) if rate < 1.0 else np.minimum(value, end)
    return value


@schedule(name="optax.exponential_decay", frequency="continuous", quantity="exponential")
def exponential_decay(
    t: Time,
    init_value: Rate,
    transition_steps: Integer,
    decay_rate: Number,
    transition_begin: Integer = 0,
    staircase: bool = False,
    end_value: Rate | None = None,
) -> Values:
    """optax's exponential decay: the rate times decay_rate every transition_steps, after a delay.

    d = t − B; η_t = I for d ≤ 0, else I·r^(d/T) (⌊d/T⌋ with staircase), clipped at end_value.

    Args:
        init_value: the rate up to transition_begin.
        transition_steps: the steps T over which the rate is multiplied by decay_rate once.
        decay_rate: the factor r.
        transition_begin: the steps B before it starts.
        staircase: decay in whole steps of T.
        end_value: a floor (for r < 1) or a ceiling (for r > 1).

    Example:
        optax.exponential_decay(0.1, transition_steps=1000, decay_rate=0.5)

    Notes:
        transition_steps ≤ 0 or decay_rate = 0 silently give a constant init_value, as in optax.
    """
    return _exponential(t, init_value, transition_steps, decay_rate, transition_begin, staircase, end_value)


def _cosine(time: Time, init: float, steps: int, alpha: float, exponent: float) -> Values:
    if isinstance(time, Grid) and steps > 0:  # the cosines by blocks (lrviz.clock.grid.cos_pi), held after
        rates = cos_pi(time, 0.0, float(steps))  # in place from here, as optax's formula goes
        rates += 1
        rates *= 0.5
        if exponent != 1:  # x**1 is x
            rates **= exponent
        rates *= 1 - alpha
        rates += alpha
        rates *= init
        return rates
    t = as_array(time)

    def rate(t: Values) -> Values:
        count = np.minimum(t, float(steps))
        decay: Values = 0.5 * (1 + np.cos(np.pi * count / steps))
        return init * ((1 - alpha) * decay**exponent + alpha)

    return held_after(t, steps, rate)


@schedule(name="optax.cosine_decay_schedule", frequency="continuous", quantity="cosine")
def cosine_decay_schedule(
    t: Time, init_value: Rate, decay_steps: Steps, alpha: Number = 0.0, exponent: Number = 1.0
) -> Values:
    """optax's cosine decay: from init_value down to alpha·init_value over decay_steps, then held.

    c = min(t, D); η_t = I·((1 − α)·(½(1 + cos(πc/D)))^exponent + α)

    Args:
        init_value: the rate at step 0.
        decay_steps: the steps D of the decay.
        alpha: the floor as a fraction of init_value.
        exponent: a power on the cosine factor.

    Example:
        optax.cosine_decay_schedule(0.1, decay_steps=1000, alpha=0.01)
    """
    return _cosine(t, init_value, decay_steps, alpha, exponent)


def _joined(time: Time, parts: list[tuple[int, Any]]) -> Values:
    """optax's join_schedules: the first part, then each later one on its own clock from its boundary
    (boundaries increasing, as join_schedules' are checked to be)."""
    return join(time, [boundary for boundary, _ in parts], [part for _, part in parts], "boundary")


@schedule(name="optax.warmup_constant_schedule", frequency="continuous", quantity="linear, then constant")
def warmup_constant_schedule(t: Time, init_value: Rate, peak_value: Rate, warmup_steps: Integer) -> Values:
    """optax's warm-up then constant: a line from init_value to peak_value, then peak_value.

    η_t = I + (P − I)·min(t, W)/W

    Args:
        init_value: the rate at step 0.
        peak_value: the rate from warmup_steps on.
        warmup_steps: the steps W of the warm-up.

    Example:
        optax.warmup_constant_schedule(0.0, 1e-3, warmup_steps=500)
    """
    mark_each(t, [warmup_steps], WARMUP_ENDS, "warmup")
    return _polynomial(t, init_value, peak_value, 1, warmup_steps, 0)


def _warmup_cosine_check(warmup_steps: int, decay_steps: int, **_: Any) -> None:
    if decay_steps - warmup_steps <= 0:
        raise Invalid(
            f"decay_steps ({decay_steps}) counts the warm-up too, so it must exceed warmup_steps "
            f"({warmup_steps}), as optax requires"
        )


@schedule(
    name="optax.warmup_cosine_decay_schedule",
    frequency="continuous",
    quantity="linear, then cosine",
    check=_warmup_cosine_check,
)
def warmup_cosine_decay_schedule(
    t: Time,
    init_value: Rate,
    peak_value: Rate,
    warmup_steps: Integer,
    decay_steps: Steps,
    end_value: Rate = 0.0,
    exponent: Number = 1.0,
) -> Values:
    """optax's warm-up then cosine: a line to peak_value, then a cosine down to end_value.

    Linear from I to P over W steps; then the cosine decay of P over D − W steps with α = E/P.

    Args:
        init_value: the rate at step 0.
        peak_value: the rate at the end of the warm-up.
        warmup_steps: the steps W of the warm-up.
        decay_steps: the whole schedule's length D, warm-up included.
        end_value: the rate at step decay_steps.
        exponent: a power on the cosine factor.

    Example:
        optax.warmup_cosine_decay_schedule(0.0, 1e-3, warmup_steps=500, decay_steps=10000)
        --steps 10000

    Notes:
        decay_steps includes the warm-up, whereas Keras' CosineDecay counts its decay_steps after it.
    """
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return _joined(
        t,
        [
            (0, lambda c: _polynomial(c, init_value, peak_value, 1, warmup_steps, 0)),
            (warmup_steps, lambda c: _cosine(c, peak_value, decay_steps - warmup_steps, alpha, exponent)),
        ],
    )


@schedule(
    name="optax.warmup_exponential_decay_schedule",
    frequency="continuous",
    quantity="linear, then exponential",
)
def warmup_exponential_decay_schedule(
    t: Time,
    init_value: Rate,
    peak_value: Rate,
    warmup_steps: Integer,
    transition_steps: Integer,
    decay_rate: Number,
    transition_begin: Integer = 0,
    staircase: bool = False,
    end_value: Rate | None = None,
) -> Values:
    """optax's warm-up then exponential decay.

    Linear from I to P over W steps; then optax's exponential decay of P on its own clock.

    Args:
        init_value: the rate at step 0.
        peak_value: the rate at the end of the warm-up.
        warmup_steps: the steps W of the warm-up.
        transition_steps: the steps over which the rate is multiplied by decay_rate once.
        decay_rate: the factor of each transition.
        transition_begin: steps after the warm-up before the decay starts.
        staircase: decay in whole transitions.
        end_value: a floor (or ceiling, for decay_rate > 1).

    Example:
        optax.warmup_exponential_decay_schedule(0.0, 1e-3, 500, transition_steps=1000, decay_rate=0.5)
    """
    return _joined(
        t,
        [
            (0, lambda c: _polynomial(c, init_value, peak_value, 1, warmup_steps, 0)),
            (
                warmup_steps,
                lambda c: _exponential(
                    c, peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value
                ),
            ),
        ],
    )


@schedule(name="optax.linear_onecycle_schedule", frequency="cyclic", quantity="linear")
def linear_onecycle_schedule(
    t: Time,
    transition_steps: Steps,
    peak_value: Rate,
    pct_start: Number = 0.3,
    pct_final: Number = 0.85,
    div_factor: Number = 25.0,
    final_div_factor: Number = 1e4,
) -> Values:
    """optax's linear one-cycle: up to peak_value, back down, then a steep final descent.

    Lines through (0, P/div), (⌊pct_start·T⌋, P), (⌊pct_final·T⌋, P/div) and (T, P/(div·final_div)).

    Args:
        transition_steps: the cycle length T.
        peak_value: the peak rate P.
        pct_start: the share of the cycle spent rising.
        pct_final: where the descent back to the start rate ends.
        div_factor: the start rate is P/div_factor.
        final_div_factor: the final rate is P/final_div_factor.

    Example:
        optax.linear_onecycle_schedule(1000, 0.1)
    """
    scales = {
        int(pct_start * transition_steps): div_factor,
        int(pct_final * transition_steps): 1.0 / div_factor,
        transition_steps: 1.0 / final_div_factor,
    }
    return _interpolated(
        t, "linear", peak_value / div_factor, scales, ["peak", "back to start", "final descent"]
    )


@schedule(name="optax.cosine_onecycle_schedule", frequency="cyclic", quantity="cosine")
def cosine_onecycle_schedule(
    t: Time,
    transition_steps: Steps,
    peak_value: Rate,
    pct_start: Number = 0.3,
    div_factor: Number = 25.0,
    final_div_factor: Number = 1e4,
) -> Values:
    """optax's cosine one-cycle: a half cosine up to peak_value, then one down.

    Cosine interpolation through (0, P/div), (⌊pct_start·T⌋, P) and (T, P/(div·final_div)).

    Args:
        transition_steps: the cycle length T.
        peak_value: the peak rate P.
        pct_start: the share of the cycle spent rising.
        div_factor: the start rate is P/div_factor.
        final_div_factor: the final rate is the start rate/final_div_factor.

    Example:
        optax.cosine_onecycle_schedule(1000, 0.1)

    Notes:
        Against PyTorch's OneCycleLR the peak comes one step later and the minimum at T rather than
        T − 1.
    """
    scales = {
        int(pct_start * transition_steps): div_factor,
        int(transition_steps): 1.0 / (div_factor * final_div_factor),
    }
    return _interpolated(t, "cosine", peak_value / div_factor, scales, ["peak", "final descent"])


SGDR_KEYS = ("init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent")


def _sgdr_check(cosine_kwargs: list[Any], **_: Any) -> None:
    if not isinstance(cosine_kwargs, list | tuple) or not cosine_kwargs:
        raise Invalid("cosine_kwargs is a list of dicts, one per cycle, as optax takes it")
    for cycle in cosine_kwargs:
        if not isinstance(cycle, dict):
            raise Invalid(f"each cycle of cosine_kwargs is a dict, got {cycle!r}")
        unknown = set(cycle) - set(SGDR_KEYS)
        missing = set(SGDR_KEYS[:4]) - set(cycle)
        if unknown or missing:
            raise Invalid(f"each cycle needs {', '.join(SGDR_KEYS[:4])} (and may have end_value, exponent)")
    _cycles(cosine_kwargs)


def _cycles(cosine_kwargs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each cycle's arguments checked as warmup_cosine_decay_schedule's, which optax calls with them:
    each value by its parameter's kind, then how they fit together; raises :class:`Invalid` naming the
    cycle."""
    entry = entry_of(warmup_cosine_decay_schedule)
    assert entry is not None
    cycles = []
    for i, cycle in enumerate(cosine_kwargs):
        try:
            cycles.append(entry.arguments(cycle))
        except Invalid as error:
            raise Invalid(f"cycle {i + 1} of cosine_kwargs: {error}") from None
    return cycles


@schedule(name="optax.sgdr_schedule", frequency="cyclic", quantity="cosine", check=_sgdr_check)
def sgdr_schedule(t: Time, cosine_kwargs: Dicts) -> Values:
    """optax's SGDR: one warm-up + cosine cycle per dict of cosine_kwargs, joined end to end.

    Cycle i is warmup_cosine_decay_schedule(**cosine_kwargs[i]), starting where the previous
    decay_steps end.

    Args:
        cosine_kwargs: a list of dicts of warmup_cosine_decay_schedule arguments.

    Example:
        optax.sgdr_schedule([{'init_value': 0, 'peak_value': 0.1, 'warmup_steps': 10, 'decay_steps': 200},
                             {'init_value': 0, 'peak_value': 0.05, 'warmup_steps': 10, 'decay_steps': 400}])
    """
    parts: list[tuple[int, Any]] = []
    start = 0
    for args in _cycles(cosine_kwargs):
        parts.append((start, lambda c, a=args: warmup_cosine_decay_schedule(c, **a)))
        start += args["decay_steps"]
    return _joined(t, parts)


@schedule(name="optax.join_schedules", frequency="composite", quantity="any", length=lambda args: None)
def join_schedules(t: Time, schedules: list[Schedule], boundaries: Milestones, *, horizon: int = 1) -> Values:
    """optax's join_schedules: each schedule from its boundary on, on its own clock.

    η_t = s_0(t), replaced by s_i(t − b_i) wherever t ≥ b_i.

    Args:
        schedules: the schedules, as a list.
        boundaries: the step where each later schedule takes over.

    Example:
        optax.join_schedules([optax.constant_schedule(0.1), optax.linear_schedule(1, 0, 3)], [3])
    """
    if len(boundaries) != len(schedules) - 1:
        raise Invalid(f"join_schedules needs {len(schedules) - 1} boundaries for {len(schedules)} schedules")
    return _joined(
        t,
        [(0, lambda c, s=schedules[0]: s.evaluate(c, horizon))]
        + [
            (b, lambda c, s=s, b=b: s.evaluate(c, horizon - b))
            for b, s in zip(boundaries, schedules[1:], strict=True)
        ],
    )


def _reduce_check(factor: float, rtol: float, atol: float, **_: Any) -> None:
    if factor <= 0.0 or factor >= 1.0:
        raise Invalid(f"factor must be in the range (0, 1), as optax requires, got {factor!r}")
    if rtol < 0.0 or atol < 0.0:
        raise Invalid(
            f"rtol and atol must be non-negative, as optax requires, got rtol={rtol!r}, atol={atol!r}"
        )
    if rtol == 0.0 and atol == 0.0:
        raise Invalid("at least one of rtol and atol must be positive, as optax requires")
    if rtol > 1.0:
        raise Invalid(f"rtol must be at most 1, as optax requires, got {rtol!r}")


@schedule(
    name="optax.contrib.reduce_on_plateau", frequency="feedback", quantity="exponential", check=_reduce_check
)
def reduce_on_plateau(
    t: Time,
    factor: Number = 0.1,
    patience: Count = 10,
    rtol: Number = 1e-4,
    atol: Number = 0.0,
    cooldown: Count = 0,
    accumulation_size: Steps = 1,
    min_scale: Number = 0.0,
    *,
    lr: Rate = 1.0,
) -> Values:
    """optax's reduce_on_plateau: a scale on the updates, lowered when the averaged loss stops improving.

    Values are averaged over accumulation_size calls; an improvement is avg < (1 − rtol)·best − atol;
    when the count of bad averages reaches patience the scale is multiplied by factor (not below
    min_scale) and cooldown averages are not counted. The rate shown is lr × scale.

    Args:
        factor: the factor of each reduction, in (0, 1).
        patience: bad averages that trigger a reduction.
        rtol: the relative margin an improvement must beat.
        atol: the absolute margin an improvement must beat.
        cooldown: averages not counted after a reduction.
        accumulation_size: values averaged before each decision.
        min_scale: the floor of the scale.
        lr: the rate the scale multiplies (the optimizer's), 1 to show the scale itself.

    Example:
        optax.contrib.reduce_on_plateau(factor=0.5, patience=5, lr=1e-3)

    Notes:
        'min' mode only, relative and absolute margins combined, and a reduction when the count reaches
        patience (one report sooner than PyTorch). The update that passes a value is scaled by the
        result, so the value of step t already scales step t; the scale is held in float32.
    """
    from lrviz.schedules.plateau import optax_plateau_scales

    scales = optax_plateau_scales(
        t,
        factor=factor,
        patience=patience,
        rtol=rtol,
        atol=atol,
        cooldown=cooldown,
        accumulation_size=accumulation_size,
        min_scale=min_scale,
    )
    return lr * scales
