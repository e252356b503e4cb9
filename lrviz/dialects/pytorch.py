"""PyTorch's schedulers (``torch.optim.lr_scheduler``, torch 2.13), reproduced in closed form.

Row t is what ``get_last_lr()`` holds after t calls of ``scheduler.step()``. The base rate is the
optimizer's learning rate: ``lr=…`` in the call or ``--lr``. Each function's Notes say where PyTorch
departs from the textbook curve; lrviz reproduces those departures rather than fixing them.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import count_power, power
from lrviz.clock.grid import WARMUP_ENDS, Grid, Part, Time, join, mark_each, mark_every
from lrviz.clock.grid import steps as steps_of
from lrviz.dialects.vocabulary import LAST_EPOCH, OPTIMIZER, half_cosine, optimizer_rate
from lrviz.schedules.entry import Also, Function, Schedule, Values, schedule
from lrviz.schedules.kinds import Count, Invalid, Number, Rate, Steps, WholeSteps

TORCH = (OPTIMIZER, LAST_EPOCH)
"""What a PyTorch scheduler takes besides its own parameters: the optimizer's rate and last_epoch."""


def with_rate(spec: Schedule, lr: float | None) -> Schedule:
    """A nested scheduler with the base rate it gets from the optimizer it shares."""
    return spec.with_params({"lr": lr})[0] if lr is not None else spec


def member_rates(schedulers: tuple[Schedule, ...], lr: float | None) -> list[float | None]:
    """The base rate each of several schedulers on one optimizer gets, built in order.

    A scheduler's base is the optimizer's ``initial_lr``, which the first one built sets (CyclicLR to
    its base_lr) and OneCycleLR overwrites; CyclicLR and OneCycleLR keep their own rates.
    """
    initial: float | None = None
    rates: list[float | None] = []
    for spec in schedulers:
        args = getattr(spec, "args", {})
        if _dialect_call(spec, "CyclicLR"):
            initial = args["base_lr"] if initial is None else initial
            rates.append(None)
        elif _dialect_call(spec, "OneCycleLR"):
            initial = args["max_lr"] / args.get("div_factor", 25.0)
            rates.append(None)
        else:
            initial = optimizer_rate(lr) if initial is None else initial
            rates.append(initial)
    return rates


def _dialect_call(spec: Schedule, *names: str) -> bool:
    entry = getattr(spec, "entry", None)
    return entry is not None and entry.name in {f"torch.{n}" for n in names}


@schedule(
    name="torch.LambdaLR",
    frequency="continuous",
    quantity="any",
    variables=("epoch",),
    optimizer=True,
    groups=TORCH,
)
def lambda_lr(t: Time, lr_lambda: Function, *, horizon: int = 1) -> Values:
    """PyTorch LambdaLR: the base rate times a function of the step.

    η_t = lr·λ(t). λ is an lrviz expression in ``epoch`` (or ``t``), or a pasted one-parameter lambda:
    ``lr_lambda=lambda epoch: 0.95 ** epoch``.

    Args:
        lr_lambda: the factor λ as a function of the step count.

    Example:
        torch.LambdaLR(optimizer, lr_lambda=lambda epoch: 0.95 ** epoch, lr=0.1)

    Notes:
        λ(0) is applied when the scheduler is built, so a warm-up λ with λ(0) = 0 gives the first
        update a rate of 0.
    """
    return lr_lambda.evaluate(t, horizon)


def _running_product(factors: Schedule, t: Values, first: int) -> Values:
    """Π λ(u) for u = first … t, at every step t (1 where the range is empty)."""
    top = int(t.max(initial=0))
    steps = np.arange(top + 1, dtype=np.float64)
    lambdas: Values = np.array(factors.evaluate(steps, top + 1), dtype=np.float64)
    lambdas[:first] = 1.0
    products: Values = np.cumprod(lambdas, dtype=np.float64)
    return products[t.astype(np.int64)]


@schedule(
    name="torch.MultiplicativeLR",
    frequency="continuous",
    quantity="any",
    variables=("epoch",),
    optimizer=True,
    history=True,
    groups=TORCH,
)
def multiplicative_lr(t: Values, lr_lambda: Function) -> Values:
    """PyTorch MultiplicativeLR: each step multiplies the rate by a function of the step.

    η_t = lr·Π_{u=1..t} λ(u).

    Args:
        lr_lambda: the factor λ applied at each step, as a function of the step count.

    Example:
        torch.MultiplicativeLR(optimizer, lr_lambda=lambda epoch: 0.95, lr=0.1)

    Notes:
        Unlike LambdaLR, λ(0) is not applied when the scheduler is built. Inside SequentialLR it
        continues from the current rate at its milestone instead of restarting from the base rate.
    """
    return _running_product(lr_lambda, t, first=1)


