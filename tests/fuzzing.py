"""Helpers of the fuzz tests (tests/test_fuzz.py): seeds, hostile values, mutations, generated specs,
and the contract every input is held to, within a time and a memory limit.

The contract (design.md): every input either gives a schedule or output, or an lrviz error
(:class:`lrviz.errors.LrvizError` from the library; exit status 2 and one line on standard error from
the command line), within a time limit. Any other exception, a warning that would reach a user, a hang
or a MemoryError is a failure.

Environment: ``LRVIZ_FUZZ_TIME_LIMIT`` (seconds an example may take, default 20) and
``LRVIZ_FUZZ_MEMORY_GB`` (address space an example may add to the process, default 4).
"""

from __future__ import annotations

import ast
import contextlib
import faulthandler
import math
import os
import re
import resource
import shlex
import signal
import warnings
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import lrviz
from lrviz.errors import LrvizError
from lrviz.language.catalogue import dialects, entries, find
from lrviz.language.functions import CONSTANTS, FUNCTIONS, RUN_CONSTANTS, VARIABLES
from lrviz.schedules import kinds
from lrviz.schedules.entry import Entry, Param

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

TIME_LIMIT = float(os.environ.get("LRVIZ_FUZZ_TIME_LIMIT", "20"))
"""Seconds one example may take: longer is a hang."""
MEMORY_MARGIN = int(float(os.environ.get("LRVIZ_FUZZ_MEMORY_GB", "4")) * 2**30)
"""Bytes of address space one example may add to the process (RLIMIT_AS while it runs)."""

SPEC_COMMANDS = ("plot", "table", "export", "check", "code")

# ---------------------------------------------------------------------------------------------------
# Seeds: every spec the README shows and every schedule's documented example


def _readme_specs(text: str) -> list[str]:
    """The spec arguments of the README's ``lrviz plot|table|export|check|code`` lines (quoted ones,
    and bare ones before the first option), the spec column of the grammar table, and inline code
    that looks like a schedule call."""
    found: list[str] = []
    for block in re.findall(r"```[\w-]*\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            command = re.match(rf"lrviz ({'|'.join(SPEC_COMMANDS)})\s(.*)", line)
            if command is None:
                continue
            rest = command.group(2)
            found += [double or single for double, single in re.findall(r'"([^"]*)"|\'([^\']*)\'', rest)]
            with contextlib.suppress(ValueError):
                for token in shlex.split(rest, comments=True):
                    if token.startswith("-"):
                        break
                    found.append(token)
    for block in re.findall(r"```(?:python|yaml)\n(.*?)```", text, re.S):
        found += re.findall(r"(?:evaluate|parse|scheduler|schedule)\(\s*['\"]([^'\"]+)['\"]", block)
        found += re.findall(r"^\s+(?:spec: )?[\w ()-]*?:? ?([a-z_]+\(.*?\))\s*(?:#.*)?$", block, re.M)
    table = re.search(r"\| you write \| it means \|\n\|[-|]+\|\n(.*?)\n\n", text, re.S)
    for row in table.group(1).splitlines() if table else []:
        found += re.findall(r"`([^`]+)`", row.strip("| ").split(" | ")[0])
    found += [code for code in re.findall(r"`([^`\n]+)`", text) if re.match(r"[\w.]+\(.*\)$", code)]
    return found


def _unique(texts: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t.strip()))


ENTRIES: list[Entry] = [e for d in ("", *dialects()) for e in entries(d)]
"""Every registered schedule: lrviz's own and every dialect's."""
README_SPECS = _unique(_readme_specs(README.read_text(encoding="utf-8")))
EXAMPLES = _unique([e.doc.example for e in ENTRIES if e.doc.example])
SEEDS = _unique([*README_SPECS, *EXAMPLES])
"""The specs mutated: all README specs and every documented example."""

# ---------------------------------------------------------------------------------------------------
# Vocabulary and hostile values, as spec text

NAMES = sorted(
    {
        *(e.name for e in ENTRIES),
        *FUNCTIONS,
        *VARIABLES,
        *CONSTANTS,
        *RUN_CONSTANTS,
        "optimizer",
        "self.optimizer",
        "nan",
        "inf",
        "NaN",
        "math.inf",
        "np.nan",
        "float",
        "__import__",
        "torch",
        "torch.optim.lr_scheduler.StepLR",
        "transformers.get_scheduler",
        "timm.scheduler.cosine_lr.CosineLRScheduler",
        "keras.optimizers.schedules.CosineDecay",
        "optax.schedules.cosine_decay",
        "epoch",
        "x",
        "lambda_",
    }
)
PARAM_NAMES = sorted({p.name for e in ENTRIES for p in e.params} | {"lr", "max_lr", "optimizer", "horizon"})
CHOICES = sorted({c for e in ENTRIES for p in e.params for c in p.choices if isinstance(c, str)})

