"""lrviz's benchmarks: every measurement a ratio against a baseline timed in the same run.

    python benchmarks/bench.py            # the whole suite
    python benchmarks/bench.py --quick    # smaller sizes, for a first look

Prints one rich table per section and the machine it ran on. Not part of the test suite: the numbers
inform, they do not pass or fail.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

import lrviz

CORE = {
    "cosine": "cosine(0.1)",
    "warm-up + cosine": "cosine(0.1, warmup=0.05)",
    "one-cycle": "onecycle(0.1)",
    "SGDR restarts": "restarts(cosine(0.1), period=1000, mult=2)",
    "step": "step(0.1, 1000, gamma=0.5)",
    "expression": "0.1 * 0.5 * (1 + cos(pi * t / T))",
}
MINIMAL_APP = """
import numpy as np, typer
from rich.console import Console
from rich.table import Table
app = typer.Typer()
@app.command()
def main(steps: int = 100) -> None:
    table = Table("step", "rate")
    for i, v in enumerate(np.linspace(0.1, 0.0, steps)):
        table.add_row(str(i), repr(float(v)))
    Console().print(table)
app()
"""


def best(work: Callable[[], Any], repeat: int = 3) -> float:
    """The shortest of ``repeat`` wall-clock timings, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def _repeat(n: int) -> int:
    """Timings to take the shortest of: more for short work, which a busy moment skews the most."""
    return max(3, 10**6 // n)


def _cos(n: int) -> Any:
    return np.cos(np.arange(n, dtype=np.float64))


def _ready(function: Any, counts: Any) -> Any:
    return function(counts).block_until_ready()


def command(*args: str) -> Callable[[], Any]:
    # with compiled bytecode, as an installed lrviz has it
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return lambda: subprocess.run(args, check=True, capture_output=True, env=env)


def core(sizes: list[int], console: Console) -> None:
    table = Table(
        "schedule",
        *[f"10^{len(str(n)) - 1}" for n in sizes],
        title="1. evaluate ÷ np.cos over as many float64",
    )
    floor = {n: best(partial(_cos, n), _repeat(n)) for n in sizes}
    for name, spec in CORE.items():
        row = [f"{best(partial(lrviz.evaluate, spec, n), _repeat(n)) / floor[n]:.2f}" for n in sizes]
        table.add_row(name, *row)
    console.print(table)


def every_schedule(n: int, console: Console, shown: int = 8) -> None:
    """Every built-in's documented example (feedback schedules aside), the slowest first."""
    import itertools

    from lrviz.language.catalogue import dialects, entries

    floor = best(partial(_cos, n))
    ratios = []
    for entry in itertools.chain(entries(), *(entries(d) for d in dialects())):
        if entry.frequency == "feedback":
            continue
        spec = lrviz.parse(" ".join(entry.doc.example.split())).with_params({"total_steps": n})[0]
        ratios.append((best(partial(lrviz.evaluate, spec, n)) / floor, entry.name))
    ratios.sort(reverse=True)
    table = Table("schedule", f"10^{len(str(n)) - 1}", title="1. every built-in ÷ np.cos, the slowest")
    for ratio, name in ratios[:shown]:
        table.add_row(name, f"{ratio:.2f}")
    within = sum(ratio <= 3 for ratio, _ in ratios)
    table.add_row(f"within 3× of np.cos: {within} of {len(ratios)}", "")
    console.print(table)


NANOGPT = """import math
learning_rate, min_lr, warmup_iters, lr_decay_iters = 6e-4, 6e-5, 2000, 600000


def get_lr(it):
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_lr + coeff * (learning_rate - min_lr)
"""
NANOGPT_NATIVE = (
    "clock(linear(0, 6e-4, steps=2001), shift=1, steps=2000) >> cosine(6e-4, 6e-5, steps=598001)"
    " >> constant(6e-5)"
)


def scripts(sizes: list[int], console: Console, folder: Path) -> None:
    """A training script's get_lr read as ``FILE.py:FUNCTION``, against calling it in Python step by
    step (what users do without lrviz) and against the same schedule in lrviz's own words."""
    path = folder / "train.py"
    path.write_text(NANOGPT)
    namespace: dict[str, Any] = {}
    exec(compile(NANOGPT, str(path), "exec"), namespace)  # the benchmark's own copy, run for the baseline
    get_lr = namespace["get_lr"]
    table = Table(
        "÷ Python's own loop", *[f"10^{len(str(n)) - 1}" for n in sizes], title="2. FILE.py:FUNCTION"
    )

    def loop(n: int) -> list[float]:
        return [get_lr(i) for i in range(n)]

    loops = {n: best(partial(loop, n), 1) for n in sizes}
    for name, spec in (("train.py:get_lr", f"{path}:get_lr"), ("lrviz's own words", NANOGPT_NATIVE)):
        row = [f"{best(partial(lrviz.evaluate, spec, n), _repeat(n)) / loops[n]:.3f}" for n in sizes]
        table.add_row(name, *row)
    console.print(table)


def against_torch(sizes: list[int], console: Console) -> None:
    """Every torch dialect's documented example, built as PyTorch's own scheduler by ``lrviz code``."""
    if importlib.util.find_spec("torch") is None:
        console.print("2. PyTorch is not installed: skipped")
        return
    import torch

    from lrviz.evaluation.run import Run
    from lrviz.language.catalogue import entries
    from lrviz.tools.code import training_code

    warm = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)  # the first step loads much
    warm.step()
    table = Table("scheduler", *[f"10^{len(str(n)) - 1}" for n in sizes], title="2. stepping PyTorch ÷ lrviz")
    for entry in entries("torch"):
        if entry.frequency == "feedback":
            continue  # stepped with a metric: tests/test_feedback.py compares it
        example = lrviz.parse(" ".join(entry.doc.example.split()))
        row = []
        for n in sizes:
            spec = example.with_params({"total_steps": n})[0]  # OneCycleLR refuses to step past it
            code = training_code(spec, Run(n), "torch")

            def step(n: int = n, code: str = code) -> None:
                names: dict[str, Any] = {"model": torch.nn.Linear(1, 1)}
                exec(code, names)
                optimizer, scheduler = names["optimizer"], names["scheduler"]
                for _ in range(n):
                    optimizer.param_groups[0]["lr"]
                    optimizer.step()
                    scheduler.step()

            ours = best(partial(lrviz.evaluate, spec, n))
            try:
                row.append(f"{best(step, 1) / ours:.0f}×")
            except (ArithmeticError, ValueError) as error:  # PyTorch itself cannot step that far
                row.append(f"PyTorch: {type(error).__name__}")
        table.add_row(entry.name, *row)
    console.print(table)


