"""Training code for a schedule, ready to paste: the framework's own code wherever it draws the curve
lrviz draws, otherwise lrviz's adapter, which looks up the very rates lrviz evaluates.

A spec written in a framework's dialect becomes that framework's call with the same arguments (the
dialects reproduce the frameworks, so the curve is the same). One of lrviz's own schedules, or an
expression in ``t``, becomes the first of these candidates that draws its curve, in this order:

1. a framework call of :data:`EQUIVALENTS` (for hf, transformers' functions before PyTorch's classes);
2. with a warm-up, a call of :data:`EQUIVALENTS` that draws the schedule without one, after the
   framework's own linear warm-up: PyTorch's ``SequentialLR`` of a ``LinearLR`` and that call (a
   ``LinearLR`` cannot start from 0, so a warm-up from 0 is not one), optax's ``join_schedules`` of a
   ``linear_schedule`` and that call;
3. for PyTorch and hf, a ``LambdaLR`` whose lambda is plain Python (``math`` and arithmetic): the
   schedule's formula of :data:`FORMULAS` in the step (or the expression itself), after the warm-up
   ramp if there is one, divided by the base rate the optimizer is given.

Each candidate is evaluated by lrviz over the run — through the dialect that reproduces its framework
— and taken only where every step matches the spec to 1e-12 of the spec's largest rate. Everything
else — arithmetic of schedules, sequences, restarts, another framework's dialect — becomes an adapter
from :mod:`lrviz.torch`, :mod:`lrviz.optax` or :mod:`lrviz.keras`. The code states what it assumes:
how often the schedule is stepped and which base rate the optimizer holds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lrviz.errors import LrvizError
from lrviz.evaluation.run import Run, evaluate_spec
from lrviz.language.catalogue import lookup
from lrviz.language.functions import FUNCTIONS
from lrviz.language.tree import Call, Constant, Operation, Spec, Variable, bind, checked_call
from lrviz.limits import excerpt
from lrviz.schedules.kinds import RATE, fraction_of

WIDTH = 110
"""The longest line of printed code, as in lrviz's own: a longer call is written one argument a line,
and a lambda too long for a line of its own as a function (``def lr_lambda(step):``)."""

TOLERANCE = 1e-12
"""How close a candidate's rates must be to the spec's at every step, relative to the spec's largest."""


@dataclass(frozen=True)
class Target:
    """A framework lrviz writes code for."""

    name: str
    paths: dict[str, str]
    """The dialects it runs, in the order their calls are preferred, each with how its names are
    spelled in code: ``torch.CosineAnnealingLR`` is ``torch.optim.lr_scheduler.`` +
    ``CosineAnnealingLR``."""
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

ELSEWHERE = {"torch.SWALR": "torch.optim.swa_utils."}
"""Schedulers whose module is not their dialect's usual one."""

CALLBACKS = frozenset({"keras.LearningRateScheduler"})
"""Schedules a framework runs as a training callback, which no optimizer takes as its rate."""

