"""A parsed spec, kept as data: a tree of constants, variables, operations and schedule calls.

Every node knows the text it came from (for messages and labels), its length (for ``>>``), how to
evaluate itself over an array of local steps within a horizon, and its phase boundaries.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lrviz.clock.grid import MARKS_OF_A_KIND, Grid, NoMetric, Time, steps
from lrviz.clock.ramps import RampError, Warmup, cooled_down, warmed_up
from lrviz.errors import SpecError, close_names
from lrviz.language.functions import FUNCTIONS, OPERATORS, UNARY
from lrviz.limits import cut, excerpt
from lrviz.schedules.entry import BASIC_WARMUP, Entry, Param, Values
from lrviz.schedules.kinds import Invalid, fraction_of

PEAK_NAMES = ("lr", "max_lr")
REDUCED = "rate reduced"
"""The mark of a step where a feedback schedule lowered the rate."""
"""Two names for one parameter: a schedule's peak rate answers to either."""


class Spec:
    """A node of a parsed spec."""

    source: str

    @property
    def length(self) -> int | None:
        """The steps this part lasts when it has a length of its own (``steps=``), else ``None``."""
        return None

    def value(self, t: Time, horizon: int) -> Values | float:
        """The rates at local steps ``t`` within ``horizon``; constants may return a plain float."""
        raise NotImplementedError

    def evaluate(self, t: Time, horizon: int) -> Values:
        """The rates at local steps ``t`` (float64), for a part that has ``horizon`` steps in all."""
        return np.broadcast_to(np.asarray(self.value(t, horizon), dtype=np.float64), t.shape)

    def children(self) -> tuple[Spec, ...]:
        return ()

    def setting(self, quantity: str) -> Spec | None:
        """The schedule of another hyper-parameter (``"momentum"``) this spec's scheduler sets, or
        ``None``: only a framework scheduler that sets one has it."""
        return None

    def render(self) -> str:
        """The spec as canonical text."""
        raise NotImplementedError

    def with_params(self, overrides: Mapping[str, Any], fill: bool = False) -> tuple[Spec, set[str]]:
        """This tree with ``overrides`` set in every schedule that takes them (``fill``: only where the
        spec leaves them out), and the names it set."""
        return self, set()

    def walk(self) -> Iterator[Spec]:
        yield self
        for child in self.children():
            yield from child.walk()

    def __repr__(self) -> str:
        """The spec's text: what a message that shows a value shows of a schedule."""
        return self.source or self.render()

    def to_data(self, horizon: int | None = None) -> Any:
        """The tree as JSON-ready data with every default filled in; within ``horizon`` steps, a
        schedule's ``steps`` and warm-up are resolved to whole steps (nested parts keep ``None``:
        the rest of their part)."""
        return self.render()


@dataclass(frozen=True, eq=False, repr=False)
class Constant(Spec):
    """A constant rate: a bare number in a spec."""

    number: float
    source: str = ""

    def value(self, t: Time, horizon: int) -> float:
        return self.number

    def render(self) -> str:
        return repr(self.number)

    def to_data(self, horizon: int | None = None) -> Any:
        return self.number


@dataclass(frozen=True, eq=False, repr=False)
class Variable(Spec):
    """``t`` (the local step) or ``T`` (the horizon)."""

    name: str
    source: str = ""

    def value(self, t: Time, horizon: int) -> Values | float:
        return steps(t) if self.name == "t" else float(horizon)

    def render(self) -> str:
        return self.name


