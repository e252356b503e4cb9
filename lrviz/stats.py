"""Summary statistics of an evaluated schedule."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lrviz.registry import Values


@dataclass(frozen=True)
class Summary:
    """The numbers that describe a whole run of a schedule.

    ``mean`` is the area under the curve divided by its length: the average rate of an update.
    """

    peak: float
    peak_step: int
    final: float
    minimum: float
    mean: float

    @classmethod
    def of(cls, values: Values) -> Summary:
        peak_step = int(np.argmax(values))
        return cls(
            peak=float(values[peak_step]),
            peak_step=peak_step,
            final=float(values[-1]),
            minimum=float(values.min()),
            mean=float(values.mean()),
        )

    def to_data(self) -> dict[str, Any]:
        return asdict(self)
