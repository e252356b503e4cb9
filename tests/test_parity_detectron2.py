"""Parity with fvcore and detectron2.

fvcore's ParamSchedulers are the installed fvcore's, called at ``where = t/T`` over a run of T rows (as
an LRMultiplier with ``max_iter = T`` calls them). detectron2 does not install here, so its
LRMultiplier, WarmupParamScheduler, WarmupMultiStepLR and WarmupCosineLR are references written in
this file from its source (``detectron2/solver/lr_scheduler.py`` at facebookresearch/detectron2
02b5c4e): WarmupParamScheduler built on the real fvcore classes exactly as detectron2 builds it,
LRMultiplier and the legacy schedulers as PyTorch schedulers with their ``get_lr`` rules, stepped once
by the constructor and after every iteration (as the trainer's LRScheduler hook steps them). Over
seeded random parameter sets too."""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require

torch = require("torch")
fv = require("fvcore.common.param_scheduler")


def warmup_param_scheduler(
    scheduler: Any, warmup_factor: float, warmup_length: float, method: str = "linear", rescale: bool = False
) -> Any:
    """detectron2's WarmupParamScheduler, from its constructor: a Composite of the real fvcore classes."""
    end_value = scheduler(0.0) if rescale else scheduler(warmup_length)
    start_value = warmup_factor * scheduler(0.0)
    warmup = (
        fv.ConstantParamScheduler(start_value)
        if method == "constant"
        else fv.LinearParamScheduler(start_value, end_value)
    )
    return fv.CompositeParamScheduler(
        [warmup, scheduler],
        interval_scaling=["rescaled", "rescaled" if rescale else "fixed"],
        lengths=[warmup_length, 1 - warmup_length],
    )


LRScheduler: Any = torch.optim.lr_scheduler.LRScheduler


class LRMultiplier(LRScheduler):  # type: ignore[misc]
    """detectron2's LRMultiplier: each rate is its initial one times multiplier(last_epoch/max_iter)."""

    def __init__(self, optimizer: Any, multiplier: Any, max_iter: int) -> None:
        self.multiplier, self.max_iter = multiplier, max_iter
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        factor = self.multiplier(self.last_epoch / self.max_iter)
        return [base * factor for base in self.base_lrs]


def warmup_factor_at(method: str, it: int, warmup_iters: int, warmup_factor: float) -> float:
    """detectron2's _get_warmup_factor_at_iter."""
    if it >= warmup_iters:
        return 1.0
    if method == "constant":
        return warmup_factor
    alpha = it / warmup_iters
    return warmup_factor * (1 - alpha) + alpha


def run_multiplier(multiplier: Any, max_iter: int, lr: float, steps: int) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = LRMultiplier(optimizer, multiplier, max_iter)
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(1, steps):
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates, dtype=np.float64)


