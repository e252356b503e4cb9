"""Parity with PyTorch: every torch.optim.lr_scheduler dialect against the real scheduler, stepped the
way training steps it, over seeded random parameter sets and the edge cases frameworks.md lists."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrviz
import lrviz.language.catalogue
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require

torch = require("torch")
S = torch.optim.lr_scheduler

LAMBDAS = [
    "lambda epoch: 0.95 ** epoch",
    "lambda epoch: 1 / (1 + 0.1 * epoch)",
    "lambda epoch: minimum(1.0, (epoch + 1) / 10)",
    "lambda e: 0.5 * (1 + cos(pi * e / 50))",
]
MULTIPLIERS = ["lambda epoch: 0.97", "lambda epoch: 0.99", "lambda e: 1 - 0.001 * e"]


def _python(text: str) -> Callable[[int], float]:
    """The same lambda for PyTorch: the spec's math names bound to Python's."""
    names = {
        "minimum": min,
        "maximum": max,
        "cos": math.cos,
        "pi": math.pi,
        "exp": math.exp,
        "sqrt": math.sqrt,
    }
    return eval(text, names)  # type: ignore[no-any-return]


class Case:
    """One scheduler: its lrviz spec and a factory for the real one."""

    def __init__(self, cls: str, lr: float, steps: int, **kwargs: Any) -> None:
        self.cls, self.lr, self.steps, self.kwargs = cls, lr, steps, kwargs

    @property
    def spec(self) -> str:
        args = "".join(f", {k}={_text(v)}" for k, v in self.kwargs.items())
        return f"torch.{self.cls}(optimizer{args}, lr={self.lr!r})"

    def build(self, optimizer: Any) -> Any:
        kwargs = {k: _build(v, optimizer) for k, v in self.kwargs.items()}
        if self.cls == "ChainedScheduler":
            return S.ChainedScheduler(optimizer=optimizer, **kwargs)
        return getattr(S, self.cls)(optimizer, **kwargs)

    def __repr__(self) -> str:
        return f"{self.spec} over {self.steps} steps"


def _text(value: Any) -> str:
    if isinstance(value, Case):
        return value.spec.replace(f", lr={value.lr!r})", ")")
    if isinstance(value, list) and value and isinstance(value[0], Case):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, str) and value.startswith("lambda"):
        return value
    return repr(value)


def _build(value: Any, optimizer: Any) -> Any:
    if isinstance(value, Case):
        return value.build(optimizer)
    if isinstance(value, list) and value and isinstance(value[0], Case):
        return [v.build(optimizer) for v in value]
    if isinstance(value, str) and value.startswith("lambda"):
        return _python(value)
    return value


def run_torch(case: Case) -> np.ndarray:
    """The rate of every update, as training sees it: get_last_lr() after t calls of step()."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=case.lr, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = case.build(optimizer)
        rates = [scheduler.get_last_lr()[0]]
        for _ in range(case.steps - 1):
            optimizer.step()
            scheduler.step()
            rates.append(scheduler.get_last_lr()[0])
    return np.array(rates)


def _member(rng: np.random.Generator, lr: float, steps: int, chainable: bool = False) -> Case:
    kinds = [
        "StepLR",
        "MultiStepLR",
        "ConstantLR",
        "LinearLR",
        "ExponentialLR",
        "PolynomialLR",
        "CosineAnnealingLR",
    ]
    if not chainable:
        kinds += ["LambdaLR", "MultiplicativeLR", "CyclicLR", "CosineAnnealingWarmRestarts"]
    case = RANDOM[str(rng.choice(kinds))](rng, lr, steps)
    if chainable and case.cls == "CosineAnnealingLR":
        case.kwargs["eta_min"] = 0.0
        case.kwargs["T_max"] = max(case.kwargs["T_max"], steps)
    return case


def _ints(rng: np.random.Generator, low: int, high: int) -> int:
    return int(rng.integers(low, high))


