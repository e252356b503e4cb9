"""The command line end to end: outputs, exit statuses, messages, and what it imports."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz


def test_version(cli: Any) -> None:
    result = cli("--version")
    assert (result.code, result.out) == (0, f"lrviz {lrviz.__version__}\n")


def test_no_arguments_show_help(cli: Any) -> None:
    result = cli()
    assert result.code == 0
    assert "plot" in result.out
    assert "table" in result.out


def test_plot_writes_a_png_named_after_the_spec(cli: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("plot", "cosine", "--max-lr", "0.1", "--epochs", "100")
    assert result.code == 0, result.err
    assert (tmp_path / "cosine.png").read_bytes().startswith(b"\x89PNG")
    assert "wrote cosine.png" in result.err
    assert result.out == ""  # not a terminal: no preview


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_plot_format_from_suffix(cli: Any, tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"warm{suffix}"
    result = cli("plot", "linear(0, 0.1, steps=5) >> cosine(0.1)", "--epochs", "100", "-o", str(out))
    assert result.code == 0, result.err
    assert out.read_bytes().startswith(magic)


def test_table_of_the_articles_step_decay(cli: Any) -> None:
    result = cli("table", "step", "--lr", "0.1", "--step-size", "30", "--gamma", "0.1", "--epochs", "100")
    assert result.code == 0, result.err
    rows: dict[str, list[str]] = {}
    for line in result.out.splitlines()[1:]:
        rows.setdefault(line.split()[0], line.split()[1:])
    assert rows["0"] == ["0.1"]
    assert rows["20"] == ["0.1"]
    assert rows["30"] == ["0.01", "decay"]
    assert rows["99"] == ["0.0001"]
    assert rows["final"] == ["0.0001"]
    assert rows["peak"] == ["0.1"]


def test_table_every_and_all(cli: Any) -> None:
    every = cli("table", "cosine(1)", "-n", "10", "--every", "3").out
    assert [line.split()[0] for line in every.splitlines()[1:5]] == ["0", "3", "6", "9"]
    full = cli("table", "cosine(1)", "-n", "10", "--all").out
    assert [line.split()[0] for line in full.splitlines()[1:11]] == [str(i) for i in range(10)]


def test_export_csv_round_trips_every_float(cli: Any) -> None:
    result = cli("export", "cosine(0.1, warmup=3)", "0.1 * 0.97 ** t", "--steps", "50")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["step", "cosine(0.1, warmup=3)", "0.1 * 0.97 ** t"]
    assert [int(r[0]) for r in rows[1:]] == list(range(50))
    expected = lrviz.evaluate("cosine(0.1, warmup=3)", 50)
    assert [float(r[1]) for r in rows[1:]] == expected.tolist()


def test_export_csv_is_whole_across_writes(cli: Any) -> None:
    from lrviz.io.export import ROWS_A_WRITE

    steps = 2 * ROWS_A_WRITE + 1  # rows are written in blocks: every block boundary and a partial block
    result = cli("export", "cosine(0.1)", "--steps", str(steps))
    lines = result.out.splitlines()
    assert len(lines) == steps + 1
    expected = lrviz.evaluate("cosine(0.1)", steps).tolist()
    rows = [line.split(",") for line in lines[1:]]
    assert [int(step) for step, _ in rows] == list(range(steps))
    assert [float(rate) for _, rate in rows] == expected


def test_export_csv_writes_each_rate_in_its_shortest_form(cli: Any) -> None:
    """The digits of Python's repr (the shortest that read back), with no zero padding the exponent."""
    lines = cli("export", "3e-5 * 0.5 ** t + 0.1 * (t == 3)", "-n", "40").out.splitlines()[1:]
    expected = lrviz.evaluate("3e-5 * 0.5 ** t + 0.1 * (t == 3)", 40).tolist()
    texts = [line.split(",")[1] for line in lines]
    assert texts[:4] == ["3e-5", "1.5e-5", "7.5e-6", "0.10000375"]
    assert [float(text) for text in texts] == expected
    assert all(text == repr(value).replace("e-0", "e-") for text, value in zip(texts, expected, strict=True))


