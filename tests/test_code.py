"""`lrviz code`: the printed code, executed against the real framework, gives lrviz's rate at every step —
for every built-in schedule and every framework dialect, to every target — and the common schedules,
warmed up or not, are the frameworks' own code, with no lrviz at training time."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.evaluation.run import Run, evaluate_spec
from lrviz.language.catalogue import entries
from lrviz.tools.code import CALLBACKS
from lrviz.tools.describe import EXAMPLE_STEPS
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


def _run_torch_per_epoch(code: str, epochs: int, per_epoch: int) -> np.ndarray:
    """The rate of every update, stepping the scheduler at the end of each epoch."""
    torch = require("torch")
    names: dict[str, Any] = {"model": torch.nn.Linear(1, 1)}
    exec(code, names)
    optimizer, scheduler = names["optimizer"], names["scheduler"]
    rates = []
    for _ in range(epochs):
        for _ in range(per_epoch):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
        scheduler.step()
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
    in_dialect &= not text.startswith(tuple(f"{name}(" for name in CALLBACKS))  # no schedule object
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
        ("cosine(0.1, warmup=5)", "torch", "lr_lambda=lambda step: step / 5 if step < 5 else (1 + math.cos("),
        ("cosine(0.1)", "optax", "optax.cosine_decay_schedule(init_value=0.1, decay_steps=100, alpha=0.0)"),
        (
            "torch.LambdaLR(optimizer, lr_lambda=lambda e: 1 - 1e-3 * e, lr=0.1)",
            "torch",
            "lr_lambda=lambda step: 1 - 0.001 * step",
        ),
        (
            "torch.LambdaLR(optimizer, lr_lambda=lambda e: exp(-e), lr=0.1)",
            "torch",
            "lambda step: math.exp(-step)",
        ),
        # what only lrviz computes keeps the adapter
        ("cosine(0.1) + 0.01", "torch", "lrviz.torch.scheduler('cosine(0.1) + 0.01', optimizer, steps=100)"),
        (
            "restarts(cosine(0.1), period=30)",
            "hf",
            "lrviz.torch.scheduler('restarts(cosine(0.1), period=30)'",
        ),
        ("onecycle(0.1)", "torch", "lrviz.torch.scheduler('onecycle(0.1)', optimizer, steps=100)"),
        ("wsd(3e-4, warmup=10)", "optax", "lrviz.optax.schedule('wsd(3e-4, warmup=10)', steps=100)"),
        (
            "torch.LambdaLR(optimizer, lr_lambda=cosine(1.0, steps=50), lr=0.1)",
            "torch",
            "lrviz.torch.scheduler('torch.LambdaLR(optimizer, lr_lambda=cosine(1.0, steps=50), lr=0.1)'",
        ),
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


COMMON = [
    "constant(0.1{warmup})",
    "linear(0.1, 0.001{warmup})",
    "linear(0, 0.1{warmup})",
    "step(0.1, 70, gamma=0.5{warmup})",
    "multistep(0.1, [300, 600, 800]{warmup})",
    "polynomial(0.1, power=2, min_lr=1e-3{warmup})",
    "wsd(0.1, decay=0.3, decay_type='1-sqrt'{warmup})",
    "wsd(0.1, decay=0.2, decay_type='cosine', min_lr=1e-3{warmup})",
    "inverse_sqrt(0.1{warmup})",
    "exponential(0.1, 0.997{warmup})",
    "cosine(0.1{warmup})",
    "cosine(0.1, min_lr=1e-3{warmup})",
]
"""lrviz's own schedules that PyTorch and transformers draw with their own code."""
WARMUPS = {
    "no warm-up": "",
    "warm-up from 0": ", warmup=100",
    "warm-up from warmup_start": ", warmup=100, warmup_start=1e-3",
    "warm-up over a fraction of the run": ", warmup=0.05, warmup_start=0.01",
}
RUNS = {
    "steps": (["--steps", "1000"], Run.of(steps=1000)),
    "epochs": (["--epochs", "12", "--steps-per-epoch", "75"], Run.of(epochs=12, steps_per_epoch=75)),
}


