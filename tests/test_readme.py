"""The README as a new user meets it: every output it shows is the program's (cog), and every
``lrviz`` line it shows runs from an empty folder."""

from __future__ import annotations

import pytest
from cogapp import Cog

from tests import readme


def test_the_readmes_outputs_are_the_programs() -> None:
    status = Cog().main(
        ["cog", "--check", "--check-fail-msg", "regenerate them with: cog -r README.md", str(readme.README)]
    )
    assert status == 0


@pytest.mark.parametrize("command", readme.lines())
def test_every_readme_example_runs_from_an_empty_folder(
    command: str, tmp_path: pytest.TempPathFactory
) -> None:
    with readme.folder({}):
        status, out, err = readme.run(command)
    allowed = {0, 1} if command.startswith("lrviz check") else {0}
    assert status in allowed, err
    assert "Traceback" not in out + err


def test_the_readme_has_examples_to_run() -> None:
    assert len(readme.lines()) > 20


def test_images_show_on_the_package_index_too() -> None:
    """The package index shows the README without the files beside it: every image is an address."""
    import re

    text = readme.README.read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]+)"', text) + re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images
    for image in images:
        assert image.startswith("https://raw.githubusercontent.com/"), image
        assert (readme.ROOT / "gallery" / image.rsplit("/", 1)[1]).exists(), image
