"""What a schedule is: a vectorized function whose signature and docstring are its metadata
(``lrviz list``, ``lrviz describe``, the README table and error messages all come from here).

A schedule function takes the local steps ``t`` (0, 1, 2, … on its part's clock) first and its
parameters after it, each annotated with a kind from :mod:`lrviz.schedules.kinds`; it returns the rate
at every step. A parameter named ``steps`` that defaults to ``None`` is the schedule's horizon: left
out, it is what remains of the run. :func:`schedule` makes a function's :class:`Entry` and keeps it on
the function; the catalogue (:mod:`lrviz.language.catalogue`) collects the entries of the modules it
reads.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from lrviz.clock.grid import Time
from lrviz.clock.ramps import COOLDOWN_SHAPES, WARMUP_MODES, WARMUP_SHAPES
from lrviz.errors import close_names
from lrviz.limits import excerpt
from lrviz.schedules.kinds import FACTOR, RATE, WARMUP, Invalid, Kind, flag

Values = npt.NDArray[np.float64]
"""Rates (or steps): a float64 array."""


FREQUENCIES = ("stepwise", "continuous", "cyclic", "feedback", "composite")
"""The source article's first criterion: how often the rate changes."""


class Schedule(Protocol):
    """What a combinator receives for a schedule argument: a parsed spec it can evaluate, whose parts
    it can walk and whose parameters it can set."""

    source: str

    @property
    def length(self) -> int | None: ...

    def evaluate(self, t: Time, horizon: int) -> Values: ...

    def walk(self) -> Iterator[Any]: ...

    def with_params(self, overrides: Mapping[str, Any], fill: bool = False) -> tuple[Any, set[str]]: ...


class Function(Schedule, Protocol):
    """What a framework takes as a function of the step (PyTorch's ``lr_lambda``, ``scale_fn``): a
    schedule, but never a bare number, which the framework refuses as not callable."""


