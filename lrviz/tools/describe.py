"""The catalogue of built-in schedules, made from the registry: ``lrviz list`` and the README table."""

from __future__ import annotations

from lrviz.language.catalogue import dialects, entries
from lrviz.schedules.entry import Entry

DIALECTS = {
    "torch": ("PyTorch", "torch.optim.lr_scheduler", "torch 2.13.0"),
    "hf": ("Hugging Face transformers", "transformers.optimization", "transformers 5.23.0"),
    "optax": ("optax", "optax.schedules", "optax 0.2.8 on jax 0.10.2, float32"),
    "keras": ("Keras 3", "keras.optimizers.schedules", "keras 3.15.1 with the JAX backend, float32"),
    "timm": ("timm", "timm.scheduler", "timm 1.0.31"),
}
"""Each dialect's framework, the module its names come from, and the version lrviz is checked against."""


def family(entry: Entry) -> str:
    """The article's two criteria for a schedule: how often it changes, and how."""
    return f"{entry.frequency} · {entry.quantity}"


def parameters(entry: Entry) -> str:
    return ", ".join(p.signature_text() for p in entry.params)


def markdown(dialect: str = "") -> str:
    """A Markdown table of every built-in schedule (or a dialect's): name, family, parameters, one line."""
    lines = ["| schedule | family | parameters | what it does |", "|---|---|---|---|"]
    for entry in entries(dialect):
        cells = [f"`{entry.name}`", family(entry), f"`{parameters(entry)}`", entry.summary]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def dialects_markdown() -> str:
    """The README's list of every framework name lrviz speaks, by dialect, with the version checked."""
    parts = []
    for dialect in dialects():
        framework, module, version = DIALECTS[dialect]
        names = ", ".join(f"`{e.name}`" for e in sorted(entries(dialect), key=lambda e: e.name))
        parts.append(f"- **{framework}** (`{dialect}.` or `{module}.`; checked against {version}): {names}")
    return "\n".join(parts) + "\n"
