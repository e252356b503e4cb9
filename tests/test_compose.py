"""Properties of composition, checked on many generated cases against plain loops."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import lrviz

rates = st.floats(min_value=1e-4, max_value=1.0)


@given(first=st.integers(1, 30), rest=st.integers(1, 30), a=rates, b=rates)
def test_sequence_switches_at_the_length_of_its_first_part(first: int, rest: int, a: float, b: float) -> None:
    values = lrviz.evaluate(f"linear({a}, {b}, steps={first}) >> cosine({b})", first + rest)
    np.testing.assert_allclose(values[:first], a + (b - a) * np.arange(first) / first, rtol=1e-12)
    local = np.arange(rest)
    np.testing.assert_allclose(values[first:], b * (1 + np.cos(np.pi * local / rest)) / 2, rtol=1e-12)


@given(at=st.lists(st.integers(1, 60), min_size=1, max_size=4, unique=True), steps=st.integers(1, 80))
def test_seq_each_part_runs_on_its_own_clock(at: list[int], steps: int) -> None:
    at = sorted(at)
    parts = ", ".join(f"t + {100 * i}" for i in range(len(at) + 1))
    values = lrviz.evaluate(f"seq({parts}, at={at})", steps)
    starts = [0, *at]
    for t in range(steps):
        part = max(i for i, s in enumerate(starts) if s <= t)
        assert values[t] == (t - starts[part]) + 100 * part


def _restarts_loop(steps: int, period: int, mult: int, decay: float) -> list[float]:
    """SGDR stepped the way PyTorch's CosineAnnealingWarmRestarts steps it."""
    out, t_cur, t_i, cycle = [], 0, period, 0
    for _ in range(steps):
        out.append(decay**cycle * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i, cycle = t_cur - t_i, t_i * mult, cycle + 1
    return out


@given(
    period=st.integers(1, 20),
    mult=st.integers(1, 4),
    decay=st.floats(0.3, 1.0),
    steps=st.integers(1, 300),
)
def test_restarts_match_a_stepped_loop(period: int, mult: int, decay: float, steps: int) -> None:
    values = lrviz.evaluate(f"restarts(cosine(1), period={period}, mult={mult}, decay={decay})", steps)
    np.testing.assert_allclose(values, _restarts_loop(steps, period, mult, decay), rtol=1e-12, atol=1e-15)


@given(warmup=st.integers(1, 40), start=st.floats(0, 0.5), steps=st.integers(41, 200))
def test_warmup_ramps_linearly_into_the_schedule(warmup: int, start: float, steps: int) -> None:
    values = lrviz.evaluate(f"cosine(1, warmup={warmup}, warmup_start={start})", steps)
    np.testing.assert_allclose(values[:warmup], start + (1 - start) * np.arange(warmup) / warmup, rtol=1e-12)
    assert values[warmup] == 1.0
    assert np.all(np.diff(values[warmup:]) <= 0)


@given(scale=st.floats(0.01, 10), steps=st.integers(1, 100))
def test_arithmetic_is_pointwise(scale: float, steps: int) -> None:
    base = lrviz.evaluate("cosine(0.1) + step(0.2, 3)", steps)
    np.testing.assert_allclose(
        lrviz.evaluate(f"{scale} * (cosine(0.1) + step(0.2, 3))", steps), scale * base, rtol=1e-14
    )
