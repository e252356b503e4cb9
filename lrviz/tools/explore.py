"""A schedule tuned live: the model behind ``lrviz explore``, with no terminal in it.

An :class:`Exploration` holds the curves of what a command built and the numeric parameters of every
schedule in them (its :class:`Knob` s). Setting a knob rebuilds that one call of the spec, checks the
whole tree and evaluates the line-up again over the same run; a value the schedule refuses raises
:class:`~lrviz.errors.LrvizError` and leaves the exploration as it was (it is immutable: every change
is a new one). Floats are nudged along the R10 preferred numbers, whole numbers by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.text import Text

from lrviz.errors import LrvizError, SpecError
from lrviz.evaluation.lineup import Item, evaluate
from lrviz.evaluation.run import Curves, reacts_to_metric
from lrviz.io.config import Config
from lrviz.io.files import write_atomically, writing
from lrviz.language.options import coerce
from lrviz.language.tree import Call, Operation, Spec, checked, checked_call
from lrviz.render.preview import render
from lrviz.schedules.entry import Entry, Param
from lrviz.schedules.kinds import (
    COUNT,
    FACTOR,
    INTEGER,
    MULTIPLIER,
    NUMBER,
    OPEN_FRACTION,
    RATE,
    STEPS,
    STEPS_OR_FRACTION,
    WARMUP,
    Invalid,
    Kind,
)

R10 = ("1", "1.25", "1.6", "2", "2.5", "3.15", "4", "5", "6.3", "8")
"""The R10 preferred numbers of a decade (ISO 3): ten steps a decade, each about 26% above the last."""
HALF_STEP = 10 ** (1 / 20)
"""Half an R10 step: a nudge moves to the next preferred number at least this factor away, so that a
value just below one (3 below 3.15) is not nudged by a mere 5%."""
NUMERIC_KINDS: tuple[Kind, ...] = (
    RATE,
    NUMBER,
    FACTOR,
    MULTIPLIER,
    OPEN_FRACTION,
    STEPS,
    COUNT,
    INTEGER,
    WARMUP,
    STEPS_OR_FRACTION,
)
"""The kinds of a parameter that holds one number (a list, a choice, a flag or a schedule is none)."""
STATISTICS = ("peak", "peak step", "final", "mean", "warm-up ends")
"""The rows of a curve's summary an exploration shows."""
TARGETS = ("torch", "hf", "optax", "keras")
"""The frameworks code can be written for, as ``lrviz code --to`` names them."""


@dataclass(frozen=True)
class Knob:
    """One numeric parameter of one schedule call: in curve ``curve``, the ``call``-th
    :class:`~lrviz.language.tree.Call` of its spec's walk, its value as given (or its default)."""

    curve: int
    call: int
    schedule: str
    param: Param
    value: int | float | None
    given: bool

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def text(self) -> str:
        """The value as the spec writes it; a parameter left to be worked out is ``None``."""
        return repr(self.value)


def is_numeric(param: Param) -> bool:
    """Whether ``param`` holds one plain number: an int or float, not a flag, a choice, a list or a
    schedule."""
    if param.is_flag or param.is_schedule or param.choices or param.variadic or param.many:
        return False
    return any(param.kind is kind for kind in NUMERIC_KINDS)


def calls(spec: Spec) -> list[Call]:
    """The schedule calls of ``spec``, in the order of its walk."""
    return [node for node in spec.walk() if isinstance(node, Call)]


def knobs_of(spec: Spec, curve: int = 0) -> list[Knob]:
    """Every numeric parameter of every call in ``spec``, given or left at its default."""
    found = []
    for number, call in enumerate(calls(spec)):
        for param in call.entry.params:
            if not is_numeric(param):
                continue
            given = param.name in call.args
            value = call.args[param.name] if given else param.default
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                continue
            found.append(Knob(curve, number, call.entry.name, param, value, given))
    return found


def remade(entry: Entry, args: dict[str, Any]) -> Call:
    """A call of ``entry`` with ``args``, checked as the parser checks one; its source is its own
    text, so that a message about it names it."""
    return checked_call(entry, args, Call(entry, args).render())


def with_call(spec: Spec, number: int, new: Call) -> Spec:
    """``spec`` with its ``number``-th call (in walk order) replaced by ``new``; the calls and
    operations above it are made again, each through its schedule's check."""
    counter = [0]

    def rebuilt(node: Spec) -> Spec:
        if isinstance(node, Call):
            if counter[0] == number:
                counter[0] += len(calls(node))  # the calls within it go with it
                return new
            counter[0] += 1
            args: dict[str, Any] = {}
            changed = False
            for name, value in node.args.items():  # in the order Call.children walks them
                if isinstance(value, Spec):
                    args[name] = rebuilt(value)
                elif isinstance(value, tuple) and value and all(isinstance(v, Spec) for v in value):
                    args[name] = tuple(rebuilt(v) for v in value)
                else:
                    args[name] = value
                changed = changed or args[name] is not value
            return remade(node.entry, args) if changed else node
        if isinstance(node, Operation):
            operands = tuple(rebuilt(o) for o in node.operands)
            if any(a is not b for a, b in zip(operands, node.operands, strict=True)):
                return replace(node, operands=operands, source="")
        return node

    return rebuilt(spec)


