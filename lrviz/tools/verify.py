"""Whether a run did what was planned: a training log's rates held against the plan's, and, where they
part, the likeliest cause — an offset, the wrong stepping unit, a scaled horizon, a scaled rate, a
resume — each found by re-evaluating the plan under that hypothesis and checking it against the log.

Two rates agree within the log's precision: ``|log − plan| ≤ rtol·max(|log|, |plan|) + atol·peak``,
with ``rtol = 4·2⁻²³`` and ``atol = 10⁻⁷`` for a float32 log, ``rtol = 10⁻⁹`` and ``atol = 10⁻¹²`` for a
float64 one (``peak``: the largest planned rate held against the log). Every logged point within the
plan is compared, so that a one-step offset that float32 hides everywhere but at a warm-up's end, a
milestone or a restart is still seen there."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from lrviz.clock import grid
from lrviz.errors import LrvizError
from lrviz.evaluation.lineup import NoRunLength
from lrviz.evaluation.run import Run, chunks, needs_history
from lrviz.io.logs import Log
from lrviz.io.settings import RunSettings
from lrviz.language.tree import Call, Operation, Spec, checked_call
from lrviz.tools.build import Built, Option, build

Values = npt.NDArray[np.float64]
Steps = npt.NDArray[np.int64]

FLOAT32_RTOL = 4 * 2.0**-23
FLOAT32_ATOL = 1e-7
FLOAT64_RTOL = 1e-9
FLOAT64_ATOL = 1e-12
OFFSET_SHARE = 0.03
"""The largest offset tried, as a share of the run (at least 3 steps, at most :data:`OFFSET_LIMIT`)."""
OFFSET_LIMIT = 10_000
SCREEN = 32
"""Points a hypothesis must explain before it is checked at every logged point: the first departures
and points spread over the log."""
SPAN_LIMIT = 1 << 26
"""The most consecutive steps of the plan read to give the rates at scattered steps (in chunks, so
memory stays bounded); scattered steps further apart are evaluated a stretch at a time."""
MATCHES = 64
"""The most places of the plan tried as where a resumed run's schedule jumped to."""


@dataclass(frozen=True)
class Finding:
    """One thing found: ``code`` names it (a cause: ``offset``, ``unit``, ``horizon``, ``scale``,
    ``resume``, ``other``; or a note: ``longer``, ``sized``), ``detail`` says it in one sentence, and
    ``data`` holds its numbers."""

    code: str
    detail: str
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Whether the log follows the plan; if not, the first update where they part and why."""

    match: bool
    first_departure: int | None
    findings: tuple[Finding, ...]
    compared: int

    def to_data(self) -> dict[str, Any]:
        """The verdict as JSON-ready data."""
        return {
            "match": self.match,
            "first_departure": self.first_departure,
            "findings": [{"code": f.code, "detail": f.detail, **f.data} for f in self.findings],
        }


@dataclass(frozen=True)
class _Plan:
    """A spec over a run, read at any steps, also past the run's end (where its horizons hold)."""

    spec: Spec
    run: Run

    def at(self, steps: Steps) -> Values:
        """The rates at ``steps`` (sorted, each 0 or more); NaN past the run's end where the schedule
        refuses to be read there (fvcore's raise past max_iter)."""
        end = int(np.searchsorted(steps, self.run.steps))
        if end == steps.size:
            return self._at(steps)
        try:
            beyond = self._at(steps[end:])
        except LrvizError:
            beyond = np.full(steps.size - end, np.nan)
        return np.concatenate([self._at(steps[:end]), beyond])

    def _at(self, steps: Steps) -> Values:
        if steps.size == 0:
            return np.empty(0)
        low, high = int(steps[0]), int(steps[-1]) + 1
        history = needs_history(self.spec)  # a step's rate depends on those before: read from 0
        low = 0 if history else low
        if history or (high - low <= SPAN_LIMIT and (steps.size > SCREEN or high - low <= 4 * steps.size)):
            found = np.empty(steps.size)
            for first, values in chunks(self.spec, self.run, "", grid.CHUNK, low, high):
                lo, hi = np.searchsorted(steps, [first, first + values.size])
                found[lo:hi] = values[steps[lo:hi] - first]
            return found
        breaks = np.flatnonzero(np.diff(steps) != 1) + 1
        parts = [
            values
            for stretch in np.split(steps, breaks)
            for _, values in chunks(
                self.spec, self.run, "", stretch.size, int(stretch[0]), int(stretch[-1]) + 1
            )
        ]
        return np.concatenate(parts).astype(np.float64)

    def at_any(self, steps: Steps) -> Values:
        """The rates at ``steps`` in any order, NaN at a negative step."""
        out = np.full(steps.size, np.nan)
        valid = steps >= 0
        order = np.argsort(steps[valid], kind="stable")
        chosen = steps[valid][order]
        unique, back = np.unique(chosen, return_inverse=True)
        values = self.at(unique)[back.reshape(-1)]
        placed = np.empty(chosen.size)
        placed[order] = values
        out[valid] = placed
        return out


