"""Parameter kinds: what each schedule parameter accepts, read from its type annotation.

A schedule declares ``steps: Steps`` or ``gamma: Factor``; the binder checks and normalises every value
against its kind before anything is evaluated, so each message has one form:
``gamma must be a positive number, got 0``.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from lrviz.limits import LARGEST_STEP, LARGEST_STEP_TEXT, excerpt


class Invalid(ValueError):
    """A value does not fit its kind; the text completes "<param> must be …". ``code`` names a
    ``lrviz check`` finding the problem is, when it is one, and ``fix`` says what to change."""

    code: str | None = None

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(f"{problem}: {fix}" if fix else problem)
        self.problem, self.fix = problem, fix


@dataclass(frozen=True)
class Kind:
    """What a parameter accepts: ``must`` completes "x must be …", ``unit`` is shown by ``describe``."""

    must: str
    unit: str
    convert: Callable[[Any], Any]

    def check(self, value: object) -> Any:
        """Return ``value`` normalised (``1e3`` becomes the integer 1000), or raise :class:`Invalid`."""
        try:
            return self.convert(value)
        except TooLarge:
            raise Invalid(
                f"{self.must}, got {_show(value)}: whole numbers of steps are at most {LARGEST_STEP_TEXT} "
                "in size (far beyond any run, and exact in float64)"
            ) from None
        except (TypeError, ValueError, OverflowError):
            raise Invalid(f"{self.must}, got {_show(value)}") from None


class TooLarge(ValueError):
    """A whole number beyond :data:`lrviz.limits.LARGEST_STEP` in size: steps past it are no longer
    exact in float64, and no run reaches them."""


def _show(value: object) -> str:
    return excerpt(value)


def _number(value: object) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):  # numpy's numbers too
        raise TypeError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


def _integer(value: object) -> int:
    number = _number(value)
    if number != int(number):
        raise ValueError
    whole = int(value) if isinstance(value, int) else int(number)
    if abs(whole) > LARGEST_STEP:
        raise TooLarge
    return whole


def _where(convert: Callable[[Any], Any], ok: Callable[[Any], bool]) -> Callable[[Any], Any]:
    def checked(value: object) -> Any:
        converted = convert(value)
        if not ok(converted):
            raise ValueError
        return converted

    return checked


def _warmup(value: object) -> int | float:
    """An integer is a number of steps; a float below 1 is a fraction of the schedule's length."""
    number = _number(value)
    if isinstance(value, float) and 0 <= number < 1:
        return number
    steps = _integer(value)
    if steps < 0:
        raise ValueError
    return steps


def _steps_or_fraction(value: object) -> int | float:
    number = _number(value)
    if isinstance(value, float) and 0 < number <= 1:
        return number
    steps = _integer(value)
    if steps < 1:
        raise ValueError
    return steps


def _increasing_steps(value: object) -> list[int]:
    if not isinstance(value, list | tuple):
        raise TypeError
    steps = [_integer(v) for v in value]
    if any(s < 0 for s in steps) or any(b <= a for a, b in itertools.pairwise(steps)):
        raise ValueError
    return steps


def _numbers(value: object) -> list[float]:
    if not isinstance(value, list | tuple) or not value:
        raise TypeError
    return [_number(v) for v in value]


def _points(value: object) -> list[tuple[float, float]]:
    if isinstance(value, dict):
        value = list(value.items())
    if not isinstance(value, list | tuple) or not value:
        raise TypeError
    points = []
    for point in value:
        if not isinstance(point, list | tuple) or len(point) != 2:
            raise TypeError
        points.append((_number(point[0]), _number(point[1])))
    xs = [x for x, _ in points]
    if xs[0] < 0 or any(b <= a for a, b in itertools.pairwise(xs)):
        raise ValueError
    return points


def _whole_steps(value: object) -> list[int]:
    if not isinstance(value, list | tuple):
        raise TypeError
    steps = [_integer(v) for v in value]
    if any(s < 0 for s in steps):
        raise ValueError
    return steps


