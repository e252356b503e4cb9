"""The vocabulary of custom schedules: operators, math functions and named constants.

Everything here is a numpy ufunc (or a thin wrapper), so an expression such as ``0.1 * 0.95 ** t`` is
evaluated over the whole run at once.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

Func = Callable[..., Any]

OPERATORS: dict[str, Func] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "**": np.power,
    "%": np.mod,
    "//": np.floor_divide,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
"""Binary operators, by the symbol a spec writes them with."""

UNARY: dict[str, Func] = {"-": np.negative, "+": np.positive}


def _where(condition: Any, then: Any, otherwise: Any) -> Any:
    return np.where(np.asarray(condition) != 0, then, otherwise)


FUNCTIONS: dict[str, tuple[Func, int]] = {
    "exp": (np.exp, 1),
    "log": (np.log, 1),
    "log1p": (np.log1p, 1),
    "log2": (np.log2, 1),
    "log10": (np.log10, 1),
    "sqrt": (np.sqrt, 1),
    "cos": (np.cos, 1),
    "sin": (np.sin, 1),
    "tanh": (np.tanh, 1),
    "floor": (np.floor, 1),
    "ceil": (np.ceil, 1),
    "abs": (np.abs, 1),
    "minimum": (np.minimum, 2),
    "maximum": (np.maximum, 2),
    "clip": (np.clip, 3),
    "where": (_where, 3),
}
"""Math functions of custom schedules: name → (function, number of arguments)."""

CONSTANTS: dict[str, float] = {"pi": math.pi}

VARIABLES: dict[str, str] = {
    "t": "the step, counting from 0 where the schedule starts",
    "T": "the schedule's horizon: the steps left in the run (or in its part of a sequence)",
}

RUN_CONSTANTS: dict[str, str] = {"E": "the optimizer updates in an epoch"}
"""Names whose value the run gives (``cosine(0.1, warmup=2*E)``): known once the run is in epochs."""

_PYTHON_OPERATORS: dict[str, Func] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "%": operator.mod,
    "//": operator.floordiv,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


class NotANumber(ValueError):
    """Plain numbers that give no finite float64: an overflow, a division by zero, a complex root."""


FLOAT_BITS = 1024
"""Every whole number below 2^1024 in magnitude is a float64 (the largest is about 1.8e308)."""


def fold(symbol: str, *numbers: float) -> Any:
    """Apply an operator or function to plain numbers, as the parser does for ``1 / 3`` or ``exp(-1)``.

    Whole numbers stay whole (``2 ** 10`` is 1024), but the size of a power of whole numbers is
    worked out before Python computes it, so ``9 ** 9 ** 9`` is refused at once instead of taking
    hours; every result must be a finite float64. Raises :class:`NotANumber` otherwise.
    """
    if symbol in FUNCTIONS:
        with np.errstate(all="ignore"):
            result = float(FUNCTIONS[symbol][0](*(float(n) for n in numbers)))
    elif len(numbers) == 1:
        result = -numbers[0] if symbol == "-" else +numbers[0]
    else:
        if symbol == "**":
            _check_power(*numbers)
        try:
            result = _PYTHON_OPERATORS[symbol](*numbers)
        except OverflowError:
            raise NotANumber("too large for a float64") from None
        except (ArithmeticError, ValueError) as error:
            raise NotANumber(str(error) or "no number") from None
    if isinstance(result, complex):
        raise NotANumber("a complex number")
    if isinstance(result, int) and result.bit_length() >= FLOAT_BITS:
        try:
            float(result)
        except OverflowError:
            raise NotANumber("too large for a float64") from None
    if isinstance(result, float) and not math.isfinite(result):
        raise NotANumber(f"{result}")
    return result


def _check_power(base: float, exponent: float) -> None:
    """Refuse base ** exponent for whole numbers whose result would be too large to be a float64."""
    whole = isinstance(base, int) and isinstance(exponent, int)
    if whole and exponent > 0 and abs(base) > 1 and exponent * math.log2(abs(base)) > FLOAT_BITS:
        raise NotANumber("too large for a float64")
