"""Plots: the drawn data is the evaluated data, the output is deterministic, the preview is exact."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure

from lrviz import plot
from lrviz.parser import parse
from lrviz.preview import envelope, render
from lrviz.run import Curves, Run, series


def _curves(*specs: str, steps: int = 40) -> Curves:
    run = Run(steps)
    return Curves(run, tuple(series(parse(s), run, s) for s in specs))


def test_drawn_data_is_the_evaluated_data() -> None:
    curves = _curves("cosine(0.1, warmup=5)", "step(0.1, 10)")
    ax = plot.draw(Figure().subplots(), curves)
    lines = [line for line in ax.lines if line.get_label() in {"cosine(0.1, warmup=5)", "step(0.1, 10)"}]
    assert len(lines) == 2
    for line, s in zip(lines, curves.series, strict=True):
        x, y = np.asarray(line.get_xydata()).T
        np.testing.assert_array_equal(x, np.arange(41))
        np.testing.assert_array_equal(y[:-1], s.values)
        assert line.get_drawstyle() == "steps-post"
    boundaries = sorted(np.asarray(line.get_xdata())[0] for line in ax.lines if line.get_linestyle() == ":")
    assert boundaries == [5.0, 10.0, 20.0, 30.0]
    assert ax.get_legend() is None
    assert ax.figure.legends


def test_a_single_curve_has_no_legend() -> None:
    ax = plot.draw(Figure().subplots(), _curves("cosine(0.1)"))
    assert ax.get_legend() is None
    assert not ax.figure.legends


def test_log_scale_leaves_out_zero_rates() -> None:
    ax = plot.draw(Figure().subplots(), _curves("linear(0, 1, steps=4)", steps=5), logy=True)
    assert ax.get_yscale() == "log"
    y = np.asarray(ax.lines[0].get_ydata())
    assert np.isnan(y[0])
    assert y[1] == 0.25


@pytest.mark.parametrize("suffix", [".svg", ".png", ".pdf"])
def test_same_input_gives_byte_identical_files(suffix: str) -> None:
    curves = _curves("cosine(0.1, warmup=5)", "restarts(cosine(0.1), period=7)")
    first, second = io.BytesIO(), io.BytesIO()
    plot.save(curves, first, suffix, plot.Style(title="same"))
    plot.save(curves, second, suffix, plot.Style(title="same"))
    assert first.getvalue() == second.getvalue()
    assert len(first.getvalue()) > 1000


def test_envelope_is_the_exact_min_and_max_of_each_column() -> None:
    values = np.random.default_rng(0).random(1000)
    lows, highs = envelope(values, 7)
    edges = np.linspace(0, 1000, 8).astype(int)
    for i in range(7):
        assert lows[i] == values[edges[i] : edges[i + 1]].min()
        assert highs[i] == values[edges[i] : edges[i + 1]].max()


def test_preview_marks_the_extremes() -> None:
    text = render(_curves("step(0.1, 10)", steps=40), width=50, height=6).plain
    lines = text.splitlines()
    assert lines[0].lstrip().startswith("0.1 ┤")
    assert lines[5].lstrip().startswith("0.0001 ┤")
    assert lines[-1].rstrip().endswith("step 39")
    assert all(len(line) <= 50 for line in lines)
