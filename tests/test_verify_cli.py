"""``lrviz verify`` and ``lrviz plot --log`` on real logs (tiny runs of the real libraries, in
tests/data/logs): exit statuses, the JSON verdict, the overlay, and bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.frameworks import require

LOGS = Path(__file__).parent / "data" / "logs"
PLANS = sorted(LOGS.rglob("*.plan.json"))


def _plan(plan: Path) -> tuple[list[str], Path, dict[str, Any]]:
    data = json.loads(plan.read_text())
    options = [
        part
        for key, value in data.get("options", {}).items()
        for part in (f"--{key.replace('_', '-')}", str(value))
    ]
    return [data["spec"], *options], plan.with_name(plan.name.removesuffix(".plan.json")), data["expected"]


@pytest.mark.parametrize("plan", PLANS, ids=[str(p.relative_to(LOGS)) for p in PLANS])
def test_each_real_log_gets_its_verdict(plan: Path, cli: Any) -> None:
    args, log, expected = _plan(plan)
    if log.suffix != ".csv" and (
        "tfevents" in log.name or (log.is_dir() and not (log / "trainer_state.json").exists())
    ):
        require("tensorboard")
    result = cli("verify", *args, "--log", str(log), "--json")
    assert result.code == (0 if expected["match"] else 1), result.err
    verdict = json.loads(result.out)
    assert verdict["match"] is expected["match"]
    if not expected["match"]:
        cause = verdict["findings"][-1]
        assert cause["code"] == expected["code"]
        for key in ("steps", "ratio", "at"):
            if key in expected:
                assert cause[key] == expected[key]
        assert isinstance(verdict["first_departure"], int)
    else:
        assert verdict["first_departure"] is None


def test_the_overlay_and_the_log_alone_are_drawn(tmp_path: Path, cli: Any) -> None:
    args, log, _ = _plan(LOGS / "mistakes" / "next_step_rate" / "trainer_state.json.plan.json")
    over = tmp_path / "over.svg"
    assert cli("plot", *args, "--log", str(log), "-o", str(over)).code == 0
    assert "departs at" in over.read_text()
    alone = tmp_path / "alone.png"
    assert cli("plot", "--log", str(LOGS / "csv" / "wandb_history.csv"), "-o", str(alone)).code == 0
    assert alone.read_bytes().startswith(b"\x89PNG")


def test_without_a_plan_the_spec_that_reproduces_the_log(cli: Any) -> None:
    result = cli("verify", "--log", str(LOGS / "hf" / "checkpoint-40" / "trainer_state.json"), "--json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert found["exact"] is True
    import lrviz

    rates = [
        e["learning_rate"]
        for e in json.loads((LOGS / "hf" / "checkpoint-40" / "trainer_state.json").read_text())["log_history"]
        if "learning_rate" in e
    ]
    ours = lrviz.evaluate(found["spec"], found["steps"])
    assert max(abs(a - b) for a, b in zip(ours[: len(rates)], rates, strict=True)) < 1e-12


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"\x00\x01\x02junk\xff", ""),
        (b'{"log_history": []}', ""),
        (b"step,lr\n0,0.1\n1,nan\n", "step 1"),
        (b"step,loss\n0,1.0\n", "columns"),
    ],
)
def test_bad_logs_are_one_line_and_status_2(
    tmp_path: Path, cli: Any, content: bytes | None, message: str
) -> None:
    path = tmp_path / ("trainer_state.json" if content and content.startswith(b"{") else "log.csv")
    if content is not None:
        path.write_bytes(content)
    result = cli("verify", "cosine(0.1)", "--steps", "10", "--log", str(path))
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert path.name in result.err
    assert message in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ([path.name] if content is not None else [])


def test_verify_needs_a_log(cli: Any) -> None:
    result = cli("verify", "cosine(0.1)", "--steps", "10")
    assert result.code == 2
    assert "--log" in result.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"step,lr\n99999999999999999999999,0.1\n", "beyond any run"),
        (b"step,lr,learning_rate\n0,0.1,0.2\n", "pick one with --log-column"),
        (b"step,lr\n0,1e308\n1,1e309\n", "inf"),
    ],
)
def test_logs_beyond_reason_are_refused(tmp_path: Path, cli: Any, content: bytes, message: str) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(content)
    result = cli("verify", "cosine(0.1)", "--steps", "3", "--log", str(path))
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert message in result.err


def _torch_log(folder: Path, make: Any, updates: int) -> Path:
    """A CSV log of a real torch scheduler (``make(lr_scheduler, optimizer)``) in a plain loop: the
    rate each update used, at its step."""
    torch = require("torch")
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    scheduler = make(torch.optim.lr_scheduler, optimizer)
    rows = ["step,lr"]
    for step in range(updates):
        rows.append(f"{step},{optimizer.param_groups[0]['lr']!r}")
        optimizer.step()
        scheduler.step()
    path = folder / "log.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_log_that_stops_early_is_said(tmp_path: Path, cli: Any) -> None:
    path = _torch_log(tmp_path, lambda s, o: s.CosineAnnealingLR(o, T_max=200), 100)
    result = cli(
        "verify",
        "torch.CosineAnnealingLR(optimizer, T_max=200, lr=0.1)",
        "--steps",
        "200",
        "--log",
        str(path),
        "--json",
    )
    assert result.code == 0, result.err
    assert [f["code"] for f in json.loads(result.out)["findings"]] == ["shorter"]


def test_a_staircase_of_many_drops_is_fitted(tmp_path: Path, cli: Any) -> None:
    path = _torch_log(tmp_path, lambda s, o: s.StepLR(o, step_size=3, gamma=0.5), 100)
    result = cli("verify", "--log", str(path), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["exact"] is True