def test_export_epoch_column(cli: Any) -> None:
    rows = list(
        csv.reader(io.StringIO(cli("export", "cosine(1)", "--epochs", "2", "--steps-per-epoch", "2").out))
    )
    assert rows[0] == ["step", "epoch", "cosine(1)"]
    assert [r[1] for r in rows[1:]] == ["0.0", "0.5", "1.0", "1.5"]


def test_export_json_file(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    result = cli("export", "cosine", "--max-lr", "0.1", "--steps", "20", "-o", str(out))
    assert result.code == 0, result.err
    data = json.loads(out.read_text())
    assert data["lrviz_version"] == lrviz.__version__
    assert data["run"] == {"steps": 20, "epochs": None, "steps_per_epoch": 1, "dtype": "float64"}
    (schedule,) = data["schedules"]
    assert schedule["resolved"] == {
        "schedule": "cosine",
        "max_lr": 0.1,
        "min_lr": 0.0,
        "steps": 20,
        "warmup": 0,
        "warmup_start": 0.0,
    }
    assert schedule["lr"] == lrviz.evaluate("cosine(0.1)", 20).tolist()
    assert schedule["summary"]["peak"] == 0.1
    assert schedule["summary"]["peak_step"] == 0


def test_sweep_draws_one_curve_per_value(cli: Any) -> None:
    rows = list(csv.reader(io.StringIO(cli("export", "step(1, 2)", "--gamma", "0.1,0.5,0.9", "-n", "5").out)))
    assert rows[0] == ["step", "gamma=0.1", "gamma=0.5", "gamma=0.9"]
    np.testing.assert_allclose([float(x) for x in rows[5][1:]], [0.01, 0.25, 0.81])


def test_list_options(cli: Any) -> None:
    args = ("export", "multistep(1, gamma=0.5)", "--milestones", "2,3", "-n", "4")
    rows = list(csv.reader(io.StringIO(cli(*args).out)))
    assert [r[1] for r in rows[1:]] == ["1.0", "1.0", "0.5", "0.25"]  # powers of 1/2: exact anywhere


def test_flag_option(cli: Any) -> None:
    result = cli("export", "polynomial(1, steps=2)", "--cycle", "-n", "4")
    assert [line.split(",")[1] for line in result.out.splitlines()[1:]] == ["1.0", "0.5", "0.0", "0.25"]


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["--start", "-1e3"], "-1000.0"),
        (["--start", "-1e-3"], "-0.001"),
        (["--start", "-5", "-n", "10"], "-5.0"),
        (["--start=-1e3"], "-1000.0"),
        (["-n", "10", "--", "--start", "-1e3"], "-1000.0"),
    ],
)
def test_a_value_that_begins_with_a_minus_is_the_options_value(cli: Any, args: list[str], start: str) -> None:
    """The token after an option that takes a value is its value, never a cluster of short options:
    ``--start -1e3`` is no ``--start -1 -e 3``, a run of three epochs."""
    result = cli("export", "linear(0, 0.1, steps=10)", *args)
    assert result.code == 0, result.err
    rows = result.out.splitlines()
    assert len(rows) == 11, result.out
    assert rows[1] == f"0,{start}"


