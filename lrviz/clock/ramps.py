"""Warm-ups and cool-downs: the ramps a schedule can begin and end with, in every shape real training
code uses, and the three ways a warm-up meets the schedule after it.

A warm-up of W steps rises from a start rate s to a peak p along a shape of u = t/W:

- ``linear``: s + (p − s)·u;
- ``power``: s + (p − s)·u^k (k = 2: YOLOX's and mmdet's quadratic warm-up);
- ``log``: s + (p − s)·log(t + 1)/log(W) (DeepSpeed's default, which reaches the peak at step W − 1);
- ``exp``: s·(p/s)^u, a geometric rise (s and p of one sign, s ≠ 0);
- ``constant``: s throughout (detectron2's ``warmup_method='constant'``).

It meets the schedule η in one of three ways (``mode``):

- ``prefix``: carved from the start: the schedule starts after the warm-up, on its own clock, and p is
  its first rate (lrviz's, optax's, Keras's and HF's warm-ups);
- ``overlay``: the schedule spans the whole run on the run's clock and the ramp replaces its first W
  steps, rising to p = η_0 (timm's non-prefix warm-up, BERT's);
- ``meet``: the same, rising to meet the schedule where the warm-up ends, p = η_W (detectron2's
  WarmupParamScheduler);
- ``multiply``: the schedule spans the whole run and is multiplied by a factor that rises from s/η_0
  to 1 (detectron2's WarmupParamScheduler, ultralytics' per-batch warm-up).

A cool-down multiplies the last C steps of a schedule of S steps by a factor that falls from 1 to 0,
with q = (t − (S − C))/C: ``linear`` min(1, (S − t)/C) (big_vision), ``cosine`` (1 + cos πq)/2,
``1-sqrt`` 1 − √q.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Grid, Time, Values, join, mark, steps

COOLDOWN_STARTS = "cool-down starts"
"""The mark of the step where a cool-down begins."""

WARMUP_SHAPES = ("linear", "power", "log", "exp", "constant")
WARMUP_MODES = ("prefix", "overlay", "meet", "multiply")
COOLDOWN_SHAPES = ("linear", "cosine", "1-sqrt")


class RampError(ValueError):
    """A warm-up or cool-down whose settings cannot make a ramp (a log warm-up of one step)."""


@dataclass(frozen=True)
class Warmup:
    """A warm-up: its length in steps, the rate it starts from, its shape and how it meets the
    schedule (see the module)."""

    steps: int
    start: float = 0.0
    shape: str = "linear"
    power: float = 2.0
    mode: str = "prefix"

    @property
    def carved(self) -> bool:
        """Whether the schedule starts after the warm-up (and so has W steps fewer)."""
        return self.mode == "prefix"

    def rise(self, t: Values, peak: float, start: float | None = None) -> Values:
        """The warm-up's rates at steps ``t`` (below W), from ``start`` (default its own) to ``peak``."""
        low = self.start if start is None else start
        if self.shape == "linear":
            return low + (peak - low) * (t / self.steps)
        if self.shape == "power":
            return low + (peak - low) * np.power(t / self.steps, self.power)
        if self.shape == "constant":
            return np.full(t.shape, low)
        if self.shape == "log":
            if self.steps < 2:
                raise RampError("a log warm-up needs at least 2 steps: log(t + 1)/log(W) divides by log W")
            return low + (peak - low) * (np.log(t + 1.0) / math.log(self.steps))
        if low == 0 or peak / low <= 0:
            raise RampError(
                f"an exp warm-up rises geometrically, from a start of the peak's sign to the peak "
                f"({low:g} to {peak:g}): give warmup_start above 0"
            )
        return low * np.power(peak / low, t / self.steps)


def _first(t: Time, step: int, inner: Callable[[Time], Values]) -> float:
    """``inner``'s rate at ``step`` of its clock, evaluated alone (no marks)."""
    if isinstance(t, Grid):
        return float(inner(replace(t, start=step, stop=step + 1, marks=None))[0])
    return float(inner(Grid(step, step + 1))[0])


def warmed_up(t: Time, warmup: Warmup, inner: Callable[[Time], Values]) -> Values:
    """``inner`` with ``warmup`` before it or over it (see the module): in ``prefix`` mode ``inner``
    runs on its own clock from the step the warm-up ends, in the others on the run's clock."""
    size = warmup.steps
    if warmup.carved:
        peak = _first(t - size if isinstance(t, Grid) else t, 0, inner)  # the schedule's first rate
        return join(
            t, [0, size], [lambda local: warmup.rise(steps(local), peak), inner], WARMUP_ENDS, "warmup"
        )
    mark(t, size, WARMUP_ENDS, "warmup")
    rates = inner(t)
    at = steps(t)
    rising = at < size
    if not rising.any():
        return rates
    out = np.array(rates, dtype=np.float64)
    peak = _first(t, size if warmup.mode == "meet" else 0, inner)
    if warmup.mode != "multiply":
        out[rising] = warmup.rise(at[rising], peak)
        return out
    if peak == 0:
        raise RampError("a multiplying warm-up starts from warmup_start/η₀, and the schedule starts at 0")
    out[rising] *= warmup.rise(at[rising], 1.0, warmup.start / peak)
    return out


def cooled_down(t: Time, rates: Values, length: int, cooldown: int, shape: str) -> Values:
    """``rates`` with their last ``cooldown`` steps (of ``length``) multiplied by a falling factor."""
    if cooldown <= 0:
        return rates
    begin = length - cooldown
    mark(t, begin, COOLDOWN_STARTS)
    at = steps(t)
    late = at > begin
    if not late.any():
        return rates
    out = np.array(rates, dtype=np.float64)
    if shape == "linear":
        factor = np.clip((length - at[late]) / cooldown, 0.0, 1.0)
    else:
        q = np.clip((at[late] - begin) / cooldown, 0.0, 1.0)
        factor = (1 + np.cos(np.pi * q)) / 2 if shape == "cosine" else 1 - np.sqrt(q)
    out[late] *= factor
    return out
