"""Learning-rate functions read from a Python file: ``train.py:get_lr``.

A training script often writes its schedule as a Python function of the step, such as nanoGPT's
``get_lr(it)``, the Annotated Transformer's ``rate(step, model_size, factor, warmup)`` or a ``LambdaLR``
``lr_lambda``. lrviz reads the function and the module's top-level numeric constants with :mod:`ast` and
evaluates it over a whole run at once with numpy, giving at every step what calling the function would
give. Nothing of the file is executed, imported or compiled to run: the file is only parsed.

The function may use ``if``/``elif``/``else`` (early returns anywhere), local assignments, ``assert``,
arithmetic, comparisons, ``and``/``or``, conditional expressions, ``math.*``, ``min``/``max``/``abs``/
``int``/``float``/``round``/``bool``/``pow`` and calls to other such functions of the module. Each branch
is evaluated only on the steps that take it, and an error Python would raise at a step (a division by
zero, a math domain or range error, a failed assert) is reported with the first such step, as a
:class:`~lrviz.errors.SpecError`. Python's int and float semantics are kept (``step // 10``, ``%`` of a
negative number, ``int()`` truncating, ``2 ** -1``); a whole number beyond 2^53, which float64 cannot
hold exactly, is refused.

An override of a module constant replaces its value wherever it is read: in the function and in the
constants computed from it, as if the file were edited. A top-level ``if __name__ == "__main__":`` block
does not run on import and is skipped; a name bound inside any other top-level block (``if``, ``for``,
``try``, ``with``) is refused when read.

``math.erf``, ``erfc``, ``gamma``, ``lgamma`` and ``round(x, ndigits)`` have no exact numpy equivalent:
they call Python's own ``math`` and ``round`` step by step, which is slower (about a microsecond a step).
"""

from __future__ import annotations

import ast
import math
import os
import stat
import tokenize
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lrviz.errors import SpecError, close_names
from lrviz.limits import cut, nesting

MAX_BYTES = 1 << 20
"""Bytes in a Python file lrviz reads (1 MiB)."""
MAX_DEPTH = 100
"""Nesting depth of the statements and expressions of a function or constant lrviz reads."""
MAX_CALLS = 16
"""Depth of calls from one function of the file to another."""

_EXACT = float(1 << 53)
_SUBSET = (
    "if/elif/else, return, assignments, arithmetic, comparisons, and/or, conditional expressions, "
    "math.*, min/max/abs/int/float/round, assert"
)

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]

BOOL, INT, FLOAT = 0, 1, 2


@dataclass(frozen=True)
class Parameter:
    """A value of the function a user may set: one of its parameters or a module constant it reads."""

    name: str
    default: float | None
    """``None``: a required parameter (it has no default)."""
    line: int


@dataclass(frozen=True)
class PyFunction:
    """A learning-rate function read from a Python file, evaluated over many steps at once."""

    path: str
    name: str
    step: str
    parameters: tuple[Parameter, ...]
    summary: str
    line: int
    _program: _Program = field(repr=False, compare=False, hash=False)

    def evaluate(self, t: NDArray[Any], values: Mapping[str, float] = {}) -> Floats:
        """The function at each step of ``t``; ``values`` override parameters by name."""
        try:
            return self._program.evaluate(np.asarray(t, dtype=np.float64), values)
        except RecursionError:
            raise SpecError(f"{self.path}: {self.name} is nested too deeply to evaluate") from None


def load(path: str | os.PathLike[str], name: str) -> PyFunction:
    """Read the top-level function or lambda ``name`` of the Python file ``path``."""
    shown = os.fspath(path)
    module = _module(shown)
    try:
        program = _Program(module, name)
    except RecursionError:
        raise SpecError(f"{shown}: {name} is nested too deeply to read") from None
    return PyFunction(
        path=shown,
        name=name,
        step=program.main.step,
        parameters=program.parameters,
        summary=program.main.summary,
        line=program.main.line,
        _program=program,
    )


# --- reading the file --------------------------------------------------------------------------------

_CACHE: dict[tuple[str, int, int], _Module] = {}
_CACHE_SIZE = 16


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def _check_file(name: str, info: os.stat_result) -> None:
    """Refuse anything but a regular file of at most :data:`MAX_BYTES` (a pipe is never read)."""
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(f"{name}: is a folder, not a Python file")
    if not stat.S_ISREG(info.st_mode):
        kind = "a pipe" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else ""
        raise SpecError(f"{name}: is not a regular file but {kind or 'a device'}: give a Python file")
    if info.st_size > MAX_BYTES:
        raise SpecError(
            f"{name}: is {info.st_size:,} bytes; a Python file may have at most {MAX_BYTES:,} bytes (1 MiB)"
        )


def _module(shown: str) -> _Module:
    name = cut(shown, 200)
    try:
        resolved = os.path.realpath(shown)
        _check_file(name, os.stat(resolved))
        handle = os.open(resolved, _FLAGS)
    except FileNotFoundError:
        raise SpecError(f"{name}: no such file") from None
    except OSError as error:
        raise SpecError(f"{name}: cannot read it: {error.strerror or 'the system refuses'}") from None
    except ValueError:
        raise SpecError(f"{name}: cannot read it: the name holds a NUL character") from None
    with os.fdopen(handle, "rb") as stream:
        status = os.fstat(handle)
        _check_file(name, status)
        key = (resolved, status.st_mtime_ns, status.st_size)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        try:
            data = stream.read(MAX_BYTES + 1)
        except OSError as error:
            raise SpecError(f"{name}: cannot read it: {error.strerror or 'the system refuses'}") from None
    if len(data) > MAX_BYTES:
        raise SpecError(
            f"{name}: holds more than {MAX_BYTES:,} bytes once read; a Python file may have at most "
            f"{MAX_BYTES:,} bytes (1 MiB)"
        )
    module = _Module(shown, _parse(shown, data))
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = module
    return module


