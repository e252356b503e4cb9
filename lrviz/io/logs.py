"""Training logs read for the rates a run used: a Hugging Face ``trainer_state.json``, TensorBoard event
files, a Lightning ``metrics.csv``, or any CSV with a step and a rate column (W&B, MLflow exports).

Each source's step is mapped to the update it is the rate of (update t counting from 0, as row t of a
plan): the HF Trainer logs at step s (updates done) the rate of the update just made, s − 1, and so
does its TensorBoardCallback; Lightning's LearningRateMonitor logs before the optimizer steps, so its
step s is update s; any other CSV or TensorBoard writer is taken to log step s as update s.
"""

from __future__ import annotations

import csv
import importlib
import json
import math
import mmap
import os
import re
import struct
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lrviz.errors import LrvizError
from lrviz.limits import LARGEST_STEP, LARGEST_STEP_TEXT


@dataclass(frozen=True)
class Log:
    """The rates a run logged, each at the update it was the rate of (row t of a plan: update t,
    counting from 0), by its source's own step convention."""

    path: Path
    kind: str
    """What wrote it: ``"hf"``, ``"tensorboard"``, ``"lightning"`` or ``"csv"``."""
    column: str
    """The rate's column or tag (``learning_rate``, ``lr-AdamW``, ``train/learning_rate``)."""
    steps: npt.NDArray[np.int64]
    """The update each point is the rate of: increasing, each once, 0 or more."""
    rates: npt.NDArray[np.float64]
    float32: bool
    """Whether the source stores the rates as float32 (TensorBoard, Lightning's ``self.log``)."""
    convention: str
    """How the source's step maps to updates, said in reports: "step s is update s − 1"."""
    notes: tuple[str, ...] = ()
    """What the reader found and handled: steps logged twice after a resume, other runs in the folder."""
    offset: int = 0
    """The source's step minus the update: 1 for the HF Trainer (its step s is update s − 1), else 0."""


class LogError(LrvizError):
    """A training log that cannot be read: one line naming the file and what is wrong with it."""


HF_CONVENTION = "the HF Trainer logs at step s the rate of the update just made: step s is update s − 1"
HF_TENSORBOARD_CONVENTION = (
    "HF's TensorBoardCallback logs the Trainer's logs: step s is update s − 1 (the update just made)"
)
LIGHTNING_CONVENTION = "Lightning's LearningRateMonitor logs before the optimizer steps: step s is update s"
CSV_CONVENTION = "step s is taken as update s (a CSV does not say when its rates were logged)"
TENSORBOARD_CONVENTION = "step s is taken as update s (not written by a known trainer)"

TRAINER_STEPS = ("trainer/global_step", "train/global_step", "global_step")
"""Step columns of the trainer's own update counter, which win over a logger's."""
LOGGER_STEPS = ("_step", "step", "Step")
RATE_NAMES = ("lr", "learning_rate", "train/learning_rate", "train/lr", "learning-rate", "LearningRate")
"""Rate columns and tags taken without asking, in this order."""
MONITOR = re.compile(r"lr-(?P<optimizer>[^/]+?)(?:-(?P<index>\d+))?(?P<group>/pg\d+)?")
"""LearningRateMonitor's columns: lr-<Optimizer>[-<n>][/pg<k>], without -momentum or -weight_decay."""
MONITOR_OTHER = re.compile(r"lr-.*-(momentum|weight_decay)")
PANEL = re.compile(r"(?P<run>.+) - (?P<name>.+)")
"""W&B panel exports: ``<run name> - <metric>``, with ``__MIN``/``__MAX`` siblings."""
MLFLOW = ("key", "value", "step")
HF_TENSORBOARD_TAGS = ("args/text_summary", "model_config/text_summary")
"""Text tags HF's TensorBoardCallback writes when training begins."""
TENSORBOARD_PACKAGE = (
    'reading TensorBoard files needs the tensorboard package: pip install "lrviz[tensorboard]"'
)
EVENTS = "events.out.tfevents."
NOT_EVENTS = (".profile-empty", ".json")
"""Files named like event files that hold no scalars: the profiler plugin's marker, notes beside them."""
SHOWN = 12
"""Names listed in a message before "…"."""


def read(path: str | os.PathLike[str], column: str | None = None) -> Log:
    """The log at ``path``, its kind told from the name and content: a ``trainer_state.json`` (or a
    checkpoint folder holding one), a TensorBoard event file or a folder of them, or a CSV with a step
    and a rate column. ``column`` names the rate's column or tag (default: the one rate there is)."""
    where = Path(path)
    if where.is_dir():
        return _folder(where, column)
    if not where.exists():
        raise LogError(f"{where}: no such file or folder")
    if where.name.startswith(EVENTS):
        return _tensorboard(where, [where], column, ())
    head = _head(where)
    if where.suffix.lower() == ".json" or head.lstrip().startswith(("{", "[")):
        return _hf(where, column, ())
    return _csv(where, column)


