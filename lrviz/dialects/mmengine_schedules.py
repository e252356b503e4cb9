"""mmengine's parameter schedulers (``mmengine.optim.scheduler``, 0.10.7), and mmdet's QuadraticWarmupLR,
reproduced step by step.

Row t is the rate of iteration t, as the Runner drives its ``param_scheduler`` list: every scheduler
is built in the list's order (its constructor calls ``step()`` once, which applies its step 0 when
``begin`` is 0); after each iteration ParamSchedulerHook steps the schedulers with ``by_epoch=False``,
and after each epoch (``epoch_length`` iterations) those with ``by_epoch=True``, each in the list's
order. A scheduler acts on its own steps ``begin ≤ s < end`` only (``s`` counts its ``step()`` calls
from 0 at construction), and it moves the rate it finds: its formula is mmengine's chainable form,
applied to the rate the schedulers before it left, so that a list composes as mmengine composes it.
``convert_to_iter_based=True`` turns an epoch-based scheduler into an iteration-based one, its
``begin``, ``end`` and lengths in epochs multiplied by ``epoch_length``. Left out, ``end`` is the
run's end, as the Runner fills it from ``train_cfg`` (its epochs for an epoch-based scheduler).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import Grid, Time, mark_each
from lrviz.clock.grid import steps as steps_of
from lrviz.dialects.vocabulary import OPTIMIZER, optimizer_rate
from lrviz.schedules.entry import Schedule, Values, group, schedule
from lrviz.schedules.kinds import Count, Invalid, LastEpoch, Number, Numbers, Steps, Text, WholeSteps

INF = 10**9
"""mmengine's ``end`` when neither the config nor the Runner sets one (``int(1e9)``)."""


@group()
def resumed(last_step: LastEpoch = -1, verbose: bool = False) -> None:
    """Where a resumed scheduler starts, and whether it prints; lrviz runs every schedule from its start.

    Args:
        last_step: must be -1.
        verbose: ignored.
    """


@group(passed=True)
def clock(
    begin: Count = 0,
    end: Count | None = None,
    by_epoch: bool = True,
    convert_to_iter_based: bool = False,
    epoch_length: Steps = 1,
) -> None:
    """When an mmengine scheduler acts, and on which clock: its steps begin ≤ s < end, counted in
    epochs or iterations.

    Args:
        begin: the scheduler's first step.
        end: the step it stops at (default: the run's end).
        by_epoch: step once an epoch (True) or once an iteration.
        convert_to_iter_based: run an epoch-based config by iteration: begin, end and the lengths in
            epochs × epoch_length.
        epoch_length: the iterations of an epoch.
    """
    if end is not None and end <= begin:
        raise Invalid(f"end must be above begin, as mmengine requires, got begin={begin}, end={end}")
    if epoch_length < 1:
        raise Invalid(f"epoch_length must be a positive whole number of iterations, got {epoch_length}")


MMENGINE = (OPTIMIZER, clock, resumed)
"""What an mmengine scheduler takes besides its own parameters: the optimizer's rate, its clock
(handed on to it) and last_step and verbose."""


Group = dict[str, float]
"""The optimizer's parameter group as the schedulers see it: ``lr``, ``initial_lr`` (and OneCycleLR's)."""


@dataclass
class Scheduler:
    """One scheduler as mmengine builds it: its clock on the steps it is called for, and its rule."""

    name: str
    begin: int
    end: int
    by_epoch: bool
    rule: Callable[[Scheduler, Group], float]
    args: Mapping[str, Any]
    base: float = 0.0
    global_step: int = -1
    last_step: int = -1
    extra: dict[str, Any] = field(default_factory=dict)

    def step(self, group: Group) -> None:
        """``step()``: count the call, and move the rate when the call is in [begin, end)."""
        self.global_step += 1
        if self.begin <= self.global_step < self.end:
            self.last_step += 1
            group["lr"] = self.rule(self, group)


def _step_rule(s: Scheduler, group: Group) -> float:
    lr, at = group["lr"], s.last_step
    return lr if at == 0 or at % s.args["step_size"] != 0 else lr * s.args["gamma"]


def _multistep_rule(s: Scheduler, group: Group) -> float:
    milestones: Counter[int] = s.extra["milestones"]
    if s.last_step not in milestones:
        return group["lr"]
    return float(group["lr"] * s.args["gamma"] ** milestones[s.last_step])