@pytest.mark.parametrize("to", ["torch", "hf"])
@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("warmup", WARMUPS)
@pytest.mark.parametrize("schedule", COMMON)
def test_the_common_schedules_need_no_lrviz_to_train(
    cli: Any, schedule: str, warmup: str, run: str, to: str
) -> None:
    text = schedule.format(warmup=WARMUPS[warmup])
    options, length = RUNS[run]
    result = cli("code", text, *options, "--to", to)
    assert result.code == 0, result.err
    assert "lrviz" not in result.out, result.out
    assert "# Assumes: scheduler.step() once per update, after optimizer.step();" in result.out
    assert "which the scheduler scales" in result.out  # the optimizer's base rate
    theirs = _run_torch(result.out, length.steps, feedback=False)
    assert_parity(text, evaluate_spec(lrviz.parse(text), length), theirs)


@pytest.mark.parametrize(
    "text",
    [
        "cosine(0.1, min_lr=1e-3, warmup=3)",
        "cosine(0.1, warmup=3, warmup_start=1e-3)",
        "step(0.1, 7, warmup=2)",
    ],
)
def test_an_epoch_stepped_schedule_needs_no_lrviz_to_train(cli: Any, text: str) -> None:
    result = cli(
        "code", text, "--epochs", "30", "--steps-per-epoch", "10", "--step-on", "epoch", "--to", "torch"
    )
    assert result.code == 0, result.err
    assert "lrviz" not in result.out, result.out
    assert "scheduler.step() once per epoch" in result.out
    theirs = _run_torch_per_epoch(result.out, 30, 10)
    ours = evaluate_spec(lrviz.parse(text), Run.of(epochs=30, steps_per_epoch=10, step_on="epoch"))
    assert_parity(text, ours, theirs)


TORCH_SEQUENCE = [
    "torch.optim.lr_scheduler.SequentialLR(",
    "torch.optim.lr_scheduler.LinearLR(",
    "start_factor=0.01,",
    "end_factor=1.0,",
    "total_iters=100,",
    "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer=optimizer, T_max=900, eta_min=0.001)",
    "milestones=[100],",
]


