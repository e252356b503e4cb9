"""Fitting a log without a plan: logs recorded from real torch and transformers schedulers stepped in
plain loops (the rate of update t read from ``optimizer.param_groups[0]['lr']`` before the t-th
``scheduler.step()``), each fitted and its spec evaluated again at the logged steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.io.logs import Log
from lrviz.tools.fit import FLOAT32_PRECISION, FLOAT64_PRECISION, Fit, fit
from tests.frameworks import require


def record(make: Callable[[Any], Any], steps: int, lr: float) -> np.ndarray:
    """The rate of each update of a real scheduler built by ``make(optimizer)``."""
    torch = require("torch")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = make(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.asarray(rates, dtype=np.float64)


def make_log(rates: np.ndarray, kind: str, every: int = 1, float32: bool = False) -> Log:
    steps = np.arange(0, rates.size, every, dtype=np.int64)
    values = rates[steps]
    if float32:
        values = values.astype(np.float32).astype(np.float64)
    return Log(Path("run"), kind, "lr", steps, values, float32, "step s is update s")


def check(log: Log) -> Fit:
    found = fit(log)
    tol = FLOAT32_PRECISION if log.float32 else FLOAT64_PRECISION
    assert found.exact, f"{found.spec}: error {found.error:.3g} after {found.tried} candidates"
    assert found.steps == int(log.steps[-1]) + 1
    again = lrviz.evaluate(found.spec, found.steps)[log.steps]
    peak = float(np.max(np.abs(log.rates)))
    assert np.max(np.abs(again - log.rates)) <= tol * peak, found.spec
    return found


def torch_log(build: Callable[[Any, Any], Any], steps: int, lr: float, **log: Any) -> Log:
    torch = require("torch")
    sched = torch.optim.lr_scheduler
    return make_log(record(lambda opt: build(sched, opt), steps, lr), "lightning", **log)


def hf_log(name: str, steps: int, lr: float, every: int = 1, float32: bool = False, **kw: Any) -> Log:
    require("torch")
    transformers = require("transformers")
    make = getattr(transformers, name)
    return make_log(record(lambda opt: make(opt, **kw), steps, lr), "hf", every, float32)


# --- torch ---------------------------------------------------------------------------------------


def test_torch_cosine_annealing() -> None:
    found = check(torch_log(lambda s, o: s.CosineAnnealingLR(o, T_max=500, eta_min=1e-5), 500, 0.1))
    assert found.spec.startswith("cosine(")


def test_torch_cosine_annealing_sparse_float32() -> None:
    check(torch_log(lambda s, o: s.CosineAnnealingLR(o, T_max=1000), 1000, 3e-4, every=5, float32=True))


def test_torch_step() -> None:
    found = check(torch_log(lambda s, o: s.StepLR(o, step_size=30, gamma=0.5), 100, 0.1))
    assert found.spec.startswith("step(")


def test_torch_step_sparse() -> None:
    check(torch_log(lambda s, o: s.StepLR(o, step_size=100, gamma=0.1), 400, 0.1, every=7))


def test_torch_multistep() -> None:
    found = check(torch_log(lambda s, o: s.MultiStepLR(o, milestones=[30, 80], gamma=0.1), 120, 0.1))
    assert found.spec.startswith("multistep(")


def test_torch_exponential() -> None:
    found = check(torch_log(lambda s, o: s.ExponentialLR(o, gamma=0.97), 200, 0.01))
    assert found.spec.startswith("exponential(")


def test_torch_exponential_float32() -> None:
    check(torch_log(lambda s, o: s.ExponentialLR(o, gamma=0.999), 2000, 0.01, float32=True))


def test_torch_onecycle() -> None:
    check(torch_log(lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=1000), 1000, 0.1))


def test_torch_onecycle_sparse_float32() -> None:
    build = lambda s, o: s.OneCycleLR(o, max_lr=0.01, total_steps=600, pct_start=0.25)  # noqa: E731
    found = check(torch_log(build, 600, 0.01, every=3, float32=True))
    assert found.spec.startswith(("onecycle(", "torch.OneCycleLR("))


def test_torch_linear_then_cosine() -> None:
    def build(s: Any, o: Any) -> Any:
        ramp = s.LinearLR(o, start_factor=0.01, total_iters=50)
        return s.SequentialLR(o, [ramp, s.CosineAnnealingLR(o, T_max=450)], milestones=[50])

    found = check(torch_log(build, 500, 0.1))
    assert found.spec.startswith("cosine(")
    assert "warmup=50" in found.spec


def test_torch_polynomial() -> None:
    found = check(torch_log(lambda s, o: s.PolynomialLR(o, total_iters=300, power=2.0), 300, 0.1))
    assert found.spec.startswith("polynomial(")


def test_torch_polynomial_sparse() -> None:
    check(torch_log(lambda s, o: s.PolynomialLR(o, total_iters=1000, power=0.5), 1000, 0.1, every=5))


# --- transformers --------------------------------------------------------------------------------


def test_hf_cosine() -> None:
    log = hf_log("get_cosine_schedule_with_warmup", 1000, 5e-5, num_warmup_steps=100, num_training_steps=1000)
    found = check(log)
    assert found.spec.startswith(("cosine(", "hf.get_cosine"))


def test_hf_cosine_sparse() -> None:
    log = hf_log(
        "get_cosine_schedule_with_warmup", 2000, 3e-4, every=5, num_warmup_steps=200, num_training_steps=2000
    )
    check(log)


def test_hf_linear() -> None:
    log = hf_log("get_linear_schedule_with_warmup", 800, 2e-5, num_warmup_steps=80, num_training_steps=800)
    found = check(log)
    assert found.spec.startswith(("linear(", "hf.get_linear"))


def test_hf_linear_sparse_float32() -> None:
    log = hf_log(
        "get_linear_schedule_with_warmup",
        1000,
        2e-5,
        every=5,
        float32=True,
        num_warmup_steps=100,
        num_training_steps=1000,
    )
    check(log)


def test_hf_wsd() -> None:
    log = hf_log(
        "get_wsd_schedule", 1000, 3e-4, num_warmup_steps=100, num_decay_steps=200, num_training_steps=1000
    )
    found = check(log)
    assert found.spec.startswith(("wsd(", "hf.get_wsd"))


def test_hf_wsd_linear_floor() -> None:
    log = hf_log(
        "get_wsd_schedule",
        1000,
        3e-4,
        num_warmup_steps=50,
        num_decay_steps=300,
        num_training_steps=1000,
        decay_type="linear",
        min_lr_ratio=0.1,
    )
    check(log)


def test_hf_inverse_sqrt() -> None:
    found = check(hf_log("get_inverse_sqrt_schedule", 2000, 1e-3, num_warmup_steps=200))
    assert found.spec.startswith(("inverse_sqrt(", "hf.get_inverse_sqrt"))


def test_hf_inverse_sqrt_sparse() -> None:
    check(hf_log("get_inverse_sqrt_schedule", 3000, 1e-3, every=5, num_warmup_steps=300, timescale=1000))


# --- what cannot be fitted -----------------------------------------------------------------------


def test_noise_is_not_exact() -> None:
    rates = np.random.default_rng(7).uniform(1e-4, 1e-3, 300)
    found = fit(make_log(rates, "csv"))
    assert not found.exact
    assert np.isfinite(found.error)
    assert found.error > 0
    assert found.tried > 0


def test_two_points_are_refused() -> None:
    with pytest.raises(lrviz.LrvizError, match="at least 3"):
        fit(make_log(np.array([0.1, 0.05]), "csv"))


def test_a_million_points_take_seconds() -> None:
    torch = require("torch")
    transformers = require("transformers")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    steps = 10**6
    scheduler = transformers.get_cosine_schedule_with_warmup(
        optimizer, num_warmup_steps=2000, num_training_steps=steps
    )
    factor = scheduler.lr_lambdas[0]  # the function LambdaLR multiplies the rate by, at each step
    rates = np.array([1e-3 * factor(t) for t in range(steps)])
    started = time.perf_counter()
    found = fit(make_log(rates, "hf"))
    assert time.perf_counter() - started < 10
    assert found.exact, found
    assert found.spec == "cosine(0.001, warmup=2000)"


def test_torch_warm_restarts() -> None:
    log = torch_log(lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=50, T_mult=2, eta_min=1e-4), 350, 0.1)
    found = check(log)
    assert "restarts" in found.spec.lower()


def test_torch_warm_restarts_sparse() -> None:
    check(torch_log(lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=100), 400, 0.05, every=4))


def test_torch_cyclic() -> None:
    def build(s: Any, o: Any) -> Any:
        return s.CyclicLR(
            o, base_lr=1e-3, max_lr=0.1, step_size_up=40, step_size_down=60, cycle_momentum=False
        )

    found = check(torch_log(build, 400, 0.1))
    assert "cyclic" in found.spec.lower()


def test_torch_cyclic_triangular2() -> None:
    def build(s: Any, o: Any) -> Any:
        return s.CyclicLR(
            o, base_lr=1e-4, max_lr=1e-2, step_size_up=25, mode="triangular2", cycle_momentum=False
        )

    check(torch_log(build, 300, 0.01))


def test_hf_polynomial() -> None:
    log = hf_log(
        "get_polynomial_decay_schedule_with_warmup",
        1000,
        1e-4,
        num_warmup_steps=100,
        num_training_steps=1000,
        lr_end=1e-6,
        power=2.0,
    )
    check(log)


def test_hf_cosine_with_min_lr() -> None:
    log = hf_log(
        "get_cosine_with_min_lr_schedule_with_warmup",
        1000,
        1e-4,
        num_warmup_steps=50,
        num_training_steps=1000,
        min_lr=1e-5,
    )
    check(log)


def test_hf_hard_restarts() -> None:
    log = hf_log(
        "get_cosine_with_hard_restarts_schedule_with_warmup",
        1000,
        1e-4,
        num_warmup_steps=100,
        num_training_steps=1000,
        num_cycles=3,
    )
    check(log)


def test_hf_constant_with_warmup_sparse() -> None:
    found = check(hf_log("get_constant_schedule_with_warmup", 500, 1e-4, every=5, num_warmup_steps=40))
    assert found.spec.startswith(("constant(", "hf.get_constant"))


def test_own_spelling_is_preferred() -> None:
    log = hf_log("get_cosine_schedule_with_warmup", 500, 1e-3, num_warmup_steps=50, num_training_steps=500)
    assert fit(log).spec == "cosine(0.001, warmup=50)"


def test_torch_constant_factor() -> None:
    found = check(torch_log(lambda s, o: s.ConstantLR(o, factor=0.5, total_iters=20), 100, 0.1))
    assert found.spec.startswith("constant(")


def test_torch_linear_decay() -> None:
    log = torch_log(lambda s, o: s.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=80), 100, 0.1)
    assert check(log).spec == "linear(0.1, 0.01, steps=80)"


def test_framework_spelling_where_lrviz_differs() -> None:
    # CosineAnnealingLR rises again past T_max; lrviz's cosine holds its floor
    found = check(torch_log(lambda s, o: s.CosineAnnealingLR(o, T_max=100), 150, 0.1))
    assert found.spec.startswith("torch.CosineAnnealingLR(")


def test_torch_exponential_sparse_float32() -> None:
    log = torch_log(lambda s, o: s.ExponentialLR(o, gamma=0.995), 3000, 0.1, every=10, float32=True)
    assert check(log).spec == "exponential(0.1, 0.995)"


def offset_log(rates: np.ndarray, kind: str, first: int, every: int) -> Log:
    """A log that begins after the start and misses the warm-up's peak (HF's every-N logging)."""
    steps = np.arange(first, rates.size, every, dtype=np.int64)
    return Log(Path("run"), kind, "lr", steps, rates[steps], False, "step s is update s − 1")


def test_hf_cosine_peak_between_logged_points() -> None:
    log = hf_log("get_cosine_schedule_with_warmup", 1000, 5e-5, num_warmup_steps=100, num_training_steps=1000)
    found = check(offset_log(log.rates, "hf", 9, 10))
    assert found.spec == "cosine(5e-5, warmup=100)"


def test_hf_linear_peak_between_logged_points() -> None:
    log = hf_log("get_linear_schedule_with_warmup", 1000, 5e-5, num_warmup_steps=30, num_training_steps=1000)
    found = check(offset_log(log.rates, "hf", 4, 5))
    assert found.spec == "linear(5e-5, 0, warmup=30)"


def test_torch_warmup_then_multistep() -> None:
    def build(s: Any, o: Any) -> Any:
        ramp = s.LinearLR(o, start_factor=0.1, total_iters=10)
        return s.SequentialLR(o, [ramp, s.MultiStepLR(o, milestones=[50, 90], gamma=0.2)], milestones=[10])

    found = check(torch_log(build, 150, 0.1))
    assert found.spec == "multistep(0.1, [50, 90], gamma=0.2, warmup=10, warmup_start=0.01)"