def _head(path: Path) -> str:
    """The first few KB of a text log; binary content is refused."""
    try:
        with path.open("rb") as file:
            data = file.read(4096)
    except OSError as error:
        raise LogError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not data:
        raise LogError(f"{path}: the file is empty")
    if b"\x00" in data:
        raise LogError(
            f"{path}: binary content, not a log lrviz reads (trainer_state.json, a CSV, or a TensorBoard "
            f"file named {EVENTS}*)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(data) - 4:  # not only a character cut at the end of the read
            raise LogError(f"{path}: not UTF-8 text (byte {error.start}): not a log lrviz reads") from None
        return data[: error.start].decode("utf-8-sig")


def _folder(folder: Path, column: str | None) -> Log:
    """A checkpoint folder (its trainer_state.json), a folder of TensorBoard runs, or an HF output
    folder (its newest checkpoint's trainer_state.json)."""
    state = folder / "trainer_state.json"
    if state.is_file():
        return _hf(state, column, ())
    events = sorted(p for p in folder.rglob(EVENTS + "*") if p.is_file() and not p.name.endswith(NOT_EVENTS))
    if events:
        runs: dict[Path, list[Path]] = {}
        for event in events:
            runs.setdefault(event.parent, []).append(event)
        if len(runs) > 1:
            names = [str(run.relative_to(folder)) or "." for run in runs]
            raise LogError(
                f"{folder}: {len(runs)} TensorBoard runs ({_listed(names)}): give the folder of one of them"
            )
        ((_, files),) = runs.items()
        return _tensorboard(folder, files, column, ())
    checkpoints = sorted(
        (int(p.name.split("-")[1]), p)
        for p in folder.glob("checkpoint-*")
        if p.name.split("-")[1].isdigit() and (p / "trainer_state.json").is_file()
    )
    if checkpoints:
        _, newest = checkpoints[-1]
        note = f"read {newest.name}/trainer_state.json, the newest of {len(checkpoints)} checkpoints"
        return _hf(newest / "trainer_state.json", column, (note,) if len(checkpoints) > 1 else ())
    raise LogError(
        f"{folder}: no trainer_state.json, checkpoint-*/ or TensorBoard event files ({EVENTS}*) in the folder"
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (", …" if len(names) > SHOWN else "")


# --------------------------------------------------------------------------------------------- HF


def _hf(path: Path, column: str | None, notes: tuple[str, ...]) -> Log:
    """``log_history``: its entries with a step and the rate; the step s is update s − 1."""
    try:
        with path.open(encoding="utf-8-sig") as file:
            state = json.load(file)
    except json.JSONDecodeError as error:
        raise LogError(f"{path}: not valid JSON (line {error.lineno}: {error.msg})") from None
    except UnicodeDecodeError:
        raise LogError(f"{path}: not UTF-8 text: not a log lrviz reads") from None
    except OSError as error:
        raise LogError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not isinstance(state, dict) or "log_history" not in state:
        raise LogError(f"{path}: not a trainer_state.json (no log_history)")
    history = state["log_history"]
    if not isinstance(history, list):
        raise LogError(f"{path}: log_history is not a list of logged entries")
    if not history:
        raise LogError(f"{path}: log_history is empty: the run logged nothing (set logging_steps)")
    name = column or "learning_rate"
    steps: array[int] = array("q")
    rates: array[float] = array("d")
    keys: dict[str, None] = {}
    for entry in history:
        if not isinstance(entry, dict):
            raise LogError(f"{path}: a log_history entry is not an object: {str(entry)[:40]}")
        keys.update(dict.fromkeys(entry))
        if name not in entry:
            continue
        step = entry.get("step")
        if isinstance(step, bool) or not isinstance(step, int):
            raise LogError(f"{path}: a log_history entry has no integer step: {str(entry)[:60]}")
        step = _bounded(path, step)
        if step < 1:
            raise LogError(
                f"{path}: step {step} in log_history: the Trainer logs from step 1 (after an update)"
            )
        steps.append(step)
        rates.append(_rate(path, entry[name], step))
    if not steps:
        there = [k for k in keys if k not in ("step", "epoch")]
        held = f"its entries hold {_listed(there)}" if there else "its entries hold no values"
        raise LogError(f"{path}: no {name} in log_history ({held})")
    return _finish(
        path, "hf", name, steps, rates, float32=False, convention=HF_CONVENTION, offset=1, notes=notes
    )


def _rate(path: Path, value: object, step: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LogError(f"{path}: the rate at step {step} is not a number: {value!r}")
    return float(value)


# ------------------------------------------------------------------------------------ TensorBoard


def _tensorboard(where: Path, files: list[Path], column: str | None, notes: tuple[str, ...]) -> Log:
    """Scalars of the event files of one run, in the order of their names (their start time comes
    first in them): a resumed run's later file wins where both log a step. Each event is decoded by
    TensorBoard's own protocol buffers, as written (scalars need none of the migration to tensors its
    loaders do, which is most of their time)."""
    try:
        protos = importlib.import_module("tensorboard.compat.proto.event_pb2")
    except ImportError:
        raise LogError(f"{where}: {TENSORBOARD_PACKAGE}") from None
    series: dict[str, tuple[array[int], array[float]]] = {}
    texts: set[str] = set()
    doubles: set[str] = set()
    for file in sorted(files, key=lambda p: p.name):
        try:
            for event in _events(file, protos.Event.FromString):
                if not event.HasField("summary"):
                    continue
                for value in event.summary.value:
                    number = _scalar(value)
                    if number is None:
                        texts.add(value.tag)
                        continue
                    if number[1]:
                        doubles.add(value.tag)
                    steps, rates = series.setdefault(value.tag, (array("q"), array("d")))
                    steps.append(event.step)
                    rates.append(number[0])
        except Exception as error:  # the loader's errors are protobuf's, TensorFlow's stand-in's, OSError
            raise LogError(
                f"{file}: not a readable TensorBoard event file ({type(error).__name__})"
            ) from None
    if not series:
        raise LogError(f"{where}: no scalars in the TensorBoard events ({len(files)} file(s))")
    tag = _pick(where, list(series), column, "tag")
    by_hf = bool(texts & set(HF_TENSORBOARD_TAGS)) or (
        tag == "train/learning_rate" and "train/epoch" in series
    )
    steps, rates = series[tag]
    return _finish(
        where,
        "tensorboard",
        tag,
        steps,
        rates,
        float32=tag not in doubles,
        convention=HF_TENSORBOARD_CONVENTION if by_hf else TENSORBOARD_CONVENTION,
        offset=1 if by_hf else 0,
        notes=notes,
    )


RECORD_HEADER = 12
"""A TFRecord's length (8 bytes, little-endian) and the length's checksum (4 bytes)."""


def _events(file: Path, decode: Any) -> Iterator[Any]:
    """The events of a TensorBoard file, one record at a time from the file mapped into memory (so
    that a large file costs no more memory than its scalars): each record is its length, a checksum,
    the event and its checksum; a last record cut short (a run still writing) ends the file, as it
    does for TensorBoard."""
    with file.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            size, position = len(data), 0
            while position + RECORD_HEADER <= size:
                (length,) = struct.unpack_from("<Q", data, position)
                start = position + RECORD_HEADER
                end = start + length
                if end + 4 > size:
                    return
                yield decode(data[start:end])
                position = end + 4


DT_FLOAT, DT_DOUBLE = 1, 2
"""TensorFlow's dtype numbers of float32 and float64 tensors."""


def _scalar(value: Any) -> tuple[float, bool] | None:
    """A summary value's scalar and whether it is float64: ``simple_value`` (float32, what
    SummaryWriter.add_scalar writes), or a 0-d float tensor (tf.summary.scalar's)."""
    if value.HasField("simple_value"):
        return float(value.simple_value), False
    if not value.HasField("tensor"):
        return None
    tensor = value.tensor
    if tensor.tensor_shape.dim or tensor.dtype not in (DT_FLOAT, DT_DOUBLE):
        return None
    double = tensor.dtype == DT_DOUBLE
    if tensor.float_val:
        return float(tensor.float_val[0]), False
    if tensor.double_val:
        return float(tensor.double_val[0]), True
    if len(tensor.tensor_content) == (8 if double else 4):
        return float(np.frombuffer(tensor.tensor_content, dtype="<f8" if double else "<f4")[0]), double
    return None


# -------------------------------------------------------------------------------------------- CSV


def _csv(path: Path, column: str | None) -> Log:
    """A CSV read row by row: the trainer's step column (else a logger's) and the rate column; rows
    with an empty rate (Lightning writes a row for each metric logged) are skipped."""
    try:
        file = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise LogError(f"{path}: cannot be read ({error.strerror or error})") from None
    with file:
        rows = csv.reader(file)
        try:
            header = next(rows, None)
            if header is None or not any(h.strip() for h in header):
                raise LogError(f"{path}: the CSV is empty (no header row)")
            header = [h.strip() for h in header]
            if all(_number(h) for h in header if h):
                raise LogError(
                    f"{path}: the CSV has no header (its first row is numbers): name its columns, "
                    "e.g. step,lr"
                )
            if all(name in header for name in MLFLOW):
                return _mlflow(path, header, rows, column)
            return _table(path, header, rows, column)
        except csv.Error as error:
            raise LogError(f"{path}: not a readable CSV (line {rows.line_num}: {error})") from None
        except UnicodeDecodeError:
            raise LogError(f"{path}: not UTF-8 text: not a log lrviz reads") from None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _table(path: Path, header: list[str], rows: Iterator[list[str]], column: str | None) -> Log:
    step_name = next((n for n in TRAINER_STEPS + LOGGER_STEPS if n in header), None)
    if step_name is None:
        raise LogError(
            f"{path}: no step column ({', '.join(TRAINER_STEPS + LOGGER_STEPS)}); the columns are "
            f"{_listed(header)}"
        )
    rate_name = _pick(path, [h for h in header if h != step_name], column, "column")
    s, r = header.index(step_name), header.index(rate_name)
    steps: array[int] = array("q")
    rates: array[float] = array("d")
    texts: list[str] = []
    no_step = 0
    for row in rows:
        if len(row) <= r or not row[r].strip():
            continue
        if len(row) <= s or not row[s].strip():
            no_step += 1
            continue
        step = _step(path, row[s], rows)
        steps.append(step)
        rates.append(_csv_rate(path, row[r], step))
        if len(texts) < 64:
            texts.append(row[r])
    notes = (f"{no_step} rows with a rate but no {step_name} were skipped",) if no_step else ()
    monitor = MONITOR.fullmatch(rate_name) is not None and "epoch" in header and "step" in header
    if monitor:
        # LearningRateMonitor hands the logger the optimizer's Python floats, not self.log's float32
        return _finish(path, "lightning", rate_name, steps, rates, False, LIGHTNING_CONVENTION, 0, notes)
    lightning = path.name == "metrics.csv" and "epoch" in header and step_name == "step"
    float32 = lightning or _float32_source(rates, texts)
    convention = "Lightning's self.log: step s is taken as update s" if lightning else CSV_CONVENTION
    return _finish(
        path, "lightning" if lightning else "csv", rate_name, steps, rates, float32, convention, 0, notes
    )


def _mlflow(path: Path, header: list[str], rows: Iterator[list[str]], column: str | None) -> Log:
    """MLflow's metric history: one row per (key, value, step), the rate's rows chosen by key."""
    k, v, s = (header.index(n) for n in MLFLOW)
    series: dict[str, tuple[array[int], array[float]]] = {}
    texts: dict[str, list[str]] = {}
    last = max(k, v, s)
    for row in rows:
        if len(row) <= last or not row[v].strip():
            continue
        key = row[k].strip()
        step = _step(path, row[s], rows)
        steps, rates = series.setdefault(key, (array("q"), array("d")))
        steps.append(step)
        rates.append(_csv_rate(path, row[v], step))
        sample = texts.setdefault(key, [])
        if len(sample) < 64:
            sample.append(row[v])
    if not series:
        raise LogError(f"{path}: no metric values in the MLflow history")
    key = _pick(path, list(series), column, "key")
    steps, rates = series[key]
    return _finish(path, "csv", key, steps, rates, _float32_source(rates, texts[key]), CSV_CONVENTION, 0, ())


def _step(path: Path, text: str, rows: Iterator[list[str]]) -> int:
    try:
        return _bounded(path, int(text))
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value.is_integer():
        line = getattr(rows, "line_num", "?")
        raise LogError(f"{path}: line {line}: the step {text.strip()!r} is not a whole number")
    return _bounded(path, int(value))


def _bounded(path: Path, step: int) -> int:
    """A logged step, which no run goes beyond :data:`~lrviz.limits.LARGEST_STEP`."""
    if abs(step) > LARGEST_STEP:
        raise LogError(
            f"{path}: the step {step:.3g} is beyond any run (steps are at most {LARGEST_STEP_TEXT})"
        )
    return step


def _csv_rate(path: Path, text: str, step: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise LogError(f"{path}: the rate at step {step} is not a number: {text.strip()!r}") from None


def _float32_source(rates: array[float], texts: list[str]) -> bool:
    """Whether a CSV's rates came from float32: every one exactly a float32, and some written with the
    digits of a float32 widened to float64 (0.0010000000474974513), which a float64 source does not
    write. Short decimals (0.5, 0.001) say nothing and count as float64."""
    if not rates:
        return False
    values = np.frombuffer(rates, dtype=np.float64)
    with np.errstate(over="ignore"):  # a rate beyond float32's range is no float32 one
        narrowed = values.astype(np.float32).astype(np.float64)
    if not np.array_equal(narrowed, values):
        return False
    return any(len(re.sub(r"[^0-9]", "", t.split("e")[0].split("E")[0]).strip("0")) > 9 for t in texts)


# ------------------------------------------------------------------------------------- the column


def _pick(path: Path, names: list[str], column: str | None, what: str) -> str:
    """The rate's column (or tag, or key): ``column`` if given, else the one rate there is."""
    if column is not None:
        if column in names:
            return column
        raise LogError(f"{path}: no {what} {column!r}; the {what}s are {_listed(names)}")
    rates = [name for name in RATE_NAMES if name in names]
    if len(rates) > 1:
        raise LogError(f"{path}: {len(rates)} rate {what}s ({_listed(rates)}): pick one with --log-column")
    if rates:
        return rates[0]
    monitors = [n for n in names if MONITOR.fullmatch(n) and not MONITOR_OTHER.fullmatch(n)]
    if monitors:
        optimizers = list(dict.fromkeys(_monitor_key(n) for n in monitors))
        if len(optimizers) > 1:
            raise LogError(
                f"{path}: rates of {len(optimizers)} optimizers ({_listed(optimizers)}): pick one with "
                "--log-column"
            )
        plain = [n for n in monitors if "/pg" not in n]
        return plain[0] if plain else min(monitors, key=lambda n: int(n.rsplit("/pg", 1)[1]))
    panels = [
        n
        for n in names
        if (m := PANEL.fullmatch(n)) and m["name"] in RATE_NAMES and not n.endswith(("__MIN", "__MAX"))
    ]
    if len(panels) == 1:
        return panels[0]
    if panels:
        raise LogError(f"{path}: rates of {len(panels)} runs ({_listed(panels)}): pick one with --log-column")
    raise LogError(
        f"{path}: no learning-rate {what}; the {what}s are {_listed(names)} (pick one with --log-column)"
    )


def _monitor_key(name: str) -> str:
    """lr-AdamW/pg2 → lr-AdamW: the optimizer a LearningRateMonitor column belongs to."""
    return name.split("/pg", 1)[0]


# ------------------------------------------------------------------------------------------ checks


def _finish(
    path: Path,
    kind: str,
    column: str,
    steps: Iterable[int],
    rates: Iterable[float],
    float32: bool,
    convention: str,
    offset: int,
    notes: tuple[str, ...],
) -> Log:
    """The points in update order, each step once (a step logged again, after a resume, keeps its later
    value), checked: finite, not negative, no update before 0."""
    logged = np.asarray(steps, dtype=np.int64)
    values = np.asarray(rates, dtype=np.float64)
    if logged.size == 0:
        raise LogError(f"{path}: no rates in {column}")
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = int(np.argmax(bad))
        raise LogError(
            f"{path}: the rate at step {int(logged[first])} is {float(values[first])!r}: not a rate"
        )
    # the last occurrence of each step: unique over the reversed points
    order = np.argsort(logged[::-1], kind="stable")
    unique, index = np.unique(logged[::-1][order], return_index=True)
    keep = logged.size - 1 - order[index]
    extra = list(notes)
    if unique.size < logged.size:
        counts = np.bincount(np.searchsorted(unique, logged), minlength=unique.size)
        extra.append(
            f"steps logged twice (a resumed run?), the later values kept: {_ranges(unique[counts > 1])}"
        )
    updates = unique - offset
    if updates[0] < 0:
        raise LogError(f"{path}: step {int(unique[0])} is before the first update ({convention})")
    return Log(
        path=path,
        kind=kind,
        column=column,
        steps=updates.astype(np.int64),
        rates=values[keep],
        float32=float32,
        convention=convention,
        notes=tuple(extra),
        offset=offset,
    )


def _ranges(steps: npt.NDArray[np.int64]) -> str:
    """21, 22, 23, 30 → "21–23, 30"."""
    parts: list[str] = []
    start = previous = int(steps[0])
    for step in [*(int(s) for s in steps[1:]), None]:
        if step is not None and step == previous + 1:
            previous = step
            continue
        parts.append(str(start) if start == previous else f"{start}–{previous}")
        if step is not None:
            start = previous = step
    return ", ".join(parts[:SHOWN]) + (", …" if len(parts) > SHOWN else "")