EQUIVALENTS = {
    "constant": [
        "hf.get_constant_schedule(lr={lr})",
        "hf.get_constant_schedule_with_warmup(num_warmup_steps={warmup}, lr={lr})",
        "torch.ConstantLR(factor=1.0, total_iters=0, lr={lr})",
        "optax.constant_schedule({lr})",
        "optax.warmup_constant_schedule({warmup_start}, {lr}, warmup_steps={warmup})",
    ],
    "exponential": [
        "torch.ExponentialLR(gamma={gamma}, lr={lr})",
        "optax.exponential_decay({lr}, transition_steps=1, decay_rate={gamma})",
        "optax.warmup_exponential_decay_schedule({warmup_start}, {lr}, {warmup}, transition_steps=1, "
        "decay_rate={gamma})",
        "keras.ExponentialDecay({lr}, decay_steps=1, decay_rate={gamma})",
    ],
    "step": [
        "torch.StepLR(step_size={step_size}, gamma={gamma}, lr={lr})",
        "optax.exponential_decay({lr}, {step_size}, decay_rate={gamma}, staircase=True)",
        "optax.warmup_exponential_decay_schedule({warmup_start}, {lr}, {warmup}, "
        "transition_steps={step_size}, decay_rate={gamma}, staircase=True)",
        "keras.ExponentialDecay({lr}, decay_steps={step_size}, decay_rate={gamma}, staircase=True)",
    ],
    "multistep": ["torch.MultiStepLR(milestones={milestones}, gamma={gamma}, lr={lr})"],
    "linear": [
        "hf.get_linear_schedule_with_warmup(num_warmup_steps={warmup}, num_training_steps={total}, "
        "lr={start})",
        "torch.LinearLR(start_factor=1.0, end_factor={end} / {start}, total_iters={steps}, lr={start})",
        "torch.LinearLR(start_factor={start} / {end}, end_factor=1.0, total_iters={steps}, lr={end})",
        "optax.linear_schedule({start}, {end}, transition_steps={steps})",
        "keras.PolynomialDecay({start}, {steps}, end_learning_rate={end}, power=1.0)",
    ],
    "cosine": [
        "hf.get_cosine_schedule_with_warmup(num_warmup_steps={warmup}, num_training_steps={total}, "
        "lr={max_lr})",
        "hf.get_cosine_with_min_lr_schedule_with_warmup(num_warmup_steps={warmup}, "
        "num_training_steps={total}, min_lr={min_lr}, lr={max_lr})",
        "torch.CosineAnnealingLR(T_max={steps}, eta_min={min_lr}, lr={max_lr})",
        "optax.cosine_decay_schedule({max_lr}, decay_steps={steps}, alpha={min_lr} / {max_lr})",
        "optax.warmup_cosine_decay_schedule({warmup_start}, {max_lr}, warmup_steps={warmup}, "
        "decay_steps={total}, end_value={min_lr})",
        "keras.CosineDecay({max_lr}, decay_steps={steps}, alpha={min_lr} / {max_lr})",
        "keras.CosineDecay({warmup_start}, decay_steps={steps}, alpha={min_lr} / {max_lr}, "
        "warmup_target={max_lr}, warmup_steps={warmup})",
    ],
    "polynomial": [
        "hf.get_polynomial_decay_schedule_with_warmup(num_warmup_steps={warmup}, "
        "num_training_steps={total}, lr_end={min_lr}, power={power}, lr={lr})",
        "torch.PolynomialLR(total_iters={steps}, power={power}, lr={lr})",
        "optax.polynomial_schedule({lr}, {min_lr}, {power}, transition_steps={steps})",
        "keras.PolynomialDecay({lr}, {steps}, end_learning_rate={min_lr}, power={power}, cycle={cycle})",
    ],
    "wsd": [
        "hf.get_wsd_schedule(num_warmup_steps={warmup}, num_decay_steps={decay}, "
        "num_training_steps={total}, decay_type={decay_type}, min_lr_ratio={min_lr} / {lr}, lr={lr})"
    ],
    "inverse_sqrt": [
        "hf.get_inverse_sqrt_schedule(num_warmup_steps={warmup}, timescale={timescale}, lr={lr})"
    ],
    "inverse_time": ["keras.InverseTimeDecay({lr}, {step_size}, decay_rate={gamma}, staircase={staircase})"],
    "cyclic": [
        "torch.CyclicLR(base_lr={min_lr}, max_lr={max_lr}, step_size_up={step_size}, "
        "step_size_down={step_size_down}, mode={mode}, gamma={gamma}, cycle_momentum=False)"
    ],
    "plateau": [
        "torch.ReduceLROnPlateau(mode={mode}, factor={factor}, patience={patience}, threshold={threshold}, "
        "threshold_mode={threshold_mode}, cooldown={cooldown}, min_lr={min_lr}, eps={eps}, lr={lr})"
    ],
}
"""Framework calls that may draw one of lrviz's own schedules, as lrviz spec text with its resolved
arguments filled in (``steps`` is what follows the warm-up, wsd's ``decay`` and inverse_sqrt's
``timescale`` are whole steps), and ``{warmup}``, ``{warmup_start}`` and ``{total}`` (the schedule's
steps, warm-up included); arithmetic of numbers is folded as in any spec. A call that names
``{warmup}`` draws the warm-up itself; any other draws the schedule without one, as it is when there
is none, or after a linear warm-up where the framework composes one (see the module's rules)."""

WHOLE = 2.0**53
"""Below this, whole numbers add and compare exactly in float64."""