EXTREME_NUMBERS = (
    "0", "-1", "1", "0.0", "-0.0", "1.0", "0.5", "2", "1.5",
    "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-5e-324", "2.2250738585072014e-308",
    "1e-320", "1e-400", "1e999", "-1e999", "1e999 - 1e999", "1e16", "1e19", "1e300 * 1e300",
    "2**64", "2**63", "-2**63", "2**63 - 1", "2**53 + 1", "2**1024", "2.0**1024", "2**-1075",
    "10**400", "-10**400", "10**4301", "9**9**9", "123456789012345678901234567890",
    "0x7fffffffffffffff", "0b1", "0o17", "1_000", "1.", ".5", "1j", "0.1j",
    "1/0", "0/0", "0**-1", "(-1)**0.5", "(-8)**(1/3)", "10**400 / 3", "10**400 // 3", "10**400 * 1.0",
    "nan", "inf", "-inf", "NaN", "float('nan')", "True", "False", "None",
    "t", "T", "E", "pi", "-t", "t - t", "1 / t", "log(t)", "t ** t", "exp(t)",
)  # fmt: skip
"""Number tokens at the edges: zero, signs, float64's extremes, big integers (``9**9**9`` has 370
million digits), literals Python reads oddly, and names that look like numbers."""

HUGE_INTS = ("10**9", "10**12", "10**14", "2**63", "2**64", "10**30", "10**400", "1e308", "1e19")

STRING_TEXTS = (
    "''", "'cosine'", "'linear'", "'cos'", "'triangular2'", "'exp_range'", "'1-sqrt'", "'min'", "'max'",
    "'rel'", "'abs'", "'reduce_lr_on_plateau'", "'x' * 3", "'\\x00'", "'\\udcff'", "'é'", "' cosine '",
    "'COSINE'", "\"'\"", "'" + "a" * 300 + "'", "'{0}'", "'%s'", "b'cosine'", "f'cosine'",
)  # fmt: skip


def long_list(count: int, item: str = "0") -> str:
    return "[" + ", ".join([item] * count) + "]"


def nested(depth: int, inner: str = "0.1", left: str = "[", right: str = "]") -> str:
    return left * depth + inner + right * depth


BIG_TEXTS = (
    long_list(100),
    long_list(1000),
    long_list(3000),
    long_list(4999),  # just under the 10,000 characters of a spec
    long_list(6000),  # over
    "[" + ", ".join(str(i) for i in range(2000)) + "]",
    "[" + ", ".join(f"({i}, 0.1)" for i in range(800)) + "]",
    "{" + ", ".join(f"{i}: 0.5" for i in range(1000)) + "}",
    "[" + ", ".join(str(10**i) for i in range(1, 300)) + "]",
    nested(50),
    nested(99),
    nested(101),
    nested(300),
    nested(2000),
    nested(200, "t", "(", ")"),
    nested(120, "0.1", "exp(", ")"),
    " + ".join(["t"] * 2000),
    " * ".join(["0.999"] * 3000),
    "-" * 500 + "1",
    " ** ".join(["1.0001"] * 200),
    "(" * 5000 + ")" * 5000,
)
"""Long literal lists (``[0] * n`` cannot be written: the grammar has no repetition), deep nesting and
long chains."""

OPERATORS = ("+", "-", "*", "/", "**", "%", "//", ">>")
COMPARISONS = ("<", "<=", ">", ">=", "==", "!=")
FOREIGN_OPERATORS = ("@", "&", "|", "^", "<<", "and", "or", "in", "is", "if", "not")

GRAMMAR_CHARS = "()[]{},.:;=+-*/%<>!~&|^@'\"\\#$` \t\n_"
ODD_CHARS = (
    "\x00", "\r", "\x0b", "\x0c", "\x1b", "\x7f", "\u0085", "\u00a0", "\u2028", "\u2212", "\u2009",
    "\u200b", "\ufeff", "\u202e", "\uff10", "\uff08", "\u0663", "\u00b2", "\u2167", "\u212f",
    "\U0001d461", "\ufb01", "\u00e9", "e\u0301", "\U0001f600", "\udcff", "\ud800", "\uffff",
)  # fmt: skip
CHARS = st.one_of(
    st.sampled_from(GRAMMAR_CHARS),
    st.sampled_from("0123456789"),
    st.sampled_from("tTEejxXbBoOnaLR"),
    st.sampled_from(ODD_CHARS),
    st.characters(),
)
"""A character to insert: the grammar's, digits, letters that mean something, odd unicode (NUL,
line separators, a lone surrogate, full-width digits, characters NFKC folds to ASCII) and any."""

TEXT_ODDITIES = (
    "", " ", "\t", "\n", "x", "é", "\u2212" + "1", "\uff11", "\u0663", "\udcff", "\U0001f600", "a" * 10_000,
    "a" * 100_000, "%s%n", "{0}", "[bold]x[/]", "[/]", "\x1b[31m", "$(echo x)", "nan", "inf", "None",
    "-1", "0", "1e308", "10**14", "9**9**9", "--steps", "-", "--",
)  # fmt: skip
"""Text values for options and config keys that expect text: empty, control characters, markup
(rich's, a shell's), very long."""

# ---------------------------------------------------------------------------------------------------
# Mutations of spec text

_TOKEN = re.compile(
    r"(?P<number>0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?)"
    r"|(?P<name>[^\W\d]\w*(?:\.[^\W\d]\w*)*)"
    r"|(?P<string>'[^'\n]*'|\"[^\"\n]*\")"
    r"|(?P<op>\*\*|//|>>|<=|>=|==|!=|[-+*/%<>(),\[\]{}:=])"
)


