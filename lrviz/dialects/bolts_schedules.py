"""The bolts dialect (being written)."""
