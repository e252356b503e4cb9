"""Long runs: chunked evaluation gives the whole-array numbers, outlines keep the picture, memory stays
flat and long work reports its progress."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import sys
from typing import Any

import matplotlib.image
import numpy as np
import pytest

import lrviz
import lrviz.evaluation.run
from lrviz.clock import grid
from lrviz.clock.grid import Metric
from lrviz.errors import RunError
from lrviz.evaluation.lineup import Item
from lrviz.evaluation.lineup import evaluate as evaluate_lineup
from lrviz.evaluation.run import Run, evaluate_spec, series
from lrviz.evaluation.stats import Summary
from lrviz.language.catalogue import dialects, entries
from lrviz.progress import listening
from lrviz.render import plot
from lrviz.render.outline import column_edges, outline
from tests.test_contract import EXAMPLES

STEPS = 300
METRIC = np.round(np.linspace(3, 1, STEPS) + 0.3 * np.sin(np.arange(STEPS) / 5), 1)


def _every_example() -> list[str]:
    dialect_examples = [" ".join(e.doc.example.split()) for d in dialects() for e in entries(d)]
    return [*EXAMPLES.values(), *dialect_examples]


def _run(text: str, **settings: Any) -> tuple[lrviz.Spec, Run]:
    spec = lrviz.parse(text)
    spec = spec.with_params({"total_steps": STEPS})[0]  # OneCycleLR refuses to step past it
    return spec, Run(STEPS, metric=Metric(np.arange(STEPS), METRIC), **settings)


def _chunked(spec: lrviz.Spec, run: Run, size: int) -> Any:
    lazy = series(spec, run, "chunked", whole=False)
    assert not lazy.held
    blocks = list(lazy.blocks(size))
    assert [start for start, _ in blocks] == list(range(0, run.steps, size))
    return np.concatenate([values for _, values in blocks])


@pytest.mark.parametrize("text", _every_example())
def test_chunked_and_whole_evaluation_are_identical(text: str) -> None:
    spec, run = _run(text)
    whole = evaluate_spec(spec, run)
    for size in (1, 7, 64):
        np.testing.assert_array_equal(_chunked(spec, run, size), whole, err_msg=f"chunks of {size}")


@pytest.mark.parametrize(
    "settings", [{"dtype": "float32"}, {"steps_per_epoch": 7, "step_on": "epoch"}], ids=["float32", "epochs"]
)
def test_chunked_and_whole_evaluation_are_identical_in_every_run(settings: dict[str, Any]) -> None:
    spec, run = _run("restarts(cosine(0.1, warmup=3), period=40, mult=2)", **settings)
    np.testing.assert_array_equal(_chunked(spec, run, 13), evaluate_spec(spec, run))


@pytest.mark.parametrize(
    "text",
    [
        "optax.join_schedules([cosine(0.1), linear(0.05, 0)], [200])",
        "torch.LambdaLR(optimizer, lr_lambda=cosine(1), lr=0.1)",
        "torch.SequentialLR(optimizer, schedulers=[torch.LambdaLR(optimizer, lr_lambda=cosine(1)), "
        "torch.ConstantLR(optimizer)], milestones=[250], lr=0.1)",
    ],
)
def test_nested_schedules_see_the_runs_length_in_every_chunk(text: str) -> None:
    """A schedule inside a framework's combinator runs to the end of the run, not of the chunk."""
    spec, run = _run(text)
    whole = evaluate_spec(spec, run)
    np.testing.assert_array_equal(_chunked(spec, run, 64), whole)
    assert whole[150] < whole[0]  # the cosine inside is well under way, not restarted by chunks


def test_a_step_alone_has_its_value_in_the_run() -> None:
    spec, run = _run("onecycle(0.1, pct_start=0.27) + step(0.01, 9) * exponential(1, 0.99)")
    lazy = series(spec, run, "lazy", whole=False)
    steps = [0, 1, 80, 81, 299]
    np.testing.assert_array_equal(lazy.at(steps), evaluate_spec(spec, run)[steps])


@pytest.mark.parametrize("text", _every_example())
def test_chosen_steps_have_their_values_in_the_run(text: str) -> None:
    """Rates asked for at chosen steps, in any order, are the rates of the whole run there."""
    spec, run = _run(text)
    whole = evaluate_spec(spec, run)
    steps = [STEPS - 1, 0, 151, 7, 151, -2]
    np.testing.assert_array_equal(lrviz.evaluation.run.rates_at(spec, run, steps), whole[steps])


def test_a_step_of_a_billion_step_run_is_immediate() -> None:
    """optax's own tests ask for the rate at step 10^9; it takes no evaluation of the steps before."""
    far = lrviz.evaluate("optax.cosine_decay_schedule(0.1, 10**9, alpha=0.5)", 10**12, at=[10**9 - 1, -1])
    np.testing.assert_allclose(far, [0.05, 0.05], rtol=1e-12)


