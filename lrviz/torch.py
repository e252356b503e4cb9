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
    values = rates(spec, steps, **options).tolist()  # bad input is told before a missing framework
    lr_scheduler = framework("torch.optim.lr_scheduler")

    class LrvizScheduler(lr_scheduler.LRScheduler):  # type: ignore[name-defined,misc]
        """Rates looked up from lrviz's evaluation of the spec."""

        # the rates stay out of the instance, so that state_dict() holds the step, not the whole run

        def get_lr(self) -> list[float]:
            rate = values[min(max(self.last_epoch, 0), len(values) - 1)]
            return [rate for _ in self.optimizer.param_groups]

    return LrvizScheduler(optimizer)