@st.composite
def char_edited(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few characters inserted, deleted, replaced or repeated."""
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(("insert", "delete", "replace", "repeat")))
        at = draw(st.integers(0, len(text)))
        if edit == "insert" or not text:
            text = text[:at] + draw(CHARS) + text[at:]
            continue
        at = min(at, len(text) - 1)
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "replace":
            text = text[:at] + draw(CHARS) + text[at + 1 :]
        else:
            end = draw(st.integers(at, min(len(text), at + 12)))
            text = text[:end] + text[at:end] * draw(st.integers(1, 30)) + text[end:]
    return text


def _replacement(kind: str) -> st.SearchStrategy[str]:
    if kind == "number":
        return st.one_of(st.sampled_from(EXTREME_NUMBERS), st.sampled_from(HUGE_INTS))
    if kind == "name":
        return st.one_of(st.sampled_from(NAMES), st.sampled_from(PARAM_NAMES))
    if kind == "string":
        return st.one_of(st.sampled_from(STRING_TEXTS), st.sampled_from(CHOICES).map(repr))
    return st.one_of(st.sampled_from(OPERATORS), st.sampled_from(COMPARISONS), st.sampled_from("()[]{},:="))


@st.composite
def token_edited(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few tokens replaced (a number by an extreme, a name by another registered name,
    a string by another choice), deleted, duplicated, or replaced by a long list or deep nesting."""
    for _ in range(draw(st.integers(1, 3))):
        tokens = list(_TOKEN.finditer(text))
        if not tokens:
            return text
        token = draw(st.sampled_from(tokens))
        kind = token.lastgroup or "op"
        edit = draw(st.sampled_from(("replace", "replace", "replace", "delete", "duplicate", "big")))
        start, end = token.span()
        if edit == "replace":
            new = draw(_replacement(kind))
        elif edit == "delete":
            new = ""
        elif edit == "duplicate":
            new = token.group() + draw(st.sampled_from((", ", " ", ""))) + token.group()
        else:
            new = draw(st.sampled_from(BIG_TEXTS))
        text = text[:start] + new + text[end:]
    return text


def _expression(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _parsable(texts: Sequence[str]) -> list[str]:
    good = []
    for text in texts:
        with contextlib.suppress(SyntaxError, ValueError, MemoryError, RecursionError):
            _expression(text)
            good.append(text)
    return good


VALUE_TEXTS = _parsable([*EXTREME_NUMBERS, *HUGE_INTS, *STRING_TEXTS, *BIG_TEXTS[:9]])
"""Replacements that are themselves expressions (for edits of the syntax tree)."""


def _entry_of(call: ast.Call) -> Entry | None:
    try:
        return find(ast.unparse(call.func))
    except (ValueError, RecursionError):
        return None


class _Replace(ast.NodeTransformer):
    """Replace the node ``target`` by ``new``."""

    def __init__(self, target: ast.AST, new: ast.expr) -> None:
        self.target = target
        self.new = new

    def visit(self, node: ast.AST) -> Any:
        if node is self.target:
            return self.new
        return self.generic_visit(node)


@st.composite
def ast_edited(draw: st.DrawFn, text: str) -> str:
    """``text`` edited as a syntax tree: an argument dropped, duplicated or swapped, a keyword added
    (a parameter of any schedule, with an extreme value) or given twice, a name swapped for another
    registered one, a node replaced by an extreme value or wrapped."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return text
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.expr)]
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    edit = draw(
        st.sampled_from(
            (
                "drop",
                "duplicate",
                "swap",
                "keyword",
                "keyword twice",
                "rename",
                "replace",
                "wrap",
                "param",
                "param",
            )
        )
    )
    known = [(c, e) for c in calls if (e := _entry_of(c)) is not None and e.params]
    if edit == "param" and known:
        call, entry = draw(st.sampled_from(known))
        param = draw(st.sampled_from([p for p in entry.params if not p.variadic] or list(entry.params)))
        try:
            value = _expression(draw(kind_texts(param, st.sampled_from(SEEDS))))
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return text
        call.keywords = [k for k in call.keywords if k.arg != param.name] + [
            ast.keyword(arg=param.name, value=value)
        ]
        positional = [p for p in entry.params if not p.keyword_only and not p.variadic]
        at = next((i for i, p in enumerate(positional) if p.name == param.name), None)
        skip = (
            1
            if entry.optimizer_at is not None
            and call.args
            and isinstance(call.args[0], ast.Name | ast.Attribute)
            else 0
        )
        if at is not None and at + skip < len(call.args):
            call.keywords.pop()
            call.args[at + skip] = value
    elif edit in ("drop", "duplicate", "swap", "keyword", "keyword twice", "rename") and calls:
        call = draw(st.sampled_from(calls))
        arguments: list[Any] = [*call.args, *call.keywords]
        if edit == "drop" and arguments:
            gone = draw(st.sampled_from(arguments))
            call.args = [a for a in call.args if a is not gone]
            call.keywords = [k for k in call.keywords if k is not gone]
        elif edit == "duplicate" and arguments:
            again = draw(st.sampled_from(arguments))
            if isinstance(again, ast.keyword):
                call.keywords.append(again)
            else:
                call.args.append(again)
        elif edit == "swap" and len(call.args) > 1:
            call.args = draw(st.permutations(call.args))
        elif edit in ("keyword", "keyword twice"):
            name = draw(st.sampled_from(PARAM_NAMES))
            value = _expression(draw(st.sampled_from(VALUE_TEXTS)))
            call.keywords.append(ast.keyword(arg=name, value=value))
            if edit == "keyword twice":
                call.keywords.append(ast.keyword(arg=name, value=value))
        elif edit == "rename":
            call.func = _expression(draw(st.sampled_from(NAMES)))
    elif edit in ("replace", "wrap") or not calls:
        node = draw(st.sampled_from(nodes))
        if edit == "wrap":
            template = draw(st.sampled_from(WRAPPERS))
            other = draw(st.sampled_from(SEEDS))
            number = draw(st.sampled_from(EXTREME_NUMBERS[:12] + HUGE_INTS))
            try:
                new = _expression(template.format(x=ast.unparse(node), y=other, n=number))
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                return text
        else:
            new = _expression(draw(st.sampled_from(VALUE_TEXTS)))
        try:
            tree = _Replace(node, new).visit(tree)
        except RecursionError:
            return text
    try:
        ast.fix_missing_locations(tree)
        return ast.unparse(tree)
    except (ValueError, RecursionError):  # a very deep tree
        return text


WRAPPERS = (
    "({x}) >> ({y})",
    "linear(0, 0.1, steps=5) >> ({x})",
    "({x}) >> cosine(0.1)",
    "seq({x}, {y}, at=[{n}])",
    "seq({x}, {y}, at=[5, {n}])",
    "seq({x}, at=[])",
    "seq({x}, {y})",
    "warmup({x}, 5)",
    "warmup({x}, {n})",
    "warmup({x}, 0.5, warmup_start={n})",
    "restarts({x})",
    "restarts({x}, period={n})",
    "restarts({x}, period=1, mult=2, decay=0.5)",
    "0.5 * ({x})",
    "({x}) + ({y})",
    "({x}) - ({y})",
    "({x}) * ({y})",
    "({x}) / ({y})",
    "({x}) ** ({y})",
    "({x}) % ({y})",
    "({x}) // ({y})",
    "({x}) ** {n}",
    "({x}) * {n}",
    "({x}) / {n}",
    "{n} ** ({x})",
    "-({x})",
    "exp({x})",
    "log({x})",
    "sqrt({x})",
    "floor({x})",
    "clip({x}, 0, {n})",
    "minimum({x}, {y})",
    "where(t < {n}, {x}, {y})",
    "({x}) < ({y})",
    "({x}) == ({y}) != ({x})",
    "torch.LambdaLR(optimizer, lr_lambda=lambda epoch: {x}, lr=0.1)",
    "torch.MultiplicativeLR(optimizer, lr_lambda=lambda epoch: {x}, lr=0.1)",
    "torch.SequentialLR(optimizer, schedulers=[{x}, {y}], milestones=[{n}], lr=0.1)",
    "torch.ChainedScheduler([{x}, {y}], lr=1)",
    "torch.CyclicLR(optimizer, 0.001, 0.1, scale_fn=lambda x: {x})",
    "optax.join_schedules([{x}, {y}], [{n}])",
    "({x}, {y})",
    "[{x}]",
    "{{0: {x}}}",
)
"""Ways to wrap a spec ``x`` (with another spec ``y`` and an extreme number ``n``): sequencing,
warm-up, restarts, arithmetic, math functions, framework compositions, containers."""


@st.composite
def wrapped(draw: st.DrawFn, text: str) -> str:
    template = draw(st.sampled_from(WRAPPERS))
    other = draw(st.sampled_from(SEEDS))
    return template.format(x=text, y=other, n=draw(st.sampled_from(EXTREME_NUMBERS + HUGE_INTS)))


@st.composite
def mutated_specs(draw: st.DrawFn, seeds: Sequence[str] = SEEDS) -> str:
    """A README spec or documented example after one to three rounds of character, token, tree or
    wrapping edits."""
    text = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(("char", "token", "token", "tree", "tree", "tree", "wrap", "wrap")))
        if how == "char":
            text = draw(char_edited(text))
        elif how == "token":
            text = draw(token_edited(text))
        elif how == "tree":
            text = draw(ast_edited(text))
        else:
            text = draw(wrapped(text))
    return text


# ---------------------------------------------------------------------------------------------------
# Specs generated within the grammar

FLOAT_EXTREMES = st.sampled_from(
    (0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 1e300, 1.7976931348623157e308, -1e308)
)
INT_EXTREMES = st.sampled_from((0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, 10**400))


def number_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-3, 100).map(str),
        st.floats(-10, 10, allow_nan=False).map(repr),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        FLOAT_EXTREMES.map(repr),
        INT_EXTREMES.map(str),
        st.sampled_from(EXTREME_NUMBERS[:40]),
    )


def small_int_texts(low: int = 0, high: int = 60) -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(low, high).map(str),
        st.integers(low, high).map(lambda n: f"{float(n)!r}"),
        st.sampled_from(("0", "-1", "1", "1.5", "0.5", "0.999", "1e-9")),
        st.sampled_from(HUGE_INTS),
    )


def _listed(items: st.SearchStrategy[str], brackets: str = "[]", max_size: int = 6) -> st.SearchStrategy[str]:
    return st.lists(items, max_size=max_size).map(lambda xs: brackets[0] + ", ".join(xs) + brackets[1])


def _pairs(
    keys: st.SearchStrategy[str], values: st.SearchStrategy[str], max_size: int = 5
) -> st.SearchStrategy[str]:
    item = st.tuples(keys, values).map(lambda p: f"{p[0]}: {p[1]}")
    return _listed(item, "{}", max_size=max_size)


def _increasing(low: int, high: int, max_size: int = 6) -> st.SearchStrategy[str]:
    return st.lists(st.integers(low, high), max_size=max_size, unique=True).map(lambda xs: str(sorted(xs)))


_BIG_STEPS = (
    "10**6",
    "10**9",
    "10**12",
    "2**53",
    "2**63 - 1",
    "2**63",
    "2**64",
    "10**30",
    "1e300",
    "1e308",
    "1e16",
)
_TINY = ("5e-324", "1e-300", "2.2250738585072014e-308", "1e-16")
_HUGE_FINITE = (
    "1e300",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "2**63",
    "2**64",
    "10**30",
    "1e16",
)


def _tiers(
    typical: st.SearchStrategy[str], extreme: Sequence[str], invalid: Sequence[str]
) -> st.SearchStrategy[str]:
    """Mostly a typical value (so that one edge at a time reaches the schedule's numbers), often a
    valid one at the kind's edges, sometimes an invalid one."""
    return st.integers(0, 19).flatmap(
        lambda n: typical if n < 12 else st.sampled_from(extreme) if n < 18 else st.sampled_from(invalid)
    )


_NOT_NUMBERS = ("10**400", "1e999", "'0.1'", "[0.1]", "None", "True", "(0.1,)", "{0: 1}", "nan", "0.1j")


def kind_texts(param: Param, schedules: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values for a parameter, as text: of the kind it declares (typical, or valid at its edges:
    tiny and huge numbers, steps up to 2**64 and 10**30, long lists), or not."""
    extreme: tuple[str, ...]
    invalid: tuple[str, ...]
    if param.is_schedule:
        lambdas = schedules.map(lambda s: f"lambda epoch: {s}")
        if param.many:
            return _listed(st.one_of(schedules, lambdas), max_size=4)
        return st.one_of(schedules, lambdas)
    if param.choices:
        return _tiers(st.sampled_from(param.choices).map(repr), STRING_TEXTS, STRING_TEXTS)
    if param.is_flag:
        return _tiers(st.sampled_from(("True", "False")), ("True", "False"), ("0", "1", "None", "'True'"))
    kind = param.kind
    rates = st.one_of(
        st.sampled_from(("0.1", "1e-3", "3e-4", "0.5", "1", "0", "1.0", "2")), st.floats(0, 1).map(repr)
    )
    steps = st.integers(1, 60).map(str)
    if kind in (kinds.RATE, kinds.NUMBER):
        return _tiers(rates, ("0", "-0.0", "-1", *_TINY, *_HUGE_FINITE), _NOT_NUMBERS)
    if kind is kinds.FACTOR:
        return _tiers(
            rates.filter(lambda r: float(r) > 0),
            (*_TINY, *_HUGE_FINITE[:2], "2**64"),
            ("0", "-1", *_NOT_NUMBERS),
        )
    if kind is kinds.MULTIPLIER:
        return _tiers(
            st.sampled_from(("1", "2", "1.5", "3")),
            ("1e300", "1.7976931348623157e308", "2**63", "1.0000000000000002"),
            ("0.5", "0", *_NOT_NUMBERS),
        )
    if kind is kinds.STEPS:
        return _tiers(steps, _BIG_STEPS, ("0", "-1", "1.5", "0.5", *_NOT_NUMBERS))
    if kind in (kinds.COUNT, kinds.INTEGER):
        negative = ("-1", "-(2**63)", "-10**30") if kind is kinds.INTEGER else ()
        return _tiers(
            st.integers(0, 30).map(str), ("0", *negative, *_BIG_STEPS), ("-1", "1.5", *_NOT_NUMBERS)
        )
    if kind is kinds.LAST_EPOCH:
        return _tiers(st.just("-1"), ("-1", "-1.0"), ("0", "5", "-2", *_NOT_NUMBERS))
    if kind is kinds.OPEN_FRACTION:
        return _tiers(
            st.floats(0.05, 0.95).map(repr),
            ("5e-324", "1e-300", "0.9999999999999999"),
            ("0", "1", "-0.5", *_NOT_NUMBERS),
        )
    if kind in (kinds.WARMUP, kinds.STEPS_OR_FRACTION):
        typical = st.one_of(
            st.integers(0, 20).map(str), st.floats(0.01, 0.9).map(lambda f: repr(round(f, 3)))
        )
        return _tiers(
            typical, ("5e-324", "0.9999999999999999", "1.0", "1", *_BIG_STEPS), ("-1", "1.5", *_NOT_NUMBERS)
        )
    if kind in (kinds.MILESTONES, kinds.WHOLE_STEPS):
        extreme = (
            "[]",
            "[0]",
            "[0, 1, 2, 3]",
            "[10**12]",
            "[2**63]",
            "[2**64]",
            "[1, 10**30]",
            "[1e308]",
            BIG_TEXTS[5],
        )
        invalid = ("[5, 3]", "[3, 3]", "[-1]", "[1.5]", "5", "[[1]]", "(1, 2)", "{1: 2}", BIG_TEXTS[0])
        return _tiers(_increasing(0, 60), extreme, invalid)
    if kind is kinds.NUMBERS:
        extreme = ("[1e308, -1e308]", "[5e-324]", "[0]", "[2**64]", BIG_TEXTS[1], BIG_TEXTS[8])
        return _tiers(
            _listed(rates, max_size=6), extreme, ("[]", "[nan]", "[10**400]", "0.1", "['a']", BIG_TEXTS[4])
        )
    if kind is kinds.POINTS:
        pair = st.tuples(steps, rates).map(lambda p: f"({p[0]}, {p[1]})")
        extreme = (
            "[(0, 0.1)]",
            "[(0, 1e308), (1, -1e308)]",
            "[(0, 0.1), (10**12, 0.2)]",
            "[(0, 0), (2**64, 1)]",
            "{0: 0.1, 1e300: 0.2}",
            "[(0, 0.1), (5e-324, 0.2)]",
            BIG_TEXTS[6],
        )
        invalid = (
            "[]",
            "[(1, 0.1), (0, 0.2)]",
            "[(0, 0.1, 3)]",
            "[(-1, 0.1)]",
            "{[0]: 0.1}",
            "[0.1]",
            "{(0, 1): 2}",
        )
        return _tiers(st.one_of(_listed(pair, max_size=5), _pairs(steps, rates)), extreme, invalid)
    if kind is kinds.STEP_FACTORS:
        extreme = (
            "{}",
            "{0: 5e-324}",
            "{10**12: 1e300}",
            "{2**63: 2}",
            "{1: 0, 2: -1}",
            "{1: 1e308, 2: 1e308}",
            BIG_TEXTS[7],
        )
        return _tiers(_pairs(steps, rates), extreme, ("{0.5: 1}", "{-1: 2}", "[1]", "{'a': 1}", "{1: 'a'}"))
    if kind is kinds.DICTS:
        keys = st.sampled_from(
            ("init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent")
        )
        values = st.one_of(
            steps, rates, st.sampled_from((*_BIG_STEPS, *_TINY, "0", "-1", "'a'", "cosine(0.1)"))
        )
        return _listed(_pairs(keys.map(repr), values, max_size=6), max_size=4)
    if kind is kinds.MAPPING:
        names = st.sampled_from(PARAM_NAMES).map(repr)
        return _pairs(names, st.one_of(steps, rates, st.sampled_from((*_BIG_STEPS, *STRING_TEXTS[:5]))))
    if kind is kinds.TEXT:
        return st.sampled_from(STRING_TEXTS)
    return st.one_of(number_texts(), st.sampled_from(STRING_TEXTS), st.sampled_from(VALUE_TEXTS))


def any_value_texts(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A value of any type: numbers, strings, booleans, None, lists, tuples, dicts, schedules."""
    return st.one_of(
        number_texts(),
        st.sampled_from(STRING_TEXTS),
        st.sampled_from(("True", "False", "None")),
        _listed(children, max_size=4),
        _listed(children, "()", max_size=4).map(
            lambda s: s[:-1] + ",)" if s.count(",") == 0 and s != "()" else s
        ),
        _listed(st.tuples(children, children).map(lambda p: f"{p[0]}: {p[1]}"), "{}", max_size=3),
        children,
    )


@st.composite
def schedule_calls(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    """A registered schedule (lrviz's own or a dialect's), bare or called with parameters drawn by
    kind, from every type, or nested schedules; positional where the signature allows it."""
    entry = draw(st.sampled_from(ENTRIES))
    if draw(st.integers(0, 9)) == 0:
        return entry.name
    positional: list[str] = []
    keywords: list[str] = []
    if entry.optimizer_at is not None and draw(st.booleans()):
        positional.append(
            draw(st.sampled_from(("optimizer", "opt", "self.optimizer", "optimizer.param_groups")))
        )
    in_order = True
    for param in entry.params:
        if param.variadic:
            positional += draw(st.lists(children, max_size=4))
            continue
        wanted = 0.95 if param.required or (param.name == "lr" and entry.dialect) else 0.3
        if not draw(st.floats(0, 1)) < wanted:
            in_order = False
            continue
        how = draw(st.integers(0, 19))
        value = draw(kind_texts(param, children) if how else any_value_texts(children))
        if in_order and not param.keyword_only and draw(st.integers(0, 3)) > 0:
            positional.append(value)
        else:
            in_order = False
            keywords.append(f"{param.name}={value}")
    extra = draw(st.integers(0, 14))
    if extra == 0:
        keywords.append(f"{draw(st.sampled_from(PARAM_NAMES))}={draw(any_value_texts(children))}")
    elif extra == 1 and keywords:
        keywords.append(draw(st.sampled_from(keywords)))
    elif extra == 2:
        positional.append(draw(any_value_texts(children)))
    return f"{entry.name}({', '.join(positional + keywords)})"


@st.composite
def _math(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    name = draw(st.sampled_from(sorted(FUNCTIONS)))
    arity = FUNCTIONS[name][1] if draw(st.integers(0, 9)) else draw(st.integers(0, 4))
    return f"{name}({', '.join(draw(st.lists(children, min_size=arity, max_size=arity)))})"


def _joined(children: st.SearchStrategy[str], symbols: Sequence[str]) -> st.SearchStrategy[str]:
    return st.tuples(children, st.sampled_from(symbols), children).map(lambda p: f"({p[0]}) {p[1]} ({p[2]})")


def trees(max_leaves: int = 14) -> st.SearchStrategy[str]:
    """Spec text generated within the grammar: schedules called with drawn parameters, arithmetic,
    comparisons, math functions, ``>>`` and ``seq(…, at=[…])``, lambdas, over numbers at float64's
    edges, ``t``, ``T``, ``E`` and ``pi``."""
    leaves = st.one_of(
        number_texts(),
        number_texts(),
        st.sampled_from(("t", "T", "E", "pi", "t", "T", "t + 1", "0.1")),
        st.sampled_from([e.name for e in ENTRIES]),
    )

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            schedule_calls(children),
            schedule_calls(children),
            schedule_calls(children),
            schedule_calls(children),
            _joined(children, OPERATORS),
            _joined(children, COMPARISONS),
            children.map(lambda c: f"-({c})"),
            _math(children),
            st.tuples(
                st.lists(children, min_size=1, max_size=4), _listed(small_int_texts(0, 60), max_size=4)
            ).map(lambda p: f"seq({', '.join(p[0])}, at={p[1]})"),
            st.tuples(children, children, children).map(lambda p: f"({p[0]}) < ({p[1]}) <= ({p[2]})"),
            children.map(lambda c: f"(lambda x: {c})"),
        )

    return st.recursive(leaves, extend, max_leaves=max_leaves)


# ---------------------------------------------------------------------------------------------------
# Hostile Python values (for the library's keyword options, steps, dtype and metric)


class _Weird:
    """An object that is none of the things lrviz expects, though it converts to a float: NaN."""

    def __repr__(self) -> str:
        return "<weird>"

    def __float__(self) -> float:
        return math.nan


def hostile_objects() -> st.SearchStrategy[Any]:
    specs = st.sampled_from(("cosine(0.1)", "t", "linear(0, 0.1, steps=5)")).map(lrviz.parse)
    plain = st.sampled_from(
        (
            0, -1, 1, 7, 2**31, 2**63, 2**64, 10**30, 10**400, -(10**400),
            0.0, -0.0, 0.1, 0.5, 1.5, 5e-324, 1e308, -1e308, math.nan, math.inf, -math.inf,
            True, False, None, "", "0.1", "cosine", "nan", "x" * 100_000,
            (), (0, 1), (0.1, 0.2), {}, {0: 0.1}, {"a": 1}, {0.1: 1}, frozenset({1}), range(3),
            b"0.1", bytearray(b"1"), 1j, Fraction(1, 3), Decimal("0.1"), Decimal("nan"),
            np.float64(math.nan), np.float64(0.1), np.float32(0.1), np.float16(65504), np.int64(5),
            np.int64(-(2**63)), np.uint64(2**64 - 1), np.int8(-128), np.bool_(True), np.array(0.1),
            np.array([1.0, 2.0]), np.array([[1.0]]), np.array(["a"]), np.array([], dtype=np.float64),
            np.datetime64("2001-01-01"), _Weird(),
        )
    )  # fmt: skip
    lists = st.lists(st.one_of(st.integers(-5, 100), st.floats(), st.none(), st.text(max_size=3)), max_size=8)
    return st.one_of(plain, lists, st.floats(), st.integers(), st.text(max_size=20), specs)


HOSTILE_STEPS: tuple[Any, ...] = (
    0, -1, 10**30, 1.5, True, False, "x", "50", None, 2**63, 2**64, 10**14, 10**9,
    np.int64(50), np.int64(2**62), np.int32(-5), np.uint64(2**64 - 1), np.uint8(255), np.float64(5.0),
    5.0, math.nan, math.inf, [50], (50,), Decimal(50), Fraction(50), 1j, _Weird(),
)  # fmt: skip
"""Run lengths that are no length, or far too long: each must be refused, quickly."""

# ---------------------------------------------------------------------------------------------------
# The limits an example runs within


def _hang(seconds: float, what: str) -> Callable[[int, Any], None]:
    def handler(signum: int, frame: Any) -> None:
        pytest.fail(f"hang: {what} took more than {seconds:g} s", pytrace=False)

    return handler


def _address_space() -> int:
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def memory_limit(margin: int = MEMORY_MARGIN) -> Iterator[None]:
    """Let the process grow by at most ``margin`` bytes of address space (an allocation past it is a
    MemoryError, a failure, rather than the machine's memory taken)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    current = _address_space()
    if not current or margin <= 0:
        yield
        return
    limit = current + margin
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Fail with ``hang: …`` when the body takes more than ``seconds`` (SIGALRM, raised wherever the
    interpreter next checks for signals); as a last resort, when even that cannot interrupt it (a C loop
    that never checks), dump every thread's stack and exit."""
    previous = signal.signal(signal.SIGALRM, _hang(seconds, what))
    with contextlib.suppress(ValueError, OSError):  # no standard error to write to
        faulthandler.dump_traceback_later(seconds * 3 + 30, exit=True, file=2)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)


QUIET_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
"""Warnings a user never sees (Python hides them outside ``__main__``)."""


@contextlib.contextmanager
def contract(what: str, seconds: float = TIME_LIMIT) -> Iterator[None]:
    """Run the body within the time and memory limits; fail if a warning a user would see on standard
    error (numpy's overflow, matplotlib's, …) escapes it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with memory_limit(), time_limit(seconds, what):
                yield
        except LrvizError:
            _no_warnings(caught, what)
            raise
        _no_warnings(caught, what)


def _no_warnings(caught: list[warnings.WarningMessage], what: str) -> None:
    shown = [w for w in caught if not issubclass(w.category, QUIET_WARNINGS)]
    if shown:
        w = shown[0]
        where = f"{w.filename}:{w.lineno}"
        pytest.fail(f"a warning reaches the user: {w.category.__name__} at {where}: {w.message} ({what})")


# ---------------------------------------------------------------------------------------------------
# The contract


def check_values(values: Any, steps: int, what: str, dtype: type[np.floating[Any]] = np.float64) -> None:
    assert isinstance(values, np.ndarray), f"{what}: gave {type(values).__name__}, not an array"
    assert values.dtype == dtype, f"{what}: gave {values.dtype}, not {np.dtype(dtype)}"
    assert values.shape == (steps,), f"{what}: gave shape {values.shape}, not ({steps},)"
    bad = ~np.isfinite(values)
    assert not bad.any(), f"{what}: gave {values[bad][0]} at step {int(np.argmax(bad))}"


def check_error(error: LrvizError, what: str) -> None:
    """An lrviz error has a message that can be shown: text, not empty."""
    message = str(error)
    assert message.strip(), f"{what}: {type(error).__name__} with an empty message"


def evaluates(spec: Any, steps: Any = 50, what: str = "", /, **options: Any) -> np.ndarray | None:
    """``lrviz.evaluate(spec, steps, **options)`` holds to the contract: float64 values of shape
    ``(steps,)``, all finite, or an LrvizError. Returns the values, if any."""
    what = what or f"evaluate({spec!r:.300}, {steps!r:.40}{', **' + repr(options)[:200] if options else ''})"
    try:
        with contract(what):
            values = lrviz.evaluate(spec, steps, **options)
    except LrvizError as error:
        check_error(error, what)
        return None
    assert not isinstance(steps, bool), f"{what}: accepted steps={steps!r}"
    assert isinstance(steps, int | np.integer), f"{what}: accepted steps={steps!r}"
    at = options.get("at")
    if at is not None:  # the rates at chosen steps
        assert all(isinstance(a, int | np.integer) and not isinstance(a, bool) for a in at), (
            f"{what}: accepted"
        )
        assert all(-int(steps) <= a < steps for a in at), f"{what}: accepted steps outside the run"
    dtype = options.get("dtype", "float64")
    float32 = isinstance(dtype, str) and dtype == "float32"
    check_values(
        values, len(at) if at is not None else int(steps), what, np.float32 if float32 else np.float64
    )
    return values


def parses_and_evaluates(text: str, steps: int = 50, metric: Any = None) -> None:
    """``lrviz.parse`` then ``lrviz.evaluate`` hold to the contract; a spec that parses also renders to
    text that parses, and evaluates the same."""
    what = f"parse({text!r:.400})"
    try:
        with contract(what):
            spec = lrviz.parse(text)
            rendered = spec.render()
            again = lrviz.parse(rendered)
    except LrvizError as error:
        check_error(error, what)
        return
    assert isinstance(rendered, str)
    first = evaluates(spec, steps, f"evaluate({text!r:.400}, {steps})", metric=metric)
    second = evaluates(again, steps, f"evaluate({rendered!r:.400}, {steps}) (rendered)", metric=metric)
    if first is not None:
        assert second is not None, f"{text!r} evaluates but its rendering {rendered!r} does not"
        np.testing.assert_array_equal(first, second, err_msg=f"{text!r} rendered as {rendered!r}")


def command_line(args: Sequence[str]) -> str:
    return "lrviz " + " ".join(shlex.quote(a) for a in args)[:600]


def check_exit(args: Sequence[str], code: int, out: str, err: str, written: Path | None = None) -> None:
    """What the command line may do with any input: exit 0, or 2 with one line on standard error
    (``note:`` lines may precede it), 1 only for ``check``'s findings or a failed write; never a
    traceback; and exit 0 with ``-o`` leaves the file."""
    what = command_line(args)
    command = next((a for a in args if not a.startswith("-")), "")
    allowed = {0, 2}
    if command == "check" or (written is not None and command in ("plot", "export", "compare")):
        allowed.add(1)
    assert code in allowed, f"{what}: exit status {code}\nstderr: {err[:2000]}"
    for name, stream in (("stdout", out), ("stderr", err)):
        assert "Traceback" not in stream, f"{what}: a traceback on {name}:\n{stream[-3000:]}"
    assert "internal error" not in err, f"{what}: {err[-2000:]}"
    if code == 2:
        lines = [line for line in err.splitlines() if not line.startswith("note:")]
        assert len(lines) == 1, f"{what}: exit status 2 with {len(lines)} lines on stderr:\n{err[:3000]}"
        assert lines[0].startswith("lrviz"), (
            f"{what}: the error does not start with 'lrviz': {lines[0][:300]}"
        )
    asks_help = any(a in ("--help", "-h") for a in args)
    if code == 0 and written is not None and command in ("plot", "export") and not asks_help:
        assert written.exists(), f"{what}: exit status 0 but {written} was not written"
    if code == 0 and command == "code" and not asks_help:
        try:
            ast.parse(out)
        except SyntaxError as error:
            pytest.fail(f"{what}: the code written is not Python: {error}\n{out[:2000]}")