def fvcore_cases() -> list[tuple[str, Any, int]]:
    """(spec, fvcore scheduler, rows)."""
    rng = np.random.default_rng(2024)
    cases: list[tuple[str, Any, int]] = [
        ("detectron2.ConstantParamScheduler(0.3)", fv.ConstantParamScheduler(0.3), 7),
        ("detectron2.CosineParamScheduler(0.1, 0.0001)", fv.CosineParamScheduler(0.1, 0.0001), 50),
        ("detectron2.CosineParamScheduler(0, 1)", fv.CosineParamScheduler(0, 1), 13),
        ("detectron2.ExponentialParamScheduler(2.0, 0.02)", fv.ExponentialParamScheduler(2.0, 0.02), 40),
        ("detectron2.LinearParamScheduler(0.0001, 0.01)", fv.LinearParamScheduler(0.0001, 0.01), 33),
        (
            "detectron2.PolynomialDecayParamScheduler(0.1, 0.9)",
            fv.PolynomialDecayParamScheduler(0.1, 0.9),
            29,
        ),
        (
            "detectron2.MultiStepParamScheduler([1, 0.1, 0.01], num_updates=90, milestones=[30, 60])",
            fv.MultiStepParamScheduler([1, 0.1, 0.01], num_updates=90, milestones=[30, 60]),
            90,
        ),
        (
            "detectron2.MultiStepParamScheduler([1, 0.1, 0.01], num_updates=90, milestones=[30, 60])",
            fv.MultiStepParamScheduler([1, 0.1, 0.01], num_updates=90, milestones=[30, 60]),
            37,  # milestones at their share of a run of another length
        ),
        (
            "detectron2.MultiStepParamScheduler([0.5, 0.2, 0.05, 0.01], num_updates=10)",
            fv.MultiStepParamScheduler([0.5, 0.2, 0.05, 0.01], num_updates=10),
            23,
        ),
        (
            "detectron2.MultiStepParamScheduler([1, 0.1, 0.01], milestones=[3, 6, 9])",
            fv.MultiStepParamScheduler([1, 0.1, 0.01], milestones=[3, 6, 9]),
            18,
        ),
        (
            "detectron2.StepParamScheduler(120, [0.1, 0.01, 0.001, 0.0001])",
            fv.StepParamScheduler(120, [0.1, 0.01, 0.001, 0.0001]),
            120,
        ),
        (
            "detectron2.StepWithFixedGammaParamScheduler(base_value=0.1, num_decays=3, gamma=0.1, "
            "num_updates=120)",
            fv.StepWithFixedGammaParamScheduler(base_value=0.1, num_decays=3, gamma=0.1, num_updates=120),
            97,
        ),
        (
            "detectron2.CompositeParamScheduler([detectron2.ConstantParamScheduler(0.42), "
            "detectron2.CosineParamScheduler(0.42, 1e-4)], lengths=[0.3, 0.7], "
            "interval_scaling=['rescaled', 'rescaled'])",
            fv.CompositeParamScheduler(
                [fv.ConstantParamScheduler(0.42), fv.CosineParamScheduler(0.42, 1e-4)],
                lengths=[0.3, 0.7],
                interval_scaling=["rescaled", "rescaled"],
            ),
            100,
        ),
        (
            "detectron2.CompositeParamScheduler([detectron2.LinearParamScheduler(0, 1), "
            "detectron2.CosineParamScheduler(1, 0), detectron2.ExponentialParamScheduler(0.5, 0.1)], "
            "lengths=[0.1, 0.6, 0.3], interval_scaling=['rescaled', 'fixed', 'rescaled'])",
            fv.CompositeParamScheduler(
                [
                    fv.LinearParamScheduler(0, 1),
                    fv.CosineParamScheduler(1, 0),
                    fv.ExponentialParamScheduler(0.5, 0.1),
                ],
                lengths=[0.1, 0.6, 0.3],
                interval_scaling=["rescaled", "fixed", "rescaled"],
            ),
            71,
        ),
    ]
    for _ in range(6):
        a, b = float(rng.uniform(0, 1)), float(rng.uniform(0, 1))
        w = float(rng.uniform(0.01, 0.5))
        rows = int(rng.integers(5, 300))
        cases.append(
            (
                f"detectron2.CompositeParamScheduler([detectron2.LinearParamScheduler({a!r}, {b!r}), "
                f"detectron2.PolynomialDecayParamScheduler({b!r}, 2.0)], lengths=[{w!r}, {1 - w!r}], "
                "interval_scaling=['rescaled', 'fixed'])",
                fv.CompositeParamScheduler(
                    [fv.LinearParamScheduler(a, b), fv.PolynomialDecayParamScheduler(b, 2.0)],
                    lengths=[w, 1 - w],
                    interval_scaling=["rescaled", "fixed"],
                ),
                rows,
            )
        )
    return cases


@pytest.mark.parametrize(("text", "theirs", "rows"), fvcore_cases(), ids=lambda x: str(x)[:60])
def test_fvcore_parity(text: str, theirs: Any, rows: int) -> None:
    assert_parity(text, lrviz.evaluate(text, rows), [theirs(t / rows) for t in range(rows)])


