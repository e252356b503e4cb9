"""Hugging Face diffusers' schedules (``diffusers.optimization``, 0.42.1), reproduced exactly.

Every one is a PyTorch LambdaLR: row t is the optimizer's rate times the schedule's factor at step t,
the rate after t calls of ``scheduler.step()``; diffusers' training scripts step it after every
optimizer update. The rate is ``lr=…`` in the call or ``--lr`` (diffusers reads it from the optimizer).
Most are transformers' functions as they were copied (see the hf dialect, whose pieces these reuse);
diffusers adds ``piecewise_constant`` and linear's ``f_min``/``f_max``, and its get_scheduler has its
own arguments: ``num_cycles`` (default 1) reaches cosine_with_restarts only, ``power`` polynomial only.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from lrviz.clock.grid import Time, mark_each, steps
from lrviz.dialects import huggingface as hf
from lrviz.dialects.vocabulary import LAST_EPOCH, OPTIMIZER, warmup_then
from lrviz.schedules.entry import Entry, Values, entry_of, schedule
from lrviz.schedules.kinds import Count, Invalid, Number, Text

DIFFUSERS = (OPTIMIZER, LAST_EPOCH)
"""What every diffusers schedule takes besides its own: the optimizer's rate and last_epoch."""


@schedule(
    name="diffusers.get_constant_schedule",
    frequency="continuous",
    quantity="constant",
    optimizer=True,
    groups=DIFFUSERS,
)
def get_constant_schedule(t: Values) -> Values:
    """diffusers' constant schedule: the optimizer's rate throughout.

    η_t = lr

    Args:

    Example:
        diffusers.get_constant_schedule(optimizer, lr=1e-4)
    """
    return hf.get_constant_schedule(t)


@schedule(
    name="diffusers.get_constant_schedule_with_warmup",
    frequency="continuous",
    quantity="constant",
    optimizer=True,
    groups=DIFFUSERS,
)
def get_constant_schedule_with_warmup(t: Time, num_warmup_steps: Count) -> Values:
    """diffusers' constant schedule after a linear warm-up from 0.

    η_t = lr·t/max(1, W) for t < W, then lr.

    Args:
        num_warmup_steps: the warm-up steps W.

    Example:
        diffusers.get_constant_schedule_with_warmup(optimizer, num_warmup_steps=500, lr=1e-4)

    Notes:
        Warm-up starts at 0: the first update has rate 0.
    """
    return hf.get_constant_schedule_with_warmup(t, num_warmup_steps)


def parse_step_rules(step_rules: str) -> tuple[list[int], list[float], float]:
    """diffusers' rule string ``"1:10,0.1:20,0.005"``, read as diffusers reads it: the boundary steps
    (sorted, a repeated step keeping its last factor), their factors, and the factor after the last.

    Each rule but the last is ``factor:step`` (Python's ``float`` and ``int`` of the two texts, so
    ``" 10"`` and ``"1_0"`` are 10 and ``"10.0"`` is refused); the last is the factor alone.
    """
    rules = step_rules.split(",")
    factors: dict[int, float] = {}
    for rule in rules[:-1]:
        parts = rule.split(":")
        if len(parts) != 2:
            raise Invalid(
                f"step_rules: {rule!r} is not factor:step (as in '1:10,0.1:20,0.005'), where diffusers "
                "fails to unpack it"
            )
        try:
            factors[int(parts[1])] = float(parts[0])
        except ValueError:
            raise Invalid(
                f"step_rules: {rule!r} needs a number before ':' and a whole step after it, as diffusers "
                "reads them with float() and int()"
            ) from None
    try:
        last = float(rules[-1])
    except ValueError:
        raise Invalid(
            f"step_rules: the last rule {rules[-1]!r} must be the factor after the last step, alone "
            "(as in '1:10,0.1:20,0.005')"
        ) from None
    boundaries = sorted(factors)
    return boundaries, [factors[b] for b in boundaries], last


@schedule(
    name="diffusers.get_piecewise_constant_schedule",
    frequency="stepwise",
    quantity="piecewise constant",
    check=lambda step_rules, **_: parse_step_rules(step_rules) and None,
    optimizer=True,
    groups=DIFFUSERS,
)
def get_piecewise_constant_schedule(t: Time, step_rules: Text) -> Values:
    """diffusers' piecewise constant schedule: the rate times the factor of the first rule past step t.

    With rules "f_1:s_1,…,f_n:s_n,f" (sorted by step): η_t = lr·f_i for the first i with t < s_i, lr·f after
    the last step.

    Args:
        step_rules: the rules, as text: "factor:step,…,factor".

    Example:
        diffusers.get_piecewise_constant_schedule(optimizer, step_rules='1:10,0.1:20,0.01:30,0.005', lr=1e-4)
        --steps 40

    Notes:
        Each step is where a factor stops, counted from step 0, not a length: "1:10,0.1:20" is 1 for steps
        0–9 and 0.1 for 10–19 (diffusers' docstring reads "0.1 for the next 20 steps"). Rules are sorted
        by step, a step given twice keeps its last factor, and a rule at step 0 or below is never used.
    """
    boundaries, factors, last = parse_step_rules(step_rules)
    mark_each(t, boundaries, "switch")
    passed = np.searchsorted(np.asarray(boundaries, dtype=np.float64), steps(t), side="right")
    held: Values = np.asarray([*factors, last], dtype=np.float64)[passed]
    return held


