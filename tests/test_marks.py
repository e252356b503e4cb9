"""Phase marks: a framework's schedule marks its phases where its curve shows them, as lrviz's own do.

The rates are the frameworks' (the parity suites hold them to that); these tests hold each mark to the
curve: a decay where the rate steps down, a restart where it jumps back up, a warm-up's end where the
ramp reaches its top.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrviz
from lrviz.clock.grid import MARKS_OF_A_KIND
from lrviz.evaluation.run import Run, series

STEPS = 1200

CHANGES = [
    "torch.StepLR(optimizer, step_size=100, gamma=0.5, lr=0.1)",
    "torch.MultiStepLR(optimizer, milestones=[300, 80, 700], gamma=0.5, lr=0.1)",
    "torch.ConstantLR(optimizer, factor=0.5, total_iters=40, lr=0.1)",
    "keras.PiecewiseConstantDecay([100, 450.5], [0.1, 0.05, 0.01])",
    "keras.ExponentialDecay(0.1, decay_steps=150, decay_rate=0.5, staircase=True)",
    "keras.InverseTimeDecay(0.1, decay_steps=250, decay_rate=0.5, staircase=True)",
    "optax.piecewise_constant_schedule(0.1, {300: 0.5, 900: 0.1})",
    "optax.exponential_decay(0.1, transition_steps=200, decay_rate=0.5, transition_begin=50, staircase=True)",
    "timm.StepLRScheduler(optimizer, decay_t=250, decay_rate=0.5, lr=0.1)",
    "timm.StepLRScheduler(optimizer, decay_t=250, decay_rate=0.5, warmup_t=30, warmup_prefix=True, lr=0.1)",
    "timm.MultiStepLRScheduler(optimizer, decay_t=[200, 500], decay_rate=0.5, lr=0.1)",
]
"""Stepwise schedules: a mark at every step where the rate changes, and nowhere else."""

RESTARTS = [
    "torch.CosineAnnealingWarmRestarts(optimizer, T_0=100, T_mult=2, lr=0.1)",
    "torch.CosineAnnealingWarmRestarts(optimizer, T_0=150, lr=0.1)",
    "keras.CosineDecayRestarts(0.1, first_decay_steps=100)",
    "keras.CosineDecayRestarts(0.1, first_decay_steps=130, t_mul=1.0, m_mul=0.8)",
    "timm.CosineLRScheduler(optimizer, t_initial=200, cycle_limit=4, cycle_mul=1.5, lr=0.1)",
    "timm.TanhLRScheduler(optimizer, t_initial=300, cycle_limit=3, lr=0.1)",
    "timm.PolyLRScheduler(optimizer, t_initial=250, cycle_limit=3, warmup_t=20, warmup_prefix=True, lr=0.1)",
]
"""Cyclic schedules: a mark at every step where the rate jumps back up."""

PEAKS = [
    ("torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=1300)", "peak"),
    ("torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=1300, anneal_strategy='linear')", "peak"),
    ("optax.cosine_onecycle_schedule(1200, 0.1)", "peak"),
    ("optax.linear_onecycle_schedule(1200, 0.1)", "peak"),
    ("keras.CosineDecay(0.0, decay_steps=1000, warmup_target=0.1, warmup_steps=200)", "warm-up ends"),
    ("optax.warmup_constant_schedule(0.0, 0.1, warmup_steps=300)", "warm-up ends"),
    ("torch.LinearLR(optimizer, start_factor=0.1, total_iters=250, lr=0.1)", "warm-up ends"),
    (
        "timm.CosineLRScheduler(optimizer, t_initial=1000, warmup_t=60, warmup_prefix=True, lr=0.1)",
        "warm-up ends",
    ),
]
"""Schedules that climb to a peak: a mark at the first step at the top."""


def _marked(text: str) -> tuple[np.ndarray, list[int], list[str]]:
    made = series(lrviz.parse(text), Run(STEPS), text)
    return made.values, [m.step for m in made.marks], [m.what for m in made.marks]


def _after_warmup(marks: list[int], names: list[str]) -> tuple[int, list[int]]:
    """Where a warm-up ends (0 without one), and the marks after it."""
    end = dict(zip(names, marks, strict=True)).get("warm-up ends", 0)
    return end, [step for step, name in zip(marks, names, strict=True) if step > end]


@pytest.mark.parametrize("text", CHANGES)
def test_a_stepwise_schedule_marks_every_change(text: str) -> None:
    """After its warm-up, if it has one, whose every step is a change."""
    rates, marks, names = _marked(text)
    end, later = _after_warmup(marks, names)
    changes = [step for step in (np.flatnonzero(np.diff(rates)) + 1).tolist() if step > end]
    assert changes, "the example changes its rate"
    assert later == changes


@pytest.mark.parametrize("text", RESTARTS)
def test_a_cyclic_schedule_marks_every_restart(text: str) -> None:
    rates, marks, names = _marked(text)
    end, _ = _after_warmup(marks, names)
    rises = [step for step in (np.flatnonzero(np.diff(rates) > 0) + 1).tolist() if step > end]
    restarts = [step for step, name in zip(marks, names, strict=True) if name == "restart"]
    assert len(rises) > 1, "the example restarts"
    assert restarts == rises


def test_a_triangle_wave_marks_each_cycles_start_at_its_bottom() -> None:
    rates, marks, _ = _marked("torch.CyclicLR(optimizer, base_lr=0.001, max_lr=0.1, step_size_up=150)")
    bottoms = [int(s) for s in np.flatnonzero(rates == rates.min()) if s > 0]
    assert marks == bottoms == list(range(300, STEPS, 300))


@pytest.mark.parametrize(("text", "what"), PEAKS)
def test_a_climb_marks_its_top(text: str, what: str) -> None:
    rates, marks, names = _marked(text)
    top = int(np.argmax(rates))
    assert top > 0
    assert dict(zip(names, marks, strict=True))[what] == top


def test_marks_of_a_kind_are_bounded_on_long_runs() -> None:
    """A decay every step of a billion-step run keeps the first marks only, read in chunks."""
    text = "torch.StepLR(optimizer, step_size=1, gamma=0.999999, lr=0.1)"
    made = series(lrviz.parse(text), Run(10**7), text, whole=False)
    assert [m.step for m in made.marks] == list(range(1, MARKS_OF_A_KIND + 1))