@pytest.mark.parametrize(
    ("spec", "to", "written"),
    [
        (
            "cosine(0.1, min_lr=1e-3, warmup=100)",
            "hf",
            [
                "transformers.get_cosine_with_min_lr_schedule_with_warmup(",
                "num_warmup_steps=100,",
                "num_training_steps=1000,",
                "min_lr=0.001,",
            ],
        ),
        ("cosine(0.1, warmup=100)", "hf", ["transformers.get_cosine_schedule_with_warmup("]),
        ("cosine(0.1)", "hf", ["transformers.get_cosine_schedule_with_warmup(", "num_warmup_steps=0,"]),
        ("linear(0.1, 0, warmup=100)", "hf", ["transformers.get_linear_schedule_with_warmup("]),
        ("constant(0.1, warmup=100)", "hf", ["transformers.get_constant_schedule_with_warmup("]),
        (
            "polynomial(0.1, power=2, min_lr=1e-3, warmup=100)",
            "hf",
            ["transformers.get_polynomial_decay_schedule_with_warmup(", "lr_end=0.001,", "power=2.0,"],
        ),
        ("wsd(0.1, decay=0.2, warmup=100)", "hf", ["transformers.get_wsd_schedule(", "num_decay_steps=200,"]),
        ("inverse_sqrt(0.1, warmup=100)", "hf", ["transformers.get_inverse_sqrt_schedule("]),
        # transformers' warm-ups start from 0 (wsd's from its floor): PyTorch's classes instead
        ("cosine(0.1, min_lr=1e-3, warmup=100, warmup_start=1e-3)", "hf", TORCH_SEQUENCE),
        ("cosine(0.1, min_lr=1e-3, warmup=100, warmup_start=1e-3)", "torch", TORCH_SEQUENCE),
        ("step(0.1, 30, warmup=100, warmup_start=0.01)", "torch", ["SequentialLR(", "LinearLR(", "StepLR("]),
        (
            "multistep(0.1, [300, 600], warmup=100, warmup_start=0.01)",
            "torch",
            ["start_factor=0.1,", "MultiStepLR(optimizer=optimizer, milestones=[300, 600], gamma=0.1)"],
        ),
        # a LinearLR cannot start from 0: a LambdaLR, in plain Python
        (
            "cosine(0.1, min_lr=1e-3, warmup=100)",
            "torch",
            [
                "import math\n",
                "def lr_lambda(step):\n"
                "    if step < 100:\n"
                "        return step / 100\n"
                "    return (0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * min(step - 100, 900) / 900))"
                " / 2) / 0.1\n",
                "torch.optim.lr_scheduler.LambdaLR(optimizer=optimizer, lr_lambda=lr_lambda)",
                "lr=0.1)  # or your optimizer",
            ],
        ),
        (
            "constant(0.1, warmup=100)",
            "torch",
            ["LambdaLR(", "lr_lambda=lambda step: step / 100 if step < 100 else 1"],
        ),
        (
            "exponential(0.1, 0.99, warmup=10)",
            "torch",
            ["lambda step: step / 10 if step < 10 else 0.99 ** (step - 10)"],
        ),
        ("wsd(3e-4, warmup=100, warmup_start=1e-5)", "hf", ["torch.optim.lr_scheduler.LambdaLR("]),
        (
            "cosine(0.1, min_lr=1e-3)",
            "torch",
            ["CosineAnnealingLR(optimizer=optimizer, T_max=1000, eta_min=0.001)"],
        ),
        ("0.1 * 0.95 ** t", "torch", ["lr_lambda=lambda step: 0.95 ** step", "lr=0.1)"]),
        ("cosine(0.1, min_lr=1e-3, warmup=100)", "optax", ["optax.warmup_cosine_decay_schedule("]),
        ("cosine(0.1, min_lr=1e-3, warmup=100)", "keras", ["CosineDecay(", "warmup_target=0.1,"]),
        (
            "linear(0.1, 0.01, warmup=100, warmup_start=0.01)",
            "optax",
            ["optax.join_schedules(", "optax.linear_schedule("],
        ),
    ],
)
def test_which_framework_code_is_written(cli: Any, spec: str, to: str, written: list[str]) -> None:
    result = cli("code", spec, "--steps", "1000", "--to", to)
    assert result.code == 0, result.err
    assert "lrviz" not in result.out, result.out
    for part in written:
        assert part in result.out, result.out


def test_the_issues_schedule_is_pytorchs_own_code(cli: Any) -> None:
    result = cli("code", "cosine(3e-4, min_lr=3e-5, warmup=500)", "--steps", "10000", "--to", "torch")
    assert result.code == 0, result.err
    assert result.out == (
        "import math\n"
        "import torch\n"
        "\n"
        "\n"
        "def lr_lambda(step):\n"
        "    if step < 500:\n"
        "        return step / 500\n"
        "    return (3e-05 + (0.0003 - 3e-05) * (1 + math.cos(math.pi * min(step - 500, 9500) / 9500)) / 2)"
        " / 0.0003\n"
        "\n"
        "\n"
        "# Assumes: scheduler.step() once per update, after optimizer.step();\n"
        "#   the optimizer's learning rate is 0.0003, which the scheduler scales.\n"
        "optimizer = torch.optim.AdamW(model.parameters(), lr=0.0003)  # or your optimizer\n"
        "scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer=optimizer, lr_lambda=lr_lambda)\n"
    )
    assert_parity(
        "the issue's schedule",
        lrviz.evaluate("cosine(3e-4, min_lr=3e-5, warmup=500)", 10000),
        _run_torch(result.out, 10000, False),
    )


