"""Summary statistics against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lrviz.errors import LrvizError
from lrviz.stats import Summary, checkpoints


def test_summary_by_hand() -> None:
    values = np.array([0.0, 0.5, 1.0, 0.9, 0.5, 0.2])
    summary = Summary.of(values, checkpoints("0,50%,-1", 6))
    assert summary.peak == 1.0
    assert summary.peak_step == 2
    assert summary.final == 0.2
    assert summary.minimum == 0.0
    assert summary.mean == pytest.approx(3.1 / 6)
    assert summary.above_90 == 2  # 1.0 and 0.9
    assert summary.above_50 == 4  # 0.5, 1.0, 0.9, 0.5
    assert summary.warmup_end == 2
    assert summary.at == (("0", 0, 0.0), ("50%", 3, 0.9), ("-1", 5, 0.2))


def test_no_warmup_when_the_schedule_starts_at_its_peak() -> None:
    assert Summary.of(np.array([1.0, 0.5, 0.25])).warmup_end is None


@pytest.mark.parametrize(
    ("points", "steps", "expected"),
    [
        ("0,25%,50%,-1", 100, [0, 25, 50, 99]),
        ([0, "100%", -100], 100, [0, 99, 0]),
        ("9, 33.3%", 10, [9, 3]),
    ],
)
def test_checkpoints(points: object, steps: int, expected: list[int]) -> None:
    assert [step for _, step in checkpoints(points, steps)] == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["100", "-101", "101%", "x", "1.5", ""])
def test_bad_checkpoints(bad: str) -> None:
    with pytest.raises(LrvizError, match="is not a step of this 100-step run"):
        checkpoints(bad, 100)
