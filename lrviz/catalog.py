"""The catalogue of built-in schedules, made from the registry: ``lrviz list`` and the README table."""

from __future__ import annotations

from lrviz.registry import Entry, entries


def family(entry: Entry) -> str:
    """The article's two criteria for a schedule: how often it changes, and how."""
    return f"{entry.frequency} · {entry.quantity}"


def parameters(entry: Entry) -> str:
    return ", ".join(p.signature_text() for p in entry.params)


def markdown() -> str:
    """A Markdown table of every built-in schedule: name, family, parameters, one line."""
    lines = ["| schedule | family | parameters | what it does |", "|---|---|---|---|"]
    for entry in entries():
        cells = [f"`{entry.name}`", family(entry), f"`{parameters(entry)}`", entry.summary]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