@schedule(name="torch.StepLR", frequency="stepwise", quantity="exponential", optimizer=True, groups=TORCH)
def step_lr(t: Time, step_size: Steps, gamma: Number = 0.1) -> Values:
    """PyTorch StepLR: multiply the rate by gamma every step_size steps.

    η_t = lr·γ^⌊t/step_size⌋

    Args:
        step_size: the steps between decays.
        gamma: the factor of each decay.

    Example:
        torch.StepLR(optimizer, step_size=30, gamma=0.1, lr=0.1)
    """
    mark_every(t, step_size, "decay")
    return count_power(gamma, np.floor(steps_of(t) / step_size))


@schedule(
    name="torch.MultiStepLR", frequency="stepwise", quantity="exponential", optimizer=True, groups=TORCH
)
def multistep_lr(
    t: Time,
    milestones: WholeSteps,
    gamma: Number = 0.1,
) -> Values:
    """PyTorch MultiStepLR: multiply the rate by gamma at each milestone.

    η_t = lr·γ^#{m ∈ milestones : m ≤ t}

    Args:
        milestones: the steps where the rate is multiplied by gamma.
        gamma: the factor at each milestone.

    Example:
        torch.MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1, lr=0.05)

    Notes:
        A milestone given twice applies gamma twice, and the milestones need not be sorted.
    """
    mark_each(t, milestones, "decay")
    passed = np.searchsorted(np.sort(np.asarray(milestones, dtype=np.float64)), steps_of(t), side="right")
    factor: Values = gamma ** passed.astype(np.float64)
    return factor


def _constant_check(factor: float, total_iters: int, **_: Any) -> None:
    if factor > 1.0 or factor < 0:
        raise Invalid(f"factor must be between 0 and 1, as PyTorch requires, got {factor!r}")
    if factor == 0:
        raise Invalid(
            "factor=0 divides by zero at total_iters, where PyTorch raises ZeroDivisionError: "
            "give a factor above 0"
        )


@schedule(
    name="torch.ConstantLR",
    frequency="stepwise",
    quantity="constant",
    check=_constant_check,
    optimizer=True,
    groups=TORCH,
)
def constant_lr(
    t: Time,
    factor: Number = 1.0 / 3,
    total_iters: Count = 5,
) -> Values:
    """PyTorch ConstantLR: the rate times factor until total_iters, then the rate.

    η_t = lr·factor for t < total_iters, else lr.

    Args:
        factor: the factor before total_iters, in (0, 1].
        total_iters: the step where the factor is lifted.

    Example:
        torch.ConstantLR(optimizer, factor=0.5, total_iters=4, lr=0.05)
    """
    # PyTorch multiplies by factor at step 0 and divides it out again at total_iters; with
    # total_iters = 0 the second never happens
    if factor < 1.0:
        mark_each(t, [total_iters], "factor ends")
    held = steps_of(t) < total_iters if total_iters else np.ones(t.shape, dtype=bool)
    return np.where(held, factor, 1.0)


def _linear_check(start_factor: float, end_factor: float, **_: Any) -> None:
    if start_factor > 1.0 or start_factor <= 0:
        raise Invalid(
            f"start_factor must be above 0 and at most 1, as PyTorch requires, got {start_factor!r}"
            " (a warm-up from exactly 0 needs LambdaLR)"
        )
    if end_factor > 1.0 or end_factor < 0:
        raise Invalid(f"end_factor must be between 0 and 1, as PyTorch requires, got {end_factor!r}")