def test_a_run_longer_than_2_to_the_53_steps_is_refused_even_at_chosen_steps() -> None:
    """float64 counts every step up to 2^53 only; with at= the step limit is waived, that bound is not."""
    with pytest.raises(
        RunError, match=r"steps must be a whole number from 1 to 2\^53 = 9,007,199,254,740,992"
    ):
        lrviz.evaluate("cosine(0.1)", 10**30, at=[-1])
    assert lrviz.evaluate("cosine(0.1)", 2**53, at=[0, -1]).tolist() == [0.1, 0.0]


@pytest.mark.parametrize(
    ("at", "message"),
    [
        (np.array([2**64 - 1], dtype=np.uint64), "step 18446744073709551615 is not a step of a 10-step run"),
        ([2**64], "step 18446744073709551616 is not a step of a 10-step run"),
        ([1, -11], "step -11 is not a step of a 10-step run"),
        ([True], "at must be a list of whole steps"),
        ([1.0], "at must be a list of whole steps"),
        (np.array([[1]]), "at must be a list of whole steps"),
    ],
)
def test_chosen_steps_outside_the_run_are_refused_before_they_could_wrap_around(
    at: Any, message: str
) -> None:
    with pytest.raises(RunError, match=re.escape(message)):
        lrviz.evaluate("cosine(0.1)", 10, at=at)


def test_numpy_integers_are_run_lengths_and_anything_else_is_refused() -> None:
    """A numpy integer is taken as a Python int (255 steps of uint8 are no overflow in the memory
    check); a step limit or dtype of the wrong type is one RunError."""
    np.testing.assert_array_equal(
        lrviz.evaluate("cosine(0.1)", np.uint8(255)),  # type: ignore[arg-type]
        lrviz.evaluate("cosine(0.1)", 255),
    )
    np.testing.assert_array_equal(
        lrviz.evaluate("cosine(0.1)", 5, step_limit=np.int64(9)),
        lrviz.evaluate("cosine(0.1)", 5),
    )
    with pytest.raises(RunError, match=r"step limit must be a positive whole number, got \[\]"):
        lrviz.evaluate("cosine(0.1)", 50, at=[0], step_limit=[])
    with pytest.raises(RunError, match="dtype is float64 or float32"):
        lrviz.evaluate("cosine(0.1)", 5, dtype=np.array([]))


def test_summaries_are_the_same_from_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grid, "CHUNK", 64)
    spec, run = _run("cosine(0.1, warmup=20)")
    lazy = series(spec, run, "lazy", whole=False)
    points = (("50%", 150), ("-1", 299))
    whole = evaluate_spec(spec, run)
    assert Summary.of_blocks(lazy.blocks, STEPS, points) == Summary.of(whole, points)
    assert Summary.of(whole).peak_step == int(np.argmax(whole))
    assert Summary.of(whole).above_50 == int(np.count_nonzero(whole >= 0.5 * whole.max()))


def test_outline_keeps_every_columns_first_last_lowest_and_highest_step() -> None:
    values = np.random.default_rng(1).random(10_000)
    edges = column_edges(values.size, left=3.3, width=97.1, columns_per_unit=1.0)
    blocks = [(start, values[start : start + 999]) for start in range(0, values.size, 999)]
    kept, rates = outline(blocks, edges)
    np.testing.assert_array_equal(rates, values[kept])
    bounds = [*edges.tolist(), values.size]
    for first, stop in itertools.pairwise(bounds):
        column = values[first:stop]
        mine = kept[(kept >= first) & (kept < stop)]
        assert {first, stop - 1, first + int(column.argmin()), first + int(column.argmax())} <= set(mine)
    assert kept.size < values.size / 10


def _picture(text: str, steps: int, outlined: bool, logy: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(plot, "OUTLINE_ABOVE", 4 if outlined else 10**12)
    curves = evaluate_lineup([Item(text, lrviz.parse(text))], Run(steps))
    figure, out = plot.figure(curves, plot.Style(logy=logy)), io.BytesIO()
    figure.savefig(out, format="png")
    out.seek(0)
    points = np.size(figure.axes[0].lines[0].get_xdata())
    return matplotlib.image.imread(out, format="png"), points, plot.outline_columns(figure.axes[0])


def _ink(image: Any, coverage: float) -> Any:
    """The pixels the curve (tab:blue, the only blue on the plot) covers at least ``coverage`` of."""
    return image[..., 2] - image[..., 0] > coverage * (0xB4 - 0x1F) / 255


def _near(ink: Any) -> Any:
    """``ink`` grown by a pixel in every direction."""
    grown = ink.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(ink, dy, axis=0), dx, axis=1)
    return grown