def multiplier_cases() -> list[tuple[str, Any, int, float, int]]:
    """(spec of the multiplier, the reference multiplier, max_iter, lr, rows)."""
    rng = np.random.default_rng(5)
    cases: list[tuple[str, Any, int, float, int]] = []
    for _ in range(10):
        max_iter = int(rng.integers(2, 400))
        warmup_iters = int(rng.integers(0, max_iter + 20))
        length = min(warmup_iters / max_iter, 1.0)
        factor = float(rng.uniform(0, 1))
        method = str(rng.choice(["linear", "constant"]))
        rescale = bool(rng.integers(0, 2))
        gamma = float(rng.uniform(0.05, 0.9))
        milestones = sorted({int(m) for m in rng.integers(1, max_iter, size=int(rng.integers(0, 4)))})
        values = [gamma**k for k in range(len(milestones) + 1)]
        end = float(rng.uniform(0, 1))
        inner: list[tuple[str, Any]] = [
            (
                f"detectron2.MultiStepParamScheduler({values!r}, milestones={milestones!r}, "
                f"num_updates={max_iter})",
                fv.MultiStepParamScheduler(values, milestones=milestones, num_updates=max_iter),
            ),
            (f"detectron2.CosineParamScheduler(1, {end!r})", fv.CosineParamScheduler(1, end)),
        ]
        if max_iter >= 4 and length < 0.9:  # at a warm-up of the whole run, detectron2 itself fails (below)
            decays = int(rng.integers(1, 4))
            inner.append(
                (
                    f"detectron2.StepWithFixedGammaParamScheduler(1.0, {decays}, {gamma!r}, {max_iter})",
                    fv.StepWithFixedGammaParamScheduler(1.0, decays, gamma, max_iter),
                )
            )
        for text, scheduler in inner:
            spec = f"detectron2.WarmupParamScheduler({text}, {factor!r}, {length!r}, {method!r}, {rescale!r})"
            reference = warmup_param_scheduler(scheduler, factor, length, method, rescale)
            cases.append((spec, reference, max_iter, float(rng.uniform(1e-4, 1.0)), max_iter))
    cases.append(
        (
            "detectron2.WarmupParamScheduler(detectron2.MultiStepParamScheduler([1, 0.1, 0.01], "
            "milestones=[600, 800], num_updates=900), 0.001, 10 / 900)",
            warmup_param_scheduler(
                fv.MultiStepParamScheduler([1, 0.1, 0.01], milestones=[600, 800], num_updates=900),
                0.001,
                10 / 900,
            ),
            900,
            0.02,
            900,
        )
    )
    cases.append(
        (
            "detectron2.CosineParamScheduler(1, 0)",
            fv.CosineParamScheduler(1, 0),
            50,
            0.1,
            80,  # past max_iter, where fvcore's cosine rises again
        )
    )
    return cases


@pytest.mark.parametrize(
    ("inner", "multiplier", "max_iter", "lr", "rows"), multiplier_cases(), ids=lambda x: str(x)[:60]
)
def test_lr_multiplier_parity(inner: str, multiplier: Any, max_iter: int, lr: float, rows: int) -> None:
    text = f"detectron2.LRMultiplier(optimizer, {inner}, max_iter={max_iter}, lr={lr!r})"
    assert_parity(text, lrviz.evaluate(text, rows), run_multiplier(multiplier, max_iter, lr, rows))


class Legacy(LRScheduler):  # type: ignore[misc]
    """detectron2's WarmupMultiStepLR (``max_iters`` None) or WarmupCosineLR: get_lr at last_epoch."""

    def __init__(self, optimizer: Any, rule: dict[str, Any]) -> None:
        self.rule = rule
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        r, it = self.rule, self.last_epoch
        factor = warmup_factor_at(r["method"], it, r["iters"], r["factor"])
        if r.get("max_iters") is None:
            return [lr * factor * r["gamma"] ** bisect_right(r["milestones"], it) for lr in self.base_lrs]
        return [lr * factor * 0.5 * (1.0 + math.cos(math.pi * it / r["max_iters"])) for lr in self.base_lrs]