@dataclass(frozen=True, eq=False, repr=False)
class Operation(Spec):
    """An operator or math function applied pointwise to its operands."""

    symbol: str
    operands: tuple[Spec, ...]
    source: str = ""

    @property
    def length(self) -> int | None:
        lengths = [o.length for o in self.operands if o.length is not None]
        return max(lengths) if lengths else None

    def value(self, t: Time, horizon: int) -> Values | float:
        values = [o.value(t, horizon) for o in self.operands]
        if self.symbol in FUNCTIONS:
            func = FUNCTIONS[self.symbol][0]
        elif len(values) == 1:
            func = UNARY[self.symbol]
        else:
            func = OPERATORS[self.symbol]
        with np.errstate(all="ignore"):
            result = func(*values)
        return np.asarray(result, dtype=np.float64) if np.ndim(result) else float(result)

    def children(self) -> tuple[Spec, ...]:
        return self.operands

    def render(self) -> str:
        if self.symbol in FUNCTIONS:
            return f"{self.symbol}({', '.join(o.render() for o in self.operands)})"
        if len(self.operands) == 1:
            return f"{self.symbol}{_wrapped(self.operands[0])}"
        left, right = self.operands
        base = _wrapped(left)
        if self.symbol == "**" and isinstance(left, Constant) and math.copysign(1.0, left.number) < 0:
            base = f"({base})"  # -2.5 ** t is -(2.5 ** t): a power binds tighter than a sign
        return f"{base} {self.symbol} {_wrapped(right)}"

    def with_params(self, overrides: Mapping[str, Any], fill: bool = False) -> tuple[Spec, set[str]]:
        operands, used = _with_params(self.operands, overrides, fill)
        return (replace(self, operands=operands, source=""), used) if used else (self, used)

    def to_data(self, horizon: int | None = None) -> Any:
        return {"op": self.symbol, "operands": [o.to_data(horizon) for o in self.operands]}


def _wrapped(spec: Spec) -> str:
    text = spec.render()
    if isinstance(spec, Operation) and spec.symbol not in FUNCTIONS:
        return f"({text})"
    if isinstance(spec, Call) and spec.entry.name == "seq" and "at" not in spec.args:
        return f"({text})"
    return text


def _with_params(
    specs: tuple[Spec, ...], overrides: Mapping[str, Any], fill: bool
) -> tuple[tuple[Spec, ...], set[str]]:
    used: set[str] = set()
    result = []
    for spec in specs:
        new, names = spec.with_params(overrides, fill)
        result.append(new)
        used |= names
    return tuple(result), used


