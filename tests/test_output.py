"""Output under hostile conditions: signals, closed pipes, full disks, devices, links, permissions,
concurrent writers, and errors nobody expected. Each ends in one line, exit status 1, 2 or 128 + the
signal, with no traceback and no temporary file left behind."""

from __future__ import annotations

import io
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import pytest

import lrviz.cli.app
from lrviz import interrupts
from lrviz.cli.main import run
from lrviz.errors import RunError
from lrviz.io.files import ensure_disk_space, remove_temporaries, write_atomically
from lrviz.limits import excerpt

LONG_RUN = "20000000"
"""Steps enough for a plot or an export to be mid-work for a second or more."""
SIGNALS = [getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _lrviz(args: list[str], cwd: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
    """``python -m lrviz ARGS`` started in ``cwd``."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.Popen([sys.executable, "-m", "lrviz", *args], cwd=cwd, **options)


def _wait_for_temporary(process: subprocess.Popen[bytes], folder: Path) -> None:
    """Wait until ``process`` has created its temporary file in ``folder``."""
    deadline = time.monotonic() + 120
    while not list(folder.glob(".*.part")):
        if process.poll() is not None:
            pytest.fail(f"lrviz ended before writing: {process.communicate()[1]!r}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("lrviz made no temporary file in two minutes")
        time.sleep(0.01)


# Signals


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize(("command", "name"), [("plot", "out.png"), ("export", "out.csv")])
def test_a_signal_mid_write_ends_cleanly(tmp_path: Path, command: str, name: str, signum: int) -> None:
    """Exit status 128 + the signal, one line, no temporary file, the earlier output untouched."""
    earlier = tmp_path / name
    earlier.write_bytes(b"an earlier output\n")
    process = _lrviz([command, "cosine(0.1)", "--steps", LONG_RUN, "-o", name], tmp_path)
    _wait_for_temporary(process, tmp_path)
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, err
    assert err.decode() == f"lrviz {command}: interrupted\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert earlier.read_bytes() == b"an earlier output\n"


def test_a_second_signal_while_stopping_leaves_nothing(tmp_path: Path) -> None:
    """Two signals at once: either one's status, still one line and no temporary file."""
    process = _lrviz(["export", "cosine(0.1)", "--steps", LONG_RUN, "-o", "out.csv"], tmp_path)
    _wait_for_temporary(process, tmp_path)
    process.send_signal(signal.SIGTERM)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode in (128 + signal.SIGTERM, 128 + signal.SIGINT), err
    assert err.decode() == "lrviz export: interrupted\n"
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def handlers() -> Iterator[None]:
    """Restore this process's signal handlers after a test installs lrviz's."""
    saved = {signum: signal.getsignal(signum) for signum in interrupts.SIGNALS}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.mark.usefixtures("handlers")
def test_a_signal_another_thread_catches_waits_for_a_deferred_block() -> None:
    """A signal to the process may be delivered to any of its threads (numpy's, a BLAS library's);
    Python still runs the handler in the main thread, and a deferred block holds it back all the same."""
    interrupts.install(lambda status: None)
    done: list[str] = []
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)  # a thread that does not block signals
    other.start()

    def together() -> None:
        with interrupts.deferred():
            signal.pthread_kill(other.ident or 0, signal.SIGTERM)  # delivered to the other thread
            time.sleep(0.05)  # Python runs the handler in the main thread meanwhile
            done.append("the steps that must happen together")

    try:
        with pytest.raises(interrupts.Interrupted):
            together()
        assert done == ["the steps that must happen together"]
    finally:
        stop.set()
        interrupts.ignore()


@pytest.mark.usefixtures("handlers")
def test_the_first_signal_raises_and_a_second_stops_at_once() -> None:
    stopped: list[int] = []
    interrupts.install(stopped.append)
    with pytest.raises(interrupts.Interrupted) as caught:
        signal.raise_signal(signal.SIGTERM)
    assert (caught.value.signum, caught.value.status) == (signal.SIGTERM, 143)
    signal.raise_signal(signal.SIGINT)  # while the first is handled: no exception, stop now
    assert stopped == [143]


@pytest.mark.usefixtures("handlers")
def test_a_signal_just_after_the_temporary_file_is_made_is_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signal comes before write_atomically's own cleanup is in place: the record of temporary
    files still knows the file, and remove_temporaries (what main() calls on its way out) removes it."""
    interrupts.install(lambda status: None)
    make = tempfile.mkstemp

    def make_then_signal(*args: Any, **kwargs: Any) -> tuple[int, str]:
        made = make(*args, **kwargs)
        signal.raise_signal(signal.SIGTERM)
        return made

    def write(file: IO[Any]) -> None:
        file.write("x")

    monkeypatch.setattr(tempfile, "mkstemp", make_then_signal)
    with pytest.raises(interrupts.Interrupted):
        write_atomically(tmp_path / "out.csv", write)
    assert len(list(tmp_path.glob(".out.csv.*.part"))) == 1
    remove_temporaries()
    assert list(tmp_path.iterdir()) == []


def test_a_stop_noted_as_the_rename_begins_keeps_the_earlier_file(tmp_path: Path) -> None:
    """Python runs a signal's handler between bytecodes, so a signal that came during the last C
    call of the write (a large string written at once) is noted only once the rename's deferred block
    has begun: the rename must not happen, and the earlier file stays as it was."""
    interrupts.install(lambda status: None)
    earlier = tmp_path / "out.json"
    earlier.write_text("earlier", encoding="utf-8")

    def write(file: IO[Any]) -> None:
        file.write("new")
        interrupts._WAITING.append(signal.SIGTERM)  # noted, as a deferred block notes it

    with pytest.raises(interrupts.Interrupted):
        write_atomically(earlier, write)
    assert earlier.read_text(encoding="utf-8") == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# Standard output

STDOUT_COMMANDS = [
    ["table", "cosine(0.1)", "-n", "5"],
    ["list"],
    ["describe", "cosine"],
    ["export", "cosine(0.1)", "-n", "5"],
    ["export", "cosine(0.1)", "-n", "5", "-f", "json"],
    ["check", "cosine(0.1)", "-n", "5"],
    ["code", "cosine(0.1)", "-n", "5", "--to", "torch"],
    ["--version"],
    ["plot", "--help"],
    [],
]


class FailingStdout(io.StringIO):
    """A standard output whose every write fails with ``error``."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


def _prefix(args: list[str]) -> str:
    return f"lrviz {args[0]}" if args and not args[0].startswith("-") else "lrviz"


@pytest.mark.parametrize("args", STDOUT_COMMANDS, ids=" ".join)
def test_a_full_standard_output_is_one_line(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", FailingStdout(OSError(28, "No space left on device")))
    err = io.StringIO()
    assert run(args, stderr=err) == 1
    assert err.getvalue() == f"{_prefix(args)}: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize("args", STDOUT_COMMANDS, ids=" ".join)
def test_a_closed_standard_output_ends_quietly(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", FailingStdout(BrokenPipeError(32, "Broken pipe")))
    err = io.StringIO()
    assert run(args, stderr=err) == 1  # a status, not SystemExit from click
    assert err.getvalue() == ""


@pytest.mark.parametrize("args", STDOUT_COMMANDS, ids=" ".join)
def test_no_standard_output_is_one_line(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Its descriptor closed (``>&-``), Python has no sys.stdout: the output is not silently lost."""
    monkeypatch.setattr(sys, "stdout", None)
    err = io.StringIO()
    assert run(args, stderr=err) == 1
    assert err.getvalue() == f"{_prefix(args)}: cannot write to standard output: it is closed\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(
    "args", [["export", "cosine(0.1)", "-n", "10"], ["table", "cosine(0.1)", "-n", "10"]]
)
def test_standard_output_on_a_full_disk(tmp_path: Path, args: list[str]) -> None:
    """The real interpreter: one line, never a traceback or 'Exception ignored' at its final flush."""
    with open("/dev/full", "wb") as full:
        process = _lrviz(args, tmp_path, stdout=full)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.decode() == f"lrviz {args[0]}: cannot write to standard output: No space left on device\n"


@pytest.mark.parametrize(
    "args", [["export", "cosine(0.1)", "--steps", "100000"], ["table", "cosine(0.1)", "-n", "4000", "--all"]]
)
def test_a_pipe_closed_early_ends_quietly_with_status_1(tmp_path: Path, args: list[str]) -> None:
    """As ``lrviz … | head -1``: nothing on stderr, at exit either; status 1 (the output is cut)."""
    process = _lrviz(args, tmp_path)
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert (process.returncode, err.decode()) == (1, "")


# The last resort


@pytest.mark.parametrize(
    "error",
    [ValueError("a message " * 50), MemoryError(), RecursionError("maximum recursion depth exceeded")],
    ids=lambda e: type(e).__name__,
)
def test_an_unexpected_error_is_one_line(cli: Any, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.delenv("LRVIZ_DEBUG", raising=False)
    monkeypatch.setattr(lrviz.cli.app, "_built", fail)
    result = cli("table", "cosine(0.1)", "-n", "5")
    assert result.code == 1
    assert result.err.startswith(f"lrviz table: internal error: {type(error).__name__}")
    assert result.err.endswith(" (please report it; LRVIZ_DEBUG=1 shows the traceback)\n")
    assert result.err.count("\n") == 1
    assert len(result.err) < 320  # the message cut to about 200 characters


def test_lrviz_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setenv("LRVIZ_DEBUG", "1")
    monkeypatch.setattr(lrviz.cli.app, "_built", fail)
    with pytest.raises(ValueError, match="a bug"):
        run(["table", "cosine(0.1)", "-n", "5"], stderr=io.StringIO())


# Output files

CSV_OF_TWO = "step,constant(0.5)\n0,0.5\n1,0.5\n"


def _export_two(cli: Any, path: Path) -> Any:
    return cli("export", "constant(0.5)", "-n", "2", "-f", "csv", "-o", str(path))


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A copy of /dev/null (minor 3) or /dev/full (7) in ``tmp_path``, where it can be made; else the
    real one when lrviz cannot replace it (not root); else the test is skipped."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except (AttributeError, OSError):
        real = Path("/dev") / {3: "null", 7: "full"}[minor]
        if ROOT or not real.exists():
            pytest.skip("cannot make a device node here")
        return real
    return path


def test_a_null_device_is_written_through(tmp_path: Path, cli: Any) -> None:
    null = _device(tmp_path, "null", 3)
    result = _export_two(cli, null)
    assert (result.code, result.err) == (0, "")
    assert stat.S_ISCHR(null.stat().st_mode)
    assert [p for p in tmp_path.iterdir() if p != null] == []


def test_a_full_device_is_one_line_and_stays_a_device(tmp_path: Path, cli: Any) -> None:
    full = _device(tmp_path, "full", 7)
    result = _export_two(cli, full)
    assert result.code == 1
    assert result.err == f"lrviz export: cannot write {excerpt(str(full))}: No space left on device\n"
    assert stat.S_ISCHR(full.stat().st_mode)
    assert [p for p in tmp_path.iterdir() if p != full] == []


def test_a_fifo_is_written_through(tmp_path: Path, cli: Any) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    result = _export_two(cli, fifo)
    reader.join(timeout=60)
    assert result.code == 0, result.err
    assert received == [CSV_OF_TWO]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_socket_is_never_replaced(tmp_path: Path, cli: Any) -> None:
    path = tmp_path / "s.csv"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        result = _export_two(cli, path)
    assert result.code == 1
    assert result.err.startswith(f"lrviz export: cannot write {excerpt(str(path))}: ")
    assert result.err.count("\n") == 1
    assert stat.S_ISSOCK(path.stat().st_mode)


def test_a_block_device_is_refused(tmp_path: Path, cli: Any) -> None:
    """Never written to (it would be a disk) nor replaced. The node names no real device (major 240
    is for local use), so that even a wrong write could reach nothing."""
    node = tmp_path / "disk.csv"
    try:
        os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(240, 250))
    except (AttributeError, OSError):
        pytest.skip("cannot make a device node here")
    result = _export_two(cli, node)
    assert result.code == 1
    assert result.err == (
        f"lrviz export: cannot write {excerpt(str(node))}: it is not a regular file, a character device "
        "or a FIFO\n"
    )
    assert stat.S_ISBLK(node.stat().st_mode)
    assert list(tmp_path.iterdir()) == [node]


def test_a_folder_is_refused(tmp_path: Path, cli: Any) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    result = _export_two(cli, folder)
    assert result.code == 1
    assert result.err.startswith(f"lrviz export: cannot write {excerpt(str(folder))}: ")
    assert result.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == [folder]
    assert list(folder.iterdir()) == []


def test_a_symlink_writes_its_target_and_stays_a_link(tmp_path: Path, cli: Any) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    assert _export_two(cli, link).code == 0
    assert link.is_symlink()
    assert os.readlink(link) == "real.csv"
    assert target.read_text() == CSV_OF_TWO
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_dangling_symlink_creates_its_target(tmp_path: Path, cli: Any) -> None:
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to("sub/new.csv")
    assert _export_two(cli, link).code == 0
    assert link.is_symlink()
    assert (tmp_path / "sub" / "new.csv").read_text() == CSV_OF_TWO


def test_a_dangling_symlink_into_a_missing_folder_is_one_line(tmp_path: Path, cli: Any) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to("missing/new.csv")
    result = _export_two(cli, link)
    assert result.code == 1
    assert result.err == f"lrviz export: cannot write {excerpt(str(link))}: No such file or directory\n"
    assert [p.name for p in tmp_path.iterdir()] == ["link.csv"]
    assert link.is_symlink()


@pytest.fixture
def umask() -> Iterator[None]:
    saved = os.umask(0o022)
    yield
    os.umask(saved)


@pytest.mark.usefixtures("umask")
def test_a_replaced_file_keeps_its_permission_bits(tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old")
    out.chmod(0o600)
    assert _export_two(cli, out).code == 0
    assert out.read_text() == CSV_OF_TWO
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.usefixtures("umask")
def test_a_new_file_gets_0666_less_the_umask(tmp_path: Path, cli: Any) -> None:
    os.umask(0o027)
    out = tmp_path / "out.csv"
    assert _export_two(cli, out).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


@pytest.mark.skipif(not ROOT, reason="only root can give a file to someone else")
def test_as_root_a_replaced_file_keeps_its_owner_and_group(tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old")
    os.chown(out, 12345, 23456)
    assert _export_two(cli, out).code == 0
    assert (out.stat().st_uid, out.stat().st_gid) == (12345, 23456)


def test_two_writers_at_once_leave_one_whole_file(tmp_path: Path, cli: Any) -> None:
    specs = ["cosine(0.1)", "linear(0.1, 0)"]
    steps = "300000"
    expected = {cli("export", spec, "--steps", steps).out for spec in specs}
    assert len(expected) == 2
    for _ in range(2):
        writers = [_lrviz(["export", spec, "--steps", steps, "-o", "out.csv"], tmp_path) for spec in specs]
        for writer in writers:
            _, err = writer.communicate(timeout=120)
            assert writer.returncode == 0, err
        assert (tmp_path / "out.csv").read_text() in expected
        assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def _free(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    monkeypatch.setattr("shutil.disk_usage", lambda path: SimpleNamespace(total=free, used=0, free=free))


def test_an_export_larger_than_the_free_disk_is_refused_before_writing(
    tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _free(monkeypatch, 1000)
    out = tmp_path / "out.csv"
    result = cli("export", "cosine(0.1)", "-n", "1000", "-o", str(out))
    assert result.code == 2
    assert result.err.startswith(f"lrviz export: writing {excerpt(str(out))} needs about ")
    assert "and 1000 bytes is free there: shorten the run (--steps)" in result.err
    assert result.err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
    _free(monkeypatch, 1_000_000)
    assert cli("export", "cosine(0.1)", "-n", "1000", "-o", str(out)).code == 0


def test_disk_space_is_not_asked_of_a_fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _free(monkeypatch, 0)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    ensure_disk_space(fifo, 10**18)
    with pytest.raises(RunError, match="needs about"):
        ensure_disk_space(tmp_path / "file.csv", 10**18)


def test_a_long_path_is_cut_in_the_message(tmp_path: Path, cli: Any) -> None:
    out = tmp_path.joinpath(*["a" * 60] * 5, "out.csv")
    result = cli("export", "cosine(0.1)", "-n", "5", "-o", str(out))
    assert result.code == 1
    assert "…" in result.err
    assert result.err.count("\n") == 1
    assert len(result.err) < 200


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_a_label_utf8_cannot_hold_is_escaped_in_a_file(tmp_path: Path, cli: Any, suffix: str) -> None:
    """A lone surrogate in a config's label (YAML ``"\\ud800"``) has no UTF-8 form: a CSV writes it as
    its escape, as JSON does, rather than failing half-way."""
    config = tmp_path / "surrogate.yaml"
    config.write_text('schedules:\n  "a\\ud800b": cosine(0.1)\nsteps: 3\n')
    out = tmp_path / f"out{suffix}"
    result = cli("export", str(config), "-o", str(out))
    assert (result.code, result.err) == (0, "")
    assert "a\\ud800b" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name, config.name]
