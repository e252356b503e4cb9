"""``lrviz check``: the schedule mistakes people keep filing bugs about, found before the run.

Each finding has a code, a severity, the step where it shows, a one-line explanation and the fix. An
``error`` means the run will not do what was meant, a ``warning`` that it very likely will not, a
``note`` that it is worth knowing (a warm-up that starts from 0, as the Hugging Face Trainer's does).

The rules share one read of a long run: its summary and marks (:attr:`Series.summary`), the rates at
a few steps, and searches for a rate past a bound, which read only the blocks whose extremes reach it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from lrviz.errors import SpecError
from lrviz.evaluation.run import Curves, Series, rates_at
from lrviz.language.tree import Call

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One problem in one schedule."""

    code: str
    label: str
    step: int | None
    message: str
    fix: str
    severity: Severity = "warning"

    @property
    def name(self) -> str:
        return NAMES[self.code]

    def to_data(self) -> dict[str, Any]:
        return {**asdict(self), "name": self.name}


Rule = Callable[[Series, Curves], Iterator[Finding]]
RULES: dict[str, Rule] = {}
"""The checks run on evaluated curves, by code."""

NAMES: dict[str, str] = {"L005": "onecycle-overrun"}
"""Every finding's short name, by code; L005 is found when evaluation refuses (see :func:`overrun`)."""


