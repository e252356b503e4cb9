"""Training script in the style of nanoGPT's train.py: the learning rate is get_lr(it)."""

import math
import os
import time

import numpy as np  # noqa: F401  (never imported by lrviz)

# default config values designed to train a gpt2 (124M) on OpenWebText
out_dir = "out"
eval_interval = 2000
log_interval = 1
eval_only = False
wandb_project = "owt"
batch_size = 12
block_size = 1024
# adamw optimizer
learning_rate = 6e-4  # max learning rate
max_iters = 600000  # total number of training iterations
weight_decay = 1e-1
beta1 = 0.9
beta2 = 0.95
grad_clip = 1.0  # clip gradients at this value, or disable if == 0.0
# learning rate decay settings
decay_lr = True  # whether to decay the learning rate
warmup_iters = 2000  # how many steps to warm up for
lr_decay_iters = 600000  # should be ~= max_iters per Chinchilla
min_lr = 6e-5  # minimum learning rate, should be ~= learning_rate/10 per Chinchilla
config_keys = [
    k for k, v in globals().items() if not k.startswith("_") and isinstance(v, (int, float, bool, str))
]
tokens_per_iter = batch_size * block_size
device = "cuda"


# learning rate decay scheduler (cosine with warmup)
def get_lr(it):
    # 1) linear warmup for warmup_iters steps
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    # 2) if it > lr_decay_iters, return min learning rate
    if it > lr_decay_iters:
        return min_lr
    # 3) in between, use cosine decay down to min learning rate
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    assert 0 <= decay_ratio <= 1
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))  # coeff ranges 0..1
    return min_lr + coeff * (learning_rate - min_lr)


def estimate_loss(model):
    out = {}
    model.eval()
    for split in ["train", "val"]:
        out[split] = 0.0
    return out


if __name__ == "__main__":
    t0 = time.time()
    iter_num = 0
    while True:
        lr = get_lr(iter_num) if decay_lr else learning_rate
        iter_num += 1
        if iter_num > max_iters:
            break
    os.makedirs(out_dir, exist_ok=True)

# mypy: disable-error-code="no-untyped-call"
