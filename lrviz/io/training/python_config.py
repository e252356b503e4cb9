"""Python training configs (OpenMMLab's, nanoGPT's), read with ``ast`` and never executed (being written)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrviz.io.training.document import TrainingConfigError


def read_python(path: Path, text: str) -> tuple[dict[str, Any], Mapping[tuple[str, ...], int]]:
    """The top-level assignments of a Python config, as values, and the line of each key path."""
    raise TrainingConfigError(f"{path}: Python configs are not read yet")
