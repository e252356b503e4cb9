"""One contract over the whole registry: every built-in evaluates to finite float64 rates, the same
whole or step by step, and is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
import lrviz.evaluation.run
from lrviz.language.catalogue import dialects, entries
from lrviz.tools.describe import EXAMPLE_STEPS, markdown

EXAMPLES = {
    "constant": "constant(0.1, warmup=3)",
    "linear": "linear(0.1, 0.001)",
    "step": "step(0.1, 7, gamma=0.5, warmup=0.1)",
    "multistep": "multistep(0.1, [5, 20, 33])",
    "exponential": "exponential(0.1, 0.97)",
    "polynomial": "polynomial(0.1, power=2, min_lr=1e-3, steps=30, cycle=True)",
    "cosine": "cosine(0.1, 1e-4, warmup=5)",
    "log_annealing": "log_annealing(0.1, 1e-3)",
    "inverse_time": "inverse_time(0.1, 0.2, staircase=True)",
    "inverse_sqrt": "inverse_sqrt(0.1, warmup=6)",
    "noam": "noam(256, warmup=8)",
    "tanh": "tanh(0.1, 1e-3)",
    "rex": "rex(0.1, warmup=0.1)",
    "wsd": "wsd(0.1, decay=0.3, decay_type='1-sqrt', warmup=4)",
    "onecycle": "onecycle(0.1, three_phase=True)",
    "cyclic": "cyclic(1e-3, 0.1, 4, step_size_down=7, mode='exp_range', gamma=0.99)",
    "piecewise": "piecewise([10, 20], [0.1, 0.05, 0.01])",
    "interp": "interp([(0, 0), (10, 0.1), (40, 0.01)], method='cosine')",
    "seq": "seq(linear(0, 0.1), cosine(0.1), step(0.01, 2), at=[6, 30])",
    "warmup": "warmup(exponential(0.1, 0.9), 0.2, warmup_start=0.01)",
    "restarts": "restarts(cosine(0.1), period=5, mult=2, decay=0.8)",
    "cooldown": "cooldown(inverse_sqrt(0.1, warmup=5), 0.3, cooldown_shape='cosine')",
    "clock": "clock(cosine(0.1, steps=9), every=3.5, per=2, shift=1)",
    "plateau": "plateau(0.1, factor=0.5, patience=2, cooldown=1)",
}
METRIC = np.linspace(3, 1, 60).round(1)  # improving, with plateaus where the rounding repeats values
STEPS = 53


def test_every_schedule_has_an_example() -> None:
    assert EXAMPLES.keys() == {entry.name for entry in entries()}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_contract(name: str) -> None:
    spec = lrviz.parse(EXAMPLES[name])
    values = lrviz.evaluate(spec, STEPS, metric=METRIC)
    assert values.shape == (STEPS,)
    assert values.dtype == np.float64
    assert np.isfinite(values).all()
    from lrviz.clock.grid import Grid, Metric

    if lrviz.evaluation.run.needs_history(
        spec
    ):  # each step from the steps before it: a prefix of the run is the run's
        metric = Metric(np.arange(METRIC.size), METRIC)
        step_by_step = [spec.evaluate(Grid(0, t + 1, metric=metric), STEPS)[t] for t in range(STEPS)]
    else:
        step_by_step = [spec.evaluate(np.array([float(t)]), STEPS)[0] for t in range(STEPS)]
    np.testing.assert_array_equal(values, step_by_step)
    reparsed = lrviz.evaluate(lrviz.parse(spec.render()), STEPS, metric=METRIC)
    np.testing.assert_array_equal(values, reparsed)


@pytest.mark.parametrize("entry", list(entries()), ids=lambda e: e.name)
def test_documented(entry: object) -> None:
    from lrviz.schedules.entry import Entry

    assert isinstance(entry, Entry)
    assert entry.summary
    assert entry.doc.formula
    assert entry.doc.example
    assert '"' not in entry.doc.example  # it is shown inside double quotes
    assert np.isfinite(lrviz.evaluate(entry.doc.example, EXAMPLE_STEPS, metric=np.ones(EXAMPLE_STEPS))).all()


def test_readme_table_matches_the_registry() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- schedules -->\n(.*?)<!-- /schedules -->", readme, re.S)
    assert found, "README.md needs the schedule table between <!-- schedules --> markers"
    assert found.group(1) == markdown(), "regenerate the README table with: lrviz list --markdown"


def test_readme_lists_every_framework_name() -> None:
    from lrviz.tools.describe import dialects_markdown

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- dialects -->\n(.*?)<!-- /dialects -->", readme, re.S)
    assert found, "README.md needs the dialect list between <!-- dialects --> markers"
    assert found.group(1) == dialects_markdown()


@pytest.mark.parametrize("entry", [e for d in dialects() for e in entries(d)], ids=lambda e: e.name)
def test_dialects_are_documented(entry: object) -> None:
    from lrviz.schedules.entry import Entry

    assert isinstance(entry, Entry)
    assert entry.summary
    assert entry.doc.formula
    assert entry.doc.example
    values = lrviz.evaluate(entry.doc.example, EXAMPLE_STEPS, metric=np.ones(EXAMPLE_STEPS))
    assert values.shape == (EXAMPLE_STEPS,)
    assert np.isfinite(values).all()


@pytest.mark.parametrize(
    "entry", [e for d in ("", "torch", "hf", "optax", "keras", "timm") for e in entries(d)], ids=str
)
def test_every_framework_name_a_schedule_matches_is_one_lrviz_speaks(entry: Any) -> None:
    """``lrviz describe`` names only framework schedules that lrviz itself accepts."""
    from lrviz.language.catalogue import find

    for match in entry.matches:
        for name in re.findall(r"\b((?:torch|optax|keras|hf|timm)\.[A-Za-z_]\w*)", match):
            assert find(name) is not None, f"{entry.name}: {match}"