@schedule(
    name="torch.LinearLR",
    frequency="continuous",
    quantity="linear",
    check=_linear_check,
    optimizer=True,
    groups=TORCH,
)
def linear_lr(
    t: Time,
    start_factor: Number = 1.0 / 3,
    end_factor: Number = 1.0,
    total_iters: Count = 5,
) -> Values:
    """PyTorch LinearLR: the factor moves in a line from start_factor to end_factor, then holds.

    η_t = lr·(s + (e − s)·min(t, T)/T)

    Args:
        start_factor: the factor at step 0, in (0, 1].
        end_factor: the factor from total_iters on, in [0, 1].
        total_iters: the steps the line takes.

    Example:
        torch.LinearLR(optimizer, start_factor=0.1, total_iters=10, lr=0.1)
    """
    if total_iters == 0:  # PyTorch applies start_factor at step 0 and never moves again
        return np.full(t.shape, start_factor)
    if start_factor < end_factor:
        mark_each(t, [total_iters], WARMUP_ENDS, "warmup")
    elif start_factor > end_factor:
        mark_each(t, [total_iters], "decay ends")
    through = np.minimum(total_iters, steps_of(t))
    factor: Values = start_factor + (end_factor - start_factor) * through / total_iters
    return factor


@schedule(
    name="torch.ExponentialLR", frequency="continuous", quantity="exponential", optimizer=True, groups=TORCH
)
def exponential_lr(t: Time, gamma: Number) -> Values:
    """PyTorch ExponentialLR: multiply the rate by gamma at every step.

    η_t = lr·γ^t

    Args:
        gamma: the factor per step.

    Example:
        torch.ExponentialLR(optimizer, gamma=0.95, lr=0.1)
    """
    return power(gamma, t)


@schedule(
    name="torch.PolynomialLR", frequency="continuous", quantity="polynomial", optimizer=True, groups=TORCH
)
def polynomial_lr(
    t: Values,
    total_iters: Steps = 5,
    power: Number = 1.0,
) -> Values:
    """PyTorch PolynomialLR: decay to 0 over total_iters along a polynomial, then 0.

    η_t = lr·(1 − min(t, T)/T)^power

    Args:
        total_iters: the steps to reach 0.
        power: the degree of the polynomial.

    Example:
        torch.PolynomialLR(optimizer, total_iters=100, power=2.0, lr=0.1)

    Notes:
        It always ends at 0: PyTorch has no end rate for it.
    """
    remaining: Values = 1.0 - np.minimum(t, total_iters) / total_iters
    factor: Values = remaining**power
    return factor


@schedule(
    name="torch.CosineAnnealingLR", frequency="continuous", quantity="cosine", optimizer=True, groups=TORCH
)
def cosine_annealing_lr(t: Values, T_max: Steps, eta_min: Number = 0.0, *, base: float) -> Values:
    """PyTorch CosineAnnealingLR: half a cosine from the rate down to eta_min over T_max steps.

    η_t = η_min + (lr − η_min)·(1 + cos(π·t/T_max))/2

    Args:
        T_max: the steps of the half cosine.
        eta_min: the rate at T_max (an absolute rate).

    Example:
        torch.CosineAnnealingLR(optimizer, T_max=100, eta_min=1e-5, lr=0.1)
        --steps 100

    Notes:
        Not clamped: past T_max the rate rises again, back to lr at 2·T_max (period 2·T_max). A run
        of T_max steps never uses eta_min.
    """
    return eta_min + (base - eta_min) * half_cosine(np.pi * t / T_max)


def _chain_member_check(schedulers: tuple[Schedule, ...], **_: Any) -> None:
    for spec in schedulers:
        multiplies = _dialect_call(
            spec,
            "StepLR",
            "MultiStepLR",
            "ConstantLR",
            "LinearLR",
            "ExponentialLR",
            "PolynomialLR",
            "MultiplicativeLR",
        )
        if _dialect_call(spec, "CosineAnnealingLR"):
            multiplies = float(spec.args.get("eta_min", 0.0)) == 0.0  # type: ignore[attr-defined]
        if not multiplies:
            raise Invalid(
                f"{spec.source} cannot be chained here: lrviz reproduces ChainedScheduler when every member "
                "scales the rate (StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR, "
                "MultiplicativeLR, CosineAnnealingLR with eta_min=0)"
            )


