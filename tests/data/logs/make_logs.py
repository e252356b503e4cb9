"""Make the training logs under tests/data/logs from tiny CPU runs of the real libraries.

Run by hand (it is not a test), from the repository root, with torch, transformers, lightning and
tensorboard installed:

    python tests/data/logs/make_logs.py

Each log gets a sidecar ``<log>.plan.json``: the lrviz spec and run options the run planned, what
``lrviz verify`` should conclude, and ``recorded``: the rate of every update as the optimizer held it
while the update was made (its ``param_groups[0]["lr"]`` just before ``optimizer.step()``), read from
the training loop itself. Row t of ``recorded.rates`` is the rate of update t (counting from 0).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
LR = 1e-3


def sidecar(
    log: Path, spec: str, options: dict[str, Any], expected: dict[str, Any], rates: list[float], **more: Any
) -> None:
    """Write ``<log>.plan.json``."""
    data = {"spec": spec, "options": options, "expected": expected, "recorded": {"rates": rates}, **more}
    log.with_name(log.name + ".plan.json").write_text(json.dumps(data, indent=1) + "\n")


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A temporary working folder (the runs write relative paths, so no machine path is logged)."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(before)


def anonymised_events(folder: Path, target: Path) -> list[Path]:
    """Copy the event files of ``folder`` (any depth) into ``target``, the host name in their names
    (``events.out.tfevents.<time>.<host>.<pid>.<n>``) replaced by ``host.<i>``: sorted by name, which
    puts the older first."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for i, path in enumerate(sorted(folder.rglob("events.out.tfevents.*"), key=lambda p: p.name)):
        parts = path.name.split(".")
        out = target / ".".join([*parts[:4], "host", str(i + 1), parts[-1]])
        shutil.copyfile(path, out)
        copied.append(out)
    return copied


# --------------------------------------------------------------------------------------------- HF


