"""The house's layers: every import of an lrviz module — at the top of a file or inside a function —
goes to the same layer or a lower one, and the modules import one another without a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "lrviz"

LAYERS = [
    ("base", ["lrviz.errors", "lrviz.limits", "lrviz.interrupts", "lrviz.progress", "lrviz.version"]),
    ("clock", ["lrviz.clock"]),
    ("metadata", ["lrviz.schedules.kinds", "lrviz.schedules.entry", "lrviz.dialects.frameworks"]),
    ("schedules", ["lrviz.schedules", "lrviz.dialects"]),
    ("language", ["lrviz.language"]),
    ("evaluation", ["lrviz.evaluation"]),
    ("io", ["lrviz.io"]),
    (
        "tools and rendering",
        [
            "lrviz.tools",
            "lrviz.render",
            "lrviz.api",
            "lrviz.adapters",
            "lrviz.torch",
            "lrviz.optax",
            "lrviz.keras",
        ],
    ),
    ("command line", ["lrviz.cli", "lrviz.__main__", "lrviz"]),
]
"""The layers from the bottom up, each the modules (and packages) it holds: the most specific name wins."""


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best, depth = -1, -1
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = number, prefix.count(".")
    assert best >= 0, f"{module} is in no layer"
    return best


def _imports(path: Path) -> set[str]:
    """The lrviz modules a file imports anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("lrviz")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lrviz"):
            for alias in node.names:  # ``from lrviz.io import config`` imports the module lrviz.io.config
                sub = f"{node.module}.{alias.name}"
                found.add(
                    sub
                    if (PACKAGE.parent / sub.replace(".", "/")).with_suffix(".py").exists()
                    else node.module
                )
    return found


GRAPH = {_module(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_import_reaches_a_higher_layer(module: str) -> None:
    mine = _layer(module)
    higher = [other for other in GRAPH[module] if _layer(other) > mine]
    assert not higher, f"{module} ({LAYERS[mine][0]}) imports {higher} from above"


def test_no_module_imports_itself_round_a_circle() -> None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, " → ".join([*visiting[visiting.index(module) :], module])
        visiting.append(module)
        for other in GRAPH.get(module, ()):
            if other != module and other in GRAPH:
                visit(other)
        visiting.pop()
        done.add(module)

    for module in GRAPH:
        visit(module)


def test_the_architecture_page_names_what_is_there() -> None:
    """Every file, folder and dotted name ARCHITECTURE.md gives in backticks exists, and every layer of
    the page is a layer here: the map is kept true."""
    import importlib
    import re

    page = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for token in re.findall(r"`([^`\s]+)`", page):
        if token.endswith((".py", "/")):
            found = PACKAGE / token if not token.startswith("tests/") else PACKAGE.parent / token
            assert found.exists() or "<" in token, f"ARCHITECTURE.md names {token}, which is not there"
        elif re.fullmatch(r"[a-z_]+(\.[a-z_]+)+\.[A-Za-z_]+", token):
            module, _, name = f"lrviz.{token}".rpartition(".")
            assert hasattr(importlib.import_module(module), name), f"ARCHITECTURE.md names {token}"
    named = re.findall(r"^\| ([a-z ]+) \| `", page, flags=re.MULTILINE)
    assert named == [name for name, _ in LAYERS]