@schedule(
    name="torch.ChainedScheduler",
    frequency="composite",
    quantity="product",
    length=lambda args: None,
    check=_chain_member_check,
    optimizer=True,
    groups=(OPTIMIZER,),
)
def chained_scheduler(t: Time, schedulers: list[Schedule], *, horizon: int = 1) -> Values:
    """PyTorch ChainedScheduler: every scheduler steps at every step, so their factors multiply.

    η_t = lr·Π_i (η^i_t / lr), each member from step 0.

    Args:
        schedulers: the PyTorch schedulers to chain, as a list.

    Example:
        torch.ChainedScheduler([torch.ConstantLR(optimizer, factor=0.1, total_iters=2),
                                torch.ExponentialLR(optimizer, gamma=0.9)], lr=1)

    Notes:
        Members that set the rate outright (LambdaLR, CyclicLR, OneCycleLR, …) are refused, and so is
        a CosineAnnealingLR leaving its trough (step T_max + 1) while another member's factor is not 1:
        PyTorch leaves the trough by an addition that the other factors no longer scale.
    """
    product = np.ones(t.shape)
    for member in schedulers:  # in order, as np.prod would multiply them
        product *= with_rate(member, 1.0).evaluate(t, horizon)
    _check_troughs(steps_of(t), schedulers, horizon)
    return product


def _check_troughs(t: Values, schedulers: list[Schedule], horizon: int) -> None:
    """Refuse a chain whose CosineAnnealingLR leaves a trough while another member scales the rate.

    There PyTorch's cosine adds (lr − η_min)(1 − cos(π/T))/2 to the rate instead of scaling it, so the
    other members' factors drop out of the product; lrviz reproduces the chain only where they are 1.
    """
    for i, member in enumerate(schedulers):
        if not _dialect_call(member, "CosineAnnealingLR"):
            continue
        period = member.args["T_max"]  # type: ignore[attr-defined]
        troughs = np.arange(period + 1, horizon, 2 * period, dtype=np.float64)
        if troughs.size == 0:
            continue
        others = [
            with_rate(other, 1.0).evaluate(troughs if j < i else troughs - 1, horizon)
            for j, other in enumerate(schedulers)
            if j != i
        ]
        if others and not np.all(np.prod(others, axis=0) == 1.0):
            raise Invalid(
                "in this ChainedScheduler, PyTorch's CosineAnnealingLR leaves its trough at step "
                f"{period + 1} by adding to the rate while the other schedulers scale it, which lrviz does "
                f"not follow: run at most {period + 1} steps, or use SequentialLR"
            )


def _sequential_check(schedulers: tuple[Schedule, ...], milestones: list[int], **_: Any) -> None:
    if any(_dialect_call(s, "ReduceLROnPlateau") for s in schedulers):
        raise Invalid(
            "SequentialLR does not support ReduceLROnPlateau, as PyTorch says: it needs a metric to step"
        )
    if len(milestones) != len(schedulers) - 1:
        raise Invalid(
            "SequentialLR needs one milestone fewer than schedulers, as PyTorch requires: "
            f"got {len(schedulers)} schedulers and {len(milestones)} milestones"
        )
    if any(b < a for a, b in itertools.pairwise(milestones)):
        raise Invalid(f"milestones must not decrease, got {milestones}")


@schedule(
    name="torch.SequentialLR",
    frequency="composite",
    quantity="any",
    length=lambda args: None,
    check=_sequential_check,
    optimizer=True,
    groups=TORCH,
)
def sequential_lr(
    t: Time,
    schedulers: list[Schedule],
    milestones: WholeSteps,
    *,
    base: float | None = None,
    horizon: int = 1,
) -> Values:
    """PyTorch SequentialLR: switch to the next scheduler at each milestone.

    From milestone m_i on, scheduler i runs on local time t − m_i, restarting from the base rate.

    Args:
        schedulers: the PyTorch schedulers, in order, as a list.
        milestones: the steps where each next scheduler takes over.

    Example:
        torch.SequentialLR(optimizer, schedulers=[torch.LinearLR(optimizer, start_factor=0.1, total_iters=5),
                                                  torch.CosineAnnealingLR(optimizer, T_max=995)],
                           milestones=[5], lr=0.1)

    Notes:
        Each scheduler restarts from the base rate at its milestone (PyTorch calls its closed form at
        local step 0), except MultiplicativeLR, which continues from the rate it finds there. The base
        rate is the one the first scheduler built found: after a CyclicLR first, every later scheduler
        starts from CyclicLR's base_lr; after a OneCycleLR, from max_lr/div_factor.
    """
    starts = [0, *milestones]
    rates = member_rates(tuple(schedulers), base)

    def part(i: int, member: Schedule, rate: float | None) -> Part:
        if i and _dialect_call(member, "MultiplicativeLR"):  # it goes on from the rate it finds
            lambdas = member.args["lr_lambda"]  # type: ignore[attr-defined]

            def going_on(local: Time) -> Values:
                last: Time = np.array([starts[i] - 1.0])
                if isinstance(t, Grid):
                    last = replace(t, start=starts[i] - 1, stop=starts[i], marks=None)
                before = float(sequential_lr(last, schedulers, milestones, base=base, horizon=horizon)[0])
                rates: Values = before * _running_product(lambdas, steps_of(local), first=0)
                return rates

            return going_on
        return functools.partial(with_rate(member, rate).evaluate, horizon=horizon)

    parts = [part(i, member, rate) for i, (member, rate) in enumerate(zip(schedulers, rates, strict=True))]
    return join(t, starts, parts, "milestone")


