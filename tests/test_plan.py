"""Training plans: updates an epoch worked out by hand, E in specs, stepping on epochs, resuming."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError, RunError
from lrviz.evaluation.plan import Plan
from lrviz.evaluation.run import Run, evaluate_spec
from lrviz.io.settings import RunSettings


@pytest.mark.parametrize(
    ("plan", "per_device", "batches", "updates"),
    [
        # 50 000 samples, 2 devices: 25 000 each; batches of 64: 390 full + one of 40 = 391;
        # accumulating 2: 195 full updates + the last batch alone = 196
        (Plan(50_000, 64, grad_accum=2, devices=2), 25_000, 391, 196),
        # drop_last drops the batch of 40: 390 batches, 195 updates
        (Plan(50_000, 64, drop_last=True, grad_accum=2, devices=2), 25_000, 390, 195),
        # 1 001 samples over 4 devices: the sampler pads to 251 each; batches of 10: 26 (the last of 1)
        (Plan(1_001, 10, devices=4), 251, 26, 26),
        # accumulation remainder: 26 batches, 4 an update: 6 full + 2 left over = 7 updates
        (Plan(1_001, 10, grad_accum=4, devices=4), 251, 26, 7),
        (Plan(60_000, 128), 60_000, 469, 469),
    ],
)
def test_updates_an_epoch(plan: Plan, per_device: int, batches: int, updates: int) -> None:
    assert (plan.per_device, plan.batches, plan.updates) == (per_device, batches, updates)
    assert plan.derivation().startswith(f"{updates:,} updates an epoch")


def test_derivation_names_every_rounding() -> None:
    text = Plan(50_000, 64, grad_accum=2, devices=2).derivation()
    assert "over 2 devices is 25,000 each" in text
    assert "391 batches, the last one of 40" in text
    assert "196 updates (the last 1 step at the epoch's end)" in text


def test_plans_that_cannot_train() -> None:
    with pytest.raises(RunError, match="make no full batch"):
        Plan(10, 64, drop_last=True)
    with pytest.raises(RunError, match="batch size must be a positive integer"):
        Plan(10, 0)
    with pytest.raises(LrvizError, match="dataset size and batch size together"):
        RunSettings(epochs=2, dataset_size=100).run()
    with pytest.raises(LrvizError, match="grad accum goes with dataset size and batch size"):
        RunSettings(epochs=2, grad_accum=2).run()
    with pytest.raises(LrvizError, match="not both"):
        RunSettings(epochs=2, steps_per_epoch=3, dataset_size=10, batch_size=2).run()


@pytest.mark.parametrize(
    "name", ["steps", "epochs", "steps_per_epoch", "dataset_size", "batch_size", "grad_accum", "devices"]
)
@pytest.mark.parametrize("value", [2**53 + 1, 10**400])
def test_every_count_of_a_run_is_bounded_where_it_is_given(name: str, value: int) -> None:
    """A run setting of hundreds of digits is refused at once, in one line, rather than overflowing a
    float where it is used (the updates of an epoch, E in a spec)."""
    with pytest.raises(RunError, match=r"must be a whole number from 1 to 2\^53") as error:
        RunSettings(**{name: value})  # type: ignore[arg-type]
    assert len(str(error.value)) < 200


def test_a_plan_counts_exactly_at_any_size() -> None:
    big = 10**400
    assert Plan(big, 3).per_device == big
    assert Plan(big + 1, big).batches == 2
    assert Plan(2**53 + 1, 1, grad_accum=2).updates == 2**52 + 1


def test_e_is_the_updates_of_an_epoch() -> None:
    run = RunSettings(epochs=3, dataset_size=1_000, batch_size=100).run()
    assert run.steps == 30
    spec = lrviz.parse("cosine(1, warmup=2*E)", {"E": run.steps_per_epoch})
    values = evaluate_spec(spec, run)
    np.testing.assert_allclose(values[:20], np.arange(20) / 20)
    assert values[20] == 1.0
    with pytest.raises(LrvizError, match="E is the optimizer updates in an epoch"):
        lrviz.parse("cosine(1, warmup=2*E)")


def test_stepping_on_epochs_holds_each_epochs_rate() -> None:
    values = evaluate_spec(
        lrviz.parse("step(1, 2, gamma=0.5)"), Run.of(epochs=5, steps_per_epoch=3, step_on="epoch")
    )
    np.testing.assert_array_equal(values, np.repeat([1, 1, 0.5, 0.5, 0.25], 3))


def test_cli_with_a_plan(cli: Any) -> None:
    result = cli(
        "export",
        "cosine(0.1, warmup=E)",
        "--epochs",
        "2",
        "--dataset-size",
        "100",
        "--batch-size",
        "30",
        "--grad-accum",
        "2",
    )
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    # 100 samples in batches of 30: 4 batches (the last of 10); accumulating 2: 2 updates an epoch
    assert [r[1] for r in rows[1:]] == ["0.0", "0.5", "1.0", "1.5"]
    assert [float(r[2]) for r in rows[1:3]] == [0.0, 0.05]
    table = cli("table", "cosine(0.1)", "--epochs", "2", "--dataset-size", "100", "--batch-size", "30")
    assert "4 updates an epoch: 100 samples; in batches of 30 is 4 batches, the last one of 10" in " ".join(
        table.out.split()
    )


def test_cli_resume_preview(cli: Any, tmp_path: Path) -> None:
    table = cli("table", "step(0.1, 10)", "-n", "30", "--resume-at", "17")
    line = next(line for line in table.out.splitlines() if line.split()[0] == "17")
    assert line.split()[1] == "0.01"
    assert "resume" in line
    bad = cli("table", "step(0.1, 10)", "-n", "30", "--resume-at", "30")
    assert bad.code == 2
    assert "--resume-at 30 is not a step of this 30-step run" in bad.err


def test_plot_has_an_epoch_axis_and_the_resume_marker() -> None:
    from lrviz.evaluation.lineup import Item
    from lrviz.evaluation.lineup import evaluate as evaluate_lineup
    from lrviz.render import plot

    run = Run.of(epochs=4, steps_per_epoch=5)
    curves = evaluate_lineup([Item("s", lrviz.parse("step(1, 10, gamma=0.5)"))], run)
    from dataclasses import replace

    (ax,) = [a for a in plot.figure(replace(curves, resume_at=12), plot.Style()).axes if a.get_ylabel()]
    assert ax.child_axes
    assert ax.child_axes[0].get_xlabel() == "epoch"
    marker = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(marker) == 1
    assert np.asarray(marker[0].get_ydata()).tolist() == [0.5]


def test_config_with_a_plan(tmp_path: Path) -> None:
    from lrviz.io.config import load
    from lrviz.tools.build import build

    path = tmp_path / "plan.yaml"
    path.write_text(
        "epochs: 2\ndataset_size: 100\nbatch_size: 30\ngrad_accum: 2\nstep_on: epoch\n"
        "schedules:\n  a: step(1, 1, gamma=0.5)\n  b: linear(0, 1, steps=E)\n"
    )
    curves = build([str(load(path).path)]).curves
    np.testing.assert_array_equal(curves.series[0].values, [1, 1, 0.5, 0.5])
    assert curves.series[1].spec.render() == "linear(0.0, 1.0, steps=2)"