def _parse(shown: str, data: bytes) -> ast.Module:
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        text = data.decode(encoding)
    except SyntaxError as error:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            byte = bad.object[bad.start]
            raise SpecError(f"{shown} is not UTF-8 text (byte {byte:#04x} at offset {bad.start})") from None
        raise SpecError(f"{shown}: {error.msg}") from None
    except (UnicodeDecodeError, LookupError) as error:
        where = (
            f" (byte {error.object[error.start]:#04x} at offset {error.start})"
            if isinstance(error, UnicodeDecodeError)
            else ""
        )
        raise SpecError(f"{shown} is not UTF-8 text{where}") from None
    if "\0" in text:
        raise SpecError(f"{shown} contains a null byte: it is not a Python source file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an invalid escape in a string is the file's business
            return ast.parse(text, filename=shown)
    except SyntaxError as error:
        raise SpecError(f"{shown} line {error.lineno}: a syntax error ({error.msg})") from None
    except (RecursionError, MemoryError):
        raise SpecError(f"{shown} is nested too deeply to read") from None
    except ValueError as error:
        raise SpecError(f"{shown} cannot be parsed: {error}") from None


# --- the module's top level --------------------------------------------------------------------------


class _Binding:
    """What a top-level name is bound to by one statement."""

    def __init__(self, name: str, line: int, order: int) -> None:
        self.name = name
        self.line = line
        self.order = order


class _Math(_Binding):
    """``import math`` (or ``import math as m``)."""


class _MathMember(_Binding):
    """``from math import cos``: ``attr`` is the name in math."""

    def __init__(self, name: str, line: int, order: int, attr: str) -> None:
        super().__init__(name, line, order)
        self.attr = attr


class _Const(_Binding):
    """``NAME = expr``: a numeric constant if ``expr`` is one. ``refs`` binds each name it reads as the
    module did then."""

    def __init__(self, name: str, line: int, order: int, expr: ast.expr, refs: dict[str, _Binding | None]):
        super().__init__(name, line, order)
        self.expr = expr
        self.refs = refs
        self.problem: str | None = None
        self.checked = False


class _Func(_Binding):
    """``def NAME(...)`` or ``NAME = lambda ...``; ``refs`` binds the names its defaults read."""

    def __init__(
        self,
        name: str,
        line: int,
        order: int,
        node: ast.FunctionDef | ast.Lambda,
        refs: dict[str, _Binding | None],
    ) -> None:
        super().__init__(name, line, order)
        self.node = node
        self.refs = refs


class _Other(_Binding):
    """Anything else: ``what`` says what, for messages."""

    def __init__(self, name: str, line: int, order: int, what: str) -> None:
        super().__init__(name, line, order)
        self.what = what


class _Unfollowed(_Other):
    """A name bound where lrviz does not follow: inside a top-level block, or by another function."""


_BLOCKS: dict[type[ast.AST], str] = {
    ast.If: "a top-level if block",
    ast.For: "a top-level for loop",
    ast.AsyncFor: "a top-level for loop",
    ast.While: "a top-level while loop",
    ast.With: "a top-level with block",
    ast.AsyncWith: "a top-level with block",
    ast.Try: "a top-level try block",
}
if hasattr(ast, "TryStar"):
    _BLOCKS[ast.TryStar] = "a top-level try block"
if hasattr(ast, "Match"):
    _BLOCKS[ast.Match] = "a top-level match block"


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    texts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return len(names) == 1 and len(texts) == 1


def _walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``node`` in its own scope: not the bodies of functions, lambdas and classes in it."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        if item is not node and isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(item, ast.Lambda):
            continue
        stack.extend(ast.iter_child_nodes(item))


def _bound_names(node: ast.AST) -> Iterator[str]:
    for item in _walk_scope(node):
        if isinstance(item, ast.Name) and isinstance(item.ctx, (ast.Store, ast.Del)):
            yield item.id
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and item is not node:
            yield item.name
        elif isinstance(item, (ast.Import, ast.ImportFrom)):
            for alias in item.names:
                if alias.name != "*":
                    yield alias.asname or alias.name.split(".")[0]
        elif (isinstance(item, ast.ExceptHandler) and item.name) or (
            isinstance(item, (ast.MatchAs, ast.MatchStar)) and item.name
        ):
            yield str(item.name)


class _Module:
    """The top level of a parsed file: what each name is bound to once the module has been imported."""

    def __init__(self, path: str, tree: ast.Module) -> None:
        self.path = path
        self.names: dict[str, _Binding] = {}
        self.star: int | None = None
        self._order = 0
        for statement in tree.body:
            self._statement(statement)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Global):
                        for name in inner.names:
                            if name in self.names and name != node.name:
                                self._bind(
                                    _Unfollowed,
                                    name,
                                    inner.lineno,
                                    f"declared global in {node.name} on line {inner.lineno}, which may "
                                    "change it when it runs",
                                )

    def _bind(self, kind: Callable[..., _Binding], name: str, line: int, *args: Any) -> None:
        self._order += 1
        self.names[name] = kind(name, line, self._order, *args)

    def _refs(self, node: ast.AST) -> dict[str, _Binding | None]:
        return {
            item.id: self.names.get(item.id)
            for item in ast.walk(node)
            if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Load)
        }

    def _statement(self, node: ast.stmt) -> None:
        line = node.lineno
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "math":
                    self._bind(_Math, alias.asname or "math", line)
                else:
                    self._bind(_Other, alias.asname or alias.name.split(".")[0], line, "a module")
        elif isinstance(node, ast.ImportFrom):
            math_module = node.module == "math" and node.level == 0
            for alias in node.names:
                if alias.name == "*":
                    if math_module:
                        for attr in dir(math):
                            if not attr.startswith("_"):
                                self._bind(_MathMember, attr, line, attr)
                    else:
                        self.star = line
                        for name in list(self.names):
                            self._bind(
                                _Unfollowed, name, line, f"perhaps replaced by the import * on line {line}"
                            )
                elif math_module and hasattr(math, alias.name):
                    self._bind(_MathMember, alias.asname or alias.name, line, alias.name)
                else:
                    self._bind(_Other, alias.asname or alias.name, line, f"imported on line {line}")
        elif isinstance(node, ast.FunctionDef):
            refs = self._refs(node.args)
            self._bind(_Func, node.name, line, node, refs)
        elif isinstance(node, ast.AsyncFunctionDef):
            self._bind(_Other, node.name, line, f"an async function (line {line})")
        elif isinstance(node, ast.ClassDef):
            self._bind(_Other, node.name, line, f"a class (line {line})")
        elif isinstance(node, ast.Assign):
            refs = self._refs(node.value)
            for target in node.targets:
                self._assign(target, node.value, refs, line)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None and isinstance(node.target, ast.Name):
                self._assign(node.target, node.value, self._refs(node.value), line)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.target, ast.Name):
                left = ast.Name(id=node.target.id, ctx=ast.Load())
                expr = ast.copy_location(
                    ast.BinOp(left=ast.copy_location(left, node), op=node.op, right=node.value), node
                )
                self._bind(_Const, node.target.id, line, expr, self._refs(expr))
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                for name in _bound_names(target):
                    self._bind(_Other, name, line, f"deleted on line {line}")
        elif isinstance(node, ast.If) and _is_main_guard(node):
            return
        elif type(node) in _BLOCKS:
            what = _BLOCKS[type(node)]
            for name in _bound_names(node):
                self._bind(
                    _Unfollowed,
                    name,
                    line,
                    f"assigned inside {what} on line {line}, which lrviz does not follow",
                )
        else:
            for name in _bound_names(node):
                self._bind(_Unfollowed, name, line, f"bound on line {line} in a way lrviz does not follow")

    def _assign(self, target: ast.expr, value: ast.expr, refs: dict[str, _Binding | None], line: int) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, ast.Lambda):
                self._bind(_Func, target.id, line, value, self._refs(value.args))
            else:
                self._bind(_Const, target.id, line, value, refs)
        elif isinstance(target, (ast.Tuple, ast.List)):
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in [*value.elts, *target.elts])
            ):
                for item, part in zip(target.elts, value.elts, strict=True):
                    self._assign(item, part, refs, line)
            else:
                for name in _bound_names(target):
                    self._bind(_Other, name, line, f"unpacked on line {line}")
        elif isinstance(target, ast.Starred):
            for name in _bound_names(target):
                self._bind(_Other, name, line, f"unpacked on line {line}")

    def functions(self) -> list[str]:
        return [name for name, binding in self.names.items() if isinstance(binding, _Func)]


# --- what a function may use -------------------------------------------------------------------------

_UNARY_MATH: dict[str, tuple[Callable[[Any], Any], str]] = {
    # name: (numpy function, the error Python raises for an infinite result of a finite argument)
    "sqrt": (np.sqrt, "domain"),
    "exp": (np.exp, "range"),
    "expm1": (np.expm1, "range"),
    "log2": (np.log2, "domain"),
    "log10": (np.log10, "domain"),
    "log1p": (np.log1p, "domain"),
    "cos": (np.cos, "domain"),
    "sin": (np.sin, "domain"),
    "tan": (np.tan, "domain"),
    "acos": (np.arccos, "domain"),
    "asin": (np.arcsin, "domain"),
    "atan": (np.arctan, "domain"),
    "cosh": (np.cosh, "range"),
    "sinh": (np.sinh, "range"),
    "tanh": (np.tanh, "domain"),
    "acosh": (np.arccosh, "domain"),
    "asinh": (np.arcsinh, "domain"),
    "atanh": (np.arctanh, "domain"),
    "exp2": (np.exp2, "range"),
    "cbrt": (np.cbrt, "domain"),
}
_PLAIN_MATH: dict[str, Callable[[Any], Any]] = {"fabs": np.fabs, "degrees": np.degrees, "radians": np.radians}
_PYTHON_MATH = ("erf", "erfc", "gamma", "lgamma")
_BINARY_MATH: dict[str, Callable[[Any, Any], Any]] = {
    "atan2": np.arctan2,
    "hypot": np.hypot,
    "copysign": np.copysign,
    "fmod": np.fmod,
    "pow": np.power,
}
_WHOLE_MATH: dict[str, Callable[[Any], Any]] = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc}
_TEST_MATH: dict[str, Callable[[Any], Any]] = {"isfinite": np.isfinite, "isinf": np.isinf, "isnan": np.isnan}
_MATH_CONSTANTS = ("pi", "e", "tau", "inf", "nan")


def _math_arity(attr: str) -> tuple[int, int] | None:
    """How many arguments ``math.attr`` takes (fewest, most), or None if lrviz does not evaluate it."""
    if not hasattr(math, attr):
        return None
    if attr in _UNARY_MATH or attr in _PLAIN_MATH or attr in _WHOLE_MATH or attr in _TEST_MATH:
        return (1, 1)
    if attr in _PYTHON_MATH:
        return (1, 1)
    if attr in _BINARY_MATH:
        return (2, 2)
    if attr == "log":
        return (1, 2)
    return None


_BUILTINS: dict[str, tuple[int, int]] = {
    "min": (1, 1_000_000),
    "max": (1, 1_000_000),
    "abs": (1, 1),
    "int": (1, 1),
    "float": (1, 1),
    "round": (1, 2),
    "bool": (1, 1),
    "pow": (2, 2),
}

_OPERATORS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
_COMPARISONS: dict[type[ast.AST], Callable[[Any, Any], Any]] = {
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
}

