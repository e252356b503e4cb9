"""``lrviz explore``: the model (knobs, nudges, rebuilt specs and curves, readouts), the textual app
driven by its pilot, and the command once in a real terminal (tmux)."""

from __future__ import annotations

import asyncio
import io
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from rich.console import Console

from lrviz.errors import LrvizError
from lrviz.io.settings import RunSettings
from lrviz.tools.build import Option, build
from lrviz.tools.explore import Exploration, column_of, nudged
from tests.readme import README

if TYPE_CHECKING:
    from lrviz.cli.explorer import Explorer


def explored(text: str, *options: Option, **run: Any) -> Exploration:
    built = build([text], list(options), RunSettings(**(run or {"steps": 100})))
    return Exploration.of(built.curves, built.name, built.config)


def knob(exploration: Exploration, name: str, schedule: str | None = None) -> Any:
    return next(k for k in exploration.knobs if k.name == name and schedule in (None, k.schedule))


def cosine(peak: float, step: int, steps: int, low: float = 0.0) -> float:
    """The half cosine from ``peak`` to ``low`` over ``steps``, at ``step``."""
    return low + (peak - low) * (1 + math.cos(math.pi * step / steps)) / 2


def rate(exploration: Exploration, step: int, curve: int = 0) -> float:
    return float(exploration.curves.series[curve].at([step])[0])


# the model


def test_the_knobs_of_a_schedule_are_its_numbers_given_or_left_at_their_defaults() -> None:
    found = {(k.name, k.value, k.given) for k in explored("cosine(0.1, warmup=10)").knobs}
    assert found == {
        ("max_lr", 0.1, True),
        ("min_lr", 0.0, False),
        ("steps", None, False),
        ("warmup", 10, True),
        ("warmup_start", 0.0, False),
        ("warmup_power", 2.0, False),
        ("cooldown", 0, False),
    }  # no choice (warmup_shape), flag or schedule


def test_the_knobs_of_a_dialect_call() -> None:
    torch = {k.name: k.value for k in explored("torch.OneCycleLR(max_lr=0.1, total_steps=100)").knobs}
    assert torch["max_lr"] == 0.1
    assert torch["total_steps"] == 100
    assert torch["pct_start"] == 0.3
    assert torch["div_factor"] == 25.0
    assert torch["final_div_factor"] == 1e4
    assert "anneal_strategy" not in torch
    assert "cycle_momentum" not in torch
    assert "three_phase" not in torch
    optax = [k.name for k in explored("optax.warmup_cosine_decay_schedule(0, 0.1, 10, 100)").knobs]
    assert optax == ["init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent"]


def test_the_knobs_of_a_combination_name_each_call() -> None:
    sequence = explored("linear(0, 0.1, steps=5) >> cosine(0.1)")
    assert {(k.call, k.schedule) for k in sequence.knobs} == {(0, "seq"), (1, "linear"), (2, "cosine")}
    arithmetic = explored("0.5 * cosine(0.1) + 0.01")
    assert {k.schedule for k in arithmetic.knobs} == {"cosine"}


@pytest.mark.parametrize(
    ("value", "direction", "expected"),
    [
        (0.1, 1, 0.125),
        (0.125, 1, 0.16),
        (0.16, 1, 0.2),
        (0.1, -1, 0.08),
        (0.08, -1, 0.063),
        (3e-4, 1, 4e-4),
        (3e-4, -1, 2.5e-4),
        (8.0, 1, 10.0),
        (1.0, -1, 0.8),
        (2.8, 1, 3.15),
        (-0.1, 1, -0.125),
        (10, 1, 11),
        (10, -1, 9),
        (0, -1, -1),
    ],
)
def test_a_nudge_moves_along_the_preferred_numbers_or_by_one(
    value: float, direction: int, expected: float
) -> None:
    found = nudged(value, direction)
    assert found == expected  # exactly: written as the preferred number, not 0.1 * 1.25
    assert type(found) is type(value)


@pytest.mark.parametrize("value", [0.0, None])
def test_a_float_at_zero_or_a_value_not_set_cannot_be_nudged(value: float | None) -> None:
    with pytest.raises(LrvizError, match="type a value"):
        nudged(value, 1, "min_lr")


