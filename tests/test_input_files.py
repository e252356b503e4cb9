"""Hostile input files: every metric CSV and YAML config either reads correctly or is refused with exit
status 2 and one line that names the file (and line) and says what is wrong, never what is in it; no
traceback, no hang, no unbounded read.

Files are real files in tmp_path (FIFOs made with os.mkfifo, /dev/zero, sparse files past the limits),
and the command line runs in-process. A FIFO is watched by a thread that opens it for writing should
anything start reading it, so that code which reads a FIFO fails a test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrviz import limits
from lrviz.errors import LrvizError
from lrviz.io.metric import names_like, read_csv, synthetic
from tests.conftest import Result

Cli = Callable[..., Result]

SECRET = "Zq7xSECRETv3"
"""A marker planted in files: no message may contain it."""


def _refused(result: Result, path: Path | str, *needles: str) -> str:
    """Check that a command was refused with one line naming ``path`` and containing ``needles``, and
    that the secret marker appears nowhere; return the message."""
    assert result.code == 2, (result.code, result.err)
    assert result.err.endswith("\n"), result.err
    assert result.err.count("\n") == 1, result.err
    assert str(path) in result.err, result.err
    for needle in needles:
        assert needle in result.err, result.err
    assert SECRET not in result.err
    assert SECRET not in result.out
    assert "Traceback" not in result.err
    return result.err


def _metric(cli: Cli, path: Path | str, steps: int = 3, *more: str) -> Result:
    return cli("export", "plateau(0.1)", "-n", str(steps), "--metric", str(path), *more)


@contextlib.contextmanager
def _watched_fifo(path: Path) -> Iterator[Path]:
    """A FIFO at ``path``. Should anything open it to read, a thread opens it to write, writes a small
    CSV and closes it, so that a reader gets data and an end instead of waiting forever."""
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        while not done.wait(0.05):
            try:
                handle = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # fails while there is no reader
            except OSError:
                continue
            with os.fdopen(handle, "wb") as file:
                file.write(b"steps: 3\nschedules: {a: cosine(0.1)}\nloss\n1\n2\n")
            return

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        done.set()
        thread.join()


# ---------------------------------------------------------------------------------------- metric files


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (f"{SECRET}=hunter2\nPASSWORD={SECRET}\n", "x.csv:2: column 1 is not a number"),
        (
            f"root:{SECRET}:0:0:root:/root:/bin/bash\ndaemon:{SECRET}:1:1\n",
            "x.csv:2: column 1 is not a number",
        ),
        (f"loss\n1\n{SECRET}\n", "x.csv:3: the loss column is not a number"),
        (f"step,loss\n0,1\n1,{SECRET}\n", "x.csv:3: the loss column is not a number"),
        (f"step,loss\n0,1\n{SECRET},1\n", "x.csv:3: the step column is not a whole number"),
        (f"ghp_16C7e42F292c6912E7710c838347Ae178B4a{SECRET}\n1\n", "values in column 1"),
        (f"{SECRET}: yes\n", "values in column 1"),
        (f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n", "x.csv:2: column 1 is not a number"),
    ],
    ids=["env", "passwd", "cell", "value-cell", "step-cell", "token-header", "yaml", "key"],
)
def test_a_metric_file_is_never_quoted(cli: Cli, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content)
    _refused(_metric(cli, path, 5), path, message)


def test_a_config_pointing_at_a_secret_file_does_not_show_it(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "shadow").write_text(f"root:{SECRET}:20228:0:99999:7:::\nbin:*:1:0\n")
    (tmp_path / "run").mkdir()
    config = tmp_path / "run" / "c.yaml"
    config.write_text("steps: 3\nmetric: ../private/shadow\nschedules: {a: plateau(0.1)}\n")
    _refused(cli("export", str(config)), "shadow", "shadow:2: column 1 is not a number")


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux /proc")
def test_proc_self_environ_is_refused_without_showing_the_environment(cli: Cli) -> None:
    message = _refused(_metric(cli, "/proc/self/environ"), "/proc/self/environ", "is not a text CSV file")
    assert "PATH" not in message
    assert "=" not in message


@pytest.mark.skipif(not Path("/etc/passwd").exists(), reason="no /etc/passwd")
def test_etc_passwd_is_refused_without_showing_it(cli: Cli) -> None:
    message = _refused(_metric(cli, "/etc/passwd"), "/etc/passwd:2: column 1 is not a number")
    assert "root" not in message
    assert "/bin" not in message


def test_a_missing_column_lists_the_names_only_of_a_header_of_names(cli: Cli, tmp_path: Path) -> None:
    names = tmp_path / "names.csv"
    names.write_text(",".join(f"metric_{i}_with_a_rather_long_descriptive_name" for i in range(25)) + "\n")
    message = _refused(_metric(cli, names, 3, "--metric-column", "acc"), names, "no column 'acc'")
    assert "metric_0_with_a_rather_long_des…" in message  # each cut to 32 characters
    assert "metric_19_" in message
    assert "metric_20_" not in message
    assert "and 5 more" in message
    secret = tmp_path / "secret.csv"
    secret.write_text(f"user:{SECRET}\n1\n")
    _refused(_metric(cli, secret, 3, "--metric-column", "loss"), secret, "no column 'loss'", "not shown")


@pytest.mark.parametrize(
    "header",
    [
        "step",
        "val/loss",
        "trainer/global_step",
        "Wall time",
        "run-1 - val/loss__MIN",
        "acc (%)",
        "",
        "Verlust",
    ],
)
def test_names(header: str) -> None:
    assert names_like([header, "loss"])


@pytest.mark.parametrize(
    "header",
    [
        "root:x:0:0:root:/root:/bin/bash",
        "SECRET=1",
        "-----BEGIN KEY-----",
        "0.5",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "e3b0c44298fc1c149afbf4c8996fb924",
        "a" * 65,
        "tab\there",
        "it's",
    ],
)
def test_not_names(header: str) -> None:
    assert not names_like(["loss", header])


def test_a_fifo_is_refused_without_reading(cli: Cli, tmp_path: Path) -> None:
    with _watched_fifo(tmp_path / "pipe.csv") as fifo:
        _refused(_metric(cli, fifo), fifo, "is not a regular file but a pipe")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_without_reading(cli: Cli, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    _refused(_metric(cli, device), device, "is not a regular file but a device")


def test_a_folder_and_a_socket_are_refused(cli: Cli, tmp_path: Path) -> None:
    import socket

    _refused(_metric(cli, tmp_path), tmp_path, "is a folder, not a metric file")
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        _refused(_metric(cli, path), path, "is not a regular file but a socket")


def test_a_metric_file_over_the_limit_is_refused_before_reading(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:  # sparse: no disk used
        file.truncate(limits.METRIC_BYTES + 1)
    _refused(_metric(cli, path), path, f"{limits.METRIC_BYTES:,} bytes")


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="Linux /proc")
def test_a_file_that_says_it_is_empty_is_read_no_further_than_the_limit(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /proc files are regular files of size 0 with content: the bound on reading is what holds
    monkeypatch.setattr("lrviz.io.metric.METRIC_BYTES", 100)
    _refused(_metric(cli, "/proc/self/maps"), "/proc/self/maps", "holds more than 100 bytes once read")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 4, "x.csv:1: is not a text CSV file"),
        (b"loss\n1\n2\x003\n", "x.csv:3: is not a text CSV file: it holds a control character"),
        (b"loss\n1\n\xff\xfe\n", "x.csv:3: is not a text CSV file: not UTF-8 text"),
        ("loss\n1\n2\n".encode("utf-16"), "x.csv:1: is not a text CSV file"),
        (b"loss\n1\n\x1b[2J\n", "x.csv:3: is not a text CSV file: it holds a control character"),
        (b"loss\n" + b"9" * (2 << 20) + b"\n", "x.csv:2: is not a CSV file lrviz reads: a line of over"),
        (b'loss\n"1\n2\n', "x.csv:3: the loss column is not a number"),
    ],
    ids=["binary", "nul", "latin1", "utf16", "escape", "long-line", "open-quote"],
)
def test_a_file_that_is_not_text_is_refused_with_its_line(
    cli: Cli, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    _refused(_metric(cli, path), path, message)


def _read(tmp_path: Path, content: bytes | str, steps: int = 10) -> tuple[list[int], list[float], str]:
    """The steps, values and label read from a metric file, for a run of ``steps``."""
    path = tmp_path / "m.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    metric = read_csv(path, None, steps, 1)
    return metric.steps.tolist(), metric.values.tolist(), metric.label


def test_a_byte_order_mark_and_crlf_line_ends_are_read(tmp_path: Path) -> None:
    assert _read(tmp_path, b"\xef\xbb\xbfstep,loss\r\n0,3\r\n2,2\r\n4,1\r\n", 5) == (
        [0, 2, 4],
        [3, 2, 1],
        "loss",
    )


@pytest.mark.parametrize(
    "content",
    ["step;loss\n0;0,5\n2;0,25\n", "step\tloss\n0\t0.5\n2\t0.25\n", '"step";"loss"\n0;0,5\n2;"0,25"\n'],
    ids=["semicolon", "tab", "quoted"],
)
def test_semicolon_and_tab_delimiters(tmp_path: Path, content: str) -> None:
    assert _read(tmp_path, content, 3) == ([0, 2], [0.5, 0.25], "loss")


def test_a_comma_in_a_one_column_file_is_refused_not_misread(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("loss\n0,5\n")
    _refused(_metric(cli, path, 2), path, "x.csv:2: the row has 2 cells and the header 1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("step,loss\n0,1\n2,1\n2,3\n", "x.csv:4: step 2 is given twice: the step column must increase"),
        ("step,loss\n0,1\n5,1\n3,3\n", "x.csv:4: step 3 comes after step 5: the step column must increase"),
        ("epoch,loss\n1,1\n0,3\n", "x.csv:3: epoch 0 comes after epoch 1"),
        ("step,loss\n0,1\n-1,1\n", "x.csv:3: the step column is not a whole number"),
        ("step,loss\n0,1\n1.5,1\n", "x.csv:3: the step column is not a whole number"),
        ("step,loss\n0,1\n1e400,1\n", "x.csv:3: the step column is not a whole number"),
        ("step,loss\n0,1\nnan,1\n", "x.csv:3: the step column is not a whole number"),
        ("step,loss\n0,1\ninf,1\n", "x.csv:3: the step column is not a whole number"),
        ("step,loss\n0,1\n9223372036854775808,1\n", "x.csv:3: the step column holds a number past 2**63 - 1"),
        ("step,loss\n0,1\n" + "9" * 5000 + ",1\n", "x.csv:3: the step column holds a number past 2**63 - 1"),
        ("epoch,loss\n0,1\n99999999999999999999999,1\n", "x.csv:3: the epoch column holds a number past"),
        ("loss\n1\n\n", "needs 2 loss values (one a step before its last) and the file has 1"),
    ],
)
def test_bad_steps_are_refused_with_their_line(cli: Cli, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content)
    _refused(_metric(cli, path, 10 if "step" in content else 3), path, message)


def test_values_may_be_nan_or_infinite_and_steps_may_be_written_as_floats(cli: Cli, tmp_path: Path) -> None:
    assert _read(tmp_path, "step,loss\n0,1e400\n1.0,nan\n0002,-inf\n", 3)[0] == [0, 1, 2]
    values = _read(tmp_path, "step,loss\n0,1e400\n1,nan\n", 3)[1]
    assert values[0] == np.inf
    assert np.isnan(values[1])
    path = tmp_path / "m.csv"
    result = _metric(cli, path)
    assert result.code == 0, result.err
    assert "not finite at step 0" in result.err


def test_a_file_longer_than_the_run_is_read_only_as_far_as_the_run(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i}\n" for i in range(100))
    junk = "\x00 binary junk past the end, never read"
    assert _read(tmp_path, "step,loss\n" + rows + junk, 10)[0] == list(range(10))
    assert _read(tmp_path, "loss\n" + "1\n" * 100 + junk, 10)[0] == list(range(10))


@pytest.mark.parametrize("header", ["step", "Step", "_step", "global_step", "trainer/global_step"])
def test_logger_step_columns(tmp_path: Path, header: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text(f"{header},loss\n0,3\n10,2\n20,1\n")
    assert read_csv(path, None, 21, 1).steps.tolist() == [0, 10, 20]


@pytest.mark.parametrize("header", ["epoch", "Epoch"])
def test_epoch_columns(tmp_path: Path, header: str) -> None:
    path = tmp_path / "m.csv"
    path.write_text(f"{header},loss\n0,3\n1,2\n2,1\n")
    assert read_csv(path, None, 30, 10).steps.tolist() == [9, 19, 29]  # each at its epoch's last step


def test_the_trainers_own_step_is_preferred_to_a_loggers(tmp_path: Path) -> None:
    content = "_step,trainer/global_step,epoch,loss\n0,0,0,3\n1,10,0,2\n2,20,1,1\n"
    assert _read(tmp_path, content, 21)[0] == [0, 10, 20]
    content = "Step,global_step,loss\n0,0,3\n1,10,2\n2,20,1\n"
    assert _read(tmp_path, content, 21)[0] == [0, 10, 20]


def test_an_empty_value_cell_is_a_step_without_a_report(tmp_path: Path) -> None:
    # a W&B export: val/loss logged every other step
    content = '"Step","train/loss","val/loss"\n0,3,2.5\n1,2.9,\n2,2.8,2.4\n'
    assert _read(tmp_path, content, 3) == ([0, 2], [2.5, 2.4], "val/loss")


# ---------------------------------------------------------------------------------- synthetic(...)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("synthetic(seed=-1)", "seed must be a whole number from 0 to 2**64 - 1"),
        ("synthetic(seed=1000000000000000000000000000000)", "seed must be a whole number"),
        ("synthetic(seed=0x" + "f" * 5000 + ")", "seed must be a whole number"),
        ("synthetic(seed=1.5)", "seed must be a whole number"),
        ("synthetic(seed=True)", "seed must be a whole number"),
        ("synthetic(decay=1e308)", "decay must be a number from 0 to 1,000,000"),
        ("synthetic(decay=-1)", "decay must be a number from 0 to 1,000,000"),
        ("synthetic(decay=1e400)", "decay must be a number"),
        ("synthetic(noise=1j)", "noise must be a number"),
        ("synthetic(noise='x')", "noise must be a number"),
        ("synthetic(plateaus='x')", "plateaus must be a list"),
        ("synthetic(plateaus=0.3)", "plateaus must be a list"),
        ("synthetic(plateaus=[1e300])", "plateaus must be a list"),
        ("synthetic(plateaus=[-1])", "plateaus must be a list"),
        ("synthetic(plateaus=[100000000000000000000000])", "plateaus must be a list"),
        ("synthetic(plateaus=[[0.3]])", "plateaus must be a list"),
        ("synthetic(", "cannot read"),
        ("synthetic(seed=" + "[" * 300 + "]" * 300 + ")", "cannot read"),
        ("synthetic(seed=" + "-" * 5000 + "1)", "cannot read"),
        ("synthetic(seed=" + "9" * 5000 + ")", "cannot read"),
        ("synthetic(seed=1, seed=2)", "each keyword once"),
        ("synthetic(sed=1)", "not 'sed'"),
        ("synthetic(" + "x" * 20000 + "=1)", "at most 10,000 are read"),
    ],
)
def test_hostile_synthetic_arguments(cli: Cli, source: str, message: str) -> None:
    result = _metric(cli, source, 50)
    assert result.code == 2, result.err
    assert result.err.count("\n") == 1, result.err
    assert message in result.err, result.err
    assert len(result.err) < 300


def test_synthetic_checks_memory_before_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lrviz.limits.available_memory", lambda: 1 << 20)
    with pytest.raises(LrvizError, match=r"the synthetic metric needs about .* of memory"):
        synthetic(1_000_000)


def test_synthetic_plateaus_are_as_before() -> None:
    """The plateaus, counted in one pass, give the clock of one stretch taken out at a time."""
    steps, starts = 1000, [0.1, 0.15, 950, 400, 0, 5000]
    t = np.arange(steps, dtype=np.float64)
    clock = t.copy()
    for start in starts:
        at = int(start * steps) if isinstance(start, float) else start
        clock[at:] -= np.clip(t[at:] - at, 0, steps // 10)
    noise = np.random.default_rng(3).standard_normal(steps)
    expected = 0.5 + 2.0 * np.exp(-0.05 * clock) + 0.02 * noise
    np.testing.assert_array_equal(synthetic(steps, seed=3, plateaus=starts).values, expected)


# ----------------------------------------------------------------------------------------- configs


def _config(tmp_path: Path, content: str | bytes, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _export(cli: Cli, path: Path) -> Result:
    return cli("export", str(path))


def test_a_config_over_the_limit_is_refused_before_reading(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as file:
        file.truncate(limits.CONFIG_BYTES + 1)
    _refused(_export(cli, path), path, f"{limits.CONFIG_BYTES:,} bytes")


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="Linux /proc")
def test_a_config_is_read_no_further_than_the_limit(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lrviz.io.config.CONFIG_BYTES", 100)
    path = tmp_path / "maps.yaml"
    path.symlink_to("/proc/self/maps")
    _refused(_export(cli, path), path, "holds more than 100 bytes once read")


def test_a_config_fifo_is_refused_without_reading(cli: Cli, tmp_path: Path) -> None:
    with _watched_fifo(tmp_path / "pipe.yaml") as fifo:
        _refused(_export(cli, fifo), fifo, "is not a regular file but a pipe")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_config_that_is_dev_zero_is_refused_without_reading(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "zero.yaml"
    path.symlink_to("/dev/zero")
    _refused(_export(cli, path), path, "is not a regular file but a device")


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\nsteps: 3\nschedules: {a: cosine(0.1)}\n"


@pytest.mark.parametrize("levels", [6, 9])
def test_an_alias_bomb_is_refused_before_it_expands(cli: Cli, tmp_path: Path, levels: int) -> None:
    path = _config(tmp_path, _bomb(levels))
    _refused(
        _export(cli, path), path, f"more than {limits.CONFIG_VALUES:,} values once its aliases are expanded"
    )


def test_an_alias_bomb_as_a_key_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = _config(tmp_path, _bomb(9).replace("steps: 3", "? *a8\n: 1\nsteps: 3"))
    _refused(_export(cli, path), path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("steps: " + "[" * 100 + "]" * 100 + "\nschedules: {a: cosine}\n", "c.yaml:1: nested deeper than 64"),
        (
            "steps: " + "[" * 5000 + "]" * 5000 + "\nschedules: {a: cosine}\n",
            "c.yaml:1: nested deeper than 64",
        ),
        ("steps: 3\nschedules: &s {a: cosine(0.1), <<: *s}\n", "c.yaml:2: nested deeper than 64"),
        ("steps: 3\nschedules: &s [*s]\n", "c.yaml:2: nested deeper than 64"),
    ],
    ids=["100", "5000", "self-merge", "self-list"],
)
def test_deep_nesting_is_refused(cli: Cli, tmp_path: Path, content: str, message: str) -> None:
    path = _config(tmp_path, content)
    _refused(_export(cli, path), path, message)


def test_merge_keys_fill_in_shared_settings(cli: Cli, tmp_path: Path) -> None:
    merged = _config(
        tmp_path,
        "steps: 3\n"
        "defaults: &base {lr: 0.5}\n"
        "schedules:\n"
        "  a: {<<: *base, spec: cosine}\n"
        "  b:\n"
        '    <<: [{spec: "step(step_size=1)", gamma: 0.5}, {gamma: 0.9, lr: 1}]\n'
        "  c:\n"
        "    <<: *base\n"
        "    spec: cosine\n"
        "    lr: 0.25\n",
        "merged.yaml",
    )
    written = _config(
        tmp_path,
        "steps: 3\n"
        "defaults: {lr: 0.5}\n"
        "schedules:\n"
        "  a: {lr: 0.5, spec: cosine}\n"
        '  b: {spec: "step(step_size=1)", gamma: 0.5, lr: 1}\n'
        "  c: {spec: cosine, lr: 0.25}\n",
        "written.yaml",
    )
    result, expected = _export(cli, merged), _export(cli, written)
    assert result.code == 0, result.err
    assert result.out == expected.out
    assert result.out.splitlines()[1] == "0,0.5,1.0,0.25"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"steps: 3\nschedules: {a: cosine(0.1)}\x00\n", "c.yaml:2: cannot read it: not text"),
        (b"steps: 3\n\x07schedules: {a: cosine(0.1)}\n", "c.yaml:2: cannot read it: not text"),
        (b"steps: 3\nschedules:\n  a: cosine(\xe9)\n", "c.yaml:3: cannot read it: not UTF-8 text"),
        (bytes(range(256)) * 4, "cannot read it"),
        ("steps: 3\nschedules: {a: cosine(0.1)}\n".encode("utf-16"), "c.yaml:1: cannot read it"),
    ],
    ids=["nul", "bell", "latin1", "binary", "utf16"],
)
def test_a_config_that_is_not_text_is_refused(cli: Cli, tmp_path: Path, content: bytes, message: str) -> None:
    path = _config(tmp_path, content)
    _refused(_export(cli, path), path, message)


def test_a_config_with_a_byte_order_mark_and_crlf_line_ends_is_read(cli: Cli, tmp_path: Path) -> None:
    path = _config(tmp_path, b"\xef\xbb\xbfsteps: 2\r\nschedules:\r\n  a: cosine(0.1)\r\n")
    result = _export(cli, path)
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["step,a", "0,0.1", "1,0.05"]


LONG = "x" * 150_000


@pytest.mark.parametrize(
    "content",
    [
        f"steps: 3\nschedules: {{a: cosine(0.1)}}\nplot: {{layout: {LONG}}}\n",
        f"steps: 3\nstep_on: {LONG}\nschedules: {{a: cosine(0.1)}}\n",
        f"steps: 3\nschedules: {{a: cosine(0.1)}}\nplot: {{size: {LONG}}}\n",
        f"steps: 3\nschedules: {{a: cosine(0.1)}}\n? {LONG}\n: 1\n",
        f"steps: 3\nschedules:\n  ? {LONG}\n  : [1, 2]\n",
        f"steps: 3\nschedules: {{a: cosine(0.1)}}\nplot: !<tag:{LONG}> {{}}\n",
        f"steps: !<tag:{LONG}> 3\nschedules: {{a: cosine(0.1)}}\n",
        f"steps: 3\nschedules: {{a: cosine(0.1)}}\nplot: *{LONG}\n",
        f"steps: 3\nmetric: {LONG}\nschedules: {{a: plateau(0.1)}}\n",
        f"steps: 3\nschedules: {{a: cosine(0.1)}}\ntable: {{checkpoints: {{{LONG}: 1}}}}\n",
    ],
    ids=["layout", "step_on", "size", "key", "label", "tag", "scalar-tag", "alias", "metric", "mapping"],
)
def test_messages_quote_only_a_short_excerpt(cli: Cli, tmp_path: Path, content: str) -> None:
    path = _config(tmp_path, content)
    message = _refused(_export(cli, path), tmp_path.name)  # the config, or the metric file it names
    assert len(message) < 600, message
    assert "x" * 200 not in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "steps: 2024-01-01\nschedules: {a: cosine}\n",
            "steps: must be a positive integer, got '2024-01-01'",
        ),
        (
            "steps: 2024-13-45\nschedules: {a: cosine}\n",
            "steps: must be a positive integer, got '2024-13-45'",
        ),
        ("steps: 3\nstep_on: 2024-01-01 10:00:00\nschedules: {a: cosine}\n", "got '2024-01-01 10:00:00'"),
        (
            "steps: !!binary aGVsbG8=\nschedules: {a: cosine}\n",
            "YAML tag tag:yaml.org,2002:binary is not allowed",
        ),
        ("steps: !!set {a, b}\nschedules: {a: cosine}\n", "YAML tag tag:yaml.org,2002:set is not allowed"),
        ("steps: !!omap [a: 1]\nschedules: {a: cosine}\n", "YAML tag tag:yaml.org,2002:omap is not allowed"),
        (
            "steps: " + "9" * 5000 + "\nschedules: {a: cosine}\n",
            "c.yaml:1: steps: a number of 5,000 characters",
        ),
        (
            "steps: 0x" + "f" * 5000 + "\nschedules: {a: cosine}\n",
            "c.yaml:1: steps: a number of 5,002 characters",
        ),
        ("steps: 1" + ":1" * 20000 + "\nschedules: {a: cosine}\n", "c.yaml:1: steps: a number of"),
        (
            "steps: 3\nschedules: {a: cosine}\nplot: {logy: [1]}\n",
            "plot.logy: must be true or false, got a list",
        ),
    ],
    ids=["date", "bad-date", "datetime", "binary", "set", "omap", "digits", "hex", "sexagesimal", "list"],
)
def test_values_are_never_shown_as_python_objects(
    cli: Cli, tmp_path: Path, content: str, message: str
) -> None:
    path = _config(tmp_path, content)
    shown = _refused(_export(cli, path), path, message)
    for python in ("datetime", "b'", "{'", "set("):
        assert python not in shown


def test_dates_are_read_as_the_text_written(cli: Cli, tmp_path: Path) -> None:
    from lrviz.io.config import load

    config = load(
        _config(tmp_path, "steps: 3\nschedules: {2024-01-01: cosine(0.1)}\nplot: {title: 2024-01-01}\n")
    )
    assert config.plot["title"] == "2024-01-01"
    assert [item.label for item in config.items] == ["2024-01-01"]


def test_keys_are_read_as_written(tmp_path: Path) -> None:
    from lrviz.io.config import load

    config = load(
        _config(tmp_path, "steps: 3\nschedules: {1: cosine(0.1), true: 0.1, null: 0.2, 0x10: 0.3}\n")
    )
    assert [item.label for item in config.items] == ["1", "true", "null", "0x10"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("steps: 3\nschedules: {[a]: cosine(0.1)}\n", "c.yaml:2: schedules: a key must be text, not a list"),
        (
            "steps: 3\nschedules:\n  ? {a: 1}\n  : cosine(0.1)\n",
            "c.yaml:3: schedules: a key must be text, not a mapping",
        ),
        ('steps: 3\nschedules: {"": cosine(0.1)}\n', "c.yaml:2: schedules: a key is empty"),
        ("steps: 3\nschedules: {a: cosine(0.1)}\n!!python/name:os.system x: 1\n", "c.yaml:3: not valid YAML"),
        ("steps: 3\nschedules: {a: cosine(0.1)}\n<<: [1]\n", "c.yaml:3: << merges a mapping"),
        (
            "steps: 3\nschedules: {a: cosine(0.1), <<: {b: 1}, <<: {c: 1}}\n",
            "c.yaml:2: schedules: two merge keys",
        ),
    ],
)
def test_keys_that_are_not_text(cli: Cli, tmp_path: Path, content: str, message: str) -> None:
    path = _config(tmp_path, content)
    _refused(_export(cli, path), path, message)


def test_control_characters_in_keys_are_escaped(cli: Cli, tmp_path: Path) -> None:
    path = _config(tmp_path, 'steps: 3\nschedules: {a: cosine(0.1)}\n"\\e[31mred": 1\n')
    message = _refused(_export(cli, path), path, "c.yaml:3: '\\x1b[31mred': unknown key")
    assert "\x1b" not in message


def test_a_metric_a_config_names_is_told_at_its_key(cli: Any, tmp_path: Path) -> None:
    config = tmp_path / "plateau.yaml"
    config.write_text("schedules:\n  p: plateau(0.1)\nsteps: 100\nmetric: synthetic(seed=-1)\n")
    result = cli("table", str(config))
    assert result.code == 2
    assert result.err.startswith(f"lrviz table: {config}:4: metric: synthetic: seed must be")


def test_a_short_metric_file_says_the_run_it_fits_in_the_options_given(cli: Any, tmp_path: Path) -> None:
    metric = tmp_path / "short.csv"
    metric.write_text("epoch,loss\n0,3\n1,2\n")
    in_epochs = cli(
        "table", "plateau(0.1)", "--epochs", "10", "--steps-per-epoch", "5", "--metric", str(metric)
    )
    assert in_epochs.code == 2
    assert in_epochs.err.rstrip().endswith("give more values, or --epochs 3 to fit")
    in_steps = cli("table", "plateau(0.1)", "-n", "50", "--steps-per-epoch", "5", "--metric", str(metric))
    assert in_steps.err.rstrip().endswith("give more values, or --steps 15 to fit")
