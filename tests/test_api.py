"""``lrviz.evaluate`` takes the command line's run options by name: the run, the data side, the
stepping and the metric, with ``E`` in a spec the updates of an epoch."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz


def cosine_after_warmup(peak: float, warmup: int, steps: int) -> list[float]:
    """A linear warm-up from 0 over ``warmup`` steps, then a half cosine to 0 over the rest."""
    rest = steps - warmup
    return [peak * t / warmup for t in range(warmup)] + [
        peak * (1 + math.cos(math.pi * t / rest)) / 2 for t in range(rest)
    ]


def test_steps_per_epoch_gives_E() -> None:
    rates = lrviz.evaluate("cosine(0.1, warmup=2*E)", 1000, steps_per_epoch=100)
    np.testing.assert_allclose(rates, cosine_after_warmup(0.1, 200, 1000), rtol=1e-12, atol=1e-15)


def test_epochs_and_the_data_side_size_the_run() -> None:
    updates = math.ceil(1000 / 32)  # a DataLoader keeps the partial last batch
    rates = lrviz.evaluate("cosine(0.1, warmup=E)", epochs=3, dataset_size=1000, batch_size=32)
    np.testing.assert_allclose(rates, cosine_after_warmup(0.1, updates, 3 * updates), rtol=1e-12, atol=1e-15)
    accumulated = lrviz.evaluate("cosine(0.1)", epochs=2, dataset_size=1000, batch_size=32, grad_accum=4)
    assert accumulated.size == 2 * math.ceil(updates / 4)


def test_step_on_epoch_holds_each_epoch() -> None:
    rates = lrviz.evaluate("0.1 * 0.5 ** t", epochs=3, steps_per_epoch=4, step_on="epoch")
    assert rates.tolist() == [0.1] * 4 + [0.05] * 4 + [0.025] * 4


def test_a_metric_file_is_read_by_name(tmp_path: Path) -> None:
    (tmp_path / "loss.csv").write_text("step,loss\n0,1\n1,1\n2,1\n3,1\n")
    rates = lrviz.evaluate("plateau(0.1, patience=1)", 4, metric=str(tmp_path / "loss.csv"))
    assert rates.tolist() == lrviz.evaluate("plateau(0.1, patience=1)", 4, metric=[1, 1, 1, 1]).tolist()
    assert rates[0] == 0.1
    assert rates[-1] == pytest.approx(0.01)


def test_parameters_and_chosen_steps_still_work() -> None:
    assert lrviz.evaluate("cosine", 100, max_lr=0.1)[0] == 0.1
    assert lrviz.evaluate("cosine(0.1)", 10**12, at=[-1]).tolist() == pytest.approx([0.0], abs=1e-20)
    assert lrviz.evaluate("cosine(0.1)", 5, dtype="float32").dtype == np.float32


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps_per_epoch": 0}, "steps per epoch must be a whole number"),
        ({"step_on": "batch"}, "step-on is update or epoch"),
        ({"epochs": 2}, "steps or as epochs, not both"),
        ({"batch_size": 32}, "dataset size and batch size together"),
        ({"max_lrr": 0.1}, "did you mean"),
        ({"momentum": True}, "takes momentum"),
    ],
)
def test_bad_run_options_are_one_line_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(lrviz.LrvizError, match=message) as caught:
        lrviz.evaluate("cosine(0.1)", 100, **options)
    assert "\n" not in str(caught.value)


# lrviz.plot, lrviz.compare and lrviz.table: the command line's pictures and tables, for a notebook


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height, read from its header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_plot_returns_a_figure_that_shows_itself_as_a_picture() -> None:
    from matplotlib.figure import Figure

    fig = lrviz.plot("cosine", epochs=10, steps_per_epoch=10, max_lr=0.1, size=(6, 3), dpi=50)
    assert isinstance(fig, Figure)
    assert png_size(fig._repr_png_()) == (300, 150)
    (line,) = fig.axes[0].get_lines()
    drawn = np.asarray(line.get_ydata())[:-1]  # each step, and the end of the last
    np.testing.assert_allclose(drawn, cosine_after_warmup(0.1, 0, 100), rtol=1e-12, atol=1e-15)


def test_plot_takes_the_looks_and_a_list_sweeps_a_parameter() -> None:
    fig = lrviz.plot("cosine(0.1)", 100, warmup=[0, 10, 20], logy=True, title="three warm-ups")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert fig.get_suptitle() == "three warm-ups"
    curves = [line for line in ax.get_lines() if np.size(line.get_ydata()) == 101]  # not the phase lines
    firsts = sorted(float(np.asarray(line.get_ydata())[1]) for line in curves)
    assert firsts == pytest.approx([0.1 / 20, 0.1 / 10, 0.1 * (1 + math.cos(math.pi / 100)) / 2])


def test_plot_draws_several_specs_and_parsed_ones() -> None:
    fig = lrviz.plot(["cosine(0.1)", lrviz.parse("linear(0.1, 0)")], 50, size="5x3")
    assert len(fig.axes[0].get_lines()) == 2
    assert tuple(fig.get_size_inches()) == (5.0, 3.0)


def test_compare_draws_every_schedule_of_a_config(tmp_path: Path) -> None:
    config = tmp_path / "two.yaml"
    config.write_text("steps: 100\nschedules:\n  a: cosine(0.1)\n  b: linear(0.1, 0)\n")
    fig = lrviz.compare(config)
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    assert len(lines) == 2
    assert sorted(float(np.asarray(line.get_ydata())[50]) for line in lines) == pytest.approx([0.05, 0.05])
    with pytest.raises(lrviz.LrvizError, match="compare takes a config file"):
        lrviz.compare("cosine(0.1)")


def test_nothing_of_pyplot_is_touched() -> None:
    import subprocess
    import sys

    script = (  # reading rcParams["backend"] would itself load pyplot: every other setting is compared
        "import sys, matplotlib, lrviz\n"
        "def settings(): return {k: matplotlib.rcParams[k] for k in matplotlib.rcParams if k != 'backend'}\n"
        "before = settings()\n"
        "fig = lrviz.plot('cosine(0.1)', 100, style='dark')\n"
        "fig._repr_png_()\n"
        "print('matplotlib.pyplot' in sys.modules, settings() == before)\n"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert shown.stdout.split() == ["False", "True"]


def test_the_function_and_the_module_do_not_shadow_each_other() -> None:
    import importlib

    plotting = importlib.import_module("lrviz.render.plot")
    assert callable(lrviz.plot)
    assert plotting.figure is not lrviz.plot
    from lrviz import plot, table

    assert plot is lrviz.plot
    assert table is lrviz.table


def test_table_is_the_command_lines_table(cli: Any) -> None:
    shown = lrviz.table("cosine(0.1, warmup=2*E)", 100, steps_per_epoch=10)
    printed = cli("table", "cosine(0.1, warmup=2*E)", "--steps", "100", "--steps-per-epoch", "10")
    assert str(shown) == printed.out.rstrip("\n")
    assert repr(shown) == str(shown)
    rows = str(shown).splitlines()
    assert rows[0].split()[:2] == ["step", "epoch"]
    assert any(row.split()[:3] == ["20", "2", "0.1"] for row in rows)  # the warm-up's end: the peak


def test_table_shows_as_html_in_a_notebook(tmp_path: Path) -> None:
    config = tmp_path / "named.yaml"
    config.write_text("steps: 4\nschedules:\n  <down>: linear(0.1, 0)\n")
    page = lrviz.table(config, all=True)._repr_html_()
    assert page.startswith('<table class="lrviz">')
    assert page.endswith("</table>")
    assert '<th style="text-align:right">&lt;down&gt;</th>' in page  # text is escaped
    rates, summary = page.split("<tbody")[1:]
    assert rates.count("<tr>") == 4
    assert "font-weight:bold" in summary
    assert '<td style="text-align:right">0.05</td>' in rates  # step 2 of 4: halfway down


def test_table_rows_every_and_all() -> None:
    assert [r.split()[0] for r in str(lrviz.table("cosine(0.1)", 10, all=True)).splitlines()[1:11]] == [
        str(step) for step in range(10)
    ]
    every = str(lrviz.table("cosine(0.1)", 100, every=25)).splitlines()[1:6]
    assert [r.split()[0] for r in every] == ["0", "25", "50", "75", "99"]


def test_table_takes_a_metric_as_values() -> None:
    shown = str(lrviz.table("plateau(0.1, patience=1)", 4, metric=[1, 1, 1, 1], all=True))
    assert [row.split()[1] for row in shown.splitlines()[1:5]] == ["0.1", "0.1", "0.1", "0.01"]


@pytest.mark.parametrize(
    ("call", "options", "message"),
    [
        ("plot", {"max_lrr": 0.1}, "no such option max_lrr; did you mean max_lr?"),
        ("plot", {"every": 10}, "every does not apply to this command"),
        ("table", {"logy": True}, "logy does not apply to this command"),
        ("plot", {"dpi": 5}, "dpi must be between"),
        ("plot", {"layout": "stacked"}, "layout is overlay or grid"),
        ("plot", {"size": "huge"}, "the size is WIDTHxHEIGHT"),
        ("plot", {"resume_at": 500}, "resume_at 500 is not a step of this 100-step run"),
        ("plot", {"warmup": []}, "warmup sweeps no values"),
        ("table", {"steps_per_epoch": 0}, "steps per epoch must be a whole number"),
        ("table", {"at": "200%"}, "200%"),
        # what the command line's parsing ensures, from Python too
        ("plot", {"title": 123}, "title is text, got 123"),
        ("plot", {"dpi": "high"}, "dpi is a whole number"),
        ("plot", {"logy": "yes"}, "logy is True or False"),
        ("plot", {"quantity": 7}, "quantity is text"),
        ("plot", {"drop_last": 1, "dataset_size": 10, "batch_size": 3}, "drop last is True or False"),
        ("plot", {"resume_at": "x"}, "resume_at is a step of the run"),
        ("table", {"every": 0}, "every must be a whole number"),
        ("table", {"all": "x"}, "all is True or False"),
    ],
)
def test_bad_options_are_one_line_errors(call: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(lrviz.LrvizError, match=message.replace("?", r"\?")) as caught:
        getattr(lrviz, call)("cosine(0.1)", 100, **options)
    assert "\n" not in str(caught.value)


def test_what_is_not_a_spec_is_told() -> None:
    with pytest.raises(lrviz.LrvizError, match="a spec is text, a parsed spec or a config file, got 123"):
        lrviz.plot(123)  # type: ignore[arg-type]
    with pytest.raises(lrviz.LrvizError, match="got 5"):
        lrviz.compare(5)  # type: ignore[arg-type]


def test_numpy_values_are_taken_as_pythons() -> None:
    fig = lrviz.plot("cosine", 100, max_lr=np.array([0.1, 0.2]), logy=np.bool_(True), dpi=np.int64(50))
    curves = [line for line in fig.axes[0].get_lines() if np.size(line.get_ydata()) == 101]
    assert sorted(float(np.asarray(line.get_ydata())[0]) for line in curves) == [0.1, 0.2]
    assert fig.axes[0].get_yscale() == "log"
    rows = str(lrviz.table("cosine(0.1)", 3, all=np.bool_(True))).splitlines()  # type: ignore[arg-type]
    assert [row.split()[0] for row in rows[1:4]] == ["0", "1", "2"]
