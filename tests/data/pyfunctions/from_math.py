"""A cosine lambda for torch.optim.lr_scheduler.LambdaLR, with `from math import cos, pi`."""

from math import cos, pi

T_MAX = 1000
ETA_MIN_RATIO = 0.05

lr_lambda = lambda epoch: ETA_MIN_RATIO + (1 - ETA_MIN_RATIO) * (1 + cos(pi * epoch / T_MAX)) / 2  # noqa: E731
