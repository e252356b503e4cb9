"""YAML configs: several schedules side by side, with their run, shared defaults, sweeps and looks.

Loaded with PyYAML's safe loader only. Every error names the file, the line and the key path:
``configs/x.yaml:12: schedules.sgdr.period: must be a positive integer, got 0``.

A config is read as hostile input, so that every file either reads or is refused with one line:

- It must be a regular file (a pipe, a device or a folder is refused before any read) of at most
  :data:`~lrviz.limits.CONFIG_BYTES`, in UTF-8 (a byte-order mark is skipped; CRLF line ends work)
  without control characters.
- Its values are plain: mappings, lists, text, numbers, booleans and null. Timestamps are read as the
  text written (``2024-01-01``); sets, binary data and other tags are refused; a number written with
  more than :data:`NUMBER_LENGTH` characters is refused. Keys are text, read as written (``1: cosine``
  is the label ``1``); a list or mapping as a key and an empty key are refused.
- Merge keys (``<<: *base``, or ``<<: [*a, *b]``) fill in the keys a mapping does not give itself.
- Aliases are expanded while counting: past :data:`~lrviz.limits.CONFIG_VALUES` values (a YAML alias
  bomb) or :data:`~lrviz.limits.CONFIG_DEPTH` levels of nesting the file is refused.
- Messages quote at most a short excerpt of a value (:func:`~lrviz.limits.excerpt`), and name other
  values by their kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lrviz.errors import LrvizError, close_names
from lrviz.evaluation.lineup import Item, Sweep, set_params
from lrviz.evaluation.run import LEARNING_RATE, STEP_ON, Look, quantity_problem
from lrviz.io import examples
from lrviz.io.metric import read_input, shown
from lrviz.io.settings import CONFIG_KEYS, COUNTS, LARGEST_COUNT, RunSettings, count_problem
from lrviz.language.options import coerce, flag, known_params, params_named
from lrviz.language.parser import parse
from lrviz.limits import CONFIG_BYTES, CONFIG_DEPTH, CONFIG_VALUES, excerpt
from lrviz.schedules.kinds import STEPS, Invalid

SUFFIXES = (".yaml", ".yml")
RUN_KEYS = CONFIG_KEYS
TOP_KEYS = (*RUN_KEYS, "defaults", "schedules", "sweep", "plot", "table")
SCHEDULE_KEYS = ("spec", "color", "linestyle", "quantity")
PLOT_KEYS = ("title", "logy", "layout", "size", "dpi", "style", "stats")
TABLE_KEYS = ("checkpoints",)
LAYOUTS = ("overlay", "grid")
NUMBER_LENGTH = 1_000
"""Characters of a number in a config at most (PyYAML reads ``1:1:1:…`` in time that grows as its square)."""
KEY_SHOWN = 200
"""Characters of a key path a message shows at most."""

KeyPath = tuple[str, ...]


class ConfigError(LrvizError):
    """A config file that cannot be read or does not fit the format."""


def locate(text: str) -> Path | None:
    """The config a command-line argument names, or ``None`` for a spec: a path ending in .yaml or
    .yml, or the name of a config lrviz ships (``frameworks``), found from any folder."""
    if "(" in text:
        return None
    shipped = examples.named(text, SUFFIXES)
    if shipped is not None:
        return shipped
    return Path(text) if text.lower().endswith(SUFFIXES) else None


def is_config(text: str) -> bool:
    """Whether a command-line argument names a config file rather than a spec."""
    return locate(text) is not None


@dataclass(frozen=True)
class Config:
    """A loaded config: what to evaluate, over which run, and how to show it."""

    path: Path
    items: list[Item]
    run: RunSettings = field(default_factory=RunSettings)
    sweeps: list[Sweep] = field(default_factory=list)
    plot: dict[str, Any] = field(default_factory=dict)
    checkpoints: list[Any] | str | None = None
    lines: dict[KeyPath, int] = field(default_factory=dict, repr=False)

    def where(self, *keys: str) -> str:
        """``file:line: key.path`` for messages about a value of this config."""
        return _where(self.path, self.lines, keys)


def _where(path: Path, lines: Mapping[KeyPath, int], keys: KeyPath) -> str:
    """``file:line: key.path``: the line of the longest known prefix of ``keys``; a key that is long or
    not printable is shown as an excerpt, and the whole path cut to :data:`KEY_SHOWN` characters."""
    line = next((lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in lines), None)
    place = f"{shown(path)}:{line}" if line else shown(path)
    if not keys:
        return place
    dotted = ".".join(key if key.isprintable() and len(key) <= 40 else excerpt(key, 40) for key in keys)
    return f"{place}: {_cut(dotted, KEY_SHOWN)}"


def _cut(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters, with an ellipsis in the middle."""
    return text if len(text) <= limit else f"{text[: limit // 2 - 1]}…{text[-(limit // 2 - 1) :]}"


