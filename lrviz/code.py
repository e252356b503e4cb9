"""Training code for a schedule, ready to paste: the framework's own classes where they give the curve
lrviz draws, otherwise lrviz's adapter, which looks up the very rates lrviz evaluates.

A spec written in a framework's dialect becomes that framework's call with the same arguments (the
dialects reproduce the frameworks, so the curve is the same). One of lrviz's own schedules becomes the
framework call of :data:`EQUIVALENTS` when that call, evaluated over the run, gives the same curve.
Everything else — arithmetic, sequences, another framework's dialect — becomes an adapter from
:mod:`lrviz.torch`, :mod:`lrviz.optax` or :mod:`lrviz.keras`. The code states what it assumes: how
often the schedule is stepped and which base rate the optimizer holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from lrviz.errors import LrvizError
from lrviz.limits import excerpt
from lrviz.run import Run, evaluate_spec
from lrviz.spec import Call, Spec


@dataclass(frozen=True)
class Target:
    """A framework lrviz writes code for."""

    name: str
    paths: dict[str, str]
    """The dialects it runs, each with how its names are spelled in code: ``torch.CosineAnnealingLR``
    is ``torch.optim.lr_scheduler.`` + ``CosineAnnealingLR``."""
    drives_optimizer: bool
    """Its schedulers set the rate of a PyTorch optimizer (rather than being passed to one)."""


TORCH = {"torch": "torch.optim.lr_scheduler."}
TARGETS = {
    "torch": Target("torch", TORCH, True),
    "hf": Target("hf", {"hf": "transformers.", **TORCH}, True),  # the Trainer takes any torch scheduler
    "optax": Target("optax", {"optax": "optax."}, False),
    "keras": Target("keras", {"keras": "keras.optimizers.schedules."}, False),
}
"""Every ``--to`` target."""

EQUIVALENTS = {
    "constant": ["torch.ConstantLR(factor=1.0, total_iters=0, lr={lr})", "optax.constant_schedule({lr})"],
    "exponential": [
        "torch.ExponentialLR(gamma={gamma}, lr={lr})",
        "optax.exponential_decay({lr}, transition_steps=1, decay_rate={gamma})",
        "keras.ExponentialDecay({lr}, decay_steps=1, decay_rate={gamma})",
    ],
    "step": [
        "torch.StepLR(step_size={step_size}, gamma={gamma}, lr={lr})",
        "optax.exponential_decay({lr}, {step_size}, decay_rate={gamma}, staircase=True)",
        "keras.ExponentialDecay({lr}, decay_steps={step_size}, decay_rate={gamma}, staircase=True)",
    ],
    "multistep": ["torch.MultiStepLR(milestones={milestones}, gamma={gamma}, lr={lr})"],
    "linear": ["optax.linear_schedule({start}, {end}, transition_steps={steps})"],
    "cosine": ["torch.CosineAnnealingLR(T_max={steps}, eta_min={min_lr}, lr={max_lr})"],
    "polynomial": [
        "keras.PolynomialDecay({lr}, {steps}, end_learning_rate={min_lr}, power={power}, cycle={cycle})"
    ],
    "inverse_time": ["keras.InverseTimeDecay({lr}, {step_size}, decay_rate={gamma}, staircase={staircase})"],
    "plateau": [
        "torch.ReduceLROnPlateau(mode={mode}, factor={factor}, patience={patience}, threshold={threshold}, "
        "threshold_mode={threshold_mode}, cooldown={cooldown}, min_lr={min_lr}, eps={eps}, lr={lr})"
    ],
}
"""Framework calls that may draw one of lrviz's own schedules (without a warm-up), its resolved
arguments filled in: each is used only where its curve over the run (with the run's metric, for a
feedback schedule) is lrviz's, to float64 rounding."""