class _Expr:
    """An lrviz expression built with Python's operators: the tree lrviz evaluates, with numbers kept
    as written rather than folded. x + 0, 0 + x, x − 0, x·1, 1·x, x/1 and x^1 are x, x^0 is 1, and a
    whole shift is taken at once, as exact arithmetic on whole steps: (t − 5) − 3 is t − 8 and
    (t − 5) < 3 is t < 8."""

    def __init__(self, node: Spec) -> None:
        self.node = node

    def __add__(self, other: Operand) -> _Expr:
        return _binary("+", self, other)

    def __radd__(self, other: Operand) -> _Expr:
        return _binary("+", other, self)

    def __sub__(self, other: Operand) -> _Expr:
        return _binary("-", self, other)

    def __rsub__(self, other: Operand) -> _Expr:
        return _binary("-", other, self)

    def __mul__(self, other: Operand) -> _Expr:
        return _binary("*", self, other)

    def __rmul__(self, other: Operand) -> _Expr:
        return _binary("*", other, self)

    def __truediv__(self, other: Operand) -> _Expr:
        return _binary("/", self, other)

    def __rtruediv__(self, other: Operand) -> _Expr:
        return _binary("/", other, self)

    def __floordiv__(self, other: Operand) -> _Expr:
        return _binary("//", self, other)

    def __pow__(self, other: Operand) -> _Expr:
        return _binary("**", self, other)

    def __rpow__(self, other: Operand) -> _Expr:
        return _binary("**", other, self)

    def __lt__(self, other: Operand) -> _Expr:
        return _binary("<", self, other)


Operand = _Expr | Spec | float | int


def _node(value: Operand) -> Spec:
    if isinstance(value, _Expr):
        return value.node
    if isinstance(value, Spec):
        return value
    return Constant(float(value), repr(value))


def _is(node: Spec, number: float) -> bool:
    return isinstance(node, Constant) and node.number == number


def _whole(node: Spec) -> bool:
    return isinstance(node, Constant) and node.number.is_integer() and abs(node.number) < WHOLE


def _shifted(node: Spec, by: float) -> Spec:
    """node + by, written as a subtraction when by is negative."""
    if by == 0:
        return node
    return Operation("+" if by > 0 else "-", (node, Constant(abs(by))))


def _binary(symbol: str, left: Operand, right: Operand) -> _Expr:
    a, b = _node(left), _node(right)
    if (symbol in ("+", "-") and _is(b, 0)) or (symbol in ("*", "/", "**") and _is(b, 1)):
        return _Expr(a)
    if (symbol == "+" and _is(a, 0)) or (symbol == "*" and _is(a, 1)):
        return _Expr(b)
    if symbol == "**" and _is(b, 0):
        return _Expr(Constant(1.0))
    if (
        isinstance(a, Operation)
        and a.symbol in ("+", "-")
        and len(a.operands) == 2
        and symbol in ("+", "-", "<")
    ):
        inner, offset = a.operands
        if isinstance(offset, Constant) and _whole(offset) and isinstance(b, Constant) and _whole(b):
            by = offset.number if a.symbol == "+" else -offset.number
            if symbol == "<":
                return _Expr(Operation("<", (inner, Constant(b.number - by))))
            return _Expr(_shifted(inner, by + (b.number if symbol == "+" else -b.number)))
    return _Expr(Operation(symbol, (a, b)))


def _fn(name: str, *operands: Operand) -> _Expr:
    return _Expr(Operation(name, tuple(_node(o) for o in operands)))


def _c(number: float) -> _Expr:
    """A parameter's value as a number of the expression, kept apart from the others."""
    return _Expr(_node(number))


PI = _Expr(Constant(math.pi, "pi"))

Formula = Callable[[Mapping[str, Any], _Expr], _Expr]


def _constant(a: Mapping[str, Any], t: _Expr) -> _Expr:
    return _c(a["lr"])


def _linear(a: Mapping[str, Any], t: _Expr) -> _Expr:
    start, end, steps = _c(a["start"]), _c(a["end"]), int(a["steps"])
    return start + (end - start) * (_fn("minimum", t, steps) / steps)