@dataclass
class _Check:
    """The logged points within the plan and how closely a hypothesis must give them."""

    steps: Steps
    rates: Values
    rtol: float
    atol: float
    departures: npt.NDArray[np.intp]
    screens: dict[int, npt.NDArray[np.intp]] = field(default_factory=dict)

    def close(self, predicted: Values, rates: Values) -> npt.NDArray[np.bool_]:
        with np.errstate(invalid="ignore"):
            gap = np.abs(rates - predicted)
            return gap <= self.rtol * np.maximum(np.abs(rates), np.abs(predicted)) + self.atol

    def screen(self, start: int = 0) -> npt.NDArray[np.intp]:
        """The points a hypothesis is tried at first: the first departures from ``start`` on, and points
        spread over the rest."""
        if start not in self.screens:
            at = int(np.searchsorted(self.departures, start))
            first = self.departures[at : at + SCREEN]
            spread = np.linspace(start, self.steps.size - 1, SCREEN).astype(np.intp)
            self.screens[start] = np.unique(np.concatenate([first, spread]))
        return self.screens[start]

    def explains(self, predict: Callable[[Steps], Values], start: int = 0) -> bool:
        """Whether ``predict`` (the rates a hypothesis gives at logged steps, NaN where it says nothing)
        gives every logged point from index ``start`` on, and at least half of them."""
        if start >= self.steps.size:
            return False
        for chosen in (self.screen(start), None):
            steps = self.steps[chosen] if chosen is not None else self.steps[start:]
            rates = self.rates[chosen] if chosen is not None else self.rates[start:]
            predicted = predict(steps)
            known = ~np.isnan(predicted)
            if 2 * known.sum() < steps.size or not self.close(predicted[known], rates[known]).all():
                return False
        return True


Planned = tuple[Built, RunSettings, bool]
"""What :func:`plan_of` gives: the plan built, its settings, and whether it was sized to the log."""


def plan_of(texts: Sequence[str], options: Sequence[Option], settings: RunSettings, log: Log) -> Planned:
    """The plan as every command builds it, the settings it was built with, and whether it was sized
    to the log (its last logged update + 1) for want of a length of its own."""
    if settings.steps is not None or settings.epochs is not None or not log.steps.size:
        return build(texts, options, settings), settings, False
    try:
        return build(texts, options, settings), settings, False
    except NoRunLength:
        sized = replace(settings, steps=int(log.steps[-1]) + 1)
        return build(texts, options, sized), sized, True