def completed(spec: Spec) -> tuple[Spec, list[str]]:
    """``spec`` with each required parameter it leaves out set as its schedule's documented example
    sets it (``cosine`` starts as ``cosine(0.1)``), so that a bare name can be explored, and a note
    of each value so chosen; a parameter the example does not give stays missing."""
    notes = []
    for number, call in enumerate(calls(spec)):
        missing = [p.name for p in call.entry.params if p.required and p.name not in call.args]
        example = _example_args(call.entry.name, call.entry.doc.example) if missing else {}
        chosen = {name: example[name] for name in missing if name in example}
        if chosen:
            spec = with_call(spec, number, remade(call.entry, {**call.args, **chosen}))
            notes += [
                f"{call.entry.name}: {name} not given, starting at {value!r}"
                for name, value in chosen.items()
            ]
    return spec, notes


def _example_args(name: str, example: str) -> dict[str, Any]:
    """The arguments the first call of schedule ``name`` has in its documented ``example``."""
    from lrviz.language.parser import parse

    try:
        tree = parse(example, complete=False)
    except LrvizError:
        return {}
    return next((dict(c.args) for c in calls(tree) if c.entry.name == name), {})


def nudged(value: int | float | None, direction: int, name: str = "the value") -> int | float:
    """The value one nudge up (``direction`` 1) or down (-1): a whole number by one; a float to the
    next R10 preferred number (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8 × 10^k) at least half a step
    away from it, in size, its sign kept, written exactly (0.1 → 0.125 → 0.16, 0.1 → 0.08, 3e-4 →
    4e-4). A float at 0 or a value not set cannot be nudged: :class:`LrvizError`."""
    if value is None:
        raise LrvizError(f"{name} is not set (worked out from the run): type a value")
    if isinstance(value, int):
        return value + direction
    if value == 0 or not math.isfinite(value):
        raise LrvizError(f"{name} is {value!r}, which cannot be scaled: type a value")
    size = abs(value)
    decade = math.floor(math.log10(size))
    candidates = [Decimal(p).scaleb(d) for d in range(decade - 2, decade + 3) for p in R10]
    if direction > 0:
        chosen = min(c for c in candidates if float(c) >= size * HALF_STEP)
    else:
        chosen = max(c for c in candidates if float(c) <= size / HALF_STEP)
    return math.copysign(float(chosen), value)