def _step(a: Mapping[str, Any], t: _Expr) -> _Expr:
    return _c(a["lr"]) * _c(a["gamma"]) ** (t // int(a["step_size"]))


def _multistep(a: Mapping[str, Any], t: _Expr) -> _Expr:
    lr, gamma, milestones = _c(a["lr"]), _c(a["gamma"]), list(a["milestones"])
    rate = lr * gamma ** len(milestones)
    for k in reversed(range(len(milestones))):
        rate = _fn("where", t < milestones[k], lr * gamma**k, rate)
    return rate


def _exponential(a: Mapping[str, Any], t: _Expr) -> _Expr:
    return _c(a["lr"]) * _c(a["gamma"]) ** t


def _polynomial(a: Mapping[str, Any], t: _Expr) -> _Expr:
    lr, floor, steps = _c(a["lr"]), _c(a["min_lr"]), int(a["steps"])
    if a["cycle"]:
        fraction = t / (_c(steps) * _fn("maximum", 1, _fn("ceil", t / steps)))
    else:
        fraction = _fn("minimum", t, steps) / steps
    return (lr - floor) * (1 - fraction) ** _c(a["power"]) + floor


def _cosine(a: Mapping[str, Any], t: _Expr) -> _Expr:
    top, floor, steps = _c(a["max_lr"]), _c(a["min_lr"]), int(a["steps"])
    return floor + (top - floor) * (1 + _fn("cos", PI * _fn("minimum", t, steps) / steps)) / 2


def _log_annealing(a: Mapping[str, Any], t: _Expr) -> _Expr:
    top, floor, steps = _c(a["max_lr"]), _c(a["min_lr"]), int(a["steps"])
    x = (_fn("minimum", t, steps) + 1) / (steps + 1)
    return floor + (top - floor) * (_fn("log", 1 / x) / _fn("log", steps + 1))


def _inverse_time(a: Mapping[str, Any], t: _Expr) -> _Expr:
    progress = t / int(a["step_size"])
    if a["staircase"]:
        progress = _fn("floor", progress)
    return _c(a["lr"]) / (1 + _c(a["gamma"]) * progress)


def _inverse_sqrt(a: Mapping[str, Any], t: _Expr) -> _Expr:
    scale = int(a["timescale"])
    return _c(a["lr"]) * (1 / _fn("sqrt", (t + scale) / scale))


def _noam(a: Mapping[str, Any], t: _Expr) -> _Expr:
    warmup = int(a["warmup"])
    return _c(a["scale"]) / _fn("sqrt", _c(a["d_model"]) * warmup) * _fn("sqrt", warmup / (t + warmup))


def _tanh(a: Mapping[str, Any], t: _Expr) -> _Expr:
    top, floor, steps = _c(a["max_lr"]), _c(a["min_lr"]), int(a["steps"])
    ratio = t / steps
    curve = floor + 0.5 * (top - floor) * (1 - _fn("tanh", _c(a["lb"]) * (1 - ratio) + _c(a["ub"]) * ratio))
    return _fn("where", t < steps, curve, floor)


def _rex(a: Mapping[str, Any], t: _Expr) -> _Expr:
    top, floor, steps = _c(a["max_lr"]), _c(a["min_lr"]), int(a["steps"])
    z = 1 - _fn("minimum", t, steps) / steps
    return floor + (top - floor) * (z / (0.5 + 0.5 * z))


def _wsd(a: Mapping[str, Any], t: _Expr) -> _Expr:
    lr, floor, decay = _c(a["lr"]), _c(a["min_lr"]), int(a["decay"])
    stable = int(a["steps"]) - decay
    q = _fn("minimum", (t - stable) / decay, 1)
    shapes = {
        "linear": 1 - q,
        "cosine": (1 + _fn("cos", PI * q)) / 2,
        "1-sqrt": 1 - _fn("sqrt", q),
        "exp": 2.0 * 0.5**q - 1.0,
    }
    return _fn("where", t < stable, lr, floor + (lr - floor) * shapes[a["decay_type"]])


def _piecewise(a: Mapping[str, Any], t: _Expr) -> _Expr:
    rate = _c(a["values"][-1])
    for boundary, value in reversed(list(zip(a["boundaries"], a["values"], strict=False))):
        rate = _fn("where", t < boundary, _c(value), rate)
    return rate


FORMULAS: dict[str, Formula] = {
    "constant": _constant,
    "linear": _linear,
    "step": _step,
    "multistep": _multistep,
    "exponential": _exponential,
    "polynomial": _polynomial,
    "cosine": _cosine,
    "log_annealing": _log_annealing,
    "inverse_time": _inverse_time,
    "inverse_sqrt": _inverse_sqrt,
    "noam": _noam,
    "tanh": _tanh,
    "rex": _rex,
    "wsd": _wsd,
    "piecewise": _piecewise,
}
"""Each of lrviz's own schedules that a lambda can compute, as its formula: the lrviz expression
(arithmetic, ``where``, ``minimum``, ``cos``, …) of the rate at its local step ``t`` (counted from the
end of the warm-up, if any), from its arguments as :data:`EQUIVALENTS` fills them in."""

SETTLED: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "wsd": lambda a: {**a, "decay": fraction_of(a["decay"], a["steps"] + int(a["warmup"]))},
    "inverse_sqrt": lambda a: {**a, "timescale": a["timescale"] or max(int(a["warmup"]), 1)},
}
"""Arguments whose value the schedule works out from the others, worked out: wsd's decay in steps (a
fraction is of the whole schedule), inverse_sqrt's timescale (the warm-up, or 1)."""


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
    printer = _Printer(target, _length(run) if run is not None else None)
    native = printer.call(own or spec)
    if native is None and feedback:
        raise LrvizError(
            f"{excerpt(label)} reacts to a metric while training: its rates cannot be computed ahead "
            f"for {to}; "
            f"use the framework's own reduce-on-plateau (see 'lrviz list --dialect {to}')"
        )
    if native is None and run is None:
        raise LrvizError(
            f"{to} code for {excerpt(label)} is checked against its rates over the run (the "
            f"framework's own schedulers first, else lrviz's adapter): say how long the run is: "
            "--steps N, or --epochs E (with --steps-per-epoch)"
        )
    per = "epoch" if per_epoch else "update"
    variable = "scheduler = " if target.drives_optimizer else "schedule = "
    built = _laid_out(native, len(variable)) if native is not None else ""
    if target.drives_optimizer:
        stepping = f"scheduler.step() once per {per}, after optimizer.step()"
        assumes = [f"scheduler.step(metric) once per {per}, with its metric" if feedback else stepping]
        imports = ["import torch"]
        written = own or spec
        base = written.args.get("lr") if native is not None and isinstance(written, Call) else None
        if native is not None:
            imports += ["import transformers"] if "transformers." in built else []
            build = built
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
            build = built
        else:
            imports.append(f"import lrviz.{to}")
            assumes.append("the rates are float32")
            build = f"lrviz.{to}.schedule({label!r}, steps={_length(run)})"
        optimizer = "optax.adamw" if to == "optax" else "keras.optimizers.AdamW"
        body = [f"schedule = {build}", f"optimizer = {optimizer}(learning_rate=schedule)"]
    if native is None:
        assumes.append(f"after the last {per} of the run, its last rate holds")
    if any("math." in d for d in printer.definitions) or "math." in built:
        imports.insert(0, "import math")
    functions = [line for d in printer.definitions for line in ["", "", d]]
    comment = "# Assumes: " + ";\n#   ".join(assumes) + "."
    blank = ["", ""] if functions else [""]
    return "\n".join([*imports, *functions, *blank, comment, *body]) + "\n"


