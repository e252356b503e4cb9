"""What the framework dialects share: the parameters their schedulers all take, declared once
(:func:`~lrviz.schedules.entry.group`), and the pieces their formulas are made of."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Time, pieces, steps
from lrviz.schedules.entry import Values, group
from lrviz.schedules.kinds import Anything, Count, Invalid, LastEpoch, Number, Rate


@group(optimizer=True)
def optimizer(*, lr: Rate | None = None) -> None:
    """The optimizer's learning rate, which a framework's scheduler scales.

    Args:
        lr: the optimizer's learning rate: lr=… in the call, or --lr.
    """


OPTIMIZER = optimizer
"""``lr``: the rate a framework reads from the optimizer. A schedule with a ``base`` parameter gets it
there; any other's rates are a factor of it."""


@group()
def resumed(last_epoch: LastEpoch = -1) -> None:
    """Where a resumed scheduler starts; lrviz runs every schedule from its start.

    Args:
        last_epoch: must be -1.
    """


LAST_EPOCH = resumed
"""PyTorch's ``last_epoch`` (and transformers', which passes it on), last of the positional parameters."""


@group(after="warmup_prefix")
def noise(
    t_in_epochs: bool = True,
    noise_range_t: Anything = None,
    noise_pct: Number = 0.67,
    noise_std: Number = 1.0,
    noise_seed: Count = 42,
) -> None:
    """timm's noise and clock parameters, which every one of its schedulers takes after warmup_prefix.

    Args:
        t_in_epochs: whether t counts epochs (True) or updates; lrviz's rows are in that unit.
        noise_range_t: must be None: timm's noise needs torch's random generator.
        noise_pct: ignored without noise.
        noise_std: ignored without noise.
        noise_seed: ignored without noise.
    """
    no_noise(noise_range_t)


TIMM_NOISE = noise


@group()
def initialized(initialize: bool = True) -> None:
    """Whether timm sets the optimizer's initial rate, which lrviz does not need.

    Args:
        initialize: ignored.
    """


TIMM_INITIALIZE = initialized


def no_noise(noise_range_t: object) -> None:
    """Refuse timm's noise, which lrviz does not reproduce."""
    if noise_range_t is not None:
        raise Invalid(
            "timm draws its noise from torch's random generator, which lrviz does not reproduce: "
            "leave out noise_range_t"
        )


def optimizer_rate(lr: float | None) -> float:
    """The optimizer's learning rate, for a schedule that uses it only sometimes (a sequence of
    schedulers that set their own rate need none)."""
    if lr is None:
        raise Invalid("lr is missing: give the optimizer's learning rate as lr=… or with --lr")
    return lr


Phase = Callable[[Values], Values] | float
"""A phase of a formula: its rates at the run's steps, or one rate throughout."""


def phases(
    t: Time,
    edges: Sequence[float],
    parts: Sequence[Phase],
    what: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
) -> Values:
    """``parts[i]`` on the steps of phase i, the first phase whose edge a step is below (the last has
    none), each given the steps as they are, on the schedule's own clock: a framework's chain of
    ``if step < edge: return …``. Only a phase's own steps are computed. ``what`` names the phase
    each later edge begins (a mark of ``kinds[i]``, "phase" by default).

    An edge below the one before it ends a phase that never begins, as in that chain.
    """
    out = np.empty(t.shape)
    reached = np.maximum.accumulate(np.asarray(edges, dtype=np.float64)).tolist()
    for i, piece, where in pieces(t, reached, what, kinds or "phase"):
        part = parts[i]
        out[where] = part(steps(piece)) if callable(part) else part
    return out


def warmup_then(t: Time, warmup: float, ramp: Phase, after: Phase) -> Values:
    """``ramp`` on the steps before ``warmup``, ``after`` from it on: both on the schedule's clock
    (nothing restarts where the warm-up ends), which is marked."""
    return phases(t, [warmup], [ramp, after], [WARMUP_ENDS], ["warmup"])


def half_cosine(angle: Values) -> Values:
    """½(1 + cos θ): from 1 at θ = 0 down to 0 at θ = π. A framework's own angle (its products in its
    order) keeps its bits: halving is exact, so ``a·½(1 + cos θ)`` is ``a·(1 + cos θ)/2`` to the last bit."""
    wave: Values = 0.5 * (1.0 + np.cos(angle))
    return wave


def progress(t: Values, start: float, length: float) -> Values:
    """(t − start)/max(1, length): how far through a phase of ``length`` steps from ``start``, as
    transformers computes it."""
    through: Values = (t - start) / float(max(1, length))
    return through


def held_after(t: Values, limit: float, rate: Callable[[Values], Values]) -> Values:
    """rate(min(t, limit)) for a rate that holds from ``limit`` on: computed on the steps before it
    only, and once at it for all the steps after."""
    late = t >= limit
    if not late.any():
        return rate(t)
    out = np.empty(t.shape)
    out[late] = rate(np.array([float(limit)]))[0]
    early = ~late
    if early.any():
        out[early] = rate(t[early])
    return out