def against_optax(sizes: list[int], console: Console) -> None:
    if importlib.util.find_spec("optax") is None:
        console.print("2. optax is not installed: skipped")
        return
    jax: Any = importlib.import_module("jax")
    jax.config.update("jax_enable_x64", True)
    optax: Any = importlib.import_module("optax")

    table = Table(
        "", *[f"10^{len(str(n)) - 1}" for n in sizes], title="2. optax jit(vmap) float64 ÷ lrviz (cosine)"
    )
    compiled, warm = [], []
    for n in sizes:
        counts = jax.numpy.arange(n)
        ours = best(partial(lrviz.evaluate, f"optax.cosine_decay_schedule(0.1, {n})", n))

        def cold(n: int = n, counts: Any = counts) -> None:
            jax.clear_caches()
            jax.jit(jax.vmap(optax.cosine_decay_schedule(0.1, n)))(counts).block_until_ready()

        function = jax.jit(jax.vmap(optax.cosine_decay_schedule(0.1, n)))
        function(counts).block_until_ready()
        compiled.append(f"{best(cold, 1) / ours:.1f}")
        warm.append(f"{best(partial(_ready, function, counts)) / ours:.1f}")
    table.add_row("compile included", *compiled)
    table.add_row("compile excluded", *warm)
    console.print(table)


def cli_latency(console: Console, folder: Path, repeat: int = 15) -> None:
    """Each command run in turn with the others, ``repeat`` times, the shortest kept: a busy moment of
    the machine then slows one round of every command, not one command."""
    app = folder / "minimal.py"
    app.write_text(MINIMAL_APP)
    commands = {
        "minimal typer + rich + numpy app": command(sys.executable, str(app)),
        "lrviz table cosine(0.1) --steps 100": command(
            sys.executable, "-m", "lrviz", "table", "cosine(0.1)", "--steps", "100"
        ),
        "lrviz --help": command(sys.executable, "-m", "lrviz", "--help"),
    }
    times = dict.fromkeys(commands, float("inf"))
    for _ in range(repeat):
        for name, run in commands.items():
            times[name] = min(times[name], best(run, 1))
    floor = times["minimal typer + rich + numpy app"]
    table = Table("command", "seconds", "÷ minimal typer app", title="3. command-line latency")
    for name, took in times.items():
        table.add_row(name, f"{took:.3f}", f"{took / floor:.2f}")
    console.print(table)


