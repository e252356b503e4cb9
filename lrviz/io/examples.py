"""The examples lrviz ships: the configs of ``configs/`` and the metric file they use, found by name
from any folder (``lrviz compare frameworks``, ``--metric val_loss.csv``).

An installed lrviz holds them in the package (the wheel copies ``configs/`` into ``lrviz/configs``); a
checkout of the source, beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).parent.parent


def folder() -> Path:
    """The folder of the shipped examples."""
    installed = _PACKAGE / "configs"
    return installed if installed.is_dir() else _PACKAGE.parent / "configs"


def configs() -> list[Path]:
    """Every shipped config, by name."""
    return sorted(folder().glob("*.yaml"))


def named(text: str, suffixes: tuple[str, ...]) -> Path | None:
    """The shipped example ``text`` names (``frameworks``, ``frameworks.yaml`` or the documented
    ``configs/frameworks.yaml``, with one of ``suffixes``), when no such file is here; else ``None``."""
    path = Path(text)
    if not text or str(path.parent) not in (".", "configs") or exists(path):
        return None
    text = path.name
    candidates = [text] if text.lower().endswith(suffixes) else [text + suffix for suffix in suffixes]
    return next((folder() / name for name in candidates if exists(folder() / name)), None)


def exists(path: Path) -> bool:
    """Whether ``path`` names something, without an error for a name the system refuses (too long)."""
    try:
        path.stat()
    except (OSError, ValueError):
        return False
    return True