def _step_factors(value: object) -> dict[int, float]:
    if not isinstance(value, dict):
        raise TypeError
    return {_integer(step): _number(factor) for step, factor in value.items()}


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def _dicts(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, dict) for v in value):
        raise TypeError
    return list(value)


def _last_epoch(value: object) -> int:
    if _integer(value) != -1:
        raise ValueError
    return -1


def _mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise TypeError
    return value


RATE = Kind("a finite number", "learning rate", _number)
NUMBER = Kind("a finite number", "", _number)
FACTOR = Kind("a positive number", "factor", _where(_number, lambda x: x > 0))
MULTIPLIER = Kind("a number of at least 1", "factor", _where(_number, lambda x: x >= 1))
STEPS = Kind("a positive integer", "steps", _where(_integer, lambda x: x >= 1))
OPEN_FRACTION = Kind("a number strictly between 0 and 1", "fraction", _where(_number, lambda x: 0 < x < 1))
WARMUP = Kind(
    "a whole number of steps (0 or more) or a fraction of the schedule below 1",
    "steps, or fraction of the schedule",
    _warmup,
)
STEPS_OR_FRACTION = Kind(
    "a positive whole number of steps or a fraction of the schedule in (0, 1]",
    "steps, or fraction of the schedule",
    _steps_or_fraction,
)
MILESTONES = Kind("a list of strictly increasing whole steps, each 0 or more", "steps", _increasing_steps)
WHOLE_STEPS = Kind("a list of whole steps, each 0 or more", "steps", _whole_steps)
LAST_EPOCH = Kind("-1: lrviz runs every schedule from its start", "", _last_epoch)
COUNT = Kind("a whole number, 0 or more", "steps", _where(_integer, lambda x: x >= 0))
INTEGER = Kind("a whole number", "steps", _integer)
DICTS = Kind("a non-empty list of dicts", "", lambda value: _dicts(value))
STEP_FACTORS = Kind("a dict from whole steps to factors, such as {100: 0.5}", "", _step_factors)
TEXT = Kind("text", "", _text)
ANYTHING = Kind("any value", "", lambda value: value)
MAPPING = Kind("a dict of parameter names to values, such as {'num_cycles': 2}", "", _mapping)
NUMBERS = Kind("a non-empty list of finite numbers", "", _numbers)
POINTS = Kind(
    "a list of (step, rate) pairs with strictly increasing steps from 0 up",
    "(steps, learning rate)",
    _points,
)

Rate = Annotated[float, RATE]
Number = Annotated[float, NUMBER]
Factor = Annotated[float, FACTOR]
Multiplier = Annotated[float, MULTIPLIER]
Steps = Annotated[int, STEPS]
OpenFraction = Annotated[float, OPEN_FRACTION]
Warmup = Annotated[float, WARMUP]
StepsOrFraction = Annotated[float, STEPS_OR_FRACTION]
Milestones = Annotated[list[int], MILESTONES]
WholeSteps = Annotated[list[int], WHOLE_STEPS]
LastEpoch = Annotated[int, LAST_EPOCH]
Count = Annotated[int, COUNT]
Keywords = Annotated[dict[str, Any], MAPPING]
Integer = Annotated[int, INTEGER]
Text = Annotated[str, TEXT]
Anything = Annotated[Any, ANYTHING]
StepFactors = Annotated[dict[int, float], STEP_FACTORS]
Dicts = Annotated[list[dict[str, Any]], DICTS]
Numbers = Annotated[list[float], NUMBERS]
Points = Annotated[list[tuple[float, float]], POINTS]


def flag(value: object) -> bool:
    """Check a ``bool`` parameter."""
    if not isinstance(value, bool):
        raise Invalid(f"True or False, got {_show(value)}")
    return value


def fraction_of(value: int | float, length: int) -> int:
    """Resolve a steps-or-fraction value against a length; a fraction rounds up to whole steps.

    The product is rounded to 9 decimals first, so that ``0.07`` of 100 steps is 7 steps, not the 8 that
    ``ceil(7.000000000000001)`` would give.
    """
    if isinstance(value, float):
        return math.ceil(round(value * length, 9))
    return value