def _constant_rule(s: Scheduler, group: Group) -> float:
    lr, factor = group["lr"], s.args["factor"]
    if s.last_step == 0:
        return float(lr * factor)
    if s.last_step == s.end - s.begin - 1:
        return float(lr * (1.0 / factor))
    return lr


def _exponential_rule(s: Scheduler, group: Group) -> float:
    return group["lr"] if s.last_step == 0 else float(group["lr"] * s.args["gamma"])


def _floor(s: Scheduler) -> float:
    ratio = s.args.get("eta_min_ratio")
    return float(s.args["eta_min"] or 0.0) if ratio is None else s.base * ratio


def _cosine_rule(s: Scheduler, group: Group) -> float:
    lr, at, period, floor = group["lr"], s.last_step, s.extra["T_max"], _floor(s)
    if at == 0:
        return lr
    if (at - 1 - period) % (2 * period) == 0:  # leaving a trough: an addition, not a ratio
        return float(lr + (s.base - floor) * (1 - math.cos(math.pi / period)) / 2)
    ratio = (1 + math.cos(math.pi * at / period)) / (1 + math.cos(math.pi * (at - 1) / period))
    return float(ratio * (lr - floor) + floor)


def _linear_rule(s: Scheduler, group: Group) -> float:
    lr, at = group["lr"], s.last_step
    start, stop = s.args["start_factor"], s.args["end_factor"]
    if at == 0:
        return float(lr * start)
    total = s.end - s.begin - 1
    return float(lr * (1.0 + (stop - start) / (total * start + (at - 1) * (stop - start))))


def _poly_rule(s: Scheduler, group: Group) -> float:
    lr, at, floor = group["lr"], s.last_step, s.args["eta_min"]
    if at == 0:
        return lr
    total = s.end - s.begin - 1
    return float((lr - floor) * (1 - 1 / (total - at + 1)) ** s.args["power"] + floor)


def _one_cycle_rule(s: Scheduler, group: Group) -> float:
    at, total = s.last_step, s.extra["total_steps"]
    if at > total:
        raise Invalid(
            f"mmengine's OneCycleLR raises at its step {at} ('Tried to step {at + 1} times'): its "
            f"total_steps is {total}; make total_steps (or end − begin) the iterations it runs"
        )
    start = 0.0
    phases: list[tuple[float, str, str]] = s.extra["phases"]
    for i, (end, low, high) in enumerate(phases):
        if at <= end or i == len(phases) - 1:
            if end == start:
                raise Invalid(
                    f"phase {i + 1} of this OneCycleLR has no length (it ends at step {end:g}, where it "
                    "starts): mmengine divides by zero there; change pct_start or total_steps"
                )
            pct = (at - start) / (end - start)
            first, last = group[low], group[high]
            if s.args["anneal_strategy"] == "cos":
                return float(last + (first - last) / 2.0 * (math.cos(math.pi * pct) + 1))
            return float((last - first) * pct + first)
        start = end
    raise AssertionError("the last phase takes every step")


def _restart_rule(s: Scheduler, group: Group) -> float:
    at, cumulative = s.last_step, s.extra["cumulative"]
    index = next((i for i, edge in enumerate(cumulative) if at < edge), None)
    if index is None:  # past the last period: the rate is left as it is
        return group["lr"]
    period = s.extra["periods"][index]
    within = at - (cumulative[index - 1] if index else 0)
    floor = _floor(s)
    if within == 0:
        return float(s.base * s.args["restart_weights"][index])
    ratio = (1 + math.cos(math.pi * within / period)) / (1 + math.cos(math.pi * (within - 1) / period))
    return float(ratio * (group["lr"] - floor) + floor)


def _quadratic_rule(s: Scheduler, group: Group) -> float:
    at, total = s.last_step, s.end - s.begin
    if at == 0:
        return float(s.base * (2 * at + 1) / total**2)
    return float(group["lr"] + s.base * (2 * at + 1) / total**2)


RULES: dict[str, Callable[[Scheduler, Group], float]] = {
    "StepLR": _step_rule,
    "MultiStepLR": _multistep_rule,
    "ConstantLR": _constant_rule,
    "ExponentialLR": _exponential_rule,
    "CosineAnnealingLR": _cosine_rule,
    "LinearLR": _linear_rule,
    "PolyLR": _poly_rule,
    "OneCycleLR": _one_cycle_rule,
    "CosineRestartLR": _restart_rule,
    "QuadraticWarmupLR": _quadratic_rule,
    "ReduceOnPlateauLR": lambda s, group: group["lr"],
}
"""Each scheduler's chainable rule: the rate it sets at its step, from the rate it finds."""

