"""The diffusers dialect (being written)."""
