"""Configs: what a file parses to, every shipped config, and every way a config can be wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.io.config import ConfigError, load
from lrviz.tools.build import build

CONFIGS = sorted((Path(__file__).parent.parent / "configs").glob("*.yaml"))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_parses_to_specs_with_defaults_overrides_and_looks(tmp_path: Path) -> None:
    config = load(
        _write(
            tmp_path,
            """
steps: 200
defaults:
  lr: 3e-4
  warmup: 10
schedules:
  cos: cosine(min_lr=1e-5)
  sgdr:
    spec: restarts(cosine(0.1), period=50)
    period: 40
    color: tab:red
    linestyle: "--"
  constant: 0.001
sweep:
  mult: [1, 2]
plot:
  title: A title
  layout: grid
  size: [8, 3]
table:
  checkpoints: [0, 50%, -1]
""",
        )
    )
    assert config.run.steps == 200
    assert config.run.epochs is None
    specs = {item.label: item.spec.render() for item in config.items}
    assert specs == {
        "cos": "cosine(0.0003, min_lr=1e-05, warmup=10)",
        "sgdr": "restarts(cosine(0.1, warmup=10), period=40)",
        "constant": "0.001",
    }
    sgdr = config.items[1]
    assert (sgdr.look.color, sgdr.look.linestyle) == ("tab:red", "--")
    assert config.sweeps == [("mult", [1, 2])]
    assert config.plot == {"title": "A title", "layout": "grid", "size": (8.0, 3.0)}
    assert config.checkpoints == [0, "50%", -1]


def test_shared_defaults_fill_but_do_not_override(tmp_path: Path) -> None:
    config = load(_write(tmp_path, "steps: 5\ndefaults: {lr: 0.5}\nschedules: {a: cosine(0.1), b: cosine}\n"))
    assert [item.spec.render() for item in config.items] == ["cosine(0.1)", "cosine(0.5)"]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_loads_and_renders(path: Path) -> None:
    from lrviz.render import plot

    config = load(path)
    curves = build([str(config.path)]).curves
    assert curves.series
    for s in curves.series:
        assert np.isfinite(s.values).all()
    fig = plot.figure(curves, plot.Style(**config.plot))
    labels = {s.label.split(", ")[-1] for s in curves.series} | {s.label for s in curves.series}
    drawn = [line for ax in fig.axes for line in ax.lines if line.get_label() in labels]
    assert len(drawn) == len(curves.series)


def test_sweeps_in_a_config_give_one_curve_per_value(tmp_path: Path) -> None:
    config = load(_write(tmp_path, 'steps: 4\nschedules: {s: "step(1, 1)"}\nsweep: {gamma: [0.5, 0.25]}\n'))
    curves = build([str(config.path)]).curves
    assert [s.label for s in curves.series] == ["gamma=0.5", "gamma=0.25"]
    np.testing.assert_allclose(curves.series[1].values, [1, 0.25, 0.0625, 0.015625])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "x.yaml: the file is empty"),
        ("# only a comment\n", "x.yaml: the file is empty"),
        ("- cosine\n- step\n", "x.yaml: must be a mapping"),
        ("steps: 10\n", "x.yaml: has no 'schedules:'"),
        (
            "steps: 10\nschedules: [cosine(0.1)]\n",
            "x.yaml:2: schedules: must be a mapping (from label to spec), got a list",
        ),
        ("steps: 10\nschedules: {}\n", "x.yaml:2: schedules: is empty"),
        ("steps: 0\nschedules: {a: cosine(0.1)}\n", "x.yaml:1: steps: must be a positive integer, got 0"),
        (
            "epochs: 2\nsteps_per_epoch: 1" + "0" * 400 + "\nschedules: {a: cosine(0.1)}\n",
            "x.yaml:2: steps_per_epoch: must be a whole number from 1 to 2^53 = 9,007,199,254,740,992",
        ),
        (
            "epochs: 4\ndataset_size: 1" + "0" * 20 + "\nbatch_size: 3\nschedules: {a: cosine(0.1)}\n",
            "x.yaml:2: dataset_size: must be a whole number from 1 to 2^53",
        ),
        ("stepz: 10\nschedules: {a: cosine(0.1)}\n", "x.yaml:1: stepz: unknown key; did you mean 'steps'?"),
        (
            "steps: 10\nschedules:\n  a: cosine(0.1)\n  a: step(0.1, 2)\n",
            "x.yaml:4: schedules.a: given twice",
        ),
        (
            "steps: 10\nschedules:\n  sgdr:\n    spec: restarts(cosine(0.1), period=5)\n    period: 0\n",
            "x.yaml:5: schedules.sgdr.period: must be a positive integer, got 0",
        ),
        (
            "steps: 10\nschedules:\n  sgdr: restarts(cosine(0.1), period=0)\n",
            "x.yaml:3: schedules.sgdr: restarts(cosine(0.1), period=0): period must be a positive integer",
        ),
        (
            "steps: 10\nschedules:\n  a: cosin(0.1)\n",
            "x.yaml:3: schedules.a: unknown schedule or function 'cosin'; did you mean 'cosine'?",
        ),
        (
            "steps: 10\nschedules:\n  a: {spec: cosine(0.1), gama: 1}\n",
            "x.yaml:3: schedules.a.gama: unknown key",
        ),
        (
            'steps: 10\nschedules:\n  a: {spec: "step(0.1, 2)", gama: 1}\n',
            "x.yaml:3: schedules.a.gama: unknown key; did you mean 'gamma'?",
        ),
        ("steps: 10\nschedules:\n  a: {gamma: 1}\n", "x.yaml:3: schedules.a: has no 'spec:'"),
        ("steps: 10\nschedules:\n  a: [1, 2]\n", "x.yaml:3: schedules.a: must be a spec"),
        (
            'steps: 10\ndefaults:\n  gama: 0.5\nschedules: {a: "step(0.1, 2)"}\n',
            "x.yaml:3: defaults.gama: unknown key; did you mean 'gamma'?",
        ),
        (
            'steps: 10\ndefaults:\n  gamma: -1\nschedules: {a: "step(0.1, 2)"}\n',
            "x.yaml:3: defaults.gamma: must be a positive number, got -1",
        ),
        ('steps: 10\nschedules: {a: "step(0.1, 2)"}\nsweep:\n  gamma: [0.5, 0]\n', "x.yaml:4: sweep.gamma:"),
        (
            "steps: 10\nschedules: {a: cosine(0.1)}\nplot: {layout: panels}\n",
            "x.yaml:3: plot.layout: must be overlay or grid",
        ),
        (
            "steps: 10\nschedules: {a: cosine(0.1)}\nplot: {logy: maybe}\n",
            "x.yaml:3: plot.logy: must be true or false",
        ),
        (
            "steps: 10\nschedules: {a: cosine(0.1)}\nplot: {sise: 3x4}\n",
            "x.yaml:3: plot.sise: unknown key; did you mean 'size'?",
        ),
        (
            "steps: 10\nschedules: {a: cosine(0.1)}\nplot: {size: big}\n",
            "x.yaml:3: plot.size: the size is WIDTHxHEIGHT",
        ),
        ("steps: 10\nschedules:\n  a: cosine(0.1\n", "x.yaml:3: schedules.a: cannot parse"),
        ("steps: 10\nschedules: {a: cosine(0.1)\n", "x.yaml:3: not valid YAML"),
        ("steps: 10\nschedules: !!python/object:os.system {}\n", "x.yaml:2: schedules: YAML tag"),
        ("steps: !!python/name:os.system 1\nschedules: {a: cosine}\n", "x.yaml:1: not valid YAML"),
    ],
)
def test_bad_configs(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value).startswith(str(tmp_path))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load(tmp_path / "missing.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        load(tmp_path / "dir.yaml")
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe steps: 1")
    with pytest.raises(ConfigError, match="cannot read it: not UTF-8 text"):
        load(tmp_path / "bad.yaml")


def test_command_line_options_override_the_file(cli: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "steps: 10\ndefaults: {lr: 1}\nschedules: {a: step(step_size=2)}\n")
    result = cli("export", str(path), "--gamma", "0.5", "--steps", "4")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ['step,"a, gamma=0.5"', "0,1.0", "1,1.0", "2,0.5", "3,0.5"]  # says so


def test_compare_prints_statistics_and_draws(cli: Any, tmp_path: Path) -> None:
    path = _write(
        tmp_path, "steps: 100\nschedules: {cos: cosine(0.1), flat: 0.05}\ntable: {checkpoints: [50%]}\n"
    )
    out = tmp_path / "cmp.svg"
    result = cli("compare", str(path), "-o", str(out))
    assert result.code == 0, result.err
    rows = {line.split("  ")[0].strip(): line.split()[-2:] for line in result.out.splitlines()[1:]}
    assert rows["peak"] == ["0.1", "0.05"]
    assert rows["mean"] == ["0.0505", "0.05"]  # Σ cos(πt/100) over t = 0…99 is 1
    assert rows["at 50% (step 50)"] == ["0.05", "0.05"]
    assert out.read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "cosine(0.1)"], "compare takes a config file ending in .yaml"),
        (["compare", "missing.yaml"], "missing.yaml: no such config file"),
        (["table", "a.yaml", "cosine(0.1)"], "give one config file, or specs, not both"),
        (["plot", "x.yaml", "--layout", "stack", "-n", "3"], "--layout is overlay or grid"),
    ],
)
def test_config_command_errors(
    cli: Any, tmp_path: Path, monkeypatch: Any, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.code == 2
    assert message in result.err


def test_colours_are_checked_before_drawing(cli: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "steps: 5\nschedules:\n  a: {spec: cosine(0.1), color: notacolour}\n")
    result = cli("plot", str(path), "-o", str(tmp_path / "a.png"))
    assert result.code == 2
    assert "x.yaml:3: schedules.a: color 'notacolour' is not a colour" in result.err
    assert not (tmp_path / "a.png").exists()


def test_library_evaluates_config_specs_the_same(tmp_path: Path) -> None:
    config = load(_write(tmp_path, "steps: 50\ndefaults: {lr: 0.1, warmup: 5}\nschedules: {c: cosine}\n"))
    np.testing.assert_array_equal(
        build([str(config.path)]).curves.series[0].values, lrviz.evaluate("cosine(0.1, warmup=5)", 50)
    )


def test_the_readme_example_config_works(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.findall(r"```yaml\n(.*?)```", readme, re.S)[0]  # the format, before its mistakes
    config = load(_write(tmp_path, block))
    curves = build([str(config.path)]).curves
    assert len(curves.series) == 9  # three schedules, three warm-up lengths each
    assert config.plot["style"] == "paper"


def test_an_override_completes_a_spec(tmp_path: Path, cli: Any) -> None:
    """A key beside spec: sets a parameter the spec needs (restarts' period), as an option would."""
    config = tmp_path / "sgdr.yaml"
    config.write_text("schedules:\n  sgdr:\n    spec: restarts(cosine(0.1))\n    period: 100\nsteps: 300\n")
    result = cli("export", str(config))
    assert result.code == 0, result.err
    rates = [float(line.split(",")[1]) for line in result.out.splitlines()[1:]]
    assert rates[0] == rates[100] == rates[200] == 0.1
    assert (
        cli("export", "restarts(cosine(0.1))", "--period", "100", "-n", "300").out.splitlines()[1:]
        == (result.out.splitlines()[1:])
    )
    config.write_text("schedules:\n  sgdr:\n    spec: restarts(cosine(0.1))\nsteps: 300\n")
    missing = cli("export", str(config))
    assert missing.code == 2
    assert f"{config}:2: schedules.sgdr: restarts(cosine(0.1)): restarts needs period=" in missing.err


def test_shipped_examples_are_found_by_name_from_any_folder(
    cli: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    compared = cli("compare", "frameworks", "--no-preview", "-o", "f.png")
    assert compared.code == 0, compared.err
    assert (tmp_path / "f.png").exists()
    assert cli("table", "frameworks.yaml").code == 0
    spec = "plateau(0.1, factor=0.5, patience=2)"
    plotted = cli("export", spec, "--epochs", "40", "--steps-per-epoch", "10", "--metric", "val_loss.csv")
    assert plotted.code == 0, plotted.err
    assert plotted.out.splitlines()[0].endswith(",val_loss")
    unknown = cli("compare", "no-such-config")
    assert unknown.code == 2
    assert "frameworks" in unknown.err  # the shipped ones are named


def test_the_gallery_draws_the_shipped_configs_by_default(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """``lrviz gallery`` in an empty folder draws lrviz's own configs, not nothing."""
    from lrviz.io import examples

    asked: list[Path] = []

    def render_all(out: Path, folder: Path, write: Any) -> list[Path]:
        asked.append(folder)
        return []

    monkeypatch.setattr("lrviz.render.gallery.render_all", render_all)
    monkeypatch.chdir(tmp_path)
    assert cli("gallery", "--out", "g").code == 0
    assert asked == [examples.folder()]
    assert len(examples.configs()) >= 10
    missing = cli("gallery", "--configs", "nowhere")
    assert missing.code == 2
    assert "not a folder of configs" in missing.err