def test_nudging_the_peak_makes_the_spec_and_the_curve_again() -> None:
    before = explored("cosine(0.1)")
    after = before.nudge(knob(before, "max_lr"), 1)
    assert after.specs == ["cosine(0.125)"]
    assert before.specs == ["cosine(0.1)"]  # an exploration is never changed in place
    for step in (0, 37, 50, 99):
        assert rate(after, step) == pytest.approx(cosine(0.125, step, 100), rel=1e-12, abs=1e-15)
    statistics = dict(after.statistics())
    assert float(statistics["peak"][0]) == pytest.approx(0.125)
    mean = sum(cosine(0.125, t, 100) for t in range(100)) / 100
    assert float(statistics["mean"][0]) == pytest.approx(mean, rel=1e-5)


def test_a_nested_call_is_rebuilt_in_its_place() -> None:
    sequence = explored("linear(0, 0.1, steps=5) >> cosine(0.1)")
    after = sequence.nudge(knob(sequence, "max_lr", "cosine"), 1)
    assert after.specs == ["linear(0.0, 0.1, steps=5) >> cosine(0.125)"]
    assert rate(after, 2) == pytest.approx(0.1 * 2 / 5)  # the ramp is as it was
    for local in (0, 40, 94):  # the cosine has the 95 steps after the ramp
        assert rate(after, 5 + local) == pytest.approx(cosine(0.125, local, 95), abs=1e-15)
    scaled = explored("0.5 * cosine(0.1) + 0.01")
    after = scaled.typed(knob(scaled, "max_lr"), "0.2")
    assert rate(after, 25) == pytest.approx(0.5 * cosine(0.2, 25, 100) + 0.01)


def test_a_warmup_in_steps_moves_by_one() -> None:
    warm = explored("cosine(0.1, warmup=10)")
    after = warm.nudge(knob(warm, "warmup"), 1)
    assert after.specs == ["cosine(0.1, warmup=11)"]
    assert dict(after.statistics())["warm-up ends"] == ["11"]
    assert rate(after, 11 + 20) == pytest.approx(cosine(0.1, 20, 89), abs=1e-15)


def test_a_value_not_set_is_typed() -> None:
    whole = explored("cosine(0.1)")
    after = whole.typed(knob(whole, "steps"), "50")
    assert after.specs == ["cosine(0.1, steps=50)"]
    assert rate(after, 25) == pytest.approx(cosine(0.1, 25, 50))
    assert rate(after, 80) == 0.0  # held at its end after its 50 steps
    assert whole.typed(knob(whole, "max_lr"), "1/4").specs == ["cosine(0.25)"]  # as a spec reads it


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("warmup", "500", "warmup"),
        ("steps", "-1", "steps must be a positive integer"),
        ("max_lr", "fast", "max_lr"),
        ("max_lr", "cosine(1)", "plain value"),
    ],
)
def test_a_bad_value_is_refused_and_the_spec_kept(name: str, text: str, message: str) -> None:
    warm = explored("cosine(0.1, warmup=10)")
    with pytest.raises(LrvizError, match=message):
        warm.typed(knob(warm, name), text)
    assert warm.specs == ["cosine(0.1, warmup=10)"]


def test_a_sweep_has_knobs_for_each_curve() -> None:
    sweep = explored("cosine", ("max_lr", "0.1,0.2"))
    peaks = [k for k in sweep.knobs if k.name == "max_lr"]
    assert [(k.curve, k.value) for k in peaks] == [(0, 0.1), (1, 0.2)]
    after = sweep.nudge(peaks[1], -1)
    assert after.specs == ["cosine(0.1)", "cosine(0.16)"]
    assert rate(after, 30, curve=1) == pytest.approx(cosine(0.16, 30, 100))
    assert rate(after, 30, curve=0) == pytest.approx(cosine(0.1, 30, 100))


def test_the_readout_names_the_step_and_epoch() -> None:
    run = explored("cosine(0.1)", epochs=10, steps_per_epoch=10)
    assert run.place(45) == "step 45 (epoch 4.5)"
    assert run.run_text() == "10 epochs × 10 steps = 100 steps"
    ((_, value),) = run.readout(45)
    assert float(value) == pytest.approx(cosine(0.1, 45, 100), rel=1e-5)
    assert explored("cosine(0.1)").place(45) == "step 45"


