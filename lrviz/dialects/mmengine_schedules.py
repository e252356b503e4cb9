"""The mmengine dialect (being written)."""
