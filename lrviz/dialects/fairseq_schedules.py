"""The fairseq dialect (being written)."""
