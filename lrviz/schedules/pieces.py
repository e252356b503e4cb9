"""Schedules made of pieces: constant values between boundaries, and curves through given points."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import cos_pi
from lrviz.clock.grid import Time, held, pieces
from lrviz.clock.grid import steps as as_array
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Invalid, Milestones, Numbers, Points

Interpolation = Literal["linear", "cosine"]


def through(
    t: Time,
    steps: Sequence[float],
    rates: Sequence[float],
    method: Interpolation,
    what: str | Sequence[str] | None = "knot",
) -> Values:
    """The curve through the knots (steps[i], rates[i]): flat before the first and after the last;
    ``what`` names the marks of the inner knots.

    Between knots a and b, with p = (t − x_a)/(x_b − x_a): linear η = η_a + (η_b − η_a)·p; cosine
    η = η_b + (η_a − η_b)·(1 + cos πp)/2, PyTorch OneCycleLR's annealing form.
    """
    if len(steps) == 1:
        return np.full(t.shape, float(rates[0]))
    out = np.empty(t.shape)
    for piece, part, where in pieces(t, steps[1:-1], what):
        (x_a, x_b), (start, end) = steps[piece : piece + 2], rates[piece : piece + 2]
        if method == "linear":
            p: Values = np.clip((as_array(part) - x_a) / (x_b - x_a), 0.0, 1.0)
            out[where] = start + (end - start) * p
        else:
            half_cosine = cos_pi(part, x_a, x_b - x_a)
            half_cosine += 1
            out[where] = end + (start - end) / 2.0 * half_cosine
    return out


def _piecewise_check(boundaries: list[int], values: list[float], **_: Any) -> None:
    if len(values) != len(boundaries) + 1:
        raise Invalid(
            f"values needs one more entry than boundaries: {len(boundaries)} boundaries "
            f"split the run into {len(boundaries) + 1} pieces, got {len(values)} values"
        )


@schedule(
    frequency="stepwise",
    quantity="piecewise constant",
    warmup=True,
    matches=("keras.PiecewiseConstantDecay (which switches one step later)",),
    check=_piecewise_check,
)
def piecewise(t: Time, boundaries: Milestones, values: Numbers) -> Values:
    """Constant rates between boundaries: values[i] from boundaries[i−1] up to boundaries[i].

    η_t = values[#{b ∈ boundaries : b ≤ t}] — the new value applies at the boundary step itself.

    Args:
        boundaries: the steps where the rate changes, increasing.
        values: the rates: one for each piece, so one more than there are boundaries.

    Example:
        piecewise([1000, 5000], [0.1, 0.01, 0.001])
        --steps 6000
    """
    return held(t, boundaries, np.asarray(values, dtype=np.float64), "switch")


def _last_knot(args: Any) -> int | None:
    points = args.get("points")
    return math.ceil(points[-1][0]) if points else None


@schedule(
    frequency="continuous",
    quantity="linear or cosine",
    matches=("optax.piecewise_interpolate_schedule (with rates rather than scales)",),
    length=_last_knot,
)
def interp(t: Time, points: Points, method: Interpolation = "linear") -> Values:
    """The curve through given (step, rate) points, straight or cosine-shaped between them.

    Flat at the first rate before the first point and at the last rate after the last one; see
    `through` for the two interpolations. Its length is the last point's step.

    Args:
        points: (step, rate) pairs with increasing steps, as a list or a dict {step: rate}.
        method: 'linear' or 'cosine' between neighbouring points.

    Example:
        interp([(0, 0), (500, 0.1), (5000, 0.01)], method='cosine')
        --steps 6000
    """
    return through(t, [x for x, _ in points], [y for _, y in points], method)
