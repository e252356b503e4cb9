"""Summary statistics against values worked out by hand."""

from __future__ import annotations

from collections.abc import Callable
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


LONG = 1000
"""A run of many blocks when blocks are :data:`BLOCK` steps long."""
BLOCK = 64
ONE_PASS = [
    "cosine(0.1)",
    "cosine(0.1, warmup=0.3)",  # the peak comes blocks in: the blocks before it are counted again
    "linear(0, 1, steps=1000)",  # a new peak in every block
    "restarts(cosine(0.1, warmup=3), period=40, mult=2)",
    "0.1 * sin(t / 7) * (t / 100)",  # across 0, and higher and higher
    "-0.5 * cosine(0.1) + 0.01",
    "step(0.1, 30) * (t < 900)",  # ends at 0
    "constant(0.1)",
]


def _long(text: str, monkeypatch: pytest.MonkeyPatch, dtype: str = "float64") -> Any:
    """``text`` over a run read a block at a time, in blocks of :data:`BLOCK` steps, and its rates."""
    from lrviz.clock import grid
    from lrviz.evaluation.run import Run, evaluate_spec, series
    from lrviz.language.parser import parse

    monkeypatch.setattr(grid, "CHUNK", BLOCK)
    run = Run(LONG, dtype=dtype)
    lazy = series(parse(text), run, text, whole=False)
    return lazy, evaluate_spec(lazy.spec, run)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("text", ONE_PASS)
def test_one_pass_summaries_are_numpys(text: str, dtype: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every number of a summary taken in one read of many blocks is numpy's of the whole array, and
    the mean the sum of the blocks' sums; the searches that skip blocks by their extremes find what
    a search of every step finds."""
    import math

    lazy, rates = _long(text, monkeypatch, dtype)
    summary = lazy.summary
    peak = rates.max()
    assert (summary.peak, summary.peak_step) == (float(peak), int(np.argmax(rates)))
    assert (summary.minimum, summary.final) == (float(rates.min()), float(rates[-1]))
    assert summary.above_90 == np.count_nonzero(rates >= 0.9 * float(peak))
    assert summary.above_50 == np.count_nonzero(rates >= 0.5 * float(peak))
    assert summary.warmup_end == (int(np.argmax(rates)) if rates[0] < peak else None)
    sums = [float(rates[i : i + BLOCK].sum(dtype=np.float64)) for i in range(0, LONG, BLOCK)]
    assert summary.mean == math.fsum(sums) / LONG
    assert summary == Summary.of(rates)
    positive = rates[rates > 0]
    assert lazy.extent(positive=True) == (float(positive.min()), float(positive.max()))
    assert lazy.extent() == (float(rates.min()), float(peak))
    for start in (0, 5, BLOCK, 100, LONG - 1):
        rest = rates[start:]
        low = float(rest.min())
        assert lazy.lowest(start) == (start + int(np.argmin(rest)), low)
        tests: list[Callable[[Any], Any]] = [
            lambda v: v < 0,
            lambda v: v - low > 0.01 * float(peak),  # noqa: B023
            lambda v: v >= peak,
        ]
        for test in tests:
            hits = np.flatnonzero(test(rest))
            assert lazy.first(start, test, monotone=True) == (start + int(hits[0]) if hits.size else None)


@pytest.mark.parametrize("text", ONE_PASS)
def test_a_table_and_a_check_read_a_long_run_once(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table (its summary, marks, peaks and rows) and every check of a long run read its steps once,
    and a few blocks again; a curve that swings across half its peak as the peak still climbs, at
    most twice."""
    import lrviz.evaluation.run
    from lrviz.render.table import build, row_steps
    from lrviz.tools.check import check

    lazy, _ = _long(text, monkeypatch)
    read: list[int] = []
    chunks = lrviz.evaluation.run.chunks

    def counted(*args: Any, **kwargs: Any) -> Any:
        for start, values in chunks(*args, **kwargs):
            read.append(values.size)
            yield start, values

    monkeypatch.setattr(lrviz.evaluation.run, "chunks", counted)
    curves = lrviz.evaluation.run.Curves(lazy.run, (lazy,), tuple(checkpoints("25%,-1", LONG)))
    build(curves, row_steps(curves))
    check(curves)
    passes = 2 if "sin" in text else 1
    assert sum(read) <= passes * LONG + 6 * BLOCK, read
