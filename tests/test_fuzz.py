"""Fuzzing: hostile input of every kind gives a schedule or output, or one lrviz error, quickly.

Specs from the README and every documented example, mutated character by character, token by token and
as syntax trees; specs generated within the grammar; the library's options and run lengths; command
lines with hostile option values; YAML configs with hostile values and structures. Each example runs
within a time limit (a hang is a failure) and a memory limit (a MemoryError is a failure); see
tests/fuzzing.py. Under the ``ci`` profile the examples are derandomized (the same every run); under
``thorough`` they are random and many more.
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrviz.io import examples
from lrviz.schedules.entry import Param
from tests import fuzzing as fz
from tests.conftest import Result

Cli = Callable[..., Result]

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci"
PROFILE = settings()
BASE = PROFILE.max_examples
"""The loaded profile's examples a property (ci: 300); each test takes a share of it."""


def fuzz(share: float) -> settings:
    """Settings for a fuzz test: ``share`` of the profile's examples, derandomized under ci."""
    return settings(
        max_examples=max(5, int(BASE * share)),
        derandomize=not THOROUGH,
        database=PROFILE.database if THOROUGH else None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.function_scoped_fixture,
        ],
    )


def test_the_seeds_are_found() -> None:
    """The README's specs and the examples are read (a README edit must not leave nothing to fuzz)."""
    assert len(fz.README_SPECS) > 30, fz.README_SPECS
    assert any(">>" in spec for spec in fz.README_SPECS)
    assert any(spec.startswith("seq(") for spec in fz.README_SPECS)
    assert any(spec.startswith("torch.") for spec in fz.README_SPECS)
    assert len(fz.EXAMPLES) > 70


# ---------------------------------------------------------------------------------------------------
# 1. The README's specs and the documented examples, mutated

METRIC = np.linspace(3.0, 1.0, 50).round(1)
"""A metric for feedback schedules (plateaus where the rounding repeats values)."""
STEPS = st.one_of(st.integers(1, 60), st.integers(1, 60), st.sampled_from((1, 2, 100, 1000, 4097, 20_000)))
"""Run lengths: short, and a few longer ones that evaluation cuts into blocks."""


@fuzz(2.0)
@given(text=fz.mutated_specs(fz.README_SPECS), steps=STEPS, feed=st.booleans())
def test_mutated_readme_specs(text: str, steps: int, feed: bool) -> None:
    fz.evaluates(text, steps, metric=np.resize(METRIC, steps) if feed else None)


@fuzz(2.0)
@given(text=fz.mutated_specs(fz.EXAMPLES), steps=STEPS, feed=st.booleans())
def test_mutated_examples(text: str, steps: int, feed: bool) -> None:
    fz.evaluates(text, steps, metric=np.resize(METRIC, steps) if feed else None)


@pytest.mark.parametrize("text", [*fz.BIG_TEXTS, *fz.EXTREME_NUMBERS], ids=lambda t: t[:40])
def test_extreme_texts(text: str) -> None:
    """Each extreme token and long or deep text, alone and in a schedule."""
    fz.evaluates(text, 20)
    fz.evaluates(f"cosine({text})", 20)
    fz.evaluates(f"step(0.1, {text})", 20)


# ---------------------------------------------------------------------------------------------------
# 2. Specs generated within the grammar; the library's options and run lengths


@fuzz(3.0)
@given(text=fz.trees(), steps=STEPS, feed=st.booleans())
def test_generated_specs(text: str, steps: int, feed: bool) -> None:
    fz.parses_and_evaluates(text, steps, np.resize(METRIC, steps) if feed else None)


OPTION_NAMES = st.one_of(
    st.sampled_from([n for n in fz.PARAM_NAMES if n != "steps"]), st.sampled_from(("dtype_", "what", "x", ""))
)
"""Options ``evaluate`` passes on to the schedules (``steps`` is its own argument)."""


@fuzz(2.0)
@given(
    text=st.one_of(st.sampled_from(fz.SEEDS), st.sampled_from([e.name for e in fz.ENTRIES])),
    steps=st.one_of(st.integers(1, 60), st.sampled_from(fz.HOSTILE_STEPS)),
    options=st.dictionaries(OPTION_NAMES, fz.hostile_objects(), max_size=3),
    dtype=st.one_of(st.just("float64"), st.just("float32"), fz.hostile_objects()),
    metric=st.one_of(st.none(), st.just(METRIC), fz.hostile_objects()),
    extra=st.dictionaries(
        st.sampled_from(("at", "step_limit")),
        st.one_of(
            st.lists(st.integers(-70, 70), max_size=5),
            st.lists(st.sampled_from((0, -1, 2**63, 2**64, 10**30, -(10**30))), max_size=3),
            fz.hostile_objects(),
        ),
    ),
)
def test_evaluate_options(
    text: str, steps: Any, options: dict[str, Any], dtype: Any, metric: Any, extra: dict[str, Any]
) -> None:
    """``evaluate(spec, steps, dtype=…, metric=…, at=…, step_limit=…, **options)`` with hostile values
    of every type."""
    fz.evaluates(text, steps, dtype=dtype, metric=metric, **{**options, **extra})


@pytest.mark.parametrize("steps", fz.HOSTILE_STEPS, ids=repr)
@pytest.mark.parametrize("text", ["cosine(0.1)", "0.1 * 0.95 ** t", "torch.StepLR(optimizer, 3, lr=0.1)"])
def test_hostile_steps(text: str, steps: Any) -> None:
    """Run lengths that are no length (0, -1, 1.5, True, 'x', NaN) or far too long (10**14, 2**64):
    refused, quickly."""
    fz.evaluates(text, steps)