@pytest.mark.parametrize(
    ("text", "logy"),
    [
        ("cosine(0.1)", False),
        ("step(0.1, 7000, gamma=0.5)", False),
        ("cyclic(0.001, 0.1, step_size=500, mode='triangular2')", False),
        ("restarts(cosine(0.1), period=1000, mult=2)", True),
        ("cosine(0.1, warmup=0.05) + 0.01 * sin(t / 3)", False),
    ],
)
def test_outlined_plot_draws_the_same_envelope(
    text: str, logy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    full, full_points, _ = _picture(text, 100_000, False, logy, monkeypatch)
    outlined, outlined_points, columns = _picture(text, 100_000, True, logy, monkeypatch)
    # at most eight steps of a column are kept, each drawn as a stair of two points, whatever the run
    assert outlined_points <= 16 * columns < full_points
    for coverage in (0.25, 0.5, 0.75):
        a, b = _ink(full, coverage), _ink(outlined, coverage)
        assert a.sum() > 500
        # every pixel either picture inks is within a pixel of ink in the other
        assert not (a & ~_near(b)).any()
        assert not (b & ~_near(a)).any()


PEAK_MEMORY = """
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "lrviz", *sys.argv[1:]], check=True, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
"""Runs lrviz with the given arguments and prints its peak memory in kilobytes: run in a process of its
own, since a process's children's peak is the largest of any child it ever had."""


def test_a_long_plot_is_drawn_in_flat_memory(tmp_path: Any) -> None:
    """10^8 steps, evaluated whole, would take 800 MB for the rates alone."""
    args = ["plot", "cosine(0.1, warmup=0.01)", "-n", str(10**8), "-o", str(tmp_path / "long.png")]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY, *args], capture_output=True, text=True, check=True
    )
    assert (tmp_path / "long.png").stat().st_size > 10_000
    assert int(done.stdout) < 400 * 1024


def test_long_work_reports_its_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grid, "CHUNK", 1000)
    reports: list[tuple[str, int, int]] = []
    lazy = series(lrviz.parse("cosine(0.1)"), Run(5000), "cosine", whole=False)
    with listening(lambda *report: reports.append(report)):
        list(lazy.blocks())
    assert reports == [("evaluating cosine", done, 5000) for done in range(1000, 5001, 1000)]


def test_the_command_line_shows_progress_on_a_terminal_only(
    cli: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from rich.console import Console

    from lrviz.cli.terminal import ProgressBar

    monkeypatch.setattr(grid, "CHUNK", 1000)
    monkeypatch.setattr(grid, "WHOLE", 1000)
    result = cli("plot", "cosine(0.1)", "-n", "20000", "-o", str(tmp_path / "long.png"))
    assert result.code == 0
    assert result.err.splitlines() == [f"wrote {tmp_path / 'long.png'}"]  # standard error is not a terminal
    terminal = io.StringIO()
    bar = ProgressBar(lambda: Console(file=terminal, force_terminal=True, width=80))
    with bar.listening():
        list(series(lrviz.parse("cosine(0.1)"), Run(20000), "cosine", whole=False).blocks())
    assert "evaluating cosine" in terminal.getvalue()
    assert "100%" in terminal.getvalue()
    quiet = io.StringIO()  # nothing to report: not even the escapes that hide the cursor
    with ProgressBar(lambda: Console(file=quiet, force_terminal=True, width=80)).listening():
        list(series(lrviz.parse("cosine(0.1)"), Run(20), "cosine", whole=False).blocks())
    assert quiet.getvalue() == ""


def test_chosen_steps_are_bounded_before_they_are_read() -> None:
    """More chosen steps than the run has are refused at once, not turned into an array first."""
    with pytest.raises(RunError, match="more than the run's 10"):
        lrviz.evaluate("cosine(0.1)", 10, at=range(10**12))


def test_numpy_numbers_are_parameters_and_a_metric_is_real() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(
            lrviz.evaluate("step(0.1, 3)", 4, max_lr=np.float32(0.5)), [0.5, 0.5, 0.5, 0.05]
        )
        with pytest.raises(RunError, match="metric must be one real number a step"):
            lrviz.evaluate("plateau(0.1)", 10, metric=np.ones(10, dtype=complex))
    long = lrviz.evaluate("plateau(0.1, patience=0)", 3, metric=[3.0, 2.0, 2.0, 1.0, 0.0])
    np.testing.assert_array_equal(long, lrviz.evaluate("plateau(0.1, patience=0)", 3, metric=[3.0, 2.0, 2.0]))