def load(
    path: str | Path, per_epoch: int | None = None, parsed: tuple[Any, dict[KeyPath, int]] | None = None
) -> Config:
    """Read and check a config file; ``per_epoch`` (E, from the command line) overrides the file's;
    ``parsed`` is its document when already read (:func:`read_yaml`).

    The file is read whole (a regular file of at most :data:`~lrviz.limits.CONFIG_BYTES`) and must be
    UTF-8; the rules are the module's."""
    path = Path(path)
    tree, lines = parsed if parsed is not None else read_yaml(path, config_text(path, ConfigError))
    return _Reader(path, lines, per_epoch).config(tree)


def config_text(path: Path, error: type[LrvizError]) -> str:
    """The text of a config file: a regular file of at most :data:`~lrviz.limits.CONFIG_BYTES`, in
    UTF-8 (a byte-order mark skipped); else ``error``, with the line where it stops being text."""
    data = read_input(path, CONFIG_BYTES, "config", error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        raise error(f"{shown(path)}:{line}: cannot read it: not UTF-8 text") from None


def read_yaml(
    path: Path, text: str, empty: str = "a config needs at least 'schedules:'"
) -> tuple[Any, dict[KeyPath, int]]:
    """The document as plain values, and the line of every key path; duplicate keys are errors, and
    so are aliases expanded past the limits, deep nests and tags that make anything but plain values."""
    import yaml

    name = shown(path)
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # refuses control characters at once
        node = loader.get_single_node()
        if node is None:
            raise ConfigError(f"{name}: the file is empty: {empty}")
        lines: dict[KeyPath, int] = {}
        return _Plain(loader, path, lines).value(node, (), 0), lines
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        character = ord(error.character) if isinstance(error.character, str) else error.character
        raise ConfigError(
            f"{name}:{line}: cannot read it: not text, it holds the character U+{character:04X}"
        ) from None
    except RecursionError:  # PyYAML composes nodes recursively: [[[[… of a few hundred levels
        place = f":{loader.get_mark().line + 1}" if loader is not None else ""
        raise ConfigError(f"{name}{place}: {_TOO_DEEP}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f":{mark.line + 1}" if mark else ""
        raise ConfigError(
            f"{name}{place}: not valid YAML: {_cut(str(error.problem or error.context), 120)}"
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{name}: not valid YAML: {_cut(str(error), 120)}") from None
    finally:
        if loader is not None:
            loader.dispose()


_TOO_DEEP = f"nested deeper than {CONFIG_DEPTH} levels: a config is flatter than that"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_NUMBERS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def _not_plain(where: str, tag: str) -> ConfigError:
    return ConfigError(f"{where}: YAML tag {_cut(tag, 60)} is not allowed: a config holds plain values")


class _Plain:
    """A YAML node tree as plain values (dicts, lists, text, numbers, booleans, None), recording the line
    of every key path, and counting the values made (an alias again each time it is expanded, merges
    too) and the depth, so that an alias bomb or a deep nest is refused before it grows."""

    def __init__(self, loader: Any, path: Path, lines: dict[KeyPath, int]) -> None:
        self.loader = loader
        self.path = path
        self.lines = lines
        self.count = 0

    def at(self, node: Any, keys: KeyPath = ()) -> str:
        """``file:line: key.path`` for a message about ``node``."""
        line = node.start_mark.line + 1
        return _where(self.path, {keys: line}, keys) if keys else f"{shown(self.path)}:{line}"

    def value(self, node: Any, keys: KeyPath, depth: int) -> Any:
        import yaml

        self.count += 1
        if self.count > CONFIG_VALUES:
            raise ConfigError(
                f"{self.at(node)}: holds more than {CONFIG_VALUES:,} values once its aliases are "
                "expanded (a YAML alias bomb?): a config needs far fewer"
            )
        if depth > CONFIG_DEPTH:
            raise ConfigError(f"{self.at(node)}: {_TOO_DEEP}")
        self.lines.setdefault(keys, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise _not_plain(_where(self.path, self.lines, keys), node.tag)
            return self.mapping(node, keys, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise _not_plain(_where(self.path, self.lines, keys), node.tag)
            return [self.value(item, (*keys, str(i)), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, keys)

    def mapping(self, node: Any, keys: KeyPath, depth: int) -> dict[str, Any]:
        """A mapping: the mappings merged in (``<<``) first, the earlier winning, then its own keys."""
        import yaml

        result: dict[str, Any] = {}
        merges = [value for key, value in node.value if key.tag == _MERGE]
        if len(merges) > 1:
            raise ConfigError(
                f"{self.at(node, keys)}: two merge keys (<<): give one, with a list of mappings"
            )
        for merge in merges:
            for source in reversed(merge.value if isinstance(merge, yaml.SequenceNode) else [merge]):
                if not isinstance(source, yaml.MappingNode):
                    raise ConfigError(
                        f"{self.at(source, keys)}: << merges a mapping (<<: *name), or a list of them"
                    )
                result.update(self.value(source, keys, depth + 1))
        given: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.key(key_node, keys)
            if key in given:
                raise ConfigError(
                    f"{self.at(key_node, (*keys, key))}: given twice (each key, and each label, once)"
                )
            given.add(key)
            self.lines[(*keys, key)] = key_node.start_mark.line + 1
            result[key] = self.value(value_node, (*keys, key), depth + 1)
        return result

    def key(self, node: Any, keys: KeyPath) -> str:
        """A key: the text written, for any plain scalar (``1``, ``true``, ``2024-01-01``)."""
        import yaml

        if not isinstance(node, yaml.ScalarNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            raise ConfigError(f"{self.at(node, keys)}: a key must be text, not {kind}")
        self.count += 1
        self.scalar(node, keys)  # its tag checked
        if not node.value.strip():
            raise ConfigError(f"{self.at(node, keys)}: a key is empty: give it a name")
        return str(node.value)

    def scalar(self, node: Any, keys: KeyPath) -> Any:
        """A scalar's value; a timestamp is its text, never a datetime."""
        if node.tag == _TIMESTAMP:
            return str(node.value)
        if node.tag in _NUMBERS and len(node.value) > NUMBER_LENGTH:
            size = f"{len(node.value):,} characters"
            raise ConfigError(
                f"{self.at(node, keys)}: a number of {size}: at most {NUMBER_LENGTH:,} are read"
            )
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            raise ConfigError(f"{self.at(node, keys)}: cannot read {excerpt(str(node.value))}") from None
        if isinstance(value, bytes):
            raise _not_plain(self.at(node, keys), node.tag)
        return value


class _Reader:
    def __init__(self, path: Path, lines: dict[KeyPath, int], per_epoch: int | None) -> None:
        self.path = path
        self.lines = lines
        self.per_epoch = per_epoch
        self.constants: dict[str, float] = {}

    def fail(self, keys: KeyPath, message: str) -> ConfigError:
        return ConfigError(f"{_where(self.path, self.lines, keys)}: {message}")

    def mapping(self, value: Any, keys: KeyPath, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(keys, f"must be a mapping ({what}), got {_kind(value)}")
        return value

    def known(self, data: Mapping[str, Any], keys: KeyPath, allowed: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                close = close_names(key, allowed)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(allowed)}"
                raise self.fail((*keys, key), f"unknown key{hint}")

    def positive(self, data: Mapping[str, Any], key: str, keys: KeyPath = ()) -> int | None:
        if key not in data:
            return None
        try:
            return int(STEPS.check(data[key]))
        except Invalid as error:
            raise self.fail((*keys, key), f"must be {error}") from None

    def count(self, data: Mapping[str, Any], key: str) -> int | None:
        """A whole-number run key: read as a number of steps is (``1000.0`` is 1000), and at most
        :data:`~lrviz.io.settings.LARGEST_COUNT`, as every run setting
        (:func:`~lrviz.io.settings.count_problem`)."""
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > LARGEST_COUNT:
            raise self.fail((key,), str(count_problem(value)))
        number = self.positive(data, key)
        if number is not None and (problem := count_problem(number)) is not None:
            raise self.fail((key,), problem)
        return number

    def config(self, data: Any) -> Config:
        data = self.mapping(data, (), "steps, schedules, …")
        self.known(data, (), TOP_KEYS)
        if "schedules" not in data:
            raise self.fail((), "has no 'schedules:': give it a mapping from label to spec")
        schedules = self.mapping(data["schedules"], ("schedules",), "from label to spec")
        if not schedules:
            raise self.fail(("schedules",), "is empty: give at least one label and spec")
        run = self.run(data)
        items = [self.item(label, value) for label, value in schedules.items()]
        items = self.defaults(data.get("defaults", {}), items)
        return Config(
            path=self.path,
            items=items,
            run=run,
            sweeps=self.sweeps(data.get("sweep", {}), items),
            plot=self.plot(data.get("plot", {})),
            checkpoints=self.table(data.get("table", {})),
            lines=self.lines,
        )

    def run(self, data: Mapping[str, Any]) -> RunSettings:
        """The run fields; E, the updates in an epoch, for the specs that follow."""
        numbers: dict[str, Any] = {key: self.count(data, key) for key in RUN_KEYS if key in COUNTS}
        for key in ("metric", "metric_column"):
            if key in data and not isinstance(data[key], str):
                raise self.fail((key,), f"must be text (a CSV path, or synthetic), got {_kind(data[key])}")
        if "drop_last" in data and not isinstance(data["drop_last"], bool):
            raise self.fail(("drop_last",), f"must be true or false, got {_kind(data['drop_last'])}")
        if data.get("step_on", "update") not in STEP_ON:
            raise self.fail(("step_on",), f"must be update or epoch, got {_kind(data['step_on'])}")
        settings = RunSettings(
            **numbers,
            drop_last=data.get("drop_last"),
            step_on=data.get("step_on"),
            metric=data.get("metric"),
            metric_column=data.get("metric_column"),
            metric_base=self.path.parent,
        )
        try:
            per_epoch = self.per_epoch or settings.per_epoch()
        except LrvizError as error:
            keys = next(((k,) for k in ("dataset_size", "batch_size", "grad_accum") if k in data), ())
            raise self.fail(keys, str(error)) from None
        if per_epoch is not None:
            self.constants["E"] = per_epoch
        return settings

    def item(self, label: str, value: Any) -> Item:
        keys: KeyPath = ("schedules", label)
        settings: dict[str, Any] = {}
        if isinstance(value, dict):
            if "spec" not in value:
                raise self.fail(keys, "has no 'spec:': give the schedule, such as spec: cosine(0.1)")
            settings = {k: v for k, v in value.items() if k != "spec"}
            value = value["spec"]
            keys = (*keys, "spec")
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = repr(value)
        if not isinstance(value, str):
            raise self.fail(
                keys, f"must be a spec such as 'cosine(0.1)', or a mapping with spec:, got {_kind(value)}"
            )
        try:
            folder = str(self.path.parent)  # a script's function is found beside the config
            item = Item(
                label, parse(value, self.constants, complete=False, folder=folder)
            )  # checked once complete
        except LrvizError as error:
            raise self.fail(keys, str(error)) from None
        look = Look(
            color=self.text(settings, "color", keys[:2]),
            linestyle=self.text(settings, "linestyle", keys[:2]),
            given_at=_where(self.path, self.lines, keys[:2]),
            quantity=self.quantity(settings, keys[:2]),
        )
        overrides = {k: v for k, v in settings.items() if k not in SCHEDULE_KEYS}
        for name, raw in overrides.items():
            where = (*keys[:2], name)
            params = params_named([item.spec], name)
            if not params:
                allowed = (*SCHEDULE_KEYS, *known_params([item.spec]))
                self.known({name: raw}, keys[:2], allowed)
            try:
                (item,) = set_params([item], {name: coerce(params[0], raw, name)})
            except LrvizError as error:
                raise self.fail(where, _local(str(error), name)) from None
        return replace(item, look=look)

    def quantity(self, settings: Mapping[str, Any], keys: KeyPath) -> str:
        name = self.text(settings, "quantity", keys)
        if name is None:
            return LEARNING_RATE
        if (problem := quantity_problem(name)) is not None:
            raise self.fail((*keys, "quantity"), problem)
        return name.strip()

    def text(self, settings: Mapping[str, Any], key: str, keys: KeyPath) -> str | None:
        value = settings.get(key)
        if value is not None and not isinstance(value, str):
            raise self.fail((*keys, key), f"must be text, got {_kind(value)}")
        return value

    def defaults(self, value: Any, items: list[Item]) -> list[Item]:
        defaults = self.mapping(value, ("defaults",), "from parameter to value")
        specs = [item.spec for item in items]
        for name, raw in defaults.items():
            params = params_named(specs, name)
            if not params:
                self.known({name: raw}, ("defaults",), tuple(known_params(specs)))
            try:
                items = set_params(items, {name: coerce(params[0], raw, name)}, fill=True)
            except LrvizError as error:
                raise self.fail(("defaults", name), _local(str(error), name)) from None
        return items

    def sweeps(self, value: Any, items: list[Item]) -> list[Sweep]:
        sweep = self.mapping(value, ("sweep",), "from parameter to a list of values")
        specs = [item.spec for item in items]
        result: list[Sweep] = []
        for name, raw in sweep.items():
            params = params_named(specs, name)
            if not params:
                self.known({name: raw}, ("sweep",), tuple(known_params(specs)))
            values = raw if isinstance(raw, list) else [v.strip() for v in str(raw).split(",")]
            try:
                coerced = [coerce(params[0], v, name) for v in values]
                for one in coerced:
                    set_params(items, {name: one})
            except LrvizError as error:
                raise self.fail(("sweep", name), _local(str(error), name)) from None
            if not coerced:
                raise self.fail(("sweep", name), "has no values")
            result.append((name, coerced))
        return result

    def plot(self, value: Any) -> dict[str, Any]:
        plot = self.mapping(value, ("plot",), "title, logy, layout, size, dpi, style, stats")
        self.known(plot, ("plot",), PLOT_KEYS)
        for key in ("logy", "stats"):
            if key in plot and not isinstance(plot[key], bool):
                raise self.fail(("plot", key), f"must be true or false, got {_kind(plot[key])}")
        if "layout" in plot and plot["layout"] not in LAYOUTS:
            raise self.fail(("plot", "layout"), f"must be overlay or grid, got {_kind(plot['layout'])}")
        if "dpi" in plot:
            plot["dpi"] = self.positive(plot, "dpi", ("plot",))
        if "size" in plot:
            plot["size"] = self.size(plot["size"])
        for key in ("title", "style"):
            if key in plot and not isinstance(plot[key], str):
                raise self.fail(("plot", key), f"must be text, got {_kind(plot[key])}")
        return plot

    def size(self, value: Any) -> tuple[float, float]:
        try:
            return parse_size(value)
        except LrvizError as error:
            raise self.fail(("plot", "size"), str(error)) from None

    def table(self, value: Any) -> list[Any] | str | None:
        table = self.mapping(value, ("table",), "checkpoints")
        self.known(table, ("table",), TABLE_KEYS)
        points = table.get("checkpoints")
        if points is not None and not isinstance(points, list | str):
            raise self.fail(
                ("table", "checkpoints"), f"must be a list such as [0, 25%, -1], got {_kind(points)}"
            )
        return points


def looks_given(given: Mapping[str, Any], spelled: Callable[[str], str] = flag) -> dict[str, Any]:
    """The plot settings given (by the command line, or a Python call: options ``spelled`` as it
    writes them), checked before any work: the layout one of :data:`LAYOUTS`, the size read (see
    :func:`parse_size`); a setting given as ``None`` is not given."""
    layout = given.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise LrvizError(f"{spelled('layout')} is overlay or grid, got {excerpt(layout)}")
    looks = {name: value for name, value in given.items() if value is not None}
    if "size" in looks:
        looks["size"] = parse_size(looks["size"])
    return looks


def parse_size(value: Any) -> tuple[float, float]:
    """A figure size in inches from ``"7x4"``, ``"7,4"`` or ``[7, 4]``."""
    if isinstance(value, list | tuple) and len(value) == 2:
        value = f"{value[0]}x{value[1]}"
    match = re.fullmatch(r"\s*([0-9.]+)\s*[x×,]\s*([0-9.]+)\s*", str(value))
    try:
        width, height = (float(match.group(1)), float(match.group(2))) if match else (0.0, 0.0)
    except ValueError:
        width = height = 0.0
    if not (0 < width <= 100 and 0 < height <= 100):
        raise LrvizError(f"the size is WIDTHxHEIGHT in inches, such as 7x4, got {_kind(value)}")
    return width, height


def _local(message: str, name: str) -> str:
    """A message about parameter ``name`` told at its own key: "must be …", without the schedule and
    parameter names the spec binder puts first."""
    head, sep, tail = message.partition(": ")
    if sep and " " not in head:
        message = tail
    return message.removeprefix(f"{name} ")


def _kind(value: Any) -> str:
    """A value as a message names it: text and numbers as a short excerpt, anything else by its kind
    (never a Python object's repr)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return excerpt(value)
    return f"a value of type {type(value).__name__}"