@dataclass(frozen=True)
class Param:
    """One parameter of a schedule, as its signature and docstring declare it."""

    name: str
    default: Any
    required: bool
    kind: Kind | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False
    is_flag: bool = False
    is_schedule: bool = False
    function: bool = False
    """A schedule that must be a function of the step: a bare number is refused."""
    variadic: bool = False
    many: bool = False
    keyword_only: bool = False
    generic: bool = False
    description: str = ""
    shown_default: str = ""
    """The default as listings show it, where ``default`` is ``None`` for a reason (a constant a
    training script computes from others: left out, it is computed)."""

    @property
    def unit(self) -> str:
        if self.is_schedule:
            return "schedule"
        if self.choices:
            return " | ".join(repr(c) for c in self.choices)
        if self.is_flag:
            return "True | False"
        return self.kind.unit if self.kind else ""

    def check(self, value: object) -> Any:
        """Normalise a non-schedule value, or raise :class:`Invalid` completing "<name> must be …"."""
        if value is None and self.optional:
            return None
        if self.choices:
            if value in self.choices:
                return value
            close = difflib.get_close_matches(str(value), self.choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            options = ", ".join(repr(c) for c in self.choices)
            raise Invalid(f"one of {options}, got {excerpt(value)}{hint}")
        if self.is_flag:
            return flag(value)
        assert self.kind is not None
        return self.kind.check(value)

    def signature_text(self) -> str:
        """``name`` or ``name=default`` as ``lrviz list`` shows it."""
        if self.variadic:
            return f"*{self.name}"
        if self.required:
            return self.name
        default = self.shown_default or repr(self.default)
        if self.default is None and self.name in ("steps", "lr") and not self.shown_default:
            default = "run" if self.name == "steps" else "optimizer"
        return f"{self.name}={default}"


@dataclass(frozen=True)
class Also:
    """A hyper-parameter a scheduler sets besides the rate (PyTorch's OneCycleLR cycles the momentum):
    its name, the function that gives it from the schedule's own arguments (as keywords), and the
    flag parameter that turns it off, if any (``cycle_momentum``)."""

    quantity: str
    func: Callable[..., Values]
    switch: str | None = None


@dataclass(frozen=True)
class Entry:
    """A registered schedule: its function and everything shown about it."""

    name: str
    func: Callable[..., Values]
    frequency: str
    quantity: str
    params: tuple[Param, ...]
    generic_warmup: bool
    matches: tuple[str, ...]
    length_rule: Callable[[Mapping[str, Any]], int | None] | None
    check_rule: Callable[..., None] | None
    doc: Docstring = field(repr=False)
    dialect: str = ""
    optimizer_at: int | None = None
    variables: tuple[str, ...] = ()
    takes_grid: bool = False
    """Whether the function's ``t`` is annotated ``Time``: it is then given grids as they are."""
    takes_horizon: bool = False
    """Whether the function has a keyword ``horizon``: it is then given the steps its part of the run
    has, which is no parameter of the schedule (for those that evaluate others over the run)."""
    reacts_rule: Callable[[Mapping[str, Any]], bool] | None = None
    """For a schedule that reacts to a metric with some arguments only (``hf.get_scheduler`` of
    'reduce_lr_on_plateau'): whether a call with these does."""
    groups: tuple[Group, ...] = ()
    """The framework's parameter groups it takes."""
    takes_base: Literal["", "required", "optional"] = ""
    """Whether the function takes the optimizer's rate as ``base`` (else its rates are a factor of it),
    and whether it can do without one (its ``base`` defaults to ``None``)."""
    history: bool = False
    """Whether a step's rate depends on the steps before it (feedback, a running product): such a
    schedule is evaluated over the whole run at once, never a chunk at a time."""
    also: tuple[Also, ...] = ()
    """The other hyper-parameters the scheduler sets as it steps (OneCycleLR's momentum)."""

    @property
    def summary(self) -> str:
        return self.doc.summary

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def invoke(self, t: Any, args: Mapping[str, Any], positional: tuple[Any, ...] = ()) -> Values:
        """The function's rates at ``t`` for resolved arguments: its groups' parameters taken off and
        applied (the optimizer's rate given as ``base``, or multiplying a factor)."""
        args = dict(args)
        scales, base = False, None
        for each in self.groups:
            values = {p.name: args.pop(p.name, p.default) for p in each.params}
            if each.passed:
                args.update(values)
            if each.optimizer:
                scales, base = True, values["lr"]
        if not scales:
            return self.func(t, *positional, **args)
        if base is None and self.takes_base != "optional":
            raise Invalid("lr is missing: give the optimizer's learning rate as lr=… or with --lr")
        if self.takes_base:
            return self.func(t, *positional, base=base, **args)
        assert base is not None
        scaled: Values = self.func(t, *positional, **args) * base
        return scaled

    def arguments(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Plain keyword values checked against the parameters, defaults filled in and the schedule's
        own check passed: for a schedule that calls another (``hf.get_scheduler``). Raises
        :class:`~lrviz.schedules.kinds.Invalid` naming the first that does not fit."""
        for name in given:
            if self.param(name) is None:
                known = [p.name for p in self.params]
                close = close_names(name, known)
                hint = f"; did you mean {close[0]}?" if close else f"; it takes {', '.join(known) or 'none'}"
                raise Invalid(f"{self.name} has no parameter {excerpt(name)}{hint}")
        args: dict[str, Any] = {}
        for param in self.params:
            if param.name in given:
                try:
                    args[param.name] = param.check(given[param.name])
                except Invalid as error:
                    raise Invalid(f"{self.name}: {param.name} must be {error}") from None
            elif param.required:
                raise Invalid(f"{self.name} needs {param.name}")
            else:
                args[param.name] = param.default
        if self.check_rule is not None:
            self.check_rule(**args)
        return args

    def signature_text(self) -> str:
        return f"{self.name}({', '.join(p.signature_text() for p in self.params)})"


@dataclass(frozen=True)
class Docstring:
    """A schedule docstring cut into its parts: summary, formula, parameter texts, example."""

    summary: str
    formula: str
    args: dict[str, str]
    example: str
    notes: str
    example_run: str = ""
    """The run the example is drawn over, as command-line options (``--epochs 100``): the lines of
    the Example section that start with ``--``; empty for the gallery's default run."""

    @classmethod
    def parse(cls, text: str) -> Docstring:
        lines = inspect.cleandoc(text).splitlines()
        summary, body = lines[0].strip(), lines[1:]
        sections: dict[str, list[str]] = {"": []}
        current = ""
        for line in body:
            header = re.fullmatch(r"(Args|Example|Notes):", line.strip())
            if header and not line.startswith(" "):
                current = header.group(1)
                sections[current] = []
            else:
                sections[current].append(line)
        example = sections.get("Example", [])
        args: dict[str, str] = {}
        name = ""
        for line in sections.get("Args", []):
            item = re.match(r"\s{4}(\*?\w+): (.*)", line)
            if item:
                name = item.group(1).lstrip("*")
                args[name] = item.group(2).strip()
            elif line.strip() and name:
                args[name] += " " + line.strip()
        return cls(
            summary=summary,
            formula=inspect.cleandoc("\n".join(sections[""])),
            args=args,
            example=inspect.cleandoc("\n".join(e for e in example if not e.strip().startswith("--"))),
            example_run=" ".join(e.strip() for e in example if e.strip().startswith("--")),
            notes=inspect.cleandoc("\n".join(sections.get("Notes", []))),
        )


WARMUP_PARAMS = (
    Param(
        "warmup",
        0,
        False,
        kind=WARMUP,
        keyword_only=True,
        generic=True,
        description="warm-up before the schedule: whole steps, or a fraction of its length below 1 "
        "(rounded up); carved from the start of `steps` unless warmup_mode says otherwise.",
    ),
    Param(
        "warmup_start",
        0.0,
        False,
        kind=RATE,
        keyword_only=True,
        generic=True,
        description="the rate the warm-up starts from.",
    ),
    Param(
        "warmup_shape",
        "linear",
        False,
        choices=WARMUP_SHAPES,
        keyword_only=True,
        generic=True,
        description="how the warm-up rises: 'linear', 'power' (by u^warmup_power, u = t/W), 'log' "
        "(log(t + 1)/log W, DeepSpeed's), 'exp' (geometric, from a warmup_start above 0) or 'constant' "
        "(held at warmup_start).",
    ),
    Param(
        "warmup_power",
        2.0,
        False,
        kind=FACTOR,
        keyword_only=True,
        generic=True,
        description="the power of a 'power' warm-up (2: quadratic).",
    ),
    Param(
        "warmup_mode",
        "prefix",
        False,
        choices=WARMUP_MODES,
        keyword_only=True,
        generic=True,
        description="how the warm-up meets the schedule: 'prefix' (the schedule starts after it), "
        "'overlay' (the schedule spans the run and the warm-up replaces its first steps, rising to its "
        "first rate, as timm's non-prefix warm-up and BERT's), 'meet' (the same, rising to the "
        "schedule's rate where the warm-up ends, as detectron2's WarmupParamScheduler) or 'multiply' "
        "(the schedule spans the run and the warm-up multiplies it, as detectron2's "
        "WarmupMultiStepLR and ultralytics').",
    ),
    Param(
        "cooldown",
        0,
        False,
        kind=WARMUP,
        keyword_only=True,
        generic=True,
        description="a cool-down that ends the schedule: its last steps (whole steps, or a fraction "
        "of its length below 1) multiplied by a factor falling to 0.",
    ),
    Param(
        "cooldown_shape",
        "linear",
        False,
        choices=COOLDOWN_SHAPES,
        keyword_only=True,
        generic=True,
        description="how the cool-down falls: 'linear' (min(1, (S − t)/C), big_vision's), 'cosine' or "
        "'1-sqrt'.",
    ),
)
"""The parameters every schedule with a generic warm-up takes (:mod:`lrviz.clock.ramps`)."""
BASIC_WARMUP = ("warmup", "warmup_start")
"""The generic parameters every listing and export shows; the others only where they are given."""


@dataclass(frozen=True)
class Group:
    """Parameters every schedule of a framework takes alike, declared once (see :func:`group`): the
    entry adds them to each signature (and ``lrviz describe``), checks them with the group's function
    and takes them off the arguments before calling the schedule's.

    A group that is the ``optimizer``'s learning rate (its one parameter, ``lr``) hands it to a
    function that has a ``base`` parameter as ``base``; any other function's rates are a factor of it.
    Positional parameters go after the parameter named ``after``, or after the function's own. A
    ``passed`` group's values are handed on to the function too (its ``**keywords``): parameters that
    every schedule of a framework computes with, declared and documented once."""

    name: str
    params: tuple[Param, ...]
    check: Callable[..., None]
    optimizer: bool = False
    after: str | None = None
    passed: bool = False

    def placed(self, after: str) -> Group:
        """The group with its positional parameters after ``after`` (a framework that puts them there)."""
        return replace(self, after=after)


def group(
    *, optimizer: bool = False, after: str | None = None, passed: bool = False
) -> Callable[[Callable[..., None]], Group]:
    """Make a function the declaration of a :class:`Group`: its signature and docstring give the
    parameters, as a schedule's do, and its body checks their values (raising :class:`Invalid`)."""

    def declare(func: Callable[..., None]) -> Group:
        doc = Docstring.parse(func.__doc__ or "")
        hints = _annotations(func)
        params = tuple(
            _param(p, hints.get(p.name), doc.args.get(p.name, ""))
            for p in inspect.signature(func).parameters.values()
        )
        return Group(func.__name__, params, func, optimizer, after, passed)

    return declare


def _grouped(params: list[Param], groups: tuple[Group, ...]) -> list[Param]:
    """A function's own parameters with its groups' put in their places."""
    params = list(params)
    for each in groups:
        positional = [p for p in each.params if not p.keyword_only]
        if each.after is not None:
            at = next(i for i, p in enumerate(params) if p.name == each.after) + 1
        else:
            at = next((i for i, p in enumerate(params) if p.keyword_only), len(params))
        params[at:at] = positional
        params += [p for p in each.params if p.keyword_only]
    return params


def _with_groups(check: Callable[..., None] | None, groups: tuple[Group, ...]) -> Callable[..., None] | None:
    """The entry's check: each group's on its own values, then the schedule's own on all."""
    if not groups:
        return check

    def checked(**args: Any) -> None:
        for each in groups:
            each.check(**{p.name: args[p.name] for p in each.params})
        if check is not None:
            check(**args)

    return checked


def _annotations(func: Callable[..., object]) -> dict[str, Any]:
    """The function's annotations evaluated in its module, as ``typing.get_type_hints(...,
    include_extras=True)`` gives them for these functions, with each annotation text compiled once:
    compiling every one anew was most of the import time of the registry."""
    namespace = vars(sys.modules[func.__module__])
    return {
        name: eval(_compiled(text), namespace) if isinstance(text, str) else text
        for name, text in func.__annotations__.items()
    }


@functools.cache
def _compiled(text: str) -> types.CodeType:
    return compile(text, "<annotation>", "eval")


def _param(p: inspect.Parameter, hint: Any, description: str) -> Param:
    required = p.default is inspect.Parameter.empty
    default = None if required else p.default
    base: dict[str, Any] = {
        "name": p.name,
        "default": default,
        "required": required,
        "description": description,
        "keyword_only": p.kind is inspect.Parameter.KEYWORD_ONLY,
    }
    if p.kind is inspect.Parameter.VAR_POSITIONAL:
        return Param(**base, is_schedule=True, variadic=True)
    optional = False
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        optional = True
        hint = next(a for a in args if a is not type(None))
    origin = typing.get_origin(hint)
    if origin is Literal:
        return Param(**base, choices=typing.get_args(hint), optional=optional)
    if hint is bool:
        return Param(**base, is_flag=True, optional=optional)
    if hint is Schedule or hint is Function:
        return Param(**base, is_schedule=True, function=hint is Function, optional=optional)
    if typing.get_origin(hint) is list and typing.get_args(hint) == (Schedule,):
        return Param(**base, is_schedule=True, many=True, optional=optional)
    kinds = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Kind)]
    if not kinds:
        raise TypeError(f"parameter {p.name!r} has no kind annotation")
    return Param(**base, kind=kinds[0], optional=optional)