_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.For: "a for loop",
    ast.AsyncFor: "a for loop",
    ast.While: "a while loop",
    ast.Import: "an import",
    ast.ImportFrom: "an import",
    ast.ListComp: "a list comprehension",
    ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension",
    ast.GeneratorExp: "a generator expression",
    ast.Subscript: "a subscript",
    ast.Global: "a global statement",
    ast.Nonlocal: "a nonlocal statement",
    ast.Try: "a try statement",
    ast.With: "a with statement",
    ast.AsyncWith: "a with statement",
    ast.Raise: "a raise statement",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Await: "await",
    ast.Lambda: "a lambda inside the function",
    ast.NamedExpr: "an assignment expression (:=)",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Starred: "a starred expression",
    ast.Delete: "a del statement",
    ast.FunctionDef: "a nested function",
    ast.AsyncFunctionDef: "a nested function",
    ast.ClassDef: "a class",
    ast.Break: "break",
    ast.Continue: "continue",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Slice: "a slice",
    ast.Attribute: "an attribute",
}
if hasattr(ast, "TryStar"):
    _CONSTRUCTS[ast.TryStar] = "a try statement"
if hasattr(ast, "Match"):
    _CONSTRUCTS[ast.Match] = "a match statement"


def _text(node: ast.AST) -> str:
    return cut(ast.unparse(node), 40)


class _Refused(Exception):
    """A construct outside the subset: ``what`` names it, at ``line``."""

    def __init__(self, line: int, what: str, outside: bool = True) -> None:
        super().__init__(what)
        self.line = line
        self.what = what
        self.outside = outside


def _refuse(node: ast.AST, what: str | None = None) -> _Refused:
    line = getattr(node, "lineno", 0)
    if what is None:
        what = _CONSTRUCTS.get(type(node), f"a {type(node).__name__} node")
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            what = f"{what} ({_text(node)})"
    return _Refused(line, what)


class _Scope:
    """How the names of a function (or of a constant's expression) resolve."""

    def __init__(
        self,
        module: _Module,
        locals_: set[str],
        resolve: Callable[[str], _Binding | None],
        owner: str,
    ) -> None:
        self.module = module
        self.locals = locals_
        self.resolve = resolve
        self.owner = owner


class _FunctionInfo:
    """A function of the file, checked to be in the subset."""

    def __init__(self, binding: _Func) -> None:
        self.binding = binding
        node = binding.node
        self.name = binding.name
        self.line = binding.line
        args = node.args
        if args.vararg is not None:
            raise _Refused(args.vararg.lineno, "*args")
        if args.kwarg is not None:
            raise _Refused(args.kwarg.lineno, "**kwargs")
        positional = [*args.posonlyargs, *args.args]
        if not positional:
            raise _Refused(binding.line, f"{binding.name} takes no step parameter", outside=False)
        self.positional = [a.arg for a in positional]
        self.keyword_only = [a.arg for a in args.kwonlyargs]
        self.arg_lines = {a.arg: a.lineno for a in [*positional, *args.kwonlyargs]}
        self.step = positional[0].arg
        defaults: dict[str, ast.expr] = {}
        for arg, default in zip(
            positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
        ):
            defaults[arg.arg] = default
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                defaults[arg.arg] = kw_default
        self.defaults = defaults
        if isinstance(node, ast.Lambda):
            body: list[ast.stmt] = [ast.copy_location(ast.Return(value=node.body), node.body)]
            self.summary = ""
        else:
            if node.decorator_list:
                raise _Refused(node.decorator_list[0].lineno, "a decorator")
            body = list(node.body)
            doc = ast.get_docstring(node)
            self.summary = doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
        self.body = body
        self.locals = set(self.positional) | set(self.keyword_only)
        for statement in body:
            for item in _walk_scope(statement):
                if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store):
                    self.locals.add(item.id)
        self.reads: dict[str, _Binding] = {}
        self.calls: set[_Func] = set()
        self.default_values: dict[str, _Val] = {}