@pytest.mark.parametrize(
    "expression",
    [
        "where(e < 5, e / 5, where(e < 50, 1, 0.5))",
        "clip(1 - e / 80, 0.1, 1)",
        "2 ** -(e / 10)",
        "-(e / 100) ** 2 + 1",
        "(e < 30) * 0.5 + 0.5",
        "maximum(0.1, 0.97 ** e) * abs(cos(pi * e / 40))",
        "floor(e / 7) % 2 * 0.5 + 0.5",
        "0.5 ** (e // 10) / sqrt(1 + e)",
        "minimum(1, exp(-e / 20) + log1p(e) / 10)",
        "1 - e / T",
        "tanh(3 - e / 10) / 2 + 0.5",
    ],
)
def test_a_lambda_is_written_as_plain_python(cli: Any, expression: str) -> None:
    text = f"torch.LambdaLR(optimizer, lr_lambda=lambda e: {expression}, lr=0.1)"
    result = cli("code", text, "--steps", "100", "--to", "torch")
    assert result.code == 0, result.err
    assert "lrviz" not in result.out, result.out
    assert_parity(text, lrviz.evaluate(text, 100), _run_torch(result.out, 100, False))


@pytest.mark.parametrize(
    ("text", "to"),
    [
        ("cosine(0.1, min_lr=1e-3, warmup=30, warmup_start=1e-3)", "optax"),
        ("constant(0.1, warmup=30, warmup_start=1e-3)", "optax"),
        ("step(0.1, 20, gamma=0.5, warmup=30)", "optax"),
        ("linear(0.1, 0.01, warmup=30, warmup_start=0.01)", "optax"),
        ("cosine(0.1, min_lr=1e-3, warmup=30)", "keras"),
    ],
)
def test_float32_frameworks_warm_up_in_their_own_code(cli: Any, text: str, to: str) -> None:
    result = cli("code", text, "--steps", "300", "--to", to)
    assert result.code == 0, result.err
    assert "lrviz" not in result.out, result.out
    theirs = _run_optax(result.out, 300) if to == "optax" else _run_keras(result.out, 300)
    ours = lrviz.evaluate(text, 300, dtype="float32").astype(np.float64)
    assert_parity(text, ours, theirs, float32=True)


LONG = "lambda e: where(e < 5, e / 5, 0.5 + 0.5 * cos(pi * minimum(e - 5, 95) / 95) * exp(-e / {scale}))"


def test_each_long_lambda_is_a_function_of_its_own(cli: Any) -> None:
    members = ", ".join(f"torch.LambdaLR(optimizer, lr_lambda={LONG.format(scale=s)})" for s in (1000, 100))
    text = f"torch.SequentialLR(optimizer, schedulers=[{members}], milestones=[50], lr=0.1)"
    result = cli("code", text, "--steps", "100", "--to", "torch")
    assert result.code == 0, result.err
    assert "lrviz" not in result.out, result.out
    assert "def lr_lambda(step):\n    if step < 5:\n        return step / 5\n" in result.out
    assert "lr_lambda=lr_lambda)" in result.out
    assert "lr_lambda=lr_lambda_2)" in result.out
    assert_parity(text, lrviz.evaluate(text, 100), _run_torch(result.out, 100, False))


def test_the_adapter_comes_without_functions(cli: Any) -> None:
    written = f"torch.LambdaLR(optimizer, lr_lambda={LONG.format(scale=1000)})"
    members = f"{written}, torch.LambdaLR(optimizer, lr_lambda=cosine(1.0, steps=5))"  # a schedule: lrviz's
    text = f"torch.SequentialLR(optimizer, schedulers=[{members}], milestones=[50], lr=0.1)"
    result = cli("code", text, "--steps", "100", "--to", "torch")
    assert result.code == 0, result.err
    assert "lrviz.torch.scheduler(" in result.out
    assert "def " not in result.out