@schedule(
    name="diffusers.get_linear_schedule_with_warmup",
    frequency="continuous",
    quantity="linear",
    optimizer=True,
    groups=DIFFUSERS,
)
def get_linear_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    f_min: Number = 0.0,
    f_max: Number = 1.0,
) -> Values:
    """diffusers' linear schedule: warm up from 0 to f_max, then down to f_min.

    η_t = lr·f_max·t/max(1, W) for t < W, then lr·(f_min + (f_max − f_min)·max(0, (T − t)/max(1, T − W))).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the step T where the rate reaches f_min.
        f_min: the factor it ends at (and holds after T).
        f_max: the factor it peaks at, at W.

    Example:
        diffusers.get_linear_schedule_with_warmup(optimizer, 500, 10000, f_min=0.1, lr=1e-4)

    Notes:
        Warm-up starts at 0, so the first update has rate 0. With f_min = 0 and f_max = 1 it is
        transformers' get_linear_schedule_with_warmup.
    """
    span = float(max(1, num_training_steps - num_warmup_steps))
    return warmup_then(
        t,
        num_warmup_steps,
        lambda s: f_max * s / float(max(1, num_warmup_steps)),
        lambda s: f_min + (f_max - f_min) * np.maximum(0.0, (num_training_steps - s) / span),
    )


@schedule(
    name="diffusers.get_cosine_schedule_with_warmup",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    groups=DIFFUSERS,
)
def get_cosine_schedule_with_warmup(
    t: Time, num_warmup_steps: Count, num_training_steps: Count, num_cycles: Number = 0.5
) -> Values:
    """diffusers' cosine schedule: warm up from 0, then a cosine with num_cycles waves.

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, ½(1 + cos(2π·num_cycles·p))), p = (t − W)/max(1, T − W).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: cosine waves over the decay (0.5: down to 0 once).

    Example:
        diffusers.get_cosine_schedule_with_warmup(optimizer, 500, 10000, lr=1e-4)

    Notes:
        p is not clamped: past num_training_steps the rate rises again. Warm-up starts at 0.
        get_scheduler('cosine', …) never passes its num_cycles here: it is always 0.5 there.
    """
    return hf.get_cosine_schedule_with_warmup(t, num_warmup_steps, num_training_steps, num_cycles)


@schedule(
    name="diffusers.get_cosine_with_hard_restarts_schedule_with_warmup",
    frequency="cyclic",
    quantity="cosine",
    optimizer=True,
    groups=DIFFUSERS,
)
def get_cosine_with_hard_restarts_schedule_with_warmup(
    t: Time, num_warmup_steps: Count, num_training_steps: Count, num_cycles: Count = 1
) -> Values:
    """diffusers' cosine with hard restarts: num_cycles equal cosine cycles after the warm-up, then 0.

    η_t = lr·t/max(1, W) for t < W; then p = (t − W)/max(1, T − W) and lr·max(0, ½(1 + cos(π·((n·p) mod 1))))
    for p < 1, 0 after.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T.
        num_cycles: the number n of cycles.

    Example:
        diffusers.get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, 500, 10000, 3, lr=1e-4)
    """
    return hf.get_cosine_with_hard_restarts_schedule_with_warmup(
        t, num_warmup_steps, num_training_steps, num_cycles
    )


@schedule(
    name="diffusers.get_polynomial_decay_schedule_with_warmup",
    frequency="continuous",
    quantity="polynomial",
    optimizer=True,
    check=lambda lr_end, lr, **_: hf._polynomial_check(lr_end, lr),
    groups=DIFFUSERS,
)
def get_polynomial_decay_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    lr_end: Number = 1e-7,
    power: Number = 1.0,
    *,
    base: float,
) -> Values:
    """diffusers' polynomial decay: warm up from 0, then down to lr_end along a polynomial.

    η_t = lr·t/max(1, W) for t < W; (lr − lr_end)·(1 − (t − W)/(T − W))^power + lr_end up to T; lr_end after.

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the step T where lr_end is reached.
        lr_end: the final rate (an absolute rate).
        power: the degree of the polynomial.

    Example:
        diffusers.get_polynomial_decay_schedule_with_warmup(optimizer, 100, 1000, 1e-6, 2.0, lr=5e-5)

    Notes:
        get_scheduler('polynomial', …) cannot set lr_end: it is 1e-7 there. Warm-up starts at 0, so
        the first update has rate 0: the example shows L001.
    """
    return hf.get_polynomial_decay_schedule_with_warmup(
        t, num_warmup_steps, num_training_steps, lr_end, power, base=base
    )


