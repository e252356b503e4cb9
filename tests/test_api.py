"""``lrviz.evaluate`` takes the command line's run options by name: the run, the data side, the
stepping and the metric, with ``E`` in a spec the updates of an epoch."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz


def cosine_after_warmup(peak: float, warmup: int, steps: int) -> list[float]:
    """A linear warm-up from 0 over ``warmup`` steps, then a half cosine to 0 over the rest."""
    rest = steps - warmup
    return [peak * t / warmup for t in range(warmup)] + [
        peak * (1 + math.cos(math.pi * t / rest)) / 2 for t in range(rest)
    ]


def test_steps_per_epoch_gives_E() -> None:
    rates = lrviz.evaluate("cosine(0.1, warmup=2*E)", 1000, steps_per_epoch=100)
    np.testing.assert_allclose(rates, cosine_after_warmup(0.1, 200, 1000), rtol=1e-12, atol=1e-15)


def test_epochs_and_the_data_side_size_the_run() -> None:
    updates = math.ceil(1000 / 32)  # a DataLoader keeps the partial last batch
    rates = lrviz.evaluate("cosine(0.1, warmup=E)", epochs=3, dataset_size=1000, batch_size=32)
    np.testing.assert_allclose(rates, cosine_after_warmup(0.1, updates, 3 * updates), rtol=1e-12, atol=1e-15)
    accumulated = lrviz.evaluate("cosine(0.1)", epochs=2, dataset_size=1000, batch_size=32, grad_accum=4)
    assert accumulated.size == 2 * math.ceil(updates / 4)


def test_step_on_epoch_holds_each_epoch() -> None:
    rates = lrviz.evaluate("0.1 * 0.5 ** t", epochs=3, steps_per_epoch=4, step_on="epoch")
    assert rates.tolist() == [0.1] * 4 + [0.05] * 4 + [0.025] * 4


def test_a_metric_file_is_read_by_name(tmp_path: Path) -> None:
    (tmp_path / "loss.csv").write_text("step,loss\n0,1\n1,1\n2,1\n3,1\n")
    rates = lrviz.evaluate("plateau(0.1, patience=1)", 4, metric=str(tmp_path / "loss.csv"))
    assert rates.tolist() == lrviz.evaluate("plateau(0.1, patience=1)", 4, metric=[1, 1, 1, 1]).tolist()
    assert rates[0] == 0.1
    assert rates[-1] == pytest.approx(0.01)


def test_parameters_and_chosen_steps_still_work() -> None:
    assert lrviz.evaluate("cosine", 100, max_lr=0.1)[0] == 0.1
    assert lrviz.evaluate("cosine(0.1)", 10**12, at=[-1]).tolist() == pytest.approx([0.0], abs=1e-20)
    assert lrviz.evaluate("cosine(0.1)", 5, dtype="float32").dtype == np.float32


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"steps_per_epoch": 0}, "steps per epoch must be a whole number"),
        ({"step_on": "batch"}, "step-on is update or epoch"),
        ({"epochs": 2}, "steps or as epochs, not both"),
        ({"batch_size": 32}, "dataset size and batch size together"),
        ({"max_lrr": 0.1}, "did you mean"),
        ({"momentum": True}, "takes momentum"),
    ],
)
def test_bad_run_options_are_one_line_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(lrviz.LrvizError, match=message) as caught:
        lrviz.evaluate("cosine(0.1)", 100, **options)
    assert "\n" not in str(caught.value)
