"""An inverse-square-root schedule with warm-up, as fairseq and T5 write it."""

WARMUP_STEPS = 4000
BASE_LR = 5e-4


def inverse_sqrt(step, warmup=WARMUP_STEPS):
    """Linear warm-up, then lr ∝ 1/sqrt(step)."""
    step = max(step, 1)
    if step < warmup:
        return BASE_LR * step / warmup
    return BASE_LR * (warmup / step) ** 0.5
