"""Plots: the drawn data is the evaluated data, the output is deterministic, the preview is exact."""

from __future__ import annotations

import io
from typing import Any

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure

from lrviz.clock import grid
from lrviz.errors import LrvizError
from lrviz.evaluation.run import Curves, Run, evaluate_spec, series
from lrviz.language.parser import parse
from lrviz.render import plot
from lrviz.render.preview import envelope, render


def _curves(*specs: str, steps: int = 40) -> Curves:
    run = Run(steps)
    return Curves(run, tuple(series(parse(s), run, s) for s in specs))


def test_drawn_data_is_the_evaluated_data() -> None:
    curves = _curves("cosine(0.1, warmup=5)", "step(0.1, 10)")
    (ax,) = plot.figure(curves, plot.Style()).axes
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
    fig = plot.figure(_curves("cosine(0.1)"), plot.Style())
    assert not fig.legends


def _lines(ax: Any) -> dict[str, Any]:
    return {line.get_label(): line for line in ax.lines if not line.get_label().startswith("_")}


def test_grid_layout_gives_each_schedule_a_panel_on_the_same_scales() -> None:
    curves = _curves("cosine(0.1)", "step(0.3, 10)", "onecycle(0.2)")
    fig = plot.figure(curves, plot.Style(layout="grid"))
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["cosine(0.1)", "step(0.3, 10)", "onecycle(0.2)"]
    for ax, s in zip(visible, curves.series, strict=True):
        (line,) = _lines(ax).values()
        np.testing.assert_array_equal(np.asarray(line.get_ydata())[:-1], s.values)
    highest = max(float(s.values.max()) for s in curves.series)
    assert {ax.get_xlim() for ax in visible} == {(0, 40)}
    assert len({ax.get_ylim() for ax in visible}) == 1
    assert visible[0].get_ylim()[1] > highest  # every panel's scale holds every panel's curve


def test_sweeps_shade_along_a_colour_map_and_panel_by_the_first_sweep() -> None:
    from lrviz.evaluation.lineup import Item, expand
    from lrviz.evaluation.lineup import evaluate as evaluate_lineup

    items = expand([Item("s", parse("step(0.1, 5)"))], [("step_size", [5, 10]), ("gamma", [0.1, 0.5, 0.9])])
    curves = evaluate_lineup(items, Run(30))
    assert [s.label for s in curves.series][:3] == [
        "step_size=5, gamma=0.1",
        "step_size=5, gamma=0.5",
        "step_size=5, gamma=0.9",
    ]
    fig = plot.figure(curves, plot.Style())
    assert [ax.get_title() for ax in fig.axes] == ["step_size=5", "step_size=10"]
    lines = _lines(fig.axes[1])
    assert list(lines) == ["gamma=0.1", "gamma=0.5", "gamma=0.9"]
    colors = [mpl.colors.to_rgba(line.get_color()) for line in lines.values()]
    cmap = mpl.colormaps[plot.SWEEP_COLORMAP]
    assert colors == [cmap(0.0), cmap(0.45), cmap(0.9)]
    np.testing.assert_array_equal(np.asarray(lines["gamma=0.5"].get_ydata())[:-1], curves.series[4].values)


def test_colours_line_styles_and_statistics_in_the_legend() -> None:
    from lrviz.evaluation.lineup import Item
    from lrviz.evaluation.lineup import evaluate as evaluate_lineup
    from lrviz.evaluation.run import Look

    items = [Item("a", parse("cosine(1)"), Look(color="tab:red", linestyle="--")), Item("b", parse("0.5"))]
    fig = plot.figure(evaluate_lineup(items, Run(10)), plot.Style(stats=True))
    lines = _lines(fig.axes[0])
    line = lines["a  (peak 1, mean 0.55, final 0.0245)"]  # Σ cos(πt/10) over t = 0…9 is 1
    assert line.get_color() == "tab:red"
    assert line.get_linestyle() == "--"
    assert "b  (peak 0.5, mean 0.5, final 0.5)" in lines


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


@pytest.mark.parametrize("held", [True, False], ids=["whole", "chunked"])
def test_envelope_is_the_exact_min_and_max_of_each_column(
    held: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid, "CHUNK", 99)
    spec = parse("0.5 + 0.4 * sin(t * t / 7)")
    values = evaluate_spec(spec, Run(1000))
    lows, highs = envelope(series(spec, Run(1000), "wiggle", whole=held), 7)
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