def schedule(
    *,
    frequency: str,
    quantity: str,
    warmup: bool = False,
    matches: tuple[str, ...] = (),
    length: Callable[[Mapping[str, Any]], int | None] | None = None,
    check: Callable[..., None] | None = None,
    name: str | None = None,
    optimizer: bool | int = False,
    variables: tuple[str, ...] = (),
    history: bool = False,
    reacts: Callable[[Mapping[str, Any]], bool] | None = None,
    groups: tuple[Group, ...] = (),
    also: tuple[Also, ...] = (),
) -> Callable[[Callable[..., Values]], Callable[..., Values]]:
    """Make a function a schedule: its :class:`Entry`, made from its signature and docstring, is kept
    on it (see :func:`entry_of`).

    Args:
        frequency: one of :data:`FREQUENCIES`.
        quantity: how the rate changes (exponential, polynomial, cosine, linear, …).
        warmup: whether it takes the generic ``warmup=`` / ``warmup_start=`` parameters.
        matches: the framework schedules it reproduces, for ``lrviz describe``.
        length: its length from its bound arguments, where that is not simply ``steps``.
        check: raises :class:`~lrviz.schedules.kinds.Invalid` when its arguments (defaults filled
            in) do not fit together, such as ``min_lr`` above ``max_lr``.
        name: the name a spec calls it by, when not the function's (``torch.StepLR``); the part before
            the first dot is its framework dialect.
        optimizer: it is a framework scheduler built on an optimizer: a pasted argument such as
            ``optimizer`` in that position (True: the first; a number: that index) is ignored.
        variables: more names for the step ``t`` inside its arguments (``epoch`` in a PyTorch
            ``lr_lambda``).
        history: whether a step's rate depends on every step before it (a running product); feedback
            schedules do by nature.
        reacts: for a schedule that is a feedback schedule for some arguments only, whether a call's
            arguments (as given) make it one.
        groups: the framework's parameter groups it takes (:class:`Group`).
        also: the other hyper-parameters it sets (:class:`Also`).
    """
    assert frequency in FREQUENCIES, frequency

    def register(func: Callable[..., Values]) -> Callable[..., Values]:
        doc = Docstring.parse(func.__doc__ or "")
        hints = _annotations(func)
        signature = [
            p
            for p in list(inspect.signature(func).parameters.values())[1:]
            if p.name != "horizon" and p.kind is not inspect.Parameter.VAR_KEYWORD  # a passed group's
        ]
        params = [
            _param(p, hints.get(p.name), doc.args.get(p.name, "")) for p in signature if p.name != "base"
        ]
        params = _grouped(params, groups)
        declared = {p.name for p in params}
        if warmup:
            params += [p for p in WARMUP_PARAMS if p.name not in declared]
        missing = [p.name for p in params if not p.description]
        assert not missing, f"{func.__name__}: document {missing} under Args:"
        called = name or func.__name__
        made = Entry(
            name=called,
            func=func,
            frequency=frequency,
            quantity=quantity,
            params=tuple(params),
            generic_warmup=warmup,
            matches=matches,
            length_rule=length,
            check_rule=_with_groups(check, groups),
            doc=doc,
            dialect=called.partition(".")[0] if "." in called else "",
            optimizer_at=None if optimizer is False else int(optimizer) - (optimizer is True),
            variables=variables,
            takes_grid=func.__annotations__.get("t") == "Time",
            takes_horizon="horizon" in inspect.signature(func).parameters,
            history=history or frequency == "feedback",
            reacts_rule=reacts,
            groups=groups,
            takes_base=_takes_base(func),
            also=also,
        )
        setattr(func, ENTRY, made)
        return func

    return register


def _takes_base(func: Callable[..., Values]) -> Literal["", "required", "optional"]:
    base = inspect.signature(func).parameters.get("base")
    if base is None:
        return ""
    return "required" if base.default is inspect.Parameter.empty else "optional"


ENTRY = "lrviz_entry"
"""The attribute a schedule function keeps its entry in."""


def entry_of(value: object) -> Entry | None:
    """The entry of a schedule function, or ``None`` for anything else."""
    entry = getattr(value, ENTRY, None)
    return entry if isinstance(entry, Entry) else None