@pytest.mark.parametrize(
    "args",
    [
        ["export", "-0.5 * cosine(0.1) + 0.1", "--steps", "5"],
        ["export", "-(cosine(0.1)) + 0.2", "-n", "5"],
        ["export", "-t * 0.01 + 0.1", "-n5"],
        ["export", "-exp(-t) + 1.5", "-n", "5"],
        ["export", ".05 - -t * 0.01", "-n", "5"],
        ["export", "-n", "5", "--", "-t*0.01+0.1"],
        ["export", "-hf.get_constant_schedule(optimizer, lr=0.1) + 0.2", "-n", "5"],
    ],
)
def test_a_spec_that_begins_with_a_minus_is_a_spec(cli: Any, args: list[str]) -> None:
    """A spec that begins with '-' and then a digit, '.', '(' or a name that is no option is a spec, not
    a cluster of short options (``-h`` in it showed the help, ``-e`` took the rest as epochs)."""
    result = cli(*args)
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 6, result.out


def test_code_of_a_spec_that_begins_with_a_minus(cli: Any) -> None:
    spec = "-(torch.ConstantLR(optimizer, factor=0.5, total_iters=4, lr=0.05))"
    result = cli("code", spec, "--steps", "5", "--to", "torch")
    assert result.code == 0, result.err
    assert "lrviz.torch.scheduler(" in result.out
    assert "Usage" not in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cosine(0.1)", "-steps", "10"], "no such option -steps; did you mean --steps?"),
        (["cosine", "-max-lr=0.1", "-n", "5"], "no such option -max-lr; did you mean --max-lr?"),
        (["cosine(0.1)", "--step", "10"], "no such option --step; did you mean --steps?"),
        (["step(0.1, 2)", "--gamma", "-n", "5"], "--gamma needs a value"),
        (["cosine(0.1)", "-n", "-5"], "Invalid value for '--steps'"),
        (["cosine(0.1)", "-x", "-n", "5"], "unknown schedule or function 'x'"),
    ],
)
def test_options_typed_wrong_are_told(cli: Any, args: list[str], message: str) -> None:
    result = cli("table", *args)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1, result.err


@pytest.mark.parametrize(
    "args",
    [
        ["--epochs", "2", "--steps-per-epoch", "1" + "0" * 400],
        ["--epochs", "4", "--dataset-size", "1" + "0" * 400, "--batch-size", "3"],
        ["--steps", "10", "--step-limit", "1" + "0" * 400],
        ["--steps", "10", "--every", "1" + "0" * 400],
        ["--steps", "10", "--resume-at", "1" + "0" * 400],
    ],
)
def test_a_huge_count_is_one_short_line(cli: Any, args: list[str]) -> None:
    result = cli("table", "cosine(0.1)", *args)
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert len(result.err) < 250, result.err


