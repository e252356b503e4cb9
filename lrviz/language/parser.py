"""The one grammar: a spec is a Python expression, parsed with :mod:`ast` and walked by hand.

Nothing is ever evaluated by Python itself: numbers, strings, lists, tuples and dicts are read as
values; names and calls are looked up in the registry, the math functions and the variables ``t``
and ``T``; anything else is an error that quotes the offending part of the spec.
"""

from __future__ import annotations

import ast
import functools
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from lrviz.errors import SpecError, close_names
from lrviz.language.catalogue import SCHEDULES, dialects, find, lookup, registered
from lrviz.language.functions import CONSTANTS, FUNCTIONS, RUN_CONSTANTS, VARIABLES, NotANumber, fold
from lrviz.language.scripts import SCRIPT, stand_ins
from lrviz.language.scripts import entry as script_entry
from lrviz.language.tree import Call, Operation, Spec, Variable, as_schedule, bind
from lrviz.limits import SPEC_DEPTH, SPEC_LENGTH, excerpt, nesting
from lrviz.schedules.entry import Entry

_BINARY = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.Mod: "%",
    ast.FloorDiv: "//",
}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
TOO_LARGE = "a number too large for a float64: numbers in a spec are at most about 1.8e308"


def parse(
    text: str,
    constants: Mapping[str, float] | None = None,
    *,
    complete: bool = True,
    folder: str | None = None,
) -> Spec:
    """Parse a spec into its tree; raise :class:`SpecError` naming the bad part.

    ``constants`` gives the run's own numbers (``E``, the updates in an epoch) when it has them. With
    ``complete=False`` the spec may still be completed by options (``restarts(cosine(0.1))`` given
    ``--period 100``): each call's check of how its arguments fit together waits for
    :func:`lrviz.language.tree.checked`. A ``FILE.py:FUNCTION`` in the spec is read from ``folder``
    when relative (a config's folder; default the working directory).
    """
    if not isinstance(text, str):
        raise SpecError(f"a spec must be text, got {excerpt(text)}")
    source = text.strip()
    if not source:
        raise SpecError("the spec is empty: give a schedule such as 'cosine(0.1)'")
    if len(source) > SPEC_LENGTH:
        raise SpecError(f"the spec is {len(source):,} characters long; at most {SPEC_LENGTH:,} are read")
    return _parsed(source, _constants(constants), complete, folder)


def _constants(constants: object) -> tuple[tuple[str, float], ...]:
    """The run's numbers as a key of the parse cache: each a name and a finite number (a numpy
    number becomes Python's), or :class:`SpecError`."""
    if constants is None:
        return ()
    if not isinstance(constants, Mapping):
        raise SpecError(
            f"constants must be a mapping of names to numbers, such as {{'E': 100}}, got {excerpt(constants)}"
        )
    found: list[tuple[str, float]] = []
    for name, value in constants.items():
        number = value.item() if isinstance(value, np.integer | np.floating) else value
        if not isinstance(name, str) or isinstance(number, bool) or not isinstance(number, int | float):
            raise SpecError(
                f"constants must map names to numbers, such as {{'E': 100}}, got "
                f"{excerpt(name)}: {excerpt(value)}"
            )
        try:
            finite = math.isfinite(number)
        except OverflowError:  # a whole number too large for a float64
            finite = False
        if not finite:
            raise SpecError(f"constant {excerpt(name)} must be a finite number, got {excerpt(value)}")
        found.append((name, number))
    return tuple(sorted(found))


def _parsed(
    source: str, constants: tuple[tuple[str, float], ...], complete: bool, folder: str | None
) -> Spec:
    if SCRIPT.search(source):  # a script's function is read again whenever its file changes
        return _spec(source, constants, complete, folder)
    return _cached(source, constants, complete)


@functools.lru_cache(maxsize=256)
def _cached(source: str, constants: tuple[tuple[str, float], ...], complete: bool) -> Spec:
    # specs are immutable: the same text (say, evaluated at many lengths) is parsed once
    return _spec(source, constants, complete, None)


def _spec(source: str, constants: tuple[tuple[str, float], ...], complete: bool, folder: str | None) -> Spec:
    value = parse_value(source, dict(constants), complete, folder)
    return as_schedule(value, f"the spec {excerpt(source)}")