def cyclic_momentum(t: Time, **args: Any) -> Values:
    """CyclicLR's momentum (SGD's momentum, or Adam's β1) with cycle_momentum: the rate's triangle
    upside down, from max_momentum at a cycle's bottom to base_momentum at its top, by the same
    amplitude."""
    triangle, amplitude = _cyclic(
        t,
        args["step_size_up"],
        args["step_size_down"],
        args["mode"],
        args["gamma"],
        args["scale_fn"],
        args["scale_mode"],
        args.get("horizon", 1),
    )
    top, bottom = float(args["max_momentum"]), float(args["base_momentum"])
    height: Values = (top - bottom) * triangle
    return top - (height if amplitude is None else height * amplitude)


@schedule(
    name="torch.CyclicLR",
    frequency="cyclic",
    quantity="linear",
    variables=("x",),
    optimizer=True,
    groups=(LAST_EPOCH,),
    also=(Also("momentum", cyclic_momentum, "cycle_momentum"),),
)
def cyclic_lr(
    t: Time,
    base_lr: Rate,
    max_lr: Rate,
    step_size_up: Number = 2000,
    step_size_down: Number | None = None,
    mode: Literal["triangular", "triangular2", "exp_range"] = "triangular",
    gamma: Number = 1.0,
    scale_fn: Function | None = None,
    scale_mode: Literal["cycle", "iterations"] = "cycle",
    cycle_momentum: bool = True,
    base_momentum: Number = 0.8,
    max_momentum: Number = 0.9,
    *,
    lr: Rate | None = None,
    horizon: int = 1,
) -> Values:
    """PyTorch CyclicLR: a triangle wave between base_lr and max_lr (Smith 2017).

    With L = up + down, c = ⌊1 + t/L⌋, x = 1 + t/L − c: s = x/r if x ≤ r else (x − 1)/(r − 1), r = up/L;
    η_t = base_lr + (max_lr − base_lr)·s·scale, scale = 1 (triangular), 1/2^(c−1) (triangular2),
    γ^t (exp_range), or scale_fn of the cycle c or of t (scale_mode).

    Args:
        base_lr: the rate at the bottom of each cycle.
        max_lr: the rate at the top of the first cycle.
        step_size_up: steps from bottom to top.
        step_size_down: steps from top to bottom; default step_size_up.
        mode: 'triangular', 'triangular2' or 'exp_range' (ignored with a scale_fn).
        gamma: the per-step factor of exp_range.
        scale_fn: a custom amplitude, an expression in x (or a one-parameter lambda).
        scale_mode: whether scale_fn takes the cycle number or the step.
        cycle_momentum: whether it cycles the momentum too, the other way (see it with --momentum).
        base_momentum: momentum at the top of a cycle.
        max_momentum: momentum at the bottom of a cycle.
        lr: ignored: CyclicLR sets the optimizer's rate to base_lr.

    Example:
        torch.CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=200, mode='triangular2')

    Notes:
        The built-in modes fix scale_mode (cycle, cycle, iterations) whatever is passed, and exp_range
        scales by γ to the power of the total step count, not of the step within the cycle.
    """
    triangle, amplitude = _cyclic(t, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode, horizon)
    height = (max_lr - base_lr) * triangle
    return base_lr + height if amplitude is None else base_lr + height * amplitude