@pytest.mark.parametrize("name", ["dark", "paper", "ggplot"])
def test_styles(name: str) -> None:
    plot.check_style(name)
    curves = _curves("cosine(0.1)")
    with plot.styled(name):
        fig = plot.figure(curves, plot.Style(style=name))
        if name == "dark":
            assert mpl.colors.to_hex(fig.get_facecolor()) == "#15181e"
        if name == "paper":
            assert mpl.rcParams["font.family"] == ["serif"]
    buffer = io.BytesIO()
    plot.save(curves, buffer, ".png", plot.Style(style=name))
    assert buffer.getvalue().startswith(b"\x89PNG")


def test_unknown_style_names_the_closest() -> None:
    with pytest.raises(LrvizError, match="did you mean paper"):
        plot.check_style("papr")


def _lineup(config: str, tmp_path: Any) -> tuple[Curves, plot.Style]:
    """The curves and style a YAML config gives, as ``lrviz plot CONFIG`` draws them."""
    from lrviz.io import config as configs
    from lrviz.tools.build import build

    path = tmp_path / "c.yaml"
    path.write_text(config, encoding="utf-8")
    loaded = configs.load(path)
    return build([str(loaded.path)]).curves, plot.Style(**loaded.plot)


SWEPT = """\
schedules:
  a: step(0.1, 30)
  b: multistep(0.1, [30, 60])
  c: cosine(0.1)
epochs: 90
sweep:
  gamma: [0.1, 0.5]
"""


def test_overlay_in_a_config_is_one_axes(tmp_path: Any) -> None:
    curves, style = _lineup(SWEPT + "plot:\n  layout: overlay\n", tmp_path)
    fig = plot.figure(curves, style)
    (ax,) = fig.axes
    labels = [label.partition(" (")[0] for label in _lines(ax)]  # step and multistep coincide here
    assert labels == ["a, gamma=0.1", "a, gamma=0.5", "b, gamma=0.1", "b, gamma=0.5", "c"]


def test_a_sweep_leaves_a_schedule_without_the_parameter_drawn_once(tmp_path: Any) -> None:
    curves, _ = _lineup(SWEPT, tmp_path)
    assert [s.label for s in curves.series] == [
        "a, gamma=0.1",
        "a, gamma=0.5",
        "b, gamma=0.1",
        "b, gamma=0.5",
        "c",
    ]


def test_statistics_are_each_panels_own(tmp_path: Any) -> None:
    curves, style = _lineup(SWEPT + "plot:\n  stats: true\n", tmp_path)
    fig = plot.figure(curves, style)
    legends = {
        ax.get_title(): [t.get_text() for t in ax.get_legend().get_texts()]  # type: ignore[union-attr]
        for ax in fig.axes
        if ax.get_visible()
    }
    assert legends["a"][0].startswith("gamma=0.1  (peak 0.1, mean 0.037")
    assert legends["c"] == ["c  (peak 0.1, mean 0.0506, final 3.05e-05)"]
    single = plot.figure(_curves("0.5"), plot.Style(stats=True))
    assert [t.get_text() for t in single.legends[0].get_texts()] == ["0.5  (peak 0.5, mean 0.5, final 0.5)"]


def test_a_coloured_sweep_is_shades_of_its_colour(tmp_path: Any) -> None:
    config = SWEPT.replace("  a: step(0.1, 30)", "  a:\n    spec: step(0.1, 30)\n    color: red")
    curves, style = _lineup(config, tmp_path)
    fig = plot.figure(curves, style)
    panel = next(ax for ax in fig.axes if ax.get_title() == "a")
    colors = [mpl.colors.to_rgb(line.get_color()) for line in _lines(panel).values()]
    assert len(set(colors)) == 2
    assert colors[-1] == (1.0, 0.0, 0.0)  # the last value in the colour itself, the first paler
    assert all(channel > 0 for channel in colors[0])