def test_the_cursor_column_is_the_first_to_show_its_step() -> None:
    assert column_of(100, 0, 50) == 0
    assert column_of(100, 99, 50) == 49
    assert column_of(1000, 500, 50) == 25
    assert column_of(10, 3, 50) == 15  # a step spans several columns: its first
    picture = explored("cosine(0.1)").picture(60, 12, cursor=50)
    marked = [span for span in picture.spans if span.style == "reverse"]
    assert len(marked) == 12 - 2 + 1  # every row of the plot, and the axis under it


def test_the_code_is_lrviz_codes() -> None:
    code = explored("cosine(0.1)").code(0, "torch")
    assert "CosineAnnealingLR(optimizer=optimizer, T_max=100, eta_min=0.0)" in code
    assert "optax" in explored("cosine(0.1)").code(0, "optax")


# the app, driven by its pilot


def drive(
    exploration: Exploration,
    script: Callable[[Any, Explorer], Awaitable[None]],
    size: tuple[int, int] = (80, 24),
    notes: tuple[str, ...] = (),
) -> Explorer:
    """Run the app headless at ``size`` with ``script`` pressing its keys; the app once it is over."""
    pytest.importorskip("textual")
    from lrviz.cli.explorer import Explorer

    app = Explorer(exploration, notes)

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot, app)
            await pilot.pause()

    asyncio.run(run())
    return app


def shown(app: Explorer, selector: str) -> str:
    """The text a Static widget of the screen on top shows."""
    from textual.widgets import Static

    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(app.screen.query_one(selector, Static).content)
    return str(console.file.getvalue())  # type: ignore[attr-defined]


def test_plus_nudges_the_selected_parameter_and_everything_follows() -> None:
    pictures: list[str] = []

    async def script(pilot: Any, app: Explorer) -> None:
        pictures.append(str(app.query_one("#plot").render()))
        assert "0.1" in shown(app, "#side")
        await pilot.press("plus")
        await pilot.pause()
        pictures.append(str(app.query_one("#plot").render()))
        assert "0.125" in shown(app, "#side").split("peak step")[0]
        assert "max_lr = 0.125" in shown(app, "#status")
        assert "cosine(0.125, warmup=10)" in shown(app, "#spec")
        await pilot.press("q")

    app = drive(explored("cosine(0.1, warmup=10)"), script)
    assert app.return_value == ["cosine(0.125, warmup=10)"]
    assert pictures[0] != pictures[1]
    assert pictures[1].startswith("0.125 ┤")


def test_a_value_is_typed_and_a_bad_one_shown_without_a_crash() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        await pilot.press("down", "down", "down")  # max_lr, min_lr, steps, warmup
        assert app.knob is not None
        assert app.knob.name == "warmup"
        await pilot.press("2", "0", "enter")
        assert app.exploration.specs == ["cosine(0.1, warmup=20)"]
        await pilot.press("enter", *"5000", "enter")  # what is typed replaces the value shown
        assert "warmup (5000 steps) must be shorter than the schedule (100 steps)" in shown(app, "#status")
        assert app.exploration.specs == ["cosine(0.1, warmup=20)"]
        assert app.editing  # still open, to correct
        await pilot.press("escape")
        assert not app.editing
        await pilot.press("tab", "tab", "tab", "shift+tab")  # warmup_start, warmup_power, cooldown; back
        assert app.knob is not None
        assert app.knob.name == "warmup_power"
        await pilot.press("up", "up", "up", "up", "minus")  # min_lr is 0.0: it cannot be scaled
        assert "cannot be scaled: type a value" in shown(app, "#status")
        await pilot.press("q")

    app = drive(explored("cosine(0.1, warmup=10)"), script)
    assert app.return_value == ["cosine(0.1, warmup=20)"]