def verify(
    texts: Sequence[str],
    options: Sequence[Option],
    settings: RunSettings,
    log: Log,
    given: Planned | None = None,
) -> Verdict:
    """Hold ``log`` against the plan (see :func:`_verify`; ``given`` is :func:`plan_of`'s, when the
    caller has built it already), numpy's warnings about rates far beyond any plan's kept from the
    output: such rates simply depart."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _verify(texts, options, settings, log, given)


def _verify(
    texts: Sequence[str], options: Sequence[Option], settings: RunSettings, log: Log, given: Planned | None
) -> Verdict:
    """Hold ``log`` against the plan the specs (or config), options and settings give, as every command
    builds it. A plan that has no length of its own (neither steps nor epochs given, no config's or
    schedule's length) is sized to the log: its last logged update + 1. Points past the plan's end are
    counted, not compared.

    On a departure the causes are tried in order, each the plan re-evaluated under a hypothesis that
    must then give every logged point: ``offset`` (log(t) = plan(t + k), small k), ``unit`` (stepped
    once an epoch instead of once an update, or the reverse), ``horizon`` (every horizon divided by a
    ratio r: log(t) = plan(r·t)), ``scale`` (log = r·plan), ``resume`` (from update s on, log(t) =
    plan(t − s) or plan(t + j)), else ``other``."""
    findings: list[Finding] = []
    steps = np.asarray(log.steps, dtype=np.int64)
    rates = np.asarray(log.rates, dtype=np.float64)
    if steps.size == 0:
        raise LrvizError(f"{log.path.name}: the log has no rates in {log.column!r} to verify")
    built, settings, sized = given if given is not None else plan_of(texts, options, settings, log)
    if len(built.curves.series) != 1:
        raise LrvizError(
            f"verify holds a log against one schedule, and this gives {len(built.curves.series)}: "
            "give one spec, and one value of each option"
        )
    series = built.curves.series[0]
    plan = _Plan(series.spec, series.run)
    length = plan.run.steps
    if sized:
        findings.append(
            Finding(
                "sized",
                f"the plan was given no length: it is sized to the log, {length:,} updates",
                {"steps": length},
            )
        )
    within = steps < length
    beyond = int((~within).sum())
    if int(steps[-1]) < length - 1:
        findings.append(
            Finding(
                "shorter",
                f"the log ends at update {int(steps[-1]):,}, before the plan's last ({length - 1:,}): "
                "the run stopped early, or logged only so far",
                {"last_logged": int(steps[-1]), "plan_steps": length},
            )
        )
    if beyond:
        findings.append(
            Finding(
                "longer",
                f"the log runs past the plan's {length:,} updates: {beyond:,} points beyond its end "
                "are not compared (is the planned length right?)",
                {"beyond": beyond, "plan_steps": length, "last_logged": int(steps[-1])},
            )
        )
    steps, rates = steps[within], rates[within]
    if steps.size == 0:
        raise LrvizError(f"{log.path.name}: every logged point lies past the plan's {length:,} updates")
    planned = plan.at(steps)
    peak = float(np.max(np.abs(planned)))
    rtol, atol = (FLOAT32_RTOL, FLOAT32_ATOL) if log.float32 else (FLOAT64_RTOL, FLOAT64_ATOL)
    check = _Check(steps, rates, rtol, atol * peak, np.empty(0, dtype=np.intp))
    departures = np.flatnonzero(~check.close(planned, rates))
    if departures.size == 0:
        return Verdict(True, None, tuple(findings), int(steps.size))
    check.departures = departures
    first = int(departures[0])
    cause = (
        _offset(plan, check)
        or _unit(texts, options, settings, plan, check)
        or _horizon(plan, settings, check, planned)
        or _scale(check, planned)
        or _resume(plan, check, first)
        or _other(check, planned, first)
    )
    return Verdict(False, int(steps[first]), (*findings, cause), int(steps.size))


def _offset(plan: _Plan, check: _Check) -> Finding | None:
    """log(t) = plan(t + k) for the smallest |k| (the later one first) that gives every logged point."""
    most = min(OFFSET_LIMIT, max(3, math.ceil(OFFSET_SHARE * plan.run.steps)))
    high = int(check.steps[-1]) + most + 1
    dense = plan.at(np.arange(high, dtype=np.int64)) if high <= SPAN_LIMIT else None

    def shifted(k: int) -> Callable[[Steps], Values]:
        def predict(steps: Steps) -> Values:
            moved = steps + k
            if dense is None:
                return plan.at_any(moved)
            out = np.full(moved.size, np.nan)
            valid = moved >= 0
            out[valid] = dense[moved[valid]]
            return out

        return predict

    for k in _alternating(most):
        if check.explains(shifted(k)):
            return Finding("offset", _offset_detail(k), {"steps": k})
    return None


def _alternating(most: int) -> Iterator[int]:
    for size in range(1, most + 1):
        yield size
        yield -size


def _offset_detail(k: int) -> str:
    n = abs(k)
    updates = f"{n} update{'s' if n != 1 else ''}"
    if k == 1:
        return (
            "the log runs 1 update ahead of the plan: it logged each update's next rate (the Hugging Face "
            "Trainer did so before transformers 4.51; read the rate before scheduler.step())"
        )
    if k > 0:
        return (
            f"the log runs {updates} ahead of the plan: log(t) = plan(t + {n}) (the scheduler stepped "
            f"{n} time(s) before each logged update, or the log's steps count from {n})"
        )
    return (
        f"the log runs {updates} behind the plan: log(t) = plan(t − {n}) (the scheduler started "
        f"{n} update(s) late, or the log's steps count from −{n})"
    )


def _unit(
    texts: Sequence[str], options: Sequence[Option], settings: RunSettings, plan: _Plan, check: _Check
) -> Finding | None:
    """The schedule stepped once an update where once an epoch was planned, or the reverse. An epoch's
    length the run does not know is read from the log: runs of equal consecutive rates, each of one
    length E (the staircase of a per-epoch schedule)."""
    planned_on = plan.run.step_on
    other = "update" if planned_on == "epoch" else "epoch"
    changed = replace(settings, step_on=other)
    per_epoch = plan.run.steps_per_epoch if plan.run.in_epochs else None
    inferred = False
    if per_epoch is None or per_epoch == 1:
        if other == "update":
            return None
        per_epoch = _staircase(check)
        if per_epoch is None:
            return None
        inferred = True
        changed = replace(changed, steps_per_epoch=per_epoch)
    try:
        series = build(texts, options, changed).curves.series[0]
    except LrvizError:
        return None
    if not check.explains(_Plan(series.spec, series.run).at):
        return None
    where = " (an epoch's length read from the log's staircase)" if inferred else ""
    if other == "update":
        detail = (
            f"the schedule stepped once an update where once an epoch ({per_epoch} updates) was planned: "
            "call scheduler.step() after each epoch, not each batch"
        )
    else:
        detail = (
            f"the schedule stepped once an epoch ({per_epoch} updates{where}) where once an update was "
            "planned: call scheduler.step() after each optimizer.step()"
        )
    return Finding("unit", detail, {"stepped": other, "planned": planned_on, "steps_per_epoch": per_epoch})


def _staircase(check: _Check) -> int | None:
    """The length E of the runs of equal rates of a per-epoch schedule in a log of every update: the
    most common run length (other than the first and last), if it is over 1 and most runs have it."""
    steps, rates = check.steps, check.rates
    if steps.size < 4 or not (np.diff(steps) == 1).all():
        return None
    edges = np.flatnonzero(np.diff(rates) != 0) + 1
    lengths = np.diff(edges)
    if lengths.size < 2:
        return None
    counts = np.bincount(lengths)
    common = int(counts.argmax())
    return common if common > 1 and 2 * counts[common] > lengths.size else None


def _horizon(plan: _Plan, settings: RunSettings, check: _Check, planned: Values) -> Finding | None:
    """Every horizon of the schedule divided by a ratio r: log(t) = plan(r·t) for a whole r (the
    schedule ran r times faster: T_max in epochs while stepping once an update gives r = the updates
    of an epoch), or the run and every steps parameter multiplied by m for r = 1/m. Candidates: the
    updates of an epoch, the devices, the accumulated batches and their inverses, and the ratio of
    where the plan and the log first reach their lowest rate."""
    run = plan.run
    candidates: list[Fraction] = []
    for n in (run.steps_per_epoch, settings.devices, settings.grad_accum):
        if n is not None and n > 1:
            candidates += [Fraction(n), Fraction(1, n)]
    estimate = _estimated(plan, check, planned)
    if estimate is not None:
        candidates.append(estimate)
    tried: set[Fraction] = set()
    for ratio in candidates:
        if ratio in tried or ratio == 1:
            continue
        tried.add(ratio)
        if ratio.denominator == 1:
            r = ratio.numerator

            def faster(steps: Steps, r: int = r) -> Values:
                return plan.at_any(steps * r)

            predict: Callable[[Steps], Values] = faster
        else:
            m = ratio.denominator
            try:
                slower = _Plan(_stretched(plan.spec, m), replace(run, steps=run.steps * m))
            except LrvizError:
                continue
            predict = slower.at
        if check.explains(predict):
            return Finding("horizon", _horizon_detail(ratio, run, settings), {"ratio": float(ratio)})
    return None


def _estimated(plan: _Plan, check: _Check, planned: Values) -> Fraction | None:
    """The ratio of where the plan first reaches its lowest rate to where the log does."""
    if plan.run.steps <= SPAN_LIMIT:
        low_plan = int(np.argmin(plan.at(np.arange(plan.run.steps, dtype=np.int64))))
    else:
        low_plan = int(check.steps[int(np.argmin(planned))])
    low_log = int(check.steps[int(np.argmin(check.rates))])
    if low_plan <= 0 or low_log <= 0:
        return None
    r = low_plan / low_log
    if r >= 1.5:
        return Fraction(round(r))
    if r <= 1 / 1.5:
        return Fraction(1, round(1 / r))
    return None


def _stretched(spec: Spec, m: int) -> Spec:
    """``spec`` with every whole-steps parameter multiplied by ``m``."""
    if isinstance(spec, Operation):
        return replace(spec, operands=tuple(_stretched(o, m) for o in spec.operands))
    if not isinstance(spec, Call):
        return spec
    args: dict[str, Any] = {}
    for name, value in spec.args.items():
        param = spec.entry.param(name)
        unit = param.unit if param is not None else ""
        if isinstance(value, Spec):
            value = _stretched(value, m)
        elif isinstance(value, tuple) and value and all(isinstance(v, Spec) for v in value):
            value = tuple(_stretched(v, m) for v in value)
        elif unit.startswith("steps") and isinstance(value, int) and not isinstance(value, bool):
            value = value * m
        elif unit == "steps" and isinstance(value, list) and all(isinstance(v, int) for v in value):
            value = [v * m for v in value]
        args[name] = value
    return checked_call(spec.entry, args, "")


def _horizon_detail(ratio: Fraction, run: Run, settings: RunSettings) -> str:
    why = ""
    n = ratio.numerator if ratio.denominator == 1 else ratio.denominator
    if n == run.steps_per_epoch:
        why = (
            " (the updates of an epoch: a horizon given in epochs while stepping once an update?)"
            if ratio.denominator == 1
            else " (the updates of an epoch: a horizon given in updates while stepping once an epoch?)"
        )
    elif n == settings.devices:
        why = " (the device count: a horizon counted in samples or global steps?)"
    elif n == settings.grad_accum:
        why = " (the accumulated batches: a horizon counted in batches, not updates?)"
    if ratio.denominator == 1:
        return f"the schedule ran {n}× faster than planned: every horizon is 1/{n} of the plan's{why}"
    return f"the schedule ran {n}× slower than planned: every horizon is {n}× the plan's{why}"


def _scale(check: _Check, planned: Values) -> Finding | None:
    """log = r·plan for one constant r ≠ 1 (zero where the plan is zero)."""
    nonzero = np.abs(planned) > check.atol
    if not nonzero.any():
        return None
    ratios = check.rates[nonzero] / planned[nonzero]
    r = float(np.median(ratios))
    if not math.isfinite(r) or r == 0 or abs(r - 1) <= 4 * check.rtol:
        return None
    predicted = r * planned
    if not check.close(predicted, check.rates).all():
        return None
    shown = _rounded(r)
    why = ""
    if shown == round(shown) and shown > 1:
        why = f": the base rate multiplied by {shown:g} (the device count, or a batch-size scaling?)"
    elif shown < 1 and 1 / shown == round(1 / shown):
        why = f": the base rate divided by {1 / shown:g} (a rate meant for {1 / shown:g} devices?)"
    return Finding(
        "scale", f"the rates are {shown:g}× the plan's throughout{why}", {"ratio": shown, "exact": r}
    )


def _rounded(r: float) -> float:
    """``r`` as the simple fraction it is within 10⁻⁶, else to 6 significant digits."""
    simple = Fraction(r).limit_denominator(64)
    if abs(float(simple) - r) <= 1e-6 * abs(r):
        return float(simple)
    return float(f"{r:.6g}")


def _resume(plan: _Plan, check: _Check, first: int) -> Finding | None:
    """From the first departure on, the plan from another place: restarted (log(t) = plan(t − s), the
    scheduler rebuilt at update s) or jumped (log(t) = plan(t + j)). Where the schedule may have gone
    to are the places of the plan whose rates are the log's at the departure (and the point after)."""
    at = int(check.steps[first])
    before = int(check.steps[first - 1]) if first > 0 else -1
    length = plan.run.steps
    whole = plan.at(np.arange(length, dtype=np.int64)) if length <= SPAN_LIMIT else None
    if whole is None:
        places = np.arange(0, min(at - before, length), dtype=np.int64)  # restarts only
    else:
        places = np.flatnonzero(check.close(whole, np.full(length, check.rates[first])))
        if first + 1 < check.steps.size:
            gap = int(check.steps[first + 1]) - at
            ahead = places + gap
            keep = ahead < length
            places = places[keep][
                check.close(whole[ahead[keep]], np.full(keep.sum(), check.rates[first + 1]))
            ]
        places = places[places != at]
    # restarts first (a place within the gap before the departure), then the smallest jumps
    restarts = places[places < at - before]
    jumps = places[places >= at - before]
    jumps = jumps[np.argsort(np.abs(jumps - at), kind="stable")]
    for place in [*restarts[:MATCHES].tolist(), *jumps[:MATCHES].tolist()]:
        j = int(place) - at

        def moved(steps: Steps, j: int = j) -> Values:
            return plan.at_any(steps + j)

        if not check.explains(moved, first):
            continue
        if int(place) < at - before:
            s = at - int(place)
            return Finding(
                "resume",
                f"the schedule restarted from its beginning at update {s:,}: a resumed run whose "
                "scheduler was rebuilt, not loaded from the checkpoint (load its state_dict)",
                {"at": s, "jump": j},
            )
        return Finding(
            "resume",
            f"from update {at:,} the schedule is {abs(j):,} updates {'ahead of' if j > 0 else 'behind'} the "
            "plan: a resume that restored the scheduler at the wrong step (log(t) = plan(t "
            f"{'+' if j > 0 else '−'} {abs(j)}))",
            {"at": at, "jump": j},
        )
    return None


def _other(check: _Check, planned: Values, first: int) -> Finding:
    at = int(check.steps[first])
    count = int(check.departures.size)
    return Finding(
        "other",
        f"the log parts from the plan at update {at:,}: logged {check.rates[first]:.9g}, planned "
        f"{planned[first]:.9g} ({count:,} of {check.steps.size:,} points differ; no offset, stepping "
        "unit, horizon, scale or resume explains it)",
        {"at": at, "logged": float(check.rates[first]), "planned": float(planned[first]), "differ": count},
    )
