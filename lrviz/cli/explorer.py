"""The terminal app of ``lrviz explore``: a schedule's curve, its parameters and statistics, tuned live.

The work is :class:`~lrviz.tools.explore.Exploration`'s; this module only shows it and maps keys to it.
The app draws on the terminal through standard error and reads standard input (textual's Linux
driver uses ``sys.__stderr__`` and ``sys.__stdin__``), so that standard output stays free for the specs
it returns when it quits.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.driver import Driver
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Input, Static

from lrviz.cli.terminal import one_line
from lrviz.errors import LrvizError, WriteError
from lrviz.tools.explore import TARGETS, Exploration, Knob, mark_column

ABORTED = 128 + signal.SIGINT
"""The app's exit status after Ctrl+C: a shell's for a command that SIGINT ended."""
JUMPS = 20
"""How many big cursor moves (Shift+Left/Right, PageUp/PageDown) cross the run."""
TYPED = (*((digit, digit) for digit in "0123456789"), ("full_stop", "."))
"""The keys that open the parameter input with their character typed in it."""
CURSOR_ACTIONS = frozenset({"cursor", "cursor_to", "select", "edit", "nudge"})
"""Actions of keys the parameter input needs for itself while it is open."""


class Plot(Widget):
    """The curves at the widget's size, the cursor's column marked; drawn again on every resize."""

    DEFAULT_CSS = "Plot { height: 1fr; min-height: 1; }"

    def __init__(self, explorer: Explorer) -> None:
        super().__init__(id="plot")
        self.explorer = explorer
        self._drawn: tuple[Any, ...] = ()
        self._picture = Text()

    def render(self) -> Text:
        explorer = self.explorer
        wanted = (explorer.exploration, self.size.width, self.size.height, explorer.logy)
        if wanted != self._drawn:  # a long run's outline is read once a change, not once a cursor move
            self._drawn = wanted
            width, height = max(self.size.width, 20), max(self.size.height, 6)
            self._picture = explorer.exploration.picture(
                width, height, color=not self.app.no_color, logy=explorer.logy
            )
        picture = self._picture.copy()
        mark_column(picture, explorer.exploration.curves.run.steps, explorer.cursor)
        return picture


class CodeScreen(ModalScreen[None]):
    """The training code of one curve, for a framework the user picks."""

    DEFAULT_CSS = """
    CodeScreen { align: center middle; }
    CodeScreen > VerticalScroll { width: 95%; height: 90%; border: round $accent; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "target('torch')", "torch"),
        Binding("h", "target('hf')", "hf"),
        Binding("o", "target('optax')", "optax"),
        Binding("k", "target('keras')", "keras"),
        Binding("escape,c,q", "close", "close"),
    ]

    def __init__(self, exploration: Exploration, curve: int, target: str = "torch") -> None:
        super().__init__()
        self.exploration, self.curve, self.target = exploration, curve, target

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="code")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        scroll = self.query_one(VerticalScroll)
        scroll.border_title = f"lrviz code --to {self.target}"
        try:
            code = self.exploration.code(self.curve, self.target)
        except LrvizError as error:
            self.query_one("#code", Static).update(Text(one_line(str(error))))
            return
        self.query_one("#code", Static).update(
            Syntax(code, "python", word_wrap=True, background_color="default")
        )

    def action_target(self, target: str) -> None:
        if target in TARGETS:
            self.target = target
            self.show()

    def action_close(self) -> None:
        self.dismiss()


