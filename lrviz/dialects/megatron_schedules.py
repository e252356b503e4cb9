"""The megatron dialect (being written)."""
