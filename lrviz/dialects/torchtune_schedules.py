"""torchtune's schedules (``torchtune.training.lr_schedulers``, torchtune 0.6.1), reproduced exactly.

torchtune has one: ``get_cosine_schedule_with_warmup``, a PyTorch LambdaLR, so row t is the optimizer's
rate times its factor at step t, the rate after t calls of ``scheduler.step()``; its recipes step it
after every optimizer update. The rate is ``lr=…`` in the call or ``--lr`` (torchtune reads it from
the optimizer). The recipes fill ``num_training_steps`` themselves: ``epochs`` × the updates an epoch.
"""

from __future__ import annotations

import numpy as np

from lrviz.clock.grid import Time
from lrviz.dialects.vocabulary import LAST_EPOCH, OPTIMIZER, half_cosine, progress, warmup_then
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Count, Number

TORCHTUNE = (OPTIMIZER, LAST_EPOCH)
"""What torchtune's schedule takes besides its own parameters: the optimizer's rate and last_epoch."""


@schedule(
    name="torchtune.get_cosine_schedule_with_warmup",
    frequency="continuous",
    quantity="cosine",
    optimizer=True,
    groups=TORCHTUNE,
)
def get_cosine_schedule_with_warmup(
    t: Time,
    num_warmup_steps: Count,
    num_training_steps: Count,
    num_cycles: Number = 0.5,
) -> Values:
    """torchtune's cosine schedule: a linear warm-up from 0, then num_cycles cosine waves.

    η_t = lr·t/max(1, W) for t < W, then lr·max(0, ½(1 + cos(π·num_cycles·2·p))), p = (t − W)/max(1, T − W).

    Args:
        num_warmup_steps: the warm-up steps W.
        num_training_steps: the run length T (a recipe sets it: epochs × updates an epoch).
        num_cycles: cosine waves over the decay (0.5: down to 0 once).

    Example:
        torchtune.get_cosine_schedule_with_warmup(num_warmup_steps=100, num_training_steps=1000, lr=2e-5)

    Notes:
        "Based on the Hugging Face implementation" of transformers 4.23, and in 0.6.1 it computes the
        same numbers as hf.get_cosine_schedule_with_warmup: the same products in the same order. What
        differs is around it: there is no min_lr_rate variant (transformers'
        get_cosine_with_min_lr_schedule_with_warmup), and a recipe ignores any num_training_steps in
        its config, passing epochs × updates an epoch. p is not clamped: past num_training_steps the
        rate rises again. Warm-up starts at 0, so the first update has rate 0 (L001).
    """
    span = num_training_steps - num_warmup_steps

    def wave(s: Values) -> Values:
        angle = np.pi * float(num_cycles) * 2.0 * progress(s, num_warmup_steps, span)
        return np.maximum(0.0, half_cosine(angle))

    return warmup_then(t, num_warmup_steps, lambda s: s / float(max(1, num_warmup_steps)), wave)
