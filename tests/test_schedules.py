"""Golden values for every built-in schedule: small, hand-checkable, and where a framework computes the
same schedule, the values that framework gives (traces of torch 2.13, optax 0.2.8, Keras 3.15, HF
transformers 5.23 and timm 1.0.31, run with the parameters in each comment)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lrviz

GOLDEN = [
    # constant and linear
    ("constant(0.1)", 3, [0.1, 0.1, 0.1]),
    # optax linear_schedule(1, 0, 4)
    ("linear(1, 0, steps=4)", 6, [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]),
    ("linear(0, 0.1, steps=5)", 6, [0.0, 0.02, 0.04, 0.06, 0.08, 0.1]),
    # torch StepLR(step_size=3, gamma=0.1), lr 0.05
    ("step(0.05, 3, gamma=0.1)", 9, [0.05, 0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005, 0.0005]),
    # torch MultiStepLR([2, 5]), lr 1
    ("multistep(1, [2, 5])", 7, [1.0, 1.0, 0.1, 0.1, 0.1, 0.01, 0.01]),
    # torch ExponentialLR(0.9), lr 0.05
    ("exponential(0.05, 0.9)", 5, [0.05, 0.045, 0.0405, 0.03645, 0.032805]),
    # torch PolynomialLR(total_iters=4, power=2), lr 0.05
    ("polynomial(0.05, power=2, steps=4)", 7, [0.05, 0.028125, 0.0125, 0.003125, 0.0, 0.0, 0.0]),
    # keras PolynomialDecay(1, 4, end_learning_rate=0, cycle=True)
    (
        "polynomial(1, steps=4, cycle=True)",
        11,
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.375, 0.25, 0.125, 0.0, 0.25, 1 / 6],
    ),
    # optax cosine_decay_schedule(1, 4), timm CosineLRScheduler(t_initial=4)
    ("cosine(1, steps=4)", 7, [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0, 0.0]),
    # optax cosine_decay_schedule(1, 4, alpha=0.1), timm lr_min=0.1
    ("cosine(1, min_lr=0.1, steps=4)", 6, [1.0, 0.868198, 0.55, 0.231802, 0.1, 0.1]),
    # ln(4/(t+1))/ln(4): 1, 1/2, ln(4/3)/ln(4), 0
    ("log_annealing(1, steps=3)", 5, [1.0, 0.5, math.log(4 / 3) / math.log(4), 0.0, 0.0]),
    # keras InverseTimeDecay(1, 1, 0.5) and (1, 2, 0.5, staircase=True)
    ("inverse_time(1, 0.5)", 5, [1.0, 2 / 3, 0.5, 0.4, 1 / 3]),
    ("inverse_time(1, 0.5, step_size=2, staircase=True)", 6, [1, 1, 2 / 3, 2 / 3, 0.5, 0.5]),
    # HF get_inverse_sqrt_schedule(num_warmup_steps=4), lr 1
    (
        "inverse_sqrt(1, warmup=4)",
        10,
        [0.0, 0.25, 0.5, 0.75, 1.0, 0.894427, 0.816497, 0.755929, 0.707107, 0.666667],
    ),
    # d_model^-1/2 · min(t^-1/2, t·W^-3/2) with d_model 512, W 4
    (
        "noam(512, warmup=4)",
        6,
        [0.0] + [512**-0.5 * min(t**-0.5, t * 4**-1.5) for t in range(1, 6)],
    ),
    # timm TanhLRScheduler(t_initial=4)
    ("tanh(1, steps=4)", 6, [0.999999, 0.999877, 0.982014, 0.268941, 0.0, 0.0]),
    # z/(1/2 + z/2) with z = 1, 3/4, 1/2, 1/4, 0
    ("rex(1, steps=4)", 5, [1.0, 6 / 7, 2 / 3, 0.4, 0.0]),
    # HF get_wsd_schedule(W=2, D=2, T=7): cosine decay; linear with min_lr_ratio 0.1
    ("wsd(1, decay=2, decay_type='cosine', steps=7, warmup=2)", 9, [0, 0.5, 1, 1, 1, 1, 0.5, 0, 0]),
    (
        "wsd(1, decay=2, min_lr=0.1, steps=7, warmup=2, warmup_start=0.1)",
        9,
        [0.1, 0.55, 1, 1, 1, 1, 0.55, 0.1, 0.1],
    ),
    ("wsd(1, decay=2, decay_type='1-sqrt', steps=7, warmup=2)", 9, [0, 0.5, 1, 1, 1, 1, 0.292893, 0, 0]),
    # optax cosine_onecycle_schedule(10, 1)
    (
        "onecycle(1, steps=10)",
        12,
        [0.04, 0.28, 0.76, 1.0, 0.950485, 0.811746, 0.611262, 0.388742, 0.188258, 0.049519, 4e-06, 4e-06],
    ),
    # knots (0, 0.04), (3, 1), (10, 4e-6), straight between
    ("onecycle(1, steps=10, anneal='linear')", 5, [0.04, 0.36, 0.68, 1.0, 1 - (1 - 4e-6) / 7]),
    # knots (0, 0.04), (3, 1), (6, 0.04), (10, 4e-6), straight between
    (
        "onecycle(1, steps=10, anneal='linear', three_phase=True)",
        11,
        [0.04, 0.36, 0.68, 1.0, 0.68, 0.36, 0.04, 0.030001, 0.020002, 0.010003, 4e-06],
    ),
    # torch CyclicLR(0.1, 1, step_size_up=2), the three modes
    ("cyclic(0.1, 1, 2)", 9, [0.1, 0.55, 1.0, 0.55, 0.1, 0.55, 1.0, 0.55, 0.1]),
    (
        "cyclic(0.1, 1, 2, mode='triangular2')",
        13,
        [0.1, 0.55, 1.0, 0.55, 0.1, 0.325, 0.55, 0.325, 0.1, 0.2125, 0.325, 0.2125, 0.1],
    ),
    (
        "cyclic(0.1, 1, 2, mode='exp_range', gamma=0.9)",
        13,
        [
            0.1,
            0.505,
            0.829,
            0.42805,
            0.1,
            0.365721,
            0.578297,
            0.315234,
            0.1,
            0.274339,
            0.413811,
            0.241215,
            0.1,
        ],
    ),
    # torch CyclicLR(0, 1, step_size_up=3, step_size_down=1)
    ("cyclic(0, 1, 3, step_size_down=1)", 9, [0, 1 / 3, 2 / 3, 1, 0, 1 / 3, 2 / 3, 1, 0]),
    # keras PiecewiseConstantDecay switches a step later; this switches at the boundary, as optax does
    ("piecewise([2, 4], [1, 0.5, 0.1])", 6, [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]),
    # optax piecewise_interpolate_schedule('linear', 1, {4: 0.1, 8: 0.01}): rates 1, 0.1, 0.001
    (
        "interp([(0, 1), (4, 0.1), (8, 0.001)])",
        10,
        [1.0, 0.775, 0.55, 0.325, 0.1, 0.07525, 0.0505, 0.02575, 0.001, 0.001],
    ),
    ("interp({0: 0, 2: 1}, method='cosine')", 4, [0.0, 0.5, 1.0, 1.0]),
    # torch CosineAnnealingWarmRestarts(T_0=3, T_mult=2), lr 1
    (
        "restarts(cosine(1), period=3, mult=2)",
        13,
        [1.0, 0.75, 0.25, 1.0, 0.933013, 0.75, 0.5, 0.25, 0.066987, 1.0, 0.982963, 0.933013, 0.853553],
    ),
    ("restarts(cosine(1, steps=2), decay=0.5)", 6, [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]),
    # optax warmup_cosine_decay_schedule(0, 1, 2, 6)
    ("warmup(cosine(1), 2, steps=6)", 8, [0.0, 0.5, 1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0]),
    ("cosine(1, warmup=2, steps=6)", 8, [0.0, 0.5, 1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0]),
    # optax warmup_cosine_decay_schedule(0, 1, 2, 6, end_value=0.1)
    ("cosine(1, 0.1, warmup=2, steps=6)", 8, [0.0, 0.5, 1.0, 0.868198, 0.55, 0.231802, 0.1, 0.1]),
    # optax join_schedules([constant(0.1), linear(1, 0, 3)], [3])
    ("seq(constant(0.1), linear(1, 0, steps=3), at=[3])", 8, [0.1, 0.1, 0.1, 1.0, 2 / 3, 1 / 3, 0, 0]),
    ("constant(0.1, warmup=2, warmup_start=0.02)", 4, [0.02, 0.06, 0.1, 0.1]),
    # custom expressions
    ("0.1 * 0.95 ** t", 3, [0.1, 0.095, 0.09025]),
    ("t / T", 4, [0.0, 0.25, 0.5, 0.75]),
    ("where(t < 2, 1, 0.5)", 4, [1.0, 1.0, 0.5, 0.5]),
    ("clip(2 - t, 0, 1) + minimum(t, 1) * 0", 4, [1.0, 1.0, 0.0, 0.0]),
    ("0.5 * cosine(1, steps=4)", 3, [0.5, 0.426777, 0.25]),
    ("2", 2, [2.0, 2.0]),
]


@pytest.mark.parametrize(("spec", "steps", "expected"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(spec: str, steps: int, expected: list[float]) -> None:
    np.testing.assert_allclose(lrviz.evaluate(spec, steps), expected, rtol=1e-5, atol=1e-6)


def test_step_matches_the_articles_one_based_form() -> None:
    """At 1-based epoch n the article's step decay is lr·γ^(⌈n/k⌉−1)."""
    values = lrviz.evaluate("step(0.1, 7, gamma=0.3)", 50)
    article = [0.1 * 0.3 ** (math.ceil(n / 7) - 1) for n in range(1, 51)]
    np.testing.assert_allclose(values, article, rtol=1e-15)


def test_warmup_fraction_rounds_up() -> None:
    """A fraction of the run below 1 is that share of steps, rounded up: 0.05 of 30 is 2 steps."""
    values = lrviz.evaluate("constant(1, warmup=0.05)", 30)
    np.testing.assert_allclose(values[:3], [0.0, 0.5, 1.0])


def test_default_horizon_is_the_rest_of_the_run() -> None:
    """After a 5-step warm-up, cosine(0.1) spans the remaining 95 of 100 steps."""
    values = lrviz.evaluate("linear(0, 0.1, steps=5) >> cosine(0.1)", 100)
    t = np.arange(95)
    np.testing.assert_allclose(values[5:], 0.05 * (1 + np.cos(np.pi * t / 95)), rtol=1e-14, atol=1e-16)