@dataclass(frozen=True, eq=False, repr=False)
class Call(Spec):
    """A registered schedule with the arguments the spec gave it, checked against their kinds."""

    entry: Entry
    args: Mapping[str, Any]
    source: str = ""
    where: str = field(default="", compare=False)

    @property
    def label(self) -> str:
        """The call as messages name it: its text, cut to an excerpt."""
        return cut(self.source or self.render())

    @property
    def reacts(self) -> bool:
        """Whether this schedule reacts to a metric (a feedback schedule)."""
        rule = self.entry.reacts_rule
        return self.entry.frequency == "feedback" or (rule is not None and rule(self.args))

    @property
    def history(self) -> bool:
        """Whether a step's rate depends on the steps before it: it is evaluated over its whole part."""
        return self.entry.history or self.reacts

    @property
    def length(self) -> int | None:
        if self.entry.length_rule is not None:
            return self.entry.length_rule(self.args)
        steps = self.args.get("steps")
        return steps if isinstance(steps, int) else None

    def setting(self, quantity: str) -> Spec | None:
        """The schedule of another hyper-parameter this scheduler sets as it steps (``"momentum"``),
        from the same arguments; ``None`` if it sets none (or its switch, ``cycle_momentum``, is off)."""
        for also in self.entry.also:
            if also.quantity != quantity:
                continue
            switch = self.entry.param(also.switch) if also.switch else None
            if switch is not None and not self.args.get(switch.name, switch.default):
                return None
            return Call(replace(self.entry, func=also.func, also=()), self.args, self.source, self.where)
        return None

    def children(self) -> tuple[Spec, ...]:
        found: list[Spec] = []
        for value in self.args.values():
            if isinstance(value, Spec):
                found.append(value)
            elif isinstance(value, tuple) and all(isinstance(v, Spec) for v in value):
                found.extend(value)
        return tuple(found)

    def resolve(self, horizon: int) -> tuple[dict[str, Any], int]:
        """The arguments with defaults filled in and the horizon in place of ``steps=None``, and the
        warm-up length in steps (0 for none)."""
        args: dict[str, Any] = {}
        for param in self.entry.params:
            if param.name in self.args:
                args[param.name] = self.args[param.name]
            elif param.required:
                raise SpecError(f"{self.label}: missing {_describe_param(param)}")
            else:
                args[param.name] = param.default
        if "steps" in args and args["steps"] is None:
            args["steps"] = horizon
        if not self.entry.generic_warmup:
            return args, 0
        length = args.get("steps", horizon)
        warmup = fraction_of(args["warmup"], length)
        if warmup and "steps" in args and args.get("warmup_mode", "prefix") == "prefix":
            if warmup >= args["steps"]:
                raise SpecError(
                    f"{self.label}: warmup ({warmup} steps) must be shorter than the schedule "
                    f"({args['steps']} steps)"
                )
            args["steps"] -= warmup
        if not self.entry.param("warmup").generic:  # type: ignore[union-attr]
            args["warmup"] = warmup
        else:
            del args["warmup"]
        return args, warmup

    def value(self, t: Time, horizon: int) -> Values:
        args, warmup = self.resolve(horizon)
        if not self.entry.generic_warmup:
            return self._call(t, args, horizon)
        ramp = Warmup(
            warmup,
            args.pop("warmup_start"),
            args.pop("warmup_shape"),
            args.pop("warmup_power"),
            args.pop("warmup_mode"),
        )
        cooldown, shape = args.pop("cooldown"), args.pop("cooldown_shape")
        length = args["steps"] + warmup * ramp.carved if "steps" in args else horizon
        cooling = fraction_of(cooldown, length)
        if cooling > length:
            raise SpecError(
                f"{self.label}: cooldown ({cooling} steps) must fit in the schedule ({length} steps)"
            )
        try:
            if warmup == 0:
                rates = self._call(t, args, horizon)
            else:
                rest = horizon - warmup if ramp.carved else horizon
                rates = warmed_up(t, ramp, lambda local: self._call(local, args, rest))
            return cooled_down(t, rates, length, cooling, shape)
        except RampError as error:
            raise SpecError(f"{self.label}: {error}") from None

    def _call(self, t: Time, args: dict[str, Any], horizon: int) -> Values:
        if t.size == 0:
            return np.empty(0)
        if self.entry.takes_horizon:
            args = {**args, "horizon": horizon}
        variadic = next((p.name for p in self.entry.params if p.variadic), None)
        positional = args.pop(variadic) if variadic else ()
        try:
            with np.errstate(all="ignore"):
                rates = self.entry.invoke(t if self.entry.takes_grid else steps(t), args, positional)
        except (Invalid, NoMetric) as error:
            failure = SpecError(f"{self.label}: {error}")
            failure.code = getattr(error, "code", None)
            failure.problem, failure.fix = getattr(error, "problem", str(error)), getattr(error, "fix", "")
            raise failure from None
        except (ArithmeticError, ValueError) as error:
            arithmetic = _not_computable(self.label, error)
            if arithmetic is None:
                raise
            raise arithmetic from None
        if self.reacts and isinstance(t, Grid):  # where it lowered the rate
            with np.errstate(invalid="ignore"):  # the difference of two infinite rates
                lowered = np.flatnonzero(np.diff(rates) < 0)
            for step in lowered[:MARKS_OF_A_KIND] + 1:
                t.record(t.start + int(step), REDUCED, "reduced")
        return rates

    def render(self) -> str:
        if self.entry.name == "seq" and "at" not in self.args and len(self.args) == 1:
            return " >> ".join(_wrapped(p) for p in self.args["parts"])
        positional: list[str] = []
        keywords: list[str] = []
        in_order = True
        for param in self.entry.params:
            if param.name not in self.args:
                in_order = in_order and not param.required
                continue
            value = self.args[param.name]
            if param.variadic:
                positional.extend(_render_value(v) for v in value)
                continue
            text = _render_value(list(value) if param.many else value)  # a list, as frameworks take it
            if param.function and isinstance(value, Constant):  # a function, which a bare number is not
                text = f"lambda {(*self.entry.variables, 't')[0]}: {text}"
            if param.required and in_order and not keywords:
                positional.append(text)
            else:
                keywords.append(f"{param.name}={text}")
        if not positional and not keywords:
            return self.entry.name
        return f"{self.entry.name}({', '.join(positional + keywords)})"

    def with_params(self, overrides: Mapping[str, Any], fill: bool = False) -> tuple[Spec, set[str]]:
        args: dict[str, Any] = {}
        used: set[str] = set()
        for name, value in self.args.items():
            if isinstance(value, Spec):
                value, names = value.with_params(overrides, fill)
                used |= names
            elif isinstance(value, tuple) and value and all(isinstance(v, Spec) for v in value):
                value, names = _with_params(value, overrides, fill)
                used |= names
            args[name] = value
        for name, value in overrides.items():
            param = self.entry.param(_param_name(self.entry, name) or "")
            if param is None or param.is_schedule or (fill and param.name in self.args):
                continue
            args[param.name] = _check(self.entry, param, value, self.entry.name)
            used.add(name)
        if not used:
            return self, used
        return checked_call(self.entry, args, ""), used

    def to_data(self, horizon: int | None = None) -> Any:
        data: dict[str, Any] = {"schedule": self.entry.name}
        resolved: dict[str, Any] = {}
        if horizon is not None and all(p.name in self.args for p in self.entry.params if p.required):
            resolved, warmup = self.resolve(horizon)
            if "warmup" in {p.name for p in self.entry.params}:
                resolved["warmup"] = warmup
                if "steps" in resolved:
                    resolved["steps"] += warmup
        for param in self.entry.params:
            if param.generic and param.name not in self.args and param.name not in BASIC_WARMUP:
                continue  # a ramp's settings at their defaults say nothing the data needs
            data[param.name] = _data(resolved.get(param.name, self.args.get(param.name, param.default)))
        return data


