"""The training-log readers, on logs of real tiny runs (tests/data/logs, made by make_logs.py): each
log's rates, at the updates its source's convention puts them, against the rates the optimizer held
during each update, recorded from the training loop itself (the ``recorded`` of each sidecar)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz.io.logs import Log, LogError, read
from tests.frameworks import require

LOGS = Path(__file__).parent / "data" / "logs"
HF_RUN = LOGS / "hf" / "checkpoint-40" / "trainer_state.json"
HF_EVENTS = next((LOGS / "hf" / "runs").rglob("events.out.tfevents.*[0-9]"))
TORCH_EVENTS = next((LOGS / "tensorboard").glob("events.out.tfevents.*[0-9]"))


def plan(log: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(log.with_name(log.name + ".plan.json").read_text())
    return data


def recorded(log: Path) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(plan(log)["recorded"]["rates"], dtype=np.float64)


def assert_rates(log: Log, truth: np.ndarray[Any, np.dtype[np.float64]]) -> None:
    """Every update of the run logged once, at its own rate (float32 sources: to float32)."""
    assert log.steps.dtype == np.int64
    assert log.rates.dtype == np.float64
    np.testing.assert_array_equal(log.steps, np.arange(truth.size))
    if log.float32:
        np.testing.assert_array_equal(log.rates.astype(np.float32), truth.astype(np.float32))
    else:
        np.testing.assert_allclose(log.rates, truth, rtol=1e-12, atol=0)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------------ real runs


def test_hf_trainer_state_is_update_s_minus_1() -> None:
    log = read(HF_RUN)
    assert (log.kind, log.column, log.float32, log.offset) == ("hf", "learning_rate", False, 1)
    assert "s − 1" in log.convention
    assert_rates(log, recorded(HF_RUN))
    # the Trainer's own file: step 1 holds the warm-up's first rate, 0
    history = json.loads(HF_RUN.read_text())["log_history"]
    assert history[0]["step"] == 1
    assert history[0]["learning_rate"] == 0.0


def test_hf_checkpoint_folder() -> None:
    assert read(HF_RUN.parent).path == HF_RUN


def test_hf_output_folder_takes_the_newest_checkpoint(tmp_path: Path) -> None:
    for n in (20, 40):
        (tmp_path / f"checkpoint-{n}").mkdir()
        (tmp_path / f"checkpoint-{n}" / "trainer_state.json").write_bytes(HF_RUN.read_bytes())
    log = read(tmp_path)
    assert log.path == tmp_path / "checkpoint-40" / "trainer_state.json"
    assert any("checkpoint-40" in note for note in log.notes)


def test_hf_tensorboard_is_update_s_minus_1() -> None:
    require("tensorboard")
    for where in (HF_EVENTS, HF_EVENTS.parent, LOGS / "hf" / "runs"):
        log = read(where)
        assert (log.kind, log.column, log.float32, log.offset) == (
            "tensorboard",
            "train/learning_rate",
            True,
            1,
        )
        assert "TensorBoardCallback" in log.convention
        assert_rates(log, recorded(HF_EVENTS))


def test_torch_summary_writer_is_update_s() -> None:
    require("tensorboard")
    log = read(TORCH_EVENTS)
    assert (log.kind, log.column, log.float32, log.offset) == ("tensorboard", "lr", True, 0)
    assert_rates(log, recorded(TORCH_EVENTS))


def test_tensorboard_tag_picked() -> None:
    require("tensorboard")
    log = read(HF_EVENTS, "train/loss")
    assert log.column == "train/loss"
    assert log.steps.size == 40
    with pytest.raises(LogError, match=r"no tag 'learning_rate'; the tags are .*train/learning_rate"):
        read(HF_EVENTS, "learning_rate")


def test_resumed_tensorboard_keeps_the_later_values() -> None:
    require("tensorboard")
    folder = LOGS / "hf_resumed" / "tb"
    assert len(list(folder.iterdir())) == 2
    log = read(folder)
    assert_rates(log, recorded(folder))
    assert plan(folder)["twice"] == list(range(21, 27))
    assert log.notes == ("steps logged twice (a resumed run?), the later values kept: 21–26",)


def test_resumed_trainer_state() -> None:
    path = LOGS / "hf_resumed" / "trainer_state.json"
    log = read(path)
    assert_rates(log, recorded(path))
    assert log.notes == ()


def test_several_tensorboard_runs_are_refused(tmp_path: Path) -> None:
    require("tensorboard")
    for run in ("Dec01_10-00-00_a", "Dec02_10-00-00_b"):
        (tmp_path / "runs" / run).mkdir(parents=True)
        (tmp_path / "runs" / run / HF_EVENTS.name).write_bytes(HF_EVENTS.read_bytes())
    message = r"2 TensorBoard runs \(runs/Dec01_10-00-00_a, runs/Dec02_10-00-00_b\): give the folder of one"
    with pytest.raises(LogError, match=message):
        read(tmp_path)
    assert read(tmp_path / "runs" / "Dec02_10-00-00_b").steps.size == 40


def test_lightning_monitor_is_update_s() -> None:
    path = LOGS / "lightning" / "metrics.csv"
    log = read(path)
    assert (log.kind, log.column, log.offset) == ("lightning", "lr-AdamW", 0)
    assert "LearningRateMonitor" in log.convention
    # LearningRateMonitor hands the CSVLogger the optimizer's Python floats: float64, exactly
    assert log.float32 is False
    assert_rates(log, recorded(path))


def test_lightning_monitor_ignores_momentum_weight_decay_and_later_groups() -> None:
    path = LOGS / "lightning_momentum" / "metrics.csv"
    header = path.read_text().splitlines()[0].split(",")
    assert {"lr-AdamW/pg1-momentum", "lr-AdamW/pg1-weight_decay", "lr-AdamW/pg2"} <= set(header)
    log = read(path)
    assert log.column == "lr-AdamW/pg1"
    assert_rates(log, recorded(path))
    assert read(path, "lr-AdamW/pg2").rates[0] == pytest.approx(recorded(path)[0] / 10, rel=1e-12)


def test_lightning_self_log_is_float32(tmp_path: Path) -> None:
    path = write(
        tmp_path / "metrics.csv", "epoch,lr,step\n0,0.0010000000474974513,0\n0,0.0005000000237487257,1\n"
    )
    log = read(path)
    assert (log.kind, log.float32) == ("lightning", True)


def test_several_optimizers_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "metrics.csv", "epoch,lr-AdamW,lr-SGD,lr-AdamW-momentum,step\n0,0.1,0.2,0.9,0\n")
    with pytest.raises(
        LogError, match=r"rates of 2 optimizers \(lr-AdamW, lr-SGD\): pick one with --log-column"
    ):
        read(path)
    assert read(path, "lr-SGD").rates.tolist() == [0.2]


def test_wandb_history_prefers_the_trainer_step() -> None:
    path = LOGS / "csv" / "wandb_history.csv"
    header = path.read_text().splitlines()[0].split(",")
    assert header[:3] == ["_step", "trainer/global_step", "lr"]
    log = read(path)
    assert (log.kind, log.column, log.float32, log.offset) == ("csv", "lr", False, 0)
    assert_rates(log, recorded(path))


def test_wandb_panel_ignores_min_and_max() -> None:
    path = LOGS / "csv" / "wandb_panel.csv"
    log = read(path)
    assert log.column == "tiny-run-1 - lr"
    assert_rates(log, recorded(path))


def test_wandb_panel_of_several_runs_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "panel.csv", "Step,a - lr,a - lr__MIN,b - lr\n0,0.1,0.1,0.2\n")
    with pytest.raises(LogError, match=r"rates of 2 runs \(a - lr, b - lr\)"):
        read(path)


def test_mlflow_history_by_key() -> None:
    path = LOGS / "csv" / "mlflow_lr.csv"
    log = read(path)
    assert (log.kind, log.column) == ("csv", "lr")
    assert_rates(log, recorded(path))
    assert read(path, "loss").rates[1] == pytest.approx(0.5)
    with pytest.raises(LogError, match=r"no key 'learning_rate'; the keys are loss, lr"):
        read(path, "learning_rate")


@pytest.mark.parametrize(
    "name",
    [
        "mistakes/next_step_rate/trainer_state.json",
        "mistakes/tmax_in_epochs.csv",
        "mistakes/times_devices/trainer_state.json",
        "mistakes/epoch_scheduler_per_batch.csv",
        "mistakes/restarted_schedule/trainer_state.json",
    ],
)
def test_classic_mistake_logs(name: str) -> None:
    path = LOGS / name
    log = read(path)
    truth = recorded(path)
    assert plan(path)["expected"]["match"] is False
    if "next_step_rate" in name:
        # the old Trainer's log: at step s the scheduler's rate after update s − 1, that of update s
        np.testing.assert_allclose(log.rates[:-1], truth[1:], rtol=1e-12, atol=0)
        assert not np.allclose(log.rates, truth)
    else:
        assert_rates(log, truth)


def test_every_sidecar_names_a_log_and_a_plan() -> None:
    sidecars = sorted(LOGS.rglob("*.plan.json"))
    assert len(sidecars) == 15
    for sidecar in sidecars:
        data = json.loads(sidecar.read_text())
        assert sidecar.with_name(sidecar.name.removesuffix(".plan.json")).exists()
        assert {"spec", "options", "expected", "recorded"} <= set(data)
        assert isinstance(data["expected"]["match"], bool)
    for path in LOGS.rglob("*"):
        assert path.stat().st_size <= 200_000, path


# ---------------------------------------------------------------------------------- the CSV rules


def test_trainer_step_wins_over_logger_step(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "_step,train/global_step,learning_rate\n0,5,0.1\n1,6,0.2\n")
    assert read(path).steps.tolist() == [5, 6]
    path = write(tmp_path / "log2.csv", "Step,step,lr\n7,0,0.1\n8,1,0.2\n")
    assert read(path).steps.tolist() == [0, 1]


def test_duplicate_steps_keep_the_later_values(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "step,lr\n0,0.1\n1,0.2\n2,0.3\n1,0.25\n2,0.35\n3,0.4\n")
    log = read(path)
    assert log.steps.tolist() == [0, 1, 2, 3]
    assert log.rates.tolist() == [0.1, 0.25, 0.35, 0.4]
    assert log.notes == ("steps logged twice (a resumed run?), the later values kept: 1–2",)


def test_unsorted_steps_are_sorted_and_empty_rates_skipped(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "step,lr,loss\n2,0.3,\n0,0.1,\n1,,0.5\n1,0.2,\n")
    log = read(path)
    assert log.steps.tolist() == [0, 1, 2]
    assert log.rates.tolist() == [0.1, 0.2, 0.3]


def test_csv_float32_only_from_float32_digits(tmp_path: Path) -> None:
    short = write(tmp_path / "a.csv", "step,lr\n0,0.5\n1,0.25\n")
    widened = write(tmp_path / "b.csv", f"step,lr\n0,{float(np.float32(0.001))!r}\n1,0.5\n")
    double = write(tmp_path / "c.csv", "step,lr\n0,0.0009972883382072953\n")
    assert [read(p).float32 for p in (short, widened, double)] == [False, True, False]


def test_column_picks_and_lists(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", "step,lr,lr_head\n0,0.1,0.01\n")
    assert read(path, "lr_head").rates.tolist() == [0.01]
    with pytest.raises(LogError, match=r"log\.csv: no column 'lr_body'; the columns are lr, lr_head$"):
        read(path, "lr_body")


def test_hf_other_key(tmp_path: Path) -> None:
    assert read(HF_RUN, "grad_norm").column == "grad_norm"


# ----------------------------------------------------------------------------------- bad input


def bad_inputs(tmp_path: Path) -> list[tuple[Path, str]]:
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 4)
    state = {"log_history": [{"loss": 1.0, "step": 1}, {"eval_loss": 1.0, "step": 1}]}
    return [
        (tmp_path / "missing.json", "no such file or folder"),
        (write(tmp_path / "empty" / "notes.txt", "x").parent, "no trainer_state.json, checkpoint-"),
        (
            write(tmp_path / "norate.csv", "step,loss,acc\n0,1,2\n"),
            r"no learning-rate column; the columns are loss, acc",
        ),
        (write(tmp_path / "nostep.csv", "epoch,lr\n0,1\n"), r"no step column .*; the columns are epoch, lr"),
        (write(tmp_path / "e" / "trainer_state.json", '{"log_history": []}'), "log_history is empty"),
        (
            write(tmp_path / "n" / "trainer_state.json", json.dumps(state)),
            r"no learning_rate in log_history \(its entries hold loss, eval_loss\)",
        ),
        (write(tmp_path / "nolog.json", '{"global_step": 3}'), "not a trainer_state.json"),
        (write(tmp_path / "nan.csv", "step,lr\n0,0.1\n1,nan\n2,0.1\n"), r"the rate at step 1 is nan"),
        (write(tmp_path / "inf.csv", "step,lr\n0,0.1\n3,inf\n"), r"the rate at step 3 is inf"),
        (write(tmp_path / "neg.csv", "step,lr\n0,0.1\n4,-0.1\n5,-1\n"), r"the rate at step 4 is -0.1"),
        (
            write(
                tmp_path / "nanjs" / "trainer_state.json",
                '{"log_history": [{"step": 2, "learning_rate": NaN}]}',
            ),
            "the rate at step 2 is nan",
        ),
        (junk, "binary content"),
        (write(tmp_path / "broken.json", '{"log_history": [{"step": 1,'), r"not valid JSON \(line 1"),
        (write(tmp_path / "noheader.csv", "0,0.1\n1,0.2\n"), "no header"),
        (write(tmp_path / "blank.csv", ""), "empty"),
        (write(tmp_path / "word.csv", "step,lr\n0,fast\n"), r"the rate at step 0 is not a number: 'fast'"),
        (
            write(tmp_path / "halfstep.csv", "step,lr\n0.5,0.1\n"),
            r"line 2: the step '0.5' is not a whole number",
        ),
        (
            write(
                tmp_path / "s0" / "trainer_state.json", '{"log_history": [{"step": 0, "learning_rate": 0.1}]}'
            ),
            "step 0",
        ),
    ]


def test_bad_input_is_one_line_naming_the_file(tmp_path: Path) -> None:
    for path, message in bad_inputs(tmp_path):
        with pytest.raises(LogError) as caught:
            read(path)
        text = str(caught.value)
        assert "\n" not in text, text
        assert text.startswith(str(path)), text
        assert re.search(message, text), (message, text)


def test_tensorboard_bad_input(tmp_path: Path) -> None:
    require("tensorboard")
    junk = tmp_path / "events.out.tfevents.1.host.1.0"
    junk.write_bytes(b"\x93NUMPY junk that is no record" * 10)
    with pytest.raises(LogError, match=r"events\.out\.tfevents\.1\.host\.1\.0: (not a readable|no scalars)"):
        read(junk)
    with pytest.raises(LogError, match=r"no tag 'nope'; the tags are train/loss, train/grad_norm"):
        read(HF_EVENTS, "nope")


def test_tensorboard_missing_package_is_a_log_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto.event_pb2", None)
    with pytest.raises(LogError, match=r'needs the tensorboard package: pip install "lrviz\[tensorboard\]"'):
        read(TORCH_EVENTS)


def test_import_is_light() -> None:
    code = (
        "import sys, lrviz.io.logs; "
        "print([m for m in ('tensorboard', 'pandas', 'matplotlib', 'yaml', 'torch') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ----------------------------------------------------------------------------------------- size


def test_a_million_step_csv_reads_in_seconds(tmp_path: Path) -> None:
    n = 10**6
    path = tmp_path / "big.csv"
    steps = np.arange(n)
    rates = 1e-3 * (1 + np.cos(math.pi * steps / n)) / 2
    with path.open("w") as file:
        file.write("_step,trainer/global_step,lr,loss\n")
        file.writelines(f"{s},{s},{r!r},0.5\n" for s, r in zip(steps.tolist(), rates.tolist(), strict=True))
    start = time.perf_counter()
    log = read(path)
    took = time.perf_counter() - start
    assert log.steps.size == n
    np.testing.assert_array_equal(log.rates, rates)
    assert took < 5, f"{took:.1f} s"