SCHEDULERS = tuple(RULES)
"""The schedulers the ``mmengine.`` dialect has, as a config's ``type`` names them."""

CLOCK = ("begin", "end", "by_epoch", "convert_to_iter_based", "epoch_length")
SCALED_LENGTHS = {"StepLR": "step_size", "CosineAnnealingLR": "T_max", "OneCycleLR": "total_steps"}
"""The lengths in epochs that ``convert_to_iter_based`` multiplies by ``epoch_length`` (besides
``begin``, ``end``, MultiStepLR's milestones and CosineRestartLR's periods)."""


def build(name: str, args: Mapping[str, Any], epoch_length: int, horizon: int) -> Scheduler:
    """One scheduler as the Runner builds it from its config: ``end`` filled with the run's end in the
    scheduler's unit, and converted to iterations (``build_iter_from_epoch``) when asked."""
    args = dict(args)
    by_epoch = bool(args["by_epoch"])
    begin, end = int(args["begin"]), args["end"]
    if end is None:
        end = math.ceil(horizon / epoch_length) if by_epoch else horizon
    if args.get("convert_to_iter_based") and name != "ReduceOnPlateauLR":
        if not by_epoch:
            raise Invalid(
                f"{name}: convert_to_iter_based needs by_epoch=True, as mmengine asserts "
                "('Only epoch-based kwargs whose `by_epoch=True` can be converted to iter-based.')"
            )
        by_epoch = False
        begin = begin * epoch_length
        end = end * epoch_length if end != INF else end
        if args.get(SCALED_LENGTHS.get(name, "")) is not None:
            args[SCALED_LENGTHS[name]] = args[SCALED_LENGTHS[name]] * epoch_length
        if name == "MultiStepLR":
            args["milestones"] = [m * epoch_length for m in args["milestones"]]
        if name == "CosineRestartLR":
            args["periods"] = [p * epoch_length for p in args["periods"]]
    if end <= begin:
        raise Invalid(f"{name}: end must be above begin, as mmengine requires, got begin={begin}, end={end}")
    made = Scheduler(name, begin, end, by_epoch, RULES[name], args)
    _prepare(made)
    return made


def _prepare(s: Scheduler) -> None:
    """What a scheduler's constructor works out (and refuses) before its first step."""
    args = s.args
    if s.name == "MultiStepLR":
        s.extra["milestones"] = Counter(args["milestones"])
    elif s.name == "CosineAnnealingLR":
        if args["eta_min"] is not None and args["eta_min_ratio"] is not None:
            raise Invalid("CosineAnnealingLR takes eta_min or eta_min_ratio, not both, as mmengine asserts")
        s.extra["T_max"] = args["T_max"] or (s.end - s.begin)
    elif s.name == "LinearLR":
        if args["start_factor"] == 0 and s.end - s.begin > 1:
            raise Invalid(
                "LinearLR with start_factor=0 divides by zero at its second step in mmengine "
                "(ZeroDivisionError): give a start_factor above 0"
            )
    elif s.name == "OneCycleLR":
        total = args["total_steps"] if args["total_steps"] is not None else s.end - s.begin
        pct = args["pct_start"]
        s.extra["total_steps"] = total
        s.extra["phases"] = (
            [
                (float(pct * total) - 1, "initial_lr", "max_lr"),
                (float(2 * pct * total) - 2, "max_lr", "initial_lr"),
                (total - 1.0, "initial_lr", "min_lr"),
            ]
            if args["three_phase"]
            else [(float(pct * total) - 1, "initial_lr", "max_lr"), (total - 1.0, "max_lr", "min_lr")]
        )
    elif s.name == "CosineRestartLR":
        if (args["eta_min"] is None) == (args["eta_min_ratio"] is None):
            raise Invalid("CosineRestartLR needs one of eta_min and eta_min_ratio, as mmengine asserts")
        if len(args["periods"]) != len(args["restart_weights"]):
            raise Invalid(
                "CosineRestartLR: periods and restart_weights should have the same length, "
                "as mmengine asserts"
            )
        s.extra["periods"] = list(args["periods"])
        s.extra["cumulative"] = list(np.cumsum(args["periods"]).tolist())
    elif s.name == "QuadraticWarmupLR" and s.end >= INF:
        raise Invalid("QuadraticWarmupLR needs an end below infinity, as mmdet requires: give end=…")