class _Checker:
    """Checks functions and constants against the subset, and finds what they read."""

    def __init__(self, module: _Module) -> None:
        self.module = module
        self.infos: dict[_Func, _FunctionInfo] = {}
        self.stack: list[_Func] = []

    def fail(self, refused: _Refused) -> SpecError:
        tail = f" is outside what lrviz reads of a function ({_SUBSET})" if refused.outside else ""
        return SpecError(f"{self.module.path} line {refused.line}: {refused.what}{tail}")

    # functions

    def function(self, binding: _Func) -> _FunctionInfo:
        known = self.infos.get(binding)
        if known is not None:
            return known
        if binding in self.stack:
            chain = " → ".join(b.name for b in [*self.stack[self.stack.index(binding) :], binding])
            raise _Refused(binding.line, f"recursion ({chain})", outside=False)
        if len(self.stack) >= MAX_CALLS:
            raise _Refused(binding.line, f"calls nested more than {MAX_CALLS} deep", outside=False)
        if nesting(binding.node, MAX_DEPTH) > MAX_DEPTH:
            raise _Refused(
                binding.line, f"{binding.name} is nested more than {MAX_DEPTH} deep", outside=False
            )
        info = _FunctionInfo(binding)
        self.stack.append(binding)
        try:
            scope = _Scope(self.module, info.locals, self.module.names.get, info.name)
            for statement in info.body:
                self.statement(statement, scope, info)
            defaults_scope = _Scope(self.module, set(), binding.refs.get, info.name)
            for default in info.defaults.values():
                self.expression(default, defaults_scope, info, constant=True)
        finally:
            self.stack.pop()
        self.infos[binding] = info
        return info

    def statement(self, node: ast.stmt, scope: _Scope, info: _FunctionInfo) -> None:
        if isinstance(node, ast.Return):
            if node.value is None:
                raise _Refused(
                    node.lineno, "a return without a value (the function would return None)", outside=False
                )
            self.expression(node.value, scope, info)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self.target(target, node.value)
            self.expression(
                node.value, scope, info, tuple_ok=isinstance(node.targets[0], (ast.Tuple, ast.List))
            )
        elif isinstance(node, ast.AugAssign):
            if not isinstance(node.target, ast.Name):
                raise _refuse(node.target, f"an assignment to {_text(node.target)}")
            if type(node.op) not in _OPERATORS:
                raise _refuse(node, f"the operator {_op_text(node.op)}=")
            self.expression(node.value, scope, info)
        elif isinstance(node, ast.AnnAssign):
            if not isinstance(node.target, ast.Name):
                raise _refuse(node.target, f"an assignment to {_text(node.target)}")
            if node.value is not None:
                self.expression(node.value, scope, info)
        elif isinstance(node, ast.If):
            self.expression(node.test, scope, info)
            for item in [*node.body, *node.orelse]:
                self.statement(item, scope, info)
        elif isinstance(node, ast.Assert):
            self.expression(node.test, scope, info)
        elif isinstance(node, ast.Pass):
            pass
        elif isinstance(node, ast.Expr):
            if isinstance(node.value, ast.Constant):
                return
            self.expression(node.value, scope, info)
        else:
            raise _refuse(node)

    def target(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, (ast.Tuple, ast.List)):
                raise _refuse(value)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            if not (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in [*value.elts, *target.elts])
            ):
                raise _refuse(target, "an unpacking assignment of anything but a tuple of the same length")
            for item, part in zip(target.elts, value.elts, strict=True):
                self.target(item, part)
            return
        raise _refuse(target, f"an assignment to {_text(target)}")

    def expression(
        self,
        node: ast.expr,
        scope: _Scope,
        info: _FunctionInfo | None,
        constant: bool = False,
        tuple_ok: bool = False,
    ) -> None:
        """Check ``node``; record the module names it reads in ``info``."""
        if isinstance(node, ast.Constant):
            constant_value = node.value
            if isinstance(constant_value, bool):
                return
            if isinstance(constant_value, int):
                if abs(constant_value) > _EXACT:
                    raise _Refused(
                        node.lineno,
                        f"{cut(str(constant_value), 30)} is a whole number beyond 2^53 (lrviz computes whole "
                        "numbers exactly only up to 2^53)",
                        outside=False,
                    )
                return
            if isinstance(constant_value, float):
                return
            kinds = {str: "a string", bytes: "bytes", complex: "a complex number"}
            raise _refuse(node, kinds.get(type(constant_value)) or repr(constant_value))
        if isinstance(node, ast.Name):
            self.name(node, scope, info, constant)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                raise _refuse(node, f"the operator {_op_text(node.op)}")
            self.expression(node.left, scope, info, constant)
            self.expression(node.right, scope, info, constant)
        elif isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Invert):
                raise _refuse(node, "the operator ~")
            self.expression(node.operand, scope, info, constant)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.expression(value, scope, info, constant)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARISONS:
                    raise _refuse(node, f"the comparison {_op_text(op)}")
            for item in [node.left, *node.comparators]:
                self.expression(item, scope, info, constant)
        elif isinstance(node, ast.IfExp):
            for item in (node.test, node.body, node.orelse):
                self.expression(item, scope, info, constant)
        elif isinstance(node, ast.Call):
            self.call(node, scope, info, constant)
        elif isinstance(node, ast.Attribute):
            attr = self.math_attribute(node, scope, constant)
            if attr is None:
                raise _refuse(node)
            if attr not in _MATH_CONSTANTS:
                raise _refuse(node, f"math.{attr} used as a value")
        elif isinstance(node, (ast.Tuple, ast.List)) and tuple_ok:
            for item in node.elts:
                self.expression(item, scope, info, constant)
        else:
            raise _refuse(node)

    def name(self, node: ast.Name, scope: _Scope, info: _FunctionInfo | None, constant: bool) -> None:
        name = node.id
        if name in scope.locals:
            return
        binding = scope.resolve(name)
        if binding is None:
            if name in _BUILTINS:
                raise _refuse(node, f"the function {name} used as a value")
            raise _Refused(node.lineno, self.undefined(name, scope, constant), outside=False)
        if isinstance(binding, _MathMember):
            if binding.attr in _MATH_CONSTANTS:
                return
            raise _refuse(node, f"math.{binding.attr} used as a value")
        problem = self.constant(binding)
        if problem is not None:
            raise _Refused(
                node.lineno,
                f"{scope.owner} reads {name}, which is not a numeric constant ({problem})",
                outside=False,
            )
        if info is not None and not constant:
            info.reads.setdefault(name, binding)

    def undefined(self, name: str, scope: _Scope, constant: bool) -> str:
        if constant:
            return f"{scope.owner} reads {name}, which is not assigned before it"
        text = f"{scope.owner} reads {name}, which the module does not assign at its top level"
        close = close_names(name, [*scope.locals, *self.module.names])
        if close:
            text += f" (did you mean {' or '.join(close)}?)"
        if self.module.star is not None:
            text += f"; it may come from the import * on line {self.module.star}, which lrviz does not follow"
        return text

    def constant(self, binding: _Binding) -> str | None:
        """Why ``binding`` is not a numeric constant, or None if it is one."""
        if isinstance(binding, _Unfollowed):
            return binding.what
        if isinstance(binding, _Other):
            return f"{binding.what}" if "line" in binding.what else f"{binding.what} (line {binding.line})"
        if isinstance(binding, _Math):
            return f"the module math (line {binding.line})"
        if isinstance(binding, _Func):
            return f"a function (line {binding.line})"
        assert isinstance(binding, _Const)
        if binding.checked:
            return binding.problem
        # Check what it reads first, oldest first, so that a long chain of constants needs no recursion.
        pending = [binding]
        chain: list[_Const] = []
        seen = {id(binding)}
        while pending:
            item = pending.pop()
            chain.append(item)
            for ref in item.refs.values():
                if isinstance(ref, _Const) and not ref.checked and id(ref) not in seen:
                    seen.add(id(ref))
                    pending.append(ref)
        for item in sorted(chain, key=lambda b: b.order):
            item.checked = True
            item.problem = self.constant_expression(item)
        return binding.problem

    def constant_expression(self, binding: _Const) -> str | None:
        if nesting(binding.expr, MAX_DEPTH) > MAX_DEPTH:
            return f"line {binding.line}: nested more than {MAX_DEPTH} deep"
        scope = _Scope(self.module, set(), binding.refs.get, binding.name)
        try:
            self.expression(binding.expr, scope, None, constant=True)
        except _Refused as refused:
            if refused.outside:
                return f"line {binding.line}: {binding.name} = {_text(binding.expr)}, {refused.what}"
            return f"line {refused.line}: {refused.what}"
        return None

    def math_attribute(self, node: ast.Attribute, scope: _Scope, constant: bool = False) -> str | None:
        """``attr`` if ``node`` is ``math.attr`` (math imported at the top level), else None."""
        value = node.value
        if isinstance(value, ast.Name) and value.id not in scope.locals:
            binding = scope.resolve(value.id)
            if binding is None and value.id == "math":
                raise _Refused(node.lineno, self.undefined(value.id, scope, constant), outside=False)
            if isinstance(binding, _Math):
                if not hasattr(math, node.attr):
                    raise _refuse(node, f"math.{node.attr}, which the math module does not have")
                return node.attr
        return None

    def call(self, node: ast.Call, scope: _Scope, info: _FunctionInfo | None, constant: bool) -> None:
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _refuse(arg, "a starred argument (*)")
        for keyword in node.keywords:
            if keyword.arg is None:
                raise _refuse(node, "keyword unpacking (**)")
        func = node.func
        attr: str | None = None
        if isinstance(func, ast.Attribute):
            attr = self.math_attribute(func, scope, constant)
            if attr is None:
                raise _refuse(node, f"a call to {_text(func)}")
        elif isinstance(func, ast.Name):
            if func.id in scope.locals:
                raise _refuse(node, f"a call to the local variable {func.id}")
            binding = scope.resolve(func.id)
            if isinstance(binding, _MathMember):
                attr = binding.attr
            elif isinstance(binding, _Func) and not constant:
                self.inline(node, binding, scope, info)
                return
            elif binding is None and func.id in _BUILTINS:
                self.builtin(node, func.id, scope, info, constant)
                return
            else:
                raise _refuse(node, f"a call to {func.id}")
        else:
            raise _refuse(node, f"a call to {_text(func)}")
        arity = _math_arity(attr)
        if arity is None:
            raise _refuse(node, f"math.{attr}, which lrviz does not evaluate")
        if node.keywords:
            raise _refuse(node, f"a keyword argument to math.{attr}")
        if not arity[0] <= len(node.args) <= arity[1]:
            raise _Refused(
                node.lineno, f"math.{attr} takes {_count(arity)}, not {len(node.args)}", outside=False
            )
        for arg in node.args:
            self.expression(arg, scope, info, constant)

    def builtin(
        self, node: ast.Call, name: str, scope: _Scope, info: _FunctionInfo | None, constant: bool
    ) -> None:
        args = list(node.args)
        keywords = {k.arg: k.value for k in node.keywords}
        if name == "round" and set(keywords) <= {"ndigits"} and "ndigits" in keywords and len(args) == 1:
            args.append(keywords.pop("ndigits"))
        if keywords:
            raise _refuse(node, f"a keyword argument to {name}")
        least, most = _BUILTINS[name]
        if not least <= len(args) <= most:
            raise _Refused(
                node.lineno, f"{name} takes {_count((least, most))}, not {len(args)}", outside=False
            )
        if name in ("min", "max") and len(args) == 1:
            sequence = args[0]
            if not isinstance(sequence, (ast.Tuple, ast.List)):
                raise _refuse(node, f"{name} of anything but several values or a tuple or list of them")
            if not sequence.elts:
                raise _Refused(node.lineno, f"{name} of an empty sequence", outside=False)
            args = list(sequence.elts)
        if name == "round" and len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is None:
            args = args[:1]
        for arg in args:
            self.expression(arg, scope, info, constant)

    def inline(self, node: ast.Call, binding: _Func, scope: _Scope, info: _FunctionInfo | None) -> None:
        callee = self.function(binding)
        if len(node.args) > len(callee.positional):
            raise _Refused(
                node.lineno,
                f"{callee.name} takes at most {len(callee.positional)} positional "
                f"arguments, not {len(node.args)}",
                outside=False,
            )
        given = set(callee.positional[: len(node.args)])
        for keyword in node.keywords:
            assert keyword.arg is not None
            if keyword.arg not in callee.positional and keyword.arg not in callee.keyword_only:
                raise _Refused(node.lineno, f"{callee.name} has no parameter {keyword.arg}", outside=False)
            if keyword.arg in given:
                raise _Refused(node.lineno, f"{callee.name} is given {keyword.arg} twice", outside=False)
            given.add(keyword.arg)
        missing = [
            a
            for a in [*callee.positional, *callee.keyword_only]
            if a not in given and a not in callee.defaults
        ]
        if missing:
            raise _Refused(node.lineno, f"the call to {callee.name} misses {missing[0]}", outside=False)
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            self.expression(arg, scope, info)
        if info is not None:
            info.calls.add(binding)


def _count(arity: tuple[int, int]) -> str:
    least, most = arity
    if least == most:
        return f"{least} argument{'s' if least != 1 else ''}"
    if most >= 1_000_000:
        return f"{least} or more arguments"
    return f"{least} to {most} arguments"