def test_list_and_describe(cli: Any) -> None:
    listing = cli("list")
    assert listing.code == 0
    for name in ("cosine", "wsd", "restarts", "seq"):
        assert name in listing.out
    assert "stepwise · exponential" in listing.out
    described = cli("describe", "cosine")
    assert described.code == 0
    assert "cos(π·min(t, S)/S)" in described.out
    assert "optax.cosine_decay_schedule" in described.out
    assert "max_lr" in described.out
    assert "required" in described.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plot", "cosin", "-n", "5"],
            "lrviz plot: unknown schedule or function 'cosin'; did you mean 'cosine'?",
        ),
        (["table", "cosine(0.1", "-n", "5"], "lrviz table: cannot parse"),
        (["table", "cosine", "-n", "5"], "lrviz table: cosine: missing max_lr"),
        (["table", "step(1, 2)", "--gama", "3", "-n", "5"], "no such option --gama; did you mean --gamma?"),
        (["table", "step(1, 2)", "--gamma", "0", "-n", "5"], "gamma must be a positive number, got 0"),
        (
            ["table", "step(1, 2)", "--gamma", "0.1,", "-n", "5"],
            "--gamma takes a number or a comma list of numbers",
        ),
        (["table", "step(1, 2)", "--gamma"], "--gamma needs a value"),
        (["table", "cosine(0.1)"], "say how long the run is"),
        (["table", "cosine(0.1)", "-n", "0"], "Invalid value for '--steps'"),
        (["table", "cosine(0.1)", "-n", "abc"], "Invalid value for '--steps'"),
        (["table", "cosine(0.1)", "-n", "5", "-e", "2"], "not both"),
        (["table", "cosine(0.1)", "-n", str(10**13)], "give --step-limit N"),
        (["table", "log(t)", "-n", "5"], "'log(t)' gives -inf at step 0"),
        (["table", "-n", "5"], "give at least one schedule"),
        (["table", "--gamma", "0.1", "-n", "5"], "give at least one schedule"),
        (["plot", "cosine(0.1)", "-n", "5", "-o", "x.gif"], "cannot tell the format of 'x.gif'"),
        (["plot", "cosine(0.1)", "-n", "5", "--size", "7"], "the size is WIDTHxHEIGHT"),
        (["plot", "cosine(0.1)", "-n", "5", "--style", "dark_backgrund"], "did you mean dark_background"),
        (["export", "cosine(0.1)", "-n", "5", "-o", "x.txt"], "cannot tell the format of 'x.txt'"),
        (["export", "cosine(0.1)", "-n", "5", "--format", "xml"], "--format is csv or json"),
        (["describe", "cosin"], "unknown schedule 'cosin'; did you mean 'cosine'?"),
        (["plott", "cosine"], "No such command"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    cli: Any, tmp_path: Path, monkeypatch: Any, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(*args)
    assert result.code == 2
    assert message in result.err
    assert result.err.count("\n") == 1
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_status_1_and_leaves_nothing(cli: Any, tmp_path: Path) -> None:
    for command, suffix in (("plot", ".png"), ("export", ".csv")):
        result = cli(command, "cosine(0.1)", "-n", "5", "-o", str(tmp_path / "missing" / f"out{suffix}"))
        assert result.code == 1
        assert "cannot write" in result.err
        assert result.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_removes_its_partial_file(tmp_path: Path) -> None:
    from lrviz.io.files import write_atomically

    def fail(file: Any) -> None:
        file.write("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_atomically(tmp_path / "out.csv", fail)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args", [["--help"], ["table", "cosine(0.1)", "-n", "5"], ["export", "cosine(1)", "-n", "3"]]
)
def test_light_import_path(args: list[str]) -> None:
    """--help, table and export never import matplotlib or yaml."""
    code = (
        "import sys; from lrviz.cli.main import run; run(sys.argv[1:]); "
        "heavy = [m for m in ('matplotlib', 'yaml') if m in sys.modules]; "
        "sys.stderr.write(repr(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert result.stderr.endswith("[]")


def test_importing_lrviz_loads_nothing_heavy() -> None:
    """The command's first import is the package: nothing there for a Ctrl-C to interrupt noisily."""
    code = "import sys, lrviz; print(sorted(m for m in ('numpy', 'typer', 'rich') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_python_dash_m(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lrviz", "export", "constant(0.5)", "-n", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout == "step,constant(0.5)\n0,0.5\n1,0.5\n"


def test_shell_completion_of_schedule_names() -> None:
    env = {**os.environ, "_LRVIZ_COMPLETE": "complete_bash", "COMP_WORDS": "lrviz plot co", "COMP_CWORD": "2"}
    result = subprocess.run(
        [sys.executable, "-m", "lrviz"], env=env, capture_output=True, text=True, check=False
    )
    assert sorted(result.stdout.split()) == ["constant", "cooldown", "cosine"]


def test_float32_export_writes_shortest_float32_text(cli: Any) -> None:
    result = cli("export", "cosine(0.1, steps=4)", "-n", "3", "--dtype", "float32")
    assert result.out.splitlines() == ['step,"cosine(0.1, steps=4)"', "0,0.1", "1,0.08535534", "2,0.05"]
    bad = cli("export", "cosine(0.1)", "-n", "3", "--dtype", "float16")
    assert bad.code == 2
    assert "dtype is float64 or float32" in bad.err


@pytest.mark.parametrize(
    "command", ["", "plot", "compare", "table", "export", "gallery", "check", "code", "list", "describe"]
)
def test_help_names_values_as_people_write_them(cli: Any, command: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    result = cli(*([command] if command else []), "--help")
    assert result.code == 0, result.err
    assert not re.search(r"<(bool|int|str|path|list|int range)[^>]*>", result.out), result.out
    assert "x>=" not in result.out
    usage = next(line for line in result.out.splitlines() if "Usage:" in line)
    assert "{" not in usage
    assert "......" not in usage
    if command in ("plot", "table", "export", "check", "code"):
        assert usage.split()[-1] == "SPEC..."


@pytest.mark.parametrize(
    ("environment", "args", "status", "message"),
    [
        ({"PYTHONIOENCODING": "ascii"}, ["table", "cosine(0.1)", "-n", "5"], 0, ""),
        (
            {"MPLBACKEND": "no-such-backend"},
            ["plot", "cosine(0.1)", "-n", "5"],
            2,
            "MPLBACKEND='no-such-backend'",
        ),
    ],
)
def test_hostile_environment(environment: dict[str, str], args: list[str], status: int, message: str) -> None:
    """Environment variables that libraries read are input too: never a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "lrviz", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
    )
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) <= 1


def test_a_table_of_every_step_of_a_long_run_is_an_export(cli: Any) -> None:
    result = cli("table", "cosine(0.1)", "-n", "200001", "--all")
    assert result.code == 2
    assert "use lrviz export for every step" in result.err


def test_list_shows_every_summary_as_written(cli: Any) -> None:
    listing = cli("list")
    text = " ".join(listing.out.split())
    assert "values[i] from boundaries[i−1] up to boundaries[i]" in text  # not eaten as markup
    assert max(len(line) for line in listing.out.splitlines()) <= 100  # piped: a readable width


def test_wrote_is_one_line_however_long_the_path(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / ("a-long-folder-name-" * 6) / "cosine.png"
    path.parent.mkdir()
    result = cli("plot", "cosine(0.1)", "-n", "10", "-o", str(path))
    assert result.err == f"wrote {path}\n"


SWITCH = "piecewise([2], [0.1, 0.01])"
"""A schedule whose every number is exact in float64: its outputs are the same bytes on any machine."""

EXACT_OUTPUTS = [
    (
        ["export", SWITCH, "-n", "3"],
        'step,"piecewise([2], [0.1, 0.01])"\n0,0.1\n1,0.1\n2,0.01\n',
    ),
    (
        ["table", SWITCH, "-n", "3"],
        """\
            step  piecewise([2], [0.1, 0.01])  phase
               0                          0.1
               1                          0.1
               2                         0.01  switch
            peak                          0.1
       peak step                            0
           final                         0.01
         minimum                         0.01
            mean                         0.07
steps ≥ 90% peak                            2
steps ≥ 50% peak                            2
    warm-up ends                            —
""",
    ),
    (["check", SWITCH, "-n", "3"], "no problems found\n"),
    (
        ["check", "hf.get_linear_schedule_with_warmup(optimizer, 2, 10, lr=0.1)", "-n", "10"],
        "L001 note zero-first-step in hf.get_linear_schedule_with_warmup(optimizer, 2, 10, lr=0.1) "
        "at step 0: the rate is 0 at step 0, so the first update changes nothing; fix: transformers' "
        "warm-ups start at 0 by design: harmless, one update lost\n"
        "1 note, no problems found (notes count with --strict)\n",
    ),
    (
        ["code", "step(0.1, 30)", "--to", "torch", "-n", "100"],
        """\
import torch

# Assumes: scheduler.step() once per update, after optimizer.step();
#   the optimizer's learning rate is 0.1, which the scheduler scales.
optimizer = torch.optim.AdamW(model.parameters(), lr=0.1)  # or your optimizer
scheduler = torch.optim.lr_scheduler.StepLR(optimizer=optimizer, step_size=30, gamma=0.1)
""",
    ),
]
"""Commands and their whole standard output, byte for byte."""


@pytest.mark.parametrize(("args", "expected"), EXACT_OUTPUTS, ids=lambda a: " ".join(a)[:40])
def test_a_commands_text_is_exactly_this(cli: Any, args: list[str], expected: str) -> None:
    result = cli(*args)
    assert result.code == 0, result.err
    assert result.out == expected


def test_a_json_export_is_exactly_this(cli: Any) -> None:
    result = cli("export", SWITCH, "-n", "3", "-f", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "lrviz_version": lrviz.__version__,
        "run": {"steps": 3, "epochs": None, "steps_per_epoch": 1, "dtype": "float64"},
        "metric": None,
        "schedules": [
            {
                "label": SWITCH,
                "quantity": "learning rate",
                "spec": SWITCH,
                "resolved": {
                    "schedule": "piecewise",
                    "boundaries": [2],
                    "values": [0.1, 0.01],
                    "warmup": 0,
                    "warmup_start": 0.0,
                },
                "summary": {
                    "peak": 0.1,
                    "peak_step": 0,
                    "final": 0.01,
                    "minimum": 0.01,
                    "mean": (0.1 + 0.1 + 0.01) / 3,
                    "steps_above_90_percent_of_peak": 2,
                    "steps_above_50_percent_of_peak": 2,
                    "warmup_end": None,
                    "at": [],
                },
                "marks": [{"step": 2, "what": "switch"}],
                "lr": [0.1, 0.1, 0.01],
            }
        ],
    }


def test_a_spec_longer_than_a_file_name_is_a_spec(cli: Any) -> None:
    """A spec is asked whether it names a file first: a name the system refuses (longer than 255
    bytes) is no file, and the spec is read as one."""
    long_sum = "0.1" + "+0.0" * 70
    result = cli("export", long_sum, "-n", "2")
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == ["0,0.1", "1,0.1"]
    unknown = cli("export", "x" * 300, "-n", "2")
    assert unknown.code == 2
    assert "unknown schedule" in unknown.err


@pytest.mark.parametrize(
    "args",
    [
        ["export", "cosine(0.1, min_lr=0." + "0" * 200 + "1, steps=-5)", "-n", "5"],
        ["export", "cosine(0.1)", "-n", "3", "-o", "5" * 400],
        ["export", "cosine(0.1)", "-n", "3", "--metric", "a" * 300],
    ],
    ids=["parameter", "output", "metric"],
)
def test_a_message_quotes_an_excerpt_of_long_input(cli: Any, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 2
    assert len(result.err) < 300, result.err


@pytest.mark.parametrize("spec", ["1e308 - t", "-1e308"])
def test_rates_beyond_what_axes_scale_are_told_not_drawn(cli: Any, tmp_path: Path, spec: str) -> None:
    result = cli("plot", spec, "-n", "100", "-o", str(tmp_path / "huge.png"), "--no-preview")
    assert result.code == 2
    assert "beyond what a plot's axes can scale" in result.err
    assert not (tmp_path / "huge.png").exists()


def test_a_piped_table_of_every_step_is_its_plain_text(cli: Any) -> None:
    """Piped, a table is laid out as plain text, as rich would lay it out, in time that grows with its
    rows (rich took 18 s over 100,000)."""
    result = cli("table", "cosine(0.1)", "--all", "-n", "100000")
    assert result.code == 0
    lines = result.out.splitlines()
    assert len(lines) == 100_001 + 8
    assert lines[0] == "            step  cosine(0.1)"
    assert lines[1] == "               0          0.1"


def test_a_piped_list_fits_the_columns_the_environment_gives(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    result = cli("list")
    assert result.code == 0
    assert max(len(line) for line in result.out.splitlines()) <= 60