def test_every_bottom_panel_of_a_grid_has_x_tick_labels(tmp_path: Any) -> None:
    curves, style = _lineup(SWEPT, tmp_path)  # three panels in a 2 × 2 grid: the fourth is empty
    fig = plot.figure(curves, style)
    fig.canvas.draw()
    labelled = {
        ax.get_title(): ax.xaxis.get_tick_params()["labelbottom"] for ax in fig.axes if ax.get_visible()
    }
    assert labelled == {"a": False, "b": True, "c": True}


def test_one_curve_is_titled_by_its_spec_and_an_epoch_run_counts_epochs() -> None:
    run = Run(900, steps_per_epoch=10, epochs=90, step_on="epoch")
    curves = Curves(run, (series(parse("step(0.1, 30)"), run, "step(0.1, 30)"),))
    fig = plot.figure(curves, plot.Style())
    assert fig.get_suptitle() == "step(0.1, 30)"
    (ax, *_) = fig.axes
    assert ax.get_xlabel() == "epoch"
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks[:4] == ["0", "10", "20", "30"]
    assert plot.figure(curves, plot.Style(title="")).get_suptitle() == ""


def test_curves_that_coincide_stay_distinguishable() -> None:
    curves = _curves("step(0.1, 10)", "multistep(0.1, [10, 20, 30])", "cosine(0.1)")
    lines = _lines(plot.figure(curves, plot.Style()).axes[0])
    covering = lines["multistep(0.1, [10, 20, 30]) (the same as step(0.1, 10))"]
    assert covering.get_linestyle() != lines["step(0.1, 10)"].get_linestyle()
    assert lines["cosine(0.1)"].get_linestyle() == "-"


def test_preview_without_colour_gives_each_curve_a_glyph() -> None:
    curves = _curves("step(0.1, 10)", "cosine(0.1)", "linear(0.1, 0)")
    text = render(curves, width=60, height=8, color=False)
    assert {span.style for span in text.spans} == {"dim"}  # only characters tell the curves apart
    legend = text.plain.splitlines()[-3:]
    glyphs = [line.split()[0] for line in legend]
    assert [line.split()[1] for line in legend] == ["step(0.1,", "cosine(0.1)", "linear(0.1,"]
    assert len(set(glyphs)) == 3
    body = "\n".join(text.plain.splitlines()[:-5])
    assert all(glyph[0] in body for glyph in glyphs[1:])


def _phase_lines(ax: Any) -> list[float]:
    return [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":"]


def test_every_phase_line_is_drawn_or_none_and_the_axis_says_so() -> None:
    """A line a decay, as long as they stand apart; closer, none, and the x axis says how many."""
    (ax,) = plot.figure(_curves("step(0.1, 100)", steps=5000), plot.Style()).axes
    assert _phase_lines(ax) == list(range(100, 5000, 100))
    (crowded,) = plot.figure(_curves("step(0.1, 10)", steps=5000), plot.Style()).axes
    assert _phase_lines(crowded) == []
    assert crowded.get_xlabel() == "step (499 phase lines, too close to draw)"


def test_a_long_title_is_wrapped_to_the_figure() -> None:
    spec = (
        "timm.CosineLRScheduler(optimizer, t_initial=50, cycle_limit=4, cycle_decay=0.7, warmup_t=5, lr=0.1)"
    )
    fig = plot.figure(_curves(spec, steps=200), plot.Style())
    lines = fig.get_suptitle().split("\n")
    assert len(lines) == 2
    assert max(len(line) for line in lines) <= fig.get_figwidth() * 72 / 7  # within the figure's width
    assert lines[0].startswith("timm.CosineLRScheduler(")


def test_a_sweep_of_one_spec_is_titled_by_it() -> None:
    """Its legend names only the values swept: the title names the schedule."""
    from lrviz.io.settings import RunSettings
    from lrviz.tools.build import build

    built = build(["step(0.1, 30)"], [("gamma", "0.1,0.5")], RunSettings(steps=100))
    assert [s.label for s in built.curves.series] == ["gamma=0.1", "gamma=0.5"]
    assert plot.figure(built.curves, plot.Style()).get_suptitle() == "step(0.1, 30)"
    two = build(["step(0.1, 30)", "cosine(0.1)"], [], RunSettings(steps=100))
    assert plot.figure(two.curves, plot.Style()).get_suptitle() == ""
