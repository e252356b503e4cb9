"""Python training configs (OpenMMLab's, nanoGPT's), read with ``ast`` and never executed.

The top-level assignments are read as values: literals, lists, tuples, dicts and ``dict(...)`` calls,
unary minus, arithmetic on numbers, names of earlier assignments, and mmengine's references to its
bases (``_base_.x``, ``'{{_base_.x}}'``). ``_base_`` files (a path or a list, relative to the file) and
the new style's ``with read_base(): from .x import *`` are read first and merged as mmengine merges
them: dicts key by key, ``_delete_=True`` replacing. Anything that would need running is kept as an
:class:`Unreadable`, refused only by whoever needs that value; an imported name is a :class:`Symbol`.
"""

from __future__ import annotations

import ast
import copy
import operator
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lrviz.errors import LrvizError
from lrviz.io.metric import shown

Lines = dict[tuple[str, ...], int]


class PythonConfigError(LrvizError):
    """A Python config that cannot be read: not Python, or a ``_base_`` that is not there. (Not the
    training configs' ``TrainingConfigError``, whose module reads this one.)"""


@dataclass(frozen=True)
class Unreadable:
    """A value that only running the config would give: its expression and where it is."""

    expression: str
    line: int
    path: Path

    def refusal(self, key: str) -> str:
        """Why the value at ``key`` is refused, for whoever needs it."""
        return (
            f"{shown(self.path)}:{self.line}: {key} is {self.expression!r}, which only running the "
            "config would give, and lrviz reads configs without running them: write its value there"
        )


@dataclass(frozen=True)
class Symbol:
    """A name the config imports (``from mmengine.optim import LinearLR``): known by its name only."""

    module: str
    name: str


BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

BASE_REFERENCE = re.compile(r"^\{\{\s*_base_\.([\w.]+)\s*\}\}$")
MOST_BASES = 64


def read_python(path: Path, text: str) -> tuple[dict[str, Any], Mapping[tuple[str, ...], int]]:
    """The top-level assignments of a Python config, as values, and the line of each key path."""
    return _Reader(path, text, (path.resolve(),)).read()


