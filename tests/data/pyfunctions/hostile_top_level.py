"""A module whose top level does things when imported: lrviz must never run any of it."""

import os
import subprocess

MARKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lrviz-ran-this")

open(MARKER, "w").write("opened")  # noqa: SIM115
os.system("touch " + MARKER)
subprocess.run(["touch", MARKER])
__import__("shutil").rmtree("/nonexistent-lrviz-test-dir", ignore_errors=True)
raise SystemExit("importing this module stops here")

warmup = 10


def get_lr(step):
    return min(1.0, (step + 1) / warmup)
