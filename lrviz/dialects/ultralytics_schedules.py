"""Ultralytics YOLO's rate (``ultralytics.engine.trainer.BaseTrainer``, ultralytics 8.4.190), reproduced.

YOLO has no scheduler class of its own: the trainer builds a ``LambdaLR`` on its factor ``lf`` of the
epoch and overwrites every group's rate batch by batch while it warms up. Row t is the rate set for
batch t of the run (the trainer's iteration ``ni = i + nb·epoch``, batch i of epoch ⌊t/nb⌋, nb the
training loader's batches an epoch): the rate of the optimizer step taken after that batch, where
one is. The trainer steps the optimizer only every ``accumulate`` batches (itself ramped from 1 to
``round(nbs/batch)`` over the warm-up), so the rows are batches, not optimizer steps. The scheduler
is stepped at each epoch's start, so epoch e's rate is lr0·lf(e) until the warm-up overrides it.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from lrviz.clock.grid import WARMUP_ENDS, Time, mark_each, steps
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Number, Rate, Steps

ParamGroup = Literal["weight", "bn", "bias"]


def warmup_batches(warmup_epochs: float, epochs: int, batches: int) -> int:
    """The warm-up's batches: round(min(warmup_epochs, max(epochs − 1, 0))·nb), rounding half to even as
    Python does, or 0 when that is not above 0 (the last epoch is always left to the schedule)."""
    capped = min(warmup_epochs, max(epochs - 1, 0))
    return round(capped * batches) if capped > 0 else 0


def _factor(epoch: Values, lrf: float, epochs: int, cos_lr: bool) -> Values:
    """YOLO's lf(e): (1 − e/E)⁺·(1 − lrf) + lrf, or with cos_lr one_cycle(1, lrf, E):
    ((1 − cos(eπ/E))/2)⁺·(lrf − 1) + 1."""
    if cos_lr:
        rising: Values = np.maximum((1.0 - np.cos(epoch * math.pi / epochs)) / 2.0, 0.0)
        return rising * (lrf - 1.0) + 1.0
    falling: Values = np.maximum(1.0 - epoch / epochs, 0.0) * (1.0 - lrf) + lrf
    return falling


@schedule(
    name="ultralytics.YOLO",
    frequency="stepwise",
    quantity="linear warm-up per batch, then linear or cosine per epoch",
    matches=("ultralytics.engine.trainer.BaseTrainer",),
    length=lambda args: args.get("epochs", 100) * args["batches"],
)
def yolo(
    t: Time,
    batches: Steps,
    lr0: Rate = 0.01,
    lrf: Number = 0.01,
    epochs: Steps = 100,
    cos_lr: bool = False,
    warmup_epochs: Number = 3.0,
    warmup_bias_lr: Rate = 0.1,
    group: ParamGroup = "weight",
) -> Values:
    """Ultralytics YOLO: lr0·lf(epoch), lf a line (or cosine) from 1 to lrf, after a warm-up by the batch.

    With nb = batches, e = ⌊t/nb⌋ and lf(e) = (1 − e/epochs)⁺·(1 − lrf) + lrf, or with cos_lr
    ((1 − cos(eπ/epochs))/2)⁺·(lrf − 1) + 1: η_t = lr0·lf(e). During the warm-up, for t ≤ W =
    round(min(warmup_epochs, epochs − 1)·nb), η_t = s + t·(lr0·lf(e) − s)/W (numpy's interp), s being 0
    for the weight and bn groups and warmup_bias_lr for the bias group.

    Args:
        batches: the training loader's batches an epoch (nb, len(train_loader)).
        lr0: the initial rate (the optimizer's; with optimizer=auto the trainer picks its own).
        lrf: the final rate as a fraction of lr0.
        epochs: the epochs the factor runs over.
        cos_lr: a cosine factor instead of the line.
        warmup_epochs: the warm-up, in epochs (a fraction of an epoch too; 0 for none).
        warmup_bias_lr: where the bias group's warm-up starts (it falls from it to the rate).
        group: the parameter group shown: 'weight' (the default), 'bn' (the same rates) or 'bias'.

    Example:
        ultralytics.YOLO(lr0=0.01, lrf=0.01, epochs=10, warmup_epochs=3.0, batches=50)
        --steps 500

    Notes:
        The warm-up's target moves: at each epoch it aims at that epoch's lr0·lf(e), so its line bends
        at every epoch boundary, and it lands on the target at t = W exactly. Where W is a whole number
        of epochs (3 by default), the warm-up's last epoch aims at lf(e − 1) and row W drops to lf(e):
        YOLO's default run has that small jump, and the example shows L002. The bias group starts at
        warmup_bias_lr (0.1 by default, often ten times lr0) and falls to the rate; the weights start
        at 0, so the first batch's rate is 0 (L001). The trainer never lets the warm-up take the last
        epoch. The factor is held at lrf past the epochs (the cosine rises again).
    """
    rows = steps(t)
    epoch = np.floor(rows / batches)
    rates: Values = lr0 * _factor(epoch, lrf, epochs, cos_lr)
    warmup = warmup_batches(warmup_epochs, epochs, batches)
    if warmup:
        mark_each(t, [warmup], WARMUP_ENDS, "warmup")
        start = warmup_bias_lr if group == "bias" else 0.0
        warming = rows <= warmup
        target = rates[warming]
        # numpy's interp over [0, W]: slope·(x − 0) + start, and the end point exactly at x = W
        ramp = (target - start) / warmup * rows[warming] + start
        rates[warming] = np.where(rows[warming] == warmup, target, ramp)
    return rates
