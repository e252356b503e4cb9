"""Real schedules in lrviz's own words: warm-up shapes and modes, cool-downs, Megatron's exponential
WSD decay, other clocks and the momentum a scheduler sets — each against the framework that runs it,
or against the very expression the project's own code computes."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

import lrviz
from tests.frameworks import assert_parity, require


def rates(spec: str, steps: int, **options: Any) -> np.ndarray:
    return lrviz.evaluate(spec, steps, **options)


# --- warm-up shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("warmup", "low", "high", "steps"), [(10, 0.0, 0.1, 25), (7, 1e-4, 0.01, 20), (2, 0.0, 1.0, 5)]
)
def test_a_log_warm_up_is_deepspeeds(warmup: int, low: float, high: float, steps: int) -> None:
    from tests.test_parity_deepspeed import run_deepspeed

    theirs = run_deepspeed(
        "WarmupLR", {"warmup_min_lr": low, "warmup_max_lr": high, "warmup_num_steps": warmup}, 0.1, steps
    )
    # DeepSpeed's last_batch_iteration starts at −1: update t sees its warm-up at t − 1
    text = f"clock(constant({high}, warmup={warmup}, warmup_shape='log', warmup_start={low}), shift=-1)"
    assert_parity(text, rates(text, steps), theirs)


def test_a_quadratic_warm_up_is_yoloxs() -> None:
    # YOLOX's yolox/utils/lr_scheduler.py, warm-up of "yoloxwarmcos": (lr − s)·(t/W)² + s
    lr, start, warmup = 0.01, 0.0, 50
    theirs = [(lr - start) * pow(t / float(warmup), 2) + start for t in range(warmup)]
    text = f"constant({lr}, warmup={warmup}, warmup_shape='power', warmup_power=2)"
    assert_parity(text, rates(text, 60)[:warmup], theirs)
    assert rates(text, 60)[warmup:].tolist() == [lr] * 10


def test_an_exp_warm_up_rises_geometrically_and_needs_a_start() -> None:
    ours = rates("constant(1.0, warmup=4, warmup_shape='exp', warmup_start=0.0001)", 6)
    np.testing.assert_allclose(ours, [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 1.0], rtol=1e-12)
    with pytest.raises(lrviz.SpecError, match="warmup_start above 0"):
        rates("constant(1.0, warmup=4, warmup_shape='exp')", 6)


def test_a_constant_warm_up_holds_its_start() -> None:
    assert rates("constant(0.1, warmup=3, warmup_shape='constant', warmup_start=0.01)", 5).tolist() == [
        0.01,
        0.01,
        0.01,
        0.1,
        0.1,
    ]


# --- warm-ups over the schedule ---------------------------------------------------------------------


@pytest.mark.parametrize(("warmup", "init"), [(5, 1e-4), (20, 0.0), (1, 1e-3)])
def test_an_overlay_warm_up_is_timms_non_prefix_warm_up(warmup: int, init: float) -> None:
    require("torch")
    from tests.test_parity_timm import run_timm

    kwargs = {"t_initial": 100, "lr_min": 1e-5, "warmup_t": warmup, "warmup_lr_init": init}
    theirs = run_timm("CosineLRScheduler", kwargs, 0.1, 120)
    text = f"cosine(0.1, 1e-5, steps=100, warmup={warmup}, warmup_start={init}, warmup_mode='overlay')"
    assert_parity(text, rates(text, 120), theirs)


def test_an_overlay_keeps_milestones_where_they_are() -> None:
    carved = rates("multistep(0.1, [30, 60], warmup=10)", 80)
    overlaid = rates("multistep(0.1, [30, 60], warmup=10, warmup_mode='overlay')", 80)
    assert np.flatnonzero(np.diff(carved) < 0).tolist() == [39, 69]
    assert np.flatnonzero(np.diff(overlaid) < 0).tolist() == [29, 59]


def test_bert_warm_up_hands_over_to_a_decay_that_started_at_step_0() -> None:
    # BERT's optimization.py: lr = peak·(1 − t/T) (polynomial decay, power 1); under warm-up
    # is_warmup·peak·t/W + (1 − is_warmup)·lr
    peak, total, warmup = 1e-4, 100, 10
    theirs = [peak * t / warmup if t < warmup else peak * (1 - t / total) for t in range(total)]
    text = f"linear({peak}, 0, steps={total}, warmup={warmup}, warmup_mode='overlay')"
    assert_parity(text, rates(text, total), theirs)


def test_a_meeting_warm_up_is_detectron2s_warmup_param_scheduler() -> None:
    # detectron2's WarmupParamScheduler is fvcore's CompositeParamScheduler of a LinearParamScheduler
    # from factor·s(0) to s(W/T) ("rescaled") and the scheduler on the run's clock ("fixed")
    param = require("fvcore.common.param_scheduler")
    total, warmup, factor = 200, 20, 0.001
    cosine = param.CosineParamScheduler(0.1, 0.0)
    length = warmup / total
    composite = param.CompositeParamScheduler(
        [param.LinearParamScheduler(factor * cosine(0.0), cosine(length)), cosine],
        lengths=[length, 1 - length],
        interval_scaling=["rescaled", "fixed"],
    )
    theirs = [composite(t / total) for t in range(total)]
    text = f"cosine(0.1, warmup={warmup}, warmup_start={0.1 * factor}, warmup_mode='meet')"
    assert_parity(text, rates(text, total), theirs)


def test_a_multiplying_warm_up_is_ultralytics_interpolation() -> None:
    # ultralytics' trainer: lr = np.interp(ni, [0, nw], [0, initial_lr·lf(epoch)]) for ni ≤ nw
    epochs, per_epoch, warmup, lrf = 10, 30, 45, 0.01

    def lf(x: float) -> float:
        return max(1 - x / epochs, 0) * (1.0 - lrf) + lrf

    theirs = []
    for ni in range(epochs * per_epoch):
        target = 0.01 * lf(ni // per_epoch)
        theirs.append(float(np.interp(ni, [0, warmup], [0.0, target])) if ni <= warmup else target)
    text = (
        f"warmup(clock(linear(0.01, {0.01 * lrf}, steps={epochs}) , every=E), {warmup}, "
        "warmup_mode='multiply')"
    )
    ours = lrviz.evaluate(lrviz.parse(text, {"E": per_epoch}), epochs * per_epoch)
    assert_parity(text, ours, theirs)


# --- cool-downs and Megatron's WSD ------------------------------------------------------------------


def test_a_linear_cool_down_is_big_visions() -> None:
    # big_vision's utils.create_learning_rate_schedule, decay_type "rsqrt": lr / √((step + τ − W)/τ)
    # after the warm-up, times min(1, step/W), times min(1, (total − step)/cooldown)
    total, warmup, cooldown, base, timescale = 1000, 100, 200, 0.001, 300

    def big_vision(step: int) -> float:
        lr = base / math.sqrt((step + timescale - warmup) / timescale) if warmup < step else base
        lr = lr * min(1.0, step / warmup)
        return lr * min(1.0, (total - step) / cooldown)

    theirs = [big_vision(t) for t in range(total)]
    text = f"inverse_sqrt({base}, timescale={timescale}, warmup={warmup}, cooldown={cooldown})"
    assert_parity(text, rates(text, total), theirs)
    combinator = f"cooldown(inverse_sqrt({base}, timescale={timescale}, warmup={warmup}), {cooldown})"
    assert_parity(combinator, rates(combinator, total), theirs)


@pytest.mark.parametrize("shape", ["cosine", "1-sqrt"])
def test_cool_down_shapes(shape: str) -> None:
    ours = rates(f"constant(1.0, cooldown=4, cooldown_shape='{shape}')", 8)
    q = np.array([0, 0, 0, 0, 0, 0.25, 0.5, 0.75])
    expected = (1 + np.cos(np.pi * q)) / 2 if shape == "cosine" else 1 - np.sqrt(q)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


@pytest.mark.parametrize("style", ["exponential", "linear", "cosine", "minus_sqrt"])
def test_wsd_is_megatrons_wsd(style: str) -> None:
    from tests.test_parity_megatron import run_megatron

    kwargs = {
        "init_lr": 0.0,
        "max_lr": 3e-4,
        "min_lr": 3e-5,
        "lr_warmup_steps": 20,
        "lr_decay_steps": 200,
        "lr_decay_style": "WSD",
        "wsd_decay_steps": 50,
        "lr_wsd_decay_style": style,
    }
    theirs = run_megatron(kwargs, 1, 220)
    ours_style = {"exponential": "exp", "minus_sqrt": "1-sqrt"}.get(style, style)
    text = (
        f"wsd(3e-4, decay=50, decay_type='{ours_style}', min_lr=3e-5, steps=200, warmup=20) >> constant(3e-5)"
    )
    assert_parity(text, rates(text, 220), theirs)


# --- other clocks -----------------------------------------------------------------------------------


def test_megatron_counting_samples_is_a_clock_of_samples() -> None:
    from tests.test_parity_megatron import run_megatron

    batch = 512
    kwargs = {
        "init_lr": 0.0,
        "max_lr": 6e-4,
        "min_lr": 6e-5,
        "lr_warmup_steps": 100_000,
        "lr_decay_steps": 2_441_407,  # ends mid-update: 4768.37… updates
        "lr_decay_style": "cosine",
    }
    theirs = run_megatron(kwargs, batch, 5000)
    text = f"clock(cosine(6e-4, 6e-5, steps=2441407, warmup=100000), per={batch})"
    assert_parity(text, rates(text, 5000), theirs)


def test_fractional_epochs_are_pytorchs_documented_per_batch_pattern() -> None:
    torch = require("torch")
    per_epoch, epochs = 7, 12
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2, eta_min=1e-3)
    theirs = []
    for epoch in range(epochs):
        for i in range(per_epoch):
            theirs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step(epoch + i / per_epoch)
    text = "clock(restarts(cosine(0.1, 1e-3), period=3, mult=2), per=1/E, shift=-1/E)"
    ours = lrviz.evaluate(lrviz.parse(text, {"E": per_epoch}), epochs * per_epoch)
    assert_parity(text, ours, theirs)


def test_a_part_stepped_once_an_epoch_inside_a_run_of_updates() -> None:
    torch = require("torch")
    per_epoch, warmup, epochs = 10, 25, 8
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ramp = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warmup)
    theirs, stepped = [], 0
    for _ in range(epochs):
        for _ in range(per_epoch):
            theirs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            if stepped < warmup:
                ramp.step()
                stepped += 1
    # the staircase PyTorch steps once an epoch, drawn in a run of updates
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    stairs = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    per_epoch_rates = []
    for _ in range(epochs):
        per_epoch_rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        stairs.step()
    text = "clock(step(0.1, 2, 0.5), every=E)"
    ours = lrviz.evaluate(lrviz.parse(text, {"E": per_epoch}), epochs * per_epoch)
    assert_parity(text, ours, np.repeat(per_epoch_rates, per_epoch))
    ramp_text = f"linear(0.001, 0.1, steps={warmup})"
    assert_parity(ramp_text, rates(ramp_text, warmup), theirs[:warmup])


def test_a_one_based_clock() -> None:
    # nanoGPT's warm-up: lr·(it + 1)/(warmup_iters + 1)
    lr, warmup = 6e-4, 10
    theirs = [lr * (it + 1) / (warmup + 1) for it in range(warmup)]
    text = f"clock(linear(0, {lr}, steps={warmup + 1}), shift=1) >> cosine({lr})"
    ours = rates(text, 30)
    assert_parity(text, ours[:warmup], theirs)
    assert ours[warmup] == lr


def test_clock_lengths_and_refusals() -> None:
    assert lrviz.parse("clock(linear(0, 1, steps=100), per=512)").length == 1
    assert lrviz.parse("clock(linear(0, 1, steps=10), every=3)").length == 30
    assert lrviz.parse("clock(linear(0, 1, steps=10), shift=1)").length == 9
    with pytest.raises(lrviz.SpecError, match="feedback"):
        lrviz.parse("clock(plateau(0.1), per=2)")


# --- the momentum a scheduler sets -----------------------------------------------------------------


def _torch_momentum(make: Any, steps: int, adam: bool = False) -> tuple[np.ndarray, np.ndarray]:
    torch = require("torch")
    param = [torch.nn.Parameter(torch.zeros(1))]
    optimizer = torch.optim.Adam(param, lr=0.1) if adam else torch.optim.SGD(param, lr=0.1, momentum=0.9)
    scheduler = make(torch.optim.lr_scheduler, optimizer)
    lr, momentum = [], []
    for _ in range(steps):
        group = optimizer.param_groups[0]
        lr.append(group["lr"])
        momentum.append(group["betas"][0] if adam else group["momentum"])
        optimizer.step()
        scheduler.step()
    return np.array(lr), np.array(momentum)


MOMENTUM_CASES = [
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 100, "three_phase": True, "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 60, "base_momentum": 0.8, "max_momentum": 0.99}),
    ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 7}),
    (
        "CyclicLR",
        {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 5, "step_size_down": 9, "mode": "triangular2"},
    ),
    ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 6, "mode": "exp_range", "gamma": 0.97}),
]


@pytest.mark.parametrize(("name", "kwargs"), MOMENTUM_CASES)
@pytest.mark.parametrize("adam", [False, True])
def test_momentum_is_torchs(name: str, kwargs: dict[str, Any], adam: bool) -> None:
    steps = 100 if name == "OneCycleLR" and kwargs["total_steps"] == 100 else 60
    lr, momentum = _torch_momentum(lambda s, o: getattr(s, name)(o, **kwargs), steps, adam)
    text = f"torch.{name}(optimizer, {', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    spec = lrviz.parse(text)
    assert isinstance(spec, lrviz.Spec)
    setting = spec.setting("momentum")
    assert setting is not None
    assert_parity(text, lrviz.evaluate(spec, steps), lr)
    assert_parity(f"{text} momentum", lrviz.evaluate(setting, steps), momentum)


def test_no_momentum_without_cycle_momentum() -> None:
    spec = lrviz.parse("torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=10, cycle_momentum=False)")
    assert spec.setting("momentum") is None


# --- another quantity, on its own axis -------------------------------------------------------------


def test_momentum_is_exported_beside_the_rate(cli: Any) -> None:
    require("torch")
    text = "torch.OneCycleLR(optimizer, max_lr=0.1, total_steps=50)"
    result = cli("export", text, "--steps", "50", "--momentum", "--format", "json")
    assert result.code == 0, result.err
    schedules = json.loads(result.out)["schedules"]
    assert [s["quantity"] for s in schedules] == ["learning rate", "momentum"]
    _, momentum = _torch_momentum(lambda s, o: s.OneCycleLR(o, max_lr=0.1, total_steps=50), 50)
    assert_parity("exported momentum", schedules[1]["lr"], momentum)
    refused = cli("table", "cosine(0.1)", "--steps", "10", "--momentum")
    assert refused.code == 2
    assert "sets a momentum" in refused.err


def test_a_schedule_drawn_as_another_quantity_gets_its_axis(tmp_path: Any) -> None:
    from matplotlib.figure import Figure

    from lrviz.io.settings import RunSettings
    from lrviz.render.plot import figure, style_for
    from lrviz.tools.build import build

    built = build(
        ["cosine(0.05)", "linear(0.01, 0.1)"], settings=RunSettings(steps=100, quantity="weight decay")
    )
    fig = figure(built.curves, style_for(None, {}))
    assert isinstance(fig, Figure)
    assert [ax.get_ylabel() for ax in fig.axes if ax.get_visible()] == ["weight decay"]
    config = tmp_path / "two.yaml"
    config.write_text(
        "steps: 100\nschedules:\n  lr: cosine(0.1)\n"
        "  wd:\n    spec: linear(0.0, 0.05)\n    quantity: weight decay\n"
    )
    both = build([str(config)])
    labels = [ax.get_ylabel() for ax in figure(both.curves, style_for(both.config, {})).axes]
    assert labels == ["learning rate", "weight decay"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: 10\nschedules:\n  wd:\n    spec: cosine(0.1)\n    quantity: ''\n")
    with pytest.raises(lrviz.LrvizError, match="quantity"):
        build([str(bad)])


# --- cycles whose peak decays and whose floor stays -------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"t_initial": 30, "lr_min": 1e-5, "cycle_decay": 0.5, "cycle_limit": 3},
        {"t_initial": 20, "lr_min": 1e-4, "cycle_decay": 0.8, "cycle_limit": 10},
        {"t_initial": 10, "lr_min": 1e-5, "cycle_decay": 0.7, "cycle_limit": 4, "cycle_mul": 2},
    ],
)
def test_cycles_that_keep_their_floor_are_timms(kwargs: dict[str, Any]) -> None:
    require("torch")
    from tests.test_parity_timm import run_timm

    theirs = run_timm("CosineLRScheduler", kwargs, 5e-4, 200)
    mult = kwargs.get("cycle_mul", 1)
    text = (
        f"restarts(cosine(5e-4, {kwargs['lr_min']}), period={kwargs['t_initial']}, mult={mult}, "
        f"decay={kwargs['cycle_decay']}, keep_end=True, cycles={kwargs['cycle_limit']})"
    )
    assert_parity(text, rates(text, 200), theirs)
    chunked = lrviz.parse(text)
    from lrviz.clock.grid import Grid

    pieces = np.concatenate([chunked.evaluate(Grid(a, min(a + 37, 200)), 200) for a in range(0, 200, 37)])
    np.testing.assert_array_equal(pieces, rates(text, 200))


def test_a_clock_given_as_an_expression() -> None:
    torch = require("torch")
    per_epoch = 5
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, eta_min=1e-3)
    theirs = []
    for epoch in range(6):
        for i in range(per_epoch):
            theirs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step(epoch + i / per_epoch)
    text = "clock(restarts(cosine(0.1, 1e-3), period=2), time=maximum((t - 1)/E, 0))"
    ours = lrviz.evaluate(lrviz.parse(text, {"E": per_epoch}), 6 * per_epoch)
    assert_parity(text, ours, theirs)
    with pytest.raises(lrviz.SpecError, match="feedback"):
        lrviz.parse("clock(plateau(0.1), time=t)")


MMENGINE_CONFIG = """
optim_wrapper = dict(optimizer=dict(type='{optimizer}', lr=0.1, {moment}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=300),
    dict(type='LinearMomentum', start_factor=0.9, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingMomentum', eta_min=0.85, by_epoch=False, begin=50, end=300),
    dict(type='MultiStepMomentum', milestones=[200], gamma=0.5, by_epoch=False, begin=0, end=300),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300)
"""


@pytest.mark.parametrize("adam", [False, True])
def test_mmengine_momentum_schedulers_are_mmengines(adam: bool, tmp_path: Any, cli: Any) -> None:
    torch = require("torch")
    from tests.test_parity_mmengine import schedulers

    moment = "betas=(0.9, 0.999)" if adam else "momentum=0.9"
    path = tmp_path / "recipe.py"
    path.write_text(MMENGINE_CONFIG.format(optimizer="AdamW" if adam else "SGD", moment=moment))
    param = [torch.nn.Parameter(torch.zeros(1))]
    optimizer = (
        torch.optim.AdamW(param, lr=0.1, betas=(0.9, 0.999))
        if adam
        else torch.optim.SGD(param, lr=0.1, momentum=0.9)
    )
    built = [
        schedulers.LinearLR(optimizer, start_factor=0.01, by_epoch=False, begin=0, end=50),
        schedulers.CosineAnnealingLR(optimizer, by_epoch=False, begin=50, end=300),
        schedulers.LinearMomentum(optimizer, start_factor=0.9, by_epoch=False, begin=0, end=50),
        schedulers.CosineAnnealingMomentum(optimizer, eta_min=0.85, by_epoch=False, begin=50, end=300),
        schedulers.MultiStepMomentum(
            optimizer, milestones=[200], gamma=0.5, by_epoch=False, begin=0, end=300
        ),
    ]
    theirs = []
    for _ in range(300):
        group = optimizer.param_groups[0]
        theirs.append(group["betas"][0] if adam else group["momentum"])
        optimizer.step()
        for each in built:
            each.step()
    result = cli("export", str(path), "--momentum", "--format", "json")
    assert result.code == 0, result.err
    schedules = json.loads(result.out)["schedules"]
    assert [s["quantity"] for s in schedules] == ["learning rate", "momentum"]
    assert_parity("mmengine momentum", schedules[1]["lr"], theirs)


def test_clock_time_goes_alone() -> None:
    with pytest.raises(lrviz.SpecError, match="time=… alone"):
        lrviz.parse("clock(cosine(0.1, steps=100), time=t, per=2)")


def test_a_schedule_on_an_epoch_clock_is_no_horizon_mismatch(cli: Any) -> None:
    result = cli(
        "check",
        "linear(1e-3, 0.1, steps=50) >> clock(cosine(0.1, steps=9), every=E)",
        "--epochs",
        "10",
        "--steps-per-epoch",
        "50",
    )
    assert result.code == 0, result.out
    assert cli("check", "cosine(0.1, steps=10)", "--epochs", "10", "--steps-per-epoch", "50").code == 1


def test_code_for_an_exp_wsd_decay_is_torchs(cli: Any) -> None:
    torch = require("torch")
    result = cli("code", "wsd(0.1, decay_type='exp')", "--steps", "100", "--to", "torch")
    assert result.code == 0, result.err
    assert "0.5 **" in result.out
    namespace: dict[str, Any] = {}
    lambda_text = result.out.split("lr_lambda=", 1)[1].rsplit(",", 1)[0]
    namespace["f"] = eval(lambda_text, {"min": min})  # the generated lambda, as torch would call it
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, namespace["f"])
    theirs = []
    for _ in range(100):
        theirs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert_parity("exp wsd code", rates("wsd(0.1, decay_type='exp')", 100), theirs)


def test_a_quantity_names_the_export_column(cli: Any) -> None:
    result = cli("export", "cosine(0.1)", "--steps", "3", "--quantity", "weight decay", "--format", "csv")
    assert result.out.splitlines()[0] == "step,cosine(0.1) (weight decay)"