def training_code(spec: Spec, run: Run | None, to: str, feedback: bool = False) -> str:
    """Python source that builds ``spec`` as a ``scheduler`` (torch, hf) or ``schedule`` (optax,
    Keras) giving lrviz's rates at every step of ``run``; ``feedback`` says that the spec reads a
    metric. Without a run (its length not given) only a framework's own call can be written."""
    target = target_named(to)
    label = spec.source if isinstance(spec, Call) and spec.source else spec.render()
    per_epoch = run is not None and run.step_on == "epoch"
    if per_epoch and not target.drives_optimizer:
        raise LrvizError(f"{to} counts optimizer updates, not epochs: give the run without --step-on epoch")
    own = _equivalent(spec, target, run) if run is not None else None
    native = _native(own or spec, target)
    if native is None and feedback:
        raise LrvizError(
            f"{excerpt(label)} reacts to a metric while training: its rates cannot be computed ahead "
            f"for {to}; "
            f"use the framework's own reduce-on-plateau (see 'lrviz list --dialect {to}')"
        )
    if native is None and run is None:
        raise LrvizError(
            f"{excerpt(label)} has no {to} equivalent, so lrviz's adapter looks its rates up: "
            "say how long the run is: --steps N, or --epochs E (with --steps-per-epoch)"
        )
    per = "epoch" if per_epoch else "update"
    if target.drives_optimizer:
        stepping = f"scheduler.step() once per {per}, after optimizer.step()"
        assumes = [f"scheduler.step(metric) once per {per}, with its metric" if feedback else stepping]
        imports = ["import torch"]
        written = own or spec
        base = written.args.get("lr") if native is not None and isinstance(written, Call) else None
        if native is not None:
            imports += ["import transformers"] if "transformers." in native else []
            build = native
        else:
            imports.append("import lrviz.torch")
            build = f"lrviz.torch.scheduler({label!r}, optimizer, steps={_length(run)})"
        if base is None:
            assumes.append("the scheduler sets every rate itself")
        else:
            assumes.append(f"the optimizer's learning rate is {base!r}, which the scheduler scales")
        body = [
            f"optimizer = torch.optim.AdamW(model.parameters(), lr={base or 0.0!r})  # or your optimizer",
            f"scheduler = {build}",
        ]
        if target.name == "hf":
            body.append("# with the Trainer: Trainer(..., optimizers=(optimizer, scheduler))")
    else:
        assumes = [f"{to} counts one step per optimizer update"]
        imports = [f"import {to}"]
        if native is not None:
            build = native
        else:
            imports.append(f"import lrviz.{to}")
            assumes.append("the rates are float32")
            build = f"lrviz.{to}.schedule({label!r}, steps={_length(run)})"
        optimizer = "optax.adamw" if to == "optax" else "keras.optimizers.AdamW"
        body = [f"schedule = {build}", f"optimizer = {optimizer}(learning_rate=schedule)"]
    if native is None:
        assumes.append(f"after the last {per} of the run, its last rate holds")
    comment = "# Assumes: " + ";\n#   ".join(assumes) + "."
    return "\n".join([*imports, "", comment, *body]) + "\n"


def target_named(name: str) -> Target:
    """The target called ``name``; an error lists them all."""
    if name not in TARGETS:
        raise LrvizError(f"--to is one of {', '.join(TARGETS)}, got {excerpt(name)}")
    return TARGETS[name]


def _length(run: Run | None) -> int:
    assert run is not None
    return -(-run.steps // run.steps_per_epoch) if run.step_on == "epoch" else run.steps


def _equivalent(spec: Spec, target: Target, run: Run) -> Call | None:
    """The framework call of :data:`EQUIVALENTS` that draws ``spec`` over ``run``, if one does."""
    from lrviz.parser import parse

    if not isinstance(spec, Call) or spec.entry.name not in EQUIVALENTS:
        return None
    args, warmup = spec.resolve(_length(run))
    if warmup:
        return None
    literals = {name: repr(list(v) if isinstance(v, tuple) else v) for name, v in args.items()}
    ours = evaluate_spec(spec, run)
    for template in EQUIVALENTS[spec.entry.name]:
        if template.partition(".")[0] not in target.paths:
            continue
        try:
            candidate = parse(template.format(**literals))
            theirs = evaluate_spec(candidate, run)
        except LrvizError:
            continue
        if isinstance(candidate, Call) and np.abs(theirs - ours).max() <= 1e-12 * np.abs(ours).max():
            return candidate
    return None


def _native(spec: Spec, target: Target) -> str | None:
    """The framework's own call for a spec in one of its dialects, or None where there is none."""
    if not isinstance(spec, Call) or spec.entry.dialect not in target.paths:
        return None
    if spec.entry.frequency == "feedback" and not target.drives_optimizer:
        return None  # optax's and Keras's plateaus are a transformation and a callback, not schedules
    if spec.args.get("last_epoch", -1) != -1:
        return None
    parts = ["optimizer=optimizer"] if target.drives_optimizer else []
    for name, value in spec.args.items():
        if name == "lr" and target.drives_optimizer:
            continue  # the optimizer's rate, not the scheduler's
        code = _argument(value, target)
        if code is None:
            return None
        parts.append(f"{name}={code}")
    name = spec.entry.name.removeprefix(spec.entry.dialect + ".")
    return f"{target.paths[spec.entry.dialect]}{name}({', '.join(parts)})"


def _argument(value: Any, target: Target) -> str | None:
    if isinstance(value, Call):
        return _native(value, target)
    if isinstance(value, Spec):
        return _lambda(value)
    if isinstance(value, tuple | list):
        inner = [_argument(v, target) for v in value]
        if any(code is None for code in inner):
            return None
        return f"[{', '.join(inner)}]"  # type: ignore[arg-type]
    return repr(value)


def _lambda(expression: Spec) -> str | None:
    """A Python lambda for an expression in ``t`` that needs nothing but arithmetic, else None."""
    text = expression.render()
    if set(re.findall(r"\b[A-Za-z_]\w*", text)) - {"t"}:
        return None
    return "lambda step: " + re.sub(r"\bt\b", "step", text)