def run_legacy(rule: dict[str, Any], lr: float, steps: int) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = Legacy(optimizer, rule)
    rates = [optimizer.param_groups[0]["lr"]]
    for _ in range(1, steps):
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return np.array(rates, dtype=np.float64)


def test_legacy_parity() -> None:
    rng = np.random.default_rng(77)
    for _ in range(12):
        rows = int(rng.integers(2, 300))
        milestones = sorted({int(m) for m in rng.integers(0, rows + 10, size=int(rng.integers(0, 4)))})
        gamma, factor, lr = float(rng.uniform(0.05, 1)), float(rng.uniform(0, 1)), float(rng.uniform(1e-4, 1))
        iters = int(rng.integers(0, rows))
        method = str(rng.choice(["linear", "constant"]))
        text = (
            f"detectron2.WarmupMultiStepLR(optimizer, milestones={milestones!r}, gamma={gamma!r}, "
            f"warmup_factor={factor!r}, warmup_iters={iters}, warmup_method={method!r}, lr={lr!r})"
        )
        rule = {"milestones": milestones, "gamma": gamma, "factor": factor, "iters": iters, "method": method}
        assert_parity(text, lrviz.evaluate(text, rows), run_legacy(rule, lr, rows))
        max_iters = int(rng.integers(1, rows + 20))
        text = (
            f"detectron2.WarmupCosineLR(optimizer, max_iters={max_iters}, warmup_factor={factor!r}, "
            f"warmup_iters={iters}, warmup_method={method!r}, lr={lr!r})"
        )
        rule = {"max_iters": max_iters, "factor": factor, "iters": iters, "method": method}
        assert_parity(text, lrviz.evaluate(text, rows), run_legacy(rule, lr, rows))


def test_warmup_overlays_the_cosine() -> None:
    """The warm-up multiplies a cosine that starts at step 0: it does not carve its own steps out."""
    text = (
        "detectron2.LRMultiplier(optimizer, detectron2.WarmupParamScheduler("
        "detectron2.CosineParamScheduler(1, 0), 0.001, 0.1), max_iter=100, lr=1)"
    )
    rates = lrviz.evaluate(text, 100)
    assert rates[10] == pytest.approx(0.5 * (1 + math.cos(math.pi * 0.1)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "detectron2.MultiStepParamScheduler([1, 0.1], num_updates=10, milestones=[10])",
            "below num_updates",
        ),
        (
            "detectron2.MultiStepParamScheduler([1, 0.1, 0.01], num_updates=10, milestones=[5])",
            "needs 2 milestones",
        ),
        ("detectron2.MultiStepParamScheduler([1, 0.1])", "cannot both be None"),
        (
            "detectron2.LRMultiplier(optimizer, detectron2.ConstantParamScheduler(1), max_iter=5, lr=1)",
            "run at most",
        ),
        ("detectron2.LRMultiplier(optimizer, cosine(1), max_iter=10, lr=1)", "no fvcore ParamScheduler"),
        (
            "detectron2.CompositeParamScheduler([detectron2.ConstantParamScheduler(1)], lengths=[0.5], "
            "interval_scaling=['fixed'])",
            "sum to 1",
        ),
        (
            "detectron2.CompositeParamScheduler([detectron2.ConstantParamScheduler(1)], lengths=[1], "
            "interval_scaling=['stretched'])",
            "'rescaled' or 'fixed'",
        ),
        ("detectron2.WarmupMultiStepLR(optimizer, milestones=[5], lr=0.1, last_epoch=3)", "last_epoch"),
        (  # WarmupParamScheduler calls the scheduler at warmup_length = 1, where fvcore's list ends
            "detectron2.WarmupParamScheduler(detectron2.StepWithFixedGammaParamScheduler(1.0, 3, 0.1, 100), "
            "0.001, 1.0)",
            "has no value at where = 1.0",
        ),
    ],
)
def test_detectron2_refusals(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 10)