class _Reader:
    def __init__(self, path: Path, text: str, chain: tuple[Path, ...]) -> None:
        self.path, self.text, self.chain = path, text, chain
        self.values: dict[str, Any] = {}
        self.base: dict[str, Any] = {}
        self.lines: Lines = {}

    def read(self) -> tuple[dict[str, Any], Lines]:
        try:
            with warnings.catch_warnings():  # Python's advice on its own syntax ("0,e") is not the user's
                warnings.simplefilter("ignore", SyntaxWarning)
                warnings.simplefilter("ignore", DeprecationWarning)
                tree = ast.parse(self.text, filename=str(self.path))
        except SyntaxError as error:
            raise PythonConfigError(
                f"{shown(self.path)}:{error.lineno}: not valid Python: {error.msg}"
            ) from None
        except (RecursionError, MemoryError, ValueError):
            raise PythonConfigError(
                f"{shown(self.path)}: nested too deep, or not text: not a config"
            ) from None
        for statement in tree.body:
            self.statement(statement)
        if self.base:
            merged = copy.deepcopy(self.base)
            _merge(self.values, merged)
            return merged, self.lines
        return self.values, self.lines

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.assign(target.id, node.value, node.lineno)
                elif isinstance(target, ast.Tuple | ast.List):
                    for each in target.elts:
                        if isinstance(each, ast.Name):
                            self.values[each.id] = self.unreadable(node.value)
                else:
                    self.changes(target, node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            self.assign(node.target.id, node.value, node.lineno)
        elif isinstance(node, ast.AugAssign):
            self.changes(node.target, node)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name != "*":
                    self.values[alias.asname or alias.name] = Symbol(node.module or "", alias.name)
        elif isinstance(node, ast.With) and self.reads_base(node):
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and inner.level and inner.module:
                    relative = "../" * (inner.level - 1) + inner.module.replace(".", "/") + ".py"
                    self.follow(relative, inner.lineno)
                elif isinstance(inner, ast.ImportFrom):
                    for alias in inner.names:
                        if alias.name != "*":
                            self.values[alias.asname or alias.name] = Symbol(inner.module or "", alias.name)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.changes(node.value.func, node)

    @staticmethod
    def reads_base(node: ast.With) -> bool:
        return any(
            isinstance(item.context_expr, ast.Call)
            and isinstance(item.context_expr.func, ast.Name)
            and item.context_expr.func.id == "read_base"
            for item in node.items
        )

    def changes(self, target: ast.expr, node: ast.stmt) -> None:
        """A statement that changes a name's value in place (``x[0]['end'] = 5``, ``x.update(…)``): the
        name's value is then what running it gives."""
        root = target
        while isinstance(root, ast.Subscript | ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and (root.id in self.values or root.id in self.base):
            self.values[root.id] = Unreadable(
                f"{root.id} as changed by {ast.get_source_segment(self.text, node) or ast.dump(node)}",
                node.lineno,
                self.path,
            )

    def assign(self, name: str, node: ast.expr, line: int) -> None:
        self.lines[(name,)] = line
        if name == "_base_":
            value = self.value(node, (name,))
            files = value if isinstance(value, list | tuple) else [value]
            for each in files:
                if not isinstance(each, str):
                    raise PythonConfigError(
                        f"{shown(self.path)}:{line}: _base_ must be a path or a list of paths"
                    )
                self.follow(each, line)
            self.values[name] = value
            return
        self.values[name] = self.value(node, (name,))

    def follow(self, relative: str, line: int) -> None:
        """Read a base file and merge it into the bases read so far (a key in two bases is refused, as
        mmengine refuses it)."""
        found = (self.path.parent / relative).resolve()
        if not found.is_file():
            raise PythonConfigError(
                f"{shown(self.path)}:{line}: _base_ {relative!r} does not exist (looked for {found})"
            )
        if found in self.chain or len(self.chain) > MOST_BASES:
            raise PythonConfigError(f"{shown(self.path)}:{line}: _base_ {relative!r} includes itself")
        try:
            text = found.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise PythonConfigError(f"{shown(found)}: cannot be read: {error}") from None
        values, _ = _Reader(found, text, (*self.chain, found)).read()
        for key, value in values.items():
            if key in self.base and key != "_base_":
                raise PythonConfigError(
                    f"{shown(self.path)}:{line}: {key} is in two _base_ files, which mmengine refuses "
                    "('Duplicate key is not allowed among bases')"
                )
            self.base[key] = value

    def unreadable(self, node: ast.AST) -> Unreadable:
        text = ast.get_source_segment(self.text, node) or ast.dump(node)
        return Unreadable(
            text if len(text) <= 80 else text[:77] + "...", getattr(node, "lineno", 0), self.path
        )

    def value(self, node: ast.expr, keys: tuple[str, ...]) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                reference = BASE_REFERENCE.match(node.value)
                if reference:
                    return self.from_base(reference.group(1).split("."), node)
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            items = [self.value(each, (*keys, str(i))) for i, each in enumerate(node.elts)]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Dict):
            made: dict[Any, Any] = {}
            for key, each in zip(node.keys, node.values, strict=True):
                if key is None:
                    return self.unreadable(node)
                name = self.value(key, keys)
                if isinstance(name, Unreadable):
                    return self.unreadable(node)
                self.lines[(*keys, str(name))] = key.lineno
                made[name] = self.value(each, (*keys, str(name)))
            return made
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            if node.args or any(k.arg is None for k in node.keywords):
                return self.unreadable(node)
            made = {}
            for keyword in node.keywords:
                assert keyword.arg is not None
                self.lines[(*keys, keyword.arg)] = keyword.lineno
                made[keyword.arg] = self.value(keyword.value, (*keys, keyword.arg))
            return made
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.value(node.operand, keys)
            if _number(operand):
                return -operand if isinstance(node.op, ast.USub) else operand
            return operand if isinstance(operand, Unreadable) else self.unreadable(node)
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            left, right = self.value(node.left, keys), self.value(node.right, keys)
            for side in (left, right):
                if isinstance(side, Unreadable):
                    return side
            numbers = _number(left) and _number(right)
            joined = (
                isinstance(node.op, ast.Add)
                and type(left) is type(right)
                and isinstance(left, list | tuple | str)
            )
            if numbers or joined:
                try:
                    if isinstance(node.op, ast.Pow) and abs(right) > 64:
                        return self.unreadable(node)
                    return BINARY[type(node.op)](left, right)
                except (ArithmeticError, ValueError, TypeError):
                    return self.unreadable(node)
            return self.unreadable(node)
        if isinstance(node, ast.Name):
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            if node.id in self.values:
                return copy.deepcopy(self.values[node.id])
            if node.id in self.base:
                return copy.deepcopy(self.base[node.id])
            return self.unreadable(node)
        if isinstance(node, ast.Attribute):
            path: list[str] = []
            inner: ast.expr = node
            while isinstance(inner, ast.Attribute):
                path.insert(0, inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id == "_base_":
                return self.from_base(path, node)
            return self.unreadable(node)
        if isinstance(node, ast.Subscript):
            container = self.value(node.value, keys)
            index = self.value(node.slice, keys)
            try:
                if isinstance(container, dict | list | tuple) and isinstance(index, int | str):
                    return copy.deepcopy(container[index])  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                pass
            return self.unreadable(node)
        return self.unreadable(node)

    def from_base(self, path: list[str], node: ast.expr) -> Any:
        value: Any = self.base
        for part in path:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return self.unreadable(node)
        return copy.deepcopy(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _merge(child: Mapping[str, Any], into: dict[str, Any]) -> None:
    """mmengine's merge of a config into its bases: a dict into a dict key by key, unless it says
    ``_delete_=True``; anything else replaces."""
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict) and not value.get("_delete_", False):
            _merge({k: v for k, v in value.items() if k != "_delete_"}, into[key])
        elif isinstance(value, dict):
            into[key] = _without_delete(value)
        else:
            into[key] = value


def _without_delete(value: dict[str, Any]) -> dict[str, Any]:
    return {k: _without_delete(v) if isinstance(v, dict) else v for k, v in value.items() if k != "_delete_"}
