"""The gallery holds an image of every built-in schedule and every config, made deterministically."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from lrviz.io.files import write_atomically
from lrviz.language.catalogue import entries
from lrviz.render.gallery import render_all

ROOT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    "name", [e.name for e in entries()] + [p.stem for p in sorted((ROOT / "configs").glob("*.yaml"))]
)
def test_every_schedule_and_config_has_a_gallery_image(name: str) -> None:
    image = ROOT / "gallery" / f"{name}.svg"
    assert image.exists(), "regenerate the gallery with: lrviz gallery"
    assert f"gallery/{name}.svg" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_regenerating_gives_byte_identical_files(tmp_path: Path) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    shutil.copy(ROOT / "configs" / "llm-pretraining.yaml", configs)
    first = render_all(tmp_path / "first", configs, write_atomically)
    second = render_all(tmp_path / "second", configs, write_atomically)
    assert [p.name for p in first] == [p.name for p in second]
    assert len(first) == len(list(entries())) + 1
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


@pytest.mark.parametrize("entry", list(entries()), ids=lambda entry: entry.name)
def test_each_image_shows_its_schedules_shape(entry: Any) -> None:
    """An example's run is sized to it (its shape is not squeezed into a corner, nor cut to its warm-up)
    and only a feedback schedule is drawn with a metric."""
    import numpy as np

    from lrviz.render.gallery import schedule_curves

    curves = schedule_curves(entry)
    assert (curves.run.metric is not None) == (entry.frequency == "feedback")
    rates = curves.series[0].values
    changes = np.flatnonzero(np.diff(rates) != 0) + 1
    assert changes.size
    assert changes[-1] >= rates.size / 2, "the rate stops changing in the first half of the picture"


@pytest.mark.parametrize("out", ["a-file/gallery", "a-file"])
def test_a_folder_that_cannot_be_made_is_a_write_error(cli: Any, tmp_path: Path, out: str) -> None:
    """A gallery folder under a file, or a file where the folder should be: one line and exit status 1,
    before anything is drawn."""
    (tmp_path / "a-file").write_text("")
    result = cli("gallery", "--out", str(tmp_path / out), "--configs", str(tmp_path))
    assert result.code == 1
    assert result.err.startswith(f"lrviz gallery: cannot write '{tmp_path / out}': ")
    assert result.err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]
