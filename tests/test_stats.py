"""Summary statistics against values worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lrviz.errors import LrvizError
from lrviz.evaluation.stats import Summary, checkpoints


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


def test_tables_never_cut_a_number() -> None:
    """Too many schedules for the terminal's width: the columns are split over several tables, each
    with the steps, and every number is shown whole (headers wrap)."""
    from rich.console import Console

    from lrviz.evaluation.lineup import Item
    from lrviz.evaluation.lineup import evaluate as evaluate_lineup
    from lrviz.evaluation.run import Run
    from lrviz.language.parser import parse
    from lrviz.render.table import build, comparison, row_steps

    specs = [f"exponential({0.1 + i / 7}, {1 - 1 / (i + 13)})" for i in range(8)] + ["0.001985 * 0.99 ** t"]
    curves = evaluate_lineup([Item(text, parse(text)) for text in specs], Run(1000))
    for width in (60, 80, 100):
        console = Console(width=width, record=True, color_system=None)
        tables = build(curves, row_steps(curves), width=width) + comparison(curves, width=width)
        assert len(tables) > 2
        for table in tables:
            console.print(table)
        shown = console.export_text()
        assert max(len(line) for line in shown.splitlines()) <= width
        for s in curves.series:
            for _, cell in curves.summary(s).rows():
                assert f" {cell}" in shown or shown.startswith(cell), (width, cell)


def test_checkpoints_in_epochs_and_steps_say_which(cli: Any) -> None:
    result = cli("table", "cosine(0.1)", "--epochs", "90", "--steps-per-epoch", "10", "--at", "45e,45,-1")
    assert result.code == 0, result.err
    rows = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in result.out.splitlines()}
    assert rows["at epoch 45 (step 450)"] == "0.05"  # the middle of a 900-step cosine
    assert "at step 45 (epoch 4.5)" in rows
    assert "at -1 (step 899, epoch 89.9)" in rows
    late = cli("table", "cosine(0.1)", "--epochs", "90", "--steps-per-epoch", "10", "--at", "90e")
    assert late.code == 2
    assert "epochs such as 45e" in late.err


@pytest.mark.parametrize("rate", [1e308, 1.7976931348623157e308, -1e308])
def test_the_mean_of_rates_whose_sum_overflows(rate: float) -> None:
    """Rates near float64's largest: their sum overflows, their mean does not (and no warning)."""
    summary = Summary.of(np.full(20, rate))
    assert summary.mean == pytest.approx(rate, rel=1e-15)
    assert summary.peak == summary.final == rate


def test_a_table_of_rates_near_float64s_largest(cli: Any) -> None:
    result = cli("table", "1e308", "--steps", "20")
    assert result.code == 0, result.err
    assert "1e+308" in result.out
    assert not result.err
