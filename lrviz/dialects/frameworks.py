"""The frameworks lrviz speaks, one record each: what a spec calls them, where their names live in
code, the version lrviz is checked against, the unit their schedules step in and their precision."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    """One framework dialect."""

    prefix: str
    """What a spec writes before its names: ``torch`` for ``torch.StepLR``."""
    title: str
    module: str
    """The lrviz module that defines the dialect, in :mod:`lrviz.dialects`."""
    paths: tuple[str, ...]
    """The framework's own module paths a pasted name may carry (``torch.optim.lr_scheduler.``)."""
    checked: str
    """The version lrviz reproduces, step by step."""
    unit: str = "update"
    """What a step of its schedules is."""
    precision: str = "float64"

    @property
    def home(self) -> str:
        """The module its schedules come from, as its users write it."""
        return self.paths[0].rstrip(".")


FRAMEWORKS = (
    Framework(
        "torch", "PyTorch", "pytorch", ("torch.optim.lr_scheduler.", "torch.optim.swa_utils."), "torch 2.13.0"
    ),
    Framework(
        "hf",
        "Hugging Face transformers",
        "huggingface",
        ("transformers.optimization.", "transformers."),
        "transformers 5.23.0",
    ),
    Framework(
        "optax",
        "optax",
        "optax_schedules",
        ("optax.schedules.",),
        "optax 0.2.8 on jax 0.10.2, float32",
        precision="float32",
    ),
    Framework(
        "keras",
        "Keras 3",
        "keras_schedules",
        ("keras.optimizers.schedules.", "tf.keras.optimizers.schedules.", "keras.callbacks."),
        "keras 3.15.1 with the JAX backend, float32",
        precision="float32",
    ),
    Framework(
        "deepspeed",
        "DeepSpeed",
        "deepspeed_schedules",
        ("deepspeed.runtime.lr_schedules.",),
        "deepspeed 0.19.8",
    ),
    Framework(
        "timm",
        "timm",
        "timm_schedulers",
        ("timm.scheduler.",),
        "timm 1.0.31",
        unit="its own: epochs or updates",
    ),
    Framework(
        "megatron",
        "Megatron-LM (megatron-core)",
        "megatron_schedules",
        ("megatron.core.optimizer_param_scheduler.",),
        "megatron-core 0.16.1",
        unit="update (its parameters count samples, by global_batch_size)",
    ),
    Framework(
        "mmengine",
        "OpenMMLab mmengine",
        "mmengine_schedules",
        ("mmengine.optim.scheduler.", "mmengine.optim."),
        "mmengine 0.10.7",
        unit="its own: epochs or iterations",
    ),
    Framework(
        "detectron2",
        "detectron2 and fvcore",
        "detectron2_schedules",
        ("detectron2.solver.lr_scheduler.", "fvcore.common.param_scheduler."),
        "fvcore 0.1.5.post20221221; detectron2 02b5c4e from its source",
    ),
    Framework(
        "fairseq",
        "fairseq",
        "fairseq_schedules",
        ("fairseq.optim.lr_scheduler.",),
        "fairseq 0.12.2",
    ),
    Framework(
        "ultralytics",
        "Ultralytics YOLO",
        "ultralytics_schedules",
        ("ultralytics.engine.trainer.",),
        "ultralytics 8.4.190",
    ),
    Framework(
        "torchtune",
        "torchtune",
        "torchtune_schedules",
        ("torchtune.training.lr_schedulers.", "torchtune.training.", "torchtune.modules."),
        "torchtune 0.6.1",
    ),
    Framework(
        "diffusers",
        "Hugging Face diffusers",
        "diffusers_schedules",
        ("diffusers.optimization.",),
        "diffusers 0.42.1",
    ),
    Framework(
        "bolts",
        "Lightning Bolts",
        "bolts_schedules",
        ("pl_bolts.optimizers.lr_scheduler.",),
        "lightning-bolts 0.7.0",
        unit="its own: epochs or updates",
    ),
)
"""Every framework dialect, by prefix order."""


def framework(prefix: str) -> Framework | None:
    """The framework a prefix (``torch``) names, or ``None``."""
    return next((f for f in FRAMEWORKS if f.prefix == prefix), None)