class Explorer(App[list[str]]):
    """Tune a schedule's parameters and see its curve and statistics follow; quitting returns the specs."""

    TITLE = "lrviz explore"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #spec { height: auto; max-height: 3; padding: 0 1; }
    #lower { height: auto; max-height: 45vh; }
    #knobs { width: auto; max-width: 60%; height: auto; max-height: 45vh; }
    #side { width: 1fr; height: auto; padding: 0 1; }
    #entry { display: none; }
    #status { height: auto; max-height: 3; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,tab", "select(1)", "pick", key_display="↑↓", priority=True),
        Binding("up,shift+tab", "select(-1)", show=False, priority=True),
        Binding("plus,equals_sign", "nudge(1)", "up", key_display="+"),
        Binding("minus,underscore", "nudge(-1)", "down", key_display="-"),
        Binding("enter", "edit", "type", key_display="⏎", priority=True),
        # a digit or a point opens the input with itself typed: bound here, not handled as it bubbles
        # up, so that the keys typed after it (as fast as a paste) reach the input in their order
        *(Binding(key, f"edit({character!r})", show=False, priority=True) for key, character in TYPED),
        Binding("left", "cursor(-1)", "step", key_display="←→", priority=True),
        Binding("right", "cursor(1)", show=False, priority=True),
        Binding("shift+left,pageup", "cursor(-1, True)", show=False, priority=True),
        Binding("shift+right,pagedown", "cursor(1, True)", show=False, priority=True),
        Binding("home", "cursor_to(0)", show=False, priority=True),
        Binding("end", "cursor_to(-1)", show=False, priority=True),
        Binding("s", "save", "save"),
        Binding("c", "code", "code"),
        Binding("l", "log", "log"),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "abort", show=False, priority=True),
    ]

    def __init__(self, exploration: Exploration, notes: Sequence[str] = ()) -> None:
        super().__init__()
        self.exploration = exploration
        self.notes = notes
        self.cursor = 0
        self.logy = False
        self.knobs: list[Knob] = exploration.knobs

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, measuring the terminal it draws on (standard error): its Linux driver asks
        standard output, which is a pipe in ``SPEC=$(lrviz explore …)``, and would take 80 × 24."""
        driver = super().get_driver_class()
        if driver.__name__ != "LinuxDriver":
            return driver

        class Measured(driver):  # type: ignore[valid-type, misc]
            def _get_terminal_size(self) -> tuple[int, int]:
                try:
                    size = os.get_terminal_size(self._file.fileno())
                except (AttributeError, ValueError, OSError):
                    return super()._get_terminal_size()  # type: ignore[no-any-return]
                return size.columns, size.lines

        return Measured

    def compose(self) -> ComposeResult:
        yield Static(id="spec")
        yield Plot(self)
        with Horizontal(id="lower"):
            yield DataTable(id="knobs", cursor_type="row", zebra_stripes=False)
            yield Static(id="side")
        yield Input(id="entry", select_on_focus=False)
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        several = len({knob.curve for knob in self.knobs}) > 1
        table.add_columns(*(["curve"] if several else []), "schedule", "parameter", "value")
        for knob in self.knobs:
            table.add_row(*self._row(knob, several), key=str(len(table.rows)))
        table.focus()
        self._show()
        if self.notes:  # what the command line would have said before the app took the screen
            self.status("; ".join(note.removeprefix("note: ") for note in self.notes))
        elif self.knobs:
            self.status("↑↓ pick a parameter, + and - nudge it, a digit or Enter types a value")
        else:
            self.status("no numeric parameter to tune here")

    def _row(self, knob: Knob, several: bool) -> list[Text | str]:
        value = Text(knob.text) if knob.given else Text(knob.text, style="dim")
        return [*([str(knob.curve + 1)] if several else []), knob.schedule, knob.name, value]

    @property
    def knob(self) -> Knob | None:
        table = self.query_one(DataTable)
        return (
            self.knobs[table.cursor_row] if self.knobs and 0 <= table.cursor_row < len(self.knobs) else None
        )

    @property
    def editing(self) -> bool:
        return self.query_one("#entry", Input).display

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The keys of the cursor, the selection, nudges and Enter are the input's while it is open, and
        none but quitting is the app's while the code is shown over it."""
        if action in ("quit", "abort"):
            return True
        if len(self.screen_stack) > 1:
            return False
        return not (self.editing and action in CURSOR_ACTIONS)

    def status(self, message: str, error: bool = False) -> None:
        self.query_one("#status", Static).update(Text(message, style="bold red" if error else ""))

    def _show(self) -> None:
        """The specs, the run, the statistics and the cursor's readout, after any change."""
        exploration = self.exploration
        curves = len(exploration.curves.series)
        side = Table.grid(padding=(0, 1))
        side.add_column(style="dim", no_wrap=True)
        for _ in range(curves):
            side.add_column(no_wrap=True, justify="right")
        if curves > 1:
            side.add_row("curve", *(str(number) for number in range(1, curves + 1)))
        for name, values in exploration.statistics():
            side.add_row(name, *values)
        rates = [Text(rate, style="bold") for _, rate in exploration.readout(self.cursor)]
        side.add_row(Text(exploration.place(self.cursor), style="bold"), *rates)
        self.query_one("#side", Static).update(side)
        spec = Text("\n".join(exploration.specs), style="bold")
        spec.append(f"  over {exploration.run_text()}", style="dim")
        self.query_one("#spec", Static).update(spec)
        self.query_one(Plot).refresh()

    def _changed(self, exploration: Exploration) -> None:
        self.exploration = exploration
        self.knobs = exploration.knobs
        table = self.query_one(DataTable)
        several = len({knob.curve for knob in self.knobs}) > 1
        columns = list(table.columns)
        for row, knob in enumerate(self.knobs):
            table.update_cell(str(row), columns[-1], self._row(knob, several)[-1], update_width=True)
        self._show()

    def action_nudge(self, direction: int) -> None:
        knob = self.knob
        if knob is None:
            return
        self._apply(lambda: self.exploration.nudge(knob, direction), knob)

    def _apply(self, change: Callable[[], Exploration], knob: Knob) -> bool:
        """Make ``change`` to ``knob`` and show it, or show why it cannot be made (the old value kept)."""
        try:
            exploration = change()
        except LrvizError as error:
            self.status(one_line(str(error)), error=True)
            return False
        self._changed(exploration)
        place = (knob.curve, knob.call, knob.name)
        value = next(k.text for k in self.knobs if (k.curve, k.call, k.name) == place)
        self.status(f"{knob.schedule}: {knob.name} = {value}")
        return True

    def action_edit(self, first: str = "") -> None:
        knob = self.knob
        if knob is None:
            return
        entry = self.query_one("#entry", Input)
        entry.display = True  # shown and focused at once: the keys typed next are the input's
        entry.value = first if first else ("" if knob.value is None else knob.text)
        entry.placeholder = f"{knob.schedule}: {knob.name} (Enter sets it, Escape cancels)"
        entry.border_title = knob.name
        entry.select_on_focus = not first  # the value shown is replaced by what is typed; a digit, kept
        entry.cursor_position = len(entry.value)
        self.set_focus(entry)
        self.status(f"type {knob.name}: Enter sets it, Escape cancels")

    def on_key(self, event: events.Key) -> None:
        """Escape closes the input."""
        if self.editing and event.key == "escape":
            event.stop()
            self._close_entry()
            self.status("cancelled")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        knob = self.knob
        if knob is None:
            return
        if self._apply(lambda: self.exploration.typed(knob, event.value), knob):
            self._close_entry()

    def _close_entry(self) -> None:
        entry = self.query_one("#entry", Input)
        entry.display = False
        self.set_focus(self.query_one(DataTable))

    def action_cursor(self, direction: int, far: bool = False) -> None:
        """Move the cursor by the steps of a dot column of the plot, or ``far``: a twentieth of the run."""
        steps = self.exploration.curves.run.steps
        jump = max(steps // JUMPS, 1) if far else max(steps // max(self.query_one(Plot).size.width * 2, 1), 1)
        self.cursor = min(max(self.cursor + direction * jump, 0), steps - 1)
        self._show()

    def action_cursor_to(self, where: int) -> None:
        self.cursor = self.exploration.curves.run.steps - 1 if where < 0 else 0
        self._show()

    def action_select(self, direction: int) -> None:
        table = self.query_one(DataTable)
        if self.knobs:
            table.move_cursor(row=(table.cursor_row + direction) % len(self.knobs))

    def action_log(self) -> None:
        self.logy = not self.logy
        self.status("log scale" if self.logy else "linear scale")
        self.query_one(Plot).refresh()

    def action_save(self) -> None:
        try:
            path = self.exploration.save()
        except (LrvizError, WriteError) as error:
            self.status(one_line(str(error)), error=True)
            return
        self.status(f"wrote {path}")

    def action_code(self) -> None:
        knob = self.knob
        self.push_screen(CodeScreen(self.exploration, knob.curve if knob is not None else 0))

    def action_abort(self) -> None:
        """Ctrl+C: end as an interrupted command does, with no spec, so that ``SPEC=$(…) && train``
        stops there."""
        self.exit(None, return_code=ABORTED)

    async def action_quit(self) -> None:
        self.exit(self.exploration.specs)
