"""One-cycle cosine and linear lambdas in the style of YOLOv5/ultralytics train.py."""

import math
from typing import Callable  # noqa: UP035  (as the script wrote it)

epochs = 300
lrf = 0.01  # final OneCycleLR learning rate (lr0 * lrf)
hyp = {"lr0": 0.01, "lrf": lrf}


def one_cycle(y1=0.0, y2=1.0, steps=100):
    """Lambda function for sinusoidal ramp from y1 to y2 https://arxiv.org/pdf/1812.01187.pdf."""
    return lambda x: max((1 - math.cos(x * math.pi / steps)) / 2, 0) * (y2 - y1) + y1


lf_cos = lambda x: ((1 - math.cos(x * math.pi / epochs)) / 2) * (lrf - 1) + 1  # noqa: E731
lf_linear: Callable[[float], float] = lambda x: max(1 - x / epochs, 0) * (1.0 - lrf) + lrf  # noqa: E731