def rule(code: str, name: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        RULES[code] = func
        NAMES[code] = name
        return func

    return register


def stepped(curves: Curves) -> int:
    """How many times the run steps its schedules: its updates, or its epochs with ``--step-on
    epoch``: the unit their horizons and milestones count in."""
    run = curves.run
    return -(-run.steps // run.steps_per_epoch) if run.step_on == "epoch" else run.steps


def counts(finding: Finding, strict: bool = False) -> bool:
    """Whether a finding fails a check: errors and warnings do, notes only when ``strict``."""
    return strict or finding.severity != "note"


def _calls(series: Series) -> Iterator[Call]:
    for node in series.spec.walk():
        if isinstance(node, Call):
            yield node


def _on_the_run_clock(series: Series) -> Iterator[Call]:
    """The schedules of a spec that count the run's updates: those inside ``clock(…)`` count their
    own clock's units (epochs, samples), which no horizon of the run's can be told against."""
    stack = [series.spec]
    while stack:
        node = stack.pop()
        if isinstance(node, Call):
            if node.entry.name == "clock":
                continue
            yield node
        stack.extend(reversed(node.children()))


def _value(call: Call, *names: str) -> Any:
    """The first of ``names`` the call sets or defaults, else None."""
    for name in names:
        param = call.entry.param(name)
        if param is not None:
            return call.args.get(name, param.default)
    return None


def _cyclic(series: Series) -> bool:
    return any(c.entry.frequency == "cyclic" or c.reacts for c in _calls(series))


def _rate(series: Series, step: int) -> float:
    return float(series.at([step])[0])


def _peak_magnitude(series: Series) -> float:
    """The largest |rate| of the run, or 1 for a run at 0 throughout."""
    return max(abs(v) for v in series.extent()) or 1.0


WARMUP_STARTS = (
    "warmup_start",
    "warmup_lr_init",
    "warmup_min_lr",
    "warmup_min_ratio",
    "init_value",
    "start_factor",
    "initial_learning_rate",
)
"""The parameters a warm-up starts from, in lrviz's and the frameworks' words."""


@rule("L001", "zero-first-step")
def zero_first_step(series: Series, curves: Curves) -> Iterator[Finding]:
    if _rate(series, 0) == 0 and curves.summary(series).peak > 0:
        warming = curves.run.steps > 1 and _rate(series, 1) > 0  # a warm-up from 0, as HF's default
        starts = [p.name for call in _calls(series) for p in call.entry.params if p.name in WARMUP_STARTS]
        if starts:
            fix = f"start the warm-up above 0 ({starts[0]}=…)"
        elif any(call.entry.dialect == "hf" for call in _calls(series)):
            fix = "transformers' warm-ups start at 0 by design: harmless, one update lost"
        else:
            fix = "start the schedule above 0, or warm up from a rate above 0"
        yield Finding(
            "L001",
            series.label,
            0,
            "the rate is 0 at step 0, so the first update changes nothing",
            fix,
            "note" if warming else "warning",
        )


@rule("L002", "warmup-jump")
def warmup_jump(series: Series, curves: Curves) -> Iterator[Finding]:
    steps = curves.run.steps
    peak = _peak_magnitude(series)
    ends = {m.step for m in series.marks if m.kind == "warmup"}
    summary = curves.summary(series)
    if _rate(series, 0) < summary.peak and not ends:  # a warm-up the spec does not mark: to the first peak
        ends.add(summary.peak_step + 1)
    for end in sorted(ends):
        if not 2 <= end < steps:
            continue
        before_last, last, after = series.at([end - 2, end - 1, end]).tolist()
        ramp = abs(last - before_last)
        jump = abs(after - last)
        if jump > max(3 * ramp, 0.05 * peak):
            yield Finding(
                "L002",
                series.label,
                end,
                f"the rate jumps from {last:.4g} to {after:.4g} where the warm-up ends",
                "let the warm-up end where the schedule starts: a warm-up shorter than the schedule's "
                "horizon (num_training_steps, t_initial, …), or timm's warmup_prefix=True",
                "warning",
            )


@rule("L003", "rises-after-horizon")
def rises_after_horizon(series: Series, curves: Curves) -> Iterator[Finding]:
    if _cyclic(series):
        return
    peak = _peak_magnitude(series)
    low, lowest = series.lowest(curves.summary(series).peak_step)
    rise = series.first(low, lambda values: values - lowest > 0.01 * peak, monotone=True)
    if rise is not None:  # a real rise: reported where it begins
        begins = series.first(low, lambda values: values > lowest, monotone=True)
        yield Finding(
            "L003",
            series.label,
            begins if begins is not None else rise,
            f"the rate rises again after reaching its minimum at step {low}: the schedule's horizon ends "
            "before the run",
            "make the horizon (T_max, num_training_steps, steps) the run length, or clamp the schedule",
            "error",
        )


HORIZONS = (
    "T_max",
    "total_iters",
    "total_steps",
    "num_training_steps",
    "t_initial",
    "decay_steps",
    "transition_steps",
    "first_decay_steps",
    "steps",
)


@rule("L004", "horizon-mismatch")
def horizon_mismatch(series: Series, curves: Curves) -> Iterator[Finding]:
    """A horizon that counts the run's epochs while the schedule steps every update, or its updates
    while it steps once an epoch: the classic unit mistake, told when the run is given in epochs."""
    run = curves.run
    per_epoch = run.steps_per_epoch
    if per_epoch == 1:
        return
    epochs = -(-run.steps // per_epoch)
    for call in _on_the_run_clock(series):
        for name in HORIZONS:
            horizon = call.args.get(name)
            if not isinstance(horizon, int) or horizon <= 0:
                continue
            if run.step_on == "update" and _near(horizon, epochs) and horizon * 4 < run.steps:
                message = (
                    f"{name}={horizon:,} but the schedule steps every update, {run.steps:,} times: "
                    f"{horizon:,} is about the run's {epochs:,} epochs"
                )
                fix = f"give {name} in updates ({horizon * per_epoch:,}), or step it once an epoch"
                fix += " (--step-on epoch)"
            elif run.step_on == "epoch" and _near(horizon, run.steps) and horizon > 4 * epochs:
                message = (
                    f"{name}={horizon:,} but the schedule steps once an epoch, {epochs:,} times: "
                    f"{horizon:,} is about the run's {run.steps:,} updates"
                )
                fix = f"give {name} in epochs ({-(-horizon // per_epoch):,}), or step it every update"
            else:
                continue
            yield Finding("L004", series.label, None, message, fix, "error")


def _near(value: int, target: int) -> bool:
    return 0.5 * target <= value <= 1.5 * target


MILESTONES = ("milestones", "decay_t", "boundaries")


@rule("L006", "milestones")
def milestones(series: Series, curves: Curves) -> Iterator[Finding]:
    steps = stepped(curves)
    unit = "epochs" if curves.run.step_on == "epoch" else "steps"
    for call in _calls(series):
        points = _value(call, *MILESTONES)
        if not isinstance(points, list | tuple) or not points:
            continue
        outside = [m for m in points if isinstance(m, int | float) and not 0 < m < steps]
        if outside:
            yield Finding(
                "L006",
                series.label,
                None,
                f"milestones {outside} fall outside the run of {steps:,} {unit} and never act",
                "give milestones in the unit the schedule is stepped in (updates or epochs)",
                "error",
            )
        if any(b <= a for a, b in itertools.pairwise(points)):
            yield Finding(
                "L006",
                series.label,
                None,
                f"milestones {list(points)} do not increase",
                "sort the milestones and give each once",
                "error",
            )


@rule("L010", "epoch-milestones")
def epoch_milestones(series: Series, curves: Curves) -> Iterator[Finding]:
    """Milestones (or a decay interval) that count epochs while the schedule steps every update: they
    all fall in the first epoch or two of a long run, and the rate collapses there."""
    run = curves.run
    per_epoch = run.steps_per_epoch
    epochs = -(-run.steps // per_epoch)
    if run.step_on != "update" or per_epoch == 1 or epochs < 4:
        return
    for call in _calls(series):
        points = _value(call, *MILESTONES)
        interval = _value(call, "step_size", "step_size_up")
        if isinstance(points, list | tuple) and points and all(isinstance(m, int | float) for m in points):
            last = max(points)
            if 0 < last <= epochs and last < 2 * per_epoch:
                updates = [int(m) * per_epoch for m in points]
                yield Finding(
                    "L010",
                    series.label,
                    int(min(points)),
                    f"milestones {list(points)} all fall in the first {_epochs_of(last, per_epoch)} of a run "
                    f"of {epochs:,} epochs of {per_epoch:,} updates: milestones in epochs for a schedule "
                    "stepped every update",
                    f"give the milestones in updates ({updates}), or step it once an epoch (--step-on epoch)",
                    "error",
                )
        elif isinstance(interval, int) and 0 < interval <= epochs // 2 and interval < per_epoch:
            yield Finding(
                "L010",
                series.label,
                interval,
                f"step_size={interval} steps every update: the rate decays {run.steps // interval:,} times "
                f"in a run of {epochs:,} epochs, every {interval} updates; {interval} looks like epochs",
                f"give the interval in updates ({interval * per_epoch:,}), or step it once an epoch "
                "(--step-on epoch)",
                "error",
            )


def _epochs_of(step: float, per_epoch: int) -> str:
    count = int(step) // per_epoch + 1
    return "epoch" if count == 1 else f"{count} epochs"


FLOORS = ("min_lr", "eta_min", "lr_min", "end_value", "lr_end", "end_learning_rate")


@rule("L007", "final-far-from-minimum")
def final_far_from_minimum(series: Series, curves: Curves) -> Iterator[Finding]:
    summary = curves.summary(series)
    if _cyclic(series) or summary.peak_step == curves.run.steps - 1:  # no decay at all: L011's
        return
    peak, final = summary.peak, summary.final
    for call in _calls(series):
        floor = _value(call, *FLOORS)
        if not isinstance(floor, int | float) or peak <= floor:
            continue
        share = (final - floor) / (peak - floor)
        if share > 0.1:
            _, lowest = series.lowest(summary.peak_step)
            reached = lowest - floor <= 0.1 * (peak - floor)
            why = (
                "it reached its floor and rose again: the decay's horizon is shorter than the run"
                if reached
                else "the decay's horizon is longer than the run"
            )
            yield Finding(
                "L007",
                series.label,
                curves.run.steps - 1,
                f"the run ends at {final:.4g}, {share:.0%} of the way from the floor {floor:.4g} to the "
                f"peak: {why}",
                "make the decay's horizon the run length",
                "warning",
            )
            return


@rule("L005", "onecycle-overrun")
def stepped_after_the_end(series: Series, curves: Curves) -> Iterator[Finding]:
    """The loop calls scheduler.step() after every update, the last too: a OneCycleLR that refuses
    that last call (total_steps one short of the updates) stops the run there. Found by evaluating
    the step that call would make, on each part's own clock as any step is."""
    if not any(call.entry.name == "torch.OneCycleLR" for call in _calls(series)):
        return
    run = curves.run
    extra = run.steps_per_epoch if run.step_on == "epoch" else 1  # stepped once an epoch, or an update
    try:
        rates_at(series.spec, replace(run, steps=run.steps + extra), [run.steps + extra - 1])
    except SpecError as error:
        if error.code == "L005":
            yield Finding("L005", series.label, run.steps - 1, error.problem, error.fix, "error")


@rule("L011", "warmup-past-end")
def still_rising(series: Series, curves: Curves) -> Iterator[Finding]:
    """A rate that climbs to the run's last step: a warm-up (or ramp) longer than the run, which never
    reaches its peak, let alone decays."""
    steps = curves.run.steps
    summary = curves.summary(series)
    if steps < 3 or summary.peak_step != steps - 1 or not summary.final > _rate(series, 0):
        return
    before = _rate(series, steps - 2)
    if summary.final > before:
        yield Finding(
            "L011",
            series.label,
            steps - 1,
            f"the rate is still rising at the run's last step ({before:.4g} to {summary.final:.4g}): the "
            "warm-up is longer than the run, so the schedule never reaches its peak or decays",
            "make the warm-up (warmup, warmup_t, num_warmup_steps, warmup_steps, …) shorter than the run, "
            "or run longer",
            "warning",
        )


def _sizes(call: Call) -> Iterator[tuple[str, int]]:
    """The lengths a call is sized by, as given: its horizons, and OneCycleLR's epochs × steps_per_epoch."""
    for name in (*HORIZONS, "max_epochs"):
        horizon = call.args.get(name)
        if isinstance(horizon, int) and not isinstance(horizon, bool) and horizon > 0:
            yield name, horizon
    epochs, per_epoch = call.args.get("epochs"), call.args.get("steps_per_epoch")
    if isinstance(epochs, int) and isinstance(per_epoch, int) and epochs > 0 and per_epoch > 0:
        yield "epochs × steps_per_epoch", epochs * per_epoch


@rule("L012", "epoch-stepped-in-updates")
def epoch_stepped_in_updates(series: Series, curves: Curves) -> Iterator[Finding]:
    """A schedule stepped once an epoch (``--step-on epoch``: a loop that steps it at each epoch's end)
    whose length is far more steps than the run has epochs: sized in updates, so that it barely moves.
    The case L004 tells (a horizon about the run's updates, when they are known) is left to it."""
    run = curves.run
    if run.step_on != "epoch":
        return
    epochs = stepped(curves)
    per_epoch = run.steps_per_epoch
    for call in _calls(series):
        for name, horizon in _sizes(call):
            if horizon <= 4 * epochs or epochs < 2:
                continue
            if name in HORIZONS and per_epoch != 1 and _near(horizon, run.steps):
                continue  # L004's
            used = 100 * epochs / horizon
            yield Finding(
                "L012",
                series.label,
                None,
                f"the schedule steps once an epoch, but sized in updates: {name}={horizon:,} and the run "
                f"steps it {epochs:,} times, so it runs {used:.2g}% of its course",
                f"give {name} in epochs (about {epochs:,}), or step the schedule every update",
                "warning",
            )


@rule("L008", "negative-rate")
def negative_rate(series: Series, curves: Curves) -> Iterator[Finding]:
    if curves.summary(series).minimum < 0:
        step = series.first(0, lambda values: values < 0, monotone=True)
        assert step is not None
        yield Finding(
            "L008",
            series.label,
            step,
            f"the rate is negative ({_rate(series, step):.4g}) at step {step}",
            "check the schedule past its end (OneCycleLR 'linear' at total_steps goes below zero)",
            "error",
        )


def _warmup_ends(series: Series) -> set[int]:
    """Where warm-ups end, as the schedule's evaluation marks them (a framework's too)."""
    return {m.step for m in series.marks if m.kind == "warmup" and m.step > 0}


@rule("L009", "warmup-down")
def warmup_down(series: Series, curves: Curves) -> Iterator[Finding]:
    first = _rate(series, 0)
    for end in sorted(_warmup_ends(series)):
        if end < curves.run.steps and (reached := _rate(series, end)) < first:
            yield Finding(
                "L009",
                series.label,
                end,
                f"the warm-up goes down, from {first:.4g} to {reached:.4g}: its target is below its start",
                "warm up to a rate above warmup_start (Keras: warmup_target above initial_learning_rate)",
                "warning",
            )


def findings(
    build: Callable[[], Curves], label: str, ignore: set[str] | frozenset[str] = frozenset()
) -> list[Finding]:
    """Every finding in the curves ``build`` makes, but the codes in ``ignore``: a mistake that keeps
    the run from being evaluated at all (OneCycleLR stepped past its end, L005) is one too."""
    try:
        curves = build()
    except SpecError as error:
        if error.code not in NAMES:
            raise
        return (
            []
            if error.code in ignore
            else [Finding(error.code, label, None, error.problem, error.fix, "error")]
        )
    return check(curves, ignore)


def check(curves: Curves, ignore: set[str] | frozenset[str] = frozenset()) -> list[Finding]:
    """Every finding in every schedule of ``curves``, but the codes in ``ignore``."""
    found: list[Finding] = []
    for series in curves.series:
        for code, find in RULES.items():
            if code not in ignore:
                found.extend(find(series, curves))
    return found