def _cyclic(
    t: Time,
    step_size_up: float,
    step_size_down: float | None,
    mode: str,
    gamma: float,
    scale_fn: Schedule | None,
    scale_mode: str,
    horizon: int,
) -> tuple[Values, Values | None]:
    """CyclicLR's triangle (0 at a cycle's bottom, 1 at its top) and its amplitude at each step (None:
    1 throughout, the triangular mode)."""
    up = float(step_size_up)
    down = float(step_size_down) if step_size_down is not None else up
    total = up + down
    mark_every(t, total, "cycle starts")
    t = steps_of(t)
    ratio = up / total
    cycle = np.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale_factor = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    if scale_fn is not None:
        points = cycle if scale_mode == "cycle" else t
        return scale_factor, scale_fn.evaluate(points, horizon)
    if mode == "triangular":
        return scale_factor, None
    if mode == "triangular2":
        return scale_factor, 1 / count_power(2.0, cycle - 1)
    return scale_factor, gamma**t


class Overrun(Invalid):
    """OneCycleLR stepped past total_steps: PyTorch raises, and ``lrviz check`` reports L005."""

    code = "L005"


def _one_cycle_total(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        return total_steps
    if epochs is not None and steps_per_epoch is not None:
        return epochs * steps_per_epoch
    raise Invalid("give total_steps, or epochs and steps_per_epoch, as PyTorch requires")


def _one_cycle_check(
    total_steps: int | None, epochs: int | None, steps_per_epoch: int | None, pct_start: float, **_: Any
) -> None:
    _one_cycle_total(total_steps, epochs, steps_per_epoch)
    if not 0 <= pct_start <= 1:
        raise Invalid(f"pct_start must be a float between 0 and 1, as PyTorch requires, got {pct_start!r}")


def one_cycle_momentum(t: Time, **args: Any) -> Values:
    """OneCycleLR's momentum (SGD's momentum, or Adam's β1) with cycle_momentum: from max_momentum down
    to base_momentum while the rate rises, back up while it falls, held at max_momentum in a third
    phase; in the rate's phases and by its anneal."""
    low, high = args["base_momentum"], args["max_momentum"]
    levels = [high, low, high, high] if args["three_phase"] else [high, low, high]
    total = _one_cycle_total(args["total_steps"], args["epochs"], args["steps_per_epoch"])
    return _one_cycle(t, total, args["pct_start"], args["anneal_strategy"], args["three_phase"], levels)


@schedule(
    name="torch.OneCycleLR",
    frequency="cyclic",
    quantity="cosine or linear",
    length=lambda args: (
        args.get("total_steps")
        or (
            args["epochs"] * args["steps_per_epoch"]
            if args.get("epochs") and args.get("steps_per_epoch")
            else None
        )
    ),
    check=_one_cycle_check,
    optimizer=True,
    groups=(LAST_EPOCH,),
    also=(Also("momentum", one_cycle_momentum, "cycle_momentum"),),
)
def one_cycle_lr(
    t: Time,
    max_lr: Rate,
    total_steps: Steps | None = None,
    epochs: Steps | None = None,
    steps_per_epoch: Steps | None = None,
    pct_start: Number = 0.3,
    anneal_strategy: Literal["cos", "linear"] = "cos",
    cycle_momentum: bool = True,
    base_momentum: Number = 0.85,
    max_momentum: Number = 0.95,
    div_factor: Number = 25.0,
    final_div_factor: Number = 1e4,
    three_phase: bool = False,
    *,
    lr: Rate | None = None,
) -> Values:
    """PyTorch OneCycleLR: up from max_lr/div_factor to max_lr, then down far below the start.

    Phases end at the float steps pct_start·T − 1 (the peak) and T − 1 (two phases), or
    pct_start·T − 1, 2·pct_start·T − 2 and T − 1 (three_phase); within a phase
    η = end + (start − end)/2·(1 + cos(π·p)) ('cos') or start + (end − start)·p ('linear').

    Args:
        max_lr: the peak rate.
        total_steps: the steps of the cycle (or give epochs and steps_per_epoch).
        epochs: epochs of the cycle, with steps_per_epoch.
        steps_per_epoch: steps in an epoch, with epochs.
        pct_start: the share of the cycle spent rising.
        anneal_strategy: 'cos' or 'linear'.
        cycle_momentum: whether it cycles the momentum too, the other way (see it with --momentum).
        base_momentum: momentum at the peak.
        max_momentum: momentum at the start and end.
        div_factor: the start rate is max_lr/div_factor.
        final_div_factor: the final rate is the start rate/final_div_factor.
        three_phase: come back down to the start rate before the final descent.
        lr: ignored: OneCycleLR overwrites the optimizer's rate.

    Example:
        torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=1000)

    Notes:
        Step total_steps is still allowed and extrapolates past the end (back up for 'cos', below
        zero for 'linear'); stepping further is an error, in PyTorch and here. A loop that calls
        scheduler.step() after every update calls it once after the last too: ``lrviz check`` reports
        total_steps below the run's updates (L005). Phase ends are floats,
        so for a short cycle (pct_start·total_steps < 1) the first rate is not max_lr/div_factor.
    """
    initial = max_lr / div_factor
    minimum = initial / final_div_factor
    levels = [initial, max_lr, initial, minimum] if three_phase else [initial, max_lr, minimum]
    total = _one_cycle_total(total_steps, epochs, steps_per_epoch)
    return _one_cycle(t, total, pct_start, anneal_strategy, three_phase, levels)


def _one_cycle(
    t: Time, total: int, pct_start: float, anneal_strategy: str, three_phase: bool, levels: list[float]
) -> Values:
    """OneCycleLR's phases from level to level (the rate's, or the momentum's)."""
    grid, t = t, steps_of(t)
    last = float(t.max(initial=0))
    if last > total:
        call = total + 1
        raise Overrun(
            f"PyTorch refuses to step OneCycleLR past total_steps={total}: the training loop's call "
            f'{call:,} of scheduler.step(), after update {call:,}, raises ("Tried to step {call} times")',
            "make total_steps the run's updates (epochs × updates an epoch), or shorten the run",
        )
    if three_phase:
        ends = [float(pct_start * total) - 1, float(2 * pct_start * total) - 2, total - 1.0]
    else:
        ends = [float(pct_start * total) - 1, total - 1.0]
    for end, what in zip(ends[:-1], ("peak", "back to start"), strict=False):
        mark_each(grid, [end], what)  # a phase ends at a float step: its level comes at or just after it
    out = np.empty(t.shape)
    start = 0.0
    taken = np.zeros(t.shape, dtype=bool)
    for i, end in enumerate(ends):
        mine = ~taken & ((t <= end) | (i == len(ends) - 1))
        taken |= mine
        if mine.any():
            if end == start:
                raise Invalid(
                    f"phase {i + 1} of this cycle has no length (it ends at step {end:g}, where it "
                    "starts): PyTorch divides by zero there; change pct_start or total_steps"
                )
            pct = (t[mine] - start) / (end - start)
            begin, finish = levels[i], levels[i + 1]
            if anneal_strategy == "cos":
                out[mine] = finish + (begin - finish) / 2.0 * (np.cos(math.pi * pct) + 1)
            else:
                out[mine] = (finish - begin) * pct + begin
        start = end
    return out


@schedule(
    name="torch.CosineAnnealingWarmRestarts",
    frequency="cyclic",
    quantity="cosine",
    optimizer=True,
    groups=TORCH,
)
def cosine_annealing_warm_restarts(
    t: Time,
    T_0: Steps,
    T_mult: Steps = 1,
    eta_min: Number = 0.0,
    *,
    base: float,
) -> Values:
    """PyTorch CosineAnnealingWarmRestarts (SGDR): a cosine cycle, restarted; cycle i is T_0·T_mult^i long.

    η_t = η_min + (lr − η_min)·(1 + cos(π·T_cur/T_i))/2, T_cur the steps since the last restart.

    Args:
        T_0: the first cycle's length.
        T_mult: the factor each cycle grows by, a whole number.
        eta_min: the floor of every cycle.

    Example:
        torch.CosineAnnealingWarmRestarts(optimizer, T_0=10, T_mult=2, lr=0.1)

    Notes:
        eta_min is never reached: T_cur runs from 0 to T_i − 1 and restarts at T_i. Stepped without
        an epoch argument, as here, the restarts fall exactly where they should.
    """
    t_i: Values | float
    grid, t = t, steps_of(t)
    if T_mult == 1:
        mark_every(grid, T_0, "restart")
        t_cur, t_i = np.mod(t, T_0), float(T_0)
    else:
        starts = [0]
        last = float(t.max(initial=0))
        while starts[-1] <= last:
            starts.append(starts[-1] + T_0 * T_mult ** (len(starts) - 1))
        mark_each(grid, starts[1:], "restart")
        cycle = np.searchsorted(np.array(starts, dtype=np.float64), t, side="right") - 1
        t_cur = t - np.array(starts, dtype=np.float64)[cycle]
        t_i = T_0 * count_power(float(T_mult), cycle.astype(np.float64))
    return eta_min + (base - eta_min) * half_cosine(math.pi * t_cur / t_i)


def _plateau_check(factor: float, mode: str, threshold_mode: str, **_: Any) -> None:
    if factor >= 1.0:
        raise Invalid(f'factor must be below 1 ("Factor should be < 1.0."), got {factor!r}')


@schedule(
    name="torch.ReduceLROnPlateau",
    frequency="feedback",
    quantity="exponential",
    check=_plateau_check,
    optimizer=True,
    groups=(OPTIMIZER,),
)
def reduce_lr_on_plateau(
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
    base: float,
) -> Values:
    """PyTorch ReduceLROnPlateau: multiply the rate by factor after more than patience bad reports.

    A report improves when below best·(1 − threshold) ('min', 'rel') or best − threshold ('abs'), or
    above best·(1 + threshold) / best + threshold in 'max' mode; after more than patience reports
    without improvement the rate becomes max(rate·factor, min_lr), if that lowers it by more than eps,
    and cooldown reports are not counted. ``step(metric)`` at the end of step s sets the rate of s + 1.

    Args:
        mode: 'min' or 'max'.
        factor: the factor of each reduction, below 1.
        patience: bad reports tolerated; the next one reduces.
        threshold: the margin an improvement must beat.
        threshold_mode: 'rel' or 'abs'.
        cooldown: reports not counted after a reduction.
        min_lr: the floor.
        eps: reductions smaller than this are skipped.

    Example:
        torch.ReduceLROnPlateau(optimizer, factor=0.5, patience=2, lr=0.1)

    Notes:
        patience=P reduces after P + 1 bad reports (Keras reduces after P). Reductions smaller than eps
        are silently skipped, so around 1e-8 the rate stops falling. A NaN metric is never better.
    """
    from lrviz.schedules.plateau import plateau_rates

    return plateau_rates(
        t,
        base,
        mode=mode,
        factor=factor,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_lr=min_lr,
        eps=eps,
    )


@schedule(
    name="torch.SWALR",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    groups=TORCH,
)
def swalr(
    t: Time,
    swa_lr: Rate,
    anneal_epochs: Count = 10,
    anneal_strategy: Literal["cos", "linear"] = "cos",
    *,
    base: float,
) -> Values:
    """PyTorch SWALR (``torch.optim.swa_utils``): anneal the rate to swa_lr over anneal_epochs, then hold it.

    η_t = swa_lr·α_t + η⁰_t·(1 − α_t), α_t = f(min(1, t/max(1, A))), f(x) = (1 − cos πx)/2 ('cos') or x
    ('linear'); η⁰_t = (η_{t−1} − α_{t−1}·swa_lr)/(1 − α_{t−1}) recovers the start rate from the previous
    one (swa_lr once α_{t−1} = 1). η_0 = lr, or swa_lr when A = 0.

    Args:
        swa_lr: the rate annealed to and then held.
        anneal_epochs: the steps A of the annealing.
        anneal_strategy: 'cos' or 'linear'.

    Example:
        torch.SWALR(optimizer, swa_lr=0.05, anneal_epochs=5, anneal_strategy='linear', lr=0.1)

    Notes:
        Each step works back from the optimizer's current rate, as PyTorch does, so the rate reaches swa_lr
        at step A and holds it. Usually stepped once an epoch after swa_start, in place of the
        schedule before it; lrviz shows it alone, starting from lr.
    """
    anneal = (lambda x: (1 - math.cos(math.pi * x)) / 2) if anneal_strategy == "cos" else (lambda x: x)
    rows = steps_of(t).astype(np.int64)
    top = min(int(rows.max(initial=0)), anneal_epochs + 1)
    rates = np.empty(top + 1, dtype=np.float64)
    rate = base
    for step in range(top + 1):
        # PyTorch's step count: max(1, ·) where anneal_epochs is 0, so the first rate is swa_lr already
        counted = max(1, step) if anneal_epochs == 0 else step
        before = anneal(max(0, min(1, (counted - 1) / max(1, anneal_epochs))))
        start = swa_lr if before == 1 else (rate - before * swa_lr) / (1 - before)
        alpha = anneal(max(0, min(1, counted / max(1, anneal_epochs))))
        rate = swa_lr * alpha + start * (1 - alpha)
        rates[step] = rate
    held: Values = rates[np.minimum(rows, top)]
    return held
