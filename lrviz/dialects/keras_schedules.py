"""Keras 3's learning-rate schedules (``keras.optimizers.schedules``, 3.15), reproduced.

Row t is the schedule at the optimizer's iteration count t. Keras computes in float32: lrviz computes
in float64, within float32 precision of Keras, except where float32 decides a branch (the restart
index of CosineDecayRestarts), which lrviz takes in float32 as Keras does.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from lrviz.clock.fast import count_power, float32_power
from lrviz.clock.grid import Time, mark_each, mark_every, steps
from lrviz.dialects.vocabulary import OPTIMIZER, warmup_then
from lrviz.schedules.entry import Values, schedule
from lrviz.schedules.kinds import Count, Invalid, Number, Numbers, Rate, Text


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise Invalid(f"{name} must be above 0, as Keras requires, got {value!r}")


@schedule(name="keras.ExponentialDecay", frequency="continuous", quantity="exponential")
def exponential_decay(
    t: Time,
    initial_learning_rate: Rate,
    decay_steps: Number,
    decay_rate: Number,
    staircase: bool = False,
    name: Text = "ExponentialDecay",
) -> Values:
    """Keras ExponentialDecay: the rate times decay_rate every decay_steps.

    η_t = η0·r^(t/D) (⌊t/D⌋ with staircase)

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the steps D over which the rate is multiplied by decay_rate once.
        decay_rate: the factor r.
        staircase: decay in whole steps of D.
        name: ignored.

    Example:
        keras.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.96, staircase=True)
    """
    _positive("decay_steps", decay_steps)
    p = steps(t) / decay_steps
    if staircase:
        mark_every(t, decay_steps, "decay")
        return initial_learning_rate * count_power(decay_rate, np.floor(p))
    return initial_learning_rate * float32_power(decay_rate, p)


def _piecewise_check(boundaries: list[float], values: list[float], **_: Any) -> None:
    if len(boundaries) != len(values) - 1:
        raise Invalid(
            f"values needs one more entry than boundaries, as Keras requires: got {len(boundaries)} "
            f"boundaries and {len(values)} values"
        )


@schedule(
    name="keras.PiecewiseConstantDecay",
    frequency="stepwise",
    quantity="piecewise constant",
    check=_piecewise_check,
)
def piecewise_constant_decay(
    t: Time, boundaries: Numbers, values: Numbers, name: Text = "PiecewiseConstant"
) -> Values:
    """Keras PiecewiseConstantDecay: values[i] while boundaries[i−1] < t ≤ boundaries[i].

    η_t = v_0 for t ≤ b_0; v_i for b_{i−1} < t ≤ b_i; v_last for t > b_last.

    Args:
        boundaries: the steps where the value changes, one step after each.
        values: the rates, one more than the boundaries.
        name: ignored.

    Example:
        keras.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])

    Notes:
        The new value applies one step after its boundary (t = b + 1), unlike PyTorch's and optax's
        milestones, which switch at t = b.
    """
    mark_each(t, [math.floor(b) + 1 for b in boundaries], "switch")
    t = steps(t)
    out = np.where(t <= boundaries[0], values[0], 0.0) + np.where(t > boundaries[-1], values[-1], 0.0)
    for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1], strict=True):
        out = out + np.where((t > low) & (t <= high), value, 0.0)
    return out


@schedule(name="keras.PolynomialDecay", frequency="continuous", quantity="polynomial")
def polynomial_decay(
    t: Values,
    initial_learning_rate: Rate,
    decay_steps: Number,
    end_learning_rate: Rate = 0.0001,
    power: Number = 1.0,
    cycle: bool = False,
    name: Text = "PolynomialDecay",
) -> Values:
    """Keras PolynomialDecay: from the rate down to end_learning_rate along a polynomial.

    η_t = (η0 − η_end)·(1 − min(t, D)/D)^power + η_end; with cycle, D grows to D·⌈t/D⌉ instead.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the steps D of the decay.
        end_learning_rate: the final rate (1e-4 by default, not 0).
        power: the degree of the polynomial.
        cycle: stretch the horizon to the next multiple of D rather than hold.
        name: ignored.

    Example:
        keras.PolynomialDecay(0.1, decay_steps=1000, end_learning_rate=0.0, power=2.0)

    Notes:
        With cycle=True the rate does not restart at initial_learning_rate: after reaching the end at
        t = k·D it jumps to the value of a horizon k + 1 times as long.
    """
    _positive("decay_steps", decay_steps)
    if cycle:
        multiplier = np.where(t == 0, 1.0, np.ceil(t / decay_steps))
        p = t / (decay_steps * multiplier)
    else:
        p = np.minimum(t, decay_steps) / decay_steps
    remaining: Values = 1 - p
    return (initial_learning_rate - end_learning_rate) * remaining**power + end_learning_rate


@schedule(name="keras.InverseTimeDecay", frequency="continuous", quantity="inverse")
def inverse_time_decay(
    t: Time,
    initial_learning_rate: Rate,
    decay_steps: Number,
    decay_rate: Number,
    staircase: bool = False,
    name: Text = "InverseTimeDecay",
) -> Values:
    """Keras InverseTimeDecay: the rate divided by 1 + decay_rate·t/decay_steps.

    η_t = η0/(1 + r·t/D) (⌊t/D⌋ with staircase)

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the steps D.
        decay_rate: the rate r.
        staircase: decay in whole steps of D.
        name: ignored.

    Example:
        keras.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
    """
    _positive("decay_steps", decay_steps)
    p = steps(t) / decay_steps
    if staircase:
        mark_every(t, decay_steps, "decay")
        p = np.floor(p)
    return initial_learning_rate / (1 + decay_rate * p)


def _cosine(t: Values, steps: float, start: float, alpha: float) -> Values:
    decayed = 0.5 * (1.0 + np.cos(math.pi * (t / steps)))
    return start * ((1 - alpha) * decayed + alpha)


@schedule(name="keras.CosineDecay", frequency="continuous", quantity="cosine")
def cosine_decay(
    t: Time,
    initial_learning_rate: Rate,
    decay_steps: Number,
    alpha: Number = 0.0,
    name: Text = "CosineDecay",
    warmup_target: Rate | None = None,
    warmup_steps: Number = 0,
) -> Values:
    """Keras CosineDecay: an optional linear warm-up to warmup_target, then a cosine down to alpha of it.

    Without warm-up: η_t = η0·((1 − α)·½(1 + cos(π·min(t, D)/D)) + α). With it: a line from η0 to the
    target over W steps, then the same cosine of the target over D more steps.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the steps D of the decay (after the warm-up).
        alpha: the floor as a fraction of the decay's start rate.
        name: ignored.
        warmup_target: the rate the warm-up reaches; without it there is no warm-up.
        warmup_steps: the steps W of the warm-up.

    Example:
        keras.CosineDecay(0.0, decay_steps=9000, warmup_target=1e-3, warmup_steps=1000)
        --steps 10000

    Notes:
        decay_steps counts after the warm-up, whereas optax's warmup_cosine_decay_schedule counts the
        warm-up in it; the docstring's warm-up formula leaves out the + initial_learning_rate that the
        code adds.
    """
    _positive("decay_steps", decay_steps)
    if warmup_target is None:
        return _cosine(np.minimum(steps(t), decay_steps), decay_steps, initial_learning_rate, alpha)
    target = warmup_target
    return warmup_then(
        t,
        warmup_steps,
        lambda s: (target - initial_learning_rate) * (s / warmup_steps) + initial_learning_rate,
        lambda s: _cosine(
            np.minimum(s, decay_steps + warmup_steps) - warmup_steps, decay_steps, target, alpha
        ),
    )


@schedule(name="keras.CosineDecayRestarts", frequency="cyclic", quantity="cosine")
def cosine_decay_restarts(
    t: Time,
    initial_learning_rate: Rate,
    first_decay_steps: Number,
    t_mul: Number = 2.0,
    m_mul: Number = 1.0,
    alpha: Number = 0.0,
    name: Text = "SGDRDecay",
) -> Values:
    """Keras CosineDecayRestarts (SGDR): cosine cycles, each t_mul times longer and m_mul times lower.

    f = t/D0; the cycle i = ⌊log(1 − f(1 − t_mul))/log t_mul⌋ (⌊f⌋ when t_mul = 1) and the place in it
    f' = (f − (1 − t_mul^i)/(1 − t_mul))/t_mul^i; η_t = η0·((1 − α)·m_mul^i·½(1 + cos πf') + α).

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: the first cycle's length D0.
        t_mul: the factor each cycle grows by (2 by default).
        m_mul: the factor each cycle's peak shrinks by.
        alpha: the floor as a fraction of initial_learning_rate (not scaled by m_mul).
        name: ignored.

    Example:
        keras.CosineDecayRestarts(0.1, first_decay_steps=100)

    Notes:
        t_mul defaults to 2.0 (PyTorch's T_mult to 1), and alpha is not scaled by m_mul, so restart
        peaks are (1 − α)·m_mul^i + α. The cycle index is taken in float32, as Keras takes it.
    """
    _positive("first_decay_steps", first_decay_steps)

    def restarts(fraction: Values) -> Values:
        if t_mul == 1.0:
            return np.floor(fraction)
        f32 = np.float32
        restart32 = np.floor(
            np.log(f32(1.0) - fraction.astype(f32) * (f32(1.0) - f32(t_mul))) / np.log(f32(t_mul))
        )
        return np.asarray(restart32, dtype=np.float64)

    grid, t = t, steps(t)
    fraction = t / first_decay_steps
    restart = restarts(fraction)
    if t.size:  # where Keras's own count of restarts goes up, from the step before the first on
        before = restarts(np.array([t[0] - 1.0]) / first_decay_steps)
        mark_each(grid, t[np.flatnonzero(np.diff(restart, prepend=before))], "restart")
    if t_mul == 1.0:
        place = fraction - restart
    else:
        grown = count_power(t_mul, restart)
        done = (1.0 - grown) / (1.0 - t_mul)
        place = (fraction - done) / grown
    shrink = 0.5 * count_power(m_mul, restart) if m_mul != 1 else 0.5
    decayed = shrink * (1.0 + np.cos(math.pi * place))
    return initial_learning_rate * ((1 - alpha) * decayed + alpha)


def _keras_plateau_check(factor: float, monitor: str, mode: str, **_: Any) -> None:
    if factor >= 1.0:
        raise Invalid(f"ReduceLROnPlateau does not support a factor >= 1.0, as Keras says; got {factor!r}")
    if mode == "auto" and monitor.removeprefix("val_") != "loss":
        raise Invalid(
            f"Keras cannot tell whether {monitor!r} should fall or rise: pass mode='min' or mode='max'"
        )


def _keras_plateau_rule(mode: str, monitor: str, **args: Any) -> dict[str, Any]:
    direction = mode if mode != "auto" else "min"
    keep = ("factor", "patience", "min_delta", "cooldown", "min_lr")
    return {"mode": direction, **{k: args[k] for k in keep}}


@schedule(
    name="keras.ReduceLROnPlateau",
    frequency="feedback",
    quantity="exponential",
    check=_keras_plateau_check,
    groups=(OPTIMIZER,),
)
def reduce_lr_on_plateau(
    t: Time,
    monitor: Text = "val_loss",
    factor: Number = 0.1,
    patience: Count = 10,
    verbose: Count = 0,
    mode: Literal["auto", "min", "max"] = "auto",
    min_delta: Number = 1e-4,
    cooldown: Count = 0,
    min_lr: Number = 0.0,
    *,
    base: float,
) -> Values:
    """Keras' ReduceLROnPlateau callback: multiply the rate by factor after patience bad epochs.

    An improvement is current + min_delta < best ('min'; 'auto' for a loss) or current − min_delta > best
    ('max'); after patience reports without one (wait ≥ patience) the rate becomes max(rate·factor,
    min_lr), if it is above min_lr; cooldown reports then reset the count. The report at the end of
    step s sets the rate of s + 1; the rate is held in float32.

    Args:
        monitor: the metric's name; with mode='auto' it must be a loss.
        factor: the factor of each reduction, below 1.
        patience: bad reports that trigger a reduction.
        verbose: ignored.
        mode: 'auto', 'min' or 'max'.
        min_delta: the margin an improvement must beat (absolute).
        cooldown: reports after a reduction whose count is reset.
        min_lr: the floor.

    Example:
        keras.ReduceLROnPlateau(factor=0.5, patience=3, lr=1e-3)

    Notes:
        patience=P reduces after P bad reports, one fewer than PyTorch's P + 1; min_delta is absolute
        only.
    """
    from lrviz.schedules.plateau import keras_plateau_rates

    rule = _keras_plateau_rule(
        mode, monitor, factor=factor, patience=patience, min_delta=min_delta, cooldown=cooldown, min_lr=min_lr
    )
    return keras_plateau_rates(t, base, **rule)


EpochRule = Callable[[int, float], object]
"""A LearningRateScheduler ``schedule``, compiled: (epoch, the current rate) → the new rate."""

_MATH: dict[str, Callable[..., object]] = {
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "cos": math.cos,
    "sin": math.sin,
    "tan": math.tan,
    "floor": math.floor,
    "ceil": math.ceil,
    "pow": math.pow,
    "abs": abs,
    "min": min,
    "max": max,
    "float": float,
    "int": int,
    "round": round,
}
_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}
_MODULES = ("math.", "np.", "numpy.", "ops.", "keras.ops.", "tf.math.")
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def epoch_rule(text: str) -> EpochRule:
    """A ``schedule(epoch, lr)`` from its text, ``lambda epoch, lr: lr * 0.95`` or an expression in
    ``epoch`` and ``lr``, read with ``ast`` and never executed: numbers, arithmetic, comparisons,
    ``… if … else …`` and the math functions (``exp``, ``math.exp``, ``np.exp``, ``min``, …), each
    computed as Python computes it. A one-parameter lambda is Keras' old ``schedule(epoch)``."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise Invalid(f"schedule {text!r} is not a Python expression or lambda") from None
    names = ("epoch", "lr")
    if isinstance(tree, ast.Lambda):
        arguments = tree.args
        plain = [a.arg for a in arguments.posonlyargs + arguments.args]
        if not 1 <= len(plain) <= 2 or arguments.vararg or arguments.kwarg or arguments.kwonlyargs:
            raise Invalid(
                f"schedule {text!r}: Keras calls it as schedule(epoch, lr): give it 1 or 2 parameters"
            )
        names, tree = (plain[0], plain[1] if len(plain) == 2 else ""), tree.body
    return _compiled(tree, names, text)


def _compiled(node: ast.expr, names: tuple[str, str], text: str) -> EpochRule:
    def part(child: ast.expr) -> EpochRule:
        return _compiled(child, names, text)

    if isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
        value = node.value
        return lambda epoch, lr: value
    if isinstance(node, ast.Name) and node.id in names and node.id:
        return (lambda epoch, lr: epoch) if node.id == names[0] else (lambda epoch, lr: lr)
    dotted = ast.unparse(node)
    if isinstance(node, ast.Name | ast.Attribute) and _bare(dotted) in _CONSTANTS:
        constant = _CONSTANTS[_bare(dotted)]
        return lambda epoch, lr: constant
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        apply, left, right = _BINARY[type(node.op)], part(node.left), part(node.right)
        return lambda epoch, lr: apply(left(epoch, lr), right(epoch, lr))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
        inner, op = part(node.operand), node.op
        if isinstance(op, ast.Not):
            return lambda epoch, lr: not inner(epoch, lr)
        sign = -1 if isinstance(op, ast.USub) else 1
        return lambda epoch, lr: -inner(epoch, lr) if sign < 0 else +inner(epoch, lr)  # type: ignore[operator]
    if isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
        first, rest = (
            part(node.left),
            [(_COMPARE[type(op)], part(c)) for op, c in zip(node.ops, node.comparators, strict=True)],
        )

        def compare(epoch: int, lr: float) -> object:
            left = first(epoch, lr)
            for test, following in rest:
                right = following(epoch, lr)
                if not test(left, right):
                    return False
                left = right
            return True

        return compare
    if isinstance(node, ast.BoolOp):
        operands, both = [part(v) for v in node.values], isinstance(node.op, ast.And)

        def boolean(epoch: int, lr: float) -> object:
            result: object = both
            for operand in operands:
                result = operand(epoch, lr)
                if bool(result) != both:
                    return result
            return result

        return boolean
    if isinstance(node, ast.IfExp):
        test, body, orelse = part(node.test), part(node.body), part(node.orelse)
        return lambda epoch, lr: body(epoch, lr) if test(epoch, lr) else orelse(epoch, lr)
    if isinstance(node, ast.Call) and not node.keywords and _bare(ast.unparse(node.func)) in _MATH:
        function, arguments = _MATH[_bare(ast.unparse(node.func))], [part(a) for a in node.args]
        return lambda epoch, lr: function(*(a(epoch, lr) for a in arguments))
    known = " and ".join(repr(n) for n in names if n)
    raise Invalid(
        f"schedule {text!r}: {dotted!r} is not allowed: it takes {known}, numbers, arithmetic, "
        f"comparisons, '… if … else …' and {', '.join(_MATH)}"
    )


def _bare(dotted: str) -> str:
    for module in _MODULES:
        if dotted.startswith(module):
            return dotted.removeprefix(module)
    return dotted


def _callback_check(schedule: str, **_: Any) -> None:
    epoch_rule(schedule)


@schedule(
    name="keras.LearningRateScheduler",
    frequency="continuous",
    quantity="any",
    check=_callback_check,
    history=True,
    groups=(OPTIMIZER,),
)
def learning_rate_scheduler(t: Time, schedule: Text, verbose: Count = 0, *, base: float) -> Values:
    """Keras' LearningRateScheduler callback: at the start of each epoch the rate becomes schedule(epoch, lr).

    η_e = float32(schedule(e, η_{e−1})), η_{−1} = float32(lr): lr is the rate the epoch before used.

    Args:
        schedule: the function, as text: 'lambda epoch, lr: …', 'lambda epoch: …' (Keras' old form), or an
            expression in epoch and lr.
        verbose: ignored.

    Example:
        keras.LearningRateScheduler('lambda epoch, lr: lr if epoch < 10 else lr * 0.9', lr=0.01)
        --steps 30

    Notes:
        Row e is epoch e (on_epoch_begin(e)): show it per update with --step-on epoch. Keras keeps the
        rate in a float32 variable, so each epoch starts from the float32 rounding of the last; the
        function itself runs in Python floats. It must return a float: an int (lambda epoch, lr: 1) is
        refused, as Keras refuses it.
    """
    rule = epoch_rule(schedule)
    epochs = steps(t).astype(np.int64)
    top = int(epochs.max(initial=0))
    rates = np.empty(top + 1, dtype=np.float64)
    rate = float(np.float32(base))
    for epoch in range(top + 1):
        try:
            value = rule(epoch, rate)
        except (ArithmeticError, ValueError, TypeError) as error:
            raise Invalid(f"schedule {schedule!r} fails at epoch {epoch}: {error}") from None
        if not isinstance(value, float) or isinstance(value, bool):
            raise Invalid(
                f"schedule {schedule!r} returns {value!r} at epoch {epoch}: Keras requires a float "
                "(write 1.0 rather than 1)"
            )
        rate = float(np.float32(value))
        rates[epoch] = rate
    held: Values = rates[epochs]
    return held
