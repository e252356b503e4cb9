"""``python -m lrviz``: the command line."""

from lrviz.cli import main

main()
