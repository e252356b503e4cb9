"""Shared fixtures: the command line run in-process, and hypothesis profiles."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings

from lrviz.cli.main import run

settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile("thorough", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``lrviz ARGS…`` in-process; return its exit status, stdout and stderr."""

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say once which frameworks were missing, so that the parity tests skipped, and how to get them."""
    missing: set[str] = set()
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if found := re.search(r"(\S+) is not installed", reason):
            missing.add(found.group(1).partition(".")[0])
    if missing:
        terminalreporter.write_line(
            f"parity tests skipped: {', '.join(sorted(missing))} not installed; "
            "install the frameworks with .ci/frameworks to check lrviz against them"
        )