RANDOM: dict[str, Callable[[np.random.Generator, float, int], Case]] = {
    "StepLR": lambda r, lr, n: Case(
        "StepLR", lr, n, step_size=_ints(r, 1, 60), gamma=float(r.uniform(0.05, 1.2))
    ),
    "MultiStepLR": lambda r, lr, n: Case(
        "MultiStepLR",
        lr,
        n,
        milestones=sorted(_ints(r, 0, n) for _ in range(_ints(r, 1, 5))),
        gamma=float(r.uniform(0.05, 1.0)),
    ),
    "ConstantLR": lambda r, lr, n: Case(
        "ConstantLR", lr, n, factor=float(r.uniform(0.05, 1.0)), total_iters=_ints(r, 0, 60)
    ),
    "LinearLR": lambda r, lr, n: Case(
        "LinearLR",
        lr,
        n,
        start_factor=float(r.uniform(0.01, 1.0)),
        end_factor=float(r.uniform(0.0, 1.0)),
        total_iters=_ints(r, 0, 80),
    ),
    "ExponentialLR": lambda r, lr, n: Case("ExponentialLR", lr, n, gamma=float(r.uniform(0.8, 1.02))),
    "PolynomialLR": lambda r, lr, n: Case(
        "PolynomialLR", lr, n, total_iters=_ints(r, 1, 120), power=float(r.uniform(0.1, 3.0))
    ),
    "CosineAnnealingLR": lambda r, lr, n: Case(
        "CosineAnnealingLR", lr, n, T_max=_ints(r, 1, 120), eta_min=float(r.uniform(0, lr))
    ),
    "LambdaLR": lambda r, lr, n: Case("LambdaLR", lr, n, lr_lambda=str(r.choice(LAMBDAS))),
    "MultiplicativeLR": lambda r, lr, n: Case(
        "MultiplicativeLR", lr, n, lr_lambda=str(r.choice(MULTIPLIERS))
    ),
    "CyclicLR": lambda r, lr, n: Case(
        "CyclicLR",
        lr,
        n,
        base_lr=float(r.uniform(1e-4, lr)),
        max_lr=float(r.uniform(lr, 2 * lr)),
        step_size_up=_ints(r, 1, 40),
        step_size_down=[None, _ints(r, 1, 40)][_ints(r, 0, 2)],
        mode=str(r.choice(["triangular", "triangular2", "exp_range"])),
        gamma=float(r.uniform(0.95, 1.0)),
    ),
    "OneCycleLR": lambda r, lr, n: Case(
        "OneCycleLR",
        lr,
        n,
        max_lr=float(r.uniform(0.01, 1.0)),
        total_steps=n + _ints(r, -1, 30),
        pct_start=float(r.uniform(0.05, 0.45)),
        anneal_strategy=str(r.choice(["cos", "linear"])),
        div_factor=float(r.uniform(2, 100)),
        final_div_factor=float(r.uniform(10, 1e5)),
        three_phase=bool(r.integers(0, 2)),
    ),
    "CosineAnnealingWarmRestarts": lambda r, lr, n: Case(
        "CosineAnnealingWarmRestarts",
        lr,
        n,
        T_0=_ints(r, 1, 40),
        T_mult=_ints(r, 1, 4),
        eta_min=float(r.uniform(0, lr / 2)),
    ),
    "SequentialLR": lambda r, lr, n: Case(
        "SequentialLR",
        lr,
        n,
        schedulers=[_member(r, lr, n) for _ in range(3)],
        milestones=sorted(_ints(r, 0, n) for _ in range(2)),
    ),
    "ChainedScheduler": lambda r, lr, n: Case(
        "ChainedScheduler", lr, n, schedulers=[_member(r, lr, n, chainable=True) for _ in range(2)]
    ),
}


def _random_cases(per_class: int = 12) -> list[Case]:
    rng = np.random.default_rng(20261123)
    cases = []
    for _name, make in RANDOM.items():
        for _ in range(per_class):
            cases.append(make(rng, float(rng.uniform(1e-3, 1.0)), _ints(rng, 1, 400)))
    return cases


