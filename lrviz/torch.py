"""A PyTorch learning-rate scheduler that gives exactly lrviz's numbers."""

from __future__ import annotations

from typing import Any

from lrviz.adapters import framework, rates


def scheduler(spec: Any, optimizer: Any, steps: int, **options: Any) -> Any:
    """A ``torch.optim.lr_scheduler.LRScheduler`` whose rate after t calls of ``step()`` is row t of
    ``lrviz.evaluate(spec, steps)`` (the last row past the end). It survives ``state_dict()`` and
    ``load_state_dict()``, so a resumed run continues where it stopped.

    >>> sched = scheduler("cosine(0.1, warmup=100)", optimizer, steps=10_000)
    >>> for batch in data: loss.backward(); optimizer.step(); sched.step()
    """
    lr_scheduler = framework("torch.optim.lr_scheduler")
    values = rates(spec, steps, **options).tolist()

    class LrvizScheduler(lr_scheduler.LRScheduler):  # type: ignore[name-defined,misc]
        """Rates looked up from lrviz's evaluation of the spec."""

        def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
            self.values = values
            super().__init__(optimizer, last_epoch)

        def get_lr(self) -> list[float]:
            rate = self.values[min(max(self.last_epoch, 0), len(self.values) - 1)]
            return [rate for _ in self.optimizer.param_groups]

    return LrvizScheduler(optimizer)