def parse_value(
    source: str,
    constants: Mapping[str, float] | None = None,
    complete: bool = True,
    folder: str | None = None,
) -> Any:
    """Parse text in the grammar to a plain value (number, text, list, …) or a :class:`Spec`."""
    given = source
    source, scripts = stand_ins(source)
    try:
        with warnings.catch_warnings():  # "0.1if t": Python's own advice on its syntax is not the user's
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        if "integer string conversion" in error.msg:  # Python's own limit on digits
            raise SpecError(f"{excerpt(given)}: {TOO_LARGE}") from None
        column = f" at column {error.offset}" if error.offset and not scripts and ".py" not in given else ""
        hint = (
            "; a script's function is FILE.py:FUNCTION, its path without spaces, quotes or colons"
            if ".py" in given and ":" in given
            else ""
        )
        raise SpecError(f"cannot parse {excerpt(given)}: {error.msg}{column}{hint}") from None
    except RecursionError:
        raise SpecError(f"{excerpt(given)} is nested too deeply (at most {SPEC_DEPTH} levels)") from None
    except (ValueError, MemoryError):  # a NUL character, an integer literal of over 4,300 digits
        raise SpecError(f"cannot parse {excerpt(given)}") from None
    if nesting(tree.body, SPEC_DEPTH) > SPEC_DEPTH:
        raise SpecError(f"{excerpt(given)} is nested too deeply (at most {SPEC_DEPTH} levels)")
    return _Walker(source, constants or {}, complete, scripts, folder).value(tree.body)