class Tiny(nn.Module):
    """A one-weight regression the Trainer can train: forward(x, labels) → {"loss"}."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Linear(1, 1, bias=False)

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"loss": ((self.w(x) - labels) ** 2).mean()}


class Points(torch.utils.data.Dataset[dict[str, torch.Tensor]]):
    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        x = torch.tensor([float(i % 7) / 7.0])
        return {"x": x, "labels": 2.0 * x}


def without_deepspeed() -> None:
    """accelerate imports deepspeed's engine whenever the package is installed; the test environment
    installs it without its dependencies (for its schedulers alone), so that import fails. These runs
    use none of it: accelerate is told it is not there."""
    import importlib

    for name in ("accelerate.utils.imports", "accelerate.utils.other"):
        module: Any = importlib.import_module(name)
        module.is_deepspeed_available = lambda: False


def hf_runs() -> None:
    """(1) a cosine run with warm-up, logged to trainer_state.json and TensorBoard; (5) the same
    run stopped at update 26, resumed from its checkpoint at 20: its TensorBoard folder logs 21..26
    twice."""
    without_deepspeed()
    from transformers import Trainer, TrainerCallback, TrainingArguments

    class Record(TrainerCallback):
        def __init__(self, stop_at: int | None = None) -> None:
            self.rates: dict[int, float] = {}
            self.stop_at = stop_at

        def on_pre_optimizer_step(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.rates[state.global_step] = float(kw["optimizer"].param_groups[0]["lr"])

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.stop_at is not None and state.global_step >= self.stop_at:
                control.should_training_stop = True

    def arguments(steps: int, save: int | None) -> TrainingArguments:
        return TrainingArguments(
            output_dir="out",
            max_steps=steps,
            per_device_train_batch_size=2,
            learning_rate=LR,
            lr_scheduler_type="cosine",
            warmup_steps=5,
            logging_steps=1,
            report_to=["tensorboard"],
            save_strategy="steps" if save else "no",
            save_steps=save or 500,
            use_cpu=True,
            disable_tqdm=True,
            seed=0,
        )

    target = HERE / "hf"
    shutil.rmtree(target, ignore_errors=True)
    with scratch() as folder:
        record = Record()
        trainer = Trainer(model=Tiny(), args=arguments(40, 40), train_dataset=Points(64), callbacks=[record])
        trainer.train()
        rates = [record.rates[t] for t in range(40)]
        state = folder / "out" / "checkpoint-40" / "trainer_state.json"
        out = target / "checkpoint-40" / "trainer_state.json"
        out.parent.mkdir(parents=True)
        shutil.copyfile(state, out)
        plan = "hf.get_cosine_schedule_with_warmup(optimizer, 5, 40, lr=0.001)"
        match = {"match": True}
        sidecar(out, plan, {"steps": 40}, match, rates)
        (events,) = anonymised_events(folder / "out" / "runs", target / "runs" / "Dec02_17-00-00_host")
        sidecar(events, plan, {"steps": 40}, match, rates)

    target = HERE / "hf_resumed"
    shutil.rmtree(target, ignore_errors=True)
    with scratch() as folder:
        # a fixed logging folder (the default is a new runs/<date_host> for each start): both runs
        # write into it
        os.environ["TENSORBOARD_LOGGING_DIR"] = "tb"
        try:
            first = Record(stop_at=26)
            Trainer(model=Tiny(), args=arguments(40, 20), train_dataset=Points(64), callbacks=[first]).train()
            second = Record()
            resumed = Trainer(
                model=Tiny(), args=arguments(40, 20), train_dataset=Points(64), callbacks=[second]
            )
            resumed.train(resume_from_checkpoint=str(Path("out") / "checkpoint-20"))
        finally:
            del os.environ["TENSORBOARD_LOGGING_DIR"]
        rates = [second.rates[t] if t in second.rates else first.rates[t] for t in range(40)]
        assert len(anonymised_events(folder / "tb", target / "tb")) == 2
        state = target / "trainer_state.json"
        shutil.copyfile(folder / "out" / "checkpoint-40" / "trainer_state.json", state)
    plan = "hf.get_cosine_schedule_with_warmup(optimizer, 5, 40, lr=0.001)"
    for out in (target / "tb", state):
        sidecar(out, plan, {"steps": 40}, {"match": True}, rates, twice=list(range(21, 27)))


# -------------------------------------------------------------------------------------- Lightning


def lightning_runs() -> None:
    """(2) AdamW with a step-interval CosineAnnealingLR, CSVLogger and
    LearningRateMonitor; and the same with momentum and weight decay logged and two parameter
    groups (the columns a reader must not pick)."""
    import lightning as L
    from lightning.pytorch.callbacks import LearningRateMonitor
    from lightning.pytorch.loggers import CSVLogger

    class Module(L.LightningModule):
        def __init__(self, groups: int) -> None:
            super().__init__()
            self.a = nn.Linear(1, 1)
            self.b = nn.Linear(1, 1)
            self.groups = groups
            self.rates: dict[int, float] = {}

        def training_step(self, batch: Any, index: int) -> torch.Tensor:
            x, y = batch
            loss: torch.Tensor = ((self.b(self.a(x)) - y) ** 2).mean()
            self.log("train_loss", loss)
            return loss

        def on_before_optimizer_step(self, optimizer: Any) -> None:
            self.rates[self.global_step] = float(optimizer.param_groups[0]["lr"])

        def configure_optimizers(self) -> Any:
            if self.groups == 1:
                params: Any = self.parameters()
            else:
                params = [{"params": self.a.parameters()}, {"params": self.b.parameters(), "lr": LR / 10}]
            optimizer = torch.optim.AdamW(params, lr=LR)
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30, eta_min=1e-5)
            return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    xs = torch.linspace(0, 1, 60).unsqueeze(1)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xs, 2 * xs), batch_size=2)
    for name, groups, momentum in (("lightning", 1, False), ("lightning_momentum", 2, True)):
        target = HERE / name
        shutil.rmtree(target, ignore_errors=True)
        with scratch() as folder:
            L.seed_everything(0, verbose=False)
            module = Module(groups)
            trainer = L.Trainer(
                max_steps=30,
                accelerator="cpu",
                logger=CSVLogger("logs", name="", version=0),
                callbacks=[
                    LearningRateMonitor(
                        logging_interval="step", log_momentum=momentum, log_weight_decay=momentum
                    )
                ],
                enable_checkpointing=False,
                enable_progress_bar=False,
                enable_model_summary=False,
                log_every_n_steps=1,
            )
            trainer.fit(module, data)
            target.mkdir()
            out = target / "metrics.csv"
            shutil.copyfile(folder / "logs" / "version_0" / "metrics.csv", out)
            sidecar(
                out,
                "torch.CosineAnnealingLR(optimizer, T_max=30, eta_min=1e-05, lr=0.001)",
                {"steps": 30},
                {"match": True},
                [module.rates[t] for t in range(30)],
            )


# --------------------------------------------------------------------------------- plain PyTorch


def loop(steps: int, make: Any, lr: float = LR) -> tuple[list[float], list[float]]:
    """A plain loop of ``steps`` updates of a one-weight model, its scheduler stepped after each: the
    rate of each update (read from the optimizer before its step) and the rate the scheduler reports
    after its step (the NEXT update's)."""
    torch.manual_seed(0)
    w = nn.Parameter(torch.ones(1))
    optimizer = torch.optim.SGD([w], lr=lr)
    scheduler = make(optimizer)
    used, after = [], []
    for _ in range(steps):
        loss = (w * 0.5 - 1.0).pow(2).sum()
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        used.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
        after.append(float(scheduler.get_last_lr()[0]))
    return used, after


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def plain_runs() -> None:
    """(3) a W&B history export (``_step`` counts log calls, eval rows between), a W&B panel export
    and an MLflow metric history; (4) a SummaryWriter event file."""
    from torch.optim.lr_scheduler import LinearLR

    def warm_linear(optimizer: Any) -> Any:
        return LinearLR(optimizer, start_factor=0.1, end_factor=1.0, total_iters=10)

    used, _ = loop(40, warm_linear)
    spec = "torch.LinearLR(optimizer, start_factor=0.1, end_factor=1.0, total_iters=10, lr=0.001)"
    target = HERE / "csv"
    shutil.rmtree(target, ignore_errors=True)

    rows, call = [], 0
    for t, rate in enumerate(used):
        rows.append([call, t, rate, 1.0 / (t + 1), ""])
        call += 1
        if (t + 1) % 10 == 0:  # an evaluation logged on its own: _step moves on, the rate is empty
            rows.append([call, t + 1, "", "", 0.5])
            call += 1
    out = target / "wandb_history.csv"
    write_csv(out, ["_step", "trainer/global_step", "lr", "train/loss", "eval/loss"], rows)
    sidecar(out, spec, {"steps": 40}, {"match": True}, used)

    out = target / "wandb_panel.csv"
    write_csv(
        out,
        ["Step", "tiny-run-1 - lr", "tiny-run-1 - lr__MIN", "tiny-run-1 - lr__MAX"],
        [[t, r, r * 0.99, r * 1.01] for t, r in enumerate(used)],
    )
    sidecar(out, spec, {"steps": 40}, {"match": True}, used)

    out = target / "mlflow_lr.csv"
    history = []
    for t, rate in enumerate(used):
        history.append(["loss", 1.0 / (t + 1), 1700000000000 + t, t])
        history.append(["lr", rate, 1700000000000 + t, t])
    write_csv(out, ["key", "value", "timestamp", "step"], history)
    sidecar(out, spec, {"steps": 40}, {"match": True}, used)

    from torch.utils.tensorboard import SummaryWriter

    used = []
    target = HERE / "tensorboard"
    shutil.rmtree(target, ignore_errors=True)
    with scratch() as folder:
        writer = SummaryWriter("tb")
        torch.manual_seed(0)
        w = nn.Parameter(torch.ones(1))
        optimizer = torch.optim.SGD([w], lr=LR)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.95)
        for t in range(40):
            used.append(float(optimizer.param_groups[0]["lr"]))
            writer.add_scalar("lr", optimizer.param_groups[0]["lr"], t)
            writer.add_scalar("loss", float(t), t)
            (w * 0.5 - 1.0).pow(2).sum().backward()  # type: ignore[no-untyped-call]
            optimizer.step()
            optimizer.zero_grad()
            scheduler.step()
        writer.close()
        (events,) = anonymised_events(folder / "tb", target)
    sidecar(
        events, "torch.ExponentialLR(optimizer, gamma=0.95, lr=0.001)", {"steps": 40}, {"match": True}, used
    )