EDGES = [
    # frameworks.md's verified traces and quirks
    Case("StepLR", 0.05, 9, step_size=3, gamma=0.1),
    Case("MultiStepLR", 0.05, 8, milestones=[2, 5, 5]),
    Case("ConstantLR", 0.05, 6, factor=0.5, total_iters=3),
    Case("LinearLR", 0.05, 8),
    Case("LinearLR", 0.05, 7, start_factor=1.0, end_factor=0.0, total_iters=4),
    Case("PolynomialLR", 0.05, 7, total_iters=4, power=2),
    Case("CosineAnnealingLR", 1.0, 40, T_max=4),  # rises again past T_max
    Case("CosineAnnealingLR", 1.0, 13, T_max=4, eta_min=0.1),
    Case("CosineAnnealingWarmRestarts", 1.0, 13, T_0=3, T_mult=2),
    Case("CosineAnnealingWarmRestarts", 1.0, 400, T_0=1, T_mult=3),
    Case("CyclicLR", 1.0, 13, base_lr=0.1, max_lr=1.0, step_size_up=2, mode="triangular2"),
    Case("CyclicLR", 1.0, 13, base_lr=0.1, max_lr=1.0, step_size_up=2, mode="exp_range", gamma=0.9),
    Case("CyclicLR", 1.0, 9, base_lr=0.0, max_lr=1.0, step_size_up=3, step_size_down=1),
    Case(
        "CyclicLR",
        1.0,
        9,
        base_lr=0.0,
        max_lr=1.0,
        step_size_up=2,
        scale_fn="lambda x: 0.5 ** x",
        scale_mode="iterations",
    ),
    Case("CyclicLR", 1.0, 30, base_lr=0.0, max_lr=1.0, step_size_up=2, scale_fn="lambda x: 1 / x"),
    Case("OneCycleLR", 1.0, 11, max_lr=1.0, total_steps=10),  # step 10 extrapolates
    Case("OneCycleLR", 1.0, 11, max_lr=1.0, total_steps=10, anneal_strategy="linear"),  # negative at 10
    Case("OneCycleLR", 1.0, 10, max_lr=1.0, total_steps=10, anneal_strategy="linear", three_phase=True),
    Case("OneCycleLR", 1.0, 7, max_lr=1.0, total_steps=7),
    Case("OneCycleLR", 1.0, 3, max_lr=1.0, total_steps=3, pct_start=0.25),  # first rate is not max/25
    Case("OneCycleLR", 1.0, 20, max_lr=1.0, epochs=4, steps_per_epoch=5),
    Case("LambdaLR", 0.1, 10, lr_lambda="lambda epoch: epoch / 5"),  # rate 0 at the first update
    Case(
        "SequentialLR",
        1.0,
        10,
        schedulers=[
            Case("LinearLR", 1.0, 0, start_factor=0.1, total_iters=3),
            Case("CosineAnnealingLR", 1.0, 0, T_max=4),
        ],
        milestones=[3],
    ),
    Case(
        "SequentialLR",
        0.05,
        24,
        schedulers=[
            Case("ConstantLR", 0.05, 0, factor=0.1, total_iters=20),
            Case("ExponentialLR", 0.05, 0, gamma=0.9),
        ],
        milestones=[20],
    ),
    Case(
        "SequentialLR",
        1.0,
        6,
        schedulers=[
            Case("ConstantLR", 1.0, 0, factor=0.5, total_iters=99),
            Case("MultiplicativeLR", 1.0, 0, lr_lambda="lambda e: 0.9"),
        ],
        milestones=[2],
    ),
    Case(
        "SequentialLR",
        1.0,
        6,
        schedulers=[Case("ExponentialLR", 1.0, 0, gamma=0.5), Case("ExponentialLR", 1.0, 0, gamma=0.5)],
        milestones=[2],
    ),
    Case(
        "SequentialLR",
        1.0,
        5,
        schedulers=[Case("LinearLR", 1.0, 0), Case("ExponentialLR", 1.0, 0, gamma=0.5)],
        milestones=[0],
    ),
    Case(
        "ChainedScheduler",
        0.05,
        24,
        schedulers=[
            Case("ConstantLR", 0.05, 0, factor=0.1, total_iters=20),
            Case("ExponentialLR", 0.05, 0, gamma=0.9),
        ],
    ),
    Case(
        "ChainedScheduler",
        1.0,
        9,
        schedulers=[
            Case("LinearLR", 1.0, 0, start_factor=0.1, total_iters=3),
            Case("CosineAnnealingLR", 1.0, 0, T_max=6),
        ],
    ),
]
LONG = [
    Case("ExponentialLR", 0.1, 100_000, gamma=0.9999),
    Case("CosineAnnealingLR", 0.1, 100_000, T_max=997, eta_min=1e-4),
    Case("CosineAnnealingWarmRestarts", 0.1, 100_000, T_0=7, T_mult=2, eta_min=1e-5),
]


@pytest.mark.parametrize("case", EDGES + _random_cases(), ids=repr)
def test_parity(case: Case) -> None:
    assert_parity(case.spec, lrviz.evaluate(case.spec, case.steps), run_torch(case))


