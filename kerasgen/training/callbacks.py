"""Callbacks that every kerasgen model uses during `fit`."""

import math

import keras


class NonFiniteLossError(FloatingPointError):
    """A training loss became NaN or infinite."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops `fit` with a clear error as soon as a logged loss is NaN or Inf.

    Keras' own `TerminateOnNaN` stops quietly; this one raises, naming the
    epoch, the batch and every logged term, so a user sees which term broke.
    `GenerativeModel.fit` adds it unless the user passed one.
    """

    def __init__(self):
        super().__init__()
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        values = {k: float(v) for k, v in logs.items() if _is_scalar(v)}
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            terms = ", ".join(f"{k}={v:.6g}" for k, v in values.items())
            raise NonFiniteLossError(
                f"{type(self.model).__name__}: {', '.join(bad)} became non-finite "
                f"at epoch {self._epoch + 1}, batch {batch + 1} ({terms}). Look for "
                "NaN or Inf in the inputs of that batch, or lower the learning rate."
            )


def _is_scalar(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
