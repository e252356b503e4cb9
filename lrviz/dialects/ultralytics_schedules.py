"""The ultralytics dialect (being written)."""
