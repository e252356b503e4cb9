"""The README's notebook example, run in a real notebook by nbconvert in a fresh kernel with no setup:
every ``lrviz.plot`` and ``lrviz.compare`` shows as a picture, every ``lrviz.table`` as an HTML table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests import readme
from tests.frameworks import require

NOTEBOOK = re.compile(r"<!-- notebook -->\n```python\n(.*?)```\n<!-- /notebook -->", re.DOTALL)


def readme_cells() -> list[str]:
    """The cells of the README's notebook example: its code, cut at each ``# %%`` line."""
    found = NOTEBOOK.search(readme.README.read_text(encoding="utf-8"))
    assert found is not None, "the README has no notebook example"
    cells = re.split(r"^# %%.*\n", found.group(1), flags=re.MULTILINE)
    return [cell.strip() for cell in cells if cell.strip()]


def shown(cell: str) -> str | None:
    """What a cell's last line shows: a picture, an HTML table, or nothing asked of the display."""
    last = cell.splitlines()[-1]
    if re.match(r"lrviz\.(plot|compare)\(", last):
        return "image/png"
    if re.match(r"lrviz\.table\(", last):
        return "text/html"
    return None


def test_the_readme_example_has_cells_to_show() -> None:
    kinds = {shown(cell) for cell in readme_cells()}
    assert {"image/png", "text/html"} <= kinds


def test_the_readme_notebook_runs_and_shows_pictures(tmp_path: Path) -> None:
    nbformat = require("nbformat")
    require("ipykernel")
    preprocessors = require("nbconvert.preprocessors")
    cells = readme_cells()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in cells])
    runner = preprocessors.ExecutePreprocessor(timeout=300, kernel_name="python3")
    runner.preprocess(notebook, {"metadata": {"path": str(tmp_path)}})  # raises on a cell's error
    for cell in notebook.cells:
        wanted = shown(cell.source)
        if wanted is None:
            continue
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, cell.source
        data: dict[str, Any] = results[0].data
        assert wanted in data, f"{cell.source!r} shows only {sorted(data)}"
