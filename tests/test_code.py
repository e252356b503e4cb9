"""`lrviz code`: the printed code, executed against the real framework, gives lrviz's rate at every step —
for every built-in schedule and every framework dialect, to every target."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.gallery import EXAMPLE_STEPS
from lrviz.registry import entries
from tests.frameworks import assert_parity, require
from tests.test_contract import EXAMPLES
from tests.test_contract import STEPS as NEUTRAL_STEPS

KERAS_STEPS = 300  # Keras is called once a step: a prefix of the run is enough
DIALECTS = ("torch", "hf", "optax", "keras", "timm")
CASES = [(text, NEUTRAL_STEPS) for text in EXAMPLES.values()] + [
    (" ".join(e.doc.example.split()), EXAMPLE_STEPS) for d in DIALECTS for e in entries(d)
]


def _metric(steps: int) -> np.ndarray:
    return np.linspace(3, 1, steps).round(1)  # improving, with plateaus


def _is_feedback(text: str) -> bool:
    return "plateau" in text.lower()


def _code(cli: Any, text: str, steps: int, to: str) -> tuple[int, str]:
    result = cli("code", text, "--steps", str(steps), "--to", to)
    return result.code, result.out if result.code == 0 else result.err


def _run_torch(code: str, steps: int, feedback: bool) -> np.ndarray:
    torch = require("torch")
    if "transformers" in code:
        require("transformers")
    names: dict[str, Any] = {"model": torch.nn.Linear(1, 1)}
    exec(code, names)
    optimizer, scheduler = names["optimizer"], names["scheduler"]
    rates, metric = [], _metric(steps)
    for t in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step(metric[t]) if feedback else scheduler.step()
    return np.array(rates)


def _run_optax(code: str, steps: int) -> np.ndarray:
    jax = require("jax")
    require("optax")
    names: dict[str, Any] = {}
    exec(code, names)
    return np.asarray(jax.vmap(names["schedule"])(jax.numpy.arange(steps)), dtype=np.float64)


def _run_keras(code: str, steps: int) -> np.ndarray:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = require("keras")
    names: dict[str, Any] = {}
    exec(code, names)
    schedule = names["schedule"]
    return np.array([float(keras.ops.convert_to_numpy(schedule(t))) for t in range(steps)])


@pytest.mark.parametrize("to", ["torch", "hf", "optax", "keras"])
@pytest.mark.parametrize(("text", "steps"), CASES, ids=[text for text, _ in CASES])
def test_printed_code_gives_lrvizs_rates(cli: Any, text: str, steps: int, to: str) -> None:
    feedback = _is_feedback(text)
    status, code = _code(cli, text, steps, to)
    in_dialect = text.startswith(f"{to}.") or (to == "hf" and text.startswith("torch."))
    # a feedback schedule has code only as PyTorch's own ReduceLROnPlateau (lrviz's plateau is one)
    if feedback and not (to in ("torch", "hf") and (in_dialect or text.startswith("plateau("))):
        assert status == 2
        assert "reacts to a metric while training: its rates cannot be computed ahead" in code
        return
    assert status == 0, code
    native = "lrviz." not in code
    assert native or not in_dialect, code  # a spec in the target's dialect is the framework's own call
    assert "# Assumes: " in code
    metric = _metric(steps) if feedback else None
    if to in ("torch", "hf"):
        theirs = _run_torch(code, steps, feedback)
        ours = lrviz.evaluate(text, steps, metric=metric)
    else:
        theirs = _run_optax(code, steps) if to == "optax" else _run_keras(code, min(steps, KERAS_STEPS))
        ours = lrviz.evaluate(text, steps, dtype="float32").astype(np.float64)[: theirs.size]
    if native:
        assert_parity(text, ours, theirs, float32=to in ("optax", "keras"))
    else:  # lrviz's adapter: the very same numbers
        np.testing.assert_array_equal(theirs, ours)


def test_native_code_states_the_optimizers_rate(cli: Any) -> None:
    result = cli("code", "torch.CosineAnnealingLR(optimizer, T_max=100, lr=0.1)", "--to", "torch")
    assert result.code == 0, result.err
    assert "lr=0.1)" in result.out
    assert "the optimizer's learning rate is 0.1, which the scheduler scales" in result.out
    assert "scheduler.step() once per update" in result.out


@pytest.mark.parametrize(
    ("spec", "to", "written"),
    [
        (
            "cosine(0.1, 1e-4)",
            "torch",
            "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer=optimizer, T_max=100",
        ),
        ("step(0.1, 7, gamma=0.5)", "keras", "keras.optimizers.schedules.ExponentialDecay("),
        ("exponential(0.1, 0.97)", "optax", "optax.exponential_decay(init_value=0.1, transition_steps=1"),
        (
            "multistep(0.1, [30, 60])",
            "hf",
            "torch.optim.lr_scheduler.MultiStepLR(optimizer=optimizer, milestones=[30, 60]",
        ),
        (
            "cosine(0.1, warmup=5)",
            "torch",
            "lrviz.torch.scheduler('cosine(0.1, warmup=5)', optimizer, steps=100)",
        ),
        ("cosine(0.1)", "optax", "lrviz.optax.schedule('cosine(0.1)', steps=100)"),
        (
            "torch.LambdaLR(optimizer, lr_lambda=lambda e: 1 - 1e-3 * e, lr=0.1)",
            "torch",
            "lr_lambda=lambda step: 1",
        ),
        ("torch.LambdaLR(optimizer, lr_lambda=lambda e: exp(-e), lr=0.1)", "torch", "lrviz.torch.scheduler("),
    ],
)
def test_each_spec_is_written_as_a_framework_call_where_one_draws_it(
    cli: Any, spec: str, to: str, written: str
) -> None:
    result = cli("code", spec, "-n", "100", "--to", to)
    assert result.code == 0, result.err
    assert written in result.out


def test_epoch_stepping_is_stated(cli: Any) -> None:
    result = cli(
        "code",
        "cosine(0.1)",
        "--epochs",
        "10",
        "--steps-per-epoch",
        "5",
        "--step-on",
        "epoch",
        "--to",
        "torch",
    )
    assert result.code == 0, result.err
    assert "scheduler.step() once per epoch" in result.out
    assert "CosineAnnealingLR(optimizer=optimizer, T_max=10," in result.out  # the horizon in epochs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["cosine(0.1)", "--steps", "10", "--to", "jax"],
            "--to is one of torch, hf, optax, keras, got 'jax'",
        ),
        (["cosine(0.1)", "--to", "torch"], "say how long the run is"),
        (["cosin(0.1)", "--steps", "10", "--to", "torch"], "unknown schedule"),
        (
            ["cosine(0.1)", "--epochs", "3", "--step-on", "epoch", "--to", "optax"],
            "optax counts optimizer updates, not epochs",
        ),
        (["cosine(0.1)", "linear(0, 1)", "--steps", "10", "--to", "torch"], "writes one schedule, got 2"),
        (
            ["cosine(0.1)", "-n", "5", "--dtype", "float32", "--to", "keras"],
            "lrviz code: --dtype does not apply",
        ),
    ],
)
def test_bad_input(cli: Any, args: list[str], message: str) -> None:
    result = cli("code", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert result.out == ""
