"""lrviz verify's diagnosis engine, against logs from real PyTorch training loops that make the classic
mistakes: the rate recorded after scheduler.step() (the next update's), a horizon in epochs stepped per
batch, a per-epoch scheduler stepped per batch, a scaled base rate, a resume that rebuilt the scheduler."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz.errors import LrvizError
from lrviz.io.logs import Log
from lrviz.io.settings import RunSettings
from lrviz.tools.verify import Finding, Verdict, verify
from tests.frameworks import require

WARMUP_COSINE = (
    "torch.SequentialLR(optimizer, schedulers=[torch.LinearLR(optimizer, start_factor=0.01, total_iters=50),"
    " torch.CosineAnnealingLR(optimizer, T_max=950)], milestones=[50], lr=0.1)"
)


def _log(steps: Any, rates: Any, float32: bool = False) -> Log:
    rates = np.asarray(rates, dtype=np.float64)
    if float32:
        rates = rates.astype(np.float32).astype(np.float64)
    return Log(
        Path("run.csv"), "csv", "lr", np.asarray(steps, dtype=np.int64), rates, float32, "step s is update s"
    )


def _train(
    make: Callable[[Any], Any],
    updates: int,
    *,
    lr: float = 0.1,
    per_epoch: int = 1,
    step_every: str = "update",
    record: str = "before",
    rebuild_at: int | None = None,
) -> list[float]:
    """A plain PyTorch loop of ``updates`` optimizer updates (``per_epoch`` an epoch), the scheduler
    stepped after each update or each epoch, recording ``param_groups[0]['lr']`` for each update: the
    rate it used (``before`` the step), or the next one (``after`` scheduler.step()). At ``rebuild_at``
    the run resumes with its optimizer's rate restored and a scheduler built from scratch."""
    torch = require("torch")
    weight = torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.SGD([weight], lr=lr)
    scheduler = make(optimizer)
    rates: list[float] = []
    for update in range(updates):
        if update == rebuild_at:
            state = optimizer.state_dict()
            optimizer = torch.optim.SGD([weight], lr=lr)
            optimizer.load_state_dict(state)
            for group in optimizer.param_groups:
                group["lr"] = lr
                group.pop("initial_lr", None)
            scheduler = make(optimizer)
        if record == "before":
            rates.append(optimizer.param_groups[0]["lr"])
        weight.grad = torch.ones(2)
        optimizer.step()
        if step_every == "update" or (update + 1) % per_epoch == 0:
            scheduler.step()
        if record == "after":
            rates.append(optimizer.param_groups[0]["lr"])
    return rates


def _warmup_cosine(optimizer: Any) -> Any:
    torch = require("torch")
    lr = torch.optim.lr_scheduler
    warm = lr.LinearLR(optimizer, start_factor=0.01, total_iters=50)
    cosine = lr.CosineAnnealingLR(optimizer, T_max=950)
    return lr.SequentialLR(optimizer, [warm, cosine], milestones=[50])


def _cause(verdict: Verdict) -> Finding:
    return verdict.findings[-1]


def test_correct_run_matches() -> None:
    rates = _train(_warmup_cosine, 1000)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(range(1000), rates))
    assert verdict.match
    assert verdict.first_departure is None
    assert verdict.findings == ()
    assert verdict.compared == 1000
    assert verdict.to_data() == {"match": True, "first_departure": None, "findings": []}


def test_correct_run_matches_in_float32() -> None:
    rates = _train(_warmup_cosine, 1000)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(range(1000), rates, float32=True))
    assert verdict.match


def test_next_rate_recorded_is_an_offset_float32_hides_but_at_the_warmup_end() -> None:
    rates = _train(_warmup_cosine, 1000, record="after")
    log = _log(range(1000), rates, float32=True)
    before = _train(_warmup_cosine, 1000)
    # float32 hides the offset over most of the cosine: the point of comparing every logged point
    hidden = np.float32(rates[500]) == np.float32(before[501])
    assert hidden
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), log)
    assert not verdict.match
    assert _cause(verdict).code == "offset"
    assert _cause(verdict).data["steps"] == 1
    assert "ahead" in _cause(verdict).detail
    assert verdict.first_departure == 0  # the warm-up's first step already differs


def test_offset_only_at_the_sharp_places_is_no_match() -> None:
    """Past the warm-up, the offset hides in float32 except near the cosine's start: a log of those
    steps alone still departs, at the first place it shows."""
    rates = np.asarray(_train(_warmup_cosine, 1000, record="after"))
    steps = np.arange(40, 1000)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(steps, rates[steps], float32=True))
    assert not verdict.match
    assert _cause(verdict).code == "offset"
    assert verdict.first_departure is not None
    assert verdict.first_departure < 60


def test_horizon_in_epochs_stepped_per_batch() -> None:
    torch = require("torch")
    epochs, batches = 10, 50
    rates = _train(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=epochs), epochs * batches)
    spec = f"torch.CosineAnnealingLR(optimizer, T_max={epochs * batches}, lr=0.1)"
    settings = RunSettings(epochs=epochs, steps_per_epoch=batches)
    verdict = verify([spec], [], settings, _log(range(epochs * batches), rates))
    assert not verdict.match
    assert verdict.first_departure == 1
    assert _cause(verdict).code == "horizon"
    assert _cause(verdict).data["ratio"] == batches
    assert "50× faster" in _cause(verdict).detail


