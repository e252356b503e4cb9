"""What lrviz tells about its schedules, all made from their entries: ``lrviz list`` and ``lrviz
describe``, the README's tables, and the run each schedule's example is drawn over."""

from __future__ import annotations

from lrviz.dialects.frameworks import framework
from lrviz.errors import LrvizError, close_names
from lrviz.language.catalogue import dialects, entries, lookup
from lrviz.language.scripts import SCRIPT
from lrviz.language.scripts import entry as script_entry
from lrviz.limits import excerpt
from lrviz.schedules.entry import BASIC_WARMUP, Entry

EXAMPLE_STEPS = 1000
"""The run length of a schedule's example that does not give its own."""


def example_options(entry: Entry) -> str:
    """The run a schedule's example is drawn over, as command-line options: its own (the Example
    section's ``--`` line), or :data:`EXAMPLE_STEPS` steps; a feedback schedule's gets a made-up
    metric to react to."""
    options = entry.doc.example_run or f"--steps {EXAMPLE_STEPS}"
    if entry.frequency == "feedback" and "--metric" not in options:
        options += " --metric synthetic"
    return options


def family(entry: Entry) -> str:
    """The article's two criteria for a schedule: how often it changes, and how."""
    return f"{entry.frequency} · {entry.quantity}"


def parameters(entry: Entry) -> str:
    """The parameters a listing shows: all but the generic warm-up's shape and mode and the cool-down,
    which ``lrviz describe`` shows."""
    return ", ".join(p.signature_text() for p in entry.params if not p.generic or p.name in BASIC_WARMUP)


def listing(dialect: str = "") -> list[tuple[str, str, str, str]]:
    """``lrviz list``: each schedule's name, family, parameters and what it does."""
    if dialect and dialect not in dialects():
        raise LrvizError(f"--dialect is one of {', '.join(dialects())}, got {excerpt(dialect)}")
    return [(e.name, family(e), parameters(e), e.summary) for e in entries(dialect)]


def named(name: str) -> Entry:
    """The schedule ``lrviz describe`` is asked about (a script's ``FILE.py:FUNCTION`` too); an unknown
    name names the closest."""
    if SCRIPT.fullmatch(name.strip()):
        return script_entry(name.strip())
    try:
        return lookup(name)
    except KeyError as error:
        close = error.args[0] or close_names(name, [e.name for e in entries()])
        hint = f"; did you mean {close[0]!r}?" if close else " (see 'lrviz list')"
        raise LrvizError(f"unknown schedule {excerpt(name)}{hint}") from None


def description(entry: Entry) -> str:
    """``lrviz describe``: a schedule's signature, formula, parameters, family, example, the framework
    schedules it matches and its notes."""
    lines = [f"{entry.signature_text()}", "", entry.summary, "", entry.doc.formula, "", "Parameters:"]
    width = max(len(p.name) for p in entry.params) + 1 if entry.params else 0
    for p in entry.params:
        default = "required" if p.required else f"default {p.signature_text().partition('=')[2]}"
        if p.variadic:
            default = "any number"
        unit = f" [{p.unit}]" if p.unit else ""
        lines.append(f"  {p.name.ljust(width)} {p.description}{unit} ({default})")
    lines += ["", f"Family: {family(entry)}"]
    if entry.doc.example:
        lines += ["", "Example:", f'  lrviz plot "{entry.doc.example}" {example_options(entry)}']
    if entry.matches:
        lines += ["", "Matches:", *(f"  {m}" for m in entry.matches)]
    if entry.doc.notes:
        lines += ["", "Notes:", *(f"  {line}" for line in entry.doc.notes.splitlines())]
    return "\n".join(lines)


def markdown(dialect: str = "") -> str:
    """A Markdown table of every built-in schedule (or a dialect's): name, family, parameters, one line."""
    lines = ["| schedule | family | parameters | what it does |", "|---|---|---|---|"]
    for row in listing(dialect):
        name, kind, params, summary = row
        cells = [f"`{name}`", kind, f"`{params}`", summary]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def dialects_markdown() -> str:
    """The README's list of every framework name lrviz speaks, by dialect, with the version checked."""
    parts = []
    for dialect in dialects():
        f = framework(dialect)
        assert f is not None
        names = ", ".join(f"`{e.name}`" for e in sorted(entries(dialect), key=lambda e: e.name))
        parts.append(f"- **{f.title}** (`{dialect}.` or `{f.home}.`; checked against {f.checked}): {names}")
    return "\n".join(parts) + "\n"
