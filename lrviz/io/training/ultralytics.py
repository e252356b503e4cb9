"""ultralytics training configs (being written)."""

from __future__ import annotations

from lrviz.io.training.document import Importer

IMPORTER: Importer | None = None