def _op_text(op: ast.AST) -> str:
    texts = {
        ast.BitAnd: "&",
        ast.BitOr: "|",
        ast.BitXor: "^",
        ast.LShift: "<<",
        ast.RShift: ">>",
        ast.MatMult: "@",
        ast.Is: "is",
        ast.IsNot: "is not",
        ast.In: "in",
        ast.NotIn: "not in",
    }
    return texts.get(type(op), type(op).__name__)


# --- values over many steps --------------------------------------------------------------------------


class _Val:
    """A number at each step of a path: float64 ``data`` (0-d when the same at all), and its Python
    type ``kind`` (BOOL, INT, FLOAT; an int8 array when it differs between steps). ``unset`` marks the
    steps at which a local variable was not assigned."""

    __slots__ = ("data", "kind", "unset")

    def __init__(self, data: Any, kind: Any, unset: Bools | None = None) -> None:
        self.data: Floats = np.asarray(data, dtype=np.float64)
        self.kind: Any = kind
        self.unset = unset

    def take(self, where: Ints) -> _Val:
        data = self.data if self.data.ndim == 0 else self.data[where]
        kind = self.kind if np.ndim(self.kind) == 0 else self.kind[where]
        unset = None if self.unset is None else self.unset[where]
        return _Val(data, kind, unset)


def _kind_full(kind: Any, n: int) -> NDArray[np.int8]:
    return np.broadcast_to(np.asarray(kind, dtype=np.int8), (n,))


def _simple_kind(kind: Any) -> Any:
    if np.ndim(kind) == 0:
        return int(kind)
    if kind.size and (kind == kind[0]).all():
        return int(kind[0])
    if not kind.size:
        return FLOAT
    return kind


def _concat(parts: list[tuple[_Val | None, int]]) -> _Val:
    """The values of several paths one after another (a missing value: unset at those steps)."""
    datas = []
    kinds = []
    unsets = []
    for value, n in parts:
        if value is None:
            datas.append(np.zeros(n))
            kinds.append(np.full(n, FLOAT, dtype=np.int8))
            unsets.append(np.ones(n, dtype=bool))
        else:
            datas.append(np.broadcast_to(value.data, (n,)))
            kinds.append(_kind_full(value.kind, n))
            unsets.append(np.zeros(n, dtype=bool) if value.unset is None else value.unset)
    unset = np.concatenate(unsets)
    return _Val(np.concatenate(datas), _simple_kind(np.concatenate(kinds)), unset if unset.any() else None)


def _place(n: int, mask: Bools, yes: _Val, no: _Val) -> _Val:
    """One value from two, computed at the steps where ``mask`` holds and where it does not."""
    data = np.empty(n)
    data[mask] = yes.data
    data[~mask] = no.data
    if np.ndim(yes.kind) == 0 and np.ndim(no.kind) == 0 and yes.kind == no.kind:
        kind: Any = yes.kind
    else:
        kind = np.empty(n, dtype=np.int8)
        kind[mask] = yes.kind
        kind[~mask] = no.kind
        kind = _simple_kind(kind)
    return _Val(data, kind)


class _Env:
    """The local variables of a path; values come lazily from ``parent``, taken at ``where``."""

    __slots__ = ("own", "parent", "where")

    def __init__(self, own: dict[str, _Val], parent: _Env | None = None, where: Ints | None = None) -> None:
        self.own = own
        self.parent = parent
        self.where = where

    def get(self, name: str) -> _Val | None:
        chain: list[_Env] = []
        env: _Env | None = self
        value = None
        while env is not None:
            value = env.own.get(name)
            if value is not None:
                break
            chain.append(env)
            env = env.parent
        if value is None:
            return None
        for child in reversed(chain):
            assert child.where is not None
            value = value.take(child.where)
            child.own[name] = value
        return value

    def names(self) -> set[str]:
        names: set[str] = set()
        env: _Env | None = self
        while env is not None:
            names.update(env.own)
            env = env.parent
        return names


class _Path:
    """Steps that take the same way through a function: ``idx`` into the run (for messages), ``pos``
    into the call's result, and their local variables."""

    __slots__ = ("env", "idx", "pos")

    def __init__(self, idx: Ints, pos: Ints, env: _Env) -> None:
        self.idx = idx
        self.pos = pos
        self.env = env

    def take(self, where: Ints) -> _Path:
        return _Path(self.idx[where], self.pos[where], _Env({}, self.env, where))


class _Stop(Exception):
    """An error found while reading a constant: raised at once."""


class _Run:
    """One evaluation: the steps, the first error found, the values of the module's constants."""

    def __init__(self, program: _Program, t: Floats, constants: dict[_Const, _Val], eager: bool) -> None:
        self.program = program
        self.t = t
        self.constants = constants
        self.eager = eager
        self.error: tuple[int, int, str, str] | None = None

    def record(self, ctx: _Ctx, bad: Any, line: int, what: str) -> None:
        bad = np.broadcast_to(np.asarray(bad, dtype=bool), ctx.failed.shape) & ~ctx.failed
        if not bad.any():
            return
        first = int(ctx.idx[bad].min())
        if self.eager:
            raise _Stop(f"{self.program.module.path} line {line}: {what}")
        if self.error is None or first < self.error[0]:
            self.error = (first, line, what, ctx.owner)
        ctx.failed |= bad


class _Ctx:
    """The steps of a path while one statement is evaluated: those that failed are marked in ``failed``
    and dropped after the statement."""

    __slots__ = ("env", "failed", "idx", "info", "owner", "run", "scope")

    def __init__(self, run: _Run, idx: Ints, env: _Env, scope: _Scope, info: _FunctionInfo | None) -> None:
        self.run = run
        self.idx = idx
        self.env = env
        self.scope = scope
        self.info = info
        self.owner = scope.owner
        self.failed = np.zeros(len(idx), dtype=bool)

    @property
    def n(self) -> int:
        return len(self.idx)

    def sub(self, mask: Bools) -> tuple[_Ctx, Ints]:
        where = np.flatnonzero(mask)
        ctx = _Ctx(self.run, self.idx[where], _Env({}, self.env, where), self.scope, self.info)
        ctx.failed = self.failed[where]
        return ctx, where

    def back(self, sub: _Ctx, where: Ints) -> None:
        self.failed[where] |= sub.failed

    def bad(self, bad: Any, line: int, what: str) -> None:
        self.run.record(self, bad, line, what)


def _truth(ctx: _Ctx, value: _Val) -> Bools:
    return np.broadcast_to(value.data != 0, (ctx.n,))


def _whole(kind: Any) -> Any:
    return np.asarray(kind) <= INT


def _ints(data: Any, kind: Any) -> _Val:
    """A value whose whole-number steps are Python ints: no -0.0 there (``-0`` is ``0``)."""
    data = np.asarray(data, dtype=np.float64)
    if np.ndim(kind) == 0:
        return _Val(data + 0.0 if kind != FLOAT else data, kind)
    return _Val(np.where(kind != FLOAT, data + 0.0, data), kind)


def _check_exact(ctx: _Ctx, node: ast.AST, result: Floats, kind: Any) -> None:
    if np.ndim(kind) == 0 and kind == FLOAT:
        return
    big = (np.abs(result) > _EXACT) & _whole(kind)
    if big.any():
        ctx.bad(
            big,
            getattr(node, "lineno", 0),
            "a whole number beyond 2^53 (lrviz computes whole numbers exactly only up to 2^53)",
        )


def _arith(ctx: _Ctx, node: ast.AST, op: ast.operator, a: _Val, b: _Val) -> _Val:
    x, y = a.data, b.data
    line = getattr(node, "lineno", 0)
    kind: Any = np.maximum(np.maximum(a.kind, b.kind), INT)
    kind = int(kind) if np.ndim(kind) == 0 else kind
    if isinstance(op, ast.Add):
        result = x + y
    elif isinstance(op, ast.Sub):
        result = x - y
    elif isinstance(op, ast.Mult):
        result = x * y
    elif isinstance(op, ast.Div):
        ctx.bad(y == 0, line, "division by zero")
        result = x / y
        kind = FLOAT
    elif isinstance(op, ast.FloorDiv):
        ctx.bad(y == 0, line, "floor division by zero")
        result = np.floor_divide(x, y)
    elif isinstance(op, ast.Mod):
        ctx.bad(y == 0, line, "modulo by zero")
        result = np.mod(x, y)
    else:
        return _power(ctx, node, a, b, line)
    _check_exact(ctx, node, result, kind)
    return _ints(result, kind)


