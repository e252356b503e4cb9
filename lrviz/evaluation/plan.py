"""A training plan: how many optimizer updates an epoch has, as a PyTorch training loop makes them.

With D data-parallel devices, a DistributedSampler gives each device ⌈N/D⌉ samples (it pads the last
round; with drop_last it would drop to ⌊N/D⌋, which lrviz does not model). A DataLoader cuts those into
⌈n/B⌉ batches, or ⌊n/B⌋ with drop_last. With gradient accumulation over A batches an epoch has
⌈batches/A⌉ updates: the last, shorter accumulation still steps the optimizer at the end of the epoch,
as the Hugging Face Trainer, Accelerate and Lightning all do.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrviz.errors import RunError
from lrviz.limits import excerpt


@dataclass(frozen=True)
class Plan:
    """The data side of a run: dataset size, batch size, and how batches become updates."""

    dataset_size: int
    batch_size: int
    drop_last: bool = False
    grad_accum: int = 1
    devices: int = 1

    def __post_init__(self) -> None:
        for name in ("dataset_size", "batch_size", "grad_accum", "devices"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RunError(f"{name.replace('_', ' ')} must be a positive integer, got {excerpt(value)}")
        if self.batches == 0:
            raise RunError(
                f"with drop_last, {self.per_device} samples a device make no full batch of "
                f"{self.batch_size}: an epoch would have no update"
            )

    @property
    def per_device(self) -> int:
        """Samples each device sees in an epoch."""
        return _ceil_div(self.dataset_size, self.devices)

    @property
    def batches(self) -> int:
        """Batches each device runs in an epoch."""
        if self.drop_last:
            return self.per_device // self.batch_size
        return _ceil_div(self.per_device, self.batch_size)

    @property
    def updates(self) -> int:
        """Optimizer updates in an epoch."""
        return _ceil_div(self.batches, self.grad_accum)

    def derivation(self) -> str:
        """How the updates of an epoch follow from the plan, in one sentence."""
        parts = [f"{self.dataset_size:,} samples"]
        if self.devices > 1:
            padded = " (the sampler pads the last round)" if self.dataset_size % self.devices else ""
            parts.append(f"over {self.devices} devices is {self.per_device:,} each{padded}")
        rest = self.per_device % self.batch_size
        if self.drop_last and rest:
            tail = f", dropping the last {rest}"
        elif rest:
            tail = f", the last one of {rest}"
        else:
            tail = ""
        parts.append(f"in batches of {self.batch_size} is {self.batches:,} batches{tail}")
        if self.grad_accum > 1:
            extra = self.batches % self.grad_accum
            remainder = f" (the last {extra} step at the epoch's end)" if extra else ""
            parts.append(
                f"accumulating {self.grad_accum} batches an update is {self.updates:,} updates{remainder}"
            )
        return f"{self.updates:,} updates an epoch: " + "; ".join(parts)


def _ceil_div(a: int, b: int) -> int:
    """⌈a/b⌉ in whole numbers: exact for any size, where ``math.ceil(a / b)`` rounds through a float
    (wrong past 2^53, an OverflowError past 10^308)."""
    return -(-a // b)
