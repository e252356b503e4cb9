"""Parity with Keras' LearningRateScheduler callback (keras 3, KERAS_BACKEND=jax): the real callback's
on_epoch_begin(epoch) run on a compiled model's optimizer, its float32 rate read after each epoch's
call, and once through model.fit on a tiny model, the rate recorded by a callback."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest

import lrviz
from lrviz.errors import LrvizError
from tests.frameworks import assert_parity, require

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = require("keras")

# keras 3's own float(convert_to_numpy(variable)), inside the callback, warns under NumPy 2
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RULES = [
    ("lambda epoch, lr: lr * 0.95", lambda epoch, lr: lr * 0.95),
    (
        "lambda epoch, lr: lr if epoch < 10 else lr * math.exp(-0.1)",
        lambda e, lr: lr if e < 10 else lr * math.exp(-0.1),
    ),
    ("lambda e, rate: 0.1 * 0.5 ** (e // 3)", lambda e, rate: 0.1 * 0.5 ** (e // 3)),
    ("lambda epoch: 0.02 / (1 + epoch)", lambda epoch: 0.02 / (1 + epoch)),  # Keras' old one-argument API
    ("lr * 0.9 if epoch > 10 else lr", lambda epoch, lr: lr * 0.9 if epoch > 10 else lr),
    ("max(lr * 0.7, 1e-4)", lambda epoch, lr: max(lr * 0.7, 1e-4)),
    (
        "0.05 * (1 + cos(pi * epoch / 20)) / 2 + 1e-5",
        lambda epoch, lr: 0.05 * (1 + math.cos(math.pi * epoch / 20)) / 2 + 1e-5,
    ),
    ("lambda epoch, lr: lr + 0.001 if epoch < 5 and lr < 0.0135 else lr * np.exp(-0.2)", None),
]


def _model(lr: float) -> Any:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def run_keras(function: Any, lr: float, epochs: int) -> np.ndarray:
    """The rate of each epoch: the callback's on_epoch_begin(epoch), then the optimizer's float32 rate."""
    model = _model(lr)
    callback = keras.callbacks.LearningRateScheduler(function)
    callback.set_model(model)
    rates = []
    for epoch in range(epochs):
        callback.on_epoch_begin(epoch)
        rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    return np.array(rates, dtype=np.float64)


def _python(text: str) -> Any:
    import numpy

    return eval(text, {"math": math, "np": numpy})  # the test's own literal


@pytest.mark.parametrize(("text", "function"), RULES, ids=[r[0] for r in RULES])
def test_callback_parity(text: str, function: Any) -> None:
    spec = f"keras.LearningRateScheduler({text!r}, lr=0.01)"
    theirs = run_keras(function or _python(text), 0.01, 30)
    ours = lrviz.evaluate(spec, 30)
    assert_parity(spec, ours, theirs, float32=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, err_msg=spec)


def test_model_fit() -> None:
    """The rate each epoch of model.fit trains with, as an on_epoch_begin callback after it reads it."""
    rates: list[float] = []
    model = _model(0.05)
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: rates.append(
            float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        )
    )
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.8)
    data = np.zeros((8, 2), dtype="float32")
    model.fit(data, np.zeros((8, 1)), epochs=6, batch_size=4, callbacks=[scheduler, record], verbose=0)
    spec = "keras.LearningRateScheduler('lambda epoch, lr: lr if epoch < 2 else lr * 0.8', lr=0.05)"
    np.testing.assert_allclose(lrviz.evaluate(spec, 6), rates, rtol=1e-12, atol=0)


def test_rows_are_epochs_with_step_on_epoch() -> None:
    spec = "keras.LearningRateScheduler('lambda epoch, lr: lr * 0.5', lr=1.0)"
    per_epoch = lrviz.evaluate(spec, 3)
    np.testing.assert_array_equal(per_epoch, [0.5, 0.25, 0.125])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("keras.LearningRateScheduler('lambda epoch, lr: 1', lr=0.1)", "requires a float"),
        ("keras.LearningRateScheduler('lambda epoch, lr, x: lr', lr=0.1)", "1 or 2 parameters"),
        ("keras.LearningRateScheduler('lr * step', lr=0.1)", "'step' is not allowed"),
        ("keras.LearningRateScheduler('__import__(\"os\")', lr=0.1)", "is not allowed"),
        ("keras.LearningRateScheduler('lambda epoch, lr: lr / (epoch - 2)', lr=0.1)", "fails at epoch 2"),
        ("keras.LearningRateScheduler('lr *', lr=0.1)", "not a Python expression"),
    ],
)
def test_refusals(text: str, message: str) -> None:
    with pytest.raises(LrvizError, match=message):
        lrviz.evaluate(text, 5)