def _power(ctx: _Ctx, node: ast.AST, a: _Val, b: _Val, line: int) -> _Val:
    """``a ** b`` as Python computes it: an int for whole numbers to a power >= 0, else a float."""
    x, y = a.data, b.data
    finite = np.isfinite(x) & np.isfinite(y)
    zero = (x == 0) & (y < 0) & finite
    ctx.bad(zero, line, "0 raised to a negative power")
    fractional = (x < 0) & finite & (y != np.floor(y))
    ctx.bad(fractional, line, "a negative number raised to a fractional power (a complex number)")
    result = np.power(x, y)
    whole = _whole(a.kind) & _whole(b.kind) & (y >= 0)
    kind: Any = np.where(whole, INT, FLOAT).astype(np.int8)
    kind = _simple_kind(kind)
    overflow = np.isinf(result) & finite & ~zero & ~np.asarray(whole)
    ctx.bad(overflow, line, "the result is too large for a float (OverflowError)")
    _check_exact(ctx, node, result, kind)
    return _ints(result, kind)


def _python_loop(ctx: _Ctx, line: int, label: str, func: Callable[..., Any], *args: Floats) -> Floats:
    """``func`` of each step's values, with Python's own function: for those numpy lacks."""
    alive = np.flatnonzero(~ctx.failed)
    columns = [np.broadcast_to(arg, (ctx.n,))[alive].tolist() for arg in args]
    out = np.zeros(ctx.n)
    try:
        out[alive] = np.fromiter(map(func, *columns), dtype=np.float64, count=len(alive))
        return out
    except (ValueError, OverflowError, ZeroDivisionError):
        pass
    bad = np.zeros(ctx.n, dtype=bool)
    for i, values in zip(alive.tolist(), zip(*columns, strict=True), strict=True):
        try:
            out[i] = func(*values)
        except (ValueError, OverflowError, ZeroDivisionError):
            bad[i] = True
    ctx.bad(bad, line, f"{label} fails (a math domain or range error)")
    return out


def _round_float(value: float, ndigits: float) -> float:
    return round(value, int(ndigits))


def _round_int(value: float, ndigits: float) -> float:
    return round(int(value), int(ndigits))


