"""The examples lrviz ships: the configs of ``configs/``, the metric file they use and the training
configs of ``configs/training/``, found by name from any folder (``lrviz compare frameworks``,
``--metric val_loss.csv``, ``lrviz import trainer_args.json``).

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
    if not text or str(path.parent) not in (".", "configs", "configs/training") or exists(path):
        return None
    text = path.name
    candidates = [text] if text.lower().endswith(suffixes) else [text + suffix for suffix in suffixes]
    places = (place() / name for name in candidates for place in (folder, training))
    return next((place for place in places if exists(place)), None)


def training() -> Path:
    """The folder of the shipped training configs, one of each kind lrviz reads."""
    return folder() / "training"


def exists(path: Path) -> bool:
    """Whether ``path`` names something, without an error for a name the system refuses (too long)."""
    try:
        path.stat()
    except (OSError, ValueError):
        return False
    return True
