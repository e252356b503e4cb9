"""Parity with optax and Keras, which compute in float32: every schedule of both against the real one,
within float32 precision (1e-6 of the peak) at every step, over seeded random parameter sets."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import lrviz
import lrviz.language.catalogue
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require

os.environ.setdefault("KERAS_BACKEND", "jax")
jax = require("jax")
optax = require("optax")
keras = require("keras")


@pytest.fixture(scope="module", autouse=True)
def compile_once(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """JAX compiles a Keras ``ops.cond`` anew at every eager call; its persistent compilation cache
    (the same programs, so the same numbers) makes every compile after the first a lookup: three
    times faster. Set for this module only."""
    settings = {
        "jax_compilation_cache_dir": str(tmp_path_factory.mktemp("jax-cache")),
        "jax_persistent_cache_min_compile_time_secs": 0,
        "jax_persistent_cache_min_entry_size_bytes": -1,
    }
    before = {name: getattr(jax.config, name) for name in settings}
    for name, value in settings.items():
        jax.config.update(name, value)
    yield
    for name, value in before.items():
        jax.config.update(name, value)


def run_optax(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], steps: int) -> np.ndarray:
    schedule = getattr(optax, name)(*args, **kwargs)
    return np.asarray(jax.vmap(schedule)(jax.numpy.arange(steps)), dtype=np.float64)


def run_keras(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], steps: list[int]) -> np.ndarray:
    """The Keras schedule at each of these steps, called eagerly as a training loop calls it.

    Not through jax.jit: XLA folds a division by a constant into a product with its reciprocal, so
    that 82/82 becomes 0.99999994 and CosineDecayRestarts' restart moves; eager calls keep the
    division, and are what lrviz reproduces."""
    schedule = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    return np.array([float(schedule(step)) for step in steps])


def keras_steps(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], steps: int) -> list[int]:
    """The steps a Keras case is compared at: all of them, except for the schedules that call
    ``ops.cond`` (CosineDecay with a warm-up, CosineDecayRestarts), which JAX compiles anew at every
    eager call (a fifth of a second each): for those, the first and last steps, 24 steps spread
    over the run, and every step within two of a boundary (the warm-up's end, the decay's end, each
    restart, computed in float64; Keras' float32 may move one by a step)."""
    warmup = int(kwargs.get("warmup_steps", 0))
    if steps <= 32 or (name != "CosineDecayRestarts" and not warmup):
        return list(range(steps))
    span = float(args[1])
    if name == "CosineDecayRestarts":
        growth, edges, length = float(kwargs.get("t_mul", 2.0)), [0.0], span
        while edges[-1] < steps:
            edges.append(edges[-1] + length)
            length *= growth
    else:
        edges = [float(warmup), float(warmup) + span]
    near = {round(edge) + d for edge in edges for d in range(-2, 3)}
    spread = set(np.linspace(0, steps - 1, 24).round().astype(int).tolist())
    return sorted(s for s in near | spread | {0, 1, steps - 2, steps - 1} if 0 <= s < steps)


def spec(prefix: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    text = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{prefix}.{name}({', '.join(text)})"


def _optax_cases() -> list[tuple[str, tuple[Any, ...], dict[str, Any], int]]:
    rng = np.random.default_rng(28)
    cases: list[tuple[str, tuple[Any, ...], dict[str, Any], int]] = [
        ("linear_schedule", (1.0, 0.0, 4), {"transition_begin": 2}, 8),
        ("polynomial_schedule", (1.0, 0.0, 2, 4), {}, 6),
        ("polynomial_schedule", (1.0, 0.5, 2, 0), {}, 6),  # transition_steps 0: constant
        ("piecewise_constant_schedule", (1.0, {2: 0.5, 4: 0.1}), {}, 6),
        ("piecewise_interpolate_schedule", ("linear", 1.0, {4: 0.1, 8: 0.01}), {}, 10),
        ("piecewise_interpolate_schedule", ("cosine", 1.0, {0: 2.0, 3: 0.5, 4: 2.0}), {}, 6),
        ("exponential_decay", (1.0, 2, 0.5), {}, 6),
        ("exponential_decay", (1.0, 2, 0.5), {"staircase": True}, 6),
        ("exponential_decay", (1.0, 2, 0.5), {"transition_begin": 2, "end_value": 0.3}, 8),
        ("exponential_decay", (1.0, 2, 1.5), {"end_value": 3.0}, 12),
        ("exponential_decay", (1.0, 2, 0.0), {}, 4),  # decay_rate 0: constant
        ("cosine_decay_schedule", (1.0, 4), {"alpha": 0.1}, 6),
        ("cosine_decay_schedule", (1.0, 4), {"exponent": 2.0}, 6),
        ("warmup_cosine_decay_schedule", (0.0, 1.0, 2, 6), {"end_value": 0.1}, 8),
        ("warmup_exponential_decay_schedule", (0.0, 1.0, 2, 2, 0.5), {}, 8),
        ("warmup_constant_schedule", (0.0, 1.0, 4), {}, 6),
        ("linear_onecycle_schedule", (10, 1.0), {}, 12),
        ("cosine_onecycle_schedule", (10, 1.0), {}, 12),
        ("constant_schedule", (0.3,), {}, 3),
        (
            "sgdr_schedule",
            (
                [
                    {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 1, "decay_steps": 4},
                    {"init_value": 0.0, "peak_value": 0.5, "warmup_steps": 1, "decay_steps": 4},
                ],
            ),
            {},
            10,
        ),
    ]
    for _ in range(8):
        peak = float(rng.uniform(1e-4, 1.0))
        steps = int(rng.integers(2, 300))
        span = int(rng.integers(1, 200))
        begin = int(rng.integers(0, 50))
        warm = int(rng.integers(0, span))
        cases += [
            (
                "polynomial_schedule",
                (peak, peak * 0.01, float(rng.uniform(0.3, 3)), span),
                {"transition_begin": begin},
                steps,
            ),
            ("linear_schedule", (0.0, peak, span), {"transition_begin": begin}, steps),
            (
                "piecewise_constant_schedule",
                (peak, {int(rng.integers(0, steps)): float(rng.uniform(0, 1)) for _ in range(3)}),
                {},
                steps,
            ),
            (
                "piecewise_interpolate_schedule",
                (
                    str(rng.choice(["linear", "cosine"])),
                    peak,
                    {int(rng.integers(1, steps)): float(rng.uniform(0.1, 2)) for _ in range(3)},
                ),
                {},
                steps,
            ),
            (
                "exponential_decay",
                (peak, span, float(rng.uniform(0.1, 0.99))),
                {"transition_begin": begin, "staircase": bool(rng.integers(0, 2)), "end_value": peak * 0.05},
                steps,
            ),
            (
                "cosine_decay_schedule",
                (peak, span),
                {"alpha": float(rng.uniform(0, 0.5)), "exponent": float(rng.uniform(0.5, 3))},
                steps,
            ),
            (
                "warmup_cosine_decay_schedule",
                (peak * 0.01, peak, warm, span + 1),
                {"end_value": peak * 0.1},
                steps,
            ),
            (
                "warmup_exponential_decay_schedule",
                (0.0, peak, warm, span, float(rng.uniform(0.2, 0.99))),
                {},
                steps,
            ),
            ("linear_onecycle_schedule", (span, peak), {"pct_start": float(rng.uniform(0.1, 0.4))}, steps),
            ("cosine_onecycle_schedule", (span, peak), {"div_factor": float(rng.uniform(5, 50))}, steps),
        ]
    return cases


def _keras_cases() -> list[tuple[str, tuple[Any, ...], dict[str, Any], int]]:
    rng = np.random.default_rng(315)
    cases: list[tuple[str, tuple[Any, ...], dict[str, Any], int]] = [
        ("ExponentialDecay", (1.0, 2, 0.5), {}, 6),
        ("ExponentialDecay", (1.0, 2, 0.5), {"staircase": True}, 6),
        ("PiecewiseConstantDecay", ([2, 4], [1.0, 0.5, 0.1]), {}, 7),
        ("PolynomialDecay", (1.0, 4), {"end_learning_rate": 0.0}, 7),
        ("PolynomialDecay", (1.0, 4), {}, 6),
        ("PolynomialDecay", (1.0, 4, 0.0), {"cycle": True}, 11),
        ("InverseTimeDecay", (1.0, 1, 0.5), {}, 5),
        ("InverseTimeDecay", (1.0, 2, 0.5), {"staircase": True}, 6),
        ("CosineDecay", (1.0, 4), {"alpha": 0.1}, 6),
        ("CosineDecay", (0.0, 4), {"warmup_target": 1.0, "warmup_steps": 2}, 8),
        ("CosineDecay", (0.1, 4), {"alpha": 0.1, "warmup_target": 1.0, "warmup_steps": 2}, 8),
        ("CosineDecayRestarts", (1.0, 2), {}, 15),
        ("CosineDecayRestarts", (1.0, 2), {"t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}, 9),
        ("CosineDecayRestarts", (1.0, 1), {"t_mul": 3.0}, 130),  # restart at t=121 in float32
    ]
    for _ in range(6):
        peak = float(rng.uniform(1e-4, 1.0))
        steps = int(rng.integers(2, 150))
        span = int(rng.integers(1, 100))
        bounds = sorted({int(rng.integers(0, steps)) for _ in range(3)})
        cases += [
            (
                "ExponentialDecay",
                (peak, span, float(rng.uniform(0.1, 0.99))),
                {"staircase": bool(rng.integers(0, 2))},
                steps,
            ),
            (
                "PiecewiseConstantDecay",
                (bounds, [float(v) for v in rng.uniform(0, 1, len(bounds) + 1)]),
                {},
                steps,
            ),
            (
                "PolynomialDecay",
                (peak, span, peak * 0.01, float(rng.uniform(0.3, 3))),
                {"cycle": bool(rng.integers(0, 2))},
                steps,
            ),
            (
                "InverseTimeDecay",
                (peak, span, float(rng.uniform(0.1, 3))),
                {"staircase": bool(rng.integers(0, 2))},
                steps,
            ),
            (
                "CosineDecay",
                (peak * 0.01, span),
                {
                    "alpha": float(rng.uniform(0, 0.5)),
                    "warmup_target": peak,
                    "warmup_steps": int(rng.integers(1, 50)),
                },
                steps,
            ),
            (
                "CosineDecayRestarts",
                (peak, span),
                {
                    "t_mul": float(rng.choice([1.0, 1.5, 2.0])),
                    "m_mul": float(rng.uniform(0.5, 1)),
                    "alpha": float(rng.uniform(0, 0.2)),
                },
                steps,
            ),
        ]
    return cases


OPTAX = _optax_cases()
KERAS = _keras_cases()


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "steps"), OPTAX, ids=[spec("optax", *c[:3]) + f" over {c[3]}" for c in OPTAX]
)
def test_optax_parity(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], steps: int) -> None:
    text = spec("optax", name, args, kwargs)
    assert_parity(text, lrviz.evaluate(text, steps), run_optax(name, args, kwargs, steps), float32=True)


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "steps"), KERAS, ids=[spec("keras", *c[:3]) + f" over {c[3]}" for c in KERAS]
)
def test_keras_parity(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], steps: int) -> None:
    text, at = spec("keras", name, args, kwargs), keras_steps(name, args, kwargs, steps)
    ours = lrviz.evaluate(text, steps, at=at)
    assert_parity(text, ours, run_keras(name, args, kwargs, at), float32=True, steps=at)