SCHEDULER_NAMES = {
    "linear": "get_linear_schedule_with_warmup",
    "cosine": "get_cosine_schedule_with_warmup",
    "cosine_with_restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "polynomial": "get_polynomial_decay_schedule_with_warmup",
    "constant": "get_constant_schedule",
    "constant_with_warmup": "get_constant_schedule_with_warmup",
    "piecewise_constant": "get_piecewise_constant_schedule",
}
"""diffusers' SchedulerType names and the functions they call."""


def _scheduler_args(
    name: str,
    step_rules: str | None,
    num_warmup_steps: int | None,
    num_training_steps: int | None,
    num_cycles: int,
    power: float,
) -> dict[str, Any]:
    """The arguments diffusers' get_scheduler passes on: each function gets only its own."""
    if name == "constant":
        return {}
    if name == "piecewise_constant":
        if step_rules is None:
            raise Invalid("piecewise_constant requires step_rules (as in '1:10,0.1:20,0.005')")
        return {"step_rules": step_rules}
    if num_warmup_steps is None:
        raise Invalid(f"{name} requires num_warmup_steps, as diffusers says")
    if name == "constant_with_warmup":
        return {"num_warmup_steps": num_warmup_steps}
    if num_training_steps is None:
        raise Invalid(f"{name} requires num_training_steps, as diffusers says")
    args: dict[str, Any] = {"num_warmup_steps": num_warmup_steps, "num_training_steps": num_training_steps}
    if name == "cosine_with_restarts":
        return {**args, "num_cycles": num_cycles}
    if name == "polynomial":
        return {**args, "power": power}
    return args


def _scheduler_call(
    name: str,
    step_rules: str | None,
    num_warmup_steps: int | None,
    num_training_steps: int | None,
    num_cycles: int,
    power: float,
    lr: float | None,
) -> tuple[Entry, dict[str, Any]]:
    """The function get_scheduler calls for ``name``, and its arguments, checked."""
    args = _scheduler_args(name, step_rules, num_warmup_steps, num_training_steps, num_cycles, power)
    entry = entry_of(globals()[SCHEDULER_NAMES[name]])
    assert entry is not None
    return entry, entry.arguments({**args, "lr": lr})


@schedule(
    name="diffusers.get_scheduler",
    frequency="composite",
    quantity="any",
    optimizer=1,
    check=lambda name, step_rules, num_warmup_steps, num_training_steps, num_cycles, power, **_: (
        _scheduler_call(name, step_rules, num_warmup_steps, num_training_steps, num_cycles, power, None)
        and None
    ),
    groups=DIFFUSERS,
)
def get_scheduler(
    t: Time,
    name: Literal[
        "linear",
        "cosine",
        "cosine_with_restarts",
        "polynomial",
        "constant",
        "constant_with_warmup",
        "piecewise_constant",
    ],
    step_rules: Text | None = None,
    num_warmup_steps: Count | None = None,
    num_training_steps: Count | None = None,
    num_cycles: Count = 1,
    power: Number = 1.0,
    *,
    base: float | None = None,
) -> Values:
    """diffusers' get_scheduler: the schedule its training scripts build from ``--lr_scheduler``.

    It calls the get_*_schedule* function of that name (see each) with the arguments that one takes.

    Args:
        name: the SchedulerType: 'linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant',
            'constant_with_warmup' or 'piecewise_constant'.
        step_rules: piecewise_constant's rules, as "factor:step,…,factor".
        num_warmup_steps: the warm-up steps.
        num_training_steps: the run length.
        num_cycles: cosine_with_restarts' cycles (only there).
        power: polynomial's power (only there).

    Example:
        diffusers.get_scheduler('cosine', optimizer, num_warmup_steps=500, num_training_steps=10000, lr=1e-4)

    Notes:
        'cosine' always gets num_cycles=0.5 (half a wave) and 'polynomial' lr_end=1e-7: get_scheduler
        passes neither on. 'constant' ignores every other argument, 'piecewise_constant' all but
        step_rules. Unlike transformers' get_scheduler there is no scheduler_specific_kwargs.
    """
    entry, args = _scheduler_call(
        name, step_rules, num_warmup_steps, num_training_steps, num_cycles, power, base
    )
    return entry.invoke(t if entry.takes_grid else steps(t), args)