class _Evaluator:
    """Evaluates the statements and expressions of checked functions over paths of steps."""

    def __init__(self, run: _Run, checker: _Checker) -> None:
        self.run = run
        self.checker = checker

    # functions

    def call(self, info: _FunctionInfo, idx: Ints, env: dict[str, _Val]) -> tuple[_Val, Bools]:
        """The function at the steps ``idx``, its arguments in ``env``: its result, and where it has one
        (not where it failed)."""
        n = len(idx)
        out = np.zeros(n)
        kinds = np.full(n, FLOAT, dtype=np.int8)
        done = np.zeros(n, dtype=bool)
        scope = _Scope(self.checker.module, info.locals, self.checker.module.names.get, info.name)
        path: _Path | None = _Path(idx, np.arange(n), _Env(env))
        path = self.block(info.body, path, scope, info, (out, kinds, done))
        if path is not None and len(path.idx):
            ctx = _Ctx(self.run, path.idx, path.env, scope, info)
            ctx.bad(True, info.line, f"{info.name} returns None (it ends without a return on this path)")
        return _Val(out, _simple_kind(kinds)), done

    def block(
        self,
        statements: Iterable[ast.stmt],
        path: _Path | None,
        scope: _Scope,
        info: _FunctionInfo,
        result: tuple[Floats, NDArray[np.int8], Bools],
    ) -> _Path | None:
        for statement in statements:
            if path is None or not len(path.idx):
                return None
            path = self.statement(statement, path, scope, info, result)
        return path

    def statement(
        self,
        node: ast.stmt,
        path: _Path,
        scope: _Scope,
        info: _FunctionInfo,
        result: tuple[Floats, NDArray[np.int8], Bools],
    ) -> _Path | None:
        ctx = _Ctx(self.run, path.idx, path.env, scope, info)
        if isinstance(node, ast.Return):
            assert node.value is not None
            value = self.expr(ctx, node.value)
            keep = ~ctx.failed
            out, kinds, done = result
            pos = path.pos[keep]
            out[pos] = np.broadcast_to(value.data, (ctx.n,))[keep]
            kinds[pos] = _kind_full(value.kind, ctx.n)[keep]
            done[pos] = True
            return None
        if isinstance(node, ast.Assign):
            whole: _Val | None = None
            parts: list[_Val] = []
            if isinstance(node.value, (ast.Tuple, ast.List)):
                parts = [self.expr(ctx, item) for item in node.value.elts]
            else:
                whole = self.expr(ctx, node.value)
            assignments: list[tuple[str, _Val]] = []
            for target in node.targets:
                assignments.extend(self.unpack(target, whole, parts))
            return self.finish(ctx, path, assignments)
        if isinstance(node, ast.AugAssign):
            assert isinstance(node.target, ast.Name)
            current = self.name(ctx, node.target)
            value = self.expr(ctx, node.value)
            return self.finish(ctx, path, [(node.target.id, _arith(ctx, node, node.op, current, value))])
        if isinstance(node, ast.AnnAssign):
            assert isinstance(node.target, ast.Name)
            if node.value is None:
                return path
            return self.finish(ctx, path, [(node.target.id, self.expr(ctx, node.value))])
        if isinstance(node, ast.Assert):
            test = _truth(ctx, self.expr(ctx, node.test))
            message = f"assert {_text(node.test)} fails"
            if isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str):
                message += f" ({cut(node.msg.value, 60)})"
            ctx.bad(~test, node.lineno, message)
            return self.finish(ctx, path, [])
        if isinstance(node, ast.If):
            test = _truth(ctx, self.expr(ctx, node.test))
            keep = ~ctx.failed
            if not keep.all():
                where = np.flatnonzero(keep)
                path = path.take(where)
                test = test[where]
            return self.branch(node, path, test, scope, info, result)
        if isinstance(node, ast.Expr):
            if not isinstance(node.value, ast.Constant):
                self.expr(ctx, node.value)
            return self.finish(ctx, path, [])
        return path  # pass

    def unpack(self, target: ast.expr, value: _Val | None, parts: list[_Val]) -> list[tuple[str, _Val]]:
        if isinstance(target, ast.Name):
            assert value is not None or parts
            return [(target.id, value if value is not None else parts[0])]
        assert isinstance(target, (ast.Tuple, ast.List))
        pairs: list[tuple[str, _Val]] = []
        for item, part in zip(target.elts, parts, strict=True):
            pairs.extend(self.unpack(item, part, []))
        return pairs

    def finish(self, ctx: _Ctx, path: _Path, assignments: list[tuple[str, _Val]]) -> _Path:
        for name, value in assignments:
            path.env.own[name] = value
        if ctx.failed.any():
            return path.take(np.flatnonzero(~ctx.failed))
        return path

    def branch(
        self,
        node: ast.If,
        path: _Path,
        test: Bools,
        scope: _Scope,
        info: _FunctionInfo,
        result: tuple[Floats, NDArray[np.int8], Bools],
    ) -> _Path | None:
        if test.all():
            return self.block(node.body, path, scope, info, result)
        if not test.any():
            return self.block(node.orelse, path, scope, info, result)
        yes = self.block(node.body, path.take(np.flatnonzero(test)), scope, info, result)
        no = self.block(node.orelse, path.take(np.flatnonzero(~test)), scope, info, result)
        if yes is None or not len(yes.idx):
            return no
        if no is None or not len(no.idx):
            return yes
        own = {}
        for name in yes.env.names() | no.env.names():
            own[name] = _concat([(yes.env.get(name), len(yes.idx)), (no.env.get(name), len(no.idx))])
        return _Path(np.concatenate([yes.idx, no.idx]), np.concatenate([yes.pos, no.pos]), _Env(own))

    # expressions

    def expr(self, ctx: _Ctx, node: ast.expr) -> _Val:
        if isinstance(node, ast.Constant):
            number = node.value
            assert isinstance(number, (int, float))
            kind = BOOL if isinstance(number, bool) else INT if isinstance(number, int) else FLOAT
            return _Val(float(number), kind)
        if isinstance(node, ast.Name):
            return self.name(ctx, node)
        if isinstance(node, ast.BinOp):
            left = self.expr(ctx, node.left)
            right = self.expr(ctx, node.right)
            return _arith(ctx, node, node.op, left, right)
        if isinstance(node, ast.UnaryOp):
            operand = self.expr(ctx, node.operand)
            if isinstance(node.op, ast.Not):
                return _Val(operand.data == 0, BOOL)
            kind = np.maximum(operand.kind, INT)
            kind = int(kind) if np.ndim(kind) == 0 else kind
            data = -operand.data if isinstance(node.op, ast.USub) else +operand.data
            return _ints(data, kind)
        if isinstance(node, ast.BoolOp):
            return self.boolean(ctx, node)
        if isinstance(node, ast.Compare):
            return self.compare(ctx, node)
        if isinstance(node, ast.IfExp):
            test = _truth(ctx, self.expr(ctx, node.test))
            return self.either(ctx, test, node.body, node.orelse)
        if isinstance(node, ast.Call):
            return self.callexpr(ctx, node)
        if isinstance(node, ast.Attribute):
            return _Val(getattr(math, node.attr), FLOAT)
        raise AssertionError(f"unchecked node {node!r}")  # pragma: no cover

    def either(self, ctx: _Ctx, test: Bools, yes: ast.expr, no: ast.expr) -> _Val:
        """``yes`` where ``test`` holds, ``no`` elsewhere, each evaluated only at its own steps."""
        if test.all():
            return self.expr(ctx, yes)
        if not test.any():
            return self.expr(ctx, no)
        sub_yes, where_yes = ctx.sub(test)
        value_yes = self.expr(sub_yes, yes)
        ctx.back(sub_yes, where_yes)
        sub_no, where_no = ctx.sub(~test)
        value_no = self.expr(sub_no, no)
        ctx.back(sub_no, where_no)
        return _place(ctx.n, test, value_yes, value_no)

    def pick(self, ctx: _Ctx, mask: Bools, current: _Val, node: ast.expr) -> _Val:
        """``node`` evaluated where ``mask`` holds, ``current`` kept elsewhere."""
        if not mask.any():
            return current
        if mask.all():
            return self.expr(ctx, node)
        sub, where = ctx.sub(mask)
        value = self.expr(sub, node)
        ctx.back(sub, where)
        return _place(ctx.n, mask, value, current.take(np.flatnonzero(~mask)))

    def boolean(self, ctx: _Ctx, node: ast.BoolOp) -> _Val:
        value = self.expr(ctx, node.values[0])
        is_and = isinstance(node.op, ast.And)
        for item in node.values[1:]:
            truth = _truth(ctx, value)
            value = self.pick(ctx, truth if is_and else ~truth, value, item)
        return value

    def compare(self, ctx: _Ctx, node: ast.Compare) -> _Val:
        left = self.expr(ctx, node.left)
        holds = np.ones(ctx.n, dtype=bool)
        for op, item in zip(node.ops, node.comparators, strict=True):
            if holds.all():
                right = self.expr(ctx, item)
                holds = np.broadcast_to(_COMPARISONS[type(op)](left.data, right.data), (ctx.n,)).copy()
            else:
                sub, where = ctx.sub(holds)
                right_sub = self.expr(sub, item)
                ctx.back(sub, where)
                part = _COMPARISONS[type(op)](left.take(where).data, right_sub.data)
                holds[where] = np.broadcast_to(part, (len(where),))
                data = np.zeros(ctx.n)
                data[where] = right_sub.data
                right = _Val(data, FLOAT)
            left = right
            if not holds.any():
                break
        return _Val(holds, BOOL)

    def name(self, ctx: _Ctx, node: ast.Name) -> _Val:
        name = node.id
        if name in ctx.scope.locals:
            value = ctx.env.get(name)
            if value is None:
                ctx.bad(True, node.lineno, f"{name} is read before it is assigned")
                return _Val(0.0, FLOAT)
            if value.unset is not None:
                ctx.bad(value.unset, node.lineno, f"{name} is read before it is assigned")
            return value
        binding = ctx.scope.resolve(name)
        if isinstance(binding, _MathMember):
            return _Val(getattr(math, binding.attr), FLOAT)
        assert isinstance(binding, _Const)
        return self.run.constants[binding]

    def args(self, ctx: _Ctx, node: ast.Call) -> list[_Val]:
        return [self.expr(ctx, arg) for arg in node.args]

    def callexpr(self, ctx: _Ctx, node: ast.Call) -> _Val:
        func = node.func
        line = node.lineno
        if isinstance(func, ast.Attribute):
            return self.math(ctx, node, func.attr, self.args(ctx, node))
        assert isinstance(func, ast.Name)
        binding = ctx.scope.resolve(func.id)
        if isinstance(binding, _MathMember):
            return self.math(ctx, node, binding.attr, self.args(ctx, node))
        if isinstance(binding, _Func):
            return self.inline(ctx, node, binding)
        name = func.id
        if name in ("min", "max"):
            items = node.args
            if len(items) == 1:
                assert isinstance(items[0], (ast.Tuple, ast.List))
                items = items[0].elts
            values = [self.expr(ctx, item) for item in items]
            best = values[0]
            for value in values[1:]:
                better = value.data < best.data if name == "min" else value.data > best.data
                better = np.broadcast_to(better, (ctx.n,))
                if better.all():
                    best = value
                elif better.any():
                    best = _place(
                        ctx.n, better, value.take(np.flatnonzero(better)), best.take(np.flatnonzero(~better))
                    )
            return best
        nodes = [*node.args, *(k.value for k in node.keywords)]
        if (
            name == "round"
            and len(nodes) == 2
            and isinstance(nodes[1], ast.Constant)
            and nodes[1].value is None
        ):
            nodes = nodes[:1]
        args = [self.expr(ctx, item) for item in nodes]
        x = args[0]
        if name == "abs":
            kind = np.maximum(x.kind, INT)
            return _Val(np.abs(x.data), int(kind) if np.ndim(kind) == 0 else kind)
        if name == "float":
            return _Val(x.data, FLOAT)
        if name == "bool":
            return _Val(x.data != 0, BOOL)
        if name == "int":
            self.integral(ctx, line, "int()", x.data)
            return _ints(np.trunc(x.data), INT)
        if name == "pow":
            return _power(ctx, node, args[0], args[1], line)
        assert name == "round"
        if len(args) == 1:
            self.integral(ctx, line, "round()", x.data)
            return _ints(np.rint(x.data), INT)
        digits = args[1]
        ctx.bad(~np.broadcast_to(_whole(digits.kind), (ctx.n,)), line, "round's ndigits is not an int")
        kinds = _kind_full(x.kind, ctx.n)

        floats = kinds == FLOAT
        data = np.empty(ctx.n)
        if floats.any():
            sub, where = ctx.sub(floats)
            data[where] = _python_loop(
                sub, line, "round()", _round_float, x.take(where).data, digits.take(where).data
            )
            ctx.back(sub, where)
        if not floats.all():
            sub, where = ctx.sub(~floats)
            data[where] = _python_loop(
                sub, line, "round()", _round_int, x.take(where).data, digits.take(where).data
            )
            ctx.back(sub, where)
        return _Val(data, _simple_kind(np.where(kinds == FLOAT, FLOAT, INT).astype(np.int8)))

    def integral(self, ctx: _Ctx, line: int, label: str, x: Floats) -> None:
        ctx.bad(np.isinf(x), line, f"{label} of an infinite number (OverflowError)")
        ctx.bad(np.isnan(x), line, f"{label} of nan (ValueError)")

    def math(self, ctx: _Ctx, node: ast.Call, attr: str, args: list[_Val]) -> _Val:
        line = node.lineno
        label = f"math.{attr}"
        if attr in _UNARY_MATH:
            func, error = _UNARY_MATH[attr]
            x = args[0].data
            result = func(x)
            ctx.bad(np.isnan(result) & ~np.isnan(x), line, f"{label}: math domain error")
            overflow = np.isinf(result) & np.isfinite(x)
            ctx.bad(overflow, line, f"{label}: math {error} error")
            return _Val(result, FLOAT)
        if attr in _PLAIN_MATH:
            return _Val(_PLAIN_MATH[attr](args[0].data), FLOAT)
        if attr in _PYTHON_MATH:
            return _Val(_python_loop(ctx, line, label, getattr(math, attr), args[0].data), FLOAT)
        if attr in _WHOLE_MATH:
            self.integral(ctx, line, label, args[0].data)
            return _ints(_WHOLE_MATH[attr](args[0].data), INT)
        if attr in _TEST_MATH:
            return _Val(_TEST_MATH[attr](args[0].data), BOOL)
        if attr in _BINARY_MATH:
            x, y = args[0].data, args[1].data
            result = _BINARY_MATH[attr](x, y)
            if attr in ("pow", "fmod"):
                ctx.bad(np.isnan(result) & ~np.isnan(x) & ~np.isnan(y), line, f"{label}: math domain error")
                overflow = np.isinf(result) & np.isfinite(x) & np.isfinite(y)
                kind = "domain" if attr == "fmod" else "range"
                ctx.bad(overflow & (x != 0), line, f"{label}: math {kind} error")
                ctx.bad(overflow & (x == 0), line, f"{label}: math domain error")
            return _Val(result, FLOAT)
        assert attr == "log"
        x = args[0].data
        ctx.bad(x <= 0, line, f"{label}: math domain error")
        result = np.log(x)
        if len(args) == 2:
            base = args[1].data
            ctx.bad(base <= 0, line, f"{label}: math domain error")
            denominator = np.log(base)
            ctx.bad(denominator == 0, line, f"{label}: division by zero (a base of 1)")
            result = result / denominator
        return _Val(result, FLOAT)

    def inline(self, ctx: _Ctx, node: ast.Call, binding: _Func) -> _Val:
        callee = self.checker.infos[binding]
        values: dict[str, _Val] = {}
        for name, arg in zip(callee.positional, node.args, strict=False):
            values[name] = self.expr(ctx, arg)
        for keyword in node.keywords:
            assert keyword.arg is not None
            values[keyword.arg] = self.expr(ctx, keyword.value)
        for name, default in callee.default_values.items():
            values.setdefault(name, default)
        alive = np.flatnonzero(~ctx.failed)
        env = {name: value.take(alive) for name, value in values.items()}
        result, done = self.call(callee, ctx.idx[alive], env)
        data = np.zeros(ctx.n)
        data[alive] = result.data
        kind = result.kind
        if np.ndim(kind):
            full = np.full(ctx.n, FLOAT, dtype=np.int8)
            full[alive] = kind
            kind = full
        failed = np.ones(ctx.n, dtype=bool)
        failed[alive] = ~done
        ctx.failed |= failed
        return _Val(data, kind)


