"""Parity with optax's polynomial_schedule where float32 decides the curve: with power < 1 and a
transition_steps T whose 1/T rounds down in float32, optax never reaches end_value, because XLA
computes ``count / T`` as ``count * (1 / T)``. lrviz's float32 rows match optax's (as
``jax.vmap(schedule)`` computes them, the harness of tests/test_parity_optax_keras.py) bit for bit at
and after the end of the transition, and to the last bit of float32 ``pow`` before it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import lrviz
from tests.frameworks import assert_parity, require
from tests.test_parity_optax_keras import compile_once, run_optax, spec

jax = require("jax")
optax = require("optax")

__all__ = ["compile_once"]  # the module's fixture: JAX's compilation cache, for these tests too

CASES: list[tuple[tuple[Any, ...], dict[str, Any], int]] = [
    ((0.1, 0.0, 0.3, 82), {}, 90),
    ((0.1, 0.0, 0.3, 82), {"transition_begin": 5}, 95),
    ((1.0, 0.01, 0.5, 41), {}, 45),
    ((1.0, 0.0, 0.5, 47), {}, 50),
    ((3e-4, 1e-5, 0.9, 1000), {}, 1003),
    ((1.0, 0.0, 0.5, 100), {}, 103),  # 1/100 rounds so that 100·(1/100) is 1: end_value is reached
    ((0.5, 0.1, 0.25, 7), {}, 10),
    ((1.0, 0.0, 0.999, 55), {}, 60),
    ((1.0, 0.0, 2.0, 82), {}, 85),  # power > 1: the residue vanishes, but the rows still match
]


@pytest.mark.parametrize(("args", "kwargs", "steps"), CASES, ids=[spec("optax", "p", *c[:2]) for c in CASES])
def test_float32_rows(args: tuple[Any, ...], kwargs: dict[str, Any], steps: int) -> None:
    text = spec("optax", "polynomial_schedule", args, kwargs)
    theirs = run_optax("polynomial_schedule", args, kwargs, steps).astype(np.float32)
    ours = lrviz.evaluate(text, steps, dtype="float32")
    assert ours.dtype == np.float32
    end = args[3] + kwargs.get("transition_begin", 0)
    np.testing.assert_array_equal(ours[end:], theirs[end:], err_msg=text)  # the end: bit for bit
    assert_parity(text, ours, theirs, float32=True)
    np.testing.assert_allclose(
        ours, theirs, rtol=5e-7, atol=0, err_msg=text
    )  # float32 pow: a few ulps by CPU


def test_end_value_is_not_reached() -> None:
    text = "optax.polynomial_schedule(0.1, 0.0, 0.3, 82)"
    theirs = run_optax("polynomial_schedule", (0.1, 0.0, 0.3, 82), {}, 100)
    assert theirs[-1] > 6e-4  # optax's own: (1 − 82·float32(1/82))^0.3·0.1, not 0
    assert_parity(text, lrviz.evaluate(text, 100), theirs, float32=True)


def test_seeded_float32_rows() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        args = (float(rng.uniform(0.01, 1.0)), float(rng.choice([0.0, 1e-4])), float(rng.uniform(0.05, 0.99)))
        transition = int(rng.integers(1, 3000))
        text = spec("optax", "polynomial_schedule", (*args, transition), {})
        theirs = run_optax("polynomial_schedule", (*args, transition), {}, transition + 3).astype(np.float32)
        ours = lrviz.evaluate(text, transition + 3, dtype="float32")
        np.testing.assert_array_equal(ours[transition:], theirs[transition:], err_msg=text)
        np.testing.assert_allclose(ours, theirs, rtol=2.5e-7, atol=0, err_msg=text)