def test_horizon_counted_in_batches_with_accumulation() -> None:
    """T_max counted in batches (1000) where the plan counts updates (250, accumulating 4 batches an
    update): the schedule ran 4× slower."""
    torch = require("torch")
    rates = _train(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=1000), 250)
    settings = RunSettings(epochs=1, dataset_size=4000, batch_size=4, grad_accum=4)
    spec = "torch.CosineAnnealingLR(optimizer, T_max=250, lr=0.1)"
    verdict = verify([spec], [], settings, _log(range(250), rates, float32=True))
    cause = _cause(verdict)
    assert cause.code == "horizon"
    assert cause.data["ratio"] == 0.25
    assert "4× slower" in cause.detail
    assert "accumulated" in cause.detail


def test_per_epoch_step_lr_stepped_per_batch_is_the_unit() -> None:
    torch = require("torch")
    epochs, batches = 12, 20
    rates = _train(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), epochs * batches)
    spec = "torch.StepLR(optimizer, step_size=3, gamma=0.5, lr=0.1)"
    settings = RunSettings(epochs=epochs, steps_per_epoch=batches, step_on="epoch")
    verdict = verify([spec], [], settings, _log(range(epochs * batches), rates))
    assert not verdict.match
    assert verdict.first_departure == 3
    cause = _cause(verdict)
    assert cause.code == "unit"
    assert cause.data["stepped"] == "update"
    assert cause.data["steps_per_epoch"] == 20


def test_per_update_plan_stepped_per_epoch_infers_the_epoch() -> None:
    torch = require("torch")
    epochs, batches = 8, 25
    make = lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8)  # noqa: E731
    rates = _train(make, epochs * batches, per_epoch=batches, step_every="epoch")
    verdict = verify(
        ["torch.ExponentialLR(optimizer, gamma=0.8, lr=0.1)"],
        [],
        RunSettings(steps=200),
        _log(range(200), rates),
    )
    cause = _cause(verdict)
    assert cause.code == "unit"
    assert cause.data["stepped"] == "epoch"
    assert cause.data["steps_per_epoch"] == 25


def test_base_rate_times_four_is_a_scale() -> None:
    rates = _train(_warmup_cosine, 1000, lr=0.4)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(range(1000), rates))
    cause = _cause(verdict)
    assert cause.code == "scale"
    assert cause.data["ratio"] == 4
    assert cause.data["exact"] == pytest.approx(4, rel=1e-12)
    assert "4×" in cause.detail


def test_scheduler_rebuilt_on_resume_restarts_the_schedule() -> None:
    rates = _train(_warmup_cosine, 1000, rebuild_at=300)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(range(1000), rates))
    cause = _cause(verdict)
    assert verdict.first_departure == 300
    assert cause.code == "resume"
    assert cause.data["at"] == 300
    assert cause.data["jump"] == -300


def test_sparse_log_matches() -> None:
    rates = np.asarray(_train(_warmup_cosine, 1000))
    steps = np.arange(0, 1000, 10)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(steps, rates[steps], float32=True))
    assert verdict.match
    assert verdict.compared == 100


def test_sparse_log_of_a_resume() -> None:
    rates = np.asarray(_train(_warmup_cosine, 1000, rebuild_at=300))
    steps = np.arange(0, 1000, 10)
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(steps, rates[steps]))
    assert _cause(verdict).code == "resume"
    assert _cause(verdict).data["at"] == 300


def test_log_longer_than_the_plan() -> None:
    torch = require("torch")
    rates = _train(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=600), 600)
    verdict = verify(
        ["torch.CosineAnnealingLR(optimizer, T_max=600, lr=0.1)"],
        [],
        RunSettings(steps=500),
        _log(range(600), rates),
    )
    assert verdict.match
    assert verdict.compared == 500
    (longer,) = verdict.findings
    assert longer.code == "longer"
    assert longer.data["beyond"] == 100


def test_a_plan_without_a_length_is_sized_to_the_log() -> None:
    torch = require("torch")
    rates = _train(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.99), 300)
    verdict = verify(
        ["torch.ExponentialLR(optimizer, gamma=0.99, lr=0.1)"], [], RunSettings(), _log(range(300), rates)
    )
    assert verdict.match
    assert verdict.findings[0].code == "sized"
    assert verdict.findings[0].data["steps"] == 300


def test_other_departure() -> None:
    rates = np.asarray(_train(_warmup_cosine, 1000))
    rates[700:] = 0.05
    verdict = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(range(1000), rates))
    cause = _cause(verdict)
    assert cause.code == "other"
    assert cause.data["at"] == 700 == verdict.first_departure
    assert cause.data["logged"] == 0.05


def test_to_data_shape() -> None:
    rates = _train(_warmup_cosine, 1000, lr=0.4)
    data = verify([WARMUP_COSINE], [], RunSettings(steps=1000), _log(range(1000), rates)).to_data()
    assert list(data) == ["match", "first_departure", "findings"]
    assert data["match"] is False
    assert data["first_departure"] == 0
    (finding,) = data["findings"]
    assert set(finding) == {"code", "detail", "ratio", "exact"}
    assert finding["code"] == "scale"
    json.dumps(data)


def test_a_line_up_is_refused() -> None:
    with pytest.raises(LrvizError, match="one schedule"):
        verify(["cosine(0.1)", "linear(0.1, 0)"], [], RunSettings(steps=10), _log(range(10), np.ones(10)))


def test_a_million_points_verify_in_seconds() -> None:
    """The engine's own speed: a million-point float32 log of PyTorch's closed-form cosine, a step
    ahead (the offset search and the re-evaluation), timed."""
    n = 1_000_000
    ahead = 0.05 * (1 + np.cos(np.pi * np.arange(1, n + 1) / n))
    spec = f"torch.CosineAnnealingLR(optimizer, T_max={n}, lr=0.1)"
    start = time.perf_counter()
    verdict = verify([spec], [], RunSettings(steps=n), _log(range(n), ahead, float32=True))
    assert _cause(verdict).code == "offset"
    assert time.perf_counter() - start < 10
