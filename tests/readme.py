"""The README's examples, run: the blocks of output it shows are generated from the program with cog
(``cog -r README.md`` regenerates them, and the tests fail when one is stale), and every ``lrviz`` line
it shows runs in a test from an empty folder.

In the README a block of output is::

    <!-- [[[cog show("lrviz table cosine --max-lr 0.1 --steps 100") ]]] -->
    ```
    $ lrviz table cosine --max-lr 0.1 --steps 100
    …the output…
    ```
    <!-- [[[end]]] -->
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"


@contextlib.contextmanager
def folder(files: Mapping[str, str]) -> Iterator[Path]:
    """A new empty folder as the working folder, holding ``files`` (name → text)."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for file, text in files.items():
            (folder / file).write_text(text, encoding="utf-8")
        os.chdir(folder)
        try:
            yield folder
        finally:
            os.chdir(before)


def run(command: str) -> tuple[int, str, str]:
    """``command`` (a line starting with ``lrviz``) run in-process: its exit status, stdout, stderr."""
    from lrviz.cli.main import run as lrviz

    words = shlex.split(command)
    assert words[0] == "lrviz", command
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = lrviz(words[1:], stderr=err)
    return status, out.getvalue(), err.getvalue()


def output(*commands: str, files: Mapping[str, str] | None = None, head: int | None = None) -> str:
    """The commands as a terminal shows them, each after ``$ ``, run in an empty folder holding
    ``files``; only the first ``head`` lines of an output when it is longer, then ``…``."""
    shown = []
    with folder(files or {}):
        for command in commands:
            _, out, err = run(command)
            lines = (out + err).rstrip("\n").splitlines()
            if head is not None and len(lines) > head:
                lines = [*lines[:head], "…"]
            shown += [f"$ {command}", *(line.rstrip() for line in lines)]
    return "\n".join(shown)


def show(*commands: str, files: Mapping[str, str] | None = None, head: int | None = None) -> None:
    """Write :func:`output` into the README as a block (called by cog)."""
    import cog

    cog.outl("```")
    cog.outl(output(*commands, files=files, head=head))
    cog.outl("```")


def show_files(files: Mapping[str, str], language: str = "yaml") -> None:
    """Write each file into the README as a block headed by its name (called by cog)."""
    import cog

    for name, text in files.items():
        cog.outl(f"```{language}")
        cog.outl(f"# {name}")
        cog.outl(text.rstrip("\n"))
        cog.outl("```")


def _runnable(command: str) -> bool:
    """Whether a command the README's text names is one to run as written: with arguments, and no
    placeholder (NAME, SPEC), elision or pipe; the shell's completion set-up is the reader's."""
    words = command.split()
    if len(words) < 3 and not (len(words) == 2 and words[1].startswith("--")):
        return False
    return not re.search(r"\b[A-Z]{3,}\b|…|\||completion", command)


def _in_process(command: str) -> bool:
    """Whether a command runs here as written: not ``lrviz explore``, which needs a terminal (the tests
    of explore run the README's in one), nor a line that uses the reader's shell (``"$SPEC"``)."""
    return not command.startswith("lrviz explore") and "$" not in command


def _source() -> str:
    """The project's repository, as pyproject.toml names it."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["urls"]["Source"])


def gallery_link(name: str) -> str:
    """The address of a gallery image that works wherever the README is read: on the repository's
    page and on the package index, which shows the README without the files beside it."""
    owner_and_name = _source().removeprefix("https://github.com/")
    return f"https://raw.githubusercontent.com/{owner_and_name}/main/gallery/{name}.svg"


def show_gallery(names: list[str], columns: int, width: int) -> None:
    """Write a table of gallery images into the README (called by cog)."""
    import cog

    cog.outl("<table>")
    for start in range(0, len(names), columns):
        cells = "".join(
            f'<td><img src="{gallery_link(name)}" width="{width}" alt="{name}"></td>'
            for name in names[start : start + columns]
        )
        cog.outl(f"<tr>{cells}</tr>")
    cog.outl("</table>")


def lines(text: str | None = None) -> list[str]:
    """Every ``lrviz`` line the README shows outside a generated block (whose output cog checks), as
    a reader would copy it: in code blocks, ``$ `` and comments dropped."""
    text = README.read_text(encoding="utf-8") if text is None else text
    text = re.sub(r"<!-- \[\[\[cog.*?\[\[\[end\]\]\] -->", "", text, flags=re.DOTALL)
    found, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        command = re.sub(r"\s+#.*$", "", line.removeprefix("$ ")).strip()
        if inside and (command.startswith("lrviz ") or command == "lrviz") and _in_process(command):
            found.append(command)
        elif not inside:  # `lrviz … …` in the text: a command with its arguments, as written
            found += [c for c in re.findall(r"`(lrviz [^`]*)`", line) if _runnable(c) and _in_process(c)]
    return list(dict.fromkeys(found))