def target_named(name: str) -> Target:
    """The target called ``name``; an error lists them all."""
    if name not in TARGETS:
        raise LrvizError(f"--to is one of {', '.join(TARGETS)}, got {excerpt(name)}")
    return TARGETS[name]


def _length(run: Run | None) -> int:
    assert run is not None
    return -(-run.steps // run.steps_per_epoch) if run.step_on == "epoch" else run.steps


def _equivalent(spec: Spec, target: Target, run: Run) -> Spec | None:
    """The first candidate (see the module's rules) that draws ``spec`` over ``run``, if one does."""
    if not _candidate_kind(spec):
        return None
    ours = evaluate_spec(spec, run)
    peak = float(np.abs(ours).max(initial=0.0))
    printer = _Printer(target, _length(run))
    for make in _candidates(spec, target, run, peak):
        try:
            candidate = _tidied(make())
            if printer.call(candidate) is None:
                continue
            theirs = evaluate_spec(candidate, run)
        except LrvizError:
            continue
        if np.abs(theirs - ours).max(initial=0.0) <= TOLERANCE * peak:
            return candidate
    return None


def _tidied(spec: Spec) -> Spec:
    """``spec`` with each float argument written with the fewest digits within 1e-15 of it (0.01/0.1 is
    0.1, not 0.09999999999999999): a change far below the tolerance, and checked with the rest."""
    if not isinstance(spec, Call):
        return spec
    args = {name: _tidy(value) for name, value in spec.args.items()}
    return spec if args == dict(spec.args) else checked_call(spec.entry, args, "")


def _tidy(value: Any) -> Any:
    if isinstance(value, Spec):
        return _tidied(value)
    if isinstance(value, tuple | list):
        return type(value)(_tidy(v) for v in value)
    if isinstance(value, float) and math.isfinite(value):
        return next(
            shorter
            for digits in range(1, 18)
            if math.isclose(shorter := float(f"{value:.{digits}g}"), value, rel_tol=1e-15)
        )
    return value


def _candidate_kind(spec: Spec) -> bool:
    """One of lrviz's own schedules that has a candidate, or an expression in t without schedules."""
    if isinstance(spec, Call):
        return not spec.entry.dialect and (spec.entry.name in EQUIVALENTS or spec.entry.name in FORMULAS)
    return all(isinstance(node, Constant | Variable | Operation) for node in spec.walk())


def _candidates(spec: Spec, target: Target, run: Run, peak: float) -> Iterator[Callable[[], Spec]]:
    """The candidates for ``spec`` in the order they are preferred, each built when it is tried."""
    from lrviz.language.parser import parse

    length = _length(run)
    if not isinstance(spec, Call):
        if "torch" in target.paths:
            constants = [node.number for node in spec.walk() if isinstance(node, Constant)]
            yield lambda: _lambda_lr(spec, _base(constants, [], peak))
        return
    name = spec.entry.name
    args, warmup = spec.resolve(length)
    start = args.pop("warmup_start", 0.0) if spec.entry.generic_warmup else 0.0
    args = SETTLED.get(name, dict)(args)
    fields = {key: repr(list(v) if isinstance(v, tuple) else v) for key, v in args.items()}
    total = args["steps"] + warmup if "steps" in args else length
    fields |= {"warmup": repr(warmup), "warmup_start": repr(start), "total": repr(total)}
    numbers = list(_numbers(args.values()))
    rates = list(_numbers(args[p.name] for p in spec.entry.params if p.kind is RATE and p.name in args))
    top = spec.evaluate(np.array([float(warmup)]), length)[0] if warmup else 0.0
    top = next((n for n in numbers if math.isclose(n, top, rel_tol=TOLERANCE)), float(top))
    templates = EQUIVALENTS.get(name, [])
    for dialect in target.paths:
        for template in templates:
            if template.partition(".")[0] == dialect and (not warmup or "{warmup" in template):
                yield functools.partial(parse, template.format(**fields))
    for dialect in target.paths if warmup else ():
        for template in templates:
            if template.partition(".")[0] == dialect and "{warmup" not in template:
                text = template.format(**fields)
                yield functools.partial(_warmed_up, dialect, text, warmup, start, top)
    if "torch" in target.paths and name in FORMULAS:
        base = _base(numbers, rates, peak)
        yield functools.partial(_formula_lr, FORMULAS[name], args, warmup, start, top, base)


def _numbers(values: Iterable[Any]) -> Iterator[float]:
    for value in values:
        if isinstance(value, tuple | list):
            yield from _numbers(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield float(value)


def _base(numbers: list[float], rates: list[float], peak: float) -> float:
    """The optimizer's rate for a LambdaLR: the number of the spec that is its peak rate, else its
    largest rate argument, else 1."""
    for number in numbers:
        if number and math.isclose(number, peak, rel_tol=TOLERANCE):
            return number
    return max((r for r in rates if r > 0), default=1.0)


def _formula_lr(
    formula: Formula, args: Mapping[str, Any], warmup: int, start: float, top: float, base: float
) -> Call:
    """The LambdaLR of a schedule's formula, after a ramp over ``warmup`` steps from ``start`` to
    ``top`` (where the formula starts) when there is one."""
    t = _Expr(Variable("t"))
    rate = formula(args, t - warmup)
    if warmup:
        rate = _fn("where", t < warmup, _c(start) + (_c(top) - start) * (t / warmup), rate)
    return _lambda_lr(rate.node, base)


def _lambda_lr(rate: Spec, base: float) -> Call:
    """PyTorch's LambdaLR giving ``rate``: its lambda is the rate divided by ``base``, the optimizer's."""
    return bind(lookup("torch.LambdaLR"), [], {"lr_lambda": _divided(rate, base), "lr": base}, "")


def _divided(node: Spec, base: float) -> Spec:
    """node/base, with base taken out of a product or quotient that has it as a factor."""
    if base == 1:
        return node
    if isinstance(node, Operation) and node.symbol == "where":
        condition, then, otherwise = node.operands
        return Operation("where", (condition, _divided(then, base), _divided(otherwise, base)))
    rest = _without(node, base)
    return rest if rest is not None else _binary("/", node, base).node


def _without(node: Spec, factor: float) -> Spec | None:
    if _is(node, factor):
        return Constant(1.0)
    if isinstance(node, Operation) and node.symbol in ("*", "/"):
        left, right = node.operands
        rest = _without(left, factor)
        if rest is not None:
            return _binary(node.symbol, rest, right).node
        rest = _without(right, factor) if node.symbol == "*" else None
        if rest is not None:
            return _binary("*", left, rest).node
    return None


def _warmed_up(dialect: str, text: str, warmup: int, start: float, top: float) -> Spec:
    """The call ``text`` after the framework's own linear warm-up from ``start`` to ``top`` over
    ``warmup`` steps: PyTorch's SequentialLR of a LinearLR, optax's join_schedules of a linear_schedule."""
    from lrviz.language.parser import parse

    inner = parse(text)
    if not isinstance(inner, Call):
        raise LrvizError("not a call")
    if dialect == "torch":
        base = inner.args.get("lr")
        if not base:
            raise LrvizError(f"{inner.label} keeps no base rate to warm up to")
        ramp = {"start_factor": start / base, "end_factor": top / base, "total_iters": warmup}
        shared = checked_call(inner.entry, {k: v for k, v in inner.args.items() if k != "lr"}, "")
        parts = [bind(lookup("torch.LinearLR"), [], ramp, ""), shared]
        return bind(
            lookup("torch.SequentialLR"), [], {"schedulers": parts, "milestones": [warmup], "lr": base}, ""
        )
    if dialect == "optax":
        line = bind(lookup("optax.linear_schedule"), [start, top, warmup], {}, "")
        return bind(
            lookup("optax.join_schedules"), [], {"schedules": [line, inner], "boundaries": [warmup]}, ""
        )
    raise LrvizError(f"{dialect} composes no warm-up")


@dataclass(frozen=True)
class _Invocation:
    """A call in the printed code: the function's name and its arguments, by keyword."""

    name: str
    arguments: tuple[tuple[str, Code], ...]


@dataclass(frozen=True)
class _Brackets:
    """A list in the printed code."""

    items: tuple[Code, ...]


Code = str | _Invocation | _Brackets
"""Printed code: a call and a list are laid out on one line or, when too long, one item a line."""


def _flat(code: Code) -> str:
    if isinstance(code, str):
        return code
    if isinstance(code, _Brackets):
        return "[" + ", ".join(_flat(item) for item in code.items) + "]"
    return code.name + "(" + ", ".join(f"{key}={_flat(value)}" for key, value in code.arguments) + ")"


def _laid_out(code: Code, column: int, indent: int = 0) -> str:
    """``code`` starting at ``column`` of a line indented by ``indent``: on that line if it fits within
    :data:`WIDTH`, else its arguments (or items) one a line, four spaces in, each ending in a comma."""
    flat = _flat(code)
    if isinstance(code, str) or column + len(flat) <= WIDTH:
        return flat
    if isinstance(code, _Brackets):
        opening, items, closing = "[", [("", item) for item in code.items], "]"
    else:
        opening, items, closing = code.name + "(", [(f"{k}=", v) for k, v in code.arguments], ")"
    inner = indent + 4
    lines = [opening]
    for prefix, item in items:
        lines.append(" " * inner + prefix + _laid_out(item, inner + len(prefix), inner) + ",")
    return "\n".join([*lines, " " * indent + closing])


@dataclass
class _Printer:
    """Writes specs in a target's dialects as its code; a function of the step too long for a lambda
    on a line of :data:`WIDTH` characters is kept in :attr:`definitions` instead."""

    target: Target
    horizon: int | None
    """The run's length, which ``T`` stands for."""
    definitions: list[str] = field(default_factory=list)

    def call(self, spec: Spec) -> Code | None:
        """The framework's own call for a spec in one of its dialects, or None where there is none."""
        target = self.target
        if not isinstance(spec, Call) or spec.entry.dialect not in target.paths:
            return None
        if (spec.reacts or spec.entry.name in CALLBACKS) and not target.drives_optimizer:
            return None  # optax's and Keras's plateaus, Keras's LearningRateScheduler: no schedule objects
        if spec.args.get("last_epoch", -1) != -1:
            return None
        # by keyword: ChainedScheduler takes its schedulers first and the optimizer second
        parts: list[tuple[str, Code]] = [("optimizer", "optimizer")] if target.drives_optimizer else []
        kept = len(self.definitions)
        for name, value in spec.args.items():
            if name == "lr" and target.drives_optimizer:
                continue  # the optimizer's rate, not the scheduler's
            code = self.argument(name, value)
            if code is None:
                del self.definitions[kept:]  # nor the functions of a call that is not written
                return None
            parts.append((name, code))
        name = spec.entry.name.removeprefix(spec.entry.dialect + ".")
        home = ELSEWHERE.get(spec.entry.name, target.paths[spec.entry.dialect])
        return _Invocation(f"{home}{name}", tuple(parts))

    def argument(self, name: str, value: Any) -> Code | None:
        if isinstance(value, Call):
            return self.call(value)
        if isinstance(value, Spec):
            return self.function(name, value)
        if isinstance(value, tuple | list):
            inner = [self.argument(name, v) for v in value]
            if any(code is None for code in inner):
                return None
            return _Brackets(tuple(inner))  # type: ignore[arg-type]
        return repr(value)

    def function(self, name: str, expression: Spec) -> str | None:
        """A function of the step computing ``expression`` in plain Python: a lambda, or the name of a
        function in :attr:`definitions` (``if`` for each ``where`` it starts with); None where the
        expression holds more than :func:`python` writes."""
        text = python(expression, self.horizon)
        if text is None:
            return None
        inline = f"lambda step: {text}"
        if len(f"    {name}={inline},") <= WIDTH:  # fits on a line of its own, as a split call puts it
            return inline
        taken = {d.partition("(")[0].removeprefix("def ") for d in self.definitions}
        function, count = name, 1
        while function in taken:
            count += 1
            function = f"{name}_{count}"
        lines = [f"def {function}(step):"]
        while isinstance(expression, Operation) and expression.symbol == "where":
            condition, then, expression = expression.operands
            lines.append(f"    if {python(condition, self.horizon)}:")
            lines.append(f"        return {python(then, self.horizon)}")
        lines.append(f"    return {python(expression, self.horizon)}")
        self.definitions.append("\n".join(lines))
        return function


PYTHON_FUNCTIONS = {
    **{name: f"math.{name}" for name in ("exp", "log", "log1p", "log2", "log10", "sqrt", "cos", "sin")},
    **{name: f"math.{name}" for name in ("tanh", "floor", "ceil")},
    "abs": "abs",
    "minimum": "min",
    "maximum": "max",
}
"""lrviz's math functions as Python's: where(c, a, b) is ``a if c else b`` and clip(x, lo, hi) is
``min(max(x, lo), hi)``, as numpy computes it."""

_CONDITIONAL, _COMPARISON, _SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 6, 10, 11, 12, 13, 14
_BINDING = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "//": _PRODUCT, "%": _PRODUCT, "**": _POWER}


def python(expression: Spec, horizon: int | None = None) -> str | None:
    """``expression`` (an lrviz expression in ``t``) as a Python expression in ``step``, or None where
    it holds what plain Python does not compute (a schedule, ``T`` without a run's length).

    Numbers and arithmetic are Python's, math functions ``math``'s; parentheses only where Python's
    precedence needs them (comparisons never chain). Wherever numpy's result is finite Python computes
    the same, but for an infinity on the way (1/0, an overflowing exp), where Python raises instead.
    """
    written = _python(expression, horizon)
    return written[0] if written is not None else None


def _python(node: Spec, horizon: int | None) -> tuple[str, int] | None:
    if isinstance(node, Constant):
        text = _literal(node.number)
        return text, _UNARY if text.startswith("-") else _ATOM
    if isinstance(node, Variable):
        if node.name == "t":
            return "step", _ATOM
        return (str(horizon), _ATOM) if horizon is not None else None
    if not isinstance(node, Operation):
        return None
    parts = [_python(o, horizon) for o in node.operands]
    if any(p is None for p in parts):
        return None
    written: list[tuple[str, int]] = parts  # type: ignore[assignment]
    texts = [text for text, _ in written]
    if node.symbol == "where":
        condition, then, otherwise = written
        text = f"{_wrap(then, _CONDITIONAL + 1)} if {_wrap(condition, _CONDITIONAL + 1)} else {otherwise[0]}"
        return text, _CONDITIONAL
    if node.symbol == "clip":
        return f"min(max({texts[0]}, {texts[1]}), {texts[2]})", _ATOM
    if node.symbol in FUNCTIONS:
        return f"{PYTHON_FUNCTIONS[node.symbol]}({', '.join(texts)})", _ATOM
    if len(written) == 1:
        return node.symbol + _wrap(written[0], _UNARY), _UNARY
    left, right = written
    if node.symbol == "**":  # right-associative, and binds tighter than a unary minus on its left
        return f"{_wrap(left, _ATOM)} ** {_wrap(right, _UNARY)}", _POWER
    if node.symbol not in _BINDING:  # a comparison
        return f"{_wrap(left, _SUM)} {node.symbol} {_wrap(right, _SUM)}", _COMPARISON
    binding = _BINDING[node.symbol]
    return f"{_wrap(left, binding)} {node.symbol} {_wrap(right, binding + 1)}", binding


def _wrap(written: tuple[str, int], least: int) -> str:
    text, binding = written
    return text if binding >= least else f"({text})"


def _literal(number: float) -> str:
    """A number as Python writes it: whole numbers without a decimal point, pi as math.pi."""
    if number == math.pi:
        return "math.pi"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)