def plotting(sizes: list[int], console: Console, folder: Path) -> None:
    table = Table("steps", "seconds", "÷ 10^3 steps", title="4. lrviz plot")
    times = {}
    for n in sizes:
        out = folder / f"plot{n}.png"
        times[n] = best(
            command(sys.executable, "-m", "lrviz", "plot", "cosine(0.1)", "-n", str(n), "-o", str(out)), 2
        )
    for n in sizes:
        table.add_row(f"{n:,}", f"{times[n]:.2f}", f"{times[n] / times[sizes[0]]:.2f}")
    console.print(table)


def export(n: int, console: Console, folder: Path) -> None:
    from lrviz.evaluation.lineup import Item
    from lrviz.evaluation.lineup import evaluate as evaluate_lineup
    from lrviz.evaluation.run import Run
    from lrviz.io.export import write_csv

    curves = evaluate_lineup([Item("cosine(0.1)", lrviz.parse("cosine(0.1)"))], Run(n))
    values = curves.series[0].values

    def ours() -> None:
        with open(folder / "ours.csv", "w", encoding="utf-8", newline="") as file:
            write_csv(curves, file)

    floor = best(lambda: np.savetxt(folder / "floor.csv", values, fmt="%.17g"), 2)
    took = best(ours, 2)
    table = Table("", "seconds", "np.savetxt ÷ this", title=f"5. CSV of {n:,} rows (the values evaluated)")
    table.add_row("np.savetxt(fmt='%.17g')", f"{floor:.2f}", "1.00")
    table.add_row("lrviz's CSV writer", f"{took:.2f}", f"{floor / took:.2f}")
    console.print(table)


def memory(sizes: list[int], console: Console, folder: Path) -> None:
    table = Table("steps", "peak memory", "result", title="6. lrviz plot: peak memory")
    for n in sizes:
        script = (
            "import resource, subprocess, sys\n"
            "r = subprocess.run([sys.executable, '-m', 'lrviz', 'plot', 'cosine(0.1)', '-n', sys.argv[1], "
            "'-o', sys.argv[2]], capture_output=True, text=True)\n"
            "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
            "print(peak, r.returncode, r.stderr.strip().splitlines()[-1:] or [''])\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, str(n), str(folder / "big.png")], capture_output=True, text=True
        )
        peak, status, message = done.stdout.split(" ", 2)
        result = "drawn" if status == "0" else message.strip("[]'\n")
        table.add_row(f"{n:,}", f"{int(peak) / 1024:.0f} MB", result)
    console.print(table)


ONE_READ = """
import sys
import lrviz
from lrviz.evaluation.run import Run, chunks
for _ in chunks(lrviz.parse(sys.argv[1]), Run(int(sys.argv[2]))):
    pass
"""


def long_run(n: int, console: Console, folder: Path) -> None:
    """What a command costs over a long run against one read of its steps (a process that evaluates
    the run chunk by chunk and does nothing else): a table, a check and a plot each read it once."""
    spec = "cosine(0.1, warmup=0.05)"
    floor = best(command(sys.executable, "-c", ONE_READ, spec, str(n)), 2)
    table = Table("command", "seconds", "÷ one read", title=f"7. a run of {n:,} steps")
    table.add_row("one read of the run", f"{floor:.2f}", "1.00")
    for name, args in {
        "lrviz table": ("table",),
        "lrviz check": ("check",),
        "lrviz plot": ("plot", "-o", str(folder / "long.png")),
    }.items():
        took = best(command(sys.executable, "-m", "lrviz", *args[:1], spec, "-n", str(n), *args[1:]), 2)
        table.add_row(name, f"{took:.2f}", f"{took / floor:.2f}")
    console.print(table)


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    quick = parser.parse_args().quick
    console = Console()
    cpu = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.processor() or platform.machine(),
    )
    console.print(
        f"lrviz {lrviz.__version__} · Python {platform.python_version()} · numpy {np.__version__} · "
        f"{platform.system()} {cpu} · {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        core([10**4, 10**5, 10**6] if quick else [10**4, 10**5, 10**6, 10**7, 10**8], console)
        every_schedule(10**5 if quick else 10**7, console)
        scripts([10**4, 10**5] if quick else [10**4, 10**5, 10**6], console, folder)
        against_torch([10**4] if quick else [10**4, 10**5, 10**6], console)
        against_optax([10**4, 10**5] if quick else [10**4, 10**5, 10**6, 10**7], console)
        cli_latency(console, folder)
        plotting([10**3, 10**5] if quick else [10**3, 10**6, 10**7], console, folder)
        export(10**5 if quick else 10**6, console, folder)
        memory([10**7] if quick else [10**8, 10**9], console, folder)
        long_run(10**7 if quick else 10**9, console, folder)


if __name__ == "__main__":
    main()
