"""A schedule split into helpers, as larger training codebases write it."""

import math

BASE_LR = 0.1
WARMUP = 100
TOTAL = 1000
FINAL = BASE_LR * 0.01


def warmup_factor(step, warmup=WARMUP):
    if step >= warmup:
        return 1
    return (step + 1) / warmup


def cosine(progress):
    return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


schedule = lambda step: warmup_factor(step) * cosine(max(step - WARMUP, 0) / (TOTAL - WARMUP))  # noqa: E731


def get_lr(step, scale=1.0):
    return FINAL + (BASE_LR - FINAL) * schedule(step) * scale


# mypy: disable-error-code="no-untyped-call"
