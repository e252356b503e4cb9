"""Feedback schedules: reduce-on-plateau against PyTorch on recorded and random metrics, the source
article's example, composition, metric files and their errors."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.clock.grid import Metric
from lrviz.errors import LrvizError
from lrviz.evaluation.run import Run, evaluate_spec, series
from lrviz.io.metric import MetricError, read_csv, synthetic
from lrviz.language.parser import parse
from tests.frameworks import assert_parity, require


def _rates(spec: str, values: list[float] | np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    run = Run(len(values) + 1, metric=Metric(np.arange(len(values)), values))
    return evaluate_spec(lrviz.parse(spec), run)


def test_the_articles_example() -> None:
    """patience=2: the first two epochs without improvement are ignored; the rate drops after the third."""
    rates = _rates("plateau(1, factor=0.5, patience=2)", [3, 2, 2, 2, 2, 2])
    # reports: 3 (best), 2 (best), then 2, 2, 2 without improvement: the third of them, at the end of
    # step 4, lowers the rate of step 5
    np.testing.assert_array_equal(rates, [1, 1, 1, 1, 1, 0.5, 0.5])


def test_recorded_trace_from_pytorch() -> None:
    # torch ReduceLROnPlateau(patience=1, factor=.5, cooldown=1) on [5,4,4,4,4,4,4,3,3,3] gives, after
    # each step(metric): 1, 1, 1, .5, .5, .5, .25, .25, .25, .125 — row t + 1 here
    rates = _rates("plateau(1, factor=0.5, patience=1, cooldown=1)", [5, 4, 4, 4, 4, 4, 4, 3, 3, 3])
    np.testing.assert_array_equal(rates[1:], [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125])


def test_it_composes_with_the_metric_of_its_own_steps() -> None:
    values = [9.0, 8.0, 7.0, 7.0, 7.0, 7.0, 7.0]
    rates = _rates("linear(0, 1, steps=2) >> plateau(1, factor=0.5, patience=1)", values)
    # the plateau part starts at step 2 and reads the reports of steps 2, 3, …: 7 (best), 7, 7
    np.testing.assert_array_equal(rates, [0, 0.5, 1, 1, 1, 0.5, 0.5, 0.25])


def test_without_a_metric_it_says_how_to_give_one() -> None:
    with pytest.raises(LrvizError, match="reacts to a metric and there is none: give --metric FILE"):
        lrviz.evaluate("plateau(0.1)", 10)


def test_restarts_refuse_a_feedback_schedule() -> None:
    with pytest.raises(LrvizError, match="restarts cannot repeat a feedback schedule"):
        lrviz.parse("restarts(plateau(0.1), period=10)")


class TestAgainstPyTorch:
    def run_torch(self, kwargs: dict[str, Any], values: np.ndarray, lr: float) -> np.ndarray:
        torch = require("torch")  # here, not at import: the rest of the module needs no framework
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
        rates = [optimizer.param_groups[0]["lr"]]
        for value in values:
            optimizer.step()
            scheduler.step(float(value))
            rates.append(optimizer.param_groups[0]["lr"])
        return np.array(rates)

    @pytest.mark.parametrize("seed", range(30))
    def test_random_metrics(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        steps = int(rng.integers(5, 300))
        kwargs = {
            "mode": str(rng.choice(["min", "max"])),
            "factor": float(rng.uniform(0.1, 0.9)),
            "patience": int(rng.integers(0, 8)),
            "threshold": float(rng.choice([0.0, 1e-4, 0.01, 0.1])),
            "threshold_mode": str(rng.choice(["rel", "abs"])),
            "cooldown": int(rng.integers(0, 5)),
            "min_lr": float(rng.choice([0.0, 1e-4])),
            "eps": float(rng.choice([1e-8, 1e-3])),
        }
        lr = float(rng.uniform(1e-3, 1))
        walk = np.cumsum(rng.normal(-0.01 if kwargs["mode"] == "min" else 0.01, 0.05, steps)) + 3
        values = np.where(rng.random(steps) < 0.2, np.round(walk, 1), walk)  # ties too
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        spec = f"torch.ReduceLROnPlateau(optimizer, {args}, lr={lr!r})"
        theirs = self.run_torch(kwargs, values, lr)
        assert_parity(spec, _rates(spec, values), theirs)
        assert_parity(spec, _rates(f"plateau({lr!r}, {args})", values), theirs)

    def test_nan_is_never_better(self) -> None:
        values = np.array([3.0, math.nan, math.nan, 2.0, math.nan])
        theirs = self.run_torch({"patience": 1, "factor": 0.5}, values, 1.0)
        assert_parity("nan", _rates("plateau(1, factor=0.5, patience=1)", values), theirs)


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "metric.csv"
    path.write_text(text)
    return path


def test_metric_files(tmp_path: Path) -> None:
    by_row = read_csv(_csv(tmp_path, "loss\n3\n2\n1\n"), None, 4, 1)
    assert by_row.steps.tolist() == [0, 1, 2]
    assert by_row.values.tolist() == [3, 2, 1]
    by_step = read_csv(_csv(tmp_path, "step,loss,acc\n0,3,0.1\n2,2,0.2\n4,1,0.3\n"), "loss", 5, 1)
    assert by_step.steps.tolist() == [0, 2, 4]
    by_epoch = read_csv(_csv(tmp_path, "epoch,val_loss\n0,3\n1,2\n"), None, 6, 3)
    assert by_epoch.steps.tolist() == [2, 5]  # each at the last step of its epoch


@pytest.mark.parametrize(
    ("text", "column", "steps", "message"),
    [
        ("", None, 3, "the file is empty"),
        ("loss\n1\n", "acc", 2, "no column 'acc'; the columns are loss"),
        ("loss\n1\nx\n", None, 3, "metric.csv:3: the loss column is not a number"),
        (
            "loss\n1\n2\n",
            None,
            10,
            "the run needs 9 loss values (one a step before its last) and the file has 2",
        ),
        ("step,loss\n3,1\n1,2\n", None, 4, "the step column must increase"),
    ],
)
def test_bad_metric_files(tmp_path: Path, text: str, column: str | None, steps: int, message: str) -> None:
    with pytest.raises(MetricError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_csv(_csv(tmp_path, text), column, steps, 1)


def test_synthetic_metric_is_seeded() -> None:
    a, b = synthetic(100, seed=4), synthetic(100, seed=4)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.values[0] > a.values[-1]


def test_cli_with_a_metric_file(cli: Any, tmp_path: Path) -> None:
    path = _csv(tmp_path, "step,loss\n" + "".join(f"{i},{max(1.0, 3 - 0.5 * i)}\n" for i in range(9)))
    result = cli("export", "plateau(0.1, factor=0.5, patience=1)", "-n", "10", "--metric", str(path))
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == ["step", "plateau(0.1, factor=0.5, patience=1)", "loss"]
    # the loss stops improving at step 4 (1.0); reports of steps 5 and 6 are the 1st and 2nd bad ones
    assert [float(r[1]) for r in rows[1:]] == [0.1] * 7 + [0.05] * 2 + [0.025]
    assert rows[1][2] == "3.0"
    missing = cli("table", "plateau(0.1)", "-n", "5", "--metric", str(tmp_path / "nope.csv"))
    assert missing.code == 2
    assert "no such metric file" in missing.err
    nan = _csv(tmp_path, "loss\n3\nnan\n2\n")
    noted = cli("table", "plateau(0.1)", "-n", "4", "--metric", str(nan))
    assert noted.code == 0
    assert "not finite at step 1" in noted.err


def _metric_walk(seed: int, steps: int, rising: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(0.01 if rising else -0.01, 0.05, steps)) + 3
    return np.where(rng.random(steps) < 0.2, np.round(walk, 1), walk)


@pytest.mark.parametrize("seed", range(12))
def test_keras_callback(seed: int) -> None:
    import os

    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = require("keras")
    rng = np.random.default_rng(seed)
    steps = int(rng.integers(5, 60))
    mode = str(rng.choice(["auto", "min", "max"]))
    kwargs = {
        "monitor": "val_loss" if mode == "auto" else "val_acc",
        "factor": float(rng.uniform(0.1, 0.9)),
        "patience": int(rng.integers(0, 6)),
        "mode": mode,
        "min_delta": float(rng.choice([0.0, 1e-4, 0.05])),
        "cooldown": int(rng.integers(0, 4)),
        "min_lr": float(rng.choice([0.0, 1e-4])),
    }
    lr = float(rng.uniform(1e-3, 1))
    values = _metric_walk(seed, steps, rising=mode == "max")

    class Model:
        def __init__(self) -> None:
            self.optimizer = keras.optimizers.SGD(learning_rate=lr)

    import warnings

    callback = keras.callbacks.ReduceLROnPlateau(**kwargs)
    callback.set_model(Model())
    callback.on_train_begin()
    with warnings.catch_warnings():  # Keras' own conversion warns under numpy 2
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs = [float(keras.ops.convert_to_numpy(callback.model.optimizer.learning_rate))]
        for epoch, value in enumerate(values):
            callback.on_epoch_end(epoch, {kwargs["monitor"]: float(value)})
            theirs.append(float(keras.ops.convert_to_numpy(callback.model.optimizer.learning_rate)))
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    spec = f"keras.ReduceLROnPlateau({args}, lr={lr!r})"
    assert_parity(spec, _rates(spec, values), theirs, float32=True)


@pytest.mark.parametrize("seed", range(12))
def test_optax_reduce_on_plateau(seed: int) -> None:
    jax = require("jax")
    contrib = require("optax.contrib")
    rng = np.random.default_rng(seed)
    steps = int(rng.integers(5, 60))
    kwargs = {
        "factor": float(rng.uniform(0.1, 0.9)),
        "patience": int(rng.integers(1, 6)),
        "rtol": float(rng.choice([1e-4, 0.01])),
        "atol": float(rng.choice([0.0, 0.01])),
        "cooldown": int(rng.integers(0, 4)),
        "accumulation_size": int(rng.integers(1, 4)),
        "min_scale": float(rng.choice([0.0, 0.05])),
    }
    values = _metric_walk(seed, steps)
    transform = contrib.reduce_on_plateau(**kwargs)
    params = jax.numpy.zeros(1)
    state = transform.init(params)
    theirs = []
    for value in values:
        _, state = transform.update(params, state, params, value=float(value))
        theirs.append(float(state.scale))
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    spec = f"optax.contrib.reduce_on_plateau({args})"
    rates = lrviz.evaluate(spec, steps, metric=values)
    assert_parity(spec, rates, theirs, float32=True)


def _timm_plateau() -> Any:
    import importlib

    from tests.frameworks import timm_schedulers

    timm_schedulers()
    return importlib.import_module("timm.scheduler.plateau_lr")


@pytest.mark.parametrize("seed", range(12))
def test_timm_plateau(seed: int) -> None:
    torch = require("torch")
    plateau_lr = _timm_plateau()
    rng = np.random.default_rng(seed)
    steps = int(rng.integers(5, 120))
    mode = str(rng.choice(["min", "max"]))
    kwargs = {
        "decay_rate": float(rng.uniform(0.1, 0.9)),
        "patience_t": int(rng.integers(0, 6)),
        "threshold": float(rng.choice([1e-4, 0.01])),
        "cooldown_t": int(rng.integers(0, 4)),
        "warmup_t": int(rng.integers(0, 6)),
        "warmup_lr_init": float(rng.uniform(0, 0.01)),
        "lr_min": float(rng.choice([0.0, 1e-4])),
        "mode": mode,
    }
    lr = float(rng.uniform(1e-2, 1))
    values = _metric_walk(seed, steps, rising=mode == "max")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = plateau_lr.PlateauLRScheduler(optimizer, **kwargs)
    theirs = [optimizer.param_groups[0]["lr"]]
    for epoch, value in enumerate(values):
        scheduler.step(epoch + 1, float(value))
        theirs.append(optimizer.param_groups[0]["lr"])
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    spec = f"timm.PlateauLRScheduler(optimizer, {args}, lr={lr!r})"
    assert_parity(spec, _rates(spec, values), theirs)


@pytest.mark.parametrize("seed", range(6))
def test_hf_reduce_lr_on_plateau(seed: int) -> None:
    torch = require("torch")
    optimization = require("transformers.optimization")
    rng = np.random.default_rng(seed)
    steps = int(rng.integers(5, 120))
    kwargs = {
        "patience": int(rng.integers(0, 6)),
        "factor": float(rng.uniform(0.1, 0.9)),
        "cooldown": int(rng.integers(0, 3)),
    }
    lr = float(rng.uniform(1e-3, 1))
    values = _metric_walk(seed, steps)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = optimization.get_scheduler(
        "reduce_lr_on_plateau", optimizer, scheduler_specific_kwargs=kwargs
    )
    theirs = [optimizer.param_groups[0]["lr"]]
    for value in values:
        optimizer.step()
        scheduler.step(float(value))
        theirs.append(optimizer.param_groups[0]["lr"])
    spec = f"hf.get_scheduler('reduce_lr_on_plateau', optimizer, scheduler_specific_kwargs={kwargs!r})"
    spec = spec[:-1] + f", lr={lr!r})"
    assert_parity(spec, _rates(spec, values), theirs)


FLAT_THEN_BETTER = np.array([3.0] * 5 + [3.0 - 0.1 * i for i in range(1, 30)])
"""A metric flat for steps 0–4, improving after: a plateau that starts at step 5 never reduces."""


@pytest.mark.parametrize(
    "text",
    [
        "seq(constant(0.1), plateau(0.1, factor=0.5, patience=1), at=[5])",
        "optax.join_schedules([constant(0.1), plateau(0.1, factor=0.5, patience=1)], [5])",
        "torch.SequentialLR(optimizer, schedulers=[torch.ConstantLR(optimizer, factor=1.0), "
        "plateau(0.1, factor=0.5, patience=1)], milestones=[5], lr=0.1)",
    ],
)
def test_a_part_reads_the_metric_of_its_own_steps_in_every_join(text: str) -> None:
    """Every sequence hands a part its own clock: the plateau, which starts at step 5, reads the
    metric from step 5 on (improving throughout), never the flat steps before it."""
    rates = lrviz.evaluate(text, FLAT_THEN_BETTER.size, metric=FLAT_THEN_BETTER)
    assert set(rates.tolist()) == {0.1}


@pytest.mark.parametrize(
    "text",
    [
        "plateau(0.1, factor=0.5, patience=1)",
        "torch.ReduceLROnPlateau(optimizer, factor=0.5, patience=1, lr=0.1)",
        "hf.get_scheduler('reduce_lr_on_plateau', optimizer, scheduler_specific_kwargs={'factor': 0.5, "
        "'patience': 1}, lr=0.1)",
        "timm.PlateauLRScheduler(optimizer, decay_rate=0.5, patience_t=1, mode='min', lr=0.1)",
        "optax.contrib.reduce_on_plateau(factor=0.5, patience=1, lr=0.1)",
        "keras.ReduceLROnPlateau(factor=0.5, patience=1, lr=0.1)",
        "linear(0, 0.1, steps=5) >> plateau(0.1, factor=0.5, patience=1)",
    ],
)
def test_every_reduction_is_marked_whoever_reduces(text: str) -> None:
    """The ▼ marks come from where the rate drops, for every feedback schedule, nested or not."""
    steps = 40
    metric = Metric(np.arange(steps), np.array([3.0, 2.0] + [2.0] * (steps - 2)))  # a plateau from step 1
    spec = lrviz.parse(text)
    made = series(spec, Run(steps, metric=metric), text)
    rates = made.values
    drops = [int(s) for s in np.flatnonzero(np.diff(rates) < 0) + 1 if rates[s - 1] > 0]
    assert drops
    assert [m.step for m in made.marks if m.kind == "reduced"] == drops


def test_a_scheduler_stepped_once_an_epoch_sees_the_metric_of_each_epoch_end() -> None:
    """ReduceLROnPlateau stepped after each epoch with that epoch's loss, as torch's documented loop
    does: a loss that never improves, patience 1, lowers the rate after the third and fifth epochs.
    A report in the middle of an epoch (a better loss at step 4) reaches no step of it."""
    ends = np.arange(6) * 3 + 2
    metric = Metric(np.sort(np.append(ends, 4)), np.array([1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]))
    spec = parse("torch.ReduceLROnPlateau(optimizer, patience=1, lr=0.1)")
    rates = evaluate_spec(spec, Run(18, steps_per_epoch=3, step_on="epoch", metric=metric))
    epochs = [0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]
    assert rates.tolist() == [rate for rate in epochs for _ in range(3)]