def test_the_cursor_reads_the_rate_at_a_step() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        await pilot.press("end")
        assert app.cursor == 99
        assert "step 99" in shown(app, "#side")
        await pilot.press("home", "pagedown", "pagedown", "right")
        assert app.cursor == 10 + 1  # two jumps of a twentieth of the run and a step (100 steps, 68 columns)
        (line,) = [line for line in shown(app, "#side").splitlines() if "step 11 (epoch 1.1)" in line]
        value = float(line.split()[-1])
        assert value == pytest.approx(cosine(0.1, 11, 100), rel=1e-5)
        await pilot.press("left", "shift+left")
        assert app.cursor == 5
        await pilot.press("q")

    drive(explored("cosine(0.1)", epochs=10, steps_per_epoch=10), script)


def test_c_shows_the_code_for_each_framework() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        from lrviz.cli.explorer import CodeScreen

        await pilot.press("plus", "c")
        await pilot.pause()
        assert isinstance(app.screen, CodeScreen)
        assert "T_max=100" in shown(app, "#code")
        assert "0.125" in shown(app, "#code")
        await pilot.press("o")
        assert "optax" in shown(app, "#code")
        await pilot.press("plus")  # the app's keys are asleep under the code
        await pilot.press("escape")
        assert not isinstance(app.screen, CodeScreen)
        await pilot.press("q")

    app = drive(explored("cosine(0.1)"), script)
    assert app.return_value == ["cosine(0.125)"]


def test_code_that_cannot_be_written_says_why() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        await pilot.press("c", "o")
        assert shown(app, "#code").strip() == (
            "optax counts optimizer updates, not epochs: give the run without --step-on epoch"
        )
        await pilot.press("t")
        assert "LambdaLR" in shown(app, "#code") or "scheduler" in shown(app, "#code")
        await pilot.press("escape", "q")

    drive(explored("cosine(0.1)", epochs=10, step_on="epoch"), script)


def test_s_saves_the_plot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    async def script(pilot: Any, app: Explorer) -> None:
        await pilot.press("plus", "s")
        await pilot.pause()
        assert shown(app, "#status").strip() == "wrote cosine-0.1.png"

    drive(explored("cosine(0.1)"), script)
    assert (tmp_path / "cosine-0.1.png").read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["cosine-0.1.png"]


def test_no_color_and_small_terminals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def script(pilot: Any, app: Explorer) -> None:
        assert app.no_color
        await pilot.press("plus", "right", "c", "escape", "l")
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        await pilot.press("down", "plus")
        await pilot.press("q")

    app = drive(explored("cosine", ("max_lr", "0.1,0.2")), script)
    assert app.return_value == ["cosine(0.125)", "cosine(0.2)"]


def test_ctrl_c_aborts_with_no_spec() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        await pilot.press("plus", "ctrl+c")

    app = drive(explored("cosine(0.1)"), script)
    assert app.return_value is None
    assert app.return_code == 130  # as a shell reports a command that SIGINT ended


def test_the_value_column_widens_to_show_a_long_value() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        from textual.coordinate import Coordinate
        from textual.widgets import DataTable

        await pilot.press("down", "down", "enter", *"1000000000", "enter")
        await pilot.pause()
        table = app.query_one(DataTable)
        cells = [str(table.get_cell_at(Coordinate(row, 2))) for row in range(table.row_count)]
        assert "1000000000" in cells
        assert table.columns[list(table.columns)[2]].get_render_width(table) >= len("1000000000")
        await pilot.press("q")

    app = drive(explored("cosine(0.1)"), script)
    assert app.return_value == ["cosine(0.1, steps=1000000000)"]


def test_explore_without_a_terminal_says_so(cli: Callable[..., Any]) -> None:
    result = cli("explore", "cosine(0.1)", "-n", "10")
    assert result.code == 2
    assert result.err.startswith("lrviz explore: the app needs a terminal")
    assert result.err.count("\n") == 1
    bad = cli("explore", "cosine(", "-n", "10")
    assert bad.code == 2
    assert bad.err.startswith("lrviz explore: cannot parse")


def test_light_commands_do_not_load_textual() -> None:
    code = (
        "import sys; from lrviz.cli.main import run; run(sys.argv[1:]); "
        "sys.stderr.write(repr('textual' in sys.modules))"
    )
    for args in (["--help"], ["table", "cosine(0.1)", "-n", "5"]):
        result = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        )
        assert result.stderr.endswith("False")


