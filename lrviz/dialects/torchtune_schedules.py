"""The torchtune dialect (being written)."""