@dataclass(frozen=True)
class Exploration:
    """The curves being explored, the items they were evaluated from, and what a picture of them is
    saved as (``name``, and the config whose plot settings it takes)."""

    items: tuple[Item, ...]
    curves: Curves
    name: str
    config: Config | None = None

    @classmethod
    def of(cls, curves: Curves, name: str, config: Config | None = None) -> Exploration:
        """An exploration of curves as a command built them (:class:`~lrviz.tools.build.Built`)."""
        items = tuple(Item(s.label, s.spec, s.look) for s in curves.series)
        return cls(items, curves, name, config)

    @property
    def knobs(self) -> list[Knob]:
        """The numeric parameters of every curve of the learning rate (a momentum drawn beside one
        follows its schedule's)."""
        found = []
        for number, item in enumerate(self.items):
            if item.look.quantity != "momentum":
                found += knobs_of(item.spec, number)
        return found

    @property
    def specs(self) -> list[str]:
        """The spec of every curve explored (a momentum's aside), as text."""
        return [item.spec.render() for item in self.items if item.look.quantity != "momentum"]

    def with_value(self, knob: Knob, value: Any) -> Exploration:
        """The exploration with ``knob`` set to ``value``: that call made again, the tree checked and
        every curve evaluated again over the same run. :class:`LrvizError` if the schedule refuses it."""
        item = self.items[knob.curve]
        call = calls(item.spec)[knob.call]
        try:
            value = knob.param.check(value)
        except Invalid as error:
            raise SpecError(f"{call.label}: {knob.name} must be {error}") from None
        new_call = remade(call.entry, {**call.args, knob.name: value})
        spec = checked(with_call(item.spec, knob.call, new_call))
        return self._with_spec(knob.curve, spec)

    def typed(self, knob: Knob, text: str) -> Exploration:
        """The exploration with ``knob`` set to the value ``text`` gives, read as the spec grammar
        reads a value (``3e-4``, ``1/3``)."""
        where = f"{knob.schedule}: {knob.name}"
        try:
            value = coerce(knob.param, text, where)
        except SpecError as error:  # the grammar's message, told of which value it is
            raise SpecError(str(error) if str(error).startswith(where) else f"{where}: {error}") from None
        return self.with_value(knob, value)

    def nudge(self, knob: Knob, direction: int) -> Exploration:
        """The exploration with ``knob`` one nudge up or down (see :func:`nudged`)."""
        return self.with_value(knob, nudged(knob.value, direction, f"{knob.schedule}: {knob.name}"))

    def _with_spec(self, curve: int, spec: Spec) -> Exploration:
        old = self.items[curve]
        label = spec.render() if old.label in (old.spec.render(), old.spec.source.strip()) else old.label
        items = list(self.items)
        items[curve] = replace(old, label=label, spec=spec)
        for number, each in enumerate(items):  # a momentum follows the schedule that sets it
            if each.look.quantity == "momentum" and each.look.of == old.label:
                momentum = spec.setting("momentum")
                if momentum is not None:
                    named = f"{label} (momentum)" if each.label == f"{old.label} (momentum)" else each.label
                    look = replace(each.look, of=label)
                    items[number] = replace(each, label=named, spec=momentum, look=look)
        run = self.curves.run
        curves = evaluate(items, run, self.curves.checkpoints)
        curves = replace(curves, resume_at=self.curves.resume_at, title=self.curves.title)
        for series in curves.series:  # a long run is read now: its errors are this value's
            curves.summary(series)
        return replace(self, items=tuple(items), curves=curves)

    def place(self, step: int) -> str:
        """Where ``step`` is in the run: ``step 450``, or ``step 450 (epoch 4.5)`` when epochs are in play."""
        run = self.curves.run
        return f"step {step} (epoch {step / run.steps_per_epoch:g})" if run.in_epochs else f"step {step}"

    def readout(self, step: int) -> list[tuple[str, str]]:
        """Each curve's label and its rate at ``step``."""
        return [(s.label, f"{float(s.at([step])[0]):.6g}") for s in self.curves.series]

    def statistics(self) -> list[tuple[str, list[str]]]:
        """Each of :data:`STATISTICS` with its value for every curve."""
        per_epoch = self.curves.run.steps_per_epoch
        tables = [dict(self.curves.summary(s).rows(per_epoch)) for s in self.curves.series]
        return [(name, [table[name] for table in tables]) for name in STATISTICS]

    def run_text(self) -> str:
        """The run in words: ``1,000 steps`` or ``100 epochs × 10 steps = 1,000 steps``."""
        run = self.curves.run
        if run.in_epochs:
            epochs = run.epochs if run.epochs is not None else run.steps / run.steps_per_epoch
            return f"{epochs:,g} epochs × {run.steps_per_epoch:,} steps = {run.steps:,} steps"
        return f"{run.steps:,} steps"

    def picture(
        self, width: int, height: int, cursor: int | None = None, color: bool = True, logy: bool = False
    ) -> Text:
        """The curves drawn in ``width`` × ``height`` characters (axes and legend within), with the
        column of step ``cursor`` marked (in reverse video, which needs no colour)."""
        legend = len(self.curves.series) if len(self.curves.series) > 1 else 0
        text = render(self.curves, width=width, height=max(height - 2 - legend, 3), logy=logy, color=color)
        if cursor is not None:
            mark_column(text, self.curves.run.steps, cursor)
        return text

    def code(self, curve: int, to: str) -> str:
        """The code that builds curve ``curve``'s schedule in framework ``to``, as ``lrviz code`` does."""
        from lrviz.tools.code import training_code

        spec = self.items[curve].spec
        return training_code(spec, self.curves.run, to, feedback=reacts_to_metric(spec))

    def save(self, path: Path | None = None) -> Path:
        """Write the plot ``lrviz plot`` draws of the curves (with the config's plot settings) to
        ``path``, by default ``<name>.png``, whole or not at all; :class:`WriteError` if it cannot be
        written."""
        from lrviz.render import plot_module

        plot = plot_module()
        path = path or Path(f"{self.name}.png")
        style = plot.style_for(self.config, {})
        plot.check_looks(self.curves)
        with writing(path):
            write_atomically(
                path, lambda file: plot.save(self.curves, file, path.suffix.lower(), style), binary=True
            )
        return path


def column_of(steps: int, step: int, cells: int) -> int:
    """The character column of a preview ``cells`` wide that shows ``step`` of a ``steps``-step run:
    the first of its dot columns (two to a character, as :func:`~lrviz.render.preview.envelope` cuts
    the run)."""
    dots = cells * 2
    dot = min(-(-step * dots // steps), dots - 1)
    return dot // 2


def mark_column(text: Text, steps: int, step: int) -> None:
    """Mark the column of ``step`` in a preview drawn by :func:`~lrviz.render.preview.render`, on
    every row of its plot, in reverse video."""
    lines = text.plain.split("\n")
    axis = next((n for n, line in enumerate(lines) if "└" in line), None)
    if axis is None:
        return
    start = lines[axis].index("└") + 1
    cells = len(lines[axis]) - start
    column = start + column_of(steps, step, cells)
    offset = 0
    for number, line in enumerate(lines):
        if number <= axis and column < len(line):
            text.stylize("reverse", offset + column, offset + column + 1)
        offset += len(line) + 1
