"""Warm-up, stable, decay (WSD), as MiniCPM-style training scripts write it."""

import math

total_steps = 10_000
warmup_steps = 500
decay_fraction = 0.2
decay_start = int(total_steps * (1 - decay_fraction))
peak_lr, final_lr = 3e-4, 3e-5
use_sqrt_decay = True


def wsd_lr(step, peak=peak_lr):
    """Warm-up, stable, decay."""
    if step < warmup_steps:
        lr = peak * step / warmup_steps
    elif step < decay_start:
        lr = peak
    elif step < total_steps:
        progress = (step - decay_start) / (total_steps - decay_start)
        if use_sqrt_decay:
            lr = final_lr + (peak - final_lr) * (1 - math.sqrt(progress))
        else:
            lr = final_lr + (peak - final_lr) * (1 - progress)
    else:
        lr = final_lr
    return lr