# ---------------------------------------------------------------------------------------------------
# 3. The command line: hostile option values, and YAML configs


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of metric files, good and hostile, for --metric and configs' metric: keys."""
    return make_inputs(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(autouse=True)
def debug(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception lrviz did not foresee propagates (LRVIZ_DEBUG), rather than being reported as an
    internal error: the test then fails with its type and traceback."""
    monkeypatch.setenv("LRVIZ_DEBUG", "1")


def make_inputs(folder: Path) -> Path:
    steps = "\n".join(f"{i},{3 - i / 5000:.4f}" for i in range(12_000))
    files: dict[str, bytes] = {
        "good.csv": f"step,loss\n{steps}\n".encode(),
        "epochs.csv": ("epoch,val_loss\n" + "\n".join(f"{i},{1 / (i + 1)}" for i in range(400))).encode(),
        "plain.csv": (
            "loss\n"
            + "\n".join(("nan", "inf", "-inf", "1e308", "5e-324", "0.5")[i % 6] for i in range(12_000))
        ).encode(),
        "empty.csv": b"",
        "header.csv": b"loss\n",
        "text.csv": b"loss\nabc\n\xff\n",
        "binary.csv": bytes(range(256)) * 64,
        "semicolon.csv": "\ufeffstep;loss\r\n0;0,5\r\n1;0,25\r\n".encode(),
        "ragged.csv": b"step,loss\n0,1,2\n1\n",
        "unordered.csv": b"step,loss\n5,1\n3,1\n3,1\n36893488147419103232,1\n-1,1\n",
        "wide.csv": (
            ",".join(f"c{i}" for i in range(2000)) + "\n" + ",".join("1" for _ in range(2000)) + "\n"
        ).encode(),
        "quoted.csv": b'"step","loss"\n"0","1"\n',
        "utf16.csv": "step,loss\n0,1\n".encode("utf-16"),
        "long.csv": b"loss\n" + b"1" * 200_000 + b"\n",
        "huge.csv": b"loss\n" + b"1e999\n" * 20_000,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "folder.csv").mkdir()
    return folder


METRIC_FILES = (
    "good.csv", "epochs.csv", "plain.csv", "empty.csv", "header.csv", "text.csv", "binary.csv",
    "semicolon.csv", "ragged.csv", "unordered.csv", "wide.csv", "quoted.csv", "utf16.csv", "long.csv",
    "huge.csv", "folder.csv", "missing.csv",
)  # fmt: skip

HOSTILE_TEXT = st.one_of(st.sampled_from(fz.TEXT_ODDITIES), st.text(max_size=30))
"""Text as a shell can pass it (a surrogate stands for a byte that is not UTF-8; no NUL: argv
cannot hold one)."""
CLI_TEXT = HOSTILE_TEXT.map(lambda s: s.replace("\x00", ""))
SMALL = st.integers(1, 100).map(str)
"""Run sizes that keep a legal run short: products of these stay near 10^4 steps."""
BAD_INTS = st.sampled_from(
    ("0", "-1", "", " ", "1.5", "1e3", "nan", "inf", "x", "\u0663", "\uff11\uff12", "1_0", "+5", " 7 ",
     "0x10", "5\n", "10**14", "\udcff", "9" * 5000, "-" * 3)
)  # fmt: skip
HUGE = st.sampled_from(
    ("10000000000", "100000000000000", "9223372036854775807", "9223372036854775808",
     "18446744073709551616", "1" + "0" * 30, "1" + "0" * 400)
)  # fmt: skip
"""Lengths no run may have: refused at once (a run of them cannot even be held)."""
BILLION = "1000000000"
"""A legal length for commands that must refuse it for memory or finish quickly; not for those that
stream (plot, CSV), which would take minutes."""


def ints(billion: bool) -> st.SearchStrategy[str]:
    options = [SMALL, SMALL, SMALL, BAD_INTS, HUGE]
    if billion:
        options.append(st.just(BILLION))
    return st.one_of(*options)


def tiers(
    valid: st.SearchStrategy[str], hostile: st.SearchStrategy[str], odds: int = 8
) -> st.SearchStrategy[str]:
    """Mostly a valid value (``odds`` in 10), so that a command line with one hostile value gets past
    the others to the work."""
    return st.integers(0, 9).flatmap(lambda n: valid if n < odds else hostile)


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(fz.number_texts(), st.sampled_from(("1e308", "-0", "0.1", "0.5", "1/3", "3e-4", "٠.١")))


def sweeps() -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(numbers(), min_size=1, max_size=5).map(",".join),
        st.sampled_from(
            (
                ",".join(["0.1"] * 3000),
                ",".join(str(i) for i in range(1, 5000)),
                ",".join(["0.5"] * 257),
                "0.1,,0.2",
                ",",
                "0.1,",
                "[30, 60]",
                "(0, 1)",
                "{0: 0.1, 10: 0.01}",
                "'cosine'",
                "cosine",
                "cosine(0.1)",
                "True",
                "yes",
                "off",
                "lambda t: t",
                "t",
                "1/0",
                "10**400",
                "2**99999999",
                "[" * 200,
                "0.1" * 4000,
            )
        ),
        CLI_TEXT,
    )


def kebab(name: str) -> str:
    return "--" + name.replace("_", "-")


RUN_OPTION_NAMES = (
    "--steps", "-n", "--epochs", "-e", "--steps-per-epoch", "--dataset-size", "--batch-size", "--grad-accum",
    "--devices", "--drop-last", "--step-on", "--dtype", "--metric", "--metric-column",
)  # fmt: skip


def metrics() -> st.SearchStrategy[str]:
    hostile = st.one_of(
        st.sampled_from(("2**64", "-1", "1.5", "'a'", "[1]", "1e308", "nan", "10**400", "True", "9**9**9")),
        numbers(),
    )
    return tiers(
        st.sampled_from(
            ("synthetic", "synthetic(seed=1, noise=0.05)", "good.csv", "epochs.csv", "plain.csv")
        ),
        st.one_of(
            st.sampled_from(
                ("synthetic()", "synthetic(", "Synthetic", "synthetic(plateaus=[0.5, 0.5, 0.9999])")
            ),
            st.just("synthetic(plateaus=" + fz.long_list(3000) + ")"),
            st.tuples(st.sampled_from(("seed", "decay", "noise", "plateaus", "steps", "x")), hostile).map(
                lambda p: f"synthetic({p[0]}={p[1]})"
            ),
            st.sampled_from(METRIC_FILES),
            st.sampled_from(("/dev/null", "/nonexistent/x.csv", ".", "")),
            CLI_TEXT,
        ),
        odds=5,
    )


@st.composite
def run_options(draw: st.DrawFn, command: str, billion: bool) -> list[str]:
    """Run options: a length given one of the ways (steps; epochs; epochs and steps an epoch; the data
    side), then stepping, dtype and metric now and then; one value in several hostile, and sometimes
    any run option with any value."""
    length = tiers(SMALL, st.one_of(BAD_INTS, HUGE, *([st.just(BILLION)] if billion and THOROUGH else [])))
    few = tiers(st.integers(1, 20).map(str), st.one_of(BAD_INTS, HUGE))
    args: list[str] = []
    form = draw(st.sampled_from(("steps", "steps", "steps", "epochs", "per epoch", "plan", "none")))
    if form == "steps":
        args += [draw(st.sampled_from(("--steps", "-n", "--steps=", "-n="))), draw(length)]
        if args[0].endswith("="):
            args = [args[0] + args[1]]
    elif form == "epochs":
        args += [draw(st.sampled_from(("--epochs", "-e"))), draw(length)]
    elif form == "per epoch":
        args += ["--epochs", draw(few), "--steps-per-epoch", draw(length)]
    elif form == "plan":
        args += ["--epochs", draw(few), "--dataset-size", draw(tiers(st.integers(1, 500).map(str), HUGE))]
        args += ["--batch-size", draw(tiers(st.integers(1, 64).map(str), st.one_of(BAD_INTS, HUGE)))]
        for option in draw(
            st.lists(st.sampled_from(("--grad-accum", "--devices", "--drop-last")), unique=True)
        ):
            args += [option] if option == "--drop-last" else [option, draw(few)]
    if draw(st.integers(0, 4)) == 0:
        args += [
            "--step-on",
            draw(tiers(st.sampled_from(("update", "epoch")), st.one_of(st.just("epochs"), CLI_TEXT))),
        ]
    if command != "code" and draw(st.integers(0, 4)) == 0:
        args += [
            "--dtype",
            draw(tiers(st.sampled_from(("float64", "float32")), st.one_of(st.just("float16"), CLI_TEXT))),
        ]
    if command != "code" and draw(st.integers(0, 3)) == 0:
        args += ["--metric", draw(metrics())]
        if draw(st.integers(0, 3)) == 0:
            args += ["--metric-column", draw(tiers(st.sampled_from(("loss", "val_loss", "step")), CLI_TEXT))]
    if draw(st.integers(0, 9)) == 0:
        option = draw(st.sampled_from(RUN_OPTION_NAMES))
        args += (
            [option]
            if option == "--drop-last"
            else [option, draw(st.one_of(ints(billion and THOROUGH), CLI_TEXT))]
        )
    return args


def look_options(command: str) -> st.SearchStrategy[list[str]]:
    """The options of one command besides the run's, each mostly valid."""
    table: dict[str, st.SearchStrategy[list[str]]] = {}
    if command in ("plot", "table"):
        table["--resume-at"] = tiers(st.integers(0, 5).map(str), ints(False)).map(
            lambda v: ["--resume-at", v]
        )
    if command == "plot":
        sizes = (
            "100x100",
            "0x4",
            "1e-9x1",
            "1e308x1",
            "7,4",
            "7×4",
            "nanxnan",
            "7x",
            "x",
            "0.01x0.01",
            "100x0.01",
        )
        styles = (
            "/etc/passwd",
            "..",
            "Solarize_Light2",
            "seaborn",
            "fast",
            "_mpl-gallery",
            "dark_background",
        )
        table |= {
            "--title": tiers(st.sampled_from(("a title", "$x^2$", "50%")), CLI_TEXT, odds=4).map(
                lambda v: ["--title", v]
            ),
            "--dpi": tiers(
                st.sampled_from(("72", "150", "10")),
                st.one_of(st.sampled_from(("2400", "9", "2401")), ints(False)),
            ).map(lambda v: ["--dpi", v]),
            "--size": tiers(
                st.sampled_from(("7x4", "3x2", "10x6")), st.one_of(st.sampled_from(sizes), CLI_TEXT)
            ).map(lambda v: ["--size", v]),
            "--style": tiers(
                st.sampled_from(("dark", "paper", "default", "ggplot", "classic")),
                st.one_of(st.sampled_from(styles), CLI_TEXT),
            ).map(lambda v: ["--style", v]),
            "--layout": tiers(st.sampled_from(("overlay", "grid")), st.one_of(st.just("Grid"), CLI_TEXT)).map(
                lambda v: ["--layout", v]
            ),
            "--logy": st.sampled_from((["--logy"], ["--no-logy"], ["--logy", "yes"])),
            "--stats": st.sampled_from((["--stats"], ["--no-stats"])),
            "--preview": st.sampled_from((["--no-preview"], ["--preview"])),
        }
    if command == "table":
        points = (
            "-1",
            "100%",
            "101%",
            "-101%",
            "1e308",
            "nan%",
            "%",
            ",",
            "0,0,0",
            "-0",
            "99999999999999999999",
        )
        table |= {
            "--at": tiers(
                st.sampled_from(("0,25%,50%,-1", "0", "-1", "50%")),
                st.one_of(st.sampled_from(points), sweeps(), CLI_TEXT),
            ).map(lambda v: ["--at", v]),
            "--every": tiers(st.integers(1, 30).map(str), ints(False)).map(lambda v: ["--every", v]),
            "--all": st.just(["--all"]),
        }
    if command == "export":
        table |= {
            "--format": tiers(
                st.sampled_from(("csv", "json", "JSON")), st.one_of(st.just("xml"), CLI_TEXT)
            ).map(lambda v: ["--format", v]),
            "--at": tiers(
                st.sampled_from(("0,25%,-1", "50%")),
                st.one_of(st.sampled_from(("1e9", "-0%", "9" * 30)), CLI_TEXT),
            ).map(lambda v: ["--at", v]),
        }
    if command == "check":
        codes = st.sampled_from(("L001", "l003", "L005", "L008"))
        table |= {
            "--ignore": tiers(codes, st.one_of(st.sampled_from(("L010", "", "L0", "*")), CLI_TEXT)).map(
                lambda v: ["--ignore", v]
            ),
            "--json": st.just(["--json"]),
        }
    if command == "code":
        targets = st.sampled_from(("torch", "hf", "optax", "keras"))
        to = tiers(targets, st.one_of(st.sampled_from(("timm", "TORCH", "")), CLI_TEXT), odds=9).map(
            lambda v: ["--to", v]
        )
        return to
    if not table:
        return st.just([])
    names = sorted(table)
    return st.lists(st.sampled_from(names), max_size=3, unique=True).flatmap(
        lambda chosen: st.tuples(*(table[n] for n in chosen)).map(lambda parts: list(itertools.chain(*parts)))
    )


@st.composite
def spec_arguments(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """One spec mostly, sometimes two or three: a bare name (its required parameters then given as
    options), a README spec, an example, or a mutated one; and the options that set parameters."""
    specs: list[str] = []
    options: list[str] = []
    for _ in range(draw(st.integers(1, 3)) if draw(st.integers(0, 4)) == 0 else 1):
        how = draw(st.integers(0, 9))
        if how <= 2:
            entry = draw(st.sampled_from(fz.ENTRIES))
            specs.append(entry.name)
            for param in entry.params:
                if param.is_schedule or not (param.required or (param.name == "lr" and entry.dialect)):
                    continue
                value = draw(fz.kind_texts(param, st.sampled_from(fz.SEEDS)))
                options += [kebab(param.name), value]
        elif how <= 7:
            specs.append(draw(st.sampled_from(fz.SEEDS)))
        else:
            specs.append(draw(fz.mutated_specs()).replace("\x00", ""))
    return specs, options


@st.composite
def param_options(draw: st.DrawFn, specs: list[str]) -> list[str]:
    """Options setting parameters of the specs' schedules (or any schedule's): values of the kind,
    sweeps of them, or hostile text; in ``--name value`` or ``--name=value`` form."""
    from lrviz.language.catalogue import find

    entries = [e for e in (find(s) for s in specs) if e is not None] or [
        e for e in fz.ENTRIES if any(s.startswith(e.name + "(") for s in specs)
    ]
    params = [p for e in entries for p in e.params if not p.is_schedule]
    args: list[str] = []
    for _ in range(draw(st.integers(0, 2))):
        own = draw(st.integers(0, 3)) > 0
        if params and own:
            param = draw(st.sampled_from(params))
            name = param.name
            value = draw(
                st.one_of(
                    fz.kind_texts(param, st.sampled_from(fz.SEEDS)),
                    st.lists(fz.kind_texts(param, st.sampled_from(fz.SEEDS)), min_size=2, max_size=4).map(
                        ",".join
                    ),
                    sweeps(),
                )
            )
        else:
            name = draw(st.sampled_from(fz.PARAM_NAMES))
            value = draw(st.one_of(numbers(), sweeps()))
        form = draw(st.integers(0, 5))
        if form == 0:
            args.append(kebab(name))
        elif form == 1:
            args.append(f"{kebab(name)}={value}")
        else:
            args += [kebab(name), value]
    if draw(st.integers(0, 15)) == 0:
        args += draw(
            st.sampled_from(
                (
                    ["--"],
                    ["-x"],
                    ["--steps"],
                    ["-n"],
                    ["--help"],
                    ["--max-lr", "0.1", "--max-lr", "0.2"],
                    ["--lr"],
                )
            )
        )
    return args


@st.composite
def command_lines(draw: st.DrawFn, commands: tuple[str, ...], billion: bool = True) -> list[str]:
    """A command line of one of ``commands``: specs, run options, the command's own options and
    parameter options, mostly valid with a hostile value here and there; sometimes shuffled."""
    command = draw(st.sampled_from(commands))
    specs, required = draw(spec_arguments())
    options = [
        *required,
        *draw(run_options(command, billion and command != "export")),
        *draw(look_options(command)),
        *draw(param_options(specs)),
    ]
    if draw(st.integers(0, 19)) == 0:
        options = draw(st.permutations(options))
    return [command, *specs, *options]


def _normalize_paths(args: list[str], folder: Path) -> list[str]:
    """Metric file names are files of the inputs folder."""
    return [str(folder / a) if a in METRIC_FILES else a for a in args]


def run_cli(cli: Cli, args: list[str], written: Path | None = None) -> Result:
    # never the options that change the user's shell setup
    args = [a for a in args if not a.startswith(("--install-completion", "--show-completion"))]
    with fz.contract(fz.command_line(args)):
        result = cli(*args)
    fz.check_exit(args, result.code, result.out, result.err, written)
    return result


@fuzz(1.0)
@given(
    args=command_lines(("table", "export", "check", "code")),
    to_file=st.sampled_from((None, None, "out.csv", "out.json", "out.txt", "missing/out.csv", ".")),
)
def test_command_lines(
    cli: Cli,
    inputs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    to_file: str | None,
) -> None:
    monkeypatch.chdir(tmp_path)
    args = _normalize_paths(args, inputs)
    written: Path | None = None
    if args[0] == "export" and to_file is not None:
        written = tmp_path / to_file
        args += ["-o", str(written)]
    try:
        run_cli(cli, args, written)
    finally:
        if written is not None and written.is_file():
            written.unlink()


_plots = itertools.count()


@fuzz(0.15 if not THOROUGH else 0.05)
@given(
    args=command_lines(("plot",), billion=False),
    suffix=st.sampled_from((".png", ".png", ".png", ".svg", ".pdf", ".PNG", ".jpg", "", ".png/")),
)
def test_plot_command_lines(
    cli: Cli, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], suffix: str
) -> None:
    monkeypatch.chdir(tmp_path)
    output = tmp_path / f"plot{next(_plots)}{suffix}"
    args = [*_normalize_paths(args, inputs), "-o", str(output)]
    try:
        run_cli(cli, args, output)
    finally:
        if output.is_file():
            output.unlink()


@pytest.mark.parametrize(
    "args",
    [
        ["table", "cosine(0.1)", "--steps", "100000000000000"],
        ["export", "cosine(0.1)", "--steps", "100000000000000"],
        ["export", "cosine(0.1)", "--steps", "100000000000000", "-o", "huge.csv"],
        ["plot", "cosine(0.1)", "--steps", "100000000000000", "-o", "huge.png"],
        ["check", "cosine(0.1)", "--steps", "100000000000000"],
        ["code", "cosine(0.1)", "--steps", "100000000000000", "--to", "torch"],
        ["table", "cosine(0.1)", "--epochs", "1000000", "--steps-per-epoch", "100000000"],
        ["export", "cosine(0.1)", "--dataset-size", "100000000000000", "--batch-size", "1", "--epochs", "1"],
        ["plot", "cosine(0.1)", "--epochs", "100000000000000", "-o", "epochs.png"],
        ["table", "cosine(0.1)", "--steps", "1000000000"],
        ["check", "cosine(0.1)", "--steps", "1000000000"],
        ["code", "cosine(0.1)", "--steps", "1000000000", "--to", "optax"],
        ["export", "cosine(0.1)", "--steps", "1000000000", "--format", "json", "-o", "huge.json"],
        ["export", "2**99999999", "--steps", "3"],
        ["table", "cosine(0.1)", "--steps", "10", "--resume-at", "100000000000000"],
        ["table", "cosine(0.1)", "--steps", "10", "--every", "100000000000000"],
        ["table", "cosine(0.1)", "--steps", "10", "--at", "100000000000000"],
        ["table", "cosine(0.1)", "--steps", "10", "--max-lr", ",".join(["0.1"] * 3000)],
    ],
    ids=lambda a: " ".join(a)[:60],
)
def test_huge_lengths_are_refused_quickly(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Runs far too long for any machine: refused at once, whichever command and however given; an
    export of a run within the limit, to a disk with a gigabyte free, refused for the space it needs."""
    monkeypatch.chdir(tmp_path)
    free = shutil.disk_usage(tmp_path)._replace(free=2**30)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: free)
    written = tmp_path / args[args.index("-o") + 1] if "-o" in args else None
    run_cli(cli, args, written)


@pytest.mark.parametrize(
    ("value", "first"), [("-1e3", -1000.0), ("-1e-3", -0.001), ("-5", -5.0), ("-.5e2", -50.0), ("-2n5", None)]
)
def test_negative_option_values(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, first: float | None
) -> None:
    """A parameter option's value that starts with a minus sign is its value, never short options:
    ``--start -1e3`` is not ``--start -1 -e 3`` (a run of three epochs), ``-2n5`` is no ``-n 5``."""
    monkeypatch.chdir(tmp_path)
    result = run_cli(cli, ["export", "linear(0, 0.1, steps=10)", "--start", value])
    if first is None:
        assert result.code == 2, f"--start {value} is no number, yet: {result.out[:300]}"
        return
    assert result.code == 0, result.err
    rows = result.out.splitlines()[1:]
    assert len(rows) == 10, f"--start {value} made a run of {len(rows)} steps, not 10"
    assert float(rows[0].split(",")[1]) == first


@pytest.mark.parametrize("spec", ["-0.5 * cosine(0.1) + 0.1", "-(cosine(0.1)) + 0.2", "-t * 0.01 + 0.1"])
def test_specs_starting_with_a_minus(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    """A spec that starts with a minus sign is a spec, not a cluster of short options (``-n``, ``-h``)."""
    monkeypatch.chdir(tmp_path)
    result = run_cli(cli, ["export", spec, "--steps", "5"])
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 6, result.out[:500]


@pytest.mark.skipif(not THOROUGH, reason="about 40 s on 2 cores: under HYPOTHESIS_PROFILE=thorough only")
def test_a_plot_of_a_billion_steps(cli: Cli, tmp_path: Path) -> None:
    output = tmp_path / "billion.png"
    args = ["plot", "cosine(0.1)", "--steps", BILLION, "-o", str(output)]
    with fz.contract(fz.command_line(args), seconds=6 * fz.TIME_LIMIT):
        result = cli(*args)
    fz.check_exit(args, result.code, result.out, result.err, output)


# --- YAML configs

RUN_KEYS = (
    "steps",
    "epochs",
    "steps_per_epoch",
    "dataset_size",
    "batch_size",
    "drop_last",
    "grad_accum",
    "devices",
    "step_on",
    "metric",
    "metric_column",
)
PLOT_KEYS = ("title", "logy", "layout", "size", "dpi", "style", "stats")


YAML_SCALARS = st.one_of(
    st.integers(-3, 100),
    st.sampled_from((0, -1, 2**63, 2**64, 10**30, 10**400, 1e308, 5e-324, float("nan"), float("inf"), -0.0)),
    st.floats(),
    st.sampled_from(fz.SEEDS),
    HOSTILE_TEXT,
    st.booleans(),
    st.none(),
    st.just(datetime.date(2001, 1, 1)),
    st.just(b"\x00\xff"),
)


def _yaml_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    )


YAML_VALUES = st.recursive(YAML_SCALARS, _yaml_containers, max_leaves=8)
"""Values YAML can hold: numbers at the edges, text (specs too), booleans, nothing, dates, bytes, and
lists and mappings of them."""


def _native(text: str) -> Any:
    """A spec-syntax value as YAML would hold it: numbers and lists as themselves, the rest as text."""
    try:
        return yaml.safe_load(text) if text.strip() else text
    except yaml.YAMLError:
        return text


def param_values(param: Param) -> st.SearchStrategy[Any]:
    """A config value for a parameter: its kind's values, as YAML numbers or lists, or as text."""
    texts = fz.kind_texts(param, st.sampled_from(fz.SEEDS))
    return st.one_of(texts, texts.map(_native))


@st.composite
def schedule_entries(draw: st.DrawFn) -> tuple[Any, list[Param]]:
    """A schedule of a config: a spec (a README spec, an example, a bare name, a mutated one), or a
    mapping with spec:, a colour, a line style and parameter overrides; and its parameters."""
    how = draw(st.integers(0, 9))
    entry = draw(st.sampled_from(fz.ENTRIES))
    params = [p for p in entry.params if not p.is_schedule]
    if how <= 3:
        spec: Any = draw(st.sampled_from(fz.SEEDS))
        found = next((e for e in fz.ENTRIES if spec.startswith(e.name + "(")), None)
        params = [p for p in found.params if not p.is_schedule] if found else []
    elif how <= 7:
        spec = entry.name
    else:
        spec = draw(fz.mutated_specs())
    if spec == entry.name or draw(st.integers(0, 2)) == 0:
        settings: dict[str, Any] = {"spec": spec}
        for param in params:
            if param.required or (param.name == "lr" and entry.dialect and spec == entry.name):
                settings[param.name] = draw(param_values(param))
        if draw(st.integers(0, 3)) == 0:
            settings["color"] = draw(st.sampled_from(("tab:red", "red", "#ff0000", "C0", "0.5")))
        if draw(st.integers(0, 3)) == 0:
            settings["linestyle"] = draw(st.sampled_from(("-", "--", "-.", ":")))
        return settings, params
    return spec, params


def run_data(draw: st.DrawFn) -> dict[str, Any]:
    small = st.integers(1, 100)
    form = draw(st.sampled_from(("steps", "steps", "epochs", "per epoch", "plan", "none")))
    data: dict[str, Any] = {}
    if form == "steps":
        data["steps"] = draw(small)
    elif form == "epochs":
        data["epochs"] = draw(small)
    elif form == "per epoch":
        data |= {"epochs": draw(st.integers(1, 20)), "steps_per_epoch": draw(small)}
    elif form == "plan":
        data |= {"epochs": draw(st.integers(1, 20)), "dataset_size": draw(st.integers(1, 500))}
        data["batch_size"] = draw(st.integers(1, 64))
        for key in draw(st.lists(st.sampled_from(("grad_accum", "devices", "drop_last")), unique=True)):
            data[key] = draw(st.booleans()) if key == "drop_last" else draw(st.integers(1, 20))
    if draw(st.integers(0, 4)) == 0:
        data["step_on"] = draw(st.sampled_from(("update", "epoch")))
    if draw(st.integers(0, 3)) == 0:
        data["metric"] = draw(st.sampled_from(("synthetic", "synthetic(seed=2)", "good.csv", "epochs.csv")))
    return data


HOSTILE_RUN = st.sampled_from(
    (0, -1, 1.5, "10", "1e3", 10**10, 10**14, 2**64, 10**400, float("nan"), True, None)
)


@st.composite
def config_data(draw: st.DrawFn) -> dict[str, Any]:
    """A config, mostly valid (schedules, a run, defaults, sweeps, plot and table keys), then poisoned
    now and then: a value anywhere replaced by a hostile one, or a key added."""
    data: dict[str, Any] = {}
    schedules: dict[Any, Any] = {}
    params: list[Param] = []
    for i in range(draw(st.integers(1, 3))):
        label = draw(
            st.one_of(st.sampled_from(("a", "cosine with warm-up", "s", "WSD (1-sqrt)")), st.text(max_size=8))
        )
        schedules[label if label not in schedules else f"{label}{i}"], own = draw(schedule_entries())
        params += own
    data["schedules"] = schedules
    data |= run_data(draw)
    if params and draw(st.integers(0, 2)) == 0:
        chosen = draw(st.lists(st.sampled_from(params), max_size=2))
        data["defaults"] = {p.name: draw(param_values(p)) for p in chosen}
    if params and draw(st.integers(0, 3)) == 0:
        param = draw(st.sampled_from(params))
        values = st.lists(param_values(param), min_size=1, max_size=4)
        data["sweep"] = {param.name: draw(st.one_of(values, values.map(lambda vs: ", ".join(map(str, vs)))))}
    if draw(st.integers(0, 3)) == 0:
        plot = {
            "title": draw(st.sampled_from(("LLM pre-training", "$x$", ""))),
            "logy": draw(st.booleans()),
            "layout": draw(st.sampled_from(("overlay", "grid"))),
            "size": draw(st.sampled_from(("7x4", [7, 4], "3x2"))),
            "dpi": draw(st.sampled_from((150, 72, 10))),
            "style": draw(st.sampled_from(("paper", "dark", "default"))),
            "stats": draw(st.booleans()),
        }
        data["plot"] = {k: v for k, v in plot.items() if draw(st.booleans())}
    if draw(st.integers(0, 3)) == 0:
        data["table"] = {"checkpoints": draw(st.sampled_from(([0, "25%", "50%", -1], "0,50%,-1", [0], [])))}
    for _ in range(draw(st.sampled_from((0, 0, 0, 1, 2)))):
        poison(draw, data)
    return data


def poison(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Replace one value somewhere in ``data`` by a hostile one, or add a hostile key."""
    node: Any = data
    while True:
        keys = (
            list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        )
        if not keys or draw(st.integers(0, 2)) == 0:
            break
        key = draw(st.sampled_from(keys))
        if not isinstance(node[key], dict | list) or draw(st.integers(0, 2)) == 0:
            top = node is data and key in RUN_KEYS
            node[key] = draw(st.one_of(HOSTILE_RUN, YAML_VALUES) if top else YAML_VALUES)
            return
        node = node[key]
    if isinstance(node, dict):
        name = draw(
            st.one_of(
                st.sampled_from((*RUN_KEYS, *fz.PARAM_NAMES, "spec", "color", "linestyle")), HOSTILE_TEXT
            )
        )
        node[name] = draw(YAML_VALUES)
    elif isinstance(node, list):
        node.append(draw(YAML_VALUES))


def _bomb(levels: int = 9) -> bytes:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return (
        "\n".join(lines) + f"\nschedules: {{s: cosine(0.1)}}\nsteps: 10\ndefaults: {{lr: *a{levels - 1}}}\n"
    ).encode()


RAW_CONFIGS: tuple[bytes, ...] = (
    b"", b"   \n", b"# a comment only\n", b"---\n...\n", b"null\n", b"42\n", b"[]\n", b"- a\n- b\n",
    b"cosine(0.1)\n", b"schedules: cosine(0.1)\n", b"schedules:\n", b"schedules: {}\nsteps: 10\n",
    b"schedules:\n  a: cosine(0.1)\n  a: step(0.1, 3)\nsteps: 10\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\n---\nsteps: 5\n",
    b"\tschedules:\n", b"schedules:\n  a: [unclosed\n", b"schedules: {a: 'unclosed}\n",
    _bomb(), _bomb(5),
    b"a: &a [*a]\nschedules: {s: cosine(0.1)}\nsteps: 10\n",
    b"schedules: &s {x: *s}\nsteps: 10\n",
    b"schedules: {s: *undefined}\n",
    b"schedules: !!python/object/apply:os.system ['true']\n",
    b"schedules: !!set {a, b}\nsteps: 10\n",
    b"schedules: !!omap [{a: cosine(0.1)}]\nsteps: 10\n",
    b"schedules: !!binary aGVsbG8=\n",
    b"schedules: {a: !!binary aGVsbG8=}\nsteps: 10\n",
    b"schedules: {a: !!str 0.1}\nsteps: !!float 10\n",
    b"schedules: {a: !custom cosine(0.1)}\nsteps: 10\n",
    b"schedules:\n  <<: {a: cosine(0.1)}\nsteps: 10\n",
    b"base: &b {a: cosine(0.1)}\nschedules:\n  <<: *b\nsteps: 10\n",
    b"schedules: " + b"[" * 3000 + b"]" * 3000 + b"\n",
    b"schedules: " + b"{a: " * 3000 + b"b" + b"}" * 3000 + b"\n",
    b"schedules:\n" + b"".join(b"  " * i + b"a:\n" for i in range(1, 600)),
    b"schedules:\n" + b"".join(b"  s%d: cosine(0.1)\n" % i for i in range(60_000)) + b"steps: 10\n",
    b"schedules:\n" + b"".join(b"  s%d: cosine(0.1)\n" % i for i in range(300)) + b"steps: 10\n",
    b"schedules: {a: '" + b"t + " * 3000 + b"t'}\nsteps: 10\n",
    b"schedules:\n  ? [a, b]\n  : cosine(0.1)\nsteps: 10\n",
    b"schedules:\n  ? {a: 1}\n  : cosine(0.1)\nsteps: 10\n",
    b"schedules:\n  1: cosine(0.1)\n  1.0: cosine(0.2)\n  0x1: cosine(0.3)\nsteps: 10\n",
    b"schedules:\n  null: cosine(0.1)\n  ~: cosine(0.2)\nsteps: 10\n",
    b"schedules:\n  2001-01-01: cosine(0.1)\nsteps: 10\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 2001-01-01\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 1:30\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 0x10\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 1e3\n",
    b"schedules: {a: cosine(0.1)}\nsteps: .inf\n",
    b"schedules: {a: cosine(0.1)}\nsteps: .nan\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 100000000000000\n",
    b"schedules: {a: cosine(0.1)}\nepochs: 1000000\nsteps_per_epoch: 1000000\n",
    b"schedules: {a: cosine(0.1)}\ndataset_size: 100000000000000\nbatch_size: 1\nepochs: 1\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\nsweep: {max_lr: [" + b"0.1, " * 3000 + b"0.1]}\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\nsweep: {max_lr: '" + b"0.1," * 3000 + b"0.1'}\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\nsweep: {max_lr: [0.1, 0.2], min_lr: [0, 0.1], steps: [5, 6]}\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\ntable: {checkpoints: '0,25%,-1'}\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\ntable: {checkpoints: [" + b"1, " * 5000 + b"1]}\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\nplot: {size: [1e308, 1e308], dpi: 100000}\n",
    b"schedules: {a: plateau(0.1)}\nsteps: 10\nmetric: /dev/zero\n",
    b"schedules: {a: plateau(0.1)}\nsteps: 10\nmetric: /dev/stdin\n",
    b"schedules: {a: plateau(0.1)}\nsteps: 10\nmetric: /proc/self/status\n",
    b"schedules: {a: plateau(0.1)}\nsteps: 10\nmetric: ../../../../../../etc/passwd\n",
    b"\xef\xbb\xbfschedules: {a: cosine(0.1)}\nsteps: 10\n",
    b"\xff\xfeschedules: {a: cosine(0.1)}\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\n\x00\n",
    b"schedules: {a: \"\\ud800\"}\nsteps: 10\n",
    b"schedules: {a: cosine(0.1)}\nsteps: 10\ntitle: \x85\n",
    "schedules: {\u00e9: cosine(0.1), \U0001f600: step(0.1, 3)}\nsteps: 10\n".encode(),
    b'schedules:\n  "\\ud800": cosine(0.1)\n  "a\\u0000b\\u202e\\x85": step(0.1, 3)\nsteps: 10\n'
    b'plot: {title: "\\udcff"}\n',
)  # fmt: skip
"""Configs no generator writes: empty, not a mapping, invalid YAML, alias bombs and recursive
aliases, tags, merge keys, deep nesting, a file over 1 MiB, hundreds of schedules, odd keys (complex,
null, dates), YAML 1.1's odd numbers, lengths no run may have, devices and pseudo-files as metrics,
byte-order marks and bytes that are not UTF-8."""


@st.composite
def configs(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(RAW_CONFIGS))
    data = draw(config_data())
    flow = draw(st.sampled_from((None, True, False)))
    try:
        text = yaml.safe_dump(
            data, allow_unicode=draw(st.booleans()), sort_keys=False, default_flow_style=flow
        )
    except (yaml.YAMLError, ValueError, RecursionError):
        text = repr(data)
    if draw(st.integers(0, 19)) == 0:
        text = draw(fz.char_edited(text))
    if draw(st.integers(0, 9)) == 0:
        return text.encode("utf-8", "replace")
    try:
        return text.encode("utf-8", "surrogateescape")  # a surrogate for a byte stands for that byte
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


_configs = itertools.count()


@contextlib.contextmanager
def config_file(folder: Path, data: bytes) -> Iterator[Path]:
    """The config written to a file of ``folder`` (where the metric files are, so that ``metric:`` may
    name them relative to it), removed afterwards."""
    path = folder / f"config{next(_configs)}.yaml"
    path.write_bytes(data)
    try:
        yield path
    finally:
        path.unlink()


@fuzz(1.0)
@given(
    data=configs(),
    command=st.sampled_from(
        ("table", "table", "table", "export", "export", "export", "check", "check", "compare")
    ),
    extra=st.one_of(st.just([]), run_options("table", billion=False), param_options(fz.PARAM_NAMES)),
)
def test_configs(
    cli: Cli,
    inputs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: bytes,
    command: str,
    extra: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    with config_file(inputs, data) as path:
        run_cli(cli, [command, str(path), *_normalize_paths(extra, inputs)])


@pytest.mark.parametrize("data", RAW_CONFIGS, ids=lambda d: repr(d[:40]))
def test_raw_configs(
    cli: Cli, inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    with config_file(inputs, data) as path:
        for command in ("table", "export"):
            run_cli(cli, [command, str(path)])
        output = tmp_path / "out.csv"
        run_cli(cli, ["export", str(path), "-o", str(output)], output)


TRAINING_CONFIGS = sorted(
    path.relative_to(examples.training())
    for path in examples.training().rglob("*")
    if path.is_file() and path.parent.name != "schedules"
)
"""The shipped training configs of every kind, mutated below (an mmengine base is read through its child)."""

HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(("auto", "3e-4", "-1", "1e309", "nan", "0", "[1, 2]", "${x.y}", "cosine", "WSD", "1.5")),
    st.lists(st.integers(-5, 10**6), max_size=4),
    st.dictionaries(
        st.sampled_from(("type", "lr", "_delete_", "end", "x")), st.integers(-2, 10**6), max_size=2
    ),
)


@st.composite
def mutated_training_config(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A shipped training config with hostile values at some of its key paths, or keys taken out (a
    Python config edited as text)."""
    name = draw(st.sampled_from(TRAINING_CONFIGS))
    text = (examples.training() / name).read_text(encoding="utf-8")
    if name.suffix == ".py":
        edited = draw(fz.token_edited(text) if draw(st.booleans()) else fz.char_edited(text))
        return name, edited.encode("utf-8", "surrogatepass")  # a lone surrogate: bytes no UTF-8 reader takes
    tree = json.loads(text) if name.suffix == ".json" else yaml.safe_load(text)
    for _ in range(draw(st.integers(1, 4))):
        node, keys, parent = tree, list[Any](), tree
        while isinstance(node, dict) and node and (not keys or draw(st.booleans())):
            key = draw(st.sampled_from(sorted(node, key=str)))
            keys.append(key)
            parent, node = node, node[key]
        if not keys:
            continue
        if draw(st.integers(0, 4)) == 0:
            del parent[keys[-1]]
        else:
            parent[keys[-1]] = draw(HOSTILE_VALUES)
    data = json.dumps(tree) if name.suffix == ".json" else yaml.safe_dump(tree, allow_unicode=True)
    return name, data.encode()


TRAINING_OPTIONS = st.sampled_from(
    (
        [],
        ["--dataset-size", "1000"],
        ["--steps-per-epoch", "7"],
        ["--devices", "3"],
        ["--steps", "50"],
        ["--epochs", "2"],
    )
)


@fuzz(0.5)
@given(
    config=mutated_training_config(),
    command=st.sampled_from(("import", "table", "export", "check")),
    options=TRAINING_OPTIONS,
)
def test_training_configs(
    cli: Cli,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    config: tuple[Path, bytes],
    command: str,
    options: list[str],
) -> None:
    """A training config of any kind with hostile values gives its schedule, or one line and exit 2."""
    folder = tmp_path_factory.mktemp("training")
    shutil.copytree(examples.training(), folder, dirs_exist_ok=True)  # the bases the config names
    name, data = config
    (folder / name).write_bytes(data)
    monkeypatch.chdir(folder)
    limit = [] if command == "import" else ["--step-limit", "300000"]
    run_cli(cli, [command, str(name), *options, *limit])


FLAG_NAMES = (
    "sched",
    "lr",
    "epochs",
    "warmup-epochs",
    "warmup_lr",
    "decay-milestones",
    "sched-on-updates",
    "lr-base",
    "learning_rate",
    "lr_scheduler_type",
    "max_steps",
    "warmup_ratio",
    "num_train_epochs",
    "lr_scheduler_kwargs",
    "lr-scheduler",
    "warmup-updates",
    "max-update",
    "max-epoch",
    "lr-decay-style",
    "train-iters",
    "lr-warmup-iters",
    "lr-decay-samples",
    "global-batch-size",
    "min-lr",
    "lr-wsd-decay-style",
)


@st.composite
def training_command_lines(draw: st.DrawFn) -> str:
    """A training command line: flags of the frameworks lrviz reads with hostile values, or words."""
    words = [
        draw(
            st.sampled_from(
                ("python train.py", "torchrun --nproc_per_node 2 run.py", "fairseq-train data", "")
            )
        )
    ]
    for _ in range(draw(st.integers(0, 8))):
        flag = draw(st.sampled_from(FLAG_NAMES))
        value = draw(
            st.one_of(
                fz.number_texts(),
                st.sampled_from(("cosine", "WSD", "inverse_sqrt", "", "'{}'")),
                st.text(max_size=8),
            )
        )
        words.append(f"--{flag} {value}" if draw(st.booleans()) else f"{flag}={value}")
    if draw(st.integers(0, 5)) == 0:
        words.append(draw(st.text(max_size=30)))
    return " ".join(words)


@fuzz(0.4)
@given(
    line=training_command_lines(),
    command=st.sampled_from(("import", "table", "export")),
    kind=st.sampled_from((None, "timm", "hf", "fairseq", "megatron")),
)
def test_training_command_lines(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, command: str, kind: str | None
) -> None:
    """Any command line given as --cmdline gives a schedule, or one line and exit 2."""
    monkeypatch.chdir(tmp_path)
    args = [command, "--cmdline", line, *(["--from", kind] if kind else [])]
    run_cli(cli, [*args, *([] if command == "import" else ["--step-limit", "300000"])])