class _Walker:
    def __init__(
        self,
        source: str,
        constants: Mapping[str, float],
        complete: bool = True,
        scripts: Mapping[str, str] | None = None,
        folder: str | None = None,
    ) -> None:
        self.source = source
        self.scripts = dict(scripts or {})
        """The names standing for ``FILE.py:FUNCTION`` in the source, and what each stands for."""
        self.folder = folder
        self.complete = complete
        self._line = None if any(c in source for c in "\r\n\f") else source.encode()
        self.constants = constants
        self.aliases: dict[str, str] = {}
        """Names standing for the step ``t`` here: a lambda's parameter, ``epoch`` in an lr_lambda."""

    def text(self, node: ast.AST) -> str:
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if self._line is not None and start is not None and end is not None:
            text = self._line[start:end].decode() or self.source  # offsets count UTF-8 bytes
        else:
            text = ast.get_source_segment(self.source, node) or self.source
        for name, script in self.scripts.items():
            text = text.replace(name, script)
        return text

    def lookup(self, name: str) -> Entry:
        """The entry a name calls: a script's function, or a registered schedule (``KeyError``)."""
        if name in self.scripts:
            return script_entry(self.scripts[name], self.folder)
        return lookup(name)

    def fail(self, node: ast.AST, message: str) -> SpecError:
        """An error that quotes the part of the spec at ``node``, unless the message already does."""
        if isinstance(node, ast.Name | ast.Attribute):
            return SpecError(message)
        text = self.text(node)
        return SpecError(f"{text if len(text) <= 60 else excerpt(text, 60)}: {message}")

    def value(self, node: ast.expr) -> Any:
        method = getattr(self, f"_{type(node).__name__.lower()}", None)
        if method is None:
            raise self.fail(
                node,
                "not allowed in a spec, which takes numbers, strings, lists, schedules, "
                "arithmetic and the math functions (see 'lrviz list')",
            )
        return method(node)

    def _constant(self, node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, int) and not isinstance(value, bool):
            return self.bounded(value, node)
        if value is None or isinstance(value, bool | float | str):
            return value
        raise self.fail(node, "only numbers, strings, True, False and None are constants in a spec")

    def bounded(self, number: int, node: ast.AST) -> int:
        """A whole number the spec holds, which must be a float64 too: every number becomes one."""
        try:
            float(number)
        except OverflowError:
            raise self.fail(node, TOO_LARGE) from None
        return number

    def _list(self, node: ast.List) -> list[Any]:
        return [self.value(e) for e in node.elts]

    def _tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.value(e) for e in node.elts)

    def _dict(self, node: ast.Dict) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            if key_node is None:
                raise self.fail(node, "** is not allowed in a spec")
            key = self.value(key_node)
            if isinstance(key, bool) or not isinstance(key, int | float | str):
                raise self.fail(key_node, "a dict key in a spec is a number or text")
            result[key] = self.value(value_node)
        return result

    def _name(self, node: ast.Name) -> Any:
        return self.named(node.id, node)

    def _attribute(self, node: ast.Attribute) -> Any:
        return self.named(self.dotted(node), node)

    def dotted(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Attribute):
            return f"{self.dotted(node.value)}.{node.attr}"
        raise self.fail(node, "a schedule name must be a plain or dotted name")

    def named(
        self, name: str, node: ast.expr, args: list[Any] | None = None, keywords: dict[str, Any] | None = None
    ) -> Any:
        if name in self.aliases:
            if args is not None:
                raise self.fail(node, f"{name} is the step here, not a function")
            return Variable(self.aliases[name], name)
        if name in RUN_CONSTANTS and name not in VARIABLES:
            if name not in self.constants:
                raise self.fail(
                    node,
                    f"{name} is {RUN_CONSTANTS[name]}, known only when the run is in epochs: give "
                    "--steps-per-epoch, or --dataset-size and --batch-size",
                )
            return self.constants[name]
        if name in VARIABLES:
            if args is not None:
                raise self.fail(node, f"{name} is a variable ({VARIABLES[name]}), not a function")
            return Variable(name, name)
        if name in CONSTANTS:
            if args is not None:
                raise self.fail(node, f"{name} is a number, not a function")
            return CONSTANTS[name]
        if name in FUNCTIONS and (name not in SCHEDULES or _math_call(args, keywords)):
            if args is None:
                raise self.fail(node, f"{name} is a function: call it, as in {name}(…)")
            return self.function(name, node, args, keywords or {})
        try:
            entry = self.lookup(name)
        except KeyError as error:
            raise self.fail(node, _unknown(name, error.args[0])) from None
        return bind(entry, args or [], keywords or {}, self.text(node), self.complete)

    def _call(self, node: ast.Call) -> Any:
        name = self.dotted(node.func)
        entry = self._entry(name)
        if entry is None and self._free(node.func):
            return self.named(name, node.func)  # an unknown name: say so before its arguments
        arg_nodes = list(node.args)
        keyword_nodes = list(node.keywords)
        if entry is not None and entry.optimizer_at is not None:
            # a scheduler pasted from training code: SchedulerClass(optimizer, …)
            at = entry.optimizer_at
            pasted = arg_nodes[at] if len(arg_nodes) > at else None
            if isinstance(pasted, ast.Name | ast.Attribute) and self._free(pasted):
                arg_nodes = arg_nodes[:at] + arg_nodes[at + 1 :]
            keyword_nodes = [k for k in keyword_nodes if k.arg != "optimizer"]
        saved = dict(self.aliases)
        self.aliases.update(dict.fromkeys(entry.variables if entry else (), "t"))
        try:
            args = []
            for arg in arg_nodes:
                if isinstance(arg, ast.Starred):
                    raise self.fail(arg, "* unpacking is not allowed in a spec")
                args.append(self.value(arg))
            keywords: dict[str, Any] = {}
            for keyword in keyword_nodes:
                if keyword.arg is None:
                    raise self.fail(keyword.value, "** unpacking is not allowed in a spec")
                if keyword.arg in keywords:
                    raise self.fail(node, f"{keyword.arg} is given twice")
                keywords[keyword.arg] = self.value(keyword.value)
        finally:
            self.aliases = saved
        return self.named(name, node, args, keywords)

    def _entry(self, name: str) -> Entry | None:
        if name in self.aliases or name in VARIABLES or name in CONSTANTS:
            return None
        return self.lookup(name) if name in self.scripts else find(name)

    def _free(self, node: ast.expr) -> bool:
        """Whether a name means nothing in a spec (``optimizer``, ``self.opt``): a pasted argument."""
        name = self.dotted(node)
        return self._entry(name) is None and name not in {*FUNCTIONS, *VARIABLES, *CONSTANTS, *self.aliases}

    def _lambda(self, node: ast.Lambda) -> Any:
        """``lambda epoch: 0.95 ** epoch``: a schedule in its one parameter, which is the step."""
        arguments = node.args
        plain = arguments.posonlyargs + arguments.args
        if (
            len(plain) != 1
            or arguments.vararg
            or arguments.kwarg
            or arguments.kwonlyargs
            or arguments.defaults
        ):
            raise self.fail(node, "a lambda in a spec takes exactly one parameter: the step")
        saved = dict(self.aliases)
        self.aliases[plain[0].arg] = "t"
        try:
            return as_schedule(self.value(node.body), self.text(node))
        finally:
            self.aliases = saved

    def function(self, name: str, node: ast.expr, args: list[Any], keywords: dict[str, Any]) -> Any:
        arity = FUNCTIONS[name][1]
        if keywords or len(args) != arity:
            plural = "s" if arity > 1 else ""
            raise self.fail(node, f"{name} takes {arity} positional argument{plural}")
        return self.combine(name, args, node)

    def combine(self, symbol: str, operands: list[Any], node: ast.expr) -> Any:
        """Fold plain numbers; turn anything involving a schedule into an :class:`Operation`."""
        for operand in operands:
            if isinstance(operand, bool) or not isinstance(operand, int | float | Spec):
                raise self.fail(node, f"{symbol} needs numbers or schedules, got {excerpt(operand)}")
        if all(not isinstance(o, Spec) for o in operands):
            try:
                result = fold(symbol, *operands)
            except NotANumber as error:
                raise self.fail(node, f"does not give a finite number ({error})") from None
            return float(result) if isinstance(result, bool) else result
        specs = tuple(as_schedule(o, self.text(node)) for o in operands)
        return Operation(symbol, specs, self.text(node))

    def _binop(self, node: ast.BinOp) -> Any:
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, ast.RShift):
            parts: list[Spec] = []
            for side in (left, right):
                spec = as_schedule(side, f"{self.text(node)}: each side of >>")
                if isinstance(spec, Call) and spec.entry.name == "seq" and spec.args.keys() == {"parts"}:
                    parts.extend(spec.args["parts"])  # a >> b >> c is one sequence
                else:
                    parts.append(spec)
            return bind(lookup("seq"), parts, {}, self.text(node), self.complete)
        symbol = _BINARY.get(type(node.op))
        if symbol is None:
            raise self.fail(node, "this operator is not allowed in a spec (use + - * / ** % // >>)")
        return self.combine(symbol, [left, right], node)

    def _unaryop(self, node: ast.UnaryOp) -> Any:
        symbol = _UNARY.get(type(node.op))
        if symbol is None:
            raise self.fail(node, "this operator is not allowed in a spec")
        return self.combine(symbol, [self.value(node.operand)], node)

    def _compare(self, node: ast.Compare) -> Any:
        result: Any = None
        left = self.value(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            symbol = _COMPARE.get(type(op))
            if symbol is None:
                raise self.fail(node, "only < <= > >= == != compare in a spec")
            right = self.value(right_node)
            test = self.combine(symbol, [left, right], node)
            result = test if result is None else self.combine("*", [result, test], node)
            left = right
        return result


def _math_call(args: list[Any] | None, keywords: dict[str, Any] | None) -> bool:
    """For a name that is both (tanh): the math function when applied to expressions in t, the
    schedule when given numbers (its rates) or keywords."""
    return bool(args) and not keywords and all(isinstance(a, Spec) for a in args or [])


def _unknown(name: str, close: list[str]) -> str:
    kind = "schedule or function"
    known = [*registered(), *FUNCTIONS, *VARIABLES, *CONSTANTS]
    close = close or close_names(name, known)
    if "." in name and not close:
        spoken = ", ".join(f"{d}." for d in dialects())
        hint = "see 'lrviz list --dialect NAME'"
        return f"unknown {kind} {excerpt(name)}; the framework dialects are {spoken} ({hint})"
    if close:
        return f"unknown {kind} {excerpt(name)}; did you mean {' or '.join(repr(c) for c in close)}?"
    return f"unknown {kind} {excerpt(name)} (see 'lrviz list')"