# ------------------------------------------------------------------------------- classic mistakes


def hf_state(path: Path, points: list[tuple[int, float]], steps: int) -> None:
    """A trainer_state.json as the Trainer writes one, its log_history holding ``points``."""
    history = [
        {"epoch": step / steps, "grad_norm": 1.0, "learning_rate": rate, "loss": 0.5, "step": step}
        for step, rate in points
    ]
    state: dict[str, Any] = {
        "best_global_step": None,
        "best_metric": None,
        "best_model_checkpoint": None,
        "epoch": 1.0,
        "eval_steps": 500,
        "global_step": steps,
        "is_hyper_param_search": False,
        "is_local_process_zero": True,
        "is_world_process_zero": True,
        "log_history": history,
        "logging_steps": 1,
        "max_steps": steps,
        "num_input_tokens_seen": 0,
        "num_train_epochs": 1,
        "save_steps": steps,
        "stateful_callbacks": {},
        "total_flos": 0,
        "train_batch_size": 2,
        "trial_name": None,
        "trial_params": None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")


def mistakes() -> None:
    """(a) the old HF off-by-one: the NEXT update's rate logged at each step; (b) CosineAnnealingLR
    with T_max in epochs stepped every batch; (c) the rate times the device count; (d) a per-epoch
    StepLR stepped per batch; (e) a resume that restarted the schedule from step 0."""
    from transformers import get_cosine_schedule_with_warmup

    target = HERE / "mistakes"
    shutil.rmtree(target, ignore_errors=True)

    used, after = loop(40, lambda o: get_cosine_schedule_with_warmup(o, 5, 40))
    out = target / "next_step_rate" / "trainer_state.json"
    hf_state(out, [(t + 1, after[t]) for t in range(40)], 40)
    sidecar(
        out,
        "hf.get_cosine_schedule_with_warmup(optimizer, 5, 40, lr=0.001)",
        {"steps": 40},
        {"match": False, "code": "offset", "steps": 1},
        used,
        logged="log step s holds the rate of update s (the scheduler's after update s − 1)",
    )

    # 4 epochs of 10 batches: T_max=4 (epochs), stepped each batch
    used, _ = loop(40, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4))
    out = target / "tmax_in_epochs.csv"
    write_csv(out, ["step", "lr"], [[t, r] for t, r in enumerate(used)])
    sidecar(
        out,
        "torch.CosineAnnealingLR(optimizer, T_max=4, lr=0.001)",
        {"epochs": 4, "steps_per_epoch": 10, "step_on": "epoch"},
        {"match": False, "code": "unit"},
        used,
        planned="T_max=4 epochs, the scheduler stepped once an epoch; the run stepped it every batch",
    )

    used, _ = loop(40, lambda o: get_cosine_schedule_with_warmup(o, 5, 40), lr=LR * 8)
    out = target / "times_devices" / "trainer_state.json"
    hf_state(out, [(t + 1, used[t]) for t in range(40)], 40)
    sidecar(
        out,
        "hf.get_cosine_schedule_with_warmup(optimizer, 5, 40, lr=0.001)",
        {"steps": 40},
        {"match": False, "code": "scale", "ratio": 8},
        used,
        planned="lr=0.001; the run multiplied it by its 8 devices",
    )

    used, _ = loop(40, lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5))
    out = target / "epoch_scheduler_per_batch.csv"
    write_csv(out, ["step", "lr"], [[t, r] for t, r in enumerate(used)])
    sidecar(
        out,
        "torch.StepLR(optimizer, step_size=2, gamma=0.5, lr=0.001)",
        {"epochs": 4, "steps_per_epoch": 10, "step_on": "epoch"},
        {"match": False, "code": "unit"},
        used,
        planned="StepLR every 2 epochs of 10 batches; the run stepped it every batch",
    )

    first, _ = loop(20, lambda o: get_cosine_schedule_with_warmup(o, 5, 40))
    again, _ = loop(20, lambda o: get_cosine_schedule_with_warmup(o, 5, 40))
    used = first + again  # the resumed run built a fresh scheduler at update 20
    out = target / "restarted_schedule" / "trainer_state.json"
    hf_state(out, [(t + 1, used[t]) for t in range(40)], 40)
    sidecar(
        out,
        "hf.get_cosine_schedule_with_warmup(optimizer, 5, 40, lr=0.001)",
        {"steps": 40},
        {"match": False, "code": "resume", "at": 20},
        used,
        planned="one schedule over 40 updates; the run resumed at update 20 with a fresh scheduler",
    )


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    hf_runs()
    lightning_runs()
    plain_runs()
    mistakes()
