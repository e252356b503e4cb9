"""The one grammar: a spec is a Python expression, parsed with :mod:`ast` and walked by hand.

Nothing is ever evaluated by Python itself: numbers, strings, lists, tuples and dicts are read as
values; names and calls are looked up in the registry, the math functions and the variables ``t``
and ``T``; anything else is an error that quotes the offending part of the spec.
"""

from __future__ import annotations

import ast
from typing import Any

import lrviz.schedules  # noqa: F401  (registers the built-ins)
from lrviz.errors import SpecError
from lrviz.functions import CONSTANTS, FUNCTIONS, VARIABLES, fold
from lrviz.registry import SCHEDULES, close_names, lookup
from lrviz.spec import Call, Operation, Spec, Variable, as_schedule, bind

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

MAX_LENGTH = 10_000
"""Longer specs are refused before parsing (Python's parser recurses on nesting)."""


def parse(text: str) -> Spec:
    """Parse a spec into its tree; raise :class:`SpecError` naming the bad part."""
    if not isinstance(text, str):
        raise SpecError(f"a spec must be text, got {text!r}")
    source = text.strip()
    if not source:
        raise SpecError("the spec is empty: give a schedule such as 'cosine(0.1)'")
    if len(source) > MAX_LENGTH:
        raise SpecError(f"the spec is {len(source)} characters long; at most {MAX_LENGTH} are read")
    return as_schedule(parse_value(source), f"the spec {source!r}")


def parse_value(source: str) -> Any:
    """Parse text in the grammar to a plain value (number, text, list, …) or a :class:`Spec`."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        raise SpecError(f"cannot parse {source!r}: {error.msg}{column}") from None
    except (ValueError, MemoryError, RecursionError):
        raise SpecError(f"cannot parse {source!r}") from None
    try:
        return _Walker(source).value(tree.body)
    except RecursionError:
        raise SpecError(f"{source!r} is nested too deeply") from None


class _Walker:
    def __init__(self, source: str) -> None:
        self.source = source

    def text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or self.source

    def fail(self, node: ast.AST, message: str) -> SpecError:
        """An error that quotes the part of the spec at ``node``, unless the message already does."""
        text = self.text(node)
        if isinstance(node, ast.Name | ast.Attribute):
            return SpecError(message)
        return SpecError(f"{text}: {message}")

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
        if node.value is None or isinstance(node.value, bool | int | float | str):
            return node.value
        raise self.fail(node, "only numbers, strings, True, False and None are constants in a spec")

    def _list(self, node: ast.List) -> list[Any]:
        return [self.value(e) for e in node.elts]

    def _tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.value(e) for e in node.elts)

    def _dict(self, node: ast.Dict) -> dict[Any, Any]:
        if any(k is None for k in node.keys):
            raise self.fail(node, "** is not allowed in a spec")
        return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]

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
            entry = lookup(name)
        except KeyError as error:
            raise self.fail(node, _unknown(name, error.args[0])) from None
        return bind(entry, args or [], keywords or {}, self.text(node))

    def _call(self, node: ast.Call) -> Any:
        name = self.dotted(node.func)
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, "* unpacking is not allowed in a spec")
            args.append(self.value(arg))
        keywords: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.fail(keyword.value, "** unpacking is not allowed in a spec")
            if keyword.arg in keywords:
                raise self.fail(node, f"{keyword.arg} is given twice")
            keywords[keyword.arg] = self.value(keyword.value)
        return self.named(name, node, args, keywords)

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
                raise self.fail(node, f"{symbol} needs numbers or schedules, got {operand!r}")
        if all(not isinstance(o, Spec) for o in operands):
            try:
                result = fold(symbol, *operands)
                return float(result) if isinstance(result, bool) else result
            except (ArithmeticError, ValueError) as error:
                raise self.fail(node, f"does not give a finite number ({error})") from None
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
            return bind(lookup("seq"), parts, {}, self.text(node))
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
    known = [*SCHEDULES, *FUNCTIONS, *VARIABLES, *CONSTANTS]
    close = close or close_names(name, known)
    if "." in name:
        hint = "framework dialects (torch., optax., keras., hf., timm.) are not available in this version"
        return f"unknown {kind} {name!r}: {hint}" + (f"; did you mean {close[0]!r}?" if close else "")
    if close:
        return f"unknown {kind} {name!r}; did you mean {' or '.join(repr(c) for c in close)}?"
    return f"unknown {kind} {name!r} (see 'lrviz list')"
