"""The detectron2 dialect (being written)."""