# once in a real terminal


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_in_a_real_terminal_the_spec_goes_to_standard_output(tmp_path: Path) -> None:
    """``SPEC=$(lrviz explore …)``: the README's first example of explore, run in a terminal whose
    standard output is piped: the app draws on the terminal, the spec goes to the pipe."""
    pytest.importorskip("textual")
    tmux = ["tmux", "-L", f"lrviz-{uuid.uuid4().hex[:12]}"]
    out = tmp_path / "out.txt"
    example = re.search(
        r"^\$ lrviz (explore [^#$\n]*?)\s*$", README.read_text(encoding="utf-8"), re.MULTILINE
    )
    assert example is not None, "the README shows no lrviz explore"
    lrviz = shlex.join([sys.executable, "-m", "lrviz"])
    command = f'SPEC=$({lrviz} {example.group(1)}); echo "$SPEC" > {shlex.quote(str(out))}'
    environment = {**os.environ, "TERM": "xterm-256color"}

    def screen() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "explore"], capture_output=True, text=True, check=True
        ).stdout

    def wait_for(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, f"no {what}; the screen:\n{screen()}"
            time.sleep(0.1)

    def press(*keys: str) -> None:
        for key in keys:  # one at a time, as a person types
            subprocess.run([*tmux, "send-keys", "-t", "explore", key], check=True)
            time.sleep(0.15)

    try:
        subprocess.run(
            [
                *tmux,
                "new-session",
                "-d",
                "-s",
                "explore",
                "-x",
                "80",
                "-y",
                "24",
                "-c",
                str(tmp_path),
                command,
            ],
            check=True,
            env=environment,
        )
        # a bare name starts at its documented example, and the app says so once it is ready for keys
        wait_for(lambda: "max_lr not given, starting at 0.1" in screen(), "app on the screen")
        subprocess.run([*tmux, "resize-window", "-t", "explore", "-x", "90", "-y", "20"], check=True)
        # measured on the terminal, not on the pipe its standard output is: the footer is on the last line
        wait_for(lambda: "quit" in screen().splitlines()[-1], "app at the new size")
        press("+")
        wait_for(lambda: "max_lr = 0.125" in screen(), "nudge")
        press("Down", "Down")  # steps, which the run gives until a value is typed
        subprocess.run(
            [*tmux, "send-keys", "-t", "explore", "200", "Enter"], check=True
        )  # as fast as a paste
        wait_for(lambda: "steps = 200" in screen(), "typed value")
        press("q")
        wait_for(lambda: out.exists() and out.read_text() != "", "spec written")
        assert out.read_text() == "cosine(0.125, steps=200)\n"
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)


def documented_example(name: str) -> str:
    """The example a schedule's own docstring gives (``lrviz describe NAME`` shows it)."""
    from lrviz.language.catalogue import entries

    dialect = name.partition(".")[0] if "." in name else ""
    return next(e for e in entries(dialect) if e.name == name).doc.example


@pytest.mark.parametrize(
    ("bare", "starts"),
    [
        ("cosine", {"max_lr": 0.1}),
        ("step", {"lr": 0.1, "step_size": 30}),
        ("optax.exponential_decay", {"init_value": 0.1, "transition_steps": 1000, "decay_rate": 0.5}),
    ],
)
def test_a_bare_name_starts_at_its_documented_example(bare: str, starts: dict[str, Any]) -> None:
    from lrviz.language.parser import parse
    from lrviz.tools.explore import completed

    example = documented_example(bare)
    for value in starts.values():  # the docstring's own numbers, as its text writes them
        assert repr(value) in example
    spec, notes = completed(parse(bare, complete=False))
    call = next(node for node in spec.walk() if getattr(node, "entry", None) is not None)
    assert {name: call.args[name] for name in starts} == starts  # type: ignore[attr-defined]
    assert notes == [f"{bare}: {name} not given, starting at {value!r}" for name, value in starts.items()]


def test_a_bare_name_in_the_app_says_where_it_started() -> None:
    async def script(pilot: Any, app: Explorer) -> None:
        assert "cosine: max_lr not given, starting at 0.1" in shown(app, "#status")
        assert "cosine(0.1)" in shown(app, "#spec")

    from lrviz.tools.explore import completed

    built = build(["cosine"], [], RunSettings(steps=100), complete=completed)
    drive(Exploration.of(built.curves, built.name, built.config), script, notes=built.notes)