def test_join_schedules() -> None:
    text = "optax.join_schedules([optax.constant_schedule(0.1), optax.linear_schedule(1.0, 0.0, 3)], [3])"
    theirs = optax.join_schedules([optax.constant_schedule(0.1), optax.linear_schedule(1.0, 0.0, 3)], [3])
    expected = np.asarray(jax.vmap(theirs)(jax.numpy.arange(8)), dtype=np.float64)
    assert_parity(text, lrviz.evaluate(text, 8), expected, float32=True)


def test_every_schedule_is_covered() -> None:
    # the plateau schedules react to a metric: tests/test_feedback.py checks them against the frameworks
    ours = {e.name.removeprefix("optax.") for e in lrviz.language.catalogue.entries("optax")} - {
        "contrib.reduce_on_plateau"
    }
    assert ours == {c[0] for c in OPTAX} | {"join_schedules"}
    keras = {e.name.removeprefix("keras.") for e in lrviz.language.catalogue.entries("keras")} - {
        "ReduceLROnPlateau",
        "LearningRateScheduler",  # tests/test_parity_keras_callback.py
    }
    assert keras == {c[0] for c in KERAS}


def test_short_names_and_module_paths() -> None:
    np.testing.assert_array_equal(
        lrviz.evaluate("optax.cosine_decay(1.0, 4)", 5),
        lrviz.evaluate("optax.schedules.cosine_decay_schedule(1.0, 4)", 5),
    )
    np.testing.assert_array_equal(
        lrviz.evaluate("keras.optimizers.schedules.ExponentialDecay(1.0, 2, 0.5)", 3), [1.0, 0.5**0.5, 0.5]
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("optax.cosine_decay_schedule(1.0, 0)", "decay_steps must be a positive integer"),
        ("optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 10)", "must exceed warmup_steps"),
        ("optax.piecewise_constant_schedule(1.0, {2: -1})", "non-negative scale factors"),
        ("optax.sgdr_schedule([{'init_value': 0}])", "each cycle needs"),
        ("keras.ExponentialDecay(1.0, 0, 0.5)", "decay_steps must be above 0"),
        ("keras.PiecewiseConstantDecay([1, 2], [1.0])", "one more entry than boundaries"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 12)


def test_float32_results() -> None:
    text = "optax.cosine_decay_schedule(0.1, 1000, alpha=0.01)"
    ours = lrviz.evaluate(text, 1000, dtype="float32")
    assert ours.dtype == np.float32
    theirs = run_optax("cosine_decay_schedule", (0.1, 1000), {"alpha": 0.01}, 1000)
    assert np.max(np.abs(ours.astype(np.float64) - theirs)) <= 1e-6 * 0.1