def simulate(
    schedulers: list[Scheduler], lr: float | None, epoch_length: int, rows: int, metric: Any = None
) -> Values:
    """The rates of iterations 0 … rows − 1 under the Runner's rule (see the module's docstring)."""
    opening_cycle = bool(schedulers) and schedulers[0].name == "OneCycleLR" and schedulers[0].begin == 0
    # a OneCycleLR built first sets the rate before any update uses it: it needs no optimizer's rate
    group: Group = {"lr": math.nan if lr is None and opening_cycle else optimizer_rate(lr)}
    for s in schedulers:  # built in order: the first records the initial rate, a OneCycleLR its own
        if s.name == "OneCycleLR":
            peak = float(s.args["eta_max"])
            group["initial_lr"] = peak / s.args["div_factor"]
            group["max_lr"] = peak
            group["min_lr"] = group["initial_lr"] / s.args["final_div_factor"]
        group.setdefault("initial_lr", group["lr"])
        s.base = group["initial_lr"]
        if s.name == "ReduceOnPlateauLR":
            s.global_step = 0  # it counts its calls from 0 and is not stepped when built
        else:
            s.step(group)
    reports = (
        _epoch_reports(metric, epoch_length) if any(s.name == "ReduceOnPlateauLR" for s in schedulers) else {}
    )
    by_iteration = [s for s in schedulers if not s.by_epoch]
    by_epoch = [s for s in schedulers if s.by_epoch]
    out = np.empty(rows)
    if rows:
        out[0] = group["lr"]
    t = 0
    while t < rows - 1:  # after iteration t
        live = [s for s in by_iteration if s.global_step < s.end]  # beyond its end a step changes nothing
        if not live:  # nothing moves the rate before the epoch ends
            boundary = min((t // epoch_length + 1) * epoch_length - 1, rows - 1)
            out[t + 1 : boundary + 1] = group["lr"]
            t = boundary
            if t >= rows - 1:
                break
        for s in live:
            s.step(group)
        if (t + 1) % epoch_length == 0:
            for s in by_epoch:
                if s.name == "ReduceOnPlateauLR":
                    s.global_step += 1
                elif s.global_step < s.end:
                    s.step(group)
            if t in reports:
                for s in by_epoch:
                    if s.name == "ReduceOnPlateauLR":
                        _plateau_step(s, group, reports[t])
        out[t + 1] = group["lr"]
        t += 1
    return out


def _epoch_reports(metric: Any, epoch_length: int) -> dict[int, float]:
    """The metric reported at the end of each epoch's last iteration: what the validation after it sees."""
    if metric is None:
        return {}
    return {
        int(step): float(value)
        for step, value in zip(metric.steps.tolist(), metric.values.tolist(), strict=True)
        if (int(step) + 1) % epoch_length == 0
    }


def _plateau_step(s: Scheduler, group: Group, value: float) -> None:
    """``step(metrics)`` after a validation: ReduceOnPlateauLR's rule (its best starts at ±1e9, not ±inf)."""
    if not s.begin <= s.global_step < s.end:
        return
    s.last_step += 1
    args, state = s.args, s.extra
    less, relative, threshold = args["rule"] == "less", args["threshold_rule"] == "rel", args["threshold"]
    best = state.setdefault("best", INF if less else -INF)
    if less:
        better = value < (best * (1.0 - threshold) if relative else best - threshold)
    else:
        better = value > (best * (threshold + 1.0) if relative else best + threshold)
    if better:
        state["best"], state["bad"] = value, 0
    else:
        state["bad"] = state.get("bad", 0) + 1
    if state.get("cooling", 0) > 0:
        state["cooling"] -= 1
        state["bad"] = 0
    if state["bad"] > args["patience"]:
        lowered = max(float(group["lr"]) * args["factor"], args["min_value"])
        if group["lr"] - lowered > args["eps"]:
            group["lr"] = lowered
        state["cooling"], state["bad"] = args["cooldown"], 0


def _metric_of(t: Time, names: list[str]) -> Any:
    if "ReduceOnPlateauLR" not in names:
        return None
    if not isinstance(t, Grid) or t.start != 0:
        raise Invalid(
            "reacts to a metric, so it is evaluated over its part from its start, not at chosen steps"
        )
    return t.reports(0, t.stop - 1)


def _rates(
    t: Time, members: list[tuple[str, Mapping[str, Any]]], lr: float | None, epoch_length: int, horizon: int
) -> Values:
    """The rates at ``t`` of schedulers on one optimizer, simulated from the run's start."""
    rows = steps_of(t)
    last = int(rows.max(initial=-1)) + 1
    built = [build(name, args, epoch_length, max(horizon, last)) for name, args in members]
    for s in built:
        if s.begin > 0:
            mark_each(t, [s.begin * (epoch_length if s.by_epoch else 1)], f"{s.name} begins")
    rates = simulate(built, lr, epoch_length, last, _metric_of(t, [name for name, _ in members]))
    picked: Values = rates[rows.astype(np.int64)] if rows.size else np.empty(0)
    return picked


def _alone(t: Time, name: str, args: Mapping[str, Any], base: float | None, horizon: int) -> Values:
    """One scheduler alone, from its function's ``locals()``: its own arguments and its clock."""
    own = {k: v for k, v in args.items() if k not in ("t", "base", "horizon", "clock")} | args["clock"]
    return _rates(t, [(name, own)], base, int(own["epoch_length"]), horizon)


Clock = dict[str, Any]


@schedule(
    name="mmengine.LinearLR",
    frequency="continuous",
    quantity="linear",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def linear_lr(
    t: Time,
    start_factor: Number = 1.0 / 3,
    end_factor: Number = 1.0,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine LinearLR: the factor moves in a line from start_factor to end_factor over [begin, end).

    With n = end − begin − 1, at its step s: η ← η·start_factor (s = 0), else
    η ← η·(1 + (e − s₀)/(n·s₀ + (s − 1)(e − s₀))), so that alone η_s = lr·(s₀ + (e − s₀)·s/n).

    Args:
        start_factor: the factor at begin, in [0, 1].
        end_factor: the factor at end − 1, in [0, 1].

    Example:
        mmengine.LinearLR(start_factor=0.001, by_epoch=False, begin=0, end=500, lr=0.02)
        --steps 1000

    Notes:
        The line reaches end_factor at step end − 1, the last one it takes: LinearLR(end=500) ends its
        warm-up at iteration 499, one before torch.LinearLR(total_iters=500) would. mmengine's default
        is by_epoch=True: without epoch_length each row is then an epoch.
    """
    if start_factor > 1.0 or start_factor < 0 or end_factor > 1.0 or end_factor < 0:
        raise Invalid("start_factor and end_factor must be between 0 and 1, as mmengine requires")
    return _alone(t, "LinearLR", locals(), base, horizon)


@schedule(
    name="mmengine.ConstantLR",
    frequency="stepwise",
    quantity="constant",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def constant_lr(
    t: Time,
    factor: Number = 1.0 / 3,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine ConstantLR: the rate times factor from begin, divided back out at end − 1.

    At its step s: η ← η·factor (s = 0), η ← η/factor (s = end − begin − 1), else unchanged.

    Args:
        factor: the factor, in (0, 1].

    Example:
        mmengine.ConstantLR(factor=0.5, by_epoch=False, end=100, lr=0.1)
        --steps 300

    Notes:
        The factor is lifted at end − 1, one step before end, and multiplied by 1/factor (not divided).
    """
    if factor > 1.0 or factor <= 0:
        raise Invalid(f"factor must be above 0 and at most 1 (mmengine divides by it), got {factor!r}")
    return _alone(t, "ConstantLR", locals(), base, horizon)


@schedule(
    name="mmengine.CosineAnnealingLR",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    history=True,
    groups=(OPTIMIZER, clock.placed("eta_min"), resumed),  # mmengine puts eta_min_ratio after them
)
def cosine_annealing_lr(
    t: Time,
    T_max: Steps | None = None,
    eta_min: Number | None = None,
    eta_min_ratio: Number | None = None,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine CosineAnnealingLR: half a cosine from the rate it finds down to eta_min over T_max steps.

    With m = eta_min (or lr·eta_min_ratio), at its step s ≥ 1:
    η ← m + (η − m)·(1 + cos(πs/T))/(1 + cos(π(s−1)/T));
    alone η_s = m + (lr − m)·(1 + cos(πs/T))/2; T_max defaults to end − begin.

    Args:
        T_max: the steps of the half cosine (default: end − begin).
        eta_min: the floor (an absolute rate; 0 when neither it nor eta_min_ratio is given).
        eta_min_ratio: the floor as a ratio of the optimizer's initial rate.

    Example:
        mmengine.CosineAnnealingLR(T_max=90, by_epoch=False, eta_min_ratio=0.01, lr=0.1)
        --steps 100

    Notes:
        It scales the distance to the floor from the rate it finds, so after a warm-up it continues from
        where the warm-up left the rate. Past T_max it rises again, leaving the trough by an addition:
        the example runs past it, and shows L003.
    """
    return _alone(t, "CosineAnnealingLR", locals(), base, horizon)


@schedule(
    name="mmengine.ExponentialLR",
    frequency="continuous",
    quantity="exponential",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def exponential_lr(
    t: Time,
    gamma: Number,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine ExponentialLR: the rate times gamma at every step after begin.

    At its step s ≥ 1: η ← η·γ; alone η_s = lr·γ^s.

    Args:
        gamma: the factor per step.

    Example:
        mmengine.ExponentialLR(gamma=0.95, lr=0.1)
        --steps 50
    """
    return _alone(t, "ExponentialLR", locals(), base, horizon)


@schedule(
    name="mmengine.MultiStepLR",
    frequency="stepwise",
    quantity="exponential",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def multistep_lr(
    t: Time,
    milestones: WholeSteps,
    gamma: Number = 0.1,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine MultiStepLR: the rate times gamma at each milestone, counted from begin.

    At its step s: η ← η·γ^k, k the times s is a milestone.

    Args:
        milestones: the scheduler's steps where the rate is multiplied by gamma.
        gamma: the factor at each milestone.

    Example:
        mmengine.MultiStepLR(milestones=[8, 11], gamma=0.1, lr=0.02)
        --steps 12

    Notes:
        The milestones count the scheduler's own steps, from begin: with begin=5, milestone 3 is at
        step 8 of the run.
    """
    return _alone(t, "MultiStepLR", locals(), base, horizon)


@schedule(
    name="mmengine.StepLR",
    frequency="stepwise",
    quantity="exponential",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def step_lr(
    t: Time,
    step_size: Steps,
    gamma: Number = 0.1,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine StepLR: the rate times gamma every step_size of its steps.

    At its step s ≥ 1 with s mod step_size = 0: η ← η·γ.

    Args:
        step_size: the steps between decays.
        gamma: the factor of each decay.

    Example:
        mmengine.StepLR(step_size=30, gamma=0.1, lr=0.1)
        --steps 100
    """
    return _alone(t, "StepLR", locals(), base, horizon)


@schedule(
    name="mmengine.PolyLR",
    frequency="continuous",
    quantity="polynomial",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def poly_lr(
    t: Time,
    eta_min: Number = 0.0,
    power: Number = 1.0,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine PolyLR: a polynomial decay to eta_min at end − 1.

    With n = end − begin − 1, at its step s ≥ 1: η ← (η − m)·(1 − 1/(n − s + 1))^power + m; alone
    η_s = m + (lr − m)·(1 − s/n)^power.

    Args:
        eta_min: the rate m it reaches at end − 1.
        power: the degree of the polynomial.

    Example:
        mmengine.PolyLR(eta_min=1e-4, power=0.9, by_epoch=False, lr=0.01)
        --steps 1000

    Notes:
        mmseg's recipes run it by iteration (by_epoch=False) with power=0.9: eta_min comes at the
        run's last iteration.
    """
    return _alone(t, "PolyLR", locals(), base, horizon)


def _one_cycle_check(pct_start: float, anneal_strategy: str, total_steps: int | None, **_: Any) -> None:
    if not 0 <= pct_start <= 1:
        raise Invalid(f"pct_start must be a float between 0 and 1, as mmengine requires, got {pct_start!r}")


@schedule(
    name="mmengine.OneCycleLR",
    frequency="cyclic",
    quantity="cosine or linear",
    optimizer=True,
    history=True,
    check=_one_cycle_check,
    groups=MMENGINE,
)
def one_cycle_lr(
    t: Time,
    eta_max: Number = 0.0,
    total_steps: Steps | None = None,
    pct_start: Number = 0.3,
    anneal_strategy: Literal["cos", "linear"] = "cos",
    div_factor: Number = 25.0,
    final_div_factor: Number = 1e4,
    three_phase: bool = False,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine OneCycleLR: up from eta_max/div_factor to eta_max, then far below the start.

    PyTorch's OneCycleLR on the scheduler's own steps: phases end at pct_start·T − 1 and T − 1 (or
    pct_start·T − 1, 2·pct_start·T − 2, T − 1 with three_phase); T = total_steps or end − begin.

    Args:
        eta_max: the peak rate.
        total_steps: the steps of the cycle (default: end − begin).
        pct_start: the share of the cycle spent rising.
        anneal_strategy: 'cos' or 'linear'.
        div_factor: the start rate is eta_max/div_factor.
        final_div_factor: the final rate is the start rate/final_div_factor.
        three_phase: come back down to the start rate before the final descent.

    Example:
        mmengine.OneCycleLR(eta_max=0.1, total_steps=1000, by_epoch=False)
        --steps 1000

    Notes:
        It sets the rate outright rather than chaining, and it records eta_max/div_factor as the
        initial rate of every scheduler built after it.
    """
    return _alone(t, "OneCycleLR", locals(), base, horizon)


@schedule(
    name="mmengine.CosineRestartLR",
    frequency="cyclic",
    quantity="cosine",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def cosine_restart_lr(
    t: Time,
    periods: WholeSteps,
    restart_weights: Numbers = [1.0],  # noqa: B006 (mmengine's (1,), never changed)
    eta_min: Number | None = None,
    eta_min_ratio: Number | None = None,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine CosineRestartLR: cosine cycles of the given periods, each restarting at lr·weight.

    In period i, at its step s from the period's start: η ← lr·w_i (s = 0), else
    η ← m + (η − m)·(1 + cos(πs/P_i))/(1 + cos(π(s − 1)/P_i)); past the last period the rate is held.

    Args:
        periods: the length of each cycle.
        restart_weights: the peak of each cycle, as a ratio of the optimizer's initial rate.
        eta_min: the floor (give it or eta_min_ratio).
        eta_min_ratio: the floor as a ratio of the optimizer's initial rate.

    Example:
        mmengine.CosineRestartLR(periods=[50, 50], restart_weights=[1, 0.5], eta_min=1e-4, lr=0.1)
        --steps 100
    """
    return _alone(t, "CosineRestartLR", locals(), base, horizon)


@schedule(
    name="mmengine.QuadraticWarmupLR",
    frequency="continuous",
    quantity="quadratic",
    optimizer=True,
    history=True,
    groups=MMENGINE,
)
def quadratic_warmup_lr(
    t: Time,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmdet QuadraticWarmupLR: a quadratic warm-up from 0 to the rate over [begin, end).

    With n = end − begin, at its step s: η ← lr·(2s + 1)/n² (s = 0), else η ← η + lr·(2s + 1)/n²;
    alone η_s = lr·((s + 1)/n)².

    Args:

    Example:
        mmengine.QuadraticWarmupLR(by_epoch=False, end=100, lr=0.01)
        --steps 200

    Notes:
        mmdet's (mmdet.engine.schedulers), registered in its own PARAM_SCHEDULERS; YOLOX recipes use it
        with convert_to_iter_based=True. It adds to the rate, rather than scaling it.
    """
    return _alone(t, "QuadraticWarmupLR", locals(), base, horizon)


def _plateau_check(
    factor: float, rule: str, threshold_rule: str, threshold: float, by_epoch: bool, **_: Any
) -> None:
    if factor >= 1.0:
        raise Invalid(f'factor must be below 1 ("Factor should be < 1.0."), got {factor!r}')
    if threshold < 0:
        raise Invalid(f"threshold must be 0 or more, as mmengine requires, got {threshold!r}")
    if not by_epoch:
        raise Invalid("ReduceOnPlateauLR only supports by_epoch=True, as mmengine asserts")


@schedule(
    name="mmengine.ReduceOnPlateauLR",
    frequency="feedback",
    quantity="exponential",
    optimizer=True,
    history=True,
    check=_plateau_check,
    groups=MMENGINE,
)
def reduce_on_plateau_lr(
    t: Time,
    monitor: Text = "loss",
    rule: Literal["less", "greater"] = "less",
    factor: Number = 0.1,
    patience: Count = 10,
    threshold: Number = 1e-4,
    threshold_rule: Literal["rel", "abs"] = "rel",
    cooldown: Count = 0,
    min_value: Number = 0.0,
    eps: Number = 1e-8,
    *,
    base: float | None = None,
    horizon: int = 1,
    **clock: Any,
) -> Values:
    """mmengine ReduceOnPlateauLR: the rate times factor after more than patience bad validations.

    After each validation (the metric reported at an epoch's last iteration): a report improves when
    below best·(1 − threshold) ('less', 'rel'), best − threshold ('abs'), or above best·(1 + threshold)
    / best + threshold ('greater'); after more than patience without, η ← max(η·factor, min_value) if
    that lowers it by more than eps, and cooldown validations are not counted.

    Args:
        monitor: the metric's name in mmengine's validation results (lrviz reads --metric).
        rule: 'less' (a loss) or 'greater' (an accuracy).
        factor: the factor of each reduction, below 1.
        patience: bad validations tolerated; the next one reduces.
        threshold: the margin an improvement must beat.
        threshold_rule: 'rel' or 'abs'.
        cooldown: validations not counted after a reduction.
        min_value: the floor.
        eps: reductions smaller than this are skipped.

    Example:
        mmengine.ReduceOnPlateauLR(factor=0.5, patience=2, lr=0.1)
        --epochs 40 --steps-per-epoch 10 --metric synthetic

    Notes:
        Its begin and end count epochs (validations): by_epoch must be True, and convert_to_iter_based
        changes nothing. A validation runs after every epoch here (mmengine's val_interval=1). The
        best starts at 1e9 (mmengine's INF), not infinity: a loss above 1e9 never improves on it.
    """
    return _alone(t, "ReduceOnPlateauLR", locals(), base, horizon)


def _member_check(schedulers: tuple[Schedule, ...], **_: Any) -> None:
    for spec in schedulers:
        entry = getattr(spec, "entry", None)
        if entry is None or not entry.name.startswith("mmengine."):
            raise Invalid(
                f"{spec.source} is no mmengine scheduler: param_scheduler takes mmengine's "
                f"({', '.join(SCHEDULERS)})"
            )


@schedule(
    name="mmengine.param_scheduler",
    frequency="composite",
    quantity="any",
    length=lambda args: None,
    optimizer=True,
    history=True,
    check=_member_check,
    groups=(OPTIMIZER,),
)
def param_scheduler(
    t: Time,
    schedulers: list[Schedule],
    epoch_length: Steps = 1,
    *,
    base: float | None = None,
    horizon: int = 1,
) -> Values:
    """mmengine's param_scheduler list: every scheduler steps the one rate, in the list's order.

    Each is built in order (applying its step 0 if begin is 0), then stepped after every iteration
    (by_epoch=False) or every epoch of epoch_length iterations (by_epoch=True), within its [begin, end):
    each moves the rate the ones before it left.

    Args:
        schedulers: the mmengine schedulers, in the config's order, as a list.
        epoch_length: the iterations of an epoch (the Runner's len(train_dataloader)), for every member.

    Example:
        mmengine.param_scheduler([mmengine.LinearLR(start_factor=0.001, by_epoch=False, begin=0, end=500),
                                  mmengine.MultiStepLR(begin=0, end=12, by_epoch=True, milestones=[8, 11])],
                                 epoch_length=100, lr=0.02)
        --steps 1200

    Notes:
        Members take their epoch_length from here, and their rate from lr=…. Two schedulers active at
        once multiply (a warm-up by iteration under a decay by epoch): that is mmengine's chaining.
    """
    members: list[tuple[str, Mapping[str, Any]]] = []
    for spec in schedulers:
        args, _ = spec.resolve(horizon)  # type: ignore[attr-defined]
        own = dict(spec.args).get("epoch_length")  # type: ignore[attr-defined]
        if own is not None and own != epoch_length:
            raise Invalid(
                f"{spec.source}: its epoch_length={own} differs from the list's {epoch_length}: "
                "one runner has one epoch length; give it once, to mmengine.param_scheduler"
            )
        name = spec.entry.name.partition(".")[2]  # type: ignore[attr-defined]
        members.append((name, {k: v for k, v in args.items() if k not in ("lr", "last_step", "verbose")}))
    return _rates(t, members, base, epoch_length, horizon)