@pytest.mark.parametrize("case", LONG, ids=repr)
def test_parity_over_long_runs(case: Case) -> None:
    assert_parity(case.spec, lrviz.evaluate(case.spec, case.steps), run_torch(case))


def test_every_scheduler_is_covered() -> None:
    # ReduceLROnPlateau reacts to a metric: tests/test_feedback.py checks it against PyTorch
    ours = {e.name.removeprefix("torch.") for e in lrviz.language.catalogue.entries("torch")} - {
        "ReduceLROnPlateau",
        "SWALR",  # tests/test_parity_swalr.py
    }
    assert ours == set(RANDOM)
    assert {c.cls for c in EDGES + _random_cases(1)} == ours


@pytest.mark.parametrize(
    ("spec", "steps", "message"),
    [
        ("torch.OneCycleLR(optimizer, max_lr=1, total_steps=10)", 12, "Tried to step 11 times"),
        ("torch.OneCycleLR(optimizer, max_lr=1, total_steps=4, pct_start=0.25)", 4, "divides by zero"),
        ("torch.OneCycleLR(optimizer, max_lr=1)", 4, "give total_steps, or epochs and steps_per_epoch"),
        ("torch.LinearLR(optimizer, start_factor=0, lr=1)", 4, "start_factor must be above 0"),
        ("torch.ConstantLR(optimizer, factor=0, lr=1)", 4, "factor=0 divides by zero"),
        ("torch.ConstantLR(optimizer, factor=2, lr=1)", 4, "factor must be between 0 and 1"),
        ("torch.CosineAnnealingWarmRestarts(optimizer, T_0=0, lr=1)", 4, "T_0 must be a positive integer"),
        (
            "torch.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=1.5, lr=1)",
            4,
            "T_mult must be a positive",
        ),
        (
            "torch.SequentialLR(optimizer, [torch.StepLR(optimizer, 2)], milestones=[3], lr=1)",
            4,
            "one milestone fewer",
        ),
        ("torch.StepLR(optimizer, 2)", 4, "lr is missing"),
        ("torch.StepLR(optimizer, 2, last_epoch=5, lr=1)", 4, "last_epoch must be -1"),
        ("torch.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.1) * 2", 4, "lr is missing"),
        ("torch.ChainedScheduler([torch.LambdaLR(optimizer, lambda e: 1)], lr=1)", 4, "cannot be chained"),
        (
            "torch.ChainedScheduler([torch.ExponentialLR(optimizer, 0.9),"
            " torch.CosineAnnealingLR(optimizer, 4)], lr=1)",
            7,
            "leaves its trough at step 5",
        ),
        ("torch.StepLR(optimizer, step_size=3, gama=0.5, lr=1)", 4, "did you mean gamma"),
        ("torch.StepLr(optimizer, step_size=3)", 4, "did you mean 'torch.StepLR'"),
        ("torch.MultiplicativeLR(optimizer, 0.95, lr=1)", 4, "lr_lambda must be a function of the step"),
        ("torch.LambdaLR(optimizer, lr_lambda=0.5, lr=1)", 4, "lr_lambda must be a function of the step"),
    ],
)
def test_refusals(spec: str, steps: int, message: str) -> None:
    with pytest.raises(LrvizError, match=message.replace("(", r"\(")):
        lrviz.evaluate(spec, steps)


@pytest.mark.parametrize("name", ["MultiplicativeLR", "LambdaLR"])
def test_a_number_for_a_function_is_refused_as_pytorch_refuses_it(name: str) -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(TypeError):
        getattr(torch.optim.lr_scheduler, name)(optimizer, 0.95)
    with pytest.raises(LrvizError, match="must be a function of the step"):
        lrviz.evaluate(f"torch.{name}(optimizer, 0.95)", 4, lr=0.1)
    constant = lrviz.parse(f"torch.{name}(optimizer, lambda epoch: 0.95, lr=0.1)")  # a function
    assert lrviz.parse(constant.render()).render() == constant.render()


def test_pasted_code_and_module_paths() -> None:
    pasted = "torch.optim.lr_scheduler.StepLR(self.optimizer, step_size=2, gamma=0.5)"
    np.testing.assert_array_equal(lrviz.evaluate(pasted, 4, lr=1.0), [1.0, 1.0, 0.5, 0.5])
    assert lrviz.parse("torch.StepLR(optimizer=opt, step_size=2)").render() == "torch.StepLR(2)"