def _describe_param(param: Param) -> str:
    text = f"{param.name}"
    if param.description:
        text += f" ({param.description.rstrip('.')})"
    return text + f": give {param.name}=… in the call or --{param.name.replace('_', '-')} …"


def _data(value: Any) -> Any:
    if isinstance(value, Spec):
        return value.to_data()
    if isinstance(value, tuple | list):
        return [_data(v) for v in value]
    return value


def _render_value(value: Any) -> str:
    if isinstance(value, Spec):
        return value.render()
    if isinstance(value, tuple | list):
        inner = ", ".join(_render_value(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(value) == 1 else f"({inner})"  # (x) is x, not a tuple
    return repr(value)


def _param_name(entry: Entry, name: str) -> str | None:
    """The parameter of ``entry`` that ``name`` sets, allowing either peak name; ``None`` if none."""
    if entry.param(name) is not None:
        return name
    if name in PEAK_NAMES and not entry.dialect:
        other = PEAK_NAMES[1 - PEAK_NAMES.index(name)]
        if entry.param(other) is not None:
            return other
    return None


def _check(entry: Entry, param: Param, value: Any, where: str) -> Any:
    if param.is_schedule and value is None and param.optional:
        return None
    if param.many:
        if not isinstance(value, list | tuple) or not value:
            raise SpecError(f"{where}: {param.name} must be a list of schedules, got {excerpt(value)}")
        return tuple(as_schedule(v, f"{where}: each of {param.name}") for v in value)
    if param.function and not isinstance(value, Spec):  # a lambda returning a number is a Spec
        raise SpecError(
            f"{where}: {param.name} must be a function of the step (an expression in epoch, or "
            f"lambda epoch: …), not the number {excerpt(value)}, which PyTorch refuses as not callable"
        )
    if param.function and any(isinstance(node, Call) and node.history for node in value.walk()):
        raise SpecError(  # a function is called at any numbers (a cycle's), not over a run
            f"{where}: {param.name} must be a function of its argument alone, and "
            f"{excerpt(value.source)} follows a metric or the steps before"
        )
    if param.is_schedule:
        return as_schedule(value, f"{where}: {param.name}")
    if isinstance(value, Spec) and not isinstance(value, Constant):
        raise SpecError(
            f"{where}: {param.name} must be a plain value, not the schedule {excerpt(value.source)}"
        )
    if isinstance(value, Constant):
        value = value.number
    try:
        return param.check(value)
    except Invalid as error:
        raise SpecError(f"{where}: {param.name} must be {error}") from None


def as_schedule(value: Any, where: str) -> Spec:
    """A spec from a parsed value: a number is a constant schedule; text or a list is an error."""
    if isinstance(value, Spec):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where} must be a schedule or a number, got {excerpt(value)}")
    if not math.isfinite(value):
        raise SpecError(f"{where} must be a finite number, got {excerpt(value)}")
    return Constant(float(value), repr(value))


def bind(
    entry: Entry, positional: list[Any], keywords: dict[str, Any], source: str, check: bool = True
) -> Call:
    """Match a call's arguments to ``entry``'s parameters and check each against its kind (and, with
    ``check``, how they fit together: see :func:`checked_call`)."""
    full, source = source, cut(source)  # messages name the call by an excerpt of its text
    params = [p for p in entry.params if not p.keyword_only]
    args: dict[str, Any] = {}
    variadic = next((p for p in params if p.variadic), None)
    if variadic is not None:
        args[variadic.name] = tuple(_check(entry, variadic, v, source) for v in positional)
    else:
        if len(positional) > len(params):
            names = ", ".join(p.name for p in params)
            raise SpecError(
                f"{source}: {entry.name} takes at most {len(params)} positional arguments "
                f"({names}), got {len(positional)}"
            )
        for param, value in zip(params, positional, strict=False):
            args[param.name] = _check(entry, param, value, source)
    for name, value in keywords.items():
        target = _param_name(entry, name)
        if target is None:
            known = [p.name for p in entry.params if not p.variadic]
            close = close_names(name, known)
            hint = f"; did you mean {close[0]}?" if close else f"; it takes {', '.join(known) or 'none'}"
            raise SpecError(f"{source}: {entry.name} has no parameter {excerpt(name)}{hint}")
        if target in args:
            raise SpecError(f"{source}: {target} is given twice")
        args[target] = _check(entry, entry.param(target), value, source)  # type: ignore[arg-type]
    return checked_call(entry, args, full) if check else Call(entry, args, full)


def checked_call(entry: Entry, args: dict[str, Any], source: str) -> Call:
    """A call after ``entry``'s own check of how its arguments fit together (skipped while a
    required argument is still missing: an option may supply it later)."""
    call = Call(entry, args, source)
    _fits(call)
    return call


def _fits(call: Call) -> None:
    """Raise :class:`SpecError` when the call's arguments do not fit together by its schedule's own
    check; a call still missing a required argument is not checked."""
    entry, args = call.entry, call.args
    if entry.check_rule is not None and all(p.name in args for p in entry.params if p.required):
        full = {p.name: args.get(p.name, p.default) for p in entry.params}
        try:
            entry.check_rule(**full)
        except Invalid as error:
            raise SpecError(f"{call.label}: {error}") from None
        except (ArithmeticError, ValueError) as error:
            arithmetic = _not_computable(call.label, error)
            if arithmetic is None:
                raise
            raise arithmetic from None


_DOMAIN = re.compile(r"math domain error|expected a (?:positive|nonnegative) input")
"""What Python's math module says of an argument outside a function's domain (``log(0)``)."""
_NAN = "cannot convert float NaN to integer"


def _not_computable(label: str, error: ArithmeticError | ValueError) -> SpecError | None:
    """The error of a schedule whose arguments make its arithmetic fail (a division by zero, an
    overflow, a log of zero): a :class:`SpecError` naming the call and what failed, raised wherever a
    schedule's function or check is called, so that no schedule needs a check of its own for each.
    ``None`` for any other ``ValueError``, which is a bug."""
    if isinstance(error, ZeroDivisionError):
        what = "a division by zero"
    elif isinstance(error, OverflowError):
        what = "a number too large for a float64 or an integer (an overflow)"
    elif isinstance(error, ArithmeticError):
        what = f"an arithmetic error ({error})"
    elif _DOMAIN.search(str(error)):
        what = "a math function outside its domain (a log or square root of zero or less)"
    elif str(error) == _NAN:
        what = "a number that is not a number (NaN) where a whole one is needed"
    else:
        return None
    return SpecError(f"{label}: cannot be computed with these arguments: {what}")


def checked(spec: Spec) -> Spec:
    """``spec`` once every call in it has passed its schedule's check: for a spec parsed with
    ``complete=False``, after the options that complete it (``--period 100``) are set."""
    for node in spec.walk():
        if isinstance(node, Call):
            _fits(node)
    return spec