# --- a function of the file, ready to evaluate -------------------------------------------------------


def _number(value: _Val) -> float:
    number = float(value.data)
    return number


class _Program:
    """A checked function of a module, with the constants it reads."""

    def __init__(self, module: _Module, name: str) -> None:
        self.module = module
        self.checker = _Checker(module)
        binding = module.names.get(name)
        if not isinstance(binding, _Func):
            raise self.not_function(name, binding)
        try:
            self.main = self.checker.function(binding)
            self.constants = self.needed()
            self.default_constants = self.compute_constants({})
            for info in self.checker.infos.values():
                info.default_values = {
                    arg: self.constant_value(expr, info.binding.refs, info.name)
                    for arg, expr in info.defaults.items()
                }
        except _Refused as refused:
            raise self.checker.fail(refused) from None
        parameters = [
            Parameter(
                arg,
                _number(self.main.default_values[arg]) if arg in self.main.default_values else None,
                self.main.arg_lines[arg],
            )
            for arg in [*self.main.positional[1:], *self.main.keyword_only]
        ]
        own = {p.name for p in parameters}
        latest: dict[str, _Const] = {}
        for constant in self.constants:
            if constant.name not in own:
                latest[constant.name] = constant
        for constant in sorted(latest.values(), key=lambda b: b.line):
            default = _number(self.default_constants[constant])
            parameters.append(Parameter(constant.name, default, constant.line))
        self.parameters = tuple(parameters)

    def not_function(self, name: str, binding: _Binding | None) -> SpecError:
        path = self.module.path
        if binding is None:
            functions = self.module.functions()
            close = close_names(name, functions)
            if close:
                hint = f" (did you mean {' or '.join(close)}?)"
            elif functions:
                hint = f"; it has {', '.join(functions[:8])}{', …' if len(functions) > 8 else ''}"
            else:
                hint = ""
            return SpecError(f"{path} has no top-level function or lambda named {name}{hint}")
        if isinstance(binding, _Unfollowed):
            return SpecError(f"{path} line {binding.line}: {name} is {binding.what}")
        what = {
            _Const: "a value, not a function or lambda",
            _Math: "the module math",
            _MathMember: "a function of math, not of the file",
        }.get(type(binding), f"not a function or lambda lrviz reads ({getattr(binding, 'what', '')})")
        return SpecError(f"{path} line {binding.line}: {name} is {what}")

    def needed(self) -> list[_Const]:
        """The module constants the functions read, directly or through other constants, oldest first."""
        found: dict[int, _Const] = {}
        pending: list[_Binding] = [b for info in self.checker.infos.values() for b in info.reads.values()]
        while pending:
            item = pending.pop()
            if isinstance(item, _Const) and id(item) not in found:
                found[id(item)] = item
                pending.extend(ref for ref in item.refs.values() if ref is not None)
        return sorted(found.values(), key=lambda b: b.order)

    def compute_constants(
        self,
        values: Mapping[str, float],
        which: list[_Const] | None = None,
        known: dict[_Const, _Val] | None = None,
    ) -> dict[_Const, _Val]:
        """The values of the module constants ``which`` (those the functions read), in file order, with
        ``values`` replacing those they name."""
        constants: dict[_Const, _Val] = dict(known or {})
        run = _Run(self, np.zeros(1), constants, eager=True)
        evaluator = _Evaluator(run, self.checker)
        for constant in self.constants if which is None else which:
            if constant.name in values:
                constants[constant] = _given(values[constant.name])
                continue
            scope = _Scope(self.module, set(), constant.refs.get, constant.name)
            ctx = _Ctx(run, np.zeros(1, dtype=np.int64), _Env({}), scope, None)
            try:
                with np.errstate(all="ignore"):
                    value = evaluator.expr(ctx, constant.expr)
            except _Stop as stop:
                raise SpecError(f"{stop} (computing the module constant {constant.name})") from None
            constants[constant] = _Val(np.asarray(value.data).reshape(-1)[0], _simple_kind(value.kind))
        return constants

    def constant_value(self, expr: ast.expr, refs: dict[str, _Binding | None], owner: str) -> _Val:
        """A default value of a parameter, as the module had it when the function was defined."""
        constants = self.default_constants
        pending: list[_Binding] = [b for b in refs.values() if isinstance(b, _Const)]
        extra: dict[int, _Const] = {}
        while pending:
            item = pending.pop()
            if isinstance(item, _Const) and id(item) not in extra and item not in constants:
                extra[id(item)] = item
                pending.extend(r for r in item.refs.values() if r is not None)
        if extra:
            which = sorted(extra.values(), key=lambda b: b.order)
            constants = self.compute_constants({}, which, constants)
        run = _Run(self, np.zeros(1), constants, eager=True)
        scope = _Scope(self.module, set(), refs.get, owner)
        ctx = _Ctx(run, np.zeros(1, dtype=np.int64), _Env({}), scope, None)
        try:
            with np.errstate(all="ignore"):
                value = _Evaluator(run, self.checker).expr(ctx, expr)
        except _Stop as stop:
            raise SpecError(f"{stop} (computing a default of {owner})") from None
        return _Val(np.asarray(value.data).reshape(-1)[0], _simple_kind(value.kind))

    def evaluate(self, t: Floats, values: Mapping[str, float]) -> Floats:
        path = self.module.path
        known = {p.name: p for p in self.parameters}
        for key, value in values.items():
            if key not in known:
                close = close_names(key, known)
                hint = (
                    f" (did you mean {' or '.join(close)}?)"
                    if close
                    else (f"; it has {', '.join(known)}" if known else "; it has none")
                )
                raise SpecError(f"{path}: {self.main.name} has no parameter {key}{hint}")
            if not isinstance(value, (int, float, np.integer, np.floating)):
                raise SpecError(f"{path}: {self.main.name}'s {key} must be a number, not {value!r}")
        for parameter in self.parameters:
            if parameter.default is None and parameter.name not in values:
                raise SpecError(
                    f"{path} line {parameter.line}: {self.main.name} needs a value for its parameter "
                    f"{parameter.name}, which has no default"
                )
        own = set(self.main.positional[1:]) | set(self.main.keyword_only)
        constant_values = {k: v for k, v in values.items() if k not in own}
        constants = self.compute_constants(constant_values) if constant_values else self.default_constants
        shape = t.shape
        steps = t.reshape(-1)
        n = len(steps)
        run = _Run(self, steps, constants, eager=False)
        kind = INT if bool(np.all(np.floor(steps) == steps)) else FLOAT
        env: dict[str, _Val] = {self.main.step: _Val(steps, kind)}
        for arg in own:
            if arg in values:
                env[arg] = _given(values[arg], self.main.default_values.get(arg))
            else:
                env[arg] = self.main.default_values[arg]
        with np.errstate(all="ignore"):
            result, _done = _Evaluator(run, self.checker).call(self.main, np.arange(n), env)
        if run.error is not None:
            first, line, what, owner = run.error
            where = "" if owner == self.main.name else f" (in {owner})"
            raise SpecError(f"{path} line {line}: {what} at step {_step_text(float(steps[first]))}{where}")
        return result.data.reshape(shape)


def _given(value: float, like: _Val | None = None) -> _Val:
    if isinstance(value, bool):
        return _Val(float(value), BOOL)
    if isinstance(value, (int, np.integer)):
        return _Val(float(value), INT)
    number = float(value)
    whole = number.is_integer() and (like is None or np.all(_whole(like.kind)))
    return _Val(number, INT if whole else FLOAT)


def _step_text(step: float) -> str:
    return str(int(step)) if step.is_integer() else repr(step)
